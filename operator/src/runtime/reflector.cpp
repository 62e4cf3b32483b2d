// The reflector loop: paged LIST, WATCH with bookmarks resuming from the last RV, relist on 410, jittered backoff.
#include "reflector.hpp"

#include <map>
#include <random>

#include <boost/json.hpp>

#include <habop/json/codec.hpp>
#include <habop/operator/list_watch.hpp>

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

/// Parses a list page or a watch line into `sp` (a bump allocator the caller releases in one go: the objects are
/// copied into the cache's compact storage, so the parse tree never needs a malloc per node).
boost::json::value parse_into(std::string_view text, boost::json::storage_ptr sp) {
  boost::json::parse_options opts;
  opts.max_depth = json::max_depth;
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(text, ec, std::move(sp), opts);
  if (ec) return nullptr;
  return v;
}

bool has_metadata_object(const boost::json::object& o) {
  const auto* metadata = o.if_contains("metadata");
  return metadata && metadata->is_object();
}

/// Why a LIST reply is not a list page, or "" when it is one. A page that is not one must not replace the cache:
/// read leniently, an `items` that is not an array would say that every object was deleted.
std::string list_page_problem(const boost::json::value& page) {
  if (page.is_null()) return "the body is not JSON";   // parse_into's answer to a syntax error
  if (!page.is_object()) return "the body is not a JSON object";
  if (!has_metadata_object(page.get_object())) return "metadata is not an object";
  const auto* items = page.get_object().if_contains("items");
  if (items && !items->is_array() && !items->is_null()) return "items is not an array";
  return {};
}

/// Why a watch line is not an event, or "" when it is one: `{"type":T,"object":{...}}` with a known T and, but for
/// ERROR, an object with metadata. What follows a line that is not one cannot be trusted either.
std::string watch_event_problem(const boost::json::value& line) {
  if (line.is_null()) return "the line is not JSON";
  if (!line.is_object()) return "the line is not a JSON object";
  const auto* type = line.get_object().if_contains("type");
  const auto* object = line.get_object().if_contains("object");
  if (!type || !type->is_string()) return "type is not a string";
  if (!object || !object->is_object()) return "object is not an object";
  if (type->get_string() == "ERROR") return {};
  if (!parse_watch_event_type(type->get_string())) return "unknown event type " + std::string(type->get_string());
  if (!has_metadata_object(object->get_object())) return "object.metadata is not an object";
  return {};
}

}  // namespace

reflector::reflector(client& api, logger log, reflector_config config, object_cache& cache, std::mutex& mutex,
                     change_handler on_change)
    : api_(api), log_(std::move(log)), config_(std::move(config)), cache_(cache), mutex_(mutex),
      on_change_(std::move(on_change)),
      format_(cache.options().metadata_only ? object_format::metadata : object_format::full),
      scratch_(std::make_unique<unsigned char[]>(scratch_size)) {}

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
  // Declared first: every parsed item lives in it until the cache has copied what it keeps.
  boost::json::monotonic_resource list_storage;
  std::vector<boost::json::object> items;
  std::string list_rv;
  std::string continue_token;
  const list_watch_target target{config_.path, config_.label_selector};
  ++lists_;
  for (;;) {
    auto r = api_.send(list_request(target, format_, continue_token));
    if (r && fall_back(r->status)) {
      items.clear();
      continue_token.clear();
      continue;
    }
    if (!r || r->status != 200) {
      const auto e = r ? to_error(*r) : r.error();
      if (config_.optional && e.code == 403) {
        become_unavailable(e);
        return false;
      }
      if (!stopping()) log_.warn("list failed", {{"code", e.code}, {"reason", e.reason},
                                                 {"error", e.message}});
      return false;
    }
    auto parsed = parse_into(r->body, boost::json::storage_ptr(&list_storage));
    if (const std::string problem = list_page_problem(parsed); !problem.empty()) {
      log_.warn("list returned a malformed reply; keeping the cache and listing again", {{"error", problem}});
      return false;
    }
    auto& body = parsed.get_object();
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
    if (continue_token.empty() || stopping()) break;
  }
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
    if (!available_) {
      available_ = true;
      log_.info("listing is permitted again; the checks that need this cache are back on", {});
      if (config_.on_availability_change) config_.on_availability_change();
    }
  }
  synced_ = true;
  backoff_ = std::chrono::milliseconds(0);
  log_.debug("listed", {{"resourceVersion", list_rv}});
  return true;
}

void reflector::become_unavailable(const error& forbidden) {
  {
    std::lock_guard lock(mutex_);
    for (const auto& gone : cache_.replace({}, "").deleted) on_change_(gone, nullptr);
    if (available_) {   // warned once per loss of the permission: available_ only turns false here
      log_.warn("not allowed to list " + config_.path + "; carrying on without this cache (the checks that need it "
                "are skipped) and retrying: grant list and watch on it (see the shipped Role)",
                {{"code", forbidden.code}, {"reason", forbidden.reason}, {"error", forbidden.message}});
      available_ = false;
      if (config_.on_availability_change) config_.on_availability_change();
    }
  }
  synced_ = true;
}

bool reflector::fall_back(int status) {
  const object_format next = next_format(format_, status);
  if (next == format_) return false;
  format_ = next;
  log_.info("the server cannot serve metadata only (406); using full objects and stripping them", {});
  return true;
}

bool reflector::watch_once(bool& had_events) {
  std::string rv;
  {
    std::lock_guard lock(mutex_);
    rv = cache_.resource_version();
  }
  const http::request req = watch_request(list_watch_target{config_.path, config_.label_selector}, format_, rv,
                                          watch_timeout_seconds());
  bool expired = false;
  bool failed_event = false;
  std::string malformed;
  auto on_line = [&](std::string_view line) {
    boost::json::monotonic_resource storage(scratch_.get(), scratch_size);
    auto parsed = parse_into(line, boost::json::storage_ptr(&storage));
    malformed = watch_event_problem(parsed);
    if (!malformed.empty()) return false;
    auto& event = parsed.get_object();
    const auto& type = event.at("type").get_string();
    auto& object = event.at("object").get_object();
    if (type == "ERROR") {
      const auto* code = object.if_contains("code");
      expired = expired || (code && code->is_int64() && code->get_int64() == 410);
      failed_event = true;
      return true;
    }
    had_events = true;
    std::lock_guard lock(mutex_);
    auto change = cache_.apply(*parse_watch_event_type(type), std::move(object));
    if (change.what != cache_change::kind::none) on_change_(change.previous, change.current);
    return true;
  };
  auto s = api_.watch(req, on_line);
  if (stopping()) return false;
  if (!malformed.empty()) {
    // Ended at the line: watching again from the last event applied loses nothing (client-go does the same).
    log_.warn("malformed watch event; watching again from the last one applied", {{"error", malformed}});
    sleep_backoff();
    return false;
  }
  if (!s && fall_back(s.error().code)) return watch_once(had_events);
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
