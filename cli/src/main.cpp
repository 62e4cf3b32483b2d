// The `habop` executable: forwards to habop::cli::run.
#include <iostream>
#include <string>
#include <vector>

#include <habop/cli/cli.hpp>

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return habop::cli::run(args, std::cin, std::cout, std::cerr);
}
