// End to end: `kubectl kustomize deploy/overlays/<mode>` applies cleanly with `--validate=strict` to the
// fake-apiserver in both modes, habitat-operator started with the Deployment's own args converges the examples, and
// under enforced RBAC (authenticated with its ServiceAccount's token) it needs every rule deploy/ grants and no more.
#include <habop/test_support/fake_apiserver.hpp>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <sstream>
#include <set>
#include <thread>
#include <tuple>

#include <boost/json/array.hpp>
#include <catch2/catch.hpp>

#include <habop/test_support/kubectl.hpp>
#include <habop/test_support/process.hpp>

#include "kustomize.hpp"
#include "rbac_reductions.hpp"

namespace {

namespace bj = boost::json;
using habop::fake::request_attributes;
using habop::shipping::operator_user;
using habop::test::process_result;

constexpr const char* operator_token = "habitat-operator-service-account-token";

/// What the operator's ServiceAccount asked the fake's authorizer (requests and the admission plugin's owner
/// reference checks), once each. Written on the server's thread, read by the test.
class recorder {
 public:
  void add(const request_attributes& a, bool allowed) {
    if (a.user != operator_user) return;
    std::lock_guard lock(mutex_);
    const auto key = std::tie(a.verb, a.api_group, a.resource, a.subresource, a.ns, a.name, a.path);
    if (seen_.emplace(key).second) requests_.push_back(a);
    if (!allowed) denied_.insert(habop::shipping::describe(a));
  }
  std::vector<request_attributes> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  std::set<std::string> denied() const {
    std::lock_guard lock(mutex_);
    return denied_;
  }

 private:
  mutable std::mutex mutex_;
  std::set<std::tuple<std::string, std::string, std::string, std::string, std::string, std::string, std::string>>
      seen_;
  std::vector<request_attributes> requests_;
  std::set<std::string> denied_;
};

/// A fake-apiserver with simulated workloads and a kubectl (as the admin) bound to it; with `rbac`, RBAC is enforced,
/// the operator's ServiceAccount token is known, and what it asks is recorded.
struct cluster {
  std::shared_ptr<recorder> recorded = std::make_shared<recorder>();
  std::unique_ptr<habop::test::in_process_apiserver> api;
  habop::test::temp_dir home{"habop-ship-home"};
  habop::test::kubectl kubectl;

  explicit cluster(bool rbac = false) {
    habop::fake::server_config config;
    config.simulate_workloads = true;
    if (rbac) {
      config.rbac = true;
      config.tokens[operator_token] = operator_user;
      config.rbac_audit = [r = recorded](const request_attributes& a, const habop::fake::decision& d) {
        r->add(a, d.allowed);
      };
    }
    auto started = habop::test::start_in_process_apiserver(std::move(config));
    REQUIRE(started);
    api = std::move(*started);
    const auto binary = habop::test::find_kubectl();
    REQUIRE(binary);
    kubectl = habop::test::kubectl{*binary, api->kubeconfig_path, home.path().string()};
  }

  process_result run(const std::vector<std::string>& args, const std::optional<std::string>& in = std::nullopt) {
    process_result r = kubectl.run(args, in);
    INFO("kubectl " << args.front() << "\nstdout: " << r.out << "\nstderr: " << r.err);
    REQUIRE(r.exit_code == 0);
    return r;
  }

  /// Runs `kubectl args` until it succeeds or `timeout` passes; whether it succeeded.
  bool eventually(const std::vector<std::string>& args, std::chrono::seconds timeout = std::chrono::seconds(60)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (kubectl.run(args).exit_code != 0) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
    return true;
  }
};

/// The operator's argv from the rendered Deployment: its args with the downward-API namespace filled in, the
/// endpoints moved to free local ports, and the kubeconfig of the test cluster.
std::vector<std::string> operator_argv(const std::vector<bj::object>& objects, const std::string& kubeconfig) {
  const bj::object& deployment = habop::shipping::find_object(objects, "Deployment", "habitat-operator");
  const bj::array& args =
      deployment.at("spec").at("template").at("spec").at("containers").at(0).at("args").as_array();
  std::vector<std::string> argv{HABOP_OPERATOR_BIN, "--kubeconfig", kubeconfig};
  for (const bj::value& a : args) {
    std::string arg(a.as_string());
    for (std::size_t at; (at = arg.find("$(OPERATOR_NAMESPACE)")) != std::string::npos;)
      arg.replace(at, 21, "habitat-operator");
    if (arg.rfind("--metrics-bind-address=", 0) == 0) arg = "--metrics-bind-address=127.0.0.1:0";
    if (arg.rfind("--health-probe-bind-address=", 0) == 0) arg = "--health-probe-bind-address=127.0.0.1:0";
    argv.push_back(arg);
  }
  return argv;
}

std::string example(const std::string& name) {
  return habop::shipping::read_text(habop::shipping::source_path("examples/" + name + "/habitat.yml"));
}

/// `objects` as a multi-document YAML stream for `kubectl apply -f -` (not a v1 List, which strict validation would
/// check against the OpenAPI v2 document instead of v3).
std::string as_yaml_stream(const std::vector<bj::object>& objects) {
  std::string out;
  for (const auto& o : objects) out += "---\n" + habop::json::to_yaml(o);
  return out;
}

bool recorded_event_patch(const recorder& recorded) {
  for (const auto& a : recorded.requests()) {
    if (a.verb == "patch" && a.resource == "events") return true;
  }
  return false;
}

/// After convergence: the changes that make the operator use its remaining permissions. Edits of the peer
/// ConfigMap's data, each reverted (a ConfigMap patch), until the same Event comes again and is PATCHed; a new image
/// with AllAtOnce updates (a StatefulSet patch, then the stale pods deleted).
void exercise(cluster& c, const recorder& recorded, const std::string& ns) {
  for (int round = 0; round < 6 && !recorded_event_patch(recorded); ++round) {
    c.run({"patch", "-n", ns, "configmap", "peer-watch-file", "--type=merge", "-p", R"({"data":null})"});
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (c.run({"get", "-n", ns, "configmap", "peer-watch-file", "-o", "jsonpath={.data}"}).out.empty()) {
      REQUIRE(std::chrono::steady_clock::now() < deadline);
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
  }
  c.run({"patch", "-n", ns, "habitat", "example-standalone-habitat", "--type=merge", "-p",
         R"({"spec":{"v1beta2":{"image":"habitat/redis-hab:2","updateStrategy":"AllAtOnce"}}})"});
}

/// Waits until every permission of `policy` has been used by a recorded request (or 60 s passed); the unused ones.
std::vector<std::string> wait_until_all_used(const recorder& recorded, const habop::fake::rbac_policy& policy) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  for (;;) {
    std::vector<std::string> unused = habop::shipping::unused(policy, recorded.requests());
    if (unused.empty() || std::chrono::steady_clock::now() > deadline) return unused;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
}

void converge_examples(bool rbac) {
  for (const char* mode : {"cluster-wide", "namespaced"}) {
    INFO(mode);
    const bool namespaced = std::string_view(mode) == "namespaced";
    cluster c(rbac);
    const std::vector<bj::object> rendered = habop::shipping::kustomize(mode);
    // Under RBAC at cluster scope the operator registers the CRD itself (the cluster-wide Role allows it), so the
    // overlay goes in without it; otherwise exactly as rendered.
    std::vector<bj::object> applied;
    for (const auto& o : rendered) {
      if (!(rbac && !namespaced && o.at("kind") == "CustomResourceDefinition")) applied.push_back(o);
    }
    c.run({"apply", "--validate=strict", "-f", "-"}, as_yaml_stream(applied));

    habop::test::process_options opts;
    opts.unset_env = {"KUBECONFIG"};
    std::string error;
    // Under RBAC the operator authenticates as its ServiceAccount, so it can do only what the overlay grants.
    const std::string kubeconfig =
        rbac ? c.home.write("operator-kubeconfig", habop::fake::make_kubeconfig(c.api->server->address(),
                                                                                 c.api->server->ca_pem(),
                                                                                 operator_token))
             : c.api->kubeconfig_path;
    auto op = habop::test::child_process::spawn(operator_argv(rendered, kubeconfig), opts, &error);
    REQUIRE(op);
    REQUIRE(c.eventually({"wait", "--for=condition=Established", "crd/habitats.habitat.sh", "--timeout=5s"}));

    // Namespaced mode manages its own namespace only: the examples go there, and a Habitat elsewhere is ignored.
    const std::string home_ns = namespaced ? "habitat-operator" : "default";
    for (const char* name : {"standalone", "config"}) c.run({"apply", "-n", home_ns, "-f", "-"}, example(name));
    if (!namespaced) c.run({"apply", "-f", "-"}, example("namespaced"));
    c.run({"create", "namespace", "elsewhere"});
    c.run({"apply", "-n", "elsewhere", "-f", "-"}, example("standalone"));
    const process_result ready =
        c.kubectl.run({"wait", "--for=condition=Ready", "habitats", "--all", "--timeout=90s", "-n", home_ns});
    INFO("operator stderr:\n" << op->err());
    CHECK(ready.exit_code == 0);
    if (!namespaced) {
      CHECK(c.kubectl.run({"wait", "--for=condition=Ready", "habitats", "--all", "-n", "example-namespace",
                           "--timeout=60s"}).exit_code == 0);
      CHECK(c.kubectl.run({"wait", "--for=condition=Ready", "habitats", "--all", "-n", "elsewhere",
                           "--timeout=60s"}).exit_code == 0);
    } else {
      std::this_thread::sleep_for(std::chrono::seconds(1));
      CHECK(c.kubectl.run({"get", "-n", "elsewhere", "statefulset", "example-standalone-habitat"}).exit_code != 0);
    }
    // The Lease named in the leader-election Role is the one the operator holds.
    CHECK(c.kubectl.run({"get", "-n", "habitat-operator", "lease", "habitat-operator"}).exit_code == 0);

    if (rbac) {
      // Every rule of deploy/ is used by something the operator really asked (no surplus rule), and nothing it
      // asked was denied (no missing rule).
      exercise(c, *c.recorded, home_ns);
      const habop::fake::rbac_policy policy = habop::fake::policy_from_objects(rendered);
      const std::vector<std::string> unused = wait_until_all_used(*c.recorded, policy);
      INFO("operator stderr:\n" << op->err());
      CHECK(unused == std::vector<std::string>{});
      CHECK(c.recorded->denied() == std::set<std::string>{});
      INFO("recorded " << c.recorded->requests().size() << " distinct requests");
      CHECK(c.recorded->requests().size() >= 20);
    }
    op->signal();
    CHECK(op->wait(std::chrono::seconds(20)) == 0);
  }
}

}  // namespace

TEST_CASE("both overlays apply with --validate=strict, and again with no change", "[shipping][e2e]") {
  for (const char* mode : {"cluster-wide", "namespaced"}) {
    INFO(mode);
    cluster c;
    const std::string yaml = habop::shipping::kustomize_yaml(mode);
    const process_result first = c.run({"apply", "--validate=strict", "-f", "-"}, yaml);
    CHECK(first.err.find("Warning") == std::string::npos);
    CHECK(first.out.find("deployment.apps/habitat-operator created") != std::string::npos);
    const process_result second = c.run({"apply", "--validate=strict", "-f", "-"}, yaml);
    CHECK(second.out.find("configured") == std::string::npos);
    c.run({"get", "-n", "habitat-operator", "deployment/habitat-operator", "serviceaccount/habitat-operator",
           "service/habitat-operator-metrics", "role/habitat-operator-leader-election"});
    c.run({"wait", "--for=condition=Established", "crd/habitats.habitat.sh", "--timeout=30s"});
  }
}

TEST_CASE("the operator with the Deployment's args converges the examples in both modes", "[shipping][e2e]") {
  converge_examples(false);
}

TEST_CASE("under enforced RBAC the ServiceAccount's grants converge the examples, and each rule is used",
          "[shipping][e2e][rbac]") {
  converge_examples(true);
}

TEST_CASE("under enforced RBAC, a request outside the bindings is denied with kube-apiserver's 403",
          "[shipping][e2e][rbac]") {
  cluster c(true);
  c.run({"apply", "--validate=strict", "-f", "-"}, habop::shipping::kustomize_yaml("namespaced"));
  const std::string kubeconfig = c.home.write(
      "operator-kubeconfig",
      habop::fake::make_kubeconfig(c.api->server->address(), c.api->server->ca_pem(), operator_token));
  habop::test::kubectl as_operator = c.kubectl;
  as_operator.kubeconfig = kubeconfig;
  const process_result pods = as_operator.run({"get", "pods", "-n", "habitat-operator"});
  CHECK(pods.exit_code == 0);
  const process_result secrets = as_operator.run({"get", "secrets", "-n", "default"});
  CHECK(secrets.exit_code != 0);
  CHECK(secrets.err.find(R"(secrets is forbidden: User "system:serviceaccount:habitat-operator:habitat-operator" )"
                         R"(cannot list resource "secrets" in API group "" in the namespace "default")") !=
        std::string::npos);
}

namespace {

/// `objects` with `resource` taken out of every Role and ClusterRole rule (a rule left with none is dropped): the
/// grants of an older release, applied before the operator that needs them.
std::vector<bj::object> without_resource(std::vector<bj::object> objects, std::string_view resource) {
  for (auto& o : objects) {
    if (o.at("kind") != "Role" && o.at("kind") != "ClusterRole") continue;
    bj::array kept;
    for (auto& rule : o.at("rules").as_array()) {
      auto& resources = rule.as_object().at("resources").as_array();
      resources.erase(std::remove(resources.begin(), resources.end(), bj::value(resource)), resources.end());
      if (!resources.empty()) kept.push_back(rule);
    }
    o["rules"] = std::move(kept);
  }
  return objects;
}

/// How many lines of the logfmt `log` have the field `field` (`key=value`) and contain `text`.
std::size_t lines_with(const std::string& log, std::string_view field, std::string_view text) {
  std::size_t n = 0;
  std::istringstream in(log);
  for (std::string line; std::getline(in, line);) {
    line = " " + line + " ";
    if (line.find(" " + std::string(field) + " ") != std::string::npos && line.find(text) != std::string::npos) ++n;
  }
  return n;
}

}  // namespace

TEST_CASE("without list on Secrets and ServiceAccounts the operator converges without those checks, warns once, "
          "and checks again once granted",
          "[shipping][e2e][rbac]") {
  cluster c(true);
  const std::vector<bj::object> rendered = habop::shipping::kustomize("namespaced");
  c.run({"apply", "--validate=strict", "-f", "-"},
        as_yaml_stream(without_resource(without_resource(rendered, "secrets"), "serviceaccounts")));
  const std::string kubeconfig = c.home.write(
      "operator-kubeconfig",
      habop::fake::make_kubeconfig(c.api->server->address(), c.api->server->ca_pem(), operator_token));
  habop::test::process_options opts;
  opts.unset_env = {"KUBECONFIG"};
  auto op = habop::test::child_process::spawn(operator_argv(rendered, kubeconfig), opts);
  REQUIRE(op);

  // A Habitat naming a ServiceAccount that does not exist: unchecked, the operator creates its StatefulSet.
  c.run({"apply", "-n", "habitat-operator", "-f", "-"}, example("standalone"));
  c.run({"patch", "-n", "habitat-operator", "habitat", "example-standalone-habitat", "--type=merge", "-p",
         R"({"spec":{"v1beta2":{"serviceAccountName":"not-yet"}}})"});
  INFO("operator stderr:\n" << op->err());
  REQUIRE(c.eventually({"get", "-n", "habitat-operator", "statefulset", "example-standalone-habitat"}));
  for (const char* kind : {"kind=Secret", "kind=ServiceAccount"}) {
    CHECK(lines_with(op->err(), kind, "not allowed to list") == 1);
  }

  // The grants arrive: the reflectors retry, list, and reconcile checks the name again.
  c.run({"apply", "--validate=strict", "-f", "-"}, as_yaml_stream(rendered));
  CHECK(c.eventually({"wait", "-n", "habitat-operator", "habitat/example-standalone-habitat",
                      "--for=jsonpath={.status.conditions[?(@.type==\"Ready\")].reason}=ServiceAccountNotFound",
                      "--timeout=5s"},
                     std::chrono::seconds(90)));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  const auto both_back = [&] {
    return lines_with(op->err(), "kind=Secret", "listing is permitted again") == 1 &&
           lines_with(op->err(), "kind=ServiceAccount", "listing is permitted again") == 1;
  };
  while (!both_back() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  CHECK(both_back());
  op->signal();
  CHECK(op->wait(std::chrono::seconds(20)) == 0);
}
