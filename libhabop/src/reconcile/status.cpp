// Status computation: conditions Ready/Progressing/Degraded and the original's state/message from observed state.
#include <habop/reconcile/status.hpp>

#include <algorithm>
#include <string_view>
#include <utility>

#include <habop/core/utf8.hpp>
#include <habop/reconcile/conditions.hpp>
#include <habop/reconcile/detail/json_access.hpp>
#include <habop/reconcile/peers.hpp>

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
  bool scaling_down = false;   ///< Done for the members kept; more are running than wanted.
  bool keep = false;           ///< Not known yet: leave Ready and Progressing as the last reconcile set them.
};

// Whether `pod` is a member the Habitat keeps: named `<statefulset>-<ordinal>`, ordinal below `count`, not leaving.
bool kept_member(const status_inputs& in, const boost::json::object& pod) {
  using namespace detail;
  const std::string_view sts_name = member_string(member_object(in.stateful_set, "metadata"), "name");
  const boost::json::object* meta = member_object(&pod, "metadata");
  const std::string_view name = member_string(meta, "name");
  if (sts_name.empty() || !name.starts_with(sts_name) || name.size() < sts_name.size() + 2 ||
      name[sts_name.size()] != '-')
    return false;
  const std::string_view digits = name.substr(sts_name.size() + 1);
  std::int64_t ordinal = 0;
  bool numeric = digits.size() <= 9;
  for (char c : digits) {
    numeric = numeric && c >= '0' && c <= '9';
    ordinal = ordinal * 10 + (c - '0');
  }
  return numeric && ordinal < in.count && !has_member(meta, "deletionTimestamp");
}

// How many members a scale-down keeps are ready and (when the controller reports one) at the StatefulSet's update
// revision.
std::int32_t kept_members_ready(const status_inputs& in) {
  using namespace detail;
  if (!in.pods) return 0;
  const std::string_view revision = member_string(member_object(in.stateful_set, "status"), "updateRevision");
  std::int32_t ready = 0;
  for (const auto& pod : *in.pods) {
    if (!kept_member(in, *pod)) continue;
    const boost::json::object* meta = member_object(pod.get(), "metadata");
    if (!revision.empty() && member_string(member_object(meta, "labels"), "controller-revision-hash") != revision)
      continue;
    if (pod_ready(*pod)) ++ready;
  }
  return ready;
}

// Why the kubelet or the scheduler cannot run a member, when it needs a person: a container waiting for one of
// these reasons, or no node fitting the pod. Other waits (ContainerCreating, PodInitializing) pass by themselves.
constexpr std::string_view stuck_waiting_reasons[] = {
    "ImagePullBackOff",  "ErrImagePull",          "ErrImageNeverPull",    "InvalidImageName",
    "CrashLoopBackOff",  "CreateContainerConfigError", "CreateContainerError", "RunContainerError"};

struct member_trouble {
  std::string reason;
  std::string message;   ///< The first such pod's message from the kubelet or scheduler.
  std::vector<std::string_view> pods;
};

// `pod`'s trouble: the first stuck container (init containers first, as they run first), else Unschedulable.
std::optional<std::pair<std::string_view, std::string_view>> trouble_of(const boost::json::object& pod) {
  using namespace detail;
  const boost::json::object* status = member_object(&pod, "status");
  for (const char* list : {"initContainerStatuses", "containerStatuses"}) {
    const boost::json::array* statuses = member_array(status, list);
    if (!statuses) continue;
    for (const auto& c : *statuses) {
      const boost::json::object* waiting = path_object(c.if_object(), {"state", "waiting"});
      const std::string_view reason = member_string(waiting, "reason");
      if (std::find(std::begin(stuck_waiting_reasons), std::end(stuck_waiting_reasons), reason) !=
          std::end(stuck_waiting_reasons))
        return std::pair{reason, member_string(waiting, "message")};
    }
  }
  if (const boost::json::array* conditions = member_array(status, "conditions")) {
    for (const auto& c : *conditions) {
      const boost::json::object* o = c.if_object();
      if (member_string(o, "type") == "PodScheduled" && member_string(o, "status") == "False" &&
          member_string(o, "reason") == "Unschedulable")
        return std::pair{std::string_view("Unschedulable"), member_string(o, "message")};
    }
  }
  return std::nullopt;
}

// The kept members in trouble, grouped by reason in order of first appearance (pods are in name order).
std::vector<member_trouble> members_in_trouble(const status_inputs& in) {
  std::vector<member_trouble> out;
  if (!in.pods) return out;
  for (const auto& pod : *in.pods) {
    if (!kept_member(in, *pod) || pod_ready(*pod)) continue;
    const auto trouble = trouble_of(*pod);
    if (!trouble) continue;
    auto it = std::find_if(out.begin(), out.end(), [&](const member_trouble& t) { return t.reason == trouble->first; });
    if (it == out.end()) it = out.insert(out.end(), {std::string(trouble->first), std::string(trouble->second), {}});
    it->pods.push_back(detail::member_string(detail::member_object(pod.get(), "metadata"), "name"));
  }
  return out;
}

// `web-0, web-1 and 2 more: ImagePullBackOff (Back-off pulling image "x")`; messages cut to stay readable.
std::string describe(const member_trouble& t) {
  constexpr std::size_t pods_named = 3, message_max = 200;
  std::string out;
  for (std::size_t i = 0; i < t.pods.size() && i < pods_named; ++i) out += (i ? ", " : "") + std::string(t.pods[i]);
  if (t.pods.size() > pods_named) out += " and " + std::to_string(t.pods.size() - pods_named) + " more";
  out += ": " + t.reason;
  if (!t.message.empty()) {
    out += " (" + std::string(utf8_prefix(t.message, message_max)) + (t.message.size() > message_max ? "…" : "") + ")";
  }
  return out;
}

// Done when the StatefulSet controller has seen the current spec and every member runs it and is ready.
// `updatedReplicas` is used rather than `currentRevision`: with OnDelete the controller never advances the latter.
rollout rollout_of(const status_inputs& in, std::int32_t& replicas, std::int32_t& ready) {
  using namespace detail;
  const boost::json::object* sts = in.stateful_set;
  const boost::json::object* st = member_object(sts, "status");
  replicas = static_cast<std::int32_t>(member_int(st, "replicas"));
  ready = static_cast<std::int32_t>(member_int(st, "readyReplicas"));
  std::string members = std::to_string(ready) + "/" + std::to_string(in.count) + " members ready";
  if (!sts) {
    // Created by this plan: say what the next reconcile, seeing it without a status yet, will say, so that a new
    // Habitat costs one status write rather than a second one to replace "not created yet".
    if (in.stateful_set_changing) return {false, "updating the StatefulSet, " + members};
    return {false, "StatefulSet not created yet"};
  }
  const bool current = member_int(st, "observedGeneration", -1) == member_int(member_object(sts, "metadata"), "generation");
  // A scale-down: this plan lowers spec.replicas, or the controller is still removing members.
  const bool shrinking = in.stateful_set_scaling_down ||
                         (!in.stateful_set_changing && member_int(member_object(sts, "spec"), "replicas", -1) == in.count &&
                          replicas > in.count);
  const bool updated = !has_member(st, "updatedReplicas") || member_int(st, "updatedReplicas") >= in.count;
  if (shrinking && updated && (current || in.stateful_set_scaling_down)) {
    const std::int32_t kept = kept_members_ready(in);
    std::string message = std::to_string(kept) + "/" + std::to_string(in.count) + " members ready, " +
                          std::to_string(std::max(replicas - in.count, 0)) + " leaving";
    if (kept >= in.count) return {true, std::move(message), true};
    return {false, std::move(message)};
  }
  // Written but not yet seen by the controller: a scale-down is judged once it is (a template change in the same
  // write was reported by the reconcile that made it); anything else is a rollout.
  if (shrinking) return {false, "updating the StatefulSet, " + members, false, true};
  if (in.stateful_set_changing || !current) return {false, "updating the StatefulSet, " + members};
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
  if (!in.selector.empty()) changed |= assign(s.selector, in.selector);

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
  std::string trouble, trouble_reason;   // members the kubelet or scheduler cannot run, while not ready
  if (blocker) {
    changed |= set(s.conditions, condition_ready, false, blocker->reason, blocker->message, gen, now);
    changed |= set(s.conditions, condition_progressing, false, blocker->reason, blocker->message, gen, now);
    changed |= assign(s.state, "Pending");
    message = blocker->message;
  } else if (!in.waiting.empty()) {
    for (const std::string& w : in.waiting) message += (message.empty() ? "" : "; ") + w;
    changed |= set(s.conditions, condition_ready, false, reasons::waiting_for_garbage_collection, message, gen, now);
    changed |= set(s.conditions, condition_progressing, true, reasons::waiting_for_garbage_collection, message, gen,
                   now);
    changed |= assign(s.state, "Creating");
  } else if (r.keep && find_condition(s.conditions, condition_ready)) {
    message = s.message;   // as the reconcile that wrote the scale-down left it
    const auto problems_at = message.find("; ");
    if (problems_at != std::string::npos) message.resize(problems_at);
  } else if (r.done) {
    changed |= set(s.conditions, condition_ready, true, reasons::available, r.message, gen, now);
    changed |= set(s.conditions, condition_progressing, r.scaling_down,
                   r.scaling_down ? reasons::scaling_down : reasons::available, r.message, gen, now);
    changed |= assign(s.state, "Running");
    message = std::move(r.message);
  } else {
    // Members the kubelet or scheduler cannot run name the reason (ImagePullBackOff...) rather than RollingOut: what
    // `kubectl get habitats` shows is then what to fix. No event: the kubelet's and scheduler's are on the pods.
    for (const member_trouble& t : members_in_trouble(in)) {
      if (trouble.empty()) trouble_reason = t.reason;
      trouble += (trouble.empty() ? "" : "; ") + describe(t);
    }
    if (!trouble.empty()) r.message += "; " + trouble;
    changed |= set(s.conditions, condition_ready, false, trouble.empty() ? reasons::rolling_out : trouble_reason,
                   r.message, gen, now);
    changed |= set(s.conditions, condition_progressing, true, reasons::rolling_out, r.message, gen, now);
    changed |= assign(s.state, "Creating");
    message = std::move(r.message);
  }

  if (in.problems.empty() && trouble.empty()) {
    changed |= set(s.conditions, condition_degraded, false, reasons::as_expected, "", gen, now);
  } else {
    std::string problems;
    for (const problem& p : in.problems) {
      if (!problems.empty()) problems += "; ";
      problems += p.message;
    }
    if (!blocker && !problems.empty()) message += "; " + problems;
    if (!trouble.empty()) problems += (problems.empty() ? "" : "; ") + trouble;
    changed |= set(s.conditions, condition_degraded, true,
                   in.problems.empty() ? trouble_reason : in.problems.front().reason, problems, gen, now);
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
