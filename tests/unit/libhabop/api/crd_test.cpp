// The habitats.habitat.sh CRD: its identity, schema details, printer columns and subresources.
#include <habop/api/crd.hpp>

#include <catch2/catch.hpp>

#include <boost/json/serialize.hpp>

#include <habop/json/codec.hpp>

namespace api = habop::api;
namespace bj = boost::json;

namespace {
const bj::object& props(const bj::value& node) { return node.at("properties").as_object(); }
}  // namespace

TEST_CASE("the CRD names habitats.habitat.sh as the original did, in apiextensions.k8s.io/v1") {
  const bj::object crd = api::habitat_crd();
  CHECK(crd.at("apiVersion") == "apiextensions.k8s.io/v1");
  CHECK(crd.at("kind") == "CustomResourceDefinition");
  CHECK(crd.at("metadata").at("name") == "habitats.habitat.sh");
  const bj::value& spec = crd.at("spec");
  CHECK(spec.at("group") == "habitat.sh");
  CHECK(spec.at("scope") == "Namespaced");
  CHECK(spec.at("names") == bj::value(bj::object{{"kind", "Habitat"},
                                                  {"listKind", "HabitatList"},
                                                  {"plural", "habitats"},
                                                  {"singular", "habitat"},
                                                  {"shortNames", bj::array{"hab"}},
                                                  {"categories", bj::array{"all"}}}));
  const bj::array& versions = spec.at("versions").as_array();
  REQUIRE(versions.size() == 1);
  CHECK(versions[0].at("name") == "v1beta1");
  CHECK(versions[0].at("served") == true);
  CHECK(versions[0].at("storage") == true);
  CHECK(versions[0].at("subresources").at("status") == bj::value(bj::object{}));
  CHECK(versions[0].at("subresources").at("scale").at("specReplicasPath") == ".spec.v1beta2.count");
  CHECK(versions[0].at("schema").at("openAPIV3Schema") == bj::value(api::habitat_openapi_schema()));
}

TEST_CASE("the CRD's printer columns") {
  const bj::object crd = api::habitat_crd();
  const bj::array& columns =
      crd.at("spec").at("versions").as_array()[0].at("additionalPrinterColumns").as_array();
  std::vector<std::string> summary;
  for (const auto& c : columns)
    summary.push_back(std::string(c.at("name").as_string()) + " " + std::string(c.at("type").as_string()) + " " +
                      std::string(c.at("jsonPath").as_string()) +
                      (c.as_object().contains("priority") ? " p" + bj::serialize(c.at("priority")) : ""));
  CHECK(summary == std::vector<std::string>{
                       "Topology string .spec.v1beta2.service.topology",
                       "Desired integer .spec.v1beta2.count",
                       "Ready integer .status.readyReplicas",
                       "Status string .status.conditions[?(@.type==\"Ready\")].status",
                       "Reason string .status.conditions[?(@.type==\"Ready\")].reason p1",
                       "Age date .metadata.creationTimestamp",
                   });
}

TEST_CASE("the schema keeps customVersion and the verbatim core/v1 fields") {
  const bj::value schema = api::habitat_openapi_schema();
  CHECK(schema.at("type") == "object");
  // Undeclared fields are pruned: customVersion must be a declared top-level property.
  CHECK(props(schema).at("customVersion").at("type") == "string");
  CHECK(props(schema).at("customVersion").at("enum") == bj::value(bj::array{"v1beta2"}));
  CHECK(schema.at("required") == bj::value(bj::array{"customVersion", "spec"}));
  const bj::value& v1beta2 = props(props(schema).at("spec")).at("v1beta2");
  const bj::object& fields = props(v1beta2);
  CHECK(fields.at("env").at("type") == "array");
  CHECK(fields.at("env").at("items").at("x-kubernetes-preserve-unknown-fields") == true);
  CHECK(fields.at("env").at("x-kubernetes-list-type") == "map");
  CHECK(fields.at("env").at("x-kubernetes-list-map-keys") == bj::value(bj::array{"name"}));
  CHECK(fields.at("tolerations").at("items").at("x-kubernetes-preserve-unknown-fields") == true);
  for (const char* object_field : {"affinity", "resources", "securityContext"}) {
    INFO(object_field);
    CHECK(fields.at(object_field).at("type") == "object");
    CHECK(fields.at(object_field).at("x-kubernetes-preserve-unknown-fields") == true);
  }
  CHECK(fields.at("nodeSelector").at("additionalProperties").at("type") == "string");
  CHECK(fields.at("count").at("minimum") == 0);
  CHECK(fields.at("count").at("format") == "int32");
  const bj::object& service = props(fields.at("service"));
  CHECK(service.at("topology").at("enum") == bj::value(bj::array{"standalone", "leader"}));
  CHECK(service.at("ringSecretName").at("pattern") == "^[a-z0-9][-a-z0-9]*-[0-9]{14}$");
  CHECK(service.at("bind").at("x-kubernetes-list-map-keys") == bj::value(bj::array{"name"}));
  CHECK(fields.at("service").at("required") == bj::value(bj::array{"name", "topology"}));
  CHECK(v1beta2.at("required") == bj::value(bj::array{"image", "service"}));
}

TEST_CASE("metadata carries only name restrictions, as the API server allows") {
  const bj::value schema = api::habitat_openapi_schema();
  const bj::value& metadata = props(schema).at("metadata");
  CHECK(props(metadata).size() == 1);
  CHECK(props(metadata).at("name").at("maxLength") == 52);
  CHECK_FALSE(metadata.as_object().contains("required"));
}

TEST_CASE("the status schema lists conditions as a map keyed by type") {
  const bj::value schema = api::habitat_openapi_schema();
  const bj::value& status = props(schema).at("status");
  const bj::value& conditions = props(status).at("conditions");
  CHECK(conditions.at("x-kubernetes-list-type") == "map");
  CHECK(conditions.at("x-kubernetes-list-map-keys") == bj::value(bj::array{"type"}));
  CHECK(props(conditions.at("items")).at("status").at("enum") == bj::value(bj::array{"True", "False", "Unknown"}));
  CHECK(props(conditions.at("items")).at("lastTransitionTime").at("format") == "date-time");
  CHECK(props(status).at("readyReplicas").at("type") == "integer");
}

TEST_CASE("every schema node is structural: typed, and described") {
  std::vector<const bj::value*> todo{};
  const bj::value root = api::habitat_openapi_schema();
  todo.push_back(&root);
  std::size_t nodes = 0;
  while (!todo.empty()) {
    const bj::value& n = *todo.back();
    todo.pop_back();
    ++nodes;
    REQUIRE(n.as_object().contains("type"));
    CHECK(n.as_object().contains("description"));
    if (const auto* p = n.as_object().if_contains("properties"))
      for (const auto& kv : p->as_object()) todo.push_back(&kv.value());
    if (const auto* items = n.as_object().if_contains("items")) todo.push_back(items);
  }
  CHECK(nodes > 40);
}

TEST_CASE("the CRD renders as YAML that kubectl can apply") {
  const std::string text = habop::json::to_yaml(api::habitat_crd());
  auto back = habop::json::parse_yaml_documents(text);
  REQUIRE(back);
  REQUIRE(back->size() == 1);
  CHECK((*back)[0] == bj::value(api::habitat_crd()));
}
