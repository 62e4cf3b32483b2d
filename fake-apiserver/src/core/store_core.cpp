// The object store's state: type registry, lookups, views, commit with bounded history and change delivery.
#include "detail.hpp"

#include <algorithm>
#include <stdexcept>

#include <boost/json/parse.hpp>

namespace habop::fake {

object_store::impl::impl(server_options o) : opts(o), rng(o.seed) {
  for (const auto& t : builtin_types()) register_type(t);
}

void object_store::impl::register_type(const resource_type& t) {
  types[t.key()] = t;
  if (t.api_version() == t.storage_version && !t.events_v1) storage_keys[t.storage] = t.key();
  else if (!storage_keys.contains(t.storage)) storage_keys[t.storage] = t.key();
}

void object_store::impl::bootstrap(instant now) {
  if (bootstrapped) return;
  bootstrapped = true;
  const resource_type* nst = find({"", "v1", "namespaces"});
  for (const char* n : {"default", "kube-system", "kube-public", "kube-node-lease"}) {
    bj::object o{{"apiVersion", "v1"}, {"kind", "Namespace"},
                 {"metadata", bj::object{{"name", n}, {"labels", bj::object{{"kubernetes.io/metadata.name", n}}}}}};
    (void)create(*nst, "", std::move(o), now, write_options{"kube-apiserver"});
  }
  // kube-apiserver's own Service, what in-cluster clients reach as kubernetes.default.svc.
  if (const resource_type* svc = find({"", "v1", "services"}))
    (void)create(*svc, "default", kubernetes_service(), now, write_options{"kube-apiserver"});
  // kind and minikube ship a default StorageClass; charts and PVC-creating operators expect one.
  if (const resource_type* sct = find({"storage.k8s.io", "v1", "storageclasses"}))
    (void)create(*sct, "", default_storage_class(), now, write_options{"kube-apiserver"});
}

const resource_type* object_store::impl::find(const resource_key& k) const {
  auto it = types.find(k);
  return it == types.end() ? nullptr : &it->second;
}

const resource_type* object_store::impl::find(std::string_view g, std::string_view v, std::string_view p) const {
  return find(resource_key{std::string(g), std::string(v), std::string(p)});
}

const object_map* object_store::impl::objects_if(const resource_type& t) const {
  auto it = data.find(t.storage);
  return it == data.end() ? nullptr : &it->second;
}

obj_ptr thaw(const frozen& f) {
  boost::system::error_code ec;
  bj::value v = bj::parse(f.text, ec);
  // Only our serializer wrote this text: failing here is a bug. An empty object instead would turn into undefined
  // behaviour at the first `metadata` access; an exception is a 500 InternalError for the request.
  if (ec || !v.is_object()) throw std::logic_error("a stored object no longer parses as a JSON object");
  return std::make_shared<const bj::object>(std::move(v.get_object()));
}

frozen_ptr object_store::impl::get_frozen(const resource_type& t, std::string_view ns, std::string_view name) const {
  if (const object_map* m = objects_if(t)) {
    auto it = m->find({std::string(t.namespaced ? ns : std::string_view{}), std::string(name)});
    if (it != m->end()) return it->second;
  }
  return nullptr;
}

result<obj_ptr> object_store::impl::get(const resource_type& t, std::string_view ns, std::string_view name) const {
  if (frozen_ptr f = get_frozen(t, ns, name)) return thaw(*f);
  return not_found(t.qualified(), name);
}

bool object_store::impl::view_is_identity(const resource_type& t) const {
  return !t.events_v1 && t.api_version() == t.storage_version;
}

bj::object object_store::impl::view(const resource_type& t, const bj::object& stored) const {
  if (t.events_v1) return event_core_to_v1(stored);
  bj::object o = stored;
  if (t.api_version() != t.storage_version) o["apiVersion"] = t.api_version();
  return o;
}

bj::object object_store::impl::to_storage(const resource_type& t, bj::object obj) const {
  if (t.events_v1) obj = event_v1_to_core(obj);
  obj["apiVersion"] = t.storage_version;
  obj["kind"] = t.kind;
  return obj;
}

void object_store::impl::commit(const std::string& storage, const std::string& ns, const std::string& name,
                                change_type type, obj_ptr obj, obj_ptr prev_obj, std::string text) {
  track_owners(uid_location{storage, ns, name}, prev_obj.get(), type == change_type::deleted ? nullptr : obj.get());
  auto& m = data[storage];
  auto key = std::make_pair(ns, name);
  auto it = m.find(key);
  frozen_ptr prev = it == m.end() ? nullptr : it->second;
  auto f = std::make_shared<const frozen>(frozen{text.empty() ? serialize(*obj) : std::move(text)});
  const std::string uid = string_at(*obj, {"metadata", "uid"});
  if (type == change_type::deleted) {
    if (it != m.end()) m.erase(it);
    by_uid.erase(uid);
  } else {
    if (it != m.end()) it->second = f;
    else m.emplace(key, f);
    if (type == change_type::added) by_uid[uid] = uid_location{storage, ns, name};
  }
  // Before anyone hears of the change (watchers, the client's response): acknowledged means on disk.
  if (disk) persist(storage, ns, name, type == change_type::deleted ? nullptr : f.get());
  // The share starts empty: with no watcher on this change nothing is parsed or kept beyond the frozen text.
  history.push_back(history_entry{rv, storage, ns, type, std::move(f), std::move(prev), std::make_shared<watch_share>()});
  if (history.size() > shared_history_window) history[history.size() - shared_history_window - 1].share.reset();
  while (history.size() > opts.watch_history && !history.empty()) {
    compacted_rv = history.front().rv;
    history.pop_front();
  }
  if (!subscribers.empty()) {
    auto key = storage_keys.find(storage);
    deliver(change{type, key == storage_keys.end() ? resource_key{} : key->second, *obj, rv});
  }
}

std::vector<std::string> owner_uids(const bj::object* o) {
  std::vector<std::string> out;
  if (!o) return out;
  if (const bj::value* refs = find_path(*o, {"metadata", "ownerReferences"}); refs && refs->is_array())
    for (const auto& r : refs->get_array())
      if (r.is_object()) out.push_back(string_at(r.get_object(), {"uid"}));
  return out;
}

void object_store::impl::track_owners(const uid_location& at, const bj::object* before, const bj::object* after) {
  const auto old_owners = owner_uids(before), new_owners = owner_uids(after);
  for (const auto& uid : old_owners) {
    if (std::find(new_owners.begin(), new_owners.end(), uid) != new_owners.end()) continue;
    if (auto it = dependents_of.find(uid); it != dependents_of.end() && it->second.erase(at) && it->second.empty())
      dependents_of.erase(it);
  }
  for (const auto& uid : new_owners) dependents_of[uid].insert(at);
  // An owner in foreground deletion waits on its dependents: any change of one is a reason to look again.
  gc_owner_uids.insert(old_owners.begin(), old_owners.end());
  gc_owner_uids.insert(new_owners.begin(), new_owners.end());
  const bool deleting = after && find_path(*after, {"metadata", "deletionTimestamp"});
  if (!new_owners.empty() || deleting) gc_dirty.insert(at);
  // A deleted object may leave dependents behind: they are looked at through its uid.
  if (!after && before) gc_owner_uids.insert(string_at(*before, {"metadata", "uid"}));
}

void object_store::impl::deliver(change c) {
  pending_changes.push_back(std::move(c));
  if (delivering) return;   // a subscriber wrote re-entrantly: the outer loop delivers in order
  delivering = true;
  while (!pending_changes.empty()) {
    change next = std::move(pending_changes.front());
    pending_changes.pop_front();
    std::vector<std::uint64_t> ids;
    for (const auto& [id, fn] : subscribers) ids.push_back(id);
    for (auto id : ids) {
      auto it = subscribers.find(id);
      if (it == subscribers.end()) continue;
      auto fn = it->second;   // copy: the subscriber may unsubscribe itself
      try {
        fn(next);
      } catch (...) {
        // A subscriber's failure must not corrupt the store.
      }
    }
  }
  delivering = false;
}

std::string object_store::impl::new_uid() {
  std::uniform_int_distribution<std::uint64_t> d;
  std::uint64_t a = d(rng), b = d(rng);
  a = (a & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;   // version 4
  b = (b & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;   // variant 10
  static constexpr char hex[] = "0123456789abcdef";
  std::string s;
  for (int i = 15; i >= 0; --i) s += hex[(a >> (i * 4)) & 15];
  for (int i = 15; i >= 0; --i) s += hex[(b >> (i * 4)) & 15];
  return s.substr(0, 8) + "-" + s.substr(8, 4) + "-" + s.substr(12, 4) + "-" + s.substr(16, 4) + "-" + s.substr(20);
}

std::string object_store::impl::random_suffix(std::size_t n) {
  // KAS uses consonants and digits without vowels to avoid words.
  static constexpr char alphabet[] = "bcdfghjklmnpqrstvwxz2456789";
  std::uniform_int_distribution<std::size_t> d(0, sizeof(alphabet) - 2);
  std::string s;
  for (std::size_t i = 0; i < n; ++i) s += alphabet[d(rng)];
  return s;
}

void object_store::impl::schedule_background(instant now) {
  instant due{now.unix_micros + opts.gc_delay_micros};
  if (!background_due || due < *background_due) background_due = due;
}

void object_store::impl::on_crd_changed() {
  // Rebuild the custom resource types from the established CRDs that are not being deleted away.
  for (auto it = types.begin(); it != types.end();) {
    if (!it->second.builtin) it = types.erase(it);
    else ++it;
  }
  if (const object_map* m = objects_if(*find(resources::crds())))
    for (const auto& [key, crd] : *m)
      for (const auto& t : crd_types(*thaw(*crd))) register_type(t);
  ++types_generation;
}

std::vector<field_cause> object_store::impl::validate_common(const resource_type& t, const bj::object& obj) const {
  std::vector<field_cause> causes = check_volume_mounts(t, obj);
  if (t.storage == "/persistentvolumes") {
    auto pv_causes = validate_persistent_volume(obj);
    causes.insert(causes.end(), pv_causes.begin(), pv_causes.end());
  }
  if (const bj::value* meta = find_path(obj, {"metadata"}); meta && meta->is_object()) {
    auto label_causes = check_labels(meta->get_object());
    causes.insert(causes.end(), label_causes.begin(), label_causes.end());
    if (const bj::value* refs = find_path(meta->get_object(), {"ownerReferences"})) {
      if (!refs->is_array()) {
        causes.push_back({"metadata.ownerReferences", "FieldValueInvalid", "Invalid value: must be a list"});
      } else {
        int controllers = 0;
        for (const auto& r : refs->get_array()) {
          const bj::object* ro = r.if_object();
          if (!ro) continue;
          for (auto f : {"apiVersion", "kind", "name", "uid"})
            if (string_at(*ro, {f}).empty())
              causes.push_back({std::string("metadata.ownerReferences.") + f, "FieldValueRequired", "Required value"});
          if (const bj::value* c = find_path(*ro, {"controller"}); c && c->is_bool() && c->get_bool()) ++controllers;
        }
        if (controllers > 1)
          causes.push_back({"metadata.ownerReferences", "FieldValueInvalid",
                            "Invalid value: []v1.OwnerReference: Only one reference can have Controller set to true"});
      }
    }
  }
  return causes;
}

habop::status object_store::impl::check_custom(const resource_type& t, bj::object& obj, const write_options& wo,
                                              std::string_view name) {
  const bj::object* schema = t.builtin ? builtin_schema(t) : t.schema.get();
  if (!schema) return habop::ok;
  std::vector<std::string> unknown;
  prune_object_meta(obj, unknown);
  bj::value v(std::move(obj));
  schema_prune(v, *schema, "", unknown, true);
  if (!unknown.empty()) {
    if (wo.validation == field_validation::strict) {
      std::string msg = "strict decoding error: ";
      for (std::size_t i = 0; i < unknown.size(); ++i) msg += (i ? ", " : "") + std::string("unknown field ") + json_quote(unknown[i]);
      obj = std::move(v.get_object());
      return bad_request(msg);
    }
    if (wo.validation == field_validation::warn && wo.warnings)
      for (const auto& u : unknown) wo.warnings->push_back("unknown field " + json_quote(u));
  }
  if (t.builtin) {   // built-in kinds: unknown fields only (their value rules live in the kind's validation)
    obj = std::move(v.get_object());
    return habop::ok;
  }
  schema_default(v, *schema);
  std::vector<field_cause> causes;
  schema_validate(v, *schema, "", causes);
  obj = std::move(v.get_object());
  if (!causes.empty()) return invalid(t, name, std::move(causes));
  return habop::ok;
}

}  // namespace habop::fake
