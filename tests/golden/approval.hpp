// Approval ("golden") testing: compare output with a checked-in `<name>.approved.yaml`, explain mismatches with a
// unified diff, and re-approve only when a person asks for it (HABOP_APPROVE=1).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace habop::golden {

/// The source tree's `tests/golden` directory (from the HABOP_SOURCE_DIR compile definition).
std::string golden_dir();

/// The whole file at `path`, or nullopt when it cannot be read.
std::optional<std::string> read_file(const std::string& path);

/// A unified-style diff from `expected` to `actual` (`-` lines only in expected, `+` only in actual, `context`
/// unchanged lines around each change); empty when they are equal.
std::string unified_diff(std::string_view expected, std::string_view actual, std::string_view expected_label,
                         std::string_view actual_label, int context = 3);

/// The outcome of checking one output against its approved file.
struct verdict {
  bool approved = false;   ///< Matched, or was just approved because HABOP_APPROVE=1.
  std::string report;      ///< On mismatch: the diff and what to do next.
};

/// Compares `received` with `<golden_dir>/<name>.approved.yaml`. On a mismatch writes `<name>.received.yaml`
/// beside it; with HABOP_APPROVE=1 in the environment writes the approved file instead and passes.
verdict verify(const std::string& name, const std::string& received);

}  // namespace habop::golden
