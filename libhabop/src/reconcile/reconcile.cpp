// Orchestration of one reconcile: validate, render, compare with what was observed, and assemble the plan.
#include <habop/reconcile/reconcile.hpp>

#include <algorithm>
#include <unordered_map>

#include <habop/api/detail/lean_parse.hpp>
#include <habop/api/parse.hpp>
#include <habop/json/detail/find.hpp>
#include <habop/reconcile/conditions.hpp>
#include <habop/reconcile/detail/json_access.hpp>
#include <habop/reconcile/fingerprint.hpp>
#include <habop/reconcile/merge_patch.hpp>
#include <habop/reconcile/owned.hpp>
#include <habop/reconcile/peers.hpp>
#include <habop/reconcile/status.hpp>
#include <habop/render/names.hpp>

namespace habop::reconcile {
using habop::json::detail::find_member;
namespace bj = boost::json;
using detail::member_array;
using detail::member_int;
using detail::member_object;
using detail::member_string;
using detail::path_object;

namespace {

object_ref ref(const char* api_version, const char* kind, const char* plural, std::string_view ns,
               std::string_view name, std::string_view uid = {}) {
  return object_ref{api_version, kind, plural, std::string(ns), std::string(name), std::string(uid)};
}

object_ref ref_of(const char* api_version, const char* kind, const char* plural, const bj::object& o) {
  const bj::object* meta = member_object(&o, "metadata");
  return ref(api_version, kind, plural, member_string(meta, "namespace"), member_string(meta, "name"),
             member_string(meta, "uid"));
}

std::string join(const std::vector<std::string>& items, const char* sep) {
  std::string out;
  for (const auto& s : items) {
    if (!out.empty()) out += sep;
    out += s;
  }
  return out;
}

// One line for a condition: the error's message, then every field problem.
std::string one_line(const error& e) {
  std::string out = e.message;
  for (const auto& c : e.causes) {
    if (!out.empty()) out += "; ";
    out += c.field.empty() ? c.message : c.field + ": " + c.message;
  }
  return out;
}

const bj::object* find_by_name(const std::vector<object_ptr>& objects, std::string_view name) {
  for (const auto& o : objects)
    if (member_string(member_object(o.get(), "metadata"), "name") == name) return o.get();
  return nullptr;
}

/// What a write does to an object's spec; status reads a scale-down as no rollout.
enum class spec_change { none, scale_down, other };

spec_change spec_change_of(const merge_diff& d, const bj::object& have) {
  bool replicas = false;
  for (const auto& path : d.changed) {
    if (!path.starts_with("spec.")) continue;
    if (path != "spec.replicas") return spec_change::other;
    replicas = true;
  }
  if (!replicas) return spec_change::none;
  const bj::value* wanted = d.patch.contains("spec") && d.patch.at("spec").is_object()
                                ? d.patch.at("spec").get_object().if_contains("replicas")
                                : nullptr;
  const std::int64_t had = member_int(member_object(&have, "spec"), "replicas", -1);
  return wanted && wanted->is_int64() && wanted->get_int64() < had ? spec_change::scale_down : spec_change::other;
}

// The changed paths a person would recognise: the hash annotation is bookkeeping, not a change worth naming.
std::string changed_fields(const merge_diff& d) {
  std::vector<std::string> shown;
  for (const auto& p : d.changed)
    if (p != std::string("metadata.annotations.") + annotation_rendered_hash) shown.push_back(p);
  return join(shown.empty() ? d.changed : shown, ", ");
}

patch_object make_patch(object_ref target, merge_diff d, const bj::object& observed) {
  bj::value& meta = d.patch["metadata"];
  if (!meta.is_object()) meta = bj::object{};
  // The precondition: the server answers 409 if the object changed since it was observed.
  const std::string_view rv = member_string(member_object(&observed, "metadata"), "resourceVersion");
  meta.get_object()["resourceVersion"] = rv;
  std::string summary = join(d.changed, ", ");
  return patch_object{std::move(target), std::move(d.patch), std::move(summary), patch_type::merge, std::string(rv)};
}

// Each reference of `refs` by uid (a ring of N Habitats compares N references with N, not N²).
std::unordered_map<std::string_view, const bj::value*> references_by_uid(const bj::array* refs) {
  std::unordered_map<std::string_view, const bj::value*> out;
  if (!refs) return out;
  out.reserve(refs->size());
  for (const auto& r : *refs)
    if (r.is_object()) out.emplace(member_string(&r.get_object(), "uid"), &r);
  return out;
}

// Only the shared peer ConfigMap's Habitat references change (Habitats joined or left): a strategic merge patch
// keyed by uid adds and removes just those, with no precondition, so that Habitats created together do not
// conflict (409) on the one ConfigMap they share. References to anything else are left alone. Nullopt when the
// references differ only in order.
std::optional<patch_object> owner_references_patch(object_ref target, const bj::array& wanted,
                                                   const bj::object& observed) {
  const bj::array* have = member_array(member_object(&observed, "metadata"), "ownerReferences");
  const auto had_by_uid = references_by_uid(have);
  const auto wanted_by_uid = references_by_uid(&wanted);
  bj::array changes;
  std::vector<std::string> summary;
  for (const auto& r : wanted) {
    if (!r.is_object()) continue;
    const auto had = had_by_uid.find(member_string(&r.get_object(), "uid"));
    if (had != had_by_uid.end() && *had->second == r) continue;
    changes.push_back(r);
    summary.push_back("+" + std::string(member_string(&r.get_object(), "name")));
  }
  if (have) {
    for (const auto& r : *have) {
      if (!r.is_object() || !is_habitat_reference(r.get_object())) continue;
      const std::string_view uid = member_string(&r.get_object(), "uid");
      if (wanted_by_uid.contains(uid)) continue;
      changes.push_back(bj::object{{"$patch", "delete"}, {"uid", uid}});
      summary.push_back("-" + std::string(member_string(&r.get_object(), "name")));
    }
  }
  if (changes.empty()) return std::nullopt;
  bj::object body{{"metadata", bj::object{{"ownerReferences", std::move(changes)}}}};
  return patch_object{std::move(target), std::move(body), "metadata.ownerReferences " + join(summary, " "),
                      patch_type::strategic,
                      std::string(member_string(member_object(&observed, "metadata"), "resourceVersion"))};
}

// The stamp a write leaves on an owned object: these inputs, and the object as it will be once the patch is applied
// (`unverified` when it will still not satisfy the rendering, so that every reconcile reports why).
void restamp(merge_diff& d, const bj::object& have, std::uint64_t inputs, bool verified) {
  const std::string stamp = verified ? make_stamp(inputs, observed_hash(apply_merge_patch(have, d.patch).as_object()))
                                     : make_stamp(inputs, unverified);
  if (stamp == rendered_hash_of(have)) return;
  const std::string path = std::string("metadata.annotations.") + annotation_rendered_hash;
  if (std::find(d.changed.begin(), d.changed.end(), path) == d.changed.end()) d.changed.push_back(path);
  set_stamp(d.patch, stamp);
}

// A projection's stamp before the diff: these inputs with the observed object's own `<observed>` part, so that the
// stamp shows up in the diff only when the inputs changed (restamp then writes the final value).
std::string provisional_stamp(const bj::object& have, std::uint64_t inputs) {
  return make_stamp(inputs, stamp_observed(rendered_hash_of(have)));
}

struct builder {
  const snapshot& observed;
  const options& opts;
  const bj::object& raw;   ///< the Habitat being reconciled, as served (the stamps' inputs, the events' object)
  const peer_index* peers = nullptr;   ///< the namespace's (`observed.peers`, or built once the spec is valid)
  std::vector<operation> creates, patches, deletes;
  std::vector<event> events;
  std::vector<problem> problems;
  std::vector<std::string> waiting;      ///< status_inputs::waiting
  bool stateful_set_left_alone = false;  ///< The observed StatefulSet is not this Habitat's (left_alone).

  void emit(const char* type, const char* reason, std::string message) {
    events.push_back(event{type, reason, std::move(message), habitat_ref(raw)});   // built only for an event
  }

  // A create, or a patch of the owned projection; the event tells a spec change from a reverted edit (by the
  // stamp's inputs). `verified`: the patch makes the object satisfy the rendering (no immutable field differs).
  void converge(object_ref target, const char* what, std::uint64_t inputs, const bj::object* have,
                bj::object create_body, const bj::object& projection, bool verified, spec_change& change) {
    if (!have) {
      set_stamp(create_body, make_stamp(inputs, observed_hash(create_body)));
      creates.emplace_back(create_object{std::move(target), std::move(create_body)});
      emit("Normal", what == std::string_view("StatefulSet") ? "StatefulSetCreated" : "ServiceCreated",
           std::string("Created ") + what);
      change = spec_change::other;
      return;
    }
    merge_diff d = diff_owned(projection, *have);
    if (d.empty()) return;
    change = spec_change_of(d, *have);
    const std::string fields = changed_fields(d);
    if (stamp_has_inputs(rendered_hash_of(*have), inputs)) {
      // The object was already at this rendering, so someone else changed habop's fields (issue #248/#252).
      emit("Warning", "ConfigurationReverted",
           std::string("Reverted changes made outside habop to ") + what + " " + target.name + ": " + fields);
    } else {
      emit("Normal", what == std::string_view("StatefulSet") ? "StatefulSetUpdated" : "ServiceUpdated",
           std::string("Updated ") + what + ": " + fields);
    }
    restamp(d, *have, inputs, verified);
    patches.emplace_back(make_patch(std::move(target), std::move(d), *have));
  }

  // Whether `have`, named like the Habitat, is left alone: controlled by something else (an OwnerConflict), or by a
  // deleted Habitat of the same name (re-created under it: `kubectl replace --force`, delete then apply), which the
  // garbage collector is deleting: a wait, with no event and nothing written. The shell's caches wake the Habitat
  // when it goes (its habitat-name label), and habop creates its own.
  bool left_alone(const char* what, const api::habitat& h, const bj::object& have, bool blocks_ready) {
    const std::string object = std::string(what) + " " + h.metadata.name;
    switch (ownership_of(have, h.metadata.uid, h.metadata.name)) {
      case ownership::foreign:
        problems.push_back({reasons::owner_conflict,
                            object + " is controlled by " + controller_of(have) +
                                " and habop leaves it alone: delete it or rename the Habitat",
                            blocks_ready});
        return true;
      case ownership::previous:
        waiting.push_back(object + " still belongs to a deleted Habitat " + h.metadata.name + " (uid " +
                          std::string(member_string(controller_reference(have), "uid")) +
                          "): waiting for the garbage collector to delete it");
        return true;
      case ownership::ours:
      case ownership::adoptable:
        break;
    }
    return false;
  }

  void service(const api::habitat& h) {
    const bj::object* have = observed.service.get();
    const std::uint64_t inputs = inputs_hash(raw, opts.render, stamped::service);
    if (have && converged_by_stamp(*have, inputs, observed.service_hash)) return;  // exactly as a reconcile of these inputs left it
    bj::object svc = render::render_service(h);
    object_ref target = ref("v1", "Service", "services", h.metadata.ns, h.metadata.name);
    spec_change ignored = spec_change::none;
    if (!have) return converge(std::move(target), "Service", inputs, nullptr, std::move(svc), {}, true, ignored);
    target.uid = member_string(member_object(have, "metadata"), "uid");
    if (left_alone("Service", h, *have, false)) return;
    bj::object projection = std::move(svc);
    set_stamp(projection, provisional_stamp(*have, inputs));
    const std::string cluster_ip = own_service(projection, have);
    const std::string_view have_ip = member_string(member_object(have, "spec"), "clusterIP");
    if (have_ip != cluster_ip) {
      // Left exactly as it is: often a user's NodePort or LoadBalancer named like the Habitat (the original
      // operator created no Service). Patching the rest would replace its ports and selector and make the Habitat
      // its controller, so that deleting the Habitat would delete it.
      problems.push_back({reasons::immutable_field_changed,
                          "Service " + h.metadata.name + " has clusterIP " + std::string(have_ip) +
                              " but habop needs a headless Service (clusterIP None), which cannot be changed in "
                              "place: delete it (kubectl delete service " + h.metadata.name + " -n " +
                              h.metadata.ns + ") and habop recreates it",
                          false});
      return;
    }
    const bj::object* meta = member_object(&projection, "metadata");
    const bj::array* ours = member_array(meta, "ownerReferences");
    if (ours && !ours->empty() && ours->front().is_object())
      set_owner_references(projection, merge_owner_references(member_object(have, "metadata"), ours->front().get_object()));
    converge(std::move(target), "Service", inputs, have, {}, projection, true, ignored);
  }

  // peer_config_map_serves, answered by the index when it was built from this version of the ConfigMap.
  bool serves(const bj::object& have, const api::habitat& h, const std::string& name, const peer_group_view& group) const {
    auto ring = peers->rings.find(name);
    if (ring != peers->rings.end() && ring->second.served) {
      const peer_served_set& known = *ring->second.served;
      const bj::object* meta = member_object(&have, "metadata");
      if (known.ns == h.metadata.ns && known.max_seeds == opts.max_peer_seeds &&
          known.uid == member_string(meta, "uid") && known.resource_version == member_string(meta, "resourceVersion"))
        return std::binary_search(known.uids.begin(), known.uids.end(), std::string_view(h.metadata.uid));
    }
    return peer_config_map_serves(have, h.metadata.ns, name, group, h.metadata.uid);
  }

  void config_map(const api::habitat& h) {
    const std::string name = render::peer_config_map_name(h);
    const bj::object* have = find_by_name(observed.config_maps, name);
    const peer_group_view group = compute_peer_group_view(*peers, name, have, opts.max_peer_seeds);
    bool self = false;
    for (const auto& o : group.owners) self = self || o.uid == h.metadata.uid;
    // Every reconcile of a namespace's Habitats looks at the shared ConfigMap: when it already serves this Habitat,
    // nothing is rendered (a missing sharer adds itself, and then every sharer: see peer_config_map_serves).
    if (have && self && serves(*have, h, name, group)) return;
    std::vector<api::habitat> owner_values(group.owners.size());
    std::vector<const api::habitat*> owners;
    for (std::size_t i = 0; i < group.owners.size(); ++i) {
      owner_values[i].metadata.name = group.owners[i].name;
      owner_values[i].metadata.ns = group.owners[i].ns;
      owner_values[i].metadata.uid = group.owners[i].uid;
      owners.push_back(&owner_values[i]);
    }
    if (!self) owners.push_back(&h);  // the snapshot should list it; never leave the reconciled Habitat out
    bj::object cm = render::render_peer_config_map(h.metadata.ns, name, owners, group.seeds);
    object_ref target = ref("v1", "ConfigMap", "configmaps", h.metadata.ns, name);
    if (!have) {
      creates.emplace_back(create_object{std::move(target), std::move(cm)});
      emit("Normal", "ConfigMapCreated", "Created peer IP ConfigMap");
      return;
    }
    target.uid = member_string(member_object(have, "metadata"), "uid");
    bj::array refs;
    if (bj::value* r = cm["metadata"].as_object().if_contains("ownerReferences"); r && r->is_array())
      refs = std::move(r->get_array());
    set_owner_references(cm, merge_shared_owner_references(member_object(have, "metadata"), std::move(refs)));
    merge_diff d = diff_owned(cm, *have);
    if (d.empty()) return;
    if (std::all_of(d.changed.begin(), d.changed.end(),
                    [](const std::string& p) { return p == "metadata.ownerReferences"; })) {
      const bj::value* wanted = member_object(&cm, "metadata")->if_contains("ownerReferences");
      if (wanted && wanted->is_array()) {
        if (auto patch = owner_references_patch(std::move(target), wanted->get_array(), *have))
          patches.push_back(std::move(*patch));
        return;
      }
    }
    const bool data_changed = std::any_of(d.changed.begin(), d.changed.end(),
                                          [](const std::string& p) { return p.starts_with("data"); });
    if (data_changed) {
      emit("Normal", "ConfigMapUpdated",
           group.seeds.empty() ? "Removed peer IP from ConfigMap" : "Updated peer IP in ConfigMap");
    }
    patches.emplace_back(make_patch(std::move(target), std::move(d), *have));
  }

  // A peer ConfigMap no Habitat maps to any more (its last sharer changed ring, or dropped or added a ring key) that
  // still names this Habitat as an owner serves nobody: delete it, guarded by its resourceVersion (a Habitat joining
  // it meanwhile makes that a 409, and the next reconcile leaves it alone). Nobody else would: the garbage collector
  // waits for the Habitat's deletion, and its seeds would stay frozen until then. A ConfigMap some Habitat still
  // maps to is rewritten without this one by that sharer's reconcile. Only the namespace's few ConfigMaps are read.
  void leave_abandoned_peer_config_maps(const api::habitat& h) {
    for (const auto& cm : observed.config_maps) {
      if (!cm) continue;
      const bj::object* meta = member_object(cm.get(), "metadata");
      const std::string_view name = member_string(meta, "name");
      if (!name.starts_with(render::peer_config_map_base_name) || peers->rings.contains(name)) continue;
      if (detail::has_member(meta, "deletionTimestamp")) continue;
      const bj::array* refs = member_array(meta, "ownerReferences");
      if (!refs || std::none_of(refs->begin(), refs->end(), [&](const bj::value& r) {
            return r.is_object() && is_habitat_reference(r.get_object()) &&
                   member_string(&r.get_object(), "uid") == h.metadata.uid;
          }))
        continue;
      object_ref target = ref("v1", "ConfigMap", "configmaps", h.metadata.ns, std::string(name));
      target.uid = member_string(meta, "uid");
      deletes.emplace_back(delete_object{std::move(target), std::string(member_string(meta, "resourceVersion")),
                                         "Background", "no Habitat uses it any more"});
    }
  }

  // Returns whether the plan writes the StatefulSet's spec. `h` is parsed lean: its verbatim values are read here,
  // once rendering needs them.
  spec_change stateful_set(api::habitat& h) {
    const bj::object* have = observed.stateful_set.get();
    const std::uint64_t inputs = inputs_hash(raw, opts.render, stamped::stateful_set);
    if (have && converged_by_stamp(*have, inputs, observed.stateful_set_hash)) return spec_change::none;  // exactly as a reconcile of these inputs left it
    api::detail::read_verbatim(raw, h.spec);
    bj::object sts = render::render_stateful_set(h, opts.render);
    object_ref target = ref("apps/v1", "StatefulSet", "statefulsets", h.metadata.ns, h.metadata.name);
    spec_change change = spec_change::none;
    if (!have) {
      converge(std::move(target), "StatefulSet", inputs, nullptr, std::move(sts), {}, true, change);
      return change;
    }
    target.uid = member_string(member_object(have, "metadata"), "uid");
    if (left_alone("StatefulSet", h, *have, true)) {
      stateful_set_left_alone = true;
      return spec_change::none;
    }
    bj::object projection = std::move(sts);
    set_stamp(projection, provisional_stamp(*have, inputs));
    // Never patched: the API server rejects any change to them, and the original's PUT of them failed for ever.
    const std::vector<std::string> immutable = take_immutable_fields(projection, *have);
    // The pod template's volume mounts name the claim templates: patched alone, it would mount a claim the
    // StatefulSet does not have (the API server rejects it) or drop the data volume from the pods. It waits.
    const bool claims_differ =
        std::find(immutable.begin(), immutable.end(), "spec.volumeClaimTemplates") != immutable.end();
    if (!immutable.empty()) {
      problems.push_back({reasons::immutable_field_changed,
                          "StatefulSet " + h.metadata.name + ": " + join(immutable, ", ") +
                              " cannot be changed in place" + (claims_differ ? " (nor the pod template, whose "
                                                                               "volume mounts name the claims)"
                                                                             : "") +
                              "; delete the StatefulSet keeping its pods (kubectl delete statefulset " +
                              h.metadata.name + " -n " + h.metadata.ns + " --cascade=orphan) and habop recreates it",
                          false});
    }
    own_stateful_set(projection, have);
    if (claims_differ) projection["spec"].as_object().erase("template");   // own_stateful_set made spec an object
    const bj::array* ours = member_array(member_object(&projection, "metadata"), "ownerReferences");
    if (ours && !ours->empty() && ours->front().is_object())
      set_owner_references(projection, merge_owner_references(member_object(have, "metadata"), ours->front().get_object()));
    converge(std::move(target), "StatefulSet", inputs, have, {}, projection, immutable.empty(), change);
    return change;
  }

  // AllAtOnce: a leader topology loses quorum and sticks in ElectionNoQuorum when members are replaced one at a time
  // (habitat-sh/habitat#5264), so the StatefulSet is OnDelete and habop deletes every stale pod in one plan. Stale is
  // read from state (pod `controller-revision-hash` vs the StatefulSet's `updateRevision`), never remembered, so an
  // operator crash mid-way loses nothing; the revision is trusted only once the controller has seen the spec.
  void restart_stale_pods(const api::habitat& h) {
    if (api::effective_update_strategy(h.spec) != api::update_strategy::all_at_once || !observed.stateful_set ||
        stateful_set_left_alone)
      return;
    const bj::object& sts = *observed.stateful_set;
    if (member_string(path_object(&sts, {"spec", "updateStrategy"}), "type") != "OnDelete") return;
    const bj::object* st = member_object(&sts, "status");
    if (member_int(st, "observedGeneration", -1) != member_int(member_object(&sts, "metadata"), "generation")) return;
    const std::string_view revision = member_string(st, "updateRevision");
    if (revision.empty()) return;
    std::vector<std::string> names;
    for (const object_ptr& pod_ptr : observed.pods) {
      const bj::object& pod = *pod_ptr;
      const bj::object* meta = member_object(&pod, "metadata");
      const bj::object* labels = member_object(meta, "labels");
      if (member_string(labels, render::label_habitat_name) != h.metadata.name) continue;
      if (detail::has_member(meta, "deletionTimestamp")) continue;
      const std::string_view pod_revision = member_string(labels, "controller-revision-hash");
      if (pod_revision.empty() || pod_revision == revision) continue;
      object_ref target = ref_of("v1", "Pod", "pods", pod);
      names.push_back(target.name);
      deletes.emplace_back(delete_object{std::move(target), std::string(member_string(meta, "resourceVersion")),
                                         "Background",
                                         "revision " + std::string(pod_revision) + " != " + std::string(revision)});
    }
    if (!names.empty()) {
      emit("Normal", "StalePodsDeleted",
           "Deleting every pod on an old revision at once (AllAtOnce, habitat-sh/habitat#5264): " + join(names, ", "));
    }
  }

  std::vector<problem> secret_problems(const api::habitat& h) const {
    const api::service& s = h.spec.service;
    std::vector<std::string> missing;
    auto check = [&](const std::optional<std::string>& name, const char* field) {
      if (name && observed.secret_names && !observed.secret_names->contains(*name))
        missing.push_back("Secret \"" + *name + "\" (spec.v1beta2.service." + field + ")");
    };
    check(s.config_secret_name, "configSecretName");
    check(s.ring_secret_name, "ringSecretName");
    check(s.files_secret_name, "filesSecretName");
    if (missing.empty()) return {};
    return {problem{reasons::secret_not_found,
                    join(missing, ", ") + " not found in namespace " + h.metadata.ns +
                        ": create it; pods are not created with a broken mount",
                    true}};
  }

  // `default` is not checked: the ServiceAccount controller keeps it in every namespace.
  std::optional<problem> service_account_problem(const api::habitat& h) const {
    const std::optional<std::string>& name = h.spec.service_account_name;
    if (!observed.service_account_names || !name || name->empty() || *name == "default" ||
        observed.service_account_names->contains(*name))
      return std::nullopt;
    return problem{reasons::service_account_not_found,
                   "ServiceAccount \"" + *name + "\" (spec.v1beta2.serviceAccountName) not found in namespace " +
                       h.metadata.ns + ": create it; the StatefulSet controller cannot create pods without it",
                   true};
  }
};

api::habitat_status observed_status(const bj::object& raw) {
  const bj::value* v = find_member(raw, "status");
  if (!v) return {};
  auto s = api::parse_status(*v);
  return s ? *s : api::habitat_status{};
}

}  // namespace

object_ref habitat_ref(const bj::object& habitat) {
  return ref_of(api::api_version, api::kind, api::plural, habitat);
}

plan reconcile(const bj::object& raw, const snapshot& observed, instant now, const options& opts) {
  plan p;
  const bj::object* meta = member_object(&raw, "metadata");
  // Deletion is the garbage collector's job (every owned object has an ownerReference); nothing to decide.
  if (detail::has_member(meta, "deletionTimestamp")) return p;

  builder b{observed, opts, raw, nullptr, {}, {}, {}, {}, {}, {}, false};
  api::habitat_status status = observed_status(raw);   // as observed, until update_status makes it the new one
  status_inputs in;
  in.generation = member_int(meta, "generation");
  if (const std::string_view name = member_string(meta, "name"); !name.empty())
    in.selector = std::string(render::label_habitat_name) + "=" + std::string(name);
  in.stateful_set = observed.stateful_set.get();
  in.pods = &observed.pods;

  // The status is `status`, read above; the values copied verbatim are read only if the StatefulSet is rendered.
  auto parsed = api::detail::parse_habitat_lean(raw);
  if (!parsed) {
    const error& e = parsed.error();
    problem invalid{e.reason == "UnsupportedVersion" ? reasons::unsupported_version : reasons::invalid_spec,
                    one_line(e), true};
    // Level-based "once": the observed status already carries this verdict for this generation.
    if (!has_condition(status.conditions, condition_ready, "False", invalid.reason, invalid.message, in.generation))
      b.emit("Warning", "ValidationFailed", "Failed validating Habitat: " + invalid.message);
    in.invalid = std::move(invalid);
    if (update_status(in, status, now)) p.status = api::to_json(status);
    p.events = std::move(b.events);
    p.terminal = true;  // retrying cannot help until the spec changes (which bumps the generation)
    return p;
  }
  api::habitat& h = *parsed;
  in.count = h.spec.count;
  std::optional<peer_index> built;   // the namespace's rings, when the caller keeps no index
  b.peers = &peers_of(observed, built);

  b.service(h);
  b.config_map(h);
  b.leave_abandoned_peer_config_maps(h);
  std::vector<problem> missing = b.secret_problems(h);
  if (auto account = b.service_account_problem(h)) missing.push_back(std::move(*account));
  // A missing Secret would leave pods stuck in ContainerCreating, a missing ServiceAccount uncreated: the
  // StatefulSet waits. The shell watches both, so their creation triggers a reconcile and no requeue is needed.
  if (missing.empty()) {
    const spec_change change = b.stateful_set(h);
    in.stateful_set_changing = change != spec_change::none;
    in.stateful_set_scaling_down = change == spec_change::scale_down;
    if (b.stateful_set_left_alone) in.stateful_set = nullptr;   // its status and pods are not this Habitat's
    if (!in.stateful_set_changing) b.restart_stale_pods(h);
  }
  if (h.spec.service.topology == api::topology::leader && h.spec.count < 3) {
    b.problems.push_back({reasons::insufficient_members,
                          "a leader topology needs at least 3 members to elect a leader; count is " +
                              std::to_string(h.spec.count),
                          false});
  }
  in.problems = std::move(missing);
  in.problems.insert(in.problems.end(), b.problems.begin(), b.problems.end());
  in.waiting = std::move(b.waiting);
  for (const problem& pr : in.problems)
    if (!reports_problem(status.conditions, pr.message)) b.emit("Warning", pr.reason.c_str(), pr.message);

  if (update_status(in, status, now)) p.status = api::to_json(status);
  // Creates first (the Service and the peer ConfigMap before the StatefulSet whose pods need them), then patches,
  // then deletes.
  p.operations = std::move(b.creates);
  for (auto& op : b.patches) p.operations.push_back(std::move(op));
  for (auto& op : b.deletes) p.operations.push_back(std::move(op));
  p.events = std::move(b.events);
  return p;
}

}  // namespace habop::reconcile
