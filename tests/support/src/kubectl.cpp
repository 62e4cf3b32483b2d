// Runs kubectl with a per-test kubeconfig, HOME and discovery cache.
#include <habop/test_support/kubectl.hpp>

#include <unistd.h>

namespace habop::test {
namespace {

std::vector<std::string> command(const kubectl& k, const std::vector<std::string>& args) {
  std::vector<std::string> argv{k.binary, "--kubeconfig", k.kubeconfig, "--cache-dir", k.home + "/.kube/cache"};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

process_options options(const kubectl& k, const std::optional<std::string>& stdin_data) {
  process_options o;
  o.env = {{"HOME", k.home}};
  o.unset_env = {"KUBECONFIG", "KUBECTL_EXTERNAL_DIFF", "KUBECTL_COMMAND_HEADERS"};
  o.stdin_data = stdin_data;
  return o;
}

}  // namespace

std::optional<std::string> find_kubectl(std::string_view version) {
  if (version.empty()) return find_executable("kubectl");
  std::string path = std::string(gcloud_kubectl_dir) + "/kubectl." + std::string(version);
  if (::access(path.c_str(), X_OK) == 0) return path;
  return std::nullopt;
}

process_result kubectl::run(const std::vector<std::string>& args, const std::optional<std::string>& stdin_data) const {
  return run_process(command(*this, args), options(*this, stdin_data), timeout);
}

std::unique_ptr<child_process> kubectl::start(const std::vector<std::string>& args) const {
  return child_process::spawn(command(*this, args), options(*this, std::nullopt));
}

}  // namespace habop::test
