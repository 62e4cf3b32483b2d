// kube-apiserver's 403 Forbidden Status, its bootstrap discovery roles, and the ready-made RBAC hooks (access, rules).
#include <habop/fake_apiserver/rbac.hpp>

#include <algorithm>
#include <cstdint>
#include <memory>

#include <boost/json/array.hpp>

#include <habop/json/codec.hpp>

#include "http.hpp"

namespace habop::fake {
namespace {

std::string quoted(std::string_view s) {
  // Go's %q for the plain names RBAC quotes (no control characters in valid names; escape the rest minimally).
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

bj::array strings(std::initializer_list<std::string_view> values) {
  bj::array out;
  for (std::string_view v : values) out.emplace_back(bj::string(v));
  return out;
}

bj::object bootstrap_metadata(std::string_view name) {
  return bj::object{{"name", name},
                    {"labels", bj::object{{"kubernetes.io/bootstrapping", "rbac-defaults"}}},
                    {"annotations", bj::object{{"rbac.authorization.kubernetes.io/autoupdate", "true"}}}};
}

bj::object cluster_role(std::string_view name, bj::array rules) {
  return bj::object{{"apiVersion", "rbac.authorization.k8s.io/v1"},
                    {"kind", "ClusterRole"},
                    {"metadata", bootstrap_metadata(name)},
                    {"rules", std::move(rules)}};
}

bj::object cluster_role_binding(std::string_view name, std::initializer_list<std::string_view> groups) {
  bj::array subjects;
  for (std::string_view g : groups) {
    subjects.emplace_back(bj::object{{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", "Group"}, {"name", g}});
  }
  return bj::object{{"apiVersion", "rbac.authorization.k8s.io/v1"},
                    {"kind", "ClusterRoleBinding"},
                    {"metadata", bootstrap_metadata(name)},
                    {"roleRef", bj::object{{"apiGroup", "rbac.authorization.k8s.io"},
                                           {"kind", "ClusterRole"},
                                           {"name", name}}},
                    {"subjects", std::move(subjects)}};
}

// The policy as last read, keyed by the store and its resourceVersion: RBAC objects cannot change without a write,
// and a request asks several questions (impersonation, the request, owner references).
struct policy_cache {
  const object_store* store = nullptr;
  std::uint64_t rv = 0;
  rbac_policy policy;

  const rbac_policy& read(const object_store& s) {
    if (store != &s || rv != s.resource_version()) {
      store = &s;
      rv = s.resource_version();
      policy = load_rbac_policy(s);
    }
    return policy;
  }
};

// `a` with `system:masters` added when its user is one of the settings' superusers.
request_attributes as_superuser(const rbac_settings& settings, request_attributes a) {
  if (std::find(settings.superusers.begin(), settings.superusers.end(), a.user) != settings.superusers.end() &&
      std::find(a.groups.begin(), a.groups.end(), "system:masters") == a.groups.end()) {
    a.groups.emplace_back("system:masters");
  }
  return a;
}

}  // namespace

std::string forbidden_message(const request_attributes& a) {
  const std::string user = quoted(a.user);
  if (!a.resource_request) {
    return "forbidden: User " + user + " cannot " + a.verb + " path " + quoted(a.path);
  }
  const std::string resource = a.subresource.empty() ? a.resource : a.resource + "/" + a.subresource;
  std::string why = "User " + user + " cannot " + a.verb + " resource " + quoted(resource) + " in API group " +
                    quoted(a.api_group) +
                    (a.ns.empty() ? std::string(" at the cluster scope") : " in the namespace " + quoted(a.ns));
  // apierrors.NewForbidden: the qualified resource is `<resource>.<group>` (subresource not included).
  const std::string qualified = a.api_group.empty() ? a.resource : a.resource + "." + a.api_group;
  if (qualified.empty()) return "forbidden: " + why;
  if (a.name.empty()) return qualified + " is forbidden: " + why;
  return qualified + " " + quoted(a.name) + " is forbidden: " + why;
}

boost::json::object forbidden_status(const request_attributes& a) {
  bj::object details;
  if (a.resource_request) {
    if (!a.name.empty()) details["name"] = a.name;
    if (!a.api_group.empty()) details["group"] = a.api_group;
    if (!a.resource.empty()) details["kind"] = a.resource;
  }
  return bj::object{{"kind", "Status"},
                    {"apiVersion", "v1"},
                    {"metadata", bj::object{}},
                    {"status", "Failure"},
                    {"message", forbidden_message(a)},
                    {"reason", "Forbidden"},
                    {"details", std::move(details)},
                    {"code", 403}};
}

std::vector<std::pair<resource_key, boost::json::object>> bootstrap_rbac_objects() {
  const resource_key roles{"rbac.authorization.k8s.io", "v1", "clusterroles"};
  const resource_key bindings{"rbac.authorization.k8s.io", "v1", "clusterrolebindings"};
  std::vector<std::pair<resource_key, bj::object>> out;
  out.emplace_back(roles, cluster_role("system:discovery",
                                       bj::array{bj::object{{"nonResourceURLs",
                                                             strings({"/api", "/api/*", "/apis", "/apis/*",
                                                                      "/healthz", "/livez", "/openapi", "/openapi/*",
                                                                      "/readyz", "/version", "/version/"})},
                                                            {"verbs", strings({"get"})}}}));
  out.emplace_back(roles, cluster_role("system:public-info-viewer",
                                       bj::array{bj::object{{"nonResourceURLs",
                                                             strings({"/healthz", "/livez", "/readyz", "/version",
                                                                      "/version/"})},
                                                            {"verbs", strings({"get"})}}}));
  out.emplace_back(roles, cluster_role("system:basic-user",
                                       bj::array{bj::object{{"apiGroups", strings({"authorization.k8s.io"})},
                                                            {"resources", strings({"selfsubjectaccessreviews",
                                                                                   "selfsubjectrulesreviews"})},
                                                            {"verbs", strings({"create"})}},
                                                 bj::object{{"apiGroups", strings({"authentication.k8s.io"})},
                                                            {"resources", strings({"selfsubjectreviews"})},
                                                            {"verbs", strings({"create"})}}}));
  out.emplace_back(bindings, cluster_role_binding("system:discovery", {"system:authenticated"}));
  out.emplace_back(bindings, cluster_role_binding("system:public-info-viewer",
                                                  {"system:authenticated", "system:unauthenticated"}));
  out.emplace_back(bindings, cluster_role_binding("system:basic-user", {"system:authenticated"}));
  return out;
}

access_fn make_rbac_access(rbac_settings settings) {
  return [settings = std::move(settings), last = std::make_shared<policy_cache>()](const request_attributes& asked,
                                                                                  const object_store& store) {
    const request_attributes a = as_superuser(settings, asked);
    const decision d = authorize(last->read(store), a);
    if (settings.audit) settings.audit(a, d);
    return d;
  };
}

rules_fn make_rbac_rules(rbac_settings settings) {
  return [settings = std::move(settings), last = std::make_shared<policy_cache>()](const request_attributes& who,
                                                                                  const object_store& store) {
    return rules_for(last->read(store), as_superuser(settings, who));
  };
}

authorizer_fn make_rbac_authorizer(rbac_settings settings) {
  return [access = make_rbac_access(std::move(settings))](const request& req, const object_store& store) {
    return authorize_request(req, store, access).denial;
  };
}

}  // namespace habop::fake
