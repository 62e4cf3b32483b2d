#include <habop/reconcile/owned.hpp>

#include <boost/json/parse.hpp>

#include <catch2/catch.hpp>

namespace bj = boost::json;
using namespace habop::reconcile;

namespace {
bj::object obj(const char* text) { return bj::parse(text).as_object(); }
}  // namespace

TEST_CASE("Ownership: ours by uid, adoptable without a controller, foreign with another controller") {
  CHECK(ownership_of(obj(R"({"metadata":{"ownerReferences":[{"uid":"u1","controller":true}]}})"), "u1", "a") == ownership::ours);
  CHECK(ownership_of(obj(R"({"metadata":{"ownerReferences":[{"uid":"u1"}]}})"), "u1", "a") == ownership::ours);
  CHECK(ownership_of(obj(R"({"metadata":{}})"), "u1", "a") == ownership::adoptable);
  CHECK(ownership_of(obj(R"({"metadata":{"ownerReferences":[{"uid":"old"}]}})"), "u1", "a") == ownership::adoptable);
  auto foreign = obj(R"({"metadata":{"ownerReferences":[{"uid":"x","kind":"Thing","name":"t","controller":true}]}})");
  CHECK(ownership_of(foreign, "u1", "a") == ownership::foreign);
  CHECK(controller_of(foreign) == "Thing/t");
  CHECK(controller_reference(foreign) == &foreign.at("metadata").at("ownerReferences").at(0).as_object());
  CHECK(controller_reference(obj(R"({"metadata":{"ownerReferences":[{"uid":"old"}]}})")) == nullptr);
}

TEST_CASE("Ownership: a controller Habitat of the same name and another uid is a previous one, anything else foreign") {
  auto controlled_by = [](const char* api_version, const char* kind, const char* name) {
    bj::object ref{{"apiVersion", api_version}, {"kind", kind}, {"name", name}, {"uid", "old"}, {"controller", true}};
    return bj::object{{"metadata", bj::object{{"ownerReferences", bj::array{ref}}}}};
  };
  CHECK(ownership_of(controlled_by("habitat.sh/v1beta1", "Habitat", "a"), "u1", "a") == ownership::previous);
  CHECK(ownership_of(controlled_by("habitat.sh/v1", "Habitat", "a"), "u1", "a") == ownership::previous);
  CHECK(ownership_of(controlled_by("habitat.sh/v1beta1", "Habitat", "b"), "u1", "a") == ownership::foreign);
  CHECK(ownership_of(controlled_by("habitat.sh.example.com/v1", "Habitat", "a"), "u1", "a") == ownership::foreign);
  CHECK(ownership_of(controlled_by("example.com/v1", "Habitat", "a"), "u1", "a") == ownership::foreign);
  CHECK(ownership_of(controlled_by("apps/v1", "Deployment", "a"), "u1", "a") == ownership::foreign);
  // Not a controller: adopted, the garbage collector drops the stale reference.
  bj::object shared = controlled_by("habitat.sh/v1beta1", "Habitat", "a");
  shared["metadata"].as_object()["ownerReferences"].as_array()[0].as_object()["controller"] = false;
  CHECK(ownership_of(shared, "u1", "a") == ownership::adoptable);
}

TEST_CASE("Owner references: habop replaces its own entry and keeps the others") {
  auto meta = obj(R"({"ownerReferences":[{"uid":"x","kind":"Other"},{"uid":"u1","controller":false}]})");
  auto ours = obj(R"({"uid":"u1","controller":true})");
  CHECK(bj::value(merge_owner_references(&meta, ours)) == bj::parse(R"([{"uid":"x","kind":"Other"},{"uid":"u1","controller":true}])"));
  CHECK(bj::value(merge_owner_references(nullptr, ours)) == bj::parse(R"([{"uid":"u1","controller":true}])"));
  auto shared = obj(R"({"ownerReferences":[{"uid":"gone","kind":"Habitat","apiVersion":"habitat.sh/v1beta1"},
                                           {"uid":"y","kind":"Other","apiVersion":"x/v1"}]})");
  auto habitats = bj::parse(R"([{"uid":"a","kind":"Habitat"}])").as_array();
  CHECK(bj::value(merge_shared_owner_references(&shared, habitats)) ==
        bj::parse(R"([{"uid":"a","kind":"Habitat"},{"uid":"y","kind":"Other","apiVersion":"x/v1"}])"));
}

TEST_CASE("Immutable StatefulSet fields are taken out and compared, absent ones included") {
  auto rendered = obj(R"({"spec":{"replicas":1,"selector":{"matchLabels":{"habitat-name":"a"}},"serviceName":"a",
                                  "podManagementPolicy":"Parallel"}})");
  auto observed = obj(R"({"spec":{"selector":{"matchLabels":{"habitat-name":"a"}},"podManagementPolicy":"Parallel",
                                  "volumeClaimTemplates":[{"metadata":{"name":"persistent"}}]}})");
  auto changed = take_immutable_fields(rendered, observed);
  CHECK(changed == std::vector<std::string>{"spec.volumeClaimTemplates", "spec.serviceName"});
  CHECK(bj::value(rendered) == bj::parse(R"({"spec":{"replicas":1}})"));
}

TEST_CASE("The StatefulSet projection marks optional pod fields and rollingUpdate as absent") {
  auto sts = obj(R"({"spec":{"updateStrategy":{"type":"OnDelete"},
                             "template":{"spec":{"containers":[],"nodeSelector":{"a":"b"}}}}})");
  own_stateful_set(sts, nullptr);
  const auto& pod = sts["spec"].as_object()["template"].as_object()["spec"].as_object();
  CHECK(pod.at("nodeSelector") == bj::parse(R"({"a":"b"})"));
  CHECK(pod.at("tolerations").is_null());
  CHECK(pod.at("serviceAccountName").is_null());
  CHECK(pod.at("serviceAccount").is_null());
  CHECK(sts["spec"].as_object()["updateStrategy"].as_object().at("rollingUpdate").is_null());
}

TEST_CASE("The StatefulSet projection owns the verbatim nodeSelector, securityContext and affinity whole") {
  auto sts = obj(R"({"spec":{"template":{"spec":{"containers":[{"name":"habitat-service","image":"x"}],
                             "nodeSelector":{"a":"1"},"securityContext":{"fsGroup":42},
                             "affinity":{"podAntiAffinity":{"x":1}}}}}})");
  const auto observed = obj(R"({"spec":{"template":{"spec":{"containers":[{"name":"habitat-service","image":"x",
                                       "env":[{"name":"A","value":"1"}],"resources":{}}],
                                       "nodeSelector":{"a":"1","b":"2"},
                                       "securityContext":{"fsGroup":42,"runAsUser":1000},
                                       "affinity":{"podAntiAffinity":{"x":1,"y":2},"nodeAffinity":{"z":3}}}}}})");
  own_stateful_set(sts, &observed);
  const auto& pod = sts["spec"].as_object()["template"].as_object()["spec"].as_object();
  CHECK(pod.at("nodeSelector") == bj::parse(R"({"a":"1","b":null})"));
  CHECK(pod.at("securityContext") == bj::parse(R"({"fsGroup":42,"runAsUser":null})"));
  CHECK(pod.at("affinity") == bj::parse(R"({"podAntiAffinity":{"x":1,"y":null},"nodeAffinity":null})"));
  // The Supervisor container: env and resources not rendered must be absent.
  const auto& c = pod.at("containers").at(0);
  CHECK(c.at("env").is_null());
  CHECK(c.at("resources").is_null());
}

TEST_CASE("The Supervisor container's resources: limits owned whole, requests but for those defaulted from limits") {
  auto sts = obj(R"({"spec":{"template":{"spec":{"containers":[{"name":"habitat-service",
                             "resources":{"requests":{"cpu":"100m"},"limits":{"memory":"1Gi"}}}]}}}})");
  // The API server defaulted requests.memory from limits.memory; requests.ephemeral-storage and limits.cpu were
  // removed from the Habitat.
  const auto observed = obj(R"({"spec":{"template":{"spec":{"containers":[{"name":"habitat-service",
      "resources":{"requests":{"cpu":"100m","memory":"1Gi","ephemeral-storage":"1Gi"},
                   "limits":{"memory":"1Gi","cpu":"1"}}}]}}}})");
  own_stateful_set(sts, &observed);
  const auto& r = sts.at("spec").at("template").at("spec").at("containers").at(0).at("resources");
  CHECK(r.at("limits") == bj::parse(R"({"memory":"1Gi","cpu":null})"));
  CHECK(r.at("requests") == bj::parse(R"({"cpu":"100m","ephemeral-storage":null})"));

  auto no_limits = obj(R"({"spec":{"template":{"spec":{"containers":[{"name":"habitat-service",
                                  "resources":{"requests":{"cpu":"100m"}}}]}}}})");
  own_stateful_set(no_limits, &observed);
  const auto& r2 = no_limits.at("spec").at("template").at("spec").at("containers").at(0).at("resources");
  CHECK(r2.at("limits").is_null());
  CHECK(r2.at("requests") == bj::parse(R"({"cpu":"100m","memory":null,"ephemeral-storage":null})"));
}

TEST_CASE("The Service projection takes clusterIP out and owns the selector whole") {
  auto svc = obj(R"({"spec":{"clusterIP":"None","selector":{"habitat-name":"a"}}})");
  auto observed = obj(R"({"spec":{"clusterIP":"None","selector":{"habitat-name":"a","extra":"x"}}})");
  CHECK(own_service(svc, &observed) == "None");
  CHECK(bj::value(svc["spec"]) == bj::parse(R"({"selector":{"habitat-name":"a","extra":null}})"));
}
