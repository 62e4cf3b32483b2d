// habitat-operator while its API server process is killed (-9) and started again on the same data directory.
#include "operator_fixture.hpp"

#include <catch2/catch.hpp>

#include <thread>

#include <habop/json/codec.hpp>

#include "e2e_helpers.hpp"

using namespace std::chrono_literals;
using namespace habop::test;

namespace {

std::optional<boost::json::object> get_json(const kubectl& k, const std::vector<std::string>& args) {
  std::vector<std::string> all = args;
  all.insert(all.end(), {"-o", "json"});
  auto r = k.run(all);
  if (!r.ok()) return std::nullopt;
  auto parsed = habop::json::parse_json(r.out);
  if (!parsed || !parsed->is_object()) return std::nullopt;
  return parsed->get_object();
}

bool ready(const kubectl& k, const std::string& name) {
  auto h = get_json(k, {"get", "habitat", name});
  return h && condition_of(*h, "Ready").first == "True";
}

std::size_t pods(const kubectl& k, const std::string& habitat) {
  auto list = get_json(k, {"get", "pods", "-l", "habitat-name=" + habitat});
  const auto* items = list ? list->if_contains("items") : nullptr;
  return items && items->is_array() ? items->get_array().size() : 0;
}

}  // namespace

TEST_CASE("the operator re-establishes TLS and watches when the fake-apiserver process is killed and restarted",
          "[e2e][operator][faults]") {
  temp_dir data("habop-op-data");
  temp_dir home("habop-op-home");
  const std::vector<std::string> args{"--simulate-workloads", "--data-dir", data.file("state")};
  auto api = spawn_apiserver(args);
  INFO((api ? std::string() : api.error().message));
  REQUIRE(api);
  const kubectl k{.binary = find_kubectl().value_or("kubectl"), .kubeconfig = (*api)->kubeconfig_path,
                  .home = home.path().string(), .timeout = 60s};
  std::string err;
  operator_process op = start_operator_process((*api)->kubeconfig_path, {}, &err);
  INFO(err);
  REQUIRE(op.port != 0);
  REQUIRE(operator_cluster::eventually([&] { return op.get("/readyz") == "ok\n"; }, 30s));
  REQUIRE(k.run({"apply", "-f", "-"}, habitat_manifest("before", 1)).ok());
  REQUIRE(operator_cluster::eventually([&] { return ready(k, "before"); }, 45s));
  const double writes_before = op.requests("POST") + op.requests("PATCH") + op.requests("PUT");

  (*api)->process->signal(9);
  REQUIRE((*api)->process->wait(10s) == 128 + 9);
  std::this_thread::sleep_for(1s);   // the operator sees refused connections meanwhile
  auto restarted = spawn_apiserver(args);
  INFO((restarted ? std::string() : restarted.error().message));
  REQUIRE(restarted);
  REQUIRE((*restarted)->address == (*api)->address);

  // The operator was not restarted: it must reconnect (same CA and token), relist after its watches' 410 and act
  // on what changes now.
  REQUIRE(k.run({"apply", "-f", "-"}, habitat_manifest("after", 1)).ok());
  REQUIRE(k.run({"patch", "habitat", "before", "--type", "merge", "-p", R"({"spec":{"v1beta2":{"count":2}}})"}).ok());
  INFO(op.process->err());
  CHECK(operator_cluster::eventually([&] { return ready(k, "after"); }, 60s));
  CHECK(operator_cluster::eventually([&] { return pods(k, "before") == 2 && ready(k, "before"); }, 60s));
  // No duplicate pods from the simulator resuming, and no hot loop of writes from the operator.
  CHECK(pods(k, "after") == 1);
  const double writes_after = op.requests("POST") + op.requests("PATCH") + op.requests("PUT");
  CHECK(writes_after - writes_before < 40);
  CHECK(op.get("/healthz") == "ok\n");
  CHECK((*restarted)->stop() == 0);
}
