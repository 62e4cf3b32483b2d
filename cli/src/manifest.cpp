// Reading manifest documents and checking the Habitats among them for the `habop` CLI.
#include <habop/cli/manifest.hpp>

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

void add_document(std::vector<document>& out, bj::value v) {
  const bool is_list = v.is_object() && string_at(v, "kind") == "List" && v.get_object().contains("items") &&
                       v.get_object().at("items").is_array();
  if (is_list) {
    for (bj::value& item : v.get_object().at("items").get_array()) add_document(out, std::move(item));
    return;
  }
  std::string label = name_of(v);
  if (label.empty()) label = "document " + std::to_string(out.size() + 1);
  out.push_back(document{std::move(label), std::move(v)});
}

}  // namespace

result<std::vector<document>> read_documents(std::string_view text) {
  auto values = json::parse_yaml_documents(text);
  if (!values) return std::move(values).error();
  std::vector<document> out;
  for (bj::value& v : *values) add_document(out, std::move(v));
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
  auto parsed = api::parse_habitat(d.value);  // checks apiVersion and kind, validates too
  if (parsed) {
    out.habitat = std::move(*parsed);
  } else {
    out.problems = parsed.error().causes;
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
