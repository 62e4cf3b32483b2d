// Starts fake-apiservers for tests: in-process on port 0, or the binary as a child process.
#include <habop/test_support/fake_apiserver.hpp>

namespace habop::test {
namespace {

error failure(std::string message) {
  return error{.code = 500, .reason = "InternalError", .message = std::move(message), .causes = {}};
}

}  // namespace

result<std::unique_ptr<in_process_apiserver>> start_in_process_apiserver(fake::server_config config) {
  auto out = std::make_unique<in_process_apiserver>();
  out->kubeconfig_path = out->dir.file("kubeconfig");
  config.kubeconfig_out = out->kubeconfig_path;
  auto srv = fake::server::start(std::move(config));
  if (!srv) return std::move(srv).error();
  out->server = std::move(*srv);
  return out;
}

std::string fake_apiserver_binary() {
#ifdef HABOP_FAKE_APISERVER_BIN
  return HABOP_FAKE_APISERVER_BIN;
#else
  return "fake-apiserver";
#endif
}

std::optional<int> spawned_apiserver::stop(std::chrono::milliseconds timeout) {
  if (!process) return std::nullopt;
  process->signal(15);
  auto code = process->wait(timeout);
  if (!code) process->kill_and_collect();
  return code;
}

result<std::unique_ptr<spawned_apiserver>> spawn_apiserver(const std::vector<std::string>& extra_args,
                                                           std::string binary) {
  auto out = std::make_unique<spawned_apiserver>();
  out->kubeconfig_path = out->dir.file("kubeconfig");
  std::vector<std::string> argv{binary.empty() ? fake_apiserver_binary() : binary, "--listen", "127.0.0.1:0",
                                "--kubeconfig-out", out->kubeconfig_path};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  std::string error;
  out->process = child_process::spawn(argv, {}, &error);
  if (!out->process) return failure("cannot start fake-apiserver: " + error);
  constexpr std::string_view marker = "listening on ";
  if (!out->process->wait_for_output("\n", std::chrono::seconds(20))) {
    auto r = out->process->kill_and_collect();
    return failure("fake-apiserver did not start: " + r.err);
  }
  std::string text = out->process->out();
  auto pos = text.find(marker);
  if (pos == std::string::npos) return failure("unexpected fake-apiserver output: " + text);
  auto end = text.find('\n', pos);
  out->address = text.substr(pos + marker.size(), end - pos - marker.size());
  return out;
}

}  // namespace habop::test
