// ControllerRevisions of simulated StatefulSets, kept as kube-controller-manager keeps them (see the header).
#include "statefulset_revisions.hpp"

#include "json_fields.hpp"

#include <algorithm>
#include <utility>
#include <vector>

#include <boost/json/array.hpp>

#include <habop/fake_apiserver/simulation.hpp>

namespace habop::fake {
namespace bj = boost::json;
namespace {

std::int64_t revision_number(const bj::object& rev) {
  const auto* v = rev.if_contains("revision");
  return v != nullptr && v->is_int64() ? v->get_int64() : 0;
}

std::string name_of(const bj::object& o) { return str(object_or_empty(o, "metadata"), "name"); }

// The ControllerRevisions the StatefulSet controls, oldest first (history.SortControllerRevisions: by revision,
// then creation, then name; the store lists by name and the sort is stable).
std::vector<bj::object> owned_revisions(const object_store& store, const bj::object& sts) {
  const bj::object& meta = object_or_empty(sts, "metadata");
  std::vector<bj::object> out;
  auto listed = store.list(resources::controllerrevisions(), str(meta, "namespace"));
  if (!listed) return out;
  for (auto& rev : *listed) {
    const bj::object* ref = controller_reference(rev);
    if (ref != nullptr && str(*ref, "uid") == str(meta, "uid")) out.push_back(std::move(rev));
  }
  std::stable_sort(out.begin(), out.end(), [](const bj::object& a, const bj::object& b) {
    if (revision_number(a) != revision_number(b)) return revision_number(a) < revision_number(b);
    return str(object_or_empty(a, "metadata"), "creationTimestamp") <
           str(object_or_empty(b, "metadata"), "creationTimestamp");
  });
  return out;
}

// history.NewControllerRevision plus the StatefulSet's annotations (the controller's newRevision).
bj::object new_revision(const bj::object& sts, const std::string& name, bj::object data, std::int64_t revision) {
  const bj::object& meta = object_or_empty(sts, "metadata");
  const std::string sts_name = str(meta, "name");
  bj::object labels = object_or_empty(object_or_empty(object_or_empty(object_or_empty(sts, "spec"), "template"), "metadata"),
                                    "labels");
  labels["controller.kubernetes.io/hash"] = name.substr(std::min(name.size(), sts_name.size() + 1));
  bj::object rev_meta{{"name", name},
                      {"namespace", str(meta, "namespace")},
                      {"labels", std::move(labels)},
                      {"ownerReferences", bj::array{stateful_set_owner_reference(meta)}}};
  if (const auto* annotations = meta.if_contains("annotations"); annotations != nullptr && annotations->is_object())
    rev_meta["annotations"] = *annotations;
  return bj::object{{"apiVersion", "apps/v1"}, {"kind", "ControllerRevision"}, {"metadata", std::move(rev_meta)},
                    {"data", std::move(data)},   {"revision", revision}};
}

}  // namespace

bj::object stateful_set_owner_reference(const bj::object& sts_meta) {
  return bj::object{{"apiVersion", "apps/v1"},
                    {"kind", "StatefulSet"},
                    {"name", str(sts_meta, "name")},
                    {"uid", str(sts_meta, "uid")},
                    {"controller", true},
                    {"blockOwnerDeletion", true}};
}

bj::object revision_patch(const bj::object& sts) {
  bj::object tmpl = object_or_empty(object_or_empty(sts, "spec"), "template");
  // The zero values Go's encoder writes for the typed template (the controller encodes a typed StatefulSet), so that
  // kubectl's byte comparison of a StatefulSet with a revision (`rollout undo` to the current one) holds here too.
  bj::object meta = object_or_empty(tmpl, "metadata");
  if (!meta.contains("creationTimestamp")) meta["creationTimestamp"] = nullptr;
  tmpl["metadata"] = std::move(meta);
  if (auto* pod = tmpl.if_contains("spec"); pod != nullptr && pod->is_object()) {
    for (const char* list : {"initContainers", "containers"}) {
      auto* containers = pod->get_object().if_contains(list);
      if (containers == nullptr || !containers->is_array()) continue;
      for (auto& c : containers->get_array())
        if (c.is_object() && !c.get_object().contains("resources")) c.get_object()["resources"] = bj::object{};
    }
  }
  tmpl["$patch"] = "replace";
  return sorted_keys(bj::object{{"spec", bj::object{{"template", std::move(tmpl)}}}}).as_object();
}

sts_revisions sync_revisions(object_store& store, const bj::object& sts, instant now, const write_options& as) {
  const bj::object& meta = object_or_empty(sts, "metadata");
  const std::string ns = str(meta, "namespace");
  const bj::object& spec = object_or_empty(sts, "spec");
  sts_revisions out;
  out.listed = owned_revisions(store, sts);
  const std::vector<bj::object>& revisions = out.listed;
  bj::object data = revision_patch(sts);
  const std::int64_t next = revisions.empty() ? 1 : revision_number(revisions.back()) + 1;
  const auto equal = std::find_if(revisions.rbegin(), revisions.rend(),
                                  [&](const bj::object& r) { return r.if_contains("data") && r.at("data") == data; });
  if (equal == revisions.rend()) {   // a template not seen before: the next revision
    const bj::value tmpl = spec.contains("template") ? spec.at("template") : bj::value();
    out.update = template_revision(str(meta, "name"), tmpl);
    if (store.create(resources::controllerrevisions(), ns, new_revision(sts, out.update, std::move(data), next), now,
                     as))
      ++out.writes;
  } else if (equal == revisions.rbegin()) {
    out.update = name_of(*equal);   // the template has not changed since the latest revision
  } else {
    // Back to an earlier template (`kubectl rollout undo`): that revision becomes the newest.
    out.update = name_of(*equal);
    if (store.merge_patch(resources::controllerrevisions(), ns, out.update, bj::object{{"revision", next}}, now, as))
      ++out.writes;
  }
  const std::string current = str(object_or_empty(sts, "status"), "currentRevision");
  const bool known = std::any_of(revisions.begin(), revisions.end(),
                                 [&](const bj::object& r) { return name_of(r) == current; });
  out.current = known ? current : out.update;
  return out;
}

std::size_t truncate_revisions(object_store& store, const bj::object& sts, const std::vector<bj::object>& revisions,
                               const std::set<std::string>& live, instant now) {
  const auto* limit_value = object_or_empty(sts, "spec").if_contains("revisionHistoryLimit");
  const std::int64_t limit = limit_value != nullptr && limit_value->is_int64() ? limit_value->get_int64() : 10;
  std::vector<const bj::object*> history;
  for (const bj::object& r : revisions)
    if (live.count(name_of(r)) == 0) history.push_back(&r);
  std::size_t deleted = 0;
  const std::string ns = str(object_or_empty(sts, "metadata"), "namespace");
  for (std::size_t i = 0; static_cast<std::int64_t>(history.size() - i) > std::max<std::int64_t>(limit, 0); ++i) {
    if (store.remove(resources::controllerrevisions(), ns, name_of(*history[i]), now)) ++deleted;
  }
  return deleted;
}

}  // namespace habop::fake
