// Approval-style comparison of generated text with a checked-in file, with an explicit switch to re-approve.
#pragma once

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>

namespace habop::shipping {

/// The source tree root, baked in at configure time so the tests run from any directory.
inline std::string source_path(const std::string& relative) { return std::string(HABOP_SOURCE_DIR) + "/" + relative; }

/// Reads a whole file; empty when it does not exist.
inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

/// Requires the checked-in file at `relative` to equal `generated`. With HABOP_UPDATE_GOLDEN=1 in the
/// environment the file is rewritten instead (run once, then read `git diff` before committing).
inline void check_golden(const std::string& relative, const std::string& generated, const std::string& how_to) {
  const std::string path = source_path(relative);
  if (const char* update = std::getenv("HABOP_UPDATE_GOLDEN"); update != nullptr && std::string(update) == "1") {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << generated;
    WARN("rewrote " << relative);
    return;
  }
  const std::string checked_in = read_text(path);
  INFO(relative << " is out of date; regenerate it with: " << how_to);
  REQUIRE(checked_in == generated);
}

}  // namespace habop::shipping
