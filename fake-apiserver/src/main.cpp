// fake-apiserver: serves the fake Kubernetes API over HTTPS until SIGTERM or SIGINT.
#include <habop/fake_apiserver/server.hpp>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <string_view>

namespace {

constexpr std::string_view usage =
    "usage: fake-apiserver [--listen HOST:PORT] [--kubeconfig-out FILE] [--simulate-workloads]\n"
    "                      [--simulate-image-pull-failure TEXT]... [--token T]\n"
    "                      [--token-user TOKEN=USER]... [--authorization-mode=RBAC|AlwaysAllow]\n"
    "                      [--anonymous] [--cert FILE --key FILE] [--no-gc] [--admin] [--data-dir DIR]\n"
    "  --listen HOST:PORT      address to bind (default 127.0.0.1:0, a free port)\n"
    "  --kubeconfig-out FILE   write a kubeconfig (CA data, server, token) for kubectl and clients\n"
    "  --simulate-workloads    give StatefulSets pods, claims and status, Deployments a status (like kwok);\n"
    "                          bind claims to PersistentVolumes a simulated provisioner creates; register the\n"
    "                          node fake-node-1 the pods run on; record the scheduler's and kubelet's events.\n"
    "                          No container runs: exec, attach, cp and port-forward fail as with an unreachable\n"
    "                          kubelet\n"
    "  --simulate-image-pull-failure TEXT\n"
    "                          simulated pods whose image contains TEXT never pull: they stay Pending in\n"
    "                          ImagePullBackOff, as with a mistyped image; repeatable\n"
    "  --token T               bearer token of the admin user habop-admin (default: a random one, in the\n"
    "                          kubeconfig); habop-admin may do everything, also under RBAC\n"
    "  --token-user TOKEN=USER another bearer token and the user it authenticates as, e.g. a ServiceAccount's\n"
    "                          token=system:serviceaccount:NS:NAME (groups system:serviceaccounts,\n"
    "                          system:serviceaccounts:NS, system:authenticated); repeatable\n"
    "  --authorization-mode M  AlwaysAllow (default): every authenticated request is allowed; RBAC: requests are\n"
    "                          authorized by the stored Roles, ClusterRoles and bindings (plus kube-apiserver's\n"
    "                          discovery roles), and denied with a 403 Forbidden Status like kube-apiserver's\n"
    "  --anonymous             also accept requests without a token\n"
    "  --cert FILE --key FILE  serve this PEM certificate and key instead of a generated CA and certificate\n"
    "  --no-gc                 disable garbage collection of dependents (as envtest)\n"
    "  --admin                 serve /admin/faults for fault injection (to habop-admin only under RBAC)\n"
    "  --data-dir DIR          keep the state in DIR so that a restarted process is the same API server: the CA,\n"
    "                          serving certificate and admin token of the first start (explicit --cert/--key/\n"
    "                          --token win), the port a --listen with port 0 bound (so the kubeconfig stays\n"
    "                          valid), and every object: each committed change is appended to DIR/store before\n"
    "                          it is acknowledged, so even kill -9 loses nothing a client was told; resource\n"
    "                          versions continue, and watches from before the restart get 410 Expired (clients\n"
    "                          relist), as from a restarted kube-apiserver. A log tail cut short by a kill is\n"
    "                          replayed up to its last complete record (said on stderr). DIR is created if\n"
    "                          missing and locked while the server runs\n";

int fail(const std::string& message) {
  std::cerr << "fake-apiserver: " << message << "\n" << usage;
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  habop::fake::server_config config;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    std::string value;
    bool has_value = false;
    if (auto eq = arg.find('='); arg.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
      has_value = true;
    }
    auto take = [&]() -> bool {
      if (has_value) return true;
      if (i + 1 >= argc) return false;
      value = argv[++i];
      return true;
    };
    if (arg == "--help" || arg == "-h") {
      std::cout << usage;
      return 0;
    } else if (arg == "--listen") {
      if (!take()) return fail("--listen needs a value");
      config.listen = value;
    } else if (arg == "--kubeconfig-out") {
      if (!take()) return fail("--kubeconfig-out needs a value");
      config.kubeconfig_out = value;
    } else if (arg == "--token") {
      if (!take()) return fail("--token needs a value");
      config.token = value;
    } else if (arg == "--token-user") {
      if (!take()) return fail("--token-user needs a value TOKEN=USER");
      const auto eq = value.find('=');
      if (eq == std::string::npos || eq == 0 || eq + 1 == value.size()) {
        return fail("--token-user must be TOKEN=USER with both parts non-empty, e.g. "
                    "--token-user s3cret=system:serviceaccount:habitat-operator:habitat-operator");
      }
      if (!config.tokens.emplace(value.substr(0, eq), value.substr(eq + 1)).second) {
        return fail("--token-user: the same token is given twice (for user " + value.substr(eq + 1) + ")");
      }
    } else if (arg == "--authorization-mode") {
      if (!take()) return fail("--authorization-mode needs a value: RBAC or AlwaysAllow");
      if (value != "RBAC" && value != "AlwaysAllow") {
        return fail("--authorization-mode must be RBAC or AlwaysAllow, not \"" + value + "\"");
      }
      config.rbac = value == "RBAC";
    } else if (arg == "--cert") {
      if (!take()) return fail("--cert needs a value");
      config.cert_file = value;
    } else if (arg == "--key") {
      if (!take()) return fail("--key needs a value");
      config.key_file = value;
    } else if (arg == "--simulate-workloads") {
      config.simulate_workloads = true;
    } else if (arg == "--simulate-image-pull-failure") {
      if (!take() || value.empty()) return fail("--simulate-image-pull-failure needs a value");
      config.simulation.unpullable_images.push_back(value);
    } else if (arg == "--anonymous") {
      config.anonymous = true;
    } else if (arg == "--no-gc") {
      config.api.garbage_collection = false;
    } else if (arg == "--data-dir") {
      if (!take() || value.empty()) return fail("--data-dir needs a directory");
      config.data_dir = value;
    } else if (arg == "--admin") {
      config.admin = true;
    } else {
      return fail("unknown argument " + arg);
    }
  }

  // Block the stop signals before any thread starts, so that only sigwait below receives them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  auto srv = habop::fake::server::start(config);
  if (!srv) {
    std::cerr << "fake-apiserver: " << habop::describe(srv.error()) << "\n";
    return 1;
  }
  std::cout << "listening on " << (*srv)->address() << std::endl;
  if (config.kubeconfig_out) std::cout << "kubeconfig written to " << *config.kubeconfig_out << std::endl;

  int sig = 0;
  sigwait(&signals, &sig);
  std::cout << "stopping on " << (sig == SIGTERM ? "SIGTERM" : "SIGINT") << std::endl;
  (*srv)->stop();
  return 0;
}
