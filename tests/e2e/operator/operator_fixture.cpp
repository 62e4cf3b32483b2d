// The operator e2e environment: fake-apiserver in process, habitat-operator and kubectl as child processes.
#include "operator_fixture.hpp"

#include <csignal>
#include <regex>
#include <sstream>
#include <thread>

#include <boost/json.hpp>

#include <habop/test_support/temp_dir.hpp>

namespace habop::test {

operator_process::~operator_process() {
  if (!process) return;
  process->signal(SIGTERM);
  process->signal(SIGCONT);
  (void)process->wait(std::chrono::seconds(10));
}

std::string operator_process::get(const std::string& path) const {
  auto r = run_process({"curl", "-s", "--max-time", "5", "http://127.0.0.1:" + std::to_string(port) + path}, {},
                       std::chrono::seconds(10));
  return r.ok() ? r.out : std::string();
}

double operator_process::requests(const std::string& method) const {
  std::istringstream in(get("/metrics"));
  double total = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("rest_client_requests_total{", 0) != 0) continue;
    if (line.find("method=\"" + method + "\"") == std::string::npos) continue;
    total += std::stod(line.substr(line.rfind(' ') + 1));
  }
  return total;
}

operator_cluster::operator_cluster(bool simulate_workloads, fake::simulation_options simulation,
                                   fake::server_options api) {
  fake::server_config config;
  config.simulate_workloads = simulate_workloads;
  config.simulation = std::move(simulation);
  config.api = std::move(api);
  auto started = start_in_process_apiserver(config);
  if (!started) throw std::runtime_error("fake-apiserver: " + started.error().message);
  api_ = std::move(*started);
  kubectl_.binary = find_kubectl().value_or("kubectl");
  kubectl_.kubeconfig = api_->kubeconfig_path;
  kubectl_.home = home_.path().string();
  api_->server->with_api([this](fake::api_server& api, instant) {
    subscription_ = api.store().subscribe([this](const fake::change& c) {
      std::lock_guard lock(mutex_);
      ++writes_[c.resource.plural];
    });
  });
}

operator_cluster::~operator_cluster() {
  if (api_ && api_->server) {
    api_->server->with_api([this](fake::api_server& api, instant) { api.store().unsubscribe(subscription_); });
  }
}

operator_process start_operator_process(const std::string& kubeconfig, const std::vector<std::string>& extra,
                                        std::string* error) {
  std::vector<std::string> argv{HABOP_OPERATOR_BIN, "--kubeconfig", kubeconfig,
                                "--health-probe-bind-address", "127.0.0.1:0", "--metrics-bind-address",
                                "127.0.0.1:0"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  // HABOP_TEST_OPERATOR_WRAPPER="valgrind --tool=callgrind ...": the operator runs under a profiler or a debugger
  // (bench/operator/profile_cold_text.sh records which code these scenarios run).
  argv = wrapped_by_env(std::move(argv), "HABOP_TEST_OPERATOR_WRAPPER");
  process_options opts;
  opts.unset_env = {"KUBECONFIG"};
  operator_process op;
  op.process = child_process::spawn(argv, opts, error);
  if (!op.process) return op;
  const std::regex address(R"(msg="serving endpoints".*address=127\.0\.0\.1:(\d+))");
  const bool up = operator_cluster::eventually(
      [&] {
        std::smatch m;
        const std::string err = op.process->err();
        if (!std::regex_search(err, m, address)) return false;
        op.port = static_cast<std::uint16_t>(std::stoi(m[1].str()));
        return true;
      },
      std::chrono::seconds(20));
  if (!up && error) *error = op.process->err();
  return op;
}

operator_process operator_cluster::start_operator(const std::vector<std::string>& extra, std::string* error) {
  return start_operator_process(api_->kubeconfig_path, extra, error);
}

process_result operator_cluster::kubectl_run(const std::vector<std::string>& args,
                                             const std::optional<std::string>& stdin_data) const {
  return kubectl_.run(args, stdin_data);
}

process_result operator_cluster::apply(const std::string& manifest) const {
  return kubectl_.run({"apply", "-f", "-"}, manifest);
}

std::optional<boost::json::object> operator_cluster::get(const fake::resource_key& r, const std::string& ns,
                                                         const std::string& name) {
  std::optional<boost::json::object> out;
  api_->server->with_api([&](fake::api_server& api, instant) {
    auto got = api.store().get(r, ns, name);
    if (got) out = std::move(*got);
  });
  return out;
}

std::vector<boost::json::object> operator_cluster::list(const fake::resource_key& r, const std::string& ns,
                                                        const std::string& label_selector) {
  std::vector<boost::json::object> out;
  api_->server->with_api([&](fake::api_server& api, instant) {
    auto got = api.store().list(r, ns, label_selector);
    if (got) out = std::move(*got);
  });
  return out;
}

bool operator_cluster::create(const fake::resource_key& r, const std::string& ns, boost::json::object obj) {
  bool ok = false;
  api_->server->with_api([&](fake::api_server& api, instant now) { ok = bool(api.store().create(r, ns, obj, now)); });
  return ok;
}

std::uint64_t operator_cluster::writes(const std::string& plural) const {
  std::lock_guard lock(mutex_);
  if (!plural.empty()) {
    auto it = writes_.find(plural);
    return it == writes_.end() ? 0 : it->second;
  }
  std::uint64_t total = 0;
  for (const auto& [k, v] : writes_) total += v;
  return total;
}

bool operator_cluster::eventually(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (pred()) return true;
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

std::string example_manifest(const std::string& name) {
  return read_text_file(std::string(HABOP_EXAMPLES_DIR) + "/" + name + "/habitat.yml");
}

std::pair<std::string, std::string> condition_of(const boost::json::object& habitat, const std::string& type) {
  const auto* status = habitat.if_contains("status");
  if (!status || !status->is_object()) return {};
  const auto* conditions = status->get_object().if_contains("conditions");
  if (!conditions || !conditions->is_array()) return {};
  for (const auto& c : conditions->get_array()) {
    if (!c.is_object()) continue;
    const auto& o = c.get_object();
    const auto* t = o.if_contains("type");
    if (!t || !t->is_string() || t->get_string() != type) continue;
    auto str = [&](const char* k) {
      const auto* v = o.if_contains(k);
      return v && v->is_string() ? std::string(v->get_string()) : std::string();
    };
    return {str("status"), str("reason")};
  }
  return {};
}

}  // namespace habop::test
