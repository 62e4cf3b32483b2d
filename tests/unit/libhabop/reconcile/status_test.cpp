#include <habop/reconcile/status.hpp>

#include <boost/json/parse.hpp>

#include <habop/reconcile/conditions.hpp>

#include <catch2/catch.hpp>

namespace bj = boost::json;
using namespace habop;
using namespace habop::reconcile;

namespace {
const instant t1 = instant::from_seconds(1000);
const instant t2 = instant::from_seconds(2000);

bj::object sts(int generation, int observed, int replicas, int ready, int updated) {
  bj::object o = bj::parse(R"({"metadata":{},"status":{}})").as_object();
  o["metadata"].as_object()["generation"] = generation;
  auto& s = o["status"].as_object();
  s["observedGeneration"] = observed;
  s["replicas"] = replicas;
  s["readyReplicas"] = ready;
  s["updatedReplicas"] = updated;
  return o;
}

const api::condition& cond(const api::habitat_status& s, const char* type) {
  const api::condition* c = find_condition(s.conditions, type);
  REQUIRE(c);
  return *c;
}
}  // namespace

TEST_CASE("An invalid Habitat is not Ready, not Progressing, Degraded, with the same reason everywhere") {
  status_inputs in;
  in.generation = 4;
  in.invalid = problem{reasons::invalid_spec, "spec.v1beta2.count: must be >= 0", true};
  auto s = compute_status(in, {}, t1);
  CHECK(s.observed_generation == 4);
  CHECK(cond(s, "Ready").status == "False");
  CHECK(cond(s, "Ready").reason == "InvalidSpec");
  CHECK(cond(s, "Progressing").status == "False");
  CHECK(cond(s, "Degraded").status == "True");
  CHECK(cond(s, "Degraded").message == "spec.v1beta2.count: must be >= 0");
  CHECK(cond(s, "Ready").observed_generation == 4);
  CHECK(s.state == "Invalid");
}

TEST_CASE("Without a StatefulSet the Habitat is rolling out") {
  status_inputs in;
  in.generation = 1;
  in.count = 3;
  auto s = compute_status(in, {}, t1);
  CHECK(cond(s, "Ready").reason == "RollingOut");
  CHECK(cond(s, "Progressing").status == "True");
  CHECK(cond(s, "Degraded").status == "False");
  CHECK(s.state == "Creating");
}

TEST_CASE("Replica counts come from the StatefulSet's status; Ready needs every member updated and ready") {
  status_inputs in;
  in.generation = 1;
  in.count = 3;
  bj::object rolling = sts(2, 2, 3, 2, 3);
  in.stateful_set = &rolling;
  auto s = compute_status(in, {}, t1);
  CHECK(s.replicas == 3);
  CHECK(s.ready_replicas == 2);
  CHECK(cond(s, "Ready").status == "False");
  CHECK(cond(s, "Ready").message == "2/3 members ready");

  bj::object stale = sts(3, 2, 3, 3, 3);   // the controller has not seen the latest spec
  in.stateful_set = &stale;
  CHECK(cond(compute_status(in, {}, t1), "Ready").status == "False");
  bj::object not_updated = sts(2, 2, 3, 3, 1);
  in.stateful_set = &not_updated;
  CHECK(cond(compute_status(in, {}, t1), "Ready").message.find("1/3 members updated") != std::string::npos);

  bj::object done = sts(2, 2, 3, 3, 3);
  in.stateful_set = &done;
  auto ok = compute_status(in, s, t2);
  CHECK(cond(ok, "Ready").status == "True");
  CHECK(cond(ok, "Ready").reason == "Available");
  CHECK(cond(ok, "Ready").last_transition_time == to_rfc3339(t2));
  CHECK(cond(ok, "Degraded").last_transition_time == to_rfc3339(t1));   // unchanged status keeps its time
  CHECK(ok.state == "Running");
  in.stateful_set_changing = true;
  CHECK(cond(compute_status(in, ok, t2), "Ready").status == "False");
}

TEST_CASE("A blocking problem overrides readiness; other problems only degrade") {
  status_inputs in;
  in.generation = 1;
  in.count = 2;
  bj::object done = sts(1, 1, 2, 2, 2);
  in.stateful_set = &done;
  in.problems = {problem{reasons::insufficient_members, "needs 3", false}};
  auto s = compute_status(in, {}, t1);
  CHECK(cond(s, "Ready").status == "True");
  CHECK(cond(s, "Degraded").status == "True");
  CHECK(cond(s, "Degraded").reason == "InsufficientMembers");

  in.problems.insert(in.problems.begin(), problem{reasons::secret_not_found, "Secret x missing", true});
  auto blocked = compute_status(in, {}, t1);
  CHECK(cond(blocked, "Ready").reason == "SecretNotFound");
  CHECK(cond(blocked, "Ready").status == "False");
  CHECK(cond(blocked, "Degraded").message == "Secret x missing; needs 3");
  CHECK(blocked.state == "Pending");
}

TEST_CASE("Recomputing from the same observations changes nothing (so no status write)") {
  status_inputs in;
  in.generation = 1;
  in.count = 1;
  bj::object done = sts(1, 1, 1, 1, 1);
  in.stateful_set = &done;
  auto first = compute_status(in, {}, t1);
  CHECK(compute_status(in, first, t2) == first);
}

TEST_CASE("update_status makes the observed status what compute_status returns and tells whether it changed") {
  const bj::object ready = sts(2, 2, 3, 3, 3);
  const bj::object rolling = sts(2, 2, 3, 1, 3);
  std::vector<status_inputs> inputs(5);
  inputs[0].generation = 2, inputs[0].count = 3, inputs[0].stateful_set = &ready;
  inputs[1] = inputs[0], inputs[1].stateful_set = &rolling;
  inputs[2] = inputs[0], inputs[2].problems = {problem{reasons::insufficient_members, "needs 3", false}};
  inputs[3] = inputs[0], inputs[3].problems = {problem{reasons::secret_not_found, "create it", true}};
  inputs[4] = inputs[0], inputs[4].invalid = problem{reasons::invalid_spec, "bad", true};
  // Every transition between the statuses these inputs give, at a later time, and from nothing.
  std::vector<api::habitat_status> observed = {{}};
  for (const auto& in : inputs) observed.push_back(compute_status(in, {}, t1));
  for (const auto& before : observed) {
    for (const auto& in : inputs) {
      const api::habitat_status want = compute_status(in, before, t2);
      api::habitat_status s = before;
      CHECK(update_status(in, s, t2) == (want != before));
      CHECK(s == want);
    }
  }
}
