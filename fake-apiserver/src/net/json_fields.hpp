// Lenient member reads for the simulation, which reads objects any client may have written.
#pragma once

#include <string>
#include <string_view>

#include <boost/json/object.hpp>

namespace habop::fake {

/// The member object `key`, or an empty object when it is missing or not an object.
inline const boost::json::object& object_or_empty(const boost::json::object& o, std::string_view key) {
  static const boost::json::object empty;
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_object() ? v->get_object() : empty;
}

/// The member string `key`, or "" when it is missing or not a string.
inline std::string str(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

}  // namespace habop::fake
