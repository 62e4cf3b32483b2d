// Sending one reconcile plan: libhabop's request values in order, each failure mapped to how the key is requeued.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include <boost/json/object.hpp>

#include <habop/http/request.hpp>
#include <habop/operator/client.hpp>
#include <habop/operator/log.hpp>
#include <habop/reconcile/plan.hpp>

#include "event_sender.hpp"

namespace habop::op {

/// How one reconcile ended, which decides how the key is requeued. `already_exists`: a create found an object of
/// that name which the label-filtered caches cannot see (someone else's, or not labelled yet).
enum class outcome { success, terminal, conflict, already_exists, retry, retry_after, abandoned };

/// Writes plans through one client; thread-safe (each worker applies its own plan).
class plan_writer {
 public:
  /// Told of every successful create, patch and status write: the target, the resourceVersion the write was
  /// based on (empty for a create) and the server's answer (the object as written).
  using written_fn = std::function<void(const reconcile::object_ref& target, std::string_view based_on_rv,
                                        const response& answer)>;

  plan_writer(client& api, logger log, event_sender& events, written_fn on_written = {})
      : api_(api), log_(std::move(log)), events_(events), on_written_(std::move(on_written)) {}

  /// Sends the operations in the plan's order, then the status, then hands the events to the sender. Stops at the
  /// first failure (later writes were planned on the assumption that earlier ones succeed). `retry_delay` is set
  /// for `outcome::retry_after` (a 429/503 Retry-After), `existing` to the create's target for
  /// `outcome::already_exists`.
  outcome apply(const reconcile::plan& plan, const boost::json::object& habitat, const std::string& key,
                std::chrono::seconds& retry_delay, std::optional<reconcile::object_ref>& existing);

  /// Nothing more is sent once called (leadership lost); `apply` then returns `outcome::abandoned`.
  void stop() { stopped_ = true; }
  /// Set before the first `apply`: asked before every write; while it says no, nothing is sent and the key is
  /// retried (a leader past its renew deadline, which its election loop is about to find lost).
  void gate(std::function<bool()> may_write) { may_write_ = std::move(may_write); }
  bool stopped() const { return stopped_; }
  std::uint64_t writes() const { return writes_; }
  std::uint64_t errors() const { return errors_; }

 private:
  /// A write that failed: how to requeue, and the server's answer (none for a transport failure).
  struct failure {
    outcome requeue;
    std::optional<habop::error> answer;
  };
  /// Sends one write; on failure logs it and says how to requeue.
  std::optional<failure> send(const http::request& req, const std::string& what, bool missing_is_ok,
                              std::chrono::seconds& retry_delay, bool is_create = false,
                              response* answer = nullptr);
  /// A Warning event on the Habitat for an operation the server refused.
  void report_failure(const reconcile::operation& op, const boost::json::object& habitat, const habop::error& answer);

  client& api_;
  logger log_;
  event_sender& events_;
  written_fn on_written_;
  std::function<bool()> may_write_;
  std::atomic<bool> stopped_{false};
  std::atomic<std::uint64_t> writes_{0}, errors_{0};
};

}  // namespace habop::op
