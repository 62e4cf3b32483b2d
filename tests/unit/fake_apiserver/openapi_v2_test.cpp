// OpenAPI v2: the JSON document and its gnostic protobuf encoding, as kubectl 1.27's fieldValidation probe reads them.
#include <habop/fake_apiserver/api_server.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <optional>

#include "../../../fake-apiserver/src/core/protobuf_wire.hpp"
#include "test_client.hpp"

using namespace habop::fake;
using namespace habop::fake::test;

namespace {

const std::string crd = R"({"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition",
 "metadata":{"name":"gadgets.example.com"},
 "spec":{"group":"example.com","scope":"Namespaced","names":{"kind":"Gadget","plural":"gadgets"},
  "versions":[{"name":"v1","served":true,"storage":true,
    "schema":{"openAPIV3Schema":{"type":"object","x-kubernetes-preserve-unknown-fields":true}}}]}})";
const std::string item_path = "/api/v1/namespaces/{namespace}/configmaps/{name}";
const std::string gadget_path = "/apis/example.com/v1/namespaces/{namespace}/gadgets/{name}";

// The length-delimited fields numbered `field` of one message.
std::vector<std::string> fields(std::string_view msg, std::uint32_t field) {
  std::vector<std::string> out;
  pb_reader r{msg};
  std::uint32_t f = 0, w = 0;
  std::string_view p;
  std::uint64_t n = 0;
  while (r.next(f, w, p, n))
    if (f == field && w == 2) out.emplace_back(p);
  REQUIRE(r.ok);
  return out;
}

std::optional<std::string> first(std::string_view msg, std::uint32_t field) {
  auto all = fields(msg, field);
  return all.empty() ? std::nullopt : std::optional<std::string>(all.front());
}

// Document.paths(8).path(2) → NamedPathItem{1 name, 2 PathItem}.
std::optional<std::string> path_item(const std::string& doc, const std::string& name) {
  auto paths = first(doc, 8);
  REQUIRE(paths);
  for (const auto& named : fields(*paths, 2))
    if (first(named, 1) == name) return first(named, 2);
  return std::nullopt;
}

// Query parameter names of an Operation: parameters(8) → ParametersItem{1 Parameter{2 NonBodyParameter{3 Query{4}}}}.
std::vector<std::string> query_params(const std::string& op) {
  std::vector<std::string> out;
  for (const auto& item : fields(op, 8))
    if (auto param = first(item, 1))
      if (auto non_body = first(*param, 2))
        if (auto query = first(*non_body, 3))
          if (auto name = first(*query, 4)) out.push_back(*name);
  return out;
}

// Vendor extensions (13) as name → YAML text.
std::map<std::string, std::string> extensions(const std::string& op) {
  std::map<std::string, std::string> out;
  for (const auto& named : fields(op, 13)) {
    auto any = first(named, 2);
    out[first(named, 1).value_or("")] = any ? first(*any, 2).value_or("") : "";
  }
  return out;
}

}  // namespace

TEST_CASE("openapi v2 as JSON lists every served path with its patch parameters") {
  api_server srv;
  client c{srv};
  auto h = c.call("GET", "/openapi/v2");
  REQUIRE(h.head.status == 200);
  auto doc = c.json(h);
  CHECK(at(doc, "/swagger") == "2.0");
  const auto& patch = doc.at("paths").at(item_path).at("patch").as_object();
  CHECK(at(patch, "/x-kubernetes-group-version-kind/kind") == "ConfigMap");
  CHECK(at(patch, "/x-kubernetes-action") == "patch");
  bool field_validation = false;
  for (const auto& p : patch.at("parameters").as_array())
    field_validation = field_validation || at(p.as_object(), "/name") == "fieldValidation";
  CHECK(field_validation);
  CHECK(doc.at("paths").as_object().contains("/apis/storage.k8s.io/v1/storageclasses/{name}"));
  CHECK_FALSE(doc.at("paths").as_object().contains(gadget_path));
}

TEST_CASE("openapi v2 as protobuf decodes as gnostic's Document and follows CRDs") {
  api_server srv;
  client c{srv};
  const std::string pb = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf";
  auto h = c.call("GET", "/openapi/v2", "", "application/json", pb);
  REQUIRE(h.head.status == 200);
  // kube-openapi answers with a '.' for the '@' (Go's mime parser rejects '@' in a Content-Type).
  CHECK(c.header(h, "Content-Type") == "application/com.github.proto-openapi.spec.v2.v1.0+protobuf");
  CHECK(first(h.head.body, 1) == "2.0");
  auto item = path_item(h.head.body, item_path);
  REQUIRE(item);
  auto patch = first(*item, 8);   // PathItem.patch
  REQUIRE(patch);
  auto params = query_params(*patch);
  CHECK(std::find(params.begin(), params.end(), "fieldValidation") != params.end());
  auto ext = extensions(*patch);
  CHECK(ext["x-kubernetes-group-version-kind"] == R"({"group":"","kind":"ConfigMap","version":"v1"})");
  CHECK(ext["x-kubernetes-action"] == R"("patch")");

  CHECK_FALSE(path_item(h.head.body, gadget_path));
  REQUIRE(c.call("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd).head.status == 201);
  auto with_crd = c.call("GET", "/openapi/v2", "", "application/json", pb).head.body;
  auto gadget = path_item(with_crd, gadget_path);
  REQUIRE(gadget);
  REQUIRE(first(*gadget, 8));
  CHECK(extensions(*first(*gadget, 8))["x-kubernetes-group-version-kind"] ==
        R"({"group":"example.com","kind":"Gadget","version":"v1"})");
  REQUIRE(c.call("DELETE", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/gadgets.example.com").head.status == 200);
  srv.drain(c.now);
  CHECK_FALSE(path_item(c.call("GET", "/openapi/v2", "", "application/json", pb).head.body, gadget_path));
}
