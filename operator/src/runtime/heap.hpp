// Giving freed heap memory back to the operating system once a burst of work is over.
#pragma once

#include <algorithm>
#include <chrono>

namespace habop::op {

/// Returns whole free pages of the malloc heaps to the OS (glibc `malloc_trim`), at most once a second across the
/// process. Called by threads going idle: without it, the peak of a burst (watch events parsed, snapshots,
/// request bodies) stays in RSS although nothing uses it.
void trim_heap_when_idle();

/// One thread's "trim once idle after a burst": `worked` after each item; `wait_for` caps the thread's sleep so
/// that it wakes to check; `idle` when it finds nothing to do, which trims once nothing came for `quiet` (never
/// between the items of a burst, where malloc_trim's locks would delay the next one).
class idle_trim {
 public:
  explicit idle_trim(std::chrono::milliseconds quiet = std::chrono::milliseconds(250)) : quiet_(quiet) {}
  void worked() {
    busy_ = true;
    idle_started_ = false;
  }
  /// Returns how long the thread may sleep at most (`wait` unless a trim is pending).
  std::chrono::microseconds wait_for(std::chrono::microseconds wait) const {
    return busy_ ? std::min(wait, std::chrono::duration_cast<std::chrono::microseconds>(quiet_)) : wait;
  }
  /// True when the caller should trim now (then call `trim_heap_when_idle` outside its locks).
  bool idle() {
    if (!busy_) return false;
    const auto now = std::chrono::steady_clock::now();
    if (!idle_started_) {
      idle_started_ = true;
      idle_since_ = now;
    }
    if (now - idle_since_ < quiet_) return false;
    busy_ = false;
    idle_started_ = false;
    return true;
  }

 private:
  std::chrono::milliseconds quiet_;
  bool busy_ = false;
  bool idle_started_ = false;
  std::chrono::steady_clock::time_point idle_since_{};
};

}  // namespace habop::op
