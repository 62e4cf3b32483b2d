#include <habop/core/status_reason.hpp>

#include <catch2/catch.hpp>

TEST_CASE("HTTP codes map to the Status reasons kube-apiserver gives them") {
  CHECK(habop::status_reason(409) == "Conflict");
  CHECK(habop::status_reason(429) == "TooManyRequests");
  CHECK(habop::status_reason(410) == "Expired");
  CHECK(habop::status_reason(502) == "InternalError");
  CHECK(habop::status_reason(418) == "Unknown");
}
