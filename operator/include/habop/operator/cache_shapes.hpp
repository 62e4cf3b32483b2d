// What the controller's caches keep of each kind: exactly the fields libhabop's reconcile and the controller read.
#pragma once

#include <habop/operator/object_cache.hpp>

namespace habop::op {

/// Habitats are kept whole (minus managedFields): reconcile validates the raw object, unknown fields included.
cache_options habitat_cache_options();
/// Metadata and spec whole (the owned-field diff compares every rendered path, ownerReferences decide ownership,
/// the rendered-hash annotation tells drift from a spec change); of the status only what rollout and stale-pod
/// decisions read.
cache_options stateful_set_cache_options();
/// Metadata and spec (owned-field diff, clusterIP, selector); the status is dropped.
cache_options service_cache_options();
/// Metadata and data (owners, the seed list).
cache_options config_map_cache_options();
/// Name, namespace, uid, labels, deletionTimestamp and the readiness reconcile picks seeds and stale pods by.
cache_options pod_cache_options();
/// Names only (reconcile checks that referenced Secrets exist); no data, no annotations.
cache_options secret_cache_options();
cache_options service_account_cache_options();

}  // namespace habop::op
