// Peer seeds for the shared peer ConfigMap: which Habitats share it, and which pod IPs it lists (stable, ring-aware).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include <habop/api/habitat.hpp>
#include <habop/reconcile/snapshot.hpp>

namespace habop::reconcile {

/// A pod that may seed: its name (for the stable fill order) and its IP.
struct peer_candidate {
  std::string pod_name;
  std::string ip;
  bool operator==(const peer_candidate&) const = default;
};

/// The desired peer ConfigMap content, identical whichever sharing Habitat computes it.
struct peer_group {
  std::vector<api::habitat> owners;   ///< Every live Habitat mapped to the ConfigMap, sorted by name (metadata only).
  std::vector<std::string> seeds;     ///< One IP per line, no blank lines.
  bool operator==(const peer_group&) const = default;
};

/// The peer ConfigMap name a raw Habitat maps to, read without a full parse so that scanning every Habitat of a
/// namespace stays cheap; nullopt when the Habitat is being deleted, has another customVersion, or a malformed
/// ring Secret name (such a Habitat is invalid and shares nothing).
std::optional<std::string> peer_config_map_of(const boost::json::object& raw_habitat);

/// Whether a pod may seed: phase Running, condition Ready=True, no deletionTimestamp, and a pod IP.
bool is_seed_candidate(const boost::json::object& pod);

/// The non-empty lines of a peer file.
std::vector<std::string> parse_seed_lines(std::string_view data);

/// Stable selection: current seeds that still qualify keep their place, then the remaining slots are filled with
/// qualifying IPs in pod-name order, up to `max` lines.
std::vector<std::string> select_seeds(const std::vector<std::string>& current, std::vector<peer_candidate> qualifying,
                                      std::size_t max);

/// The owners and seeds of the ConfigMap `cm_name`: owners are the live Habitats of the snapshot that map to it,
/// candidates the seed-able pods whose `habitat-name` label names one of them (so rings never mix). `observed_cm`
/// is the ConfigMap as it exists, whose seeds are kept while they qualify.
peer_group compute_peer_group(const snapshot& observed, const std::string& cm_name,
                              const boost::json::object* observed_cm, std::size_t max);

}  // namespace habop::reconcile
