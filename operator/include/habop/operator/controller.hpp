// The Habitat controller: caches fed by reflectors, a work queue, workers that reconcile and apply plans.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <habop/operator/client.hpp>
#include <habop/operator/event_recorder.hpp>
#include <habop/operator/log.hpp>
#include <habop/operator/metrics.hpp>
#include <habop/operator/work_queue.hpp>

namespace habop::op {

/// What the controller watches and how hard it works.
struct controller_options {
  std::string ns;                                               ///< Empty: every namespace.
  int workers = 4;                                              ///< Concurrent reconciles (distinct keys).
  std::chrono::milliseconds resync_period{30'000};              ///< Re-enqueue every cached Habitat; 0: never.
  work_queue_options queue;
  event_recorder_options events;
};

/// Counters for tests and logs.
struct controller_stats {
  std::uint64_t reconciles = 0;
  std::uint64_t writes = 0;          ///< Requests sent to apply plans (operations, status, events).
  std::uint64_t write_errors = 0;
  bool operator==(const controller_stats&) const = default;
};

/// Level-based: workers rebuild the snapshot from the caches for each key and never act on the event itself.
/// Caches may run without workers (a standby replica keeps them warm); only `start_workers` makes it write.
class controller {
 public:
  controller(client& api, logger log, operator_metrics& metrics, controller_options options);
  ~controller();
  controller(const controller&) = delete;
  controller& operator=(const controller&) = delete;

  /// Starts list+watch of Habitats, StatefulSets, Services, ConfigMaps, Pods (label `habitat=true`) and Secrets
  /// (metadata only).
  void start_caches();
  /// True once every cache has completed its first LIST.
  bool synced() const;
  /// Starts the workers (the leader, or every replica without leader election).
  void start_workers();
  /// Stops writing at once: workers abandon their plan before the next request (leadership lost).
  void stop_writing();
  /// Before `start_workers`: `may_write` is asked before every write, which is not sent (and its key retried)
  /// while it says no. With leader election: whether the Lease was renewed within the renew deadline.
  void gate_writes(std::function<bool()> may_write);
  /// Graceful shutdown: stops intake, lets in-flight reconciles finish, stops the workers and the caches.
  /// The caller cancels the client's watches first so reflectors blocked in a stream return.
  void shut_down();
  controller_stats stats() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace habop::op
