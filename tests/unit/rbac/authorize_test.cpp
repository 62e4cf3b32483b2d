// authorize() evaluates Roles, ClusterRoles and their bindings as kube-apiserver's RBAC authorizer does.
#include <habop/fake_apiserver/rbac.hpp>

#include <catch2/catch.hpp>

#include "policy_yaml.hpp"

using habop::fake::authorize;
using habop::fake::testing::as;
using habop::fake::testing::policy;

namespace {

constexpr std::string_view sa = "system:serviceaccount:ops:op";

constexpr std::string_view namespaced = R"(
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: op, namespace: ops}
rules:
  - apiGroups: [habitat.sh]
    resources: [habitats]
    verbs: [list, watch]
  - apiGroups: [habitat.sh]
    resources: [habitats/status]
    verbs: [patch]
  - apiGroups: [coordination.k8s.io]
    resources: [leases]
    resourceNames: [habitat-operator]
    verbs: [get, update]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: op, namespace: ops}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: op}
subjects:
  - {kind: ServiceAccount, name: op}
)";

}  // namespace

TEST_CASE("a RoleBinding grants its Role's rules in its own namespace only", "[rbac][authorize]") {
  const auto p = policy(namespaced);
  CHECK(authorize(p, as(sa, "GET", "/apis/habitat.sh/v1beta1/namespaces/ops/habitats")).allowed);
  CHECK(authorize(p, as(sa, "GET", "/apis/habitat.sh/v1beta1/namespaces/ops/habitats?watch=true")).allowed);
  CHECK_FALSE(authorize(p, as(sa, "GET", "/apis/habitat.sh/v1beta1/namespaces/other/habitats")).allowed);
  CHECK_FALSE(authorize(p, as(sa, "GET", "/apis/habitat.sh/v1beta1/habitats")).allowed);
  CHECK_FALSE(authorize(p, as(sa, "GET", "/apis/habitat.sh/v1beta1/namespaces/ops/habitats/h")).allowed);
}

TEST_CASE("the allowing binding is named in the reason", "[rbac][authorize]") {
  const auto d = authorize(policy(namespaced), as(sa, "GET", "/apis/habitat.sh/v1beta1/namespaces/ops/habitats"));
  CHECK(d.reason == R"(RBAC: allowed by RoleBinding "op/ops" of Role "op" to ServiceAccount "op/ops")");
}

TEST_CASE("subresources need their own `resource/subresource` rule", "[rbac][authorize]") {
  const auto p = policy(namespaced);
  CHECK(authorize(p, as(sa, "PATCH", "/apis/habitat.sh/v1beta1/namespaces/ops/habitats/h/status")).allowed);
  CHECK_FALSE(authorize(p, as(sa, "PATCH", "/apis/habitat.sh/v1beta1/namespaces/ops/habitats/h")).allowed);
  CHECK_FALSE(authorize(p, as(sa, "PUT", "/apis/habitat.sh/v1beta1/namespaces/ops/habitats/h/status")).allowed);
  CHECK_FALSE(authorize(p, as(sa, "GET", "/apis/habitat.sh/v1beta1/namespaces/ops/habitats/h/scale")).allowed);
}

TEST_CASE("resourceNames restrict named requests and never match unnamed ones", "[rbac][authorize]") {
  const auto p = policy(namespaced);
  CHECK(authorize(p, as(sa, "GET", "/apis/coordination.k8s.io/v1/namespaces/ops/leases/habitat-operator")).allowed);
  CHECK(authorize(p, as(sa, "PUT", "/apis/coordination.k8s.io/v1/namespaces/ops/leases/habitat-operator")).allowed);
  CHECK_FALSE(authorize(p, as(sa, "GET", "/apis/coordination.k8s.io/v1/namespaces/ops/leases/other")).allowed);
  CHECK_FALSE(authorize(p, as(sa, "GET", "/apis/coordination.k8s.io/v1/namespaces/ops/leases")).allowed);
  CHECK_FALSE(authorize(p, as(sa, "POST", "/apis/coordination.k8s.io/v1/namespaces/ops/leases")).allowed);
}

TEST_CASE("ServiceAccount subjects match only their own user name", "[rbac][authorize]") {
  const auto p = policy(namespaced);
  const char* list = "/apis/habitat.sh/v1beta1/namespaces/ops/habitats";
  CHECK_FALSE(authorize(p, as("system:serviceaccount:other:op", "GET", list)).allowed);
  CHECK_FALSE(authorize(p, as("system:serviceaccount:ops:op2", "GET", list)).allowed);
  CHECK_FALSE(authorize(p, as("op", "GET", list)).allowed);
  CHECK_FALSE(authorize(p, as("system:anonymous", "GET", list)).allowed);
}

TEST_CASE("ClusterRoleBindings grant everywhere, with wildcards and groups", "[rbac][authorize]") {
  const auto p = policy(R"(
kind: ClusterRole
metadata: {name: reader}
rules:
  - apiGroups: ["*"]
    resources: ["*"]
    verbs: [get, list]
  - apiGroups: [""]
    resources: ["*/status"]
    verbs: ["*"]
---
kind: ClusterRoleBinding
metadata: {name: readers}
roleRef: {kind: ClusterRole, name: reader}
subjects:
  - {kind: Group, name: "system:serviceaccounts:ops"}
  - {kind: User, name: alice}
)");
  CHECK(authorize(p, as(sa, "GET", "/apis/apps/v1/namespaces/x/statefulsets/s")).allowed);
  CHECK(authorize(p, as(sa, "GET", "/api/v1/namespaces")).allowed);
  CHECK(authorize(p, as("alice", "GET", "/apis/habitat.sh/v1beta1/habitats")).allowed);
  CHECK_FALSE(authorize(p, as("bob", "GET", "/apis/habitat.sh/v1beta1/habitats")).allowed);
  CHECK_FALSE(authorize(p, as(sa, "DELETE", "/api/v1/namespaces/x/pods/p")).allowed);
  CHECK(authorize(p, as(sa, "PUT", "/api/v1/namespaces/x/pods/p/status")).allowed);
  CHECK_FALSE(authorize(p, as(sa, "PUT", "/apis/apps/v1/namespaces/x/statefulsets/s/status")).allowed);
  CHECK(authorize(p, as(sa, "GET", "/apis/apps/v1/namespaces/x/statefulsets/s")).reason ==
        R"(RBAC: allowed by ClusterRoleBinding "readers" of ClusterRole "reader" to Group "system:serviceaccounts:ops")");
}

TEST_CASE("a RoleBinding to a ClusterRole grants it in the binding's namespace only", "[rbac][authorize]") {
  const auto p = policy(R"(
kind: ClusterRole
metadata: {name: edit-pods}
rules:
  - {apiGroups: [""], resources: [pods], verbs: [delete]}
  - {nonResourceURLs: ["/metrics"], verbs: [get]}
---
kind: RoleBinding
metadata: {name: b, namespace: x}
roleRef: {kind: ClusterRole, name: edit-pods}
subjects: [{kind: ServiceAccount, name: op, namespace: ops}]
)");
  CHECK(authorize(p, as(sa, "DELETE", "/api/v1/namespaces/x/pods/p")).allowed);
  CHECK_FALSE(authorize(p, as(sa, "DELETE", "/api/v1/namespaces/y/pods/p")).allowed);
  // Non-resource URLs are cluster-wide: a RoleBinding never grants them.
  CHECK_FALSE(authorize(p, as(sa, "GET", "/metrics")).allowed);
}

TEST_CASE("a ServiceAccount subject without a namespace means the binding's namespace", "[rbac][authorize]") {
  const auto p = policy(R"(
kind: ClusterRole
metadata: {name: r}
rules: [{apiGroups: [""], resources: [secrets], verbs: [list]}]
---
kind: RoleBinding
metadata: {name: b, namespace: ops}
roleRef: {kind: ClusterRole, name: r}
subjects: [{kind: ServiceAccount, name: op}]
---
kind: ClusterRoleBinding
metadata: {name: c}
roleRef: {kind: ClusterRole, name: r}
subjects: [{kind: ServiceAccount, name: op}]
)");
  CHECK(authorize(p, as(sa, "GET", "/api/v1/namespaces/ops/secrets")).allowed);
  // A ClusterRoleBinding has no namespace to default to: that subject matches nobody.
  CHECK_FALSE(authorize(p, as(sa, "GET", "/api/v1/namespaces/other/secrets")).allowed);
}

TEST_CASE("non-resource URLs match exactly or by a trailing `*`", "[rbac][authorize]") {
  const auto p = policy(R"(
kind: ClusterRole
metadata: {name: r}
rules: [{nonResourceURLs: ["/version", "/apis/*"], verbs: [get]}]
---
kind: ClusterRoleBinding
metadata: {name: c}
roleRef: {kind: ClusterRole, name: r}
subjects: [{kind: Group, name: "system:authenticated"}]
)");
  CHECK(authorize(p, as("alice", "GET", "/version")).allowed);
  CHECK(authorize(p, as("alice", "GET", "/apis/apps/v1")).allowed);
  CHECK_FALSE(authorize(p, as("alice", "GET", "/version/x")).allowed);
  CHECK_FALSE(authorize(p, as("alice", "GET", "/apis")).allowed);
  CHECK_FALSE(authorize(p, as("alice", "POST", "/version")).allowed);
  CHECK_FALSE(authorize(p, as("system:anonymous", "GET", "/version")).allowed);
}

TEST_CASE("missing roles, wrong roleRef kinds and malformed rules grant nothing", "[rbac][authorize]") {
  const auto p = policy(R"(
kind: Role
metadata: {name: r, namespace: other}
rules: [{apiGroups: [""], resources: [pods], verbs: [list]}]
---
kind: RoleBinding
metadata: {name: b1, namespace: ops}
roleRef: {kind: Role, name: r}
subjects: [{kind: ServiceAccount, name: op}]
---
kind: ClusterRole
metadata: {name: bad}
rules: [{apiGroups: "", resources: pods, verbs: list}, 7]
---
kind: ClusterRoleBinding
metadata: {name: b2}
roleRef: {kind: Role, name: r}
subjects: [{kind: ServiceAccount, name: op, namespace: ops}]
---
kind: ClusterRoleBinding
metadata: {name: b3}
roleRef: {kind: ClusterRole, name: bad}
subjects: [{kind: ServiceAccount, name: op, namespace: ops}]
)");
  CHECK_FALSE(authorize(p, as(sa, "GET", "/api/v1/namespaces/ops/pods")).allowed);
  CHECK_FALSE(authorize(p, as(sa, "GET", "/api/v1/namespaces/other/pods")).allowed);
}

TEST_CASE("system:masters is allowed everything", "[rbac][authorize]") {
  auto a = as("admin", "DELETE", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/habitats.habitat.sh");
  CHECK_FALSE(authorize({}, a).allowed);
  a.groups.push_back("system:masters");
  CHECK(authorize({}, a).allowed);
}

TEST_CASE("the bootstrap policy lets authenticated users discover the API", "[rbac][authorize]") {
  std::vector<boost::json::object> objects;
  for (auto& [key, object] : habop::fake::bootstrap_rbac_objects()) objects.push_back(object);
  const auto p = habop::fake::policy_from_objects(objects);
  for (const char* path : {"/api", "/api/v1", "/apis", "/apis/apps/v1", "/openapi/v2", "/openapi/v3/apis/apps/v1",
                           "/version", "/healthz"}) {
    INFO(path);
    CHECK(authorize(p, as(sa, "GET", path)).allowed);
  }
  CHECK(authorize(p, as("system:anonymous", "GET", "/version")).allowed);
  CHECK_FALSE(authorize(p, as("system:anonymous", "GET", "/apis")).allowed);
  CHECK_FALSE(authorize(p, as(sa, "GET", "/api/v1/namespaces")).allowed);
  CHECK(authorize(p, as(sa, "POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews")).allowed);
}
