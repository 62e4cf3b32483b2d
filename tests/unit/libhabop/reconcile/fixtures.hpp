// Test fixtures for reconcile: raw Habitats and observed pods/objects as the API server would serve them.
#pragma once

#include <string>

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>

#include <habop/reconcile/merge_patch.hpp>

namespace habop::test {

/// A minimal valid standalone Habitat in namespace `ns`, uid `uid-<name>`, generation 1, with `overlay` (a JSON
/// merge patch) applied on top, e.g. `{"spec":{"v1beta2":{"count":3}}}`.
inline boost::json::object habitat(const std::string& name, const char* overlay = "{}", const std::string& ns = "ns") {
  boost::json::value base = boost::json::parse(R"({
    "apiVersion": "habitat.sh/v1beta1", "kind": "Habitat", "customVersion": "v1beta2",
    "metadata": {"name": "", "namespace": "", "uid": "", "generation": 1, "resourceVersion": "1"},
    "spec": {"v1beta2": {"image": "habitat/redis:latest", "count": 1,
                         "service": {"name": "redis", "topology": "standalone"}}}})");
  auto& meta = base.at("metadata").as_object();
  meta["name"] = name;
  meta["namespace"] = ns;
  meta["uid"] = "uid-" + name;
  return reconcile::apply_merge_patch(base, boost::json::parse(overlay)).as_object();
}

/// The typical Habitat of the benchmarks: leader, ring, user.toml, two binds, persistence.
inline boost::json::object typical_habitat(const std::string& name, const std::string& ns = "ns") {
  return habitat(name, R"({"spec":{"v1beta2":{"count":3,
      "env":[{"name":"HAB_LICENSE","value":"accept-no-persist"}],
      "persistentStorage":{"size":"1Gi","mountPath":"/hab/svc/redis/data","storageClassName":"standard"},
      "service":{"topology":"leader","group":"prod","channel":"stable","configSecretName":"user-toml",
                 "ringSecretName":"prod-ring-20170829113029",
                 "bind":[{"name":"db","service":"postgresql","group":"default"},
                         {"name":"cache","service":"memcached","group":"default"}]}}}})", ns);
}

/// A pod of Habitat `habitat` as the StatefulSet controller and kubelet would serve it.
inline boost::json::object pod(const std::string& name, const std::string& habitat, const std::string& ip,
                               bool running_and_ready = true, const std::string& revision = "rev1",
                               const std::string& ns = "ns") {
  boost::json::object p = boost::json::parse(R"({"apiVersion":"v1","kind":"Pod",
      "metadata":{"labels":{"habitat":"true"},"resourceVersion":"5"},
      "status":{"phase":"Running","conditions":[{"type":"Ready","status":"True"}]}})").as_object();
  auto& meta = p["metadata"].as_object();
  meta["name"] = name;
  meta["namespace"] = ns;
  meta["uid"] = "uid-" + name;
  meta["labels"].as_object()["habitat-name"] = habitat;
  meta["labels"].as_object()["controller-revision-hash"] = revision;
  auto& status = p["status"].as_object();
  status["podIP"] = ip;
  if (!running_and_ready) {
    status["phase"] = "Pending";
    status["conditions"].as_array()[0].as_object()["status"] = "False";
  }
  return p;
}

}  // namespace habop::test
