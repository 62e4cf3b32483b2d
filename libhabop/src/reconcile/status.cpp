// Status computation: conditions Ready/Progressing/Degraded and the original's state/message from observed state.
#include <habop/reconcile/status.hpp>

#include <habop/reconcile/conditions.hpp>
#include <habop/reconcile/detail/json_access.hpp>

namespace habop::reconcile {
namespace {

api::condition make(const char* type, bool status, std::string reason, std::string message, std::int64_t gen) {
  api::condition c;
  c.type = type;
  c.status = status ? "True" : "False";
  c.reason = std::move(reason);
  c.message = std::move(message);
  c.observed_generation = gen;
  return c;
}

struct rollout {
  bool done = false;
  std::string message;
};

// Done when the StatefulSet controller has seen the current spec and every member runs it and is ready.
// `updatedReplicas` is used rather than `currentRevision`: with OnDelete the controller never advances the latter.
rollout rollout_of(const status_inputs& in, std::int32_t& replicas, std::int32_t& ready) {
  using namespace detail;
  const boost::json::object* sts = in.stateful_set;
  if (!sts) return {false, "StatefulSet not created yet"};
  const boost::json::object* st = member_object(sts, "status");
  replicas = static_cast<std::int32_t>(member_int(st, "replicas"));
  ready = static_cast<std::int32_t>(member_int(st, "readyReplicas"));
  const std::string members = std::to_string(ready) + "/" + std::to_string(in.count) + " members ready";
  const bool current = member_int(st, "observedGeneration", -1) == member_int(member_object(sts, "metadata"), "generation");
  if (in.stateful_set_changing || !current) return {false, "updating the StatefulSet, " + members};
  const bool updated = !has_member(st, "updatedReplicas") || member_int(st, "updatedReplicas") >= in.count;
  if (!updated) {
    return {false, std::to_string(member_int(st, "updatedReplicas")) + "/" + std::to_string(in.count) +
                       " members updated, " + members};
  }
  if (replicas != in.count || ready < in.count) return {false, members};
  return {true, in.count == 0 ? "scaled to zero" : members};
}

}  // namespace

api::habitat_status compute_status(const status_inputs& in, const api::habitat_status& observed, instant now) {
  api::habitat_status s;
  s.observed_generation = in.generation;
  s.conditions = observed.conditions;
  const std::int64_t gen = in.generation;

  std::int32_t replicas = 0;
  std::int32_t ready = 0;
  const rollout r = rollout_of(in, replicas, ready);
  s.replicas = replicas;
  s.ready_replicas = ready;

  if (in.invalid) {
    const problem& p = *in.invalid;
    set_condition(s.conditions, make(condition_ready, false, p.reason, p.message, gen), now);
    set_condition(s.conditions, make(condition_progressing, false, p.reason, p.message, gen), now);
    set_condition(s.conditions, make(condition_degraded, true, p.reason, p.message, gen), now);
    s.state = "Invalid";
    s.message = p.message;
    return s;
  }

  const problem* blocker = nullptr;
  for (const problem& p : in.problems)
    if (p.blocks_ready && !blocker) blocker = &p;

  if (blocker) {
    set_condition(s.conditions, make(condition_ready, false, blocker->reason, blocker->message, gen), now);
    set_condition(s.conditions, make(condition_progressing, false, blocker->reason, blocker->message, gen), now);
    s.state = "Pending";
    s.message = blocker->message;
  } else if (r.done) {
    set_condition(s.conditions, make(condition_ready, true, reasons::available, r.message, gen), now);
    set_condition(s.conditions, make(condition_progressing, false, reasons::available, r.message, gen), now);
    s.state = "Running";
    s.message = r.message;
  } else {
    set_condition(s.conditions, make(condition_ready, false, reasons::rolling_out, r.message, gen), now);
    set_condition(s.conditions, make(condition_progressing, true, reasons::rolling_out, r.message, gen), now);
    s.state = "Creating";
    s.message = r.message;
  }

  if (in.problems.empty()) {
    set_condition(s.conditions, make(condition_degraded, false, reasons::as_expected, "", gen), now);
  } else {
    std::string message;
    for (const problem& p : in.problems) {
      if (!message.empty()) message += "; ";
      message += p.message;
    }
    if (!blocker) s.message += "; " + message;
    set_condition(s.conditions, make(condition_degraded, true, in.problems.front().reason, std::move(message), gen), now);
  }
  return s;
}

}  // namespace habop::reconcile
