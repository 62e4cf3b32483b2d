// Test helper: makes an object_store serve rbac.authorization.k8s.io/v1 Roles, ClusterRoles and their bindings.
// When the fake serves them as built-ins this does nothing; otherwise CRDs with the same group, names and scope stand
// in (same paths and JSON, so kubectl and the authorizer cannot tell), except that custom resource names must be
// DNS subdomains (so `system:discovery` cannot be stored).
#pragma once

#include <string>
#include <tuple>

#include <boost/json/object.hpp>

#include <habop/core/result.hpp>
#include <habop/fake_apiserver/object_store.hpp>
#include <habop/json/codec.hpp>

namespace habop::shipping {

/// Whether `store` serves the four RBAC kinds as built-ins (not through stand-ins).
inline bool serves_rbac_natively(const habop::fake::object_store& store) {
  return store.serves({"rbac.authorization.k8s.io", "v1", "clusterroles"});
}

/// Registers the stand-in CRDs when the RBAC kinds are not served; an error says which one failed.
inline habop::status ensure_rbac_served(habop::fake::object_store& store, habop::instant now) {
  if (serves_rbac_natively(store)) return habop::ok;
  for (auto [kind, plural, scope] : {std::tuple{"Role", "roles", "Namespaced"},
                                     std::tuple{"ClusterRole", "clusterroles", "Cluster"},
                                     std::tuple{"RoleBinding", "rolebindings", "Namespaced"},
                                     std::tuple{"ClusterRoleBinding", "clusterrolebindings", "Cluster"}}) {
    auto parsed = habop::json::parse_yaml_documents(R"(
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {annotations: {api-approved.kubernetes.io: "https://github.com/kubernetes/kubernetes/pull/1"}}
spec:
  group: rbac.authorization.k8s.io
  versions:
    - name: v1
      served: true
      storage: true
      schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
)");
    if (!parsed) return std::move(parsed).error();
    boost::json::object crd = parsed->front().as_object();
    crd["metadata"].as_object()["name"] = std::string(plural) + ".rbac.authorization.k8s.io";
    crd["spec"].as_object()["scope"] = scope;
    crd["spec"].as_object()["names"] = boost::json::object{{"kind", kind}, {"plural", plural}};
    auto created = store.create(habop::fake::resources::crds(), "", crd, now);
    if (!created) return std::move(created).error();
  }
  return habop::ok;
}

}  // namespace habop::shipping
