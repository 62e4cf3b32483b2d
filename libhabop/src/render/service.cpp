// The headless Service of a Habitat: stable pod DNS names (`<pod>.<habitat>.<ns>.svc`) for the Supervisors.
#include <habop/render/render.hpp>

#include <habop/render/meta.hpp>
#include <habop/render/names.hpp>

namespace habop::render {
namespace bj = boost::json;
namespace {

bj::object service_port(const char* name, const char* protocol, int number) {
  bj::object p;
  p["name"] = name;
  p["protocol"] = protocol;
  p["port"] = number;
  p["targetPort"] = number;  // what the API server defaults it to, so rendered and served ports compare equal
  return p;
}

}  // namespace

bj::object render_service(const api::habitat& h) {
  bj::object spec;
  spec["clusterIP"] = "None";
  spec["selector"] = selector_labels(h);
  // SWIM probes over UDP and gossips over TCP on the same port; both are named so SRV lookups find either.
  spec["ports"] = bj::array{service_port(port_gossip, "TCP", gossip_port),
                            service_port(port_gossip_udp, "UDP", gossip_port),
                            service_port(port_http_gateway, "TCP", http_gateway_port)};
  // Supervisors must find each other before they are Ready: a leader topology is not Ready until it has elected.
  spec["publishNotReadyAddresses"] = true;

  return owned_object(h, "v1", "Service", std::move(spec));
}

}  // namespace habop::render
