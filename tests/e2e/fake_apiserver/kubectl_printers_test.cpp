// Columns of kube-apiserver's built-in printers that kubectl shows as they come: pods (STATUS, -o wide), events
// -o wide, ServiceAccounts, Roles and RoleBindings.
#include "e2e_common.hpp"

TEST_CASE("get pods (-o wide) and get serviceaccounts print kube-apiserver's columns", "[e2e][kubectl][printers]") {
  auto c = habop::e2e::start_cluster("1.32", {"--simulate-workloads", "--simulate-image-pull-failure", "nope"});
  if (!c) return;
  c->ok({"apply", "-f", "-"}, habop::e2e::statefulset_yaml);
  REQUIRE(habop::e2e::eventually([&] {
    auto r = c->kubectl.run({"get", "pod", "web-0", "-o", "jsonpath={.status.phase}"});
    return r.ok() && r.out == "Running";
  }));
  const std::string wide = c->ok({"get", "pod", "web-0", "-o", "wide"});
  INFO(wide);
  CHECK(wide.rfind("NAME    READY   STATUS    RESTARTS   AGE   IP          NODE          NOMINATED NODE   "
                   "READINESS GATES\n",
                   0) == 0);
  CHECK(wide.find("   fake-node-1   <none>           <none>\n") != std::string::npos);

  // Events -o wide: SUBOBJECT, SOURCE (component, host), FIRST SEEN, COUNT and NAME as well.
  const std::string events =
      c->ok({"get", "events", "--field-selector", "involvedObject.name=web-0,reason=Started", "-o", "wide"});
  INFO(events);
  CHECK(events.rfind("LAST SEEN   TYPE     REASON    OBJECT      SUBOBJECT               SOURCE ", 0) == 0);
  CHECK(events.find("   MESSAGE                  FIRST SEEN   COUNT   NAME\n") != std::string::npos);
  CHECK(events.find("pod/web-0   spec.containers{main}   kubelet, fake-node-1   Started container main   ") !=
        std::string::npos);

  // STATUS is a waiting container's reason when there is one, as kubectl users read it.
  c->ok({"apply", "-f", "-"}, habop::e2e::stateful_set_yaml("bad", "app: bad", R"({name: main, image: "nope:1"})", 1));
  REQUIRE(habop::e2e::eventually([&] { return c->kubectl.run({"get", "pod", "bad-0"}).ok(); }));
  REQUIRE(habop::e2e::eventually([&] {
    return c->ok({"get", "pod", "bad-0", "--no-headers"}).find("bad-0   0/1   ImagePullBackOff   0 ") != std::string::npos;
  }));

  CHECK(c->ok({"describe", "pod", "bad-0"}).find("Error: ImagePullBackOff") != std::string::npos);

  // RBAC: roles print their creation time, bindings their role and (wide) subjects.
  c->ok({"create", "role", "reader", "--verb=get", "--resource=pods"});
  c->ok({"create", "rolebinding", "reader", "--role=reader", "--user=jane", "--group=devs",
         "--serviceaccount=default:robot"});
  const std::string role = c->ok({"get", "role", "reader"});
  INFO(role);
  CHECK(role.rfind("NAME     CREATED AT\nreader   20", 0) == 0);
  const std::string binding = c->ok({"get", "rolebinding", "reader", "-o", "wide"});
  INFO(binding);
  CHECK(binding.rfind("NAME     ROLE          AGE   USERS   GROUPS   SERVICEACCOUNTS\nreader   Role/reader   ", 0) == 0);
  CHECK(binding.find("   jane    devs     default/robot\n") != std::string::npos);

  c->ok({"create", "serviceaccount", "robot"});
  const std::string sa = c->ok({"get", "sa", "robot"});
  INFO(sa);
  CHECK(sa.rfind("NAME    SECRETS   AGE\nrobot   0         ", 0) == 0);
}
