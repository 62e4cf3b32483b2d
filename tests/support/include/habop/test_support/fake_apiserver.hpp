// Fake-apiservers for tests: in-process on port 0 ("envtest for C++"), or the real binary spawned.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <habop/core/result.hpp>
#include <habop/fake_apiserver/server.hpp>
#include <habop/test_support/process.hpp>
#include <habop/test_support/temp_dir.hpp>

namespace habop::test {

/// An in-process fake-apiserver with its kubeconfig written to a private temporary directory.
struct in_process_apiserver {
  temp_dir dir{"habop-fake"};
  std::unique_ptr<fake::server> server;
  std::string kubeconfig_path;   ///< `<dir>/kubeconfig`.
};

/// Starts an in-process server (listen defaults to 127.0.0.1:0) and writes its kubeconfig; takes a few ms.
result<std::unique_ptr<in_process_apiserver>> start_in_process_apiserver(fake::server_config config = {});

/// The `fake-apiserver` binary running as a child process.
struct spawned_apiserver {
  temp_dir dir{"habop-fake-bin"};
  std::unique_ptr<child_process> process;
  std::string address;           ///< From its `listening on https://...` line.
  std::string kubeconfig_path;   ///< `<dir>/kubeconfig`.
  /// SIGTERM and wait; the exit code, or nullopt when it had to be killed.
  std::optional<int> stop(std::chrono::milliseconds timeout = std::chrono::seconds(10));
};

/// The path of the fake-apiserver binary this build made.
std::string fake_apiserver_binary();

/// Spawns `binary` (default: this build's) with `--listen 127.0.0.1:0 --kubeconfig-out <dir>/kubeconfig` plus
/// `extra_args`, and waits until it prints its address.
result<std::unique_ptr<spawned_apiserver>> spawn_apiserver(const std::vector<std::string>& extra_args = {},
                                                           std::string binary = {});

}  // namespace habop::test
