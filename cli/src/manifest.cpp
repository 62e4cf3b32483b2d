// Reading manifest documents and checking the Habitats among them for the `habop` CLI.
#include <habop/cli/manifest.hpp>

#include <charconv>
#include <cmath>
#include <cstdint>

#include <habop/api/parse.hpp>
#include <habop/json/codec.hpp>

namespace habop::cli {
namespace bj = boost::json;
namespace {

std::string string_at(const bj::value& v, std::string_view key) {
  if (!v.is_object()) return {};
  const bj::value* field = v.get_object().if_contains(key);
  return field && field->is_string() ? std::string(field->get_string()) : std::string{};
}

std::string name_of(const bj::value& v) {
  if (!v.is_object()) return {};
  const bj::value* meta = v.get_object().if_contains("metadata");
  return meta ? string_at(*meta, "name") : std::string{};
}

// For a path under `items[i].`: i, with `path` made relative to the item; nullopt (and `path` unchanged) otherwise.
std::optional<std::size_t> take_item_index(std::string& path) {
  constexpr std::string_view prefix = "items[";
  if (!path.starts_with(prefix)) return std::nullopt;
  std::size_t i = 0;
  const char* end = path.data() + path.size();
  const auto [close, ec] = std::from_chars(path.data() + prefix.size(), end, i);
  if (ec != std::errc() || end - close < 3 || close[0] != ']' || close[1] != '.') return std::nullopt;
  path.erase(0, static_cast<std::size_t>(close + 2 - path.data()));
  return i;
}

void add_document(std::vector<document>& out, bj::value v, std::vector<json::duplicate_field> duplicates) {
  const bool is_list = v.is_object() && string_at(v, "kind") == "List" && v.get_object().contains("items") &&
                       v.get_object().at("items").is_array();
  if (is_list) {
    // Each item takes the repeated keys under `items[i].`, relative to itself; the list's own go with the first.
    bj::array& items = v.get_object().at("items").get_array();
    std::vector<std::vector<json::duplicate_field>> of_item(items.size());
    for (json::duplicate_field& d : duplicates) {
      const std::optional<std::size_t> i = take_item_index(d.path);
      if (!of_item.empty()) of_item[i && *i < of_item.size() ? *i : 0].push_back(std::move(d));
    }
    for (std::size_t i = 0; i < items.size(); ++i) add_document(out, std::move(items[i]), std::move(of_item[i]));
    return;
  }
  std::string label = name_of(v);
  if (label.empty()) label = "document " + std::to_string(out.size() + 1);
  out.push_back(document{std::move(label), std::move(v), std::move(duplicates)});
}

// Numbers as kubectl sends them: it converts YAML to JSON through Go's float64, which prints a whole value below
// 1e21 without a fraction, and the API server decodes such a number as an integer when it fits in int64
// (`count: 3.0` is 3). Fractions, and whole values past int64, stay doubles.
void as_kubectl_sends(bj::value& v) {
  if (v.is_double()) {
    const double d = v.get_double();
    constexpr double int64_bound = 9223372036854775808.0;   // 2^63
    if (std::isfinite(d) && d == std::trunc(d) && d >= -int64_bound && d < int64_bound)
      v = static_cast<std::int64_t>(d);
  } else if (v.is_array()) {
    for (bj::value& item : v.get_array()) as_kubectl_sends(item);
  } else if (v.is_object()) {
    for (auto& kv : v.get_object()) as_kubectl_sends(kv.value());
  }
}

}  // namespace

result<std::vector<document>> read_documents(std::string_view text) {
  std::vector<std::vector<json::duplicate_field>> duplicates;
  auto values = json::parse_yaml_documents(text, &duplicates);
  if (!values) return std::move(values).error();
  std::vector<document> out;
  for (std::size_t i = 0; i < values->size(); ++i) {
    as_kubectl_sends((*values)[i]);
    add_document(out, std::move((*values)[i]), std::move(duplicates[i]));
  }
  return out;
}

std::vector<field_cause> duplicate_causes(const document& d) {
  std::vector<field_cause> out;
  for (const json::duplicate_field& dup : d.duplicates) {
    const std::size_t dot = dup.path.find_last_of('.');
    const std::string key = dot == std::string::npos ? dup.path : dup.path.substr(dot + 1);
    out.push_back({dup.path, "FieldValueDuplicate",
                   "duplicate field \"" + key + "\" at line " + std::to_string(dup.line) + " (first at line " +
                       std::to_string(dup.first_line) +
                       "): kubectl silently applies only the last value (kube-apiserver's strict decoding rejects the repeat); "
                       "keep one of them"});
  }
  return out;
}

bool is_habitat(const bj::value& v) { return string_at(v, "kind") == api::kind; }

std::string describe_document(const document& d) {
  std::string api_version = string_at(d.value, "apiVersion");
  std::string kind = string_at(d.value, "kind");
  if (kind.empty()) return d.label + " (no kind)";
  return (api_version.empty() ? "" : api_version + "/") + kind + " " + d.label;
}

checked_habitat check_habitat(const document& d) {
  checked_habitat out;
  out.label = d.label;
  out.problems = duplicate_causes(d);
  auto parsed = api::parse_habitat(d.value);  // checks apiVersion and kind, validates too
  if (parsed && out.problems.empty()) {
    out.habitat = std::move(*parsed);
  } else if (!parsed) {
    out.problems.insert(out.problems.end(), parsed.error().causes.begin(), parsed.error().causes.end());
    out.message = parsed.error().message;
  }
  return out;
}

std::vector<std::string> problem_lines(const checked_habitat& c) {
  std::vector<std::string> lines;
  for (const field_cause& cause : c.problems) {
    std::string line = c.label + ": ";
    if (!cause.field.empty()) line += cause.field + ": ";
    line += cause.message.empty() ? cause.reason : cause.message;
    lines.push_back(std::move(line));
  }
  if (lines.empty() && !c.habitat) lines.push_back(c.label + ": " + (c.message.empty() ? "invalid" : c.message));
  return lines;
}

}  // namespace habop::cli
