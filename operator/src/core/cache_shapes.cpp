// The field masks of the controller's caches, with the libhabop reads that justify each kept path. Habitats,
// StatefulSets and Services are packed (read by key, once per reconcile); pods and ConfigMaps, which the peer index
// scans per namespace, are not, and Habitats keep a summary of what it reads of them.
#include <habop/operator/cache_shapes.hpp>

#include <habop/reconcile/peers.hpp>

namespace habop::op {

cache_options habitat_cache_options() {
  // reconcile.cpp parses the whole raw Habitat (parse_habitat rejects unknown fields, so nothing may be dropped), one
  // per reconcile: packed. peers.cpp reads a few fields of every Habitat of a namespace: kept as a summary.
  cache_options o{"Habitat", false, "", {}, true, true};
  o.summary_paths = reconcile::peer_index_habitat_paths();
  return o;
}

cache_options stateful_set_cache_options() {
  // owned.cpp / reconcile.cpp: metadata (uid, generation, resourceVersion, ownerReferences, labels, the
  // rendered-hash annotation) and the whole rendered spec (diff_owned, take_immutable_fields, own_stateful_set's
  // "must be absent" pod fields, spec.updateStrategy.type). status.cpp: observedGeneration, replicas,
  // readyReplicas, updatedReplicas; restart_stale_pods: updateRevision. Read by name only: no label index.
  return cache_options{"StatefulSet", false, "",
                       {"spec", "status.observedGeneration", "status.replicas", "status.readyReplicas",
                        "status.updatedReplicas", "status.updateRevision"},
                       true, true};
}

cache_options service_cache_options() {
  // reconcile.cpp / owned.cpp: metadata as for StatefulSets; spec.clusterIP, spec.selector and the rendered spec.
  // Read by name only: no label index.
  return cache_options{"Service", false, "", {"spec"}, true, true};
}

cache_options config_map_cache_options() {
  // reconcile.cpp: metadata (uid, ownerReferences merged with foreign ones, resourceVersion) and data (diff of
  // the rendered ConfigMap; peers.cpp parses the current seeds from data).
  return cache_options{"ConfigMap", false, "", {"data"}, true};
}

cache_options pod_cache_options() {
  // peers.cpp is_seed_candidate: deletionTimestamp, status.phase, status.podIP, the Ready condition's status
  // (every condition keeps type and status: a mask cannot pick one element); labels habitat-name. reconcile.cpp restart_stale_pods: labels controller-revision-hash, uid and
  // resourceVersion (the delete's precondition). status.cpp kept_members_ready (scale-down): name, labels
  // controller-revision-hash, deletionTimestamp, the Ready condition; members_in_trouble: the PodScheduled
  // condition's reason and message, the containers' waiting reason and message (set only while a pod is not
  // running, so a healthy pod costs nothing more). The label index: labels habitat-name.
  return cache_options{"Pod", false, "habitat-name",
                       {"metadata.uid", "metadata.labels.habitat-name", "metadata.labels.controller-revision-hash",
                        "metadata.deletionTimestamp", "status.phase", "status.podIP", "status.conditions[].type",
                        "status.conditions[].status", "status.conditions[].reason", "status.conditions[].message",
                        "status.containerStatuses[].state.waiting.reason",
                        "status.containerStatuses[].state.waiting.message",
                        "status.initContainerStatuses[].state.waiting.reason",
                        "status.initContainerStatuses[].state.waiting.message"},
                       true};
}

cache_options service_account_cache_options() {
  // reconcile.cpp service_account_problem: only whether a name exists in the namespace.
  return cache_options{"ServiceAccount", true, "", {"metadata.name"}, true};
}

cache_options secret_cache_options() {
  // reconcile.cpp secret_problems: only whether a name exists in the namespace.
  return cache_options{"Secret", true, "", {"metadata.name"}, true};
}

}  // namespace habop::op
