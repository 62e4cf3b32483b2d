// Every scenario converges within a bounded number of rounds, and a converged cluster plans nothing.
#include "store.hpp"

#include "fixtures.hpp"

#include <boost/json/parse.hpp>

#include <algorithm>
#include <string>
#include <variant>
#include <vector>

#include <catch2/catch.hpp>

namespace bj = boost::json;
using namespace habop;
using habop::test::habitat;
using habop::test::store;

namespace {

constexpr int max_rounds = 6;

std::string condition(const bj::object& h, const char* type, const char* field = "status") {
  const bj::value* s = h.if_contains("status");
  if (!s || !s->is_object() || !s->get_object().contains("conditions")) return "";
  for (const auto& c : s->at("conditions").as_array())
    if (c.at("type") == type) return std::string(c.at(field).as_string());
  return "";
}

std::string seeds(const store& s, const std::string& ns, const std::string& cm) {
  const bj::object* o = s.get("configmaps", ns, cm);
  return o ? std::string(o->at("data").at("peer-watch-file").as_string()) : "<none>";
}

void check_converged(store& s, const std::string& ns, const std::string& name) {
  INFO("habitat " << name);
  const bj::object* h = s.get("habitats", ns, name);
  REQUIRE(h);
  CHECK(s.get("statefulsets", ns, name));
  CHECK(s.get("services", ns, name));
  CHECK(condition(*h, "Ready") == "True");
  CHECK(condition(*h, "Progressing") == "False");
  CHECK(h->at("status").at("observedGeneration") == h->at("metadata").at("generation"));
  CHECK(test::plan_for(s, ns, name).empty());
}

}  // namespace

TEST_CASE("Scenarios converge within a bounded number of rounds and then plan nothing") {
  struct scenario {
    const char* name;
    const char* overlay;
    std::vector<std::string> secrets;
  };
  const scenario scenarios[] = {
      {"standalone", "{}", {}},
      {"leader", R"({"spec":{"v1beta2":{"count":3,"service":{"topology":"leader"}}}})", {}},
      {"config", R"({"spec":{"v1beta2":{"service":{"configSecretName":"user-toml"}}}})", {"user-toml"}},
      {"bind", R"({"spec":{"v1beta2":{"service":{"bind":[{"name":"db","service":"postgresql","group":"default"}]}}}})", {}},
      {"encrypted", R"({"spec":{"v1beta2":{"count":3,"service":{"topology":"leader",
                      "ringSecretName":"example-encrypted-ring-20170829113029"}}}})", {"example-encrypted-ring-20170829113029"}},
      {"persisted", R"({"spec":{"v1beta2":{"persistentStorage":{"size":"1Gi","mountPath":"/hab/svc/redis/data"}}}})", {}},
      {"files", R"({"spec":{"v1beta2":{"service":{"filesSecretName":"files"}}}})", {"files"}},
      {"rolling", R"({"spec":{"v1beta2":{"count":3,"updateStrategy":"RollingUpdate"}}})", {}},
  };
  for (const auto& sc : scenarios) {
    SECTION(sc.name) {
      store s;
      for (const auto& secret : sc.secrets) s.add_secret("ns", secret);
      s.put("habitats", habitat(sc.name, sc.overlay));
      const int rounds = test::converge(s, "ns", max_rounds);
      CHECK(rounds >= 1);
      CHECK(rounds <= 4);
      check_converged(s, "ns", sc.name);
      const auto& events = s.events();
      CHECK(std::count_if(events.begin(), events.end(), [](auto& e) { return e.reason == "StatefulSetCreated"; }) == 1);
      CHECK(std::count_if(events.begin(), events.end(), [](auto& e) { return e.reason == "ConfigMapCreated"; }) == 1);
      CHECK(std::count_if(events.begin(), events.end(), [](auto& e) { return e.reason == "ServiceCreated"; }) == 1);
      CHECK(std::none_of(events.begin(), events.end(), [](auto& e) { return e.type == "Warning"; }));
    }
  }
}

TEST_CASE("The typical Habitat (leader, ring, user.toml, binds, persistence) converges") {
  store s;
  s.add_secret("ns", "user-toml");
  s.add_secret("ns", "prod-ring-20170829113029");
  s.put("habitats", test::typical_habitat("typical"));
  CHECK(test::converge(s, "ns", max_rounds) > 0);
  check_converged(s, "ns", "typical");
}

TEST_CASE("Several Habitats share one peer ConfigMap: every one owns it and it lists seeds from all of them") {
  store s;
  s.put("habitats", habitat("a", R"({"spec":{"v1beta2":{"count":3}}})"));
  s.put("habitats", habitat("b", R"({"spec":{"v1beta2":{"count":2}}})"));
  s.put("habitats", habitat("c"));
  CHECK(test::converge(s, "ns", max_rounds) > 0);
  for (const char* n : {"a", "b", "c"}) check_converged(s, "ns", n);
  const bj::object* cm = s.get("configmaps", "ns", "peer-watch-file");
  REQUIRE(cm);
  const auto& refs = cm->at("metadata").at("ownerReferences").as_array();
  REQUIRE(refs.size() == 3);
  CHECK(refs[0].at("name") == "a");
  CHECK(refs[2].at("name") == "c");
  CHECK(refs[0].at("controller") == false);
  const std::string data = seeds(s, "ns", "peer-watch-file");
  CHECK(std::count(data.begin(), data.end(), '\n') == 4);   // 5 seeds out of 6 pods, one per line
  CHECK(data.find("\n\n") == std::string::npos);
  CHECK(data.back() != '\n');

  SECTION("deleting one Habitat leaves the ConfigMap to the others") {
    s.remove("habitats", "ns", "c");
    for (const auto* p : s.list("pods", "ns"))
      if (p->at("metadata").at("name") == "c-0") s.remove("pods", "ns", "c-0");
    s.remove("statefulsets", "ns", "c");
    CHECK(test::converge(s, "ns", max_rounds) > 0);
    CHECK(s.get("configmaps", "ns", "peer-watch-file")->at("metadata").at("ownerReferences").as_array().size() == 2);
    CHECK(test::converge(s, "ns", max_rounds) == 0);
  }
}

TEST_CASE("A Habitat joining a shared peer ConfigMap adds itself; the ones it already serves write nothing") {
  store s;
  s.put("habitats", habitat("a"));
  REQUIRE(test::converge(s, "ns", max_rounds) > 0);
  auto config_map_writes = [&](const char* name) {
    const reconcile::plan p = test::plan_for(s, "ns", name);
    return std::count_if(p.operations.begin(), p.operations.end(), [](const reconcile::operation& op) {
      return std::visit([](const auto& o) { return o.target.kind == "ConfigMap"; }, op);
    });
  };
  auto owner_names = [&] {
    std::vector<std::string> names;
    for (const auto& r : s.get("configmaps", "ns", "peer-watch-file")->at("metadata").at("ownerReferences").as_array())
      names.emplace_back(r.at("name").as_string());
    return names;
  };
  s.put("habitats", habitat("b"));
  s.put("habitats", habitat("c"));
  // Reconciles of `a` (woken by b's and c's objects) would otherwise race b's and c's own writes to add them.
  CHECK(config_map_writes("a") == 0);
  const reconcile::plan b = test::plan_for(s, "ns", "b");
  s.apply(b, reconcile::habitat_ref(*s.get("habitats", "ns", "b")));
  CHECK(owner_names() == std::vector<std::string>{"a", "b", "c"});   // the one that writes writes every sharer
  CHECK(config_map_writes("c") == 0);

  SECTION("a reference removed by someone else is restored by its Habitat") {
    bj::object cm = *s.get("configmaps", "ns", "peer-watch-file");
    auto& refs = cm["metadata"].as_object()["ownerReferences"].as_array();
    refs.erase(refs.begin() + 1);
    s.put("configmaps", cm);
    CHECK(config_map_writes("a") == 0);
    CHECK(config_map_writes("b") == 1);
    CHECK(test::converge(s, "ns", max_rounds) > 0);
    CHECK(owner_names() == std::vector<std::string>{"a", "b", "c"});
  }
  SECTION("a reference to a Habitat that left is removed by any sharer") {
    s.remove("habitats", "ns", "c");
    CHECK(config_map_writes("a") == 1);
    CHECK(test::converge(s, "ns", max_rounds) > 0);
    CHECK(owner_names() == std::vector<std::string>{"a", "b"});
  }
}

TEST_CASE("Two rings get two ConfigMaps, and neither lists the other's pods") {
  store s;
  s.add_secret("ns", "red-20170829113029");
  s.add_secret("ns", "blue-20170829113029");
  s.put("habitats", habitat("r", R"({"spec":{"v1beta2":{"count":2,"service":{"ringSecretName":"red-20170829113029"}}}})"));
  s.put("habitats", habitat("b", R"({"spec":{"v1beta2":{"count":2,"service":{"ringSecretName":"blue-20170829113029"}}}})"));
  s.put("habitats", habitat("plain"));
  CHECK(test::converge(s, "ns", max_rounds) > 0);
  for (const char* n : {"r", "b", "plain"}) check_converged(s, "ns", n);
  auto ip_of = [&](const char* pod) { return std::string(s.get("pods", "ns", pod)->at("status").at("podIP").as_string()); };
  std::vector<std::string> cms;
  for (const auto* cm : s.list("configmaps", "ns")) cms.push_back(std::string(cm->at("metadata").at("name").as_string()));
  REQUIRE(cms.size() == 3);
  for (const auto& cm : cms) {
    const std::string data = seeds(s, "ns", cm);
    const auto refs = s.get("configmaps", "ns", cm)->at("metadata").at("ownerReferences").as_array();
    REQUIRE(refs.size() == 1);
    const std::string owner(refs[0].at("name").as_string());
    for (const char* pod : {"r-0", "r-1", "b-0", "b-1", "plain-0"}) {
      const bool mine = std::string(pod).rfind(owner + "-", 0) == 0;
      CHECK((data.find(ip_of(pod)) != std::string::npos) == mine);
    }
  }
}

TEST_CASE("The last Habitat to leave a ring deletes its peer ConfigMap; one that others share keeps them") {
  store s;
  s.add_secret("ns", "red-20170829113029");
  const char* red = R"({"spec":{"v1beta2":{"service":{"ringSecretName":"red-20170829113029"}}}})";
  s.put("habitats", habitat("a", red));
  s.put("habitats", habitat("b", red));
  CHECK(test::converge(s, "ns", max_rounds) > 0);
  REQUIRE(s.get("configmaps", "ns", "peer-watch-file-red"));
  auto leave_ring = [&](const char* name) {
    bj::object h = *s.get("habitats", "ns", name);
    h["spec"].as_object()["v1beta2"].as_object()["service"].as_object().erase("ringSecretName");
    s.put("habitats", h);
    CHECK(test::converge(s, "ns", max_rounds) > 0);
  };

  leave_ring("a");   // b still uses the ring: its ConfigMap stays, owned by b alone
  const bj::object* shared = s.get("configmaps", "ns", "peer-watch-file-red");
  REQUIRE(shared);
  const auto& refs = shared->at("metadata").at("ownerReferences").as_array();
  REQUIRE(refs.size() == 1);
  CHECK(refs[0].at("name") == "b");

  leave_ring("b");   // nobody uses it: deleted, not left frozen with b as its owner until b is deleted
  CHECK_FALSE(s.get("configmaps", "ns", "peer-watch-file-red"));
  REQUIRE(s.get("configmaps", "ns", "peer-watch-file"));
  CHECK(s.get("configmaps", "ns", "peer-watch-file")->at("metadata").at("ownerReferences").as_array().size() == 2);
  for (const char* n : {"a", "b"}) check_converged(s, "ns", n);
}

TEST_CASE("A Habitat being deleted plans nothing") {
  store s;
  s.put("habitats", habitat("a", R"({"metadata":{"deletionTimestamp":"2024-01-01T00:00:00Z"}})"));
  CHECK(test::plan_for(s, "ns", "a").empty());
}

TEST_CASE("Scaling down keeps the Habitat Ready in every round, and only Progressing says it is shrinking") {
  store s;
  s.put("habitats", habitat("web", R"({"spec":{"v1beta2":{"count":3}}})"));
  REQUIRE(test::converge(s, "ns", max_rounds) > 0);
  check_converged(s, "ns", "web");
  REQUIRE(s.edit("habitats", "ns", "web", bj::parse(R"({"spec":{"v1beta2":{"count":1}}})")));

  // The reconcile that lowers spec.replicas, then the one its own write wakes (the controller has not seen it).
  for (int round = 0; round < 2; ++round) {
    INFO("round " << round);
    s.apply(test::plan_for(s, "ns", "web"), reconcile::habitat_ref(*s.get("habitats", "ns", "web")));
    const bj::object& h = *s.get("habitats", "ns", "web");
    CHECK(condition(h, "Ready") == "True");
    CHECK(condition(h, "Progressing") == "True");
    CHECK(condition(h, "Progressing", "reason") == "ScalingDown");
  }
  CHECK(s.get("statefulsets", "ns", "web")->at("spec").at("replicas") == 1);
  // The controller removes the members (here at once) and the Habitat settles as Available.
  REQUIRE(test::converge(s, "ns", max_rounds) >= 0);
  check_converged(s, "ns", "web");
}

TEST_CASE("Habitats joining a shared peer ConfigMap at once do not conflict: references are added by uid") {
  store s;
  s.put("habitats", habitat("a"));
  REQUIRE(test::converge(s, "ns", max_rounds) > 0);
  s.put("habitats", habitat("b"));
  s.put("habitats", habitat("c"));
  s.put("habitats", habitat("d"));
  // Two workers plan b and c from the same observed ConfigMap, then both writes land.
  const reconcile::plan b = test::plan_for(s, "ns", "b");
  const reconcile::plan c = test::plan_for(s, "ns", "c");
  auto config_map_patch = [](const reconcile::plan& p) -> const reconcile::patch_object* {
    for (const auto& op : p.operations)
      if (const auto* patch = std::get_if<reconcile::patch_object>(&op); patch && patch->target.kind == "ConfigMap")
        return patch;
    return nullptr;
  };
  const reconcile::patch_object* from_b = config_map_patch(b);
  REQUIRE(from_b);
  CHECK(from_b->type == reconcile::patch_type::strategic);
  CHECK_FALSE(from_b->body.at("metadata").as_object().contains("resourceVersion"));   // no precondition
  CHECK(from_b->body.at("metadata").at("ownerReferences").as_array().size() == 3);   // b, c, d: a is there
  for (const auto* p : {&b, &c}) {
    const test::applied done = s.apply(*p, reconcile::habitat_ref(*s.get("habitats", "ns", p == &b ? "b" : "c")));
    for (int code : done.codes) CHECK(code < 300);
  }
  std::vector<std::string> owners;
  for (const auto& r : s.get("configmaps", "ns", "peer-watch-file")->at("metadata").at("ownerReferences").as_array())
    owners.emplace_back(r.at("name").as_string());
  CHECK(owners == std::vector<std::string>{"a", "b", "c", "d"});

  // One leaves: any sharer removes just its reference, again without a precondition.
  s.remove("habitats", "ns", "c");
  const reconcile::plan after_leaving = test::plan_for(s, "ns", "a");
  const reconcile::patch_object* removal = config_map_patch(after_leaving);
  REQUIRE(removal);
  CHECK(removal->type == reconcile::patch_type::strategic);
  CHECK(removal->body == bj::parse(R"({"metadata":{"ownerReferences":[{"$patch":"delete","uid":"uid-c"}]}})"));
  CHECK(test::converge(s, "ns", max_rounds) > 0);
  owners.clear();
  for (const auto& r : s.get("configmaps", "ns", "peer-watch-file")->at("metadata").at("ownerReferences").as_array())
    owners.emplace_back(r.at("name").as_string());
  CHECK(owners == std::vector<std::string>{"a", "b", "d"});
}
