// The same core kubectl scenario against the fake-apiserver binary with every installed kubectl version.
#include <habop/test_support/kubectl.hpp>

#include "e2e_common.hpp"

namespace {

using habop::e2e::cluster;

// apply (create, update), get (table, json, yaml, -l, --field-selector), label, annotate, patch (merge, json,
// strategic), describe, delete; all with kubectl's default validation (--validate=strict, which kubectl 1.27
// negotiates through /openapi/v2 as protobuf), including an unknown field rejected by the server.
void core_scenario(const cluster& c) {
  CHECK(c.ok({"apply", "-f", "-"}, habop::e2e::configmap_yaml).find("configmap/demo created") != std::string::npos);
  std::string updated = habop::e2e::configmap_yaml;
  updated.replace(updated.find("a: \"1\""), 6, "a: \"2\"");
  CHECK(c.ok({"apply", "-f", "-"}, updated).find("configmap/demo configured") != std::string::npos);
  CHECK(c.ok({"apply", "-f", "-"}, updated).find("configmap/demo unchanged") != std::string::npos);
  std::string unknown = updated + "bogus: 1\n";
  CHECK(c.fails({"apply", "-f", "-"}, unknown).find(R"(unknown field "bogus")") != std::string::npos);
  CHECK(c.ok({"get", "storageclass", "-o", "name"}) == "storageclass.storage.k8s.io/standard\n");

  auto cm = c.json({"get", "configmap", "demo"});
  CHECK(cm.at("data").at("a") == "2");
  CHECK(cm.at("metadata").at("annotations").as_object().contains("kubectl.kubernetes.io/last-applied-configuration"));

  std::string table = c.ok({"get", "cm"});
  CHECK(table.find("NAME") != std::string::npos);
  CHECK(table.find("demo") != std::string::npos);
  CHECK(c.ok({"get", "cm", "demo", "-o", "yaml"}).find("name: demo") != std::string::npos);
  CHECK(c.ok({"get", "cm", "-l", "app=demo,tier!=db", "-o", "name"}) == "configmap/demo\n");
  CHECK(c.ok({"get", "cm", "-l", "app=other", "-o", "name"}).empty());
  CHECK(c.ok({"get", "cm", "--field-selector", "metadata.name=demo", "-o", "name"}) == "configmap/demo\n");

  c.ok({"label", "cm", "demo", "stage=test"});
  c.ok({"annotate", "cm", "demo", "note=hello"});
  c.ok({"patch", "cm", "demo", "--type=merge", "-p", R"({"data":{"b":"merge"}})"});
  c.ok({"patch", "cm", "demo", "--type=json", "-p", R"([{"op":"add","path":"/data/c","value":"json"}])"});
  c.ok({"patch", "cm", "demo", "--type=strategic", "-p", R"({"data":{"d":"smp"}})"});
  cm = c.json({"get", "cm", "demo"});
  CHECK(cm.at("metadata").at("labels").at("stage") == "test");
  CHECK(cm.at("metadata").at("annotations").at("note") == "hello");
  CHECK(cm.at("data").at("b") == "merge");
  CHECK(cm.at("data").at("c") == "json");
  CHECK(cm.at("data").at("d") == "smp");

  CHECK(c.ok({"describe", "cm", "demo"}).find("Name:") != std::string::npos);
  CHECK(c.ok({"delete", "cm", "demo"}).find("deleted") != std::string::npos);
  CHECK(c.fails({"get", "cm", "demo"}).find("NotFound") != std::string::npos);
}

void run_for(const std::string& version) {
  auto c = habop::e2e::start_cluster(version);
  if (!c) return;
  core_scenario(*c);
}

}  // namespace

TEST_CASE("core kubectl scenario with kubectl 1.32", "[e2e][kubectl]") { run_for("1.32"); }
TEST_CASE("core kubectl scenario with kubectl 1.33", "[e2e][kubectl]") { run_for("1.33"); }
TEST_CASE("core kubectl scenario with kubectl 1.27", "[e2e][kubectl]") { run_for("1.27"); }
TEST_CASE("core kubectl scenario through the gcloud kubectl dispatcher", "[e2e][kubectl]") {
  auto path = habop::test::find_kubectl();
  auto version = path ? habop::test::run_process({*path, "version", "--client"}) : habop::test::process_result{};
  if (version.out.find("dispatcher") == std::string::npos) {
    WARN("SKIPPED: the kubectl in PATH is not the gcloud dispatcher (" << version.out << ")");
    return;
  }
  run_for("");
}

// kubectl 1.27 finds custom resources' PATCH operations in /openapi/v2 too (the document follows CRDs), so it leaves
// strict validation of their fields to the server.
TEST_CASE("kubectl 1.27 validates custom resources strictly through the server", "[e2e][kubectl]") {
  auto c = habop::e2e::start_cluster("1.27");
  if (!c) return;
  c->ok({"apply", "-f", "-"}, R"(apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {kind: Widget, plural: widgets}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec: {type: object, properties: {size: {type: integer}}}
)");
  const std::string widget = "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w, namespace: default}\n";
  CHECK(habop::e2e::eventually([&] { return c->kubectl.run({"get", "widgets"}).ok(); }));
  CHECK(c->fails({"apply", "-f", "-"}, widget + "spec: {size: 1, color: red}\n").find(R"(unknown field "spec.color")") !=
        std::string::npos);
  CHECK(c->ok({"apply", "-f", "-"}, widget + "spec: {size: 1}\n").find("widget.example.com/w created") != std::string::npos);
}
