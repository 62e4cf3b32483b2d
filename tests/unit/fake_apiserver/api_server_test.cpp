// Behaviour of the fake apiserver through its HTTP entry point: CRUD, metadata, errors, patches, discovery.
#include <habop/fake_apiserver/api_server.hpp>

#include <catch2/catch.hpp>

#include "test_client.hpp"

using namespace habop::fake;
using namespace habop::fake::test;

namespace {
const std::string cm_path = "/api/v1/namespaces/default/configmaps";
std::string cm(std::string name, std::string data = "1") {
  return R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":")" + name + R"("},"data":{"a":")" + data + R"("}})";
}
}  // namespace

TEST_CASE("version, health and unknown paths") {
  api_server srv;
  client c{srv};
  auto v = c.call("GET", "/version?timeout=5s");
  CHECK(v.head.status == 200);
  CHECK(at(c.json(v), "/minor") == "32");
  CHECK(c.call("GET", "/healthz").head.body == "ok");
  auto nf = c.call("GET", "/api/v1/namespaces/default/widgets");
  CHECK(nf.head.status == 404);
  CHECK(at(c.json(nf), "/message") == "the server could not find the requested resource");
  CHECK(c.call("GET", "/openapi/v1").head.status == 404);
  CHECK(c.call("POST", "/api/v1/namespaces/default/configmaps/x", cm("x")).head.status == 405);
}

TEST_CASE("create, get, conflict, not found and RV monotonic") {
  api_server srv;
  client c{srv};
  auto created = c.call("POST", cm_path + "?fieldManager=kubectl-create", cm("demo"));
  REQUIRE(created.head.status == 201);
  auto obj = c.json(created);
  CHECK_FALSE(obj.at("metadata").as_object().contains("generation"));   // ConfigMaps have none, as in KAS
  CHECK(at(obj, "/metadata/uid").size() == 36);
  CHECK(at(obj, "/metadata/creationTimestamp") == "2023-11-14T22:13:20Z");
  CHECK(at(obj, "/metadata/managedFields/0/manager") == "kubectl-create");
  auto dup = c.call("POST", cm_path, cm("demo"));
  CHECK(dup.head.status == 409);
  CHECK(at(c.json(dup), "/message") == "configmaps \"demo\" already exists");
  CHECK(at(c.json(dup), "/reason") == "AlreadyExists");
  auto missing = c.call("GET", cm_path + "/nope");
  CHECK(missing.head.status == 404);
  CHECK(at(c.json(missing), "/message") == "configmaps \"nope\" not found");
  CHECK(at(c.json(missing), "/details/kind") == "configmaps");
  auto rv1 = std::stoull(at(obj, "/metadata/resourceVersion"));
  auto second = c.json(c.call("POST", cm_path, cm("other")));
  CHECK(std::stoull(at(second, "/metadata/resourceVersion")) > rv1);
  // Stale RV on PUT.
  std::string stale = R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"demo","resourceVersion":"1"},"data":{"a":"2"}})";
  auto conflict = c.call("PUT", cm_path + "/demo", stale);
  CHECK(conflict.head.status == 409);
  CHECK(at(c.json(conflict), "/reason") == "Conflict");
}

TEST_CASE("no-op update keeps RV and generation; spec change bumps generation") {
  api_server srv;
  client c{srv};
  const std::string deploys = "/apis/apps/v1/namespaces/default/deployments";
  auto deploy = [](std::string_view image) {
    return R"({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"g"},"spec":{"selector":{"matchLabels":)"
           R"({"a":"b"}},"template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":")" +
           std::string(image) + R"("}]}}}})";
  };
  auto obj = c.json(c.call("POST", deploys, deploy("i:1")));
  CHECK(at(obj, "/metadata/generation") == "1");
  auto rv = at(obj, "/metadata/resourceVersion");
  auto same = c.json(c.call("PUT", deploys + "/g", deploy("i:1")));
  CHECK(at(same, "/metadata/resourceVersion") == rv);
  auto changed = c.json(c.call("PUT", deploys + "/g", deploy("i:2")));
  CHECK(at(changed, "/metadata/resourceVersion") != rv);
  CHECK(at(changed, "/metadata/generation") == "2");
  auto label = c.json(c.call("PATCH", deploys + "/g", R"({"metadata":{"labels":{"x":"y"}}})", "application/merge-patch+json"));
  CHECK(at(label, "/metadata/generation") == "2");
  CHECK(at(label, "/metadata/labels/x") == "y");
  // Kinds without a generation never get one, whatever the client sends.
  CHECK_FALSE(c.json(c.call("POST", cm_path, R"({"metadata":{"name":"h","generation":5}})"))
                  .at("metadata").as_object().contains("generation"));
}

TEST_CASE("bad input gives Status codes") {
  server_options o;
  o.max_body_bytes = 100;
  api_server srv(o);
  client c{srv};
  CHECK(c.call("POST", cm_path, "{not json").head.status == 400);
  CHECK(c.call("POST", cm_path, cm("x"), "text/plain").head.status == 415);
  CHECK(c.call("POST", cm_path, std::string(200, ' ')).head.status == 413);
  auto bad = c.call("POST", cm_path, cm("Bad_Name"));
  CHECK(bad.head.status == 422);
  CHECK(at(c.json(bad), "/details/causes/0/field") == "metadata.name");
  CHECK(c.call("POST", "/api/v1/namespaces/nope/configmaps", cm("x")).head.status == 404);
  CHECK(c.call("PUT", cm_path + "/y", cm("x")).head.status == 400);
  CHECK(c.call("GET", cm_path + "?labelSelector=a%20in%20(", "").head.status == 400);
  auto fs = c.call("GET", cm_path + "?fieldSelector=spec.foo%3Dx");
  CHECK(fs.head.status == 400);
  CHECK(at(c.json(fs), "/message") == "field label not supported: spec.foo");
}

TEST_CASE("names are DNS subdomains, Service names DNS-1035 labels, as kube-apiserver validates them") {
  api_server srv;
  client c{srv};
  CHECK(c.call("POST", cm_path, cm("9.lives")).head.status == 201);
  const auto service = [](const std::string& name) {
    return R"({"apiVersion":"v1","kind":"Service","metadata":{"name":")" + name + R"("},)" +
           R"("spec":{"ports":[{"port":80}]}})";
  };
  const std::string svc_path = "/api/v1/namespaces/default/services";
  CHECK(c.call("POST", svc_path, service("web-9")).head.status == 201);
  for (const char* name : {"9lives", "a.b"}) {
    auto bad = c.call("POST", svc_path, service(name));
    CHECK(bad.head.status == 422);
    CHECK(at(c.json(bad), "/message").find("a DNS-1035 label must consist of") != std::string::npos);
  }
}

TEST_CASE("volumeMounts must name a volume of the pod; StatefulSet templates are left to their pods") {
  api_server srv;
  client c{srv};
  const std::string pod_spec = R"({"containers":[{"name":"c","image":"i","volumeMounts":[{"name":"data",)"
                               R"("mountPath":"/data"},{"name":"cfg","mountPath":"/cfg"}]}],)"
                               R"("volumes":[{"name":"cfg","emptyDir":{}}]})";
  auto pod = c.call("POST", "/api/v1/namespaces/default/pods",
                    R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":)" + pod_spec + "}");
  REQUIRE(pod.head.status == 422);
  CHECK(at(c.json(pod), "/message") ==
        R"(Pod "p" is invalid: spec.containers[0].volumeMounts[0].name: Not found: "data")");
  const std::string labels = R"({"matchLabels":{"a":"b"}})";
  const std::string template_ = R"({"metadata":{"labels":{"a":"b"}},"spec":)" + pod_spec + "}";
  auto deployment = c.call("POST", "/apis/apps/v1/namespaces/default/deployments",
                           R"({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},)"
                           R"("spec":{"selector":)" + labels + R"(,"template":)" + template_ + "}}");
  REQUIRE(deployment.head.status == 422);
  CHECK(at(c.json(deployment), "/details/causes/0/field") == "spec.template.spec.containers[0].volumeMounts[0].name");
  auto sts = c.call("POST", "/apis/apps/v1/namespaces/default/statefulsets",
                    R"({"apiVersion":"apps/v1","kind":"StatefulSet","metadata":{"name":"s"},)"
                    R"("spec":{"serviceName":"s","selector":)" + labels + R"(,"template":)" + template_ + "}}");
  CHECK(sts.head.status == 201);
}

TEST_CASE("label and field selectors and paging") {
  api_server srv;
  client c{srv};
  for (int i = 0; i < 5; ++i) {
    std::string b = R"({"metadata":{"name":"c)" + std::to_string(i) + R"(","labels":{"n":")" + std::to_string(i) +
                    R"(","app":"demo"}}})";
    REQUIRE(c.call("POST", cm_path, b).head.status == 201);
  }
  auto items = [&](std::string q) { return c.json(c.call("GET", cm_path + q)).at("items").as_array().size(); };
  CHECK(items("?labelSelector=app%3Ddemo") == 5);
  CHECK(items("?labelSelector=n%20in%20(1,2)") == 2);
  CHECK(items("?labelSelector=n%20notin%20(1,2)") == 3);
  CHECK(items("?labelSelector=n%3E2") == 2);
  CHECK(items("?labelSelector=!app") == 0);
  CHECK(items("?labelSelector=app,n!%3D0") == 4);
  CHECK(items("?fieldSelector=metadata.name%3Dc3") == 1);
  auto page = c.json(c.call("GET", cm_path + "?limit=2"));
  CHECK(page.at("items").as_array().size() == 2);
  auto token = at(page, "/metadata/continue");
  REQUIRE(!token.empty());
  CHECK(at(page, "/metadata/remainingItemCount") == "3");
  auto page2 = c.json(c.call("GET", cm_path + "?limit=2&continue=" + token));
  CHECK(at(page2, "/items/0/metadata/name") == "c2");
  CHECK(at(page2, "/metadata/resourceVersion") == at(page, "/metadata/resourceVersion"));
  CHECK(c.call("GET", cm_path + "?limit=2&resourceVersion=5&continue=" + token).head.status == 400);
  c.call("POST", cm_path, cm("later"));
  srv.compact_history();
  CHECK(c.call("GET", cm_path + "?limit=2&continue=" + token).head.status == 410);
}

TEST_CASE("patches: merge, json, strategic, and 415 for SMP on custom resources") {
  api_server srv;
  client c{srv};
  c.call("POST", cm_path, cm("p"));
  auto jp = c.call("PATCH", cm_path + "/p",
                   R"([{"op":"test","path":"/data/a","value":"1"},{"op":"add","path":"/data/b~1c","value":"2"},{"op":"copy","from":"/data/a","path":"/data/d"},{"op":"move","from":"/data/d","path":"/data/e"}])",
                   "application/json-patch+json");
  REQUIRE(jp.head.status == 200);
  CHECK(at(c.json(jp), "/data/b~1c") == "2");
  CHECK(at(c.json(jp), "/data/e") == "1");
  CHECK(at(c.json(jp), "/data/d").empty());
  CHECK(c.call("PATCH", cm_path + "/p", R"([{"op":"test","path":"/data/a","value":"9"}])", "application/json-patch+json").head.status == 422);
  CHECK(c.call("PATCH", cm_path + "/p", R"({"metadata":{"resourceVersion":"1"}})", "application/merge-patch+json").head.status == 409);
  CHECK(c.call("PATCH", cm_path + "/p", "{}", "text/plain").head.status == 415);

  std::string sts = R"({"apiVersion":"apps/v1","kind":"StatefulSet","metadata":{"name":"s"},"spec":{"replicas":1,"selector":{"matchLabels":{"a":"b"}},"serviceName":"s","template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"one","image":"i1","env":[{"name":"A","value":"1"}]},{"name":"two","image":"i2"}]}}}})";
  REQUIRE(c.call("POST", "/apis/apps/v1/namespaces/default/statefulsets", sts).head.status == 201);
  auto smp = c.call("PATCH", "/apis/apps/v1/namespaces/default/statefulsets/s",
                    R"({"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"one"},{"name":"two"}],"containers":[{"name":"two","image":"i3"},{"name":"one","env":[{"name":"B","value":"2"}]}]}}}})",
                    "application/strategic-merge-patch+json");
  REQUIRE(smp.head.status == 200);
  auto o = c.json(smp);
  CHECK(at(o, "/spec/template/spec/containers/0/image") == "i1");
  CHECK(at(o, "/spec/template/spec/containers/0/env/1/name") == "B");
  CHECK(at(o, "/spec/template/spec/containers/1/image") == "i3");
  auto del = c.json(c.call("PATCH", "/apis/apps/v1/namespaces/default/statefulsets/s",
                           R"({"spec":{"template":{"spec":{"containers":[{"name":"two","$patch":"delete"}]}}}})",
                           "application/strategic-merge-patch+json"));
  CHECK(del.at("spec").at("template").at("spec").at("containers").as_array().size() == 1);
  auto imm = c.call("PATCH", "/apis/apps/v1/namespaces/default/statefulsets/s", R"({"spec":{"serviceName":"x"}})",
                    "application/merge-patch+json");
  CHECK(imm.head.status == 422);
}

TEST_CASE("server-side apply: create, conflicts, force, removal of dropped fields") {
  api_server srv;
  client c{srv};
  std::string a1 = R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"ssa"},"data":{"a":"1","b":"2"}})";
  CHECK(c.call("PATCH", cm_path + "/ssa", a1, "application/apply-patch+yaml").head.status == 422);   // no manager
  auto created = c.call("PATCH", cm_path + "/ssa?fieldManager=alice", a1, "application/apply-patch+yaml");
  REQUIRE(created.head.status == 201);
  std::string b1 = R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"ssa"},"data":{"a":"9"}})";
  auto conflict = c.call("PATCH", cm_path + "/ssa?fieldManager=bob", b1, "application/apply-patch+yaml");
  REQUIRE(conflict.head.status == 409);
  CHECK(at(c.json(conflict), "/message") == "Apply failed with 1 conflict: conflict with \"alice\" using v1: .data.a");
  CHECK(at(c.json(conflict), "/details/causes/0/reason") == "FieldManagerConflict");
  auto forced = c.call("PATCH", cm_path + "/ssa?fieldManager=bob&force=true", b1, "application/apply-patch+yaml");
  REQUIRE(forced.head.status == 200);
  CHECK(at(c.json(forced), "/data/a") == "9");
  // alice drops b → removed; a now belongs to bob and stays.
  std::string a2 = R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"ssa"},"data":{}})";
  auto dropped = c.json(c.call("PATCH", cm_path + "/ssa?fieldManager=alice", a2, "application/apply-patch+yaml"));
  CHECK(at(dropped, "/data/b").empty());
  CHECK(at(dropped, "/data/a") == "9");
}

TEST_CASE("discovery negotiation and shortNames") {
  api_server srv;
  client c{srv};
  const std::string kubectl_accept =
      "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";
  auto agg = c.call("GET", "/apis", "", "", kubectl_accept);
  CHECK(c.header(agg, "Content-Type") == "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList");
  auto v2beta1 = c.call("GET", "/api", "", "", "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList");
  CHECK(at(c.json(v2beta1), "/apiVersion") == "apidiscovery.k8s.io/v2beta1");
  auto legacy = c.json(c.call("GET", "/api", "", "", "application/json, */*"));
  CHECK(at(legacy, "/kind") == "APIVersions");
  auto core = c.json(c.call("GET", "/api/v1"));
  bool cm_short = false, pod_status = false;
  for (const auto& r : core.at("resources").as_array()) {
    if (r.at("name") == "configmaps") cm_short = r.at("shortNames").as_array()[0] == "cm";
    if (r.at("name") == "pods/status") pod_status = true;
  }
  CHECK(cm_short);
  CHECK(pod_status);
  auto idx = c.json(c.call("GET", "/openapi/v3"));
  auto url = at(idx, "/paths/api~1v1/serverRelativeURL");
  REQUIRE(!url.empty());
  auto doc = c.call("GET", url);
  CHECK(doc.head.status == 200);
  CHECK(doc.head.body.find("fieldValidation") != std::string::npos);
}

TEST_CASE("tables for built-ins") {
  api_server srv;
  client c{srv};
  c.call("POST", cm_path, cm("t"));
  c.now = habop::instant{t0.unix_micros + 310'000'000};
  auto t = c.call("GET", cm_path, "", "", "application/json;as=Table;v=v1;g=meta.k8s.io,application/json");
  CHECK(c.header(t, "Content-Type") == "application/json;as=Table;v=v1;g=meta.k8s.io");
  auto o = c.json(t);
  CHECK(at(o, "/columnDefinitions/1/name") == "Data");
  CHECK(at(o, "/rows/0/cells/0") == "t");
  CHECK(at(o, "/rows/0/cells/1") == "1");
  CHECK(at(o, "/rows/0/cells/2") == "5m10s");
  CHECK(at(o, "/rows/0/object/kind") == "PartialObjectMetadata");
}

TEST_CASE("protobuf ConfigMap body") {
  api_server srv;
  client c{srv};
  // k8s\0 + Unknown{typeMeta{v1, ConfigMap}, raw ConfigMap{metadata{name c1}, data{a: b}}}
  std::string meta = std::string("\x0a\x02" "c1", 4);
  std::string entry = std::string("\x0a\x01" "a" "\x12\x01" "b", 6);
  std::string raw = "\x0a" + std::string(1, char(meta.size())) + meta + "\x12" + std::string(1, char(entry.size())) + entry;
  std::string tm = std::string("\x0a\x02" "v1" "\x12\x09" "ConfigMap", 15);
  std::string body = std::string("k8s\0", 4) + "\x0a" + std::string(1, char(tm.size())) + tm + "\x12" +
                     std::string(1, char(raw.size())) + raw;
  auto r = c.call("POST", cm_path + "?fieldManager=kubectl-create", body, "application/vnd.kubernetes.protobuf");
  REQUIRE(r.head.status == 201);
  CHECK(at(c.json(r), "/data/a") == "b");
  CHECK(c.call("POST", "/api/v1/namespaces/default/pods", body, "application/vnd.kubernetes.protobuf").head.status == 415);
}
