// Fake-apiserver benchmarks: GETs/s and writes/s over one TLS keep-alive connection with 10,000 objects stored,
// the latency of one write reaching 50 watchers (over TLS, and the core's share in process), and resident memory per
// stored small object, and a controller's owned write with the garbage collector's pass.
#include <habop/fake_apiserver/server.hpp>

#include <benchmark/benchmark.h>

#include <chrono>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/object.hpp>

#include <unistd.h>

namespace {
namespace asio = boost::asio;
namespace ssl = asio::ssl;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

constexpr int stored_objects = 10'000;

boost::json::object configmap(int i) {
  return boost::json::object{{"apiVersion", "v1"},
                             {"kind", "ConfigMap"},
                             {"metadata", boost::json::object{{"name", "cm-" + std::to_string(i)},
                                                              {"labels", boost::json::object{{"app", "bench"}}}}},
                             {"data", boost::json::object{{"key", "value-" + std::to_string(i)}}}};
}

// One server with 10,000 config maps per busy-poll setting (server_config::busy_poll_micros, default when
// negative), shared by the HTTP benchmarks.
habop::fake::server& shared_server(std::int64_t busy_poll_micros = -1) {
  static std::map<std::int64_t, std::unique_ptr<habop::fake::server>> servers;
  auto& srv = servers[busy_poll_micros];
  if (!srv) {
    habop::fake::server_config config;
    if (busy_poll_micros >= 0) config.busy_poll_micros = busy_poll_micros;
    auto s = habop::fake::server::start(std::move(config));
    if (!s) std::abort();
    (*s)->with_api([](habop::fake::api_server& api, habop::instant now) {
      for (int i = 0; i < stored_objects; ++i) {
        if (!api.store().create(habop::fake::resources::configmaps(), "default", configmap(i), now)) std::abort();
      }
    });
    srv = std::move(*s);
  }
  return *srv;
}

// A blocking TLS client on one keep-alive connection.
struct client {
  asio::io_context ioc;
  ssl::context ctx{ssl::context::tls_client};
  ssl::stream<tcp::socket> stream{ioc, ctx};
  boost::beast::flat_buffer buffer;
  std::string auth;

  explicit client(habop::fake::server& srv) : auth("Bearer " + srv.token()) {
    ctx.add_certificate_authority(asio::buffer(srv.ca_pem()));
    stream.set_verify_mode(ssl::verify_peer);
    tcp::resolver resolver(ioc);
    asio::connect(stream.next_layer(), resolver.resolve("127.0.0.1", std::to_string(srv.port())));
    stream.next_layer().set_option(tcp::no_delay(true));
    stream.handshake(ssl::stream_base::client);
  }

  http::request<http::string_body> make(http::verb verb, const std::string& target, std::string body = {},
                                        const char* type = nullptr) {
    http::request<http::string_body> req{verb, target, 11};
    req.set(http::field::host, "127.0.0.1");
    req.set(http::field::authorization, auth);
    req.set(http::field::accept, "application/json");
    if (type != nullptr) req.set(http::field::content_type, type);
    req.body() = std::move(body);
    req.prepare_payload();
    return req;
  }

  unsigned send(http::verb verb, const std::string& target, std::string body = {}, const char* type = nullptr) {
    http::write(stream, make(verb, target, std::move(body), type));
    http::response<http::string_body> res;
    http::read(stream, buffer, res);
    return res.result_int();
  }

  // Starts a watch and reads its head; events are then read with `read_event`.
  void start_watch(const std::string& target) {
    http::write(stream, make(http::verb::get, target));
    pending.clear();
    while (pending.find("\r\n\r\n") == std::string::npos) read_more();
    pending.erase(0, pending.find("\r\n\r\n") + 4);
  }
  void read_event() {
    while (pending.find("\n\r\n") == std::string::npos) read_more();
    pending.erase(0, pending.find("\n\r\n") + 3);
  }
  void read_more() {
    char buf[16384];
    std::size_t n = stream.read_some(asio::buffer(buf));
    pending.append(buf, n);
  }
  std::string pending;
};

// Arg: server_config::busy_poll_micros (-1: the default). Compare the rows of one run: how much polling for the
// next request instead of sleeping gains depends on how long this machine takes to wake an idle CPU.
void BM_get_over_tls(benchmark::State& state) {
  client c(shared_server(state.range(0)));
  int i = 0;
  for (auto _ : state) {
    auto code = c.send(http::verb::get, "/api/v1/namespaces/default/configmaps/cm-" + std::to_string(i++ % stored_objects));
    if (code != 200) state.SkipWithError("GET failed");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_get_over_tls)->Arg(-1)->Arg(0)->Arg(50)->Unit(benchmark::kMicrosecond)->MinTime(2.0)->UseRealTime();

void BM_merge_patch_over_tls(benchmark::State& state) {
  client c(shared_server());
  static int i = 0;  // never repeat a value across runs: a no-op patch is not a write
  for (auto _ : state) {
    std::string body = R"({"data":{"key":"v)" + std::to_string(i) + R"("}})";
    auto code = c.send(http::verb::patch, "/api/v1/namespaces/default/configmaps/cm-" + std::to_string(i % stored_objects),
                       body, "application/merge-patch+json");
    ++i;
    if (code != 200) state.SkipWithError("PATCH failed");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_merge_patch_over_tls)->Unit(benchmark::kMicrosecond)->MinTime(2.0)->UseRealTime();

void BM_create_over_tls(benchmark::State& state) {
  client c(shared_server());
  static int next = 0;
  for (auto _ : state) {
    std::string name = "new-" + std::to_string(next++);
    std::string body = R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":")" + name + R"("},"data":{"a":"b"}})";
    if (c.send(http::verb::post, "/api/v1/namespaces/default/configmaps", body, "application/json") != 201) {
      state.SkipWithError("POST failed");
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_create_over_tls)->Unit(benchmark::kMicrosecond)->MinTime(2.0)->UseRealTime();

// Time from sending one write until all 50 watchers have read its event.
void BM_watch_fanout_50(benchmark::State& state) {
  auto& srv = shared_server();
  std::vector<std::unique_ptr<client>> watchers;
  for (int i = 0; i < 50; ++i) {
    watchers.push_back(std::make_unique<client>(srv));
    watchers.back()->start_watch(
        "/api/v1/namespaces/default/configmaps?watch=true&fieldSelector=metadata.name%3Dcm-0&resourceVersion=" +
        std::to_string(0));
    watchers.back()->read_event();  // the synthetic ADDED of the current state
  }
  client writer(srv);
  static int i = 0;  // never repeat a value across runs: a no-op patch produces no event
  for (auto _ : state) {
    auto start = std::chrono::steady_clock::now();
    std::string body = R"({"data":{"fan":")" + std::to_string(i++) + R"("}})";
    if (writer.send(http::verb::patch, "/api/v1/namespaces/default/configmaps/cm-0", body,
                    "application/merge-patch+json") != 200) {
      state.SkipWithError("PATCH failed");
    }
    for (auto& w : watchers) w->read_event();
    state.SetIterationTime(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
}
BENCHMARK(BM_watch_fanout_50)->UseManualTime()->Unit(benchmark::kMillisecond)->MinTime(2.0);

// The core's share of a fan-out, without TLS: one PATCH through api_server::handle, then 50 selector watches
// (fieldSelector on the name, as above) each polled for the event. The event is parsed and encoded once and shared.
void BM_watch_fanout_50_in_process(benchmark::State& state) {
  habop::fake::api_server api;
  habop::instant now = habop::instant::from_seconds(1'700'000'000);
  if (!api.store().create(habop::fake::resources::configmaps(), "default", configmap(0), now)) std::abort();
  auto call = [&](const char* method, std::string target, std::string body, const char* type) {
    habop::fake::request r;
    r.method = method;
    r.target = std::move(target);
    r.body = std::move(body);
    r.headers = {{"Content-Type", type}, {"Accept", "application/json"}};
    return api.handle(r, now);
  };
  std::vector<std::shared_ptr<habop::fake::watch_stream>> watches;
  std::vector<std::string> lines;
  for (int i = 0; i < 50; ++i) {
    auto h = call("GET", "/api/v1/namespaces/default/configmaps?watch=true&fieldSelector=metadata.name%3Dcm-0", "",
                  "application/json");
    h.watch->poll(lines, now);   // the synthetic ADDED
    watches.push_back(std::move(h.watch));
  }
  int i = 0;
  for (auto _ : state) {
    std::string body = R"({"data":{"fan":")" + std::to_string(i++) + R"("}})";
    if (call("PATCH", "/api/v1/namespaces/default/configmaps/cm-0", body, "application/merge-patch+json").head.status != 200)
      state.SkipWithError("PATCH failed");
    for (auto& w : watches) {
      lines.clear();
      w->poll(lines, now);
      if (lines.size() != 1) state.SkipWithError("watcher missed the event");
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_watch_fanout_50_in_process)->Unit(benchmark::kMicrosecond)->MinTime(1.0);

// A controller's write with garbage collection on: create an object owned by another (as every StatefulSet and
// Service of an operator is), then run the collector's pass, with `range(0)` owned objects already stored. The
// collector works from a dependency graph kept at commit, so the cost must not grow with what is stored: compare
// the rows of one run.
void BM_owned_create_and_gc_pass(benchmark::State& state) {
  namespace fake = habop::fake;
  fake::api_server api;
  habop::instant now = habop::instant::from_seconds(1'700'000'000);
  auto owned = [&](const std::string& name, const boost::json::object& owner) {
    boost::json::object o = configmap(0);
    auto& md = o["metadata"].as_object();
    md["name"] = name;
    md["ownerReferences"] = boost::json::array{boost::json::object{
        {"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"name", owner.at("metadata").at("name")},
        {"uid", owner.at("metadata").at("uid")}, {"controller", true}, {"blockOwnerDeletion", true}}};
    return o;
  };
  for (std::int64_t i = 0; i < state.range(0); ++i) {
    auto owner = api.store().create(fake::resources::configmaps(), "default", configmap(static_cast<int>(i)), now);
    if (!owner || !api.store().create(fake::resources::configmaps(), "default",
                                      owned("dep-" + std::to_string(i), *owner), now))
      std::abort();
  }
  api.drain(now);
  auto owner = api.store().create(fake::resources::configmaps(), "default", configmap(-1), now);
  if (!owner) std::abort();
  int next = 0;
  for (auto _ : state) {
    if (!api.store().create(fake::resources::configmaps(), "default", owned("new-" + std::to_string(next++), *owner), now))
      state.SkipWithError("create failed");
    api.drain(now);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_owned_create_and_gc_pass)->Arg(100)->Arg(10'000)->Unit(benchmark::kMicrosecond)->MinTime(0.5);

long rss_bytes() {
  std::ifstream statm("/proc/self/statm");
  long pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * sysconf(_SC_PAGESIZE);
}

// Resident memory added per stored small ConfigMap (store, indexes and watch history), on a fresh server.
void BM_rss_per_object(benchmark::State& state) {
  for (auto _ : state) {
    habop::fake::api_server api;
    habop::instant now = habop::instant::from_seconds(1'700'000'000);
    long before = rss_bytes();
    for (int i = 0; i < stored_objects; ++i) {
      if (!api.store().create(habop::fake::resources::configmaps(), "default", configmap(i), now)) std::abort();
    }
    long after = rss_bytes();
    state.counters["bytes_per_object"] = static_cast<double>(after - before) / stored_objects;
  }
}
BENCHMARK(BM_rss_per_object)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
