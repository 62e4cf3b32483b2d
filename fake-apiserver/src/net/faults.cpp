// Fault rules: matching over rbac.hpp's request attributes, Status bodies, the admin command parser (no Asio/Beast).
#include <habop/fake_apiserver/faults.hpp>

#include <type_traits>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <habop/core/status_reason.hpp>
#include <habop/json/codec.hpp>

namespace habop::fake {
namespace {

bool matches(const std::string& pattern, const std::string& value) {
  return pattern.empty() || pattern == "*" || pattern == value;
}

bool matches(const fault_rule& rule, const request_attributes& info) {
  if (info.resource.empty() && !rule.resource.empty() && rule.resource != "*") return false;
  std::string resource = info.subresource.empty() ? info.resource : info.resource + "/" + info.subresource;
  return matches(rule.verb, info.verb) && matches(rule.resource, resource) && matches(rule.ns, info.ns) && matches(rule.name, info.name);
}

// The admin API's names for kinds and shapes, in enumerator order.
constexpr std::string_view kind_names[] = {"status", "reset", "truncate", "malformed"};
constexpr std::string_view shape_names[] = {"invalid-json", "items-not-array", "metadata-string"};

template <class Enum, std::size_t N>
std::optional<Enum> from_name(const std::string_view (&names)[N], std::string_view name) {
  for (std::size_t i = 0; i < N; ++i)
    if (names[i] == name) return static_cast<Enum>(i);
  return std::nullopt;
}

template <std::size_t N>
std::string one_of(const std::string_view (&names)[N]) {
  std::string out = "must be one of";
  for (std::size_t i = 0; i < N; ++i) out += (i == 0 ? " " : ", ") + std::string(names[i]);
  return out;
}

error bad(std::string field, std::string message) {
  return error{.code = 400, .reason = "BadRequest", .message = "invalid fault: " + field + ": " + message,
               .causes = {field_cause{.field = field, .reason = "FieldValueInvalid", .message = std::move(message)}}};
}

}  // namespace

std::string_view status_reason(int code) { return habop::status_reason(code); }

response fault_response(int code, std::string_view reason, std::string_view message, int retry_after_seconds) {
  boost::json::object status{{"kind", "Status"},
                             {"apiVersion", "v1"},
                             {"metadata", boost::json::object{}},
                             {"status", "Failure"},
                             {"message", message},
                             {"reason", reason},
                             {"code", code}};
  response res;
  res.status = code;
  res.headers.emplace_back("Content-Type", "application/json");
  if (retry_after_seconds > 0) {
    status["details"] = boost::json::object{{"retryAfterSeconds", retry_after_seconds}};
    res.headers.emplace_back("Retry-After", std::to_string(retry_after_seconds));
  }
  res.body = boost::json::serialize(status);
  return res;
}

void faults::add(fault_rule rule) {
  std::lock_guard lock(mutex_);
  rules_.push_back(std::move(rule));
}

void faults::clear() {
  std::lock_guard lock(mutex_);
  rules_.clear();
}

std::vector<fault_rule> faults::rules() const {
  std::lock_guard lock(mutex_);
  return rules_;
}

fault_decision faults::on_request(const request_attributes& info) {
  std::lock_guard lock(mutex_);
  fault_decision out;
  for (auto it = rules_.begin(); it != rules_.end(); ++it) {
    if (!matches(*it, info)) continue;
    fault_rule rule = *it;
    if (it->count > 0 && --it->count == 0) rules_.erase(it);
    out.latency_ms = rule.latency_ms;
    out.kind = rule.kind;
    out.shape = rule.shape;
    if (rule.kind == fault_kind::status && rule.code != 0) {
      std::string message = rule.message;
      if (message.empty()) {
        message = "injected fault: " + std::to_string(rule.code) + " for " + info.verb + " " + info.resource;
      }
      int retry = rule.code == 429 || rule.code == 503 ? rule.retry_after_seconds : 0;
      out.failure = fault_response(rule.code, status_reason(rule.code), message, retry);
    }
    return out;
  }
  return out;
}

result<admin_command> parse_admin_command(std::string_view body) {
  auto parsed = json::parse_json(body);
  if (!parsed) return std::move(parsed).error();
  const boost::json::object* obj = parsed->if_object();
  if (obj == nullptr) return bad("body", "must be a JSON object");
  admin_command cmd;
  if (const auto* action = obj->if_contains("action")) {
    const auto* s = action->if_string();
    if (s == nullptr) return bad("action", "must be a string");
    if (*s == "drop-watches") cmd.action = admin_action::drop_watches;
    else if (*s == "compact") cmd.action = admin_action::compact_history;
    else if (*s == "restart") cmd.action = admin_action::restart;
    else if (*s == "add") cmd.action = admin_action::add_rule;
    else return bad("action", "must be one of add, drop-watches, compact, restart");
    if (cmd.action != admin_action::add_rule) return cmd;
  }
  auto text = [&](const char* key, std::string& out) -> bool {
    const auto* v = obj->if_contains(key);
    if (v == nullptr) return true;
    if (!v->is_string()) return false;
    out = std::string(v->get_string());
    return true;
  };
  auto number = [&](const char* key, auto& out) -> bool {
    const auto* v = obj->if_contains(key);
    if (v == nullptr) return true;
    if (!v->is_int64()) return false;
    out = static_cast<std::remove_reference_t<decltype(out)>>(v->get_int64());
    return true;
  };
  fault_rule& r = cmd.rule;
  for (const char* key : {"verb", "resource", "namespace", "name", "message"}) {
    std::string* dest = std::string_view(key) == "verb"       ? &r.verb
                        : std::string_view(key) == "resource" ? &r.resource
                        : std::string_view(key) == "namespace" ? &r.ns
                        : std::string_view(key) == "name"     ? &r.name
                                                              : &r.message;
    if (!text(key, *dest)) return bad(key, "must be a string");
  }
  if (!number("code", r.code)) return bad("code", "must be an integer");
  if (!number("count", r.count)) return bad("count", "must be an integer");
  if (!number("latencyMs", r.latency_ms)) return bad("latencyMs", "must be an integer");
  if (!number("retryAfterSeconds", r.retry_after_seconds)) return bad("retryAfterSeconds", "must be an integer");
  std::string kind = "status";
  std::string shape;
  if (!text("fault", kind)) return bad("fault", "must be a string");
  if (!text("shape", shape)) return bad("shape", "must be a string");
  auto parsed_kind = from_name<fault_kind>(kind_names, kind);
  if (!parsed_kind) return bad("fault", one_of(kind_names));
  r.kind = *parsed_kind;
  if (!shape.empty()) {
    auto parsed_shape = from_name<malformed_shape>(shape_names, shape);
    if (!parsed_shape) return bad("shape", one_of(shape_names));
    if (r.kind != fault_kind::malformed) return bad("shape", "only a malformed fault has a shape");
    r.shape = *parsed_shape;
  }
  if (r.kind != fault_kind::status && r.code != 0) return bad("code", "only a status fault has a code");
  if (r.code != 0 && (r.code < 400 || r.code > 599)) return bad("code", "must be 0 or an HTTP error code 400-599");
  if (r.latency_ms < 0 || r.latency_ms > 600'000) return bad("latencyMs", "must be between 0 and 600000");
  if (r.kind == fault_kind::status && r.code == 0 && r.latency_ms == 0)
    return bad("code", "a rule needs a code, a latency or a fault other than status");
  if (r.count == 0) return bad("count", "must not be 0 (negative means until cleared)");
  return cmd;
}

std::string malformed_body(std::string_view body, malformed_shape shape) {
  if (shape == malformed_shape::invalid_json) return std::string(body.substr(0, body.size() / 2)) + "<not json>";
  auto parsed = json::parse_json(body);
  boost::json::object obj;
  if (parsed && parsed->is_object()) obj = std::move(parsed->get_object());
  if (shape == malformed_shape::items_not_array) {
    obj["items"] = "not-an-array";
  } else {
    obj["metadata"] = "not-an-object";
  }
  return boost::json::serialize(obj);
}

std::string malformed_watch_line(malformed_shape shape) {
  switch (shape) {
    case malformed_shape::invalid_json: return R"({"type":"ADDED","object":{"kind":)";
    case malformed_shape::items_not_array: return R"({"type":"ADDED","object":"not-an-object"})";
    case malformed_shape::metadata_string: break;
  }
  return R"({"type":"ADDED","object":{"apiVersion":"v1","kind":"Unknown","metadata":"not-an-object"}})";
}

std::string rules_to_json(const std::vector<fault_rule>& rules) {
  boost::json::array out;
  for (const auto& r : rules) {
    out.push_back(boost::json::object{{"verb", r.verb},
                                      {"resource", r.resource},
                                      {"namespace", r.ns},
                                      {"name", r.name},
                                      {"code", r.code},
                                      {"count", r.count},
                                      {"latencyMs", r.latency_ms},
                                      {"retryAfterSeconds", r.retry_after_seconds},
                                      {"message", r.message},
                                      {"fault", kind_names[static_cast<std::size_t>(r.kind)]},
                                      {"shape", shape_names[static_cast<std::size_t>(r.shape)]}});
  }
  return boost::json::serialize(out);
}

}  // namespace habop::fake
