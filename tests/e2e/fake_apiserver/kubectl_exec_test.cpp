// `kubectl exec`, `attach`, `cp` and `port-forward` against pods the fake-apiserver binary simulates: no kubelet
// runs, so each fails at once with kube-apiserver's answer for a kubelet it cannot dial, after its own checks of
// the pod, the container and the node.
#include "e2e_common.hpp"

using habop::e2e::cluster;

namespace {

const std::string exec_sts_yaml = habop::e2e::stateful_set_yaml("hab", "habitat-name: hab",
                                                                 R"({name: habitat, image: "habitat/redis:latest"})", 1);

const std::string dialing = "Error from server: error dialing backend: node \"fake-node-1\" is simulated by the "
                            "fake-apiserver and runs no kubelet";

}  // namespace

TEST_CASE("kubectl exec, attach, cp and port-forward say that no kubelet runs the simulated pods",
          "[e2e][kubectl][exec]") {
  auto c = habop::e2e::start_cluster("1.32", {"--simulate-workloads"});
  if (!c) return;
  c->ok({"apply", "-f", "-"}, exec_sts_yaml);
  REQUIRE(habop::e2e::eventually([&] {
    auto r = c->kubectl.run({"get", "pod", "hab-0", "-o", "jsonpath={.status.phase}"});
    return r.ok() && r.out == "Running";
  }));

  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"exec", "hab-0", "--", "ls"}, {"exec", "-i", "hab-0", "--", "sh"},
        {"attach", "hab-0"}, {"cp", "hab-0:/etc/hosts", c->home.path().string() + "/hosts"}}) {
    const std::string err = c->fails(args);
    INFO(err);
    CHECK(err.find(dialing) != std::string::npos);
    CHECK(err.find("could not find the requested resource") == std::string::npos);
  }
  const std::string pf = c->fails({"port-forward", "pod/hab-0", "0:9631"});
  INFO(pf);
  CHECK(pf.find("error upgrading connection: error dialing backend: node \"fake-node-1\"") != std::string::npos);

  // kube-apiserver's own checks come first: the pod, then the container.
  CHECK(c->fails({"exec", "nope", "--", "ls"}).find("pods \"nope\" not found") != std::string::npos);
  CHECK(c->fails({"get", "--raw", "/api/v1/namespaces/default/pods/hab-0/exec?command=ls&container=wrong&stdout=1"})
            .find("Error from server (BadRequest): container wrong is not valid for pod hab-0") != std::string::npos);
  CHECK(c->fails({"get", "--raw", "/api/v1/namespaces/default/pods/hab-0/exec?command=ls&stdout=1"})
            .find("Error from server: error dialing backend") != std::string::npos);
}

TEST_CASE("kubectl exec into a pod no node runs yet is a BadRequest, as kube-apiserver's", "[e2e][kubectl][exec]") {
  auto c = habop::e2e::start_cluster("1.32");
  if (!c) return;
  c->ok({"apply", "-f", "-"}, "apiVersion: v1\nkind: Pod\nmetadata: {name: lone}\nspec: {containers: [{name: main, "
                              "image: busybox}]}\n");
  CHECK(c->fails({"get", "--raw", "/api/v1/namespaces/default/pods/lone/exec?command=ls&stdout=1"})
            .find("Error from server (BadRequest): pod lone does not have a host assigned") != std::string::npos);
}
