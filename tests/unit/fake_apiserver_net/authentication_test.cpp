// Bearer-token authentication: the admin token, extra tokens per user, anonymous and public paths, bad tokens.
#include "authentication.hpp"

#include <catch2/catch.hpp>

using habop::fake::request;
using habop::fake::net::admin_user;
using habop::fake::net::token_authenticator;
using habop::fake::net::validate_tokens;

namespace {

request with_auth(std::string value) {
  request r;
  r.method = "GET";
  r.target = "/api/v1/pods";
  if (!value.empty()) r.headers.emplace_back("authorization", std::move(value));
  return r;
}

const token_authenticator authn{.admin_token = "admin-secret",
                                .tokens = {{"sa-secret", "system:serviceaccount:ops:op"}, {"alice-secret", "alice"}},
                                .anonymous = false};

}  // namespace

TEST_CASE("each token authenticates as its user, the admin token as habop-admin", "[authentication]") {
  CHECK(authn.authenticate(with_auth("Bearer admin-secret"), "/api/v1/pods") == std::string(admin_user));
  CHECK(authn.authenticate(with_auth("Bearer sa-secret"), "/api/v1/pods") == "system:serviceaccount:ops:op");
  CHECK(authn.authenticate(with_auth("Bearer alice-secret"), "/api/v1/pods") == "alice");
}

TEST_CASE("wrong credentials are rejected even on public paths and with anonymous access", "[authentication]") {
  token_authenticator open = authn;
  open.anonymous = true;
  for (const char* value : {"Bearer nope", "Bearer ", "Basic YWxpY2U6eA==", "Bearer admin-secretX", "Bearer admin"}) {
    INFO(value);
    CHECK_FALSE(authn.authenticate(with_auth(value), "/api/v1/pods"));
    CHECK_FALSE(open.authenticate(with_auth(value), "/healthz"));
  }
}

TEST_CASE("no credentials: anonymous where allowed, public paths always", "[authentication]") {
  CHECK_FALSE(authn.authenticate(with_auth(""), "/api/v1/pods"));
  CHECK(authn.authenticate(with_auth(""), "/healthz") == "system:anonymous");
  CHECK(authn.authenticate(with_auth(""), "/version") == "system:anonymous");
  token_authenticator open = authn;
  open.anonymous = true;
  CHECK(open.authenticate(with_auth(""), "/api/v1/pods") == "system:anonymous");
}

TEST_CASE("extra tokens must be non-empty, distinct from the admin's, and not claim habop-admin", "[authentication]") {
  CHECK(validate_tokens({{"t", "alice"}}, "admin-secret"));
  const auto same = validate_tokens({{"admin-secret", "alice"}}, "admin-secret");
  REQUIRE_FALSE(same);
  CHECK(same.error().message.find("tokens[user alice]") != std::string::npos);
  CHECK(same.error().message.find("admin-secret") == std::string::npos);   // never the token itself
  CHECK_FALSE(validate_tokens({{"t", ""}}, "admin-secret"));
  CHECK_FALSE(validate_tokens({{"", "alice"}}, "admin-secret"));
  CHECK_FALSE(validate_tokens({{"t", "habop-admin"}}, "admin-secret"));
}
