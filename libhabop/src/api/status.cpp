// HabitatStatus to and from its wire form, leniently: unknown fields are ignored.
#include <habop/api/parse.hpp>

#include <limits>
#include <optional>

#include <habop/api/detail/status.hpp>
#include <habop/json/detail/find.hpp>

namespace habop::api {
using habop::json::detail::find_member;
namespace bj = boost::json;
namespace {

// Reads optional fields, noting a cause for each known field with the wrong JSON type. The path of the object being
// read (`status` or a condition) is spelled out only for a cause.
struct reader {
  std::vector<field_cause>& causes;
  std::optional<std::size_t> condition;   ///< reading `status.conditions[condition]`, else `status`

  std::string at() const {
    return condition ? "status.conditions[" + std::to_string(*condition) + "]" : std::string("status");
  }
  void wrong(const std::string& at, const char* expected) {
    causes.push_back({at, "FieldValueTypeInvalid", std::string("must be ") + expected});
  }
  void string(const bj::object& o, std::string_view key, std::string& out) {
    const bj::value* v = find_member(o, key);
    if (!v || v->is_null()) return;
    if (v->is_string()) out.assign(v->get_string().data(), v->get_string().size());
    else wrong(at() + "." + std::string(key), "a string");
  }
  template <class Int>
  void integer(const bj::object& o, std::string_view key, Int& out) {
    const bj::value* v = find_member(o, key);
    if (!v || v->is_null()) return;
    constexpr auto lo = std::numeric_limits<Int>::min();
    constexpr auto hi = std::numeric_limits<Int>::max();
    if (v->is_int64() && v->get_int64() >= lo && v->get_int64() <= hi) out = static_cast<Int>(v->get_int64());
    else if (v->is_uint64() && v->get_uint64() <= static_cast<std::uint64_t>(hi)) out = static_cast<Int>(v->get_uint64());
    else wrong(at() + "." + std::string(key), sizeof(Int) == 4 ? "a 32-bit integer" : "a 64-bit integer");
  }
};

habitat_status read_status(const bj::value& v, std::vector<field_cause>& causes) {
  habitat_status s;
  if (v.is_null()) return s;
  if (!v.is_object()) {
    causes.push_back({"status", "FieldValueTypeInvalid", "must be an object"});
    return s;
  }
  const bj::object& o = v.get_object();
  reader r{causes, std::nullopt};
  r.integer(o, "observedGeneration", s.observed_generation);
  r.integer(o, "replicas", s.replicas);
  r.integer(o, "readyReplicas", s.ready_replicas);
  r.string(o, "state", s.state);
  r.string(o, "message", s.message);
  r.string(o, "selector", s.selector);
  const bj::value* conditions = find_member(o, "conditions");
  if (conditions && conditions->is_array()) {
    const bj::array& a = conditions->get_array();
    s.conditions.reserve(a.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
      r.condition = i;
      if (!a[i].is_object()) {
        r.wrong(r.at(), "an object");
        continue;
      }
      const bj::object& c = a[i].get_object();
      condition cond;
      r.string(c, "type", cond.type);
      r.string(c, "status", cond.status);
      r.integer(c, "observedGeneration", cond.observed_generation);
      r.string(c, "lastTransitionTime", cond.last_transition_time);
      r.string(c, "reason", cond.reason);
      r.string(c, "message", cond.message);
      s.conditions.push_back(std::move(cond));
    }
  } else if (conditions && !conditions->is_null()) {
    r.wrong("status.conditions", "an array");
  }
  return s;
}

}  // namespace

namespace detail {
habitat_status read_status_leniently(const bj::value& v) {
  std::vector<field_cause> ignored;
  return read_status(v, ignored);
}
}  // namespace detail

result<habitat_status> parse_status(const bj::value& v) {
  std::vector<field_cause> causes;
  habitat_status s = read_status(v, causes);
  if (!causes.empty()) return error{400, "BadRequest", "malformed Habitat status", std::move(causes)};
  return s;
}

bj::object to_json(const habitat_status& s) {
  bj::object o;
  o["observedGeneration"] = s.observed_generation;
  o["replicas"] = s.replicas;
  o["readyReplicas"] = s.ready_replicas;
  bj::array conditions;
  for (const auto& c : s.conditions) {
    bj::object j;
    j["type"] = c.type;
    j["status"] = c.status;
    if (c.observed_generation != 0) j["observedGeneration"] = c.observed_generation;
    j["lastTransitionTime"] = c.last_transition_time;
    j["reason"] = c.reason;
    j["message"] = c.message;
    conditions.push_back(std::move(j));
  }
  o["conditions"] = std::move(conditions);
  if (!s.state.empty()) o["state"] = s.state;
  if (!s.message.empty()) o["message"] = s.message;
  if (!s.selector.empty()) o["selector"] = s.selector;
  return o;
}

}  // namespace habop::api
