// quantity::is_valid and is_positive against Kubernetes resource.Quantity examples, and against the table's regexp.
#include <habop/api/quantity.hpp>

#include <catch2/catch.hpp>

#include <cstdint>
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

TEST_CASE("quantity::canonical gives the form kube-apiserver stores (apimachinery's Quantity.String)") {
  using habop::api::quantity::canonical;
  // Already canonical: unchanged.
  for (const char* q : {"1Gi", "10Gi", "100Mi", "500m", "1", "2k", "1e3", "1500m", "10G", "0"}) CHECK(canonical(q) == q);
  // Binary SI: the largest power of 1024 that divides the value; below 1024 or fractional, decimal SI.
  CHECK(canonical("1024Mi") == "1Gi");
  CHECK(canonical("1.5Gi") == "1536Mi");
  CHECK(canonical("0.5Gi") == "512Mi");
  CHECK(canonical("0.5Ki") == "512");
  CHECK(canonical("2048Ki") == "2Mi");
  CHECK(canonical("1536") == "1536");
  // Decimal SI: factors of 10 moved into the suffix, the exponent a multiple of 3.
  CHECK(canonical("0.5") == "500m");
  CHECK(canonical(".5") == "500m");
  CHECK(canonical("1000m") == "1");
  CHECK(canonical("2000") == "2k");
  CHECK(canonical("1.5G") == "1500M");
  CHECK(canonical("0.1") == "100m");
  CHECK(canonical("+1") == "1");
  CHECK(canonical("5.") == "5");
  CHECK(canonical("0.000Gi") == "0");
  // Rounded up to nano units.
  CHECK(canonical("0.0000000001") == "1n");
  CHECK(canonical("1.0000000001") == "1000000001n");
  // Decimal exponent keeps its form.
  CHECK(canonical("1000e3") == "1e6");
  CHECK(canonical("1.5e3") == "1500");
  CHECK(canonical("1.5e-3") == "1500e-6");
  // Invalid or out of range: as given.
  CHECK(canonical("1GB") == "1GB");
  CHECK(canonical("") == "");
  CHECK(canonical("99999999999999999999") == "99999999999999999999");
}

TEST_CASE("quantity::canonical stays linear on long inputs of zeros") {
  using habop::api::quantity::canonical;
  const std::string zeros(200'000, '0');
  CHECK(canonical(zeros + "1Gi") == "1Gi");
  CHECK(canonical("0." + zeros + "1") == "0." + zeros + "1");   // below nano by far: left as written
  CHECK(canonical("1." + std::string(30, '0')) == "1");
}

TEST_CASE("quantity::canonicalize_list turns JSON numbers into the strings kube-apiserver stores") {
  // Integers as their digits; numbers with a fraction (doubles here) as the text Go gives a float64 (shortest round
  // trip, fixed notation from 1e-6 to 1e21): what kubectl sends and the API server keeps for `cpu: 0.5` in YAML.
  boost::json::object list{{"cpu", 0.5},          {"memory", 1.5e9},      {"int", 2000},
                           {"whole", 1000.0},     {"tenth", 0.1},         {"negative", -0.25},
                           {"micro", 0.000001},   {"tiny", 1e-7},         {"below-nano", 2.5e-10},
                           {"mixed", 123456.789}, {"string", "1024Mi"},   {"unsigned", std::uint64_t{1} << 63},
                           {"zero", 0.0},         {"bool", true}};
  q::canonicalize_list(list);
  CHECK(list.at("cpu") == "500m");
  CHECK(list.at("memory") == "1500M");
  CHECK(list.at("int") == "2k");
  CHECK(list.at("whole") == "1k");
  CHECK(list.at("tenth") == "100m");
  CHECK(list.at("negative") == "-250m");
  CHECK(list.at("micro") == "1u");
  CHECK(list.at("tiny") == "100e-9");          // "1e-07": a decimal exponent, rounded to nano units
  CHECK(list.at("below-nano") == "1e-9");      // "2.5e-10", rounded up
  CHECK(list.at("mixed") == "123456789m");
  CHECK(list.at("string") == "1Gi");
  CHECK(list.at("unsigned") == "9223372036854775808");   // past apimachinery's cap: left as written
  CHECK(list.at("zero") == "0");
  CHECK(list.at("bool") == true);   // not a quantity: the API server rejects it, habop leaves it as it is
}
