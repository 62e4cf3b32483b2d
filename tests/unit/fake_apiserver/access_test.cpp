// Access reviews and impersonation in the core: discovery, validation, AlwaysAllow and RBAC answers, the 403 and
// 500 kube-apiserver sends for impersonation it refuses.
#include <habop/fake_apiserver/api_server.hpp>

#include <catch2/catch.hpp>

#include <habop/fake_apiserver/rbac.hpp>

#include "test_client.hpp"

using namespace habop::fake;
using namespace habop::fake::test;

namespace {

const std::string reviews = "/apis/authorization.k8s.io/v1/";

handled as(client& c, std::string method, std::string target, std::vector<std::pair<std::string, std::string>> extra,
           std::string user, std::string body = {}) {
  request r;
  r.method = std::move(method);
  r.target = std::move(target);
  r.body = std::move(body);
  r.headers = {{"Content-Type", "application/json"}, {"Accept", "application/json"}};
  r.headers.insert(r.headers.end(), extra.begin(), extra.end());
  r.user = std::move(user);
  return c.srv.handle(r, c.now);
}

}  // namespace

TEST_CASE("access reviews are discovered as create-only and answered allowed by an AlwaysAllow server") {
  api_server srv;
  client c{srv};
  auto doc = c.json(c.call("GET", "/apis/authorization.k8s.io/v1"));
  REQUIRE(doc.at("resources").as_array().size() == 4);   // three access reviews, one rules review
  for (const auto& r : doc.at("resources").as_array()) CHECK(r.at("verbs") == boost::json::array{"create"});
  auto self = c.call("POST", reviews + "selfsubjectaccessreviews",
                     R"({"spec":{"resourceAttributes":{"verb":"create","group":"habitat.sh","resource":"habitats"}}})");
  CHECK(self.head.status == 201);
  CHECK(at(c.json(self), "/status/allowed") == "true");
  CHECK(at(c.json(self), "/kind") == "SelfSubjectAccessReview");
  CHECK(c.call("GET", reviews + "selfsubjectaccessreviews").head.status == 404);
  auto local = c.json(c.call("POST", reviews + "namespaces/apps/localsubjectaccessreviews",
                             R"({"spec":{"user":"u","resourceAttributes":{"verb":"get","resource":"pods"}}})"));
  CHECK(at(local, "/spec/resourceAttributes/namespace") == "apps");
  auto bad = c.call("POST", reviews + "subjectaccessreviews", R"({"spec":{}})");
  CHECK(bad.head.status == 422);
  CHECK(at(c.json(bad), "/message") ==
        "SubjectAccessReview.authorization.k8s.io \"\" is invalid: [spec.resourceAttributes: Invalid value: \"null\": "
        "exactly one of nonResourceAttributes or resourceAttributes must be specified, spec.user: Invalid value: "
        "\"\": at least one of user or group must be specified]");
}

TEST_CASE("impersonating groups or a uid without a user is kube-apiserver's 500") {
  api_server srv;
  client c{srv};
  auto r = as(c, "GET", "/api/v1/namespaces/default/configmaps", {{"Impersonate-Group", "devs"}}, "admin");
  CHECK(r.head.status == 500);
  CHECK(at(c.json(r), "/message") ==
        "Internal error occurred: requested [{Group  devs    }] without impersonating a user");
}

TEST_CASE("under RBAC, impersonation needs the impersonate verb and the request runs as the impersonated user") {
  server_options opts;
  opts.access = make_rbac_access({.superusers = {"admin"}});
  api_server srv(opts);
  client c{srv};
  for (auto& [key, object] : bootstrap_rbac_objects()) REQUIRE(srv.store().create(key, "", object, c.now));
  const std::string cms = "/api/v1/namespaces/default/configmaps";
  auto refused = as(c, "GET", cms, {{"Impersonate-User", "jane"}}, "bob");
  CHECK(refused.head.status == 403);
  CHECK(at(c.json(refused), "/message") == "users \"jane\" is forbidden: User \"bob\" cannot impersonate resource "
                                           "\"users\" in API group \"\" at the cluster scope");
  CHECK(at(c.json(refused), "/details/kind") == "users");
  // The admin may impersonate; the request is then the ServiceAccount's, which may do nothing.
  auto sa = as(c, "GET", cms, {{"Impersonate-User", "system:serviceaccount:apps:op"}}, "admin");
  CHECK(sa.head.status == 403);
  CHECK(at(c.json(sa), "/message").find("User \"system:serviceaccount:apps:op\" cannot list") != std::string::npos);
  // A self review reports the impersonated user's rights; impersonating system:masters grants everything.
  const std::string ask = R"({"spec":{"resourceAttributes":{"verb":"list","resource":"configmaps","namespace":"default"}}})";
  auto self = as(c, "POST", reviews + "selfsubjectaccessreviews", {{"Impersonate-User", "jane"}}, "admin", ask);
  CHECK(self.head.status == 201);
  CHECK(at(c.json(self), "/status/allowed") == "false");
  auto masters = as(c, "POST", reviews + "selfsubjectaccessreviews",
                    {{"Impersonate-User", "jane"}, {"Impersonate-Group", "system:masters"}}, "admin", ask);
  CHECK(at(c.json(masters), "/status/allowed") == "true");
  // SubjectAccessReviews need their own grant.
  auto sar = as(c, "POST", reviews + "subjectaccessreviews", {}, "bob",
                R"({"spec":{"user":"jane","resourceAttributes":{"verb":"get","resource":"pods"}}})");
  CHECK(sar.head.status == 403);
}
