// The storage kinds in the fake's core: DefaultStorageClass admission on claims, PersistentVolumes served with
// kube-apiserver's defaults, validation and table columns.
#include <habop/fake_apiserver/api_server.hpp>

#include <catch2/catch.hpp>

#include "test_client.hpp"

using namespace habop::fake;
using namespace habop::fake::test;

namespace {
const std::string pvcs = "/api/v1/namespaces/default/persistentvolumeclaims";
const std::string pvs = "/api/v1/persistentvolumes";
const std::string classes = "/apis/storage.k8s.io/v1/storageclasses";
const std::string table_accept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";

std::string claim(const std::string& name, const std::string& class_member = "") {
  return R"({"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":")" + name + R"("},"spec":{)" +
         class_member + R"("accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"1Gi"}}}})";
}

std::string storage_class(const std::string& name, bool is_default) {
  return R"({"apiVersion":"storage.k8s.io/v1","kind":"StorageClass","metadata":{"name":")" + name + R"(")" +
         (is_default ? R"(,"annotations":{"storageclass.kubernetes.io/is-default-class":"true"})" : "") +
         R"(},"provisioner":"example.com/disk"})";
}

const std::string volume = R"({"apiVersion":"v1","kind":"PersistentVolume","metadata":{"name":"pv1"},
  "spec":{"capacity":{"storage":"2Gi"},"accessModes":["ReadWriteOnce","ReadOnlyMany"],"storageClassName":"manual",
  "hostPath":{"path":"/data/pv1"},"claimRef":{"namespace":"default","name":"data"}}})";

// Creates `body` at `path` and returns the stored object.
boost::json::object create(client& c, const std::string& path, const std::string& body) {
  auto h = c.call("POST", path, body);
  INFO(h.head.body);
  REQUIRE(h.head.status == 201);
  return c.json(h);
}
}  // namespace

TEST_CASE("a claim without a class gets the default StorageClass, one that names any class keeps it") {
  api_server srv;
  client c{srv};
  auto defaulted = create(c, pvcs, claim("a"));
  CHECK(at(defaulted, "/spec/storageClassName") == "standard");
  CHECK(at(defaulted, "/spec/volumeMode") == "Filesystem");
  CHECK(at(defaulted, "/status/phase") == "Pending");
  // "" asks for no class; null is unset; the beta annotation names a class too.
  CHECK(at(create(c, pvcs, claim("b", R"("storageClassName":"",)")), "/spec/storageClassName") == "");
  CHECK(at(create(c, pvcs, claim("c", R"("storageClassName":"fast",)")), "/spec/storageClassName") == "fast");
  CHECK(at(create(c, pvcs, claim("d", R"("storageClassName":null,)")), "/spec/storageClassName") == "standard");
  std::string annotated = claim("e");
  annotated.replace(annotated.find(R"({"name":"e"})"), 12,
                    R"({"name":"e","annotations":{"volume.beta.kubernetes.io/storage-class":"old"}})");
  CHECK(at(create(c, pvcs, annotated), "/spec/storageClassName") == "");
}

TEST_CASE("with several default StorageClasses the newest wins, then the first by name") {
  api_server srv;
  client c{srv};
  create(c, classes, storage_class("zeta", true));
  create(c, classes, storage_class("alpha", true));
  create(c, classes, storage_class("plain", false));
  // All three defaults were created in the same second: the first by name.
  CHECK(at(create(c, pvcs, claim("same-second")), "/spec/storageClassName") == "alpha");
  c.now = habop::instant{t0.unix_micros + 5'000'000};
  create(c, classes, storage_class("newest", true));
  CHECK(at(create(c, pvcs, claim("later")), "/spec/storageClassName") == "newest");
  // No default left: the claim keeps no class.
  for (const char* name : {"standard", "zeta", "alpha", "newest"})
    REQUIRE(c.call("DELETE", classes + "/" + name).head.status == 200);
  CHECK(at(create(c, pvcs, claim("none")), "/spec/storageClassName") == "");
}

TEST_CASE("PersistentVolumes are cluster-scoped, defaulted and validated as kube-apiserver does") {
  api_server srv;
  client c{srv};
  auto pv = create(c, pvs, volume);
  CHECK(at(pv, "/metadata/namespace") == "");
  CHECK(at(pv, "/spec/persistentVolumeReclaimPolicy") == "Retain");
  CHECK(at(pv, "/spec/volumeMode") == "Filesystem");
  CHECK(at(pv, "/spec/hostPath/type") == "");
  CHECK(at(pv, "/status/phase") == "Pending");
  CHECK(at(pv, "/status/lastPhaseTransitionTime") == "2023-11-14T22:13:20Z");
  // The status subresource; a phase change moves lastPhaseTransitionTime.
  c.now = habop::instant{t0.unix_micros + 60'000'000};
  auto h = c.call("PATCH", pvs + "/pv1/status", R"({"status":{"phase":"Available"}})", "application/merge-patch+json");
  REQUIRE(h.head.status == 200);
  CHECK(at(c.json(h), "/status/lastPhaseTransitionTime") == "2023-11-14T22:14:20Z");

  auto bad = c.call("POST", pvs, R"({"apiVersion":"v1","kind":"PersistentVolume","metadata":{"name":"bad"},
    "spec":{"persistentVolumeReclaimPolicy":"Keep","hostPath":{"path":"/a"},"nfs":{"server":"x","path":"/"}}})");
  CHECK(bad.head.status == 422);
  for (const char* cause : {"spec.accessModes: Required value", "spec.capacity: Required value",
                            R"(spec.persistentVolumeReclaimPolicy: Unsupported value: \"Keep\")",
                            "spec.nfs: Forbidden: may not specify more than 1 volume type"})
    CHECK_THAT(bad.head.body, Catch::Contains(cause));
  auto sourceless = c.call("POST", pvs, R"({"apiVersion":"v1","kind":"PersistentVolume","metadata":{"name":"x"},
    "spec":{"capacity":{"storage":"1Gi"},"accessModes":["ReadWriteOnce"]}})");
  CHECK(sourceless.head.status == 422);
  CHECK(sourceless.head.body.find("spec: Required value: must specify a volume type") != std::string::npos);
}

TEST_CASE("kubectl get pv columns are kube-apiserver's, wide adds VolumeMode") {
  api_server srv;
  client c{srv};
  create(c, pvs, volume);
  c.now = habop::instant{t0.unix_micros + 90'000'000};
  auto t = c.json(c.call("GET", pvs, "", "", table_accept));
  std::vector<std::string> names, wide;
  for (const auto& col : t.at("columnDefinitions").as_array()) {
    names.emplace_back(col.at("name").as_string());
    if (col.at("priority").as_int64() > 0) wide.emplace_back(col.at("name").as_string());
  }
  CHECK(names == std::vector<std::string>{"Name", "Capacity", "Access Modes", "Reclaim Policy", "Status", "Claim",
                                          "StorageClass", "VolumeAttributesClass", "Reason", "Age", "VolumeMode"});
  CHECK(wide == std::vector<std::string>{"VolumeMode"});
  CHECK(boost::json::serialize(t.at("rows").at(0).at("cells")) ==
        R"(["pv1","2Gi","RWO,ROX","Retain","Pending","default/data","manual","<unset>","","90s","Filesystem"])");
  // Discovery: short name pv, cluster-scoped, with status.
  auto list = c.json(c.call("GET", "/api/v1"));
  bool found = false, status = false;
  for (const auto& r : list.at("resources").as_array()) {
    if (r.at("name") == "persistentvolumes") {
      found = true;
      CHECK(r.at("namespaced") == false);
      CHECK(r.at("shortNames") == boost::json::array{"pv"});
    }
    status = status || r.at("name") == "persistentvolumes/status";
  }
  CHECK(found);
  CHECK(status);
}
