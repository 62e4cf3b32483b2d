// The fake kube-apiserver's HTTP semantics as a transport-agnostic, single-threaded value-in/value-out core.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <habop/core/result.hpp>
#include <habop/core/time.hpp>
#include <habop/fake_apiserver/authorization.hpp>
#include <habop/fake_apiserver/object_store.hpp>

namespace habop::fake {

/// One HTTP request as the transport received it.
struct request {
  std::string method;       ///< GET POST PUT PATCH DELETE ...
  std::string target;       ///< Raw request-target: path?query (percent-encoded).
  std::vector<std::pair<std::string, std::string>> headers;   ///< Names as received (matched case-insensitively).
  std::string body;
  std::string user = "system:anonymous";   ///< Set by the transport after authentication.
};

/// One HTTP response (without Content-Length / Transfer-Encoding, which the transport adds).
struct response {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;  ///< At least Content-Type.
  std::string body;
};

/// A live watch. The transport sends `head` (200 + headers, chunked), then repeatedly calls `poll`.
class watch_stream {
 public:
  virtual ~watch_stream() = default;
  /// Moves ready events (each one complete JSON line ending in '\n') into `out`. Returns false once the stream has
  /// ended (timeoutSeconds reached, 410 ERROR sent, server dropping watches) and nothing more will come; lines added
  /// by that last call (a final BOOKMARK or the ERROR event) must still be written before the zero-length chunk.
  virtual bool poll(std::vector<std::string>& out, instant now) = 0;
  /// When the transport must poll again even if no write happens (bookmark or timeout due).
  virtual instant next_deadline() const = 0;
};

/// What `handle` returns: a complete response, or the head of a watch plus its stream.
struct handled {
  response head;                          ///< The full response, or the head of a watch.
  std::shared_ptr<watch_stream> watch;    ///< Non-null for watch requests.
};

struct server_options {
  bool garbage_collection = true;
  std::size_t watch_history = 10000;      ///< Events retained for resume; older RVs get 410 Expired.
  std::int64_t gc_delay_micros = 20'000;  ///< GC runs asynchronously after this delay (tests see intermediate state).
  std::size_t max_body_bytes = 3 * 1024 * 1024;
  std::uint64_t seed = 0x5eed;            ///< Seeds uid and generateName randomness (deterministic runs).
  /// With persist_to: the log is compacted into a new snapshot once it holds this many bytes (and more than the
  /// last snapshot).
  std::size_t compact_store_after_bytes = std::size_t{8} << 20;
  /// Authorization (kube-apiserver's `--authorization-mode`), e.g. `make_rbac_access` from rbac.hpp. Asked about
  /// every request (as `request::user`, or the user its `Impersonate-*` headers name), each impersonation (the
  /// `impersonate` verb), the owner references a write sets, and SubjectAccessReviews; a denied request gets
  /// kube-apiserver's 403. Unset: AlwaysAllow (every question is allowed).
  access_fn access;
  /// What SelfSubjectRulesReviews (`kubectl auth can-i --list`) answer, e.g. `make_rbac_rules` from rbac.hpp, to
  /// match `access`. Unset: everything (AlwaysAllow's `*` rules) when `access` is unset too; otherwise no rules,
  /// marked incomplete, as kube-apiserver reports an authorizer that cannot list its rules (a webhook).
  rules_fn rules;
};

/// The fake apiserver: routes requests to Kubernetes API semantics over an in-memory object_store.
/// Not thread-safe: the transport calls it from one strand.
class api_server {
 public:
  explicit api_server(server_options opts = {});
  ~api_server();
  api_server(const api_server&) = delete;
  api_server& operator=(const api_server&) = delete;

  /// Handles one request. Never throws; bad input gives a Kubernetes Status response.
  handled handle(const request& req, instant now);
  /// Runs due background work (garbage collection, namespace finalisation) up to `now`. The standard namespaces
  /// (default, kube-system, kube-public, kube-node-lease) are created at the first `now` the server sees.
  void tick(instant now);
  /// Runs all pending background work now (deterministic tests).
  void drain(instant now);
  /// When `tick` next has work to do, if any is pending.
  std::optional<instant> next_background_deadline() const;
  /// Called after every committed change, so the transport can wake watch writers.
  void set_change_listener(std::function<void()> listener);
  /// Typed in-process access for simulated workloads and tests (same semantics as HTTP, no auth).
  object_store& store();
  /// Drops all open watches (fault injection) and compacts history so resumes older than now get 410.
  void drop_watches();
  /// Forgets the watch history: resuming from any RV older than the current one gets 410 Expired.
  void compact_history();
  /// Keeps the store in `dir`, as kube-apiserver keeps it in etcd: loads what an earlier server committed there
  /// (objects with their uids, resourceVersions, generations and managedFields; resourceVersions continue after the
  /// last one; a watch from an older one gets 410 Expired, as from a restarted kube-apiserver's watch cache), then
  /// appends every change before it is acknowledged, so that a killed process loses nothing a client was told.
  /// Call once, before the first request. `warn` hears what replay left out (a log tail cut short by a kill) and
  /// failed appends. Fails on a directory it cannot read or write, or written in another format.
  status persist_to(const std::string& dir, std::function<void(const std::string&)> warn = {});

 private:
  std::unique_ptr<object_store> store_;
  std::function<void()> listener_;
  std::uint64_t listener_id_ = 0;
};

}  // namespace habop::fake
