// The operator's plain-HTTP probe and metrics endpoints (`/healthz`, `/readyz`, `/metrics`).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <habop/core/result.hpp>
#include <habop/operator/flags.hpp>

namespace habop::op {

/// What a handler answers for one GET.
struct endpoint_reply {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  bool operator==(const endpoint_reply&) const = default;
};

/// Maps a request path (query stripped) to a reply. Called on the server's thread; must be thread-safe.
using endpoint_handler = std::function<endpoint_reply(std::string_view path)>;

/// A small HTTP/1.1 server on one thread, listening on one or more addresses with one handler.
class endpoint_server {
 public:
  /// Binds every address (port 0 picks a free one) and starts serving. Fails with a clear message when an
  /// address cannot be bound.
  static result<std::unique_ptr<endpoint_server>> start(const std::vector<bind_address>& addresses,
                                                        endpoint_handler handler);
  /// Stops accepting and closes every connection.
  ~endpoint_server();
  endpoint_server(const endpoint_server&) = delete;
  endpoint_server& operator=(const endpoint_server&) = delete;

  /// The bound ports, in the order of the addresses given to `start`.
  const std::vector<std::uint16_t>& ports() const;

 private:
  struct impl;
  explicit endpoint_server(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

}  // namespace habop::op
