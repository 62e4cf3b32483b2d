// JSON parsing with a depth bound, YAML <-> JSON conversion over yaml-cpp, and a deterministic YAML emitter.
#include <habop/json/codec.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <optional>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <yaml-cpp/yaml.h>

#include <habop/core/utf8.hpp>

namespace habop::json {
namespace bj = boost::json;
namespace {

error bad_request(std::string message) { return error{400, "BadRequest", std::move(message), {}}; }

bool is_plain_null(const std::string& s) { return s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL"; }

std::optional<bool> plain_bool(const std::string& s) {
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  return std::nullopt;
}

// YAML 1.2 core schema integers: [-+]?[0-9]+, 0o[0-7]+, 0x[0-9a-fA-F]+. Out-of-range integers become doubles.
std::optional<bj::value> plain_number(const std::string& s) {
  if (s.empty()) return std::nullopt;
  const char* b = s.data();
  const char* e = s.data() + s.size();
  auto all = [&](const char* p, auto pred) {
    if (p == e) return false;
    for (; p != e; ++p)
      if (!pred(*p)) return false;
    return true;
  };
  auto is_dec = [](char c) { return c >= '0' && c <= '9'; };
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'o')) {
    const int base = s[1] == 'x' ? 16 : 8;
    std::uint64_t u = 0;
    auto [p, ec] = std::from_chars(b + 2, e, u, base);
    if (ec == std::errc() && p == e) {
      if (u <= static_cast<std::uint64_t>(INT64_MAX)) return bj::value(static_cast<std::int64_t>(u));
      return bj::value(u);
    }
    return std::nullopt;
  }
  const char* digits = (*b == '-' || *b == '+') ? b + 1 : b;
  if (all(digits, is_dec)) {
    std::int64_t i = 0;
    auto [p, ec] = std::from_chars(*b == '+' ? b + 1 : b, e, i);
    if (ec == std::errc() && p == e) return bj::value(i);
    if (*b != '-') {
      std::uint64_t u = 0;
      auto [p2, ec2] = std::from_chars(*b == '+' ? b + 1 : b, e, u);
      if (ec2 == std::errc() && p2 == e) return bj::value(u);
    }
    double d = 0;
    auto [p3, ec3] = std::from_chars(b, e, d);
    if (p3 == e && ec3 == std::errc()) return bj::value(d);
    return std::nullopt;
  }
  // Floats: [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?, plus .inf/.nan which JSON cannot hold.
  bool seen_digit = false, seen_dot = false, seen_exp = false;
  const char* p = digits;
  for (; p != e; ++p) {
    if (is_dec(*p)) seen_digit = true;
    else if (*p == '.' && !seen_dot && !seen_exp) seen_dot = true;
    else if ((*p == 'e' || *p == 'E') && seen_digit && !seen_exp) {
      seen_exp = true;
      if (p + 1 != e && (p[1] == '-' || p[1] == '+')) ++p;
      if (p + 1 == e) return std::nullopt;
    } else return std::nullopt;
  }
  if (!seen_digit || (!seen_dot && !seen_exp)) return std::nullopt;
  double d = 0;
  auto [q, ec] = std::from_chars(*b == '+' ? b + 1 : b, e, d);
  if (q != e || ec != std::errc() || !std::isfinite(d)) return std::nullopt;
  return bj::value(d);
}

// Where convert records repeated keys: the path of the node being converted (grown and shrunk in place, so that
// no path is built unless a key repeats) and what was found.
struct duplicate_finder {
  std::string path;
  std::vector<duplicate_field> found;
};

// `path` extended by `key` (or `[index]`) for the lifetime of the scope.
class path_scope {
 public:
  path_scope(duplicate_finder* f, std::string_view key) : f_(f) {
    if (!f_) return;
    size_ = f_->path.size();
    if (!f_->path.empty()) f_->path += '.';
    f_->path += key;
  }
  path_scope(duplicate_finder* f, std::size_t index) : f_(f) {
    if (!f_) return;
    size_ = f_->path.size();
    f_->path += '[' + std::to_string(index) + ']';
  }
  ~path_scope() {
    if (f_) f_->path.resize(size_);
  }
  path_scope(const path_scope&) = delete;
  path_scope& operator=(const path_scope&) = delete;

 private:
  duplicate_finder* f_;
  std::size_t size_ = 0;
};

// The first key of mapping `n` equal to `key`: its 1-based line.
std::size_t first_line_of(const YAML::Node& n, const std::string& key) {
  for (const auto& kv : n)
    if (kv.first.IsScalar() && kv.first.Scalar() == key) return static_cast<std::size_t>(kv.first.Mark().line) + 1;
  return 0;
}

result<bj::value> convert(const YAML::Node& n, std::size_t depth, duplicate_finder* dups) {
  if (depth > max_depth) return bad_request("YAML nesting is deeper than " + std::to_string(max_depth) + " levels");
  switch (n.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      return bj::value(nullptr);
    case YAML::NodeType::Scalar: {
      const std::string& s = n.Scalar();
      if (n.Tag() == "!" || n.Tag() == "tag:yaml.org,2002:str") return bj::value(s);  // quoted or !!str
      if (is_plain_null(s)) return bj::value(nullptr);
      if (auto b = plain_bool(s)) return bj::value(*b);
      if (auto num = plain_number(s)) return *num;
      return bj::value(s);
    }
    case YAML::NodeType::Sequence: {
      bj::array a;
      a.reserve(n.size());
      for (const auto& item : n) {
        path_scope at(dups, a.size());
        auto v = convert(item, depth + 1, dups);
        if (!v) return v;
        a.push_back(std::move(*v));
      }
      return bj::value(std::move(a));
    }
    case YAML::NodeType::Map: {
      bj::object o;
      for (const auto& kv : n) {
        if (!kv.first.IsScalar())
          return bad_request("YAML mapping key at line " + std::to_string(kv.first.Mark().line + 1) +
                             " is not a scalar; Kubernetes objects only have string keys");
        const std::string& key = kv.first.Scalar();
        path_scope at(dups, key);
        if (dups && o.contains(key)) {
          dups->found.push_back({dups->path, static_cast<std::size_t>(kv.first.Mark().line) + 1,
                                 first_line_of(n, key)});
        }
        auto v = convert(kv.second, depth + 1, dups);
        if (!v) return v;
        o[key] = std::move(*v);
      }
      return bj::value(std::move(o));
    }
  }
  return bj::value(nullptr);
}

// A string must be quoted when, written plain, YAML would read it back as another type or misparse it.
bool needs_quotes(const std::string& s) {
  if (s.empty() || is_plain_null(s) || plain_bool(s) || plain_number(s)) return true;
  static const std::string_view yaml11_bools[] = {"y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO",
                                                   "on", "On", "ON", "off", "Off", "OFF"};
  for (auto w : yaml11_bools)
    if (s == w) return true;  // older YAML 1.1 readers (go-yaml v2) would take these as booleans
  const std::string_view indicators = "-?:,[]{}#&*!|>'\"%@`";
  if (indicators.find(s.front()) != std::string_view::npos || s.front() == ' ' || s.back() == ' ') return true;
  if (s.find(": ") != std::string::npos || s.find(" #") != std::string::npos || s.back() == ':') return true;
  for (unsigned char c : s)
    if (c < 0x20 || c == 0x7f) return true;
  return false;
}

void emit_string(std::string& out, const std::string& s) {
  if (!needs_quotes(s)) {
    out += s;
    return;
  }
  out += '"';
  static constexpr char hex[] = "0123456789abcdef";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += "\\x";
          out += hex[c >> 4];
          out += hex[c & 15];
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}

void emit_scalar(std::string& out, const bj::value& v) {
  if (v.is_string()) emit_string(out, std::string(v.get_string()));
  else out += bj::serialize(v);  // null, bool, numbers print the same in YAML
}

bool is_empty_container(const bj::value& v) {
  return (v.is_object() && v.get_object().empty()) || (v.is_array() && v.get_array().empty());
}

void emit(std::string& out, const bj::value& v, int indent);

void emit_object(std::string& out, const bj::object& o, int indent, bool first_inline) {
  bool first = true;
  for (const auto& kv : o) {
    if (!(first && first_inline)) out.append(static_cast<std::size_t>(indent), ' ');
    first = false;
    emit_string(out, std::string(kv.key()));
    out += ':';
    const bj::value& v = kv.value();
    if (v.is_object() && !v.get_object().empty()) {
      out += '\n';
      emit_object(out, v.get_object(), indent + 2, false);
    } else if (v.is_array() && !v.get_array().empty()) {
      out += '\n';
      emit(out, v, indent);  // kubectl style: sequence items at the key's indentation
    } else {
      out += ' ';
      if (is_empty_container(v)) out += v.is_object() ? "{}" : "[]";
      else emit_scalar(out, v);
      out += '\n';
    }
  }
}

void emit(std::string& out, const bj::value& v, int indent) {
  if (v.is_object() && !v.get_object().empty()) {
    emit_object(out, v.get_object(), indent, false);
  } else if (v.is_array() && !v.get_array().empty()) {
    for (const auto& item : v.get_array()) {
      out.append(static_cast<std::size_t>(indent), ' ');
      out += "- ";
      if (item.is_object() && !item.get_object().empty()) {
        emit_object(out, item.get_object(), indent + 2, true);
      } else if (item.is_array() && !item.get_array().empty()) {
        out += '\n';
        emit(out, item, indent + 2);
      } else {
        if (is_empty_container(item)) out += item.is_object() ? "{}" : "[]";
        else emit_scalar(out, item);
        out += '\n';
      }
    }
  } else {
    if (is_empty_container(v)) out += v.is_object() ? "{}" : "[]";
    else emit_scalar(out, v);
    out += '\n';
  }
}

// yaml-cpp 0.7 allocates without bound when a document's first token is a flow entry (`,`): refuse such input
// before it reaches the parser. Returns the 1-based line of the offending `,`, or 0 when the text is safe.
std::size_t document_starting_with_comma(std::string_view text) {
  std::size_t line = 1;
  bool at_document_start = true;
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t eol = std::min(text.find('\n', i), text.size());
    std::string_view l = text.substr(i, eol - i);
    if (l.starts_with("---")) {
      at_document_start = true;
      l.remove_prefix(3);
    }
    if (at_document_start) {
      const std::size_t first = l.find_first_not_of(" \t\r");
      if (first != std::string_view::npos && l[first] != '#') {
        if (l[first] == ',') return line;
        at_document_start = false;
      }
    }
    i = eol + 1;
    ++line;
  }
  return 0;
}

}  // namespace

result<bj::value> parse_json(std::string_view text) {
  bj::parse_options opts;
  opts.max_depth = max_depth;
  boost::system::error_code ec;
  bj::value v = bj::parse(text, ec, {}, opts);
  if (ec) return bad_request("malformed JSON: " + ec.message());
  return v;
}

result<std::vector<bj::value>> parse_yaml_documents(std::string_view text,
                                                    std::vector<std::vector<duplicate_field>>* duplicates) {
  if (const std::size_t line = document_starting_with_comma(text))
    return bad_request("malformed YAML at line " + std::to_string(line) + ": a document cannot start with ','");
  // yaml-cpp passes bytes through; kube-apiserver's YAML decoder rejects text that is not UTF-8, and such bytes
  // must never reach a stored object (they would not serialise back to valid JSON).
  if (const std::size_t bad = find_invalid_utf8(text); bad != std::string_view::npos) {
    const auto line = std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(bad), '\n') + 1;
    return bad_request("malformed YAML at line " + std::to_string(line) + ": invalid UTF-8 byte");
  }
  std::vector<YAML::Node> docs;
  try {
    docs = YAML::LoadAll(std::string(text));
  } catch (const YAML::Exception& e) {
    return bad_request("malformed YAML at line " + std::to_string(e.mark.line + 1) + ", column " +
                       std::to_string(e.mark.column + 1) + ": " + e.msg);
  } catch (const std::exception& e) {
    return bad_request(std::string("malformed YAML: ") + e.what());
  }
  std::vector<bj::value> out;
  if (duplicates) duplicates->clear();
  for (const auto& d : docs) {
    if (d.IsNull() || !d.IsDefined()) continue;
    duplicate_finder finder;
    auto v = convert(d, 0, duplicates ? &finder : nullptr);
    if (!v) return std::move(v).error();
    out.push_back(std::move(*v));
    if (duplicates) duplicates->push_back(std::move(finder.found));
  }
  return out;
}

std::string to_yaml(const bj::value& v) {
  std::string out;
  emit(out, v, 0);
  return out;
}

std::string to_json(const bj::value& v) { return bj::serialize(v); }

}  // namespace habop::json
