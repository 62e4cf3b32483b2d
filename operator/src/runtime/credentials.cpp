// Bearer credentials: token files re-read on rotation, exec plugins run with posix_spawn and cached until expiry.
#include "credentials.hpp"

#include "wall_clock.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

extern char** environ;

namespace habop::op {
namespace {

result<std::string> read_token_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return error{404, "NotFound", "cannot read token file " + path, {}};
  std::ostringstream out;
  out << in.rdbuf();
  std::string token = out.str();
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r' || token.back() == ' ')) token.pop_back();
  return token;
}

error exec_error(const std::string& command, const std::string& what) {
  return error{401, "Unauthorized", "exec credential plugin " + command + ": " + what, {}};
}

}  // namespace

result<exec_credential> run_exec_plugin(const client_config& config, std::chrono::milliseconds timeout) {
  if (!config.exec) return error{400, "BadRequest", "no exec plugin configured", {}};
  const exec_config& exec = *config.exec;
  int out_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) return exec_error(exec.command, std::strerror(errno));

  // The child's environment: ours, the kubeconfig's additions (overriding), then KUBERNETES_EXEC_INFO.
  std::vector<std::string> env_strings;
  for (char** e = environ; e && *e; ++e) {
    std::string_view entry(*e);
    const auto name = entry.substr(0, entry.find('='));
    bool overridden = name == "KUBERNETES_EXEC_INFO";
    for (const auto& [k, v] : exec.env) overridden = overridden || name == k;
    if (!overridden) env_strings.emplace_back(entry);
  }
  for (const auto& [k, v] : exec.env) env_strings.push_back(k + "=" + v);
  env_strings.push_back("KUBERNETES_EXEC_INFO=" + exec_info_json(config));
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> arg_strings{exec.command};
  arg_strings.insert(arg_strings.end(), exec.args.begin(), exec.args.end());
  std::vector<char*> argv;
  for (auto& s : arg_strings) argv.push_back(s.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  pid_t pid = 0;
  const int rc = ::posix_spawnp(&pid, exec.command.c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(out_pipe[1]);
  if (rc != 0) {
    ::close(out_pipe[0]);
    std::string hint = exec.install_hint.empty() ? "" : " (" + exec.install_hint + ")";
    return exec_error(exec.command, std::string("cannot start: ") + std::strerror(rc) + hint);
  }

  std::string output;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  bool timed_out = false;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) { timed_out = true; break; }
    pollfd pfd{out_pipe[0], POLLIN, 0};
    const int n = ::poll(&pfd, 1, static_cast<int>(left.count()));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) { timed_out = n == 0; break; }
    char buf[4096];
    const ssize_t got = ::read(out_pipe[0], buf, sizeof buf);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    output.append(buf, static_cast<std::size_t>(got));
    if (output.size() > (1u << 20)) break;  // A credential is small; refuse to buffer a runaway plugin.
  }
  ::close(out_pipe[0]);
  if (timed_out) ::kill(pid, SIGKILL);
  int wstatus = 0;
  while (::waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {}
  if (timed_out) return exec_error(exec.command, "timed out");
  if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0) {
    return exec_error(exec.command, "exited with status " +
                                        std::to_string(WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1));
  }
  auto cred = parse_exec_credential(output);
  if (!cred) return exec_error(exec.command, cred.error().message);
  return cred;
}

credentials::credentials(client_config config, std::chrono::milliseconds token_file_refresh)
    : config_(std::move(config)), token_file_refresh_(token_file_refresh), token_(config_.token) {}

std::optional<result<exec_credential>> credentials::initial_exec() {
  if (!config_.exec) return std::nullopt;
  auto cred = run_exec_plugin(config_, std::chrono::seconds(30));
  if (cred) {
    std::lock_guard lock(mutex_);
    token_ = cred->token;
    expires_ = cred->expiration;
    stale_ = false;
  }
  return cred;
}

std::string credentials::authorization() {
  std::lock_guard lock(mutex_);
  const auto now = std::chrono::steady_clock::now();
  if (config_.exec) {
    if (stale_ || (expires_ && *expires_ <= wall_now())) {
      auto cred = run_exec_plugin(config_, std::chrono::seconds(30));
      if (cred) {
        token_ = cred->token;
        expires_ = cred->expiration;
        stale_ = false;
        last_error_.clear();
      } else {
        last_error_ = cred.error().message;
      }
    }
  } else if (config_.token_file) {
    if (stale_ || !loaded_at_ || now - *loaded_at_ >= token_file_refresh_) {
      auto token = read_token_file(*config_.token_file);
      loaded_at_ = now;
      if (token) {
        token_ = std::move(*token);
        stale_ = false;
        last_error_.clear();
      } else {
        last_error_ = token.error().message;
      }
    }
  }
  return token_.empty() ? std::string() : "Bearer " + token_;
}

void credentials::invalidate() {
  std::lock_guard lock(mutex_);
  stale_ = true;
}

std::string credentials::last_error() {
  std::lock_guard lock(mutex_);
  return last_error_;
}

}  // namespace habop::op
