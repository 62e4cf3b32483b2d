// managedFields of updates (POST, PUT, patches): each manager owns the fields it last changed, keyed list items
// belong to the manager that added them, and a write that changes nothing changes no ownership.
#include <habop/fake_apiserver/api_server.hpp>

#include <catch2/catch.hpp>

#include "test_client.hpp"

using namespace habop::fake;
using namespace habop::fake::test;
namespace bj = boost::json;

namespace {
const std::string path = "/api/v1/namespaces/default/configmaps";

/// The fieldsV1 of `manager`'s Update entry, or an empty object.
bj::object fields_of(const bj::object& obj, std::string_view manager) {
  for (const auto& e : obj.at("metadata").at("managedFields").as_array())
    if (e.at("manager").as_string() == manager && e.at("operation") == "Update") return e.at("fieldsV1").as_object();
  return {};
}

bool has(const bj::object& fields, std::initializer_list<std::string_view> keys) {
  const bj::object* cur = &fields;
  for (auto k : keys) {
    const bj::value* next = cur->if_contains(k);
    if (!next || !next->is_object()) return false;
    cur = &next->get_object();
  }
  return true;
}

std::string ref(std::string_view name, std::string_view uid) {
  return R"({"apiVersion":"v1","kind":"ConfigMap","name":")" + std::string(name) + R"(","uid":")" + std::string(uid) +
         R"("})";
}
}  // namespace

TEST_CASE("managedFields follow who changed what, keyed list items included") {
  api_server srv;
  client c{srv};
  const std::string u1 = R"(k:{"uid":"u1"})", u2 = R"(k:{"uid":"u2"})";
  REQUIRE(c.call("POST", path + "?fieldManager=alice",
                 R"({"metadata":{"name":"m","ownerReferences":[)" + ref("o1", "u1") + R"(]},"data":{"a":"1"}})")
              .head.status == 201);
  auto bob = c.call("PATCH", path + "/m?fieldManager=bob",
                    R"({"metadata":{"ownerReferences":[)" + ref("o1", "u1") + "," + ref("o2", "u2") +
                        R"(]},"data":{"b":"2"}})",
                    "application/merge-patch+json");
  REQUIRE(bob.head.status == 200);
  auto obj = c.json(bob);
  const bj::object alice_fields = fields_of(obj, "alice"), bob_fields = fields_of(obj, "bob");
  CHECK(has(alice_fields, {"f:data", "f:a"}));
  CHECK(has(alice_fields, {"f:metadata", "f:ownerReferences", u1, "f:name"}));
  CHECK(has(bob_fields, {"f:data", "f:b"}));
  CHECK(has(bob_fields, {"f:metadata", "f:ownerReferences", u2, "f:uid"}));
  CHECK_FALSE(has(bob_fields, {"f:metadata", "f:ownerReferences", u1}));   // the same item, rewritten: still alice's
  CHECK_FALSE(has(bob_fields, {"f:data", "f:a"}));

  SECTION("a field changed by another manager moves to it") {
    auto carol = c.json(c.call("PATCH", path + "/m?fieldManager=carol",
                               R"({"metadata":{"ownerReferences":[)" + ref("renamed", "u1") + "," + ref("o2", "u2") +
                                   R"(]},"data":{"a":"3"}})",
                               "application/merge-patch+json"));
    CHECK(has(fields_of(carol, "carol"), {"f:data", "f:a"}));
    CHECK(has(fields_of(carol, "carol"), {"f:metadata", "f:ownerReferences", u1, "f:name"}));
    CHECK_FALSE(has(fields_of(carol, "alice"), {"f:data", "f:a"}));
    CHECK(has(fields_of(carol, "alice"), {"f:metadata", "f:ownerReferences", u1, "f:uid"}));
    CHECK(has(fields_of(carol, "bob"), {"f:data", "f:b"}));
  }
  SECTION("a write that changes nothing takes nothing") {
    auto same = c.json(c.call("PATCH", path + "/m?fieldManager=dave", R"({"data":{"a":"1"}})",
                              "application/merge-patch+json"));
    CHECK(fields_of(same, "dave").empty());
    CHECK(has(fields_of(same, "alice"), {"f:data", "f:a"}));
  }
}
