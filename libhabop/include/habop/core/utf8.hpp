// UTF-8 validation and cutting: Kubernetes strings are UTF-8, and text that is not must be rejected where it enters.
#pragma once

#include <cstddef>
#include <string_view>

namespace habop {

/// Length of the valid UTF-8 sequence starting at `s[i]` (1–4), or 0 when the bytes there are not valid UTF-8
/// (bad lead byte, truncated sequence, overlong form, surrogate, or beyond U+10FFFF). `i` must be < `s.size()`.
inline std::size_t utf8_sequence(std::string_view s, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  const std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k)
    if ((b(i + k) & 0xc0) != 0x80) return 0;
  if (n == 2 && c < 0xc2) return 0;                                       // overlong
  if (n == 3 && c == 0xe0 && b(i + 1) < 0xa0) return 0;                   // overlong
  if (n == 3 && c == 0xed && b(i + 1) >= 0xa0) return 0;                  // surrogate
  if (n == 4 && ((c == 0xf0 && b(i + 1) < 0x90) || c > 0xf4 || (c == 0xf4 && b(i + 1) >= 0x90))) return 0;
  return n;
}

/// Offset of the first byte of `s` that does not start a valid UTF-8 sequence; `npos` when all of `s` is valid.
inline std::size_t find_invalid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t n = utf8_sequence(s, i);
    if (n == 0) return i;
    i += n;
  }
  return std::string_view::npos;
}

/// The longest prefix of `s` of at most `max_bytes` that does not end inside a multi-byte sequence, so that text
/// cut for a message stays UTF-8 (Go's decoders would turn a split character into U+FFFD).
inline std::string_view utf8_prefix(std::string_view s, std::size_t max_bytes) {
  if (s.size() <= max_bytes) return s;
  std::size_t end = max_bytes;
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xc0) == 0x80) --end;   // s[end] continues a sequence
  return s.substr(0, end);
}

}  // namespace habop
