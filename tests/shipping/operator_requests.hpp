// The requests habitat-operator makes, per mode, read from operator/src/runtime (runtime.cpp: startup probe and
// CRD registration; controller.cpp: one list+watch per cached kind; leader.cpp: the Lease; the plan's creates,
// merge patches, pod deletes, status patches and events). The RBAC end-to-end test records the real ones.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <habop/fake_apiserver/rbac.hpp>

namespace habop::shipping {

/// The operator's ServiceAccount, as the API server authenticates it.
inline constexpr const char* operator_user = "system:serviceaccount:habitat-operator:habitat-operator";

/// `method target` pairs as the operator's ServiceAccount.
inline std::vector<habop::fake::request_attributes> as_operator(
    const std::vector<std::pair<std::string, std::string>>& requests) {
  std::vector<habop::fake::request_attributes> out;
  for (const auto& [method, target] : requests) {
    auto a = habop::fake::resolve_request(method, target);
    a.user = operator_user;
    a.groups = habop::fake::default_groups(operator_user);
    out.push_back(std::move(a));
  }
  return out;
}

/// What the operator does in `mode` ("cluster-wide" or "namespaced") for a Habitat `h` in the watched namespace.
inline std::vector<habop::fake::request_attributes> operator_requests(const std::string& mode) {
  const bool cluster = mode == "cluster-wide";
  const std::string ns = cluster ? "apps" : "habitat-operator";   // where the Habitat lives
  const std::string scope = cluster ? "" : "/namespaces/" + ns;    // where caches list and watch
  const std::string crd = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";
  const std::string lease = "/apis/coordination.k8s.io/v1/namespaces/habitat-operator/leases";
  std::vector<std::pair<std::string, std::string>> r;
  if (cluster) {
    r.insert(r.end(), {{"GET", "/api/v1/namespaces?limit=1"},               // permission probe
                       {"GET", crd + "/habitats.habitat.sh"},               // registered? then Established?
                       {"POST", crd + "?fieldManager=habitat-operator"}});  // register when missing
  }
  for (const std::string& collection : {"/apis/habitat.sh/v1beta1" + scope + "/habitats",
                                       "/apis/apps/v1" + scope + "/statefulsets", "/api/v1" + scope + "/services",
                                       "/api/v1" + scope + "/configmaps", "/api/v1" + scope + "/pods",
                                       "/api/v1" + scope + "/secrets"}) {
    r.emplace_back("GET", collection);
    r.emplace_back("GET", collection + "?watch=true&allowWatchBookmarks=true");
  }
  const std::string apps = "/apis/apps/v1/namespaces/" + ns;
  const std::string core = "/api/v1/namespaces/" + ns;
  const std::string habitats = "/apis/habitat.sh/v1beta1/namespaces/" + ns + "/habitats";
  r.insert(r.end(), {
      {"POST", apps + "/statefulsets"}, {"PATCH", apps + "/statefulsets/h"},
      {"POST", core + "/services"}, {"PATCH", core + "/services/h"},
      {"POST", core + "/configmaps"}, {"PATCH", core + "/configmaps/peer-watch-file"},
      {"DELETE", core + "/pods/h-0"},                                       // AllAtOnce: a stale pod
      {"PATCH", habitats + "/h/status"},
      // What OwnerReferencesPermissionEnforcement checks when an ownerReference to the Habitat sets
      // blockOwnerDeletion (every object above does).
      {"PUT", habitats + "/h/finalizers"},
      {"POST", core + "/events"}, {"PATCH", core + "/events/h.17a2b3c4d5e6f7a8"},
      {"GET", lease + "/habitat-operator"}, {"POST", lease}, {"PUT", lease + "/habitat-operator"},
  });
  return as_operator(r);
}

}  // namespace habop::shipping
