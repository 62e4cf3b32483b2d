// The reflector loop: paged LIST, WATCH with bookmarks resuming from the last RV, relist on 410, jittered backoff.
#include "reflector.hpp"

#include <map>
#include <random>

#include <boost/json.hpp>

#include <habop/json/codec.hpp>

namespace habop::op {
namespace {

std::chrono::milliseconds jittered(std::chrono::milliseconds base) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::uniform_real_distribution<double> factor(1.0, 2.0);
  return std::chrono::milliseconds(static_cast<std::int64_t>(static_cast<double>(base.count()) * factor(rng)));
}

int watch_timeout_seconds() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return std::uniform_int_distribution<int>(300, 600)(rng);
}

std::string string_at(const boost::json::object& o, std::string_view a, std::string_view b) {
  const auto* x = o.if_contains(a);
  if (!x || !x->is_object()) return {};
  const auto* y = x->get_object().if_contains(b);
  return y && y->is_string() ? std::string(y->get_string()) : std::string();
}

}  // namespace

reflector::reflector(client& api, logger log, reflector_config config, object_cache& cache, std::mutex& mutex,
                     change_handler on_change)
    : api_(api), log_(std::move(log)), config_(std::move(config)), cache_(cache), mutex_(mutex),
      on_change_(std::move(on_change)) {}

reflector::~reflector() { stop(); }

void reflector::start() {
  if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
}

void reflector::request_stop() {
  {
    std::lock_guard lock(sleep_mutex_);
    stop_ = true;
  }
  sleep_cv_.notify_all();
}

void reflector::stop() {
  request_stop();
  if (thread_.joinable()) thread_.join();
}

void reflector::sleep_backoff() {
  backoff_ = backoff_.count() == 0 ? config_.min_backoff : std::min(backoff_ * 2, config_.max_backoff);
  std::unique_lock lock(sleep_mutex_);
  sleep_cv_.wait_for(lock, std::min(jittered(backoff_), config_.max_backoff), [this] { return stop_.load(); });
}

void reflector::run() {
  while (!stopping()) {
    if (!list()) {
      sleep_backoff();
      continue;
    }
    for (;;) {
      if (stopping()) return;
      bool had_events = false;
      const auto started = std::chrono::steady_clock::now();
      const bool relist = watch_once(had_events);
      if (stopping()) return;
      if (relist) break;
      // A watch the server closed at once without events (or one that failed) must not become a hot loop.
      if (!had_events && std::chrono::steady_clock::now() - started < std::chrono::seconds(1)) sleep_backoff();
    }
  }
}

bool reflector::list() {
  std::vector<boost::json::object> items;
  std::string list_rv;
  std::string continue_token;
  ++lists_;
  do {
    http::request req{"GET", config_.path, {{"limit", "500"}}, {}, {}};
    if (!config_.label_selector.empty()) req.query.emplace_back("labelSelector", config_.label_selector);
    if (!continue_token.empty()) req.query.emplace_back("continue", continue_token);
    auto r = api_.send(req);
    if (!r || r->status != 200) {
      const auto e = r ? to_error(*r) : r.error();
      if (!stopping()) log_.warn("list failed", {{"code", e.code}, {"reason", e.reason},
                                                 {"error", e.message}});
      return false;
    }
    auto parsed = json::parse_json(r->body);
    if (!parsed || !parsed->is_object()) {
      log_.warn("list returned malformed JSON", {});
      return false;
    }
    auto& body = parsed->get_object();
    list_rv = string_at(body, "metadata", "resourceVersion");
    continue_token = string_at(body, "metadata", "continue");
    if (auto* arr = body.if_contains("items"); arr && arr->is_array()) {
      for (auto& item : arr->get_array()) {
        if (!item.is_object()) continue;
        auto& obj = item.get_object();
        // Typed lists omit kind and apiVersion on items; client-go fills them in, so do we.
        if (!obj.contains("kind")) obj["kind"] = config_.kind;
        if (!obj.contains("apiVersion")) obj["apiVersion"] = config_.api_version;
        items.push_back(std::move(obj));
      }
    }
  } while (!continue_token.empty() && !stopping());
  if (stopping()) return false;
  {
    std::lock_guard lock(mutex_);
    // Deletions missed while disconnected surface here (Replace semantics); handlers see previous-only changes.
    std::map<std::string, object_ptr> old;
    for (const auto& o : cache_.list()) old.emplace(cache_key(*o), o);
    auto changes = cache_.replace(std::move(items), list_rv);
    for (const auto& gone : changes.deleted) on_change_(gone, nullptr);
    for (const auto& now : changes.changed) {
      auto it = old.find(cache_key(*now));
      on_change_(it == old.end() ? nullptr : it->second, now);
    }
  }
  synced_ = true;
  backoff_ = std::chrono::milliseconds(0);
  log_.debug("listed", {{"resourceVersion", list_rv}});
  return true;
}

bool reflector::watch_once(bool& had_events) {
  std::string rv;
  {
    std::lock_guard lock(mutex_);
    rv = cache_.resource_version();
  }
  http::request req{"GET", config_.path,
                    {{"watch", "true"},
                     {"allowWatchBookmarks", "true"},
                     {"timeoutSeconds", std::to_string(watch_timeout_seconds())},
                     {"resourceVersion", rv}},
                    {},
                    {}};
  if (!config_.label_selector.empty()) req.query.emplace_back("labelSelector", config_.label_selector);
  bool expired = false;
  bool failed_event = false;
  auto on_line = [&](std::string_view line) {
    auto parsed = json::parse_json(line);
    if (!parsed || !parsed->is_object()) return;
    auto& event = parsed->get_object();
    const auto* type = event.if_contains("type");
    auto* object = event.if_contains("object");
    if (!type || !type->is_string() || !object || !object->is_object()) return;
    if (type->get_string() == "ERROR") {
      const auto* code = object->get_object().if_contains("code");
      expired = expired || (code && code->is_int64() && code->get_int64() == 410);
      failed_event = true;
      return;
    }
    const auto event_type = parse_watch_event_type(type->get_string());
    if (!event_type) return;
    had_events = true;
    std::lock_guard lock(mutex_);
    auto change = cache_.apply(*event_type, std::move(object->get_object()));
    if (change.what != cache_change::kind::none) on_change_(change.previous, change.current);
  };
  auto s = api_.watch(req, on_line);
  if (stopping()) return false;
  if (expired || (!s && s.error().code == 410)) {
    log_.info("watch expired, relisting", {{"resourceVersion", rv}});
    return true;
  }
  if (failed_event) {
    log_.warn("watch reported an error, relisting", {});
    sleep_backoff();
    return true;
  }
  if (!s) {
    log_.warn("watch failed", {{"code", s.error().code}, {"reason", s.error().reason},
                               {"error", s.error().message}});
    if (s.error().code != transport_error_code) {
      sleep_backoff();
      return true;
    }
    return false;
  }
  if (had_events) backoff_ = std::chrono::milliseconds(0);
  return false;
}

}  // namespace habop::op
