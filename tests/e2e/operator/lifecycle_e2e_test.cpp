// habitat-operator's process lifecycle: SIGTERM, leader election between two replicas, kill -9 and restart.
#include "operator_fixture.hpp"

#include <catch2/catch.hpp>

#include <csignal>
#include <thread>

#include "e2e_helpers.hpp"

using namespace std::chrono_literals;
using namespace habop::test;

namespace {

int count_of(const std::string& text, const std::string& needle) {
  int n = 0;
  for (auto pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + 1)) ++n;
  return n;
}

/// Two replicas with leader election: `a` leads, with the Habitat `name` Ready; `b` stands by.
struct frozen_leader {
  operator_cluster& c;
  std::string name;
  operator_process a, b;

  frozen_leader(operator_cluster& cluster, std::string habitat) : c(cluster), name(std::move(habitat)) {
    a = ready_operator(c, {"--leader-elect", "--resync-period=1s"});
    REQUIRE(operator_cluster::eventually(
        [&] { return a.process->err().find("successfully acquired lease") != std::string::npos; }, 20s));
    REQUIRE(c.apply(habitat_manifest(name, 1)).ok());
    REQUIRE(operator_cluster::eventually([&] { return habitat_ready(c, name); }, 30s));
    b = ready_operator(c, {"--leader-elect"});
  }

  /// Once `a` is frozen: waits for `b` to lead, then scales the Habitat so that `a`, when it wakes, sees the new count
  /// before the StatefulSet `b` patched (its watches dropped, its StatefulSet list and watch come back 6 s late) and
  /// wants to write.
  void change_behind_a() {
    REQUIRE(operator_cluster::eventually(
        [&] { return b.process->err().find("successfully acquired lease") != std::string::npos; }, 30s));
    auto& f = c.server().fault_injector();
    c.server().drop_watches();
    f.add({"list", "statefulsets", "", "", 0, -1, 6000, 1, ""});
    f.add({"watch", "statefulsets", "", "", 0, -1, 6000, 1, ""});
    REQUIRE(c.kubectl_run({"patch", "habitat", name, "--type", "merge", "-p",
                           R"({"spec":{"v1beta2":{"count":2}}})"}).ok());
    REQUIRE(operator_cluster::eventually([&] {
      auto sts = c.get(habop::fake::resources::statefulsets(), "default", name);
      return sts && sts->at("spec").at("replicas") == 2;
    }, 30s));
  }

  /// Wakes `a` and returns what it logged until it exited: it must find the lease lost and send no write.
  std::string wake_a() {
    const std::size_t before_wake = a.process->err().size();
    a.process->signal(SIGCONT);
    CHECK(a.process->wait(20s) == 1);
    const std::string woke = a.process->err().substr(before_wake);
    INFO(woke);
    CHECK(woke.find("leader election lost") != std::string::npos);
    CHECK(count_of(woke, "conflicted") == 0);
    CHECK(count_of(woke, " patched") == 0);
    c.server().fault_injector().clear();
    return woke;
  }
};

}  // namespace

TEST_CASE("SIGTERM stops the operator with exit code 0 within a second", "[e2e][operator][lifecycle]") {
  operator_cluster c;
  auto op = ready_operator(c);
  REQUIRE(c.apply(habitat_manifest("quit", 1)).ok());
  REQUIRE(operator_cluster::eventually([&] { return habitat_ready(c, "quit"); }, 30s));
  const auto start = std::chrono::steady_clock::now();
  op.process->signal(SIGTERM);
  auto code = op.process->wait(5s);
  const auto took = std::chrono::steady_clock::now() - start;
  REQUIRE(code);
  CHECK(*code == 0);
  CHECK(took < 1s);
  CHECK(op.process->err().find("controllers stopped, exiting") != std::string::npos);
}

TEST_CASE("a startup error exits 1 with a clear message", "[e2e][operator][lifecycle]") {
  auto r = run_process({HABOP_OPERATOR_BIN, "--kubeconfig", "/nonexistent/kubeconfig"}, {}, 10s);
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("does not exist") != std::string::npos);
}

TEST_CASE("an existing Habitat CRD without the status subresource is reported at startup", "[e2e][operator][lifecycle]") {
  operator_cluster c;
  // What a cluster upgraded from the original operator may still serve: no schema, no subresources.
  REQUIRE(c.apply(R"(apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: habitats.habitat.sh}
spec:
  group: habitat.sh
  names: {kind: Habitat, listKind: HabitatList, plural: habitats, singular: habitat, shortNames: [hab]}
  scope: Namespaced
  versions:
  - name: v1beta1
    served: true
    storage: true
    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
)").ok());
  REQUIRE(c.kubectl_run({"wait", "--for=condition=Established", "crd/habitats.habitat.sh", "--timeout=20s"}).ok());
  auto op = ready_operator(c);
  INFO(op.process->err());
  CHECK(op.process->err().find("has no status subresource") != std::string::npos);
  CHECK(op.process->err().find("kubectl apply -k deploy/crd") != std::string::npos);
}

TEST_CASE("two operators with leader election never both write, and the standby takes over",
          "[e2e][operator][lifecycle]") {
  operator_cluster c;
  auto a = ready_operator(c, {"--leader-elect"});
  REQUIRE(operator_cluster::eventually(
      [&] { return a.process->err().find("successfully acquired lease") != std::string::npos; }, 20s));
  auto b = ready_operator(c, {"--leader-elect"});
  REQUIRE(c.apply(habitat_manifest("elected", 1)).ok());
  REQUIRE(operator_cluster::eventually([&] { return habitat_ready(c, "elected"); }, 30s));
  std::this_thread::sleep_for(2500ms);
  CHECK(b.process->err().find("successfully acquired lease") == std::string::npos);
  CHECK(count_of(b.process->err(), " created\"") == 0);
  CHECK(b.requests("POST") + b.requests("PATCH") == 0);

  // A graceful stop releases the lease: the standby takes over well before the 15 s lease would expire.
  a.process->signal(SIGTERM);
  REQUIRE(a.process->wait(5s) == 0);
  CHECK(a.process->err().find("released leader lease") != std::string::npos);
  REQUIRE(operator_cluster::eventually(
      [&] { return b.process->err().find("successfully acquired lease") != std::string::npos; }, 10s));
  REQUIRE(c.kubectl_run({"patch", "habitat", "elected", "--type", "merge", "-p",
                         R"({"spec":{"v1beta2":{"count":2}}})"}).ok());
  CHECK(operator_cluster::eventually(
      [&] { return c.list(habop::fake::resources::pods(), "default", "habitat-name=elected").size() == 2; }, 30s));
}

TEST_CASE("a leader frozen past its lease sends no write when it wakes, and exits", "[e2e][operator][lifecycle]") {
  operator_cluster c;
  frozen_leader t(c, "frozen");
  // SIGSTOP, as a paused VM or a stalled node: b takes over once the lease expires.
  t.a.process->signal(SIGSTOP);
  t.change_behind_a();
  c.server().fault_injector().add({"get", "leases", "", "", 0, 2, 2000, 1, ""});   // its Lease GET takes 2 s
  const std::string woke = t.wake_a();
  INFO(woke);
  // Its writes are refused before they are sent (without the gate they reach the server: 409s at best, a stale
  // spec written over b's at worst).
  CHECK(woke.find("not sent: the leader lease was not renewed") != std::string::npos);
}

TEST_CASE("a leader frozen while its renewal is in flight does not count it as renewed when it wakes",
          "[e2e][operator][lifecycle]") {
  operator_cluster c;
  frozen_leader t(c, "inflight");
  // a's next renewal (every 2 s at most) is held 3 s by the server; a is frozen while it waits for the answer, and
  // reads that 200 only when it wakes, long after b took over.
  c.server().fault_injector().add({"update", "leases", "", "", 0, 1, 3000, 1, ""});
  std::this_thread::sleep_for(2600ms);
  t.a.process->signal(SIGSTOP);
  t.change_behind_a();
  t.wake_a();
}

TEST_CASE("kill -9 in the middle of an update, then a restart, converges", "[e2e][operator][lifecycle]") {
  operator_cluster c;
  auto first = ready_operator(c);
  for (int i = 0; i < 5; ++i) REQUIRE(c.apply(habitat_manifest("k" + std::to_string(i), 2)).ok());
  std::this_thread::sleep_for(100ms);
  first.process->signal(SIGKILL);
  first.process->wait(5s);
  auto second = ready_operator(c);
  for (int i = 0; i < 5; ++i) {
    INFO("k" << i);
    CHECK(operator_cluster::eventually([&] { return habitat_ready(c, "k" + std::to_string(i)); }, 45s));
  }
}
