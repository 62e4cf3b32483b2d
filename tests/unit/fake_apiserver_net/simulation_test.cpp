// The workload simulator against the real in-memory store: pods, claims, status, scaling and updates.
#include <habop/fake_apiserver/simulation.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <set>

#include <boost/json/serialize.hpp>

#include <habop/fake_apiserver/api_server.hpp>
#include <habop/json/codec.hpp>

using namespace habop::fake;
namespace bj = boost::json;

namespace {

const habop::instant t0 = habop::instant::from_seconds(1'700'000'000);

bj::object stateful_set(int replicas, const std::string& image, const std::string& strategy = "RollingUpdate") {
  auto v = habop::json::parse_json(R"({
    "apiVersion":"apps/v1","kind":"StatefulSet",
    "metadata":{"name":"web","namespace":"default"},
    "spec":{"replicas":)" + std::to_string(replicas) + R"(,"serviceName":"web",
      "selector":{"matchLabels":{"app":"web"}},
      "updateStrategy":{"type":")" + strategy + R"("},
      "template":{"metadata":{"labels":{"app":"web"}},
                  "spec":{"containers":[{"name":"main","image":")" + image + R"("}]}},
      "volumeClaimTemplates":[{"metadata":{"name":"data"},
        "spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"1Gi"}}}}]}})");
  REQUIRE(v);
  return v->as_object();
}

std::vector<bj::object> pods(object_store& s) {
  auto l = s.list(resources::pods(), "default", "app=web");
  REQUIRE(l);
  return *l;
}

std::string label(const bj::object& o, const char* key) {
  return std::string(o.at("metadata").at("labels").at(key).as_string());
}

}  // namespace

TEST_CASE("revisions and IPs are stable and in documentation ranges", "[simulation]") {
  bj::value tpl = bj::object{{"spec", bj::object{{"containers", bj::array{}}}}};
  CHECK(template_revision("web", tpl) == template_revision("web", tpl));
  CHECK(template_revision("web", tpl).rfind("web-", 0) == 0);
  CHECK(template_revision("web", tpl) != template_revision("web", bj::object{}));
  CHECK(simulated_pod_ip(0) == "192.0.2.1");
  CHECK(simulated_pod_ip(253) == "192.0.2.254");
  CHECK(simulated_pod_ip(254) == "198.51.100.1");
  CHECK(simulated_pod_ip(508) == "192.0.2.1");
}

TEST_CASE("a StatefulSet gets ready pods, claims and status", "[simulation]") {
  api_server api;
  object_store& store = api.store();
  workload_simulator sim(store);
  REQUIRE(store.create(resources::statefulsets(), "default", stateful_set(3, "nginx:1"), t0));
  sim.settle(t0);

  auto ps = pods(store);
  REQUIRE(ps.size() == 3);
  std::set<std::string> ips;
  for (const auto& p : ps) {
    CHECK(p.at("status").at("phase") == "Running");
    ips.insert(std::string(p.at("status").at("podIP").as_string()));
    CHECK(p.at("metadata").at("ownerReferences").at(0).at("kind") == "StatefulSet");
    CHECK(p.at("metadata").at("ownerReferences").at(0).at("controller") == true);
    CHECK(label(p, "statefulset.kubernetes.io/pod-name") == std::string(p.at("metadata").at("name").as_string()));
  }
  CHECK(ips.size() == 3);
  CHECK(store.get(resources::persistentvolumeclaims(), "default", "data-web-2"));
  auto sts = store.get(resources::statefulsets(), "default", "web");
  REQUIRE(sts);
  const auto& st = sts->at("status");
  CHECK(st.at("replicas") == 3);
  CHECK(st.at("readyReplicas") == 3);
  CHECK(st.at("updatedReplicas") == 3);
  CHECK(st.at("currentRevision") == st.at("updateRevision"));
  CHECK(st.at("observedGeneration") == sts->at("metadata").at("generation"));
  CHECK(label(ps.front(), "controller-revision-hash") == std::string(st.at("updateRevision").as_string()));
  // Settled: another round writes nothing.
  CHECK(sim.step(t0) == 0);
}

TEST_CASE("the node the pods run on is registered once, Ready, at the pods' hostIP", "[simulation]") {
  api_server api;
  object_store& store = api.store();
  workload_simulator sim(store);
  CHECK(sim.step(t0) == 2);
  CHECK(store.get(resources::leases(), "kube-node-lease", "fake-node-1"));
  auto node = store.get(resources::nodes(), "", "fake-node-1");
  REQUIRE(node);
  CHECK(node->at("status").at("conditions").at(3).at("type") == "Ready");
  CHECK(node->at("status").at("conditions").at(3).at("status") == "True");
  CHECK(node->at("status").at("addresses").at(0).at("address").as_string() == simulated_host_ip);
  CHECK(sim.step(t0) == 0);
  // Deleted by a user, it stays deleted (a kubelet registers when it starts).
  REQUIRE(store.remove(resources::nodes(), "", "fake-node-1", t0));
  CHECK(sim.step(t0) == 0);
  CHECK_FALSE(store.get(resources::nodes(), "", "fake-node-1"));
}

TEST_CASE("scaling down removes the highest ordinals and keeps claims, and a deleted pod returns with a new IP",
          "[simulation]") {
  api_server api;
  object_store& store = api.store();
  workload_simulator sim(store);
  REQUIRE(store.create(resources::statefulsets(), "default", stateful_set(3, "nginx:1"), t0));
  sim.settle(t0);
  REQUIRE(store.merge_patch(resources::statefulsets(), "default", "web", bj::object{{"spec", bj::object{{"replicas", 1}}}},
                            t0));
  sim.settle(t0);
  auto ps = pods(store);
  REQUIRE(ps.size() == 1);
  CHECK(ps.front().at("metadata").at("name") == "web-0");
  CHECK(store.get(resources::persistentvolumeclaims(), "default", "data-web-2"));
  std::string old_ip(ps.front().at("status").at("podIP").as_string());
  delete_options now;
  now.grace_period_seconds = 0;
  REQUIRE(store.remove(resources::pods(), "default", "web-0", t0, now));
  sim.settle(t0);
  ps = pods(store);
  REQUIRE(ps.size() == 1);
  CHECK(ps.front().at("status").at("podIP").as_string() != old_ip);
}

TEST_CASE("RollingUpdate replaces every stale pod, OnDelete waits for deletions", "[simulation]") {
  api_server api;
  object_store& store = api.store();
  workload_simulator sim(store);
  REQUIRE(store.create(resources::statefulsets(), "default", stateful_set(3, "nginx:1"), t0));
  sim.settle(t0);
  auto image = habop::json::parse_json(
      R"({"spec":{"template":{"spec":{"containers":[{"name":"main","image":"nginx:2"}]}}}})");
  REQUIRE(store.merge_patch(resources::statefulsets(), "default", "web", *image, t0));
  sim.settle(t0);
  auto sts = store.get(resources::statefulsets(), "default", "web");
  REQUIRE(sts);
  std::string update_rev(sts->at("status").at("updateRevision").as_string());
  for (const auto& p : pods(store)) CHECK(label(p, "controller-revision-hash") == update_rev);
  CHECK(std::string(sts->at("status").at("currentRevision").as_string()) == update_rev);
  CHECK(sts->at("status").at("updatedReplicas") == 3);

  REQUIRE(store.merge_patch(resources::statefulsets(), "default", "web",
                            *habop::json::parse_json(R"({"spec":{"updateStrategy":{"type":"OnDelete"},
                              "template":{"spec":{"containers":[{"name":"main","image":"nginx:3"}]}}}})"),
                            t0));
  sim.settle(t0);
  sts = store.get(resources::statefulsets(), "default", "web");
  std::string next_rev(sts->at("status").at("updateRevision").as_string());
  CHECK(next_rev != update_rev);
  for (const auto& p : pods(store)) CHECK(label(p, "controller-revision-hash") == update_rev);
  delete_options now;
  now.grace_period_seconds = 0;
  REQUIRE(store.remove(resources::pods(), "default", "web-1", t0, now));
  sim.settle(t0);
  auto recreated = store.get(resources::pods(), "default", "web-1");
  REQUIRE(recreated);
  CHECK(label(*recreated, "controller-revision-hash") == next_rev);
  CHECK(label(*store.get(resources::pods(), "default", "web-0"), "controller-revision-hash") == update_rev);
}

TEST_CASE("a pod whose labels no longer match is released: no member, its ordinal blocked until it matches again",
          "[simulation]") {
  api_server api;
  object_store& store = api.store();
  workload_simulator sim(store);
  REQUIRE(store.create(resources::statefulsets(), "default", stateful_set(1, "nginx:1"), t0));
  sim.settle(t0);
  REQUIRE(store.merge_patch(resources::pods(), "default", "web-0",
                            bj::object{{"metadata", bj::object{{"labels", bj::object{{"app", "debug"}}}}}}, t0));
  sim.settle(t0);
  auto pod = store.get(resources::pods(), "default", "web-0");
  REQUIRE(pod);
  CHECK_FALSE(pod->at("metadata").as_object().contains("ownerReferences"));
  CHECK(store.get(resources::statefulsets(), "default", "web")->at("status").at("replicas") == 0);
  // Labelled back, it is adopted again.
  REQUIRE(store.merge_patch(resources::pods(), "default", "web-0",
                            bj::object{{"metadata", bj::object{{"labels", bj::object{{"app", "web"}}}}}}, t0));
  sim.settle(habop::instant{t0.unix_micros + 2'000'000});
  CHECK(store.get(resources::pods(), "default", "web-0")->at("metadata").at("ownerReferences").at(0).at("kind") ==
        "StatefulSet");
  CHECK(store.get(resources::statefulsets(), "default", "web")->at("status").at("readyReplicas") == 1);
}

TEST_CASE("the scheduler, kubelet and StatefulSet controller record their events, pull failures included",
          "[simulation]") {
  api_server api;
  object_store& store = api.store();
  simulation_options opts;
  opts.unpullable_images = {"does-not-exist"};
  workload_simulator sim(store, opts);
  REQUIRE(store.create(resources::statefulsets(), "default", stateful_set(1, "nginx:1"), t0));
  auto bad = stateful_set(1, "habitat/does-not-exist:1");
  bad["metadata"].as_object()["name"] = "bad";
  REQUIRE(store.create(resources::statefulsets(), "default", bad, t0));
  auto latest = stateful_set(1, "nginx");   // imagePullPolicy Always: pulled every time
  latest["metadata"].as_object()["name"] = "latest";
  REQUIRE(store.create(resources::statefulsets(), "default", latest, t0));
  sim.settle(t0);
  auto reasons_of = [&](const std::string& name) {
    std::vector<std::string> out;
    auto events = store.list(resources::events(), "default");
    REQUIRE(events);
    for (const auto& e : *events)
      if (e.at("involvedObject").at("name").as_string() == name)
        out.push_back(std::string(e.at("source").at("component").as_string()) + " " +
                      std::string(e.at("reason").as_string()));
    std::sort(out.begin(), out.end());
    return out;
  };
  CHECK(reasons_of("web-0") == std::vector<std::string>{"default-scheduler Scheduled", "kubelet Created",
                                                        "kubelet Pulled", "kubelet Started"});
  CHECK(reasons_of("web") == std::vector<std::string>{"statefulset-controller SuccessfulCreate"});
  CHECK(reasons_of("latest-0") == std::vector<std::string>{"default-scheduler Scheduled", "kubelet Created",
                                                           "kubelet Pulled", "kubelet Pulling", "kubelet Started"});
  CHECK(reasons_of("bad-0") == std::vector<std::string>{"default-scheduler Scheduled", "kubelet BackOff",
                                                        "kubelet Failed", "kubelet Failed", "kubelet Failed",
                                                        "kubelet Pulling"});
  auto events = store.list(resources::events(), "default");
  for (const auto& e : *events)
    if (e.at("reason") == "Started") {
      CHECK(e.at("message") == "Started container main");
      CHECK(e.at("involvedObject").at("fieldPath") == "spec.containers{main}");
      CHECK(e.at("source").at("host") == "fake-node-1");
    }
  CHECK(sim.step(t0) == 0);   // recorded once

  REQUIRE(store.merge_patch(resources::statefulsets(), "default", "web",
                            bj::object{{"spec", bj::object{{"replicas", 0}}}}, t0));
  sim.settle(t0);
  CHECK(reasons_of("web") == std::vector<std::string>{"statefulset-controller SuccessfulCreate",
                                                      "statefulset-controller SuccessfulDelete"});
}

TEST_CASE("an image that never pulls leaves pods Pending in ImagePullBackOff until the template changes",
          "[simulation]") {
  api_server api;
  object_store& store = api.store();
  simulation_options opts;
  opts.unpullable_images = {"does-not-exist"};
  workload_simulator sim(store, opts);
  auto sts = stateful_set(2, "habitat/does-not-exist:1", "OnDelete");
  sts["spec"].as_object()["podManagementPolicy"] = "Parallel";
  REQUIRE(store.create(resources::statefulsets(), "default", sts, t0));
  sim.settle(t0);
  auto ps = pods(store);
  REQUIRE(ps.size() == 2);
  for (const auto& p : ps) {
    CHECK(p.at("status").at("phase") == "Pending");
    const auto& waiting = p.at("status").at("containerStatuses").at(0).at("state").at("waiting");
    CHECK(waiting.at("reason") == "ImagePullBackOff");
    CHECK(waiting.at("message") == "Back-off pulling image \"habitat/does-not-exist:1\"");
  }
  CHECK_FALSE(store.get(resources::statefulsets(), "default", "web")->at("status").as_object().contains(
      "readyReplicas"));   // omitted when 0, as kube-controller-manager writes it
  CHECK(sim.step(t0) == 0);   // reported once: no rewrite per pass

  // A fixed image, then the stale pods deleted (OnDelete, as habop's AllAtOnce does): the new pods run.
  REQUIRE(store.merge_patch(resources::statefulsets(), "default", "web",
                            *habop::json::parse_json(
                                R"({"spec":{"template":{"spec":{"containers":[{"name":"main","image":"nginx:1"}]}}}})"),
                            t0));
  sim.settle(t0);
  delete_options now;
  now.grace_period_seconds = 0;
  for (const char* name : {"web-0", "web-1"}) REQUIRE(store.remove(resources::pods(), "default", name, t0, now));
  sim.settle(t0);
  for (const auto& p : pods(store)) CHECK(p.at("status").at("phase") == "Running");
  CHECK(store.get(resources::statefulsets(), "default", "web")->at("status").at("readyReplicas") == 2);
}

TEST_CASE("RollingUpdate with Parallel replaces broken pods; OrderedReady waits for them, as the controller does",
          "[simulation]") {
  for (const char* policy : {"Parallel", "OrderedReady"}) {
    INFO(policy);
    api_server api;
    object_store& store = api.store();
    simulation_options opts;
    opts.unpullable_images = {"does-not-exist"};
    workload_simulator sim(store, opts);
    auto sts = stateful_set(2, "habitat/does-not-exist:1");
    sts["spec"].as_object()["podManagementPolicy"] = policy;
    REQUIRE(store.create(resources::statefulsets(), "default", sts, t0));
    sim.settle(t0);
    REQUIRE(store.merge_patch(resources::statefulsets(), "default", "web",
                              *habop::json::parse_json(
                                  R"({"spec":{"template":{"spec":{"containers":[{"name":"main","image":"nginx:1"}]}}}})"),
                              t0));
    sim.settle(t0);
    const auto ps = pods(store);
    const bool parallel = std::string_view(policy) == "Parallel";
    REQUIRE(ps.size() == (parallel ? 2u : 1u));   // OrderedReady never got past the broken web-0
    for (const auto& p : ps) CHECK(p.at("status").at("phase") == (parallel ? "Running" : "Pending"));
  }
}

TEST_CASE("a Deployment gets a minimal available status", "[simulation]") {
  api_server api;
  object_store& store = api.store();
  workload_simulator sim(store);
  auto dep = habop::json::parse_json(R"({"apiVersion":"apps/v1","kind":"Deployment",
    "metadata":{"name":"d","namespace":"default"},
    "spec":{"replicas":2,"selector":{"matchLabels":{"app":"d"}},
      "template":{"metadata":{"labels":{"app":"d"}},"spec":{"containers":[{"name":"c","image":"x"}]}}}})");
  REQUIRE(store.create(resources::deployments(), "default", dep->as_object(), t0));
  sim.settle(t0);
  auto got = store.get(resources::deployments(), "default", "d");
  REQUIRE(got);
  CHECK(got->at("status").at("readyReplicas") == 2);
  CHECK(got->at("status").at("observedGeneration") == 1);
}

TEST_CASE("pods orphaned by a deleted StatefulSet are adopted by its successor and rolled to its template",
          "[simulation]") {
  api_server api;
  object_store& store = api.store();
  workload_simulator sim(store);
  REQUIRE(store.create(resources::statefulsets(), "default", stateful_set(2, "nginx:1"), t0));
  sim.settle(t0);
  delete_options orphan;
  orphan.policy = propagation::orphan;
  REQUIRE(store.remove(resources::statefulsets(), "default", "web", t0, orphan));
  api.drain(t0);
  REQUIRE_FALSE(store.get(resources::statefulsets(), "default", "web"));
  for (const auto& p : pods(store)) CHECK(controller_reference(p) == nullptr);

  auto created = store.create(resources::statefulsets(), "default", stateful_set(2, "nginx:2"), t0);
  REQUIRE(created);
  sim.settle(t0);
  auto sts = store.get(resources::statefulsets(), "default", "web");
  REQUIRE(sts);
  const std::string update_rev(sts->at("status").at("updateRevision").as_string());
  auto ps = pods(store);
  REQUIRE(ps.size() == 2);
  for (const auto& p : ps) {
    const bj::object* ref = controller_reference(p);
    REQUIRE(ref != nullptr);
    CHECK(ref->at("uid") == created->at("metadata").at("uid"));
    CHECK(label(p, "controller-revision-hash") == update_rev);
    CHECK(p.at("spec").at("containers").at(0).at("image") == "nginx:2");
  }
  CHECK(sts->at("status").at("updatedReplicas") == 2);
}

TEST_CASE("a pod in the way of a StatefulSet's pod: an adoptable one is adopted, a foreign one is retried when it "
          "goes or after the retry delay",
          "[simulation]") {
  server_options no_gc;
  no_gc.garbage_collection = false;   // the foreign owner below does not exist
  api_server api(no_gc);
  object_store& store = api.store();
  simulation_options opts;
  opts.retry_delay_micros = 5'000'000;
  workload_simulator sim(store, opts);
  auto pod = [](const std::string& name, const std::string& app, const std::string& owner) {
    auto v = habop::json::parse_json(R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":")" + name +
                                     R"(","labels":{"app":")" + app + R"("}},"spec":{"containers":[{"name":"c","image":"i"}]}})");
    REQUIRE(v);
    if (!owner.empty()) {
      v->as_object()["metadata"].as_object()["ownerReferences"] = bj::array{bj::object{
          {"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"name", owner}, {"uid", "u-" + owner}, {"controller", true}}};
    }
    return v->as_object();
  };
  REQUIRE(store.create(resources::pods(), "default", pod("web-0", "web", ""), t0));      // adoptable
  REQUIRE(store.create(resources::pods(), "default", pod("web-1", "other", ""), t0));    // not selected
  REQUIRE(store.create(resources::pods(), "default", pod("web-2", "web", "cm"), t0));    // someone else's
  auto sts = store.create(resources::statefulsets(), "default", stateful_set(3, "nginx:1"), t0);
  REQUIRE(sts);
  const auto uid = sts->at("metadata").at("uid");
  auto owner_uid = [&](const char* name) {
    auto p = store.get(resources::pods(), "default", name);
    REQUIRE(p);
    const bj::object* ref = controller_reference(*p);
    return ref ? ref->at("uid") : bj::value();
  };
  // Steps at t0 until quiet: each of our own writes queues the StatefulSet again.
  auto quiet = [&] {
    for (int i = 0; i < 20 && sim.step(t0) > 0; ++i) {
    }
  };
  quiet();
  CHECK(owner_uid("web-0") == uid);
  CHECK(owner_uid("web-1").is_null());
  CHECK(owner_uid("web-2") == "u-cm");
  // Blocked: retried after the delay, not before.
  REQUIRE(sim.next_deadline());
  CHECK(*sim.next_deadline() == habop::instant{t0.unix_micros + 5'000'000});
  delete_options now;
  now.grace_period_seconds = 0;
  REQUIRE(store.remove(resources::pods(), "default", "web-1", t0, now));   // an orphan's event requeues at once
  quiet();
  CHECK(owner_uid("web-1") == uid);
  REQUIRE(store.remove(resources::pods(), "default", "web-2", t0, now));   // someone else's: only the timer
  sim.step(t0);
  CHECK_FALSE(store.get(resources::pods(), "default", "web-2"));
  sim.step(habop::instant{t0.unix_micros + 5'000'000});
  CHECK(owner_uid("web-2") == uid);
}
