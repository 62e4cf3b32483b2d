// Protobuf wire format: a bounds-checked reader (request bodies) and a writer (OpenAPI v2 responses).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace habop::fake {

/// A cursor over protobuf wire format; every read is bounds-checked (hostile input must not crash).
struct pb_reader {
  std::string_view data;
  bool ok = true;

  bool done() const { return data.empty() || !ok; }
  std::uint64_t varint() {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (data.empty()) { ok = false; return 0; }
      auto b = static_cast<unsigned char>(data.front());
      data.remove_prefix(1);
      v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
    }
    ok = false;
    return 0;
  }
  std::string_view bytes() {
    std::uint64_t n = varint();
    if (!ok || n > data.size()) { ok = false; return {}; }
    auto out = data.substr(0, n);
    data.remove_prefix(n);
    return out;
  }
  /// Reads one field: its number and wire type, with `payload` for length-delimited fields and `number` for varints.
  bool next(std::uint32_t& field, std::uint32_t& wire, std::string_view& payload, std::uint64_t& number) {
    if (done()) return false;
    std::uint64_t key = varint();
    field = static_cast<std::uint32_t>(key >> 3);
    wire = static_cast<std::uint32_t>(key & 7);
    switch (wire) {
      case 0: number = varint(); break;
      case 2: payload = bytes(); break;
      case 1: if (data.size() < 8) ok = false; else data.remove_prefix(8); break;
      case 5: if (data.size() < 4) ok = false; else data.remove_prefix(4); break;
      default: ok = false;
    }
    return ok;
  }
};

/// Appends protobuf fields to `out`. Nested messages are encoded into their own writer and added with `message`.
struct pb_writer {
  std::string out;

  void varint(std::uint64_t v) {
    while (v >= 0x80) {
      out += static_cast<char>((v & 0x7f) | 0x80);
      v >>= 7;
    }
    out += static_cast<char>(v);
  }
  void tag(std::uint32_t field, std::uint32_t wire) { varint((static_cast<std::uint64_t>(field) << 3) | wire); }
  /// A length-delimited field (string, bytes or an encoded message); proto3 omits empty strings.
  void bytes(std::uint32_t field, std::string_view v) {
    tag(field, 2);
    varint(v.size());
    out += v;
  }
  void string(std::uint32_t field, std::string_view v) {
    if (!v.empty()) bytes(field, v);
  }
  void message(std::uint32_t field, const pb_writer& m) { bytes(field, m.out); }
  /// A varint field, written even when zero (as gogo-protobuf writes k8s's non-pointer integers).
  void integer(std::uint32_t field, std::int64_t v) {
    tag(field, 0);
    varint(static_cast<std::uint64_t>(v));
  }
  void boolean(std::uint32_t field, bool v) {
    if (!v) return;
    tag(field, 0);
    varint(1);
  }
};

}  // namespace habop::fake
