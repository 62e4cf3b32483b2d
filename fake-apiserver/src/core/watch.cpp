// Watch streams: initial state, resume from history, selector transitions, bookmarks, 410 and timeouts.
#include "http.hpp"

#include <algorithm>

namespace habop::fake {
namespace {

constexpr std::int64_t bookmark_interval_micros = 60'000'000;
// How long the watch cache waits for a resourceVersion it has not seen yet (the cacher's blockTimeout).
constexpr std::int64_t future_rv_wait_micros = 3'000'000;

class watch_impl final : public watch_stream {
 public:
  watch_impl(object_store::impl& s, const resource_type& t, watch_params p, instant now)
      : alive_(s.alive), s_(&s), t_(t), p_(std::move(p)), epoch_(s.watch_epoch) {
    deadline_ = instant{now.unix_micros + p_.timeout_seconds * 1'000'000};
    next_bookmark_ = instant{now.unix_micros + bookmark_interval_micros};
    if (p_.from_rv && *p_.from_rv < s.compacted_rv && !p_.send_initial_events) {
      expired_ = true;
      return;
    }
    if (!p_.from_rv || p_.send_initial_events) {
      if (const object_map* m = s.objects_if(t))
        for (const auto& [k, o] : *m)
          if ((p_.ns.empty() || k.first == p_.ns) && matches(*o)) initial_.push_back(o);
      cursor_ = s.rv;
      initial_end_pending_ = p_.send_initial_events;
    } else {
      cursor_ = *p_.from_rv;
      // A resourceVersion the server has not reached: wait for it, then fail as too large (poll).
      if (cursor_ > s.rv) future_rv_deadline_ = instant{now.unix_micros + future_rv_wait_micros};
    }
  }

  bool poll(std::vector<std::string>& out, instant now) override {
    now_hint_ = now;
    if (ended_) return false;
    if (alive_.expired() || s_->watch_epoch != epoch_) {
      ended_ = true;
      return false;
    }
    if (expired_) {
      emit_error(out);
      return false;
    }
    for (const auto& o : initial_) emit(out, "ADDED", *o);
    initial_.clear();
    if (initial_end_pending_) {
      initial_end_pending_ = false;
      bookmark(out, true);
    }
    if (cursor_ < s_->compacted_rv) {
      emit_error(out);
      return false;
    }
    if (future_rv_deadline_) {
      if (s_->rv >= cursor_) {
        future_rv_deadline_.reset();
      } else if (now >= *future_rv_deadline_) {
        emit_status(out, too_large_resource_version(cursor_, s_->rv));
        return false;
      } else if (now < deadline_) {
        return true;
      }
    }
    const auto& h = s_->history;
    auto it = std::upper_bound(h.begin(), h.end(), cursor_,
                               [](std::uint64_t rv, const history_entry& e) { return rv < e.rv; });
    for (; it != h.end(); ++it) {
      const history_entry& e = *it;
      if (e.storage != t_.storage) continue;
      if (!p_.ns.empty() && e.ns != p_.ns) continue;
      const bool now_match = matches(*e.obj, e.share ? &e.share->obj : nullptr);
      if (e.type == change_type::added) {
        if (now_match) emit(out, "ADDED", *e.obj, e.share.get());
      } else if (e.type == change_type::deleted) {
        if (now_match) emit(out, "DELETED", *e.obj, e.share.get());
      } else {
        const bool was_match = e.prev && matches(*e.prev, e.share ? &e.share->prev : nullptr);
        if (now_match && was_match) emit(out, "MODIFIED", *e.obj, e.share.get());
        else if (now_match) emit(out, "ADDED", *e.obj, e.share.get());
        else if (was_match) emit(out, "DELETED", *e.obj, e.share.get());
      }
    }
    cursor_ = std::max(cursor_, s_->rv);
    if (now >= deadline_) {
      if (p_.bookmarks) bookmark(out, false);
      ended_ = true;
      return false;
    }
    if (p_.bookmarks && now >= next_bookmark_) {
      bookmark(out, false);
      next_bookmark_ = instant{now.unix_micros + bookmark_interval_micros};
    }
    return true;
  }

  instant next_deadline() const override {
    if (expired_ || !initial_.empty() || initial_end_pending_) return instant{0};
    instant next = p_.bookmarks ? std::min(deadline_, next_bookmark_) : deadline_;
    return future_rv_deadline_ ? std::min(next, *future_rv_deadline_) : next;
  }

 private:
  // `parsed` (shared by every watcher of one change) is filled on first use, so a change is parsed once.
  bool matches(const frozen& f, obj_ptr* parsed = nullptr) const {
    if (p_.labels.empty() && p_.fields.empty()) return true;
    obj_ptr local;
    obj_ptr& o = parsed ? *parsed : local;
    if (!o) o = thaw(f);
    return p_.labels.matches(*o) && p_.fields.matches(*o);
  }

  // One event line. Object and metadata lines of recent changes are encoded once and shared by all watchers
  // (`share`); Tables depend on this watch's options and are rendered per watch.
  void emit(std::vector<std::string>& out, std::string_view type, const frozen& stored, watch_share* share = nullptr) {
    const bool table = p_.render.kind == rendering::shape::table;
    std::string key;
    if (share && !table) {
      key = std::string(type) + '|' + t_.api_version() + '|' + p_.render.meta_version;
      if (auto hit = share->lines.find(key); hit != share->lines.end()) {
        out.push_back(hit->second);
        return;
      }
    }
    std::string line = "{\"type\":\"" + std::string(type) + "\",\"object\":";
    if (table) {
      table_options o = p_.table;
      o.headers = first_table_;
      first_table_ = false;
      obj_ptr parsed = thaw(stored);
      bj::object view_obj = s_->view(t_, *parsed);
      std::vector<const bj::object*> objs{&view_obj};
      line += serialize(make_table(t_, objs, now_hint_, o, string_at(*parsed, {"metadata", "resourceVersion"})));
    } else if (p_.render.kind == rendering::shape::metadata) {
      line += serialize(partial_metadata(*parsed_state(stored, share), p_.render.meta_version));
    } else if (s_->view_is_identity(t_)) {
      line += stored.text;
    } else {
      line += serialize(s_->view(t_, *parsed_state(stored, share)));
    }
    line += "}\n";
    if (!key.empty()) share->lines.emplace(std::move(key), line);
    out.push_back(std::move(line));
  }

  static obj_ptr parsed_state(const frozen& stored, watch_share* share) {
    if (!share) return thaw(stored);
    if (!share->obj) share->obj = thaw(stored);
    return share->obj;
  }

  void bookmark(std::vector<std::string>& out, bool initial_end) {
    bj::object meta{{"resourceVersion", std::to_string(cursor_)}};
    if (initial_end) meta["annotations"] = bj::object{{"k8s.io/initial-events-end", "true"}};
    bj::object o{{"kind", t_.kind}, {"apiVersion", t_.api_version()}, {"metadata", std::move(meta)}};
    if (p_.render.kind == rendering::shape::metadata) o = partial_metadata(o, p_.render.meta_version);
    out.push_back("{\"type\":\"BOOKMARK\",\"object\":" + serialize(o) + "}\n");
  }

  void emit_error(std::vector<std::string>& out) {
    const std::uint64_t from = p_.from_rv.value_or(cursor_);
    emit_status(out, error{410, "Expired",
                           "too old resource version: " + std::to_string(from) + " (" +
                               std::to_string(s_->compacted_rv) + ")",
                           {}});
  }

  // An ERROR event carrying `e` as a Status, which ends the watch.
  void emit_status(std::vector<std::string>& out, const error& e) {
    out.push_back("{\"type\":\"ERROR\",\"object\":" + status_body(e, nullptr, {}) + "}\n");
    ended_ = true;
  }

  std::weak_ptr<int> alive_;
  object_store::impl* s_;
  resource_type t_;
  watch_params p_;
  std::uint64_t epoch_ = 0;
  std::uint64_t cursor_ = 0;
  std::vector<frozen_ptr> initial_;
  bool initial_end_pending_ = false;
  bool expired_ = false;
  bool ended_ = false;
  bool first_table_ = true;
  instant deadline_{}, next_bookmark_{};
  std::optional<instant> future_rv_deadline_;
  instant now_hint_{};

 public:
  void set_now(instant now) { now_hint_ = now; }
};

}  // namespace

handled open_watch(object_store::impl& s, const resource_type& t, watch_params p, instant now) {
  handled h;
  h.head.status = 200;
  h.head.headers.emplace_back("Content-Type", p.render.content_type);
  auto w = std::make_shared<watch_impl>(s, t, std::move(p), now);
  w->set_now(now);
  h.watch = std::move(w);
  return h;
}

}  // namespace habop::fake
