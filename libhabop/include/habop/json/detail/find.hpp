// Not API: member lookup in a JSON object, inlined into the caller.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

#include <boost/json/object.hpp>

namespace habop::json::detail {

/// Whether the `n` bytes at `a` and `b` are equal, compared a word at a time inline (memcmp is a library call).
inline bool equal_bytes(const char* a, const char* b, std::size_t n) noexcept {
  auto load = [](const char* p, auto word) {
    std::memcpy(&word, p, sizeof word);
    return word;
  };
  if (n >= 8) {
    for (std::size_t i = 0; i + 8 < n; i += 8)
      if (load(a + i, std::uint64_t{}) != load(b + i, std::uint64_t{})) return false;
    return load(a + n - 8, std::uint64_t{}) == load(b + n - 8, std::uint64_t{});
  }
  if (n >= 4)
    return load(a, std::uint32_t{}) == load(b, std::uint32_t{}) &&
           load(a + n - 4, std::uint32_t{}) == load(b + n - 4, std::uint32_t{});
  return n == 0 || (a[0] == b[0] && a[n / 2] == b[n / 2] && a[n - 1] == b[n - 1]);
}

/// The value at `key`, or nullptr: what `o.if_contains(key)` answers (an object's keys are unique). Boost.JSON's
/// lookup is an out-of-line library call (~100 instructions, a hash of the key for larger objects); the objects
/// habop reads are small, so an inlined scan comparing lengths, then words, is several times cheaper.
inline const boost::json::value* find_member(const boost::json::object& o, std::string_view key) noexcept {
  for (const boost::json::key_value_pair& kv : o) {
    const boost::json::string_view k = kv.key();
    if (k.size() == key.size() && equal_bytes(k.data(), key.data(), key.size())) return &kv.value();
  }
  return nullptr;
}

}  // namespace habop::json::detail
