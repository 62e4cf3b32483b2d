// OpenAPI v2 (/openapi/v2): paths of every served resource, as JSON or as gnostic's openapi_v2.Document protobuf.
// kubectl 1.27 reads it (protobuf) to learn whether PATCH of a kind accepts `fieldValidation`; without it every
// `kubectl apply` with the default --validate=strict fails before sending anything.
#include "http.hpp"
#include "protobuf_wire.hpp"

namespace habop::fake {
namespace {

bj::object path_parameter(std::string_view name) {
  return bj::object{{"name", name}, {"in", "path"}, {"required", true}, {"type", "string"},
                    {"uniqueItems", true}, {"description", "name of the " + std::string(name == "namespace" ? "namespace" : "object")}};
}

bj::array consumes(std::string_view method, const resource_type& t) {
  if (method != "patch") return bj::array{"*/*"};
  bj::array a{"application/json-patch+json", "application/merge-patch+json", "application/apply-patch+yaml"};
  if (t.builtin) a.push_back("application/strategic-merge-patch+json");
  return a;
}

bj::object operation(const resource_type& t, const api_operation& op) {
  bj::array params;
  for (const auto& q : op.query)
    params.push_back(bj::object{{"name", q}, {"in", "query"}, {"type", "string"}, {"uniqueItems", true}});
  return bj::object{{"tags", bj::array{t.group.empty() ? "core_" + t.version : t.group + "_" + t.version}},
                    {"operationId", op.action + t.kind},
                    {"consumes", consumes(op.method, t)},
                    {"produces", bj::array{"application/json", "application/yaml"}},
                    {"schemes", bj::array{"https"}},
                    {"parameters", std::move(params)},
                    {"responses", bj::object{{"200", bj::object{{"description", "OK"}}}}},
                    {"x-kubernetes-action", op.action},
                    {"x-kubernetes-group-version-kind",
                     bj::object{{"group", t.group}, {"kind", t.kind}, {"version", t.version}}}};
}

bj::object document(const object_store::impl& s) {
  bj::object paths;
  for (const auto& [k, t] : s.types)
    for (const auto& p : api_paths(t)) {
      bj::object item;
      for (const auto& op : p.ops) item[op.method] = operation(t, op);
      bj::array params;
      if (p.path.find("{name}") != std::string::npos) params.push_back(path_parameter("name"));
      if (t.namespaced) params.push_back(path_parameter("namespace"));
      item["parameters"] = std::move(params);
      paths[p.path] = std::move(item);
    }
  return bj::object{{"swagger", "2.0"},
                    {"info", bj::object{{"title", "Kubernetes"}, {"version", "v1.32.0"}}},
                    {"paths", std::move(paths)},
                    {"definitions", bj::object{}}};
}

// ---- gnostic openapi_v2 encoding of what `document` produces (field numbers from OpenAPIv2.proto).

std::string text(const bj::object& o, std::string_view k) {
  const bj::value* v = o.if_contains(k);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

bool truth(const bj::object& o, std::string_view k) {
  const bj::value* v = o.if_contains(k);
  return v && v->is_bool() && v->get_bool();
}

void strings(pb_writer& w, std::uint32_t field, const bj::object& o, std::string_view k) {
  if (const bj::value* v = o.if_contains(k); v && v->is_array())
    for (const auto& e : v->get_array())
      if (e.is_string()) w.bytes(field, e.get_string());
}

// NamedAny{1 name, 2 Any{2 yaml}}: vendor extensions carry their value as YAML text (JSON is YAML).
pb_writer named_any(std::string_view name, const bj::value& v) {
  pb_writer any, named;
  any.string(2, serialize(v));
  named.string(1, name);
  named.message(2, any);
  return named;
}

void vendor_extensions(pb_writer& w, std::uint32_t field, const bj::object& o) {
  for (const auto& [k, v] : o)
    if (k.starts_with("x-")) w.message(field, named_any(k, v));
}

// ParametersItem{1 Parameter{2 NonBodyParameter{3 QueryParameterSubSchema | 4 PathParameterSubSchema}}}.
pb_writer parameter(const bj::object& p) {
  const bool in_path = text(p, "in") == "path";
  pb_writer sub;
  sub.boolean(1, truth(p, "required"));
  sub.string(2, text(p, "in"));
  sub.string(3, text(p, "description"));
  sub.string(4, text(p, "name"));
  sub.string(in_path ? 5 : 6, text(p, "type"));
  sub.boolean(in_path ? 19 : 20, truth(p, "uniqueItems"));
  pb_writer non_body, param, item;
  non_body.message(in_path ? 4 : 3, sub);
  param.message(2, non_body);
  item.message(1, param);
  return item;
}

void parameters(pb_writer& w, std::uint32_t field, const bj::object& o) {
  if (const bj::value* v = o.if_contains("parameters"); v && v->is_array())
    for (const auto& p : v->get_array())
      if (p.is_object()) w.message(field, parameter(p.get_object()));
}

// Responses{1 NamedResponseValue{1 code, 2 ResponseValue{1 Response{1 description}}}}.
pb_writer responses(const bj::object& o) {
  pb_writer out;
  if (const bj::value* v = o.if_contains("responses"); v && v->is_object())
    for (const auto& [code, r] : v->get_object()) {
      pb_writer resp, value, named;
      if (r.is_object()) resp.string(1, text(r.get_object(), "description"));
      value.message(1, resp);
      named.string(1, code);
      named.message(2, value);
      out.message(1, named);
    }
  return out;
}

pb_writer operation_pb(const bj::object& op) {
  pb_writer w;
  strings(w, 1, op, "tags");
  w.string(5, text(op, "operationId"));
  strings(w, 6, op, "produces");
  strings(w, 7, op, "consumes");
  parameters(w, 8, op);
  w.message(9, responses(op));
  strings(w, 10, op, "schemes");
  vendor_extensions(w, 13, op);
  return w;
}

pb_writer path_item_pb(const bj::object& item) {
  constexpr std::pair<std::string_view, std::uint32_t> methods[] = {{"get", 2}, {"put", 3}, {"post", 4},
                                                                    {"delete", 5}, {"patch", 8}};
  pb_writer w;
  for (const auto& [m, field] : methods)
    if (const bj::value* op = item.if_contains(m); op && op->is_object()) w.message(field, operation_pb(op->get_object()));
  parameters(w, 9, item);
  return w;
}

std::string encode(const bj::object& doc) {
  pb_writer w, info, paths, definitions;
  w.string(1, text(doc, "swagger"));
  if (const bj::value* i = doc.if_contains("info"); i && i->is_object()) {
    info.string(1, text(i->get_object(), "title"));
    info.string(2, text(i->get_object(), "version"));
  }
  w.message(2, info);
  if (const bj::value* p = doc.if_contains("paths"); p && p->is_object())
    for (const auto& [path, item] : p->get_object()) {
      if (!item.is_object()) continue;
      pb_writer named;
      named.string(1, path);
      named.message(2, path_item_pb(item.get_object()));
      paths.message(2, named);
    }
  w.message(8, paths);
  w.message(9, definitions);
  return std::move(w.out);
}

}  // namespace

handled serve_openapi_v2(const object_store::impl& s, const http_ctx& c) {
  bj::object doc = document(s);
  if (c.accept.find("protobuf") != std::string::npos)
    return handled{json_response(200, encode(doc), "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"),
                   nullptr};
  return handled{json_response(200, serialize(doc)), nullptr};
}

}  // namespace habop::fake
