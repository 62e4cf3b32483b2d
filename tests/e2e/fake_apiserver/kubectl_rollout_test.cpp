// `kubectl rollout history|undo` on a StatefulSet and `kubectl get controllerrevisions` against the fake-apiserver
// binary with its workload simulation, which keeps ControllerRevisions as the StatefulSet controller does.
#include <map>
#include <sstream>

#include "e2e_common.hpp"

using habop::e2e::cluster;

namespace {

// Waits until the StatefulSet has rolled out a template other than `previous` to both pods; returns its revision.
std::string rolled_out(const cluster& c, const std::string& previous = {}) {
  std::string seen;
  const bool done = habop::e2e::eventually([&] {
    auto r = c.kubectl.run({"get", "sts", "web", "-o",
                            "jsonpath={.status.updateRevision} {.status.currentRevision} {.status.updatedReplicas}"});
    std::istringstream in(r.out);
    std::string update, current, updated;
    in >> update >> current >> updated;
    seen = r.out;
    return r.ok() && !update.empty() && update != previous && update == current && updated == "2";
  });
  INFO("status: " << seen);
  REQUIRE(done);
  return seen.substr(0, seen.find(' '));
}

// `kubectl rollout history statefulset/web` as revision → change cause.
std::map<int, std::string> history(const cluster& c) {
  std::istringstream in(c.ok({"rollout", "history", "statefulset/web"}));
  std::string line;
  std::map<int, std::string> out;
  std::getline(in, line);
  CHECK(line.rfind("statefulset.apps/web", 0) == 0);
  std::getline(in, line);
  CHECK(line.rfind("REVISION", 0) == 0);
  while (std::getline(in, line)) {
    std::istringstream row(line);
    int revision = 0;
    std::string cause;
    if (!(row >> revision)) continue;
    std::getline(row >> std::ws, cause);
    out[revision] = cause;
  }
  return out;
}

std::string images(const cluster& c) {
  return c.ok({"get", "pods", "-l", "app=web", "-o", "jsonpath={.items[*].spec.containers[0].image}"});
}

}  // namespace

TEST_CASE("kubectl rollout history and undo read the StatefulSet's ControllerRevisions", "[e2e][kubectl][rollout]") {
  auto c = habop::e2e::start_cluster("1.32", {"--simulate-workloads"});
  if (!c) return;
  c->ok({"apply", "-f", "-"}, habop::e2e::statefulset_yaml);
  const std::string first = rolled_out(*c);
  CHECK(history(*c) == std::map<int, std::string>{{1, "<none>"}});

  // The change cause annotated on the StatefulSet is copied to the revision its next template creates.
  c->ok({"annotate", "statefulset/web", "kubernetes.io/change-cause=image 2"});
  c->ok({"set", "image", "statefulset/web", "main=nginx:2"});
  const std::string second = rolled_out(*c, first);
  CHECK(history(*c) == std::map<int, std::string>{{1, "<none>"}, {2, "image 2"}});
  CHECK(images(*c) == "nginx:2 nginx:2");

  // One revision's pod template, decoded from the revision's data.
  std::string detail = c->ok({"rollout", "history", "statefulset/web", "--revision=1"});
  CHECK(detail.find("statefulset.apps/web with revision #1") != std::string::npos);
  CHECK(detail.find("nginx:1") != std::string::npos);
  CHECK(detail.find("nginx:2") == std::string::npos);
  CHECK(c->ok({"rollout", "history", "statefulset/web", "--revision=2"}).find("nginx:2") != std::string::npos);
  CHECK(c->fails({"rollout", "history", "statefulset/web", "--revision=5"}).find("unable to find the specified "
                                                                                  "revision") != std::string::npos);

  // Served as a resource, with kube-apiserver's columns.
  const std::string table = c->ok({"get", "controllerrevisions"});
  INFO(table);
  CHECK(table.rfind("NAME", 0) == 0);
  CHECK(table.find("CONTROLLER") != std::string::npos);
  for (const auto& [name, revision] : {std::pair{first, "1"}, std::pair{second, "2"}}) {
    const auto at = table.find("\n" + name + " ");
    REQUIRE(at != std::string::npos);
    std::istringstream row(table.substr(at + 1, table.find('\n', at + 1) - at - 1));
    std::string cell_name, controller, cell_revision;
    row >> cell_name >> controller >> cell_revision;
    CHECK(controller == "statefulset.apps/web");
    CHECK(cell_revision == revision);
  }

  // Undo goes back to revision 1's template, which becomes revision 3; undoing to it again is skipped.
  CHECK(c->ok({"rollout", "undo", "statefulset/web"}).find("rolled back") != std::string::npos);
  CHECK(rolled_out(*c, second) == first);
  CHECK(history(*c) == std::map<int, std::string>{{2, "image 2"}, {3, "<none>"}});
  CHECK(images(*c) == "nginx:1 nginx:1");
  CHECK(c->ok({"rollout", "undo", "statefulset/web", "--to-revision=3"})
            .find("skipped rollback (current template already matches revision 3)") != std::string::npos);

  // Garbage-collected with the StatefulSet.
  c->ok({"delete", "statefulset", "web"});
  CHECK(habop::e2e::eventually([&] { return c->ok({"get", "controllerrevisions", "-o", "name"}).empty(); }));
}
