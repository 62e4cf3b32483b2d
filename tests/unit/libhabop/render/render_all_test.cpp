// Tests of render_all and the shared metadata helpers: what an empty cluster gets for one Habitat.
#include <habop/render/render.hpp>

#include <catch2/catch.hpp>

#include <boost/json/parse.hpp>

#include <habop/render/meta.hpp>

#include "fixtures.hpp"

namespace bj = boost::json;
using habop::test::at;
using habop::test::make_habitat;
using namespace habop;

TEST_CASE("render_all gives the ConfigMap, the Service and the StatefulSet in creation order", "[render][all]") {
  auto h = make_habitat("web", "prod");
  h.spec.service.ring_secret_name = "blue-20170829113029";
  const auto objects = render::render_all(h);
  REQUIRE(objects.size() == 3);
  CHECK(objects[0] == render::render_peer_config_map("prod", "peer-watch-file-blue", {&h}, {}));
  CHECK(*at(bj::value(objects[0]), "data/peer-watch-file") == "");
  CHECK(objects[1] == render::render_service(h));
  CHECK(objects[2] == render::render_stateful_set(h));
}

TEST_CASE("render_all passes options through", "[render][all]") {
  auto h = make_habitat();
  h.spec.service.files_secret_name = "files";
  render::options o;
  o.files_init_image = "busybox@sha256:0123";
  CHECK(*at(bj::value(render::render_all(h, o)[2]), "spec/template/spec/initContainers/0/image") == "busybox@sha256:0123");
}

TEST_CASE("ring_of strips the 14-digit revision", "[render][meta]") {
  auto h = make_habitat();
  CHECK_FALSE(render::ring_of(h));
  h.spec.service.ring_secret_name = "example-encrypted-ring-20170829113029";
  CHECK(render::ring_of(h) == "example-encrypted-ring");
  h.spec.service.ring_secret_name = "no-revision";
  CHECK(render::ring_of(h) == "no-revision");
}

TEST_CASE("owner references carry controller and blockOwnerDeletion together", "[render][meta]") {
  const auto h = make_habitat("web");
  CHECK(bj::value(render::owner_reference(h, true)) ==
        bj::parse(R"({"apiVersion":"habitat.sh/v1beta1","kind":"Habitat","name":"web","uid":"uid-web",
                      "controller":true,"blockOwnerDeletion":true})"));
  CHECK(render::owner_reference(h, false).at("blockOwnerDeletion") == false);
}
