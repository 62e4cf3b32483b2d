// The simulated node: `get nodes`, `describe node` and `cordon` show the node the simulated pods run on, as on a
// kwok cluster.
#include "e2e_common.hpp"

using habop::e2e::cluster;

TEST_CASE("kubectl get nodes shows the node the simulated pods run on", "[e2e][kubectl][nodes]") {
  auto c = habop::e2e::start_cluster("1.32", {"--simulate-workloads"});
  if (!c) return;
  REQUIRE(habop::e2e::eventually([&] { return c->kubectl.run({"get", "node", "fake-node-1"}).ok(); }));
  const std::string nodes = c->ok({"get", "nodes"});
  INFO(nodes);
  CHECK(nodes.rfind("NAME          STATUS   ROLES    AGE   VERSION\nfake-node-1   Ready    <none>   ", 0) == 0);
  CHECK(nodes.find("v1.32.0\n") != std::string::npos);
  const std::string wide = c->ok({"get", "no", "-o", "wide"});
  INFO(wide);
  CHECK(wide.find("INTERNAL-IP    EXTERNAL-IP") != std::string::npos);
  CHECK(wide.find("203.0.113.10   <none>") != std::string::npos);

  c->ok({"apply", "-f", "-"}, habop::e2e::statefulset_yaml);
  REQUIRE(habop::e2e::eventually([&] {
    auto r = c->kubectl.run({"get", "pods", "-l", "app=web", "-o", "jsonpath={.items[*].status.phase}"});
    return r.ok() && r.out == "Running Running";
  }));
  // The scheduler's and kubelet's events are on the pod, the controller's on the StatefulSet.
  const std::string pod = c->ok({"describe", "pod", "web-0"});
  INFO(pod);
  CHECK(pod.find("Normal  Scheduled  ") != std::string::npos);
  CHECK(pod.find("default-scheduler  Successfully assigned default/web-0 to fake-node-1") != std::string::npos);
  CHECK(pod.find("kubelet            Started container main") != std::string::npos);
  CHECK(c->ok({"describe", "sts", "web"}).find("SuccessfulCreate  ") != std::string::npos);
  const std::string described = c->ok({"describe", "node", "fake-node-1"});
  INFO(described);
  CHECK(described.find("Ready            True    ") != std::string::npos);
  CHECK(described.find("InternalIP:  203.0.113.10") != std::string::npos);
  CHECK(described.find("Non-terminated Pods:          (2 in total)") != std::string::npos);
  CHECK(described.find("web-0") != std::string::npos);

  // Cordoning is a patch of spec.unschedulable, shown in STATUS.
  c->ok({"cordon", "fake-node-1"});
  CHECK(c->ok({"get", "node", "fake-node-1", "--no-headers"}).find("Ready,SchedulingDisabled") != std::string::npos);
}
