#include <habop/reconcile/merge_patch.hpp>

#include <boost/json/parse.hpp>

#include <catch2/catch.hpp>

namespace bj = boost::json;
using namespace habop::reconcile;

namespace {
bj::object obj(const char* text) { return bj::parse(text).as_object(); }
}  // namespace

TEST_CASE("An observed object that already has every desired field needs no patch") {
  auto desired = obj(R"({"metadata":{"labels":{"a":"1"}},"spec":{"replicas":3}})");
  auto observed = obj(R"({"metadata":{"labels":{"a":"1","foreign":"x"},"resourceVersion":"9"},
                          "spec":{"replicas":3,"revisionHistoryLimit":10}})");
  auto d = diff_owned(desired, observed);
  CHECK(d.empty());
  CHECK(d.changed.empty());
}

TEST_CASE("Only the differing leaves are patched, with their dotted paths") {
  auto desired = obj(R"({"metadata":{"labels":{"a":"1","b":"2"}},"spec":{"replicas":3,"x":{"y":1}}})");
  auto observed = obj(R"({"metadata":{"labels":{"a":"0","b":"2","c":"3"}},"spec":{"replicas":3,"x":{"y":1}}})");
  auto d = diff_owned(desired, observed);
  CHECK(bj::value(d.patch) == bj::parse(R"({"metadata":{"labels":{"a":"1"}}})"));
  CHECK(d.changed == std::vector<std::string>{"metadata.labels.a"});
}

TEST_CASE("A list is compared element by element ignoring server-defaulted fields, and sent whole when it differs") {
  auto desired = obj(R"({"c":[{"name":"a","image":"x"}]})");
  CHECK(diff_owned(desired, obj(R"({"c":[{"name":"a","image":"x","imagePullPolicy":"IfNotPresent"}]})")).empty());
  auto d = diff_owned(desired, obj(R"({"c":[{"name":"a","image":"y","imagePullPolicy":"IfNotPresent"}]})"));
  CHECK(bj::value(d.patch) == bj::parse(R"({"c":[{"name":"a","image":"x"}]})"));
  // A sidecar someone added makes the list differ: habop owns its lists whole (merge patches replace lists).
  auto sidecar = diff_owned(desired, obj(R"({"c":[{"name":"a","image":"x"},{"name":"sidecar"}]})"));
  CHECK(bj::value(sidecar.patch) == bj::parse(R"({"c":[{"name":"a","image":"x"}]})"));
  CHECK(sidecar.changed == std::vector<std::string>{"c"});
}

TEST_CASE("A null in desired means absent: satisfied by nothing or an empty value, else patched to null") {
  auto desired = obj(R"({"spec":{"nodeSelector":null,"securityContext":null}})");
  CHECK(diff_owned(desired, obj(R"({"spec":{}})")).empty());
  CHECK(diff_owned(desired, obj(R"({"spec":{"securityContext":{}}})")).empty());
  CHECK(diff_owned(desired, obj(R"({})")).empty());
  auto d = diff_owned(desired, obj(R"({"spec":{"nodeSelector":{"disk":"ssd"}}})"));
  CHECK(bj::value(d.patch) == bj::parse(R"({"spec":{"nodeSelector":null}})"));
}

TEST_CASE("Missing objects are sent without their absent markers") {
  auto desired = obj(R"({"spec":{"updateStrategy":{"type":"OnDelete","rollingUpdate":null}}})");
  auto d = diff_owned(desired, obj(R"({"spec":{}})"));
  CHECK(bj::value(d.patch) == bj::parse(R"({"spec":{"updateStrategy":{"type":"OnDelete"}}})"));
  CHECK(diff_owned(obj(R"({"a":{"b":null}})"), obj("{}")).empty());
}

TEST_CASE("Numbers compare by value whatever their JSON representation") {
  CHECK(satisfies(bj::value(3.0), bj::value(3)));
  CHECK(satisfies(bj::value(3u), bj::value(3)));
  CHECK_FALSE(satisfies(bj::value("3"), bj::value(3)));
  CHECK_FALSE(satisfies(bj::value(3.5), bj::value(3)));
}

TEST_CASE("apply_merge_patch follows RFC 7386's examples") {
  struct example { const char* target; const char* patch; const char* result; };
  const example examples[] = {
      {R"({"a":"b"})", R"({"a":"c"})", R"({"a":"c"})"},
      {R"({"a":"b"})", R"({"b":"c"})", R"({"a":"b","b":"c"})"},
      {R"({"a":"b"})", R"({"a":null})", R"({})"},
      {R"({"a":"b","b":"c"})", R"({"a":null})", R"({"b":"c"})"},
      {R"({"a":["b"]})", R"({"a":"c"})", R"({"a":"c"})"},
      {R"({"a":"c"})", R"({"a":["b"]})", R"({"a":["b"]})"},
      {R"({"a":{"b":"c"}})", R"({"a":{"b":"d","c":null}})", R"({"a":{"b":"d"}})"},
      {R"({"a":[{"b":"c"}]})", R"({"a":[1]})", R"({"a":[1]})"},
      {R"(["a","b"])", R"(["c","d"])", R"(["c","d"])"},
      {R"({"a":"b"})", R"(["c"])", R"(["c"])"},
      {R"({"a":"foo"})", "null", "null"},
      {R"({"a":"foo"})", R"("bar")", R"("bar")"},
      {R"({"e":null})", R"({"a":1})", R"({"e":null,"a":1})"},
      {R"([1,2])", R"({"a":"b","c":null})", R"({"a":"b"})"},
      {R"({})", R"({"a":{"bb":{"ccc":null}}})", R"({"a":{"bb":{}}})"},
  };
  for (const auto& e : examples) {
    INFO(e.target << " + " << e.patch);
    CHECK(apply_merge_patch(bj::parse(e.target), bj::parse(e.patch)) == bj::parse(e.result));
  }
}

TEST_CASE("Applying the diff makes the observed object satisfy the desired one, and the next diff is empty") {
  auto desired = obj(R"({"metadata":{"labels":{"a":"1"}},"spec":{"replicas":3,"nodeSelector":null,
                         "template":{"spec":{"containers":[{"name":"c","args":["--x"]}]}}}})");
  auto observed = obj(R"({"metadata":{"labels":{"z":"9"}},"spec":{"replicas":1,"nodeSelector":{"k":"v"},
                          "template":{"spec":{"dnsPolicy":"ClusterFirst","containers":[{"name":"c"}]}}}})");
  auto d = diff_owned(desired, observed);
  REQUIRE_FALSE(d.empty());
  bj::value patched = apply_merge_patch(observed, d.patch);
  CHECK(satisfies(patched, desired));
  CHECK(diff_owned(desired, patched.as_object()).empty());
  CHECK(patched.at("spec").at("template").at("spec").at("dnsPolicy") == "ClusterFirst");  // someone else's
  CHECK(patched.at("metadata").at("labels").at("z") == "9");
}

TEST_CASE("hash_json is deterministic and sees every change") {
  auto a = bj::parse(R"({"a":[1,"x",{"b":true}],"c":null})");
  CHECK(hash_json(a) == hash_json(bj::parse(R"({"a":[1,"x",{"b":true}],"c":null})")));
  CHECK(hash_json(a) != hash_json(bj::parse(R"({"a":[1,"x",{"b":false}],"c":null})")));
  CHECK(hash_json(a) != hash_json(bj::parse(R"({"a":[1,"y",{"b":true}],"c":null})")));
  CHECK(hash_json(bj::parse(R"(["ab","c"])")) != hash_json(bj::parse(R"(["a","bc"])")));
  CHECK(hash_json(a.as_object()) == hash_json(a));   // the object overload hashes the same without a copy
}
