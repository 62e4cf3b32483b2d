// Ring-aware, stable peer-seed selection for the shared peer ConfigMap.
#include <habop/reconcile/peers.hpp>

#include <algorithm>
#include <map>
#include <optional>

#include <habop/api/validate.hpp>
#include <habop/json/detail/find.hpp>
#include <habop/reconcile/detail/json_access.hpp>
#include <habop/render/meta.hpp>
#include <habop/render/names.hpp>
#include <habop/render/render.hpp>

namespace habop::reconcile {
using habop::json::detail::find_member;
namespace bj = boost::json;
using detail::member_object;
using detail::member_string;

namespace {

// The ring Secret name a raw Habitat gossips with ("" without a ring); nullopt when it shares no ConfigMap.
std::optional<std::string_view> ring_secret_of(const bj::object& raw) {
  const bj::object* meta = member_object(&raw, "metadata");
  if (detail::has_member(meta, "deletionTimestamp")) return std::nullopt;
  if (member_string(&raw, "customVersion") != api::custom_version) return std::nullopt;
  const bj::object* service = detail::path_object(&raw, {"spec", "v1beta2", "service"});
  if (!detail::has_member(service, "ringSecretName")) return std::string_view{};
  std::string_view ring_secret = member_string(service, "ringSecretName");
  if (ring_secret.empty()) return std::nullopt;
  return ring_secret;
}

// The renderer's name for the ConfigMap of a ring Secret ("" for none), so both always agree.
std::optional<std::string> config_map_for(std::string_view ring_secret) {
  api::habitat stub;
  if (!ring_secret.empty()) {
    if (!api::ring_name(ring_secret)) return std::nullopt;
    stub.spec.service.ring_secret_name = std::string(ring_secret);
  }
  return render::peer_config_map_name(stub);
}

}  // namespace

std::optional<std::string> peer_config_map_of(const bj::object& raw) {
  auto secret = ring_secret_of(raw);
  if (!secret) return std::nullopt;
  return config_map_for(*secret);
}

bool pod_ready(const bj::object& pod) {
  if (const bj::array* conditions = detail::member_array(member_object(&pod, "status"), "conditions")) {
    for (const auto& c : *conditions) {
      if (!c.is_object()) continue;
      if (member_string(&c.get_object(), "type") == "Ready") return member_string(&c.get_object(), "status") == "True";
    }
  }
  return false;
}

bool is_seed_candidate(const bj::object& pod) {
  if (detail::has_member(member_object(&pod, "metadata"), "deletionTimestamp")) return false;
  const bj::object* status = member_object(&pod, "status");
  if (member_string(status, "phase") != "Running" || member_string(status, "podIP").empty()) return false;
  return pod_ready(pod);
}

std::vector<std::string> parse_seed_lines(std::string_view data) {
  std::vector<std::string> lines;
  lines.reserve(static_cast<std::size_t>(std::count(data.begin(), data.end(), '\n')) + 1);   // one allocation
  while (!data.empty()) {
    const auto nl = data.find('\n');
    std::string_view line = data.substr(0, nl);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    if (!line.empty()) lines.emplace_back(line);
    if (nl == std::string_view::npos) break;
    data.remove_prefix(nl + 1);
  }
  return lines;
}

namespace {

bool by_name(const peer_seed_view& a, const peer_seed_view& b) {
  return a.pod_name != b.pod_name ? a.pod_name < b.pod_name : a.ip < b.ip;
}

bool by_owner_name(const peer_owner& a, const peer_owner& b) { return a.name != b.name ? a.name < b.name : a.uid < b.uid; }

// The selection behind `select_seeds`: `live` holds every qualifying IP, sorted; the first `sorted` entries of
// `qualifying` are the smallest by pod name, in order (callers sort only as many as the slots need).
std::vector<std::string> fill_seeds(const std::vector<std::string>& current, const std::vector<peer_seed_view>& qualifying,
                                    std::size_t sorted, const std::vector<std::string_view>& live, std::size_t max) {
  std::vector<std::string> seeds;
  seeds.reserve(std::min(max, current.size() + sorted));   // one allocation
  auto taken = [&](std::string_view ip) { return std::find(seeds.begin(), seeds.end(), ip) != seeds.end(); };
  // Seeds only matter to a supervisor with an empty member list (hab#2735), so a seed that still works is kept:
  // rewriting the file for nothing would wake every supervisor's file watcher.
  for (const auto& ip : current) {
    if (seeds.size() >= max) break;
    if (std::binary_search(live.begin(), live.end(), std::string_view(ip)) && !taken(ip)) seeds.push_back(ip);
  }
  for (std::size_t i = 0; i < sorted && seeds.size() < max; ++i)
    if (!taken(qualifying[i].ip)) seeds.emplace_back(qualifying[i].ip);
  return seeds;
}

// Enough of the smallest names to fill the slots even if every kept seed is among them.
std::size_t slots_needed(const std::vector<std::string>& current, std::size_t candidates, std::size_t max) {
  return std::min(candidates, max + std::min(current.size(), max));
}

}  // namespace

std::vector<std::string> select_seeds(const std::vector<std::string>& current, std::vector<peer_candidate> qualifying,
                                      std::size_t max) {
  std::vector<peer_seed_view> views;
  std::vector<std::string_view> live;
  views.reserve(qualifying.size());
  for (const auto& q : qualifying) {
    views.push_back({q.pod_name, q.ip});
    live.push_back(q.ip);
  }
  std::sort(live.begin(), live.end());
  const std::size_t needed = slots_needed(current, views.size(), max);
  std::partial_sort(views.begin(), views.begin() + static_cast<std::ptrdiff_t>(needed), views.end(), by_name);
  return fill_seeds(current, views, needed, live, max);
}

namespace {

// The seed a pod offers: its name and IP, when it may seed.
std::optional<peer_seed_view> seed_of(const bj::object& pod) {
  if (!is_seed_candidate(pod)) return std::nullopt;
  return peer_seed_view{member_string(member_object(&pod, "metadata"), "name"),
                        member_string(member_object(&pod, "status"), "podIP")};
}

std::string_view habitat_name_label(const bj::object& pod) {
  return member_string(member_object(member_object(&pod, "metadata"), "labels"), render::label_habitat_name);
}

std::string joined(std::initializer_list<std::string_view> parts) {
  std::string key;
  for (std::string_view p : parts) {
    key += p;
    key += '\0';
  }
  return key;
}

}  // namespace

peer_index build_peer_index(const std::vector<object_ptr>& habitats, const std::vector<object_ptr>& pods,
                            const std::vector<object_ptr>& config_maps, std::size_t max_seeds) {
  peer_index index;
  auto own = [&index](std::string_view s) -> std::string_view { return index.strings.emplace_back(s); };
  // Map each distinct ring Secret once: the renderer's name for it takes a stub Habitat.
  std::map<std::string_view, std::optional<std::string>> by_secret;
  std::map<std::string_view, std::vector<peer_ring*>> rings_of;   // Habitat name -> the rings it owns
  for (const auto& raw : habitats) {
    auto secret = ring_secret_of(*raw);
    if (!secret) continue;
    auto it = by_secret.find(*secret);
    if (it == by_secret.end()) it = by_secret.emplace(*secret, config_map_for(*secret)).first;
    if (!it->second) continue;
    const bj::object* meta = member_object(raw.get(), "metadata");
    peer_ring& ring = index.rings[*it->second];
    ring.owners.push_back({own(member_string(meta, "name")), own(member_string(meta, "namespace")),
                           own(member_string(meta, "uid"))});
    std::vector<peer_ring*>& owned = rings_of[ring.owners.back().name];
    if (std::find(owned.begin(), owned.end(), &ring) == owned.end()) owned.push_back(&ring);
  }
  for (const auto& pod : pods) {
    auto owner = rings_of.find(habitat_name_label(*pod));
    if (owner == rings_of.end()) continue;
    auto seed = seed_of(*pod);
    if (!seed) continue;
    const peer_seed_view owned{own(seed->pod_name), own(seed->ip)};
    for (peer_ring* ring : owner->second) ring->candidates.push_back(owned);
  }
  for (auto& [name, ring] : index.rings) {
    std::sort(ring.owners.begin(), ring.owners.end(), by_owner_name);
    std::sort(ring.candidates.begin(), ring.candidates.end(), by_name);
    for (const auto& c : ring.candidates) ring.ips.push_back(c.ip);
    std::sort(ring.ips.begin(), ring.ips.end());
  }
  for (const auto& cm : config_maps) {
    const bj::object* meta = member_object(cm.get(), "metadata");
    auto ring = index.rings.find(member_string(meta, "name"));
    const std::string_view uid = member_string(meta, "uid"), rv = member_string(meta, "resourceVersion");
    if (ring == index.rings.end() || uid.empty() || rv.empty()) continue;
    const std::string_view ns = member_string(meta, "namespace");
    const peer_group_view group = compute_peer_group_view(index, ring->first, cm.get(), max_seeds);
    peer_served_set served{own(ns), own(uid), own(rv), max_seeds, {}};
    for (std::string_view u : peer_config_map_served(*cm, ns, ring->first, group)) served.uids.push_back(own(u));
    ring->second.served = std::move(served);
  }
  return index;
}

const peer_index& peers_of(const snapshot& observed, std::optional<peer_index>& storage) {
  return observed.peers ? *observed.peers : storage.emplace(build_peer_index(observed.habitats, observed.pods));
}

std::string peer_index_key_of_habitat(const bj::object& raw) {
  const auto cm = peer_config_map_of(raw);
  if (!cm) return {};
  const bj::object* meta = member_object(&raw, "metadata");
  return joined({*cm, member_string(meta, "name"), member_string(meta, "namespace"), member_string(meta, "uid")});
}

const std::vector<std::string>& peer_index_habitat_paths() {
  // ring_secret_of and the owners' fields (name, namespace, uid) below.
  static const std::vector<std::string> paths{"metadata.name", "metadata.namespace", "metadata.uid",
                                              "metadata.deletionTimestamp", "customVersion",
                                              "spec.v1beta2.service.ringSecretName"};
  return paths;
}

std::string peer_index_key_of_pod(const bj::object& pod) {
  const auto seed = seed_of(pod);
  if (!seed) return {};
  return joined({habitat_name_label(pod), seed->pod_name, seed->ip});
}

peer_group_view compute_peer_group_view(const peer_index& index, const std::string& cm_name,
                                        const bj::object* observed_cm, std::size_t max) {
  peer_group_view group;
  auto ring = index.rings.find(cm_name);
  if (ring == index.rings.end()) return group;
  group.owners = ring->second.owners;
  std::vector<std::string> current;
  if (observed_cm) current = parse_seed_lines(member_string(member_object(observed_cm, "data"), render::peer_config_map_key));
  const std::vector<peer_seed_view>& candidates = ring->second.candidates;
  group.seeds = fill_seeds(current, candidates, slots_needed(current, candidates.size(), max), ring->second.ips, max);
  return group;
}

peer_group compute_peer_group(const snapshot& observed, const std::string& cm_name, const bj::object* observed_cm,
                              std::size_t max) {
  std::optional<peer_index> built;   // the views point into the index: one built here must outlive them
  peer_group_view view = compute_peer_group_view(peers_of(observed, built), cm_name, observed_cm, max);
  peer_group group;
  group.owners.resize(view.owners.size());
  for (std::size_t i = 0; i < view.owners.size(); ++i) {
    api::object_meta& m = group.owners[i].metadata;
    m.name = view.owners[i].name;
    m.ns = view.owners[i].ns;
    m.uid = view.owners[i].uid;
  }
  group.seeds = std::move(view.seeds);
  return group;
}

namespace {

bool string_is(const bj::object* o, std::string_view key, std::string_view want) {
  const bj::value* v = o ? find_member(*o, key) : nullptr;
  return v && v->is_string() && v->get_string() == want;
}

bool is_habitat_reference(const bj::object& r) {
  return member_string(&r, "kind") == api::kind && member_string(&r, "apiVersion").starts_with(api::group);
}

// The owners `cm` references, sorted by uid, when it is as rendered for `group` (apiVersion, kind, name,
// namespace, label, seeds) and references no Habitat outside it; nullopt otherwise.
std::optional<std::vector<std::string_view>> referenced_owners(const bj::object& cm, std::string_view ns,
                                                               std::string_view name, const peer_group_view& group) {
  const bj::object* meta = member_object(&cm, "metadata");
  if (!string_is(&cm, "apiVersion", "v1") || !string_is(&cm, "kind", "ConfigMap") || !string_is(meta, "name", name))
    return std::nullopt;
  if (!ns.empty() && !string_is(meta, "namespace", ns)) return std::nullopt;
  if (!string_is(member_object(meta, "labels"), render::label_habitat, "true")) return std::nullopt;
  for (std::size_t i = 1; i < group.owners.size(); ++i)
    if (group.owners[i].name == group.owners[i - 1].name && group.owners[i].uid == group.owners[i - 1].uid)
      return std::nullopt;  // the renderer drops duplicates: let it decide
  if (!string_is(member_object(&cm, "data"), render::peer_config_map_key, render::peer_file(group.seeds)))
    return std::nullopt;
  const bj::array* refs = detail::member_array(meta, "ownerReferences");
  if (!refs) return std::nullopt;
  std::vector<std::string_view> uids;
  uids.reserve(refs->size());
  // group.owners is sorted by name, then uid, and so are the references as rendered: each one is usually the owner
  // after the previous one's, which keeps the walk linear.
  auto next = group.owners.begin();
  for (const bj::value& v : *refs) {
    if (!v.is_object()) return std::nullopt;
    const bj::object& r = v.get_object();
    if (!is_habitat_reference(r)) continue;
    const std::string_view ref_name = member_string(&r, "name"), ref_uid = member_string(&r, "uid");
    auto owner = next;
    if (owner == group.owners.end() || owner->name != ref_name || owner->uid != ref_uid) {
      owner = std::lower_bound(group.owners.begin(), group.owners.end(), ref_name,
                               [](const peer_owner& o, std::string_view n) { return o.name < n; });
      while (owner != group.owners.end() && owner->name == ref_name && owner->uid != ref_uid) ++owner;
    }
    if (owner == group.owners.end() || owner->name != ref_name ||
        !render::is_owner_reference(r, owner->name, owner->uid, false))
      return std::nullopt;  // a Habitat that no longer shares the ConfigMap, or a reference not as rendered
    uids.push_back(owner->uid);
    next = owner + 1;
  }
  std::sort(uids.begin(), uids.end());
  return uids;
}

}  // namespace

bool peer_config_map_serves(const bj::object& cm, std::string_view ns, std::string_view name,
                            const peer_group_view& group, std::string_view self_uid) {
  const auto uids = referenced_owners(cm, ns, name, group);
  return uids && std::binary_search(uids->begin(), uids->end(), self_uid);
}

std::vector<std::string_view> peer_config_map_served(const bj::object& cm, std::string_view ns, std::string_view name,
                                                     const peer_group_view& group) {
  auto uids = referenced_owners(cm, ns, name, group);
  return uids ? std::move(*uids) : std::vector<std::string_view>{};
}

}  // namespace habop::reconcile
