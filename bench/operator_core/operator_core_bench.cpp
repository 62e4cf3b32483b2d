// Speed and memory of the operator core: bytes per cached Habitat, queue operations, /metrics and log lines.
#include <habop/operator/cache_shapes.hpp>
#include <habop/operator/log.hpp>
#include <habop/operator/metrics.hpp>
#include <habop/operator/object_cache.hpp>
#include <habop/operator/work_queue.hpp>

#include <benchmark/benchmark.h>

#include <malloc.h>

#include <boost/json/parse.hpp>

#include <string>
#include <vector>

using namespace habop::op;

namespace {

/// A Habitat as a watch delivers it: with managedFields and kubectl's last-applied annotation (both dropped).
boost::json::object habitat(int i) {
  std::string name = "habitat-" + std::to_string(i);
  std::string spec = R"({"v1beta2":{"image":"habitat/redis-hab:1.0.0","count":3,
    "env":[{"name":"A","value":"1"},{"name":"B","value":"2"}],
    "service":{"name":"redis","topology":"leader","group":"prod","ringSecretName":"ring-20240101000000",
      "bind":[{"name":"db","service":"postgres","group":"prod"}]},
    "persistentStorage":{"size":"10Gi","mountPath":"/hab/svc/redis/data","storageClassName":"standard"}}})";
  auto o = boost::json::parse(R"({"apiVersion":"habitat.sh/v1beta1","kind":"Habitat","customVersion":"v1beta2",
    "metadata":{"namespace":"apps","uid":"6b1e7c1a-0000-4000-8000-000000000000","resourceVersion":"12345",
      "generation":1,"creationTimestamp":"2024-05-01T10:00:00Z",
      "annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\"apiVersion\":\"habitat.sh/v1beta1\",\"kind\":\"Habitat\",\"spec\":{\"v1beta2\":{\"image\":\"habitat/redis-hab:1.0.0\",\"count\":3}}}"},
      "managedFields":[{"manager":"kubectl-client-side-apply","operation":"Update","apiVersion":"habitat.sh/v1beta1",
        "time":"2024-05-01T10:00:00Z","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:annotations":{".":{},
        "f:kubectl.kubernetes.io/last-applied-configuration":{}}},"f:spec":{".":{},"f:v1beta2":{".":{},"f:count":{},
        "f:image":{},"f:service":{".":{},"f:group":{},"f:name":{},"f:topology":{}}}}}},
        {"manager":"habitat-operator","operation":"Update","apiVersion":"habitat.sh/v1beta1","subresource":"status",
        "time":"2024-05-01T10:00:05Z","fieldsType":"FieldsV1","fieldsV1":{"f:status":{".":{},"f:conditions":{}}}}]},
    "status":{"observedGeneration":1,"readyReplicas":3,"conditions":[{"type":"Ready","status":"True",
      "lastTransitionTime":"2024-05-01T10:00:05Z","reason":"AllPodsReady","message":"3/3 pods ready"}]}})")
               .as_object();
  o["metadata"].as_object()["name"] = name;
  o["spec"] = boost::json::parse(spec);
  return o;
}

std::size_t heap_in_use() { return mallinfo2().uordblks; }

/// Arg 0: a compact tree per Habitat; 1: the operator's Habitat cache (packed, with the peer index's summary).
cache_options habitat_options(std::int64_t shaped) {
  return shaped ? habitat_cache_options() : cache_options{"Habitat"};
}

void cache_bytes_per_habitat(benchmark::State& state) {
  const int n = 1000;
  std::vector<boost::json::object> items;
  for (int i = 0; i < n; ++i) items.push_back(habitat(i));
  double per_object = 0;
  for (auto _ : state) {
    state.PauseTiming();
    std::size_t before = heap_in_use();  // Before the copies: they are all freed again before measuring.
    auto copy = items;
    state.ResumeTiming();
    object_cache cache(habitat_options(state.range(0)));
    for (auto& o : copy) cache.apply(watch_event_type::added, std::move(o));
    state.PauseTiming();
    copy.clear();
    copy.shrink_to_fit();
    per_object = (static_cast<double>(heap_in_use()) - static_cast<double>(before)) / n;
    state.ResumeTiming();
    benchmark::DoNotOptimize(cache.size());
  }
  state.counters["bytes_per_object"] = per_object;
  state.counters["objects_per_s"] = benchmark::Counter(static_cast<double>(n), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(cache_bytes_per_habitat)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

/// What a reconcile pays to read its Habitat (a packed one is inflated and parsed).
void cache_get_habitat(benchmark::State& state) {
  object_cache cache(habitat_options(state.range(0)));
  for (int i = 0; i < 1000; ++i) cache.apply(watch_event_type::added, habitat(i));
  int i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(cache.get("apps", "habitat-" + std::to_string(i++ % 1000)));
}
BENCHMARK(cache_get_habitat)->Arg(0)->Arg(1);

/// What a status write costs the cache (write_through: trim, and pack when packed).
void cache_write_habitat(benchmark::State& state) {
  object_cache cache(habitat_options(state.range(0)));
  for (int i = 0; i < 1000; ++i) cache.apply(watch_event_type::added, habitat(i));
  std::vector<boost::json::object> updates;
  for (int i = 0; i < 1000; ++i) {
    updates.push_back(habitat(i));
    updates.back()["metadata"].as_object()["resourceVersion"] = "12346";
  }
  int i = 0;
  for (auto _ : state) {
    state.PauseTiming();
    boost::json::object next = updates[static_cast<std::size_t>(i % 1000)];
    next["metadata"].as_object()["resourceVersion"] = std::to_string(20000 + i);
    const std::string based_on = i < 1000 ? "12345" : std::to_string(20000 + i - 1000);
    state.ResumeTiming();
    benchmark::DoNotOptimize(cache.write_through(std::move(next), based_on));
    ++i;
  }
}
BENCHMARK(cache_write_habitat)->Arg(0)->Arg(1);

void queue_add_get_done(benchmark::State& state) {
  work_queue q;
  std::vector<std::string> keys;
  for (int i = 0; i < 1000; ++i) keys.push_back("apps/habitat-" + std::to_string(i));
  std::int64_t t = 0;
  for (auto _ : state) {
    for (const auto& k : keys) q.add(k, habop::instant{t});
    while (auto item = q.get(habop::instant{t})) q.done(item->key, habop::instant{++t});
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(keys.size()));
}
BENCHMARK(queue_add_get_done);

void queue_retry_storm(benchmark::State& state) {
  work_queue q;
  std::vector<std::string> keys;
  for (int i = 0; i < 1000; ++i) keys.push_back("apps/habitat-" + std::to_string(i));
  std::int64_t t = 0;
  for (auto _ : state) {
    for (const auto& k : keys) q.add_rate_limited(k, habop::instant{t});
    t += 2'000'000'000;
    while (auto item = q.get(habop::instant{t})) q.done(item->key, habop::instant{t});
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(keys.size()));
}
BENCHMARK(queue_retry_storm);

void metrics_expose(benchmark::State& state) {
  registry r;
  auto m = operator_metrics::register_in(r);
  for (int i = 0; i < 100; ++i) m.reconcile_time_seconds.observe({"habitat"}, i * 0.01);
  for (auto code : {"200", "201", "404", "409"}) m.rest_client_requests_total.inc({code, "GET", "10.0.0.1:6443"});
  for (auto _ : state) benchmark::DoNotOptimize(r.expose());
}
BENCHMARK(metrics_expose);

void logfmt_line(benchmark::State& state) {
  std::vector<log_field> fields{{"habitat", "apps/habitat-1"}, {"change", "replicas 1→3"}, {"attempt", 2}};
  for (auto _ : state) {
    benchmark::DoNotOptimize(format_logfmt(habop::instant{1}, log_level::info, "StatefulSet apps/x patched", fields));
  }
}
BENCHMARK(logfmt_line);

}  // namespace

BENCHMARK_MAIN();
