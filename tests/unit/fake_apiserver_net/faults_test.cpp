// Fault rules: matching requests, counts, Status bodies and the admin command parser.
#include <habop/fake_apiserver/faults.hpp>

#include <catch2/catch.hpp>

#include <habop/json/codec.hpp>

using namespace habop::fake;

TEST_CASE("rules match requests as RBAC's resolve_request describes them", "[faults]") {
  faults f;
  f.add(fault_rule{.verb = "watch", .resource = "configmaps", .ns = "ns", .code = 500, .count = -1});
  f.add(fault_rule{.verb = "patch", .resource = "habitats/status", .code = 409, .count = -1});
  f.add(fault_rule{.verb = "deletecollection", .resource = "pods", .code = 503, .count = -1});
  CHECK(f.on_request(resolve_request("GET", "/api/v1/namespaces/ns/configmaps?watch=true")).failure);
  CHECK(f.on_request(resolve_request("GET", "/api/v1/watch/namespaces/ns/configmaps")).failure);
  CHECK_FALSE(f.on_request(resolve_request("GET", "/api/v1/namespaces/ns/configmaps?limit=500")).failure);
  CHECK_FALSE(f.on_request(resolve_request("GET", "/api/v1/namespaces/other/configmaps?watch=1")).failure);
  CHECK(f.on_request(resolve_request("PATCH", "/apis/habitat.sh/v1beta1/namespaces/a/habitats/h/status")).failure);
  CHECK_FALSE(f.on_request(resolve_request("PATCH", "/apis/habitat.sh/v1beta1/namespaces/a/habitats/h")).failure);
  CHECK(f.on_request(resolve_request("DELETE", "/api/v1/namespaces/ns/pods")).failure);
  CHECK_FALSE(f.on_request(resolve_request("DELETE", "/api/v1/namespaces/ns/pods/p")).failure);
  // Non-resource requests (discovery, version) match only rules without a resource.
  CHECK_FALSE(f.on_request(resolve_request("GET", "/apis/apps/v1")).failure);
  CHECK_FALSE(f.on_request(resolve_request("GET", "/version")).failure);
}

TEST_CASE("a rule fails exactly `count` matching requests with a Status body", "[faults]") {
  faults f;
  f.add(fault_rule{.verb = "create", .resource = "configmaps", .code = 409, .count = 2});
  auto create = resolve_request("POST", "/api/v1/namespaces/default/configmaps");
  auto list = resolve_request("GET", "/api/v1/namespaces/default/configmaps");
  CHECK_FALSE(f.on_request(list).failure);
  auto first = f.on_request(create);
  REQUIRE(first.failure);
  CHECK(first.failure->status == 409);
  auto body = habop::json::parse_json(first.failure->body);
  REQUIRE(body);
  CHECK(body->at("kind") == "Status");
  CHECK(body->at("reason") == "Conflict");
  CHECK(body->at("code") == 409);
  CHECK(f.on_request(create).failure);
  CHECK_FALSE(f.on_request(create).failure);
  CHECK(f.rules().empty());
}

TEST_CASE("429 carries Retry-After and retryAfterSeconds, latency-only rules do not fail", "[faults]") {
  faults f;
  f.add(fault_rule{.verb = "*", .resource = "pods", .code = 429, .count = -1, .retry_after_seconds = 3});
  f.add(fault_rule{.verb = "get", .resource = "secrets", .code = 0, .count = 1, .latency_ms = 50});
  for (int i = 0; i < 3; ++i) {
    auto d = f.on_request(resolve_request("GET", "/api/v1/namespaces/x/pods/p"));
    REQUIRE(d.failure);
    CHECK(d.failure->status == 429);
    bool has_retry_after = false;
    for (const auto& [k, v] : d.failure->headers) has_retry_after |= k == "Retry-After" && v == "3";
    CHECK(has_retry_after);
    auto body = habop::json::parse_json(d.failure->body);
    REQUIRE(body);
    CHECK(body->at("details").at("retryAfterSeconds") == 3);
  }
  auto slow = f.on_request(resolve_request("GET", "/api/v1/namespaces/x/secrets/s"));
  CHECK(slow.latency_ms == 50);
  CHECK_FALSE(slow.failure);
  // A rule for a resource never matches its subresources unless named.
  CHECK_FALSE(f.on_request(resolve_request("PATCH", "/api/v1/namespaces/x/pods/p/status")).failure);
  f.clear();
  CHECK_FALSE(f.on_request(resolve_request("GET", "/api/v1/namespaces/x/pods/p")).failure);
}

TEST_CASE("admin commands parse rules and actions and reject nonsense with a field", "[faults]") {
  auto rule = parse_admin_command(R"({"verb":"update","resource":"statefulsets","code":503,"count":1})");
  REQUIRE(rule);
  CHECK(rule->action == admin_action::add_rule);
  CHECK(rule->rule.code == 503);
  CHECK(rule->rule.resource == "statefulsets");
  CHECK(parse_admin_command(R"({"action":"drop-watches"})")->action == admin_action::drop_watches);
  CHECK(parse_admin_command(R"({"action":"compact"})")->action == admin_action::compact_history);
  CHECK(parse_admin_command(R"({"action":"restart"})")->action == admin_action::restart);
  auto bad_code = parse_admin_command(R"({"code":200})");
  REQUIRE_FALSE(bad_code);
  CHECK(bad_code.error().causes.at(0).field == "code");
  CHECK_FALSE(parse_admin_command(R"({"action":"explode"})"));
  CHECK_FALSE(parse_admin_command("[1,2]"));
  CHECK_FALSE(parse_admin_command("{not json"));
  CHECK_FALSE(parse_admin_command(R"({"verb":"get"})"));  // neither code nor latency
}

TEST_CASE("wire-level faults parse with their shapes, match like the others and list back", "[faults]") {
  auto reset = parse_admin_command(R"({"verb":"list","resource":"habitats","fault":"reset","count":2})");
  REQUIRE(reset);
  CHECK(reset->rule.kind == fault_kind::reset);
  CHECK(reset->rule.count == 2);
  CHECK(parse_admin_command(R"({"verb":"watch","fault":"truncate"})")->rule.kind == fault_kind::truncate);
  auto malformed = parse_admin_command(R"({"fault":"malformed","shape":"items-not-array","latencyMs":5})");
  REQUIRE(malformed);
  CHECK(malformed->rule.kind == fault_kind::malformed);
  CHECK(malformed->rule.shape == malformed_shape::items_not_array);
  CHECK(malformed->rule.latency_ms == 5);
  CHECK(parse_admin_command(R"({"fault":"malformed"})")->rule.shape == malformed_shape::invalid_json);
  CHECK(parse_admin_command(R"({"fault":"malformed","shape":"metadata-string"})")->rule.shape ==
        malformed_shape::metadata_string);
  CHECK(parse_admin_command(R"({"fault":"status","code":500})")->rule.kind == fault_kind::status);

  auto field_of = [](std::string_view body) {
    auto r = parse_admin_command(body);
    return r ? std::string("(accepted)") : r.error().causes.at(0).field;
  };
  CHECK(field_of(R"({"fault":"explode"})") == "fault");
  CHECK(field_of(R"({"fault":3})") == "fault");
  CHECK(field_of(R"({"fault":"malformed","shape":"square"})") == "shape");
  CHECK(field_of(R"({"fault":"reset","shape":"invalid-json"})") == "shape");
  CHECK(field_of(R"({"fault":"reset","code":500})") == "code");
  CHECK(field_of(R"({"fault":"truncate","count":0})") == "count");
  CHECK(field_of(R"({"fault":"status"})") == "code");   // neither code nor latency

  faults f;
  f.add(malformed->rule);
  auto listed = habop::json::parse_json(rules_to_json(f.rules()));
  REQUIRE(listed);
  CHECK(listed->as_array().at(0).at("fault") == "malformed");
  CHECK(listed->as_array().at(0).at("shape") == "items-not-array");
  auto d = f.on_request(resolve_request("GET", "/api/v1/namespaces/x/pods"));
  CHECK(d.kind == fault_kind::malformed);
  CHECK(d.shape == malformed_shape::items_not_array);
  CHECK_FALSE(d.failure);   // handled, then spoiled
  CHECK(f.rules().empty());
}

TEST_CASE("malformed bodies and watch lines are what their shape says", "[faults]") {
  const std::string list = R"({"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"7"},"items":[]})";
  CHECK_FALSE(habop::json::parse_json(malformed_body(list, malformed_shape::invalid_json)));
  CHECK_FALSE(habop::json::parse_json(malformed_body("{}", malformed_shape::invalid_json)));
  auto items = habop::json::parse_json(malformed_body(list, malformed_shape::items_not_array));
  REQUIRE(items);
  CHECK(items->at("items") == "not-an-array");
  CHECK(items->at("kind") == "PodList");
  auto metadata = habop::json::parse_json(malformed_body(list, malformed_shape::metadata_string));
  REQUIRE(metadata);
  CHECK(metadata->at("metadata") == "not-an-object");
  CHECK_FALSE(habop::json::parse_json(malformed_watch_line(malformed_shape::invalid_json)));
  auto event = habop::json::parse_json(malformed_watch_line(malformed_shape::metadata_string));
  REQUIRE(event);
  CHECK(event->at("object").at("metadata") == "not-an-object");
  CHECK(habop::json::parse_json(malformed_watch_line(malformed_shape::items_not_array))->at("object").is_string());
}
