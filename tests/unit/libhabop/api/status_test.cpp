// HabitatStatus to and from its wire form.
#include <habop/api/parse.hpp>

#include <catch2/catch.hpp>

namespace api = habop::api;
namespace bj = boost::json;

TEST_CASE("status round-trips through its wire form") {
  api::habitat_status s;
  s.observed_generation = 7;
  s.replicas = 3;
  s.ready_replicas = 2;
  s.state = "Progressing";
  s.message = "2 of 3 pods ready";
  s.conditions = {{"Ready", "False", 7, "2024-01-01T00:00:00Z", "PodsNotReady", "2 of 3 pods ready"},
                  {"Degraded", "False", 0, "2024-01-01T00:00:00Z", "AsExpected", ""}};
  const bj::object j = api::to_json(s);
  CHECK(j.at("observedGeneration") == 7);
  CHECK(j.at("readyReplicas") == 2);
  CHECK(j.at("conditions").as_array()[0].at("type") == "Ready");
  CHECK_FALSE(j.at("conditions").as_array()[1].as_object().contains("observedGeneration"));
  auto back = api::parse_status(j);
  REQUIRE(back);
  CHECK(*back == s);
}

TEST_CASE("parse_status ignores unknown fields and treats null as empty") {
  auto s = api::parse_status(bj::object{{"readyReplicas", 1}, {"phase", "Running"}, {"unknown", bj::array{}}});
  REQUIRE(s);
  CHECK(s->ready_replicas == 1);
  auto empty = api::parse_status(nullptr);
  REQUIRE(empty);
  CHECK(*empty == api::habitat_status{});
  CHECK(api::to_json(api::habitat_status{}) ==
        bj::object{{"observedGeneration", 0}, {"replicas", 0}, {"readyReplicas", 0}, {"conditions", bj::array{}}});
}

TEST_CASE("parse_status reports known fields of the wrong type") {
  auto s = api::parse_status(bj::object{{"replicas", "three"},
                                        {"readyReplicas", 1e300},
                                        {"observedGeneration", static_cast<std::uint64_t>(1) << 63},
                                        {"conditions", bj::array{1, bj::object{{"type", 5}}}}});
  REQUIRE_FALSE(s);
  CHECK(s.error().code == 400);
  std::vector<std::string> fields;
  for (const auto& c : s.error().causes) fields.push_back(c.field);
  CHECK(fields == std::vector<std::string>{"status.observedGeneration", "status.replicas", "status.readyReplicas",
                                           "status.conditions[0]", "status.conditions[1].type"});
  CHECK_FALSE(api::parse_status(bj::value(bj::array{})));
}
