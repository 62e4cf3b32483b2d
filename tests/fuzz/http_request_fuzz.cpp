// Fuzz target: raw bytes through the fake-apiserver's HTTP request reader and api_server::handle (and watch polls).
// Built without libFuzzer it runs a deterministic seed + mutation loop for a bounded number of iterations.
#include "http_codec.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <sys/resource.h>

#include <habop/fake_apiserver/api_server.hpp>

namespace {

std::unique_ptr<habop::fake::api_server> api;
long handled_count = 0;  // requests that got through the HTTP layer to the API
habop::instant clock_now = habop::instant::from_seconds(1'700'000'000);

void run_one(std::string_view bytes) {
  if (!api) api = std::make_unique<habop::fake::api_server>();
  habop::fake::net::request_reader reader(1 << 20);
  for (int i = 0; i < 8 && !bytes.empty(); ++i) {
    std::size_t used = 0;
    auto st = reader.feed(bytes, used);
    bytes.remove_prefix(used);
    if (st != habop::fake::net::request_reader::state::done) break;
    habop::fake::request req = reader.take();
    clock_now.unix_micros += 1000;
    auto handled = api->handle(req, clock_now);
    ++handled_count;
    (void)habop::fake::net::serialize_response(handled.head, reader.keep_alive());
    if (handled.watch) {
      std::vector<std::string> events;
      handled.watch->poll(events, clock_now);
      (void)handled.watch->next_deadline();
    }
    api->tick(clock_now);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  run_one(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}

#ifndef HABOP_LIBFUZZER
namespace {

std::string request(std::string_view method, std::string_view target, std::string_view type, std::string_view body) {
  std::string r = std::string(method) + " " + std::string(target) + " HTTP/1.1\r\nHost: fuzz\r\n";
  if (!type.empty()) r += "Content-Type: " + std::string(type) + "\r\n";
  r += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + std::string(body);
  return r;
}

std::vector<std::string> seeds() {
  const std::string cm = R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"f","labels":{"a":"b"}},"data":{"k":"v"}})";
  const std::string crd = R"({"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"ws.x.io"},"spec":{"group":"x.io","scope":"Namespaced","names":{"plural":"ws","singular":"w","kind":"W"},"versions":[{"name":"v1","served":true,"storage":true,"schema":{"openAPIV3Schema":{"type":"object","properties":{"spec":{"type":"object","properties":{"n":{"type":"integer","minimum":1}}}}}}}]}})";
  const std::string sts = R"({"apiVersion":"apps/v1","kind":"StatefulSet","metadata":{"name":"s"},"spec":{"replicas":2,"selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"i"}]}}}})";
  // A Service as `kubectl create service` sends it: protobuf in a `k8s\0` envelope (ports, selector, type).
  const std::string_view service_pb(
      "\x6b\x38\x73\x00\x0a\x0d\x0a\x02\x76\x31\x12\x07\x53\x65\x72\x76\x69\x63\x65\x12\x26\x0a\x03\x0a\x01\x70"
      "\x12\x1f\x0a\x08\x18\x50\x22\x04\x08\x00\x10\x50\x12\x08\x0a\x03\x61\x70\x70\x12\x01\x70\x22\x09\x43\x6c"
      "\x75\x73\x74\x65\x72\x49\x50",
      59);
  return {
      request("GET", "/version", "", ""),
      request("GET", "/api", "", ""),
      request("GET", "/apis", "", ""),
      request("GET", "/openapi/v3", "", ""),
      request("POST", "/api/v1/namespaces/default/configmaps?fieldManager=f&fieldValidation=Strict", "application/json", cm),
      request("GET", "/api/v1/namespaces/default/configmaps?labelSelector=a%3Db,c+in+(d,e)&limit=1", "", ""),
      request("GET", "/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=0&allowWatchBookmarks=true", "", ""),
      request("PATCH", "/api/v1/namespaces/default/configmaps/f", "application/merge-patch+json", R"({"data":{"k":null}})"),
      request("PATCH", "/api/v1/namespaces/default/configmaps/f", "application/json-patch+json", R"([{"op":"add","path":"/data/x","value":"1"}])"),
      request("PATCH", "/api/v1/namespaces/default/configmaps/f", "application/strategic-merge-patch+json", R"({"data":{"y":"2"}})"),
      request("PATCH", "/api/v1/namespaces/default/configmaps/g?fieldManager=m&force=true", "application/apply-patch+yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: g}\n"),
      request("PUT", "/api/v1/namespaces/default/configmaps/f", "application/json", cm),
      request("DELETE", "/api/v1/namespaces/default/configmaps/f", "application/json", R"({"propagationPolicy":"Foreground"})"),
      request("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", "application/json", crd),
      request("POST", "/apis/x.io/v1/namespaces/default/ws", "application/json", R"({"apiVersion":"x.io/v1","kind":"W","metadata":{"name":"a"},"spec":{"n":0}})"),
      request("POST", "/apis/apps/v1/namespaces/default/statefulsets", "application/json", sts),
      request("POST", "/api/v1/namespaces/default/services", "application/vnd.kubernetes.protobuf", service_pb),
      request("GET", "/apis/apps/v1/namespaces/default/statefulsets/s/scale", "", ""),
      request("DELETE", "/api/v1/namespaces/default/configmaps?labelSelector=a", "", ""),
      request("GET", "/api/v1/namespaces/default/events?fieldSelector=involvedObject.name%3Dx", "", ""),
      "GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
  };
}

struct rng {
  std::uint64_t s = 0x9e3779b97f4a7c15ull;
  std::uint64_t next() {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    return s;
  }
  std::size_t below(std::size_t n) { return n == 0 ? 0 : static_cast<std::size_t>(next() % n); }
};

std::string mutate(std::string in, rng& r, const std::vector<std::string>& corpus) {
  static const char* tokens[] = {"{", "}", "[", "]", "\"", ":", ",", "null", "-1", "99999999999999999999", "\r\n",
                                 "%", "%zz", "/", "..", "?watch=1", "&", "=", "\\u0000", "1e309", "status"};
  int rounds = 1 + static_cast<int>(r.below(4));
  for (int i = 0; i < rounds; ++i) {
    std::size_t pos = r.below(in.size() + 1);
    switch (r.below(6)) {
      case 0: if (!in.empty()) in[r.below(in.size())] ^= static_cast<char>(1u << r.below(8)); break;
      case 1: if (!in.empty()) in.erase(pos, 1 + r.below(8)); break;
      case 2: in.insert(pos, tokens[r.below(sizeof tokens / sizeof *tokens)]); break;
      case 3: in.insert(pos, std::string(1 + r.below(3), static_cast<char>(r.next()))); break;
      case 4: {  // splice with another seed
        const std::string& other = corpus[r.below(corpus.size())];
        in = in.substr(0, pos) + other.substr(r.below(other.size()));
        break;
      }
      default: {  // mutate only the body and fix Content-Length, so the API layer sees the damage
        auto head_end = in.find("\r\n\r\n");
        auto cl = in.find("Content-Length: ");
        if (head_end == std::string::npos || cl == std::string::npos || cl > head_end) break;
        std::string body = in.substr(head_end + 4);
        if (!body.empty()) body[r.below(body.size())] = tokens[r.below(sizeof tokens / sizeof *tokens)][0];
        auto cl_end = in.find("\r\n", cl);
        in = in.substr(0, cl) + "Content-Length: " + std::to_string(body.size()) + in.substr(cl_end, head_end + 4 - cl_end) + body;
      }
    }
  }
  return in;
}

}  // namespace

int main(int argc, char** argv) {
  // Cap the address space so that unbounded allocation shows up as std::bad_alloc (which the YAML reader turns into
  // a 400) instead of the kernel's OOM killer: yaml-cpp 0.7 has inputs that allocate gigabytes.
  // Reproducer (iteration 82868 of 100000): an apply-patch+yaml body ",piVersion: v1\nk\x93%nd: ConfigMap\n...".
  rlimit cap{1L << 30, 1L << 30};
  setrlimit(RLIMIT_AS, &cap);
  long iterations = 10000;
  long trace_from = -1;  // --trace-from N: write each input from iteration N on to stderr before running it
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], "--iterations") == 0) iterations = std::atol(argv[i + 1]);
    if (std::strcmp(argv[i], "--trace-from") == 0) trace_from = std::atol(argv[i + 1]);
  }
  std::vector<std::string> corpus = seeds();
  for (const auto& s : corpus) run_one(s);
  rng r;
  for (long i = 0; i < iterations; ++i) {
    if (i % 2000 == 0) api.reset();  // bound the state that accumulates
    const std::string& base = corpus[r.below(corpus.size())];
    std::string input = mutate(base, r, corpus);
    if (trace_from >= 0 && i >= trace_from) {
      std::fprintf(stderr, "--- input %ld (%zu bytes)\n%s\n", i, input.size(), input.c_str());
      std::fflush(stderr);
    }
    run_one(input);
  }
  std::printf("fuzzed %ld inputs without a crash; %ld requests reached api_server::handle\n", iterations,
              handled_count);
  return 0;
}
#endif
