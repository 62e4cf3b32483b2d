// What the shell observed in the cluster, as values: the input of reconcile besides the Habitat and `now`.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

namespace habop::reconcile {

/// Everything in one namespace that reconciling one Habitat may look at. Objects are as the API server returned
/// them (managedFields may be stripped). Secrets are names only: their contents are never read.
struct snapshot {
  /// Every Habitat in the namespace, raw, including the one being reconciled (peer ConfigMaps are shared).
  std::vector<boost::json::object> habitats;
  /// The StatefulSet and headless Service named after the Habitat, if they exist.
  std::optional<boost::json::object> stateful_set;
  std::optional<boost::json::object> service;
  /// Every peer ConfigMap in the namespace (label `habitat=true`), whatever ring it serves.
  std::vector<boost::json::object> config_maps;
  /// Every pod in the namespace labelled `habitat=true` (all Habitats: seeds are chosen across a ring).
  std::vector<boost::json::object> pods;
  /// Names of the Secrets that exist in the namespace.
  std::set<std::string> secret_names;
};

}  // namespace habop::reconcile
