// Kubernetes resource.Quantity syntax, scanned by hand so that any input length is safe (no regex recursion).
#include <habop/api/quantity.hpp>

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <optional>

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

// A value as apimachinery holds it once parsed: amount × 10^scale (|amount| kept below 2^126 here), and the format
// its suffix chose.
enum class format { binary_si, decimal_si, decimal_exponent };
struct decimal {
  __int128 amount = 0;
  int scale = 0;
  format fmt = format::decimal_si;
};

constexpr __int128 amount_limit = static_cast<__int128>(1) << 100;   // room to multiply by 1024 or 100 safely

bool times(__int128& a, __int128 factor) {
  if (a > amount_limit / factor) return false;
  a *= factor;
  return true;
}

// apimachinery's ParseQuantity: the suffix's base and exponent applied exactly, then rounded up to nano (scale -9).
std::optional<decimal> parse(std::string_view q) {
  if (!scan_quantity(q).valid) return std::nullopt;
  std::size_t i = 0;
  const bool negative = q[i] == '-';
  if (q[i] == '+' || q[i] == '-') ++i;
  decimal d;
  bool fraction = false;
  for (; i < q.size() && (is_digit(q[i]) || q[i] == '.'); ++i) {
    if (q[i] == '.') {
      fraction = true;
      continue;
    }
    if (!times(d.amount, 10)) return std::nullopt;
    d.amount += q[i] - '0';
    if (fraction && --d.scale < -40) return std::nullopt;   // far below nano: not worth rounding here
  }
  const std::string_view suffix = q.substr(i);
  static constexpr std::string_view binary = "KMGTPE", decimal_letters = "numkMGTPE";
  static constexpr std::array<int, 9> decimal_exponents{-9, -6, -3, 3, 6, 9, 12, 15, 18};
  if (suffix.size() == 2 && suffix[1] == 'i') {   // Ki .. Ei: 2^(10 k)
    d.fmt = format::binary_si;
    for (std::size_t k = 0; k <= binary.find(suffix[0]); ++k)
      if (!times(d.amount, 1024)) return std::nullopt;
  } else if (suffix.size() == 1) {
    d.scale += decimal_exponents[decimal_letters.find(suffix[0])];
  } else if (!suffix.empty()) {   // e<exponent>
    d.fmt = format::decimal_exponent;
    int exponent = 0;
    std::size_t j = 1;
    const bool negative_exponent = suffix[j] == '-';
    if (suffix[j] == '+' || suffix[j] == '-') ++j;
    for (; j < suffix.size(); ++j) {
      exponent = exponent * 10 + (suffix[j] - '0');
      if (exponent > 30) return std::nullopt;
    }
    d.scale += negative_exponent ? -exponent : exponent;
  }
  if (d.scale < -9) {   // round up (away from zero) to nano
    __int128 divisor = 1;
    for (int k = d.scale; k < -9; ++k)
      if (!times(divisor, 10)) return std::nullopt;
    d.amount = d.amount / divisor + (d.amount % divisor != 0 ? 1 : 0);
    d.scale = -9;
  }
  // apimachinery caps values at 2^63 - 1; such values are not worth a cap here, only leaving alone.
  __int128 whole = d.amount;
  for (int k = d.scale; k < 0; ++k) whole /= 10;
  for (int k = 0; k < d.scale; ++k)
    if (!times(whole, 10)) return std::nullopt;
  if (whole > static_cast<__int128>(INT64_MAX)) return std::nullopt;
  if (negative) d.amount = -d.amount;
  return d;
}

std::string digits(__int128 v) {
  if (v == 0) return "0";
  const bool negative = v < 0;
  std::string out;
  for (; v != 0; v /= 10) out.insert(out.begin(), static_cast<char>('0' + (negative ? -(v % 10) : v % 10)));
  return negative ? "-" + out : out;
}

// A JSON number with a fraction, which Boost.JSON keeps as a double, as the text kube-apiserver's
// Quantity.UnmarshalJSON parses for it: Go's encoding/json form of a float64 (strconv.FormatFloat, shortest round
// trip, fixed notation except below 1e-6 and from 1e21). kubectl re-encodes YAML and JSON numbers that way, and the
// API server a custom resource's, so it is what the Habitat held and what a Pod written with the same number gets:
// `0.5` is 500m, `1e3` (sent as 1000) is 1k, `1.5e9` (sent as 1500000000) is 1500M, `1e-7` stays an exponent.
std::string go_float_text(double v) {
  std::array<char, 64> buf{};   // the longest fixed form is 21 digits, or 0.000001 and 17 digits
  const double magnitude = std::fabs(v);
  const auto format = magnitude != 0 && (magnitude < 1e-6 || magnitude >= 1e21) ? std::chars_format::scientific
                                                                                : std::chars_format::fixed;
  const auto written = std::to_chars(buf.data(), buf.data() + buf.size(), v, format);
  return std::string(buf.data(), written.ptr);
}

}  // namespace

std::string canonical(std::string_view q) {
  auto parsed = parse(q);
  if (!parsed) return std::string(q);
  decimal d = *parsed;
  if (d.amount == 0) return "0";
  // apimachinery's CanonicalizeBytes: binary SI only for whole values of at least 1024 (else decimal SI).
  if (d.fmt == format::binary_si) {
    __int128 whole = d.amount;
    bool exact = true;
    for (int k = d.scale; k < 0; ++k) {
      exact = exact && whole % 10 == 0;
      whole /= 10;
    }
    for (int k = 0; k < d.scale; ++k)
      if (!times(whole, 10)) return std::string(q);
    if (exact && (whole >= 1024 || whole <= -1024)) {
      static constexpr std::array<std::string_view, 7> suffixes{"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
      std::size_t k = 0;
      while (k + 1 < suffixes.size() && whole % 1024 == 0) {
        whole /= 1024;
        ++k;
      }
      return digits(whole) + std::string(suffixes[k]);
    }
    d.fmt = format::decimal_si;
  }
  // Every factor of 10 into the scale, then the scale down to a multiple of 3.
  while (d.amount % 10 == 0) {
    d.amount /= 10;
    ++d.scale;
  }
  while (d.scale % 3 != 0) {
    if (!times(d.amount, 10)) return std::string(q);
    --d.scale;
  }
  if (d.fmt == format::decimal_exponent) return digits(d.amount) + (d.scale == 0 ? "" : "e" + std::to_string(d.scale));
  static constexpr std::array<std::string_view, 10> suffixes{"n", "u", "m", "", "k", "M", "G", "T", "P", "E"};
  if (d.scale < -9 || d.scale > 18) return std::string(q);   // apimachinery has no suffix for these either
  return digits(d.amount) + std::string(suffixes[static_cast<std::size_t>((d.scale + 9) / 3)]);
}

void canonicalize_list(boost::json::object& list) {
  for (auto& kv : list) {
    boost::json::value& v = kv.value();
    if (v.is_string()) v = canonical(v.get_string());
    else if (v.is_int64()) v = canonical(std::to_string(v.get_int64()));
    else if (v.is_uint64()) v = canonical(std::to_string(v.get_uint64()));
    else if (v.is_double() && std::isfinite(v.get_double())) v = canonical(go_float_text(v.get_double()));
  }
}

void canonicalize_requirements(boost::json::object& requirements) {
  for (const char* key : {"limits", "requests"})
    if (boost::json::value* list = requirements.if_contains(key); list && list->is_object())
      canonicalize_list(list->get_object());
}

bool is_valid(std::string_view q) { return scan_quantity(q).valid; }

bool is_positive(std::string_view q) {
  const scan s = scan_quantity(q);
  return s.valid && !s.negative && s.nonzero;
}

}  // namespace habop::api::quantity
