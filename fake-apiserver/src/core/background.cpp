// Background controllers run by tick/drain: garbage collection (kube-controller-manager's), namespace and CRD cleanup.
#include "detail.hpp"

#include <algorithm>
#include <set>
#include <utility>
#include <unordered_map>

namespace habop::fake {
namespace {

struct entry {
  const resource_type* t = nullptr;
  obj_ptr o;
  std::string ns, name, uid;
};

bool has(const std::vector<std::string>& v, std::string_view s) { return std::find(v.begin(), v.end(), s) != v.end(); }
bool deleting(const bj::object& o) { return find_path(o, {"metadata", "deletionTimestamp"}) != nullptr; }

const write_options gc_write{"kube-controller-manager"};

}  // namespace

bool object_store::impl::background_pass(instant now) {
  const std::uint64_t start_rv = rv;
  // What can need work: objects whose owners or deletion changed, owners gone or being deleted with their
  // dependents, and terminating namespaces and CRDs. Writes of this pass mark the next pass's work.
  const std::set<uid_location> dirty = std::exchange(gc_dirty, {});
  const std::set<std::string> owners = std::exchange(gc_owner_uids, {});
  auto stored = [&](const uid_location& at) -> frozen_ptr {
    auto m = data.find(at.storage);
    if (m == data.end()) return nullptr;
    auto it = m->second.find(std::make_pair(at.ns, at.name));
    return it == m->second.end() ? nullptr : it->second;
  };
  auto is_deleting = [](const frozen& f) { return f.text.find("\"deletionTimestamp\"") != std::string::npos; };
  std::set<uid_location> picked;
  std::vector<uid_location> queue;
  auto pick = [&](const uid_location& at) {
    if (picked.insert(at).second) queue.push_back(at);
  };
  auto pick_dependents = [&](const std::string& uid) {
    if (auto d = dependents_of.find(uid); d != dependents_of.end())
      for (const auto& at : d->second) pick(at);
  };
  for (const auto& at : dirty) pick(at);
  for (const auto& uid : owners) {
    auto at = by_uid.find(uid);
    frozen_ptr f = at == by_uid.end() ? nullptr : stored(at->second);
    if (!f) pick_dependents(uid);
    else if (is_deleting(*f)) pick(at->second);
  }
  for (const char* storage : {"/namespaces", "apiextensions.k8s.io/customresourcedefinitions"}) {
    if (auto m = data.find(storage); m != data.end())
      for (const auto& [key, f] : m->second)
        if (is_deleting(*f)) pick(uid_location{storage, key.first, key.second});
  }
  std::vector<entry> all;
  for (std::size_t i = 0; i < queue.size(); ++i) {
    const uid_location at = queue[i];
    auto k = storage_keys.find(at.storage);
    const resource_type* t = k == storage_keys.end() ? nullptr : find(k->second);
    frozen_ptr f = t ? stored(at) : nullptr;
    if (!f) continue;
    obj_ptr o = thaw(*f);
    entry e{t, o, at.ns, at.name, string_at(*o, {"metadata", "uid"})};
    // A deleting owner decides over all its dependents (orphan, foreground): they join this pass.
    if (deleting(*o)) pick_dependents(e.uid);
    all.push_back(std::move(e));
  }
  // Every stored object in one namespace or storage, parsed lazily (namespace and CRD cleanup).
  auto members = [&](auto pred) {
    std::vector<entry> out;
    for (const auto& [storage, m] : data) {
      auto k = storage_keys.find(storage);
      const resource_type* t = k == storage_keys.end() ? nullptr : find(k->second);
      if (!t) continue;
      for (const auto& [key, f] : m)
        if (pred(*t, key.first)) out.push_back(entry{t, thaw(*f), key.first, key.second, {}});
    }
    return out;
  };
  auto remove_finalizer = [&](const entry& e, std::string_view f) {
    auto cur = get(*e.t, e.ns, e.name);
    if (!cur) return;
    bj::object next = **cur;
    bj::value* fv = &next["metadata"].get_object()["finalizers"];
    if (fv->is_array()) {
      auto& a = fv->get_array();
      a.erase(std::remove_if(a.begin(), a.end(), [&](const bj::value& v) { return v.is_string() && v.get_string() == f; }), a.end());
      if (a.empty()) next["metadata"].get_object().erase("finalizers");
    }
    (void)update(*e.t, e.ns, e.name, std::move(next), now, gc_write, "");
  };

  // Namespace controller: delete the contents of terminating namespaces, then drop the `kubernetes` finalizer.
  for (const auto& e : all) {
    if (e.t->storage != "/namespaces" || !deleting(*e.o)) continue;
    bool remaining = false;
    for (const auto& d : members([&](const resource_type& t, const std::string& ns) { return t.namespaced && ns == e.name; })) {
      remaining = true;
      if (!deleting(*d.o)) (void)remove(*d.t, d.ns, d.name, now, {});
    }
    if (!remaining && has(string_list(*e.o, {"spec", "finalizers"}), "kubernetes")) {
      bj::object next = *e.o;
      next["spec"].get_object()["finalizers"] = bj::array{};
      (void)update(*e.t, "", e.name, std::move(next), now, gc_write, "");
    }
  }
  // CRD finalizer: delete every instance, then release the CRD.
  for (const auto& e : all) {
    if (e.t->storage != "apiextensions.k8s.io/customresourcedefinitions" || !deleting(*e.o)) continue;
    if (!has(string_list(*e.o, {"metadata", "finalizers"}), "customresourcecleanup.apiextensions.k8s.io")) continue;
    const std::string storage = string_at(*e.o, {"spec", "group"}) + "/" + string_at(*e.o, {"spec", "names", "plural"});
    bool remaining = false;
    for (const auto& d : members([&](const resource_type& t, const std::string&) { return t.storage == storage; })) {
      remaining = true;
      if (!deleting(*d.o)) (void)remove(*d.t, d.ns, d.name, now, {});
    }
    if (!remaining) remove_finalizer(e, "customresourcecleanup.apiextensions.k8s.io");
  }
  if (opts.garbage_collection) {
    // Dependents of each owner uid.
    std::unordered_map<std::string, std::vector<std::size_t>> dependents;
    for (std::size_t i = 0; i < all.size(); ++i)
      for (const auto& uid : owner_uids(all[i].o.get())) dependents[uid].push_back(i);
    auto owner_valid = [&](const entry& dep, const std::string& uid) {
      auto it = by_uid.find(uid);
      if (it == by_uid.end()) return false;
      if (it->second.ns.empty()) return true;   // cluster-scoped owner
      return dep.t->namespaced && it->second.ns == dep.ns;
    };
    auto strip_refs = [&](const entry& d, auto pred) {
      auto cur = get(*d.t, d.ns, d.name);
      if (!cur) return;
      bj::object next = **cur;
      bj::value& rv_ = next["metadata"].get_object()["ownerReferences"];
      if (!rv_.is_array()) return;
      auto& a = rv_.get_array();
      a.erase(std::remove_if(a.begin(), a.end(), [&](const bj::value& r) { return r.is_object() && pred(r.get_object()); }), a.end());
      if (a.empty()) next["metadata"].get_object().erase("ownerReferences");
      (void)update(*d.t, d.ns, d.name, std::move(next), now, gc_write, "");
    };
    // Owners being deleted with orphan or foreground finalizers.
    for (const auto& owner : all) {
      if (!deleting(*owner.o)) continue;
      auto fins = string_list(*owner.o, {"metadata", "finalizers"});
      auto deps_it = dependents.find(owner.uid);
      if (has(fins, "orphan")) {
        if (deps_it != dependents.end())
          for (auto i : deps_it->second)
            strip_refs(all[i], [&](const bj::object& r) { return string_at(r, {"uid"}) == owner.uid; });
        remove_finalizer(owner, "orphan");
      } else if (has(fins, "foregroundDeletion")) {
        bool blocking = false;
        if (deps_it != dependents.end())
          for (auto i : deps_it->second) {
            const entry& d = all[i];
            if (!get(*d.t, d.ns, d.name)) continue;
            if (!deleting(*d.o)) {
              delete_options o;
              o.policy = dependents.contains(d.uid) ? propagation::foreground : propagation::background;
              (void)remove(*d.t, d.ns, d.name, now, o);
            }
            if (const bj::value* refs = find_path(*d.o, {"metadata", "ownerReferences"}); refs && refs->is_array())
              for (const auto& r : refs->get_array())
                if (r.is_object() && string_at(r.get_object(), {"uid"}) == owner.uid) {
                  const bj::value* b = find_path(r.get_object(), {"blockOwnerDeletion"});
                  if (b && b->is_bool() && b->get_bool()) blocking = true;
                }
          }
        if (!blocking) remove_finalizer(owner, "foregroundDeletion");
      }
    }
    // Dependents whose owners are gone: delete them, or strip dangling references when another owner remains.
    for (const auto& snapshot : all) {
      auto live = get(*snapshot.t, snapshot.ns, snapshot.name);   // earlier steps of this pass may have changed it
      if (!live) continue;
      entry d{snapshot.t, *live, snapshot.ns, snapshot.name, snapshot.uid};
      const bj::value* refs = find_path(*d.o, {"metadata", "ownerReferences"});
      if (!refs || !refs->is_array() || refs->get_array().empty()) continue;
      std::size_t alive = 0, total = 0;
      for (const auto& r : refs->get_array()) {
        if (!r.is_object()) continue;
        ++total;
        if (owner_valid(d, string_at(r.get_object(), {"uid"}))) ++alive;
      }
      if (total == 0 || alive == total) continue;
      if (alive > 0) {
        strip_refs(d, [&](const bj::object& r) { return !owner_valid(d, string_at(r, {"uid"})); });
      } else if (!deleting(*d.o)) {
        auto fins = string_list(*d.o, {"metadata", "finalizers"});
        delete_options o;
        o.policy = has(fins, "foregroundDeletion") ? propagation::foreground
                   : has(fins, "orphan")           ? propagation::orphan
                                                   : propagation::background;
        (void)remove(*d.t, d.ns, d.name, now, o);
      }
    }
  }
  return rv != start_rv;
}

}  // namespace habop::fake
