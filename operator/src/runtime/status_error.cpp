// Kubernetes `metav1.Status` replies turned into habop::error values, plus the reply helpers that need no Asio.
#include <habop/operator/client.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>

#include <boost/json.hpp>

#include <habop/core/status_reason.hpp>
#include <habop/json/codec.hpp>

namespace habop::op {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string string_field(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

}  // namespace

std::string response::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (iequals(k, name)) return v;
  }
  return {};
}

habop::error to_error(const response& r) {
  habop::error e{r.status, std::string(habop::status_reason(r.status)), "the server answered HTTP " + std::to_string(r.status), {}};
  auto parsed = json::parse_json(r.body);
  if (!parsed || !parsed->is_object()) return e;
  const auto& o = parsed->get_object();
  if (string_field(o, "kind") != "Status") return e;
  if (const auto* c = o.if_contains("code"); c && c->is_int64() && c->get_int64() > 0 && c->get_int64() < 1000) {
    e.code = static_cast<int>(c->get_int64());
  }
  if (auto reason = string_field(o, "reason"); !reason.empty()) e.reason = reason;
  if (auto message = string_field(o, "message"); !message.empty()) e.message = message;
  const auto* details = o.if_contains("details");
  if (details && details->is_object()) {
    const auto* causes = details->get_object().if_contains("causes");
    if (causes && causes->is_array()) {
      for (const auto& c : causes->get_array()) {
        if (!c.is_object()) continue;
        e.causes.push_back(field_cause{string_field(c.get_object(), "field"), string_field(c.get_object(), "reason"),
                                       string_field(c.get_object(), "message")});
      }
    }
  }
  return e;
}

std::optional<std::chrono::seconds> retry_after(const response& r) {
  const std::string h = r.header("Retry-After");
  long long seconds = 0;
  if (!h.empty()) {
    const auto [p, ec] = std::from_chars(h.data(), h.data() + h.size(), seconds);
    if (ec == std::errc() && p == h.data() + h.size() && seconds >= 0) {
      return std::chrono::seconds(std::min<long long>(seconds, 3600));
    }
  }
  auto parsed = json::parse_json(r.body);
  if (!parsed || !parsed->is_object()) return std::nullopt;
  const auto* details = parsed->get_object().if_contains("details");
  if (!details || !details->is_object()) return std::nullopt;
  const auto* s = details->get_object().if_contains("retryAfterSeconds");
  if (s && s->is_int64() && s->get_int64() >= 0) return std::chrono::seconds(std::min<std::int64_t>(s->get_int64(), 3600));
  return std::nullopt;
}

}  // namespace habop::op
