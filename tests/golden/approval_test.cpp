// Tests of the golden-test machinery itself: the unified diff a person reads on a mismatch.
#include "approval.hpp"

#include <catch2/catch.hpp>

using habop::golden::unified_diff;

TEST_CASE("equal texts have no diff", "[golden][diff]") { CHECK(unified_diff("a\nb\n", "a\nb\n", "x", "y").empty()); }

TEST_CASE("a changed line is shown with context and line numbers", "[golden][diff]") {
  const std::string expected = "1\n2\n3\n4\n5\n6\n7\n8\n9\n";
  const std::string actual = "1\n2\n3\n4\nfive\n6\n7\n8\n9\n";
  CHECK(unified_diff(expected, actual, "approved", "received") ==
        "--- approved\n+++ received\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n");
}

TEST_CASE("distant changes make separate hunks, close ones one hunk", "[golden][diff]") {
  std::string expected, far, near;
  for (int i = 1; i <= 20; ++i) expected += std::to_string(i) + "\n";
  far = expected;
  far.replace(far.find("2\n"), 2, "two\n");
  far.replace(far.find("19\n"), 3, "nineteen\n");
  const std::string d = unified_diff(expected, far, "a", "b");
  CHECK(d.find("@@ -1,5 +1,5 @@") != std::string::npos);
  CHECK(d.find("@@ -16,5 +16,5 @@") != std::string::npos);
  near = expected;
  near.replace(near.find("5\n"), 2, "five\n");
  near.replace(near.find("9\n"), 2, "nine\n");
  CHECK(unified_diff(expected, near, "a", "b").find("@@ -2,11 +2,11 @@") != std::string::npos);
}

TEST_CASE("added and removed lines are marked", "[golden][diff]") {
  const std::string d = unified_diff("a\nb\nc\n", "a\nc\nd\n", "x", "y");
  CHECK(d.find("-b\n") != std::string::npos);
  CHECK(d.find("+d\n") != std::string::npos);
}

TEST_CASE("a missing final newline is reported", "[golden][diff]") {
  CHECK(unified_diff("a\n", "a", "x", "y").find("final newline") != std::string::npos);
}
