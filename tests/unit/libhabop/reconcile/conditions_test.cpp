#include <habop/reconcile/conditions.hpp>

#include <catch2/catch.hpp>

using namespace habop;
using namespace habop::reconcile;

namespace {
api::condition cond(const char* type, const char* status, const char* reason, const char* message = "") {
  api::condition c;
  c.type = type;
  c.status = status;
  c.reason = reason;
  c.message = message;
  c.observed_generation = 1;
  return c;
}
}  // namespace

TEST_CASE("A new condition takes now as its transition time") {
  std::vector<api::condition> cs;
  CHECK(set_condition(cs, cond("Ready", "False", "RollingOut"), instant::from_seconds(100)));
  REQUIRE(cs.size() == 1);
  CHECK(cs[0].last_transition_time == "1970-01-01T00:01:40Z");
}

TEST_CASE("lastTransitionTime moves only when the status changes") {
  std::vector<api::condition> cs;
  (void)set_condition(cs, cond("Ready", "False", "RollingOut", "0/3"), instant::from_seconds(100));
  CHECK(set_condition(cs, cond("Ready", "False", "SecretNotFound", "x"), instant::from_seconds(200)));
  CHECK(cs[0].reason == "SecretNotFound");
  CHECK(cs[0].last_transition_time == "1970-01-01T00:01:40Z");
  CHECK(set_condition(cs, cond("Ready", "True", "Available"), instant::from_seconds(300)));
  CHECK(cs[0].last_transition_time == "1970-01-01T00:05:00Z");
}

TEST_CASE("Setting an identical condition reports no change") {
  std::vector<api::condition> cs;
  (void)set_condition(cs, cond("Ready", "True", "Available"), instant::from_seconds(100));
  CHECK_FALSE(set_condition(cs, cond("Ready", "True", "Available"), instant::from_seconds(500)));
  CHECK(cs.size() == 1);
}

TEST_CASE("Conditions are upserted by type, others kept in place") {
  std::vector<api::condition> cs;
  (void)set_condition(cs, cond("Ready", "True", "Available"), instant::from_seconds(1));
  (void)set_condition(cs, cond("Custom", "True", "X"), instant::from_seconds(1));
  (void)set_condition(cs, cond("Degraded", "False", "AsExpected"), instant::from_seconds(1));
  REQUIRE(cs.size() == 3);
  CHECK(find_condition(cs, "Custom")->reason == "X");
  CHECK(find_condition(cs, "Nope") == nullptr);
}

TEST_CASE("has_condition and reports_problem are the level-based 'already reported' tests") {
  std::vector<api::condition> cs;
  (void)set_condition(cs, cond("Ready", "False", "InvalidSpec", "count: must be >= 0"), instant::from_seconds(1));
  (void)set_condition(cs, cond("Degraded", "True", "SecretNotFound", "a missing; b immutable"), instant::from_seconds(1));
  CHECK(has_condition(cs, "Ready", "False", "InvalidSpec", "count: must be >= 0", 1));
  CHECK_FALSE(has_condition(cs, "Ready", "False", "InvalidSpec", "count: must be >= 0", 2));
  CHECK(has_condition(cs, "Ready", "False", "InvalidSpec", "count: must be >= 0", std::nullopt));
  CHECK_FALSE(has_condition(cs, "Ready", "False", "UnsupportedVersion", "count: must be >= 0", 1));
  CHECK(reports_problem(cs, "b immutable"));
  CHECK_FALSE(reports_problem(cs, "c other"));
}
