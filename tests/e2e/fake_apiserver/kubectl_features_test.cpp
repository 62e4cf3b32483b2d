// kubectl features against the fake-apiserver binary: CRDs and CRs, status subresource, server-side apply, watch,
// wait, deletion propagation with garbage collection over simulated workloads.
#include <habop/test_support/fake_apiserver.hpp>

#include "e2e_common.hpp"

using habop::e2e::eventually;

TEST_CASE("a CRD, then its custom resources: apply, get, patch, status subresource, api-resources",
          "[e2e][kubectl][crd]") {
  auto c = habop::e2e::start_cluster("1.32");
  if (!c) return;
  c->ok({"apply", "-f", "-"}, habop::e2e::crd_yaml);
  c->ok({"wait", "--for=condition=Established", "crd/widgets.example.com", "--timeout=20s"});
  CHECK(c->ok({"apply", "-f", "-"}, habop::e2e::widget_yaml).find("widget.example.com/w1 created") !=
        std::string::npos);
  std::string table = c->ok({"get", "widgets"});
  CHECK(table.find("SIZE") != std::string::npos);
  CHECK(c->ok({"get", "wd", "w1", "-o", "name"}) == "widget.example.com/w1\n");
  c->ok({"patch", "widget", "w1", "--type=merge", "-p", R"({"spec":{"size":5}})"});
  CHECK(c->json({"get", "widget", "w1"}).at("spec").at("size") == 5);
  // Schema validation (minimum: 1) is the server's job with --validate=strict.
  CHECK(c->fails({"patch", "widget", "w1", "--type=merge", "-p", R"({"spec":{"size":0}})"}).find("Invalid") !=
        std::string::npos);
  c->ok({"patch", "widget", "w1", "--subresource=status", "--type=merge", "-p", R"({"status":{"phase":"Ready"}})"});
  auto w = c->json({"get", "widget", "w1"});
  CHECK(w.at("status").at("phase") == "Ready");
  CHECK(c->ok({"api-resources", "--api-group=example.com"}).find("widgets") != std::string::npos);
  // Updated through apply as well.
  std::string bigger = habop::e2e::widget_yaml;
  bigger.replace(bigger.find("size: 3"), 7, "size: 7");
  CHECK(c->ok({"apply", "-f", "-"}, bigger).find("configured") != std::string::npos);
  CHECK(c->json({"get", "widget", "w1"}).at("spec").at("size") == 7);
}

TEST_CASE("server-side apply creates, updates and records the field manager", "[e2e][kubectl]") {
  auto c = habop::e2e::start_cluster("1.32");
  if (!c) return;
  c->ok({"apply", "--server-side", "-f", "-"}, habop::e2e::configmap_yaml);
  std::string changed = habop::e2e::configmap_yaml;
  changed.replace(changed.find("a: \"1\""), 6, "a: \"9\"");
  c->ok({"apply", "--server-side", "-f", "-"}, changed);
  auto cm = c->json({"get", "cm", "demo", "--show-managed-fields"});
  CHECK(cm.at("data").at("a") == "9");
  bool kubectl_manager = false;
  for (const auto& f : cm.at("metadata").at("managedFields").as_array()) {
    kubectl_manager |= f.at("manager") == "kubectl" && f.at("operation") == "Apply";
  }
  CHECK(kubectl_manager);
}

TEST_CASE("apply --server-side after a client-side apply takes the fields over without conflicts",
          "[e2e][kubectl][ssa]") {
  auto c = habop::e2e::start_cluster("1.32");
  if (!c) return;
  c->ok({"apply", "-f", "-"}, habop::e2e::configmap_yaml);
  std::string changed = habop::e2e::configmap_yaml;
  changed.replace(changed.find("a: \"1\""), 6, "a: \"9\"");
  CHECK(c->ok({"apply", "--server-side", "-f", "-"}, changed) == "configmap/demo serverside-applied\n");
  auto cm = c->json({"get", "cm", "demo", "--show-managed-fields"});
  CHECK(cm.at("data").at("a") == "9");
  // kubectl moved the client-side apply's fields to its server-side manager (and saved the annotation as
  // kubectl-last-applied).
  std::vector<std::string> managers;
  for (const auto& f : cm.at("metadata").at("managedFields").as_array())
    managers.push_back(std::string(f.at("manager").as_string()) + "/" + std::string(f.at("operation").as_string()));
  CHECK(managers == std::vector<std::string>{"kubectl/Apply", "kubectl-last-applied/Apply"});
  // Another manager changing a conflicts with kubectl now; a client-side apply of the old file changes a back.
  std::string other = habop::e2e::configmap_yaml;
  other.replace(other.find("a: \"1\""), 6, "a: \"5\"");
  CHECK(c->fails({"apply", "--server-side", "--field-manager=other", "-f", "-"}, other)
            .find("conflict with \"kubectl\" using v1: .data.a") != std::string::npos);
  c->ok({"apply", "-f", "-"}, habop::e2e::configmap_yaml);
  CHECK(c->json({"get", "cm", "demo"}).at("data").at("a") == "1");
}

TEST_CASE("get -w streams changes until its timeout", "[e2e][kubectl][watch]") {
  auto c = habop::e2e::start_cluster("1.32");
  if (!c) return;
  auto watcher = c->kubectl.start({"get", "configmaps", "-w", "--request-timeout=20s"});
  REQUIRE(watcher);
  std::this_thread::sleep_for(std::chrono::seconds(1));  // an empty list prints nothing: give the watch time to open
  c->ok({"apply", "-f", "-"}, habop::e2e::configmap_yaml);
  CHECK(watcher->wait_for_output("demo", std::chrono::seconds(10)));
  auto r = watcher->kill_and_collect();
  CHECK(r.out.find("demo") != std::string::npos);
}

TEST_CASE("simulated StatefulSet pods become Ready, then wait, scale and the three deletion propagations",
          "[e2e][kubectl][gc]") {
  auto c = habop::e2e::start_cluster("1.32", {"--simulate-workloads"});
  if (!c) return;
  c->ok({"apply", "-f", "-"}, habop::e2e::statefulset_yaml);
  REQUIRE(eventually([&] { return c->kubectl.run({"get", "pod", "web-1"}).ok(); }));
  c->ok({"wait", "--for=condition=Ready", "pod/web-0", "pod/web-1", "--timeout=20s"});
  auto pod = c->json({"get", "pod", "web-0"});
  std::string ip(pod.at("status").at("podIP").as_string());
  CHECK((ip.rfind("192.0.2.", 0) == 0 || ip.rfind("198.51.100.", 0) == 0));
  CHECK(c->ok({"describe", "pod", "web-0"}).find("Running") != std::string::npos);
  c->ok({"scale", "statefulset", "web", "--replicas=3"});
  c->ok({"wait", "--for=jsonpath={.status.readyReplicas}=3", "statefulset/web", "--timeout=20s"});

  // Orphan: the StatefulSet goes, the pods stay without an owner.
  c->ok({"delete", "statefulset", "web", "--cascade=orphan"});
  auto orphan = c->json({"get", "pod", "web-0"});
  CHECK_FALSE(orphan.at("metadata").as_object().contains("ownerReferences"));
  c->ok({"delete", "pods", "--all", "--grace-period=0"});

  // Background (kubectl's default): the owner goes at once, garbage collection removes the pods.
  c->ok({"apply", "-f", "-"}, habop::e2e::statefulset_yaml);
  c->ok({"wait", "--for=condition=Ready", "pod/web-1", "--timeout=20s"});
  c->ok({"delete", "statefulset", "web"});
  c->ok({"wait", "--for=delete", "pod/web-0", "pod/web-1", "--timeout=20s"});

  // Foreground: kubectl returns once dependents are gone and the owner with them.
  c->ok({"apply", "-f", "-"}, habop::e2e::statefulset_yaml);
  c->ok({"wait", "--for=condition=Ready", "pod/web-1", "--timeout=20s"});
  c->ok({"delete", "statefulset", "web", "--cascade=foreground"});
  CHECK(c->ok({"get", "pods", "-o", "name"}).empty());
  CHECK(c->fails({"get", "statefulset", "web"}).find("NotFound") != std::string::npos);
}

TEST_CASE("a watch from a resourceVersion the server has not reached ends with kubectl seeing the 504 Timeout",
          "[e2e][kubectl][watch]") {
  auto c = habop::e2e::start_cluster("1.32");
  if (!c) return;
  const auto start = std::chrono::steady_clock::now();
  std::string out = c->ok({"get", "--raw", "/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=999999"});
  CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(2900));
  auto event = habop::json::parse_json(out);
  REQUIRE(event);
  CHECK(event->at("type") == "ERROR");
  CHECK(event->at("object").at("code") == 504);
  CHECK(event->at("object").at("details").at("causes").at(0).at("reason") == "ResourceVersionTooLarge");
}
