// Sending one reconcile plan and mapping the API server's answers to requeue outcomes.
#include "plan_writer.hpp"

#include <variant>

#include <habop/http/to_request.hpp>
#include <habop/operator/object_cache.hpp>
#include <habop/reconcile/reconcile.hpp>

namespace habop::op {
namespace {

const reconcile::object_ref& target_of(const reconcile::operation& op) {
  return std::visit([](const auto& o) -> const reconcile::object_ref& { return o.target; }, op);
}

// The version a write was based on: the observed version a patch was computed from; none for a create.
std::string_view based_on(const reconcile::operation& op) {
  if (const auto* p = std::get_if<reconcile::patch_object>(&op)) return p->based_on;
  return {};
}

}  // namespace

std::optional<plan_writer::failure> plan_writer::send(const http::request& req, const std::string& what,
                                                      bool missing_is_ok, std::chrono::seconds& retry_delay,
                                                      bool is_create, response* answer) {
  if (stopped_) return failure{outcome::abandoned, std::nullopt};
  if (may_write_ && !may_write_()) {
    log_.warn(what + " not sent: the leader lease was not renewed within the renew deadline");
    return failure{outcome::retry, std::nullopt};
  }
  ++writes_;
  auto r = api_.send(req);
  if (r && r->status >= 200 && r->status < 300) {
    if (answer) *answer = std::move(*r);
    return std::nullopt;
  }
  if (r && r->status == 404 && missing_is_ok) return std::nullopt;
  ++errors_;
  const habop::error e = r ? to_error(*r) : r.error();
  // A 409 is optimistic concurrency at work (the reconcile runs again from fresh state): worth a line, not a warning.
  if (r && r->status == 409)
    log_.info(what + " conflicted, reconciling again from fresh state", {{"code", e.code}, {"reason", e.reason}});
  else
    log_.warn(what + " failed", {{"code", e.code}, {"reason", e.reason}, {"error", e.message}});
  if (!r) return failure{outcome::retry, std::nullopt};
  if (r->status == 409)
    return failure{is_create && e.reason == "AlreadyExists" ? outcome::already_exists : outcome::conflict, e};
  if (r->status == 429 || r->status == 503) {
    if (auto delay = retry_after(*r)) {
      retry_delay = *delay;
      return failure{outcome::retry_after, e};
    }
  }
  return failure{outcome::retry, e};
}

void plan_writer::report_failure(const reconcile::operation& op, const boost::json::object& habitat,
                                 const habop::error& answer) {
  // The original's `StatefulSetCreationFailed` / `ConfigMapCreationFailed`, for every kind and verb: a write a
  // person must fix (RBAC, admission, quota) shows on the Habitat, not only in the operator's log. Repeats
  // aggregate in the event correlator.
  const auto& t = target_of(op);
  const bool create = std::holds_alternative<reconcile::create_object>(op);
  const bool patch = std::holds_alternative<reconcile::patch_object>(op);
  events_.post(reconcile::event{
      "Warning", t.kind + (create ? "CreationFailed" : patch ? "UpdateFailed" : "DeletionFailed"),
      std::string("Failed ") + (create ? "creating" : patch ? "updating" : "deleting") + " " + t.kind + " " + t.name +
          ": " + answer.message,
      reconcile::habitat_ref(habitat)});
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
    response answer;
    if (auto failed = send(http::to_request(op), object + " write", is_delete, retry_delay, is_create, &answer)) {
      if (failed->requeue == outcome::already_exists) existing = t;
      // Not for conflicts, throttling and 404s (a cache a moment behind a deletion), which retrying resolves, nor
      // when the server could not be reached.
      if (failed->answer && (failed->requeue == outcome::retry || failed->requeue == outcome::retry_after) &&
          failed->answer->code != 429 && failed->answer->code != 404)
        report_failure(op, habitat, *failed->answer);
      return failed->requeue;
    }
    log_.info(done, {{"habitat", key}});
    if (on_written_ && !is_delete) on_written_(t, based_on(op), answer);
  }
  if (plan.status) {
    const reconcile::object_ref ref = reconcile::habitat_ref(habitat);
    response answer;
    if (auto failed = send(http::to_request(ref, *plan.status), "Habitat " + key + " status write", false,
                           retry_delay, false, &answer)) {
      return failed->requeue;
    }
    log_.info("Habitat " + key + " status updated", {{"habitat", key}});
    if (on_written_) on_written_(ref, metadata_string(habitat, "resourceVersion"), answer);
  }
  for (const auto& e : plan.events) events_.post(e);
  return plan.terminal ? outcome::terminal : outcome::success;
}

}  // namespace habop::op
