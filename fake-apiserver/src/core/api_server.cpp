// api_server: request entry point (routing, size/method checks, /version, health), background work and watches.
#include "http.hpp"

#include <exception>

namespace habop::fake {

api_server::api_server(server_options opts)
    : store_(new object_store(std::make_unique<object_store::impl>(opts))) {}

api_server::~api_server() = default;

object_store& api_server::store() { return *store_; }

void api_server::set_change_listener(std::function<void()> listener) {
  if (listener_id_) store_->unsubscribe(listener_id_);
  listener_ = std::move(listener);
  listener_id_ = 0;
  if (listener_)
    listener_id_ = store_->subscribe([this](const change&) {
      if (listener_) listener_();
    });
}

void api_server::tick(instant now) {
  auto& s = store_->internals();
  s.bootstrap(now);
  for (int guard = 0; guard < 1000 && s.background_due && *s.background_due <= now; ++guard) {
    s.background_due.reset();
    try {
      if (s.background_pass(now)) s.schedule_background(now);
    } catch (const std::exception&) {
      // A broken invariant (see thaw) ends this pass; requests touching the object answer 500. The server's
      // timer must not unwind.
      break;
    }
  }
}

void api_server::drain(instant now) {
  auto& s = store_->internals();
  s.bootstrap(now);
  for (int guard = 0; guard < 1000; ++guard) {
    s.background_due.reset();
    if (!s.background_pass(now)) break;
  }
  s.background_due.reset();
}

std::optional<instant> api_server::next_background_deadline() const { return store_->internals().background_due; }

void api_server::drop_watches() {
  auto& s = store_->internals();
  ++s.watch_epoch;
  compact_history();
  if (listener_) listener_();
}

void api_server::compact_history() {
  auto& s = store_->internals();
  s.history.clear();
  s.compacted_rv = s.rv;
}

namespace {

std::string version_body() {
  return R"({"major":"1","minor":"32","gitVersion":"v1.32.0","gitCommit":"70d3cc986aa8221cd1dfb1121852688902d3bf53",)"
         R"("gitTreeState":"clean","buildDate":"2024-12-11T00:00:00Z","goVersion":"go1.23.3","compiler":"gc",)"
         R"("platform":"linux/amd64"})";
}

handled dispatch(const object_store& store, object_store::impl& s, const http_ctx& c, std::size_t max_body) {
  route r = parse_route(c.path);
  const std::string& m = c.req.method;
  auto reply = [](response resp) { return handled{std::move(resp), nullptr}; };
  if (c.req.body.size() > max_body)
    return reply(status_response(error{413, "RequestEntityTooLarge",
                                       "Request entity too large: limit is " + std::to_string(max_body), {}}));
  switch (r.k) {
    case route::kind::version:
      if (m != "GET" && m != "HEAD") break;
      return reply(json_response(200, version_body()));
    case route::kind::health:
      if (m != "GET" && m != "HEAD") break;
      return reply(json_response(200, "ok", "text/plain; charset=utf-8"));
    case route::kind::api_root:
    case route::kind::apis_root:
    case route::kind::group:
    case route::kind::group_version:
      if (m != "GET") break;
      return serve_discovery(s, r, c);
    case route::kind::openapi_index:
    case route::kind::openapi_doc:
      if (m != "GET") break;
      return serve_openapi(s, r, c);
    case route::kind::openapi_v2:
      if (m != "GET") break;
      return serve_openapi_v2(s, c);
    case route::kind::collection:
    case route::kind::item: {
      if (!r.legacy && r.group.empty()) return reply(status_response(path_not_found()));
      if (r.legacy && r.version != "v1") return reply(status_response(path_not_found()));
      if (const resource_type* review = r.legacy ? nullptr : find_review(r.group, r.version, r.plural)) {
        if (review->kind == "SelfSubjectRulesReview") return serve_rules_review(store, s.opts, *review, r, c);
        if (review->kind == "SelfSubjectReview") return serve_self_subject_review(*review, r, c);
        return serve_review(store, s.opts.access, *review, r, c);
      }
      const resource_type* t = s.find(r.legacy ? "" : r.group, r.version, r.plural);
      if (!t) return reply(status_response(path_not_found()));
      if (!t->namespaced && !r.ns.empty()) return reply(status_response(path_not_found()));
      if (r.k == route::kind::item && t->namespaced && r.ns.empty()) return reply(status_response(path_not_found()));
      if (!r.sub.empty()) {
        if (r.sub == "scale" && t->has_scale) return serve_scale(s, *t, r, c);
        if (r.sub == "log" && t->has_log) return serve_pod_log(s, *t, r, c);
        if ((r.sub == "exec" || r.sub == "attach" || r.sub == "portforward") && t->storage == "/pods")
          return serve_pod_connect(s, *t, r, c);
        if (!(r.sub == "status" && t->has_status) && !(r.sub == "finalize" && t->plural == "namespaces"))
          return reply(status_response(path_not_found()));
      }
      if (m == "GET") return serve_read(s, *t, r, c);
      if (m == "POST" || m == "PUT" || m == "PATCH" || m == "DELETE") {
        if (r.k == route::kind::collection && (m == "PUT" || m == "PATCH")) break;
        if (r.k == route::kind::item && m == "POST") break;
        if (r.k == route::kind::collection && t->namespaced && r.ns.empty()) break;
        return serve_write(s, *t, r, c);
      }
      break;
    }
    case route::kind::unknown:
      return reply(status_response(path_not_found()));
  }
  return reply(status_response(
      error{405, "MethodNotAllowed", "the server does not allow this method on the requested resource", {}}));
}

}  // namespace

handled api_server::handle(const request& req, instant now) {
  auto& s = store_->internals();
  try {
    s.bootstrap(now);
    authorized who = authorize_request(req, *store_, s.opts.access);
    if (who.denial) return handled{std::move(*who.denial), nullptr};
    std::string_view target = req.target;
    auto q = target.find('?');
    http_ctx c{req, now, std::string(target.substr(0, q)),
               q == std::string_view::npos ? std::vector<std::pair<std::string, std::string>>{}
                                           : parse_query(target.substr(q + 1)),
               {}, {}, std::move(who.user)};
    c.accept = c.header("Accept");
    c.content_type = c.header("Content-Type");
    return dispatch(*store_, s, c, s.opts.max_body_bytes);
  } catch (const std::exception& e) {
    return handled{status_response(error{500, "InternalError", std::string("Internal error occurred: ") + e.what(), {}}),
                   nullptr};
  } catch (...) {
    return handled{status_response(error{500, "InternalError", "Internal error occurred", {}}), nullptr};
  }
}

}  // namespace habop::fake
