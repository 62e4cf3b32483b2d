// load_rbac_policy and make_rbac_authorizer against a real fake-apiserver object_store.
#include <habop/fake_apiserver/rbac.hpp>

#include <catch2/catch.hpp>

#include <habop/json/codec.hpp>

#include "../../shipping/rbac_stand_in.hpp"

using namespace habop::fake;

namespace {

const resource_key role_bindings{"rbac.authorization.k8s.io", "v1", "rolebindings"};
const resource_key cluster_roles{"rbac.authorization.k8s.io", "v1", "clusterroles"};
constexpr habop::instant now{1'700'000'000'000'000};

request get(std::string target, std::string user) {
  request r;
  r.method = "GET";
  r.target = std::move(target);
  r.user = std::move(user);
  return r;
}

boost::json::object yaml_object(std::string_view yaml) {
  auto docs = habop::json::parse_yaml_documents(yaml);
  REQUIRE(docs);
  REQUIRE(docs->size() == 1);
  return docs->front().as_object();
}

}  // namespace

TEST_CASE("the authorizer denies with kube-apiserver's 403 and lets superusers through", "[rbac][store]") {
  api_server server;
  const authorizer_fn authorizer = make_rbac_authorizer({.superusers = {"admin"}});
  CHECK_FALSE(authorizer(get("/api/v1/namespaces/a/configmaps", "admin"), server.store()));
  const auto denied = authorizer(get("/api/v1/namespaces/a/configmaps", "system:serviceaccount:a:op"),
                                 server.store());
  REQUIRE(denied);
  CHECK(denied->status == 403);
  CHECK(denied->headers == std::vector<std::pair<std::string, std::string>>{{"Content-Type", "application/json"}});
  auto body = habop::json::parse_json(denied->body);
  REQUIRE(body);
  CHECK(body->at("message") == "configmaps is forbidden: User \"system:serviceaccount:a:op\" cannot list resource "
                               "\"configmaps\" in API group \"\" in the namespace \"a\"");
}

TEST_CASE("Roles and bindings written to the store take effect at once", "[rbac][store]") {
  api_server server;
  object_store& store = server.store();
  const auto served = habop::shipping::ensure_rbac_served(store, now);
  INFO((served ? std::string() : habop::describe(served.error())));
  REQUIRE(served);
  const authorizer_fn authorizer = make_rbac_authorizer({});
  const request list = get("/api/v1/namespaces/a/pods", "system:serviceaccount:a:op");
  CHECK(authorizer(list, store));
  REQUIRE(store.create(resources::namespaces(), "", yaml_object("{apiVersion: v1, kind: Namespace, metadata: {name: a}}"),
                       now));
  REQUIRE(store.create(cluster_roles, "", yaml_object(R"(
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: pod-reader}
rules: [{apiGroups: [""], resources: [pods], verbs: [list]}]
)"), now));
  CHECK(authorizer(list, store));
  REQUIRE(store.create(role_bindings, "a", yaml_object(R"(
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: op-reads-pods, namespace: a}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: pod-reader}
subjects: [{kind: ServiceAccount, name: op, namespace: a}]
)"), now));
  CHECK_FALSE(authorizer(list, store));
  CHECK(authorizer(get("/api/v1/namespaces/b/pods", "system:serviceaccount:a:op"), store));

  const rbac_policy policy = load_rbac_policy(store);
  CHECK(policy.cluster_roles.size() == 1);
  CHECK(policy.role_bindings.size() == 1);
  CHECK(policy.roles.empty());
  CHECK(policy.cluster_role_bindings.empty());
}

TEST_CASE("the bootstrap objects can be stored", "[rbac][store]") {
  api_server server;
  object_store& store = server.store();
  if (!habop::shipping::serves_rbac_natively(store)) {
    // CRD stand-ins cannot hold these: custom resource names must be DNS subdomains, RBAC names only path segments.
    WARN("the fake-apiserver does not serve rbac.authorization.k8s.io/v1 yet; bootstrap names need it");
    return;
  }
  for (auto& [key, object] : bootstrap_rbac_objects()) {
    auto created = store.create(key, "", object, now);
    INFO((created ? std::string() : habop::describe(created.error())));
    REQUIRE(created);
  }
  const authorizer_fn authorizer = make_rbac_authorizer({});
  CHECK_FALSE(authorizer(get("/apis", "system:serviceaccount:a:op"), store));
  CHECK(authorizer(get("/apis", "system:anonymous"), store));
}
