// `kubectl auth can-i --list` (SelfSubjectRulesReviews, posted as protobuf) against the fake-apiserver binary, in
// AlwaysAllow and RBAC mode, for the user itself and for a user it impersonates.
#include <algorithm>
#include <sstream>

#include <habop/test_support/fake_apiserver.hpp>

#include "e2e_common.hpp"

namespace test = habop::test;

namespace {

// One row of kubectl's rules table: the four columns as printed, e.g. {"configmaps", "[]", "[]", "[get list]"}.
struct row {
  std::string resources, urls, names, verbs;
  bool operator==(const row&) const = default;
};

std::string trimmed(std::string s) {
  s.erase(s.find_last_not_of(' ') + 1);
  return s;
}

// Runs `kubectl auth can-i --list ARGS` and splits its table at the header's column offsets (cells hold spaces).
std::vector<row> rules(const test::kubectl& k, std::vector<std::string> args) {
  args.insert(args.begin(), {"auth", "can-i", "--list"});
  auto r = k.run(args);
  INFO("kubectl " << habop::e2e::cluster::join(args) << "\nstdout: " << r.out << "\nstderr: " << r.err);
  REQUIRE(r.ok());
  std::istringstream in(r.out);
  std::string header, line;
  std::getline(in, header);
  const std::size_t urls = header.find("Non-Resource URLs"), names = header.find("Resource Names"),
                    verbs = header.find("Verbs");
  REQUIRE(header.rfind("Resources", 0) == 0);
  REQUIRE((urls != std::string::npos && names != std::string::npos && verbs != std::string::npos));
  std::vector<row> out;
  while (std::getline(in, line)) {
    line.resize(std::max(line.size(), verbs), ' ');
    out.push_back({trimmed(line.substr(0, urls)), trimmed(line.substr(urls, names - urls)),
                   trimmed(line.substr(names, verbs - names)), trimmed(line.substr(verbs))});
  }
  return out;
}

bool has(const std::vector<row>& rows, const row& wanted) {
  return std::find(rows.begin(), rows.end(), wanted) != rows.end();
}

bool mentions(const std::vector<row>& rows, std::string_view resource) {
  return std::any_of(rows.begin(), rows.end(), [&](const row& r) { return r.resources == resource; });
}

const row everything{"*.*", "[]", "[]", "[*]"};

}  // namespace

TEST_CASE("kubectl auth can-i --list on an AlwaysAllow server lists every verb on everything",
          "[e2e][kubectl][auth]") {
  auto c = habop::e2e::start_cluster("1.32");
  if (!c) return;
  const auto all = rules(c->kubectl, {});
  CHECK(has(all, everything));
  CHECK(has(all, row{"", "[*]", "[]", "[*]"}));
  CHECK(has(rules(c->kubectl, {"-n", "kube-system", "--as=jane"}), everything));
  // Discovered as a create-only resource, as kube-apiserver serves it.
  const std::string resources = c->ok({"api-resources", "--api-group=authorization.k8s.io", "-o", "wide"});
  const auto at = resources.find("\nselfsubjectrulesreviews ");
  REQUIRE(at != std::string::npos);
  const std::string line = resources.substr(at + 1, resources.find('\n', at + 1) - at - 1);
  INFO(line);
  CHECK(line.find(" create") != std::string::npos);
  CHECK(line.find("list") == std::string::npos);
}

TEST_CASE("under RBAC, can-i --list shows what the bindings grant in the namespace, impersonated or not",
          "[e2e][kubectl][auth][rbac]") {
  const std::string& reader_user = habop::e2e::reader_user;
  auto c = habop::e2e::start_rbac_cluster(true);
  if (!c) return;
  c->ok({"apply", "-f", "-"}, R"(
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: token-getter, namespace: apps}
rules: [{apiGroups: [""], resources: [secrets], resourceNames: [token], verbs: [get, watch]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: token-getter, namespace: apps}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: token-getter}
subjects: [{kind: ServiceAccount, name: reader, namespace: apps}]
)");
  test::kubectl reader = habop::e2e::reader_kubectl(*c);

  // The reader's own rules in apps: its Roles, plus the bootstrap roles of every authenticated user.
  const auto in_apps = rules(reader, {"-n", "apps"});
  CHECK(has(in_apps, row{"configmaps", "[]", "[]", "[list]"}));
  CHECK(has(in_apps, row{"secrets", "[]", "[token]", "[get watch]"}));
  CHECK(has(in_apps, row{"selfsubjectrulesreviews.authorization.k8s.io", "[]", "[]", "[create]"}));
  CHECK(has(in_apps, row{"", "[/version]", "[]", "[get]"}));
  CHECK_FALSE(mentions(in_apps, "*.*"));
  CHECK_FALSE(mentions(in_apps, "pods"));
  // Role grants stay in their namespace.
  const auto in_default = rules(reader, {"-n", "default"});
  CHECK_FALSE(mentions(in_default, "configmaps"));
  CHECK_FALSE(mentions(in_default, "secrets"));
  CHECK(has(in_default, row{"selfsubjectaccessreviews.authorization.k8s.io", "[]", "[]", "[create]"}));

  // The admin (a superuser) holds everything, and sees the reader's rules when impersonating it.
  CHECK(has(rules(c->kubectl, {"-n", "apps"}), everything));
  const auto as_reader = rules(c->kubectl, {"-n", "apps", "--as=" + reader_user});
  CHECK(has(as_reader, row{"configmaps", "[]", "[]", "[list]"}));
  CHECK_FALSE(mentions(as_reader, "*.*"));
  // A group's binding counts for a user impersonated with that group only.
  c->ok({"apply", "-f", "-"}, habop::e2e::devs_reader_binding_yaml);
  CHECK(has(rules(c->kubectl, {"-n", "apps", "--as=jane", "--as-group=devs"}), row{"configmaps", "[]", "[]", "[list]"}));
  CHECK_FALSE(mentions(rules(c->kubectl, {"-n", "apps", "--as=jane"}), "configmaps"));
}
