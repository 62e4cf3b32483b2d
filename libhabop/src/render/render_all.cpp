// Every object one Habitat needs in an empty cluster, in the order they must be created.
#include <habop/render/render.hpp>

namespace habop::render {

std::vector<boost::json::object> render_all(const api::habitat& h, const options& opts) {
  // The ConfigMap first: pods cannot start until the volume they mount exists. Then the Service the
  // StatefulSet's `serviceName` names, then the StatefulSet. A fresh cluster has no seeds yet.
  std::vector<boost::json::object> out;
  out.push_back(render_peer_config_map(h.metadata.ns, peer_config_map_name(h), {&h}, {}));
  out.push_back(render_service(h));
  out.push_back(render_stateful_set(h, opts));
  return out;
}

}  // namespace habop::render
