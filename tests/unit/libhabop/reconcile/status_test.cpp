#include <habop/reconcile/status.hpp>

#include <boost/json/parse.hpp>

#include <habop/api/parse.hpp>
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
  in.selector = "habitat-name=web";
  auto s = compute_status(in, {}, t1);
  CHECK(s.selector == "habitat-name=web");   // the scale subresource's labelSelectorPath
  CHECK(api::to_json(s).at("selector") == "habitat-name=web");
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

TEST_CASE("Waiting for the garbage collector is Progressing, not Ready, not Degraded; a blocking problem wins") {
  status_inputs in;
  in.generation = 1;
  in.count = 2;
  bj::object done = sts(1, 1, 2, 2, 2);   // ready members of our own StatefulSet, while the old Service lingers
  in.stateful_set = &done;
  in.waiting = {"Service a is old", "ConfigMap b too"};
  auto s = compute_status(in, {}, t1);
  CHECK(cond(s, "Ready").status == "False");
  CHECK(cond(s, "Ready").reason == "WaitingForGarbageCollection");
  CHECK(cond(s, "Ready").message == "Service a is old; ConfigMap b too");
  CHECK(cond(s, "Progressing").status == "True");
  CHECK(cond(s, "Progressing").reason == "WaitingForGarbageCollection");
  CHECK(cond(s, "Degraded").status == "False");
  CHECK(s.message == "Service a is old; ConfigMap b too");
  CHECK(s.state == "Creating");

  in.problems = {problem{reasons::insufficient_members, "needs 3", false}};
  auto degraded = compute_status(in, {}, t1);
  CHECK(cond(degraded, "Ready").reason == "WaitingForGarbageCollection");
  CHECK(cond(degraded, "Degraded").reason == "InsufficientMembers");
  CHECK(degraded.message == "Service a is old; ConfigMap b too; needs 3");

  in.problems.insert(in.problems.begin(), problem{reasons::secret_not_found, "Secret x missing", true});
  auto blocked = compute_status(in, {}, t1);
  CHECK(cond(blocked, "Ready").reason == "SecretNotFound");
  CHECK(cond(blocked, "Progressing").reason == "SecretNotFound");
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

namespace {

// A StatefulSet `web` scaled from 3 to `spec_replicas`, at update revision `web-v1`.
bj::object shrinking_sts(int generation, int observed, int spec_replicas, int replicas) {
  bj::object o = sts(generation, observed, replicas, replicas, replicas);
  o["metadata"].as_object()["name"] = "web";
  o["spec"] = bj::object{{"replicas", spec_replicas}};
  o["status"].as_object()["updateRevision"] = "web-v1";
  return o;
}

object_ptr member(const std::string& name, bool ready, const std::string& revision = "web-v1") {
  return std::make_shared<const bj::object>(bj::object{
      {"metadata", {{"name", name}, {"labels", {{"habitat-name", "web"}, {"controller-revision-hash", revision}}}}},
      {"status", {{"phase", "Running"}, {"conditions", {{{"type", "Ready"}, {"status", ready ? "True" : "False"}}}}}}});
}

}  // namespace

TEST_CASE("A scale-down keeps the Habitat Ready while the members it keeps are ready and current") {
  std::vector<object_ptr> pods{member("web-0", true), member("web-1", true), member("web-2", true)};
  status_inputs in;
  in.generation = 2;
  in.count = 1;
  in.pods = &pods;
  api::habitat_status ready_before;
  {
    status_inputs before = in;
    before.generation = 1;
    before.count = 3;
    const bj::object at_three = shrinking_sts(1, 1, 3, 3);
    before.stateful_set = &at_three;
    ready_before = compute_status(before, {}, t1);
    REQUIRE(cond(ready_before, "Ready").status == "True");
  }

  // The reconcile that lowers spec.replicas: the member kept is ready, so nothing rolls out.
  const bj::object observed_at_three = shrinking_sts(1, 1, 3, 3);
  in.stateful_set = &observed_at_three;
  in.stateful_set_changing = true;
  in.stateful_set_scaling_down = true;
  auto s = compute_status(in, ready_before, t2);
  CHECK(cond(s, "Ready").status == "True");
  CHECK(cond(s, "Ready").last_transition_time == cond(ready_before, "Ready").last_transition_time);
  CHECK(cond(s, "Progressing").status == "True");
  CHECK(cond(s, "Progressing").reason == "ScalingDown");
  CHECK(s.message == "1/1 members ready, 2 leaving");
  CHECK(s.state == "Running");

  // Written, not yet seen by the StatefulSet controller: what the last reconcile said stands.
  in.stateful_set_changing = false;
  in.stateful_set_scaling_down = false;
  const bj::object unseen = shrinking_sts(2, 1, 1, 3);
  in.stateful_set = &unseen;
  api::habitat_status kept = s;
  CHECK_FALSE(update_status(in, kept, t2));

  // Seen: members leave one by one (graceful termination), the Habitat stays Ready.
  const bj::object leaving = shrinking_sts(2, 2, 1, 2);
  in.stateful_set = &leaving;
  pods.pop_back();
  s = compute_status(in, s, t2);
  CHECK(cond(s, "Ready").status == "True");
  CHECK(s.message == "1/1 members ready, 1 leaving");

  // All gone: Available, no longer progressing.
  const bj::object done = shrinking_sts(2, 2, 1, 1);
  in.stateful_set = &done;
  pods.pop_back();
  s = compute_status(in, s, t2);
  CHECK(cond(s, "Ready").status == "True");
  CHECK(cond(s, "Progressing").status == "False");
  CHECK(cond(s, "Progressing").reason == "Available");
}

TEST_CASE("A scale-down is not Ready while a member it keeps is unready, stale or the template changes too") {
  const bj::object leaving = shrinking_sts(2, 2, 1, 3);
  status_inputs in;
  in.generation = 2;
  in.count = 1;
  in.stateful_set = &leaving;

  std::vector<object_ptr> unready{member("web-0", false), member("web-1", true), member("web-2", true)};
  in.pods = &unready;
  auto s = compute_status(in, {}, t1);
  CHECK(cond(s, "Ready").status == "False");
  CHECK(s.message == "0/1 members ready, 2 leaving");

  std::vector<object_ptr> stale{member("web-0", true, "web-v0"), member("web-1", true), member("web-2", true)};
  in.pods = &stale;
  CHECK(cond(compute_status(in, {}, t1), "Ready").status == "False");

  // Another StatefulSet's pods and names that are not members do not count.
  std::vector<object_ptr> strangers{member("web-other-0", true), member("webx-0", true), member("web-", true)};
  in.pods = &strangers;
  CHECK(cond(compute_status(in, {}, t1), "Ready").status == "False");

  // The plan changes the template as well as the replicas: a rollout, whatever the pods say.
  std::vector<object_ptr> ready{member("web-0", true), member("web-1", true), member("web-2", true)};
  in.pods = &ready;
  const bj::object at_three = shrinking_sts(1, 1, 3, 3);
  in.stateful_set = &at_three;
  in.stateful_set_changing = true;
  s = compute_status(in, {}, t1);
  CHECK(cond(s, "Ready").status == "False");
  CHECK(cond(s, "Ready").reason == "RollingOut");
}

namespace {

// Member `name` (not ready) whose container waits for `reason`, or, with "Unschedulable", that no node fits.
object_ptr stuck(const std::string& name, const std::string& reason, const std::string& message) {
  bj::object pod = *member(name, false);
  bj::object& status = pod["status"].as_object();
  if (reason == "Unschedulable") {
    status["phase"] = "Pending";
    status["conditions"] = bj::array{bj::object{{"type", "PodScheduled"}, {"status", "False"},
                                                {"reason", reason}, {"message", message}}};
  } else {
    status["containerStatuses"] = bj::array{bj::object{
        {"name", "habitat-service"}, {"state", {{"waiting", {{"reason", reason}, {"message", message}}}}}}};
  }
  return std::make_shared<const bj::object>(std::move(pod));
}

}  // namespace

TEST_CASE("Members the kubelet cannot run name the reason on Ready and Degraded, and clear when they run") {
  bj::object three = shrinking_sts(1, 1, 3, 3);
  three["status"].as_object()["readyReplicas"] = 0;
  status_inputs in;
  in.generation = 1;
  in.count = 3;
  in.stateful_set = &three;
  std::vector<object_ptr> pods{stuck("web-0", "ImagePullBackOff", "Back-off pulling image \"habitat/nope\""),
                               stuck("web-1", "ImagePullBackOff", "Back-off pulling image \"habitat/nope\""),
                               stuck("web-2", "Unschedulable", "0/3 nodes are available: 3 Insufficient cpu.")};
  in.pods = &pods;
  auto s = compute_status(in, {}, t1);
  CHECK(cond(s, "Ready").status == "False");
  CHECK(cond(s, "Ready").reason == "ImagePullBackOff");
  CHECK(cond(s, "Progressing").reason == "RollingOut");
  CHECK(cond(s, "Degraded").status == "True");
  CHECK(cond(s, "Degraded").reason == "ImagePullBackOff");
  CHECK(s.message == "0/3 members ready; web-0, web-1: ImagePullBackOff (Back-off pulling image \"habitat/nope\"); "
                     "web-2: Unschedulable (0/3 nodes are available: 3 Insufficient cpu.)");
  CHECK(cond(s, "Degraded").message == "web-0, web-1: ImagePullBackOff (Back-off pulling image \"habitat/nope\"); "
                                       "web-2: Unschedulable (0/3 nodes are available: 3 Insufficient cpu.)");

  // A long message is cut to 200 bytes without splitting a character ("é" is 2 bytes: the 200th byte starts one).
  const std::string long_message = std::string(199, 'x') + "\xc3\xa9 and more";
  std::vector<object_ptr> verbose{stuck("web-0", "CrashLoopBackOff", long_message)};
  in.pods = &verbose;
  s = compute_status(in, s, t2);
  CHECK(cond(s, "Degraded").message == "web-0: CrashLoopBackOff (" + std::string(199, 'x') + "…)");

  // A wait that passes by itself, a member that is leaving, or another StatefulSet's pod is no trouble.
  std::vector<object_ptr> passing{stuck("web-0", "ContainerCreating", ""), stuck("web-5", "CrashLoopBackOff", "x"),
                                  stuck("webx-0", "CrashLoopBackOff", "x")};
  in.pods = &passing;
  s = compute_status(in, s, t2);
  CHECK(cond(s, "Ready").reason == "RollingOut");
  CHECK(cond(s, "Degraded").status == "False");
  CHECK(s.message == "0/3 members ready");

  // Once every member runs, the Habitat is Available.
  three["status"].as_object()["readyReplicas"] = 3;
  std::vector<object_ptr> running{member("web-0", true), member("web-1", true), member("web-2", true)};
  in.pods = &running;
  s = compute_status(in, s, t2);
  CHECK(cond(s, "Ready").reason == "Available");
  CHECK(cond(s, "Degraded").status == "False");
}
