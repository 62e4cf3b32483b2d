// The fake-apiserver over HTTPS: an in-process server ("envtest for C++") and the engine of the binary.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include <habop/core/result.hpp>
#include <habop/fake_apiserver/api_server.hpp>
#include <habop/fake_apiserver/faults.hpp>
#include <habop/fake_apiserver/rbac.hpp>
#include <habop/fake_apiserver/simulation.hpp>
#include <habop/fake_apiserver/tls.hpp>

namespace habop::fake {

/// How to run a server. Every field has a default that suits an in-process test.
struct server_config {
  std::string listen = "127.0.0.1:0";          ///< `host:port`; port 0 picks a free one. IPv6 as `[::1]:0`.
  std::optional<std::string> token;            ///< Bearer token of the admin user `habop-admin`; generated when unset.
  /// Further bearer tokens → the user each authenticates as, e.g. a ServiceAccount's token →
  /// `system:serviceaccount:<ns>:<name>` (groups `system:serviceaccounts`, `system:serviceaccounts:<ns>`,
  /// `system:authenticated`). Empty tokens or users, the admin token again, or the user `habop-admin` are errors.
  std::map<std::string, std::string> tokens{};
  bool anonymous = false;                      ///< Also accept requests without a token (as `system:anonymous`).
  /// Enforce RBAC (`--authorization-mode=RBAC`): the bootstrap discovery roles are created at start, every request,
  /// impersonation and access review is authorized against the stored Roles and bindings (make_rbac_access;
  /// `habop-admin` is a superuser) and a denial is kube-apiserver's 403 Forbidden Status; rules reviews list the
  /// same bindings' rules (make_rbac_rules). Off (AlwaysAllow): every authenticated request is allowed. Must not be
  /// combined with `api.access`.
  bool rbac = false;
  /// With `rbac`: called on the server's thread with every authorization decision (e.g. to record what a client
  /// needs); it must not block and must synchronise what it shares.
  rbac_audit_fn rbac_audit{};
  bool simulate_workloads = false;             ///< Run the workload simulator (StatefulSet pods, status, ...).
  std::optional<std::string> cert_file;        ///< PEM certificate (chain); generated with a CA when unset.
  std::optional<std::string> key_file;         ///< PEM key for `cert_file`.
  std::optional<std::string> kubeconfig_out;   ///< Where to write a kubeconfig (mode 0600) once listening.
  /// Makes a restart of the process a restart of the API server (`--data-dir`): the CA, serving certificate and
  /// key, admin token and the port a `listen` with port 0 bound are kept here on the first start and reused by the
  /// next (explicit `cert_file`, `key_file`, `token` and port win), so the kubeconfig stays valid; the objects are
  /// kept in `DIR/store` (api_server::persist_to). The directory is locked while the server runs.
  std::optional<std::string> data_dir;
  /// Told what a start with `data_dir` recovered from (a log tail cut short by a kill) or could not write;
  /// unset: printed to stderr.
  std::function<void(const std::string&)> warn{};
  bool admin = false;                          ///< Serve `/admin/faults` (to `habop-admin` only under RBAC).
  server_options api;                          ///< Options of the API semantics (GC, history, body limit, ...).
  simulation_options simulation;               ///< Options of the workload simulator.
  std::int64_t tick_interval_ms = 10;          ///< How often background work (GC, simulation) runs.
  std::int64_t idle_timeout_ms = 120'000;      ///< Idle keep-alive connections are closed after this.
  /// After answering on a keep-alive connection, wait this long for the client's next request by polling instead
  /// of sleeping (0: never), yielding the CPU to anything runnable meanwhile. A sleeping vCPU takes tens of
  /// microseconds to wake on a VM, which halves what one client sending back to back gets from an otherwise idle
  /// machine; the client itself needs about as long again to wake and send, hence 200 (50 was not enough). Only
  /// while that connection is the only one open besides watches: one io thread serves them all.
  std::int64_t busy_poll_micros = 200;
  std::string context_name = "habop-fake";     ///< Cluster, user and context name in the kubeconfig.
};

/// A kubeconfig (YAML) for `server` (an `https://` URL) trusting `ca_pem`, with a bearer token when not empty.
std::string make_kubeconfig(const std::string& server, const std::string& ca_pem, const std::string& token,
                            const std::string& name = "habop-fake");

/// A running fake-apiserver: one io_context on its own thread serving HTTPS (TLS 1.2+, HTTP/1.1 keep-alive).
/// All API state lives on that thread; the methods below are thread-safe.
class server {
 public:
  /// Binds, prepares TLS and starts serving; fails on a bad address, certificate, token map, authorizer choice or
  /// unwritable kubeconfig path.
  static result<std::unique_ptr<server>> start(server_config config);
  ~server();  ///< Stops the server.
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  /// `https://127.0.0.1:PORT`.
  std::string address() const;
  /// The bound port.
  std::uint16_t port() const;
  /// A kubeconfig for this server (CA data, server URL, token).
  std::string kubeconfig() const;
  /// The admin's bearer token (the one in `kubeconfig()`).
  const std::string& token() const;
  /// The CA certificate clients trust (PEM).
  const std::string& ca_pem() const;
  /// Fault rules applied to incoming HTTP requests.
  faults& fault_injector();

  /// Runs `fn` on the server's thread with exclusive access to the API state and waits for it; use it for typed
  /// in-process reads and writes (`api.store()`), `drain`, or to settle the simulation. Must not be called from
  /// inside `fn` itself.
  void with_api(const std::function<void(api_server& api, instant now)>& fn);
  /// Ends every open watch (clients see the stream close and re-watch).
  void drop_watches();
  /// Forgets watch history: resumes from older resourceVersions get 410 Expired.
  void compact_history();
  /// Simulates an apiserver restart that keeps its data: every connection is closed, watches end, clients reconnect.
  void restart_keeping_state();
  /// Connections currently open.
  std::size_t connection_count() const;
  /// Stops accepting, ends watches with their final chunk, closes connections and joins the thread. Idempotent.
  void stop();

  struct impl;

 private:
  explicit server(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

}  // namespace habop::fake
