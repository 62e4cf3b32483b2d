// Helpers for driving api_server in tests: one-line requests and JSON decoding of responses.
#pragma once

#include <string>

#include <boost/json.hpp>

#include <habop/fake_apiserver/api_server.hpp>
#include <habop/json/codec.hpp>

namespace habop::fake::test {

inline const instant t0 = instant::from_seconds(1'700'000'000);

struct client {
  api_server& srv;
  instant now = t0;
  handled call(std::string method, std::string target, std::string body = {},
               std::string content_type = "application/json", std::string accept = "application/json") {
    request r;
    r.method = std::move(method);
    r.target = std::move(target);
    r.body = std::move(body);
    r.headers = {{"Content-Type", content_type}, {"Accept", accept}, {"User-Agent", "kubectl/v1.32.4 (linux/amd64)"}};
    return srv.handle(r, now);
  }
  boost::json::object json(const handled& h) {
    auto v = habop::json::parse_json(h.head.body);
    return v && v->is_object() ? v->get_object() : boost::json::object{};
  }
  std::string header(const handled& h, std::string_view name) {
    for (const auto& [k, v] : h.head.headers)
      if (k == name) return v;
    return {};
  }
};

inline std::string str(const boost::json::value* v) {
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}
inline std::string at(const boost::json::object& o, std::string_view ptr) {
  boost::system::error_code ec;
  const boost::json::value root(o);
  auto* v = root.find_pointer(ptr, ec);
  if (!v) return {};
  return v->is_string() ? std::string(v->get_string()) : boost::json::serialize(*v);
}

}  // namespace habop::fake::test
