#include <habop/reconcile/peers.hpp>

#include "fixtures.hpp"

#include <catch2/catch.hpp>

namespace bj = boost::json;
using namespace habop;
using namespace habop::reconcile;
using habop::test::habitat;
using habop::test::pod;

TEST_CASE("Only Running, Ready, live pods with an IP may seed") {
  CHECK(is_seed_candidate(pod("a-0", "a", "10.0.0.1")));
  CHECK_FALSE(is_seed_candidate(pod("a-0", "a", "10.0.0.1", false)));
  auto no_ip = pod("a-0", "a", "");
  CHECK_FALSE(is_seed_candidate(no_ip));
  auto deleting = pod("a-0", "a", "10.0.0.1");
  deleting["metadata"].as_object()["deletionTimestamp"] = "2024-01-01T00:00:00Z";
  CHECK_FALSE(is_seed_candidate(deleting));
  auto running_not_ready = pod("a-0", "a", "10.0.0.1");
  running_not_ready["status"].as_object()["conditions"].as_array()[0].as_object()["status"] = "False";
  CHECK_FALSE(is_seed_candidate(running_not_ready));
}

TEST_CASE("Seed lines skip blanks and whitespace") {
  CHECK(parse_seed_lines("10.0.0.1\n\n 10.0.0.2 \r\n") == std::vector<std::string>{"10.0.0.1", "10.0.0.2"});
  CHECK(parse_seed_lines("").empty());
}

TEST_CASE("Seeds are stable: current ones that still qualify stay, the rest fill in pod-name order") {
  std::vector<peer_candidate> q = {{"b-1", "10.0.0.4"}, {"a-0", "10.0.0.2"}, {"a-1", "10.0.0.3"}, {"c-0", "10.0.0.5"}};
  CHECK(select_seeds({}, q, 3) == std::vector<std::string>{"10.0.0.2", "10.0.0.3", "10.0.0.4"});
  CHECK(select_seeds({"10.0.0.5", "10.0.0.9"}, q, 3) == std::vector<std::string>{"10.0.0.5", "10.0.0.2", "10.0.0.3"});
  CHECK(select_seeds({"10.0.0.5", "10.0.0.5"}, q, 2) == std::vector<std::string>{"10.0.0.5", "10.0.0.2"});
  CHECK(select_seeds({"10.0.0.4", "10.0.0.2", "10.0.0.3"}, q, 2) == std::vector<std::string>{"10.0.0.4", "10.0.0.2"});
  CHECK(select_seeds({"10.0.0.1"}, {}, 5).empty());
}

TEST_CASE("A Habitat maps to its ring's ConfigMap; deleting, other-version and malformed ones to none") {
  CHECK(peer_config_map_of(habitat("a")) == "peer-watch-file");
  auto ring = peer_config_map_of(
      habitat("b", R"({"spec":{"v1beta2":{"service":{"ringSecretName":"prod-20170829113029"}}}})"));
  REQUIRE(ring);
  CHECK(*ring != "peer-watch-file");
  CHECK(ring->find("prod") != std::string::npos);
  CHECK_FALSE(peer_config_map_of(habitat("c", R"({"metadata":{"deletionTimestamp":"2024-01-01T00:00:00Z"}})")));
  CHECK_FALSE(peer_config_map_of(habitat("d", R"({"customVersion":"v1beta1"})")));
  CHECK_FALSE(peer_config_map_of(habitat("e", R"({"spec":{"v1beta2":{"service":{"ringSecretName":"bad"}}}})")));
}

TEST_CASE("A peer group holds the Habitats of one ring and only their pods") {
  snapshot s;
  const char* ring = R"({"spec":{"v1beta2":{"service":{"ringSecretName":"prod-20170829113029"}}}})";
  s.habitats = {share(habitat("zeta")), share(habitat("alpha")), share(habitat("ringed", ring)),
                share(habitat("gone", R"({"metadata":{"deletionTimestamp":"2024-01-01T00:00:00Z"}})"))};
  s.pods = {share(pod("zeta-0", "zeta", "10.0.0.3")), share(pod("alpha-0", "alpha", "10.0.0.2")),
            share(pod("ringed-0", "ringed", "10.0.1.1")), share(pod("gone-0", "gone", "10.0.0.9")),
            share(pod("alpha-1", "alpha", "10.0.0.4", false))};
  auto group = compute_peer_group(s, "peer-watch-file", nullptr, 5);
  REQUIRE(group.owners.size() == 2);
  CHECK(group.owners[0].metadata.name == "alpha");
  CHECK(group.owners[0].metadata.uid == "uid-alpha");
  CHECK(group.owners[1].metadata.name == "zeta");
  CHECK(group.seeds == std::vector<std::string>{"10.0.0.2", "10.0.0.3"});

  auto ring_name = *peer_config_map_of(*s.habitats[2]);
  auto ringed = compute_peer_group(s, ring_name, nullptr, 5);
  REQUIRE(ringed.owners.size() == 1);
  CHECK(ringed.seeds == std::vector<std::string>{"10.0.1.1"});
}

TEST_CASE("The observed ConfigMap's seeds are kept while they qualify") {
  snapshot s;
  s.habitats = {share(habitat("a"))};
  s.pods = {share(pod("a-0", "a", "10.0.0.1")), share(pod("a-1", "a", "10.0.0.2")), share(pod("a-2", "a", "10.0.0.3"))};
  bj::object cm = bj::parse(R"({"metadata":{"name":"peer-watch-file"},"data":{"peer-watch-file":"10.0.0.3\n10.0.0.7"}})")
                      .as_object();
  auto group = compute_peer_group(s, "peer-watch-file", &cm, 2);
  CHECK(group.seeds == std::vector<std::string>{"10.0.0.3", "10.0.0.1"});
}
