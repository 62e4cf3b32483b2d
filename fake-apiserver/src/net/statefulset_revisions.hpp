// The simulated StatefulSet controller's revision history (kube-controller-manager's pkg/controller/statefulset and
// pkg/controller/history): one ControllerRevision per distinct pod template, read by `kubectl rollout history|undo`.
#pragma once

#include <cstddef>
#include <set>
#include <string>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <habop/core/time.hpp>
#include <habop/fake_apiserver/object_store.hpp>

namespace habop::fake {

/// The revisions one StatefulSet sync works with: ControllerRevision names, which are also the values of the pods'
/// `controller-revision-hash` label and of status.currentRevision/updateRevision.
struct sts_revisions {
  std::string current;
  std::string update;
  std::size_t writes = 0;   ///< ControllerRevisions created or renumbered.
  /// The StatefulSet's ControllerRevisions as listed before the sync, oldest first (what truncateHistory reads).
  std::vector<boost::json::object> listed;
};

/// `v` with object members sorted by key at every level, as Go's json.Marshal writes a map: the hash and the
/// ControllerRevision `data` do not depend on the order a client sent the template's fields in. Defined with the
/// core (util.cpp), which also writes last-applied-configuration annotations with it.
boost::json::value sorted_keys(const boost::json::value& v);

/// The controller ownerReference a StatefulSet puts on its pods and ControllerRevisions (`sts_meta`: its metadata).
boost::json::object stateful_set_owner_reference(const boost::json::object& sts_meta);

/// A StatefulSet's ControllerRevision `data`: the strategic merge patch restoring its pod template,
/// `{"spec":{"template":{"$patch":"replace",...}}}` (the controller's getPatch), keys sorted, with the zero values Go
/// writes for a typed template (`metadata.creationTimestamp: null`, each container's `resources: {}`).
boost::json::object revision_patch(const boost::json::object& sts);

/// getStatefulSetRevisions: the update revision is the owned ControllerRevision whose data equals the current
/// template's; the latest one is reused as is, an older one (a rollback) is renumbered to the next revision, and
/// without one a revision `<sts>-<hash>` (template_revision) is created, labelled like the pod template plus
/// `controller.kubernetes.io/hash`, annotated like the StatefulSet. The current revision is the owned one
/// status.currentRevision names, else the update revision. Hash collisions (collisionCount) are not modelled.
sts_revisions sync_revisions(object_store& store, const boost::json::object& sts, instant now,
                             const write_options& as);

/// truncateHistory: deletes the oldest of `revisions` (sync_revisions' `listed`) not in `live` (the current and
/// update revisions and every pod's) beyond spec.revisionHistoryLimit (default 10); returns how many it deleted.
std::size_t truncate_revisions(object_store& store, const boost::json::object& sts,
                               const std::vector<boost::json::object>& revisions, const std::set<std::string>& live,
                               instant now);

}  // namespace habop::fake
