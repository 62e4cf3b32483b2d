// The /scale subresource: an autoscaling/v1 Scale view over spec/status replica paths.
#include "http.hpp"

#include <habop/json/codec.hpp>

namespace habop::fake {
namespace {

std::vector<std::string> split(std::string_view p) {
  std::vector<std::string> out;
  while (!p.empty()) {
    if (p.front() == '.') { p.remove_prefix(1); continue; }
    auto dot = p.find('.');
    out.emplace_back(p.substr(0, dot));
    if (dot == std::string_view::npos) break;
    p.remove_prefix(dot);
  }
  return out;
}

const bj::value* at(const bj::object& o, std::string_view path) {
  const bj::object* cur = &o;
  const bj::value* v = nullptr;
  for (const auto& k : split(path)) {
    if (!cur) return nullptr;
    v = cur->if_contains(k);
    if (!v) return nullptr;
    cur = v->if_object();
  }
  return v;
}

bj::object to_scale(const resource_type& t, const bj::object& o) {
  const bj::value* spec = at(o, t.scale_spec_path);
  const bj::value* status = at(o, t.scale_status_path);
  bj::object meta;
  for (auto k : {"name", "namespace", "uid", "resourceVersion", "creationTimestamp"})
    if (const bj::value* v = find_path(o, {"metadata", k})) meta[k] = *v;
  bj::object st{{"replicas", status && status->is_int64() ? status->get_int64() : 0}};
  if (t.builtin) {
    if (const bj::value* sel = find_path(o, {"spec", "selector", "matchLabels"}); sel && sel->is_object()) {
      std::string s;
      for (const auto& [k, v] : sel->get_object()) s += (s.empty() ? "" : ",") + std::string(k) + "=" + (v.is_string() ? std::string(v.get_string()) : "");
      st["selector"] = s;
    }
  } else if (!t.scale_selector_path.empty()) {
    if (const bj::value* sel = at(o, t.scale_selector_path); sel && sel->is_string()) st["selector"] = *sel;
  }
  return bj::object{{"kind", "Scale"}, {"apiVersion", "autoscaling/v1"}, {"metadata", std::move(meta)},
                    {"spec", bj::object{{"replicas", spec && spec->is_int64() ? spec->get_int64() : 0}}},
                    {"status", std::move(st)}};
}

}  // namespace

handled serve_scale(object_store::impl& s, const resource_type& t, const route& r, const http_ctx& c) {
  auto cur = s.get(t, r.ns, r.name);
  if (!cur) return reply(status_response(cur.error()));
  bj::object scale = to_scale(t, **cur);
  const std::string& m = c.req.method;
  if (m == "GET") return reply(json_response(200, serialize(scale)));
  if (m != "PUT" && m != "PATCH")
    return reply(status_response(error{405, "MethodNotAllowed", "the server does not allow this method on the requested resource", {}}));
  auto body = habop::json::parse_json(c.req.body);
  if (!body) return reply(status_response(body.error()));
  bj::value next;
  if (m == "PUT") {
    next = std::move(*body);
  } else {
    std::string ct = c.content_type.substr(0, c.content_type.find(';'));
    if (ct == "application/json-patch+json") {
      auto r2 = json_patch_apply(bj::value(scale), *body);
      if (!r2) return reply(status_response(r2.error()));
      next = std::move(*r2);
    } else {
      next = merge_patch_apply(bj::value(scale), *body);
    }
  }
  const bj::value* replicas = next.is_object() ? find_path(next.get_object(), {"spec", "replicas"}) : nullptr;
  if (!replicas || !replicas->is_int64() || replicas->get_int64() < 0)
    return reply(status_response(invalid(resource_type{.group = "autoscaling", .kind = "Scale"}, r.name,
                                         {{"spec.replicas", "FieldValueInvalid", "Invalid value: must be greater than or equal to 0"}})));
  if (const bj::value* rv = find_path(next.get_object(), {"metadata", "resourceVersion"}); rv && rv->is_string() &&
      rv->get_string() != string_at(**cur, {"metadata", "resourceVersion"}))
    return reply(status_response(conflict(t, r.name)));
  bj::object obj = **cur;
  bj::object* node = &obj;
  auto parts = split(t.scale_spec_path);
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) node = object_at(*node, parts[i]);
  if (!parts.empty()) (*node)[parts.back()] = replicas->get_int64();
  auto manager = field_manager(c);
  if (!manager) return reply(status_response(manager.error()));
  write_options wo;
  wo.field_manager = std::move(*manager);
  auto res = s.update(t, r.ns, r.name, std::move(obj), c.now, wo, "");
  if (!res) return reply(status_response(res.error()));
  return reply(json_response(200, serialize(to_scale(t, *res))));
}

}  // namespace habop::fake
