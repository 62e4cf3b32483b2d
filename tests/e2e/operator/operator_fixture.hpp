// A cluster for operator end-to-end tests: an in-process fake-apiserver, the real habitat-operator, the real kubectl.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include <habop/fake_apiserver/object_store.hpp>
#include <habop/test_support/fake_apiserver.hpp>
#include <habop/test_support/kubectl.hpp>
#include <habop/test_support/process.hpp>

namespace habop::test {

/// One running habitat-operator process and the port of its endpoints (health and metrics share it).
struct operator_process {
  operator_process() = default;
  operator_process(operator_process&&) = default;
  operator_process& operator=(operator_process&&) = default;
  /// A running operator gets SIGTERM (and SIGCONT, should a test have stopped it) and up to 10 s to exit before
  /// child_process's SIGKILL, as from a kubelet: a profiler it runs under (HABOP_TEST_OPERATOR_WRAPPER) then
  /// writes its output.
  ~operator_process();
  std::unique_ptr<child_process> process;
  std::uint16_t port = 0;
  /// `GET /path` on the endpoints port via curl; empty on failure.
  std::string get(const std::string& path) const;
  /// The summed value of every `rest_client_requests_total` sample whose method is `method` (e.g. `PATCH`).
  double requests(const std::string& method) const;
};

/// The environment. Every write the server commits is counted per resource plural (events and leases included).
class operator_cluster {
 public:
  /// `simulation`: the workload simulator's options (e.g. images that never pull); `api`: the API semantics' (e.g. a
  /// slower garbage collector).
  explicit operator_cluster(bool simulate_workloads = true, fake::simulation_options simulation = {},
                            fake::server_options api = {});
  ~operator_cluster();

  fake::server& server() { return *api_->server; }
  const kubectl& kctl() const { return kubectl_; }
  const std::string& kubeconfig() const { return api_->kubeconfig_path; }

  /// start_operator_process with this cluster's kubeconfig.
  operator_process start_operator(const std::vector<std::string>& extra = {}, std::string* error = nullptr);

  /// `kubectl <args>` (stdin optional); returns the result.
  process_result kubectl_run(const std::vector<std::string>& args,
                             const std::optional<std::string>& stdin_data = std::nullopt) const;
  /// `kubectl apply -f -` of a manifest.
  process_result apply(const std::string& manifest) const;

  /// A typed read through the server's store; nullopt when missing.
  std::optional<boost::json::object> get(const fake::resource_key& r, const std::string& ns, const std::string& name);
  std::vector<boost::json::object> list(const fake::resource_key& r, const std::string& ns,
                                        const std::string& label_selector = {});
  /// A typed write (e.g. a Secret) through the store.
  bool create(const fake::resource_key& r, const std::string& ns, boost::json::object obj);

  /// Committed writes to `plural` since start (all resources when empty).
  std::uint64_t writes(const std::string& plural = {}) const;

  /// Polls `pred` every 50 ms until true or `timeout`.
  static bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds timeout);

 private:
  std::unique_ptr<in_process_apiserver> api_;
  kubectl kubectl_;
  temp_dir home_{"habop-op-home"};
  std::uint64_t subscription_ = 0;
  mutable std::mutex mutex_;
  std::map<std::string, std::uint64_t> writes_;
};

/// Starts the operator binary with `--kubeconfig kubeconfig` and endpoints on a free port, plus `extra` flags; waits
/// until it serves its endpoints (nullopt process on failure, with its stderr in `error`).
operator_process start_operator_process(const std::string& kubeconfig, const std::vector<std::string>& extra = {},
                                        std::string* error = nullptr);

/// `examples/<name>/habitat.yml`, or empty when the example is missing.
std::string example_manifest(const std::string& name);

/// The Habitat's condition `type`: its `status` (`True`/`False`/`Unknown`) and `reason`; empty when absent.
std::pair<std::string, std::string> condition_of(const boost::json::object& habitat, const std::string& type);

}  // namespace habop::test
