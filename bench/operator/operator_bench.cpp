// Operator benchmarks against an in-process fake-apiserver: 1,000 Habitats converge, a trivial client doing the
// same writes, event-to-write latency, RSS with 1,000 Habitats cached, and SIGTERM-to-exit time.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <mutex>
#include <regex>
#include <set>
#include <sstream>
#include <thread>
#include <type_traits>

#include <unistd.h>

#include <boost/json.hpp>

#include <habop/http/to_request.hpp>
#include <habop/operator/cache_shapes.hpp>
#include <habop/operator/client.hpp>
#include <habop/operator/compact_json.hpp>
#include <habop/operator/kubeconfig.hpp>
#include <habop/reconcile/reconcile.hpp>
#include <habop/test_support/fake_apiserver.hpp>
#include <habop/test_support/process.hpp>

namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;
namespace fake = habop::fake;
const fake::resource_key habitats{"habitat.sh", "v1beta1", "habitats"};

boost::json::object habitat(const std::string& ns, const std::string& name) {
  return boost::json::object{
      {"apiVersion", "habitat.sh/v1beta1"},
      {"kind", "Habitat"},
      {"metadata", {{"name", name}, {"namespace", ns}}},
      {"customVersion", "v1beta2"},
      {"spec",
       {{"v1beta2",
         {{"image", "habitat/redis-hab"}, {"count", 1}, {"service", {{"name", "redis"}, {"topology", "standalone"}}}}}}}};
}

/// Adds `h` to a snapshot member, whether snapshots hold objects or shared pointers to them.
template <class Vector>
void push(Vector& v, const boost::json::object& h) {
  if constexpr (std::is_constructible_v<typename Vector::value_type, std::shared_ptr<const boost::json::object>>) {
    v.push_back(std::make_shared<const boost::json::object>(h));
  } else {
    v.push_back(h);
  }
}

/// Server-side record of what was written, with commit times.
struct tracker {
  std::mutex mutex;
  std::set<std::string> sts, svc, status;
  std::map<std::string, clock_type::time_point> created, sts_at;
  void on(const fake::change& c) {
    const auto now = clock_type::now();
    const auto& md = c.object.at("metadata").as_object();
    const std::string key = std::string(md.at("namespace").as_string()) + "/" + std::string(md.at("name").as_string());
    std::lock_guard lock(mutex);
    if (c.resource.plural == "statefulsets" && c.type == fake::change_type::added) {
      sts.insert(key);
      sts_at.emplace(key, now);
    }
    if (c.resource.plural == "services" && c.type == fake::change_type::added) svc.insert(key);
    if (c.resource.plural == "habitats") {
      if (c.type == fake::change_type::added) created.emplace(key, now);
      if (c.type == fake::change_type::modified && c.object.contains("status")) status.insert(key);
    }
  }
  bool converged(std::size_t n) {
    std::lock_guard lock(mutex);
    return sts.size() >= n && svc.size() >= n && status.size() >= n;
  }
};

struct environment {
  std::unique_ptr<habop::test::in_process_apiserver> api;
  tracker seen;
  std::uint64_t subscription = 0;
  environment() {
    auto started = habop::test::start_in_process_apiserver({});
    if (!started) throw std::runtime_error(started.error().message);
    api = std::move(*started);
    api->server->with_api([this](fake::api_server& a, habop::instant) {
      subscription = a.store().subscribe([this](const fake::change& c) { seen.on(c); });
      for (int i = 0; i < 10; ++i) {
        (void)a.store().create(fake::resources::namespaces(), "",
                               {{"apiVersion", "v1"}, {"kind", "Namespace"},
                                {"metadata", {{"name", "bench-" + std::to_string(i)}}}},
                               habop::instant{});
      }
    });
  }
  ~environment() {
    api->server->with_api([this](fake::api_server& a, habop::instant) { a.store().unsubscribe(subscription); });
  }
  void create_habitats(int n, const std::string& prefix, int namespaces) {
    api->server->with_api([&](fake::api_server& a, habop::instant now) {
      for (int i = 0; i < n; ++i) {
        const std::string ns = namespaces == 1 ? "default" : "bench-" + std::to_string(i % namespaces);
        (void)a.store().create(habitats, ns, habitat(ns, prefix + std::to_string(i)), now);
      }
    });
  }
};

struct operator_child {
  std::unique_ptr<habop::test::child_process> process;
  int port = 0;
};

operator_child start_operator(const std::string& kubeconfig, const std::vector<std::string>& extra = {}) {
  std::vector<std::string> argv{HABOP_OPERATOR_BIN, "--kubeconfig", kubeconfig, "--health-probe-bind-address",
                                "127.0.0.1:0", "--metrics-bind-address", "127.0.0.1:0", "--resync-period", "0"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  // e.g. HABOP_BENCH_WRAPPER="heaptrack -o /tmp/op": profile the operator (rss_mb then measures the wrapper).
  argv = habop::test::wrapped_by_env(std::move(argv), "HABOP_BENCH_WRAPPER");
  operator_child op;
  op.process = habop::test::child_process::spawn(argv, {});
  const std::regex address(R"(msg="serving endpoints".*address=127\.0\.0\.1:(\d+))");
  for (int i = 0; i < 400 && op.port == 0; ++i) {
    std::smatch m;
    const std::string err = op.process->err();
    if (std::regex_search(err, m, address)) op.port = std::stoi(m[1].str());
    std::this_thread::sleep_for(50ms);
  }
  for (int i = 0; i < 400; ++i) {
    auto r = habop::test::run_process({"curl", "-s", "http://127.0.0.1:" + std::to_string(op.port) + "/readyz"});
    if (r.out == "ok\n") break;
    std::this_thread::sleep_for(50ms);
  }
  return op;
}

/// With HABOP_BENCH_VERBOSE: the operator's /metrics and its whole log so far, on stderr.
void print_metrics_and_log(const operator_child& op) {
  auto m = habop::test::run_process({"curl", "-s", "http://127.0.0.1:" + std::to_string(op.port) + "/metrics"});
  std::fprintf(stderr, "%s\nthe operator's log:\n%s\n", m.out.c_str(), op.process->err().c_str());
}

/// A `/proc/<pid>/status` memory line in MB: `VmRSS:` (what the target is about), `RssAnon:` (heap, stacks: what
/// the operator controls), `RssFile:` (mapped code of the binary and its libraries).
double status_mb(int pid, const std::string& field = "VmRSS:") {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(field, 0) == 0) return std::stod(line.substr(field.size())) / 1024.0;
  }
  return 0;
}

/// User plus system CPU time the process has used (/proc/<pid>/stat utime and stime), in seconds.
double cpu_seconds(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto comm_end = stat.rfind(')');   // the command name may contain spaces
  if (comm_end == std::string::npos) return 0;
  std::istringstream fields(stat.substr(comm_end + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; fields >> field && i <= 15; ++i) {
    if (i == 14 || i == 15) ticks += std::stod(field);
  }
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double stop_seconds(operator_child& op) {
  const auto t0 = clock_type::now();
  op.process->signal(15);
  op.process->wait(10s);
  return std::chrono::duration<double>(clock_type::now() - t0).count();
}

void wait_converged(environment& env, std::size_t n, std::chrono::seconds limit) {
  const auto deadline = clock_type::now() + limit;
  while (!env.seen.converged(n) && clock_type::now() < deadline) std::this_thread::sleep_for(1ms);
}

/// Waits until nothing has been written to the server for `quiet` (its resourceVersion stands still), at most
/// `limit`; returns the seconds waited.
double wait_quiet(environment& env, std::chrono::milliseconds quiet, std::chrono::seconds limit) {
  const auto t0 = clock_type::now();
  auto written = [&] {
    std::uint64_t rv = 0;
    env.api->server->with_api([&](fake::api_server& a, habop::instant) { rv = a.store().resource_version(); });
    return rv;
  };
  auto last = written();
  auto last_change = clock_type::now();
  while (clock_type::now() - last_change < quiet && clock_type::now() - t0 < limit) {
    std::this_thread::sleep_for(50ms);
    if (const auto rv = written(); rv != last) {
      last = rv;
      last_change = clock_type::now();
    }
  }
  return std::chrono::duration<double>(clock_type::now() - t0).count() - std::chrono::duration<double>(quiet).count();
}

/// 1,000 Habitats created at once (in `namespaces` namespaces) until each has a StatefulSet, a Service and status.
void BM_operator_converges_1000(benchmark::State& state) {
  const int namespaces = static_cast<int>(state.range(0));
  for (auto _ : state) {
    environment env;
    auto op = start_operator(env.api->kubeconfig_path, {"--workers", "4"});
    state.counters["rss_idle_mb"] = status_mb(op.process->pid());
    const auto t0 = clock_type::now();
    env.create_habitats(1000, "h", namespaces);
    wait_converged(env, 1000, 60s);
    const double seconds = std::chrono::duration<double>(clock_type::now() - t0).count();
    state.SetIterationTime(seconds);
    state.counters["converged"] = env.seen.converged(1000) ? 1 : 0;
    if (!env.seen.converged(1000)) {
      const std::string err = op.process->err();
      std::fprintf(stderr, "not converged; the operator's last log lines:\n%s\n",
                   err.substr(err.size() > 4000 ? err.size() - 4000 : 0).c_str());
    }
    {
      std::lock_guard lock(env.seen.mutex);
      state.counters["sts"] = static_cast<double>(env.seen.sts.size());
      state.counters["svc"] = static_cast<double>(env.seen.svc.size());
      state.counters["status"] = static_cast<double>(env.seen.status.size());
    }
    if (std::getenv("HABOP_BENCH_VERBOSE")) {
      print_metrics_and_log(op);
    }
    // What one Habitat's objects cost in the operator's caches (load-independent): served object → cache shape.
    env.api->server->with_api([&](fake::api_server& a, habop::instant) {
      const std::string ns = namespaces == 1 ? "default" : "bench-0";
      // Stored after another object of its kind, as in the operator (a packed cache's first object is its
      // dictionary).
      auto cached = [&](const habop::op::cache_options& o, const fake::resource_key& kind) {
        habop::op::object_cache c(o);
        auto first = a.store().get(kind, ns, "h" + std::to_string(namespaces));   // the next Habitat in ns
        auto served = a.store().get(kind, ns, "h0");
        if (!first || !served) return 0.0;
        c.apply(habop::op::watch_event_type::added, *first);
        c.apply(habop::op::watch_event_type::added, *served);
        return static_cast<double>(c.stored_bytes(ns, "h0"));
      };
      auto sts = a.store().get(fake::resources::statefulsets(), ns, "h0");
      if (sts) state.counters["sts_served_b"] = static_cast<double>(habop::op::malloc_bytes(*sts));
      state.counters["sts_cached_b"] = cached(habop::op::stateful_set_cache_options(), fake::resources::statefulsets());
      state.counters["svc_cached_b"] = cached(habop::op::service_cache_options(), fake::resources::services());
      state.counters["habitat_cached_b"] = cached(habop::op::habitat_cache_options(), habitats);
    });
    // Memory is measured in the steady state: once the operator's trailing writes (events, the peer ConfigMap,
    // repeated statuses) have stopped for a second, plus the idle heap trim's quarter second.
    state.counters["settle_s"] = wait_quiet(env, 1s, 20s);
    std::this_thread::sleep_for(500ms);
    state.counters["rss_mb"] = status_mb(op.process->pid());
    state.counters["rss_anon_mb"] = status_mb(op.process->pid(), "RssAnon:");
    state.counters["rss_file_mb"] = status_mb(op.process->pid(), "RssFile:");
    state.counters["operator_cpu_s"] = cpu_seconds(op.process->pid());
    state.counters["sigterm_exit_s"] = stop_seconds(op);
  }
}
BENCHMARK(BM_operator_converges_1000)->Arg(1)->Arg(10)->Iterations(1)->UseManualTime()->Unit(benchmark::kMillisecond);

/// The same StatefulSet, Service, ConfigMap and status writes sent by a trivial client with 4 threads.
void BM_trivial_client_same_writes_1000(benchmark::State& state) {
  for (auto _ : state) {
    environment env;
    auto op = start_operator(env.api->kubeconfig_path);  // Registers the CRD, then gets out of the way.
    stop_seconds(op);
    env.create_habitats(1000, "h", 1);
    std::vector<std::vector<habop::http::request>> work(4);
    env.api->server->with_api([&](fake::api_server& a, habop::instant now) {
      auto all = a.store().list(habitats, "default");
      int i = 0;
      for (const auto& h : *all) {
        habop::reconcile::snapshot alone;
        push(alone.habitats, h);
        auto plan = habop::reconcile::reconcile(h, alone, now);
        auto& bucket = work[static_cast<std::size_t>(i++ % 4)];
        for (const auto& o : plan.operations) bucket.push_back(habop::http::to_request(o));
        if (plan.status) bucket.push_back(habop::http::to_request(habop::reconcile::habitat_ref(h), *plan.status));
      }
    });
    auto config = habop::op::load_kubeconfig(std::vector<std::string>{env.api->kubeconfig_path}, std::nullopt,
                                             [](const std::string& p) -> habop::result<std::string> {
                                               std::ifstream in(p);
                                               return std::string(std::istreambuf_iterator<char>(in), {});
                                             });
    auto api = habop::op::client::create(*config);
    const auto t0 = clock_type::now();
    std::vector<std::thread> threads;
    for (auto& bucket : work) {
      threads.emplace_back([&api, &bucket] {
        for (const auto& r : bucket) (void)(*api)->send(r);
      });
    }
    for (auto& t : threads) t.join();
    wait_converged(env, 1000, 60s);
    state.SetIterationTime(std::chrono::duration<double>(clock_type::now() - t0).count());
    state.counters["converged"] = env.seen.converged(1000) ? 1 : 0;
  }
}
BENCHMARK(BM_trivial_client_same_writes_1000)->Iterations(1)->UseManualTime()->Unit(benchmark::kMillisecond);

/// One Habitat at a time: from its creation committed at the server to its StatefulSet's creation committed.
void BM_event_to_write_latency(benchmark::State& state) {
  for (auto _ : state) {
    environment env;
    auto op = start_operator(env.api->kubeconfig_path);
    std::vector<double> ms;
    for (int i = 0; i < 200; ++i) {
      const std::string key = "default/lat" + std::to_string(i);
      env.create_habitats(1, "lat" + std::to_string(i) + "-", 1);
      const std::string sts_key = key + "-0";
      const auto deadline = clock_type::now() + 10s;
      for (;;) {
        {
          std::lock_guard lock(env.seen.mutex);
          auto a = env.seen.created.find(sts_key);
          auto b = env.seen.sts_at.find(sts_key);
          if (a != env.seen.created.end() && b != env.seen.sts_at.end()) {
            ms.push_back(std::chrono::duration<double, std::milli>(b->second - a->second).count());
            break;
          }
        }
        if (clock_type::now() > deadline) break;
        std::this_thread::sleep_for(200us);
      }
    }
    if (std::getenv("HABOP_BENCH_VERBOSE")) {
      for (std::size_t i = 0; i < ms.size(); ++i) std::fprintf(stderr, "%zu %.2f\n", i, ms[i]);
      print_metrics_and_log(op);
    }
    std::sort(ms.begin(), ms.end());
    const auto at = [&](double q) { return ms.empty() ? 0.0 : ms[static_cast<std::size_t>(q * (ms.size() - 1))]; };
    state.SetIterationTime(at(0.99) / 1000.0);
    state.counters["p50_ms"] = at(0.5);
    state.counters["p99_ms"] = at(0.99);
    state.counters["samples"] = static_cast<double>(ms.size());
    stop_seconds(op);
  }
}
BENCHMARK(BM_event_to_write_latency)->Iterations(1)->UseManualTime()->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
