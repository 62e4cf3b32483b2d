// Smaller server behaviours: generateName, dryRun, deletecollection, SMP directives, kind defaults, ages, typed API.
#include <habop/fake_apiserver/api_server.hpp>

#include <catch2/catch.hpp>

#include "test_client.hpp"

using namespace habop::fake;
using namespace habop::fake::test;
namespace bj = boost::json;

namespace {
const std::string cm_path = "/api/v1/namespaces/default/configmaps";
}

TEST_CASE("generateName, dryRun and deletecollection") {
  api_server srv;
  client c{srv};
  auto g = c.json(c.call("POST", cm_path, R"({"metadata":{"generateName":"gen-"}})"));
  CHECK(at(g, "/metadata/name").rfind("gen-", 0) == 0);
  CHECK(at(g, "/metadata/name").size() == 9);
  auto dry = c.call("POST", cm_path + "?dryRun=All", R"({"metadata":{"name":"dry"}})");
  CHECK(dry.head.status == 201);
  CHECK(c.call("GET", cm_path + "/dry").head.status == 404);
  c.call("POST", cm_path, R"({"metadata":{"name":"l1","labels":{"del":"yes"}}})");
  c.call("POST", cm_path, R"({"metadata":{"name":"l2","labels":{"del":"yes"}}})");
  auto dc = c.call("DELETE", cm_path + "?labelSelector=del%3Dyes");
  CHECK(dc.head.status == 200);
  CHECK(c.json(dc).at("items").as_array().size() == 2);
  CHECK(c.json(c.call("GET", cm_path)).at("items").as_array().size() == 1);
}

TEST_CASE("strategic merge: finalizers as a set, $deleteFromPrimitiveList, $retainKeys, conditions by type") {
  api_server srv;
  client c{srv};
  const std::string pods = "/api/v1/namespaces/default/pods";
  REQUIRE(c.call("POST", pods, R"({"metadata":{"name":"p","finalizers":["a/x"]},"spec":{"containers":[{"name":"c","image":"i","ports":[{"containerPort":80}]}]}})").head.status == 201);
  auto f = c.json(c.call("PATCH", pods + "/p", R"({"metadata":{"finalizers":["b/y"]}})", "application/strategic-merge-patch+json"));
  CHECK(f.at("metadata").at("finalizers").as_array().size() == 2);
  auto d = c.json(c.call("PATCH", pods + "/p", R"({"metadata":{"$deleteFromPrimitiveList/finalizers":["a/x","b/y"]}})",
                         "application/strategic-merge-patch+json"));
  CHECK(d.at("metadata").at("finalizers").as_array().empty());
  auto st = c.call("PATCH", pods + "/p/status",
                   R"({"status":{"phase":"Running","conditions":[{"type":"Ready","status":"False"},{"type":"Initialized","status":"True"}]}})",
                   "application/strategic-merge-patch+json");
  REQUIRE(st.head.status == 200);
  auto st2 = c.json(c.call("PATCH", pods + "/p/status", R"({"status":{"conditions":[{"type":"Ready","status":"True"}]}})",
                           "application/strategic-merge-patch+json"));
  CHECK(st2.at("status").at("conditions").as_array().size() == 2);
  CHECK(at(st2, "/status/conditions/0/status") == "True");
  auto rk = c.json(c.call("PATCH", pods + "/p", R"({"spec":{"$retainKeys":["containers"],"containers":[{"name":"c","ports":[{"containerPort":81}]}]}})",
                          "application/strategic-merge-patch+json"));
  CHECK(rk.at("spec").at("containers").at(0).at("ports").as_array().size() == 2);
  auto list = c.json(c.call("GET", pods + "?fieldSelector=status.phase%3DRunning"));
  CHECK(list.at("items").as_array().size() == 1);
}

TEST_CASE("kind defaults: service cluster IP, secret stringData, namespace phase") {
  api_server srv;
  client c{srv};
  auto svc = c.json(c.call("POST", "/api/v1/namespaces/default/services", R"({"metadata":{"name":"s"},"spec":{"ports":[{"port":80}]}})"));
  CHECK(at(svc, "/spec/clusterIP").rfind("10.96.", 0) == 0);
  CHECK(at(svc, "/spec/ports/0/targetPort") == "80");
  CHECK(at(svc, "/spec/ports/0/nodePort").empty());
  // A NodePort Service's ports get node ports from 30000–32767; an ExternalName Service gets no cluster IP.
  auto np = c.json(c.call("POST", "/api/v1/namespaces/default/services",
                          R"({"metadata":{"name":"np"},"spec":{"type":"NodePort","ports":[{"port":80},{"port":81}]}})"));
  const int first = std::stoi(at(np, "/spec/ports/0/nodePort")), second = std::stoi(at(np, "/spec/ports/1/nodePort"));
  CHECK((first >= 30000 && first <= 32767 && second >= 30000 && second <= 32767 && first != second));
  CHECK(at(np, "/spec/externalTrafficPolicy") == "Cluster");
  auto ext = c.json(c.call("POST", "/api/v1/namespaces/default/services",
                           R"({"metadata":{"name":"ext"},"spec":{"type":"ExternalName","externalName":"db.example.com"}})"));
  CHECK(at(ext, "/spec/clusterIP").empty());
  CHECK(at(ext, "/spec/clusterIPs").empty());
  auto sec = c.json(c.call("POST", "/api/v1/namespaces/default/secrets", R"({"metadata":{"name":"s"},"stringData":{"a":"hi"}})"));
  CHECK(at(sec, "/data/a") == "aGk=");
  CHECK(at(sec, "/type") == "Opaque");
  CHECK(at(sec, "/stringData").empty());
  auto ns = c.json(c.call("GET", "/api/v1/namespaces/default"));
  CHECK(at(ns, "/status/phase") == "Active");
}

TEST_CASE("ages in tables follow HumanDuration") {
  api_server srv;
  client c{srv};
  c.call("POST", "/apis/coordination.k8s.io/v1/namespaces/default/leases", R"({"metadata":{"name":"l"},"spec":{"holderIdentity":"me"}})");
  auto age = [&](std::int64_t secs) {
    c.now = habop::instant{t0.unix_micros + secs * 1'000'000};
    auto t = c.json(c.call("GET", "/apis/coordination.k8s.io/v1/namespaces/default/leases", "", "", "application/json;as=Table;v=v1;g=meta.k8s.io"));
    CHECK(at(t, "/rows/0/cells/1") == "me");
    return at(t, "/rows/0/cells/2");
  };
  CHECK(age(45) == "45s");
  CHECK(age(3 * 3600 + 20 * 60) == "3h20m");
  CHECK(age(2 * 86400 + 5 * 3600) == "2d5h");
  CHECK(age(400 * 86400) == "400d");
}

TEST_CASE("typed store API: create, list with selectors, update with RV check, update_status, subscribe") {
  api_server srv;
  auto& s = srv.store();
  std::vector<std::string> names;
  auto id = s.subscribe([&](const change& ch) {
    if (ch.resource == resources::pods()) names.push_back(std::string(ch.object.at("metadata").at("name").as_string()));
  });
  bj::object pod{{"metadata", bj::object{{"name", "p1"}, {"labels", bj::object{{"app", "x"}}}}},
                 {"spec", bj::object{{"nodeName", "n1"}, {"containers", bj::array{bj::object{{"name", "c"}, {"image", "i"}}}}}}};
  auto created = s.create(resources::pods(), "default", pod, t0);
  REQUIRE(created);
  CHECK(created->at("kind") == "Pod");
  CHECK(created->at("status").at("phase") == "Pending");
  auto l = s.list(resources::pods(), "default", "app=x", "spec.nodeName=n1");
  REQUIRE(l);
  CHECK(l->size() == 1);
  CHECK_FALSE(s.list(resources::pods(), "default", "app in (", ""));
  bj::object st = *created;
  st["status"] = bj::object{{"phase", "Running"}, {"podIP", "10.0.0.1"}};
  auto u = s.update_status(resources::pods(), "default", st, t0);
  REQUIRE(u);
  CHECK(u->at("status").at("phase") == "Running");
  bj::object stale = *created;
  stale["spec"].as_object()["nodeName"] = "n2";
  auto conflict = s.update(resources::pods(), "default", stale, t0);
  REQUIRE_FALSE(conflict);
  CHECK(conflict.error().code == 409);
  s.unsubscribe(id);
  CHECK(names == std::vector<std::string>{"p1", "p1"});
  CHECK(s.count(resources::pods()) == 1);
  CHECK(s.serves(resources::leases()));
  CHECK_FALSE(s.serves({"example.com", "v1", "widgets"}));
}

TEST_CASE("field managers are printable UTF-8: a bad fieldManager is 422, a User-Agent's junk is dropped") {
  api_server srv;
  client c{srv};
  auto bad = c.call("POST", cm_path + "?fieldManager=m%01x", R"({"metadata":{"name":"a"}})");
  CHECK(bad.head.status == 422);
  CHECK(at(c.json(bad), "/details/causes/0/field") == "fieldManager");

  request r;
  r.method = "POST";
  r.target = cm_path;
  r.body = R"({"metadata":{"name":"b"}})";
  r.headers = {{"Content-Type", "application/json"}, {"User-Agent", "f\xe4\xe4op\x01/1.0"}};
  auto made = srv.handle(r, t0);
  REQUIRE(made.head.status == 201);
  CHECK(at(c.json(made), "/metadata/managedFields/0/manager") == "fop");
  // Still readable and deletable: nothing that is not UTF-8 was stored.
  CHECK(c.call("DELETE", cm_path + "/b").head.status == 200);
}

TEST_CASE("a YAML body that is not UTF-8 is rejected before anything is stored") {
  api_server srv;
  client c{srv};
  auto yaml = c.call("PATCH", cm_path + "/y?fieldManager=m", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: y}\ndata: {k\xad: v}\n",
                     "application/apply-patch+yaml");
  CHECK(yaml.head.status == 400);
  CHECK(c.call("GET", cm_path + "/y").head.status == 404);
}

TEST_CASE("workload tables have KAS's wide columns: containers, images and the Deployment's selector") {
  api_server srv;
  client c{srv};
  const char* table = "application/json;as=Table;v=v1;g=meta.k8s.io";
  c.call("POST", "/apis/apps/v1/namespaces/default/statefulsets", R"({"metadata":{"name":"db"},"spec":{
    "serviceName":"db","selector":{"matchLabels":{"app":"db"}},"template":{"metadata":{"labels":{"app":"db"}},
    "spec":{"containers":[{"name":"main","image":"postgres:16"},{"name":"sidecar","image":"busybox"}]}}}})");
  auto sts = c.json(c.call("GET", "/apis/apps/v1/namespaces/default/statefulsets", "", "", table));
  CHECK(at(sts, "/columnDefinitions/3/name") == "Containers");
  CHECK(at(sts, "/columnDefinitions/3/priority") == "1");
  CHECK(at(sts, "/rows/0/cells/3") == "main,sidecar");
  CHECK(at(sts, "/rows/0/cells/4") == "postgres:16,busybox");

  c.call("POST", "/apis/apps/v1/namespaces/default/deployments", R"({"metadata":{"name":"web"},"spec":{
    "selector":{"matchLabels":{"tier":"front","app":"web"},"matchExpressions":[{"key":"env","operator":"In","values":["a","b"]},
    {"key":"canary","operator":"DoesNotExist"}]},
    "template":{"metadata":{"labels":{"app":"web","tier":"front","env":"a"}},"spec":{"containers":[{"name":"nginx","image":"nginx:1"}]}}}})");
  auto deploy = c.json(c.call("GET", "/apis/apps/v1/namespaces/default/deployments", "", "", table));
  CHECK(at(deploy, "/columnDefinitions/7/name") == "Selector");
  CHECK(at(deploy, "/rows/0/cells/5") == "nginx");
  CHECK(at(deploy, "/rows/0/cells/6") == "nginx:1");
  CHECK(at(deploy, "/rows/0/cells/7") == "app=web,!canary,env in (a,b),tier=front");   // by key
}

TEST_CASE("a new cluster has the kubernetes Service, and every namespace a default ServiceAccount") {
  api_server srv;
  client c{srv};
  auto svc = c.json(c.call("GET", "/api/v1/namespaces/default/services/kubernetes"));
  CHECK(at(svc, "/spec/clusterIP") == "10.96.0.1");
  CHECK(at(svc, "/spec/ports/0/port") == "443");
  CHECK(at(svc, "/spec/ports/0/name") == "https");
  CHECK(at(svc, "/spec/type") == "ClusterIP");
  for (const char* ns : {"default", "kube-system", "kube-public", "kube-node-lease"})
    CHECK(c.call("GET", std::string("/api/v1/namespaces/") + ns + "/serviceaccounts/default").head.status == 200);
  REQUIRE(c.call("POST", "/api/v1/namespaces", R"({"metadata":{"name":"team"}})").head.status == 201);
  CHECK(c.call("GET", "/api/v1/namespaces/team/serviceaccounts/default").head.status == 200);
  // A dry run creates neither.
  REQUIRE(c.call("POST", "/api/v1/namespaces?dryRun=All", R"({"metadata":{"name":"dry"}})").head.status == 201);
  CHECK(c.call("GET", "/api/v1/namespaces/dry/serviceaccounts/default").head.status == 404);
  // The next Service gets another address.
  auto next = c.json(c.call("POST", "/api/v1/namespaces/default/services",
                            R"({"metadata":{"name":"web"},"spec":{"ports":[{"port":80}]}})"));
  CHECK(at(next, "/spec/clusterIP") != "10.96.0.1");
}
