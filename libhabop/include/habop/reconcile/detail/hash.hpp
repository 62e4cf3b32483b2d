// The hashing primitives of the rendered-hash stamp (fingerprint.hpp), shared by its inputs and observed hashes.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

#include <boost/json/value.hpp>

namespace habop::reconcile::detail {

/// splitmix64's finaliser: every input bit reaches every output bit.
inline std::uint64_t mix(std::uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

inline std::uint64_t combine(std::uint64_t h, std::uint64_t v) {
  return mix(h ^ (v + 0x9e3779b97f4a7c15ull + (h << 6)));
}

/// The bytes folded a word at a time (one multiply-xorshift per word), without the final mix: for callers that mix
/// the result again. No variable-length copy or byte loop: the tail is the last 8 bytes (overlapping), or a short
/// string's bytes as a zero-extended little-endian word read in at most three loads.
inline std::uint64_t fold_bytes(std::string_view s, std::uint64_t seed) {
  const char* p = s.data();
  const std::size_t n = s.size();
  std::uint64_t h = seed ^ (n * 0x9e3779b97f4a7c15ull);
  auto step = [&h](std::uint64_t w) {
    h = (h ^ w) * 0xbf58476d1ce4e5b9ull;
    h ^= h >> 31;
  };
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t w;
    std::memcpy(&w, p + i, 8);
    step(w);
  }
  if (i < n) {
    std::uint64_t w = 0;
    if (n >= 8) {
      std::memcpy(&w, p + n - 8, 8);
    } else if (n >= 4) {   // the n bytes little-endian, from two overlapping 4-byte reads (overlap ORs equal bytes)
      std::uint32_t lo, hi;
      std::memcpy(&lo, p, 4);
      std::memcpy(&hi, p + n - 4, 4);
      w = lo | (static_cast<std::uint64_t>(hi) << (8 * (n - 4)));
    } else {   // 1 to 3 bytes: first, middle and last
      auto byte = [p](std::size_t k) {
        return static_cast<std::uint64_t>(static_cast<unsigned char>(p[k])) << (8 * k);
      };
      w = byte(0) | byte(n / 2) | byte(n - 1);
    }
    step(w);
  }
  return h;
}

/// `fold_bytes` fully mixed; `seed` tells what the bytes are (a string, a member name).
inline std::uint64_t hash_bytes(std::string_view s, std::uint64_t seed) { return mix(fold_bytes(s, seed)); }

/// What a hashed node is, so that e.g. `"1"` and `1` never hash alike.
enum hash_tag : std::uint64_t { t_null = 1, t_bool, t_number, t_double, t_string, t_array, t_object, t_member };

/// Member order-independent hash of any JSON value; integral numbers hash alike whatever their representation.
std::uint64_t hash_value(const boost::json::value& v);

/// One member's contribution to its object's sum.
inline std::uint64_t hash_member(std::string_view key, std::uint64_t value) {
  return combine(fold_bytes(key, t_member), value);
}

/// An object's hash from the sum of its members' contributions.
inline std::uint64_t hash_object_sum(std::uint64_t sum) { return combine(t_object, sum); }

}  // namespace habop::reconcile::detail
