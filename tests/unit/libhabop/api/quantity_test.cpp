// quantity::is_valid and is_positive against Kubernetes resource.Quantity examples, and against the table's regexp.
#include <habop/api/quantity.hpp>

#include <catch2/catch.hpp>

#include <string>

#include <habop/api/detail/table_check.hpp>
#include <habop/api/schema.hpp>

namespace q = habop::api::quantity;

namespace {
const char* const valid_quantities[] = {"1Gi", "10Gi", "500Mi", "1", "0", "1.5", ".5", "5.", "+1", "-1", "100m",
                                        "1n", "1u", "1k", "1M", "1G", "1T", "1P", "1E", "1Ki", "1Ei", "1e3", "1E3",
                                        "1e-3", "1e+3", "0.5Gi", "2Ti", "1.0e9"};
const char* const invalid_quantities[] = {"", "Gi", "1 Gi", "1gi", "1GB", "1Gib", "1K", "1.2.3", "1e", "1e+",
                                          "1e1.5", "--1", "+", ".", "1i", "1mi", "0x10", "1,5", "1Gi ", " 1"};
}  // namespace

TEST_CASE("quantity::is_valid accepts Kubernetes quantities") {
  for (const char* s : valid_quantities) {
    INFO(s);
    CHECK(q::is_valid(s));
  }
}

TEST_CASE("quantity::is_valid rejects what Kubernetes rejects") {
  for (const char* s : invalid_quantities) {
    INFO(s);
    CHECK_FALSE(q::is_valid(s));
  }
  CHECK_FALSE(q::is_valid(std::string("1\0Gi", 4)));
  CHECK(q::is_valid(std::string(100000, '9')));  // long input is safe: a scan, not a recursive regex
}

TEST_CASE("quantity::is_positive") {
  CHECK(q::is_positive("1Gi"));
  CHECK(q::is_positive("0.001"));
  CHECK(q::is_positive("+1"));
  CHECK_FALSE(q::is_positive("0"));
  CHECK_FALSE(q::is_positive("0Gi"));
  CHECK_FALSE(q::is_positive("0.0e5"));
  CHECK_FALSE(q::is_positive("-1Gi"));
  CHECK_FALSE(q::is_positive("-0"));
  CHECK_FALSE(q::is_positive("bogus"));
}

TEST_CASE("quantity::is_valid agrees with the field table's quantity pattern") {
  const auto* row = habop::api::find_field("spec.v1beta2.persistentStorage.size");
  REQUIRE(row);
  for (const char* s : valid_quantities) CHECK(habop::api::detail::matches_pattern(*row, s));
  for (const char* s : invalid_quantities) {
    INFO(s);
    CHECK_FALSE(habop::api::detail::matches_pattern(*row, s));
  }
}
