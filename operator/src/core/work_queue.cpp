// The rate-limited work queue: one ordered set of (ready time, sequence, key) plus per-key state, no clocks.
#include <habop/operator/work_queue.hpp>

#include <algorithm>

namespace habop::op {
namespace {

instant plus(instant t, std::chrono::microseconds d) { return instant{t.unix_micros + d.count()}; }
std::chrono::microseconds minus(instant a, instant b) { return std::chrono::microseconds{a.unix_micros - b.unix_micros}; }

}  // namespace

work_queue::work_queue(work_queue_options options) : options_(std::move(options)) {}

bool work_queue::schedule(const std::string& key, instant ready) {
  key_state& st = keys_[key];
  if (st.processing) {
    if (st.dirty_ready && *st.dirty_ready <= ready) return false;
    bool fresh = !st.dirty_ready;
    st.dirty_ready = ready;
    return fresh;
  }
  if (st.queued_at) {
    if (*st.queued_at <= ready) return false;
    // Sooner than scheduled: move it forward, keeping one entry per key (dedup).
    queue_.erase(entry{*st.queued_at, st.seq, key});
    st.queued_at = ready;
    st.seq = next_seq_++;
    queue_.insert(entry{ready, st.seq, key});
    return false;
  }
  st.queued_at = ready;
  st.seq = next_seq_++;
  queue_.insert(entry{ready, st.seq, key});
  return true;
}

void work_queue::erase_if_idle(std::map<std::string, key_state>::iterator it) {
  const key_state& st = it->second;
  // Idle keys with no backoff history are forgotten entirely, so memory follows the live keys only.
  if (!st.queued_at && !st.processing && !st.dirty_ready && st.failures == 0) keys_.erase(it);
}

void work_queue::add(const std::string& key, instant now) {
  if (shutting_down_) return;
  if (schedule(key, now)) ++adds_total_;
}

void work_queue::add_after(const std::string& key, std::chrono::microseconds delay, instant now) {
  if (shutting_down_) return;
  if (delay.count() <= 0) return add(key, now);
  if (schedule(key, plus(now, delay))) ++adds_total_;
}

std::chrono::microseconds work_queue::backoff(const std::string& key) {
  return backoff(key, options_.base_delay, options_.max_delay);
}

std::chrono::microseconds work_queue::backoff(const std::string& key, std::chrono::microseconds first,
                                              std::chrono::microseconds cap) {
  int failures = keys_[key].failures++;
  // first × 2^failures, doubled only while under the cap so that a long failure streak cannot overflow.
  auto delay = first;
  for (int i = 0; i < failures && delay < cap && delay.count() > 0; ++i) delay *= 2;
  return std::min(delay, cap);
}

std::chrono::microseconds work_queue::bucket_delay(instant now) {
  if (options_.qps <= 0) return std::chrono::microseconds{0};
  if (!bucket_started_) {
    bucket_started_ = true;
    tokens_ = options_.burst;
    tokens_at_ = now;
  }
  if (now > tokens_at_) {
    tokens_ = std::min<double>(options_.burst, tokens_ + minus(now, tokens_at_).count() / 1e6 * options_.qps);
    tokens_at_ = now;
  }
  // Like golang.org/x/time/rate's Reserve: tokens may go negative, the debt is the wait.
  tokens_ -= 1;
  if (tokens_ >= 0) return std::chrono::microseconds{0};
  // Rounded up by hand: std::ceil is a libm call, and this is the shipped operator's only use of libm.
  const double wait_us = -tokens_ / options_.qps * 1e6;
  auto whole = static_cast<std::int64_t>(wait_us);
  if (static_cast<double>(whole) < wait_us) ++whole;
  return std::chrono::microseconds{whole};
}

std::chrono::microseconds work_queue::add_rate_limited(const std::string& key, instant now) {
  if (shutting_down_) return std::chrono::microseconds{0};
  ++retries_total_;
  auto d = std::max(backoff(key), bucket_delay(now));
  add_after(key, d, now);
  return d;
}

std::chrono::microseconds work_queue::add_short_backoff(const std::string& key, std::chrono::microseconds first,
                                                        std::chrono::microseconds cap, instant now) {
  if (shutting_down_) return std::chrono::microseconds{0};
  ++retries_total_;
  const auto delay = backoff(key, first, cap);
  add_after(key, delay, now);
  return delay;
}

std::chrono::microseconds work_queue::retry_after(const std::string& key, std::chrono::seconds retry_after,
                                                  instant now) {
  if (shutting_down_) return std::chrono::microseconds{0};
  ++retries_total_;
  auto d = std::max({std::chrono::duration_cast<std::chrono::microseconds>(retry_after), backoff(key),
                     bucket_delay(now)});
  add_after(key, d, now);
  return d;
}

void work_queue::forget(const std::string& key) {
  auto it = keys_.find(key);
  if (it == keys_.end()) return;
  it->second.failures = 0;
  erase_if_idle(it);
}

int work_queue::num_requeues(const std::string& key) const {
  auto it = keys_.find(key);
  return it == keys_.end() ? 0 : it->second.failures;
}

std::optional<work_item> work_queue::get(instant now) {
  if (queue_.empty() || queue_.begin()->ready > now) return std::nullopt;
  auto node = queue_.extract(queue_.begin());
  entry& e = node.value();
  key_state& st = keys_[e.key];
  st.queued_at.reset();
  st.processing = true;
  st.started = now;
  ++processing_count_;
  return work_item{std::move(e.key), minus(now, e.ready)};
}

std::chrono::microseconds work_queue::done(const std::string& key, instant now) {
  auto it = keys_.find(key);
  if (it == keys_.end() || !it->second.processing) return std::chrono::microseconds{0};
  key_state& st = it->second;
  st.processing = false;
  --processing_count_;
  auto took = std::max(minus(now, st.started), std::chrono::microseconds{0});
  if (st.dirty_ready) {
    instant ready = *st.dirty_ready;
    st.dirty_ready.reset();
    schedule(key, ready);
  }
  erase_if_idle(it);
  return took;
}

std::optional<instant> work_queue::next_ready_time() const {
  if (queue_.empty()) return std::nullopt;
  return queue_.begin()->ready;
}

void work_queue::shut_down(instant now) {
  shutting_down_ = true;
  // Drop what was scheduled for later (backoffs, add_after); what is ready now is drained.
  while (!queue_.empty() && std::prev(queue_.end())->ready > now) {
    auto last = std::prev(queue_.end());
    auto it = keys_.find(last->key);
    queue_.erase(last);
    if (it != keys_.end()) {
      it->second.queued_at.reset();
      erase_if_idle(it);
    }
  }
  for (auto& [key, st] : keys_) {
    if (st.dirty_ready && *st.dirty_ready > now) st.dirty_ready.reset();
  }
}

bool work_queue::drained() const { return shutting_down_ && queue_.empty() && processing_count_ == 0; }

bool work_queue::busy(instant now) const {
  return processing_count_ > 0 || (!queue_.empty() && queue_.begin()->ready <= now);
}

work_queue_stats work_queue::stats(instant now) const {
  work_queue_stats s;
  for (const auto& e : queue_) {
    if (e.ready > now) break;
    ++s.depth;
  }
  s.waiting = queue_.size() - s.depth;
  s.processing = processing_count_;
  s.adds_total = adds_total_;
  s.retries_total = retries_total_;
  if (processing_count_ > 0) {
    for (const auto& [key, st] : keys_) {
      if (!st.processing) continue;
      double age = std::max<double>(0, minus(now, st.started).count() / 1e6);
      s.unfinished_work_seconds += age;
      s.longest_running_processor_seconds = std::max(s.longest_running_processor_seconds, age);
    }
  }
  return s;
}

}  // namespace habop::op
