// Events are sent by one background thread, off the reconcile path (client-go's broadcaster is asynchronous too).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include <habop/operator/client.hpp>
#include <habop/operator/event_recorder.hpp>
#include <habop/operator/log.hpp>
#include <habop/reconcile/plan.hpp>

namespace habop::op {

/// Counters of the sender.
struct event_sender_stats {
  std::uint64_t writes = 0;        ///< POSTs and PATCHes sent (a 404'd PATCH and its POST count as two).
  std::uint64_t failures = 0;
  std::uint64_t dropped = 0;       ///< Events dropped because the queue was full (a burst of thousands).
};

/// Correlates events (event_recorder) and writes them one at a time on its own thread, so a reconcile never waits
/// for its events and a burst of them never takes more than one connection from the writes that converge objects.
/// Events are best effort, as in client-go: dropped when `max_queued` are waiting, and on shutdown.
class event_sender {
 public:
  /// `yield_while`, when set, says that writes converging objects are waiting: the sender then holds its events
  /// back, for at most `max_hold` per batch, so a burst of reconciles is not slowed by its own Events (which are
  /// best effort and only informative). Called without the sender's lock, from its thread.
  static constexpr std::size_t default_max_queued = 4096;

  event_sender(client& api, logger log, event_recorder_options options, std::size_t max_queued = default_max_queued,
               std::function<bool()> yield_while = {},
               std::chrono::milliseconds max_hold = std::chrono::milliseconds(1000));
  ~event_sender();
  event_sender(const event_sender&) = delete;
  event_sender& operator=(const event_sender&) = delete;

  /// Queues one event (thread-safe, never blocks on I/O).
  void post(reconcile::event e);
  /// Drops what is queued and every later post, without waiting for the write in flight (leadership lost).
  void stop_writing();
  /// Finishes the write in flight and drops what is queued; later posts are dropped. Joins the thread.
  void stop();
  event_sender_stats stats() const;

 private:
  void run();

  client& api_;
  logger log_;
  event_recorder recorder_;      ///< Used by the sender thread only.
  std::size_t max_queued_;
  std::function<bool()> yield_while_;
  std::chrono::milliseconds max_hold_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<reconcile::event> queue_;
  bool stopping_ = false;
  std::atomic<std::uint64_t> writes_{0}, failures_{0}, dropped_{0};
  std::thread thread_;
};

}  // namespace habop::op
