// parse_habitat: round trips through to_json, unknown and null fields, error collection, customVersion.
#include <habop/api/parse.hpp>

#include <catch2/catch.hpp>

#include <boost/json/parse.hpp>

#include <habop/api/detail/lean_parse.hpp>
#include <habop/json/codec.hpp>

#include "manifests.hpp"

namespace api = habop::api;
namespace bj = boost::json;
using habop::test::example;
using habop::test::habitats_in;
using habop::test::yaml;

TEST_CASE("to_json is the inverse of parse_habitat") {
  auto docs = habitats_in(example("standalone"));
  const api::habitat h = *api::parse_habitat(docs[0]);
  const bj::object j = api::to_json(h);
  CHECK(j == docs[0].get_object());  // this manifest holds exactly the fields habop reads

  api::habitat full = h;
  full.metadata.ns = "ns";
  full.metadata.uid = "u-1";
  full.metadata.resource_version = "42";
  full.metadata.generation = 3;
  full.metadata.labels = {{"app", "x"}};
  full.metadata.annotations = {{"a/b", "c"}};
  full.spec.env = bj::array{bj::object{{"name", "A"}, {"value", "1"}}};
  full.spec.persistent_storage = api::persistent_storage{"1Gi", "/data", ""};
  full.spec.service.channel = "unstable";
  full.spec.service.binds = {{"db", "redis", "default"}};
  full.spec.update_strategy = api::update_strategy::all_at_once;
  full.spec.node_selector = {{"disktype", "ssd"}};
  full.spec.tolerations = bj::array{bj::object{{"key", "k"}, {"operator", "Exists"}}};
  full.spec.affinity = bj::object{{"nodeAffinity", bj::object{}}};
  full.spec.resources = bj::object{{"limits", bj::object{{"cpu", "1"}}}};
  full.spec.service_account_name = "hab";
  full.spec.security_context = bj::object{{"fsGroup", 42}};
  full.spec.image_pull_secrets = {"regcred"};
  full.status.observed_generation = 3;
  full.status.conditions = {{"Ready", "True", 3, "2024-01-01T00:00:00Z", "AllReady", "ok"}};
  const bj::object fj = api::to_json(full);
  auto back = api::parse_habitat(fj);
  if (!back) FAIL(habop::describe(back.error()));
  CHECK(*back == full);
  // An empty storageClassName is omitted: "" would turn dynamic provisioning off.
  CHECK_FALSE(fj.at("spec").at("v1beta2").at("persistentStorage").as_object().contains("storageClassName"));
  CHECK(fj.at("spec").at("v1beta2").at("imagePullSecrets") == bj::value(bj::array{bj::object{{"name", "regcred"}}}));
  CHECK(fj.at("spec").at("v1beta2").at("updateStrategy") == "AllAtOnce");
}

TEST_CASE("unknown fields are ignored, as the CRD prunes them") {
  auto v = yaml(example("standalone"));
  v.at("spec").at("v1beta2").as_object()["futureField"] = 1;
  v.at("spec").at("v1beta2").at("service").as_object()["strategy"] = "rolling";
  v.as_object()["extra"] = bj::object{};
  auto h = api::parse_habitat(v);
  REQUIRE(h);
  CHECK(*h == *api::parse_habitat(yaml(example("standalone"))));
}

TEST_CASE("null counts as absent") {
  auto v = yaml(example("standalone"));
  v.at("spec").at("v1beta2").at("service").as_object()["group"] = nullptr;
  v.at("spec").at("v1beta2").as_object()["persistentStorage"] = nullptr;
  auto h = api::parse_habitat(v);
  REQUIRE(h);
  CHECK_FALSE(h->spec.service.group);
  CHECK_FALSE(h->spec.persistent_storage);
}

TEST_CASE("parse_habitat collects every problem with its field path") {
  auto r = api::parse_habitat(yaml(R"(
apiVersion: habitat.sh/v1beta1
kind: Habitat
metadata:
  name: Bad_Name
customVersion: v1beta2
spec:
  v1beta2:
    count: "3"
    service:
      name: redis
      topology: follower
      bind:
        - name: db
          service: redis.prod
)"));
  REQUIRE_FALSE(r);
  CHECK(r.error().code == 422);
  CHECK(r.error().reason == "Invalid");
  CHECK(r.error().message == "Habitat.habitat.sh \"Bad_Name\" is invalid");
  std::map<std::string, std::string> by_field;
  for (const auto& c : r.error().causes) by_field[c.field] = c.reason;
  CHECK(by_field == std::map<std::string, std::string>{
                        {"metadata.name", "FieldValueInvalid"},
                        {"spec.v1beta2.count", "FieldValueTypeInvalid"},
                        {"spec.v1beta2.image", "FieldValueRequired"},
                        {"spec.v1beta2.service.topology", "FieldValueNotSupported"},
                        {"spec.v1beta2.service.bind[0].service", "FieldValueInvalid"},
                        {"spec.v1beta2.service.bind[0].group", "FieldValueRequired"},
                    });
  const std::string text = habop::describe(r.error());
  CHECK_THAT(text, Catch::Contains("spec.v1beta2.service.topology: unsupported value \"follower\": supported "
                                   "values: \"standalone\", \"leader\""));
  CHECK_THAT(text, Catch::Contains("spec.v1beta2.count: must be an integer, not a string"));
}

TEST_CASE("a missing or unknown customVersion is UnsupportedVersion naming v1beta2") {
  auto missing = yaml(example("standalone"));
  missing.as_object().erase("customVersion");
  auto r = api::parse_habitat(missing);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == 422);
  CHECK(r.error().reason == "UnsupportedVersion");
  REQUIRE(r.error().causes.size() == 1);
  CHECK(r.error().causes[0].field == "customVersion");
  CHECK(r.error().causes[0].reason == "FieldValueRequired");
  CHECK_THAT(r.error().causes[0].message, Catch::Contains("\"v1beta2\""));

  auto other = yaml(example("standalone"));
  other.as_object()["customVersion"] = "v1beta1";
  other.at("spec").at("v1beta2").as_object()["count"] = -1;  // not reported: the layout is v1beta1's
  r = api::parse_habitat(other);
  REQUIRE_FALSE(r);
  CHECK(r.error().reason == "UnsupportedVersion");
  REQUIRE(r.error().causes.size() == 1);
  CHECK(r.error().causes[0].reason == "FieldValueNotSupported");
  CHECK(r.error().causes[0].message == "unsupported customVersion \"v1beta1\": the supported one is \"v1beta2\"");

  auto wrong_type = yaml(example("standalone"));
  wrong_type.as_object()["customVersion"] = 2;
  r = api::parse_habitat(wrong_type);
  REQUIRE_FALSE(r);
  CHECK(r.error().reason == "UnsupportedVersion");
  CHECK(r.error().causes[0].message == "unsupported customVersion 2: the supported one is \"v1beta2\"");
}

TEST_CASE("apiVersion and kind, when present, must be the Habitat's") {
  auto v = yaml(example("standalone"));
  v.as_object()["apiVersion"] = "habitat.sh/v1";
  v.as_object()["kind"] = "Deployment";
  auto r = api::parse_habitat(v);
  REQUIRE_FALSE(r);
  REQUIRE(r.error().causes.size() == 2);
  CHECK(r.error().causes[0] == habop::field_cause{"apiVersion", "FieldValueNotSupported", "must be \"habitat.sh/v1beta1\""});
  CHECK(r.error().causes[1] == habop::field_cause{"kind", "FieldValueNotSupported", "must be \"Habitat\""});
}

TEST_CASE("a status is read leniently and never invalidates the Habitat") {
  auto v = yaml(example("standalone"));
  v.as_object()["status"] = bj::object{{"readyReplicas", 1}, {"replicas", "lots"}, {"state", "Created"}};
  auto h = api::parse_habitat(v);
  REQUIRE(h);
  CHECK(h->status.ready_replicas == 1);
  CHECK(h->status.replicas == 0);
  CHECK(h->status.state == "Created");
}

TEST_CASE("a non-object is a BadRequest") {
  for (const bj::value& v : {bj::value(nullptr), bj::value(1), bj::value("Habitat"), bj::value(bj::array{})}) {
    auto r = api::parse_habitat(v);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == 400);
    CHECK(r.error().reason == "BadRequest");
  }
}

TEST_CASE("habop's extensions are checked with their paths") {
  auto v = yaml(example("standalone"));
  bj::object& spec = v.at("spec").at("v1beta2").as_object();
  spec["updateStrategy"] = "Recreate";
  spec["tolerations"] = bj::object{{"key", "k"}};
  spec["affinity"] = bj::array{};
  spec["imagePullSecrets"] = bj::array{"regcred"};  // core/v1 wants [{name: regcred}]
  spec["nodeSelector"] = bj::object{{"disktype", true}};
  auto r = api::parse_habitat(v);
  REQUIRE_FALSE(r);
  std::vector<habop::field_cause> expected = {
      {"spec.v1beta2.updateStrategy", "FieldValueNotSupported",
       "unsupported value \"Recreate\": supported values: \"AllAtOnce\", \"RollingUpdate\""},
      {"spec.v1beta2.nodeSelector[disktype]", "FieldValueTypeInvalid", "must be a string, not a boolean"},
      {"spec.v1beta2.tolerations", "FieldValueTypeInvalid", "must be an array, not an object"},
      {"spec.v1beta2.affinity", "FieldValueTypeInvalid", "must be an object, not an array"},
      {"spec.v1beta2.imagePullSecrets[0]", "FieldValueTypeInvalid", "must be an object, not a string"},
  };
  CHECK(r.error().causes == expected);
}

TEST_CASE("integers built as unsigned values are read like signed ones") {
  auto v = yaml(example("standalone"));
  v.at("spec").at("v1beta2").as_object()["count"] = static_cast<std::uint64_t>(5);
  v.at("metadata").as_object()["generation"] = static_cast<std::uint64_t>(7);
  auto h = api::parse_habitat(v);
  REQUIRE(h);
  CHECK(h->spec.count == 5);
  CHECK(h->metadata.generation == 7);
}

TEST_CASE("parse_habitat_without_status gives parse_habitat's verdict without reading status") {
  const char* docs[] = {
      R"({"apiVersion":"habitat.sh/v1beta1","kind":"Habitat","customVersion":"v1beta2","metadata":{"name":"a"},
          "spec":{"v1beta2":{"image":"x","count":1,"service":{"name":"redis","topology":"standalone"}}},
          "status":{"observedGeneration":2,"replicas":1,"conditions":[{"type":"Ready","status":"True"}]}})",
      R"({"apiVersion":"habitat.sh/v1beta1","kind":"Habitat","customVersion":"v1beta2","metadata":{"name":"a"},
          "spec":{"v1beta2":{"count":-1,"service":{"topology":"chaos"}}},"status":{"replicas":"many"}})",
      R"({"kind":"Habitat","customVersion":"v9","metadata":{"name":"a"},"status":7})"};
  for (const char* doc : docs) {
    const bj::object o = bj::parse(doc).as_object();
    auto full = api::parse_habitat(o);
    auto lean = api::parse_habitat_without_status(o);
    REQUIRE(full.has_value() == lean.has_value());
    if (!full) {
      CHECK(full.error() == lean.error());
      continue;
    }
    CHECK(lean->status == api::habitat_status{});
    api::habitat without = *full;
    without.status = {};
    CHECK(*lean == without);
  }
}

TEST_CASE("parse_habitat_lean gives the same verdict; with read_verbatim, the same Habitat") {
  const char* docs[] = {
      R"({"apiVersion":"habitat.sh/v1beta1","kind":"Habitat","customVersion":"v1beta2","metadata":{"name":"a"},
          "spec":{"v1beta2":{"image":"x","count":1,"service":{"name":"redis","topology":"standalone"},
            "env":[{"name":"A","value":"1"},{"name":"B","valueFrom":{"fieldRef":{"fieldPath":"status.podIP"}}}],
            "tolerations":[{"key":"k","operator":"Exists"}],"affinity":{"nodeAffinity":{}},
            "resources":{"limits":{"cpu":"1"}},"securityContext":{"runAsUser":1000}}}})",
      R"({"apiVersion":"habitat.sh/v1beta1","kind":"Habitat","customVersion":"v1beta2","metadata":{"name":"a"},
          "spec":{"v1beta2":{"image":"x","env":[{"name":"1A"}],"tolerations":7,"resources":[]}}})",
      R"({"kind":"Habitat","customVersion":"v9","metadata":{"name":"a"},"spec":{"v1beta2":{"env":[{}]}}})"};
  for (const char* doc : docs) {
    const bj::object o = bj::parse(doc).as_object();
    auto full = api::parse_habitat_without_status(o);
    auto lean = api::detail::parse_habitat_lean(o);
    REQUIRE(full.has_value() == lean.has_value());
    if (!full) {
      CHECK(full.error() == lean.error());
      continue;
    }
    CHECK(lean->spec.env.empty());
    api::detail::read_verbatim(o, lean->spec);
    CHECK(*lean == *full);
  }
}
