// kube-apiserver's defaulting as real kubectl sees it: `rollout status` on a StatefulSet applied without an
// updateStrategy, the defaults in `-o jsonpath`, and `kubectl get pvc` with the server's columns.
#include <sstream>

#include "e2e_common.hpp"

namespace {

// No updateStrategy, podManagementPolicy or revisionHistoryLimit: the server fills them in.
const char* db_yaml = R"(apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: default}
spec:
  replicas: 2
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: main, image: "postgres:16", ports: [{containerPort: 5432}]}]}
  volumeClaimTemplates:
  - metadata: {name: data}
    spec:
      accessModes: [ReadWriteOnce]
      storageClassName: standard
      resources: {requests: {storage: 1Gi}}
)";

std::vector<std::string> words(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

}  // namespace

TEST_CASE("kubectl rollout status works on a StatefulSet applied without updateStrategy", "[e2e][kubectl][defaults]") {
  auto c = habop::e2e::start_cluster("1.32", {"--simulate-workloads"});
  if (!c) return;
  c->ok({"apply", "-f", "-"}, db_yaml);
  // Without the server's default rollingUpdate strategy kubectl refuses: "rollout status is only available for
  // RollingUpdate strategy type".
  const std::string status = c->ok({"rollout", "status", "statefulset/db", "--timeout=30s"});
  CHECK(status.find("roll out complete") != std::string::npos);
  CHECK(c->ok({"get", "statefulset", "db", "-o", "jsonpath={.status.readyReplicas}"}) == "2");

  const std::string defaults = c->ok(
      {"get", "statefulset", "db", "-o",
       "jsonpath={.spec.updateStrategy.type} {.spec.updateStrategy.rollingUpdate.partition} "
       "{.spec.podManagementPolicy} {.spec.revisionHistoryLimit} "
       "{.spec.persistentVolumeClaimRetentionPolicy.whenDeleted} {.spec.persistentVolumeClaimRetentionPolicy.whenScaled} "
       "{.spec.volumeClaimTemplates[0].spec.volumeMode} {.spec.template.spec.restartPolicy} "
       "{.spec.template.spec.terminationGracePeriodSeconds} {.spec.template.spec.dnsPolicy} "
       "{.spec.template.spec.schedulerName} {.spec.template.spec.containers[0].imagePullPolicy} "
       "{.spec.template.spec.containers[0].terminationMessagePath} {.spec.template.spec.containers[0].ports[0].protocol}"});
  CHECK(defaults == "RollingUpdate 0 OrderedReady 10 Retain Retain Filesystem Always 30 ClusterFirst "
                    "default-scheduler IfNotPresent /dev/termination-log TCP");

  // Re-applying the same manifest writes nothing. (kubectl still says "configured", as against a real server:
  // its patch replaces the merge-key-less volumeClaimTemplates list, which the server's defaults make different.)
  const std::string rv = c->ok({"get", "statefulset", "db", "-o", "jsonpath={.metadata.resourceVersion}"});
  c->ok({"apply", "-f", "-"}, db_yaml);
  CHECK(c->ok({"get", "statefulset", "db", "-o", "jsonpath={.metadata.resourceVersion}"}) == rv);

  // Scaling goes through the scale subresource and rolls out again.
  c->ok({"scale", "statefulset", "db", "--replicas=3"});
  CHECK(c->ok({"rollout", "status", "statefulset/db", "--timeout=30s"}).find("roll out complete") != std::string::npos);
  CHECK(c->ok({"get", "statefulset", "db", "-o", "jsonpath={.status.readyReplicas}"}) == "3");
}

TEST_CASE("kubectl get pvc prints kube-apiserver 1.29+'s columns, and get statefulset -o wide its containers and images", "[e2e][kubectl][defaults]") {
  auto c = habop::e2e::start_cluster("1.32", {"--simulate-workloads"});
  if (!c) return;
  c->ok({"apply", "-f", "-"}, db_yaml);
  REQUIRE(habop::e2e::eventually([&] {
    return c->ok({"get", "pvc", "-o", "jsonpath={.items[*].metadata.name} {.items[*].status.phase}"}) ==
           "data-db-0 data-db-1 Bound Bound";
  }));
  const std::string table = c->ok({"get", "pvc"});
  INFO(table);
  std::istringstream in(table);
  std::string header, row;
  std::getline(in, header);
  CHECK(words(header) == std::vector<std::string>{"NAME", "STATUS", "VOLUME", "CAPACITY", "ACCESS", "MODES",
                                                  "STORAGECLASS", "VOLUMEATTRIBUTESCLASS", "AGE"});
  std::getline(in, row);
  const auto cells = words(row);
  REQUIRE(cells.size() == 8);
  CHECK(cells[0] == "data-db-0");
  CHECK(cells[1] == "Bound");
  CHECK(cells[2].rfind("pvc-", 0) == 0);   // the provisioned volume (kubectl_volumes_test.cpp checks the rest)
  CHECK(cells[5] == "standard");
  CHECK(cells[6] == "<unset>");

  const std::string wide = c->ok({"get", "pvc", "data-db-0", "-o", "wide"});
  CHECK(wide.substr(0, wide.find('\n')).find("VOLUMEMODE") != std::string::npos);
  CHECK(wide.find("Filesystem") != std::string::npos);

  // The StatefulSet's wide columns, as KAS prints them.
  const std::string sts = c->ok({"get", "statefulset", "db", "-o", "wide"});
  CHECK(words(sts.substr(0, sts.find('\n'))) == std::vector<std::string>{"NAME", "READY", "AGE", "CONTAINERS", "IMAGES"});
  const auto sts_cells = words(sts.substr(sts.find('\n') + 1));
  REQUIRE(sts_cells.size() == 5);
  CHECK(sts_cells[3] == "main");
  CHECK(sts_cells[4] == "postgres:16");
}
