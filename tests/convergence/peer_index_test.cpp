// The shared per-namespace peer index, and observed hashes carried by the snapshot, give exactly the plans
// reconcile computes without them.
#include "store.hpp"

#include "fixtures.hpp"

#include <boost/json/parse.hpp>

#include <map>

#include <habop/reconcile/fingerprint.hpp>
#include <habop/reconcile/peers.hpp>

#include <catch2/catch.hpp>

namespace bj = boost::json;
using namespace habop;
using habop::test::habitat;
using habop::test::store;

namespace {

using index_ptr = std::shared_ptr<const reconcile::peer_index>;

// The index as the operator builds it: with the namespace's ConfigMaps, so each ring knows whom its ConfigMap serves.
index_ptr index_of(const store& s, const std::string& name) {
  const reconcile::snapshot snap = s.observe("ns", name);
  return std::make_shared<const reconcile::peer_index>(
      reconcile::build_peer_index(snap.habitats, snap.pods, snap.config_maps, reconcile::options{}.max_peer_seeds));
}

// The snapshot a controller that keeps the index passes: no Habitats, only the reconciled Habitat's own pods.
reconcile::snapshot lean(reconcile::snapshot snap, const std::string& name, index_ptr index) {
  snap.habitats.clear();
  std::erase_if(snap.pods, [&](const reconcile::object_ptr& pod) {
    return (*pod).at("metadata").at("labels").as_object().if_contains("habitat-name")->as_string() != name;
  });
  snap.peers = std::move(index);
  return snap;
}

// Every Habitat's plan with a shared prebuilt index (`index`, else one built now) equals its plan without one
// (reconcile builds its own), with the full snapshot and with the lean one.
void check_index_changes_nothing(const store& s, const std::vector<std::string>& names, index_ptr index = nullptr) {
  if (!index) index = index_of(s, names.front());
  for (const auto& name : names) {
    INFO(name);
    reconcile::snapshot with = s.observe("ns", name);
    const reconcile::snapshot without = with;
    with.peers = index;
    const bj::object& h = *s.get("habitats", "ns", name);
    const auto now = instant::from_seconds(1'700'000'000);
    const reconcile::plan expected = reconcile::reconcile(h, without, now);
    CHECK(reconcile::reconcile(h, with, now) == expected);
    CHECK(reconcile::reconcile(h, lean(without, name, index), now) == expected);
  }
}

// Every Habitat's and pod's peer_index_key in the namespace, by name.
std::map<std::string, std::string> peer_keys(const store& s, const std::string& name) {
  const reconcile::snapshot snap = s.observe("ns", name);
  std::map<std::string, std::string> keys;
  for (const auto& h : snap.habitats) keys["habitat " + std::string((*h).at("metadata").at("name").as_string())] = reconcile::peer_index_key_of_habitat(*h);
  for (const auto& p : snap.pods) keys["pod " + std::string((*p).at("metadata").at("name").as_string())] = reconcile::peer_index_key_of_pod(*p);
  return keys;
}

}  // namespace

TEST_CASE("A prebuilt peer index plans exactly what reconcile plans without one") {
  store s;
  s.add_secret("ns", "red-20170829113029");
  s.add_secret("ns", "blue-20170829113029");
  const std::vector<std::string> names = {"r1", "r2", "b", "p1", "p2", "p3", "l"};
  s.put("habitats", habitat("r1", R"({"spec":{"v1beta2":{"count":3,"service":{"ringSecretName":"red-20170829113029"}}}})"));
  s.put("habitats", habitat("r2", R"({"spec":{"v1beta2":{"count":2,"service":{"ringSecretName":"red-20170829113029"}}}})"));
  s.put("habitats", habitat("b", R"({"spec":{"v1beta2":{"count":2,"service":{"ringSecretName":"blue-20170829113029"}}}})"));
  for (const char* p : {"p1", "p2", "p3"}) s.put("habitats", habitat(p, R"({"spec":{"v1beta2":{"count":3}}})"));
  s.put("habitats", habitat("l", R"({"spec":{"v1beta2":{"count":3,"service":{"topology":"leader"}}}})"));
  REQUIRE(test::converge(s, "ns", 12) > 0);
  const reconcile::snapshot snap = s.observe("ns", "r1");
  const reconcile::peer_index index = reconcile::build_peer_index(snap.habitats, snap.pods, snap.config_maps, 5);
  REQUIRE(index.rings.size() == 3);
  for (const auto& [cm, ring] : index.rings) {
    CHECK(std::is_sorted(ring.ips.begin(), ring.ips.end()));
    // Converged: each ring's ConfigMap serves every one of its owners.
    REQUIRE(ring.served);
    CHECK(ring.served->uids.size() == ring.owners.size());
  }
  CHECK_FALSE(reconcile::build_peer_index(snap.habitats, snap.pods).rings.begin()->second.served);
  check_index_changes_nothing(s, names);   // converged: every plan is empty either way

  SECTION("while seeds and owners change") {
    s.edit("configmaps", "ns", "peer-watch-file", bj::parse(R"({"data":{"peer-watch-file":"10.9.9.9"}})"));
    s.edit("pods", "ns", "p1-0", bj::parse(R"({"status":{"conditions":[{"type":"Ready","status":"False"}]}})"));
    s.edit("pods", "ns", "r1-1", bj::parse(R"({"metadata":{"deletionTimestamp":"2024-01-01T00:00:00Z"}})"));
    s.edit("habitats", "ns", "p3", bj::parse(R"({"metadata":{"deletionTimestamp":"2024-01-01T00:00:00Z"}})"));
    s.put("habitats", habitat("late", R"({"spec":{"v1beta2":{"service":{"ringSecretName":"blue-20170829113029"}}}})"));
    std::vector<std::string> all = names;
    all.push_back("late");
    check_index_changes_nothing(s, all);
    CHECK_FALSE(test::plan_for(s, "ns", "p1").empty());
  }

  SECTION("an index is kept while no object's peer_index_key changes") {
    const index_ptr kept = index_of(s, "r1");
    const auto keys = peer_keys(s, "r1");
    // Status writes, labels and a pod condition other than Ready change no key: the kept index stays exact.
    s.edit("habitats", "ns", "r2", bj::parse(R"({"status":{"observedGeneration":9},"metadata":{"labels":{"x":"y"}}})"));
    s.edit("pods", "ns", "p1-0", bj::parse(R"({"metadata":{"labels":{"controller-revision-hash":"other"}},
                                              "status":{"conditions":[{"type":"Ready","status":"True"},
                                                                      {"type":"Initialized","status":"False"}]}})"));
    CHECK(peer_keys(s, "r1") == keys);
    check_index_changes_nothing(s, names, kept);
    // What the index is made of does change keys.
    s.edit("pods", "ns", "r1-0", bj::parse(R"({"status":{"podIP":"10.1.1.1"}})"));
    s.edit("habitats", "ns", "b", bj::parse(R"({"spec":{"v1beta2":{"service":{"ringSecretName":"red-20170829113029"}}}})"));
    const auto changed = peer_keys(s, "r1");
    CHECK(changed.at("pod r1-0") != keys.at("pod r1-0"));
    CHECK(changed.at("habitat b") != keys.at("habitat b"));
    CHECK(changed.at("pod p1-0") == keys.at("pod p1-0"));
    s.edit("pods", "ns", "p2-0", bj::parse(R"({"status":{"phase":"Pending"}})"));
    CHECK(peer_keys(s, "r1").at("pod p2-0").empty());   // no longer a seed: contributes nothing
  }

  SECTION("whom a ConfigMap serves is trusted only for the version the index saw") {
    const index_ptr kept = index_of(s, "p1");
    // Another version of the ConfigMap (the first sharer's reference dropped): the kept verdict no longer applies,
    // and that sharer adds itself back.
    bj::object cm = *s.get("configmaps", "ns", "peer-watch-file");
    bj::array& refs = cm["metadata"].as_object()["ownerReferences"].as_array();
    REQUIRE(refs.front().at("name") == "l");
    refs.erase(refs.begin());
    s.put("configmaps", cm);
    CHECK_FALSE(test::plan_for(s, "ns", "l").empty());
    CHECK(test::plan_for(s, "ns", "p1").empty());   // the others' references are l's to restore
    check_index_changes_nothing(s, names, kept);
  }

  SECTION("while an AllAtOnce Habitat restarts its stale pods") {
    bj::object l = *s.get("habitats", "ns", "l");
    l["spec"].as_object()["v1beta2"].as_object()["image"] = "habitat/redis:2";
    s.put("habitats", l);
    s.apply(test::plan_for(s, "ns", "l"), reconcile::habitat_ref(l));
    s.simulate();   // OnDelete: the pods stay on the old revision
    const reconcile::plan p = test::plan_for(s, "ns", "l");
    CHECK(std::count_if(p.operations.begin(), p.operations.end(),
                        [](const auto& op) { return std::holds_alternative<reconcile::delete_object>(op); }) == 3);
    check_index_changes_nothing(s, names);
  }
}

TEST_CASE("Observed hashes carried by the snapshot plan exactly what reconcile plans computing them") {
  store s;
  s.default_like_kube_apiserver();
  s.add_secret("ns", "user-toml");
  s.add_secret("ns", "prod-ring-20170829113029");
  s.put("habitats", test::typical_habitat("typical"));
  REQUIRE(test::converge(s, "ns", 12) > 0);
  const auto now = instant::from_seconds(1'700'000'000);
  auto with_hashes = [&] {
    reconcile::snapshot snap = s.observe("ns", "typical");
    snap.stateful_set_hash = reconcile::observed_hash(*snap.stateful_set);
    snap.service_hash = reconcile::observed_hash(*snap.service);
    return snap;
  };
  const bj::object& h = *s.get("habitats", "ns", "typical");
  CHECK(reconcile::reconcile(h, with_hashes(), now).empty());

  // Drift in an owned field: the hash of the drifted object no longer matches its stamp, given or computed.
  s.edit("services", "ns", "typical", bj::parse(R"({"spec":{"publishNotReadyAddresses":false}})"));
  s.edit("statefulsets", "ns", "typical", bj::parse(R"({"spec":{"replicas":7}})"));
  const reconcile::plan drifted = reconcile::reconcile(h, with_hashes(), now);
  CHECK(drifted == reconcile::reconcile(h, s.observe("ns", "typical"), now));
  CHECK(drifted.operations.size() == 2);

  // A hash that does not match the stamp costs only the full comparison. (One computed from an older version of the
  // object would hide that version's drift: callers key them by object version, as the operator's memo does.)
  REQUIRE(test::converge(s, "ns", 12) >= 0);
  reconcile::snapshot wrong = with_hashes();
  *wrong.service_hash ^= 1;
  *wrong.stateful_set_hash ^= 1;
  CHECK(reconcile::reconcile(*s.get("habitats", "ns", "typical"), wrong, now).empty());
}
