// `kubectl get pvc,pv` against the fake-apiserver binary with its workload simulation: a StatefulSet's claims get
// the default StorageClass, volumes provisioned and bound as local-path does, and lose them when deleted.
#include <map>
#include <sstream>

#include "e2e_common.hpp"

using habop::e2e::cluster;

namespace {

std::vector<std::string> words(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

// The rows of a `kubectl get` table, split into words, by their first word; the header under "".
std::map<std::string, std::vector<std::string>> table_rows(const std::string& table) {
  std::istringstream in(table);
  std::map<std::string, std::vector<std::string>> out;
  std::string line;
  if (std::getline(in, line)) out[""] = words(line);
  while (std::getline(in, line))
    if (auto w = words(line); !w.empty()) out[w.front()] = w;
  return out;
}

// The simulated StatefulSet `web` with one claim template that names no StorageClass.
const std::string web_yaml =
    habop::e2e::stateful_set_yaml("web", "app: web", R"({name: main, image: "nginx:1"})") +
    "  volumeClaimTemplates:\n  - metadata: {name: data}\n"
    "    spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}\n";

}  // namespace

TEST_CASE("kubectl get pvc and pv show volumes provisioned for a StatefulSet, which go with their claims",
          "[e2e][kubectl][volumes]") {
  auto c = habop::e2e::start_cluster("1.32", {"--simulate-workloads"});
  if (!c) return;
  c->ok({"apply", "-f", "-"}, web_yaml);
  CHECK_THAT(c->ok({"rollout", "status", "statefulset/web", "--timeout=30s"}), Catch::Contains("roll out complete"));
  REQUIRE(habop::e2e::eventually(
      [&] { return c->ok({"get", "pvc", "-o", "jsonpath={.items[*].status.phase}"}) == "Bound Bound"; }));

  std::map<std::string, std::string> volume_of;   // claim → its volume, named after the claim's uid
  for (const char* claim : {"data-web-0", "data-web-1"})
    volume_of[claim] = "pvc-" + c->ok({"get", "pvc", claim, "-o", "jsonpath={.metadata.uid}"});

  const std::string claims = c->ok({"get", "pvc"});
  INFO(claims);
  auto rows = table_rows(claims);
  CHECK(rows[""] == std::vector<std::string>{"NAME", "STATUS", "VOLUME", "CAPACITY", "ACCESS", "MODES", "STORAGECLASS",
                                             "VOLUMEATTRIBUTESCLASS", "AGE"});
  for (const auto& [claim, volume] : volume_of) {
    const auto& cells = rows[claim];
    REQUIRE(cells.size() == 8);
    CHECK(std::vector<std::string>(cells.begin() + 1, cells.end() - 1) ==
          std::vector<std::string>{"Bound", volume, "1Gi", "RWO", "standard", "<unset>"});
  }

  const std::string volumes = c->ok({"get", "pv"});
  INFO(volumes);
  rows = table_rows(volumes);
  CHECK(rows[""] == std::vector<std::string>{"NAME", "CAPACITY", "ACCESS", "MODES", "RECLAIM", "POLICY", "STATUS",
                                             "CLAIM", "STORAGECLASS", "VOLUMEATTRIBUTESCLASS", "REASON", "AGE"});
  for (const auto& [claim, volume] : volume_of) {
    const auto& cells = rows[volume];
    REQUIRE(cells.size() == 9);   // REASON is blank
    CHECK(std::vector<std::string>(cells.begin() + 1, cells.end() - 1) ==
          std::vector<std::string>{"1Gi", "RWO", "Delete", "Bound", "default/" + claim, "standard", "<unset>"});
  }
  const std::string wide = c->ok({"get", "pv", volume_of["data-web-0"], "-o", "wide"});
  CHECK(words(wide.substr(0, wide.find('\n'))).back() == "VOLUMEMODE");
  CHECK(words(wide.substr(wide.find('\n') + 1)).back() == "Filesystem");
  CHECK(c->ok({"get", "pv", volume_of["data-web-0"], "-o", "jsonpath={.spec.hostPath.path}"}) ==
        "/var/local-path-provisioner/" + volume_of["data-web-0"] + "_default_data-web-0");

  // Scaled to zero the claims stay; deleting one releases its volume, which the Delete policy removes.
  c->ok({"scale", "statefulset", "web", "--replicas=0"});
  REQUIRE(habop::e2e::eventually([&] { return c->ok({"get", "pods", "-o", "name"}).empty(); }));
  c->ok({"delete", "pvc", "data-web-1"});
  CHECK(habop::e2e::eventually([&] {
    return c->ok({"get", "pv", "-o", "name"}) == "persistentvolume/" + volume_of["data-web-0"] + "\n";
  }));
  CHECK(c->ok({"get", "pv", volume_of["data-web-0"], "-o", "jsonpath={.status.phase}"}) == "Bound");
}
