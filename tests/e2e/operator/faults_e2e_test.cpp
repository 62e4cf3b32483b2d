// habitat-operator against a misbehaving API server: error bursts, dropped watches, 410s and restarts.
#include "operator_fixture.hpp"

#include <catch2/catch.hpp>

#include <thread>

#include "e2e_helpers.hpp"

using namespace std::chrono_literals;
using namespace habop::test;
namespace res = habop::fake::resources;

TEST_CASE("bursts of 409, 429, 500 and 503 on writes converge without a hot loop", "[e2e][operator][faults]") {
  operator_cluster c;
  auto op = ready_operator(c);
  auto& f = c.server().fault_injector();
  f.add({"create", "statefulsets", "", "", 500, 3, 0, 1, ""});
  f.add({"create", "services", "", "", 503, 2, 0, 1, ""});
  f.add({"patch", "habitats/status", "", "", 409, 2, 0, 1, ""});
  f.add({"create", "configmaps", "", "", 429, 2, 0, 1, ""});
  REQUIRE(c.apply(habitat_manifest("flaky", 1)).ok());
  INFO(op.process->err());
  REQUIRE(operator_cluster::eventually([&] { return habitat_ready(c, "flaky"); }, 45s));
  CHECK(f.rules().empty());
  // 9 injected failures plus the few writes convergence needs: a hot loop would show hundreds.
  CHECK(op.requests("POST") + op.requests("PATCH") < 40);
}

TEST_CASE("dropped watches, expired resourceVersions and an API server restart do not stop convergence",
          "[e2e][operator][faults]") {
  operator_cluster c;
  auto op = ready_operator(c);
  REQUIRE(c.apply(habitat_manifest("steady", 1)).ok());
  REQUIRE(operator_cluster::eventually([&] { return habitat_ready(c, "steady"); }, 30s));

  c.server().drop_watches();
  c.server().compact_history();
  REQUIRE(c.kubectl_run({"patch", "habitat", "steady", "--type", "merge", "-p",
                         R"({"spec":{"v1beta2":{"count":2}}})"}).ok());
  REQUIRE(operator_cluster::eventually(
      [&] { return c.list(habop::fake::resources::pods(), "default", "habitat-name=steady").size() == 2; }, 45s));

  c.server().restart_keeping_state();
  REQUIRE(c.apply(habitat_manifest("after-restart", 1)).ok());
  CHECK(operator_cluster::eventually([&] { return habitat_ready(c, "after-restart"); }, 45s));
  INFO(op.process->err());
  // Eventually: its peer ConfigMap may still be catching up with the new pod IPs under load.
  CHECK(operator_cluster::eventually([&] { return habitat_ready(c, "steady"); }, 30s));
  CHECK(op.get("/healthz") == "ok\n");
}

TEST_CASE("a server that cannot serve Secrets as metadata (406) gets full Secrets, stripped", "[e2e][operator][faults]") {
  operator_cluster c;
  c.server().fault_injector().add({"list", "secrets", "", "", 406, 1, 0, 1, ""});
  auto op = ready_operator(c);
  INFO(op.process->err());
  CHECK(op.process->err().find("cannot serve metadata only (406)") != std::string::npos);
  CHECK(c.server().fault_injector().rules().empty());
  // The Secrets cache works after the fallback: a Habitat waiting for its Secret converges once it exists.
  REQUIRE(c.apply(habitat_manifest("needs-secret", 1, "      configSecretName: user-toml\n")).ok());
  REQUIRE(c.create(habop::fake::resources::secrets(), "default",
                   {{"apiVersion", "v1"}, {"kind", "Secret"}, {"metadata", {{"name", "user-toml"}}},
                    {"data", {{"user.toml", "cG9ydCA9IDYzNzkK"}}}}));
  CHECK(operator_cluster::eventually([&] { return habitat_ready(c, "needs-secret"); }, 45s));
}

TEST_CASE("a write the server keeps refusing shows on the Habitat as one aggregated Warning event",
          "[e2e][operator][faults]") {
  operator_cluster c;
  auto op = ready_operator(c);
  auto& f = c.server().fault_injector();
  f.add({"create", "statefulsets", "", "", 403, -1, 0, 1, "statefulsets.apps is forbidden: quota says no"});
  REQUIRE(c.apply(habitat_manifest("refused", 1)).ok());
  auto failures = [&] {
    std::int64_t count = 0;
    for (const auto& e : c.list(res::events(), "default")) {
      if (e.at("reason") != "StatefulSetCreationFailed") continue;
      CHECK(e.at("type") == "Warning");
      CHECK(e.at("involvedObject").at("kind") == "Habitat");
      CHECK(std::string(e.at("message").as_string()).find("quota says no") != std::string::npos);
      count += e.at("count").as_int64();
    }
    return count;
  };
  REQUIRE(operator_cluster::eventually([&] { return failures() >= 2; }, 30s));
  // One Event object whose count grows with the (backed-off) retries, not one per attempt.
  int objects = 0;
  for (const auto& e : c.list(res::events(), "default")) objects += e.at("reason") == "StatefulSetCreationFailed";
  CHECK(objects == 1);
  f.clear();
  CHECK(operator_cluster::eventually([&] { return habitat_ready(c, "refused"); }, 60s));
}
