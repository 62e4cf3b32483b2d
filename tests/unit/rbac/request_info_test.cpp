// resolve_request and default_groups behave like kube-apiserver's RequestInfoFactory and authenticators.
#include <habop/fake_apiserver/rbac.hpp>

#include <catch2/catch.hpp>

using habop::fake::default_groups;
using habop::fake::request_attributes;
using habop::fake::resolve_request;

namespace {

request_attributes resource(std::string verb, std::string group, std::string version, std::string res,
                            std::string sub, std::string ns, std::string name, std::string path) {
  request_attributes a;
  a.resource_request = true;
  a.verb = std::move(verb);
  a.api_group = std::move(group);
  a.api_version = std::move(version);
  a.resource = std::move(res);
  a.subresource = std::move(sub);
  a.ns = std::move(ns);
  a.name = std::move(name);
  a.path = std::move(path);
  return a;
}

}  // namespace

TEST_CASE("GET on a collection is list, or watch with watch=true", "[rbac][request_info]") {
  CHECK(resolve_request("GET", "/api/v1/namespaces/ns1/pods?labelSelector=habitat%3Dtrue") ==
        resource("list", "", "v1", "pods", "", "ns1", "", "/api/v1/namespaces/ns1/pods"));
  CHECK(resolve_request("GET", "/apis/habitat.sh/v1beta1/habitats?watch=true&resourceVersion=5").verb == "watch");
  CHECK(resolve_request("GET", "/apis/habitat.sh/v1beta1/habitats?watch=1").verb == "watch");
  CHECK(resolve_request("GET", "/apis/habitat.sh/v1beta1/habitats?watch=").verb == "watch");
  CHECK(resolve_request("GET", "/apis/habitat.sh/v1beta1/habitats?watch=false").verb == "list");
  CHECK(resolve_request("GET", "/apis/habitat.sh/v1beta1/habitats?watch=0").verb == "list");
  CHECK(resolve_request("GET", "/apis/apps/v1/watch/namespaces/a/statefulsets").verb == "watch");
  CHECK(resolve_request("GET", "/apis/apps/v1/watch/namespaces/a/statefulsets").ns == "a");
}

TEST_CASE("methods map to verbs and paths to resource, subresource, namespace and name", "[rbac][request_info]") {
  CHECK(resolve_request("GET", "/apis/apps/v1/namespaces/a/statefulsets/web") ==
        resource("get", "apps", "v1", "statefulsets", "", "a", "web", "/apis/apps/v1/namespaces/a/statefulsets/web"));
  CHECK(resolve_request("POST", "/api/v1/namespaces/a/configmaps").verb == "create");
  CHECK(resolve_request("PUT", "/api/v1/namespaces/a/configmaps/x").verb == "update");
  CHECK(resolve_request("DELETE", "/api/v1/namespaces/a/pods/p-0").verb == "delete");
  CHECK(resolve_request("DELETE", "/api/v1/namespaces/a/pods?labelSelector=x").verb == "deletecollection");
  CHECK(resolve_request("PATCH", "/apis/habitat.sh/v1beta1/namespaces/a/habitats/h/status") ==
        resource("patch", "habitat.sh", "v1beta1", "habitats", "status", "a", "h",
                 "/apis/habitat.sh/v1beta1/namespaces/a/habitats/h/status"));
  CHECK(resolve_request("HEAD", "/api/v1/namespaces/a/pods/p").verb == "get");
  CHECK(resolve_request("OPTIONS", "/api/v1/namespaces/a/pods/p").verb.empty());
}

TEST_CASE("cluster-scoped resources and namespaces themselves", "[rbac][request_info]") {
  CHECK(resolve_request("GET", "/api/v1/namespaces") ==
        resource("list", "", "v1", "namespaces", "", "", "", "/api/v1/namespaces"));
  // A namespace object is in its own namespace, so a RoleBinding there can grant reading it.
  CHECK(resolve_request("GET", "/api/v1/namespaces/a") ==
        resource("get", "", "v1", "namespaces", "", "a", "a", "/api/v1/namespaces/a"));
  CHECK(resolve_request("PUT", "/api/v1/namespaces/a/finalize") ==
        resource("update", "", "v1", "namespaces", "finalize", "a", "a", "/api/v1/namespaces/a/finalize"));
  CHECK(resolve_request("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions") ==
        resource("create", "apiextensions.k8s.io", "v1", "customresourcedefinitions", "", "", "",
                 "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"));
}

TEST_CASE("a list or watch pinned to one name by field selector carries the name", "[rbac][request_info]") {
  const auto a = resolve_request(
      "GET", "/apis/coordination.k8s.io/v1/namespaces/op/leases?fieldSelector=metadata.name%3Dhabitat-operator&watch=1");
  CHECK(a.verb == "watch");
  CHECK(a.name == "habitat-operator");
  CHECK(resolve_request("GET", "/api/v1/namespaces/a/pods?fieldSelector=metadata.name%3D%3Dp-0").name == "p-0");
  CHECK(resolve_request("GET", "/api/v1/namespaces/a/pods?fieldSelector=status.phase%3DRunning,metadata.name%3Dp")
            .name == "p");
  CHECK(resolve_request("GET", "/api/v1/namespaces/a/pods?fieldSelector=metadata.name%21%3Dp").name.empty());
  CHECK(resolve_request("GET", "/api/v1/namespaces/a/pods?fieldSelector=metadata.namespace%3Da").name.empty());
  CHECK(resolve_request("GET", "/api/v1/namespaces/a/pods?fieldSelector=metadata.name%3D..").name.empty());
}

TEST_CASE("discovery, OpenAPI, version and health are non-resource requests", "[rbac][request_info]") {
  for (const char* path : {"/api", "/api/v1", "/apis", "/apis/apps", "/apis/apps/v1", "/version", "/openapi/v2",
                           "/healthz"}) {
    const auto a = resolve_request("GET", path);
    CHECK_FALSE(a.resource_request);
    CHECK(a.verb == "get");
    CHECK(a.path == path);
  }
  CHECK(resolve_request("POST", "/logs").verb == "post");
}

TEST_CASE("percent-encoded path segments are decoded", "[rbac][request_info]") {
  CHECK(resolve_request("GET", "/api/v1/namespaces/a/configmaps/my%2Dcm").name == "my-cm");
}

TEST_CASE("authenticators' groups", "[rbac][request_info]") {
  CHECK(default_groups("system:serviceaccount:habitat-operator:habitat-operator") ==
        std::vector<std::string>{"system:serviceaccounts", "system:serviceaccounts:habitat-operator",
                                 "system:authenticated"});
  CHECK(default_groups("alice") == std::vector<std::string>{"system:authenticated"});
  CHECK(default_groups("system:anonymous") == std::vector<std::string>{"system:unauthenticated"});
  CHECK(default_groups("system:serviceaccount:broken") == std::vector<std::string>{"system:authenticated"});
}
