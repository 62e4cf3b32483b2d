// The caches' field masks keep everything reconcile reads: plans from projected objects equal plans from whole ones.
#include <habop/operator/cache_shapes.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <type_traits>

#include <boost/json/parse.hpp>

#include <habop/operator/compact_json.hpp>
#include <habop/reconcile/peers.hpp>
#include <habop/reconcile/reconcile.hpp>

namespace bj = boost::json;
using namespace habop;
using namespace habop::op;

namespace {

const instant now = instant::from_seconds(1'700'000'000);

bj::object parse(std::string_view json) { return bj::parse(json).as_object(); }

bj::object habitat() {
  return parse(R"({"apiVersion":"habitat.sh/v1beta1","kind":"Habitat","customVersion":"v1beta2",
    "metadata":{"name":"web","namespace":"ns","uid":"hab-uid","generation":1,"resourceVersion":"10",
      "managedFields":[{"manager":"kubectl"}]},
    "spec":{"v1beta2":{"image":"habitat/redis-hab","count":3,"updateStrategy":"AllAtOnce",
      "service":{"name":"redis","topology":"standalone"}}}})");
}

/// What the API server adds to a created object: identity, bookkeeping, defaults and a status.
bj::object as_served(bj::object body, int n) {
  auto& meta = body["metadata"].as_object();
  meta["uid"] = "uid-" + std::to_string(n);
  meta["resourceVersion"] = std::to_string(100 + n);
  meta["generation"] = 1;
  meta["creationTimestamp"] = "2024-01-01T00:00:00Z";
  meta["managedFields"] = bj::array{bj::object{{"manager", "habitat-operator"}, {"fieldsV1", {{"f:spec", {}}}}}};
  if (body["kind"] == "StatefulSet") {
    auto& spec = body["spec"].as_object();
    spec["revisionHistoryLimit"] = 10;
    for (auto& c : spec["template"].as_object()["spec"].as_object()["containers"].as_array()) {
      c.as_object()["terminationMessagePath"] = "/dev/termination-log";
      c.as_object()["imagePullPolicy"] = "IfNotPresent";
    }
    body["status"] = parse(R"({"observedGeneration":1,"replicas":3,"readyReplicas":3,"currentReplicas":3,
      "updatedReplicas":3,"availableReplicas":3,"currentRevision":"web-r1","updateRevision":"web-r1",
      "collisionCount":0,"conditions":[{"type":"Whatever","status":"True","lastTransitionTime":"t"}]})");
  }
  if (body["kind"] == "Service") {
    body["spec"].as_object()["sessionAffinity"] = "None";
    body["spec"].as_object()["ipFamilies"] = bj::array{"IPv4"};
    body["status"] = parse(R"({"loadBalancer":{}})");
  }
  return body;
}

bj::object pod(int i, std::string_view revision, bool ready) {
  auto p = parse(R"({"apiVersion":"v1","kind":"Pod","metadata":{"namespace":"ns","generateName":"web-",
    "labels":{"habitat":"true","habitat-name":"web","statefulset.kubernetes.io/pod-name":"x"},
    "ownerReferences":[{"apiVersion":"apps/v1","kind":"StatefulSet","name":"web","uid":"uid-3","controller":true}],
    "annotations":{"note":"a long annotation nobody reads, repeated for size, repeated for size"}},
    "spec":{"containers":[{"name":"habitat-service","image":"habitat/redis-hab","terminationMessagePath":"/dev/x",
      "resources":{},"volumeMounts":[{"name":"config","mountPath":"/habitat-operator"}]}],"nodeName":"node-1",
      "restartPolicy":"Always","dnsPolicy":"ClusterFirst","schedulerName":"default-scheduler"},
    "status":{"phase":"Running","hostIP":"192.168.0.1","startTime":"2024-01-01T00:00:00Z",
      "containerStatuses":[{"name":"habitat-service","ready":true,"restartCount":0,"image":"habitat/redis-hab"}]}})");
  auto& meta = p["metadata"].as_object();
  meta["name"] = "web-" + std::to_string(i);
  meta["uid"] = "pod-uid-" + std::to_string(i);
  meta["resourceVersion"] = std::to_string(200 + i);
  meta["labels"].as_object()["controller-revision-hash"] = revision;
  auto& status = p["status"].as_object();
  status["podIP"] = "10.0.0." + std::to_string(10 + i);
  status["conditions"] = bj::array{
      bj::object{{"type", "Initialized"}, {"status", "True"}, {"lastTransitionTime", "t"}},
      bj::object{{"type", "Ready"}, {"status", ready ? "True" : "False"}, {"lastProbeTime", nullptr}}};
  return p;
}

/// Works whether snapshot members hold objects or shared pointers to them.
template <class Slot>
void put(Slot& slot, const object_ptr& p) {
  if constexpr (std::is_assignable_v<Slot&, object_ptr>) {
    slot = p;
  } else {
    slot = *p;
  }
}
template <class Vector>
void push(Vector& v, const object_ptr& p) {
  if constexpr (std::is_constructible_v<typename Vector::value_type, object_ptr>) {
    v.push_back(p);
  } else {
    v.push_back(*p);
  }
}

struct cluster {
  bj::object habitat, sts, svc, cm;
  std::vector<bj::object> pods;

  /// The snapshot with every object passed through `shape` (as the cache stores it) or kept whole.
  reconcile::snapshot snapshot(bool projected) const {
    // Read back as the controller reads: by key (through packing), and Habitats as the peer index scans them.
    auto stored = [&](const cache_options& o, const bj::object& obj, bool summary = false) {
      object_cache c(projected ? o : cache_options{o.kind, false, o.index_label, {}, false});
      c.apply(watch_event_type::added, obj);
      const auto& meta = obj.at("metadata");
      if (summary) return c.summaries().at(0);
      return c.get(meta.at("namespace").as_string(), meta.at("name").as_string());
    };
    reconcile::snapshot s;
    push(s.habitats, stored(habitat_cache_options(), habitat, true));
    put(s.stateful_set, stored(stateful_set_cache_options(), sts));
    put(s.service, stored(service_cache_options(), svc));
    push(s.config_maps, stored(config_map_cache_options(), cm));
    for (const auto& p : pods) push(s.pods, stored(pod_cache_options(), p));
    return s;
  }
  reconcile::plan plan(bool projected) const {
    return reconcile::reconcile(*stored_habitat(projected), snapshot(projected), now);
  }
  object_ptr stored_habitat(bool projected) const {
    object_cache c(projected ? habitat_cache_options() : cache_options{"Habitat", false, "", {}, false});
    c.apply(watch_event_type::added, habitat);
    return c.get(habitat.at("metadata").at("namespace").as_string(), habitat.at("metadata").at("name").as_string());
  }
};

cluster converged() {
  cluster c;
  c.habitat = habitat();
  reconcile::snapshot alone;
  push(alone.habitats, std::make_shared<const bj::object>(c.habitat));
  auto created = reconcile::reconcile(c.habitat, alone, now);
  REQUIRE(created.operations.size() == 3);
  int n = 0;
  for (const auto& op : created.operations) {
    auto body = as_served(std::get<reconcile::create_object>(op).body, ++n);
    if (body["kind"] == "Service") c.svc = body;
    if (body["kind"] == "ConfigMap") c.cm = body;
    if (body["kind"] == "StatefulSet") c.sts = body;
  }
  for (int i = 0; i < 3; ++i) c.pods.push_back(pod(i, "web-r1", true));
  // Seeds as reconcile wants them, so that the converged cluster needs no ConfigMap patch either.
  auto seeded = reconcile::reconcile(c.habitat, c.snapshot(false), now);
  for (const auto& op : seeded.operations) {
    if (const auto* p = std::get_if<reconcile::patch_object>(&op); p && p->target.kind == "ConfigMap") {
      if (const auto* data = p->body.if_contains("data")) c.cm["data"] = *data;
    }
  }
  return c;
}

}  // namespace

TEST_CASE("plans from projected caches equal plans from whole objects", "[cache_shapes]") {
  cluster c = converged();
  SECTION("converged: nothing to write") {
    auto full = c.plan(false);
    CHECK(full.operations.empty());
    CHECK(c.plan(true) == full);
  }
  SECTION("pods on an old revision are deleted with their resourceVersion") {
    c.pods[1] = pod(1, "web-r0", true);
    c.pods[2] = pod(2, "web-r0", false);
    auto full = c.plan(false);
    CHECK(std::count_if(full.operations.begin(), full.operations.end(),
                        [](const auto& op) { return std::holds_alternative<reconcile::delete_object>(op); }) == 2);
    CHECK(c.plan(true) == full);
  }
  SECTION("edits made outside habop are reverted, fields habop removes included") {
    c.sts["spec"].as_object()["replicas"] = 5;
    c.sts["spec"].as_object()["template"].as_object()["spec"].as_object()["serviceAccountName"] = "intruder";
    c.svc["spec"].as_object()["selector"].as_object()["extra"] = "key";
    c.cm["metadata"].as_object()["ownerReferences"].as_array().push_back(
        bj::object{{"apiVersion", "v1"}, {"kind", "Other"}, {"name", "o"}, {"uid", "o-uid"}});
    auto full = c.plan(false);
    CHECK(full.operations.size() >= 2);
    CHECK(c.plan(true) == full);
  }
  SECTION("a pod that stops being ready leaves the seeds, a rollout in progress shows in the status") {
    c.pods[0] = pod(0, "web-r1", false);
    c.sts["status"].as_object()["readyReplicas"] = 2;
    c.sts["status"].as_object()["observedGeneration"] = 0;
    auto full = c.plan(false);
    CHECK_FALSE(full.empty());
    CHECK(c.plan(true) == full);
  }
  SECTION("members the kubelet or scheduler cannot run show in the status either way") {
    c.pods[1]["status"].as_object()["containerStatuses"] = bj::array{bj::object{
        {"name", "habitat-service"}, {"ready", false}, {"restartCount", 0},
        {"state", {{"waiting", {{"reason", "ImagePullBackOff"}, {"message", "Back-off pulling image"}}}}}}};
    c.pods[1]["status"].as_object()["conditions"].as_array()[1].as_object()["status"] = "False";
    c.pods[2]["status"].as_object()["phase"] = "Pending";
    c.pods[2]["status"].as_object()["conditions"] = bj::array{
        bj::object{{"type", "PodScheduled"}, {"status", "False"}, {"reason", "Unschedulable"},
                   {"message", "0/1 nodes are available"}, {"lastTransitionTime", "t"}}};
    c.sts["status"].as_object()["readyReplicas"] = 1;
    auto full = c.plan(false);
    REQUIRE(full.status);
    CHECK(full.status->at("message").as_string().find("web-2: Unschedulable (0/1 nodes are available)") !=
          bj::string::npos);
    CHECK(c.plan(true) == full);
  }
  SECTION("an object controlled by someone else is left alone either way") {
    c.svc["metadata"].as_object()["ownerReferences"] = bj::array{
        bj::object{{"apiVersion", "v1"}, {"kind", "Other"}, {"name", "o"}, {"uid", "o-uid"}, {"controller", true}}};
    CHECK(c.plan(true) == c.plan(false));
  }
}

TEST_CASE("projected objects are small: a pod costs about a kilobyte", "[cache_shapes]") {
  cluster c = converged();
  object_cache pods(pod_cache_options());
  auto stored = pods.apply(watch_event_type::added, c.pods[0]).current;
  // Boost.JSON's floor is 32 bytes per member: two conditions, two labels and identity come to ~1 KB.
  CHECK(allocated_bytes(*stored) < 1100);
  CHECK(allocated_bytes(*stored) * 3 < malloc_bytes(c.pods[0]));
  CHECK(stored->at("metadata").at("labels").as_object().size() == 2);
  CHECK(stored->at("status").at("conditions").as_array().size() == 2);

  object_cache sts(stateful_set_cache_options());
  auto kept = sts.apply(watch_event_type::added, c.sts).current;
  CHECK_FALSE(kept->at("metadata").as_object().contains("managedFields"));
  CHECK_FALSE(kept->at("status").as_object().contains("conditions"));
  CHECK(kept->at("status").at("updateRevision") == "web-r1");

  object_cache secrets(secret_cache_options());
  auto secret = secrets.apply(watch_event_type::added, parse(R"({"apiVersion":"v1","kind":"Secret",
    "metadata":{"name":"s","namespace":"ns","resourceVersion":"1","annotations":{"a":"b"}},"data":{"k":"dg=="}})"))
                    .current;
  CHECK(secret->size() == 3);
  CHECK(secret->at("metadata").as_object().size() == 3);
}

TEST_CASE("Habitats are packed, and their summaries index peers exactly like the whole Habitats",
          "[cache_shapes]") {
  object_cache packed(habitat_cache_options());
  std::vector<object_ptr> whole;
  auto add = [&](bj::object h) {
    whole.push_back(std::make_shared<const bj::object>(h));
    packed.apply(watch_event_type::added, std::move(h));
  };
  for (int i = 0; i < 6; ++i) {
    bj::object h = habitat();
    auto& meta = h["metadata"].as_object();
    meta["name"] = "web-" + std::to_string(i);
    meta["uid"] = "uid-" + std::to_string(i);
    auto& service = h["spec"].as_object()["v1beta2"].as_object()["service"].as_object();
    if (i % 3 == 1) service["ringSecretName"] = "prod-ring-20170829113029";   // another ConfigMap
    if (i == 4) meta["deletionTimestamp"] = "2024-01-01T00:00:00Z";              // shares nothing any more
    if (i == 5) h["customVersion"] = "v1beta1";                                 // not ours to index
    h["status"] = parse(R"({"observedGeneration":1,"replicas":3,"readyReplicas":3,"state":"Running",
      "message":"3/3 members ready","selector":"habitat-name=web","conditions":[
      {"type":"Ready","status":"True","observedGeneration":1,"lastTransitionTime":"2024-01-01T00:00:00Z",
       "reason":"Available","message":"3/3 members ready"},
      {"type":"Progressing","status":"False","observedGeneration":1,"lastTransitionTime":"2024-01-01T00:00:00Z",
       "reason":"Available","message":"3/3 members ready"},
      {"type":"Degraded","status":"False","observedGeneration":1,"lastTransitionTime":"2024-01-01T00:00:00Z",
       "reason":"AsExpected","message":""}]})");
    add(std::move(h));
  }
  // Whole on reads by key (as the cache trims them), small in the summaries the peer index scans.
  REQUIRE(packed.get("ns", "web-0"));
  CHECK(*packed.get("ns", "web-0") == transform_for_cache(*whole[0], false));
  const auto summaries = packed.summaries("ns");
  REQUIRE(summaries.size() == 6);
  CHECK_FALSE(summaries[0]->contains("status"));
  CHECK(allocated_bytes(*summaries[0]) * 3 < allocated_bytes(*whole[0]));
  CHECK(packed.stored_bytes("ns", "web-1") * 2 < allocated_bytes(*whole[1]));

  const auto from_summaries = reconcile::build_peer_index(summaries, {});
  const auto from_whole = reconcile::build_peer_index(whole, {});
  REQUIRE(from_summaries.rings.size() == from_whole.rings.size());
  CHECK(from_whole.rings.size() == 2);
  for (const auto& [name, ring] : from_whole.rings) {
    INFO(name);
    REQUIRE(from_summaries.rings.contains(name));
    const auto& other = from_summaries.rings.at(name).owners;
    REQUIRE(other.size() == ring.owners.size());
    for (std::size_t i = 0; i < other.size(); ++i) {
      CHECK(other[i].name == ring.owners[i].name);
      CHECK(other[i].uid == ring.owners[i].uid);
      CHECK(other[i].ns == ring.owners[i].ns);
    }
  }
  for (std::size_t i = 0; i < whole.size(); ++i)
    CHECK(reconcile::peer_index_key_of_habitat(*summaries[i]) == reconcile::peer_index_key_of_habitat(*whole[i]));
}
