// Child processes for end-to-end tests: spawn with args and env (posix_spawn), capture output, wait, kill.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace habop::test {

/// How to start a process.
struct process_options {
  std::vector<std::pair<std::string, std::string>> env;  ///< Set (or override) these variables.
  std::vector<std::string> unset_env;                    ///< Remove these variables (e.g. KUBECONFIG).
  std::optional<std::string> stdin_data;                 ///< Written to stdin, which is then closed.
  bool operator==(const process_options&) const = default;
};

/// What a finished process left behind.
struct process_result {
  int exit_code = -1;        ///< Exit status, or 128+signal when killed; -1 when it could not start.
  bool timed_out = false;    ///< It was killed because it ran past the timeout.
  std::string out;           ///< Everything written to stdout.
  std::string err;           ///< Everything written to stderr (or why spawning failed).
  bool ok() const { return exit_code == 0 && !timed_out; }
  bool operator==(const process_result&) const = default;
};

/// A running child whose stdout and stderr are read in the background. Killed (SIGKILL) when destroyed.
class child_process {
 public:
  /// Starts `argv[0]` (searched in PATH when it has no slash); nullptr with `error` set when spawning fails.
  static std::unique_ptr<child_process> spawn(const std::vector<std::string>& argv, const process_options& opts,
                                              std::string* error = nullptr);
  ~child_process();
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  int pid() const;
  /// Output so far.
  std::string out() const;
  std::string err() const;
  /// Waits until stdout contains `needle`; false on timeout or exit.
  bool wait_for_output(std::string_view needle, std::chrono::milliseconds timeout) const;
  /// Sends a signal (SIGTERM by default).
  void signal(int sig = 15) const;
  /// Waits for exit; the exit code (or 128+signal), nullopt on timeout.
  std::optional<int> wait(std::chrono::milliseconds timeout);
  /// Kills (SIGKILL), reaps and returns the collected result.
  process_result kill_and_collect();

  struct impl;

 private:
  explicit child_process(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

/// Runs a process to completion, killing it after `timeout`.
process_result run_process(const std::vector<std::string>& argv, const process_options& opts = {},
                           std::chrono::milliseconds timeout = std::chrono::seconds(60));

/// `argv` run under the command in environment variable `variable`, when set (e.g. `HABOP_BENCH_WRAPPER="heaptrack
/// -o /tmp/op"`: a profiler or a debugger): its words, split on spaces, go before `argv`.
std::vector<std::string> wrapped_by_env(std::vector<std::string> argv, const char* variable);

/// The path of an executable: `name` itself when it contains a slash and exists, else the first match in PATH.
std::optional<std::string> find_executable(std::string_view name);

}  // namespace habop::test
