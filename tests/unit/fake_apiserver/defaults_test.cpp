// kube-apiserver's defaulting of built-in kinds: on create, PUT and every patch type, never over a client's value.
#include <habop/fake_apiserver/api_server.hpp>

#include <catch2/catch.hpp>

#include "test_client.hpp"

using namespace habop::fake;
using namespace habop::fake::test;

namespace {
const std::string sts = "/apis/apps/v1/namespaces/default/statefulsets";
const std::string sts_body = R"({"apiVersion":"apps/v1","kind":"StatefulSet","metadata":{"name":"web"},
  "spec":{"serviceName":"web","selector":{"matchLabels":{"app":"web"}},
  "template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"c","image":"nginx:1",
    "ports":[{"containerPort":80}],"env":[{"name":"N","valueFrom":{"fieldRef":{"fieldPath":"metadata.name"}}}],
    "readinessProbe":{"httpGet":{"port":80}}}],
    "volumes":[{"name":"cfg","configMap":{"name":"cfg"}},{"name":"scratch"}]}},
  "volumeClaimTemplates":[{"metadata":{"name":"data"},"spec":{"accessModes":["ReadWriteOnce"],
    "resources":{"requests":{"storage":"1Gi"}}}}]}})";

boost::json::object get(client& c, const std::string& path) {
  auto h = c.call("GET", path);
  REQUIRE(h.head.status == 200);
  return c.json(h);
}

// The StatefulSet defaults KAS 1.27+ gives `sts_body` (pod template defaults are checked separately).
void check_stateful_set_defaults(const boost::json::object& o) {
  CHECK(at(o, "/spec/replicas") == "1");
  CHECK(at(o, "/spec/podManagementPolicy") == "OrderedReady");
  CHECK(at(o, "/spec/updateStrategy/type") == "RollingUpdate");
  CHECK(at(o, "/spec/updateStrategy/rollingUpdate/partition") == "0");
  CHECK(at(o, "/spec/revisionHistoryLimit") == "10");
  CHECK(at(o, "/spec/persistentVolumeClaimRetentionPolicy/whenDeleted") == "Retain");
  CHECK(at(o, "/spec/persistentVolumeClaimRetentionPolicy/whenScaled") == "Retain");
  CHECK(at(o, "/spec/volumeClaimTemplates/0/spec/volumeMode") == "Filesystem");
  CHECK(at(o, "/spec/volumeClaimTemplates/0/status/phase") == "Pending");
  CHECK(at(o, "/spec/volumeClaimTemplates/0/kind") == "PersistentVolumeClaim");
}
}  // namespace

TEST_CASE("a StatefulSet created without defaults gets kube-apiserver's, its pod template too") {
  api_server srv;
  client c{srv};
  auto created = c.call("POST", sts, sts_body);
  REQUIRE(created.head.status == 201);
  check_stateful_set_defaults(c.json(created));
  const auto o = get(c, sts + "/web");
  check_stateful_set_defaults(o);
  CHECK(at(o, "/spec/template/spec/restartPolicy") == "Always");
  CHECK(at(o, "/spec/template/spec/terminationGracePeriodSeconds") == "30");
  CHECK(at(o, "/spec/template/spec/dnsPolicy") == "ClusterFirst");
  CHECK(at(o, "/spec/template/spec/schedulerName") == "default-scheduler");
  CHECK(at(o, "/spec/template/spec/securityContext") == "{}");
  CHECK(at(o, "/spec/template/spec/enableServiceLinks").empty());   // a Pod's default, not a template's
  const std::string ctr = "/spec/template/spec/containers/0";
  CHECK(at(o, ctr + "/terminationMessagePath") == "/dev/termination-log");
  CHECK(at(o, ctr + "/terminationMessagePolicy") == "File");
  CHECK(at(o, ctr + "/imagePullPolicy") == "IfNotPresent");
  CHECK(at(o, ctr + "/ports/0/protocol") == "TCP");
  CHECK(at(o, ctr + "/env/0/valueFrom/fieldRef/apiVersion") == "v1");
  CHECK(at(o, ctr + "/readinessProbe/httpGet/path") == "/");
  CHECK(at(o, ctr + "/readinessProbe/httpGet/scheme") == "HTTP");
  CHECK(at(o, ctr + "/readinessProbe/periodSeconds") == "10");
  CHECK(at(o, ctr + "/readinessProbe/failureThreshold") == "3");
  CHECK(at(o, "/spec/template/spec/volumes/0/configMap/defaultMode") == "420");
  CHECK(at(o, "/spec/template/spec/volumes/1/emptyDir") == "{}");
}

TEST_CASE("defaulting never replaces what the client set") {
  api_server srv;
  client c{srv};
  std::string body = sts_body;
  body.replace(body.find(R"("serviceName")"), 0,
               R"("replicas":3,"podManagementPolicy":"Parallel","updateStrategy":{"type":"OnDelete"},)"
               R"("revisionHistoryLimit":2,"persistentVolumeClaimRetentionPolicy":{"whenDeleted":"Delete"},)");
  body.replace(body.find(R"("image":"nginx:1")"), 0, R"("imagePullPolicy":"Never",)");
  REQUIRE(c.call("POST", sts, body).head.status == 201);
  const auto o = get(c, sts + "/web");
  CHECK(at(o, "/spec/replicas") == "3");
  CHECK(at(o, "/spec/podManagementPolicy") == "Parallel");
  CHECK(at(o, "/spec/updateStrategy") == R"({"type":"OnDelete"})");   // no rollingUpdate with OnDelete
  CHECK(at(o, "/spec/revisionHistoryLimit") == "2");
  CHECK(at(o, "/spec/persistentVolumeClaimRetentionPolicy/whenDeleted") == "Delete");
  CHECK(at(o, "/spec/persistentVolumeClaimRetentionPolicy/whenScaled") == "Retain");
  CHECK(at(o, "/spec/template/spec/containers/0/imagePullPolicy") == "Never");

  // `type: RollingUpdate` alone stays without a rollingUpdate block, as in KAS.
  auto patched = c.call("PATCH", sts + "/web", R"({"spec":{"updateStrategy":{"type":"RollingUpdate"}}})",
                        "application/merge-patch+json");
  REQUIRE(patched.head.status == 200);
  CHECK(at(c.json(patched), "/spec/updateStrategy") == R"({"type":"RollingUpdate"})");
}

TEST_CASE("defaults come back after PUT and every patch type, and a write that only drops them is a no-op") {
  api_server srv;
  client c{srv};
  REQUIRE(c.call("POST", sts, sts_body).head.status == 201);
  std::string rv = at(get(c, sts + "/web"), "/metadata/resourceVersion");
  auto same_rv = [&](const handled& h) {
    INFO(h.head.body);
    REQUIRE(h.head.status == 200);
    const auto o = c.json(h);
    check_stateful_set_defaults(o);
    CHECK(at(o, "/spec/template/spec/dnsPolicy") == "ClusterFirst");
    CHECK(at(o, "/metadata/resourceVersion") == rv);
    CHECK(at(o, "/metadata/generation") == "1");
  };
  // PUT of the body as first sent (no defaults, no status).
  std::string put = sts_body;
  put.replace(put.find(R"("name":"web"})"), 0, R"("resourceVersion":")" + rv + R"(",)");
  same_rv(c.call("PUT", sts + "/web", put));
  same_rv(c.call("PATCH", sts + "/web", R"({"spec":{"podManagementPolicy":null,"revisionHistoryLimit":null}})",
                 "application/merge-patch+json"));
  same_rv(c.call("PATCH", sts + "/web", R"({"spec":{"template":{"spec":{"dnsPolicy":null,"securityContext":null}}}})",
                 "application/strategic-merge-patch+json"));
  same_rv(c.call("PATCH", sts + "/web",
                 R"([{"op":"remove","path":"/spec/updateStrategy"},{"op":"remove","path":"/spec/replicas"}])",
                 "application/json-patch+json"));
  // An apply of the same values makes `tester` a co-owner, a write (KAS records the new manager); the same apply
  // again changes nothing.
  const std::string apply = sts + "/web?fieldManager=tester&force=true";
  auto first_apply = c.call("PATCH", apply, sts_body, "application/apply-patch+yaml");
  REQUIRE(first_apply.head.status == 200);
  CHECK(at(c.json(first_apply), "/metadata/resourceVersion") != rv);
  rv = at(c.json(first_apply), "/metadata/resourceVersion");
  same_rv(c.call("PATCH", apply, sts_body, "application/apply-patch+yaml"));

  // A real change keeps the defaults and bumps the generation once.
  auto changed = c.call("PATCH", sts + "/web", R"({"spec":{"replicas":2,"podManagementPolicy":null}})",
                        "application/merge-patch+json");
  REQUIRE(changed.head.status == 200);
  CHECK(at(c.json(changed), "/spec/podManagementPolicy") == "OrderedReady");
  CHECK(at(c.json(changed), "/metadata/generation") == "2");
}

TEST_CASE("watch events carry the defaulted object") {
  api_server srv;
  client c{srv};
  auto w = c.call("GET", sts + "?watch=true");
  REQUIRE(w.watch);
  REQUIRE(c.call("POST", sts, sts_body).head.status == 201);
  std::vector<std::string> lines;
  w.watch->poll(lines, c.now);
  REQUIRE(lines.size() == 1);
  auto event = habop::json::parse_json(lines[0]);
  REQUIRE(event);
  check_stateful_set_defaults(event->at("object").as_object());
}

TEST_CASE("Deployment and Pod defaults, imagePullPolicy from the image reference") {
  api_server srv;
  client c{srv};
  auto dep = c.call("POST", "/apis/apps/v1/namespaces/default/deployments",
                    R"({"metadata":{"name":"d"},"spec":{"selector":{"matchLabels":{"a":"b"}},
                        "template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"x"}]}}}})");
  REQUIRE(dep.head.status == 201);
  const auto d = c.json(dep);
  CHECK(at(d, "/spec/replicas") == "1");
  CHECK(at(d, "/spec/strategy") == R"({"type":"RollingUpdate","rollingUpdate":{"maxUnavailable":"25%","maxSurge":"25%"}})");
  CHECK(at(d, "/spec/revisionHistoryLimit") == "10");
  CHECK(at(d, "/spec/progressDeadlineSeconds") == "600");
  CHECK(at(d, "/spec/template/spec/containers/0/imagePullPolicy") == "Always");

  auto pod = c.call("POST", "/api/v1/namespaces/default/pods",
                    R"({"metadata":{"name":"p"},"spec":{"hostNetwork":true,"containers":[
                        {"name":"a","image":"nginx:latest","ports":[{"containerPort":8080}],
                         "resources":{"limits":{"cpu":"1"}}},
                        {"name":"b","image":"registry.local:5000/team/app:1.2"},
                        {"name":"c","image":"nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"},
                        {"name":"d","image":"registry.local:5000/team/app"},
                        {"name":"e","image":"Library/nginx"}],
                        "volumes":[{"name":"s","secret":{"secretName":"s","defaultMode":256}}]}})");
  REQUIRE(pod.head.status == 201);
  const auto p = c.json(pod);
  CHECK(at(p, "/spec/containers/0/imagePullPolicy") == "Always");
  CHECK(at(p, "/spec/containers/1/imagePullPolicy") == "IfNotPresent");
  CHECK(at(p, "/spec/containers/2/imagePullPolicy") == "IfNotPresent");
  CHECK(at(p, "/spec/containers/3/imagePullPolicy") == "Always");
  CHECK(at(p, "/spec/containers/4/imagePullPolicy") == "IfNotPresent");   // unparsable for KAS: no tag
  CHECK(at(p, "/spec/containers/0/ports/0/hostPort") == "8080");   // hostNetwork pods only
  CHECK(at(p, "/spec/containers/0/resources/requests/cpu") == "1");
  CHECK(at(p, "/spec/enableServiceLinks") == "true");
  CHECK(at(p, "/spec/volumes/0/secret/defaultMode") == "256");
  CHECK(at(p, "/spec/restartPolicy") == "Always");
}

TEST_CASE("Service defaults, and a PUT without the allocated cluster IP keeps it") {
  api_server srv;
  client c{srv};
  const std::string svcs = "/api/v1/namespaces/default/services";
  const std::string body = R"({"metadata":{"name":"s"},"spec":{"selector":{"a":"b"},"ports":[{"port":80}]}})";
  auto created = c.call("POST", svcs, body);
  REQUIRE(created.head.status == 201);
  const auto s = c.json(created);
  CHECK(at(s, "/spec/type") == "ClusterIP");
  CHECK(at(s, "/spec/sessionAffinity") == "None");
  CHECK(at(s, "/spec/ports/0/protocol") == "TCP");
  CHECK(at(s, "/spec/ports/0/targetPort") == "80");
  CHECK(at(s, "/spec/internalTrafficPolicy") == "Cluster");
  CHECK(at(s, "/spec/ipFamilies") == R"(["IPv4"])");
  CHECK(at(s, "/spec/ipFamilyPolicy") == "SingleStack");
  const std::string ip = at(s, "/spec/clusterIP");
  REQUIRE_FALSE(ip.empty());

  auto put = c.call("PUT", svcs + "/s", body);
  REQUIRE(put.head.status == 200);
  CHECK(at(c.json(put), "/spec/clusterIP") == ip);
  CHECK(at(c.json(put), "/metadata/resourceVersion") == at(s, "/metadata/resourceVersion"));   // nothing changed

  auto headless = c.call("POST", svcs, R"({"metadata":{"name":"h"},"spec":{"clusterIP":"None"}})");
  REQUIRE(headless.head.status == 201);
  CHECK(at(c.json(headless), "/spec/ipFamilyPolicy") == "RequireDualStack");   // headless without a selector
  auto ext = c.call("POST", svcs, R"({"metadata":{"name":"e"},"spec":{"type":"ExternalName","externalName":"x.org"}})");
  REQUIRE(ext.head.status == 201);
  CHECK(at(c.json(ext), "/spec/ipFamilies").empty());
  CHECK(at(c.json(ext), "/spec/internalTrafficPolicy").empty());
}

TEST_CASE("PersistentVolumeClaims: volumeMode defaulted, kube-apiserver 1.29+ table columns") {
  api_server srv;
  client c{srv};
  const std::string pvcs = "/api/v1/namespaces/default/persistentvolumeclaims";
  auto created = c.call("POST", pvcs, R"({"metadata":{"name":"data"},"spec":{"accessModes":["ReadWriteOnce"],
      "storageClassName":"standard","resources":{"requests":{"storage":"1Gi"}}}})");
  REQUIRE(created.head.status == 201);
  CHECK(at(c.json(created), "/spec/volumeMode") == "Filesystem");
  auto table = c.json(c.call("GET", pvcs, "", "", "application/json;as=Table;v=v1;g=meta.k8s.io"));
  std::vector<std::string> names;
  for (const auto& col : table.at("columnDefinitions").as_array()) names.emplace_back(col.at("name").as_string());
  CHECK(names == std::vector<std::string>{"Name", "Status", "Volume", "Capacity", "Access Modes", "StorageClass",
                                          "VolumeAttributesClass", "Age", "VolumeMode"});
  const auto& cells = table.at("rows").as_array().at(0).at("cells").as_array();
  REQUIRE(cells.size() == 9);
  CHECK(cells[0] == "data");
  CHECK(cells[1] == "Pending");
  CHECK(cells[3] == "");   // capacity only once bound to a volume
  CHECK(cells[5] == "standard");
  CHECK(cells[6] == "<unset>");
  CHECK(cells[8] == "Filesystem");
}

TEST_CASE("quantities are stored in canonical form, as apimachinery re-serialises them") {
  api_server srv;
  client c{srv};
  std::string body = sts_body;
  const std::string container = R"("name":"c","image":"nginx:1",)";
  REQUIRE(body.find(container) != std::string::npos);
  body.replace(body.find(container), container.size(),
               container + R"("resources":{"limits":{"memory":"1024Mi","cpu":"0.5"},"requests":{"cpu":2}},)");
  const std::string storage = R"("storage":"1Gi")";
  body.replace(body.find(storage), storage.size(), R"("storage":"1.5Gi")");
  auto created = c.call("POST", sts, body);
  REQUIRE(created.head.status == 201);
  const auto o = c.json(created);
  CHECK(at(o, "/spec/template/spec/containers/0/resources/limits/memory") == "1Gi");
  CHECK(at(o, "/spec/template/spec/containers/0/resources/limits/cpu") == "500m");
  CHECK(at(o, "/spec/template/spec/containers/0/resources/requests/cpu") == "2");
  CHECK(at(o, "/spec/volumeClaimTemplates/0/spec/resources/requests/storage") == "1536Mi");

  const std::string pvcs = "/api/v1/namespaces/default/persistentvolumeclaims";
  auto claim = c.call("POST", pvcs, R"({"metadata":{"name":"data"},"spec":{"accessModes":["ReadWriteOnce"],
      "resources":{"requests":{"storage":"2048Mi"}}}})");
  REQUIRE(claim.head.status == 201);
  CHECK(at(c.json(claim), "/spec/resources/requests/storage") == "2Gi");
  auto volume = c.call("POST", "/api/v1/persistentvolumes", R"({"metadata":{"name":"pv1"},"spec":{
      "capacity":{"storage":"1000M"},"accessModes":["ReadWriteOnce"],"hostPath":{"path":"/tmp/pv1"}}})");
  REQUIRE(volume.head.status == 201);
  CHECK(at(c.json(volume), "/spec/capacity/storage") == "1G");
}
