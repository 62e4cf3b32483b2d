// The Markdown field reference of the Habitat resource, rendered from the field table.
#include <habop/api/schema.hpp>

#include <habop/api/detail/rules.hpp>

namespace habop::api {
namespace {

const char* type_name(const field_spec& f) {
  switch (f.type) {
    case field_type::string: return "string";
    case field_type::integer: return f.format == "int64" ? "integer (int64)" : "integer (int32)";
    case field_type::boolean: return "boolean";
    case field_type::object: return "object";
    case field_type::array: return "array";
    case field_type::string_map: return "map[string]string";
  }
  return "?";
}

// Table cells cannot hold `|`; regexps are shown in code spans, which Markdown does not unescape.
std::string cell(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '|') out += "\\|";
    else if (c == '\n') out += ' ';
    else out += c;
  }
  return out;
}

std::string constraints(const field_spec& f) {
  std::string out;
  auto add = [&](const std::string& s) {
    if (!out.empty()) out += "; ";
    out += s;
  };
  if (!f.enum_values.empty()) {
    std::string e = "one of";
    for (auto v : f.enum_values) e += " `" + std::string(v) + "`";
    add(e);
  }
  if (!f.pattern.empty()) add((f.type == field_type::string_map ? "values match `" : "matches `") +
                              std::string(f.pattern) + "`");
  if (f.minimum) add("≥ " + std::to_string(*f.minimum));
  if (f.maximum) add("≤ " + std::to_string(*f.maximum));
  if (f.min_length) add(*f.min_length == 1 ? std::string("not empty")
                                            : "at least " + std::to_string(*f.min_length) + " characters");
  if (f.max_length) add("at most " + std::to_string(*f.max_length) + " characters");
  if (f.format == "date-time") add("RFC 3339 time");
  if (!f.list_map_key.empty()) add("unique by `" + std::string(f.list_map_key) + "`");
  if (f.preserve_unknown_fields) add("copied verbatim");
  return out.empty() ? "" : cell(out);
}

}  // namespace

std::string field_reference_markdown() {
  std::string out =
      "# Habitat field reference\n\n"
      "`apiVersion: habitat.sh/v1beta1`, `kind: Habitat` (plural `habitats`, short name `hab`, namespaced). "
      "Generated from habop's field table, the same table the CRD schema and `habop validate` use.\n\n"
      "Unknown fields are ignored by habop and pruned by the API server, except inside the fields marked "
      "\"copied verbatim\".\n\n"
      "| Field | Type | Required | Default | Constraints | Description |\n"
      "|---|---|---|---|---|---|\n";
  for (const auto& f : habitat_fields()) {
    out += "| `" + std::string(f.path) + "` | " + type_name(f) + " | " + (f.required ? "yes" : "no") + " | " +
           cell(f.default_text) + " | " + constraints(f) + " | " + cell(f.description) + " |\n";
  }
  out += "\n## Checked by habop only\n\nThe CRD's schema rejects what the table says at admission. These rules "
         "cannot be written in a CRD schema; `habop validate` checks them, and the operator reports a Habitat "
         "that breaks them with a `Ready=False` condition (reason `InvalidSpec`) and one `ValidationFailed` event:\n\n";
  for (auto rule : detail::rule_descriptions()) out += "- " + std::string(rule) + "\n";
  return out;
}

}  // namespace habop::api
