// The pods/log subresource: the simulated Supervisor log, PodLogOptions (tail, limit, timestamps, since, follow),
// the container and state checks kube-apiserver and the kubelet make, discovery and RBAC's `pods/log`.
#include <habop/fake_apiserver/api_server.hpp>

#include <catch2/catch.hpp>

#include <sstream>

#include <habop/fake_apiserver/rbac.hpp>

#include "test_client.hpp"

using namespace habop::fake;
using namespace habop::fake::test;
namespace bj = boost::json;

namespace {

const std::string pods = "/api/v1/namespaces/default/pods/";

// A pod as the operator's StatefulSet makes them (Supervisor args, env from a Secret), scheduled, optionally Running.
bj::object make_pod(client& c, const std::string& name, bool running, const std::string& extra_containers = "") {
  auto pod = habop::json::parse_json(R"({"metadata":{"name":")" + name + R"("},"spec":{"nodeName":"fake-node-1",
    "containers":[{"name":"habitat","image":"habitat/redis:latest",
      "args":["--group","prod","--topology","leader","--peer-watch-file","/habitat-operator/peer-watch-file",
              "--bind","db:postgres.prod","--ring","ring-1","--label","a b"],
      "env":[{"name":"HAB_REDIS","value":"s3cret-value"},
             {"name":"TOKEN","valueFrom":{"secretKeyRef":{"name":"user-toml","key":"token"}}}]})" +
                                         extra_containers + "]}}");
  REQUIRE(pod);
  auto created = c.srv.store().create(resources::pods(), "default", pod->get_object(), c.now);
  REQUIRE(created);
  if (!running) return *created;
  auto status = habop::json::parse_json(R"({"status":{"phase":"Running","podIP":"192.0.2.7",
    "startTime":"2023-11-14T22:13:20Z","containerStatuses":[{"name":"habitat","ready":true,"restartCount":0,
    "image":"habitat/redis:latest","containerID":"containerd://abc","state":{"running":{"startedAt":"2023-11-14T22:13:21Z"}}}]}})");
  REQUIRE(status);
  auto patched = c.srv.store().merge_patch(resources::pods(), "default", name, *status, c.now, {}, "status");
  REQUIRE(patched);
  return *patched;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

std::string message(client& c, const handled& h) { return at(c.json(h), "/message"); }

// The message of the Status GET `target` is answered with, checking its code.
std::string refusal(client& c, const std::string& target, int code) {
  auto h = c.call("GET", target);
  CHECK(h.head.status == code);
  CHECK(c.header(h, "Content-Type") == "application/json");
  return message(c, h);
}

// A server holding the running pod default/web-0.
struct running_pod {
  api_server srv;
  client c{srv};
  running_pod() { make_pod(c, "web-0", true); }
};

}  // namespace

TEST_CASE_METHOD(running_pod, "pods/log of a running pod is a simulated Supervisor log showing its image, args and IP") {
  auto h = c.call("GET", pods + "web-0/log");
  REQUIRE(h.head.status == 200);
  CHECK(c.header(h, "Content-Type") == "text/plain");
  const auto log = lines(h.head.body);
  INFO(h.head.body);
  REQUIRE(log.size() > 5);
  CHECK(log[0] == "[fake-apiserver] This log is simulated: no container ran. Pod default/web-0, container \"habitat\".");
  CHECK(log[1] == "hab-sup(MR): Starting the Supervisor of image habitat/redis:latest");
  CHECK(log[2] == "hab-sup(MR): Supervisor arguments: --group prod --topology leader --peer-watch-file "
                  "/habitat-operator/peer-watch-file --bind db:postgres.prod --ring ring-1 --label \"a b\"");
  CHECK(log[3] == "hab-sup(MR): Environment variables (values not shown): HAB_REDIS, TOKEN");
  CHECK(h.head.body.find("hab-sup(MR): Starting gossip-listener on 192.0.2.7:9638\n") != std::string::npos);
  CHECK(h.head.body.find("hab-sup(MR): Watching peer file /habitat-operator/peer-watch-file\n") != std::string::npos);
  CHECK(h.head.body.find("hab-sup(MR): Joining ring ring-1\n") != std::string::npos);
  CHECK(log.back() == "redis.prod(SV): Service started on pod IP 192.0.2.7");
  // Never a value (plain, or from a Secret).
  CHECK(h.head.body.find("s3cret") == std::string::npos);
  CHECK(h.head.body.find("user-toml") == std::string::npos);
  // Deterministic, and `follow` sends the same log and ends.
  CHECK(c.call("GET", pods + "web-0/log").head.body == h.head.body);
  auto followed = c.call("GET", pods + "web-0/log?follow=true&container=habitat");
  CHECK(followed.head.status == 200);
  CHECK(followed.watch == nullptr);
  CHECK(followed.head.body == h.head.body);
}

TEST_CASE_METHOD(running_pod, "pods/log applies tailLines, sinceSeconds/sinceTime, timestamps and limitBytes as the kubelet does") {
  const auto all = lines(c.call("GET", pods + "web-0/log").head.body);
  CHECK(c.call("GET", pods + "web-0/log?tailLines=1").head.body == all.back() + "\n");
  CHECK(c.call("GET", pods + "web-0/log?tailLines=0").head.body.empty());
  CHECK(lines(c.call("GET", pods + "web-0/log?tailLines=1000").head.body) == all);
  // Lines are written a millisecond apart from the container's startedAt, stamped with nine fractional digits.
  const auto stamped = lines(c.call("GET", pods + "web-0/log?timestamps=true&tailLines=2").head.body);
  REQUIRE(stamped.size() == 2);
  const std::size_t n = all.size();
  CHECK(stamped[1] == "2023-11-14T22:13:21.0" + std::to_string((n - 1) / 10) + std::to_string((n - 1) % 10) +
                          "000000Z " + all.back());
  CHECK(c.call("GET", pods + "web-0/log?sinceTime=2023-11-14T22:13:21.002Z").head.body.find(all[1]) == std::string::npos);
  CHECK(lines(c.call("GET", pods + "web-0/log?sinceTime=2023-11-14T22:13:21.002Z").head.body).size() == n - 2);
  c.now = habop::instant{habop::instant::from_seconds(1'700'000'002).unix_micros + 2'000};
  CHECK(lines(c.call("GET", pods + "web-0/log?sinceSeconds=1").head.body).size() == n - 2);
  c.now = habop::instant::from_seconds(1'700'000'100);
  CHECK(c.call("GET", pods + "web-0/log?sinceSeconds=5").head.body.empty());
  CHECK(lines(c.call("GET", pods + "web-0/log?sinceSeconds=9223372036854775807").head.body) == all);
  // limitBytes counts what is written, prefixes included, and may cut a line.
  CHECK(c.call("GET", pods + "web-0/log?limitBytes=16").head.body == "[fake-apiserver]");
  CHECK(c.call("GET", pods + "web-0/log?limitBytes=31&timestamps=true").head.body == "2023-11-14T22:13:21.000000000Z ");
}

TEST_CASE_METHOD(running_pod, "pods/log rejects invalid PodLogOptions with kube-apiserver's 422 and 400") {
  CHECK(refusal(c, pods + "web-0/log?tailLines=-1", 422) ==
        "PodLogOptions \"web-0\" is invalid: tailLines: Invalid value: -1: must be greater than or equal to 0");
  CHECK(refusal(c, pods + "web-0/log?limitBytes=0&sinceSeconds=0", 422) ==
        "PodLogOptions \"web-0\" is invalid: [limitBytes: Invalid value: 0: must be greater than 0, sinceSeconds: "
        "Invalid value: 0: must be greater than 0]");
  CHECK(c.call("GET", pods + "web-0/log?sinceSeconds=1&sinceTime=2023-11-14T22:13:21Z").head.status == 422);
  CHECK(c.call("GET", pods + "web-0/log?tailLines=ten").head.status == 400);
  CHECK(c.call("GET", pods + "web-0/log?sinceTime=yesterday").head.status == 400);
  CHECK(c.call("POST", pods + "web-0/log").head.status == 405);
}

TEST_CASE("pods/log needs a container of the pod, and one that has started") {
  api_server srv;
  client c{srv};
  make_pod(c, "two-0", true, R"(,{"name":"sidecar","image":"busybox"})");
  CHECK(refusal(c, pods + "two-0/log", 400) ==
        "a container name must be specified for pod two-0, choose one of: [habitat sidecar]");
  CHECK(at(c.json(c.call("GET", pods + "two-0/log")), "/reason") == "BadRequest");
  CHECK(refusal(c, pods + "two-0/log?container=wrong", 400) == "container wrong is not valid for pod two-0");
  CHECK(c.call("GET", pods + "two-0/log?container=habitat").head.status == 200);
  // The simulated kubelet never started the sidecar (no status), and restarts nothing.
  CHECK(refusal(c, pods + "two-0/log?container=sidecar", 400) ==
        "container \"sidecar\" in pod \"two-0\" is waiting to start: ContainerCreating");
  CHECK(refusal(c, pods + "two-0/log?container=habitat&previous=true", 400) ==
        "previous terminated container \"habitat\" in pod \"two-0\" not found");

  make_pod(c, "pending-0", false);
  CHECK(refusal(c, pods + "pending-0/log", 400) ==
        "container \"habitat\" in pod \"pending-0\" is waiting to start: ContainerCreating");

  CHECK(refusal(c, pods + "nope/log", 404) == "pods \"nope\" not found");
  CHECK(at(c.json(c.call("GET", pods + "nope/log")), "/details/name") == "nope");
}

TEST_CASE("pods/log of an unscheduled pod is empty; a completed init container has a short log") {
  api_server srv;
  client c{srv};
  for (const std::string name : {"p", "q"}) {
    auto pod = habop::json::parse_json(R"({"metadata":{"name":")" + name + R"("},"spec":{
      "initContainers":[{"name":"setup","image":"busybox","command":["sh","-c","cp a b"]}],
      "containers":[{"name":"main","image":"nginx:1"}]}})");
    REQUIRE(pod);
    if (name == "q") pod->get_object()["spec"].get_object()["nodeName"] = "fake-node-1";
    REQUIRE(srv.store().create(resources::pods(), "default", pod->get_object(), c.now));
  }
  auto unscheduled = c.call("GET", pods + "p/log");
  CHECK(unscheduled.head.status == 200);
  CHECK(unscheduled.head.body.empty());
  CHECK(c.call("GET", pods + "q/log?container=setup").head.status == 400);   // not yet Running
  REQUIRE(srv.store().merge_patch(resources::pods(), "default", "q",
                                  bj::object{{"status", bj::object{{"phase", "Running"}}}}, c.now, {}, "status"));
  auto init = c.call("GET", pods + "q/log?container=setup");
  CHECK(init.head.status == 200);
  CHECK(lines(init.head.body) ==
        std::vector<std::string>{"[fake-apiserver] This log is simulated: no container ran. Pod default/q, init container \"setup\".",
                                 "Image busybox, command: sh -c \"cp a b\", args: (none)", "Completed with exit code 0"});
}

TEST_CASE("pods/log is discovered with the get verb, legacy and aggregated") {
  api_server srv;
  client c{srv};
  bool found = false;
  const bj::object legacy = c.json(c.call("GET", "/api/v1"));
  for (const auto& r : legacy.at("resources").as_array())
    if (r.at("name") == "pods/log") {
      found = true;
      CHECK(r.at("kind") == "Pod");
      CHECK(r.at("verbs") == bj::array{"get"});
    }
  CHECK(found);
  const std::string agg = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";
  auto doc = c.json(c.call("GET", "/api", {}, "application/json", agg));
  std::string subs;
  for (const auto& r : doc.at("items").at(0).at("versions").at(0).at("resources").as_array())
    if (r.at("resource") == "pods")
      for (const auto& s : r.at("subresources").as_array()) subs += std::string(s.at("subresource").as_string()) + " ";
  CHECK(subs == "status log ");
}

TEST_CASE("under RBAC, pods/log needs get on `pods/log`, not only on pods") {
  api_server srv(server_options{.access = make_rbac_access({})});
  client c{srv};
  make_pod(c, "web-0", true);
  auto grant = [&](const std::string& resources) {
    auto role = habop::json::parse_json(R"({"metadata":{"name":"r"},"rules":[{"apiGroups":[""],"resources":)" +
                                        resources + R"(,"verbs":["get"]}]})");
    REQUIRE(role);
    const resource_key roles{"rbac.authorization.k8s.io", "v1", "roles"};
    (void)srv.store().remove(roles, "default", "r", c.now);
    REQUIRE(srv.store().create(roles, "default", role->get_object(), c.now));
  };
  auto binding = habop::json::parse_json(R"({"metadata":{"name":"r"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io",
    "kind":"Role","name":"r"},"subjects":[{"kind":"User","name":"jane"}]})");
  REQUIRE(binding);
  REQUIRE(srv.store().create({"rbac.authorization.k8s.io", "v1", "rolebindings"}, "default", binding->get_object(), c.now));
  auto as_jane = [&] {
    request r;
    r.method = "GET";
    r.target = pods + "web-0/log?container=habitat";
    r.user = "jane";
    return srv.handle(r, c.now);
  };
  grant(R"(["pods"])");
  auto denied = as_jane();
  CHECK(denied.head.status == 403);
  CHECK(message(c, denied) == "pods \"web-0\" is forbidden: User \"jane\" cannot get resource \"pods/log\" in API group "
                              "\"\" in the namespace \"default\"");
  grant(R"(["pods/log"])");
  CHECK(as_jane().head.status == 200);
}
