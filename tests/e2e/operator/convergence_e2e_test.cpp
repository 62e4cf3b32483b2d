// habitat-operator end to end: examples reach Ready, scaling, image rolls, Secrets, GC, invalid specs, steady state.
#include "operator_fixture.hpp"

#include <catch2/catch.hpp>

#include <set>
#include <sstream>
#include <thread>

#include <boost/json.hpp>

#include "e2e_helpers.hpp"

using namespace std::chrono_literals;
using habop::test::condition_of;
using habop::test::example_manifest;
using habop::test::operator_cluster;
namespace res = habop::fake::resources;

namespace {

using habop::test::ready_operator;
const habop::fake::resource_key& habitats = habop::test::habitat_resource;

std::string habitat_manifest(const std::string& name, int count, const std::string& extra_service = "") {
  return habop::test::habitat_manifest(name, count, extra_service);
}

bool ready(operator_cluster& c, const std::string& name) { return habop::test::habitat_ready(c, name); }

std::int64_t int_at(const boost::json::object& o, std::initializer_list<const char*> path) {
  const boost::json::value* v = nullptr;
  const boost::json::object* cur = &o;
  for (const char* k : path) {
    v = cur ? cur->if_contains(k) : nullptr;
    if (!v) return -1;
    cur = v->is_object() ? &v->get_object() : nullptr;
  }
  return v && v->is_int64() ? v->get_int64() : -1;
}

}  // namespace

TEST_CASE("every example reaches Ready through kubectl wait", "[e2e][operator]") {
  operator_cluster c;
  auto op = ready_operator(c);
  // `persisted` also declares a StorageClass, which the fake-apiserver does not serve (yet).
  for (const char* name : {"standalone", "leader", "env-vars", "bind", "namespaced", "config", "encrypted",
                           "files-volume", "bind-config"}) {
    const std::string manifest = example_manifest(name);
    if (manifest.empty()) continue;
    auto applied = c.apply(manifest);
    INFO(name << ": " << applied.err);
    REQUIRE(applied.ok());
  }
  auto listed = c.kubectl_run({"get", "habitats", "-A", "-o", "jsonpath={range .items[*]}{.metadata.namespace}/{.metadata.name}{\"\\n\"}{end}"});
  REQUIRE(listed.ok());
  std::istringstream names(listed.out);
  int count = 0;
  for (std::string line; std::getline(names, line);) {
    if (line.empty()) continue;
    ++count;
    const auto slash = line.find('/');
    const std::string ns = line.substr(0, slash), name = line.substr(slash + 1);
    auto waited = c.kubectl_run({"wait", "-n", ns, "--for=condition=Ready", "habitat/" + name, "--timeout=60s"});
    INFO(name << "\n" << waited.out << waited.err << op.process->err());
    CHECK(waited.ok());
  }
  CHECK(count >= 11);
  auto sts = c.get(res::statefulsets(), "default", "example-standalone-habitat");
  REQUIRE(sts);
  CHECK(c.get(res::services(), "default", "example-standalone-habitat"));
  CHECK(c.get(res::configmaps(), "default", "peer-watch-file"));
}

TEST_CASE("scaling up and down follows count, and a resync of a converged cluster writes nothing", "[e2e][operator]") {
  operator_cluster c;
  auto op = ready_operator(c, {"--resync-period", "1s"});
  REQUIRE(c.apply(habitat_manifest("db", 1)).ok());
  REQUIRE(operator_cluster::eventually([&] { return ready(c, "db"); }, 30s));

  REQUIRE(c.kubectl_run({"patch", "habitat", "db", "--type", "merge", "-p", R"({"spec":{"v1beta2":{"count":3}}})"}).ok());
  REQUIRE(operator_cluster::eventually(
      [&] {
        auto h = c.get(habitats, "default", "db");
        return h && int_at(*h, {"status", "readyReplicas"}) == 3 && condition_of(*h, "Ready").first == "True";
      },
      30s));
  CHECK(c.list(res::pods(), "default", "habitat-name=db").size() == 3);
  // The scale subresource names the pods (what a HorizontalPodAutoscaler reads), and kubectl sees it.
  const auto scale = c.kubectl_run({"get", "habitat", "db", "--subresource=scale", "-o",
                                    "jsonpath={.spec.replicas} {.status.replicas} {.status.selector}"});
  INFO(scale.err);
  CHECK(scale.out == "3 3 habitat-name=db");

  // Scaling down: the member kept stays ready, so the Habitat stays Ready throughout (Progressing says ScalingDown).
  auto ready_since = [&] {
    auto h = c.get(habitats, "default", "db");
    for (const auto& cond : h->at("status").at("conditions").as_array())
      if (cond.at("type") == "Ready") return std::string(cond.at("lastTransitionTime").as_string());
    return std::string();
  };
  const std::string ready_at_three = ready_since();
  bool flipped = false;
  REQUIRE(c.kubectl_run({"patch", "habitat", "db", "--type", "merge", "-p", R"({"spec":{"v1beta2":{"count":1}}})"}).ok());
  REQUIRE(operator_cluster::eventually(
      [&] {
        auto h = c.get(habitats, "default", "db");
        flipped = flipped || !h || condition_of(*h, "Ready").first != "True";
        auto sts = c.get(res::statefulsets(), "default", "db");
        return sts && int_at(*sts, {"spec", "replicas"}) == 1 &&
               c.list(res::pods(), "default", "habitat-name=db").size() == 1;
      },
      30s));
  CHECK_FALSE(flipped);
  CHECK(ready_since() == ready_at_three);

  // Steady state: let everything settle, then three resyncs must not write anything.
  REQUIRE(operator_cluster::eventually([&] { return ready(c, "db"); }, 30s));
  std::this_thread::sleep_for(1500ms);
  const auto server_writes = c.writes();
  const double patches = op.requests("PATCH"), posts = op.requests("POST"), puts = op.requests("PUT"),
               deletes = op.requests("DELETE");
  std::this_thread::sleep_for(3500ms);
  CHECK(c.writes() == server_writes);
  CHECK(op.requests("PATCH") == patches);
  CHECK(op.requests("POST") == posts);
  CHECK(op.requests("PUT") == puts);
  CHECK(op.requests("DELETE") == deletes);
  CHECK(op.requests("GET") > 0);
  // Idle workers are not active ones (controller-runtime counts the workers inside a reconcile).
  CHECK(op.get("/metrics").find("controller_runtime_active_workers{controller=\"habitat\"} 0\n") != std::string::npos);
}

TEST_CASE("an image change rolls the pods; a user.toml Secret edit restarts none", "[e2e][operator]") {
  operator_cluster c;
  auto op = ready_operator(c);
  boost::json::object secret{{"apiVersion", "v1"}, {"kind", "Secret"},
                             {"metadata", {{"name", "user-toml"}, {"namespace", "default"}}},
                             {"stringData", {{"user.toml", "port = 6379\n"}}}};
  REQUIRE(c.create(res::secrets(), "default", secret));
  REQUIRE(c.apply(habitat_manifest("cfg", 2, "      configSecretName: user-toml\n")).ok());
  REQUIRE(operator_cluster::eventually([&] { return ready(c, "cfg"); }, 30s));
  auto uids = [&] {
    std::set<std::string> out;
    for (const auto& p : c.list(res::pods(), "default", "habitat-name=cfg")) {
      out.insert(std::string(p.at("metadata").at("uid").as_string()));
    }
    return out;
  };
  const auto before = uids();
  REQUIRE(before.size() == 2);

  REQUIRE(c.kubectl_run({"patch", "secret", "user-toml", "--type", "merge", "-p",
                         R"({"stringData":{"user.toml":"port = 6380\n"}})"}).ok());
  std::this_thread::sleep_for(2s);
  CHECK(uids() == before);

  REQUIRE(c.kubectl_run({"patch", "habitat", "cfg", "--type", "merge", "-p",
                         R"({"spec":{"v1beta2":{"image":"habitat/redis-hab:2"}}})"}).ok());
  REQUIRE(operator_cluster::eventually(
      [&] {
        const auto now = uids();
        if (now.size() != 2) return false;
        for (const auto& u : now) {
          if (before.count(u)) return false;
        }
        return ready(c, "cfg");
      },
      45s));
}

TEST_CASE("deleting a Habitat collects its objects while the shared peer ConfigMap survives", "[e2e][operator]") {
  operator_cluster c;
  auto op = ready_operator(c);
  REQUIRE(c.apply(habitat_manifest("one", 1)).ok());
  REQUIRE(c.apply(habitat_manifest("two", 1)).ok());
  REQUIRE(operator_cluster::eventually([&] { return ready(c, "one") && ready(c, "two"); }, 30s));
  REQUIRE(c.kubectl_run({"delete", "habitat", "one", "--wait=true", "--timeout=30s"}).ok());
  REQUIRE(operator_cluster::eventually(
      [&] { return !c.get(res::statefulsets(), "default", "one") && !c.get(res::services(), "default", "one"); },
      30s));
  std::this_thread::sleep_for(500ms);
  CHECK(c.get(res::configmaps(), "default", "peer-watch-file"));
  CHECK(ready(c, "two"));
}

TEST_CASE("a Habitat deleted and at once re-created waits for the garbage collector, then becomes Ready, without "
          "OwnerConflict", "[e2e][operator]") {
  // A garbage collector as slow as a busy kube-controller-manager: the new Habitat meets its predecessor's objects.
  habop::fake::server_options api;
  api.gc_delay_micros = 3'000'000;
  operator_cluster c(true, {}, api);
  // No resync: only the deletion of those objects can wake the Habitat once it waits.
  auto op = ready_operator(c, {"--resync-period", "0"});
  const std::string manifest = habitat_manifest("again", 1);
  REQUIRE(c.apply(manifest).ok());
  REQUIRE(operator_cluster::eventually([&] { return ready(c, "again"); }, 30s));
  const std::string old_uid(c.get(habitats, "default", "again")->at("metadata").at("uid").as_string());

  REQUIRE(c.kubectl_run({"delete", "habitat", "again"}).ok());
  REQUIRE(c.apply(manifest).ok());
  auto h = c.get(habitats, "default", "again");
  REQUIRE(h);
  const std::string new_uid(h->at("metadata").at("uid").as_string());
  REQUIRE(new_uid != old_uid);
  CHECK(operator_cluster::eventually(
      [&] { return habop::test::ready_reason_is(c, "again", "WaitingForGarbageCollection"); }, 10s));
  const auto message = c.kubectl_run({"get", "habitat", "again", "-o", "jsonpath={.status.message}"});
  CHECK(message.out.find("(uid " + old_uid + ")") != std::string::npos);

  const bool converged = operator_cluster::eventually(
      [&] {
        auto sts = c.get(res::statefulsets(), "default", "again");
        return ready(c, "again") && sts && sts->at("metadata").at("ownerReferences").at(0).at("uid").as_string() == new_uid;
      },
      30s);
  INFO(op.process->err());
  CHECK(converged);
  CHECK(c.get(res::services(), "default", "again")->at("metadata").at("ownerReferences").at(0).at("uid").as_string() == new_uid);
  for (const auto& e : c.list(res::events(), "default")) {
    if (e.at("involvedObject").at("name") != "again") continue;
    INFO(e.at("reason") << ": " << e.at("message"));
    CHECK(e.at("type") != "Warning");
  }
  auto after = c.get(habitats, "default", "again");
  REQUIRE(after);
  CHECK(condition_of(*after, "Degraded").first == "False");
}

TEST_CASE("a missing Secret gives SecretNotFound and heals when the Secret appears", "[e2e][operator]") {
  operator_cluster c;
  auto op = ready_operator(c);
  REQUIRE(c.apply(habitat_manifest("needs", 1, "      configSecretName: later\n")).ok());
  REQUIRE(operator_cluster::eventually(
      [&] { return habop::test::ready_reason_is(c, "needs", "SecretNotFound"); }, 30s));
  boost::json::object secret{{"apiVersion", "v1"}, {"kind", "Secret"},
                             {"metadata", {{"name", "later"}, {"namespace", "default"}}},
                             {"stringData", {{"user.toml", "x = 1\n"}}}};
  REQUIRE(c.create(res::secrets(), "default", secret));
  CHECK(operator_cluster::eventually([&] { return ready(c, "needs"); }, 30s));
}

TEST_CASE("a missing ServiceAccount gives ServiceAccountNotFound and heals when kubectl creates it",
          "[e2e][operator]") {
  operator_cluster c;
  auto op = ready_operator(c);
  REQUIRE(c.apply(habitat_manifest("runs-as", 1, "    serviceAccountName: later-sa\n")).ok());
  REQUIRE(operator_cluster::eventually(
      [&] { return habop::test::ready_reason_is(c, "runs-as", "ServiceAccountNotFound"); }, 30s));
  CHECK_FALSE(c.get(res::statefulsets(), "default", "runs-as"));   // its controller could create no pod
  REQUIRE(c.kubectl_run({"create", "serviceaccount", "later-sa"}).ok());
  CHECK(operator_cluster::eventually([&] { return ready(c, "runs-as"); }, 30s));
  auto sts = c.get(res::statefulsets(), "default", "runs-as");
  REQUIRE(sts);
  CHECK(sts->at("spec").at("template").at("spec").at("serviceAccountName") == "later-sa");
}

TEST_CASE("an image that never pulls shows as ImagePullBackOff in kubectl get habitats, and a fixed image heals it",
          "[e2e][operator]") {
  habop::fake::simulation_options simulation;
  simulation.unpullable_images = {"does-not-exist"};
  operator_cluster c(true, simulation);
  auto op = ready_operator(c);
  std::string manifest = habitat_manifest("typo", 2);
  manifest.replace(manifest.find("habitat/redis-hab"), 17, "habitat/does-not-exist");
  REQUIRE(c.apply(manifest).ok());
  REQUIRE(operator_cluster::eventually(
      [&] { return habop::test::ready_reason_is(c, "typo", "ImagePullBackOff"); }, 30s));
  // What a person sees first: the REASON column names the fix, the status message the pods and the kubelet's words.
  const auto table = c.kubectl_run({"get", "habitat", "typo", "-o", "wide"});
  REQUIRE(table.ok());
  CHECK(table.out.find("ImagePullBackOff") != std::string::npos);
  const auto message = c.kubectl_run({"get", "habitat", "typo", "-o", "jsonpath={.status.message}"});
  CHECK(message.out == "0/2 members ready; typo-0, typo-1: ImagePullBackOff (Back-off pulling image "
                       "\"habitat/does-not-exist\")");

  REQUIRE(c.kubectl_run({"patch", "habitat", "typo", "--type=merge", "-p",
                         R"({"spec":{"v1beta2":{"image":"habitat/redis-hab"}}})"}).ok());
  const bool healed = operator_cluster::eventually([&] { return ready(c, "typo"); }, 30s);
  INFO(c.kubectl_run({"get", "habitat,sts,pods", "-o", "yaml"}).out);
  CHECK(healed);
  auto h = c.get(habitats, "default", "typo");
  REQUIRE(h);
  CHECK(condition_of(*h, "Degraded").first == "False");
}

TEST_CASE("an owned object relabelled by hand to another habitat-name is restored at once, not at a resync",
          "[e2e][operator]") {
  operator_cluster c;
  auto op = ready_operator(c, {"--resync-period", "0"});
  REQUIRE(c.apply(habitat_manifest("db", 1)).ok());
  REQUIRE(operator_cluster::eventually([&] { return ready(c, "db"); }, 30s));
  for (const char* kind : {"service", "statefulset"}) {
    INFO(kind);
    REQUIRE(c.kubectl_run({"label", kind, "db", "habitat-name=someone-else", "--overwrite"}).ok());
    CHECK(operator_cluster::eventually(
        [&] {
          auto obj = c.get(std::string(kind) == "service" ? res::services() : res::statefulsets(), "default", "db");
          auto* labels = obj ? obj->at("metadata").as_object().if_contains("labels") : nullptr;
          auto* v = labels ? labels->as_object().if_contains("habitat-name") : nullptr;
          return v && *v == "db";
        },
        10s));
  }
  INFO(op.process->err());
  CHECK(op.process->err().find("metadata.labels.habitat-name") != std::string::npos);
}

TEST_CASE("an invalid Habitat gets one event and a condition, and is not retried", "[e2e][operator]") {
  operator_cluster c;
  auto op = ready_operator(c, {"--resync-period", "1s"});
  const std::string manifest =
      "apiVersion: habitat.sh/v1beta1\nkind: Habitat\nmetadata:\n  name: badmount\ncustomVersion: v1beta2\n"
      "spec:\n  v1beta2:\n    image: x/y\n    count: 1\n"
      "    persistentStorage: {size: 1Gi, mountPath: /habitat-operator}\n"
      "    service: {name: redis, topology: standalone}\n";
  REQUIRE(c.apply(manifest).ok());
  REQUIRE(operator_cluster::eventually(
      [&] { return habop::test::ready_reason_is(c, "badmount", "InvalidSpec"); }, 30s));
  std::this_thread::sleep_for(3s);  // Three resyncs: still one event, no StatefulSet.
  int events = 0;
  for (const auto& e : c.list(res::events(), "default")) {
    if (e.at("reason").as_string() != "ValidationFailed") continue;
    ++events;
    CHECK(e.at("count").as_int64() == 1);
  }
  CHECK(events == 1);
  CHECK_FALSE(c.get(res::statefulsets(), "default", "badmount"));
}

TEST_CASE("objects named like a Habitat's that the caches cannot see are adopted or reported, without a hot loop",
          "[e2e][operator]") {
  operator_cluster c;
  auto op = ready_operator(c);
  // A peer ConfigMap and a Service created by hand, without habop's labels (the caches watch labelled objects).
  REQUIRE(c.kubectl_run({"create", "configmap", "peer-watch-file", "--from-literal=peer-watch-file=10.9.9.9"}).ok());
  REQUIRE(c.apply("apiVersion: v1\nkind: Service\nmetadata:\n  name: taken\nspec:\n  type: NodePort\n"
                  "  selector: {habitat-name: taken}\n  ports: [{name: redis, port: 6379}]\n")
              .ok());
  REQUIRE(c.apply(habitat_manifest("one", 1)).ok());
  REQUIRE(c.apply(habitat_manifest("taken", 1)).ok());

  // The unowned ConfigMap is adopted: labelled, owned by both sharers, and "one" becomes Ready.
  CHECK(operator_cluster::eventually([&] { return ready(c, "one"); }, 30s));
  CHECK(operator_cluster::eventually(
      [&] {
        auto cm = c.get(res::configmaps(), "default", "peer-watch-file");
        return cm && cm->at("metadata").at("labels").at("habitat") == "true" &&
               cm->at("metadata").at("ownerReferences").as_array().size() == 2;
      },
      30s));

  // The NodePort Service cannot become the headless one: the Habitat says so, once, and names the fix.
  auto degraded = [&] {
    auto h = c.get(habitats, "default", "taken");
    return h ? condition_of(*h, "Degraded") : std::pair<std::string, std::string>{};
  };
  REQUIRE(operator_cluster::eventually([&] { return degraded().second == "ImmutableFieldChanged"; }, 30s));
  const double posts = op.requests("POST");
  std::this_thread::sleep_for(3s);
  // Backoff, not a 20 ms loop: a handful of creates in 3 s (the hot loop made ~150).
  CHECK(op.requests("POST") - posts < 15);
  int events = 0;
  for (const auto& e : c.list(res::events(), "default"))
    if (e.at("involvedObject").at("name") == "taken" && e.at("reason") == "ImmutableFieldChanged") ++events;
  CHECK(events == 1);
  // Deleting it, as the message says, lets habop create its own (the backoff is short this early).
  REQUIRE(c.kubectl_run({"delete", "service", "taken"}).ok());
  CHECK(operator_cluster::eventually([&] { return degraded().first == "False" && ready(c, "taken"); }, 60s));
  CHECK(c.get(res::services(), "default", "taken")->at("spec").at("clusterIP") == "None");
}
