// Condition upsert with metav1.Condition transition-time semantics.
#include <habop/reconcile/conditions.hpp>

#include <algorithm>

namespace habop::reconcile {

const api::condition* find_condition(const std::vector<api::condition>& conditions, std::string_view type) {
  auto it = std::find_if(conditions.begin(), conditions.end(), [&](const api::condition& c) { return c.type == type; });
  return it == conditions.end() ? nullptr : &*it;
}

bool set_condition(std::vector<api::condition>& conditions, api::condition c, instant now) {
  auto it = std::find_if(conditions.begin(), conditions.end(), [&](const api::condition& x) { return x.type == c.type; });
  if (it == conditions.end()) {
    c.last_transition_time = to_rfc3339(now);
    conditions.push_back(std::move(c));
    return true;
  }
  if (it->status != c.status || it->last_transition_time.empty()) {
    c.last_transition_time = to_rfc3339(now);
  } else {
    c.last_transition_time = it->last_transition_time;
  }
  if (*it == c) return false;
  *it = std::move(c);
  return true;
}

bool has_condition(const std::vector<api::condition>& conditions, std::string_view type, std::string_view status,
                   std::string_view reason, std::string_view message, std::optional<std::int64_t> generation) {
  const api::condition* c = find_condition(conditions, type);
  return c && c->status == status && c->reason == reason && c->message.find(message) != std::string::npos &&
         (!generation || c->observed_generation == *generation);
}

bool reports_problem(const std::vector<api::condition>& conditions, std::string_view message) {
  const api::condition* c = find_condition(conditions, "Degraded");
  return c && c->status == "True" && c->message.find(message) != std::string::npos;
}

}  // namespace habop::reconcile
