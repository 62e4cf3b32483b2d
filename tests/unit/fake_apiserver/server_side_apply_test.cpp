// Server-side apply as kube-apiserver's field manager does it around kubectl: co-ownership of equal values, no-op
// re-applies, managedFields that clients rewrite, and the move from client-side to server-side apply.
#include <habop/fake_apiserver/api_server.hpp>

#include <catch2/catch.hpp>

#include "test_client.hpp"

using namespace habop::fake;
using namespace habop::fake::test;
namespace bj = boost::json;

namespace {
const std::string cm_path = "/api/v1/namespaces/default/configmaps";
const std::string apply_type = "application/apply-patch+yaml";

std::vector<std::string> managers(const bj::object& obj) {
  std::vector<std::string> out;
  if (const bj::value* mf = obj.at("metadata").as_object().if_contains("managedFields"))
    for (const auto& e : mf->as_array())
      out.push_back(std::string(e.at("manager").as_string()) + "/" + std::string(e.at("operation").as_string()));
  return out;
}

std::string cm(std::string_view data) {
  return R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"m"},"data":)" + std::string(data) + "}";
}
}  // namespace

TEST_CASE("an apply of values another manager set makes both owners; the same apply again is a no-op") {
  api_server srv;
  client c{srv};
  REQUIRE(c.call("PATCH", cm_path + "/m?fieldManager=alice", cm(R"({"a":"1"})"), apply_type).head.status == 201);
  auto bob = c.json(c.call("PATCH", cm_path + "/m?fieldManager=bob", cm(R"({"a":"1"})"), apply_type));
  CHECK(managers(bob) == std::vector<std::string>{"alice/Apply", "bob/Apply"});
  const std::string rv = at(bob, "/metadata/resourceVersion");
  // Both own .data.a now: a third manager changing it conflicts with both.
  auto carol = c.call("PATCH", cm_path + "/m?fieldManager=carol", cm(R"({"a":"2"})"), apply_type);
  REQUIRE(carol.head.status == 409);
  CHECK(at(c.json(carol), "/details/causes/1/message") == "conflict with \"bob\" using v1");

  c.now = habop::instant{t0.unix_micros + 60'000'000};
  auto again = c.json(c.call("PATCH", cm_path + "/m?fieldManager=bob", cm(R"({"a":"1"})"), apply_type));
  CHECK(at(again, "/metadata/resourceVersion") == rv);
  CHECK(at(again, "/metadata/managedFields/1/time") == at(bob, "/metadata/managedFields/1/time"));
}

TEST_CASE("managedFields a client writes replace the old ones; an empty list keeps them and [{}] clears them") {
  api_server srv;
  client c{srv};
  REQUIRE(c.call("POST", cm_path + "?fieldManager=alice", cm(R"({"a":"1"})")).head.status == 201);
  const std::string moved = R"([{"op":"replace","path":"/metadata/managedFields","value":[{"manager":"bob",)"
                            R"("operation":"Apply","apiVersion":"v1","time":"2023-11-14T22:13:20Z",)"
                            R"("fieldsType":"FieldsV1","fieldsV1":{"f:data":{"f:a":{}}}}]}])";
  auto rewritten = c.json(c.call("PATCH", cm_path + "/m?fieldManager=kubectl", moved, "application/json-patch+json"));
  CHECK(managers(rewritten) == std::vector<std::string>{"bob/Apply"});
  CHECK(managers(c.json(c.call("GET", cm_path + "/m"))) == std::vector<std::string>{"bob/Apply"});

  const std::string empty = R"([{"op":"replace","path":"/metadata/managedFields","value":[]}])";
  CHECK(managers(c.json(c.call("PATCH", cm_path + "/m", empty, "application/json-patch+json"))) ==
        std::vector<std::string>{"bob/Apply"});
  const std::string cleared = R"([{"op":"replace","path":"/metadata/managedFields","value":[{}]}])";
  CHECK(managers(c.json(c.call("PATCH", cm_path + "/m", cleared, "application/json-patch+json"))).empty());
}

TEST_CASE("kubectl apply --server-side takes over fields from an earlier client-side apply without conflicts") {
  api_server srv;
  client c{srv};
  const std::string last = R"({"apiVersion":"v1","data":{"a":"1","b":"1"},"kind":"ConfigMap","metadata":)"
                           R"({"annotations":{},"name":"m","namespace":"default"}})";
  const std::string csa = R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"m","annotations":)"
                          R"({"kubectl.kubernetes.io/last-applied-configuration":)" +
                          bj::serialize(bj::value(last + "\n")) + R"(}},"data":{"a":"1","b":"1"}})";
  REQUIRE(c.call("POST", cm_path + "?fieldManager=kubectl-client-side-apply", csa).head.status == 201);
  // Someone else changes b afterwards: b is no longer what the client-side apply set.
  REQUIRE(c.call("PATCH", cm_path + "/m?fieldManager=kubectl-edit", R"({"data":{"b":"2"}})",
                 "application/merge-patch+json").head.status == 200);

  // Another manager still conflicts with the client-side apply.
  CHECK(c.call("PATCH", cm_path + "/m?fieldManager=other", cm(R"({"a":"3"})"), apply_type).head.status == 409);
  // `kubectl` may take a without --force-conflicts, but not b, which kubectl-edit set since.
  auto b = c.call("PATCH", cm_path + "/m?fieldManager=kubectl", cm(R"({"a":"3","b":"3"})"), apply_type);
  REQUIRE(b.head.status == 409);
  CHECK(at(c.json(b), "/message") == "Apply failed with 1 conflict: conflict with \"kubectl-edit\" using v1: .data.b");
  auto a = c.call("PATCH", cm_path + "/m?fieldManager=kubectl", cm(R"({"a":"3"})"), apply_type);
  REQUIRE(a.head.status == 200);
  auto obj = c.json(a);
  CHECK(at(obj, "/data/a") == "3");
  CHECK(managers(obj) == std::vector<std::string>{"kubectl-client-side-apply/Update", "kubectl-edit/Update",
                                                  "kubectl/Apply"});
  // The annotation now holds what was applied, so that a later client-side apply diffs against it.
  CHECK(at(obj, "/metadata/annotations/kubectl.kubernetes.io~1last-applied-configuration") ==
        R"({"apiVersion":"v1","data":{"a":"3"},"kind":"ConfigMap","metadata":{"name":"m"}})");
}
