// `kubectl logs` of pods the fake-apiserver binary simulates: a pod, `sts/NAME`, `-l`, `--tail`, `-f`, and the
// errors kube-apiserver gives for a container the pod does not have or a previous container it never had.
#include "e2e_common.hpp"

using habop::e2e::cluster;

namespace {

// A StatefulSet as the operator renders a standalone Habitat's: Supervisor args, an env var with a secret value.
const std::string habitat_sts_yaml = habop::e2e::stateful_set_yaml(
    "hab", "habitat-name: hab",
    "{name: habitat, image: habitat/redis:latest, args: [--topology, standalone, --peer-watch-file, "
    "/habitat-operator/peer-watch-file], env: [{name: HAB_REDIS, value: \"requirepass = 'hunter2'\"}]}");

std::string pod_ip(const cluster& c, const std::string& pod) {
  return c.ok({"get", "pod", pod, "-o", "jsonpath={.status.podIP}"});
}

}  // namespace

TEST_CASE("kubectl logs shows a simulated Supervisor log of pods, StatefulSets and selected pods", "[e2e][kubectl][logs]") {
  auto c = habop::e2e::start_cluster("1.32", {"--simulate-workloads"});
  if (!c) return;
  c->ok({"apply", "-f", "-"}, habitat_sts_yaml);
  REQUIRE(habop::e2e::eventually([&] {
    auto r = c->kubectl.run({"get", "pods", "-l", "habitat-name=hab", "-o", "jsonpath={.items[*].status.phase}"});
    return r.ok() && r.out == "Running Running";
  }));
  const std::string ip0 = pod_ip(*c, "hab-0"), ip1 = pod_ip(*c, "hab-1");
  REQUIRE_FALSE(ip0.empty());

  const std::string log = c->ok({"logs", "hab-0"});
  INFO(log);
  CHECK(log.rfind("[fake-apiserver] This log is simulated: no container ran. Pod default/hab-0, container \"habitat\".\n",
                  0) == 0);
  CHECK(log.find("hab-sup(MR): Starting the Supervisor of image habitat/redis:latest\n") != std::string::npos);
  CHECK(log.find("hab-sup(MR): Supervisor arguments: --topology standalone --peer-watch-file "
                 "/habitat-operator/peer-watch-file\n") != std::string::npos);
  CHECK(log.find("hab-sup(MR): Environment variables (values not shown): HAB_REDIS\n") != std::string::npos);
  CHECK(log.find("hunter2") == std::string::npos);
  CHECK(c->ok({"logs", "hab-0", "--tail=1"}) == "redis.default(SV): Service started on pod IP " + ip0 + "\n");
  // -f: the simulated container writes nothing more, so the stream ends instead of hanging.
  CHECK(c->ok({"logs", "-f", "hab-1", "--tail=1"}) == "redis.default(SV): Service started on pod IP " + ip1 + "\n");
  const std::string stamped = c->ok({"logs", "hab-0", "--tail=1", "--timestamps"});
  CHECK(stamped.size() > 31);
  CHECK(stamped.substr(30, 1) == " ");
  CHECK(stamped.substr(29, 1) == "Z");

  // kubectl resolves the StatefulSet's pods and its selector itself.
  CHECK(c->ok({"logs", "sts/hab", "--tail=1"}) == "redis.default(SV): Service started on pod IP " + ip0 + "\n");
  const std::string both = c->ok({"logs", "-l", "habitat-name=hab", "--prefix", "--tail=1"});
  INFO(both);
  CHECK(both.find("[pod/hab-0/habitat] redis.default(SV): Service started on pod IP " + ip0 + "\n") != std::string::npos);
  CHECK(both.find("[pod/hab-1/habitat] redis.default(SV): Service started on pod IP " + ip1 + "\n") != std::string::npos);

  // kubectl checks -c against the pod it fetched; the server makes the same check for other clients.
  CHECK(c->fails({"logs", "hab-0", "-c", "wrong"}).find("container wrong is not valid for pod hab-0") !=
        std::string::npos);
  CHECK(c->fails({"get", "--raw", "/api/v1/namespaces/default/pods/hab-0/log?container=wrong"})
            .find("Error from server (BadRequest): container wrong is not valid for pod hab-0") != std::string::npos);
  CHECK(c->fails({"logs", "hab-0", "--previous"}).find("previous terminated container \"habitat\" in pod \"hab-0\" "
                                                       "not found") != std::string::npos);
  CHECK(c->fails({"logs", "nope"}).find("pods \"nope\" not found") != std::string::npos);
}
