// The in-memory API store used by the convergence tests (see store.hpp).
#include "store.hpp"

#include <algorithm>

#include "server_defaults.hpp"

#include <boost/json/parse.hpp>

#include <habop/reconcile/merge_patch.hpp>

namespace habop::test {
namespace bj = boost::json;
using reconcile::object_ref;

namespace {

bj::object& meta_of(bj::object& o) {
  bj::value& m = o["metadata"];
  if (!m.is_object()) m = bj::object{};
  return m.get_object();
}

std::string str(const bj::object& o, const char* k) {
  const bj::value* v = o.if_contains(k);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

std::string label(const bj::object& o, const char* k) {
  const bj::value* m = o.if_contains("metadata");
  if (!m || !m->is_object()) return "";
  const bj::value* l = m->get_object().if_contains("labels");
  return l && l->is_object() ? str(l->get_object(), k) : "";
}

const bj::value* at_path(const bj::object& o, std::initializer_list<const char*> path) {
  const bj::value* v = nullptr;
  const bj::object* cur = &o;
  for (const char* k : path) {
    if (!cur) return nullptr;
    v = cur->if_contains(k);
    cur = v && v->is_object() ? &v->get_object() : nullptr;
  }
  return v;
}

}  // namespace

void store::put(const std::string& plural, bj::object obj) {
  bj::object& meta = meta_of(obj);
  const key k{plural, str(meta, "namespace"), str(meta, "name")};
  auto it = objects_.find(k);
  if (it != objects_.end()) {
    bj::object& old_meta = meta_of(it->second);
    meta["uid"] = old_meta["uid"];
    std::int64_t gen = old_meta.contains("generation") ? old_meta["generation"].to_number<std::int64_t>() : 1;
    if (obj["spec"] != it->second["spec"] || obj["customVersion"] != it->second["customVersion"]) ++gen;
    meta["generation"] = gen;
    if (plural == "habitats" && it->second.contains("status")) obj["status"] = it->second["status"];
  } else {
    if (!meta.contains("uid")) meta["uid"] = "uid-" + str(meta, "name");
    if (!meta.contains("generation")) meta["generation"] = 1;
  }
  meta["resourceVersion"] = next_rv();
  objects_[k] = std::move(obj);
}

bool store::edit(const std::string& plural, const std::string& ns, const std::string& name, const bj::value& patch) {
  auto it = objects_.find({plural, ns, name});
  if (it == objects_.end()) return false;
  bj::object before = it->second;
  it->second = reconcile::apply_merge_patch(it->second, patch).as_object();
  if (server_defaults_) apply_server_defaults(plural, it->second);
  bj::object& meta = meta_of(it->second);
  if (before["spec"] != it->second["spec"]) meta["generation"] = meta["generation"].to_number<std::int64_t>() + 1;
  meta["resourceVersion"] = next_rv();
  return true;
}

const bj::object* store::get(const std::string& plural, const std::string& ns, const std::string& name) const {
  auto it = objects_.find({plural, ns, name});
  return it == objects_.end() ? nullptr : &it->second;
}

std::vector<const bj::object*> store::list(const std::string& plural, const std::string& ns) const {
  std::vector<const bj::object*> out;
  for (const auto& [k, o] : objects_)
    if (std::get<0>(k) == plural && std::get<1>(k) == ns) out.push_back(&o);
  return out;
}

reconcile::snapshot store::observe(const std::string& ns, const std::string& name) const {
  reconcile::snapshot s;
  // Copies: the store's objects change as plans are applied, a snapshot must not.
  for (const auto* h : list("habitats", ns)) s.habitats.push_back(reconcile::share(*h));
  if (const auto* o = get("statefulsets", ns, name)) s.stateful_set = reconcile::share(*o);
  if (const auto* o = get("services", ns, name)) s.service = reconcile::share(*o);
  for (const auto* cm : list("configmaps", ns))
    if (label(*cm, "habitat") == "true") s.config_maps.push_back(reconcile::share(*cm));
  for (const auto* p : list("pods", ns))
    if (label(*p, "habitat") == "true") s.pods.push_back(reconcile::share(*p));
  s.secret_names.emplace();   // a controller that watches Secrets: an absent one is SecretNotFound
  if (auto it = secrets_.find(ns); it != secrets_.end()) s.secret_names = it->second;
  return s;
}

int store::create(const object_ref& ref, bj::object body) {
  const key k{ref.plural, ref.ns, ref.name};
  if (objects_.count(k)) return 409;
  bj::object& meta = meta_of(body);
  meta["namespace"] = ref.ns;
  meta["uid"] = "uid-" + ref.plural + "-" + ref.name;
  meta["generation"] = 1;
  meta["resourceVersion"] = next_rv();
  body.erase("status");
  if (server_defaults_) apply_server_defaults(ref.plural, body);
  objects_[k] = std::move(body);
  return 201;
}

int store::patch(const object_ref& ref, const bj::object& body) {
  auto it = objects_.find({ref.plural, ref.ns, ref.name});
  if (it == objects_.end()) return 404;
  bj::object p = body;
  if (bj::value* m = p.if_contains("metadata"); m && m->is_object()) {
    if (const bj::value* rv = m->get_object().if_contains("resourceVersion")) {
      if (*rv != it->second["metadata"].get_object()["resourceVersion"]) return 409;
      m->get_object().erase("resourceVersion");
    }
  }
  if (ref.plural == "statefulsets") {
    if (const bj::value* spec = p.if_contains("spec"); spec && spec->is_object())
      for (const char* f : {"selector", "volumeClaimTemplates", "podManagementPolicy", "serviceName"})
        if (spec->get_object().contains(f)) return 422;  // immutable, as the API server says
  }
  bj::object next = reconcile::apply_merge_patch(it->second, p).as_object();
  if (const bj::value* type = at_path(next, {"spec", "updateStrategy", "type"});
      type && *type == "OnDelete" && at_path(next, {"spec", "updateStrategy", "rollingUpdate"}))
    return 422;  // rollingUpdate is only allowed with RollingUpdate
  if (server_defaults_) apply_server_defaults(ref.plural, next);
  bj::object& meta = meta_of(next);
  if (next["spec"] != it->second["spec"]) meta["generation"] = meta["generation"].to_number<std::int64_t>() + 1;
  meta["resourceVersion"] = next_rv();
  it->second = std::move(next);
  return 200;
}

int store::patch_owner_references(const object_ref& ref, const bj::object& body) {
  auto it = objects_.find({ref.plural, ref.ns, ref.name});
  if (it == objects_.end()) return 404;
  const bj::value* changes = at_path(body, {"metadata", "ownerReferences"});
  if (body.size() != 1 || body.at("metadata").as_object().size() != 1 || !changes || !changes->is_array())
    return 415;   // anything else would need the API server's strategic merge, which habop does not send
  bj::object& meta = meta_of(it->second);
  bj::array refs = meta.contains("ownerReferences") ? meta["ownerReferences"].as_array() : bj::array{};
  for (const auto& change : changes->as_array()) {
    const bj::value& uid = change.at("uid");
    auto same = std::find_if(refs.begin(), refs.end(), [&](const bj::value& r) { return r.at("uid") == uid; });
    if (change.as_object().contains("$patch")) {
      if (same != refs.end()) refs.erase(same);
    } else if (same != refs.end()) {
      *same = change;   // habop sends whole references: merging their fields is replacing them
    } else {
      refs.push_back(change);
    }
  }
  meta["ownerReferences"] = std::move(refs);
  meta["resourceVersion"] = next_rv();
  return 200;
}

int store::remove_checked(const reconcile::delete_object& d) {
  auto it = objects_.find({d.target.plural, d.target.ns, d.target.name});
  if (it == objects_.end()) return 404;
  const bj::object& meta = it->second["metadata"].get_object();
  if (!d.target.uid.empty() && str(meta, "uid") != d.target.uid) return 409;
  if (!d.resource_version.empty() && str(meta, "resourceVersion") != d.resource_version) return 409;
  objects_.erase(it);
  return 200;
}

applied store::apply(const reconcile::plan& p, const object_ref& habitat) {
  applied out;
  for (const auto& op : p.operations) {
    if (const auto* c = std::get_if<reconcile::create_object>(&op)) out.codes.push_back(create(c->target, c->body));
    else if (const auto* pa = std::get_if<reconcile::patch_object>(&op))
      out.codes.push_back(pa->type == reconcile::patch_type::strategic ? patch_owner_references(pa->target, pa->body)
                                                                          : patch(pa->target, pa->body));
    else out.codes.push_back(remove_checked(std::get<reconcile::delete_object>(op)));
  }
  if (p.status) {
    auto it = objects_.find({"habitats", habitat.ns, habitat.name});
    if (it != objects_.end()) {
      it->second["status"] = reconcile::apply_merge_patch(it->second["status"], *p.status);
      meta_of(it->second)["resourceVersion"] = next_rv();
      out.status_written = true;
    }
  }
  out.events = p.events;
  events_.insert(events_.end(), p.events.begin(), p.events.end());
  return out;
}

void store::simulate() {
  for (auto& [k, sts] : objects_) {
    if (std::get<0>(k) != "statefulsets") continue;
    const std::string ns = std::get<1>(k), name = std::get<2>(k);
    const bj::object& meta = sts["metadata"].get_object();
    const bj::value* tmpl = at_path(sts, {"spec", "template"});
    const std::string revision = name + "-" + std::to_string(reconcile::hash_json(tmpl ? *tmpl : bj::value()) % 100000);
    const std::int64_t replicas = at_path(sts, {"spec", "replicas"}) ? at_path(sts, {"spec", "replicas"})->to_number<std::int64_t>() : 1;
    const bj::value* type = at_path(sts, {"spec", "updateStrategy", "type"});
    const bool rolling = !type || *type == "RollingUpdate";
    std::int64_t ready = 0, updated = 0, count = 0;
    for (std::int64_t i = 0;; ++i) {
      const std::string pod_name = name + "-" + std::to_string(i);
      auto it = objects_.find({"pods", ns, pod_name});
      if (i >= replicas) {
        if (it == objects_.end()) break;
        objects_.erase(it);
        continue;
      }
      const bool stale = it != objects_.end() && label(it->second, "controller-revision-hash") != revision;
      if (it == objects_.end() || (stale && rolling)) {
        bj::object pod;
        pod["apiVersion"] = "v1";
        pod["kind"] = "Pod";
        bj::object labels;
        if (const bj::value* l = at_path(sts, {"spec", "template", "metadata", "labels"}); l && l->is_object()) labels = l->get_object();
        labels["controller-revision-hash"] = revision;
        pod["metadata"] = bj::object{{"name", pod_name}, {"namespace", ns}, {"uid", "uid-pod-" + pod_name + "-" + next_rv()},
                                     {"labels", labels}, {"resourceVersion", next_rv()}};
        const std::string ip = "10.0." + std::to_string(next_ip_ / 250) + "." + std::to_string(next_ip_ % 250 + 1);
        ++next_ip_;
        pod["status"] = bj::object{{"phase", "Running"}, {"podIP", ip},
                                   {"conditions", bj::array{bj::object{{"type", "Ready"}, {"status", "True"}}}}};
        objects_[{"pods", ns, pod_name}] = std::move(pod);
        it = objects_.find({"pods", ns, pod_name});
      }
      ++count;
      ++ready;
      if (label(it->second, "controller-revision-hash") == revision) ++updated;
    }
    bj::object status{{"observedGeneration", meta.at("generation")}, {"replicas", count}, {"readyReplicas", ready},
                      {"updatedReplicas", updated}, {"updateRevision", revision}};
    if (sts["status"] != bj::value(status)) {
      sts["status"] = std::move(status);
      sts["metadata"].get_object()["resourceVersion"] = next_rv();
    }
  }
}

reconcile::plan plan_for(const store& s, const std::string& ns, const std::string& name, instant now) {
  return reconcile::reconcile(*s.get("habitats", ns, name), s.observe(ns, name), now);
}

int converge(store& s, const std::string& ns, int max_rounds, instant now) {
  for (int round = 0; round < max_rounds; ++round) {
    s.simulate();
    bool planned = false;
    for (const auto* h : s.list("habitats", ns)) {
      const std::string name = str(h->at("metadata").as_object(), "name");
      reconcile::plan p = plan_for(s, ns, name, now);
      if (p.empty()) continue;
      planned = true;
      s.apply(p, reconcile::habitat_ref(*s.get("habitats", ns, name)));
    }
    if (!planned) return round;
  }
  return -1;
}

}  // namespace habop::test
