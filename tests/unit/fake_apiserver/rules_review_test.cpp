// SelfSubjectRulesReviews in the core: AlwaysAllow's `*` rules, the RBAC rules of the effective user in one namespace
// (the bindings authorize() reads), a missing role's evaluationError, protobuf bodies and the 400 without a namespace.
#include <habop/fake_apiserver/api_server.hpp>

#include <catch2/catch.hpp>

#include <habop/fake_apiserver/rbac.hpp>

#include "../../../fake-apiserver/src/core/protobuf_wire.hpp"
#include "test_client.hpp"

using namespace habop::fake;
using namespace habop::fake::test;
namespace bj = boost::json;

namespace {

const std::string rules_reviews = "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews";

std::string review_in(std::string_view ns) {
  return R"({"apiVersion":"authorization.k8s.io/v1","kind":"SelfSubjectRulesReview","spec":{"namespace":")" +
         std::string(ns) + R"("}})";
}

// POSTs a rules review as `user`, with optional impersonation headers; returns its status.
bj::object rules_of(api_server& srv, std::string user, std::string_view ns,
                    std::vector<std::pair<std::string, std::string>> extra = {}) {
  request r{.method = "POST", .target = rules_reviews, .headers = {{"Content-Type", "application/json"}},
            .body = review_in(ns), .user = std::move(user)};
  r.headers.insert(r.headers.end(), extra.begin(), extra.end());
  handled h = srv.handle(r, t0);
  INFO(h.head.body);
  REQUIRE(h.head.status == 201);
  return habop::json::parse_json(h.head.body)->as_object().at("status").as_object();
}

bool has_rule(const bj::object& status, const bj::value& rule) {
  const auto& all = status.at(rule.as_object().contains("nonResourceURLs") ? "nonResourceRules" : "resourceRules");
  return std::find(all.as_array().begin(), all.as_array().end(), rule) != all.as_array().end();
}

bj::value json(std::string_view text) { return *habop::json::parse_json(text); }

constexpr std::string_view policy = R"([
 {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"Role","metadata":{"name":"reader","namespace":"apps"},
  "rules":[{"apiGroups":[""],"resources":["configmaps"],"verbs":["get","list"]},
           {"apiGroups":[""],"resources":["secrets"],"resourceNames":["token"],"verbs":["get"]}]},
 {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"RoleBinding","metadata":{"name":"jane-reads","namespace":"apps"},
  "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"reader"},
  "subjects":[{"kind":"User","name":"jane"}]},
 {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"RoleBinding","metadata":{"name":"jane-ghost","namespace":"apps"},
  "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"ghost"},
  "subjects":[{"kind":"User","name":"jane"}]},
 {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole","metadata":{"name":"watcher"},
  "rules":[{"apiGroups":["apps"],"resources":["statefulsets"],"verbs":["watch"]},
           {"nonResourceURLs":["/metrics"],"verbs":["get"]}]},
 {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRoleBinding","metadata":{"name":"devs-watch"},
  "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"watcher"},
  "subjects":[{"kind":"Group","name":"devs"}]}])";

api_server rbac_server() {
  server_options o;
  o.access = make_rbac_access({.superusers = {"admin"}});
  o.rules = make_rbac_rules({.superusers = {"admin"}});
  return api_server(o);
}

}  // namespace

TEST_CASE("a rules review on an AlwaysAllow server lists everything; it needs a namespace and a POST") {
  api_server srv;
  client c{srv};
  auto r = c.call("POST", rules_reviews, review_in("default"));
  REQUIRE(r.head.status == 201);
  auto body = c.json(r);
  CHECK(body.at("kind") == "SelfSubjectRulesReview");
  CHECK(body.at("apiVersion") == "authorization.k8s.io/v1");
  CHECK(body.at("status") == json(R"({"resourceRules":[{"verbs":["*"],"apiGroups":["*"],"resources":["*"]}],
                                      "nonResourceRules":[{"verbs":["*"],"nonResourceURLs":["*"]}],
                                      "incomplete":false})"));
  auto bad = c.call("POST", rules_reviews, R"({"spec":{}})");
  CHECK(bad.head.status == 400);
  CHECK(at(c.json(bad), "/message") == "no namespace on request");
  CHECK(c.call("GET", rules_reviews).head.status == 404);
  CHECK(c.call("POST", "/apis/authorization.k8s.io/v1/namespaces/default/selfsubjectrulesreviews",
               review_in("default")).head.status == 404);
}

TEST_CASE("an authorizer without a rule resolver answers no rules, marked incomplete") {
  server_options o;
  o.access = [](const request_attributes&, const object_store&) { return decision{true, {}}; };
  api_server srv(o);
  const bj::object status = rules_of(srv, "jane", "default");
  CHECK(status.at("incomplete") == true);
  CHECK(status.at("resourceRules").as_array().empty());
  CHECK_FALSE(std::string(status.at("evaluationError").as_string()).empty());
}

TEST_CASE("under RBAC a rules review lists what the user's bindings grant in that namespace") {
  api_server srv = rbac_server();
  for (auto& [key, object] : bootstrap_rbac_objects()) REQUIRE(srv.store().create(key, "", object, t0));
  REQUIRE(srv.store().create(resources::namespaces(), "", json(R"({"metadata":{"name":"apps"}})").as_object(), t0));
  const bj::value objects = json(policy);
  for (const auto& o : objects.as_array()) {
    const std::string kind(o.at("kind").as_string());
    const std::string plural = kind == "Role" ? "roles" : kind == "RoleBinding" ? "rolebindings"
                               : kind == "ClusterRole" ? "clusterroles" : "clusterrolebindings";
    INFO(kind);
    REQUIRE(srv.store().create({"rbac.authorization.k8s.io", "v1", plural}, "apps", o.as_object(), t0));
  }

  const bj::object in_apps = rules_of(srv, "jane", "apps");
  CHECK(has_rule(in_apps, json(R"({"verbs":["get","list"],"apiGroups":[""],"resources":["configmaps"]})")));
  CHECK(has_rule(in_apps, json(R"({"verbs":["get"],"apiGroups":[""],"resources":["secrets"],
                                   "resourceNames":["token"]})")));
  // The bootstrap roles every authenticated user holds.
  CHECK(has_rule(in_apps, json(R"({"verbs":["create"],"apiGroups":["authorization.k8s.io"],
                                   "resources":["selfsubjectaccessreviews","selfsubjectrulesreviews"]})")));
  CHECK(has_rule(in_apps, json(R"({"verbs":["get"],"nonResourceURLs":["/healthz","/livez","/readyz","/version",
                                                                      "/version/"]})")));
  CHECK_FALSE(has_rule(in_apps, json(R"({"verbs":["watch"],"apiGroups":["apps"],"resources":["statefulsets"]})")));
  CHECK(in_apps.at("incomplete") == false);
  CHECK(in_apps.at("evaluationError") == "clusterrole.rbac.authorization.k8s.io \"ghost\" not found");

  // Namespaced grants stay in their namespace.
  const bj::object in_default = rules_of(srv, "jane", "default");
  CHECK_FALSE(has_rule(in_default, json(R"({"verbs":["get","list"],"apiGroups":[""],"resources":["configmaps"]})")));
  CHECK_FALSE(in_default.contains("evaluationError"));

  // The effective user after impersonation: jane in devs also holds the ClusterRole, both of its rule kinds.
  const bj::object as_dev = rules_of(srv, "admin", "default", {{"Impersonate-User", "jane"},
                                                               {"Impersonate-Group", "devs"}});
  CHECK(has_rule(as_dev, json(R"({"verbs":["watch"],"apiGroups":["apps"],"resources":["statefulsets"]})")));
  CHECK(has_rule(as_dev, json(R"({"verbs":["get"],"nonResourceURLs":["/metrics"]})")));
  CHECK_FALSE(has_rule(as_dev, json(R"({"verbs":["*"],"apiGroups":["*"],"resources":["*"]})")));

  // A superuser (system:masters) holds cluster-admin's rules.
  CHECK(has_rule(rules_of(srv, "admin", "default"), json(R"({"verbs":["*"],"apiGroups":["*"],"resources":["*"]})")));
}

TEST_CASE("a rules review sent as protobuf, as kubectl sends it, is decoded") {
  api_server srv;
  pb_writer type_meta, meta, spec, status, review, unknown;
  type_meta.string(1, "authorization.k8s.io/v1");
  type_meta.string(2, "SelfSubjectRulesReview");
  for (std::uint32_t f : {1, 2, 3, 4, 5, 6}) meta.bytes(f, "");
  meta.integer(7, 0);
  meta.bytes(8, "");
  spec.bytes(1, "apps");
  status.integer(3, 0);   // the zero status: incomplete=false, an empty evaluationError
  status.bytes(4, "");
  review.message(1, meta);
  review.message(2, spec);
  review.message(3, status);
  unknown.message(1, type_meta);
  unknown.message(2, review);
  request r{.method = "POST", .target = rules_reviews,
            .headers = {{"Content-Type", "application/vnd.kubernetes.protobuf"},
                        {"Accept", "application/vnd.kubernetes.protobuf, */*"}},
            .body = std::string("k8s\0", 4) + unknown.out};
  handled h = srv.handle(r, t0);
  INFO(h.head.body);
  CHECK(h.head.status == 201);
  CHECK(h.head.body.find(R"("resourceRules":[{"verbs":["*"])") != std::string::npos);
}
