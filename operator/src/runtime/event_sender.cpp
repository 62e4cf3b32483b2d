// The event sender thread: take an event, correlate it, POST (or PATCH, then POST after a 404), repeat.
#include "event_sender.hpp"

#include <chrono>

#include "heap.hpp"
#include "wall_clock.hpp"

namespace habop::op {

event_sender::event_sender(client& api, logger log, event_recorder_options options, std::size_t max_queued)
    : api_(api), log_(std::move(log)), recorder_(std::move(options)), max_queued_(max_queued) {
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
      e = std::move(queue_.front());
      queue_.pop_front();
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
