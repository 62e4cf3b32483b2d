// The operator's HTTPS client for the Kubernetes API: TLS with verification, credentials, keep-alive pool, rate limit.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <habop/core/result.hpp>
#include <habop/http/request.hpp>
#include <habop/operator/kubeconfig.hpp>

namespace habop::op {

/// One HTTP reply as received (the body already de-chunked).
struct response {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  /// The first header with this name (case-insensitive), or empty.
  std::string header(std::string_view name) const;
  bool operator==(const response&) const = default;
};

/// Transport failures (connect, TLS, timeout, malformed reply, shutdown) are errors with this code; HTTP error
/// statuses are not transport failures (they are responses, see `to_error`).
inline constexpr int transport_error_code = 0;

/// Tuning of the client. The defaults suit one operator process.
struct client_options {
  std::size_t max_idle_connections = 8;                   ///< Keep-alive connections kept for reuse.
  double qps = 2000;                                      ///< Global client-side rate limit (whole process).
  int burst = 4000;
  std::chrono::milliseconds request_timeout{30'000};      ///< Connect + TLS + write + read of one call.
  std::chrono::milliseconds watch_idle_timeout{660'000};  ///< A watch with no bytes for this long is dropped.
  std::string user_agent = "habitat-operator/0.1.0";
  /// Called after every request with its method and HTTP code (0 for a transport error):
  /// feeds `rest_client_requests_total`. May be called from any thread.
  std::function<void(std::string_view method, int code)> on_request;
  /// Warnings for the log (e.g. `proxy-url is not supported`); never contains credentials.
  std::function<void(std::string_view message)> on_warning;
};

/// A thread-safe Kubernetes API client. Each call blocks its caller and runs its I/O on the calling thread
/// (with a pooled keep-alive connection): no internal thread, no hop between threads per request.
/// Bearer tokens come from the kubeconfig token, a token file re-read every minute and after a 401, or an exec
/// plugin whose credential is cached until its expiry (and refreshed after a 401).
class client {
 public:
  /// Builds the TLS context (CA, client certificate, verification unless `insecure-skip-tls-verify`). Fails on
  /// unusable PEM data, a malformed server URL, or an exec plugin that cannot supply a credential.
  static result<std::unique_ptr<client>> create(const client_config& config, client_options options = {});
  ~client();
  client(const client&) = delete;
  client& operator=(const client&) = delete;

  /// Sends one request and reads the whole reply (any HTTP status). A 401 refreshes credentials and retries once.
  result<response> send(const http::request& req);

  /// Opens a watch (on a connection of its own) and calls `on_line` on the calling thread for every complete line
  /// of the streamed body as it arrives, until the server ends the stream (ok), the request fails (an error from
  /// `to_error` for a non-200 reply, or a transport error), or `cancel_watches` is called (transport error, reason
  /// `Cancelled`). A slow `on_line` delays only this stream. `on_line` returning false ends the stream at once
  /// (ok; the connection is closed): a caller that cannot trust what follows a malformed line.
  status watch(const http::request& req, const std::function<bool(std::string_view line)>& on_line);

  /// Ends every open watch now (from any thread) and makes new ones fail immediately (shutdown; plain requests
  /// still work).
  void cancel_watches();

 private:
  struct impl;
  explicit client(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

/// A non-2xx reply as an error: the `metav1.Status` body's code, reason, message and causes when it has one,
/// otherwise the HTTP status with a generic reason. Never throws on malformed bodies.
habop::error to_error(const response& r);

/// The delay a 429 (or 503) asks for: the `Retry-After` header, else the Status `details.retryAfterSeconds`.
std::optional<std::chrono::seconds> retry_after(const response& r);

}  // namespace habop::op
