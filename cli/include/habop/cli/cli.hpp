// The `habop` command line (render, validate, crd) as a function of arguments and streams, so tests run it
// in-process; main() only forwards to it.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace habop::cli {

/// Exit codes, as documented in `habop --help`.
inline constexpr int exit_ok = 0;
inline constexpr int exit_failure = 1;   ///< Invalid manifest, unreadable file, no Habitat found.
inline constexpr int exit_usage = 2;     ///< Unknown command or flag, missing argument.

/// Runs `habop <args...>` (`args` excludes the program name), reading `-f -` from `in`. Results go to `out`,
/// notes and errors to `err`. Never throws; returns one of the exit codes above.
int run(const std::vector<std::string>& args, std::istream& in, std::ostream& out, std::ostream& err);

}  // namespace habop::cli
