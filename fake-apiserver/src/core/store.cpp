// The object store's write path: create and update with KAS metadata rules (RV, generation, no-op, status).
#include "detail.hpp"

#include <algorithm>

namespace habop::fake {
namespace {

// Server-owned metadata that clients cannot set through the main resource.
constexpr std::string_view server_fields[] = {"uid", "creationTimestamp", "deletionTimestamp",
                                              "deletionGracePeriodSeconds", "generation", "resourceVersion",
                                              "selfLink"};

// Whether `a` and `b` have the same members apart from those `skip` names.
template <class Skip>
bool equal_except(const bj::object& a, const bj::object& b, Skip skip) {
  for (const auto& [k, v] : a) {
    if (skip(k)) continue;
    auto it = b.find(k);
    if (it == b.end() || it->value() != v) return false;
  }
  for (const auto& [k, v] : b)
    if (!skip(k) && !a.contains(k)) return false;
  return true;
}

bool differs_outside(const bj::object& a, const bj::object& b, bool skip_status) {
  return !equal_except(a, b, [&](std::string_view k) {
    return k == "metadata" || k == "apiVersion" || k == "kind" || (skip_status && k == "status");
  });
}

std::int64_t int_at(const bj::object& o, std::initializer_list<std::string_view> path) {
  const bj::value* v = find_path(o, path);
  if (v && v->is_int64()) return v->get_int64();
  if (v && v->is_uint64()) return static_cast<std::int64_t>(v->get_uint64());
  return 0;
}

// Secrets: stringData is write-only and folds into base64 data (KAS does this in conversion).
void fold_string_data(bj::object& obj) {
  auto it = obj.find("stringData");
  if (it == obj.end()) return;
  if (it->value().is_object()) {
    bj::object* data = object_at(obj, "data");
    for (const auto& [k, v] : obj["stringData"].get_object())
      if (v.is_string()) (*data)[k] = base64_encode(std::string_view(v.get_string()));
  }
  obj.erase("stringData");
}

// What a create sets beyond defaulting: initial status (KAS strategies' PrepareForCreate) and allocations.
void kind_defaults_on_create(const resource_type& t, bj::object& obj, std::uint32_t& next_ip,
                             std::int64_t& next_node_port) {
  set_defaults(t, obj);
  if (t.storage == "/namespaces") {
    obj["spec"] = bj::object{{"finalizers", bj::array{"kubernetes"}}};
    obj["status"] = bj::object{{"phase", "Active"}};
  } else if (t.storage == "/pods") {
    obj["status"] = bj::object{{"phase", "Pending"}, {"qosClass", "BestEffort"}};
  } else if (t.storage == "/persistentvolumeclaims") {
    obj["status"] = bj::object{{"phase", "Pending"}};
  } else if (t.storage == "/persistentvolumes") {
    obj["status"] = bj::object{{"phase", "Pending"}};
  } else if (t.storage == "apps/statefulsets") {
    obj["status"] = bj::object{{"replicas", 0}, {"availableReplicas", 0}};
  } else if (t.storage == "apps/deployments") {
    obj["status"] = bj::object{};
  } else if (t.storage == "/services") {
    allocate_service(obj, nullptr, next_ip, next_node_port);
    obj["status"] = bj::object{{"loadBalancer", bj::object{}}};
  } else if (t.has_status && !t.builtin) {
    obj.erase("status");   // CRs with a status subresource ignore status on create
  }
}

// StatefulSet and immutable ConfigMap/Secret rules (KAS ValidateUpdate).
std::vector<field_cause> validate_update(const resource_type& t, const bj::object& old, const bj::object& next) {
  std::vector<field_cause> causes;
  if (t.storage == "/configmaps" || t.storage == "/secrets") {
    const bj::value* imm = find_path(old, {"immutable"});
    if (imm && imm->is_bool() && imm->get_bool()) {
      auto same = [&](std::string_view k) {
        const bj::value* a = find_path(old, {k});
        const bj::value* b = find_path(next, {k});
        return (!a && !b) || (a && b && *a == *b);
      };
      if (!same("data") || !same("binaryData"))
        causes.push_back({"data", "FieldValueForbidden", "Forbidden: field is immutable when `immutable` is set"});
      const bj::value* ni = find_path(next, {"immutable"});
      if (!ni || !ni->is_bool() || !ni->get_bool())
        causes.push_back({"immutable", "FieldValueForbidden", "Forbidden: field is immutable when `immutable` is set"});
    }
  } else if (t.storage == "storage.k8s.io/storageclasses") {
    for (auto k : {"provisioner", "parameters", "reclaimPolicy", "volumeBindingMode"}) {
      const bj::value* a = find_path(old, {k});
      const bj::value* b = find_path(next, {k});
      if ((a == nullptr) != (b == nullptr) || (a && *a != *b))
        causes.push_back({k, "FieldValueForbidden", std::string("Forbidden: updates to ") + k + " are forbidden."});
    }
  } else if (t.storage == "apps/statefulsets") {
    const bj::value* a = find_path(old, {"spec"});
    const bj::value* b = find_path(next, {"spec"});
    if (a && b && a->is_object() && b->is_object()) {
      bj::object x = a->get_object(), y = b->get_object();
      for (auto k : {"replicas", "ordinals", "template", "updateStrategy", "persistentVolumeClaimRetentionPolicy",
                     "minReadySeconds"}) {
        x.erase(k);
        y.erase(k);
      }
      if (x != y)
        causes.push_back({"spec", "FieldValueForbidden",
                          "Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', "
                          "'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and "
                          "'minReadySeconds' are forbidden"});
    }
  }
  return causes;
}

// etcd refuses values over ~1.5 MiB; we bound stored objects by the request body limit so nothing grows unbounded.
error too_large_error(std::size_t limit) {
  return error{413, "RequestEntityTooLarge", "Request entity too large: limit is " + std::to_string(limit), {}};
}

std::optional<error> too_large(const bj::object& o, std::size_t limit) {
  if (serialize(o).size() <= limit) return std::nullopt;
  return too_large_error(limit);
}

bool same_apart_from_server_fields(const bj::object& next, const bj::object& old) {
  const bj::value* a = next.if_contains("metadata");
  const bj::value* b = old.if_contains("metadata");
  if (!a || !b || !a->is_object() || !b->is_object()) return next == old;
  return equal_except(next, old, [](std::string_view k) { return k == "metadata"; }) &&
         equal_except(a->get_object(), b->get_object(), [](std::string_view k) { return k == "resourceVersion"; });
}

}  // namespace

result<bj::object> object_store::impl::create(const resource_type& t, std::string ns, bj::object obj, instant now,
                                              const write_options& wo) {
  bootstrap(now);
  obj = to_storage(t, std::move(obj));
  if (!obj.contains("metadata")) obj["metadata"] = bj::object{};
  if (!obj["metadata"].is_object()) return bad_request("metadata must be an object");
  bj::object& meta = obj["metadata"].get_object();
  std::string body_ns = string_at(meta, {"namespace"});
  if (t.namespaced) {
    if (ns.empty()) ns = body_ns;
    if (!body_ns.empty() && body_ns != ns)
      return bad_request("the namespace of the provided object does not match the namespace sent on the request");
    if (ns.empty()) return bad_request("an empty namespace may not be set during creation");
    meta["namespace"] = ns;
  } else {
    ns.clear();
    meta.erase("namespace");
  }
  std::string name = string_at(meta, {"name"});
  std::string generate = string_at(meta, {"generateName"});
  if (name.empty() && !generate.empty()) {
    const object_map* m = objects_if(t);
    for (int attempt = 0; attempt < 8; ++attempt) {
      name = generate + random_suffix(5);
      if (!m || !m->contains({ns, name})) break;
    }
    meta["name"] = name;
  }
  if (name.empty())
    return invalid(t, "", {{"metadata.name", "FieldValueRequired", "Required value: name or generateName is required"}});
  // RBAC objects are named like path segments (`system:discovery`), as kube-apiserver's ValidatePathSegmentName.
  const bool rbac = t.storage.starts_with("rbac.authorization.k8s.io/");
  std::string name_problem = t.storage == "/namespaces" ? check_dns_label(name)
                             : t.storage == "/services" ? check_dns1035_label(name)
                             : rbac ? check_path_segment(name)
                                    : check_dns_subdomain(name);
  if (t.storage == "apiextensions.k8s.io/customresourcedefinitions") name_problem.clear();   // checked in validate_crd
  if (!name_problem.empty())
    return invalid(t, name, {{"metadata.name", "FieldValueInvalid", "Invalid value: " + json_quote(name) + ": " + name_problem}});
  if (t.namespaced) {
    const resource_type* nst = find({"", "v1", "namespaces"});
    auto nso = nst ? get(*nst, "", ns) : result<obj_ptr>(not_found("namespaces", ns));
    if (!nso) return not_found("namespaces", ns);
    if (find_path(**nso, {"metadata", "deletionTimestamp"}))
      return forbidden(t.qualified() + " \"" + name + "\" is forbidden: unable to create new content in namespace " +
                           ns + " because it is being terminated",
                       {{"metadata.namespace", "NamespaceTerminating", "namespace " + ns + " is being terminated"}});
  }
  if (const object_map* m = objects_if(t); m && m->contains({ns, name})) return already_exists(t, name);
  for (auto f : server_fields) meta.erase(f);
  const bool keep_managed = std::exchange(keep_managed_fields_once, false);
  if (!keep_managed) meta.erase("managedFields");
  fold_string_data(obj);
  kind_defaults_on_create(t, obj, next_ip, next_node_port);
  if (t.storage == "/persistentvolumeclaims") admit_default_storage_class(*this, obj);
  if (t.storage == "/persistentvolumes") stamp_volume_phase(nullptr, obj, now);
  if (auto st = check_custom(t, obj, wo, name); !st) return std::move(st).error();
  std::vector<field_cause> causes = validate_common(t, obj);
  if (t.storage == "storage.k8s.io/storageclasses" && string_at(obj, {"provisioner"}).empty())
    causes.push_back({"provisioner", "FieldValueRequired", "Required value"});
  bj::object& meta2 = obj["metadata"].get_object();
  if (t.storage == "apiextensions.k8s.io/customresourcedefinitions") {
    auto more = validate_crd(obj);
    causes.insert(causes.end(), more.begin(), more.end());
    if (causes.empty()) {
      // A served group/version/resource may only come from one CRD.
      for (const auto& nt : crd_types(obj))
        if (find(nt.key()) && find(nt.key())->crd_name != name)
          causes.push_back({"spec.names.plural", "FieldValueInvalid", "Invalid value: " + json_quote(nt.plural) + ": already served"});
    }
    if (causes.empty()) fill_crd_status(obj, now);
  }
  if (!causes.empty()) return invalid(t, name, std::move(causes));
  meta2["uid"] = new_uid();
  meta2["creationTimestamp"] = to_rfc3339(now);
  if (t.has_generation) meta2["generation"] = 1;
  if (!keep_managed) record_update_fields(t, nullptr, obj, wo.field_manager, "", now);
  auto stored = write_version(t, ns, name, change_type::added, obj, nullptr, wo.dry_run);
  if (!stored) return std::move(stored).error();
  if (wo.dry_run) return obj;
  if (t.storage == "apiextensions.k8s.io/customresourcedefinitions") on_crd_changed();
  if (find_path(obj, {"metadata", "ownerReferences"})) schedule_background(now);
  // kube-controller-manager's ServiceAccount controller: every namespace has its `default` ServiceAccount.
  if (const resource_type* sat = t.storage == "/namespaces" ? find({"", "v1", "serviceaccounts"}) : nullptr)
    (void)create(*sat, name, default_service_account(), now, write_options{"kube-controller-manager"});
  return obj;
}

result<obj_ptr> object_store::impl::write_version(const resource_type& t, const std::string& ns,
                                                  const std::string& name, change_type type, bj::object& obj,
                                                  obj_ptr prev, bool dry_run) {
  if (dry_run) {
    if (auto e = too_large(obj, opts.max_body_bytes)) return *e;
    return obj_ptr{};
  }
  // Serialized once, with the resourceVersion it will get: for the size limit and for storage.
  obj["metadata"].get_object()["resourceVersion"] = std::to_string(rv + 1);
  std::string text = serialize(obj);
  if (text.size() > opts.max_body_bytes) return too_large_error(opts.max_body_bytes);
  next_rv();
  auto stored = std::make_shared<const bj::object>(obj);
  commit(t.storage, ns, name, type, stored, std::move(prev), std::move(text));
  return obj_ptr(stored);
}

result<bj::object> object_store::impl::update(const resource_type& t, const std::string& ns, const std::string& name,
                                              bj::object cand, instant now, const write_options& wo,
                                              std::string_view sub, std::string_view operation,
                                              std::optional<std::string> precondition_rv, obj_ptr current) {
  bootstrap(now);
  if (!cand.contains("metadata") || !cand["metadata"].is_object()) cand["metadata"] = bj::object{};
  bj::object& cmeta = cand["metadata"].get_object();
  std::string cname = string_at(cmeta, {"name"});
  if (!cname.empty() && cname != name)
    return bad_request("the name of the object (" + cname + ") does not match the name on the URL (" + name + ")");
  std::string cns = string_at(cmeta, {"namespace"});
  if (t.namespaced && !cns.empty() && cns != ns)
    return bad_request("the namespace of the provided object does not match the namespace sent on the request");
  auto cur = current ? result<obj_ptr>(std::move(current)) : get(t, ns, name);
  if (!cur) return std::move(cur).error();
  const bj::object& old = **cur;
  const std::string old_rv = string_at(old, {"metadata", "resourceVersion"});
  std::string want_rv = string_at(cmeta, {"resourceVersion"});
  if (!want_rv.empty() && want_rv != old_rv) return conflict(t, name);
  if (precondition_rv && !precondition_rv->empty() && *precondition_rv != old_rv) return conflict(t, name);
  std::string cuid = string_at(cmeta, {"uid"});
  const std::string old_uid = string_at(old, {"metadata", "uid"});
  if (!cuid.empty() && cuid != old_uid)
    return error{409, "Conflict",
                 "Operation cannot be fulfilled on " + t.qualified() + " \"" + name +
                     "\": Precondition failed: UID in precondition: " + cuid + ", UID in object meta: " + old_uid,
                 {}};
  bj::object next;
  if (sub == "status") {
    next = old;
    if (auto it = cand.find("status"); it != cand.end()) next["status"] = it->value();
    else next.erase("status");
    if (t.storage == "/pods") {   // pods/status lets label and annotation changes through
      for (auto k : {"labels", "annotations"}) {
        if (auto it = cmeta.find(k); it != cmeta.end()) next["metadata"].get_object()[k] = it->value();
      }
    }
  } else {
    next = std::move(cand);
    bj::object& nmeta = next["metadata"].get_object();
    for (auto f : server_fields) {
      if (auto it = old.at("metadata").get_object().find(f); it != old.at("metadata").get_object().end())
        nmeta[f] = it->value();
      else
        nmeta.erase(f);
    }
    nmeta["name"] = name;
    if (t.namespaced) nmeta["namespace"] = ns; else nmeta.erase("namespace");
    // managedFields the request sets replace the old ones (clients may rewrite them, as `kubectl apply
    // --server-side` does to take over from client-side apply, and `[{}]` clears them); absent or empty, the old
    // ones stay, so that clients unaware of them cannot drop them.
    if (const bj::value* given = nmeta.if_contains("managedFields");
        given && given->is_array() && !given->get_array().empty())
      normalize_managed_fields(next);
    else if (auto mf = find_path(old, {"metadata", "managedFields"}))
      nmeta["managedFields"] = *mf;
    if (t.has_status) {
      if (auto it = old.find("status"); it != old.end()) next["status"] = it->value();
      else next.erase("status");
    }
    fold_string_data(next);
    set_defaults(t, next);
    if (t.storage == "/services") allocate_service(next, &old, next_ip, next_node_port);
  }
  next["apiVersion"] = old.at("apiVersion");
  next["kind"] = old.at("kind");
  const bool deleting = find_path(old, {"metadata", "deletionTimestamp"}) != nullptr;
  std::vector<field_cause> causes;
  if (deleting) {
    auto before = string_list(old, {"metadata", "finalizers"});
    std::vector<std::string> added;
    for (const auto& f : string_list(next, {"metadata", "finalizers"}))
      if (std::find(before.begin(), before.end(), f) == before.end()) added.push_back(f);
    if (!added.empty()) {
      std::string list = "[]string{";
      for (std::size_t i = 0; i < added.size(); ++i) list += (i ? ", " : "") + json_quote(added[i]);
      causes.push_back({"metadata.finalizers", "FieldValueForbidden",
                        "Forbidden: no new finalizers can be added if the object is being deleted, found new "
                        "finalizers " + list + "}"});
    }
  }
  if (sub != "status") {
    if (auto st = check_custom(t, next, wo, name); !st) return std::move(st).error();
  } else if (!t.builtin && t.schema) {
    write_options quiet = wo;
    quiet.validation = field_validation::ignore;
    if (auto st = check_custom(t, next, quiet, name); !st) return std::move(st).error();
  }
  auto common = validate_common(t, next);
  causes.insert(causes.end(), common.begin(), common.end());
  auto upd = validate_update(t, old, next);
  causes.insert(causes.end(), upd.begin(), upd.end());
  if (t.storage == "apiextensions.k8s.io/customresourcedefinitions" && sub != "status") {
    auto more = validate_crd(next);
    causes.insert(causes.end(), more.begin(), more.end());
    if (more.empty()) fill_crd_status(next, now);
  }
  if (!causes.empty()) return invalid(t, name, std::move(causes));
  if (t.storage == "/persistentvolumes") stamp_volume_phase(&old, next, now);

  // No-op: byte-equal apart from what the server maintains → same RV, no event (KAS behaviour).
  if (same_apart_from_server_fields(next, old)) return old;
  bj::object& nmeta = next["metadata"].get_object();
  const bool bump = differs_outside(old, next, t.has_status);
  if (t.has_generation) nmeta["generation"] = int_at(old, {"metadata", "generation"}) + (bump ? 1 : 0);
  if (operation != "Apply") record_update_fields(t, &old, next, wo.field_manager, sub, now);
  auto written = write_version(t, ns, name, change_type::modified, next, *cur, wo.dry_run);
  if (!written) return std::move(written).error();
  if (wo.dry_run) return next;
  const obj_ptr stored = *written;
  if (deleting && string_list(next, {"metadata", "finalizers"}).empty() &&
      !(t.storage == "/namespaces" && !string_list(next, {"spec", "finalizers"}).empty())) {
    bj::object gone = next;
    gone["metadata"].get_object()["resourceVersion"] = std::to_string(next_rv());
    commit(t.storage, ns, name, change_type::deleted, std::make_shared<const bj::object>(std::move(gone)), stored);
    schedule_background(now);
  }
  if (t.storage == "apiextensions.k8s.io/customresourcedefinitions") on_crd_changed();
  const bj::value* old_refs = find_path(old, {"metadata", "ownerReferences"});
  const bj::value* new_refs = find_path(next, {"metadata", "ownerReferences"});
  if (deleting || (old_refs == nullptr) != (new_refs == nullptr) || (old_refs && *old_refs != *new_refs))
    schedule_background(now);
  return next;
}

}  // namespace habop::fake
