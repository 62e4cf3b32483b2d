#include <habop/core/time.hpp>

#include <catch2/catch.hpp>

using habop::instant;

TEST_CASE("RFC 3339 formatting at second and microsecond precision") {
  CHECK(habop::to_rfc3339(instant{0}) == "1970-01-01T00:00:00Z");
  CHECK(habop::to_rfc3339(instant::from_seconds(1704067200)) == "2024-01-01T00:00:00Z");
  CHECK(habop::to_rfc3339_micro(instant{1704067200'000'000 + 42}) == "2024-01-01T00:00:00.000042Z");
}

TEST_CASE("RFC 3339 parsing accepts fractions and offsets and rejects garbage") {
  CHECK(habop::parse_rfc3339("2024-01-01T00:00:00Z") == instant::from_seconds(1704067200));
  CHECK(habop::parse_rfc3339("2024-01-01T01:00:00+01:00") == instant::from_seconds(1704067200));
  CHECK(habop::parse_rfc3339("2024-01-01T00:00:00.5Z") == instant{1704067200'500'000});
  CHECK_FALSE(habop::parse_rfc3339("2024-13-01T00:00:00Z"));
  CHECK_FALSE(habop::parse_rfc3339("yesterday"));
  CHECK_FALSE(habop::parse_rfc3339("2024-01-01T00:00:00"));
}
