// DELETE semantics: preconditions, finalizers, deletionTimestamp, propagation finalizers, namespaces and CRDs.
#include "detail.hpp"

#include <algorithm>

namespace habop::fake {
namespace {
constexpr std::string_view crd_cleanup = "customresourcecleanup.apiextensions.k8s.io";

bool has_string(const bj::array& a, std::string_view s) {
  return std::any_of(a.begin(), a.end(), [&](const bj::value& v) { return v.is_string() && v.get_string() == s; });
}
}  // namespace

result<removal> object_store::impl::remove(const resource_type& t, const std::string& ns, const std::string& name,
                                           instant now, const delete_options& o) {
  bootstrap(now);
  auto cur = get(t, ns, name);
  if (!cur) return std::move(cur).error();
  const bj::object& old = **cur;
  const std::string uid = string_at(old, {"metadata", "uid"});
  const std::string old_rv = string_at(old, {"metadata", "resourceVersion"});
  auto precondition_failed = [&](std::string what) {
    return error{409, "Conflict",
                 "Operation cannot be fulfilled on " + t.qualified() + " \"" + name + "\": Precondition failed: " + what,
                 {}};
  };
  if (o.precondition_uid && !o.precondition_uid->empty() && *o.precondition_uid != uid)
    return precondition_failed("UID in precondition: " + *o.precondition_uid + ", UID in object meta: " + uid);
  if (o.precondition_resource_version && !o.precondition_resource_version->empty() &&
      *o.precondition_resource_version != old_rv)
    return precondition_failed("ResourceVersion in precondition: " + *o.precondition_resource_version +
                               ", ResourceVersion in object meta: " + old_rv);
  const bool is_ns = t.storage == "/namespaces";
  const bool is_crd = t.storage == "apiextensions.k8s.io/customresourcedefinitions";
  const propagation policy = o.policy.value_or(propagation::background);
  bj::object next = old;
  bj::object& meta = next["metadata"].get_object();
  bj::value& fv = meta["finalizers"];
  if (!fv.is_array()) fv = bj::array{};
  bj::array& fin = fv.get_array();
  auto add = [&](std::string_view f) {
    if (!has_string(fin, f)) fin.emplace_back(f);
  };
  if (is_crd) add(crd_cleanup);
  if (policy == propagation::foreground) add("foregroundDeletion");
  if (policy == propagation::orphan) add("orphan");
  if (fin.empty()) meta.erase("finalizers");
  const bool deleting = meta.contains("deletionTimestamp");
  const bool deferred = is_ns || meta.contains("finalizers");
  if (deferred) {
    if (deleting && next == old) return removal{false, old};
    if (!deleting) {
      meta["deletionTimestamp"] = to_rfc3339(now);
      meta["deletionGracePeriodSeconds"] = 0;
      // BeforeDelete: an object that has a generation gets the next one.
      if (const bj::value* g = find_path(old, {"metadata", "generation"}); g && g->is_int64() && g->get_int64() > 0)
        meta["generation"] = g->get_int64() + 1;
    }
    if (is_ns) (*object_at(next, "status"))["phase"] = "Terminating";
    if (is_crd) {
      bj::object* status = object_at(next, "status");
      bj::value& conds = (*status)["conditions"];
      if (!conds.is_array()) conds = bj::array{};
      bool found = false;
      for (auto& c : conds.get_array())
        if (c.is_object() && string_at(c.get_object(), {"type"}) == "Terminating") found = true;
      if (!found)
        conds.get_array().push_back(bj::object{{"type", "Terminating"}, {"status", "True"},
                                               {"lastTransitionTime", to_rfc3339(now)},
                                               {"reason", "InstanceDeletionInProgress"},
                                               {"message", "CustomResource deletion is in progress"}});
    }
    if (o.dry_run) return removal{false, next};
    meta["resourceVersion"] = std::to_string(next_rv());
    auto stored = std::make_shared<const bj::object>(next);
    commit(t.storage, ns, name, change_type::modified, stored, *cur);
    schedule_background(now);
    return removal{false, next};
  }
  if (o.dry_run) return removal{true, old};
  bj::object gone = old;
  gone["metadata"].get_object()["resourceVersion"] = std::to_string(next_rv());
  auto stored = std::make_shared<const bj::object>(gone);
  commit(t.storage, ns, name, change_type::deleted, stored, *cur);
  schedule_background(now);
  return removal{true, std::move(gone)};
}

}  // namespace habop::fake
