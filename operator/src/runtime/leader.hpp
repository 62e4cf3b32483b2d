// Drives the pure leader_elector against the API: GET/create/renew the Lease every retry period on its own thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include <habop/operator/client.hpp>
#include <habop/operator/leader_election.hpp>
#include <habop/operator/log.hpp>
#include <habop/operator/metrics.hpp>

namespace habop::op {

/// Callbacks, called on the election thread.
struct leader_callbacks {
  std::function<void()> on_started_leading;
  /// Leadership was lost (renew deadline passed): stop writing now; the runtime exits non-zero.
  std::function<void()> on_stopped_leading;
};

class leader_loop {
 public:
  leader_loop(client& api, logger log, operator_metrics& metrics, leader_election_config config,
              leader_callbacks callbacks);
  ~leader_loop();
  void start();
  /// Stops the loop and, when leading, gives the Lease up (empty holder, 1 s duration) so a standby takes over now.
  void stop_and_release();
  bool leading() const { return leading_.load(); }
  /// Whether a write may be sent now (thread-safe): this replica renewed the Lease within the renew deadline, on
  /// the wall clock. False as soon as the deadline passes, even before the election loop runs again (a process
  /// frozen for longer than the lease wakes up with every thread at once).
  bool may_write() const;

 private:
  void run();
  void step();

  client& api_;
  logger log_;
  operator_metrics& metrics_;
  leader_elector elector_;
  leader_callbacks callbacks_;
  std::atomic<bool> leading_{false};
  std::atomic<std::int64_t> leading_until_micros_{0};  ///< elector_.leading_until(), 0 when not leader.
  bool stop_ = false;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::thread thread_;
};

}  // namespace habop::op
