// The simulated dynamic provisioner (rancher.io/local-path style) and PersistentVolume controller: claims of a
// provisionable StorageClass get a volume `pvc-<claim uid>` and are bound to it, released volumes are reclaimed.
//
// As kube-controller-manager's pkg/controller/volume/persistentvolume: a WaitForFirstConsumer claim is provisioned
// once a pod using it is scheduled (the simulation schedules pods itself, so: has a spec.nodeName), an Immediate one
// at once; binding writes the volume's phase, then the claim's volumeName and annotations, then the claim's status.
// A volume whose claim is gone (or was re-created with another uid) is Released, then deleted when its reclaim policy
// is Delete and a provisioner made it (else Failed, as KAS finds no deleter plugin); Retain and Recycle keep it
// Released. A bound claim whose volume is deleted becomes Lost. Not simulated: the pvc-protection and pv-protection
// finalizers (deletes take effect at once), static binding of unbound claims to existing Available volumes, and
// provisioning for claims whose StorageClass appears after them.
#include <habop/fake_apiserver/simulation.hpp>

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>

#include "json_fields.hpp"

namespace habop::fake {
namespace bj = boost::json;
namespace {

constexpr std::string_view provisioned_by = "pv.kubernetes.io/provisioned-by";
constexpr std::string_view local_path_root = "/var/local-path-provisioner/";

write_options as(std::string manager) {
  write_options o;
  o.field_manager = std::move(manager);
  return o;
}

const bj::object& meta_of(const bj::object& o) { return object_or_empty(o, "metadata"); }
const bj::object& spec_of(const bj::object& o) { return object_or_empty(o, "spec"); }
std::string phase_of(const bj::object& o) { return str(object_or_empty(o, "status"), "phase"); }

// The size a claim's spec requests, or null.
const bj::value* requested_storage(const bj::object& claim_spec) {
  return object_or_empty(object_or_empty(claim_spec, "resources"), "requests").if_contains("storage");
}

// The node of a scheduled, live pod in `ns` that mounts claim `name`, or "" when there is none.
std::string consumer_node(const object_store& store, const std::string& ns, const std::string& name) {
  auto pods = store.list(resources::pods(), ns);
  if (!pods) return {};
  for (const auto& pod : *pods) {
    const std::string node = str(spec_of(pod), "nodeName");
    if (node.empty() || meta_of(pod).contains("deletionTimestamp")) continue;
    const auto* volumes = spec_of(pod).if_contains("volumes");
    if (volumes == nullptr || !volumes->is_array()) continue;
    for (const auto& v : volumes->get_array())
      if (v.is_object() && str(object_or_empty(v.get_object(), "persistentVolumeClaim"), "claimName") == name)
        return node;
  }
  return {};
}

// The volume local-path provisions for `claim`: the requested size, a host directory named after the claim on the
// node it was scheduled to, pre-bound to the claim.
bj::object build_volume(const bj::object& claim, const bj::object& sc, const std::string& node) {
  const bj::object& meta = meta_of(claim);
  const bj::object& spec = spec_of(claim);
  const std::string uid = str(meta, "uid"), ns = str(meta, "namespace"), name = str(meta, "name");
  std::string policy = str(sc, "reclaimPolicy");
  bj::object pv_spec{
      {"capacity", bj::object{{"storage", *requested_storage(spec)}}},   // checked by the caller
      {"accessModes", spec.contains("accessModes") ? spec.at("accessModes") : bj::value(bj::array{})},
      {"persistentVolumeReclaimPolicy", policy.empty() ? std::string("Delete") : policy},
      {"storageClassName", str(spec, "storageClassName")},
      {"volumeMode", str(spec, "volumeMode").empty() ? std::string("Filesystem") : str(spec, "volumeMode")},
      {"claimRef", bj::object{{"kind", "PersistentVolumeClaim"},
                              {"namespace", ns},
                              {"name", name},
                              {"uid", uid},
                              {"apiVersion", "v1"},
                              {"resourceVersion", str(meta, "resourceVersion")}}},
      {"hostPath", bj::object{{"path", std::string(local_path_root) + "pvc-" + uid + "_" + ns + "_" + name},
                              {"type", "DirectoryOrCreate"}}},
      {"nodeAffinity",
       bj::object{{"required",
                   bj::object{{"nodeSelectorTerms",
                               bj::array{bj::object{{"matchExpressions",
                                                     bj::array{bj::object{{"key", "kubernetes.io/hostname"},
                                                                          {"operator", "In"},
                                                                          {"values", bj::array{node}}}}}}}}}}}}};
  if (sc.contains("mountOptions")) pv_spec["mountOptions"] = sc.at("mountOptions");
  bj::object annotations{{provisioned_by, str(sc, "provisioner")}, {"local.path.provisioner/selected-node", node}};
  return bj::object{{"apiVersion", "v1"},
                    {"kind", "PersistentVolume"},
                    {"metadata", bj::object{{"name", "pvc-" + uid}, {"annotations", std::move(annotations)}}},
                    {"spec", std::move(pv_spec)}};
}

// The members of `wanted` that `annotations` lacks or holds with another value (a merge patch of them).
bj::object missing_annotations(const bj::object& o, const bj::object& wanted) {
  const bj::object& annotations = object_or_empty(meta_of(o), "annotations");
  bj::object out;
  for (const auto& [k, v] : wanted)
    if (const auto* have = annotations.if_contains(k); have == nullptr || *have != v) out[k] = v;
  return out;
}

}  // namespace

void workload_simulator::on_claim_change(const change& c) {
  const bj::object& meta = meta_of(c.object);
  if (c.type != change_type::deleted) {
    claims_.due.try_emplace({str(meta, "namespace"), str(meta, "name")}, std::nullopt);
    return;
  }
  // Its volume is released; it may also have been provisioned and not yet bound.
  if (std::string volume = str(spec_of(c.object), "volumeName"); !volume.empty())
    volumes_.due.try_emplace({"", volume}, std::nullopt);
  volumes_.due.try_emplace({"", "pvc-" + str(meta, "uid")}, std::nullopt);
}

void workload_simulator::on_volume_change(const change& c) {
  if (c.type != change_type::deleted) {
    volumes_.due.try_emplace({"", str(meta_of(c.object), "name")}, std::nullopt);
    return;
  }
  const bj::object& ref = object_or_empty(spec_of(c.object), "claimRef");
  if (!str(ref, "name").empty()) claims_.due.try_emplace({str(ref, "namespace"), str(ref, "name")}, std::nullopt);
}

void workload_simulator::on_pod_claims(const change& c) {
  // A scheduled pod is the first consumer its WaitForFirstConsumer claims wait for.
  if (c.type == change_type::deleted || str(spec_of(c.object), "nodeName").empty()) return;
  const auto* volumes = spec_of(c.object).if_contains("volumes");
  if (volumes == nullptr || !volumes->is_array()) return;
  const std::string ns = str(meta_of(c.object), "namespace");
  for (const auto& v : volumes->get_array()) {
    if (!v.is_object()) continue;
    std::string claim = str(object_or_empty(v.get_object(), "persistentVolumeClaim"), "claimName");
    if (!claim.empty()) claims_.due.try_emplace({ns, std::move(claim)}, std::nullopt);
  }
}

std::size_t workload_simulator::reconcile_claim(const workload_key& key, instant now) {
  const auto& [ns, name] = key;
  auto got = store_.get(resources::persistentvolumeclaims(), ns, name);
  if (!got || meta_of(*got).contains("deletionTimestamp")) return 0;
  bj::object claim = std::move(*got);
  const write_options controller = as("kube-controller-manager");
  std::size_t writes = 0;
  bool failed = false;
  auto patch = [&](const resource_key& r, const std::string& obj_ns, const std::string& obj_name,
                   const bj::object& body, std::string_view sub) -> std::optional<bj::object> {
    auto patched = store_.merge_patch(r, obj_ns, obj_name, body, now, controller, sub);
    if (!patched) {
      failed = true;
      return std::nullopt;
    }
    ++writes;
    return std::move(*patched);
  };
  auto done = [&] {
    if (failed) claims_.retry.try_emplace(key, instant{now.unix_micros + opts_.retry_delay_micros});
    return writes;
  };

  std::string volume_name = str(spec_of(claim), "volumeName");
  std::optional<bj::object> volume;
  if (volume_name.empty()) {
    // Provisioning: only for a class with a provisioner, and (WaitForFirstConsumer) once a pod is scheduled.
    const std::string class_name = str(spec_of(claim), "storageClassName");
    if (class_name.empty()) return 0;
    auto sc = store_.get(resources::storageclasses(), "", class_name);
    if (!sc) return 0;
    const std::string provisioner = str(*sc, "provisioner");
    if (provisioner.empty() || provisioner == "kubernetes.io/no-provisioner") return 0;
    if (requested_storage(spec_of(claim)) == nullptr) return 0;
    const bool wait = str(*sc, "volumeBindingMode") == "WaitForFirstConsumer";
    const std::string node = wait ? consumer_node(store_, ns, name) : opts_.node_name;
    if (node.empty()) return 0;
    // The PV controller names the provisioner on the claim; the scheduler names the node it chose.
    bj::object wanted{{"volume.beta.kubernetes.io/storage-provisioner", provisioner},
                      {"volume.kubernetes.io/storage-provisioner", provisioner}};
    if (wait) wanted["volume.kubernetes.io/selected-node"] = node;
    if (bj::object add = missing_annotations(claim, wanted); !add.empty()) {
      auto patched = patch(resources::persistentvolumeclaims(), ns, name,
                           bj::object{{"metadata", bj::object{{"annotations", std::move(add)}}}}, {});
      if (!patched) return done();
      claim = std::move(*patched);
    }
    volume_name = "pvc-" + str(meta_of(claim), "uid");
    if (auto existing = store_.get(resources::persistentvolumes(), "", volume_name)) {
      volume = std::move(*existing);   // provisioned by an earlier pass that did not get to bind it
    } else if (auto created = store_.create(resources::persistentvolumes(), "", build_volume(claim, *sc, node), now,
                                            as(provisioner))) {
      ++writes;
      volume = std::move(*created);
    } else {
      failed = true;
      return done();
    }
  } else if (auto existing = store_.get(resources::persistentvolumes(), "", volume_name)) {
    volume = std::move(*existing);
  } else {
    // syncBoundClaim: the volume it was bound to is gone.
    if (phase_of(claim) != "Lost")
      (void)patch(resources::persistentvolumeclaims(), ns, name, bj::object{{"status", {{"phase", "Lost"}}}}, "status");
    return done();
  }

  // Binding, in the PV controller's order. A volume reserved for another claim is left alone.
  const bj::object& ref = object_or_empty(spec_of(*volume), "claimRef");
  const std::string uid = str(meta_of(claim), "uid");
  if (!ref.empty() && (str(ref, "namespace") != ns || str(ref, "name") != name ||
                       (!str(ref, "uid").empty() && str(ref, "uid") != uid)))
    return done();
  if (ref.empty() || str(ref, "uid").empty()) {   // a pre-bound claim: the volume learns its claim
    bj::object claim_ref{{"kind", "PersistentVolumeClaim"}, {"namespace", ns}, {"name", name}, {"uid", uid},
                         {"apiVersion", "v1"}, {"resourceVersion", str(meta_of(claim), "resourceVersion")}};
    auto bound = patch(resources::persistentvolumes(), "", volume_name,
                       bj::object{{"metadata", {{"annotations", {{"pv.kubernetes.io/bound-by-controller", "yes"}}}}},
                                  {"spec", {{"claimRef", std::move(claim_ref)}}}},
                       {});
    if (!bound) return done();
    volume = std::move(*bound);
  }
  if (phase_of(*volume) != "Bound" &&
      !patch(resources::persistentvolumes(), "", volume_name, bj::object{{"status", {{"phase", "Bound"}}}}, "status"))
    return done();
  bj::object bind = missing_annotations(
      claim, bj::object{{"pv.kubernetes.io/bind-completed", "yes"}, {"pv.kubernetes.io/bound-by-controller", "yes"}});
  if (str(spec_of(claim), "volumeName") == volume_name) bind.erase("pv.kubernetes.io/bound-by-controller");
  if (!bind.empty()) {
    auto patched = patch(resources::persistentvolumeclaims(), ns, name,
                         bj::object{{"metadata", {{"annotations", std::move(bind)}}},
                                    {"spec", {{"volumeName", volume_name}}}},
                         {});
    if (!patched) return done();
    claim = std::move(*patched);
  }
  const bj::object& vspec = spec_of(*volume);
  bj::object status{{"phase", "Bound"},
                    {"accessModes", vspec.contains("accessModes") ? vspec.at("accessModes") : bj::value(bj::array{})},
                    {"capacity", object_or_empty(vspec, "capacity")}};
  const bj::object& have = object_or_empty(claim, "status");
  bool same = true;
  for (const auto& [k, v] : status)
    if (const auto* old = have.if_contains(k); old == nullptr || *old != v) same = false;
  if (!same) (void)patch(resources::persistentvolumeclaims(), ns, name, bj::object{{"status", status}}, "status");
  return done();
}

std::size_t workload_simulator::reconcile_volume(const workload_key& key, instant now) {
  const std::string& name = key.second;
  auto got = store_.get(resources::persistentvolumes(), "", name);
  if (!got || meta_of(*got).contains("deletionTimestamp")) return 0;
  const bj::object& volume = *got;
  const write_options controller = as("kube-controller-manager");
  const std::string phase = phase_of(volume);
  auto set_status = [&](bj::object status) -> std::size_t {
    auto r = store_.merge_patch(resources::persistentvolumes(), "", name, bj::object{{"status", std::move(status)}},
                                now, controller, "status");
    if (r) return 1;
    volumes_.retry.try_emplace(key, instant{now.unix_micros + opts_.retry_delay_micros});
    return 0;
  };
  const bj::object& ref = object_or_empty(spec_of(volume), "claimRef");
  if (str(ref, "name").empty()) return phase == "Available" ? 0 : set_status(bj::object{{"phase", "Available"}});
  auto claim = store_.get(resources::persistentvolumeclaims(), str(ref, "namespace"), str(ref, "name"));
  if (claim && (str(ref, "uid").empty() || str(meta_of(*claim), "uid") == str(ref, "uid"))) {
    if (str(spec_of(*claim), "volumeName") == name)
      return phase == "Bound" ? 0 : set_status(bj::object{{"phase", "Bound"}});
    claims_.due.try_emplace({str(ref, "namespace"), str(ref, "name")}, std::nullopt);   // not bound yet: its sync binds
    return 0;
  }
  // The claim is gone: Released, then reclaimed.
  std::size_t writes = 0;
  if (phase == "Failed") return 0;
  if (phase != "Released") {
    writes += set_status(bj::object{{"phase", "Released"}});
    if (writes == 0) return 0;
  }
  if (str(spec_of(volume), "persistentVolumeReclaimPolicy") != "Delete") return writes;
  if (str(object_or_empty(meta_of(volume), "annotations"), provisioned_by).empty())
    return writes + set_status(bj::object{{"phase", "Failed"},
                                          {"message", "error getting deleter volume plugin for volume \"" + name +
                                                          "\": no deletable volume plugin matched"}});
  if (store_.remove(resources::persistentvolumes(), "", name, now)) return writes + 1;
  volumes_.retry.try_emplace(key, instant{now.unix_micros + opts_.retry_delay_micros});
  return writes;
}

}  // namespace habop::fake
