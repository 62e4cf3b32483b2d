// Human-readable rendering of habop::error.
#include <habop/core/error.hpp>

namespace habop {

std::string describe(const error& e) {
  std::string out = e.message;
  for (const auto& c : e.causes) {
    if (!out.empty()) out += '\n';
    out += c.field.empty() ? c.message : c.field + ": " + c.message;
  }
  return out;
}

}  // namespace habop
