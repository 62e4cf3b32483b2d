// Sending one reconcile plan and mapping the API server's answers to requeue outcomes.
#include "plan_writer.hpp"

#include <variant>

#include <habop/http/to_request.hpp>
#include <habop/reconcile/reconcile.hpp>

namespace habop::op {
namespace {

const reconcile::object_ref& target_of(const reconcile::operation& op) {
  return std::visit([](const auto& o) -> const reconcile::object_ref& { return o.target; }, op);
}

}  // namespace

std::optional<outcome> plan_writer::send(const http::request& req, const std::string& what, bool missing_is_ok,
                                         std::chrono::seconds& retry_delay, bool is_create) {
  if (stopped_) return outcome::abandoned;
  ++writes_;
  auto r = api_.send(req);
  if (r && r->status >= 200 && r->status < 300) return std::nullopt;
  if (r && r->status == 404 && missing_is_ok) return std::nullopt;
  ++errors_;
  const habop::error e = r ? to_error(*r) : r.error();
  log_.warn(what + " failed", {{"code", e.code}, {"reason", e.reason}, {"error", e.message}});
  if (r && r->status == 409) return is_create && e.reason == "AlreadyExists" ? outcome::already_exists : outcome::conflict;
  if (r && (r->status == 429 || r->status == 503)) {
    if (auto delay = retry_after(*r)) {
      retry_delay = *delay;
      return outcome::retry_after;
    }
  }
  return outcome::retry;
}

outcome plan_writer::apply(const reconcile::plan& plan, const boost::json::object& habitat, const std::string& key,
                           std::chrono::seconds& retry_delay, std::optional<reconcile::object_ref>& existing) {
  for (const auto& op : plan.operations) {
    const auto& t = target_of(op);
    const std::string object = t.kind + " " + t.ns + "/" + t.name;
    std::string done;
    bool is_delete = false;
    if (std::holds_alternative<reconcile::create_object>(op)) done = object + " created";
    if (const auto* p = std::get_if<reconcile::patch_object>(&op)) done = object + " patched: " + p->summary;
    if (const auto* d = std::get_if<reconcile::delete_object>(&op)) {
      done = object + " deleted: " + d->summary;
      is_delete = true;
    }
    const bool is_create = std::holds_alternative<reconcile::create_object>(op);
    if (auto failed = send(http::to_request(op), object + " write", is_delete, retry_delay, is_create)) {
      if (*failed == outcome::already_exists) existing = t;
      return *failed;
    }
    log_.info(done, {{"habitat", key}});
  }
  if (plan.status) {
    if (auto failed = send(http::to_request(reconcile::habitat_ref(habitat), *plan.status),
                           "Habitat " + key + " status write", false, retry_delay)) {
      return *failed;
    }
    log_.info("Habitat " + key + " status updated", {{"habitat", key}});
  }
  for (const auto& e : plan.events) events_.post(e);
  return plan.terminal ? outcome::terminal : outcome::success;
}

}  // namespace habop::op
