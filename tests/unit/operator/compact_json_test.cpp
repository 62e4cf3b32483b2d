// Compact storage: an equal copy in one exactly-sized block, smaller than per-node malloc, safe to copy from.
#include <habop/operator/compact_json.hpp>

#include <catch2/catch.hpp>

#include <optional>
#include <thread>
#include <vector>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

using namespace habop::op;

namespace {

boost::json::object sample() {
  return boost::json::parse(R"({"apiVersion":"apps/v1","kind":"StatefulSet",
    "metadata":{"name":"a-rather-long-stateful-set-name","namespace":"default","uid":"0b7e3c9a-1d2f-4e5a-9b8c",
      "labels":{"habitat":"true","habitat-name":"a-rather-long-stateful-set-name"},
      "ownerReferences":[{"apiVersion":"habitat.sh/v1beta1","kind":"Habitat","name":"x","uid":"u","controller":true}]},
    "spec":{"replicas":3,"template":{"spec":{"containers":[{"name":"habitat-service","image":"habitat/redis-hab",
      "env":[{"name":"HAB_LICENSE","value":"accept-no-persist"}],"ports":[{"containerPort":9631}]}]}}},
    "status":{"replicas":3,"readyReplicas":2,"ratio":0.5,"big":18446744073709551615,"ok":true,"none":null}})")
      .as_object();
}

}  // namespace

TEST_CASE("a compact copy equals its source and costs less than a malloc per node", "[compact_json]") {
  const auto src = sample();
  const auto copy = compact_copy(src);
  CHECK(copy == src);
  CHECK(boost::json::serialize(copy) == boost::json::serialize(src));
  CHECK(copy.storage().get() != src.storage().get());
  CHECK(allocated_bytes(src) > 0);
  CHECK(allocated_bytes(src) < malloc_bytes(src));
  CHECK(allocated_bytes(copy) == allocated_bytes(src));
  CHECK(compact_copy(boost::json::object{}).empty());
}

TEST_CASE("copies taken from a compact object live on the heap and outlive it", "[compact_json]") {
  std::optional<boost::json::value> member;
  std::vector<boost::json::object> copies(4);
  {
    const auto copy = compact_copy(sample());
    // Readers on several threads copy members at once (the block is frozen: no shared bump pointer).
    std::vector<std::thread> readers;
    for (auto& out : copies) readers.emplace_back([&copy, &out] { out = boost::json::object(copy); });
    for (auto& t : readers) t.join();
    // A copy-constructed member inherits the compact storage (keeping it alive) but not the frozen block.
    member.emplace(copy.at("spec"));
    CHECK(member->storage().get() == copy.storage().get());
  }
  for (const auto& c : copies) CHECK(c == sample());
  CHECK(member->at("template").at("spec").at("containers").as_array().size() == 1);
  CHECK(member->at("replicas") == 3);
}
