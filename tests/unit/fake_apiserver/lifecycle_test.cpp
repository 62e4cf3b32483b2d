// Deletion semantics: finalizers, garbage collection (all policies, multi-owner, off), namespaces, status subresource.
#include <habop/fake_apiserver/api_server.hpp>

#include <catch2/catch.hpp>

#include "test_client.hpp"

using namespace habop::fake;
using namespace habop::fake::test;
namespace bj = boost::json;

namespace {
bj::object obj(std::string name, bj::array owners = {}, bj::array finalizers = {}) {
  bj::object meta{{"name", name}};
  if (!owners.empty()) meta["ownerReferences"] = owners;
  if (!finalizers.empty()) meta["finalizers"] = finalizers;
  return bj::object{{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", meta}, {"data", bj::object{{"a", "b"}}}};
}
bj::object ref(const bj::object& owner, bool block = false) {
  return bj::object{{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"name", owner.at("metadata").at("name")},
                    {"uid", owner.at("metadata").at("uid")}, {"blockOwnerDeletion", block}};
}
const auto cms = resources::configmaps();
}  // namespace

TEST_CASE("finalizers defer deletion; removing the last one deletes; no new finalizers while deleting") {
  api_server srv;
  auto& s = srv.store();
  REQUIRE(s.create(cms, "default", obj("f", {}, {"example.com/keep"}), t0));
  auto r = s.remove(cms, "default", "f", t0);
  REQUIRE(r);
  CHECK_FALSE(r->removed);
  auto cur = s.get(cms, "default", "f");
  REQUIRE(cur);
  CHECK(cur->at("metadata").as_object().contains("deletionTimestamp"));
  CHECK_FALSE(cur->at("metadata").as_object().contains("generation"));   // ConfigMaps have none to bump
  auto added = s.merge_patch(cms, "default", "f", bj::parse(R"({"metadata":{"finalizers":["example.com/keep","x/y"]}})"), t0);
  REQUIRE_FALSE(added);
  CHECK(added.error().code == 422);
  REQUIRE(s.merge_patch(cms, "default", "f", bj::parse(R"({"metadata":{"finalizers":null}})"), t0));
  CHECK_FALSE(s.get(cms, "default", "f"));
}

TEST_CASE("delete preconditions") {
  api_server srv;
  auto& s = srv.store();
  REQUIRE(s.create(cms, "default", obj("p"), t0));
  delete_options o;
  o.precondition_uid = "nope";
  auto r = s.remove(cms, "default", "p", t0, o);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == 409);
}

TEST_CASE("background GC deletes dependents asynchronously; multi-owner dependents survive") {
  api_server srv;
  auto& s = srv.store();
  auto a = *s.create(cms, "default", obj("owner-a"), t0);
  auto b = *s.create(cms, "default", obj("owner-b"), t0);
  REQUIRE(s.create(cms, "default", obj("only-a", {ref(a)}), t0));
  REQUIRE(s.create(cms, "default", obj("both", {ref(a), ref(b)}), t0));
  srv.drain(t0);
  REQUIRE(s.remove(cms, "default", "owner-a", t0));
  CHECK(s.get(cms, "default", "only-a"));   // asynchronous: still there right after the delete
  srv.tick(habop::instant{t0.unix_micros + 1000});
  CHECK(s.get(cms, "default", "only-a"));
  srv.tick(habop::instant{t0.unix_micros + 30'000});
  CHECK_FALSE(s.get(cms, "default", "only-a"));
  auto both = s.get(cms, "default", "both");
  REQUIRE(both);
  CHECK(both->at("metadata").at("ownerReferences").as_array().size() == 1);
}

TEST_CASE("GC follows chains of owners and collects dependents whose owner never existed or left later") {
  api_server srv;
  auto& s = srv.store();
  auto a = *s.create(cms, "default", obj("chain-a"), t0);
  auto b = *s.create(cms, "default", obj("chain-b", {ref(a)}), t0);
  REQUIRE(s.create(cms, "default", obj("chain-c", {ref(b)}), t0));
  bj::object ghost{{"metadata", bj::object{{"name", "ghost"}, {"uid", "00000000-0000-4000-8000-000000000000"}}}};
  REQUIRE(s.create(cms, "default", obj("orphaned-at-birth", {ref(ghost)}), t0));
  auto later = *s.create(cms, "default", obj("owner-later"), t0);
  REQUIRE(s.create(cms, "default", obj("adopted-late"), t0));
  srv.drain(t0);
  CHECK_FALSE(s.get(cms, "default", "orphaned-at-birth"));
  CHECK(s.get(cms, "default", "chain-c"));
  REQUIRE(s.remove(cms, "default", "owner-later", t0));
  srv.drain(t0);
  // An owner reference added after its owner is gone is dangling too.
  bj::object adopt{{"metadata", bj::object{{"ownerReferences", bj::array{ref(later)}}}}};
  REQUIRE(s.merge_patch(cms, "default", "adopted-late", adopt, t0));
  REQUIRE(s.remove(cms, "default", "chain-a", t0));
  srv.drain(t0);
  CHECK_FALSE(s.get(cms, "default", "chain-b"));
  CHECK_FALSE(s.get(cms, "default", "chain-c"));
  CHECK_FALSE(s.get(cms, "default", "adopted-late"));
}

TEST_CASE("a dependent shared by many owners loses one reference per deleted owner and goes with the last") {
  api_server srv;
  auto& s = srv.store();
  bj::array owners;
  for (int i = 0; i < 50; ++i) owners.push_back(ref(*s.create(cms, "default", obj("o" + std::to_string(i)), t0)));
  REQUIRE(s.create(cms, "default", obj("shared", owners), t0));
  for (int i = 0; i < 49; ++i) REQUIRE(s.remove(cms, "default", "o" + std::to_string(i), t0));
  srv.drain(t0);
  auto shared = s.get(cms, "default", "shared");
  REQUIRE(shared);
  REQUIRE(shared->at("metadata").at("ownerReferences").as_array().size() == 1);
  CHECK(shared->at("metadata").at("ownerReferences").at(0).at("name") == "o49");
  REQUIRE(s.remove(cms, "default", "o49", t0));
  srv.drain(t0);
  CHECK_FALSE(s.get(cms, "default", "shared"));
}

TEST_CASE("foreground deletion waits for blocking dependents") {
  api_server srv;
  auto& s = srv.store();
  auto a = *s.create(cms, "default", obj("fg"), t0);
  REQUIRE(s.create(cms, "default", obj("child", {ref(a, true)}, {"example.com/hold"}), t0));
  delete_options o;
  o.policy = propagation::foreground;
  auto r = s.remove(cms, "default", "fg", t0, o);
  REQUIRE(r);
  CHECK_FALSE(r->removed);
  srv.drain(t0);
  CHECK(s.get(cms, "default", "fg"));   // child still terminating with its finalizer
  auto child = s.get(cms, "default", "child");
  REQUIRE(child);
  CHECK(child->at("metadata").as_object().contains("deletionTimestamp"));
  REQUIRE(s.merge_patch(cms, "default", "child", bj::parse(R"({"metadata":{"finalizers":null}})"), t0));
  srv.drain(t0);
  CHECK_FALSE(s.get(cms, "default", "fg"));
}

TEST_CASE("orphan deletion strips owner references and keeps dependents") {
  api_server srv;
  auto& s = srv.store();
  auto a = *s.create(cms, "default", obj("orph"), t0);
  REQUIRE(s.create(cms, "default", obj("kept", {ref(a)}), t0));
  delete_options o;
  o.policy = propagation::orphan;
  REQUIRE(s.remove(cms, "default", "orph", t0, o));
  srv.drain(t0);
  CHECK_FALSE(s.get(cms, "default", "orph"));
  auto kept = s.get(cms, "default", "kept");
  REQUIRE(kept);
  CHECK_FALSE(kept->at("metadata").as_object().contains("ownerReferences"));
}

TEST_CASE("garbage collection can be switched off") {
  server_options opts;
  opts.garbage_collection = false;
  api_server srv(opts);
  auto& s = srv.store();
  auto a = *s.create(cms, "default", obj("o"), t0);
  REQUIRE(s.create(cms, "default", obj("d", {ref(a)}), t0));
  REQUIRE(s.remove(cms, "default", "o", t0));
  srv.drain(t0);
  CHECK(s.get(cms, "default", "d"));
}

TEST_CASE("namespace deletion: Terminating, 403 on create inside, contents removed, then the namespace") {
  api_server srv;
  client c{srv};
  REQUIRE(c.call("POST", "/api/v1/namespaces", R"({"metadata":{"name":"tmp"}})").head.status == 201);
  REQUIRE(c.call("POST", "/api/v1/namespaces/tmp/configmaps", R"({"metadata":{"name":"x"}})").head.status == 201);
  auto del = c.call("DELETE", "/api/v1/namespaces/tmp");
  CHECK(del.head.status == 200);
  CHECK(at(c.json(del), "/status/phase") == "Terminating");
  auto forbidden = c.call("POST", "/api/v1/namespaces/tmp/configmaps", R"({"metadata":{"name":"y"}})");
  CHECK(forbidden.head.status == 403);
  CHECK(at(c.json(forbidden), "/details/causes/0/reason") == "NamespaceTerminating");
  srv.drain(c.now);
  CHECK(c.call("GET", "/api/v1/namespaces/tmp/configmaps/x").head.status == 404);
  CHECK(c.call("GET", "/api/v1/namespaces/tmp").head.status == 404);
}

TEST_CASE("status subresource: main writes keep status, /status writes keep spec, no generation bump") {
  api_server srv;
  client c{srv};
  const std::string path = "/apis/apps/v1/namespaces/default/statefulsets";
  std::string sts = R"({"metadata":{"name":"s"},"spec":{"replicas":1,"selector":{"matchLabels":{"a":"b"}},"serviceName":"s","template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"i"}]}}},"status":{"replicas":7}})";
  auto created = c.json(c.call("POST", path, sts));
  CHECK(at(created, "/status/replicas") == "0");
  auto st = c.call("PATCH", path + "/s/status", R"({"status":{"readyReplicas":1,"replicas":1},"spec":{"replicas":5}})",
                   "application/merge-patch+json");
  REQUIRE(st.head.status == 200);
  CHECK(at(c.json(st), "/spec/replicas") == "1");
  CHECK(at(c.json(st), "/status/readyReplicas") == "1");
  CHECK(at(c.json(st), "/metadata/generation") == "1");
  auto main = c.json(c.call("PATCH", path + "/s", R"({"spec":{"replicas":3},"status":{"readyReplicas":9}})",
                            "application/merge-patch+json"));
  CHECK(at(main, "/status/readyReplicas") == "1");
  CHECK(at(main, "/metadata/generation") == "2");
  auto scale = c.json(c.call("GET", path + "/s/scale"));
  CHECK(at(scale, "/spec/replicas") == "3");
  CHECK(at(scale, "/kind") == "Scale");
  CHECK(c.call("GET", "/api/v1/namespaces/default/configmaps/x/status").head.status == 404);
}

TEST_CASE("delete returns Status for most kinds and emits DELETED to subscribers") {
  api_server srv;
  client c{srv};
  std::vector<change_type> seen;
  srv.store().subscribe([&](const change& ch) {
    if (ch.resource == resources::configmaps()) seen.push_back(ch.type);
  });
  c.call("POST", "/api/v1/namespaces/default/configmaps", R"({"metadata":{"name":"z"}})");
  auto d = c.call("DELETE", "/api/v1/namespaces/default/configmaps/z", R"({"propagationPolicy":"Background"})");
  CHECK(d.head.status == 200);
  CHECK(at(c.json(d), "/status") == "Success");
  CHECK(at(c.json(d), "/details/kind") == "configmaps");
  REQUIRE(seen.size() == 2);
  CHECK(seen[1] == change_type::deleted);
}

TEST_CASE("events are one set across core/v1 and events.k8s.io/v1") {
  api_server srv;
  client c{srv};
  std::string ev = R"({"apiVersion":"events.k8s.io/v1","kind":"Event","metadata":{"name":"w1.1"},"eventTime":"2024-05-01T10:00:00.000000Z","reportingController":"op","reportingInstance":"op-1","action":"Reconcile","reason":"Created","note":"hello","type":"Normal","regarding":{"kind":"ConfigMap","namespace":"default","name":"w1","uid":"u1"},"series":{"count":3,"lastObservedTime":"2024-05-01T10:05:00.000000Z"}})";
  REQUIRE(c.call("POST", "/apis/events.k8s.io/v1/namespaces/default/events", ev).head.status == 201);
  auto core = c.json(c.call("GET", "/api/v1/namespaces/default/events?fieldSelector=involvedObject.name%3Dw1,involvedObject.kind%3DConfigMap"));
  REQUIRE(core.at("items").as_array().size() == 1);
  CHECK(at(core, "/items/0/message") == "hello");
  CHECK(at(core, "/items/0/count") == "3");
  CHECK(at(core, "/items/0/involvedObject/uid") == "u1");
  auto v1 = c.json(c.call("GET", "/apis/events.k8s.io/v1/namespaces/default/events/w1.1"));
  CHECK(at(v1, "/note") == "hello");
  CHECK(at(v1, "/regarding/name") == "w1");
  auto patched = c.call("PATCH", "/apis/events.k8s.io/v1/namespaces/default/events/w1.1",
                        R"({"series":{"count":4,"lastObservedTime":"2024-05-01T10:06:00.000000Z"}})",
                        "application/strategic-merge-patch+json");
  REQUIRE(patched.head.status == 200);
  CHECK(at(c.json(c.call("GET", "/api/v1/namespaces/default/events/w1.1")), "/count") == "4");
}
