// Time as a value: libhabop never reads a clock, the shell passes `now` in.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace habop {

/// A point in time, microseconds since the Unix epoch (UTC).
struct instant {
  std::int64_t unix_micros = 0;
  auto operator<=>(const instant&) const = default;
  static constexpr instant from_seconds(std::int64_t s) { return instant{s * 1'000'000}; }
};

/// `2024-01-01T00:00:00Z` (second precision, as Kubernetes writes metav1.Time).
std::string to_rfc3339(instant t);
/// `2024-01-01T00:00:00.000000Z` (microsecond precision, as Kubernetes writes metav1.MicroTime).
std::string to_rfc3339_micro(instant t);
/// Parses RFC 3339 with optional fraction and `Z` or `±hh:mm` offset; nullopt when malformed.
std::optional<instant> parse_rfc3339(std::string_view text);

}  // namespace habop
