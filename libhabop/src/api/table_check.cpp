// Walks a JSON value alongside the Habitat field table and reports every constraint it breaks, with field paths.
#include <habop/api/detail/table_check.hpp>

#include <algorithm>
#include <map>
#include <regex>

#include <boost/json/serialize.hpp>

namespace habop::api::detail {
namespace bj = boost::json;
namespace {

// std::regex recurses per character; inputs beyond this never reach it (every patterned row is shorter anyway).
constexpr std::size_t regex_input_limit = 4096;

// Length of a valid UTF-8 sequence starting at s[i], or 0 when the bytes there are not valid UTF-8.
std::size_t utf8_sequence(std::string_view s, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k)
    if ((b(i + k) & 0xc0) != 0x80) return 0;
  if (n == 2 && c < 0xc2) return 0;                                       // overlong
  if (n == 3 && c == 0xe0 && b(i + 1) < 0xa0) return 0;                   // overlong
  if (n == 3 && c == 0xed && b(i + 1) >= 0xa0) return 0;                  // surrogate
  if (n == 4 && ((c == 0xf0 && b(i + 1) < 0x90) || c > 0xf4 || (c == 0xf4 && b(i + 1) >= 0x90))) return 0;
  return n;
}

// Characters as OpenAPI's maxLength counts them (code points; an invalid byte counts as one).
std::int64_t char_count(std::string_view s) {
  std::int64_t n = 0;
  for (std::size_t i = 0; i < s.size(); ++n) {
    const std::size_t len = utf8_sequence(s, i);
    i += len == 0 ? 1 : len;
  }
  return n;
}

const char* json_kind(const bj::value& v) {
  switch (v.kind()) {
    case bj::kind::null: return "null";
    case bj::kind::bool_: return "a boolean";
    case bj::kind::int64:
    case bj::kind::uint64: return "an integer";
    case bj::kind::double_: return "a non-integer number";
    case bj::kind::string: return "a string";
    case bj::kind::array: return "an array";
    case bj::kind::object: return "an object";
  }
  return "?";
}

const char* expected_kind(field_type t) {
  switch (t) {
    case field_type::string: return "a string";
    case field_type::integer: return "an integer";
    case field_type::boolean: return "a boolean";
    case field_type::object: return "an object";
    case field_type::array: return "an array";
    case field_type::string_map: return "an object of strings";
  }
  return "?";
}

bool has_type(field_type t, const bj::value& v) {
  switch (t) {
    case field_type::string: return v.is_string();
    case field_type::integer: return v.is_int64() || v.is_uint64();
    case field_type::boolean: return v.is_bool();
    case field_type::object:
    case field_type::string_map: return v.is_object();
    case field_type::array: return v.is_array();
  }
  return false;
}

std::string enum_list(const field_spec& row) {
  std::string out;
  for (auto e : row.enum_values) out += (out.empty() ? "\"" : ", \"") + std::string(e) + "\"";
  return out;
}

// What a valid value looks like, for "required" and "invalid" messages.
std::string hint(const field_spec& row) {
  if (!row.enum_values.empty()) return "must be one of " + enum_list(row);
  if (!row.pattern.empty()) {
    auto help = pattern_help(row.pattern);
    return "must be " + (help.empty() ? "" : std::string(help) + " ") + "(regex " + std::string(row.pattern) + ")";
  }
  if (row.min_length && *row.min_length > 0) return "must not be empty";
  return {};
}

void add(std::vector<field_cause>& out, const std::string& at, const char* reason, std::string message) {
  out.push_back(field_cause{at, reason, std::move(message)});
}

std::string child_path(const std::string& at, std::string_view key) {
  return at.empty() ? std::string(key) : at + "." + std::string(key);
}

// Rows directly below `row_path`: `row_path.<name>` with no further `.` or `[`.
template <class F>
void for_each_child_row(std::string_view row_path, F&& f) {
  const std::string prefix = row_path.empty() ? "" : std::string(row_path) + ".";
  for (const auto& row : habitat_fields()) {
    if (row.path.size() <= prefix.size() || row.path.substr(0, prefix.size()) != prefix) continue;
    std::string_view name = row.path.substr(prefix.size());
    if (name.find_first_of(".[") != std::string_view::npos) continue;
    f(row, name);
  }
}

void check_string(const field_spec& row, std::string_view s, const std::string& at, std::vector<field_cause>& out) {
  if (!row.enum_values.empty()) {
    bool found = false;
    for (auto e : row.enum_values) found |= e == s;
    if (!found)
      add(out, at, "FieldValueNotSupported", "unsupported value " + quote(s) + ": supported values: " + enum_list(row));
  }
  const std::int64_t n = char_count(s);
  if (row.max_length && n > *row.max_length) {
    add(out, at, "FieldValueTooLong",
        "must have at most " + std::to_string(*row.max_length) + " characters (has " + std::to_string(n) + ")");
    return;  // the pattern is not run on over-long input
  }
  if (row.min_length && n < *row.min_length) {
    add(out, at, "FieldValueInvalid",
        *row.min_length == 1 ? std::string("must not be empty")
                             : "must have at least " + std::to_string(*row.min_length) + " characters");
    return;
  }
  if (!matches_pattern(row, s)) add(out, at, "FieldValueInvalid", "invalid value " + quote(s) + ": " + hint(row));
}

void check_integer(const field_spec& row, const bj::value& v, const std::string& at, std::vector<field_cause>& out) {
  const bool huge = v.is_uint64() && v.get_uint64() > static_cast<std::uint64_t>(INT64_MAX);
  const std::int64_t i = huge ? INT64_MAX : v.is_int64() ? v.get_int64() : static_cast<std::int64_t>(v.get_uint64());
  const std::string shown = bj::serialize(v);
  if (row.minimum && i < *row.minimum)
    add(out, at, "FieldValueInvalid",
        "invalid value " + shown + ": must be greater than or equal to " + std::to_string(*row.minimum));
  if (row.maximum && (huge || i > *row.maximum))
    add(out, at, "FieldValueInvalid",
        "invalid value " + shown + ": must be less than or equal to " + std::to_string(*row.maximum));
}

void check_array(const field_spec& row, const bj::array& a, const std::string& at, std::vector<field_cause>& out) {
  const field_spec* item = find_field(std::string(row.path) + "[]");
  std::map<std::string, std::size_t> seen;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const std::string item_at = at + "[" + std::to_string(i) + "]";
    if (item) check_value(*item, a[i], item_at, out);
    if (row.list_map_key.empty() || !a[i].is_object()) continue;
    const bj::value* key = a[i].get_object().if_contains(row.list_map_key);
    if (!key || !key->is_string()) continue;
    const std::string k(key->get_string());
    auto [it, inserted] = seen.emplace(k, i);
    if (!inserted)
      add(out, child_path(item_at, row.list_map_key), "FieldValueDuplicate",
          "duplicate value " + quote(k) + ": already used by " + at + "[" + std::to_string(it->second) + "]; " +
              std::string(row.list_map_key) + " must be unique");
  }
}

const std::regex* compiled(std::string_view pattern) {
  // Built once from the table (thread-safe static initialisation); patterns are tested to compile.
  static const std::map<std::string_view, std::regex> cache = [] {
    std::map<std::string_view, std::regex> m;
    for (const auto& row : habitat_fields()) {
      if (row.pattern.empty() || m.count(row.pattern)) continue;
      try {
        m.emplace(row.pattern, std::regex(row.pattern.begin(), row.pattern.end(), std::regex::ECMAScript));
      } catch (const std::regex_error&) {
        // Left out: matches_pattern then rejects every value, and schema_test fails loudly.
      }
    }
    return m;
  }();
  auto it = cache.find(pattern);
  return it == cache.end() ? nullptr : &it->second;
}

}  // namespace

bool matches_pattern(const field_spec& row, std::string_view s) {
  if (row.pattern.empty()) return true;
  const std::size_t limit = row.max_length ? static_cast<std::size_t>(*row.max_length) * 4 : regex_input_limit;
  if (s.size() > std::min(limit, regex_input_limit)) return false;
  const std::regex* re = compiled(row.pattern);
  if (!re) return false;
  try {
    return std::regex_search(s.begin(), s.end(), *re);
  } catch (const std::exception&) {
    return false;
  }
}

void check_value(const field_spec& row, const bj::value& v, const std::string& at, std::vector<field_cause>& out) {
  if (v.is_null()) return;
  if (!has_type(row.type, v)) {
    add(out, at, "FieldValueTypeInvalid",
        std::string("must be ") + expected_kind(row.type) + ", not " + json_kind(v));
    return;
  }
  switch (row.type) {
    case field_type::string: check_string(row, v.get_string(), at, out); break;
    case field_type::integer: check_integer(row, v, at, out); break;
    case field_type::boolean: break;
    case field_type::object: check_children(v.get_object(), row.path, at, out); break;
    case field_type::array: check_array(row, v.get_array(), at, out); break;
    case field_type::string_map:
      for (const auto& kv : v.get_object()) {
        const std::string entry_at = map_entry_path(at, kv.key());
        if (!kv.value().is_string())
          add(out, entry_at, "FieldValueTypeInvalid", std::string("must be a string, not ") + json_kind(kv.value()));
        else
          check_string(row, kv.value().get_string(), entry_at, out);
      }
      break;
  }
}

void check_children(const bj::object& o, std::string_view row_path, const std::string& at,
                    std::vector<field_cause>& out, std::initializer_list<std::string_view> skip) {
  for_each_child_row(row_path, [&](const field_spec& row, std::string_view name) {
    for (auto s : skip)
      if (s == name) return;
    const bj::value* v = o.if_contains(name);
    const std::string child_at = child_path(at, name);
    if (!v || v->is_null()) {
      if (row.required) {
        const std::string h = hint(row);
        add(out, child_at, "FieldValueRequired", h.empty() ? "required value" : "required value: " + h);
      }
      return;
    }
    check_value(row, *v, child_at, out);
  });
}

std::string quote(std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  constexpr std::size_t max_shown = 80;
  std::string out = "\"";
  std::size_t i = 0;
  for (; i < s.size() && i < max_shown;) {
    const auto c = static_cast<unsigned char>(s[i]);
    const std::size_t len = utf8_sequence(s, i);
    if (len > 1) {
      out.append(s.substr(i, len));
      i += len;
      continue;
    }
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (len == 0 || c < 0x20 || c == 0x7f) {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
    ++i;
  }
  out += '"';
  if (i < s.size()) out += "...";
  return out;
}

std::string map_entry_path(const std::string& at, std::string_view key) {
  std::string q = quote(key);
  return at + "[" + q.substr(1, q.rfind('"') - 1) + (q.ends_with("...") ? "...]" : "]");
}

}  // namespace habop::api::detail
