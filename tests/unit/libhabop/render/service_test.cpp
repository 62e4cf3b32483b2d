// Tests of render_service: a headless Service named after the Habitat with gossip and gateway ports.
#include <habop/render/render.hpp>

#include <catch2/catch.hpp>

#include <boost/json/parse.hpp>

#include "fixtures.hpp"

namespace bj = boost::json;
using habop::test::at;
using habop::test::make_habitat;

TEST_CASE("the Service is headless, named after the Habitat and owned by it", "[render][service]") {
  const bj::value svc = habop::render::render_service(make_habitat("web", "prod"));
  CHECK(svc == bj::parse(R"({
    "apiVersion": "v1", "kind": "Service",
    "metadata": {"name": "web", "namespace": "prod", "labels": {"habitat": "true", "habitat-name": "web"},
                 "ownerReferences": [{"apiVersion": "habitat.sh/v1beta1", "kind": "Habitat", "name": "web",
                                      "uid": "uid-web", "controller": true, "blockOwnerDeletion": true}]},
    "spec": {"clusterIP": "None", "selector": {"habitat-name": "web"},
             "ports": [{"name": "gossip", "protocol": "TCP", "port": 9638, "targetPort": 9638},
                       {"name": "gossip-udp", "protocol": "UDP", "port": 9638, "targetPort": 9638},
                       {"name": "http-gateway", "protocol": "TCP", "port": 9631, "targetPort": 9631}],
             "publishNotReadyAddresses": true}})"));
}

TEST_CASE("the Service's selector matches the StatefulSet's pods", "[render][service]") {
  const auto h = make_habitat("db");
  const bj::value svc = habop::render::render_service(h);
  const bj::value sts = habop::render::render_stateful_set(h);
  CHECK(*at(svc, "spec/selector") == *at(sts, "spec/selector/matchLabels"));
  CHECK(*at(sts, "spec/serviceName") == *at(svc, "metadata/name"));
}
