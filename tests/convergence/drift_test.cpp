// Drift, foreign fields, conflicts, missing Secrets, invalid specs, immutable changes and AllAtOnce restarts.
#include "store.hpp"

#include "fixtures.hpp"

#include <boost/json/parse.hpp>

#include <catch2/catch.hpp>

namespace bj = boost::json;
using namespace habop;
using habop::reconcile::plan;
using habop::test::habitat;
using habop::test::store;

namespace {

std::string condition(const store& s, const char* name, const char* type, const char* field = "reason") {
  const bj::object* h = s.get("habitats", "ns", name);
  const bj::value* st = h ? h->if_contains("status") : nullptr;
  if (!st || !st->is_object() || !st->get_object().contains("conditions")) return "";
  for (const auto& c : st->at("conditions").as_array())
    if (c.at("type") == type) return std::string(c.at(field).as_string());
  return "";
}

std::size_t count_kind(const plan& p, std::size_t index) {
  return static_cast<std::size_t>(
      std::count_if(p.operations.begin(), p.operations.end(), [&](auto& op) { return op.index() == index; }));
}

store converged(const char* name, const char* overlay = "{}") {
  store s;
  s.put("habitats", habitat(name, overlay));
  REQUIRE(test::converge(s, "ns") > 0);
  return s;
}

}  // namespace

TEST_CASE("Drift in an owned field gives exactly one patch and a ConfigurationReverted event") {
  store s = converged("a", R"({"spec":{"v1beta2":{"count":2}}})");
  s.edit("statefulsets", "ns", "a", bj::parse(R"({"spec":{"replicas":5}})"));
  plan p = test::plan_for(s, "ns", "a");
  REQUIRE(p.operations.size() == 1);
  const auto& patch = std::get<reconcile::patch_object>(p.operations[0]);
  CHECK(patch.target.kind == "StatefulSet");
  CHECK(patch.body.at("spec") == bj::parse(R"({"replicas":2})"));
  CHECK(patch.body.at("metadata").at("resourceVersion") ==
        s.get("statefulsets", "ns", "a")->at("metadata").at("resourceVersion"));
  REQUIRE(p.events.size() == 1);
  CHECK(p.events[0].reason == "ConfigurationReverted");
  CHECK(p.events[0].type == "Warning");
  CHECK(p.events[0].message.find("spec.replicas") != std::string::npos);
  s.apply(p, reconcile::habitat_ref(*s.get("habitats", "ns", "a")));
  CHECK(test::converge(s, "ns") >= 0);
  CHECK(s.get("statefulsets", "ns", "a")->at("spec").at("replicas") == 2);
}

TEST_CASE("A spec change is an update, not a reverted edit") {
  store s = converged("a");
  bj::object h = *s.get("habitats", "ns", "a");
  h["spec"].as_object()["v1beta2"].as_object()["image"] = "habitat/redis:2";
  s.put("habitats", h);
  plan p = test::plan_for(s, "ns", "a");
  REQUIRE(count_kind(p, 1) == 1);
  REQUIRE_FALSE(p.events.empty());
  CHECK(p.events[0].reason == "StatefulSetUpdated");
  CHECK(p.events[0].message.find("spec.template.spec.containers") != std::string::npos);
  CHECK(test::converge(s, "ns") > 0);
}

TEST_CASE("Removing env or resources from the Habitat removes them from the container") {
  // A manifest that drops its env: section (kubectl apply removes the field) must not leave the old variables in
  // the pods for ever, nor old limits; the API server's own defaults (`resources: {}`) are not a difference.
  store s = converged("a", R"({"spec":{"v1beta2":{
      "env":[{"name":"HAB_REDIS","value":"port = 6999"},
             {"name":"POD","valueFrom":{"fieldRef":{"fieldPath":"metadata.name"}}}],
      "resources":{"requests":{"cpu":"100m"},"limits":{"memory":"256Mi"}}}}})");
  auto container = [&] {
    return s.get("statefulsets", "ns", "a")->at("spec").at("template").at("spec").at("containers").at(0).as_object();
  };
  REQUIRE(container().at("env").as_array().size() == 2);
  REQUIRE(container().at("resources").as_object().contains("limits"));
  bj::object h = *s.get("habitats", "ns", "a");
  h["spec"].as_object()["v1beta2"].as_object().erase("env");
  h["spec"].as_object()["v1beta2"].as_object().erase("resources");
  s.put("habitats", h);
  CHECK(test::converge(s, "ns") > 0);
  const bj::object c = container();
  CHECK((!c.contains("env") || c.at("env").as_array().empty()));
  CHECK((!c.contains("resources") || c.at("resources").as_object().empty()));
  // Converged: the next round plans nothing (no patch loop against the defaulted `resources: {}`).
  CHECK(test::plan_for(s, "ns", "a").operations.empty());
}

TEST_CASE("A nodeSelector key or securityContext field removed from the Habitat goes from the pods too") {
  store s = converged("a", R"({"spec":{"v1beta2":{"nodeSelector":{"pool":"hab","zone":"a"},
                                                  "securityContext":{"fsGroup":42,"runAsUser":1000}}}})");
  bj::object h = *s.get("habitats", "ns", "a");
  auto& v1beta2 = h["spec"].as_object()["v1beta2"].as_object();
  v1beta2["nodeSelector"] = bj::parse(R"({"pool":"hab"})");
  v1beta2["securityContext"] = bj::parse(R"({"fsGroup":42})");
  s.put("habitats", h);
  CHECK(test::converge(s, "ns") > 0);
  const auto& pod = s.get("statefulsets", "ns", "a")->at("spec").at("template").at("spec");
  CHECK(pod.at("nodeSelector") == bj::parse(R"({"pool":"hab"})"));
  CHECK(pod.at("securityContext") == bj::parse(R"({"fsGroup":42})"));
  CHECK(test::plan_for(s, "ns", "a").operations.empty());
}

TEST_CASE("A limit or request removed from the Habitat's resources goes from the container too") {
  store s = converged("a", R"({"spec":{"v1beta2":{
      "resources":{"requests":{"cpu":"100m","memory":"128Mi"},"limits":{"memory":"256Mi","cpu":"1"}}}}})");
  bj::object h = *s.get("habitats", "ns", "a");
  h["spec"].as_object()["v1beta2"].as_object()["resources"] = bj::parse(R"({"requests":{"cpu":"100m"}})");
  s.put("habitats", h);
  CHECK(test::converge(s, "ns") > 0);
  const auto& c = s.get("statefulsets", "ns", "a")->at("spec").at("template").at("spec").at("containers").at(0);
  CHECK(c.at("resources") == bj::parse(R"({"requests":{"cpu":"100m"}})"));
  CHECK(test::plan_for(s, "ns", "a").operations.empty());
}

TEST_CASE("Quantities written in any form converge, and a later change rolls out (the server stores them canonical)") {
  store s;
  s.default_like_kube_apiserver();
  s.put("habitats", habitat("a", R"({"spec":{"v1beta2":{
      "persistentStorage":{"size":"1024Mi","mountPath":"/hab/svc/redis/data"},
      "resources":{"limits":{"memory":"1024Mi","cpu":"0.5"},"requests":{"cpu":"100m"}}}}})"));
  REQUIRE(test::converge(s, "ns") > 0);
  const bj::object& sts = *s.get("statefulsets", "ns", "a");
  CHECK(sts.at("spec").at("volumeClaimTemplates").at(0).at("spec").at("resources").at("requests").at("storage") == "1Gi");
  CHECK(sts.at("spec").at("template").at("spec").at("containers").at(0).at("resources") ==
        bj::parse(R"({"limits":{"memory":"1Gi","cpu":"500m"},"requests":{"cpu":"100m"}})"));
  CHECK(test::plan_for(s, "ns", "a").empty());

  s.edit("habitats", "ns", "a", bj::parse(R"({"metadata":{"generation":2},"spec":{"v1beta2":{"image":"habitat/redis:2"}}})"));
  REQUIRE(test::converge(s, "ns") > 0);
  CHECK(s.get("statefulsets", "ns", "a")->at("spec").at("template").at("spec").at("containers").at(0).at("image") ==
        "habitat/redis:2");
  CHECK(condition(s, "a", "Degraded") == "AsExpected");
  CHECK(test::plan_for(s, "ns", "a").empty());
}

TEST_CASE("Fields owned by someone else are left alone") {
  store s = converged("a");
  s.edit("statefulsets", "ns", "a",
         bj::parse(R"({"metadata":{"labels":{"team":"x"},"annotations":{"deploy.example/owner":"ops"}},
                       "spec":{"template":{"metadata":{"annotations":{"kubectl.kubernetes.io/restartedAt":"now"}},
                                           "spec":{"dnsPolicy":"ClusterFirst"}}}})"));
  s.edit("services", "ns", "a", bj::parse(R"({"metadata":{"labels":{"team":"x"}}})"));
  s.edit("configmaps", "ns", "peer-watch-file", bj::parse(R"({"metadata":{"annotations":{"note":"x"}},"data":{"other":"y"}})"));
  plan p = test::plan_for(s, "ns", "a");
  // The pod template changed (someone's `kubectl rollout restart`): the status follows the rollout, but no object
  // habop owns is written.
  CHECK(p.operations.empty());
  CHECK(p.events.empty());
  test::converge(s, "ns");
  for (const auto& e : s.events()) CHECK(e.reason != "ConfigurationReverted");
  const bj::object* sts = s.get("statefulsets", "ns", "a");
  CHECK(sts->at("metadata").at("labels").at("team") == "x");
  CHECK(sts->at("spec").at("template").at("metadata").at("annotations").at("kubectl.kubernetes.io/restartedAt") == "now");
  CHECK(s.get("configmaps", "ns", "peer-watch-file")->at("data").at("other") == "y");
}

TEST_CASE("A stale resourceVersion conflict is recovered on the next reconcile") {
  store s = converged("a");
  s.edit("statefulsets", "ns", "a", bj::parse(R"({"spec":{"replicas":4}})"));
  plan p = test::plan_for(s, "ns", "a");
  s.edit("statefulsets", "ns", "a", bj::parse(R"({"metadata":{"labels":{"someone":"else"}}})"));  // races us
  auto result = s.apply(p, reconcile::habitat_ref(*s.get("habitats", "ns", "a")));
  REQUIRE(result.codes == std::vector<int>{409});
  CHECK(test::converge(s, "ns") > 0);
  CHECK(s.get("statefulsets", "ns", "a")->at("spec").at("replicas") == 1);
  CHECK(s.get("statefulsets", "ns", "a")->at("metadata").at("labels").at("someone") == "else");
}

TEST_CASE("A missing Secret gives SecretNotFound once, creates no StatefulSet, and heals when it appears") {
  store s;
  s.put("habitats", habitat("a", R"({"spec":{"v1beta2":{"service":{"configSecretName":"user-toml"}}}})"));
  CHECK(test::converge(s, "ns") > 0);
  CHECK_FALSE(s.get("statefulsets", "ns", "a"));
  CHECK(condition(s, "a", "Ready") == "SecretNotFound");
  CHECK(condition(s, "a", "Ready", "status") == "False");
  CHECK(condition(s, "a", "Ready", "message").find("user-toml") != std::string::npos);
  CHECK(condition(s, "a", "Ready", "message").find("configSecretName") != std::string::npos);
  const auto& ev = s.events();
  CHECK(std::count_if(ev.begin(), ev.end(), [](auto& e) { return e.reason == "SecretNotFound"; }) == 1);
  CHECK(test::plan_for(s, "ns", "a").empty());

  s.add_secret("ns", "user-toml");
  CHECK(test::converge(s, "ns") > 0);
  CHECK(s.get("statefulsets", "ns", "a"));
  CHECK(condition(s, "a", "Ready") == "Available");
  CHECK(condition(s, "a", "Degraded", "status") == "False");
}

TEST_CASE("An invalid spec gives one event and a terminal plan, then nothing more") {
  store s;
  s.put("habitats", habitat("a", R"({"spec":{"v1beta2":{"service":{"topology":"chaos"}}}})"));
  plan p = test::plan_for(s, "ns", "a");
  CHECK(p.terminal);
  CHECK(p.operations.empty());
  REQUIRE(p.events.size() == 1);
  CHECK(p.events[0].reason == "ValidationFailed");
  CHECK(p.events[0].type == "Warning");
  REQUIRE(p.status);
  s.apply(p, reconcile::habitat_ref(*s.get("habitats", "ns", "a")));
  CHECK(condition(s, "a", "Ready") == "InvalidSpec");
  CHECK(condition(s, "a", "Degraded", "status") == "True");
  CHECK(condition(s, "a", "Ready", "message").find("spec.v1beta2.service.topology") != std::string::npos);
  plan again = test::plan_for(s, "ns", "a");
  CHECK(again.empty());
  CHECK(again.terminal);

  SECTION("a new invalid generation is reported again") {
    bj::object h = *s.get("habitats", "ns", "a");
    h["spec"].as_object()["v1beta2"].as_object()["count"] = -1;
    s.put("habitats", h);
    CHECK(test::plan_for(s, "ns", "a").events.size() == 1);
  }
  SECTION("a wrong customVersion is UnsupportedVersion") {
    store t;
    t.put("habitats", habitat("b", R"({"customVersion":"v1beta1"})"));
    plan q = test::plan_for(t, "ns", "b");
    t.apply(q, reconcile::habitat_ref(*t.get("habitats", "ns", "b")));
    CHECK(condition(t, "b", "Ready") == "UnsupportedVersion");
  }
}

TEST_CASE("AllAtOnce deletes every stale pod in one plan and only those") {
  store s = converged("a", R"({"spec":{"v1beta2":{"count":3,"service":{"topology":"leader"}}}})");
  bj::object h = *s.get("habitats", "ns", "a");
  h["spec"].as_object()["v1beta2"].as_object()["image"] = "habitat/redis:2";
  s.put("habitats", h);
  plan p = test::plan_for(s, "ns", "a");
  CHECK(count_kind(p, 2) == 0);   // the revision is not current yet: no pod is deleted with the patch
  s.apply(p, reconcile::habitat_ref(*s.get("habitats", "ns", "a")));
  s.simulate();                   // OnDelete: the controller leaves the old pods
  s.remove("pods", "ns", "a-1");  // one pod already restarted (e.g. by the node): it comes back updated
  s.simulate();
  plan restart = test::plan_for(s, "ns", "a");
  REQUIRE(count_kind(restart, 2) == 2);
  std::vector<std::string> deleted;
  for (const auto& op : restart.operations)
    if (const auto* d = std::get_if<reconcile::delete_object>(&op)) deleted.push_back(d->target.name);
  CHECK(deleted == std::vector<std::string>{"a-0", "a-2"});
  CHECK(std::any_of(restart.events.begin(), restart.events.end(), [](auto& e) { return e.reason == "StalePodsDeleted"; }));
  CHECK(test::converge(s, "ns") > 0);
  CHECK(condition(s, "a", "Ready") == "Available");
}

TEST_CASE("An immutable StatefulSet change is reported, never patched") {
  store s = converged("a");
  const bj::value template_before = s.get("statefulsets", "ns", "a")->at("spec").at("template");
  bj::object h = *s.get("habitats", "ns", "a");
  h["spec"].as_object()["v1beta2"].as_object()["persistentStorage"] = bj::parse(R"({"size":"1Gi","mountPath":"/data"})");
  h["spec"].as_object()["v1beta2"].as_object()["image"] = "habitat/redis-hab:2";
  s.put("habitats", h);
  CHECK(test::converge(s, "ns") > 0);   // the store answers 422 to any immutable-field patch
  CHECK(condition(s, "a", "Degraded") == "ImmutableFieldChanged");
  CHECK(condition(s, "a", "Degraded", "message").find("spec.volumeClaimTemplates") != std::string::npos);
  CHECK(condition(s, "a", "Degraded", "message").find("--cascade=orphan") != std::string::npos);
  // Nor is the pod template: it would mount a claim the StatefulSet does not have.
  CHECK(s.get("statefulsets", "ns", "a")->at("spec").at("template") == template_before);
  const auto& ev = s.events();
  CHECK(std::count_if(ev.begin(), ev.end(), [](auto& e) { return e.reason == "ImmutableFieldChanged"; }) == 1);

  SECTION("deleting the StatefulSet lets habop recreate it") {
    s.remove("statefulsets", "ns", "a");
    CHECK(test::converge(s, "ns") > 0);
    CHECK(condition(s, "a", "Degraded", "status") == "False");
    const bj::object recreated = *s.get("statefulsets", "ns", "a");
    CHECK(recreated.at("spec").at("volumeClaimTemplates").as_array().size() == 1);
    CHECK(recreated.at("spec").at("template").at("spec").at("containers").at(0).at("image") == "habitat/redis-hab:2");
  }
}

TEST_CASE("A leader topology under 3 members is deployed but reported as InsufficientMembers") {
  store s = converged("a", R"({"spec":{"v1beta2":{"count":2,"service":{"topology":"leader"}}}})");
  CHECK(s.get("statefulsets", "ns", "a"));
  CHECK(condition(s, "a", "Degraded") == "InsufficientMembers");
  CHECK(condition(s, "a", "Ready", "status") == "True");
}

TEST_CASE("A StatefulSet controlled by something else is left alone; one without a controller is adopted") {
  store s;
  bj::object foreign = bj::parse(R"({"apiVersion":"apps/v1","kind":"StatefulSet",
      "metadata":{"name":"a","namespace":"ns","ownerReferences":[{"apiVersion":"x/v1","kind":"Thing","name":"t",
                  "uid":"t1","controller":true}]},"spec":{"replicas":7}})").as_object();
  s.put("statefulsets", foreign);
  s.put("habitats", habitat("a"));
  CHECK(test::converge(s, "ns") > 0);
  CHECK(s.get("statefulsets", "ns", "a")->at("spec").at("replicas") == 7);
  CHECK(condition(s, "a", "Degraded") == "OwnerConflict");
  CHECK(condition(s, "a", "Ready", "status") == "False");

  store t;
  bj::object orphan = foreign;
  orphan["metadata"].as_object().erase("ownerReferences");
  t.put("habitats", habitat("a"));
  t.put("statefulsets", orphan);
  CHECK(test::converge(t, "ns") > 0);
  const auto& refs = t.get("statefulsets", "ns", "a")->at("metadata").at("ownerReferences").as_array();
  REQUIRE(refs.size() == 1);
  CHECK(refs[0].at("uid") == "uid-a");
}

TEST_CASE("A Service named like the Habitat that cannot become headless is reported and left exactly as it is") {
  // A user's NodePort (the original operator created no Service, so upgrades meet these): patching it would replace
  // its ports and selector and make the Habitat its controller, so that deleting the Habitat deletes it.
  store s;
  const bj::object user = bj::parse(R"({"apiVersion":"v1","kind":"Service",
      "metadata":{"name":"a","namespace":"ns","labels":{"app":"a"}},
      "spec":{"type":"NodePort","clusterIP":"10.96.0.10","selector":{"app":"a"},
              "ports":[{"name":"http","port":80,"targetPort":8080,"nodePort":30080}]}})").as_object();
  s.put("services", user);
  s.put("habitats", habitat("a"));
  CHECK(test::converge(s, "ns") > 0);
  const bj::object& after = *s.get("services", "ns", "a");
  CHECK(after.at("spec") == user.at("spec"));
  CHECK(after.at("metadata").at("labels") == user.at("metadata").at("labels"));
  CHECK_FALSE(after.at("metadata").as_object().contains("ownerReferences"));
  CHECK(condition(s, "a", "Degraded") == "ImmutableFieldChanged");
  CHECK(condition(s, "a", "Degraded", "message").find("kubectl delete service a -n ns") != std::string::npos);
  const auto& ev = s.events();
  CHECK(std::count_if(ev.begin(), ev.end(), [](auto& e) { return e.reason == "ServiceUpdated"; }) == 0);
  CHECK(std::count_if(ev.begin(), ev.end(), [](auto& e) { return e.reason == "ImmutableFieldChanged"; }) == 1);
  // The rest of the Habitat is deployed.
  CHECK(s.get("statefulsets", "ns", "a"));
}
