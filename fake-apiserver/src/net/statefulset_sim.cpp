// The simulated StatefulSet controller and kubelet: pods per ordinal, adoption of orphans, claims, rolling updates,
// revision history (statefulset_revisions.cpp) and status.
#include <habop/fake_apiserver/simulation.hpp>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <set>

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>

#include "json_fields.hpp"
#include "pod_events.hpp"
#include "statefulset_revisions.hpp"

namespace habop::fake {
namespace bj = boost::json;
namespace {

std::int64_t num(const bj::object& o, std::string_view key, std::int64_t fallback) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_int64() ? v->get_int64() : fallback;
}

// The ordinal of `<sts>-<n>`, or -1.
long ordinal_of(std::string_view pod_name, std::string_view sts_name) {
  auto parent = parent_and_ordinal(pod_name);
  return parent && parent->first == sts_name ? parent->second : -1;
}

// spec.selector in the query syntax object_store::list takes (matchLabels, then matchExpressions).
std::string selector_query(const bj::object& selector) {
  std::string out;
  auto add = [&out](const std::string& term) { out += (out.empty() ? "" : ",") + term; };
  for (const auto& [k, v] : object_or_empty(selector, "matchLabels"))
    if (v.is_string()) add(std::string(k) + "=" + std::string(v.get_string()));
  const auto* exprs = selector.if_contains("matchExpressions");
  for (std::size_t i = 0; exprs != nullptr && exprs->is_array() && i < exprs->get_array().size(); ++i) {
    const bj::value& e = exprs->get_array()[i];
    if (!e.is_object()) continue;
    const std::string key = str(e.get_object(), "key"), op = str(e.get_object(), "operator");
    std::string values;
    if (const auto* vs = e.get_object().if_contains("values"); vs != nullptr && vs->is_array())
      for (const auto& v : vs->get_array())
        if (v.is_string()) values += (values.empty() ? "" : ",") + std::string(v.get_string());
    if (op == "In") add(key + " in (" + values + ")");
    else if (op == "NotIn") add(key + " notin (" + values + ")");
    else if (op == "Exists") add(key);
    else if (op == "DoesNotExist") add("!" + key);
  }
  return out;
}

bool owned_by(const bj::object& pod, std::string_view uid) {
  const auto* refs = object_or_empty(pod, "metadata").if_contains("ownerReferences");
  if (refs == nullptr || !refs->is_array()) return false;
  return std::any_of(refs->get_array().begin(), refs->get_array().end(), [&](const bj::value& r) {
    return r.is_object() && str(r.get_object(), "uid") == uid;
  });
}

bool is_ready(const bj::object& pod) {
  const auto* conds = object_or_empty(pod, "status").if_contains("conditions");
  if (conds == nullptr || !conds->is_array()) return false;
  return std::any_of(conds->get_array().begin(), conds->get_array().end(), [](const bj::value& c) {
    return c.is_object() && str(c.get_object(), "type") == "Ready" && str(c.get_object(), "status") == "True";
  });
}

std::string revision_of(const bj::object& pod) {
  return str(object_or_empty(object_or_empty(pod, "metadata"), "labels"), "controller-revision-hash");
}

bj::object build_pod(const bj::object& sts, long ord, const std::string& revision) {
  const bj::object& meta = object_or_empty(sts, "metadata");
  const bj::object& spec = object_or_empty(sts, "spec");
  const bj::object& tmpl = object_or_empty(spec, "template");
  const bj::object& tmeta = object_or_empty(tmpl, "metadata");
  std::string name = str(meta, "name") + "-" + std::to_string(ord);
  bj::object labels = object_or_empty(tmeta, "labels");
  labels["controller-revision-hash"] = revision;
  labels["statefulset.kubernetes.io/pod-name"] = name;
  labels["apps.kubernetes.io/pod-index"] = std::to_string(ord);
  bj::object pod_meta{{"name", name}, {"namespace", str(meta, "namespace")}, {"labels", labels}};
  if (tmeta.contains("annotations")) pod_meta["annotations"] = tmeta.at("annotations");
  pod_meta["ownerReferences"] = bj::array{stateful_set_owner_reference(meta)};
  bj::object pod_spec = object_or_empty(tmpl, "spec");
  pod_spec["hostname"] = name;
  if (!str(spec, "serviceName").empty()) pod_spec["subdomain"] = str(spec, "serviceName");
  const auto* claims = spec.if_contains("volumeClaimTemplates");
  if (claims != nullptr && claims->is_array()) {
    bj::array volumes;
    if (const auto* v = pod_spec.if_contains("volumes"); v != nullptr && v->is_array()) volumes = v->get_array();
    for (const auto& c : claims->get_array()) {
      if (!c.is_object()) continue;
      std::string claim = str(object_or_empty(c.get_object(), "metadata"), "name");
      bool present = std::any_of(volumes.begin(), volumes.end(), [&](const bj::value& v) {
        return v.is_object() && str(v.get_object(), "name") == claim;
      });
      if (!present && !claim.empty()) {
        volumes.push_back(bj::object{{"name", claim},
                                     {"persistentVolumeClaim",
                                      bj::object{{"claimName", claim + "-" + str(meta, "name") + "-" +
                                                                    std::to_string(ord)}}}});
      }
    }
    pod_spec["volumes"] = std::move(volumes);
  }
  return bj::object{{"apiVersion", "v1"}, {"kind", "Pod"}, {"metadata", pod_meta}, {"spec", pod_spec}};
}

// What the kubelet reports once the pod's sandbox is up (an IP): every container running and the pod Ready, or,
// when its image cannot be `pulled`, every container waiting in ImagePullBackOff and the pod Pending, not ready.
bj::object kubelet_status(const bj::object& pod, const std::string& ip, instant now, bool pulled, std::uint64_t& ids) {
  const std::string ts = to_rfc3339(now);
  bj::array statuses;
  std::string names;
  const auto* containers = object_or_empty(pod, "spec").if_contains("containers");
  if (containers != nullptr && containers->is_array()) {
    for (const auto& c : containers->get_array()) {
      if (!c.is_object()) continue;
      const std::string name = str(c.get_object(), "name"), image = str(c.get_object(), "image");
      names += (names.empty() ? "" : " ") + name;
      bj::object st{{"name", name}, {"ready", pulled}, {"started", pulled}, {"restartCount", 0}, {"image", image}};
      if (pulled) {
        char id[32];
        std::snprintf(id, sizeof id, "%016llx", static_cast<unsigned long long>(++ids * 0x9e3779b97f4a7c15ull));
        st["imageID"] = image.empty() ? std::string() : "docker.io/library/" + image;
        st["containerID"] = std::string("containerd://") + id;
        st["state"] = bj::object{{"running", bj::object{{"startedAt", ts}}}};
      } else {
        st["imageID"] = "";
        st["state"] = bj::object{{"waiting", bj::object{{"reason", "ImagePullBackOff"},
                                                        {"message", "Back-off pulling image \"" + image + "\""}}}};
      }
      statuses.push_back(std::move(st));
    }
  }
  bj::array conditions;
  for (const char* type : {"PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"}) {
    const bool unready = !pulled && (std::string_view(type) == "Ready" || std::string_view(type) == "ContainersReady");
    bj::object c{{"type", type}, {"status", unready ? "False" : "True"}, {"lastProbeTime", nullptr},
                 {"lastTransitionTime", ts}};
    if (unready) {
      c["reason"] = "ContainersNotReady";
      c["message"] = "containers with unready status: [" + names + "]";
    }
    conditions.push_back(std::move(c));
  }
  return bj::object{{"phase", pulled ? "Running" : "Pending"}, {"conditions", conditions},
                    {"hostIP", simulated_host_ip}, {"hostIPs", bj::array{bj::object{{"ip", simulated_host_ip}}}},
                    {"podIP", ip},               {"podIPs", bj::array{bj::object{{"ip", ip}}}},
                    {"startTime", ts},           {"qosClass", "BestEffort"},
                    {"containerStatuses", statuses}};
}

// Whether a container image of `pod` contains one of `unpullable`.
bool has_unpullable_image(const bj::object& pod, const std::vector<std::string>& unpullable) {
  const auto* containers = object_or_empty(pod, "spec").if_contains("containers");
  if (unpullable.empty() || containers == nullptr || !containers->is_array()) return false;
  for (const auto& c : containers->get_array()) {
    if (!c.is_object()) continue;
    const std::string image = str(c.get_object(), "image");
    for (const auto& u : unpullable)
      if (!u.empty() && image.find(u) != std::string::npos) return true;
  }
  return false;
}

bool pulling_backs_off(const bj::object& pod) {
  const auto* statuses = object_or_empty(pod, "status").if_contains("containerStatuses");
  if (statuses == nullptr || !statuses->is_array()) return false;
  for (const auto& c : statuses->get_array())
    if (c.is_object() && str(object_or_empty(object_or_empty(c.get_object(), "state"), "waiting"), "reason") ==
                             "ImagePullBackOff")
      return true;
  return false;
}

bj::object build_claim(const bj::object& sts, const bj::object& tpl, long ord) {
  const bj::object& meta = object_or_empty(sts, "metadata");
  const bj::object& tmeta = object_or_empty(tpl, "metadata");
  bj::object labels = object_or_empty(tmeta, "labels");
  const bj::object& match = object_or_empty(object_or_empty(object_or_empty(sts, "spec"), "selector"), "matchLabels");
  for (const auto& [k, v] : match) labels[k] = v;
  bj::object claim_meta{{"name", str(tmeta, "name") + "-" + str(meta, "name") + "-" + std::to_string(ord)},
                        {"namespace", str(meta, "namespace")}};
  if (!labels.empty()) claim_meta["labels"] = labels;
  return bj::object{{"apiVersion", "v1"}, {"kind", "PersistentVolumeClaim"}, {"metadata", claim_meta},
                    {"spec", object_or_empty(tpl, "spec")}};
}

write_options as(std::string manager) {
  write_options o;
  o.field_manager = std::move(manager);
  return o;
}

}  // namespace

std::size_t workload_simulator::reconcile_stateful_set(const workload_key& key, instant now) {
  const auto& [ns, name] = key;
  auto got = store_.get(resources::statefulsets(), ns, name);
  if (!got) return 0;
  const bj::object& sts = *got;
  const bj::object& meta = object_or_empty(sts, "metadata");
  if (meta.contains("deletionTimestamp")) return 0;  // garbage collection removes the pods
  const bj::object& spec = object_or_empty(sts, "spec");
  const bj::object& status = object_or_empty(sts, "status");
  const long replicas = static_cast<long>(std::max<std::int64_t>(0, num(spec, "replicas", 1)));
  const bj::object& strategy = object_or_empty(spec, "updateStrategy");
  const bool on_delete = str(strategy, "type") == "OnDelete";
  const long partition = static_cast<long>(num(object_or_empty(strategy, "rollingUpdate"), "partition", 0));
  const write_options controller = as("kube-controller-manager");
  const write_options kubelet = as("kubelet");
  const sts_revisions revisions = sync_revisions(store_, sts, now, controller);
  const std::string& update_rev = revisions.update;
  std::string current_rev = revisions.current;
  std::size_t writes = revisions.writes;
  event_recorder events{store_, event_sequence_};
  // The controller's SuccessfulCreate / SuccessfulDelete events on the StatefulSet.
  auto record_pod = [&](std::string_view verb, const std::string& pod_name) {
    const std::string what = std::string(verb) + " Pod " + pod_name + " in StatefulSet " + str(meta, "name") +
                             " successful";
    if (events.record(sts, "Normal", verb == "create" ? "SuccessfulCreate" : "SuccessfulDelete", what,
                      "statefulset-controller", "", now))
      ++writes;
  };

  // Its pods by ordinal: those it owns that its selector matches, and orphans named like its members that it
  // matches, adopted first, as the controller's ClaimPods does (ownerReference added, then managed like the
  // others). An owned pod the selector no longer matches (its labels were edited) is released: its ownerReference
  // goes and it is no member any more, though its name stays taken, so that ordinal cannot be created again.
  auto list_pods = [&] {
    std::map<long, bj::object> out;
    std::set<std::string> orphans;
    if (auto pods = store_.list(resources::pods(), ns)) {
      for (auto& p : *pods) {
        const bj::object& pmeta = object_or_empty(p, "metadata");
        long ord = ordinal_of(str(pmeta, "name"), name);
        if (ord >= 0 && owned_by(p, str(meta, "uid"))) out.emplace(ord, std::move(p));
        else if (ord >= 0 && controller_reference(p) == nullptr && !pmeta.contains("deletionTimestamp"))
          orphans.insert(str(pmeta, "name"));
      }
    }
    const std::string selector = selector_query(object_or_empty(spec, "selector"));
    std::vector<bj::object> selected;
    if ((!orphans.empty() || !out.empty()) && !selector.empty()) {
      if (auto listed = store_.list(resources::pods(), ns, selector)) selected = std::move(*listed);
      std::set<std::string> matched;
      for (const auto& p : selected) matched.insert(str(object_or_empty(p, "metadata"), "name"));
      for (auto it = out.begin(); it != out.end();) {
        const bj::object& pmeta = object_or_empty(it->second, "metadata");
        if (matched.count(str(pmeta, "name")) != 0 || pmeta.contains("deletionTimestamp")) {
          ++it;
          continue;
        }
        bj::array kept;
        for (const auto& r : pmeta.at("ownerReferences").get_array())
          if (!r.is_object() || str(r.get_object(), "uid") != str(meta, "uid")) kept.push_back(r);
        bj::value refs = kept.empty() ? bj::value(nullptr) : bj::value(std::move(kept));
        bj::object patch{{"metadata", bj::object{{"ownerReferences", std::move(refs)},
                                                 {"resourceVersion", str(pmeta, "resourceVersion")}}}};
        if (store_.merge_patch(resources::pods(), ns, str(pmeta, "name"), patch, now, controller)) ++writes;
        it = out.erase(it);
      }
    }
    for (const auto& p : selected) {
      const bj::object& pmeta = object_or_empty(p, "metadata");
      if (orphans.count(str(pmeta, "name")) == 0) continue;
      bj::array refs;
      if (const auto* old = pmeta.if_contains("ownerReferences"); old != nullptr && old->is_array())
        refs = old->get_array();
      refs.push_back(stateful_set_owner_reference(meta));
      bj::object patch{{"metadata", bj::object{{"ownerReferences", std::move(refs)},
                                               {"resourceVersion", str(pmeta, "resourceVersion")}}}};
      if (auto adopted = store_.merge_patch(resources::pods(), ns, str(pmeta, "name"), patch, now, controller)) {
        ++writes;
        out.emplace(ordinal_of(str(pmeta, "name"), name), std::move(*adopted));
      }
    }
    return out;
  };
  std::map<long, bj::object> pods = list_pods();

  // The kubelet's part: terminating pods go away at once (no containers to stop).
  for (auto it = pods.begin(); it != pods.end();) {
    const bj::object& pmeta = object_or_empty(it->second, "metadata");
    if (!pmeta.contains("deletionTimestamp")) { ++it; continue; }
    const auto* fin = pmeta.if_contains("finalizers");
    if (fin == nullptr || !fin->is_array() || fin->get_array().empty()) {
      delete_options force;
      force.grace_period_seconds = 0;
      if (store_.remove(resources::pods(), ns, str(pmeta, "name"), now, force)) ++writes;
    }
    it = pods.erase(it);
  }
  bool changed_set = false;
  // Scale down, highest ordinal first.
  for (auto it = pods.rbegin(); it != pods.rend() && it->first >= replicas; ++it) {
    delete_options opts;
    opts.grace_period_seconds = 0;
    if (store_.remove(resources::pods(), ns, str(object_or_empty(it->second, "metadata"), "name"), now, opts)) {
      ++writes;
      changed_set = true;
      record_pod("delete", str(object_or_empty(it->second, "metadata"), "name"));
    }
  }
  // Claims from volumeClaimTemplates (kept on scale-down, as StatefulSets retain them by default); the simulated
  // provisioner binds them to volumes (volume_binding.cpp).
  const auto* claim_tpls = spec.if_contains("volumeClaimTemplates");
  for (long ord = 0; ord < replicas && claim_tpls != nullptr && claim_tpls->is_array(); ++ord) {
    for (const auto& tpl : claim_tpls->get_array()) {
      if (!tpl.is_object()) continue;
      bj::object claim = build_claim(sts, tpl.get_object(), ord);
      std::string claim_name = str(object_or_empty(claim, "metadata"), "name");
      if (store_.get(resources::persistentvolumeclaims(), ns, claim_name)) continue;
      if (store_.create(resources::persistentvolumeclaims(), ns, claim, now, controller)) ++writes;
    }
  }
  // The kubelet's part: a pod runs and is ready at once, with a fresh IP. Whether it is ready now.
  auto make_ready = [&](bj::object& pod) {
    if (str(object_or_empty(pod, "status"), "phase") == "Running" && is_ready(pod)) return true;
    const bool unpullable = has_unpullable_image(pod, opts_.unpullable_images);
    if (unpullable && pulling_backs_off(pod)) return false;   // reported already; it never pulls
    std::string ip = allocate_ip();
    auto patched = store_.merge_patch(resources::pods(), ns, str(object_or_empty(pod, "metadata"), "name"),
                                      bj::object{{"status", kubelet_status(pod, ip, now, !unpullable, container_ids_)}},
                                      now, kubelet, "status");
    if (!patched) {
      used_ips_.erase(ip);
      return false;
    }
    ++writes;
    pod = std::move(*patched);
    writes += record_pod_start(events, pod, !unpullable, now);
    return !unpullable;
  };
  // Missing ordinals are created at the update revision (RollingUpdate and OnDelete alike). OrderedReady (the
  // default) creates ordinal n only once n-1 is Running and Ready; as our kubelet readies a pod in the same pass,
  // that interleaves creation and readiness in ordinal order. Parallel creates them all first.
  const bool ordered = str(spec, "podManagementPolicy") != "Parallel";
  for (long ord = 0; ord < replicas; ++ord) {
    if (pods.count(ord) == 0) {
      bj::object pod = build_pod(sts, ord, update_rev);
      pod["spec"].as_object()["nodeName"] = opts_.node_name;
      if (auto created = store_.create(resources::pods(), ns, pod, now, controller)) {
        ++writes;
        changed_set = true;
        record_pod("create", str(object_or_empty(*created, "metadata"), "name"));
        pods.emplace(ord, std::move(*created));
      } else {
        // E.g. a pod of that name owned by something else: try again later, as the controller requeues.
        stateful_sets_.retry.try_emplace(key, instant{now.unix_micros + opts_.retry_delay_micros});
        if (ordered) break;
        continue;
      }
    }
    if (ordered && !make_ready(pods.at(ord))) break;
  }
  for (auto& [ord, pod] : pods) make_ready(pod);
  // RollingUpdate, as the StatefulSet controller does it: from the highest ordinal down to the partition, delete the
  // first stale pod (one per sync), and wait while a current one is not ready. OrderedReady first needs every pod
  // running and ready; Parallel does not, so a broken pod (an image that never pulls) is replaced as well.
  const bool settled = !changed_set && static_cast<long>(pods.size()) == replicas &&
                       (!ordered || std::all_of(pods.begin(), pods.end(), [](const auto& p) { return is_ready(p.second); }));
  if (!on_delete && settled) {
    for (auto it = pods.rbegin(); it != pods.rend() && it->first >= partition; ++it) {
      if (it->first >= replicas) continue;
      if (revision_of(it->second) == update_rev) {
        if (!is_ready(it->second)) break;
        continue;
      }
      delete_options opts;
      opts.grace_period_seconds = 0;
      if (store_.remove(resources::pods(), ns, str(object_or_empty(it->second, "metadata"), "name"), now, opts)) {
        ++writes;
        record_pod("delete", str(object_or_empty(it->second, "metadata"), "name"));
        pods.erase(std::next(it).base());
      }
      break;
    }
  }
  // Status, as the StatefulSet controller reports it.
  std::int64_t ready = 0, current = 0, updated = 0;
  for (const auto& [ord, pod] : pods) {
    if (ord >= replicas) continue;
    ready += is_ready(pod) ? 1 : 0;
    current += revision_of(pod) == current_rev ? 1 : 0;
    updated += revision_of(pod) == update_rev ? 1 : 0;
  }
  std::int64_t existing = static_cast<std::int64_t>(std::count_if(pods.begin(), pods.end(),
                                                                  [&](const auto& p) { return p.first < replicas; }));
  if (updated == replicas && existing == replicas) {
    current_rev = update_rev;
    current = updated;
  }
  auto omit_zero = [](std::int64_t n) { return n > 0 ? bj::value(n) : bj::value(nullptr); };
  bj::object next{{"observedGeneration", num(meta, "generation", 1)},
                  {"replicas", existing},
                  {"readyReplicas", omit_zero(ready)},
                  {"currentReplicas", omit_zero(current)},
                  {"updatedReplicas", omit_zero(updated)},
                  {"availableReplicas", ready},
                  {"currentRevision", current_rev},
                  {"updateRevision", update_rev},
                  {"collisionCount", 0}};
  bool same = true;
  for (const auto& [k, v] : next) {
    const auto* old = status.if_contains(k);
    if (v.is_null() ? old != nullptr && !(old->is_int64() && old->get_int64() == 0) : old == nullptr || *old != v) {
      same = false;
    }
  }
  if (!same && store_.merge_patch(resources::statefulsets(), ns, name, bj::object{{"status", next}}, now, controller,
                                  "status")) {
    ++writes;
  }
  std::set<std::string> live{revisions.current, update_rev};
  for (const auto& [ord, pod] : pods) live.insert(revision_of(pod));
  return writes + truncate_revisions(store_, sts, revisions.listed, live, now);
}

}  // namespace habop::fake
