// The STATUS cell of pods in Tables, as kube-apiserver's printPod derives it from init and app container states.
#include <habop/fake_apiserver/api_server.hpp>

#include <catch2/catch.hpp>

#include "test_client.hpp"

using namespace habop::fake;
using namespace habop::fake::test;
namespace bj = boost::json;

namespace {
const std::string pods = "/api/v1/namespaces/default/pods";
const std::string table_accept = "application/json;as=Table;v=v1;g=meta.k8s.io";

std::string status_cell(client& c) {
  auto table = c.json(c.call("GET", pods + "/p", "", "", table_accept));
  return std::string(table.at("rows").at(0).at("cells").at(2).as_string());
}

void set_status(client& c, const std::string& status) {
  REQUIRE(c.call("PATCH", pods + "/p/status", R"({"status":)" + status + "}", "application/merge-patch+json")
              .head.status == 200);
}
}  // namespace

TEST_CASE("a pod's STATUS is its phase unless an init or app container says more") {
  api_server srv;
  client c{srv};
  REQUIRE(c.call("POST", pods, R"({"metadata":{"name":"p"},"spec":{"initContainers":[{"name":"i","image":"x"}],
      "containers":[{"name":"a","image":"x"},{"name":"b","image":"x"}]}})")
              .head.status == 201);
  CHECK(status_cell(c) == "Pending");
  set_status(c, R"({"phase":"Pending",
      "initContainerStatuses":[{"name":"i","state":{"waiting":{"reason":"PodInitializing"}}}]})");
  CHECK(status_cell(c) == "Init:0/1");
  set_status(c, R"({"initContainerStatuses":[{"name":"i","state":{"terminated":{"exitCode":1}}}]})");
  CHECK(status_cell(c) == "Init:ExitCode:1");
  set_status(c, R"({"phase":"Running","conditions":[{"type":"Initialized","status":"True"}],
      "initContainerStatuses":[{"name":"i","state":{"terminated":{"exitCode":0,"reason":"Completed"}}}],
      "containerStatuses":[{"name":"a","ready":true,"state":{"running":{}}},
                           {"name":"b","ready":false,"state":{"waiting":{"reason":"CrashLoopBackOff"}}}]})");
  CHECK(status_cell(c) == "CrashLoopBackOff");
  // A completed container next to a running one: Running when the pod is Ready, else NotReady.
  set_status(c, R"({"containerStatuses":[{"name":"a","ready":true,"state":{"running":{}}},
                                          {"name":"b","state":{"terminated":{"exitCode":0,"reason":"Completed"}}}]})");
  CHECK(status_cell(c) == "NotReady");
  set_status(c, R"({"conditions":[{"type":"Initialized","status":"True"},{"type":"Ready","status":"True"}]})");
  CHECK(status_cell(c) == "Running");
  REQUIRE(c.call("PATCH", pods + "/p", R"({"metadata":{"finalizers":["x/y"]}})", "application/merge-patch+json")
              .head.status == 200);
  REQUIRE(c.call("DELETE", pods + "/p").head.status == 200);
  CHECK(status_cell(c) == "Terminating");
}
