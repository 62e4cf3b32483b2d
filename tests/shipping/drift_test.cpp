// The checked-in CRD (deploy/crd) is what `habop crd` prints, and docs/habitat-fields.md is the generated field
// reference: both are regenerated, never edited by hand.
#include <habop/cli/cli.hpp>

#include <sstream>

#include <habop/api/schema.hpp>

#include "golden.hpp"

namespace {

// The binary, not ctest -R: CTest names tests by their Catch2 test case.
constexpr const char* regenerate = "HABOP_UPDATE_GOLDEN=1 build/bin/shipping_drift_test";

}  // namespace

TEST_CASE("deploy/crd/habitats.habitat.sh.yaml is exactly what `habop crd` prints", "[shipping][drift]") {
  std::istringstream in;
  std::ostringstream out;
  std::ostringstream err;
  REQUIRE(habop::cli::run({"crd"}, in, out, err) == habop::cli::exit_ok);
  CHECK(err.str().empty());
  habop::shipping::check_golden("deploy/crd/habitats.habitat.sh.yaml", out.str(),
                                "build/bin/habop crd > deploy/crd/habitats.habitat.sh.yaml (or " +
                                    std::string(regenerate) + ")");
}

TEST_CASE("docs/habitat-fields.md is the generated field reference", "[shipping][drift]") {
  const std::string header =
      "<!-- Generated from habop::api::field_reference_markdown(); do not edit.\n"
      "     Regenerate: " + std::string(regenerate) + " -->\n\n";
  habop::shipping::check_golden("docs/habitat-fields.md", header + habop::api::field_reference_markdown(),
                                regenerate);
}
