// Rendering: the desired Kubernetes objects for one valid Habitat, exactly as DESIGN §3 describes them.
#pragma once

#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include <habop/api/habitat.hpp>

namespace habop::render {

/// Inputs to rendering besides the Habitat itself.
struct options {
  /// Image of the files init container; pinned so that a registry tag move cannot change pods (the original used
  /// an unpinned `busybox`).
  std::string files_init_image = "busybox:1.36.1";
};

/// The StatefulSet named after the Habitat (labels, selector, replicas, args in the original's order, volumes,
/// claim templates, `serviceName`, owner reference with controller and blockOwnerDeletion).
boost::json::object render_stateful_set(const api::habitat& h, const options& opts = {});

/// The headless Service named after the Habitat (gossip 9638, HTTP gateway 9631) that gives pods DNS names.
boost::json::object render_service(const api::habitat& h);

/// The name of the peer ConfigMap a Habitat mounts: `peer-watch-file` without a ring, a per-ring name with one
/// (Habitats of different rings must never seed each other).
std::string peer_config_map_name(const api::habitat& h);

/// The peer file: the seeds one per line, blank lines dropped (the Supervisor fails the whole file on a line it
/// cannot resolve).
std::string peer_file(const std::vector<std::string>& seeds);

/// The peer ConfigMap with the given seed lines, owned by every Habitat in `owners` (all Habitats sharing it).
boost::json::object render_peer_config_map(const std::string& ns, const std::string& name,
                                           const std::vector<const api::habitat*>& owners,
                                           const std::vector<std::string>& seeds);

/// Every object the operator would create for this Habitat in an empty cluster (for `habop render`).
std::vector<boost::json::object> render_all(const api::habitat& h, const options& opts = {});

}  // namespace habop::render
