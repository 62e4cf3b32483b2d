// kubectl's typed `create` subcommands, which POST protobuf bodies: each creates its object, and reading it back as
// JSON shows the fields the command set (the server decoded every field kubectl wrote, or it would have said 415).
#include "e2e_common.hpp"

#include <boost/json.hpp>

namespace {

std::string at(const boost::json::value& v, std::string_view pointer) {
  boost::system::error_code ec;
  const boost::json::value* found = v.find_pointer(pointer, ec);
  if (!found) return {};
  return found->is_string() ? std::string(found->get_string()) : boost::json::serialize(*found);
}

}  // namespace

TEST_CASE("kubectl create serviceaccount, service, role(binding), clusterrole(binding) and deployment send "
          "protobuf the server decodes",
          "[e2e][kubectl][protobuf]") {
  auto c = habop::e2e::start_cluster("1.32");
  if (!c) return;
  c->ok({"create", "serviceaccount", "sa1"});
  c->ok({"create", "service", "clusterip", "s1", "--tcp=80:8080"});
  c->ok({"create", "service", "nodeport", "s2", "--tcp=80:80", "--node-port=30080"});
  c->ok({"create", "service", "loadbalancer", "s3", "--tcp=443:https"});
  c->ok({"create", "service", "externalname", "s4", "--external-name=example.com"});
  c->ok({"create", "role", "r1", "--verb=get", "--resource=pods"});
  c->ok({"create", "clusterrole", "cr1", "--verb=get,list", "--resource=pods,secrets", "--resource-name=x"});
  c->ok({"create", "clusterrole", "cr2", "--aggregation-rule=rbac.example.com/aggregate=true"});
  c->ok({"create", "rolebinding", "rb1", "--role=r1", "--user=bob", "--serviceaccount=default:sa1", "--group=g"});
  c->ok({"create", "clusterrolebinding", "crb1", "--clusterrole=cr1", "--user=alice"});
  c->ok({"create", "deployment", "d1", "--image=nginx", "--replicas=2", "--port=80"});

  CHECK(at(c->json({"get", "serviceaccount", "sa1"}), "/metadata/name") == "sa1");

  auto s1 = c->json({"get", "service", "s1"});
  CHECK(at(s1, "/spec/type") == "ClusterIP");
  CHECK(at(s1, "/spec/selector") == R"({"app":"s1"})");
  CHECK(at(s1, "/spec/ports/0/name") == "80-8080");
  CHECK(at(s1, "/spec/ports/0/port") == "80");
  CHECK(at(s1, "/spec/ports/0/targetPort") == "8080");
  CHECK(at(s1, "/spec/ports/0/protocol") == "TCP");
  auto s2 = c->json({"get", "service", "s2"});
  CHECK(at(s2, "/spec/type") == "NodePort");
  CHECK(at(s2, "/spec/ports/0/nodePort") == "30080");
  auto s3 = c->json({"get", "service", "s3"});
  CHECK(at(s3, "/spec/type") == "LoadBalancer");
  CHECK(at(s3, "/spec/ports/0/targetPort") == "https");   // IntOrString as a string
  auto s4 = c->json({"get", "service", "s4"});
  CHECK(at(s4, "/spec/type") == "ExternalName");
  CHECK(at(s4, "/spec/externalName") == "example.com");

  CHECK(at(c->json({"get", "role", "r1"}), "/rules") == R"([{"apiGroups":[""],"resources":["pods"],"verbs":["get"]}])");
  auto cr1 = c->json({"get", "clusterrole", "cr1"});
  CHECK(at(cr1, "/rules/0/verbs") == R"(["get","list"])");
  CHECK(at(cr1, "/rules/0/resources") == R"(["pods","secrets"])");
  CHECK(at(cr1, "/rules/0/resourceNames") == R"(["x"])");
  CHECK(at(c->json({"get", "clusterrole", "cr2"}), "/aggregationRule/clusterRoleSelectors/0/matchLabels") ==
        R"({"rbac.example.com/aggregate":"true"})");

  auto rb1 = c->json({"get", "rolebinding", "rb1"});
  CHECK(at(rb1, "/roleRef") == R"({"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"r1"})");
  CHECK(at(rb1, "/subjects") ==
        R"([{"apiGroup":"rbac.authorization.k8s.io","kind":"User","name":"bob"},)"
        R"({"apiGroup":"rbac.authorization.k8s.io","kind":"Group","name":"g"},)"
        R"({"kind":"ServiceAccount","name":"sa1","namespace":"default"}])");
  auto crb1 = c->json({"get", "clusterrolebinding", "crb1"});
  CHECK(at(crb1, "/roleRef/kind") == "ClusterRole");
  CHECK(at(crb1, "/roleRef/name") == "cr1");
  CHECK(at(crb1, "/subjects/0/name") == "alice");

  auto d1 = c->json({"get", "deployment", "d1"});
  CHECK(at(d1, "/spec/replicas") == "2");
  CHECK(at(d1, "/spec/selector/matchLabels/app") == "d1");
  CHECK(at(d1, "/spec/template/metadata/labels/app") == "d1");
  CHECK(at(d1, "/spec/template/spec/containers/0/name") == "nginx");
  CHECK(at(d1, "/spec/template/spec/containers/0/image") == "nginx");
  CHECK(at(d1, "/spec/template/spec/containers/0/ports/0/containerPort") == "80");
}
