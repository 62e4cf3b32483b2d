// Write handlers: POST, PUT, PATCH, DELETE and deletecollection, with body decoding and write options.
#include "http.hpp"

#include <charconv>

#include <habop/core/utf8.hpp>
#include <habop/json/codec.hpp>

namespace habop::fake {
namespace {

std::string media_type(std::string_view ct) {
  std::string out;
  for (char ch : ct.substr(0, ct.find(';'))) if (ch != ' ') out += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return out;
}

// The printable UTF-8 of `s` (Go's unicode.IsPrint, approximated: no C0/C1 controls, DEL or invalid bytes).
std::string printable_prefix(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t n = utf8_sequence(s, i);
    const auto c = static_cast<unsigned char>(s[i]);
    const bool control = n == 1 ? (c < 0x20 || c == 0x7f)
                                : n == 2 && c == 0xc2 && static_cast<unsigned char>(s[i + 1]) < 0xa0;
    if (n != 0 && !control) out.append(s.substr(i, n));
    i += n == 0 ? 1 : n;
  }
  return out;
}

}  // namespace

result<bj::object> decode_body(const http_ctx& c, const resource_type& t) {
  const std::string mt = media_type(c.content_type);
  if (mt == "application/vnd.kubernetes.protobuf") return decode_protobuf(c.req.body, t);
  result<bj::value> v = bad_request("");
  if (mt.empty() || mt == "application/json" || mt == "*/*") {
    v = habop::json::parse_json(c.req.body);
  } else if (mt == "application/yaml" || mt == "application/x-yaml" || mt == "text/yaml") {
    // JSON is YAML: parse it as JSON when it looks like JSON (yaml-cpp is slow on malformed flow mappings).
    auto first = c.req.body.find_first_not_of(" \t\r\n");
    if (first != std::string::npos && (c.req.body[first] == '{' || c.req.body[first] == '[')) {
      v = habop::json::parse_json(c.req.body);
      if (!v) return bad_request("error decoding YAML: " + v.error().message);
    } else {
      auto docs = habop::json::parse_yaml_documents(c.req.body);
      if (!docs) return std::move(docs).error();
      if (docs->size() != 1) return bad_request("the body must contain exactly one YAML document");
      v = std::move((*docs)[0]);
    }
  } else {
    return unsupported_media("the body of the request was in an unknown format - accepted media types include: "
                             "application/json, application/yaml, application/vnd.kubernetes.protobuf");
  }
  if (!v) return bad_request("error decoding body: " + v.error().message);
  if (!v->is_object()) return bad_request("Object 'Kind' is missing in '" + c.req.body.substr(0, 64) + "'");
  bj::object o = std::move(v->get_object());
  std::string kind = string_at(o, {"kind"});
  if (!kind.empty() && kind != t.kind && !(kind == "DeleteOptions"))
    return bad_request(kind + " in version \"" + t.version + "\" cannot be handled as a " + t.kind +
                       ": no kind \"" + kind + "\" is registered for version \"" + t.api_version() + "\"");
  return o;
}

result<std::string> field_manager(const http_ctx& c) {
  if (auto m = c.param("fieldManager"); m && !m->empty()) {
    if (m->size() > 128)
      return error{422, "Invalid", "fieldManager: Too long: may not be more than 128 bytes",
                   {{"fieldManager", "FieldValueTooLong", "Too long: may not be more than 128 bytes"}}};
    if (printable_prefix(*m) != *m)
      return error{422, "Invalid", "fieldManager: Invalid value: must consist of printable characters",
                   {{"fieldManager", "FieldValueInvalid", "Invalid value: must consist of printable characters"}}};
    return *m;
  }
  const std::string ua = c.header("User-Agent");
  std::string manager = printable_prefix(std::string_view(ua).substr(0, ua.find('/')));
  if (manager.size() > 128) manager.resize(128);
  while (find_invalid_utf8(manager) != std::string::npos) manager.pop_back();  // a character cut at 128 bytes
  return manager;
}

namespace {

result<write_options> options(const http_ctx& c, std::vector<std::string>* warnings) {
  write_options o;
  o.warnings = warnings;
  auto manager = field_manager(c);
  if (!manager) return std::move(manager).error();
  o.field_manager = std::move(*manager);
  const std::string fv = c.param("fieldValidation").value_or("");
  if (fv.empty() || fv == "Warn") o.validation = field_validation::warn;
  else if (fv == "Strict") o.validation = field_validation::strict;
  else if (fv == "Ignore") o.validation = field_validation::ignore;
  else return bad_request("fieldValidation must be one of \"Ignore\", \"Warn\", or \"Strict\", got: " + fv);
  if (auto d = c.param("dryRun")) {
    if (*d != "All") return bad_request("Invalid dryRun value: " + *d);
    o.dry_run = true;
  }
  o.force = c.flag("force");
  return o;
}

response object_response(int code, const object_store::impl& s, const resource_type& t, const bj::object& o,
                         const std::vector<std::string>& warnings) {
  response r = json_response(code, serialize(s.view(t, o)));
  for (const auto& w : warnings) r.headers.emplace_back("Warning", "299 - " + json_quote(w));
  return r;
}

result<delete_options> delete_opts(const http_ctx& c) {
  delete_options o;
  bj::object body;
  if (!c.req.body.empty()) {
    auto v = habop::json::parse_json(c.req.body);
    if (!v || !v->is_object()) return bad_request("error decoding DeleteOptions body");
    body = std::move(v->get_object());
  }
  std::string policy = string_at(body, {"propagationPolicy"});
  if (policy.empty()) policy = c.param("propagationPolicy").value_or("");
  if (const bj::value* orphan = body.if_contains("orphanDependents"); orphan && orphan->is_bool())
    policy = orphan->get_bool() ? "Orphan" : "Background";
  if (auto od = c.param("orphanDependents")) policy = *od == "true" ? "Orphan" : "Background";
  if (policy == "Background") o.policy = propagation::background;
  else if (policy == "Foreground") o.policy = propagation::foreground;
  else if (policy == "Orphan") o.policy = propagation::orphan;
  else if (!policy.empty())
    return error{422, "Invalid", "DeleteOptions.meta.k8s.io \"\" is invalid: propagationPolicy: Unsupported value: " + json_quote(policy) + ": supported values: \"Foreground\", \"Background\", \"Orphan\", \"nil\"",
                 {{"propagationPolicy", "FieldValueNotSupported", "Unsupported value: " + json_quote(policy)}}};
  if (const bj::value* g = body.if_contains("gracePeriodSeconds"); g && g->is_int64()) o.grace_period_seconds = g->get_int64();
  if (const bj::value* p = body.if_contains("preconditions"); p && p->is_object()) {
    if (auto u = string_at(p->get_object(), {"uid"}); !u.empty()) o.precondition_uid = u;
    if (auto r = string_at(p->get_object(), {"resourceVersion"}); !r.empty()) o.precondition_resource_version = r;
  }
  if (const bj::value* d = body.if_contains("dryRun"); d && d->is_array() && !d->get_array().empty()) o.dry_run = true;
  if (c.param("dryRun").value_or("") == "All") o.dry_run = true;
  return o;
}

std::string success_status(const resource_type& t, const bj::object& o) {
  bj::object details{{"name", string_at(o, {"metadata", "name"})}};
  if (!t.group.empty()) details["group"] = t.group;
  details["kind"] = t.plural;
  details["uid"] = string_at(o, {"metadata", "uid"});
  return serialize(bj::object{{"kind", "Status"}, {"apiVersion", "v1"}, {"metadata", bj::object{}},
                              {"status", "Success"}, {"details", std::move(details)}});
}

}  // namespace

handled serve_write(object_store::impl& s, const resource_type& t, const route& r, const http_ctx& c) {
  const std::string& m = c.req.method;
  std::vector<std::string> warnings;
  if (m == "DELETE") {
    auto o = delete_opts(c);
    if (!o) return reply(status_response(o.error()));
    if (r.k == route::kind::item) {
      auto res = s.remove(t, r.ns, r.name, c.now, *o);
      if (!res) return reply(status_response(res.error()));
      if (res->removed && t.plural != "pods") return reply(json_response(200, success_status(t, res->object)));
      return reply(json_response(200, serialize(s.view(t, res->object))));
    }
    auto ls = parse_label_selector(c.param("labelSelector").value_or(""));
    if (!ls) return reply(status_response(ls.error()));
    auto fs = parse_field_selector(c.param("fieldSelector").value_or(""), t);
    if (!fs) return reply(status_response(fs.error()));
    std::vector<std::pair<std::string, std::string>> keys;
    if (const object_map* objs = s.objects_if(t))
      for (const auto& [k, f] : *objs) {
        if (!r.ns.empty() && k.first != r.ns) continue;
        obj_ptr obj = thaw(*f);
        if (ls->matches(*obj) && fs->matches(*obj)) keys.push_back(k);
      }
    bj::array items;
    for (const auto& [ns, name] : keys) {
      auto res = s.remove(t, ns, name, c.now, *o);
      if (res) items.push_back(s.view(t, res->object));
    }
    bj::object list{{"kind", t.list_kind()}, {"apiVersion", t.api_version()},
                    {"metadata", bj::object{{"resourceVersion", std::to_string(s.rv)}}}, {"items", std::move(items)}};
    return reply(json_response(200, serialize(list)));
  }
  auto wo = options(c, &warnings);
  if (!wo) return reply(status_response(wo.error()));
  if (m == "PATCH") {
    const std::string mt = media_type(c.content_type);
    patch_type pt;
    if (mt == "application/merge-patch+json") pt = patch_type::merge;
    else if (mt == "application/json-patch+json") pt = patch_type::json;
    else if (mt == "application/strategic-merge-patch+json") pt = patch_type::strategic;
    else if (mt == "application/apply-patch+yaml" || mt == "application/apply-patch+cbor") pt = patch_type::apply;
    else
      return reply(status_response(unsupported_media(
          std::string("the body of the request was in an unknown format - accepted media types include: ") +
          "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml" +
          (t.builtin ? ", application/strategic-merge-patch+json" : ""))));
    if (pt == patch_type::apply && !c.param("fieldManager")) wo->field_manager.clear();   // no User-Agent default
    bool created = false;
    auto res = s.patch(t, r.ns, r.name, pt, c.req.body, c.now, *wo, r.sub == "finalize" ? "" : r.sub, &created);
    if (!res) return reply(status_response(res.error()));
    return reply(object_response(created ? 201 : 200, s, t, *res, warnings));
  }
  auto body = decode_body(c, t);
  if (!body) return reply(status_response(body.error()));
  if (m == "POST") {
    auto res = s.create(t, r.ns, std::move(*body), c.now, *wo);
    if (!res) return reply(status_response(res.error()));
    return reply(object_response(201, s, t, *res, warnings));
  }
  // PUT
  bj::object cand = s.to_storage(t, std::move(*body));
  auto res = s.update(t, r.ns, r.name, std::move(cand), c.now, *wo, r.sub == "finalize" ? "" : r.sub);
  if (!res) return reply(status_response(res.error()));
  return reply(object_response(200, s, t, *res, warnings));
}

}  // namespace habop::fake
