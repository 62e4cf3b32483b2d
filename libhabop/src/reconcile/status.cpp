// Status computation: conditions Ready/Progressing/Degraded and the original's state/message from observed state.
#include <habop/reconcile/status.hpp>

#include <string_view>
#include <utility>

#include <habop/reconcile/conditions.hpp>
#include <habop/reconcile/detail/json_access.hpp>

namespace habop::reconcile {
namespace {

// `set_condition` of this condition, telling whether it changed anything; when the observed one already says exactly
// this (the converged case, where set_condition would keep its transition time), nothing is built or copied.
bool set(std::vector<api::condition>& conditions, const char* type, bool status, std::string_view reason,
         std::string_view message, std::int64_t gen, instant now) {
  const char* status_text = status ? "True" : "False";
  const api::condition* have = find_condition(conditions, type);
  if (have && have->status == status_text && !have->last_transition_time.empty() && have->reason == reason &&
      have->message == message && have->observed_generation == gen)
    return false;
  api::condition c;
  c.type = type;
  c.status = status_text;
  c.reason = std::string(reason);
  c.message = std::string(message);
  c.observed_generation = gen;
  return set_condition(conditions, std::move(c), now);
}

// `field = value`, telling whether that changed it.
template <class T, class V>
bool assign(T& field, V&& value) {
  if (field == value) return false;
  field = std::forward<V>(value);
  return true;
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
  std::string members = std::to_string(ready) + "/" + std::to_string(in.count) + " members ready";
  const bool current = member_int(st, "observedGeneration", -1) == member_int(member_object(sts, "metadata"), "generation");
  if (in.stateful_set_changing || !current) return {false, "updating the StatefulSet, " + members};
  const bool updated = !has_member(st, "updatedReplicas") || member_int(st, "updatedReplicas") >= in.count;
  if (!updated) {
    return {false, std::to_string(member_int(st, "updatedReplicas")) + "/" + std::to_string(in.count) +
                       " members updated, " + members};
  }
  if (replicas != in.count || ready < in.count) return {false, std::move(members)};
  return {true, in.count == 0 ? std::string("scaled to zero") : std::move(members)};
}

}  // namespace

bool update_status(const status_inputs& in, api::habitat_status& s, instant now) {
  const std::int64_t gen = in.generation;
  bool changed = assign(s.observed_generation, gen);

  std::int32_t replicas = 0;
  std::int32_t ready = 0;
  rollout r = rollout_of(in, replicas, ready);
  changed |= assign(s.replicas, replicas);
  changed |= assign(s.ready_replicas, ready);

  if (in.invalid) {
    const problem& p = *in.invalid;
    changed |= set(s.conditions, condition_ready, false, p.reason, p.message, gen, now);
    changed |= set(s.conditions, condition_progressing, false, p.reason, p.message, gen, now);
    changed |= set(s.conditions, condition_degraded, true, p.reason, p.message, gen, now);
    changed |= assign(s.state, "Invalid");
    changed |= assign(s.message, p.message);
    return changed;
  }

  const problem* blocker = nullptr;
  for (const problem& p : in.problems)
    if (p.blocks_ready && !blocker) blocker = &p;

  std::string message;   // the status message
  if (blocker) {
    changed |= set(s.conditions, condition_ready, false, blocker->reason, blocker->message, gen, now);
    changed |= set(s.conditions, condition_progressing, false, blocker->reason, blocker->message, gen, now);
    changed |= assign(s.state, "Pending");
    message = blocker->message;
  } else if (r.done) {
    changed |= set(s.conditions, condition_ready, true, reasons::available, r.message, gen, now);
    changed |= set(s.conditions, condition_progressing, false, reasons::available, r.message, gen, now);
    changed |= assign(s.state, "Running");
    message = std::move(r.message);
  } else {
    changed |= set(s.conditions, condition_ready, false, reasons::rolling_out, r.message, gen, now);
    changed |= set(s.conditions, condition_progressing, true, reasons::rolling_out, r.message, gen, now);
    changed |= assign(s.state, "Creating");
    message = std::move(r.message);
  }

  if (in.problems.empty()) {
    changed |= set(s.conditions, condition_degraded, false, reasons::as_expected, "", gen, now);
  } else {
    std::string problems;
    for (const problem& p : in.problems) {
      if (!problems.empty()) problems += "; ";
      problems += p.message;
    }
    if (!blocker) message += "; " + problems;
    changed |= set(s.conditions, condition_degraded, true, in.problems.front().reason, problems, gen, now);
  }
  changed |= assign(s.message, std::move(message));
  return changed;
}

api::habitat_status compute_status(const status_inputs& in, const api::habitat_status& observed, instant now) {
  api::habitat_status s = observed;
  update_status(in, s, now);
  return s;
}

}  // namespace habop::reconcile
