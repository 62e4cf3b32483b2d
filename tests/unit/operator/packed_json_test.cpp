// Packed storage: objects read back equal, look-alikes cost a fraction of their text, foreign bytes are errors.
#include <habop/operator/packed_json.hpp>

#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>

#include <boost/json/serialize.hpp>

#include <habop/operator/compact_json.hpp>
#include <habop/operator/object_cache.hpp>

using namespace habop::op;

namespace {

/// A StatefulSet as the operator renders it, for Habitat `name`.
boost::json::object stateful_set(const std::string& name, const std::string& uid, int replicas) {
  boost::json::object labels{{"habitat", "true"}, {"habitat-name", name}};
  return boost::json::object{
      {"apiVersion", "apps/v1"},
      {"kind", "StatefulSet"},
      {"metadata",
       {{"name", name}, {"namespace", "default"}, {"uid", uid}, {"resourceVersion", std::to_string(replicas * 7)},
        {"labels", labels},
        {"ownerReferences", {{{"apiVersion", "habitat.sh/v1beta1"}, {"kind", "Habitat"}, {"name", name},
                              {"uid", uid + "-owner"}, {"controller", true}, {"blockOwnerDeletion", true}}}}}},
      {"spec",
       {{"replicas", replicas}, {"serviceName", name}, {"podManagementPolicy", "Parallel"},
        {"selector", {{"matchLabels", {{"habitat-name", name}}}}},
        {"template",
         {{"metadata", {{"labels", labels}}},
          {"spec",
           {{"containers",
             {{{"name", "habitat-service"}, {"image", "habitat/redis-hab"},
               {"args", {"--topology", "standalone", "--peer-watch-file", "/habitat-operator/peer-ip"}},
               {"ports", {{{"name", "gossip"}, {"containerPort", 9638}, {"protocol", "TCP"}},
                          {{"name", "http-gateway"}, {"containerPort", 9631}, {"protocol", "TCP"}}}},
               {"volumeMounts", {{{"name", "config"}, {"mountPath", "/habitat-operator"}, {"readOnly", true}}}}}}}}}}}}},
      {"status", {{"replicas", replicas}, {"readyReplicas", replicas - 1}}}};
}

/// `n` characters that deflate badly: nothing like a rendered object.
std::string noise(std::size_t n) {
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::uint32_t x = 12345;
  for (std::size_t i = 0; i < n; ++i) {
    x = x * 1664525u + 1013904223u;
    out += alphabet[(x >> 24) % alphabet.size()];
  }
  return out;
}

}  // namespace

TEST_CASE("a packed object reads back equal, and look-alikes cost a fraction of their text", "[packed_json]") {
  json_packer packer;
  const auto first = stateful_set("redis", "0b7e3c9a-1d2f-4e5a-9b8c-000000000001", 3);
  const auto second = stateful_set("web-frontend", "5f1c2d3e-4a5b-6c7d-8e9f-000000000002", 1);
  const std::string first_packed = packer.pack(first);
  const std::string second_packed = packer.pack(second);
  REQUIRE_FALSE(first_packed.empty());
  REQUIRE_FALSE(second_packed.empty());
  CHECK(packer.dictionary_size() == boost::json::serialize(first).size());
  CHECK(packer.unpack(first_packed) == first);
  CHECK(packer.unpack(second_packed) == second);
  CHECK(packer.unpack(first_packed) == first);   // the streams are reused: reads do not depend on order
  const std::size_t text = boost::json::serialize(second).size();
  CHECK(second_packed.size() * 5 < text);
  CHECK(second_packed.size() * 20 < allocated_bytes(second));
}

TEST_CASE("an object unlike the dictionary is not packed, and foreign bytes are errors", "[packed_json]") {
  json_packer packer;
  REQUIRE_FALSE(packer.pack(stateful_set("redis", "u1", 1)).empty());
  CHECK(packer.pack(boost::json::object{{"data", noise(2000)}}).empty());
  CHECK_THROWS_AS(packer.unpack("not deflate at all"), std::runtime_error);
  const std::string packed = packer.pack(stateful_set("web", "u2", 2));
  REQUIRE(packed.size() > 4);
  CHECK_THROWS_AS(packer.unpack(std::string_view(packed).substr(0, packed.size() / 2)), std::runtime_error);
}

TEST_CASE("a packed cache stores look-alikes in a fraction of a compact one, and falls back to trees",
          "[packed_json][object_cache]") {
  cache_options packed_options{"StatefulSet"};
  packed_options.pack = true;
  object_cache packed(packed_options), compact({"StatefulSet"});
  for (auto* c : {&packed, &compact}) {
    c->apply(watch_event_type::added, stateful_set("redis", "u1", 1));
    c->apply(watch_event_type::added, stateful_set("web", "u2", 3));
  }
  REQUIRE(compact.stored_bytes("default", "web") > 0);
  CHECK(packed.stored_bytes("default", "web") * 10 < compact.stored_bytes("default", "web"));
  CHECK(*packed.get("default", "web") == *compact.get("default", "web"));
  CHECK(packed.by_label("default", "web").size() == 1);

  // Something unlike the first object is kept as a compact tree, and reads back all the same.
  auto odd = stateful_set("odd", "u3", 1);
  odd["spec"] = boost::json::object{{"noise", noise(3000)}};
  packed.apply(watch_event_type::added, odd);
  compact.apply(watch_event_type::added, odd);
  CHECK(packed.stored_bytes("default", "odd") == compact.stored_bytes("default", "odd"));
  CHECK(packed.get("default", "odd")->at("spec") == odd.at("spec"));
  CHECK(packed.stored_bytes("default", "absent") == 0);
}
