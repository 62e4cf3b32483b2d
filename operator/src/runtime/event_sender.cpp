// The event sender thread: take an event, correlate it, POST (or PATCH, then POST after a 404), repeat.
#include "event_sender.hpp"

#include <chrono>

#include "heap.hpp"
#include "wall_clock.hpp"

namespace habop::op {

event_sender::event_sender(client& api, logger log, event_recorder_options options, std::size_t max_queued,
                           std::function<bool()> yield_while, std::chrono::milliseconds max_hold)
    : api_(api),
      log_(std::move(log)),
      recorder_(std::move(options)),
      max_queued_(max_queued),
      yield_while_(std::move(yield_while)),
      max_hold_(max_hold) {
  thread_ = std::thread([this] { run(); });
}

event_sender::~event_sender() { stop(); }

void event_sender::post(reconcile::event e) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || queue_.size() >= max_queued_) {
      ++dropped_;
      return;
    }
    queue_.push_back(std::move(e));
  }
  cv_.notify_one();
}

void event_sender::stop_writing() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    dropped_ += queue_.size();
    queue_.clear();
  }
  cv_.notify_all();
}

void event_sender::stop() {
  stop_writing();
  if (thread_.joinable()) thread_.join();
}

event_sender_stats event_sender::stats() const {
  return event_sender_stats{writes_.load(), failures_.load(), dropped_.load()};
}

void event_sender::run() {
  idle_trim trim;
  // A batch is what is queued from its first event until the queue runs empty; it is held back at most max_hold_.
  bool batching = false;   // not an optional: g++ 12 at -Os reports its value as maybe uninitialized
  std::chrono::steady_clock::time_point batch_started;
  for (;;) {
    reconcile::event e;
    {
      std::unique_lock lock(mutex_);
      while (!stopping_ && queue_.empty()) {
        if (trim.idle()) {
          lock.unlock();
          trim_heap_when_idle();
          lock.lock();
          continue;
        }
        cv_.wait_for(lock, trim.wait_for(std::chrono::seconds(60)));
      }
      if (stopping_) return;
      if (yield_while_) {
        if (!batching) batch_started = std::chrono::steady_clock::now();
        batching = true;
        while (std::chrono::steady_clock::now() - batch_started < max_hold_) {
          lock.unlock();
          const bool busy = yield_while_();
          lock.lock();
          if (!busy || cv_.wait_for(lock, std::chrono::milliseconds(2), [this] { return stopping_; })) break;
        }
        if (stopping_) return;
      }
      e = std::move(queue_.front());
      queue_.pop_front();
      if (queue_.empty()) batching = false;
    }
    auto w = recorder_.record(e, wall_now());
    if (!w) continue;
    trim.worked();
    ++writes_;
    auto r = api_.send(w->request);
    if (r && r->status == 404 && w->on_not_found) {
      ++writes_;
      r = api_.send(*w->on_not_found);
    }
    if (!r || r->status >= 300) {
      ++failures_;
      log_.debug("event write failed", {{"reason", e.reason}, {"object", e.regarding.name}});
    } else {
      log_.debug("event recorded", {{"type", e.type}, {"reason", e.reason}, {"object", e.regarding.name}});
    }
  }
}

}  // namespace habop::op
