// Runs the real kubectl against a test server with a private HOME and discovery cache per test.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <habop/test_support/process.hpp>

namespace habop::test {

/// Where the gcloud SDK installs versioned kubectl binaries (`kubectl.1.32`, ...).
inline constexpr std::string_view gcloud_kubectl_dir = "/usr/lib/google-cloud-sdk/bin";

/// `kubectl.1.<minor>` from the gcloud SDK (e.g. version "1.32"), or `kubectl` in PATH for an empty version;
/// nullopt when absent (tests then skip with a message).
std::optional<std::string> find_kubectl(std::string_view version = {});

/// One kubectl binary bound to one kubeconfig and one HOME (so discovery caches never leak between tests).
struct kubectl {
  std::string binary;       ///< Path of the kubectl executable.
  std::string kubeconfig;   ///< Passed as --kubeconfig.
  std::string home;         ///< HOME for the process; the cache dir is `<home>/.kube/cache`.
  std::chrono::milliseconds timeout = std::chrono::seconds(60);

  /// Runs `kubectl --kubeconfig K --cache-dir C <args...>`, feeding `stdin_data` when given (e.g. `apply -f -`).
  process_result run(const std::vector<std::string>& args,
                     const std::optional<std::string>& stdin_data = std::nullopt) const;
  /// Starts a long-running kubectl (e.g. `get -w`) in the background.
  std::unique_ptr<child_process> start(const std::vector<std::string>& args) const;
  bool operator==(const kubectl&) const = default;
};

}  // namespace habop::test
