// A client-go-style rate-limited work queue with time passed in: dedup, per-key backoff, a global bucket, no threads.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>

#include <habop/core/time.hpp>

namespace habop::op {

/// Tuning; the defaults are client-go's `DefaultControllerRateLimiter`.
struct work_queue_options {
  std::string name = "habitats";                            ///< The `name` label of the workqueue metrics.
  std::chrono::microseconds base_delay{5'000};              ///< First per-key retry delay (5 ms), doubled per retry.
  std::chrono::microseconds max_delay{1'000'000'000};       ///< Per-key cap (1000 s).
  double qps = 10;                                          ///< Global token bucket refill for rate-limited adds.
  int burst = 100;                                          ///< Global token bucket size.
  bool operator==(const work_queue_options&) const = default;
};

/// A key handed to a worker by `get`.
struct work_item {
  std::string key;
  std::chrono::microseconds queue_latency{0};   ///< Ready time to `get`: observe into workqueue_queue_duration_seconds.
  bool operator==(const work_item&) const = default;
};

/// Values for the workqueue metrics at one instant.
struct work_queue_stats {
  std::size_t depth = 0;                        ///< Keys ready now and not being processed (workqueue_depth).
  std::size_t waiting = 0;                      ///< Keys scheduled for later (backoff, add_after, Retry-After).
  std::size_t processing = 0;                   ///< Keys handed out by `get` and not yet `done`.
  std::uint64_t adds_total = 0;                 ///< Adds that queued a key; deduplicated ones are not counted.
  std::uint64_t retries_total = 0;              ///< add_rate_limited + retry_after calls (workqueue_retries_total).
  double unfinished_work_seconds = 0;           ///< Sum of the age of every in-flight item.
  double longest_running_processor_seconds = 0;
  bool operator==(const work_queue_stats&) const = default;
};

/// The reconcile queue. Invariants, as client-go's: a key is queued at most once; a key is never handed to two
/// workers at once (re-added while processing, it is queued again by `done`). Keys come out in order of the
/// time they became ready (FIFO among equals), so fresh keys are never starved by a storm of retries: unlike
/// strict priorities (controller-runtime#3496), every key's turn arrives once its ready time is the oldest.
/// Not thread-safe: one io_context owns it.
class work_queue {
 public:
  explicit work_queue(work_queue_options options = {});

  /// Queues `key` now. No-op when already ready; moves a scheduled key forward to now; ignored after shutdown.
  void add(const std::string& key, instant now);
  /// Queues `key` at `now + delay` (now when delay ≤ 0). A key already scheduled keeps the earlier time.
  void add_after(const std::string& key, std::chrono::microseconds delay, instant now);
  /// Schedules a retry after max(per-key backoff, global bucket delay); the backoff doubles on every call
  /// until `forget`: 5 ms, 10 ms, 20 ms, … capped at 1000 s. Returns the delay chosen.
  std::chrono::microseconds add_rate_limited(const std::string& key, instant now);
  /// A retry whose cause usually clears within milliseconds (a 409: the cache is a moment behind): `first` ×
  /// 2^n for the key's n-th retry since `forget`, capped at `cap`, outside the global bucket. Bounded, so Habitats
  /// racing on one shared object never back each other off for minutes; growing, so a cache that stays behind
  /// (a broken watch) is not a hot loop. Returns the delay chosen.
  std::chrono::microseconds add_short_backoff(const std::string& key, std::chrono::microseconds first,
                                              std::chrono::microseconds cap, instant now);
  /// A 429 or 503 with `Retry-After: seconds`: retry no sooner than that, and no sooner than the backoff would.
  std::chrono::microseconds retry_after(const std::string& key, std::chrono::seconds retry_after, instant now);
  /// Resets the key's backoff after a successful reconcile. Does not dequeue it.
  void forget(const std::string& key);
  /// How many rate-limited retries the key has had since its last `forget`.
  int num_requeues(const std::string& key) const;

  /// The ready key with the oldest ready time (ties: oldest add first), marked processing; nullopt if none is
  /// ready at `now`. After `shut_down`, still returns keys that were ready at shutdown (drain).
  std::optional<work_item> get(instant now);
  /// Ends processing of `key`; if it was re-added meanwhile it becomes queued. Returns the processing time
  /// (observe into workqueue_work_duration_seconds); zero for a key that was not processing.
  std::chrono::microseconds done(const std::string& key, instant now);

  /// When the runtime should next call `get`: now-or-earlier if something is ready, the earliest scheduled
  /// time otherwise, nullopt when nothing is queued (wait for an add).
  std::optional<instant> next_ready_time() const;

  /// Stops intake: later adds are ignored and keys scheduled after `now` are dropped; keys ready by `now` and
  /// keys in flight are still drained through `get`/`done`.
  void shut_down(instant now);
  bool shutting_down() const { return shutting_down_; }
  /// True after `shut_down` once nothing is queued or processing: the workers may exit.
  bool drained() const;
  /// Whether a key is ready now or being processed (what a background sender of Events yields to); O(1).
  bool busy(instant now) const;

  /// Queued keys (ready or scheduled), excluding ones only processing.
  std::size_t size() const { return queue_.size(); }
  work_queue_stats stats(instant now) const;
  const work_queue_options& options() const { return options_; }

 private:
  struct entry {
    instant ready;
    std::uint64_t seq = 0;
    std::string key;
    auto operator<=>(const entry&) const = default;
  };
  struct key_state {
    std::optional<instant> queued_at;       ///< Ready time while queued (an entry is in queue_).
    std::uint64_t seq = 0;
    bool processing = false;
    instant started;
    std::optional<instant> dirty_ready;     ///< Re-added while processing: ready time to queue at `done`.
    int failures = 0;
  };

  /// Queues `key` at `ready` (or marks it dirty while processing); false when it was already due by then.
  bool schedule(const std::string& key, instant ready);
  void erase_if_idle(std::map<std::string, key_state>::iterator it);
  std::chrono::microseconds backoff(const std::string& key);   ///< The options' base delay and cap.
  /// `first` × 2^(the key's failures), capped at `cap`; counts one more failure.
  std::chrono::microseconds backoff(const std::string& key, std::chrono::microseconds first,
                                    std::chrono::microseconds cap);
  std::chrono::microseconds bucket_delay(instant now);

  work_queue_options options_;
  std::map<std::string, key_state> keys_;
  std::set<entry> queue_;
  std::uint64_t next_seq_ = 0;
  double tokens_ = 0;
  instant tokens_at_;
  bool bucket_started_ = false;
  bool shutting_down_ = false;
  std::size_t processing_count_ = 0;
  std::uint64_t adds_total_ = 0;
  std::uint64_t retries_total_ = 0;
};

}  // namespace habop::op
