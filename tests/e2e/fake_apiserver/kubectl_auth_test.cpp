// `kubectl auth can-i` (access reviews) and `--as`/`--as-group` (impersonation) against the fake-apiserver binary,
// in AlwaysAllow and RBAC mode.
#include <habop/test_support/fake_apiserver.hpp>

#include "e2e_common.hpp"

namespace test = habop::test;

namespace {

// `kubectl auth can-i` prints yes or no (exit 0 or 1); anything else, e.g. a server error, fails the test.
std::string can_i(const test::kubectl& k, std::vector<std::string> args) {
  args.insert(args.begin(), {"auth", "can-i"});
  auto r = k.run(args);
  INFO("kubectl " << habop::e2e::cluster::join(args) << "\nstdout: " << r.out << "\nstderr: " << r.err);
  REQUIRE((r.out == "yes\n" || r.out == "no\n"));
  CHECK(r.ok() == (r.out == "yes\n"));
  return r.out.substr(0, r.out.size() - 1);
}

}  // namespace

TEST_CASE("kubectl auth can-i is answered yes by an AlwaysAllow server, impersonating or not", "[e2e][kubectl][auth]") {
  auto c = habop::e2e::start_cluster("1.32");
  if (!c) return;
  c->ok({"apply", "-f", "-"}, habop::e2e::crd_yaml);
  c->ok({"wait", "--for=condition=Established", "crd/widgets.example.com", "--timeout=20s"});
  CHECK(can_i(c->kubectl, {"create", "widgets"}) == "yes");
  CHECK(can_i(c->kubectl, {"delete", "configmaps", "-n", "kube-system"}) == "yes");
  CHECK(can_i(c->kubectl, {"get", "/version"}) == "yes");
  CHECK(can_i(c->kubectl, {"create", "widgets", "--as=system:serviceaccount:apps:op"}) == "yes");
  CHECK(can_i(c->kubectl, {"list", "pods", "--as=jane", "--as-group=devs", "--as-group=ops"}) == "yes");
  // The discovery documents list the reviews kubectl posts.
  std::string resources = c->ok({"api-resources", "--api-group=authorization.k8s.io", "-o", "wide"});
  for (const std::string name : {"selfsubjectaccessreviews", "subjectaccessreviews", "localsubjectaccessreviews"}) {
    const auto at = resources.find("\n" + name + " ");
    REQUIRE(at != std::string::npos);
    const std::string line = resources.substr(at + 1, resources.find('\n', at + 1) - at - 1);
    INFO(line);
    CHECK(line.find(" create") != std::string::npos);
    CHECK(line.find("list") == std::string::npos);
  }
  // A SubjectAccessReview names its subject; the answer comes back in status.
  auto sar = habop::json::parse_json(c->ok({"create", "--validate=false", "-o", "json", "-f", "-"}, R"(
apiVersion: authorization.k8s.io/v1
kind: SubjectAccessReview
spec: {user: jane, resourceAttributes: {verb: get, resource: pods, namespace: default}}
)"));
  REQUIRE(sar);
  CHECK(sar->at("status").at("allowed") == true);
}

TEST_CASE("under RBAC, can-i answers from the bindings and --as needs the impersonate verb",
          "[e2e][kubectl][auth][rbac]") {
  const std::string& reader_user = habop::e2e::reader_user;
  auto c = habop::e2e::start_rbac_cluster(true);
  if (!c) return;
  test::kubectl reader = habop::e2e::reader_kubectl(*c);

  // Self reviews (allowed to every authenticated user by system:basic-user).
  CHECK(can_i(reader, {"list", "configmaps", "-n", "apps"}) == "yes");
  CHECK(can_i(reader, {"list", "configmaps", "-n", "default"}) == "no");
  CHECK(can_i(reader, {"delete", "configmaps", "-n", "apps"}) == "no");
  CHECK(can_i(c->kubectl, {"delete", "configmaps", "-n", "apps"}) == "yes");   // the admin is a superuser
  // The admin asks as the reader: impersonation, then the review as that user.
  CHECK(can_i(c->kubectl, {"list", "configmaps", "-n", "apps", "--as=" + reader_user}) == "yes");
  CHECK(can_i(c->kubectl, {"list", "configmaps", "-n", "default", "--as=" + reader_user}) == "no");
  std::string denied = c->fails({"get", "configmaps", "-n", "default", "--as=" + reader_user});
  CHECK(denied.find("configmaps is forbidden: User \"" + reader_user + "\" cannot list resource \"configmaps\" in "
                    "API group \"\" in the namespace \"default\"") != std::string::npos);
  c->ok({"get", "configmaps", "-n", "apps", "--as=" + reader_user});

  // The reader may not impersonate anyone yet; a ServiceAccount is checked in its namespace.
  auto r = reader.run({"get", "configmaps", "-n", "apps", "--as=jane"});
  CHECK_FALSE(r.ok());
  CHECK(r.err.find("users \"jane\" is forbidden: User \"" + reader_user + "\" cannot impersonate resource \"users\" "
                   "in API group \"\" at the cluster scope") != std::string::npos);
  r = reader.run({"get", "configmaps", "-n", "apps", "--as=system:serviceaccount:apps:other"});
  CHECK_FALSE(r.ok());
  CHECK(r.err.find("serviceaccounts \"other\" is forbidden: User \"" + reader_user + "\" cannot impersonate "
                   "resource \"serviceaccounts\" in API group \"\" in the namespace \"apps\"") != std::string::npos);

  c->ok({"apply", "-f", "-"}, R"(
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: impersonator}
rules: [{apiGroups: [""], resources: [users, groups], verbs: [impersonate]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: reader-impersonates}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: impersonator}
subjects: [{kind: ServiceAccount, name: reader, namespace: apps}]
)");
  c->ok({"apply", "-f", "-"}, habop::e2e::devs_reader_binding_yaml);
  // Now the request runs as jane: without the group she may not list, with it she may.
  r = reader.run({"get", "configmaps", "-n", "apps", "--as=jane"});
  CHECK_FALSE(r.ok());
  CHECK(r.err.find("User \"jane\" cannot list resource \"configmaps\"") != std::string::npos);
  CHECK(reader.run({"get", "configmaps", "-n", "apps", "--as=jane", "--as-group=devs"}).ok());
  CHECK(can_i(reader, {"list", "configmaps", "-n", "apps", "--as=jane", "--as-group=devs"}) == "yes");
  CHECK(can_i(reader, {"list", "configmaps", "-n", "apps", "--as=jane"}) == "no");
}

TEST_CASE("kubectl auth whoami names the user the request authenticated as, impersonated or not",
          "[e2e][kubectl][auth]") {
  auto c = habop::e2e::start_cluster("1.32");
  if (!c) return;
  CHECK(c->ok({"auth", "whoami"}) == "ATTRIBUTE   VALUE\nUsername    habop-admin\n"
                                     "Groups      [system:authenticated]\n");
  CHECK(c->ok({"auth", "whoami", "--as=jane", "--as-group=devs"}) ==
        "ATTRIBUTE   VALUE\nUsername    jane\nGroups      [devs system:authenticated]\n");
  const auto review = c->json({"auth", "whoami"});
  CHECK(review.at("apiVersion") == "authentication.k8s.io/v1");
  CHECK(review.at("status").at("userInfo").at("username") == "habop-admin");
}
