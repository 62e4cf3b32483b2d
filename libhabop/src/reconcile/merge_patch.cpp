// Minimal merge-patch computation over the fields habop owns, and RFC 7386 application.
#include <habop/reconcile/merge_patch.hpp>

#include <cstring>

#include <habop/json/detail/find.hpp>

namespace habop::reconcile {
using habop::json::detail::find_member;
namespace bj = boost::json;
namespace {

bool is_number(const bj::value& v) { return v.is_int64() || v.is_uint64() || v.is_double(); }

bool numbers_equal(const bj::value& a, const bj::value& b) {
  if (a.is_double() || b.is_double()) {
    auto as_double = [](const bj::value& v) {
      if (v.is_double()) return v.get_double();
      if (v.is_int64()) return static_cast<double>(v.get_int64());
      return static_cast<double>(v.get_uint64());
    };
    return as_double(a) == as_double(b);
  }
  return a == b;  // Boost.JSON compares int64 with uint64 by value.
}

// Absent, null, {}, [] and "" all mean "nothing set here".
bool is_empty(const bj::value* v) {
  if (!v || v->is_null()) return true;
  if (v->is_object()) return v->get_object().empty();
  if (v->is_array()) return v->get_array().empty();
  if (v->is_string()) return v->get_string().empty();
  return false;
}

// A desired value with its "must be absent" nulls removed: what to send when the observed side has nothing.
bj::value without_nulls(const bj::value& v) {
  if (v.is_array()) {
    // A merge patch replaces arrays whole: markers inside their objects (a container's `env: null`) go too.
    bj::array out;
    out.reserve(v.get_array().size());
    for (const auto& e : v.get_array()) out.push_back(without_nulls(e));
    return out;
  }
  if (!v.is_object()) return v;
  bj::object out;
  out.reserve(v.get_object().size());
  for (const auto& kv : v.get_object())
    if (!kv.value().is_null()) out.emplace(kv.key(), without_nulls(kv.value()));
  return out;
}

// Only "must be absent" markers: `null`, or a non-empty object of such markers (e.g. `{"rollingUpdate": null}`).
bool only_absent_markers(const bj::value& v) {
  if (v.is_null()) return true;
  if (!v.is_object() || v.get_object().empty()) return false;
  for (const auto& kv : v.get_object())
    if (!only_absent_markers(kv.value())) return false;
  return true;
}

bool satisfies_ptr(const bj::value* observed, const bj::value& desired) {
  if (desired.is_null()) return is_empty(observed);
  if (!observed) return only_absent_markers(desired);
  return satisfies(*observed, desired);
}

void diff_into(const bj::object& desired, const bj::object& observed, bj::object& patch, std::string& path,
               std::vector<std::string>& changed) {
  for (const auto& kv : desired) {
    const bj::value& want = kv.value();
    const bj::value* have = find_member(observed, kv.key());
    const std::size_t mark = path.size();
    if (!path.empty()) path += '.';
    path.append(kv.key().data(), kv.key().size());
    if (want.is_object() && have && have->is_object()) {
      bj::object sub;
      diff_into(want.get_object(), have->get_object(), sub, path, changed);
      if (!sub.empty()) patch.emplace(kv.key(), std::move(sub));
    } else if (!satisfies_ptr(have, want)) {
      patch.emplace(kv.key(), without_nulls(want));
      changed.push_back(path);
    }
    path.resize(mark);
  }
}

// One 64-bit word at a time (a multiply-xorshift mix): hashing is on the converged path, byte-wise FNV was not cheap.
void mix_word(std::uint64_t& h, std::uint64_t w) {
  h ^= w;
  h *= 0x100000001b3ull;
  h ^= h >> 29;
}

void mix(std::uint64_t& h, const void* data, std::size_t n) {
  const auto* p = static_cast<const unsigned char*>(data);
  mix_word(h, n);
  for (; n >= 8; n -= 8, p += 8) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    mix_word(h, w);
  }
  if (n) {
    std::uint64_t w = 0;
    std::memcpy(&w, p, n);
    mix_word(h, w);
  }
}

void hash_into(std::uint64_t& h, const bj::value& v);

void hash_object(std::uint64_t& h, const bj::object& o) {
  mix_word(h, o.size());
  for (const auto& kv : o) {
    mix(h, kv.key().data(), kv.key().size());
    hash_into(h, kv.value());
  }
}

void hash_into(std::uint64_t& h, const bj::value& v) {
  mix_word(h, static_cast<std::uint64_t>(v.kind()));
  switch (v.kind()) {
    case bj::kind::null: break;
    case bj::kind::bool_: mix_word(h, v.get_bool()); break;
    case bj::kind::int64: mix_word(h, static_cast<std::uint64_t>(v.get_int64())); break;
    case bj::kind::uint64: mix_word(h, v.get_uint64()); break;
    case bj::kind::double_: { const double d = v.get_double(); mix(h, &d, sizeof d); break; }
    case bj::kind::string: mix(h, v.get_string().data(), v.get_string().size()); break;
    case bj::kind::array: {
      mix_word(h, v.get_array().size());
      for (const auto& e : v.get_array()) hash_into(h, e);
      break;
    }
    case bj::kind::object: hash_object(h, v.get_object()); break;
  }
}

}  // namespace

bool satisfies(const bj::value& observed, const bj::value& desired) {
  switch (desired.kind()) {
    case bj::kind::null: return is_empty(&observed);
    case bj::kind::object: {
      if (!observed.is_object()) return false;
      const auto& o = observed.get_object();
      for (const auto& kv : desired.get_object())
        if (!satisfies_ptr(find_member(o, kv.key()), kv.value())) return false;
      return true;
    }
    case bj::kind::array: {
      if (!observed.is_array()) return false;
      const auto& d = desired.get_array();
      const auto& o = observed.get_array();
      if (d.size() != o.size()) return false;
      for (std::size_t i = 0; i < d.size(); ++i)
        if (!satisfies(o[i], d[i])) return false;
      return true;
    }
    case bj::kind::int64:
    case bj::kind::uint64:
    case bj::kind::double_: return is_number(observed) && numbers_equal(observed, desired);
    default: return observed == desired;
  }
}

merge_diff diff_owned(const bj::object& desired, const bj::object& observed) {
  merge_diff out;
  std::string path;
  diff_into(desired, observed, out.patch, path, out.changed);
  return out;
}

bj::value apply_merge_patch(const bj::value& target, const bj::value& patch) {
  if (!patch.is_object()) return patch;
  bj::object result = target.is_object() ? target.get_object() : bj::object{};
  for (const auto& kv : patch.get_object()) {
    if (kv.value().is_null()) {
      result.erase(kv.key());
    } else {
      const bj::value* current = find_member(result, kv.key());
      result[kv.key()] = apply_merge_patch(current ? *current : bj::value{}, kv.value());
    }
  }
  return result;
}

std::uint64_t hash_json(const bj::value& v) {
  std::uint64_t h = 14695981039346656037ull;
  hash_into(h, v);
  return h;
}

std::uint64_t hash_json(const bj::object& o) {
  std::uint64_t h = 14695981039346656037ull;
  mix_word(h, static_cast<std::uint64_t>(bj::kind::object));
  hash_object(h, o);
  return h;
}

}  // namespace habop::reconcile
