// client-go's event correlator (tools/record/events_cache.go): spam filter, aggregator, then repeat detection.
#include <habop/operator/event_recorder.hpp>

#include <algorithm>
#include <cstdio>
#include <functional>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace habop::op {

template <class V>
V* event_recorder::lru<V>::find(std::uint64_t key) {
  auto it = map_.find(key);
  if (it == map_.end()) return nullptr;
  items_.splice(items_.begin(), items_, it->second);  // Most recently used first.
  return &it->second->second;
}

template <class V>
V& event_recorder::lru<V>::put(std::uint64_t key, V value) {
  if (V* existing = find(key)) {
    *existing = std::move(value);
    return *existing;
  }
  if (capacity_ > 0 && map_.size() >= capacity_) {
    map_.erase(items_.back().first);
    items_.pop_back();
  }
  items_.emplace_front(key, std::move(value));
  map_[key] = items_.begin();
  return items_.front().second;
}

namespace {

using reconcile::event;

std::string event_ns(const event& e) { return e.regarding.ns.empty() ? "default" : e.regarding.ns; }

/// `<object>.<hex unix nanos>`.
std::string event_name_at(const event& e, std::int64_t nanos) {
  char hex[24];
  std::snprintf(hex, sizeof hex, "%llx", static_cast<unsigned long long>(nanos));
  return e.regarding.name + "." + hex;
}

std::uint64_t hashed(const std::string& key) { return std::hash<std::string>{}(key); }

std::string object_key(const event_recorder_options& o, const event& e) {
  // Joined with a separator client-go does not use, so ("ab","c") and ("a","bc") cannot collide.
  std::string k;
  for (const std::string* p : {&o.component, &o.host, &e.regarding.kind, &e.regarding.ns, &e.regarding.name,
                               &e.regarding.uid, &e.regarding.api_version}) {
    k += *p;
    k += '\x1f';
  }
  return k;
}

boost::json::object event_body(const event_recorder_options& o, const event& e, const std::string& name,
                               const std::string& message, int count, instant first, instant last) {
  boost::json::object involved;
  involved["apiVersion"] = e.regarding.api_version;
  involved["kind"] = e.regarding.kind;
  if (!e.regarding.ns.empty()) involved["namespace"] = e.regarding.ns;
  involved["name"] = e.regarding.name;
  if (!e.regarding.uid.empty()) involved["uid"] = e.regarding.uid;
  boost::json::object source;
  source["component"] = o.component;
  if (!o.host.empty()) source["host"] = o.host;
  boost::json::object body;
  body["apiVersion"] = "v1";
  body["kind"] = "Event";
  body["metadata"] = boost::json::object{{"name", name}, {"namespace", event_ns(e)}};
  body["involvedObject"] = std::move(involved);
  body["reason"] = e.reason;
  body["message"] = message;
  body["type"] = e.type;
  body["count"] = count;
  body["source"] = std::move(source);
  body["firstTimestamp"] = to_rfc3339(first);
  body["lastTimestamp"] = to_rfc3339(last);
  body["reportingComponent"] = o.component;
  body["reportingInstance"] = o.host;
  return body;
}

http::request post(const std::string& ns, const boost::json::object& body) {
  http::request r;
  r.method = "POST";
  r.path = "/api/v1/namespaces/" + ns + "/events";
  r.headers.emplace_back("Content-Type", "application/json");
  r.body = boost::json::serialize(body);
  return r;
}

}  // namespace

event_recorder::event_recorder(event_recorder_options options)
    : options_(std::move(options)),
      spam_(options_.cache_size),
      aggregates_(options_.cache_size),
      observed_(options_.cache_size) {}

std::int64_t event_recorder::next_name_nanos(instant now) {
  // Strictly increasing so two events in the same microsecond do not collide.
  last_nanos_ = std::max(now.unix_micros * 1000, last_nanos_ + 1);
  return last_nanos_;
}

std::optional<event_write> event_recorder::record(const event& e, instant now) {
  std::string object = object_key(options_, e);

  // 1. Spam filter: a token bucket per source and object.
  const std::uint64_t object_id = hashed(object);
  spam_record* bucket = spam_.find(object_id);
  if (!bucket) bucket = &spam_.put(object_id, spam_record{static_cast<double>(options_.spam_burst), now});
  if (now > bucket->last) {
    double refill_us = static_cast<double>(std::chrono::microseconds(options_.spam_refill).count());
    double earned = refill_us > 0 ? static_cast<double>(now.unix_micros - bucket->last.unix_micros) / refill_us : 0;
    bucket->tokens = std::min<double>(options_.spam_burst, bucket->tokens + earned);
    bucket->last = now;
  }
  if (bucket->tokens < 1) {
    ++dropped_;
    return std::nullopt;
  }
  bucket->tokens -= 1;

  // 2. Aggregator: too many distinct messages for one (object, type, reason) in the window become one event.
  std::string aggregate_key = object + e.type + '\x1f' + e.reason + '\x1f';
  const std::uint64_t aggregate_id = hashed(aggregate_key);
  aggregate_record* agg = aggregates_.find(aggregate_id);
  if (!agg || now.unix_micros - agg->last.unix_micros >
                  std::chrono::microseconds(options_.aggregate_interval).count()) {
    agg = &aggregates_.put(aggregate_id, aggregate_record{{}, now});
  }
  agg->last = now;
  if (const std::uint64_t m = hashed(e.message);
      std::find(agg->messages.begin(), agg->messages.end(), m) == agg->messages.end()) {
    agg->messages.push_back(m);
  }
  std::string key = aggregate_key + e.message;
  std::string message = e.message;
  if (agg->messages.size() >= options_.aggregate_max_events) {
    agg->messages.erase(agg->messages.begin());  // Keep the set bounded, as client-go's PopAny does.
    key = aggregate_key;
    message = "(combined from similar events): " + e.message;
  }

  // 3. Repeat detection: the same key PATCHes the existing Event instead of creating another.
  std::string ns = event_ns(e);
  // The key holds the object (hence the Event's namespace and name prefix): a hit is the same Event.
  if (observed_record* seen = observed_.find(hashed(key))) {
    ++seen->count;
    boost::json::object patch{{"count", seen->count}, {"lastTimestamp", to_rfc3339(now)}, {"message", message}};
    event_write w;
    w.what = event_write::kind::patch;
    w.name = event_name_at(e, seen->name_nanos);
    w.request.method = "PATCH";
    w.request.path = "/api/v1/namespaces/" + ns + "/events/" + w.name;
    w.request.headers.emplace_back("Content-Type", "application/strategic-merge-patch+json");
    w.request.body = boost::json::serialize(patch);
    w.on_not_found = post(ns, event_body(options_, e, w.name, message, seen->count, seen->first, now));
    return w;
  }
  event_write w;
  w.what = event_write::kind::create;
  const std::int64_t nanos = next_name_nanos(now);
  w.name = event_name_at(e, nanos);
  w.request = post(ns, event_body(options_, e, w.name, message, 1, now, now));
  observed_.put(hashed(key), observed_record{nanos, 1, now});
  return w;
}

}  // namespace habop::op
