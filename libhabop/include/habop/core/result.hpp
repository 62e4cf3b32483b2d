// A small `expected<T, error>` until C++23: expected failures are values, never exceptions.
#pragma once

#include <cassert>
#include <utility>
#include <variant>

#include <habop/core/error.hpp>

namespace habop {

/// Either a value of T or a habop::error. Access with `if (r) use(*r); else report(r.error());`.
template <class T>
class [[nodiscard]] result {
 public:
  result(T value) : v_(std::in_place_index<0>, std::move(value)) {}          // NOLINT: implicit by design
  result(habop::error err) : v_(std::in_place_index<1>, std::move(err)) {}   // NOLINT: implicit by design

  bool has_value() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }

  T& value() & { assert(has_value()); return std::get<0>(v_); }
  const T& value() const& { assert(has_value()); return std::get<0>(v_); }
  T&& value() && { assert(has_value()); return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const habop::error& error() const& { assert(!has_value()); return std::get<1>(v_); }
  habop::error&& error() && { assert(!has_value()); return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, habop::error> v_;
};

/// A result with no value: success or an error.
struct ok_t { bool operator==(const ok_t&) const = default; };
using status = result<ok_t>;
inline constexpr ok_t ok{};

}  // namespace habop
