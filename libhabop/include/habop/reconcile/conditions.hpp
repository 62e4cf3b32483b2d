// metav1.Condition bookkeeping: upsert by type, with `lastTransitionTime` moving only when `status` changes.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include <habop/api/habitat.hpp>
#include <habop/core/time.hpp>

namespace habop::reconcile {

/// Condition types habop writes on every Habitat.
inline constexpr const char* condition_ready = "Ready";
inline constexpr const char* condition_progressing = "Progressing";
inline constexpr const char* condition_degraded = "Degraded";

/// The condition of that type, or nullptr.
const api::condition* find_condition(const std::vector<api::condition>& conditions, std::string_view type);

/// Upserts `c` by type, as apimachinery's `meta.SetStatusCondition`: a new type or a changed `status` takes
/// `lastTransitionTime = now`; otherwise the existing `lastTransitionTime` is kept and reason, message and
/// observedGeneration are updated in place. Returns whether anything changed.
bool set_condition(std::vector<api::condition>& conditions, api::condition c, instant now);

/// Whether `conditions` holds a condition of `type` with exactly this status and reason, a message containing
/// `message`, and (when given) computed for `generation`: the level-based test for "this was already reported",
/// used to emit an event once per transition.
bool has_condition(const std::vector<api::condition>& conditions, std::string_view type, std::string_view status,
                   std::string_view reason, std::string_view message, std::optional<std::int64_t> generation);

/// Whether a `Degraded=True` condition already reports `message` (among the problems it lists).
bool reports_problem(const std::vector<api::condition>& conditions, std::string_view message);

}  // namespace habop::reconcile
