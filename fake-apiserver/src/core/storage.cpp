// kube-apiserver's rules for the storage kinds: the DefaultStorageClass admission plugin and PersistentVolume
// validation (k8s.io/kubernetes plugin/pkg/admission/storage/storageclass/setdefault, pkg/apis/core/validation).
#include "detail.hpp"

#include <algorithm>

namespace habop::fake {
namespace {

// The volume sources of a PersistentVolumeSpec (v1.PersistentVolumeSource); exactly one must be set.
constexpr std::string_view volume_sources[] = {
    "gcePersistentDisk", "awsElasticBlockStore", "hostPath", "glusterfs", "nfs", "rbd", "iscsi", "cinder",
    "cephfs", "fc", "flocker", "flexVolume", "azureFile", "vsphereVolume", "quobyte", "azureDisk",
    "photonPersistentDisk", "portworxVolume", "scaleIO", "local", "storageos", "csi"};

bool has_members(const bj::object& o, std::string_view key) {
  const bj::value* v = o.if_contains(key);
  return v && ((v->is_object() && !v->get_object().empty()) || (v->is_array() && !v->get_array().empty()));
}

}  // namespace

void admit_default_storage_class(const object_store::impl& s, bj::object& claim) {
  // helper.PersistentVolumeClaimHasClass: the beta annotation, or storageClassName set at all ("" asks for none).
  if (!string_at(claim, {"metadata", "annotations", "volume.beta.kubernetes.io/storage-class"}).empty()) return;
  bj::object* spec = object_at(claim, "spec");
  if (const bj::value* c = spec->if_contains("storageClassName"); c && c->is_string()) return;
  const resource_type* sct = s.find(resources::storageclasses());
  const object_map* classes = sct ? s.objects_if(*sct) : nullptr;
  if (!classes) return;
  // GetDefaultClass: of the classes annotated as default, the newest, then the first by name.
  std::optional<std::pair<std::int64_t, std::string>> best;   // creation time, name
  for (const auto& [key, frozen] : *classes) {
    const obj_ptr sc = thaw(*frozen);
    if (!is_default_storage_class(*sc)) continue;
    const auto created = parse_rfc3339(string_at(*sc, {"metadata", "creationTimestamp"}));
    const std::pair candidate{created ? created->unix_micros : 0, key.second};
    if (!best || candidate.first > best->first || (candidate.first == best->first && candidate.second < best->second))
      best = candidate;
  }
  if (best) (*spec)["storageClassName"] = best->second;
}

std::vector<field_cause> validate_persistent_volume(const bj::object& pv) {
  std::vector<field_cause> causes;
  const bj::value* sv = pv.if_contains("spec");
  const bj::object empty;
  const bj::object& spec = sv && sv->is_object() ? sv->get_object() : empty;
  if (!has_members(spec, "accessModes")) causes.push_back({"spec.accessModes", "FieldValueRequired", "Required value"});
  if (!has_members(spec, "capacity")) causes.push_back({"spec.capacity", "FieldValueRequired", "Required value"});
  const std::string policy = string_at(spec, {"persistentVolumeReclaimPolicy"});
  if (!policy.empty() && policy != "Delete" && policy != "Recycle" && policy != "Retain")
    causes.push_back({"spec.persistentVolumeReclaimPolicy", "FieldValueNotSupported",
                      "Unsupported value: " + json_quote(policy) +
                          ": supported values: \"Delete\", \"Recycle\", \"Retain\""});
  const auto sources = std::count_if(std::begin(volume_sources), std::end(volume_sources),
                                     [&](std::string_view k) { return spec.contains(k); });
  if (sources == 0) causes.push_back({"spec", "FieldValueRequired", "Required value: must specify a volume type"});
  std::size_t seen = 0;
  for (std::string_view k : volume_sources)
    if (spec.contains(k) && ++seen > 1)
      causes.push_back({"spec." + std::string(k), "FieldValueForbidden",
                        "Forbidden: may not specify more than 1 volume type"});
  return causes;
}

void stamp_volume_phase(const bj::object* old, bj::object& pv, instant now) {
  const std::string phase = string_at(pv, {"status", "phase"});
  if (old && string_at(*old, {"status", "phase"}) == phase) return;
  if (!phase.empty()) (*object_at(pv, "status"))["lastPhaseTransitionTime"] = to_rfc3339(now);
}

}  // namespace habop::fake
