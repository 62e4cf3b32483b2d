#include <habop/core/utf8.hpp>

#include <catch2/catch.hpp>

#include <string>

using habop::utf8_prefix;

TEST_CASE("utf8_prefix cuts at most max_bytes and never inside a character") {
  CHECK(utf8_prefix("short", 200) == "short");
  CHECK(utf8_prefix("abcdef", 3) == "abc");
  const std::string word = "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";   // "a", "é" (2 bytes), "€" (3), "😀" (4)
  CHECK(utf8_prefix(word, 1) == "a");
  CHECK(utf8_prefix(word, 2) == "a");                 // not half of é
  CHECK(utf8_prefix(word, 3) == "a\xc3\xa9");
  CHECK(utf8_prefix(word, 5) == "a\xc3\xa9");         // not two thirds of €
  CHECK(utf8_prefix(word, 6) == "a\xc3\xa9\xe2\x82\xac");
  CHECK(utf8_prefix(word, 9) == "a\xc3\xa9\xe2\x82\xac");
  CHECK(utf8_prefix(word, 10) == word);
  CHECK(utf8_prefix(word, 0).empty());
  for (std::size_t n = 0; n <= word.size(); ++n) {
    CHECK(habop::find_invalid_utf8(utf8_prefix(word, n)) == std::string::npos);
  }
}
