// Not API: tolerant accessors for objects as the API server serves them (a missing or mistyped member reads as empty).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string_view>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <habop/json/detail/find.hpp>

namespace habop::reconcile::detail {
using habop::json::detail::find_member;

/// The object at `key`, or nullptr when absent or not an object.
inline const boost::json::object* member_object(const boost::json::object* o, std::string_view key) {
  if (!o) return nullptr;
  const boost::json::value* v = find_member(*o, key);
  return v && v->is_object() ? &v->get_object() : nullptr;
}

/// The object at a path of keys, or nullptr.
inline const boost::json::object* path_object(const boost::json::object* o, std::initializer_list<std::string_view> keys) {
  for (std::string_view k : keys) o = member_object(o, k);
  return o;
}

/// The string at `key`, or "" when absent or not a string.
inline std::string_view member_string(const boost::json::object* o, std::string_view key) {
  if (!o) return {};
  const boost::json::value* v = find_member(*o, key);
  return v && v->is_string() ? std::string_view(v->get_string()) : std::string_view{};
}

/// The array at `key`, or nullptr.
inline const boost::json::array* member_array(const boost::json::object* o, std::string_view key) {
  if (!o) return nullptr;
  const boost::json::value* v = find_member(*o, key);
  return v && v->is_array() ? &v->get_array() : nullptr;
}

/// The integer at `key` (int64, uint64 or integral double), or `fallback`.
inline std::int64_t member_int(const boost::json::object* o, std::string_view key, std::int64_t fallback = 0) {
  if (!o) return fallback;
  const boost::json::value* v = find_member(*o, key);
  if (!v) return fallback;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64()) return static_cast<std::int64_t>(v->get_uint64());
  if (v->is_double()) return static_cast<std::int64_t>(v->get_double());
  return fallback;
}

/// Whether `key` is present with a non-null value.
inline bool has_member(const boost::json::object* o, std::string_view key) {
  if (!o) return false;
  const boost::json::value* v = find_member(*o, key);
  return v && !v->is_null();
}

}  // namespace habop::reconcile::detail
