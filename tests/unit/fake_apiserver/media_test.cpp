// Content negotiation: PartialObjectMetadata(List) on get, list and watch, 406 for unsupported `as=`; StorageClasses.
#include <habop/fake_apiserver/api_server.hpp>

#include <catch2/catch.hpp>

#include "test_client.hpp"

using namespace habop::fake;
using namespace habop::fake::test;

namespace {
const std::string secrets = "/api/v1/namespaces/default/secrets";
const std::string meta_item = "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1";
const std::string meta_list = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1";
// What client-go's metadata client sends: protobuf first, then JSON, then plain JSON.
const std::string metadata_client_list =
    "application/vnd.kubernetes.protobuf;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1," + meta_list +
    ",application/json";

handled get(client& c, const std::string& target, const std::string& accept) {
  return c.call("GET", target, "", "application/json", accept);
}
}  // namespace

TEST_CASE("PartialObjectMetadata on get and list: only metadata, meta.k8s.io kinds") {
  api_server srv;
  client c{srv};
  REQUIRE(c.call("POST", secrets, R"({"metadata":{"name":"s1","labels":{"app":"x"}},"stringData":{"k":"secret"}})").head.status == 201);
  REQUIRE(c.call("POST", secrets, R"({"metadata":{"name":"s2"},"stringData":{"k":"secret"}})").head.status == 201);

  auto one = get(c, secrets + "/s1", meta_item);
  REQUIRE(one.head.status == 200);
  CHECK(c.header(one, "Content-Type") == "application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io");
  auto o = c.json(one);
  CHECK(at(o, "/kind") == "PartialObjectMetadata");
  CHECK(at(o, "/apiVersion") == "meta.k8s.io/v1");
  CHECK(at(o, "/metadata/labels/app") == "x");
  CHECK_FALSE(o.contains("data"));
  CHECK(one.head.body.find("secret") == std::string::npos);

  auto list = get(c, secrets + "?labelSelector=app%3Dx", metadata_client_list);
  REQUIRE(list.head.status == 200);
  auto l = c.json(list);
  CHECK(at(l, "/kind") == "PartialObjectMetadataList");
  CHECK(at(l, "/apiVersion") == "meta.k8s.io/v1");
  CHECK_FALSE(at(l, "/metadata/resourceVersion").empty());
  REQUIRE(l.at("items").as_array().size() == 1);
  CHECK(at(l, "/items/0/kind") == "PartialObjectMetadata");
  CHECK(at(l, "/items/0/metadata/name") == "s1");
  CHECK_FALSE(l.at("items").at(0).as_object().contains("data"));

  auto beta = c.json(get(c, secrets, "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1beta1"));
  CHECK(at(beta, "/apiVersion") == "meta.k8s.io/v1beta1");
  CHECK(beta.at("items").as_array().size() == 2);
}

TEST_CASE("unsupported as= is 406 NotAcceptable; plain JSON after it is accepted") {
  api_server srv;
  client c{srv};
  REQUIRE(c.call("POST", secrets, R"({"metadata":{"name":"s1"}})").head.status == 201);
  auto bad = get(c, secrets + "/s1", "application/json;as=Widget;g=meta.k8s.io;v=v1");
  CHECK(bad.head.status == 406);
  CHECK(at(c.json(bad), "/reason") == "NotAcceptable");
  CHECK(get(c, secrets + "/s1", meta_list).head.status == 406);   // a get never answers with a List kind
  CHECK(get(c, secrets, meta_item).head.status == 406);           // a list never answers with an item kind
  CHECK(get(c, secrets, "application/vnd.kubernetes.protobuf;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1").head.status == 406);
  auto fallback = get(c, secrets + "/s1", "application/json;as=Widget;g=meta.k8s.io;v=v1, application/json");
  CHECK(fallback.head.status == 200);
  CHECK(at(c.json(fallback), "/kind") == "Secret");
}

TEST_CASE("watch as PartialObjectMetadata streams metadata-only events and bookmarks") {
  api_server srv;
  client c{srv};
  REQUIRE(c.call("POST", secrets, R"({"metadata":{"name":"s1"},"stringData":{"k":"hidden"}})").head.status == 201);
  auto w = get(c, secrets + "?watch=true&allowWatchBookmarks=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan", meta_item);
  REQUIRE(w.watch);
  CHECK(c.header(w, "Content-Type") == "application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io");
  REQUIRE(c.call("PATCH", secrets + "/s1", R"({"metadata":{"labels":{"a":"b"}}})", "application/merge-patch+json").head.status == 200);
  std::vector<std::string> lines;
  w.watch->poll(lines, c.now);
  REQUIRE(lines.size() == 3);   // ADDED, BOOKMARK (initial-events-end), MODIFIED
  for (const auto& line : lines) {
    auto ev = habop::json::parse_json(line);
    REQUIRE(ev);
    CHECK(at(ev->as_object(), "/object/kind") == "PartialObjectMetadata");
    CHECK(at(ev->as_object(), "/object/apiVersion") == "meta.k8s.io/v1");
    CHECK_FALSE(ev->as_object().at("object").as_object().contains("data"));
  }
  CHECK(at(habop::json::parse_json(lines[2])->as_object(), "/object/metadata/labels/a") == "b");
}

TEST_CASE("StorageClasses: a default `standard` class, cluster-scoped, defaults and immutable fields") {
  api_server srv;
  client c{srv};
  const std::string scs = "/apis/storage.k8s.io/v1/storageclasses";
  auto std_sc = c.json(c.call("GET", scs + "/standard"));
  CHECK(at(std_sc, "/metadata/annotations/storageclass.kubernetes.io~1is-default-class") == "true");
  CHECK(at(std_sc, "/provisioner") == "rancher.io/local-path");
  CHECK(c.call("GET", "/apis/storage.k8s.io/v1").head.body.find("\"storageclasses\"") != std::string::npos);

  auto fast = c.call("POST", scs, R"({"metadata":{"name":"fast"},"provisioner":"example.com/ssd"})");
  REQUIRE(fast.head.status == 201);
  CHECK(at(c.json(fast), "/reclaimPolicy") == "Delete");
  CHECK(at(c.json(fast), "/volumeBindingMode") == "Immediate");
  auto missing = c.call("POST", scs, R"({"metadata":{"name":"bad"}})");
  CHECK(missing.head.status == 422);
  CHECK(missing.head.body.find("provisioner") != std::string::npos);
  auto change = c.call("PATCH", scs + "/fast", R"({"provisioner":"other"})", "application/merge-patch+json");
  CHECK(change.head.status == 422);
  CHECK(change.head.body.find("updates to provisioner are forbidden") != std::string::npos);

  auto table = c.json(c.call("GET", scs, "", "application/json", "application/json;as=Table;v=v1;g=meta.k8s.io"));
  CHECK(at(table, "/columnDefinitions/1/name") == "Provisioner");
  CHECK(at(table, "/rows/1/cells/0") == "standard (default)");
  CHECK(at(table, "/rows/0/cells/0") == "fast");
}
