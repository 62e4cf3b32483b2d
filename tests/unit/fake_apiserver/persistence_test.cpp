// api_server::persist_to: a server started on the directory an earlier one left is the same API server.
#include <habop/fake_apiserver/api_server.hpp>

#include <catch2/catch.hpp>

#include <filesystem>

#include <habop/test_support/temp_dir.hpp>

#include "test_client.hpp"

using namespace habop::fake;
using namespace habop::fake::test;

namespace {

const std::string cm_path = "/api/v1/namespaces/default/configmaps";
const std::string deploy_path = "/apis/apps/v1/namespaces/default/deployments";
const std::string svc_path = "/api/v1/namespaces/default/services";

std::string deployment(const std::string& name) {
  return R"({"metadata":{"name":")" + name + R"("},"spec":{"replicas":1,"selector":{"matchLabels":{"a":"b"}},)"
         R"("template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"nginx"}]}}}})";
}

std::unique_ptr<api_server> open_server(const std::string& dir, std::vector<std::string>* warnings = nullptr) {
  auto srv = std::make_unique<api_server>();
  auto opened = srv->persist_to(dir, [warnings](const std::string& w) {
    if (warnings) warnings->push_back(w);
  });
  INFO((opened ? std::string() : opened.error().message));
  REQUIRE(opened);
  return srv;
}

std::uint64_t rv_of(const boost::json::object& o) { return std::stoull(at(o, "/metadata/resourceVersion")); }

}  // namespace

TEST_CASE("persist_to: objects come back as they were and resourceVersions continue after the last one") {
  habop::test::temp_dir dir;
  boost::json::object cm, dep, svc;
  std::uint64_t last_rv = 0;
  {
    auto srv = open_server(dir.path().string());
    client c{*srv};
    REQUIRE(c.call("POST", cm_path + "?fieldManager=kubectl-create", R"({"metadata":{"name":"a"},"data":{"k":"v"}})")
                .head.status == 201);
    REQUIRE(c.call("PATCH", cm_path + "/a?fieldManager=kubectl-patch", R"({"data":{"k":"w"}})",
                   "application/merge-patch+json").head.status == 200);
    REQUIRE(c.call("POST", cm_path, R"({"metadata":{"name":"gone"}})").head.status == 201);
    REQUIRE(c.call("DELETE", cm_path + "/gone").head.status == 200);
    REQUIRE(c.call("POST", deploy_path, deployment("web")).head.status == 201);
    REQUIRE(c.call("PATCH", deploy_path + "/web", R"({"spec":{"replicas":3}})", "application/merge-patch+json")
                .head.status == 200);
    REQUIRE(c.call("POST", svc_path, R"({"metadata":{"name":"s"},"spec":{"ports":[{"port":80}]}})").head.status == 201);
    cm = c.json(c.call("GET", cm_path + "/a"));
    dep = c.json(c.call("GET", deploy_path + "/web"));
    svc = c.json(c.call("GET", svc_path + "/s"));
    last_rv = rv_of(c.json(c.call("GET", cm_path)));
    CHECK(at(dep, "/metadata/generation") == "2");
  }   // the process dies here: nothing was flushed or closed on purpose beyond what each write did

  auto srv = open_server(dir.path().string());
  client c{*srv};
  c.now = habop::instant{t0.unix_micros + 60'000'000};
  CHECK(c.json(c.call("GET", cm_path + "/a")) == cm);   // uid, creationTimestamp, managedFields, resourceVersion
  CHECK(c.json(c.call("GET", deploy_path + "/web")) == dep);
  CHECK(c.json(c.call("GET", svc_path + "/s")) == svc);
  CHECK(c.call("GET", cm_path + "/gone").head.status == 404);
  CHECK(rv_of(c.json(c.call("GET", cm_path))) == last_rv);

  auto created = c.json(c.call("POST", cm_path, R"({"metadata":{"name":"b"}})"));
  CHECK(rv_of(created) == last_rv + 1);
  CHECK(at(created, "/metadata/uid") != at(cm, "/metadata/uid"));
  auto svc2 = c.json(c.call("POST", svc_path, R"({"metadata":{"name":"t"},"spec":{"ports":[{"port":80}]}})"));
  CHECK(at(svc2, "/spec/clusterIP") != at(svc, "/spec/clusterIP"));
}

TEST_CASE("persist_to: a watch from a resourceVersion before the restart gets 410 Expired, a current one works") {
  habop::test::temp_dir dir;
  std::string old_rv;
  {
    auto srv = open_server(dir.path().string());
    client c{*srv};
    old_rv = at(c.json(c.call("POST", cm_path, R"({"metadata":{"name":"a"}})")), "/metadata/resourceVersion");
    c.call("POST", cm_path, R"({"metadata":{"name":"b"}})");
  }
  auto srv = open_server(dir.path().string());
  client c{*srv};
  auto old = c.call("GET", cm_path + "?watch=true&resourceVersion=" + old_rv);
  REQUIRE(old.watch);
  std::vector<std::string> lines;
  CHECK_FALSE(old.watch->poll(lines, c.now));
  REQUIRE(lines.size() == 1);
  CHECK_THAT(lines[0], Catch::Contains(R"("type":"ERROR")") && Catch::Contains(R"("code":410)") &&
                           Catch::Contains("too old resource version: " + old_rv));

  const std::string now_rv = at(c.json(c.call("GET", cm_path)), "/metadata/resourceVersion");
  auto current = c.call("GET", cm_path + "?watch=true&resourceVersion=" + now_rv);
  REQUIRE(current.watch);
  c.call("POST", cm_path, R"({"metadata":{"name":"c"}})");
  lines.clear();
  CHECK(current.watch->poll(lines, c.now));
  REQUIRE(lines.size() == 1);
  CHECK_THAT(lines[0], Catch::Contains(R"("type":"ADDED")") && Catch::Contains(R"("name":"c")"));
}

TEST_CASE("persist_to: garbage collection the killed server had not done yet happens after the restart") {
  habop::test::temp_dir dir;
  {
    auto srv = open_server(dir.path().string());
    client c{*srv};
    auto owner = c.json(c.call("POST", cm_path, R"({"metadata":{"name":"owner"}})"));
    const std::string ref = R"({"apiVersion":"v1","kind":"ConfigMap","name":"owner","uid":")" +
                            at(owner, "/metadata/uid") + R"("})";
    REQUIRE(c.call("POST", cm_path, R"({"metadata":{"name":"dep","ownerReferences":[)" + ref + "]}}").head.status ==
            201);
    REQUIRE(c.call("DELETE", cm_path + "/owner").head.status == 200);
    CHECK(c.call("GET", cm_path + "/dep").head.status == 200);   // the collector runs later
  }
  auto srv = open_server(dir.path().string());
  client c{*srv};
  srv->drain(c.now);
  CHECK(c.call("GET", cm_path + "/dep").head.status == 404);
}

TEST_CASE("persist_to: a log cut short is replayed up to its last complete record and reported") {
  habop::test::temp_dir dir;
  {
    auto srv = open_server(dir.path().string());
    client c{*srv};
    c.call("POST", cm_path, R"({"metadata":{"name":"kept"}})");
    c.call("POST", cm_path, R"({"metadata":{"name":"torn"}})");
  }
  std::filesystem::path log;
  for (const auto& e : std::filesystem::directory_iterator(dir.path()))
    if (e.path().filename().string().starts_with("log-")) log = e.path();
  std::filesystem::resize_file(log, std::filesystem::file_size(log) - 10);
  std::vector<std::string> warnings;
  auto srv = open_server(dir.path().string(), &warnings);
  client c{*srv};
  CHECK(c.call("GET", cm_path + "/kept").head.status == 200);
  CHECK(c.call("GET", cm_path + "/torn").head.status == 404);
  REQUIRE(warnings.size() == 1);
  CHECK_THAT(warnings[0], Catch::Contains(log.string()) && Catch::Contains("cut short"));
}

TEST_CASE("persist_to: compaction keeps every object while the log is rewritten") {
  habop::test::temp_dir dir;
  server_options o;
  o.compact_store_after_bytes = 4096;
  {
    api_server srv(o);
    REQUIRE(srv.persist_to(dir.path().string()));
    client c{srv};
    for (int i = 0; i < 10; ++i)
      REQUIRE(c.call("POST", cm_path, R"({"metadata":{"name":"cm)" + std::to_string(i) + R"("}})").head.status == 201);
    for (int i = 0; i < 100; ++i)
      REQUIRE(c.call("PATCH", cm_path + "/cm" + std::to_string(i % 10), R"({"data":{"i":")" + std::to_string(i) + "\"}}",
                     "application/merge-patch+json").head.status == 200);
    c.call("PATCH", cm_path + "/cm9", R"({"data":{"i":"last"}})", "application/merge-patch+json");
  }
  std::vector<std::string> snapshots;
  for (const auto& e : std::filesystem::directory_iterator(dir.path()))
    if (e.path().filename().string().starts_with("snapshot-")) snapshots.push_back(e.path().filename().string());
  REQUIRE(snapshots.size() == 1);
  CHECK(snapshots[0] != "snapshot-0000000000000001");   // the one written at start was replaced
  auto srv = open_server(dir.path().string());
  client c{*srv};
  for (int i = 0; i < 10; ++i) CHECK(c.call("GET", cm_path + "/cm" + std::to_string(i)).head.status == 200);
  CHECK(at(c.json(c.call("GET", cm_path + "/cm9")), "/data/i") == "last");
}

TEST_CASE("persist_to: only before anything is stored") {
  habop::test::temp_dir dir;
  api_server srv;
  client c{srv};
  c.call("POST", cm_path, R"({"metadata":{"name":"a"}})");
  CHECK_FALSE(srv.persist_to(dir.path().string()));
}
