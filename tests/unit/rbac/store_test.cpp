// load_rbac_policy and make_rbac_authorizer against a real fake-apiserver object_store.
#include <habop/fake_apiserver/rbac.hpp>

#include <catch2/catch.hpp>

#include <habop/json/codec.hpp>


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

request write(std::string method, std::string target, std::string user, std::string body) {
  request r = get(std::move(target), std::move(user));
  r.method = std::move(method);
  r.body = std::move(body);
  return r;
}

boost::json::object yaml_object(std::string_view yaml) {
  auto docs = habop::json::parse_yaml_documents(yaml);
  REQUIRE(docs);
  REQUIRE(docs->size() == 1);
  return docs->front().as_object();
}

void create_namespace(object_store& store, const std::string& name) {
  REQUIRE(store.create(resources::namespaces(), "",
                       yaml_object("{apiVersion: v1, kind: Namespace, metadata: {name: " + name + "}}"), now));
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
  const authorizer_fn authorizer = make_rbac_authorizer({});
  const request list = get("/api/v1/namespaces/a/pods", "system:serviceaccount:a:op");
  CHECK(authorizer(list, store));
  create_namespace(store, "a");
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
  for (auto& [key, object] : bootstrap_rbac_objects()) {
    auto created = store.create(key, "", object, now);
    INFO((created ? std::string() : habop::describe(created.error())));
    REQUIRE(created);
  }
  const authorizer_fn authorizer = make_rbac_authorizer({});
  CHECK_FALSE(authorizer(get("/apis", "system:serviceaccount:a:op"), store));
  CHECK(authorizer(get("/apis", "system:anonymous"), store));
}

namespace {

constexpr std::string_view op = "system:serviceaccount:a:op";

// A ConfigMap `cm` in namespace a owned by StatefulSet `web` (blocking or not).
std::string owned_config_map(bool block, std::string_view uid = "u1") {
  return std::string(R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm","namespace":"a",)") +
         R"("ownerReferences":[{"apiVersion":"apps/v1","kind":"StatefulSet","name":"web","uid":")" +
         std::string(uid) + R"(","blockOwnerDeletion":)" + (block ? "true" : "false") + "}]}}";
}

request_attributes attrs(std::string_view method, std::string_view target) {
  request_attributes a = resolve_request(method, target);
  a.user = op;
  a.groups = default_groups(op);
  return a;
}

}  // namespace

TEST_CASE("owner references add the admission plugin's checks: finalizers of blocking owners, delete on change",
          "[rbac][store][owner_references]") {
  api_server server;
  object_store& store = server.store();
  const auto create = attrs("POST", "/api/v1/namespaces/a/configmaps");
  const auto checks = owner_reference_checks(create, owned_config_map(true), store);
  REQUIRE(checks.size() == 1);
  CHECK(checks[0].verb == "update");
  CHECK(checks[0].api_group == "apps");
  CHECK(checks[0].resource == "statefulsets");
  CHECK(checks[0].subresource == "finalizers");
  CHECK(checks[0].ns == "a");
  CHECK(checks[0].name == "web");
  CHECK(checks[0].user == op);
  CHECK(owner_reference_checks(create, owned_config_map(false), store).empty());
  CHECK(owner_reference_checks(create, "not json", store).empty());

  create_namespace(store, "a");
  auto stored = habop::json::parse_json(owned_config_map(true));
  REQUIRE(stored);
  REQUIRE(store.create(resources::configmaps(), "a", stored->as_object(), now));
  const auto patch = attrs("PATCH", "/api/v1/namespaces/a/configmaps/cm");
  // Unchanged references, or a patch that does not touch them, need nothing more.
  CHECK(owner_reference_checks(patch, owned_config_map(true), store).empty());
  CHECK(owner_reference_checks(patch, R"({"data":{"k":"v"}})", store).empty());
  // A new owner: `delete` on the ConfigMap itself, and the new owner's finalizers.
  const auto changed = owner_reference_checks(patch, owned_config_map(true, "u2"), store);
  REQUIRE(changed.size() == 2);
  CHECK(changed[0].verb == "delete");
  CHECK(changed[0].resource == "configmaps");
  CHECK(changed[0].name == "cm");
  CHECK(changed[1].subresource == "finalizers");
}

TEST_CASE("the authorizer denies a blocking owner reference without finalizers rights, and audits every decision",
          "[rbac][store][owner_references]") {
  api_server server;
  object_store& store = server.store();
  create_namespace(store, "a");
  REQUIRE(store.create(cluster_roles, "", yaml_object(R"(
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: cm-writer}
rules: [{apiGroups: [""], resources: [configmaps], verbs: [create]}]
)"), now));
  REQUIRE(store.create(role_bindings, "a", yaml_object(R"(
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: op-writes, namespace: a}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cm-writer}
subjects: [{kind: ServiceAccount, name: op, namespace: a}]
)"), now));
  std::vector<std::pair<request_attributes, decision>> audited;
  const authorizer_fn authorizer = make_rbac_authorizer(
      {.superusers = {}, .audit = [&](const request_attributes& a, const decision& d) { audited.emplace_back(a, d); }});
  CHECK_FALSE(authorizer(write("POST", "/api/v1/namespaces/a/configmaps", std::string(op), owned_config_map(false)),
                         store));
  const auto denied =
      authorizer(write("POST", "/api/v1/namespaces/a/configmaps", std::string(op), owned_config_map(true)), store);
  REQUIRE(denied);
  CHECK(denied->status == 403);
  auto body = habop::json::parse_json(denied->body);
  REQUIRE(body);
  CHECK(body->at("message") ==
        "configmaps is forbidden: cannot set blockOwnerDeletion if an ownerReference refers to a resource you can't "
        "set finalizers on: User \"system:serviceaccount:a:op\" cannot update resource \"statefulsets/finalizers\" in "
        "API group \"apps\" in the namespace \"a\"");
  REQUIRE(audited.size() == 3);
  CHECK(audited[0].second.allowed);
  CHECK(audited[1].first.verb == "create");
  CHECK(audited[2].first.subresource == "finalizers");
  CHECK_FALSE(audited[2].second.allowed);
}
