// The simulated kubelet's Node: registered once, Ready, with the address simulated pods report as their hostIP and
// a heartbeat Lease, so that `kubectl get nodes` and `describe node` show the node the pods' spec.nodeName names,
// as on a kwok cluster.
#include <habop/fake_apiserver/simulation.hpp>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

namespace habop::fake {
namespace bj = boost::json;
namespace {

bj::object condition(std::string_view type, std::string_view status, std::string_view reason,
                     std::string_view message, const std::string& at) {
  return bj::object{{"type", type},   {"status", status},           {"lastHeartbeatTime", at},
                    {"lastTransitionTime", at}, {"reason", reason}, {"message", message}};
}

bj::object simulated_node(const std::string& name, instant now) {
  const std::string at = to_rfc3339(now);
  const bj::object resources{{"cpu", "32"}, {"memory", "256Gi"}, {"ephemeral-storage", "1Ti"}, {"pods", "110"}};
  return bj::object{
      {"apiVersion", "v1"},
      {"kind", "Node"},
      {"metadata", bj::object{{"name", name},
                              {"labels", bj::object{{"kubernetes.io/hostname", name},
                                                    {"kubernetes.io/os", "linux"},
                                                    {"kubernetes.io/arch", "amd64"},
                                                    {"beta.kubernetes.io/os", "linux"},
                                                    {"beta.kubernetes.io/arch", "amd64"}}},
                              {"annotations", bj::object{{"node.alpha.kubernetes.io/ttl", "0"}}}}},
      {"spec", bj::object{}},
      {"status",
       bj::object{{"capacity", resources},
                  {"allocatable", resources},
                  {"conditions",
                   bj::array{condition("MemoryPressure", "False", "KubeletHasSufficientMemory",
                                       "kubelet has sufficient memory available", at),
                             condition("DiskPressure", "False", "KubeletHasNoDiskPressure",
                                       "kubelet has no disk pressure", at),
                             condition("PIDPressure", "False", "KubeletHasSufficientPID",
                                       "kubelet has sufficient PID available", at),
                             condition("Ready", "True", "KubeletReady", "kubelet is posting ready status", at)}},
                  {"addresses", bj::array{bj::object{{"type", "InternalIP"}, {"address", simulated_host_ip}},
                                          bj::object{{"type", "Hostname"}, {"address", name}}}},
                  {"daemonEndpoints", bj::object{{"kubeletEndpoint", bj::object{{"Port", 10250}}}}},
                  {"nodeInfo", bj::object{{"machineID", ""},
                                          {"systemUUID", ""},
                                          {"bootID", ""},
                                          {"kernelVersion", "simulated"},
                                          {"osImage", "fake-apiserver simulated node (no kubelet)"},
                                          {"containerRuntimeVersion", "simulated://0"},
                                          {"kubeletVersion", "v1.32.0"},
                                          {"kubeProxyVersion", "v1.32.0"},
                                          {"operatingSystem", "linux"},
                                          {"architecture", "amd64"}}}}}};
}

// The kubelet's heartbeat Lease in kube-node-lease, owned by its Node (what `describe node` shows as Lease).
bj::object node_lease(const bj::object& node, instant now) {
  const bj::object& meta = node.at("metadata").as_object();
  const bj::value& name = meta.at("name");
  return bj::object{
      {"apiVersion", "coordination.k8s.io/v1"},
      {"kind", "Lease"},
      {"metadata", bj::object{{"name", name},
                              {"ownerReferences", bj::array{bj::object{{"apiVersion", "v1"},
                                                                       {"kind", "Node"},
                                                                       {"name", name},
                                                                       {"uid", meta.at("uid")}}}}}},
      {"spec", bj::object{{"holderIdentity", name},
                          {"leaseDurationSeconds", 40},
                          {"renewTime", to_rfc3339_micro(now)}}}};
}

}  // namespace

std::size_t workload_simulator::register_node(instant now) {
  node_registered_ = true;
  if (store_.get(resources::nodes(), "", opts_.node_name)) return 0;
  auto node = store_.create(resources::nodes(), "", simulated_node(opts_.node_name, now), now);
  if (!node) return 0;
  return store_.create(resources::leases(), "kube-node-lease", node_lease(*node, now), now) ? 2 : 1;
}

}  // namespace habop::fake
