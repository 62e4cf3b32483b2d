// OpenAPI v3: an index and one document per group/version, enough for kubectl's fieldValidation probe and explain.
#include "http.hpp"

#include <cstdio>

namespace habop::fake {
namespace {

std::string gv_path(const resource_type& t) { return t.group.empty() ? "api/" + t.version : "apis/" + t.group + "/" + t.version; }

bj::object operation(const resource_type& t, const api_operation& op) {
  bj::array params;
  for (const auto& q : op.query)
    params.push_back(bj::object{{"name", q}, {"in", "query"}, {"schema", bj::object{{"type", "string"}}}});
  return bj::object{{"operationId", op.action + t.kind},
                    {"parameters", std::move(params)},
                    {"responses", bj::object{{"200", bj::object{{"description", "OK"}}}}},
                    {"x-kubernetes-action", op.action},
                    {"x-kubernetes-group-version-kind", bj::object{{"group", t.group}, {"version", t.version}, {"kind", t.kind}}}};
}

std::string schema_name(const resource_type& t) {
  std::string g;
  // io.k8s.api.core.v1.ConfigMap for built-ins; reversed group for CRDs (com.example.v1.Widget).
  if (t.builtin) return "io.k8s.api." + (t.group.empty() ? std::string("core") : t.group.substr(0, t.group.find('.'))) + "." + t.version + "." + t.kind;
  std::string rest = t.group;
  std::vector<std::string> parts;
  while (!rest.empty()) {
    auto dot = rest.find('.');
    parts.push_back(rest.substr(0, dot));
    rest = dot == std::string::npos ? "" : rest.substr(dot + 1);
  }
  for (auto it = parts.rbegin(); it != parts.rend(); ++it) g += (g.empty() ? "" : ".") + *it;
  return g + "." + t.version + "." + t.kind;
}

bj::object document(const object_store::impl& s, const std::string& gv) {
  bj::object paths, schemas;
  for (const auto& [k, t] : s.types) {
    if (gv_path(t) != gv) continue;
    for (const auto& p : api_paths(t)) {
      bj::object item;
      for (const auto& op : p.ops) item[op.method] = operation(t, op);
      paths[p.path] = std::move(item);
    }
    bj::object sch = t.schema ? *t.schema : bj::object{{"type", "object"}, {"x-kubernetes-preserve-unknown-fields", true}};
    sch["x-kubernetes-group-version-kind"] = bj::array{bj::object{{"group", t.group}, {"version", t.version}, {"kind", t.kind}}};
    schemas[schema_name(t)] = std::move(sch);
  }
  return bj::object{{"openapi", "3.0.0"},
                    {"info", bj::object{{"title", "Kubernetes"}, {"version", "v1.32.0"}}},
                    {"paths", std::move(paths)},
                    {"components", bj::object{{"schemas", std::move(schemas)}}}};
}

std::string content_hash(std::string_view s) {
  std::uint64_t h = 1469598103934665603ULL;   // FNV-1a
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ULL;
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llX", static_cast<unsigned long long>(h));
  return buf;
}

}  // namespace

std::vector<api_path> api_paths(const resource_type& t) {
  const std::string base = "/" + gv_path(t) + (t.namespaced ? "/namespaces/{namespace}/" : "/") + t.plural;
  const std::vector<std::string> write = {"dryRun", "fieldManager", "fieldValidation"};
  std::vector<std::string> patch = write;
  patch.push_back("force");
  std::vector<api_path> out;
  out.push_back({base, {{"get", "list", {}}, {"post", "post", write}, {"delete", "deletecollection", {}}}});
  out.push_back({base + "/{name}",
                 {{"get", "get", {}}, {"put", "put", write}, {"patch", "patch", patch}, {"delete", "delete", {}}}});
  if (t.has_status)
    out.push_back({base + "/{name}/status", {{"get", "get", {}}, {"put", "put", write}, {"patch", "patch", patch}}});
  return out;
}

handled serve_openapi(object_store::impl& s, const route& r, const http_ctx&) {
  if (r.k == route::kind::openapi_index) {
    std::set<std::string> gvs;
    for (const auto& [k, t] : s.types) gvs.insert(gv_path(t));
    bj::object paths;
    for (const auto& gv : gvs)
      paths[gv] = bj::object{{"serverRelativeURL", "/openapi/v3/" + gv + "?hash=" + content_hash(serialize(document(s, gv)))}};
    return reply(json_response(200, serialize(bj::object{{"paths", std::move(paths)}})));
  }
  bool known = false;
  for (const auto& [k, t] : s.types) known = known || gv_path(t) == r.openapi_gv;
  if (!known) return reply(status_response(path_not_found()));
  response resp = json_response(200, serialize(document(s, r.openapi_gv)));
  resp.headers.emplace_back("Etag", "\"" + content_hash(resp.body) + "\"");
  return reply(std::move(resp));
}

}  // namespace habop::fake
