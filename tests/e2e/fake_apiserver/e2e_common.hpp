// Shared helpers of the fake-apiserver end-to-end tests: a spawned server plus a kubectl bound to it.
#pragma once

#include <catch2/catch.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/json/value.hpp>

#include <habop/json/codec.hpp>
#include <habop/test_support/fake_apiserver.hpp>
#include <habop/test_support/kubectl.hpp>
#include <habop/test_support/temp_dir.hpp>

namespace habop::e2e {

/// A spawned fake-apiserver and a kubectl (of one version) with its own HOME.
struct cluster {
  std::unique_ptr<test::spawned_apiserver> server;
  test::temp_dir home{"habop-kubectl-home"};
  test::kubectl kubectl;

  /// Runs kubectl and requires success, returning stdout.
  std::string ok(const std::vector<std::string>& args, const std::optional<std::string>& in = std::nullopt) const {
    auto r = kubectl.run(args, in);
    INFO("kubectl " << join(args) << "\nstdout: " << r.out << "\nstderr: " << r.err);
    REQUIRE(r.ok());
    return r.out;
  }
  /// Runs kubectl expecting failure, returning stderr.
  std::string fails(const std::vector<std::string>& args, const std::optional<std::string>& in = std::nullopt) const {
    auto r = kubectl.run(args, in);
    INFO("kubectl " << join(args) << "\nstdout: " << r.out << "\nstderr: " << r.err);
    REQUIRE_FALSE(r.ok());
    return r.err;
  }
  /// `kubectl get ... -o json` parsed.
  boost::json::value json(const std::vector<std::string>& args) const {
    std::vector<std::string> all = args;
    all.insert(all.end(), {"-o", "json"});
    auto parsed = habop::json::parse_json(ok(all));
    REQUIRE(parsed);
    return *parsed;
  }
  static std::string join(const std::vector<std::string>& args) {
    std::string s;
    for (const auto& a : args) s += (s.empty() ? "" : " ") + a;
    return s;
  }
};

/// Starts the binary with `extra_args` and binds kubectl `version` ("" → the PATH kubectl, i.e. the dispatcher);
/// nullopt (with a WARN saying why) when that kubectl is not installed.
inline std::optional<cluster> start_cluster(const std::string& version = "1.32",
                                            const std::vector<std::string>& extra_args = {}) {
  auto bin = test::find_kubectl(version);
  if (!bin) {
    WARN("SKIPPED: kubectl " << (version.empty() ? std::string("(PATH)") : version) << " is not installed in "
                             << test::gcloud_kubectl_dir << " (Debian's kubectl 1.20 cannot run these scenarios)");
    return std::nullopt;
  }
  auto srv = test::spawn_apiserver(extra_args);
  INFO((srv ? std::string() : srv.error().message));
  REQUIRE(srv);
  std::optional<cluster> c(std::in_place);
  c->server = std::move(*srv);
  c->kubectl = test::kubectl{.binary = *bin, .kubeconfig = c->server->kubeconfig_path,
                             .home = c->home.path().string(), .timeout = std::chrono::seconds(60)};
  return c;
}

/// `kubeconfig` with its bearer token replaced by `token` (a kubeconfig for another --token-user user).
inline std::string with_token(std::string kubeconfig, const std::string& token) {
  auto pos = kubeconfig.find("token: ");
  REQUIRE(pos != std::string::npos);
  auto end = kubeconfig.find('\n', pos);
  return kubeconfig.replace(pos, end - pos, "token: \"" + token + "\"");
}

/// A Role letting the ServiceAccount apps/reader list ConfigMaps in namespace `apps`, and its RoleBinding, as one
/// manifest for `kubectl apply`.
inline const char* reader_role_yaml = R"(
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: reader, namespace: apps}
rules: [{apiGroups: [""], resources: [configmaps], verbs: [list]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: reader, namespace: apps}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader}
subjects: [{kind: ServiceAccount, name: reader, namespace: apps}]
)";

/// A RoleBinding of the `reader` Role in `apps` to the Group `devs`: what a user impersonated with that group gets.
inline const char* devs_reader_binding_yaml = R"(
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: devs-read, namespace: apps}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader}
subjects: [{kind: Group, name: devs}]
)";

/// The ServiceAccount the RBAC tests authenticate as, with `--token-user r3ader=<it>`.
inline const std::string reader_user = "system:serviceaccount:apps:reader";

/// A fake-apiserver under RBAC that knows `reader_user` by the token `r3ader`, with namespace `apps` (and, with
/// `bind_reader`, `reader_role_yaml` applied); nullopt when no kubectl is installed.
inline std::optional<cluster> start_rbac_cluster(bool bind_reader) {
  auto c = start_cluster("1.32", {"--authorization-mode=RBAC", "--token-user", "r3ader=" + reader_user});
  if (!c) return c;
  c->ok({"create", "namespace", "apps"});
  if (bind_reader) c->ok({"apply", "-f", "-"}, reader_role_yaml);
  return c;
}

/// A kubectl for `c` that authenticates as `reader_user`.
inline test::kubectl reader_kubectl(const cluster& c) {
  test::kubectl reader = c.kubectl;
  reader.kubeconfig = c.home.write("reader-kubeconfig", with_token(test::read_text_file(c.kubectl.kubeconfig), "r3ader"));
  return reader;
}

/// Polls `pred` every 50 ms until it holds or `timeout` passes.
template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return pred();
}

inline const char* configmap_yaml = R"(apiVersion: v1
kind: ConfigMap
metadata:
  name: demo
  namespace: default
  labels: {app: demo, tier: web}
data:
  a: "1"
)";

/// A StatefulSet manifest: `replicas` pods of `name` in namespace default, selected by the label `label` (`key: value`),
/// running the one container `container` (a YAML flow mapping).
inline std::string stateful_set_yaml(const std::string& name, const std::string& label, const std::string& container,
                                     int replicas = 2) {
  return "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: " + name + ", namespace: default}\nspec:\n" +
         "  replicas: " + std::to_string(replicas) + "\n  serviceName: " + name + "\n  selector: {matchLabels: {" +
         label + "}}\n  template:\n    metadata: {labels: {" + label + "}}\n    spec: {containers: [" + container +
         "]}\n";
}

inline const std::string statefulset_yaml = stateful_set_yaml("web", "app: web", R"({name: main, image: "nginx:1"})");

inline const char* crd_yaml = R"(apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wd]}
  versions:
  - name: v1
    served: true
    storage: true
    subresources: {status: {}}
    additionalPrinterColumns:
    - {name: Size, type: integer, jsonPath: .spec.size}
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              size: {type: integer, minimum: 1}
              color: {type: string}
          status:
            type: object
            properties:
              phase: {type: string}
)";

inline const char* widget_yaml = R"(apiVersion: example.com/v1
kind: Widget
metadata: {name: w1, namespace: default}
spec: {size: 3, color: blue}
)";

}  // namespace habop::e2e
