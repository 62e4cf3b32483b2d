// The converged clusters the libhabop benchmark and the callgrind driver measure, as a real cluster serves them.
#pragma once

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "fixtures.hpp"
#include "store.hpp"

#include <habop/reconcile/fingerprint.hpp>
#include <habop/reconcile/peers.hpp>
#include <habop/reconcile/reconcile.hpp>

namespace habop::bench {

/// A converged typical Habitat (leader, ring, user.toml, two binds, persistence) in namespace `ns`; the store fills
/// in kube-apiserver's defaults on every write, so the observed objects are what a real cluster serves.
inline test::store typical_cluster() {
  test::store s;
  s.default_like_kube_apiserver();
  s.add_secret("ns", "user-toml");
  s.add_secret("ns", "prod-ring-20170829113029");
  s.put("habitats", test::typical_habitat("typical"));
  if (test::converge(s, "ns") <= 0) std::abort();
  return s;
}

/// The snapshot of `name` with the namespace's peer index and the observed objects' hashes, as the operator's
/// snapshot carries them.
inline reconcile::snapshot indexed_snapshot(const test::store& s, const std::string& name) {
  reconcile::snapshot snap = s.observe("ns", name);
  snap.peers = std::make_shared<const reconcile::peer_index>(reconcile::build_peer_index(snap.habitats, snap.pods));
  if (snap.stateful_set) snap.stateful_set_hash = reconcile::observed_hash(*snap.stateful_set);
  if (snap.service) snap.service_hash = reconcile::observed_hash(*snap.service);
  return snap;
}

/// One converged namespace of 100 Habitats (half typical, half plain; three pods each; two shared peer
/// ConfigMaps): the raw Habitats and their snapshots, which share one set of objects as the operator's caches do.
struct namespace_of_100 {
  std::vector<boost::json::object> habitats;
  std::vector<reconcile::snapshot> snapshots;

  namespace_of_100() {
    test::store s;
    s.default_like_kube_apiserver();
    s.add_secret("ns", "user-toml");
    s.add_secret("ns", "prod-ring-20170829113029");
    std::vector<std::string> names;
    for (int i = 0; i < 100; ++i) {
      names.push_back("h" + std::to_string(i));
      s.put("habitats", i % 2 ? test::typical_habitat(names.back())
                              : test::habitat(names.back(), R"({"spec":{"v1beta2":{"count":3}}})"));
    }
    if (test::converge(s, "ns", 12) <= 0) std::abort();
    for (const auto& n : names) {
      habitats.push_back(*s.get("habitats", "ns", n));
      snapshots.push_back(s.observe("ns", n));
      snapshots.back().habitats = snapshots.front().habitats;
      snapshots.back().pods = snapshots.front().pods;
      snapshots.back().config_maps = snapshots.front().config_maps;
    }
  }

  /// One planning pass, as a batch planner would run it: the peer index built once, then every Habitat reconciled.
  /// Returns how many plans were empty.
  std::size_t plan(instant now) {
    auto peers = std::make_shared<const reconcile::peer_index>(
        reconcile::build_peer_index(snapshots.front().habitats, snapshots.front().pods));
    std::size_t empty = 0;
    for (std::size_t i = 0; i < habitats.size(); ++i) {
      snapshots[i].peers = peers;
      empty += reconcile::reconcile(habitats[i], snapshots[i], now).empty() ? 1 : 0;
    }
    return empty;
  }
};

}  // namespace habop::bench
