// kube-apiserver's volume mount rule of ValidatePodSpec: every container's volumeMount names a volume of the pod.
#include <set>

#include "detail.hpp"

namespace habop::fake {
namespace {

/// The pod spec of `obj`, and the field path errors name; null when its kind has none kube-apiserver validates.
/// StatefulSet templates are left out as kube-apiserver leaves them (ValidatePodTemplateSpecForStatefulSet skips
/// the spec: its mounts may name claim templates); their pods are checked when created.
const bj::object* pod_spec_of(const resource_type& t, const bj::object& obj, std::string_view& field) {
  const bj::value* spec = nullptr;
  if (t.storage == "/pods") {
    spec = find_path(obj, {"spec"});
    field = "spec";
  } else if (t.storage == "apps/deployments") {
    spec = find_path(obj, {"spec", "template", "spec"});
    field = "spec.template.spec";
  }
  return spec && spec->is_object() ? &spec->get_object() : nullptr;
}

}  // namespace

std::vector<field_cause> check_volume_mounts(const resource_type& t, const bj::object& obj) {
  std::string_view field;
  const bj::object* spec = pod_spec_of(t, obj, field);
  if (!spec) return {};
  std::set<std::string, std::less<>> volumes;
  if (const bj::value* vs = spec->if_contains("volumes"); vs && vs->is_array()) {
    for (const auto& v : vs->get_array())
      if (const bj::value* name = v.is_object() ? v.get_object().if_contains("name") : nullptr; name && name->is_string())
        volumes.emplace(name->get_string());
  }
  std::vector<field_cause> causes;
  for (const char* list : {"initContainers", "containers"}) {
    const bj::value* containers = spec->if_contains(list);
    if (!containers || !containers->is_array()) continue;
    for (std::size_t i = 0; i < containers->get_array().size(); ++i) {
      const bj::value& c = containers->get_array()[i];
      const bj::value* mounts = c.is_object() ? c.get_object().if_contains("volumeMounts") : nullptr;
      if (!mounts || !mounts->is_array()) continue;
      for (std::size_t j = 0; j < mounts->get_array().size(); ++j) {
        const bj::value& m = mounts->get_array()[j];
        const bj::value* name = m.is_object() ? m.get_object().if_contains("name") : nullptr;
        if (!name || !name->is_string() || volumes.contains(std::string_view(name->get_string()))) continue;
        causes.push_back({std::string(field) + "." + list + "[" + std::to_string(i) + "].volumeMounts[" +
                              std::to_string(j) + "].name",
                          "FieldValueNotFound", "Not found: " + json_quote(name->get_string())});
      }
    }
  }
  return causes;
}

}  // namespace habop::fake
