// Fault injection for the fake-apiserver: rules that fail or delay matching requests, and the admin commands that
// add them or drop watches, compact history and restart. Pure logic, thread-safe, no Asio or Beast.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <habop/core/result.hpp>
#include <habop/fake_apiserver/api_server.hpp>
#include <habop/fake_apiserver/rbac.hpp>

namespace habop::fake {

/// What a matching request gets besides the rule's latency.
enum class fault_kind {
  status,     ///< A Status with the rule's `code` instead of handling it (code 0: only the latency).
  reset,      ///< The connection is closed without a response and without TLS close_notify.
  truncate,   ///< Handled, then the head and half the body are sent (Content-Length promising all of it) and the
              ///< connection closed; a watch sends a chunk promising a whole event line, half of it, and closes.
  malformed,  ///< Handled (writes happen), but the body is replaced by the rule's `shape` with the normal code; a
              ///< watch sends one such event line first, then its events as usual.
};

/// The body a `malformed` fault sends.
enum class malformed_shape {
  invalid_json,     ///< Half the body followed by `<not json>`. A watch: an event line that is not JSON.
  items_not_array,  ///< The real body with `"items":"not-an-array"`. A watch: an event whose `object` is a string.
  metadata_string,  ///< The real body with `"metadata":"not-an-object"`. A watch: an ADDED event whose object's
                    ///< `metadata` is a string.
};

/// One fault: the next `count` requests that match fail with `code` (or, with code 0, are only delayed), or get
/// the wire-level fault `kind`.
struct fault_rule {
  std::string verb;           ///< Empty or `*`: any verb (RBAC's: get, list, watch, create, update, patch, ...).
  std::string resource;       ///< Plural, optionally `plural/subresource`; empty or `*`: any resource request.
  std::string ns;             ///< Empty: any namespace.
  std::string name;           ///< Empty: any name.
  int code = 0;               ///< 409, 429, 500, 503, ...; 0 injects only latency.
  int count = 1;              ///< Matching requests affected; negative means until cleared.
  std::int64_t latency_ms = 0;       ///< Added before the request is handled (or failed).
  int retry_after_seconds = 1;       ///< `Retry-After` and `details.retryAfterSeconds` for 429 and 503.
  std::string message;               ///< Status message; a default per code when empty.
  fault_kind kind = fault_kind::status;
  malformed_shape shape = malformed_shape::invalid_json;   ///< For `malformed` only.
  bool operator==(const fault_rule&) const = default;
};

/// What the transport does with one request: wait `latency_ms`, then send `failure` instead of handling it, or
/// apply `kind` (reset, truncate or malformed; `status` without a failure: handle it normally).
struct fault_decision {
  std::int64_t latency_ms = 0;
  std::optional<response> failure;
  fault_kind kind = fault_kind::status;
  malformed_shape shape = malformed_shape::invalid_json;
};

/// `body` (a response body) as the `malformed` fault sends it.
std::string malformed_body(std::string_view body, malformed_shape shape);
/// The watch event line (without its newline) the `malformed` fault sends first.
std::string malformed_watch_line(malformed_shape shape);

/// A Kubernetes Status response: `{"kind":"Status",...,"reason":R,"code":C}`, with `Retry-After` when given.
response fault_response(int code, std::string_view reason, std::string_view message, int retry_after_seconds = 0);
/// The Status reason KAS uses for a code (409 → Conflict, 429 → TooManyRequests, 500 → InternalError, ...).
std::string_view status_reason(int code);

/// A thread-safe rule set; each matching request consumes one unit of a rule's count.
class faults {
 public:
  /// Adds a rule; rules are tried in the order added and the first match applies.
  void add(fault_rule rule);
  /// Removes every rule.
  void clear();
  /// The rules still active.
  std::vector<fault_rule> rules() const;
  /// Decides for one request (as `resolve_request` from rbac.hpp describes it), consuming a use of the first
  /// matching rule.
  fault_decision on_request(const request_attributes& info);

 private:
  mutable std::mutex mutex_;
  std::vector<fault_rule> rules_;
};

/// What `POST /admin/faults` asks for.
enum class admin_action { add_rule, drop_watches, compact_history, restart };

/// A parsed admin request body: `{"verb":"create","resource":"configmaps","code":409,"count":2}` adds a rule
/// (also `namespace`, `name`, `latencyMs`, `retryAfterSeconds`, `message`); `"fault"` picks a wire-level fault
/// instead of a code: `{"verb":"list","fault":"reset"}`, `{"fault":"truncate"}`, or
/// `{"fault":"malformed","shape":"invalid-json"}` (shapes `invalid-json` (the default), `items-not-array`,
/// `metadata-string`); `"fault":"status"` is the default. `{"action":"drop-watches"}`, `{"action":"compact"}` and
/// `{"action":"restart"}` run an action.
struct admin_command {
  admin_action action = admin_action::add_rule;
  fault_rule rule;
  bool operator==(const admin_command&) const = default;
};

/// Parses an admin request body; a 400 error with field causes when it is not a valid command.
result<admin_command> parse_admin_command(std::string_view body);

/// The rules as a JSON array, for `GET /admin/faults`.
std::string rules_to_json(const std::vector<fault_rule>& rules);

}  // namespace habop::fake
