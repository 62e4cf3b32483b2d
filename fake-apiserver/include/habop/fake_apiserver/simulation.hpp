// Simulated workloads (like kwok): StatefulSets get Pods with IPs, phases and readiness, claims and status, so that
// controllers see a cluster that converges without a kubelet. Pure logic over object_store, no Asio or Beast.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>
#include <utility>

#include <boost/json/object.hpp>

#include <habop/core/time.hpp>
#include <habop/fake_apiserver/object_store.hpp>

namespace habop::fake {

struct simulation_options {
  /// Delay between noticing a change and acting on it, so that intermediate states are observable.
  std::int64_t step_delay_micros = 0;
  /// Node name written into simulated pods' `spec.nodeName`.
  std::string node_name = "fake-node-1";
  /// When a StatefulSet whose pod could not be created (e.g. a pod of that name is in the way) is tried again, as
  /// the controller requeues a failed sync.
  std::int64_t retry_delay_micros = 1'000'000;
  /// Images that never pull: a pod with a container whose image contains one of these strings stays Pending with
  /// the kubelet's `ImagePullBackOff`, as with a registry that does not have it (e.g. a mistyped image).
  std::vector<std::string> unpullable_images;
  bool operator==(const simulation_options&) const = default;
};

/// The `<sts>-<hash>` revision name KAS would give a StatefulSet's pod template (stable for equal templates, whatever
/// the order of their fields).
std::string template_revision(std::string_view sts_name, const boost::json::value& pod_template);

/// The owner reference of `o` marked `controller: true`, if any (points into `o`).
const boost::json::object* controller_reference(const boost::json::object& o);

/// The StatefulSet name and ordinal a pod name `<sts>-<n>` stands for (the controller's getParentNameAndOrdinal).
std::optional<std::pair<std::string, long>> parent_and_ordinal(std::string_view pod_name);

/// The InternalIP of the simulated node, which its pods report as their hostIP (TEST-NET-3).
inline constexpr std::string_view simulated_host_ip = "203.0.113.10";

/// The address of the n-th simulated pod IP: 192.0.2.1-254, then 198.51.100.1-254 (documentation ranges),
/// wrapping around after 508 addresses.
std::string simulated_pod_ip(std::uint64_t n);

/// Registers the Node its pods run on (node_sim.cpp), drives StatefulSets (pods, claims, ControllerRevisions, status,
/// scaling, RollingUpdate and OnDelete; orphaned pods they select are adopted), gives Deployments a minimal status,
/// and provisions and binds PersistentVolumes for claims as a dynamic provisioner and the PV controller do
/// (volume_binding.cpp). It subscribes to the store's
/// changes and does the work in `step`, never inside a change callback. Not thread-safe: use on the store's strand.
class workload_simulator {
 public:
  explicit workload_simulator(object_store& store, simulation_options opts = {});
  ~workload_simulator();
  workload_simulator(const workload_simulator&) = delete;
  workload_simulator& operator=(const workload_simulator&) = delete;

  /// Acts on every workload whose change is due at `now`; returns how many writes it made.
  std::size_t step(instant now);
  /// Steps until nothing is left to do (at most `max_rounds` rounds); for deterministic tests.
  std::size_t settle(instant now, int max_rounds = 100);
  /// When a pending workload is next due, if any.
  std::optional<instant> next_deadline() const;

 private:
  using workload_key = std::pair<std::string, std::string>;  // namespace ("" if cluster-scoped), name
  /// One controller's pending work by object.
  struct work_queue {
    /// Objects to sync; the due time is set by the first `step` that sees the entry.
    std::map<workload_key, std::optional<instant>> due;
    /// Objects to sync again at a time (a write failed), whatever events come meanwhile.
    std::map<workload_key, instant> retry;
    bool empty() const { return due.empty() && retry.empty(); }
  };
  /// Creates the Node `opts_.node_name` (Ready) and its Lease unless the Node exists, as a kubelet registers; done
  /// in the first step.
  std::size_t register_node(instant now);
  void on_change(const change& c);
  void on_claim_change(const change& c);
  void on_volume_change(const change& c);
  void on_pod_claims(const change& c);
  std::size_t reconcile_stateful_set(const workload_key& key, instant now);
  std::size_t reconcile_deployment(const workload_key& key, instant now);
  std::size_t reconcile_claim(const workload_key& key, instant now);
  std::size_t reconcile_volume(const workload_key& key, instant now);
  std::string allocate_ip();

  object_store& store_;
  simulation_options opts_;
  std::uint64_t subscription_ = 0;
  work_queue stateful_sets_;
  work_queue deployments_;
  work_queue claims_;    ///< PersistentVolumeClaims by (namespace, name).
  work_queue volumes_;   ///< PersistentVolumes by ("", name).
  std::set<std::string> used_ips_;
  std::uint64_t next_ip_ = 0;
  std::uint64_t container_ids_ = 0;
  bool node_registered_ = false;
  std::uint64_t event_sequence_ = 0;   ///< Names the events the simulated components record (pod_events.cpp).
};

}  // namespace habop::fake
