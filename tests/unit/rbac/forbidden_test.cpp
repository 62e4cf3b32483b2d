// The 403 Status body is kube-apiserver's, byte for byte in its message and fields.
#include <habop/fake_apiserver/rbac.hpp>

#include <catch2/catch.hpp>

#include <habop/json/codec.hpp>

#include "policy_yaml.hpp"

using habop::fake::forbidden_message;
using habop::fake::forbidden_status;
using habop::fake::testing::as;

namespace {
constexpr std::string_view sa = "system:serviceaccount:habitat-operator:habitat-operator";
}

TEST_CASE("messages name the qualified resource, object, user, verb, group and namespace", "[rbac][forbidden]") {
  CHECK(forbidden_message(as(sa, "GET", "/api/v1/namespaces/ns/secrets/ring")) ==
        R"(secrets "ring" is forbidden: User "system:serviceaccount:habitat-operator:habitat-operator" cannot get )"
        R"(resource "secrets" in API group "" in the namespace "ns")");
  CHECK(forbidden_message(as(sa, "GET", "/api/v1/namespaces")) ==
        R"(namespaces is forbidden: User "system:serviceaccount:habitat-operator:habitat-operator" cannot list )"
        R"(resource "namespaces" in API group "" at the cluster scope)");
  CHECK(forbidden_message(as(sa, "PATCH", "/apis/habitat.sh/v1beta1/namespaces/a/habitats/h/status")) ==
        R"(habitats.habitat.sh "h" is forbidden: User "system:serviceaccount:habitat-operator:habitat-operator" )"
        R"(cannot patch resource "habitats/status" in API group "habitat.sh" in the namespace "a")");
  CHECK(forbidden_message(as(sa, "POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions")) ==
        R"(customresourcedefinitions.apiextensions.k8s.io is forbidden: User )"
        R"("system:serviceaccount:habitat-operator:habitat-operator" cannot create resource )"
        R"("customresourcedefinitions" in API group "apiextensions.k8s.io" at the cluster scope)");
  CHECK(forbidden_message(as("system:anonymous", "GET", "/apis")) ==
        R"(forbidden: User "system:anonymous" cannot get path "/apis")");
}

TEST_CASE("the Status body has kube-apiserver's fields in its order", "[rbac][forbidden]") {
  CHECK(habop::json::to_json(forbidden_status(as(sa, "DELETE", "/api/v1/namespaces/a/pods/web-0"))) ==
        R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods \"web-0\" is )"
        R"(forbidden: User \"system:serviceaccount:habitat-operator:habitat-operator\" cannot delete resource )"
        R"(\"pods\" in API group \"\" in the namespace \"a\"","reason":"Forbidden","details":{"name":"web-0",)"
        R"("kind":"pods"},"code":403})");
  const auto crd = forbidden_status(as(sa, "GET", "/apis/apps/v1/statefulsets"));
  CHECK(crd.at("details") == boost::json::object{{"group", "apps"}, {"kind", "statefulsets"}});
  CHECK(forbidden_status(as("system:anonymous", "GET", "/apis")).at("details") == boost::json::object{});
}
