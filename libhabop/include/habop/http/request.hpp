// An HTTP request as a value: what libhabop wants sent, built without sending it (kube-core style).
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace habop::http {

struct request {
  std::string method;    ///< `GET`, `POST`, `PATCH`, `PUT`, `DELETE`.
  std::string path;      ///< Absolute, unescaped segments already valid: `/apis/apps/v1/namespaces/ns/statefulsets/x`.
  std::vector<std::pair<std::string, std::string>> query;    ///< Unencoded; `target()` percent-encodes.
  std::vector<std::pair<std::string, std::string>> headers;  ///< e.g. `Content-Type`.
  std::string body;      ///< Serialized JSON, or empty.

  /// `path?k=v&...` with the query percent-encoded: the request-target to put on the wire.
  std::string target() const;
  bool operator==(const request&) const = default;
};

/// Percent-encodes a query component (RFC 3986 unreserved characters pass through).
std::string url_encode(std::string_view s);

}  // namespace habop::http
