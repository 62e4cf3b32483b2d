// The habitats.habitat.sh CustomResourceDefinition: its structural schema is generated from the field table.
#include <habop/api/crd.hpp>

#include <habop/api/habitat.hpp>
#include <habop/api/schema.hpp>

namespace habop::api {
namespace bj = boost::json;
namespace {

std::string description(const field_spec& row) {
  std::string d(row.description);
  if (!row.default_text.empty()) d += " Default: " + std::string(row.default_text) + ".";
  return d;
}

void add_string_constraints(bj::object& n, const field_spec& row) {
  if (!row.enum_values.empty()) {
    bj::array e;
    for (auto v : row.enum_values) e.emplace_back(v);
    n["enum"] = std::move(e);
  }
  if (!row.pattern.empty()) n["pattern"] = row.pattern;
  if (row.min_length) n["minLength"] = *row.min_length;
  if (row.max_length) n["maxLength"] = *row.max_length;
}

bj::object node(const field_spec& row);

// Rows directly below `path` become `properties`; the required ones `required` (never under metadata, where the
// API server allows only restrictions of name and generateName).
void add_properties(bj::object& n, std::string_view path) {
  bj::object props;
  bj::array required;
  const std::string prefix = path.empty() ? "" : std::string(path) + ".";
  for (const auto& row : habitat_fields()) {
    if (row.path.size() <= prefix.size() || row.path.substr(0, prefix.size()) != prefix) continue;
    const std::string_view name = row.path.substr(prefix.size());
    if (name.find_first_of(".[") != std::string_view::npos) continue;
    props[name] = node(row);
    if (row.required && path != "metadata" && !(path.empty() && name == "metadata")) required.emplace_back(name);
  }
  if (!props.empty()) n["properties"] = std::move(props);
  if (!required.empty()) n["required"] = std::move(required);
}

bj::object node(const field_spec& row) {
  bj::object n;
  n["description"] = description(row);
  switch (row.type) {
    case field_type::string:
      n["type"] = "string";
      if (!row.format.empty()) n["format"] = row.format;
      add_string_constraints(n, row);
      break;
    case field_type::integer:
      n["type"] = "integer";
      if (!row.format.empty()) n["format"] = row.format;
      if (row.minimum) n["minimum"] = *row.minimum;
      if (row.maximum) n["maximum"] = *row.maximum;
      break;
    case field_type::boolean:
      n["type"] = "boolean";
      break;
    case field_type::object:
      n["type"] = "object";
      add_properties(n, row.path);
      break;
    case field_type::array: {
      n["type"] = "array";
      const field_spec* item = find_field(std::string(row.path) + "[]");
      n["items"] = item ? node(*item) : bj::object{{"type", "object"}, {"x-kubernetes-preserve-unknown-fields", true}};
      if (!row.list_map_key.empty()) {
        n["x-kubernetes-list-type"] = "map";
        n["x-kubernetes-list-map-keys"] = bj::array{bj::value(row.list_map_key)};
      }
      break;
    }
    case field_type::string_map: {
      n["type"] = "object";
      bj::object values{{"type", "string"}};
      add_string_constraints(values, row);
      n["additionalProperties"] = std::move(values);
      break;
    }
  }
  if (row.preserve_unknown_fields) n["x-kubernetes-preserve-unknown-fields"] = true;
  return n;
}

bj::object column(const char* name, const char* type, const char* path, const char* description, int priority = 0) {
  bj::object c{{"name", name}, {"type", type}, {"jsonPath", path}, {"description", description}};
  if (priority != 0) c["priority"] = priority;
  return c;
}

}  // namespace

bj::object habitat_openapi_schema() {
  bj::object root{{"type", "object"},
                  {"description", "A Habitat runs a Habitat-packaged service under Supervisors in a StatefulSet."}};
  add_properties(root, "");
  bj::object& props = root["properties"].as_object();
  props["apiVersion"] = bj::object{{"type", "string"}, {"description", "habitat.sh/v1beta1"}};
  props["kind"] = bj::object{{"type", "string"}, {"description", "Habitat"}};
  return root;
}

bj::object habitat_crd() {
  const char* ready = ".status.conditions[?(@.type==\"Ready\")]";
  bj::array columns{
      column("Topology", "string", ".spec.v1beta2.service.topology", "Supervisor topology"),
      column("Desired", "integer", ".spec.v1beta2.count", "Desired pods"),
      column("Ready", "integer", ".status.readyReplicas", "Ready pods"),
      column("Status", "string", (std::string(ready) + ".status").c_str(), "Ready condition"),
      column("Reason", "string", (std::string(ready) + ".reason").c_str(), "Why the Habitat is (not) ready", 1),
      column("Age", "date", ".metadata.creationTimestamp", "Time since creation"),
  };
  bj::object version{
      {"name", api::version},
      {"served", true},
      {"storage", true},
      {"schema", bj::object{{"openAPIV3Schema", habitat_openapi_schema()}}},
      {"subresources",
       bj::object{{"status", bj::object{}},
                  {"scale", bj::object{{"specReplicasPath", ".spec.v1beta2.count"},
                                       {"statusReplicasPath", ".status.replicas"},
                                       {"labelSelectorPath", ".status.selector"}}}}},
      {"additionalPrinterColumns", std::move(columns)},
  };
  bj::object names{{"kind", kind},         {"listKind", list_kind},
                   {"plural", plural},     {"singular", singular},
                   {"shortNames", bj::array{short_name}}, {"categories", bj::array{"all"}}};
  return bj::object{
      {"apiVersion", "apiextensions.k8s.io/v1"},
      {"kind", "CustomResourceDefinition"},
      {"metadata", bj::object{{"name", crd_name}}},
      {"spec", bj::object{{"group", group},
                          {"names", std::move(names)},
                          {"scope", "Namespaced"},
                          {"versions", bj::array{std::move(version)}}}},
  };
}

}  // namespace habop::api
