// The simulated StatefulSet controller's ControllerRevisions: one per distinct template, renumbered on rollback,
// truncated to revisionHistoryLimit, garbage-collected with their StatefulSet and printed as KAS prints them.
#include "statefulset_revisions.hpp"

#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <vector>

#include <boost/json/serialize.hpp>

#include <habop/fake_apiserver/api_server.hpp>
#include <habop/fake_apiserver/simulation.hpp>
#include <habop/json/codec.hpp>

using namespace habop::fake;
namespace bj = boost::json;

namespace {

const habop::instant t0 = habop::instant::from_seconds(1'700'000'000);

bj::value json(std::string_view text) {
  auto v = habop::json::parse_json(text);
  REQUIRE(v);
  return *v;
}

bj::object stateful_set(const std::string& image) {
  return json(R"({"apiVersion":"apps/v1","kind":"StatefulSet",
    "metadata":{"name":"web","namespace":"default","annotations":{"note":"first"}},
    "spec":{"replicas":2,"serviceName":"web","selector":{"matchLabels":{"app":"web"}},
      "template":{"metadata":{"labels":{"app":"web","tier":"front"}},
                  "spec":{"containers":[{"name":"main","image":")" + image + R"("}]}}}})")
      .as_object();
}

void set_image(object_store& store, const std::string& image) {
  REQUIRE(store.merge_patch(resources::statefulsets(), "default", "web",
                            json(R"({"spec":{"template":{"spec":{"containers":[{"name":"main","image":")" + image +
                                 R"("}]}}}})"),
                            t0));
}

// The StatefulSet's revisions by name → revision number.
std::map<std::string, std::int64_t> revisions(const object_store& store) {
  auto listed = store.list(resources::controllerrevisions(), "default");
  REQUIRE(listed);
  std::map<std::string, std::int64_t> out;
  for (const auto& r : *listed) out[std::string(r.at("metadata").at("name").as_string())] = r.at("revision").as_int64();
  return out;
}

std::string status_of(const object_store& store, const char* field) {
  auto sts = store.get(resources::statefulsets(), "default", "web");
  REQUIRE(sts);
  return std::string(sts->at("status").at(field).as_string());
}

}  // namespace

TEST_CASE("a StatefulSet's first sync records its template as revision 1", "[simulation][revisions]") {
  api_server api;
  object_store& store = api.store();
  workload_simulator sim(store);
  auto created = store.create(resources::statefulsets(), "default", stateful_set("nginx:1"), t0);
  REQUIRE(created);
  sim.settle(t0);

  const std::string update = status_of(store, "updateRevision");
  CHECK(status_of(store, "currentRevision") == update);
  CHECK(update == template_revision("web", created->at("spec").at("template")));
  auto rev = store.get(resources::controllerrevisions(), "default", update);
  REQUIRE(rev);
  CHECK(rev->at("revision") == 1);
  CHECK(rev->at("metadata").at("labels") ==
        json(R"({"app":"web","tier":"front","controller.kubernetes.io/hash":")" + update.substr(4) + R"("})"));
  CHECK(rev->at("metadata").at("annotations").at("note") == "first");
  const auto& owner = rev->at("metadata").at("ownerReferences").at(0);
  CHECK(owner.at("kind") == "StatefulSet");
  CHECK(owner.at("uid") == created->at("metadata").at("uid"));
  CHECK(owner.at("controller") == true);
  // The patch kubectl applies on undo, keys sorted as the controller's Go encoder writes them; the template as
  // the server defaulted it.
  CHECK(bj::serialize(rev->at("data")) ==
        R"({"spec":{"template":{"$patch":"replace","metadata":{"creationTimestamp":null,)"
        R"("labels":{"app":"web","tier":"front"}},"spec":{"containers":[{"image":"nginx:1",)"
        R"("imagePullPolicy":"IfNotPresent","name":"main","resources":{},)"
        R"("terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File"}],)"
        R"("dnsPolicy":"ClusterFirst","restartPolicy":"Always","schedulerName":"default-scheduler",)"
        R"("securityContext":{},"terminationGracePeriodSeconds":30}}}})");
  auto pods = store.list(resources::pods(), "default", "app=web");
  REQUIRE(pods);
  REQUIRE(pods->size() == 2);
  for (const auto& p : *pods) CHECK(p.at("metadata").at("labels").at("controller-revision-hash").as_string() == update);
  CHECK(sim.step(t0) == 0);
}

TEST_CASE("a new template adds a revision, and going back renumbers the old one", "[simulation][revisions]") {
  api_server api;
  object_store& store = api.store();
  workload_simulator sim(store);
  REQUIRE(store.create(resources::statefulsets(), "default", stateful_set("nginx:1"), t0));
  sim.settle(t0);
  const std::string first = status_of(store, "updateRevision");

  set_image(store, "nginx:2");
  sim.settle(t0);
  const std::string second = status_of(store, "updateRevision");
  CHECK(second != first);
  CHECK(status_of(store, "currentRevision") == second);   // rolled out
  CHECK(revisions(store) == std::map<std::string, std::int64_t>{{first, 1}, {second, 2}});

  // The same template with its fields in another order is the same revision.
  REQUIRE(store.merge_patch(resources::statefulsets(), "default", "web",
                            json(R"({"spec":{"template":{"spec":null}}})"), t0));
  const bj::value reordered = json(R"({"spec":{"template":{"spec":{"containers":[{"image":"nginx:1","name":"main"}]}}}})");
  REQUIRE(store.merge_patch(resources::statefulsets(), "default", "web", reordered, t0));
  sim.settle(t0);
  CHECK(status_of(store, "updateRevision") == first);
  CHECK(revisions(store) == std::map<std::string, std::int64_t>{{first, 3}, {second, 2}});
  auto pods = store.list(resources::pods(), "default", "app=web");
  REQUIRE(pods);
  for (const auto& p : *pods) CHECK(p.at("metadata").at("labels").at("controller-revision-hash").as_string() == first);
}

TEST_CASE("old revisions beyond revisionHistoryLimit are deleted, live ones kept", "[simulation][revisions]") {
  api_server api;
  object_store& store = api.store();
  workload_simulator sim(store);
  bj::object sts = stateful_set("nginx:1");
  sts["spec"].as_object()["revisionHistoryLimit"] = 1;
  sts["spec"].as_object()["updateStrategy"] = json(R"({"type":"OnDelete"})");
  REQUIRE(store.create(resources::statefulsets(), "default", sts, t0));
  sim.settle(t0);
  const std::string first = status_of(store, "updateRevision");
  set_image(store, "nginx:2");
  sim.settle(t0);
  set_image(store, "nginx:3");
  sim.settle(t0);
  // OnDelete: the pods still run revision 1, which stays with the update revision (3); one of history (2) is kept.
  auto revs = revisions(store);
  CHECK(revs.size() == 3);
  CHECK(revs.at(first) == 1);
  set_image(store, "nginx:4");
  sim.settle(t0);
  revs = revisions(store);
  CHECK(revs.size() == 3);   // 2 was the oldest of history
  CHECK(revs.count(first) == 1);
  CHECK(revs.at(status_of(store, "updateRevision")) == 4);
  for (const auto& [name, n] : revs) CHECK(n != 2);
}

TEST_CASE("revisions are printed with their controller and deleted with their StatefulSet", "[simulation][revisions]") {
  api_server api;
  object_store& store = api.store();
  workload_simulator sim(store);
  REQUIRE(store.create(resources::statefulsets(), "default", stateful_set("nginx:1"), t0));
  sim.settle(t0);
  request get{.method = "GET", .target = "/apis/apps/v1/namespaces/default/controllerrevisions",
              .headers = {{"Accept", "application/json;as=Table;v=v1;g=meta.k8s.io"}}, .body = {}, .user = "admin"};
  handled h = api.handle(get, t0);
  REQUIRE(h.head.status == 200);
  auto table = json(h.head.body);
  std::vector<std::string> names;
  for (const auto& col : table.at("columnDefinitions").as_array()) names.emplace_back(col.at("name").as_string());
  CHECK(names == std::vector<std::string>{"Name", "Controller", "Revision", "Age"});
  const auto& cells = table.at("rows").at(0).at("cells");
  CHECK(cells.at(1) == "statefulset.apps/web");
  CHECK(cells.at(2) == 1);

  REQUIRE(store.remove(resources::statefulsets(), "default", "web", t0));
  api.drain(t0);
  CHECK(store.count(resources::controllerrevisions()) == 0);
}
