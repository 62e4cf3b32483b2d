// The simulated StatefulSet controller's podManagementPolicy: OrderedReady (KAS's default) readies each ordinal
// before creating the next, Parallel creates every ordinal first.
#include <habop/fake_apiserver/simulation.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include <habop/fake_apiserver/api_server.hpp>
#include <habop/json/codec.hpp>

using namespace habop::fake;
namespace bj = boost::json;

namespace {

const habop::instant t0 = habop::instant::from_seconds(1'700'000'000);

bj::object stateful_set(const std::string& policy_member) {
  auto v = habop::json::parse_json(R"({"apiVersion":"apps/v1","kind":"StatefulSet",
    "metadata":{"name":"web","namespace":"default"},
    "spec":{"replicas":3,"serviceName":"web",)" + policy_member + R"(
      "selector":{"matchLabels":{"app":"web"}},
      "template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"main","image":"nginx:1"}]}}}})");
  REQUIRE(v);
  return v->as_object();
}

// The pod writes of settling a new StatefulSet, as `<name> created|ready`.
std::vector<std::string> pod_writes(const std::string& policy_member) {
  api_server api;
  object_store& store = api.store();
  workload_simulator sim(store);
  std::vector<std::string> out;
  auto id = store.subscribe([&](const change& c) {
    if (c.resource.plural != "pods") return;
    const std::string name(c.object.at("metadata").at("name").as_string());
    out.push_back(name + (c.type == change_type::added ? " created" : " ready"));
  });
  REQUIRE(store.create(resources::statefulsets(), "default", stateful_set(policy_member), t0));
  sim.settle(t0);
  store.unsubscribe(id);
  return out;
}

}  // namespace

TEST_CASE("OrderedReady, the default, readies each pod before creating the next", "[simulation]") {
  const std::vector<std::string> ordered{"web-0 created", "web-0 ready", "web-1 created",
                                         "web-1 ready",   "web-2 created", "web-2 ready"};
  CHECK(pod_writes("") == ordered);
  CHECK(pod_writes(R"("podManagementPolicy":"OrderedReady",)") == ordered);
}

TEST_CASE("Parallel creates every pod before any is ready", "[simulation]") {
  CHECK(pod_writes(R"("podManagementPolicy":"Parallel",)") ==
        std::vector<std::string>{"web-0 created", "web-1 created", "web-2 created", "web-0 ready", "web-1 ready",
                                 "web-2 ready"});
}
