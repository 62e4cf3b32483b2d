// habitat-operator against an API server that resets connections, cuts replies short and sends malformed bodies.
#include "operator_fixture.hpp"

#include <catch2/catch.hpp>

#include <thread>

#include <habop/fake_apiserver/faults.hpp>
#include <habop/json/codec.hpp>

#include "e2e_helpers.hpp"

using namespace std::chrono_literals;
using namespace habop::test;
using habop::fake::fault_kind;
using habop::fake::malformed_shape;

namespace {

/// Adds a burst of `count` faults of `kind` on each kind of request the operator makes: its LISTs, WATCHes, GETs,
/// creates, patches and status writes.
void add_burst(habop::fake::faults& f, fault_kind kind, malformed_shape shape, int count) {
  // The status rule first: the first matching rule applies, and a patch of any resource matches it too.
  for (const auto& [verb, resource] : std::vector<std::pair<std::string, std::string>>{
           {"patch", "habitats/status"}, {"list", ""}, {"watch", ""}, {"get", ""}, {"create", ""}, {"patch", ""}}) {
    habop::fake::fault_rule rule;
    rule.verb = verb;
    rule.resource = resource;
    rule.count = count;
    rule.kind = kind;
    rule.shape = shape;
    f.add(rule);
  }
}

double total_requests(const operator_process& op) {
  double n = 0;
  for (const char* method : {"GET", "POST", "PATCH", "PUT", "DELETE"}) n += op.requests(method);
  return n;
}

}  // namespace

TEST_CASE("resets, truncated replies and malformed bodies on every kind of request: no crash, no hot loop, "
          "a clear log, convergence once they stop",
          "[e2e][operator][faults][wire]") {
  const auto [kind, shape, logged] = GENERATE(
      std::make_tuple(fault_kind::reset, malformed_shape::invalid_json, std::string("reset")),
      std::make_tuple(fault_kind::truncate, malformed_shape::invalid_json, std::string("truncated")),
      std::make_tuple(fault_kind::malformed, malformed_shape::invalid_json, std::string("malformed")),
      std::make_tuple(fault_kind::malformed, malformed_shape::items_not_array, std::string("malformed")),
      std::make_tuple(fault_kind::malformed, malformed_shape::metadata_string, std::string("malformed")));
  INFO("fault " << static_cast<int>(kind) << ", shape " << static_cast<int>(shape));
  operator_cluster c;
  auto op = ready_operator(c);
  REQUIRE(c.apply(habitat_manifest("before", 1)).ok());
  REQUIRE(operator_cluster::eventually([&] { return habitat_ready(c, "before"); }, 30s));
  const double requests_before = total_requests(op);

  auto& f = c.server().fault_injector();
  add_burst(f, kind, shape, 3);
  // Every cache relists (410 after the compaction) and rewatches, into the faults.
  c.server().compact_history();
  c.server().drop_watches();
  // Through the store: the rules would meet kubectl's requests too.
  auto during = habop::json::parse_json(
      R"({"apiVersion":"habitat.sh/v1beta1","kind":"Habitat","metadata":{"name":"during"},"customVersion":"v1beta2",)"
      R"("spec":{"v1beta2":{"image":"habitat/redis-hab","count":1,"service":{"name":"redis","topology":"standalone"}}}})");
  REQUIRE(during);
  REQUIRE(c.create(habitat_resource, "default", during->as_object()));
  c.server().with_api([](habop::fake::api_server& api, habop::instant now) {
    auto patch = habop::json::parse_json(R"({"spec":{"v1beta2":{"count":2}}})");
    CHECK(api.store().merge_patch(habitat_resource, "default", "before", *patch, now));
  });
  // The LIST and WATCH faults are met at once; the rest as the new and the changed Habitat are reconciled.
  std::this_thread::sleep_for(8s);
  INFO(op.process->err());
  CHECK_FALSE(op.process->wait(0ms));   // still running
  // 18 faults, a relist and rewatch per cache and backed-off retries: a hot loop would show thousands.
  const double requests = total_requests(op) - requests_before;
  INFO(requests << " requests during the faults");
  CHECK(requests < 200);   // about 45 here
  CHECK(op.process->err().find(logged) != std::string::npos);
  if (kind == fault_kind::malformed && shape != malformed_shape::items_not_array)
    CHECK(op.process->err().find("malformed reply to a write") != std::string::npos);

  f.clear();
  CHECK(operator_cluster::eventually([&] { return habitat_ready(c, "during"); }, 45s));
  CHECK(operator_cluster::eventually(
      [&] { return c.list(habop::fake::resources::pods(), "default", "habitat-name=before").size() == 2; }, 45s));
  CHECK(operator_cluster::eventually([&] { return habitat_ready(c, "before"); }, 30s));
  CHECK(op.get("/healthz") == "ok\n");
}

TEST_CASE("a malformed watch event is logged and the watch resumes where it was", "[e2e][operator][faults][wire]") {
  const auto shape = GENERATE(malformed_shape::invalid_json, malformed_shape::items_not_array,
                              malformed_shape::metadata_string);
  INFO("shape " << static_cast<int>(shape));
  operator_cluster c;
  auto op = ready_operator(c);
  habop::fake::fault_rule rule;
  rule.verb = "watch";
  rule.resource = "habitats";
  rule.count = 3;
  rule.kind = fault_kind::malformed;
  rule.shape = shape;
  c.server().fault_injector().add(rule);
  c.server().drop_watches();
  REQUIRE(c.apply(habitat_manifest("watched", 1)).ok());
  INFO(op.process->err());
  CHECK(operator_cluster::eventually([&] { return habitat_ready(c, "watched"); }, 45s));
  CHECK(c.server().fault_injector().rules().empty());
  CHECK(op.process->err().find("malformed watch event") != std::string::npos);
  CHECK(op.requests("GET") < 100);
}
