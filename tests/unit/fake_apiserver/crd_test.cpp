// Custom resources: CRD registration, discovery, schema pruning/defaulting/validation, printer columns, cleanup.
#include <habop/fake_apiserver/api_server.hpp>

#include <catch2/catch.hpp>

#include "test_client.hpp"

using namespace habop::fake;
using namespace habop::fake::test;

namespace {
const std::string crd = R"({"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition",
 "metadata":{"name":"widgets.example.com"},
 "spec":{"group":"example.com","scope":"Namespaced",
  "names":{"kind":"Widget","plural":"widgets","shortNames":["wd"],"categories":["all"]},
  "versions":[{"name":"v1","served":true,"storage":true,
    "subresources":{"status":{}},
    "selectableFields":[{"jsonPath":".spec.color"}],
    "additionalPrinterColumns":[{"name":"Replicas","type":"integer","jsonPath":".spec.replicas"},
                                {"name":"Ready","type":"string","jsonPath":".status.conditions[?(@.type==\"Ready\")].status"},
                                {"name":"Age","type":"date","jsonPath":".metadata.creationTimestamp"}],
    "schema":{"openAPIV3Schema":{"type":"object","properties":{
      "metadata":{"type":"object","properties":{"name":{"type":"string","pattern":"^[a-z]","maxLength":10}}},
      "spec":{"type":"object","required":["color"],"properties":{
        "replicas":{"type":"integer","minimum":0,"maximum":10,"default":1,"format":"int32"},
        "color":{"type":"string","enum":["red","blue"]},
        "name":{"type":"string","pattern":"^[a-z]+$","maxLength":5},
        "tags":{"type":"array","maxItems":2,"items":{"type":"string"}},
        "ports":{"type":"array","x-kubernetes-list-type":"map","x-kubernetes-list-map-keys":["name"],
                 "items":{"type":"object","properties":{"name":{"type":"string"},"port":{"type":"integer"}}}},
        "size":{"x-kubernetes-int-or-string":true},
        "extra":{"type":"object","x-kubernetes-preserve-unknown-fields":true}}},
      "status":{"type":"object","properties":{"conditions":{"type":"array","items":{"type":"object",
        "properties":{"type":{"type":"string"},"status":{"type":"string"}}}}}}}}}}]}})";
const std::string wpath = "/apis/example.com/v1/namespaces/default/widgets";
std::string widget(std::string spec) {
  return R"({"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"w1"},"spec":)" + spec + "}";
}
}  // namespace

TEST_CASE("CRD registration fills status and serves the resource") {
  api_server srv;
  client c{srv};
  CHECK(c.call("GET", wpath).head.status == 404);
  auto r = c.call("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd);
  REQUIRE(r.head.status == 201);
  auto o = c.json(r);
  CHECK(at(o, "/status/acceptedNames/singular") == "widget");
  CHECK(at(o, "/status/acceptedNames/listKind") == "WidgetList");
  CHECK(at(o, "/status/storedVersions/0") == "v1");
  CHECK(at(o, "/status/conditions/1/type") == "Established");
  CHECK(at(o, "/status/conditions/1/status") == "True");
  CHECK(c.call("GET", wpath).head.status == 200);
  auto disc = c.json(c.call("GET", "/apis/example.com/v1"));
  CHECK(at(disc, "/resources/0/shortNames/0") == "wd");
  CHECK(at(disc, "/resources/1/name") == "widgets/status");
  auto idx = c.call("GET", "/openapi/v3");
  CHECK(idx.head.body.find("apis/example.com/v1") != std::string::npos);
  std::string bad = crd;
  bad.replace(bad.find("widgets.example.com"), 19, "gadgets.example.com");
  auto inv = c.call("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", bad);
  CHECK(inv.head.status == 422);
  CHECK(at(c.json(inv), "/details/causes/0/field") == "metadata.name");
}

TEST_CASE("custom resources: pruning per fieldValidation, defaulting, validation messages") {
  api_server srv;
  client c{srv};
  REQUIRE(c.call("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd).head.status == 201);
  auto strict = c.call("POST", wpath + "?fieldValidation=Strict", widget(R"({"color":"red","foo":1})"));
  CHECK(strict.head.status == 400);
  CHECK(at(c.json(strict), "/message") == "strict decoding error: unknown field \"spec.foo\"");
  auto warn = c.call("POST", wpath + "?fieldValidation=Warn", widget(R"({"color":"red","foo":1,"extra":{"any":true}})"));
  REQUIRE(warn.head.status == 201);
  CHECK(c.header(warn, "Warning") == "299 - \"unknown field \\\"spec.foo\\\"\"");
  auto o = c.json(warn);
  CHECK(at(o, "/spec/foo").empty());
  CHECK(at(o, "/spec/replicas") == "1");
  CHECK(at(o, "/spec/extra/any") == "true");
  CHECK(c.call("DELETE", wpath + "/w1").head.status == 200);
  auto invalid = c.call("POST", wpath, widget(R"({"color":"green","replicas":"x","name":"ABC","tags":["a","b","c"],"ports":[{"name":"a"},{"name":"a"}],"size":true})"));
  REQUIRE(invalid.head.status == 422);
  auto e = c.json(invalid);
  CHECK(at(e, "/details/kind") == "Widget");
  CHECK(at(e, "/details/group") == "example.com");
  const std::string msg = at(e, "/message");
  CHECK(msg.find("Widget.example.com \"w1\" is invalid: [") == 0);
  CHECK(msg.find("spec.replicas: Invalid value: \"string\": spec.replicas in body must be of type integer: \"string\"") != std::string::npos);
  CHECK(msg.find("spec.color: Unsupported value: \"green\": supported values: \"red\", \"blue\"") != std::string::npos);
  CHECK(msg.find("spec.name: Invalid value: \"ABC\": spec.name in body should match '^[a-z]+$'") != std::string::npos);
  CHECK(msg.find("spec.tags: Too many: 3: must have at most 2 items") != std::string::npos);
  CHECK(msg.find("spec.ports[1]: Duplicate value: {\"name\":\"a\"}") != std::string::npos);
  CHECK(msg.find("spec.size") != std::string::npos);
  auto missing = c.call("POST", wpath, widget(R"({"replicas":11})"));
  CHECK(at(c.json(missing), "/message").find("spec.color: Required value") != std::string::npos);
  CHECK(at(c.json(missing), "/message").find("spec.replicas: Invalid value: 11: spec.replicas in body should be less than or equal to 10") != std::string::npos);
}

TEST_CASE("custom resources: a CRD's metadata.name restrictions are checked") {
  api_server srv;
  client c{srv};
  REQUIRE(c.call("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd).head.status == 201);
  auto named = [](const std::string& name) {
    return R"({"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":")" + name +
           R"("},"spec":{"color":"red"}})";
  };
  CHECK(c.call("POST", wpath, named("w2")).head.status == 201);
  auto digit = c.call("POST", wpath, named("9w"));
  REQUIRE(digit.head.status == 422);
  CHECK(at(c.json(digit), "/message") ==
        "Widget.example.com \"9w\" is invalid: metadata.name: Invalid value: \"9w\": metadata.name in body should "
        "match '^[a-z]'");
  auto long_name = c.call("POST", wpath, named("abcdefghijk"));
  REQUIRE(long_name.head.status == 422);
  CHECK(at(c.json(long_name), "/message").find("metadata.name: Too long: may not be more than 10") != std::string::npos);
}

TEST_CASE("custom resources: SMP is 415, status subresource, selectable fields, printer columns") {
  api_server srv;
  client c{srv};
  REQUIRE(c.call("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd).head.status == 201);
  REQUIRE(c.call("POST", wpath, widget(R"({"color":"red","replicas":3})")).head.status == 201);
  CHECK(c.call("PATCH", wpath + "/w1", R"({"spec":{"replicas":2}})", "application/strategic-merge-patch+json").head.status == 415);
  auto st = c.call("PATCH", wpath + "/w1/status", R"({"status":{"conditions":[{"type":"Ready","status":"True"}]}})",
                   "application/merge-patch+json");
  REQUIRE(st.head.status == 200);
  CHECK(at(c.json(st), "/metadata/generation") == "1");
  auto list = c.json(c.call("GET", wpath + "?fieldSelector=spec.color%3Dred"));
  CHECK(list.at("items").as_array().size() == 1);
  CHECK(c.json(c.call("GET", wpath + "?fieldSelector=spec.color%3Dblue")).at("items").as_array().empty());
  c.now = habop::instant{t0.unix_micros + 45'000'000};
  auto table = c.json(c.call("GET", wpath, "", "", "application/json;as=Table;v=v1;g=meta.k8s.io"));
  CHECK(at(table, "/columnDefinitions/1/name") == "Replicas");
  CHECK(at(table, "/rows/0/cells/1") == "3");
  CHECK(at(table, "/rows/0/cells/2") == "True");
  CHECK(at(table, "/rows/0/cells/3") == "45s");
}

TEST_CASE("deleting a CRD deletes its custom resources and drops it from discovery") {
  api_server srv;
  client c{srv};
  REQUIRE(c.call("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd).head.status == 201);
  REQUIRE(c.call("POST", wpath, widget(R"({"color":"red"})")).head.status == 201);
  auto del = c.call("DELETE", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com");
  CHECK(del.head.status == 200);
  srv.drain(c.now);
  CHECK(c.call("GET", wpath).head.status == 404);
  CHECK(c.call("GET", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com").head.status == 404);
  CHECK(c.call("GET", "/apis").head.body.find("example.com") == std::string::npos);
}
