// metav1.Status errors exactly as KAS words them, and their JSON bodies with `details` derived from the message.
#include "detail.hpp"

namespace habop::fake {

error bad_request(std::string message) { return error{400, "BadRequest", std::move(message), {}}; }

error not_found(const std::string& qualified_resource, std::string_view name) {
  return error{404, "NotFound", qualified_resource + " \"" + std::string(name) + "\" not found", {}};
}

error already_exists(const resource_type& t, std::string_view name) {
  return error{409, "AlreadyExists", t.qualified() + " \"" + std::string(name) + "\" already exists", {}};
}

error conflict(const resource_type& t, std::string_view name) {
  return error{409, "Conflict",
               "Operation cannot be fulfilled on " + t.qualified() + " \"" + std::string(name) +
                   "\": the object has been modified; please apply your changes to the latest version and try again",
               {}};
}

error invalid(const resource_type& t, std::string_view name, std::vector<field_cause> causes) {
  std::string msg = t.qualified_kind() + " \"" + std::string(name) + "\" is invalid: ";
  if (causes.size() == 1) {
    msg += causes[0].field.empty() ? causes[0].message : causes[0].field + ": " + causes[0].message;
  } else {
    msg += "[";
    for (std::size_t i = 0; i < causes.size(); ++i) {
      if (i) msg += ", ";
      msg += causes[i].field.empty() ? causes[i].message : causes[i].field + ": " + causes[i].message;
    }
    msg += "]";
  }
  return error{422, "Invalid", std::move(msg), std::move(causes)};
}

error unsupported_media(std::string message) { return error{415, "UnsupportedMediaType", std::move(message), {}}; }

error forbidden(std::string message, std::vector<field_cause> causes) {
  return error{403, "Forbidden", std::move(message), std::move(causes)};
}

error too_large_resource_version(std::uint64_t requested, std::uint64_t current) {
  return error{504, "Timeout",
               "Timeout: Too large resource version: " + std::to_string(requested) + ", current: " +
                   std::to_string(current),
               {{"", "ResourceVersionTooLarge", "Too large resource version"}}};
}

error path_not_found() { return error{404, "NotFound", "the server could not find the requested resource", {}}; }

namespace {
// Splits `widgets.example.com "w1" ...` (optionally after a prefix) into kind/group/name for `details`.
void details_from_message(const error& e, bj::object& details) {
  std::string_view m = e.message;
  constexpr std::string_view op = "Operation cannot be fulfilled on ";
  if (m.substr(0, op.size()) == op) m.remove_prefix(op.size());
  auto q = m.find(" \"");
  if (q == std::string_view::npos || q == 0) return;
  auto end = m.find('"', q + 2);
  if (end == std::string_view::npos) return;
  std::string_view res = m.substr(0, q);
  if (res.find(' ') != std::string_view::npos) return;
  details["name"] = m.substr(q + 2, end - q - 2);
  auto dot = res.find('.');
  if (dot != std::string_view::npos) {
    details["group"] = res.substr(dot + 1);
    details["kind"] = res.substr(0, dot);
  } else {
    details["kind"] = res;
  }
}
}  // namespace

std::string status_body(const error& e, const resource_type*, std::string_view) {
  bj::object s;
  s["kind"] = "Status";
  s["apiVersion"] = "v1";
  s["metadata"] = bj::object{};
  s["status"] = "Failure";
  s["message"] = e.message;
  if (!e.reason.empty()) s["reason"] = e.reason;   // StatusReasonUnknown is omitted, as Go's omitempty does
  bj::object details;
  if (e.reason == "NotFound" || e.reason == "AlreadyExists" || e.reason == "Conflict" || e.reason == "Invalid" ||
      (e.code == 403 && !e.causes.empty()))
    details_from_message(e, details);
  if (!e.causes.empty()) {
    bj::array causes;
    for (const auto& c : e.causes) {
      bj::object o;
      o["reason"] = c.reason;
      o["message"] = c.message;
      if (!c.field.empty()) o["field"] = c.field;
      causes.push_back(std::move(o));
    }
    details["causes"] = std::move(causes);
    // The cacher's resourceVersionTooHighRetrySeconds: clients may retry after a second.
    if (e.causes.front().reason == "ResourceVersionTooLarge") details["retryAfterSeconds"] = 1;
  }
  if (!details.empty() || e.code == 404) s["details"] = std::move(details);
  s["code"] = e.code;
  return serialize(s);
}

response status_response(const error& e, const resource_type* t, std::string_view name) {
  response r;
  r.status = e.code > 0 ? e.code : 500;
  r.headers.emplace_back("Content-Type", "application/json");
  r.body = status_body(e, t, name);
  return r;
}

}  // namespace habop::fake
