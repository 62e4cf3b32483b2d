// fake-apiserver --data-dir: kill -9 and a restart with the same arguments is an API server restart to kubectl.
#include "e2e_common.hpp"

#include <filesystem>
#include <fstream>

using namespace habop::e2e;
using habop::test::spawn_apiserver;

namespace {

std::string field(const boost::json::value& v, std::string_view pointer) {
  boost::system::error_code ec;
  const auto* f = v.find_pointer(pointer, ec);
  return f && f->is_string() ? std::string(f->get_string()) : std::string();
}

}  // namespace

TEST_CASE("fake-apiserver --data-dir: objects, resourceVersions and the kubeconfig survive kill -9 and a restart",
          "[e2e][data-dir]") {
  habop::test::temp_dir data("habop-data-dir");
  const std::vector<std::string> args{"--data-dir", data.file("state")};
  auto c = start_cluster("1.32", args);
  if (!c) return;
  c->ok({"create", "namespace", "apps"});
  c->ok({"apply", "-f", "-"}, configmap_yaml);
  c->ok({"apply", "-f", "-"}, crd_yaml);
  REQUIRE(eventually([&] { return c->kubectl.run({"get", "widgets"}).ok(); }));
  c->ok({"apply", "-f", "-"}, widget_yaml);
  c->ok({"label", "configmap", "demo", "edited=yes"});
  c->ok({"create", "configmap", "doomed", "-n", "apps"});
  c->ok({"delete", "configmap", "doomed", "-n", "apps"});
  const auto cm = c->json({"get", "configmap", "demo"});
  const auto widget = c->json({"get", "widget", "w1"});
  auto list_rv_now = [&] {
    auto list = habop::json::parse_json(c->ok({"get", "--raw", "/api/v1/namespaces/default/configmaps"}));
    REQUIRE(list);
    return field(*list, "/metadata/resourceVersion");
  };
  const std::string list_rv = list_rv_now();
  REQUIRE_FALSE(list_rv.empty());
  const std::string address = c->server->address;

  c->server->process->signal(9);
  REQUIRE(c->server->process->wait(std::chrono::seconds(10)) == 128 + 9);
  auto restarted = spawn_apiserver(args);
  INFO((restarted ? std::string() : restarted.error().message));
  REQUIRE(restarted);
  CHECK((*restarted)->address == address);   // port 0 again: the port of the last start
  // The first start's kubeconfig (CA, token, address) still works with the restarted server.
  CHECK(c->json({"get", "configmap", "demo"}) == cm);   // uid, creationTimestamp, managedFields, resourceVersion
  CHECK(c->json({"get", "widget", "w1"}) == widget);
  CHECK(c->kubectl.run({"get", "configmap", "doomed", "-n", "apps"}).err.find("NotFound") != std::string::npos);
  CHECK(list_rv_now() == list_rv);

  c->ok({"create", "configmap", "fresh"});
  const auto fresh = c->json({"get", "configmap", "fresh"});
  CHECK(std::stoull(field(fresh, "/metadata/resourceVersion")) > std::stoull(list_rv));
  CHECK(field(fresh, "/metadata/uid") != field(cm, "/metadata/uid"));
  // A watch from before the restart: 410 Expired, as from a restarted kube-apiserver, so clients relist.
  const std::string old_watch =
      c->ok({"get", "--raw", "/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=" +
                                 field(cm, "/metadata/resourceVersion")});
  CHECK_THAT(old_watch, Catch::Contains(R"("type":"ERROR")") && Catch::Contains(R"("reason":"Expired")") &&
                            Catch::Contains("too old resource version"));

  // A second server on the same directory is refused while the first runs.
  auto second = habop::test::run_process({habop::test::fake_apiserver_binary(), "--listen", "127.0.0.1:0",
                                          "--data-dir", data.file("state")});
  CHECK(second.exit_code != 0);
  CHECK_THAT(second.err, Catch::Contains(data.file("state")) && Catch::Contains("in use"));
  CHECK((*restarted)->stop() == 0);
}

TEST_CASE("fake-apiserver --data-dir: a directory it cannot use is a clear error, never a crash", "[e2e][data-dir]") {
  habop::test::temp_dir tmp("habop-data-dir");
  auto run = [&](const std::string& dir) {
    return habop::test::run_process({habop::test::fake_apiserver_binary(), "--listen", "127.0.0.1:0", "--data-dir", dir},
                                    {}, std::chrono::seconds(20));
  };
  SECTION("a file") {
    const std::string file = tmp.write("plain", "x");
    auto r = run(file);
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.err, Catch::Contains(file) && Catch::Contains("not a directory"));
  }
  SECTION("someone else's non-empty directory") {
    tmp.write("notes.txt", "mine");
    auto r = run(tmp.path().string());
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.err, Catch::Contains(tmp.path().string()) && Catch::Contains("--data-dir a new or empty directory"));
  }
  SECTION("another format") {
    std::filesystem::create_directory(tmp.path() / "d");
    tmp.write("d/format", "habop-fake-apiserver data 7\n");
    auto r = run(tmp.file("d"));
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.err, Catch::Contains(tmp.file("d/format")) && Catch::Contains("incompatible"));
  }
  SECTION("a damaged store snapshot") {
    auto first = spawn_apiserver({"--data-dir", tmp.file("d")});
    REQUIRE(first);
    REQUIRE((*first)->stop() == 0);
    for (const auto& e : std::filesystem::directory_iterator(tmp.path() / "d" / "store"))
      if (e.path().filename().string().starts_with("snapshot-")) std::ofstream(e.path()) << "garbage\n";
    auto r = run(tmp.file("d"));
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.err, Catch::Contains(tmp.file("d/store")) && Catch::Contains("move"));
  }
}
