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
plan reconcile(const boost::json::object& habitat, const snapshot& observed, instant now, const options& opts = {});

}  // namespace habop::reconcile
