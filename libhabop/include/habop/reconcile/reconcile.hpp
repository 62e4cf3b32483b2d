// The reconcile entry point: (Habitat, observed snapshot, now) -> plan. Level-based, deterministic, no IO.
#pragma once

#include <boost/json/object.hpp>

#include <habop/core/time.hpp>
#include <habop/reconcile/plan.hpp>
#include <habop/reconcile/snapshot.hpp>
#include <habop/render/render.hpp>

namespace habop::reconcile {

struct options {
  render::options render;
  /// Seed addresses written to a peer ConfigMap, one per line.
  std::size_t max_peer_seeds = 5;
};

/// Decides everything to do for one Habitat given the raw object as served (so that an unparsable or invalid spec
/// still gets a status condition and one event), what the cluster holds now, and the current time.
///
/// Contract (each point a test): a Habitat being deleted gives an empty plan; an invalid one a terminal plan with
/// its conditions and one `ValidationFailed` event per generation; otherwise creates for missing objects, minimal
/// merge patches (resourceVersion-guarded) of the fields habop owns, deletes of stale pods with AllAtOnce, a status
/// only when it changed, and each event once per transition (decided from the observed status, never from memory).
/// `requeue_after` stays nullopt: everything reconcile waits for (pods, the StatefulSet's status, Secrets, the
/// peer ConfigMap) is watched by the shell, so a change arrives as an event.
plan reconcile(const boost::json::object& habitat, const snapshot& observed, instant now, const options& opts = {});

/// The reference of a raw Habitat (apiVersion, kind, plural, namespace, name, uid): the `regarding` of its events and
/// the target of its status writes (`http::to_request(habitat_ref(h), *plan.status)`).
object_ref habitat_ref(const boost::json::object& habitat);

}  // namespace habop::reconcile
