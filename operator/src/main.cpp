// habitat-operator: parses the flags (Go `flag` syntax, like the original) and runs the operator.
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include <habop/operator/flags.hpp>
#include <habop/operator/runtime.hpp>

int main(int argc, char** argv) {
  std::vector<std::string_view> args(argv + 1, argv + argc);
  auto options = habop::op::parse_flags(args);
  if (!options) {
    std::fprintf(stderr, "habitat-operator: %s\n\n%s", habop::describe(options.error()).c_str(),
                 habop::op::usage().c_str());
    return 2;
  }
  if (options->help) {
    std::fputs(habop::op::usage().c_str(), stdout);
    return 0;
  }
  return habop::op::run_operator(*options);
}
