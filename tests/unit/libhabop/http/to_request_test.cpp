#include <habop/http/to_request.hpp>

#include <boost/json/parse.hpp>

#include <catch2/catch.hpp>

namespace bj = boost::json;
using namespace habop;
using namespace habop::reconcile;

namespace {
const object_ref sts{"apps/v1", "StatefulSet", "statefulsets", "ns", "redis", "u1"};
const object_ref pod{"v1", "Pod", "pods", "ns", "redis-0", "u2"};
const object_ref habitat{"habitat.sh/v1beta1", "Habitat", "habitats", "ns", "redis", "u3"};

std::string header(const http::request& r, const char* name) {
  for (const auto& [k, v] : r.headers)
    if (k == name) return v;
  return "";
}
}  // namespace

TEST_CASE("Paths follow the core and named group layouts") {
  CHECK(http::resource_path(sts, false) == "/apis/apps/v1/namespaces/ns/statefulsets");
  CHECK(http::resource_path(sts, true) == "/apis/apps/v1/namespaces/ns/statefulsets/redis");
  CHECK(http::resource_path(pod, true) == "/api/v1/namespaces/ns/pods/redis-0");
}

TEST_CASE("A create is a POST of the whole object to the collection, as habitat-operator") {
  bj::object body = bj::parse(R"({"kind":"StatefulSet","metadata":{"name":"redis"}})").as_object();
  auto r = http::to_request(operation{create_object{sts, body}});
  CHECK(r.method == "POST");
  CHECK(r.path == "/apis/apps/v1/namespaces/ns/statefulsets");
  CHECK(r.target() == "/apis/apps/v1/namespaces/ns/statefulsets?fieldManager=habitat-operator");
  CHECK(header(r, "Content-Type") == "application/json");
  CHECK(bj::parse(r.body) == bj::value(body));
}

TEST_CASE("A patch is a JSON merge patch of the named object, or a strategic one when the plan says so") {
  bj::object body = bj::parse(R"({"metadata":{"resourceVersion":"7"},"spec":{"replicas":3}})").as_object();
  auto r = http::to_request(operation{patch_object{sts, body, "spec.replicas", patch_type::merge, "7"}});
  CHECK(r.method == "PATCH");
  CHECK(r.path == "/apis/apps/v1/namespaces/ns/statefulsets/redis");
  CHECK(header(r, "Content-Type") == "application/merge-patch+json");
  CHECK(bj::parse(r.body) == bj::value(body));

  auto s = http::to_request(operation{patch_object{sts, body, "metadata.ownerReferences", patch_type::strategic, "7"}});
  CHECK(header(s, "Content-Type") == "application/strategic-merge-patch+json");
  CHECK(bj::parse(s.body) == bj::value(body));
}

TEST_CASE("A delete carries DeleteOptions with uid and resourceVersion preconditions") {
  auto r = http::to_request(operation{delete_object{pod, "42", "Background", "stale"}});
  CHECK(r.method == "DELETE");
  CHECK(r.path == "/api/v1/namespaces/ns/pods/redis-0");
  CHECK(r.query.empty());
  CHECK(bj::parse(r.body) == bj::parse(R"({"kind":"DeleteOptions","apiVersion":"v1","propagationPolicy":"Background",
                                          "preconditions":{"uid":"u2","resourceVersion":"42"}})"));
}

TEST_CASE("A status write is a merge patch of the status subresource") {
  bj::object status = bj::parse(R"({"observedGeneration":2,"conditions":[]})").as_object();
  auto r = http::to_request(habitat, status);
  CHECK(r.method == "PATCH");
  CHECK(r.path == "/apis/habitat.sh/v1beta1/namespaces/ns/habitats/redis/status");
  CHECK(header(r, "Content-Type") == "application/merge-patch+json");
  CHECK(bj::parse(r.body) == bj::parse(R"({"status":{"observedGeneration":2,"conditions":[]}})"));
}

TEST_CASE("An event is a core/v1 Event named after the object and the time") {
  event e{"Normal", "StatefulSetCreated", "Created StatefulSet", habitat};
  const instant now{1'700'000'000'123'456};
  auto r = http::to_request(e, now);
  CHECK(r.method == "POST");
  CHECK(r.path == "/api/v1/namespaces/ns/events");
  auto body = bj::parse(r.body).as_object();
  const std::string name(body.at("metadata").at("name").as_string());
  CHECK(name.rfind("redis.", 0) == 0);
  const auto nanos = std::stoull(name.substr(6), nullptr, 16);
  CHECK(nanos / 1000 == static_cast<unsigned long long>(now.unix_micros));
  CHECK(body.at("metadata").at("namespace") == "ns");
  CHECK(body.at("involvedObject") == bj::parse(R"({"apiVersion":"habitat.sh/v1beta1","kind":"Habitat",
                                                  "namespace":"ns","name":"redis","uid":"u3"})"));
  CHECK(body.at("reason") == "StatefulSetCreated");
  CHECK(body.at("message") == "Created StatefulSet");
  CHECK(body.at("type") == "Normal");
  CHECK(body.at("count") == 1);
  CHECK(body.at("source").at("component") == "habitat-operator");
  CHECK(body.at("reportingComponent") == "habitat-operator");
  CHECK(body.at("firstTimestamp") == bj::value(to_rfc3339(now)));
  CHECK(body.at("lastTimestamp") == bj::value(to_rfc3339(now)));
}

TEST_CASE("Several events of one plan sent with the same now get distinct names") {
  const instant now{1'700'000'000'000'000};
  auto name = [&](const char* reason) {
    auto r = http::to_request(event{"Normal", reason, "m", habitat}, now);
    return std::string(bj::parse(r.body).at("metadata").at("name").as_string());
  };
  CHECK(name("ServiceCreated") != name("ConfigMapCreated"));
  CHECK(name("ServiceCreated") == name("ServiceCreated"));
}
