// Kubernetes resource.Quantity syntax, scanned by hand so that any input length is safe (no regex recursion).
#include <habop/api/quantity.hpp>

namespace habop::api::quantity {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

struct scan {
  bool valid = false;
  bool negative = false;
  bool nonzero = false;   ///< Some mantissa digit is not 0.
};

// <quantity> ::= <sign><number><suffix>; <number> ::= digits | digits.digits | digits. | .digits;
// <suffix> ::= Ki|Mi|Gi|Ti|Pi|Ei | n|u|m|""|k|M|G|T|P|E | (e|E)<sign><digits>  (apimachinery quantity.go).
scan scan_quantity(std::string_view q) {
  scan out;
  std::size_t i = 0;
  if (i < q.size() && (q[i] == '+' || q[i] == '-')) out.negative = q[i++] == '-';
  std::size_t int_digits = 0, frac_digits = 0;
  for (; i < q.size() && is_digit(q[i]); ++i, ++int_digits) out.nonzero |= q[i] != '0';
  if (i < q.size() && q[i] == '.') {
    ++i;
    for (; i < q.size() && is_digit(q[i]); ++i, ++frac_digits) out.nonzero |= q[i] != '0';
  }
  if (int_digits + frac_digits == 0) return out;
  std::string_view suffix = q.substr(i);
  if (suffix.empty()) {
    out.valid = true;
  } else if (suffix.size() == 2 && suffix[1] == 'i') {
    out.valid = std::string_view("KMGTPE").find(suffix[0]) != std::string_view::npos;
  } else if (suffix.size() == 1) {
    out.valid = std::string_view("numkMGTPE").find(suffix[0]) != std::string_view::npos;
  } else if (suffix[0] == 'e' || suffix[0] == 'E') {
    std::size_t j = 1;
    if (j < suffix.size() && (suffix[j] == '+' || suffix[j] == '-')) ++j;
    if (j == suffix.size()) return out;
    for (; j < suffix.size(); ++j)
      if (!is_digit(suffix[j])) return out;
    out.valid = true;
  }
  return out;
}

}  // namespace

bool is_valid(std::string_view q) { return scan_quantity(q).valid; }

bool is_positive(std::string_view q) {
  const scan s = scan_quantity(q);
  return s.valid && !s.negative && s.nonzero;
}

}  // namespace habop::api::quantity
