// Tests of the peer ConfigMap: its per-ring name, shared non-controller owners and the seed file format.
#include <habop/render/render.hpp>

#include <catch2/catch.hpp>

#include <boost/json/parse.hpp>

#include "fixtures.hpp"

namespace bj = boost::json;
using habop::test::at;
using habop::test::make_habitat;
using namespace habop;

namespace {
std::string name_for_ring_secret(const std::string& secret) {
  auto h = make_habitat();
  h.spec.service.ring_secret_name = secret;
  return render::peer_config_map_name(h);
}
bool is_dns_subdomain(const std::string& s) {
  if (s.empty() || s.size() > 253) return false;
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(s.front()) || !alnum(s.back())) return false;
  for (char c : s)
    if (!alnum(c) && c != '-' && c != '.') return false;
  return true;
}
}  // namespace

TEST_CASE("Habitats without a ring share the original's peer-watch-file ConfigMap", "[render][configmap]") {
  CHECK(render::peer_config_map_name(make_habitat()) == "peer-watch-file");
}

TEST_CASE("each ring gets its own ConfigMap named after the ring without the revision", "[render][configmap]") {
  CHECK(name_for_ring_secret("example-encrypted-ring-20170829113029") == "peer-watch-file-example-encrypted-ring");
  CHECK(name_for_ring_secret("example-encrypted-ring-20200101000000") == "peer-watch-file-example-encrypted-ring");
  CHECK(name_for_ring_secret("blue-20170829113029") != name_for_ring_secret("green-20170829113029"));
}

TEST_CASE("ring names that are not DNS names are sanitised with a stable hash", "[render][configmap]") {
  const std::string upper = name_for_ring_secret("My_Ring-20170829113029");
  const std::string lower = name_for_ring_secret("my-ring-20170829113029");
  CHECK(lower == "peer-watch-file-my-ring");
  CHECK(upper != lower);  // sanitising alone would make them collide
  CHECK(upper.rfind("peer-watch-file-my-ring-", 0) == 0);
  CHECK(upper.size() == std::string("peer-watch-file-my-ring-").size() + 8);
  CHECK(is_dns_subdomain(upper));
  CHECK(upper == name_for_ring_secret("My_Ring-20170829113029"));
  CHECK(is_dns_subdomain(name_for_ring_secret("trailing_-20170829113029")));
  CHECK(is_dns_subdomain(name_for_ring_secret("ring--20170829113029")));
  const std::string longest = name_for_ring_secret(std::string(238, 'a') + "-20170829113029");
  CHECK(is_dns_subdomain(longest));
  CHECK(longest != name_for_ring_secret(std::string(237, 'a') + "-20170829113029"));
  CHECK(is_dns_subdomain(name_for_ring_secret("not a ring secret")));  // invalid, but never an invalid name
}

TEST_CASE("the peer ConfigMap is owned by every Habitat using it, none as controller", "[render][configmap]") {
  const auto b = make_habitat("b", "prod");
  const auto a = make_habitat("a", "prod");
  const bj::value cm = render::render_peer_config_map("prod", "peer-watch-file", {&b, &a, &b}, {"10.0.0.2", "10.0.0.1"});
  CHECK(cm == bj::parse(R"({
    "apiVersion": "v1", "kind": "ConfigMap",
    "metadata": {"name": "peer-watch-file", "namespace": "prod", "labels": {"habitat": "true"},
                 "ownerReferences": [
                   {"apiVersion": "habitat.sh/v1beta1", "kind": "Habitat", "name": "a", "uid": "uid-a",
                    "controller": false, "blockOwnerDeletion": false},
                   {"apiVersion": "habitat.sh/v1beta1", "kind": "Habitat", "name": "b", "uid": "uid-b",
                    "controller": false, "blockOwnerDeletion": false}]},
    "data": {"peer-watch-file": "10.0.0.2\n10.0.0.1"}})"));
  // The order of owners given does not matter.
  CHECK(render::render_peer_config_map("prod", "peer-watch-file", {&a, &b}, {"10.0.0.2", "10.0.0.1"}) == cm);
}

TEST_CASE("the seed file has one address per line and no blank lines", "[render][configmap]") {
  const auto h = make_habitat();
  auto data = [&](std::vector<std::string> seeds) {
    return std::string(at(bj::value(render::render_peer_config_map("prod", "peer-watch-file", {&h}, seeds)),
                          "data/peer-watch-file")->as_string());
  };
  CHECK(data({}) == "");
  CHECK(data({"10.0.0.1"}) == "10.0.0.1");
  CHECK(data({"", "10.0.0.1", " ", "10.0.0.2\n\n10.0.0.3\n"}) == "10.0.0.1\n10.0.0.2\n10.0.0.3");
}

TEST_CASE("a ConfigMap without owners has no ownerReferences", "[render][configmap]") {
  const bj::value cm = render::render_peer_config_map("", "peer-watch-file", {}, {});
  CHECK(at(cm, "metadata/ownerReferences") == nullptr);
  CHECK(at(cm, "metadata/namespace") == nullptr);
}
