// Walks a JSON value alongside the Habitat field table and reports every constraint it breaks, with field paths.
#include <habop/api/detail/table_check.hpp>

#include <algorithm>
#include <map>
#include <vector>

#include <boost/json/serialize.hpp>

#include <habop/core/utf8.hpp>
#include <habop/json/detail/find.hpp>

namespace habop::api::detail {
using habop::json::detail::find_member;
namespace bj = boost::json;
namespace {

// Inputs beyond this never match (every patterned row is shorter anyway; the CRD's RE2 has the same bound).
constexpr std::size_t pattern_input_limit = 4096;

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

// The row's advice for an invalid value, as the end of a message.
std::string with_fix(std::string message, const field_spec& row) {
  if (!row.fix.empty()) message += "; " + std::string(row.fix);
  return message;
}

std::string child_path(const std::string& at, std::string_view key) {
  return at.empty() ? std::string(key) : at + "." + std::string(key);
}

// A field path, spelled out only when a cause is reported: each level points at its parent on the stack (a valid
// Habitat is checked without building a single path string).
struct path {
  enum class step { root, member, index, entry };
  step kind = step::root;
  const path* parent = nullptr;
  const std::string* root = nullptr;
  std::string_view key;
  std::size_t index = 0;

  path member(std::string_view name) const { return {step::member, this, nullptr, name, 0}; }
  path item(std::size_t i) const { return {step::index, this, nullptr, {}, i}; }
  path entry(std::string_view k) const { return {step::entry, this, nullptr, k, 0}; }

  std::string str() const {
    switch (kind) {
      case step::root: return *root;
      case step::member: return child_path(parent->str(), key);
      case step::index: return parent->str() + "[" + std::to_string(index) + "]";
      case step::entry: return map_entry_path(parent->str(), key);
    }
    return {};
  }
};

void add(std::vector<field_cause>& out, const path& at, const char* reason, std::string message) {
  out.push_back(field_cause{at.str(), reason, std::move(message)});
}

void check_value_at(const field_spec& row, const bj::value& v, const path& at, std::vector<field_cause>& out);
void check_children_at(const bj::object& o, std::size_t slot, const path& at, std::vector<field_cause>& out,
                       std::initializer_list<std::string_view> skip);

// Rows directly below a row: `<row path>.<name>` with no further `.` or `[`. Indexed once (thread-safe static
// initialisation) by the row's position + 1 (0: the root), with each row's item row (`<path>[]`) and pattern
// matcher, so that walking a Habitat looks nothing up by path or pattern text.
struct child_row {
  const field_spec* row;
  std::string_view name;
};

struct row_index {
  std::vector<std::vector<child_row>> children;
  std::vector<const field_spec*> item;     ///< the item row of an array row, or nullptr
  std::vector<pattern_matcher> matcher;    ///< `matcher_for(row.pattern)`
};

const row_index& table_index() {
  static const row_index index = [] {
    const auto rows = habitat_fields();
    std::map<std::string_view, std::size_t, std::less<>> slot_of{{std::string_view{}, 0}};
    for (std::size_t i = 0; i < rows.size(); ++i) slot_of.emplace(rows[i].path, i + 1);
    row_index out;
    out.children.resize(rows.size() + 1);
    out.item.resize(rows.size() + 1);
    out.matcher.resize(rows.size() + 1);
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const field_spec& row = rows[i];
      out.matcher[i + 1] = matcher_for(row.pattern);
      if (row.path.ends_with("[]")) {
        auto array = slot_of.find(row.path.substr(0, row.path.size() - 2));
        if (array != slot_of.end()) out.item[array->second] = &row;
      }
      const std::size_t dot = row.path.rfind('.');
      const std::string_view parent = dot == std::string_view::npos ? std::string_view{} : row.path.substr(0, dot);
      const std::string_view name = dot == std::string_view::npos ? row.path : row.path.substr(dot + 1);
      if (name.empty() || name.find('[') != std::string_view::npos) continue;
      if (auto it = slot_of.find(parent); it != slot_of.end()) out.children[it->second].push_back({&row, name});
    }
    return out;
  }();
  return index;
}

std::size_t slot_of_row(const field_spec& row) {
  const auto rows = habitat_fields();
  if (&row >= rows.data() && &row < rows.data() + rows.size()) return static_cast<std::size_t>(&row - rows.data()) + 1;
  return static_cast<std::size_t>(-1);
}

// The slot of a row path given as text (the public entry points); -1 when the table has no such row.
std::size_t slot_of_path(std::string_view row_path) {
  if (row_path.empty()) return 0;
  const field_spec* row = find_field(row_path);
  return row ? slot_of_row(*row) : static_cast<std::size_t>(-1);
}

template <class F>
void for_each_child_row(std::size_t slot, F&& f) {
  const auto& children = table_index().children;
  if (slot >= children.size()) return;
  for (const child_row& c : children[slot]) f(*c.row, c.name);
}

// The item row of an array row (`<path>[]`), nullptr when the table has none.
const field_spec* item_row(const field_spec& array_row) {
  const row_index& index = table_index();
  const std::size_t slot = slot_of_row(array_row);
  if (slot < index.item.size()) return index.item[slot];
  return find_field(std::string(array_row.path) + "[]");   // a row from outside the table
}

void check_string(const field_spec& row, std::string_view s, const path& at, std::vector<field_cause>& out) {
  if (!row.enum_values.empty()) {
    bool found = false;
    for (auto e : row.enum_values) found |= e == s;
    if (!found)
      add(out, at, "FieldValueNotSupported", "unsupported value " + quote(s) + ": supported values: " + enum_list(row));
  }
  // A string has at most as many characters as bytes and at least a quarter as many: count only when a bound may
  // be broken.
  const auto bytes = static_cast<std::int64_t>(s.size());
  const bool may_break = (row.max_length && bytes > *row.max_length) || (row.min_length && bytes < 4 * *row.min_length);
  const std::int64_t n = may_break ? char_count(s) : bytes;
  if (row.max_length && n > *row.max_length) {
    add(out, at, "FieldValueTooLong",
        with_fix("must have at most " + std::to_string(*row.max_length) + " characters (has " + std::to_string(n) + ")",
                 row));
    return;  // the pattern is not run on over-long input
  }
  if (row.min_length && n < *row.min_length) {
    add(out, at, "FieldValueInvalid",
        *row.min_length == 1 ? std::string("must not be empty")
                             : "must have at least " + std::to_string(*row.min_length) + " characters");
    return;
  }
  if (!matches_pattern(row, s))
    add(out, at, "FieldValueInvalid", with_fix("invalid value " + quote(s) + ": " + hint(row), row));
}

void check_integer(const field_spec& row, const bj::value& v, const path& at, std::vector<field_cause>& out) {
  const bool huge = v.is_uint64() && v.get_uint64() > static_cast<std::uint64_t>(INT64_MAX);
  const std::int64_t i = huge ? INT64_MAX : v.is_int64() ? v.get_int64() : static_cast<std::int64_t>(v.get_uint64());
  if (row.minimum && i < *row.minimum)
    add(out, at, "FieldValueInvalid",
        "invalid value " + bj::serialize(v) + ": must be greater than or equal to " + std::to_string(*row.minimum));
  if (row.maximum && (huge || i > *row.maximum))
    add(out, at, "FieldValueInvalid",
        "invalid value " + bj::serialize(v) + ": must be less than or equal to " + std::to_string(*row.maximum));
}

void check_array(const field_spec& row, const bj::array& a, const path& at, std::vector<field_cause>& out) {
  const field_spec* item = item_row(row);
  std::map<std::string_view, std::size_t> seen;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const path item_at = at.item(i);
    if (item) check_value_at(*item, a[i], item_at, out);
    if (row.list_map_key.empty() || !a[i].is_object()) continue;
    const bj::value* key = find_member(a[i].get_object(), row.list_map_key);
    if (!key || !key->is_string()) continue;
    const std::string_view k = key->get_string();
    const auto first = seen.find(k);
    if (first == seen.end()) {
      if (i + 1 < a.size()) seen.emplace(k, i);   // the last key is only looked up: a one-item list allocates nothing
      continue;
    }
    add(out, item_at.member(row.list_map_key), "FieldValueDuplicate",
        "duplicate value " + quote(k) + ": already used by " + at.str() + "[" + std::to_string(first->second) +
            "]; " + std::string(row.list_map_key) + " must be unique");
  }
}

void check_value_at(const field_spec& row, const bj::value& v, const path& at, std::vector<field_cause>& out) {
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
    case field_type::object: check_children_at(v.get_object(), slot_of_row(row), at, out, {}); break;
    case field_type::array: check_array(row, v.get_array(), at, out); break;
    case field_type::string_map:
      for (const auto& kv : v.get_object()) {
        const path entry_at = at.entry(kv.key());
        if (!kv.value().is_string())
          add(out, entry_at, "FieldValueTypeInvalid", std::string("must be a string, not ") + json_kind(kv.value()));
        else
          check_string(row, kv.value().get_string(), entry_at, out);
      }
      break;
  }
}

void check_children_at(const bj::object& o, std::size_t slot, const path& at, std::vector<field_cause>& out,
                       std::initializer_list<std::string_view> skip) {
  for_each_child_row(slot, [&](const field_spec& row, std::string_view name) {
    for (auto s : skip)
      if (s == name) return;
    const bj::value* v = find_member(o, name);
    const path child_at = at.member(name);
    if (!v || v->is_null()) {
      if (row.required) {
        const std::string h = hint(row);
        add(out, child_at, "FieldValueRequired", h.empty() ? "required value" : "required value: " + h);
      }
      return;
    }
    check_value_at(row, *v, child_at, out);
  });
}

}  // namespace

bool matches_pattern(const field_spec& row, std::string_view s) {
  if (row.pattern.empty()) return true;
  const std::size_t limit = row.max_length ? static_cast<std::size_t>(*row.max_length) * 4 : pattern_input_limit;
  if (s.size() > std::min(limit, pattern_input_limit)) return false;
  const std::size_t slot = slot_of_row(row);
  const auto& matchers = table_index().matcher;
  const pattern_matcher match = slot < matchers.size() ? matchers[slot] : matcher_for(row.pattern);
  return match && match(s);   // schema_test checks that every pattern has one
}

void check_value(const field_spec& row, const bj::value& v, const std::string& at, std::vector<field_cause>& out) {
  check_value_at(row, v, path{path::step::root, nullptr, &at, {}, 0}, out);
}

void check_children(const bj::object& o, std::string_view row_path, const std::string& at,
                    std::vector<field_cause>& out, std::initializer_list<std::string_view> skip) {
  check_children_at(o, slot_of_path(row_path), path{path::step::root, nullptr, &at, {}, 0}, out, skip);
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
