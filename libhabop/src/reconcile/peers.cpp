// Ring-aware, stable peer-seed selection for the shared peer ConfigMap.
#include <habop/reconcile/peers.hpp>

#include <algorithm>
#include <map>

#include <habop/api/validate.hpp>
#include <habop/reconcile/detail/json_access.hpp>
#include <habop/render/names.hpp>
#include <habop/render/render.hpp>

namespace habop::reconcile {
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

bool is_seed_candidate(const bj::object& pod) {
  if (detail::has_member(member_object(&pod, "metadata"), "deletionTimestamp")) return false;
  const bj::object* status = member_object(&pod, "status");
  if (member_string(status, "phase") != "Running" || member_string(status, "podIP").empty()) return false;
  if (const bj::array* conditions = detail::member_array(status, "conditions")) {
    for (const auto& c : *conditions) {
      if (!c.is_object()) continue;
      if (member_string(&c.get_object(), "type") == "Ready") return member_string(&c.get_object(), "status") == "True";
    }
  }
  return false;
}

std::vector<std::string> parse_seed_lines(std::string_view data) {
  std::vector<std::string> lines;
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

struct candidate_view {
  std::string_view pod_name;
  std::string_view ip;
};

// The selection behind `select_seeds`, over views: reconciles of a big namespace see hundreds of candidates and
// need at most `max` of them, so only the first few in pod-name order are sorted.
std::vector<std::string> select(const std::vector<std::string>& current, std::vector<candidate_view>& qualifying,
                                std::size_t max) {
  std::vector<std::string_view> live;
  live.reserve(qualifying.size());
  for (const auto& q : qualifying) live.push_back(q.ip);
  std::sort(live.begin(), live.end());
  std::vector<std::string> seeds;
  auto taken = [&](std::string_view ip) { return std::find(seeds.begin(), seeds.end(), ip) != seeds.end(); };
  // Seeds only matter to a supervisor with an empty member list (hab#2735), so a seed that still works is kept:
  // rewriting the file for nothing would wake every supervisor's file watcher.
  for (const auto& ip : current) {
    if (seeds.size() >= max) break;
    if (std::binary_search(live.begin(), live.end(), std::string_view(ip)) && !taken(ip)) seeds.push_back(ip);
  }
  // Enough of the smallest names to fill the remaining slots even if every kept seed is among them.
  const std::size_t needed = std::min(qualifying.size(), max + seeds.size());
  auto by_name = [](const candidate_view& a, const candidate_view& b) {
    return a.pod_name != b.pod_name ? a.pod_name < b.pod_name : a.ip < b.ip;
  };
  std::partial_sort(qualifying.begin(), qualifying.begin() + static_cast<std::ptrdiff_t>(needed), qualifying.end(), by_name);
  for (std::size_t i = 0; i < needed && seeds.size() < max; ++i)
    if (!taken(qualifying[i].ip)) seeds.emplace_back(qualifying[i].ip);
  return seeds;
}

}  // namespace

std::vector<std::string> select_seeds(const std::vector<std::string>& current, std::vector<peer_candidate> qualifying,
                                      std::size_t max) {
  std::vector<candidate_view> views;
  views.reserve(qualifying.size());
  for (const auto& q : qualifying) views.push_back({q.pod_name, q.ip});
  return select(current, views, max);
}

peer_group compute_peer_group(const snapshot& observed, const std::string& cm_name, const bj::object* observed_cm,
                              std::size_t max) {
  peer_group group;
  // Scanning every Habitat of the namespace is on every reconcile's path: map each distinct ring Secret once.
  std::map<std::string_view, std::optional<std::string>> by_secret;
  struct owner_view {
    std::string_view name, ns, uid;
  };
  std::vector<owner_view> owners;
  for (const auto& raw : observed.habitats) {
    auto secret = ring_secret_of(raw);
    if (!secret) continue;
    auto it = by_secret.find(*secret);
    if (it == by_secret.end()) it = by_secret.emplace(*secret, config_map_for(*secret)).first;
    if (!it->second || *it->second != cm_name) continue;
    const bj::object* meta = member_object(&raw, "metadata");
    owners.push_back({member_string(meta, "name"), member_string(meta, "namespace"), member_string(meta, "uid")});
  }
  // Sorted as views, then materialised: api::habitat is too big to shuffle around in a sort.
  std::sort(owners.begin(), owners.end(), [](const owner_view& a, const owner_view& b) { return a.name < b.name; });
  group.owners.resize(owners.size());
  for (std::size_t i = 0; i < owners.size(); ++i) {
    api::object_meta& m = group.owners[i].metadata;
    m.name = owners[i].name;
    m.ns = owners[i].ns;
    m.uid = owners[i].uid;
  }

  // Owners are sorted by name: membership is a binary search.
  auto is_owner = [&](std::string_view name) {
    auto it = std::lower_bound(group.owners.begin(), group.owners.end(), name,
                               [](const api::habitat& h, std::string_view n) { return h.metadata.name < n; });
    return it != group.owners.end() && it->metadata.name == name;
  };
  std::vector<candidate_view> candidates;
  for (const auto& pod : observed.pods) {
    const bj::object* meta = member_object(&pod, "metadata");
    if (!is_owner(member_string(member_object(meta, "labels"), "habitat-name")) || !is_seed_candidate(pod)) continue;
    candidates.push_back({member_string(meta, "name"), member_string(member_object(&pod, "status"), "podIP")});
  }
  std::vector<std::string> current;
  if (observed_cm) current = parse_seed_lines(member_string(member_object(observed_cm, "data"), render::peer_config_map_key));
  group.seeds = select(current, candidates, max);
  return group;
}

}  // namespace habop::reconcile
