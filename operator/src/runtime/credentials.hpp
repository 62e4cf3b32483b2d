// Bearer credentials for the API client: a static token, a rotating token file, or an exec credential plugin.
#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <string>

#include <habop/core/result.hpp>
#include <habop/operator/kubeconfig.hpp>

namespace habop::op {

/// Runs an exec credential plugin (posix_spawn, `KUBERNETES_EXEC_INFO` set, stdin closed) and parses its output.
/// Errors name the command and its exit status, never its output (which holds secrets).
result<exec_credential> run_exec_plugin(const client_config& config, std::chrono::milliseconds timeout);

/// Supplies the `Authorization` header, thread-safe. A token file is re-read when its copy is older than
/// `token_file_refresh` or after `invalidate`; an exec credential is re-run when it expires or after `invalidate`.
class credentials {
 public:
  explicit credentials(client_config config,
                       std::chrono::milliseconds token_file_refresh = std::chrono::seconds(60));

  /// `Bearer <token>`, or empty when the config authenticates by client certificate only. Failures to refresh
  /// keep the last good token (and are reported through `last_error`).
  std::string authorization();
  /// After a 401: the next `authorization` reloads the token file or re-runs the plugin.
  void invalidate();
  /// Whether `invalidate` can change anything (a token file or a plugin is configured).
  bool refreshable() const { return config_.token_file.has_value() || config_.exec.has_value(); }
  /// Runs the plugin once at start (it may supply the client certificate for TLS); nullopt without a plugin.
  std::optional<result<exec_credential>> initial_exec();
  /// The last refresh failure (for the log), empty if none. Never contains the token.
  std::string last_error();

 private:
  client_config config_;
  std::chrono::milliseconds token_file_refresh_;
  std::mutex mutex_;
  std::string token_;
  std::optional<std::chrono::steady_clock::time_point> loaded_at_;
  std::optional<instant> expires_;
  bool stale_ = true;
  std::string last_error_;
};

}  // namespace habop::op
