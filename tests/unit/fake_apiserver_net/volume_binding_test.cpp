// The simulated provisioner and PersistentVolume controller against the real in-memory store: provisioning when
// the first consumer is scheduled (or at once), binding fields, release and reclaim on claim deletion.
#include <habop/fake_apiserver/simulation.hpp>

#include <catch2/catch.hpp>

#include <boost/json/serialize.hpp>

#include <habop/fake_apiserver/api_server.hpp>
#include <habop/json/codec.hpp>

using namespace habop::fake;
namespace bj = boost::json;

namespace {

const habop::instant t0 = habop::instant::from_seconds(1'700'000'000);

bj::object parse(const std::string& text) {
  auto v = habop::json::parse_json(text);
  REQUIRE(v);
  return v->as_object();
}

bj::object claim(const std::string& name, const std::string& class_member = "") {
  return parse(R"({"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":")" + name +
               R"(","namespace":"default"},"spec":{)" + class_member +
               R"("accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"1Gi"}}}})");
}

bj::object consumer(const std::string& claim_name, const std::string& node = "fake-node-1") {
  return parse(R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"user","namespace":"default"},
    "spec":{"nodeName":")" + node + R"(","containers":[{"name":"c","image":"x"}],
            "volumes":[{"name":"data","persistentVolumeClaim":{"claimName":")" + claim_name + R"("}}]}})");
}

bj::object storage_class(const std::string& name, const std::string& mode, const std::string& policy) {
  return parse(R"({"apiVersion":"storage.k8s.io/v1","kind":"StorageClass","metadata":{"name":")" + name +
               R"("},"provisioner":"example.com/disk","volumeBindingMode":")" + mode + R"(","reclaimPolicy":")" +
               policy + R"("})");
}

std::string at(const bj::object& o, std::string_view pointer) {
  boost::system::error_code ec;
  const bj::value root(o);
  const bj::value* v = root.find_pointer(pointer, ec);
  if (v == nullptr) return "<absent>";
  return v->is_string() ? std::string(v->get_string()) : bj::serialize(*v);
}

bj::object get(object_store& s, const resource_key& r, const std::string& name, const std::string& ns = "default") {
  auto got = s.get(r, r == resources::persistentvolumes() ? "" : ns, name);
  INFO(r.plural << " " << name);
  REQUIRE(got);
  return *got;
}

// A store with the workload simulator watching it, for TEST_CASE_METHOD.
struct simulated {
  api_server api;
  object_store& store = api.store();
  workload_simulator sim{store};
  /// Creates claim `name` in namespace default (`class_member`: a leading spec member, e.g. its class).
  void add_claim(const std::string& name, const std::string& class_member = "") {
    REQUIRE(store.create(resources::persistentvolumeclaims(), "default", claim(name, class_member), t0));
  }
};

}  // namespace

TEST_CASE_METHOD(simulated, "a WaitForFirstConsumer claim is provisioned and bound once a pod using it is scheduled",
                 "[simulation][volumes]") {
  add_claim("data");
  sim.settle(t0);
  CHECK(at(get(store, resources::persistentvolumeclaims(), "data"), "/status/phase") == "Pending");
  CHECK(store.count(resources::persistentvolumes()) == 0);

  REQUIRE(store.create(resources::pods(), "default", consumer("data", "node-7"), t0));
  sim.settle(t0);
  const bj::object pvc = get(store, resources::persistentvolumeclaims(), "data");
  const std::string uid = at(pvc, "/metadata/uid");
  const std::string pv_name = "pvc-" + uid;
  CHECK(at(pvc, "/spec/storageClassName") == "standard");
  CHECK(at(pvc, "/spec/volumeName") == pv_name);
  CHECK(at(pvc, "/metadata/annotations/pv.kubernetes.io~1bind-completed") == "yes");
  CHECK(at(pvc, "/metadata/annotations/pv.kubernetes.io~1bound-by-controller") == "yes");
  CHECK(at(pvc, "/metadata/annotations/volume.kubernetes.io~1storage-provisioner") == "rancher.io/local-path");
  CHECK(at(pvc, "/metadata/annotations/volume.beta.kubernetes.io~1storage-provisioner") == "rancher.io/local-path");
  CHECK(at(pvc, "/metadata/annotations/volume.kubernetes.io~1selected-node") == "node-7");
  CHECK(at(pvc, "/status") == R"({"phase":"Bound","accessModes":["ReadWriteOnce"],"capacity":{"storage":"1Gi"}})");

  const bj::object pv = get(store, resources::persistentvolumes(), pv_name);
  CHECK(at(pv, "/spec/capacity") == R"({"storage":"1Gi"})");
  CHECK(at(pv, "/spec/accessModes") == R"(["ReadWriteOnce"])");
  CHECK(at(pv, "/spec/persistentVolumeReclaimPolicy") == "Delete");
  CHECK(at(pv, "/spec/storageClassName") == "standard");
  CHECK(at(pv, "/spec/volumeMode") == "Filesystem");
  CHECK(at(pv, "/spec/claimRef/kind") == "PersistentVolumeClaim");
  CHECK(at(pv, "/spec/claimRef/apiVersion") == "v1");
  CHECK(at(pv, "/spec/claimRef/namespace") == "default");
  CHECK(at(pv, "/spec/claimRef/name") == "data");
  CHECK(at(pv, "/spec/claimRef/uid") == uid);
  CHECK_FALSE(at(pv, "/spec/claimRef/resourceVersion").empty());
  CHECK(at(pv, "/spec/hostPath/path") == "/var/local-path-provisioner/" + pv_name + "_default_data");
  CHECK(at(pv, "/spec/hostPath/type") == "DirectoryOrCreate");
  CHECK(at(pv, "/spec/nodeAffinity/required/nodeSelectorTerms/0/matchExpressions/0/values") == R"(["node-7"])");
  CHECK(at(pv, "/metadata/annotations/pv.kubernetes.io~1provisioned-by") == "rancher.io/local-path");
  CHECK(at(pv, "/status/phase") == "Bound");
  // Settled and idempotent: nothing more to write, even when asked again.
  CHECK(sim.step(t0) == 0);
  REQUIRE(store.merge_patch(resources::persistentvolumeclaims(), "default", "data",
                            bj::object{{"metadata", bj::object{{"labels", bj::object{{"touch", "1"}}}}}}, t0));
  CHECK(sim.settle(t0) == 0);
  CHECK(store.count(resources::persistentvolumes()) == 1);
}

TEST_CASE_METHOD(simulated,
                 "an Immediate claim is bound at once; a claim of no class or an unknown class stays Pending",
                 "[simulation][volumes]") {
  REQUIRE(store.create(resources::storageclasses(), "", storage_class("fast", "Immediate", "Retain"), t0));
  add_claim("now", R"("storageClassName":"fast",)");
  add_claim("none", R"("storageClassName":"",)");
  add_claim("gone", R"("storageClassName":"gone",)");
  sim.settle(t0);
  const bj::object pvc = get(store, resources::persistentvolumeclaims(), "now");
  CHECK(at(pvc, "/status/phase") == "Bound");
  CHECK(at(pvc, "/metadata/annotations/volume.kubernetes.io~1selected-node") == "<absent>");
  const bj::object pv = get(store, resources::persistentvolumes(), at(pvc, "/spec/volumeName"));
  CHECK(at(pv, "/spec/persistentVolumeReclaimPolicy") == "Retain");
  CHECK(at(pv, "/metadata/annotations/pv.kubernetes.io~1provisioned-by") == "example.com/disk");
  CHECK(at(pv, "/spec/nodeAffinity/required/nodeSelectorTerms/0/matchExpressions/0/values") == R"(["fake-node-1"])");
  for (const char* name : {"none", "gone"}) {
    CHECK(at(get(store, resources::persistentvolumeclaims(), name), "/status/phase") == "Pending");
    CHECK(at(get(store, resources::persistentvolumeclaims(), name), "/spec/volumeName") == "<absent>");
  }
  CHECK(store.count(resources::persistentvolumes()) == 1);
}

TEST_CASE_METHOD(simulated,
                 "deleting a bound claim releases its volume, which the Delete policy removes and Retain keeps",
                 "[simulation][volumes]") {
  REQUIRE(store.create(resources::storageclasses(), "", storage_class("kept", "Immediate", "Retain"), t0));
  add_claim("deleted");
  REQUIRE(store.create(resources::pods(), "default", consumer("deleted"), t0));
  add_claim("retained", R"("storageClassName":"kept",)");
  sim.settle(t0);
  const std::string deleted_pv = at(get(store, resources::persistentvolumeclaims(), "deleted"), "/spec/volumeName");
  const std::string retained_pv = at(get(store, resources::persistentvolumeclaims(), "retained"), "/spec/volumeName");
  REQUIRE(store.count(resources::persistentvolumes()) == 2);

  std::vector<std::string> phases;   // what watchers of the Delete volume see
  const auto id = store.subscribe([&](const change& c) {
    if (c.resource == resources::persistentvolumes() && at(c.object, "/metadata/name") == deleted_pv)
      phases.push_back(c.type == change_type::deleted ? "deleted" : at(c.object, "/status/phase"));
  });
  REQUIRE(store.remove(resources::persistentvolumeclaims(), "default", "deleted", t0));
  REQUIRE(store.remove(resources::persistentvolumeclaims(), "default", "retained", t0));
  sim.settle(t0);
  store.unsubscribe(id);
  CHECK(phases == std::vector<std::string>{"Released", "deleted"});
  CHECK_FALSE(store.get(resources::persistentvolumes(), "", deleted_pv));
  const bj::object kept = get(store, resources::persistentvolumes(), retained_pv);
  CHECK(at(kept, "/status/phase") == "Released");
  CHECK(at(kept, "/spec/claimRef/name") == "retained");
  // A claim of the same name is a new claim (another uid): it gets a new volume, the released one stays.
  add_claim("retained", R"("storageClassName":"kept",)");
  sim.settle(t0);
  CHECK(at(get(store, resources::persistentvolumeclaims(), "retained"), "/spec/volumeName") != retained_pv);
  CHECK(at(get(store, resources::persistentvolumes(), retained_pv), "/status/phase") == "Released");
  CHECK(sim.step(t0) == 0);
}

TEST_CASE_METHOD(simulated,
                 "deleting a bound volume leaves its claim Lost; a pre-bound claim binds to an existing volume",
                 "[simulation][volumes]") {
  add_claim("data");
  REQUIRE(store.create(resources::pods(), "default", consumer("data"), t0));
  sim.settle(t0);
  const std::string pv = at(get(store, resources::persistentvolumeclaims(), "data"), "/spec/volumeName");
  REQUIRE(store.remove(resources::persistentvolumes(), "", pv, t0));
  sim.settle(t0);
  CHECK(at(get(store, resources::persistentvolumeclaims(), "data"), "/status/phase") == "Lost");

  REQUIRE(store.create(resources::persistentvolumes(), "", parse(R"({"apiVersion":"v1","kind":"PersistentVolume",
    "metadata":{"name":"manual"},"spec":{"capacity":{"storage":"5Gi"},"accessModes":["ReadWriteMany"],
    "storageClassName":"","hostPath":{"path":"/srv"}}})"), t0));
  sim.settle(t0);
  CHECK(at(get(store, resources::persistentvolumes(), "manual"), "/status/phase") == "Available");
  add_claim("static", R"("storageClassName":"","volumeName":"manual",)");
  sim.settle(t0);
  const bj::object pvc = get(store, resources::persistentvolumeclaims(), "static");
  CHECK(at(pvc, "/status") == R"({"phase":"Bound","accessModes":["ReadWriteMany"],"capacity":{"storage":"5Gi"}})");
  CHECK(at(pvc, "/metadata/annotations/pv.kubernetes.io~1bind-completed") == "yes");
  CHECK(at(pvc, "/metadata/annotations/pv.kubernetes.io~1bound-by-controller") == "<absent>");
  const bj::object manual = get(store, resources::persistentvolumes(), "manual");
  CHECK(at(manual, "/status/phase") == "Bound");
  CHECK(at(manual, "/spec/claimRef/uid") == at(pvc, "/metadata/uid"));
  CHECK(at(manual, "/metadata/annotations/pv.kubernetes.io~1bound-by-controller") == "yes");
  // Retain (the default of a manual volume): released, never deleted.
  REQUIRE(store.remove(resources::persistentvolumeclaims(), "default", "static", t0));
  sim.settle(t0);
  CHECK(at(get(store, resources::persistentvolumes(), "manual"), "/status/phase") == "Released");
}

TEST_CASE_METHOD(simulated, "a StatefulSet's claims are bound to provisioned volumes", "[simulation][volumes]") {
  REQUIRE(store.create(resources::statefulsets(), "default", parse(R"({"apiVersion":"apps/v1","kind":"StatefulSet",
    "metadata":{"name":"web","namespace":"default"},
    "spec":{"replicas":2,"serviceName":"web","selector":{"matchLabels":{"app":"web"}},
      "template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"main","image":"nginx:1"}]}},
      "volumeClaimTemplates":[{"metadata":{"name":"data"},
        "spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"1Gi"}}}}]}})"), t0));
  sim.settle(t0);
  for (const char* name : {"data-web-0", "data-web-1"}) {
    const bj::object pvc = get(store, resources::persistentvolumeclaims(), name);
    CHECK(at(pvc, "/status/phase") == "Bound");
    CHECK(at(get(store, resources::persistentvolumes(), at(pvc, "/spec/volumeName")), "/status/phase") == "Bound");
  }
  CHECK(store.count(resources::persistentvolumes()) == 2);
}
