#include <habop/json/codec.hpp>

#include <boost/json/parse.hpp>

#include <catch2/catch.hpp>

namespace bj = boost::json;
using habop::json::parse_json;
using habop::json::parse_yaml_documents;
using habop::json::to_yaml;

TEST_CASE("YAML plain scalars resolve like YAML 1.2's core schema; quoted ones stay strings") {
  auto docs = parse_yaml_documents("a: 1\nb: '1'\nc: true\nd: ~\ne: 1.5\nf: hello\ng: 0x10\nh: \"true\"\ni: yes\n");
  REQUIRE(docs);
  REQUIRE(docs->size() == 1);
  const auto& o = (*docs)[0].as_object();
  CHECK(o.at("a") == bj::value(1));
  CHECK(o.at("b") == bj::value("1"));
  CHECK(o.at("c") == bj::value(true));
  CHECK(o.at("d").is_null());
  CHECK(o.at("e") == bj::value(1.5));
  CHECK(o.at("f") == bj::value("hello"));
  CHECK(o.at("g") == bj::value(16));
  CHECK(o.at("h") == bj::value("true"));
  CHECK(o.at("i") == bj::value("yes"));
}

TEST_CASE("Several YAML documents are read in order and empty ones are skipped") {
  auto docs = parse_yaml_documents("---\na: 1\n---\n---\nb: 2\n");
  REQUIRE(docs);
  REQUIRE(docs->size() == 2);
  CHECK((*docs)[1].as_object().at("b") == bj::value(2));
}

TEST_CASE("Malformed YAML and JSON are errors that say where, not exceptions") {
  auto y = parse_yaml_documents("a: [1, 2\n");
  REQUIRE_FALSE(y);
  CHECK(y.error().code == 400);
  CHECK(y.error().message.find("line") != std::string::npos);
  auto j = parse_json("{\"a\":");
  REQUIRE_FALSE(j);
  CHECK(j.error().reason == "BadRequest");
}

TEST_CASE("YAML that is not UTF-8 is rejected with its line, valid multi-byte text is kept") {
  auto bad = parse_yaml_documents("a: 1\nf:apiVers\xadion: {}\n");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == 400);
  CHECK(bad.error().message == "malformed YAML at line 2: invalid UTF-8 byte");
  CHECK_FALSE(parse_yaml_documents("a: \"\xc0\xaf\"\n"));  // overlong '/'
  CHECK_FALSE(parse_yaml_documents("a: \xed\xa0\x80\n"));    // a surrogate
  auto good = parse_yaml_documents("name: \"h\xc3\xa9llo \xe2\x9c\x93 \xf0\x9f\x99\x82\"\n");
  REQUIRE(good);
  CHECK((*good)[0].at("name") == "h\xc3\xa9llo \xe2\x9c\x93 \xf0\x9f\x99\x82");
}

TEST_CASE("Nesting deeper than the bound is rejected") {
  std::string deep(1000, '[');
  deep += std::string(1000, ']');
  CHECK_FALSE(parse_json(deep));
  CHECK_FALSE(parse_yaml_documents(deep));
  std::string shallow(100, '[');
  shallow += std::string(100, ']');
  CHECK(parse_json(shallow));
}

TEST_CASE("to_yaml round-trips values whose plain form would read back as another type") {
  bj::value v = bj::parse(R"({"s":"1","b":"true","n":null,"y":"yes","e":"","list":[{"a":1,"b":[]},"x: y",{}],)"
                          R"("nested":{"k":"line1\nline2","f":2.5,"neg":-3},"colon":"a: b","dash":"-x"})");
  auto back = parse_yaml_documents(to_yaml(v));
  REQUIRE(back);
  REQUIRE(back->size() == 1);
  CHECK((*back)[0] == v);
}

TEST_CASE("to_yaml writes block style like kubectl") {
  bj::value v = bj::parse(R"({"metadata":{"name":"x"},"items":[{"name":"a"}]})");
  CHECK(to_yaml(v) == "metadata:\n  name: x\nitems:\n- name: a\n");
}

TEST_CASE("A document starting with a flow entry is refused before yaml-cpp (which would allocate without bound)") {
  for (const char* text : {",a: b", " ,a", "# c\n,a", "a: b\n---\n,", ",piVersion: v1\nk%nd: ConfigMap\nmetadata: {name: g}\n"}) {
    auto r = parse_yaml_documents(text);
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("cannot start with ','") != std::string::npos);
  }
  CHECK(parse_yaml_documents("a: [1, 2]\nb: {c: d, e: f}\n"));
}

TEST_CASE("Repeated mapping keys keep the last value and are reported per document with their path and lines") {
  const char* text = "a: 1\nspec:\n  image: x\n  env:\n  - {name: A, name: B}\n  image: y\n---\nb: 1\n---\n"
                     "{\"c\": 1, \"c\": 2}\n";
  std::vector<std::vector<habop::json::duplicate_field>> dups;
  auto docs = parse_yaml_documents(text, &dups);
  REQUIRE(docs);
  REQUIRE(docs->size() == 3);
  CHECK((*docs)[0].at("spec").at("image") == "y");
  CHECK((*docs)[0].at("spec").at("env").at(0).at("name") == "B");
  CHECK((*docs)[2].at("c") == 2);
  REQUIRE(dups.size() == 3);
  using habop::json::duplicate_field;
  CHECK(dups[0] == std::vector<duplicate_field>{{"spec.env[0].name", 5, 5}, {"spec.image", 6, 3}});
  CHECK(dups[1].empty());
  CHECK(dups[2] == std::vector<duplicate_field>{{"c", 10, 10}});
  // Without the out-parameter the same values come back (kubeconfig files are read leniently, as client-go does).
  auto lenient = parse_yaml_documents(text);
  REQUIRE(lenient);
  CHECK(*lenient == *docs);
}
