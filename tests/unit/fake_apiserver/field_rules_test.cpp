// Field-level rules: fieldValidation on built-in kinds, server-side apply of CRD list types, shared watch encodings.
#include <habop/fake_apiserver/api_server.hpp>

#include <catch2/catch.hpp>

#include "test_client.hpp"

using namespace habop::fake;
using namespace habop::fake::test;

namespace {
const std::string cms = "/api/v1/namespaces/default/configmaps";
const std::string sts = "/apis/apps/v1/namespaces/default/statefulsets";
const std::string sts_body = R"({"metadata":{"name":"web"},"spec":{"replicas":1,"serviceName":"web",
  "selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},
  "spec":{"containers":[{"name":"c","image":"nginx","bogus":1,"ports":[{"containerPort":80,"extra":true}]}]}},
  "foo":"bar"}})";

const std::string crd = R"({"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition",
 "metadata":{"name":"pools.example.com"},
 "spec":{"group":"example.com","scope":"Namespaced","names":{"kind":"Pool","plural":"pools"},
  "versions":[{"name":"v1","served":true,"storage":true,
    "schema":{"openAPIV3Schema":{"type":"object","properties":{"spec":{"type":"object","properties":{
      "members":{"type":"array","x-kubernetes-list-type":"map","x-kubernetes-list-map-keys":["name","zone"],
                 "items":{"type":"object","properties":{"name":{"type":"string"},"zone":{"type":"string"},
                                                        "weight":{"type":"integer"}}}},
      "tags":{"type":"array","x-kubernetes-list-type":"set","items":{"type":"string"}},
      "order":{"type":"array","items":{"type":"string"}}}}}}}}]}})";
const std::string pools = "/apis/example.com/v1/namespaces/default/pools";

handled apply(client& c, const std::string& manager, const std::string& body) {
  return c.call("PATCH", pools + "/p?fieldManager=" + manager, body, "application/apply-patch+yaml");
}
std::string pool(const std::string& spec) {
  return R"({"apiVersion":"example.com/v1","kind":"Pool","metadata":{"name":"p"},"spec":)" + spec + "}";
}
}  // namespace

TEST_CASE("fieldValidation on built-in kinds: Strict rejects, Warn warns, Ignore drops unknown fields") {
  api_server srv;
  client c{srv};
  auto strict = c.call("POST", sts + "?fieldValidation=Strict", sts_body);
  CHECK(strict.head.status == 400);
  CHECK(at(c.json(strict), "/reason") == "BadRequest");
  const std::string msg = at(c.json(strict), "/message");
  CHECK(msg.find("strict decoding error") != std::string::npos);
  CHECK(msg.find(R"(unknown field "spec.foo")") != std::string::npos);
  CHECK(msg.find(R"(unknown field "spec.template.spec.containers[0].bogus")") != std::string::npos);
  CHECK(msg.find(R"(unknown field "spec.template.spec.containers[0].ports[0].extra")") != std::string::npos);

  auto warn = c.call("POST", sts + "?fieldValidation=Warn", sts_body);
  REQUIRE(warn.head.status == 201);
  std::string warnings;
  for (const auto& [k, v] : warn.head.headers)
    if (k == "Warning") warnings += v + "\n";
  CHECK(warnings.find(R"(299 - "unknown field \"spec.foo\"")") != std::string::npos);
  CHECK_FALSE(c.json(warn).at("spec").as_object().contains("foo"));
  CHECK(at(c.json(warn), "/spec/template/spec/containers/0/image") == "nginx");

  auto top = c.call("POST", cms + "?fieldValidation=Strict", R"({"metadata":{"name":"c"},"data":{"any":"key"},"dta":{}})");
  CHECK(top.head.status == 400);
  CHECK(at(c.json(top), "/message").find(R"(unknown field "dta")") != std::string::npos);
  auto meta = c.call("POST", cms + "?fieldValidation=Strict", R"({"metadata":{"name":"c","lables":{}}})");
  CHECK(meta.head.status == 400);
  CHECK(at(c.json(meta), "/message").find(R"(unknown field "metadata.lables")") != std::string::npos);
  CHECK(c.call("POST", cms + "?fieldValidation=Strict", R"({"metadata":{"name":"c"},"data":{"any":"key"}})").head.status == 201);
  auto patched = c.call("PATCH", cms + "/c?fieldValidation=Strict", R"({"spec":{}})", "application/merge-patch+json");
  CHECK(patched.head.status == 400);
  auto ignored = c.call("PATCH", cms + "/c?fieldValidation=Ignore", R"({"spec":{}})", "application/merge-patch+json");
  CHECK(ignored.head.status == 200);
  CHECK(c.header(ignored, "Warning").empty());
  CHECK_FALSE(c.json(ignored).contains("spec"));
}

TEST_CASE("server-side apply on custom resources honours list-type map and set") {
  api_server srv;
  client c{srv};
  REQUIRE(c.call("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd).head.status == 201);
  REQUIRE(apply(c, "alice", pool(R"({"members":[{"name":"a","zone":"z1","weight":1}],"tags":["x"],"order":["1"]})")).head.status == 201);
  auto both = apply(c, "bob", pool(R"({"members":[{"name":"b","zone":"z1","weight":2}],"tags":["y"]})"));
  REQUIRE(both.head.status == 200);
  auto o = c.json(both);
  REQUIRE(o.at("spec").at("members").as_array().size() == 2);   // map items merge by (name, zone)
  CHECK(o.at("spec").at("tags").as_array().size() == 2);        // set items union
  CHECK(o.at("spec").at("order").as_array().size() == 1);
  const std::string managed = c.call("GET", pools + "/p").head.body;
  CHECK(managed.find(R"(k:{\"name\":\"b\",\"zone\":\"z1\"})") != std::string::npos);
  CHECK(managed.find(R"(v:\"y\")") != std::string::npos);

  // The same key with another value conflicts with the owner; a different zone is another item.
  auto conflict = apply(c, "bob", pool(R"({"members":[{"name":"a","zone":"z1","weight":5}]})"));
  CHECK(conflict.head.status == 409);
  CHECK(at(c.json(conflict), "/message").find("alice") != std::string::npos);
  auto other_zone = apply(c, "bob", pool(R"({"members":[{"name":"b","zone":"z1","weight":2},{"name":"a","zone":"z2"}],"tags":["y"]})"));
  REQUIRE(other_zone.head.status == 200);
  CHECK(c.json(other_zone).at("spec").at("members").as_array().size() == 3);

  // bob drops his items: only his are removed, alice's stay.
  auto dropped = apply(c, "bob", pool("{}"));
  REQUIRE(dropped.head.status == 200);
  auto d = c.json(dropped);
  REQUIRE(d.at("spec").at("members").as_array().size() == 1);
  CHECK(at(d, "/spec/members/0/name") == "a");
  CHECK(at(d, "/spec/members/0/weight") == "1");
  REQUIRE(d.at("spec").at("tags").as_array().size() == 1);
  CHECK(at(d, "/spec/tags/0") == "x");
}

TEST_CASE("one change reaching many watchers is encoded once and shared") {
  api_server srv;
  client c{srv};
  REQUIRE(c.call("POST", cms, R"({"metadata":{"name":"w","labels":{"app":"a"}}})").head.status == 201);
  std::vector<std::shared_ptr<watch_stream>> watches;
  for (int i = 0; i < 3; ++i) {
    auto h = c.call("GET", cms + "?watch=true&labelSelector=app%3Da&resourceVersion=" +
                              at(c.json(c.call("GET", cms + "/w")), "/metadata/resourceVersion"));
    REQUIRE(h.watch);
    watches.push_back(h.watch);
  }
  REQUIRE(c.call("PATCH", cms + "/w", R"({"data":{"k":"v"}})", "application/merge-patch+json").head.status == 200);
  std::vector<std::string> first, second, third;
  watches[0]->poll(first, c.now);
  watches[1]->poll(second, c.now);
  watches[2]->poll(third, c.now);
  REQUIRE(first.size() == 1);
  CHECK(first == second);
  CHECK(second == third);
  CHECK(first[0].rfind(R"({"type":"MODIFIED","object":{)", 0) == 0);
  // Leaving the selector is a DELETED for the watcher (the shared previous state is used for the transition).
  REQUIRE(c.call("PATCH", cms + "/w", R"({"metadata":{"labels":{"app":"b"}}})", "application/merge-patch+json").head.status == 200);
  first.clear();
  watches[0]->poll(first, c.now);
  REQUIRE(first.size() == 1);
  CHECK(first[0].rfind(R"({"type":"DELETED")", 0) == 0);
}
