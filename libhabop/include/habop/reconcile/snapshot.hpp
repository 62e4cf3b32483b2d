// What the shell observed in the cluster, as values: the input of reconcile besides the Habitat and `now`.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

namespace habop::reconcile {

/// An observed object, shared and never mutated: the shell's caches hold the same pointers, so building a snapshot
/// copies no JSON (a namespace of N Habitats would otherwise copy N Habitats and their pods per reconcile).
using object_ptr = std::shared_ptr<const boost::json::object>;

struct peer_index;

/// `o` moved into a shared, immutable object (for snapshots built by hand: tests, examples).
inline object_ptr share(boost::json::object o) { return std::make_shared<const boost::json::object>(std::move(o)); }

/// Everything in one namespace that reconciling one Habitat may look at. Objects are as the API server returned
/// them (managedFields may be stripped). Secrets are names only: their contents are never read. No pointer is null.
struct snapshot {
  /// Every Habitat in the namespace, raw, including the one being reconciled (peer ConfigMaps are shared). Read
  /// only to build the peer index: a caller that sets `peers` may leave it empty.
  std::vector<object_ptr> habitats;
  /// The StatefulSet and headless Service named after the Habitat; null when they do not exist.
  object_ptr stateful_set;
  object_ptr service;
  /// Every peer ConfigMap in the namespace (label `habitat=true`), whatever ring it serves.
  std::vector<object_ptr> config_maps;
  /// Every pod in the namespace labelled `habitat=true` (all Habitats: seeds are chosen across a ring). With
  /// `peers` set only the reconciled Habitat's own pods (label `habitat-name`) are read, so a caller that keeps the
  /// index may pass just those.
  std::vector<object_ptr> pods;
  /// Names of the Secrets in the namespace, when the caller watches them: a Habitat naming an absent one (user.toml,
  /// ring key or files) gets `SecretNotFound` and no StatefulSet, as its pods could not mount it. Nullopt: not
  /// checked (a controller not allowed to list Secrets; the kubelet then reports the broken mount on the pod).
  std::optional<std::set<std::string>> secret_names;
  /// Names of the ServiceAccounts in the namespace, when the caller watches them: a Habitat naming an absent one
  /// (`spec.v1beta2.serviceAccountName`) gets `ServiceAccountNotFound`, as the StatefulSet controller could create
  /// no pod. Nullopt: not checked.
  std::optional<std::set<std::string>> service_account_names;
  /// `build_peer_index(habitats, pods)` (peers.hpp), shared by every snapshot of the namespace so that the
  /// namespace is grouped once rather than per reconcile (and kept while `peer_index_key_of_*` of its objects
  /// stay the same); null: reconcile builds it (same results).
  std::shared_ptr<const peer_index> peers;
  /// `observed_hash(*stateful_set)` and `observed_hash(*service)` (fingerprint.hpp) when the caller keeps them: a
  /// controller computes them once per object version it caches rather than on every reconcile (they are about
  /// half of what a converged reconcile costs). Trusted as given; unset: reconcile computes them.
  std::optional<std::uint64_t> stateful_set_hash, service_hash;
};

}  // namespace habop::reconcile
