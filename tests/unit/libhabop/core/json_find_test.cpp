#include <habop/json/detail/find.hpp>

#include <string>

#include <boost/json/parse.hpp>

#include <catch2/catch.hpp>

namespace bj = boost::json;
using habop::json::detail::equal_bytes;
using habop::json::detail::find_member;

TEST_CASE("find_member answers what if_contains answers") {
  // Small and large objects (Boost.JSON hashes keys past a size), keys sharing lengths and first bytes, the empty key.
  bj::object o = bj::parse(R"({"a":1,"ab":2,"ba":3,"abc":null,"":4,"spec":{"x":1},"sped":5})").as_object();
  for (int i = 0; i < 40; ++i) o["k" + std::to_string(i)] = i;
  for (const char* key : {"a", "ab", "ba", "abc", "", "spec", "sped", "spe", "b", "k0", "k39", "k40", "abcd", "A"}) {
    INFO(key);
    CHECK(find_member(o, key) == o.if_contains(key));
  }
  CHECK(find_member(bj::object{}, "a") == nullptr);
}

TEST_CASE("equal_bytes finds a difference at any position of any length") {
  const std::string a = "abcdefghijklmnopqrstuvwxyz0123456789";
  for (std::size_t n = 0; n <= a.size(); ++n) {
    CHECK(equal_bytes(a.data(), std::string(a).data(), n));
    for (std::size_t i = 0; i < n; ++i) {
      std::string b = a;
      b[i] = '#';
      INFO(n << " " << i);
      CHECK_FALSE(equal_bytes(a.data(), b.data(), n));
    }
  }
}
