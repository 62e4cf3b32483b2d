// Peer seeds for the shared peer ConfigMap: which Habitats share it, and which pod IPs it lists (stable, ring-aware).
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <map>
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

/// A sharing Habitat, as views into the snapshot's objects.
struct peer_owner {
  std::string_view name, ns, uid;
};

/// `peer_group` as views: what a reconcile computes before deciding whether the ConfigMap needs rendering at all.
struct peer_group_view {
  std::vector<peer_owner> owners;     ///< Sorted by name, then uid.
  std::vector<std::string> seeds;
};

/// A pod that may seed, as views into a snapshot's pod.
struct peer_seed_view {
  std::string_view pod_name, ip;
};

/// `peer_config_map_served` of one version of a ring's ConfigMap, computed when the index is built. Reconcile
/// trusts it only for that version (uid and resourceVersion, both set), namespace and seed bound.
struct peer_served_set {
  std::string_view ns, uid, resource_version;
  std::size_t max_seeds = 0;
  std::vector<std::string_view> uids;         ///< Sorted.
};

/// The Habitats sharing one peer ConfigMap and the pods that may seed it.
struct peer_ring {
  std::vector<peer_owner> owners;             ///< Sorted by name, then uid.
  std::vector<peer_seed_view> candidates;     ///< Seed candidates of the owners, sorted by pod name, then IP.
  std::vector<std::string_view> ips;          ///< The candidates' IPs, sorted.
  /// Which sharers the observed ConfigMap serves, when the index was given the namespace's ConfigMaps: one walk
  /// of its references for the whole ring instead of one per sharer's reconcile (N² for a big ring).
  std::optional<peer_served_set> served;
};

/// Every peer ConfigMap of one namespace with its owners and seed candidates, computed once from the namespace's
/// Habitats and pods and shared by every reconcile of that namespace (snapshot::peers) instead of each reconcile
/// scanning all of them. Pure: the same Habitats and pods always give the same index. It owns the strings it views,
/// so it keeps no object alive: a controller may keep one across changes that `peer_index_key` says do not matter.
/// Move-only (views into its own storage).
struct peer_index {
  std::map<std::string, peer_ring, std::less<>> rings;   ///< By ConfigMap name; only names some Habitat maps to.
  std::deque<std::string> strings;                        ///< What the rings view (stable addresses).

  peer_index() = default;
  peer_index(peer_index&&) = default;
  peer_index& operator=(peer_index&&) = default;
  peer_index(const peer_index&) = delete;
  peer_index& operator=(const peer_index&) = delete;
};

/// Groups `habitats` by the ConfigMap they map to (`peer_config_map_of`) and the seed candidates among `pods`
/// (`is_seed_candidate`, labelled `habitat-name` of an owner) by ring. With the namespace's `config_maps`, also
/// which sharers each ring's ConfigMap serves with at most `max_seeds` seeds (`peer_ring::served`).
peer_index build_peer_index(const std::vector<object_ptr>& habitats, const std::vector<object_ptr>& pods,
                            const std::vector<object_ptr>& config_maps = {}, std::size_t max_seeds = 0);

/// The snapshot's index (`observed.peers`), or one built from its Habitats and pods into `storage`, which must
/// outlive every view read from it.
const peer_index& peers_of(const snapshot& observed, std::optional<peer_index>& storage);

/// Everything `build_peer_index` reads of one Habitat or pod, as one comparable value ("" when it contributes
/// nothing, e.g. a pod that cannot seed). An index stays exact while no added, deleted or changed object's key
/// changes: a controller rebuilds it only then, not on every status write of a namespace's Habitats and pods.
std::string peer_index_key_of_habitat(const boost::json::object& raw_habitat);
std::string peer_index_key_of_pod(const boost::json::object& pod);

/// The paths of a raw Habitat that `build_peer_index`, `peer_index_key_of_habitat` and `peer_config_map_of` read
/// (dotted, as a cache's field mask takes them): a Habitat projected to these indexes exactly like the whole one.
const std::vector<std::string>& peer_index_habitat_paths();

/// The peer ConfigMap name a raw Habitat maps to, read without a full parse so that scanning every Habitat of a
/// namespace stays cheap; nullopt when the Habitat is being deleted, has another customVersion, or a malformed
/// ring Secret name (such a Habitat is invalid and shares nothing).
std::optional<std::string> peer_config_map_of(const boost::json::object& raw_habitat);

/// Whether a pod may seed: phase Running, condition Ready=True, no deletionTimestamp, and a pod IP.
bool is_seed_candidate(const boost::json::object& pod);

/// Whether the pod's Ready condition is True (seeds, and the members a scale-down keeps, need it).
bool pod_ready(const boost::json::object& pod);

/// The non-empty lines of a peer file.
std::vector<std::string> parse_seed_lines(std::string_view data);

/// Stable selection: current seeds that still qualify keep their place, then the remaining slots are filled with
/// qualifying IPs in pod-name order, up to `max` lines.
std::vector<std::string> select_seeds(const std::vector<std::string>& current, std::vector<peer_candidate> qualifying,
                                      std::size_t max);

/// The owners and seeds of the ConfigMap `cm_name`: owners are the live Habitats of the snapshot that map to it,
/// candidates the seed-able pods whose `habitat-name` label names one of them (so rings never mix). `observed_cm`
/// is the ConfigMap as it exists, whose seeds are kept while they qualify. Reads `observed.peers` when set (which
/// must be built from `observed.habitats` and `observed.pods`), else builds an index for the call.
peer_group compute_peer_group(const snapshot& observed, const std::string& cm_name,
                              const boost::json::object* observed_cm, std::size_t max);

/// `compute_peer_group` from an index, without materialising the owners; the views live as long as the index
/// (they point into its strings).
peer_group_view compute_peer_group_view(const peer_index& index, const std::string& cm_name,
                                        const boost::json::object* observed_cm, std::size_t max);

/// Whether the observed peer ConfigMap serves the Habitat `self_uid` (one of `group`'s owners) so that its
/// reconcile writes nothing: apiVersion, kind, name, namespace, the `habitat` label and the seeds as reconcile would
/// render them, a reference to `self_uid`, and none to a Habitat that no longer shares it (false whenever in doubt:
/// duplicate owners, odd types). Read by view: a converged namespace costs no rendering. References missing for other sharers are theirs to add (each
/// reconcile of theirs does, writing every sharer): Habitats created one by one then write the shared object once
/// each instead of all racing to add the newest (conflicts, and reconciles of old Habitats delaying new ones).
bool peer_config_map_serves(const boost::json::object& observed_cm, std::string_view ns, std::string_view name,
                            const peer_group_view& group, std::string_view self_uid);

/// Every owner of `group` for which `peer_config_map_serves` holds, sorted by uid, from one walk of the references.
std::vector<std::string_view> peer_config_map_served(const boost::json::object& observed_cm, std::string_view ns,
                                                     std::string_view name, const peer_group_view& group);

}  // namespace habop::reconcile
