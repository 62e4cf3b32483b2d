// A Habitat deleted and re-created under the same name: habop waits for the garbage collector to delete what the
// previous Habitat left, without conflict, event or write, and converges once it has.
#include "store.hpp"

#include "fixtures.hpp"

#include <algorithm>
#include <variant>

#include <boost/json/parse.hpp>

#include <catch2/catch.hpp>

namespace bj = boost::json;
using namespace habop;
using habop::test::habitat;
using habop::test::store;

namespace {

std::string condition(const store& s, const char* type, const char* field = "reason") {
  const bj::object* h = s.get("habitats", "ns", "a");
  const bj::value* st = h ? h->if_contains("status") : nullptr;
  if (!st || !st->is_object() || !st->get_object().contains("conditions")) return "";
  for (const auto& c : st->at("conditions").as_array())
    if (c.at("type") == type) return std::string(c.at(field).as_string());
  return "";
}

std::string resource_version(const store& s, const char* plural, const char* name) {
  const bj::object* o = s.get(plural, "ns", name);
  return o ? std::string(o->at("metadata").at("resourceVersion").as_string()) : "";
}

std::vector<std::string> owner_uids(const store& s, const char* plural, const char* name) {
  std::vector<std::string> out;
  const bj::object* o = s.get(plural, "ns", name);
  const bj::value* refs = o ? o->at("metadata").as_object().if_contains("ownerReferences") : nullptr;
  if (refs)
    for (const auto& r : refs->as_array()) out.emplace_back(r.at("uid").as_string());
  std::sort(out.begin(), out.end());
  return out;
}

/// `a` converged (uid `uid-a`), then deleted and created again with uid `uid-a2`; the garbage collector has not run.
store recreated(const char* sharer = nullptr, const char* overlay = "{}") {
  store s;
  s.put("habitats", habitat("a", overlay));
  if (sharer) s.put("habitats", habitat(sharer));
  REQUIRE(test::converge(s, "ns") > 0);
  s.remove("habitats", "ns", "a");
  bj::object again = habitat("a", overlay);
  again["metadata"].as_object()["uid"] = "uid-a2";
  s.put("habitats", again);
  return s;
}

/// What kube-controller-manager's garbage collector does once `uid-a` is gone.
void collect_garbage(store& s) {
  s.remove("statefulsets", "ns", "a");
  s.remove("services", "ns", "a");
  s.remove("pods", "ns", "a-0");
}

}  // namespace

TEST_CASE("Objects left by a deleted Habitat of the same name are waited for, not an OwnerConflict") {
  store s = recreated();
  const std::string sts_rv = resource_version(s, "statefulsets", "a"), svc_rv = resource_version(s, "services", "a");
  const std::size_t events_before = s.events().size();
  CHECK(test::converge(s, "ns") > 0);   // the status says why it waits

  // Nothing is written to them, and no Warning says anything is wrong.
  CHECK(resource_version(s, "statefulsets", "a") == sts_rv);
  CHECK(resource_version(s, "services", "a") == svc_rv);
  CHECK(owner_uids(s, "statefulsets", "a") == std::vector<std::string>{"uid-a"});
  CHECK(owner_uids(s, "services", "a") == std::vector<std::string>{"uid-a"});
  for (std::size_t i = events_before; i < s.events().size(); ++i) {
    INFO(s.events()[i].reason << ": " << s.events()[i].message);
    CHECK(s.events()[i].type != "Warning");
  }
  CHECK(condition(s, "Ready", "status") == "False");
  CHECK(condition(s, "Ready") == "WaitingForGarbageCollection");
  CHECK(condition(s, "Progressing", "status") == "True");
  CHECK(condition(s, "Progressing") == "WaitingForGarbageCollection");
  CHECK(condition(s, "Degraded", "status") == "False");
  const std::string message = condition(s, "Ready", "message");
  CHECK(message.find("StatefulSet a") != std::string::npos);
  CHECK(message.find("Service a") != std::string::npos);
  CHECK(message.find("(uid uid-a)") != std::string::npos);
  CHECK(message.find("garbage collector") != std::string::npos);
  // Not the previous Habitat's members: they are not this Habitat's.
  const bj::object& status = s.get("habitats", "ns", "a")->at("status").as_object();
  CHECK(status.at("readyReplicas") == 0);

  SECTION("once the garbage collector has deleted them, the Habitat converges") {
    collect_garbage(s);
    CHECK(test::converge(s, "ns") > 0);
    CHECK(condition(s, "Ready", "status") == "True");
    CHECK(condition(s, "Degraded", "status") == "False");
    CHECK(owner_uids(s, "statefulsets", "a") == std::vector<std::string>{"uid-a2"});
    CHECK(owner_uids(s, "services", "a") == std::vector<std::string>{"uid-a2"});
    CHECK(owner_uids(s, "configmaps", "peer-watch-file") == std::vector<std::string>{"uid-a2"});
  }

  SECTION("the garbage collector may take one before the other") {
    s.remove("services", "ns", "a");
    CHECK(test::converge(s, "ns") > 0);
    CHECK(owner_uids(s, "services", "a") == std::vector<std::string>{"uid-a2"});
    CHECK(resource_version(s, "statefulsets", "a") == sts_rv);
    CHECK(condition(s, "Ready") == "WaitingForGarbageCollection");
    CHECK(condition(s, "Ready", "message").find("Service a") == std::string::npos);
    CHECK(condition(s, "Ready", "message").find("StatefulSet a") != std::string::npos);
  }
}

TEST_CASE("AllAtOnce leaves the pods of the deleted Habitat's StatefulSet alone") {
  store s = recreated(nullptr, R"({"spec":{"v1beta2":{"updateStrategy":"AllAtOnce"}}})");
  REQUIRE(s.get("pods", "ns", "a-0"));
  // Its pods look stale to a reconcile that took that StatefulSet for its own.
  s.edit("statefulsets", "ns", "a", bj::parse(R"({"status":{"updateRevision":"newer"}})"));
  const reconcile::plan p = test::plan_for(s, "ns", "a");
  for (const auto& op : p.operations) CHECK_FALSE(std::holds_alternative<reconcile::delete_object>(op));
  for (const auto& e : p.events) CHECK(e.reason != "StalePodsDeleted");
}

TEST_CASE("The shared peer ConfigMap moves from the deleted Habitat to the re-created one, keeping its other sharer") {
  store s = recreated("b");
  REQUIRE(owner_uids(s, "configmaps", "peer-watch-file") == std::vector<std::string>{"uid-a", "uid-b"});
  CHECK(test::converge(s, "ns") > 0);
  CHECK(owner_uids(s, "configmaps", "peer-watch-file") == std::vector<std::string>{"uid-a2", "uid-b"});
  CHECK(condition(s, "Degraded", "status") == "False");
  for (const auto& e : s.events()) CHECK(e.type != "Warning");
  collect_garbage(s);
  CHECK(test::converge(s, "ns") > 0);
  CHECK(condition(s, "Ready", "status") == "True");
}

TEST_CASE("A dependent controlled by a Habitat of another name, or by another kind of the same name, is a conflict") {
  for (const char* controller : {R"({"apiVersion":"habitat.sh/v1beta1","kind":"Habitat","name":"other",
                                     "uid":"uid-other","controller":true})",
                                 R"({"apiVersion":"example.com/v1","kind":"Habitat","name":"a",
                                     "uid":"uid-x","controller":true})",
                                 R"({"apiVersion":"apps/v1","kind":"Deployment","name":"a",
                                     "uid":"uid-x","controller":true})"}) {
    INFO(controller);
    store s;
    bj::object sts = bj::parse(R"({"apiVersion":"apps/v1","kind":"StatefulSet",
        "metadata":{"name":"a","namespace":"ns","labels":{"habitat":"true","habitat-name":"a"}},
        "spec":{"replicas":7}})").as_object();
    sts["metadata"].as_object()["ownerReferences"] = bj::array{bj::parse(controller)};
    s.put("statefulsets", sts);
    s.put("habitats", habitat("a"));
    CHECK(test::converge(s, "ns") > 0);
    CHECK(s.get("statefulsets", "ns", "a")->at("spec").at("replicas") == 7);
    CHECK(condition(s, "Degraded") == "OwnerConflict");
    CHECK(condition(s, "Ready") == "OwnerConflict");
  }
}
