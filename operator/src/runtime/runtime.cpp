// The operator process: loads config, checks permissions and the CRD, runs caches, election, endpoints, signals.
#include <habop/operator/runtime.hpp>

#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <random>
#include <sstream>
#include <thread>

#include <boost/json.hpp>

#include <habop/api/crd.hpp>
#include <habop/json/codec.hpp>
#include <habop/operator/client.hpp>
#include <habop/operator/controller.hpp>
#include <habop/operator/endpoints.hpp>
#include <habop/operator/kubeconfig.hpp>
#include <habop/operator/leader_election.hpp>
#include <habop/operator/log.hpp>
#include <habop/operator/metrics.hpp>

#include "leader.hpp"
#include "wall_clock.hpp"

namespace habop::op {
namespace {

constexpr const char* version = "0.1.0";
constexpr const char* crd_path = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/habitats.habitat.sh";

std::mutex stderr_mutex;

void write_stderr(std::string_view line) {
  std::lock_guard lock(stderr_mutex);
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fputc('\n', stderr);
  std::fflush(stderr);
}

result<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return error{errno == ENOENT ? 404 : 500, errno == ENOENT ? "NotFound" : "InternalError",
                 "cannot read " + path, {}};
  }
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::optional<std::string> get_env(const std::string& name) {
  const char* v = std::getenv(name.c_str());
  return v ? std::optional<std::string>(v) : std::nullopt;
}

std::string random_hex(std::size_t n) {
  std::random_device rd;
  std::string out;
  static constexpr char digits[] = "0123456789abcdef";
  for (std::size_t i = 0; i < n; ++i) out.push_back(digits[rd() % 16]);
  return out;
}

std::string host_name() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "habitat-operator";
  return buf;
}

std::string host_of(const std::string& server) {
  const auto start = server.find("://");
  std::string rest = start == std::string::npos ? server : server.substr(start + 3);
  return rest.substr(0, rest.find('/'));
}

/// Whether the CRD's `Established` condition is `True`.
bool established(const std::string& body) {
  auto v = json::parse_json(body);
  if (!v || !v->is_object()) return false;
  const auto* status = v->get_object().if_contains("status");
  if (!status || !status->is_object()) return false;
  const auto* conditions = status->get_object().if_contains("conditions");
  if (!conditions || !conditions->is_array()) return false;
  for (const auto& c : conditions->get_array()) {
    if (!c.is_object()) continue;
    const auto* type = c.get_object().if_contains("type");
    const auto* st = c.get_object().if_contains("status");
    if (type && type->is_string() && type->get_string() == "Established" && st && st->is_string() &&
        st->get_string() == "True") {
      return true;
    }
  }
  return false;
}

/// Whether the served CRD has the status subresource on version v1beta1: an older definition (the original
/// operator's had none) makes every status write 404.
bool has_status_subresource(const std::string& body) {
  auto v = json::parse_json(body);
  if (!v || !v->is_object()) return false;
  const auto* spec = v->get_object().if_contains("spec");
  const auto* versions = spec && spec->is_object() ? spec->get_object().if_contains("versions") : nullptr;
  if (!versions || !versions->is_array()) return false;
  for (const auto& version : versions->get_array()) {
    if (!version.is_object()) continue;
    const auto* name = version.get_object().if_contains("name");
    if (!name || !name->is_string() || name->get_string() != "v1beta1") continue;
    const auto* sub = version.get_object().if_contains("subresources");
    return sub && sub->is_object() && sub->get_object().contains("status");
  }
  return false;
}

/// Creates the Habitat CRD if missing and waits until it is Established (up to 60 s). An existing one is left as
/// it is (RBAC grants no update), but one without the status subresource is reported: every status write fails.
status ensure_crd(client& api, const logger& log) {
  auto r = api.send(http::request{"GET", crd_path, {}, {}, {}});
  if (!r) return std::move(r).error();
  if (r->status == 404) {
    auto created = api.send(http::request{"POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
                                          {{"fieldManager", "habitat-operator"}},
                                          {{"Content-Type", "application/json"}},
                                          json::to_json(api::habitat_crd())});
    if (!created) return std::move(created).error();
    if (created->status != 201 && created->status != 409) return to_error(*created);
    log.info("CustomResourceDefinition habitats.habitat.sh created");
  } else if (r->status != 200) {
    return to_error(*r);
  } else if (!has_status_subresource(r->body)) {
    log.error("CustomResourceDefinition habitats.habitat.sh has no status subresource (an older definition, such as "
              "the original operator's): Habitat status writes fail until habop's is applied (kubectl apply -k "
              "deploy/crd, or habop crd | kubectl apply -f -)");
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  for (;;) {
    auto got = api.send(http::request{"GET", crd_path, {}, {}, {}});
    if (got && got->status == 200 && established(got->body)) return ok;
    if (std::chrono::steady_clock::now() > deadline) {
      return error{504, "Timeout", "CustomResourceDefinition habitats.habitat.sh is not Established after 60s", {}};
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

/// Waits for SIGTERM/SIGINT (blocked in every thread) on a dedicated thread; a second signal exits 1 at once.
class signal_watcher {
 public:
  explicit signal_watcher(const logger& log) : log_(log) {
    thread_ = std::thread([this] {
      sigset_t set;
      sigemptyset(&set);
      sigaddset(&set, SIGTERM);
      sigaddset(&set, SIGINT);
      int count = 0;
      for (;;) {
        int sig = 0;
        if (sigwait(&set, &sig) != 0) continue;
        if (++count > 1) {
          write_stderr("second signal received, exiting immediately");
          std::_Exit(1);
        }
        log_.info("signal received, shutting down", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
        {
          std::lock_guard lock(mutex_);
          stop_ = true;
        }
        cv_.notify_all();
      }
    });
    thread_.detach();  // Blocks in sigwait for the process lifetime; a second signal must still be seen.
  }
  /// Waits up to `d`; true once a signal arrived.
  bool wait_for(std::chrono::milliseconds d) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, d, [this] { return stop_; });
  }
  bool stopped() {
    std::lock_guard lock(mutex_);
    return stop_;
  }

 private:
  const logger& log_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace

int run_operator(const operator_options& options) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
  // A dozen mostly idle threads: without a cap, glibc gives each its own arena and RSS grows for nothing.
  ::mallopt(M_ARENA_MAX, 2);
  // A fixed threshold (glibc's default one rises to the largest block freed, up to 32 MB, after the first LIST
  // page): buffers of 64 KB and more (list pages, big replies, compact peer ConfigMaps) are mmapped and go back to
  // the OS when freed instead of fragmenting the heap. 1,000 Habitats: RssAnon ~14 → ~11 MB, same CPU.
  ::mallopt(M_MMAP_THRESHOLD, 64 * 1024);

  logger log(write_stderr, wall_now, options.verbose ? log_level::debug : log_level::info,
             {{"component", "controller/v1beta2"}});
  log.info("starting habitat-operator", {{"version", version}});
  auto fail = [&](std::string_view what, const error& e) {
    log.error(std::string(what), {{"code", e.code}, {"reason", e.reason}, {"error", describe(e)}});
    return 1;
  };

  signal_watcher signals(log);
  auto config = load_client_config(options.kubeconfig, std::nullopt, get_env, read_file);
  if (!config) return fail("cannot load the Kubernetes client configuration", config.error());

  registry metrics_registry;
  operator_metrics metrics = operator_metrics::register_in(metrics_registry);
  const std::string host = host_of(config->server);
  client_options copts;
  copts.on_request = [&metrics, host](std::string_view method, int code) {
    metrics.rest_client_requests_total.inc({code == 0 ? "<error>" : std::to_string(code), std::string(method), host});
  };
  copts.on_warning = [&log](std::string_view message) { log.warn(std::string(message)); };
  auto api = client::create(*config, copts);
  if (!api) return fail("cannot create the API client", api.error());

  if (options.ns.empty()) {
    log.info("Running operator at cluster scope");
    auto r = (*api)->send(http::request{"GET", "/api/v1/namespaces", {{"limit", "1"}}, {}, {}});
    if (!r) return fail("cannot reach the API server at " + config->server, r.error());
    if (r->status != 200) {
      return fail("Operator does not have cluster wide permissions (listing namespaces failed); "
                  "pass --namespace to run in one namespace",
                  to_error(*r));
    }
  }
  if (!options.assume_crd_registered) {
    if (auto s = ensure_crd(**api, log); !s) return fail("cannot register the Habitat CustomResourceDefinition", s.error());
  }

  controller_options ctl_opts;
  ctl_opts.ns = options.ns;
  ctl_opts.workers = options.workers;
  ctl_opts.resync_period = options.resync_period;
  ctl_opts.events.host = host_name();
  ctl_opts.queue.qps = 1000;  // The API client's own limit protects the server; the queue bucket only spaces retries.
  ctl_opts.queue.burst = 2000;
  controller ctl(**api, log, metrics, ctl_opts);
  std::unique_ptr<leader_loop> leader;

  // Endpoints first, so that probes answer (not ready) while caches warm.
  auto health = parse_bind_address(options.health_probe_bind_address);
  if (!health) return fail("bad --health-probe-bind-address", health.error());
  auto metrics_addr = parse_bind_address(options.metrics_bind_address);
  if (!metrics_addr) return fail("bad --metrics-bind-address", metrics_addr.error());
  std::vector<bind_address> addresses;
  if (*health) addresses.push_back(**health);
  if (*metrics_addr && (!*health || **metrics_addr != **health)) addresses.push_back(**metrics_addr);
  std::unique_ptr<endpoint_server> endpoints;
  if (!addresses.empty()) {
    auto server = endpoint_server::start(addresses, [&](std::string_view path) -> endpoint_reply {
      if (path == "/healthz" || path == "/livez") return {200, "text/plain; charset=utf-8", "ok\n"};
      if (path == "/readyz") {
        if (ctl.synced()) return {200, "text/plain; charset=utf-8", "ok\n"};
        return {503, "text/plain; charset=utf-8", "caches not synced\n"};
      }
      if (path == "/metrics") return {200, std::string(exposition_content_type), metrics_registry.expose()};
      return {404, "text/plain; charset=utf-8", "404 page not found\n"};
    });
    if (!server) return fail("cannot start the health and metrics endpoints", server.error());
    endpoints = std::move(*server);
    for (std::size_t i = 0; i < addresses.size(); ++i) {
      log.info("serving endpoints", {{"address", addresses[i].host + ":" + std::to_string(endpoints->ports()[i])}});
    }
  }

  ctl.start_caches();
  while (!ctl.synced()) {
    if (signals.wait_for(std::chrono::milliseconds(20))) break;
  }
  if (!signals.stopped()) log.info("caches synced");

  if (options.leader_elect && !signals.stopped()) {
    leader_election_config le;
    le.ns = !options.leader_election_namespace.empty() ? options.leader_election_namespace
            : !options.ns.empty()                      ? options.ns
            : !config->ns.empty()                      ? config->ns
                                                       : "default";
    le.name = options.leader_election_id;
    le.identity = make_identity(host_name(), random_hex(16));
    if (auto s = validate(le); !s) return fail("bad leader election settings", s.error());
    leader = std::make_unique<leader_loop>(
        **api, log, metrics, le,
        leader_callbacks{[&ctl] { ctl.start_workers(); },
                         [&ctl] {
                           // controller-runtime exits when leadership is lost: never write as a non-leader.
                           ctl.stop_writing();
                           write_stderr("leader election lost, exiting");
                           std::_Exit(1);
                         }});
    // Every write also checks the lease's deadline itself: after a freeze (SIGSTOP, a paused VM) workers and the
    // resync wake together with the election loop, and must not write before it finds the lease lost.
    ctl.gate_writes([l = leader.get()] { return l->may_write(); });
    leader->start();
  } else if (!signals.stopped()) {
    ctl.start_workers();
  }

  while (!signals.wait_for(std::chrono::seconds(1))) {
  }
  const auto stop_started = std::chrono::steady_clock::now();
  ctl.shut_down();
  if (leader) leader->stop_and_release();
  endpoints.reset();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - stop_started);
  log.info("controllers stopped, exiting", {{"shutdown_ms", static_cast<std::int64_t>(ms.count())}});
  return 0;
}

}  // namespace habop::op
