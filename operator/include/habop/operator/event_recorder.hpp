// core/v1 Event correlation like client-go's tools/record: new events POSTed, repeats PATCHed, spam dropped.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <list>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <habop/core/time.hpp>
#include <habop/http/request.hpp>
#include <habop/reconcile/plan.hpp>

namespace habop::op {

/// client-go's defaults (events_cache.go).
struct event_recorder_options {
  std::string component = "habitat-operator";       ///< `source.component` and `reportingComponent`.
  std::string host;                                 ///< `source.host` and `reportingInstance` (pod or host name).
  int spam_burst = 25;                              ///< Token bucket per source+object.
  std::chrono::seconds spam_refill{300};            ///< One token back every 5 minutes.
  std::size_t aggregate_max_events = 10;            ///< Distinct messages per (object, reason) before combining…
  std::chrono::seconds aggregate_interval{600};     ///< …within this window.
  std::size_t cache_size = 4096;                    ///< Entries per LRU cache: memory stays bounded.
  bool operator==(const event_recorder_options&) const = default;
};

/// What to send for one event.
struct event_write {
  enum class kind { create, patch };
  kind what = kind::create;
  http::request request;
  /// For a PATCH: the POST to send if it answers 404 (the Event expired, client-go re-creates it).
  std::optional<http::request> on_not_found;
  std::string name;                                 ///< The Event's `metadata.name`.
  bool operator==(const event_write&) const = default;
};

/// The correlator. Per event: the spam filter may drop it; more than `aggregate_max_events` distinct messages
/// for the same object and reason within the interval collapse into one `(combined from similar events): …`
/// Event; an identical repeat PATCHes the existing Event (`count+1`, `lastTimestamp`, `message`). Names are
/// `<object>.<hex unix nanos>` in the object's namespace (`default` for cluster-scoped objects).
/// Not thread-safe: one io_context owns it.
class event_recorder {
 public:
  explicit event_recorder(event_recorder_options options = {});

  /// nullopt: dropped by the spam filter.
  std::optional<event_write> record(const reconcile::event& e, instant now);

  const event_recorder_options& options() const { return options_; }
  std::size_t dropped_total() const { return dropped_; }

 private:
  /// An LRU map of small records; the least recently used entry goes when full. Keyed by a 64-bit hash of
  /// client-go's string key (object, reason, message: hundreds of bytes, twice per entry otherwise); two keys
  /// colliding among 3 × 4,096 entries is a ~1e-11 chance, and would only merge two events' counts.
  template <class V>
  class lru {
   public:
    explicit lru(std::size_t capacity) : capacity_(capacity) {}
    V* find(std::uint64_t key);
    V& put(std::uint64_t key, V value);
    std::size_t size() const { return map_.size(); }

   private:
    std::size_t capacity_;
    std::list<std::pair<std::uint64_t, V>> items_;
    std::unordered_map<std::uint64_t, typename std::list<std::pair<std::uint64_t, V>>::iterator> map_;
  };
  struct spam_record {
    double tokens = 0;
    instant last;
  };
  struct aggregate_record {
    /// Hashes of the distinct messages seen in the window (≤ max), oldest first: client-go only counts and
    /// evicts them, so the text itself need not be kept.
    std::vector<std::uint64_t> messages;
    instant last;
  };
  /// The Event's name and namespace are not kept: both follow from the object in the key (`event_name_at`).
  struct observed_record {
    std::int64_t name_nanos = 0;                     ///< The suffix of the Event's name.
    int count = 0;
    instant first;
  };

  /// A new name's unix nanos: `now`, or one more than the last one given.
  std::int64_t next_name_nanos(instant now);

  event_recorder_options options_;
  lru<spam_record> spam_;
  lru<aggregate_record> aggregates_;
  lru<observed_record> observed_;
  std::int64_t last_nanos_ = 0;
  std::size_t dropped_ = 0;
};

}  // namespace habop::op
