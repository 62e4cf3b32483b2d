// parse_habitat and validate on hostile input: wrong types everywhere, huge numbers, deep nesting, non-UTF-8, nulls.
#include <habop/api/parse.hpp>

#include <catch2/catch.hpp>

#include <string>

#include <boost/json/serialize.hpp>

#include <habop/api/schema.hpp>
#include <habop/json/codec.hpp>

namespace api = habop::api;
namespace bj = boost::json;

namespace {

bj::value base() {
  auto v = habop::json::parse_json(
      R"({"apiVersion":"habitat.sh/v1beta1","kind":"Habitat","metadata":{"name":"h","labels":{"a":"b"}},
          "customVersion":"v1beta2","spec":{"v1beta2":{"count":1,"image":"i","env":[{"name":"A","value":"1"}],
          "persistentStorage":{"size":"1Gi","mountPath":"/d","storageClassName":"s"},
          "service":{"name":"s","topology":"leader","group":"g","channel":"c","configSecretName":"c",
          "ringSecretName":"r-20170829113029","filesSecretName":"f","bind":[{"name":"b","service":"s","group":"g"}]},
          "updateStrategy":"AllAtOnce","nodeSelector":{"k":"v"},"tolerations":[{}],"affinity":{},"resources":{},
          "serviceAccountName":"sa","securityContext":{},"imagePullSecrets":[{"name":"p"}]}},
          "status":{"replicas":1,"conditions":[{"type":"Ready","status":"True"}]}})");
  REQUIRE(v);
  return *v;
}

bj::value nested(std::size_t depth) {
  bj::value v = bj::object{};
  for (std::size_t i = 0; i < depth; ++i) v = bj::object{{"x", std::move(v)}};
  return v;
}

std::vector<bj::value> hostile_values() {
  std::vector<bj::value> v;
  v.emplace_back(nullptr);
  v.emplace_back(true);
  v.emplace_back(0);
  v.emplace_back(-1);
  v.emplace_back(1e300);
  v.emplace_back(-1e300);
  v.emplace_back(2.5);
  v.emplace_back(static_cast<std::uint64_t>(1) << 63);
  v.emplace_back(std::numeric_limits<std::int64_t>::min());
  v.emplace_back(std::numeric_limits<std::uint64_t>::max());
  v.emplace_back("");
  v.emplace_back("\xff\xfe\x80 not utf-8 \xc0\xaf");
  v.emplace_back(std::string(1 << 20, 'a'));
  v.emplace_back(std::string(70000, '-'));
  v.emplace_back(bj::array{});
  v.emplace_back(bj::array{nullptr, 1, "x", bj::array{bj::array{}}});
  v.emplace_back(bj::object{});
  v.emplace_back(bj::object{{"name", bj::object{}}, {"\xff", "\xfe"}});
  v.push_back(nested(50));
  return v;
}

// Every message is printable text: valid UTF-8 that survives a JSON round trip.
void expect_printable(const habop::error& e) {
  const std::string text = habop::describe(e);
  CHECK(text.size() < 100000);
  CHECK(habop::json::parse_json(bj::serialize(bj::value(text))));
}

// Every JSON path of `v`, so that each value can be replaced in turn.
void paths(const bj::value& v, std::vector<std::string>& out, const std::string& at) {
  if (v.is_object()) {
    for (const auto& kv : v.get_object()) {
      const std::string p = at + "/" + std::string(kv.key());
      out.push_back(p);
      paths(kv.value(), out, p);
    }
  } else if (v.is_array()) {
    for (std::size_t i = 0; i < v.get_array().size(); ++i) {
      const std::string p = at + "/" + std::to_string(i);
      out.push_back(p);
      paths(v.get_array()[i], out, p);
    }
  }
}

}  // namespace

TEST_CASE("any value at any path gives a result, never an exception or a crash") {
  std::vector<std::string> all;
  paths(base(), all, "");
  REQUIRE(all.size() >= 50);
  REQUIRE(api::parse_habitat(base()));
  const auto values = hostile_values();
  for (const auto& path : all) {
    for (const auto& value : values) {
      bj::value doc = base();
      boost::system::error_code ec;
      bj::value* slot = doc.find_pointer(path, ec);
      REQUIRE(slot);
      *slot = value;
      INFO(path << " = " << bj::serialize(value).substr(0, 40));
      api::habitat h;
      REQUIRE_NOTHROW([&] {
        auto r = api::parse_habitat(doc);
        if (r) h = *r;
        else expect_printable(r.error());
      }());
      REQUIRE_NOTHROW(api::validate(h));
    }
  }
}

TEST_CASE("any value as the whole Habitat is a BadRequest") {
  for (const auto& value : hostile_values()) {
    auto r = api::parse_habitat(value);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == (value.is_object() ? 422 : 400));
  }
}

TEST_CASE("huge counts are reported, not wrapped around") {
  for (const bj::value& count : {bj::value(1e300), bj::value(static_cast<std::uint64_t>(1) << 63),
                                 bj::value(std::int64_t{1} << 31), bj::value(-(std::int64_t{1} << 40))}) {
    bj::value doc = base();
    doc.at("spec").at("v1beta2").as_object()["count"] = count;
    auto r = api::parse_habitat(doc);
    REQUIRE_FALSE(r);
    REQUIRE(r.error().causes.size() == 1);
    CHECK(r.error().causes[0].field == "spec.v1beta2.count");
  }
}

TEST_CASE("nesting deeper than the JSON codec allows is rejected before it is walked") {
  bj::value doc = base();
  doc.at("spec").at("v1beta2").as_object()["affinity"] = nested(5000);
  auto r = api::parse_habitat(doc);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == 400);
  CHECK_THAT(r.error().message, Catch::Contains("nested deeper than 256"));
  doc.at("spec").at("v1beta2").as_object()["affinity"] = nested(200);
  CHECK(api::parse_habitat(doc));
}

TEST_CASE("non-UTF-8 and control bytes are escaped in messages") {
  bj::value doc = base();
  doc.at("spec").at("v1beta2").at("service").as_object()["group"] = "a.\xff\x01\"";
  doc.at("spec").at("v1beta2").as_object()["nodeSelector"] = bj::object{{"\xfe key", "v"}};
  auto r = api::parse_habitat(doc);
  REQUIRE_FALSE(r);
  REQUIRE(r.error().causes.size() == 2);
  CHECK_THAT(r.error().causes[0].message, Catch::StartsWith("invalid value \"a.\\xff\\x01\\\"\""));
  CHECK(r.error().causes[1].field == "spec.v1beta2.nodeSelector[\\xfe key]");
  expect_printable(r.error());
}

TEST_CASE("long strings are cut in messages and never reach the regex engine") {
  bj::value doc = base();
  doc.at("spec").at("v1beta2").at("service").as_object()["name"] = std::string(1 << 20, '!');
  doc.at("spec").at("v1beta2").at("env").as_array()[0].as_object()["name"] = std::string(1 << 20, 'A');
  auto r = api::parse_habitat(doc);
  REQUIRE_FALSE(r);
  REQUIRE(r.error().causes.size() == 2);
  CHECK(r.error().causes[0].reason == "FieldValueTooLong");
  CHECK(r.error().causes[1].message == "must have at most 253 characters (has 1048576)");

  api::habitat h;
  h.metadata.name = std::string(1 << 20, 'a');
  h.spec.service.group = std::string(1 << 20, 'b');
  h.spec.node_selector = {{std::string(1 << 20, 'k'), std::string(1 << 20, 'v')}};
  h.spec.persistent_storage = api::persistent_storage{std::string(1 << 20, '1'), std::string(1 << 20, '/'), ""};
  std::vector<habop::field_cause> causes;
  REQUIRE_NOTHROW(causes = api::validate(h));
  CHECK(causes.size() >= 6);
  for (const auto& c : causes) CHECK(c.message.size() < 1000);
}
