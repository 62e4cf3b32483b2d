// The Habitat's status from what was observed: observedGeneration, replica counts, conditions, state and message.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include <habop/api/habitat.hpp>
#include <habop/core/time.hpp>
#include <habop/reconcile/snapshot.hpp>

namespace habop::reconcile {

/// Condition reasons a person can act on. Each says what is wrong; the condition's message says what to do.
namespace reasons {
inline constexpr const char* invalid_spec = "InvalidSpec";                 ///< Fix the fields the message lists.
inline constexpr const char* unsupported_version = "UnsupportedVersion";   ///< Set `customVersion: v1beta2`.
inline constexpr const char* secret_not_found = "SecretNotFound";          ///< Create the Secret the message names.
inline constexpr const char* service_account_not_found = "ServiceAccountNotFound";   ///< Create the one named.
inline constexpr const char* immutable_field_changed = "ImmutableFieldChanged";   ///< Delete with --cascade=orphan.
inline constexpr const char* owner_conflict = "OwnerConflict";             ///< An object habop needs is someone else's.
/// An object habop needs is still the deleted Habitat of the same name's: the garbage collector deletes it.
inline constexpr const char* waiting_for_garbage_collection = "WaitingForGarbageCollection";
inline constexpr const char* insufficient_members = "InsufficientMembers"; ///< A leader topology needs count ≥ 3.
inline constexpr const char* available = "Available";                      ///< Every member is up to date and ready.
inline constexpr const char* rolling_out = "RollingOut";                   ///< Waiting for members to be updated/ready.
inline constexpr const char* scaling_down = "ScalingDown";                 ///< Members kept are ready; others leave.
inline constexpr const char* as_expected = "AsExpected";                   ///< Nothing is degraded.
}  // namespace reasons

/// A problem that degrades the Habitat (condition `Degraded=True`), in priority order of reporting.
struct problem {
  std::string reason;
  std::string message;
  bool blocks_ready = false;    ///< Also makes `Ready=False` with this reason (the workload cannot be right).
  bool operator==(const problem&) const = default;
};

/// What the status is computed from.
struct status_inputs {
  std::int64_t generation = 0;
  /// `status.selector`: the label selector of the Habitat's pods.
  std::string selector;
  std::int32_t count = 0;
  /// The observed StatefulSet, or nullptr.
  const boost::json::object* stateful_set = nullptr;
  /// The plan writes the StatefulSet's spec: whatever its status says is about to be out of date.
  bool stateful_set_changing = false;
  /// That write only lowers `spec.replicas`: the members kept (ordinals below `count`) are not touched, so a
  /// Habitat whose kept members are ready stays Ready while the others leave (graceful termination takes a while).
  bool stateful_set_scaling_down = false;
  /// The Habitat's pods (label `habitat-name`), read for which members a scale-down keeps; may be null.
  const std::vector<object_ptr>* pods = nullptr;
  /// Set for an invalid Habitat (reason InvalidSpec or UnsupportedVersion): everything else is ignored.
  std::optional<problem> invalid;
  std::vector<problem> problems;
  /// Why the Habitat waits without anything being wrong (an object a deleted Habitat of the same name left, which
  /// the garbage collector deletes): `Ready=False` and `Progressing=True` with reason WaitingForGarbageCollection,
  /// unless a problem blocks readiness. Not a problem: `Degraded` stays as the problems make it.
  std::vector<std::string> waiting;
};

/// The new status. Conditions keep their `lastTransitionTime` from `observed` unless their status changes.
api::habitat_status compute_status(const status_inputs& in, const api::habitat_status& observed, instant now);

/// `compute_status` in place: makes `status`, as observed, the new status, and tells whether that changed it
/// (whether `compute_status(in, observed, now) != observed`). Reconcile's way: nothing is copied when nothing changes.
bool update_status(const status_inputs& in, api::habitat_status& status, instant now);

}  // namespace habop::reconcile
