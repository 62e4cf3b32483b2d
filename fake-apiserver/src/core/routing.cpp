// Parses request-targets into routes (/api, /apis, discovery, OpenAPI, resources and subresources).
#include "http.hpp"

namespace habop::fake {
namespace {
std::vector<std::string> segments(std::string_view path) {
  std::vector<std::string> out;
  while (!path.empty()) {
    if (path.front() == '/') {
      path.remove_prefix(1);
      continue;
    }
    auto slash = path.find('/');
    out.push_back(percent_decode(path.substr(0, slash)));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash);
  }
  return out;
}
}  // namespace

route parse_route(std::string_view path) {
  route r;
  auto s = segments(path);
  if (path == "/version" || path == "/version/") { r.k = route::kind::version; return r; }
  if (path == "/healthz" || path == "/livez" || path == "/readyz" || path.rfind("/healthz/", 0) == 0 ||
      path.rfind("/livez/", 0) == 0 || path.rfind("/readyz/", 0) == 0) {
    r.k = route::kind::health;
    return r;
  }
  if (s.empty()) return r;
  if (s[0] == "openapi") {
    if (s.size() == 2 && s[1] == "v3") r.k = route::kind::openapi_index;
    else if (s.size() >= 3 && s[1] == "v3") {
      r.k = route::kind::openapi_doc;
      std::string gv;
      for (std::size_t i = 2; i < s.size(); ++i) gv += (i > 2 ? "/" : "") + s[i];
      r.openapi_gv = gv;
    } else if (s.size() == 2 && s[1] == "v2") r.k = route::kind::openapi_v2;
    return r;
  }
  std::size_t i = 0;
  if (s[0] == "api") {
    if (s.size() == 1) { r.k = route::kind::api_root; return r; }
    r.legacy = true;
    r.version = s[1];
    i = 2;
  } else if (s[0] == "apis") {
    if (s.size() == 1) { r.k = route::kind::apis_root; return r; }
    r.group = s[1];
    if (s.size() == 2) { r.k = route::kind::group; return r; }
    r.version = s[2];
    i = 3;
  } else {
    return r;
  }
  if (i == s.size()) { r.k = route::kind::group_version; return r; }
  if (s[i] == "watch") {
    r.watch_path = true;
    ++i;
  }
  std::vector<std::string> rest(s.begin() + static_cast<std::ptrdiff_t>(i), s.end());
  // namespaces/{ns}/{resource}... unless it is the namespaces resource itself (namespaces/{name}[/status]).
  const bool ns_sub = rest.size() == 3 && rest[0] == "namespaces" && (rest[2] == "status" || rest[2] == "finalize");
  if (rest.size() >= 3 && rest[0] == "namespaces" && !ns_sub) {
    r.ns = rest[1];
    rest.erase(rest.begin(), rest.begin() + 2);
  }
  if (rest.empty() || rest.size() > 3) return r;
  r.plural = rest[0];
  if (rest.size() == 1) { r.k = route::kind::collection; return r; }
  r.name = rest[1];
  if (rest.size() == 3) r.sub = rest[2];
  r.k = route::kind::item;
  return r;
}

std::optional<std::string> http_ctx::param(std::string_view k) const {
  for (const auto& [a, b] : query)
    if (a == k) return b;
  return std::nullopt;
}

bool http_ctx::flag(std::string_view k) const {
  auto v = param(k);
  return v && (*v == "true" || *v == "1" || *v == "True");
}

std::string http_ctx::header(std::string_view name) const {
  for (const auto& [k, v] : req.headers)
    if (iequals(k, name)) return v;
  return {};
}

response json_response(int status, std::string body, std::string content_type) {
  response r;
  r.status = status;
  r.headers.emplace_back("Content-Type", std::move(content_type));
  r.body = std::move(body);
  return r;
}

}  // namespace habop::fake
