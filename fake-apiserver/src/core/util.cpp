// Small helpers of the fake-apiserver core: URL decoding, base64, human durations, name checks, JSON paths.
#include "detail.hpp"

#include <algorithm>
#include <cctype>
#include <regex>

#include <boost/json/serialize.hpp>

#include <habop/core/utf8.hpp>

namespace habop::fake {

std::string percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
      i += 2;
    } else if (s[i] == '+') {
      out += ' ';
    } else {
      out += s[i];
    }
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> parse_query(std::string_view q) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!q.empty()) {
    auto amp = q.find('&');
    auto part = q.substr(0, amp);
    q = amp == std::string_view::npos ? std::string_view{} : q.substr(amp + 1);
    if (part.empty()) continue;
    auto eq = part.find('=');
    if (eq == std::string_view::npos)
      out.emplace_back(percent_decode(part), "");
    else
      out.emplace_back(percent_decode(part.substr(0, eq)), percent_decode(part.substr(eq + 1)));
  }
  return out;
}

namespace {
constexpr char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
}

std::string base64_encode(std::string_view in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    unsigned v = (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8 | (unsigned char)in[i + 2];
    out += b64[v >> 18 & 63]; out += b64[v >> 12 & 63]; out += b64[v >> 6 & 63]; out += b64[v & 63];
  }
  if (i + 1 == in.size()) {
    unsigned v = (unsigned char)in[i] << 16;
    out += b64[v >> 18 & 63]; out += b64[v >> 12 & 63]; out += "==";
  } else if (i + 2 == in.size()) {
    unsigned v = (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8;
    out += b64[v >> 18 & 63]; out += b64[v >> 12 & 63]; out += b64[v >> 6 & 63]; out += '=';
  }
  return out;
}

std::optional<std::string> base64_decode(std::string_view in) {
  auto val = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
  };
  std::string out;
  unsigned acc = 0;
  int bits = 0;
  for (char c : in) {
    if (c == '=') break;
    int v = val(c);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  return out;
}

// Mirrors apimachinery duration.HumanDuration.
std::string human_duration(std::int64_t s) {
  if (s < 0) s = 0;
  auto str = [](std::int64_t v) { return std::to_string(v); };
  if (s < 60 * 2) return str(s) + "s";
  std::int64_t minutes = s / 60;
  if (minutes < 10) {
    std::int64_t sec = s % 60;
    return sec == 0 ? str(minutes) + "m" : str(minutes) + "m" + str(sec) + "s";
  }
  if (minutes < 60 * 3) return str(minutes) + "m";
  std::int64_t hours = s / 3600;
  if (hours < 8) {
    std::int64_t m = minutes % 60;
    return m == 0 ? str(hours) + "h" : str(hours) + "h" + str(m) + "m";
  }
  if (hours < 48) return str(hours) + "h";
  if (hours < 24 * 8) {
    std::int64_t h = hours % 24;
    return h == 0 ? str(hours / 24) + "d" : str(hours / 24) + "d" + str(h) + "h";
  }
  if (hours < 24 * 365 * 2) return str(hours / 24) + "d";
  if (hours < 24 * 365 * 8) {
    std::int64_t dy = (hours / 24) % 365;
    return dy == 0 ? str(hours / 24 / 365) + "y" : str(hours / 24 / 365) + "y" + str(dy) + "d";
  }
  return str(hours / 24 / 365) + "y";
}

namespace {
bool is_alnum_lower(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool dns_label_ok(std::string_view s) {
  if (s.empty() || s.size() > 63) return false;
  if (!is_alnum_lower(s.front()) || !is_alnum_lower(s.back())) return false;
  for (char c : s)
    if (!is_alnum_lower(c) && c != '-') return false;
  return true;
}
}  // namespace

std::string check_path_segment(std::string_view name) {
  if (name.empty()) return "name must not be empty";
  if (name == "." || name == "..") return "may not be '" + std::string(name) + "'";
  if (name.find('/') != std::string_view::npos) return "may not contain '/'";
  if (name.find('%') != std::string_view::npos) return "may not contain '%'";
  return {};
}

std::string check_dns_subdomain(std::string_view name) {
  if (name.size() > 253) return "must be no more than 253 characters";
  bool ok = !name.empty();
  std::size_t start = 0;
  while (ok && start <= name.size()) {
    auto dot = name.find('.', start);
    auto part = name.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (part.empty() || !is_alnum_lower(part.front()) || !is_alnum_lower(part.back())) ok = false;
    for (char c : part)
      if (!is_alnum_lower(c) && c != '-') ok = false;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (ok) return {};
  return "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must "
         "start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
         "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
}

std::string check_dns_label(std::string_view name) {
  if (name.size() > 63) return "must be no more than 63 characters";
  if (dns_label_ok(name)) return {};
  return "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and "
         "end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is "
         "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
}

std::string check_dns1035_label(std::string_view name) {
  if (name.size() > 63) return "must be no more than 63 characters";
  if (dns_label_ok(name) && !(name.front() >= '0' && name.front() <= '9')) return {};
  return "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic "
         "character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for "
         "validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
}

namespace {
bool qualified_name_ok(std::string_view s) {
  if (s.empty() || s.size() > 63) return false;
  auto an = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
  if (!an(s.front()) || !an(s.back())) return false;
  for (char c : s)
    if (!an(c) && c != '-' && c != '_' && c != '.') return false;
  return true;
}
bool label_value_ok(std::string_view s) { return s.empty() || qualified_name_ok(s); }
bool label_key_ok(std::string_view k) {
  auto slash = k.find('/');
  if (slash == std::string_view::npos) return qualified_name_ok(k);
  return check_dns_subdomain(k.substr(0, slash)).empty() && qualified_name_ok(k.substr(slash + 1));
}
}  // namespace

std::vector<field_cause> check_labels(const bj::object& meta) {
  std::vector<field_cause> causes;
  if (auto it = meta.find("labels"); it != meta.end() && it->value().is_object()) {
    for (const auto& [k, v] : it->value().get_object()) {
      std::string key(k);
      if (!label_key_ok(key))
        causes.push_back({"metadata.labels", "FieldValueInvalid",
                          "Invalid value: " + json_quote(key) +
                              ": name part must consist of alphanumeric characters, '-', '_' or '.', and must start "
                              "and end with an alphanumeric character"});
      if (!v.is_string()) {
        causes.push_back({"metadata.labels", "FieldValueInvalid", "Invalid value: label values must be strings"});
      } else if (!label_value_ok(v.get_string())) {
        std::string val(v.get_string());
        causes.push_back({"metadata.labels", "FieldValueInvalid",
                          "Invalid value: " + json_quote(val) +
                              (val.size() > 63 ? ": must be no more than 63 characters"
                                               : ": a valid label must be an empty string or consist of alphanumeric "
                                                 "characters, '-', '_' or '.', and must start and end with an "
                                                 "alphanumeric character")});
      }
    }
  }
  if (auto it = meta.find("annotations"); it != meta.end() && it->value().is_object()) {
    std::size_t total = 0;
    for (const auto& [k, v] : it->value().get_object()) {
      total += k.size() + (v.is_string() ? v.get_string().size() : 0);
      if (!v.is_string())
        causes.push_back({"metadata.annotations", "FieldValueInvalid", "Invalid value: annotation values must be strings"});
    }
    if (total > 256 * 1024)
      causes.push_back({"metadata.annotations", "FieldValueTooLong", "Too long: must have at most 262144 bytes"});
  }
  return causes;
}

const bj::value* find_path(const bj::object& o, std::initializer_list<std::string_view> path) {
  const bj::object* cur = &o;
  const bj::value* v = nullptr;
  for (auto key : path) {
    if (!cur) return nullptr;
    auto it = cur->find(key);
    if (it == cur->end()) return nullptr;
    v = &it->value();
    cur = v->if_object();
  }
  return v;
}

std::string string_at(const bj::object& o, std::initializer_list<std::string_view> path) {
  const bj::value* v = find_path(o, path);
  if (v && v->is_string()) return std::string(v->get_string());
  return {};
}

std::vector<std::string> string_list(const bj::object& o, std::initializer_list<std::string_view> path) {
  std::vector<std::string> out;
  if (const bj::value* v = find_path(o, path); v && v->is_array())
    for (const auto& e : v->get_array())
      if (e.is_string()) out.emplace_back(e.get_string());
  return out;
}

bj::object* object_at(bj::object& o, std::string_view key) {
  bj::value& v = o[key];
  if (!v.is_object()) v = bj::object{};
  return &v.get_object();
}

std::string json_quote(std::string_view s) { return bj::serialize(bj::value(bj::string(s))); }

bool valid_utf8(const bj::value& v) {
  switch (v.kind()) {
    case bj::kind::string: return find_invalid_utf8(v.get_string()) == std::string_view::npos;
    case bj::kind::array:
      return std::all_of(v.get_array().begin(), v.get_array().end(), [](const bj::value& e) { return valid_utf8(e); });
    case bj::kind::object: return valid_utf8(v.get_object());
    default: return true;
  }
}

bool valid_utf8(const bj::object& o) {
  for (const auto& [k, e] : o)
    if (find_invalid_utf8(k) != std::string_view::npos || !valid_utf8(e)) return false;
  return true;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

std::string serialize(const bj::value& v) { return bj::serialize(v); }
std::string serialize(const bj::object& o) { return bj::serialize(o); }

std::string_view trim_blanks(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bj::value sorted_keys(const bj::value& v) {
  if (v.is_array()) {
    bj::array out;
    out.reserve(v.get_array().size());
    for (const auto& item : v.get_array()) out.push_back(sorted_keys(item));
    return out;
  }
  if (!v.is_object()) return v;
  std::vector<const bj::key_value_pair*> members;
  for (const auto& kv : v.get_object()) members.push_back(&kv);
  std::sort(members.begin(), members.end(), [](const auto* a, const auto* b) { return a->key() < b->key(); });
  bj::object out;
  out.reserve(members.size());
  for (const auto* kv : members) out.emplace(kv->key(), sorted_keys(kv->value()));
  return out;
}

}  // namespace habop::fake
