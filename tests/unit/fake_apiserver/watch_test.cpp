// Watch semantics: synthetic ADDED, resume, 410, bookmarks, timeouts, selector transitions, WatchList, Tables.
#include <habop/fake_apiserver/api_server.hpp>

#include <catch2/catch.hpp>

#include "test_client.hpp"

using namespace habop::fake;
using namespace habop::fake::test;

namespace {
const std::string cm_path = "/api/v1/namespaces/default/configmaps";
std::string cm(std::string name, std::string label = "a") {
  return R"({"metadata":{"name":")" + name + R"(","labels":{"l":")" + label + R"("}},"data":{"k":"v"}})";
}
std::vector<boost::json::object> events(watch_stream& w, habop::instant now, bool* open = nullptr) {
  std::vector<std::string> lines;
  bool o = w.poll(lines, now);
  if (open) *open = o;
  std::vector<boost::json::object> out;
  for (const auto& l : lines) {
    REQUIRE(l.back() == '\n');
    out.push_back(habop::json::parse_json(l)->get_object());
  }
  return out;
}
std::string type(const boost::json::object& e) { return std::string(e.at("type").as_string()); }
}  // namespace

TEST_CASE("watch without RV sends synthetic ADDED then live changes") {
  api_server srv;
  client c{srv};
  c.call("POST", cm_path, cm("one"));
  auto h = c.call("GET", cm_path + "?watch=true");
  REQUIRE(h.watch);
  CHECK(h.head.status == 200);
  auto first = events(*h.watch, c.now);
  REQUIRE(first.size() == 1);
  CHECK(type(first[0]) == "ADDED");
  CHECK(at(first[0], "/object/kind") == "ConfigMap");
  c.call("PATCH", cm_path + "/one", R"({"data":{"k":"w"}})", "application/merge-patch+json");
  c.call("DELETE", cm_path + "/one");
  auto next = events(*h.watch, c.now);
  REQUIRE(next.size() == 2);
  CHECK(type(next[0]) == "MODIFIED");
  CHECK(type(next[1]) == "DELETED");
  CHECK(events(*h.watch, c.now).empty());
}

TEST_CASE("watch resumes from an RV and gets 410 beyond history") {
  server_options o;
  o.watch_history = 3;
  api_server srv(o);
  client c{srv};
  auto rv0 = at(c.json(c.call("POST", cm_path, cm("a"))), "/metadata/resourceVersion");
  c.call("POST", cm_path, cm("b"));
  auto h = c.call("GET", cm_path + "?watch=true&resourceVersion=" + rv0);
  auto ev = events(*h.watch, c.now);
  REQUIRE(ev.size() == 1);
  CHECK(at(ev[0], "/object/metadata/name") == "b");
  for (int i = 0; i < 5; ++i) c.call("POST", cm_path, cm("x" + std::to_string(i)));
  auto old = c.call("GET", cm_path + "?watch=true&resourceVersion=" + rv0);
  bool open = true;
  auto err = events(*old.watch, c.now, &open);
  REQUIRE(err.size() == 1);
  CHECK(type(err[0]) == "ERROR");
  CHECK(at(err[0], "/object/code") == "410");
  CHECK(at(err[0], "/object/reason") == "Expired");
  CHECK_FALSE(open);
}

TEST_CASE("bookmarks only when allowed, about every 60s and before the timeout close") {
  api_server srv;
  client c{srv};
  srv.tick(c.now);   // creates the standard namespaces
  auto rv = std::to_string(srv.store().resource_version());
  auto plain = c.call("GET", cm_path + "?watch=true&timeoutSeconds=100&resourceVersion=" + rv);
  auto bm = c.call("GET", cm_path + "?watch=true&allowWatchBookmarks=true&timeoutSeconds=100&resourceVersion=" + rv);
  CHECK(bm.watch->next_deadline().unix_micros == c.now.unix_micros + 60'000'000);
  habop::instant t61{c.now.unix_micros + 61'000'000};
  CHECK(events(*plain.watch, t61).empty());
  auto b = events(*bm.watch, t61);
  REQUIRE(b.size() == 1);
  CHECK(type(b[0]) == "BOOKMARK");
  CHECK(at(b[0], "/object/metadata/resourceVersion") == rv);
  habop::instant t101{c.now.unix_micros + 101'000'000};
  bool open = true;
  auto last = events(*bm.watch, t101, &open);
  CHECK_FALSE(open);
  REQUIRE(last.size() == 1);
  CHECK(type(last[0]) == "BOOKMARK");
  CHECK(events(*plain.watch, t101, &open).empty());
  CHECK_FALSE(open);
}

TEST_CASE("selector-filtered watch turns leaving into DELETED and entering into ADDED") {
  api_server srv;
  client c{srv};
  c.call("POST", cm_path, cm("s", "a"));
  auto rv = std::to_string(srv.store().resource_version());
  auto h = c.call("GET", cm_path + "?watch=true&labelSelector=l%3Da&resourceVersion=" + rv);
  c.call("PATCH", cm_path + "/s", R"({"metadata":{"labels":{"l":"b"}}})", "application/merge-patch+json");
  c.call("PATCH", cm_path + "/s", R"({"metadata":{"labels":{"l":"a"}}})", "application/merge-patch+json");
  auto ev = events(*h.watch, c.now);
  REQUIRE(ev.size() == 2);
  CHECK(type(ev[0]) == "DELETED");
  CHECK(type(ev[1]) == "ADDED");
}

TEST_CASE("WatchList sends initial events then the initial-events-end bookmark") {
  api_server srv;
  client c{srv};
  c.call("POST", cm_path, cm("w1"));
  c.call("POST", cm_path, cm("w2"));
  auto h = c.call("GET", cm_path + "?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true");
  auto ev = events(*h.watch, c.now);
  REQUIRE(ev.size() == 3);
  CHECK(type(ev[2]) == "BOOKMARK");
  CHECK(at(ev[2], "/object/metadata/annotations/k8s.io~1initial-events-end") == "true");
  CHECK(c.call("GET", cm_path + "?watch=true&sendInitialEvents=true").head.status == 422);
}

TEST_CASE("Table watch: only the first event has columnDefinitions") {
  api_server srv;
  client c{srv};
  c.call("POST", cm_path, cm("t1"));
  auto h = c.call("GET", cm_path + "?watch=true", "", "", "application/json;as=Table;v=v1;g=meta.k8s.io,application/json");
  CHECK(c.header(h, "Content-Type") == "application/json;as=Table;v=v1;g=meta.k8s.io");
  c.call("POST", cm_path, cm("t2"));
  auto ev = events(*h.watch, c.now);
  REQUIRE(ev.size() == 2);
  CHECK(at(ev[0], "/object/kind") == "Table");
  CHECK(ev[0].at("object").as_object().contains("columnDefinitions"));
  CHECK_FALSE(ev[1].at("object").as_object().contains("columnDefinitions"));
  CHECK(at(ev[1], "/object/rows/0/cells/0") == "t2");
}

TEST_CASE("drop_watches ends streams and forces 410 on old resumes") {
  api_server srv;
  client c{srv};
  auto rv = at(c.json(c.call("POST", cm_path, cm("d"))), "/metadata/resourceVersion");
  auto h = c.call("GET", cm_path + "?watch=true&resourceVersion=" + rv);
  c.call("POST", cm_path, cm("e"));
  srv.drop_watches();
  bool open = true;
  events(*h.watch, c.now, &open);
  CHECK_FALSE(open);
  auto again = c.call("GET", cm_path + "?watch=true&resourceVersion=" + rv);
  auto ev = events(*again.watch, c.now);
  REQUIRE(ev.size() == 1);
  CHECK(type(ev[0]) == "ERROR");
}

TEST_CASE("a watch from a resourceVersion the server has not reached waits 3 s, then fails as too large") {
  api_server srv;
  client c{srv};
  c.call("GET", cm_path);   // the standard namespaces are created first
  const std::uint64_t current = srv.store().resource_version();
  auto h = c.call("GET", cm_path + "?watch=true&resourceVersion=" + std::to_string(current + 100));
  REQUIRE(h.watch);
  CHECK(h.head.status == 200);
  bool open = false;
  CHECK(events(*h.watch, c.now, &open).empty());
  CHECK(open);
  CHECK(h.watch->next_deadline() == habop::instant{c.now.unix_micros + 3'000'000});
  auto ev = events(*h.watch, habop::instant{c.now.unix_micros + 3'000'000}, &open);
  CHECK_FALSE(open);
  REQUIRE(ev.size() == 1);
  CHECK(type(ev[0]) == "ERROR");
  CHECK(at(ev[0], "/object/code") == "504");
  CHECK(at(ev[0], "/object/reason") == "Timeout");
  CHECK(at(ev[0], "/object/message") == "Timeout: Too large resource version: " + std::to_string(current + 100) +
                                            ", current: " + std::to_string(current));
  CHECK(at(ev[0], "/object/details/causes/0/reason") == "ResourceVersionTooLarge");
  CHECK(at(ev[0], "/object/details/retryAfterSeconds") == "1");
  // Reached in time, the watch streams what comes after it.
  auto soon = c.call("GET", cm_path + "?watch=true&resourceVersion=" + std::to_string(current + 1));
  CHECK(events(*soon.watch, c.now).empty());
  c.call("POST", cm_path, cm("a"));
  c.call("POST", cm_path, cm("b"));
  auto later = events(*soon.watch, habop::instant{c.now.unix_micros + 5'000'000}, &open);
  CHECK(open);
  REQUIRE(later.size() == 1);
  CHECK(at(later[0], "/object/metadata/name") == "b");
}
