// logfmt lines: quoting and escaping as go-logfmt does, levels, context fields, and secrets never printed.
#include <habop/operator/log.hpp>

#include <catch2/catch.hpp>

#include <vector>

using namespace habop::op;
using habop::instant;

namespace {
const instant t0 = instant::from_seconds(1'700'000'000);
std::string line(std::string_view msg, std::vector<log_field> fields, log_level level = log_level::info) {
  return format_logfmt(t0, level, msg, fields);
}
}  // namespace

TEST_CASE("one logfmt line per action", "[log]") {
  CHECK(line("StatefulSet ns/name patched", {{"change", "replicas 1→3"}, {"habitat", "ns/name"}, {"attempt", 2}}) ==
        "ts=2023-11-14T22:13:20.000000Z level=info msg=\"StatefulSet ns/name patched\" change=\"replicas 1→3\" "
        "habitat=ns/name attempt=2");
  CHECK(line("ok", {}, log_level::warn) == "ts=2023-11-14T22:13:20.000000Z level=warn msg=ok");
}

TEST_CASE("values are quoted and escaped like go-logfmt", "[log]") {
  CHECK(line("m", {{"k", ""}}).ends_with(" k=\"\""));
  CHECK(line("m", {{"k", "a=b"}}).ends_with(" k=\"a=b\""));
  CHECK(line("m", {{"k", "say \"hi\""}}).ends_with(" k=\"say \\\"hi\\\"\""));
  CHECK(line("m", {{"k", "back\\slash"}}).ends_with(" k=back\\slash"));  // No quoting needed, kept verbatim.
  CHECK(line("m", {{"k", "two\nlines\ttab\r"}}).ends_with(" k=\"two\\nlines\\ttab\\r\""));
  CHECK(line("m", {{"k", "esc\x1b[31m"}}).ends_with(" k=\"esc\\u001b[31m\""));
  CHECK(line("m", {{"k", "bad\xff"}}).ends_with(" k=\"bad\\ufffd\""));
  CHECK(line("m", {{"k", "ünïcode"}}).ends_with(" k=ünïcode"));
  CHECK(line("m", {{"a key=\"x\"", "v"}}).ends_with(" a_key__x_=v"));
  CHECK(line("m", {{"", "v"}}).ends_with(" _=v"));
  CHECK(line("m", {{"ok", true}, {"ratio", 0.5}}).ends_with(" ok=true ratio=0.5"));
}

TEST_CASE("secret keys are redacted, names of secrets are not", "[log]") {
  for (auto key : {"token", "Token", "bearerToken", "access-token", "client_secret", "secret", "password",
                   "Authorization", "credentials", "api.apikey"}) {
    INFO(key);
    CHECK(is_secret_key(key));
    CHECK(line("m", {{key, "hunter2"}}).find("hunter2") == std::string::npos);
  }
  for (auto key : {"ringSecretName", "secret_name", "tokenFile", "habitat", "tokens_used"}) {
    INFO(key);
    CHECK_FALSE(is_secret_key(key));
  }
  CHECK(line("m", {{"secret", "x"}}).ends_with(" secret=[REDACTED]"));
}

TEST_CASE("secret-looking values are scrubbed anywhere", "[log]") {
  const std::string jwt =
      "eyJhbGciOiJSUzI1NiIsImtpZCI6IjEyMyJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQifQ.c2lnbmF0dXJlLWJ5dGVz";
  CHECK(scrub_secrets("Authorization: Bearer abc.DEF-123_x") == "Authorization: Bearer [REDACTED]");
  CHECK(scrub_secrets("basic dXNlcjpwYXNz and more") == "basic [REDACTED] and more");
  CHECK(scrub_secrets("token " + jwt + " expired") == "token [REDACTED] expired");
  CHECK(scrub_secrets("key: -----BEGIN RSA PRIVATE KEY-----\nMIIE...") == "key: [REDACTED]");
  CHECK(scrub_secrets("SYM-SEC-1\nring-20240101000000\n\nbase64==") == "[REDACTED]");
  CHECK(scrub_secrets("the bearer of bad news") == "the bearer of bad news");
  CHECK(scrub_secrets("Basic information") == "Basic information");
  CHECK(scrub_secrets("Bearer abcdefgh") == "Bearer [REDACTED]");
  CHECK(scrub_secrets("uid=6b1e7c1a-0000-4000-8000-000000000000 rv=12345") ==
        "uid=6b1e7c1a-0000-4000-8000-000000000000 rv=12345");
  auto out = line("request failed: Bearer sekrit-1", {{"header", "Bearer sekrit-1"}, {"body", jwt}});
  CHECK(out.find("sekrit") == std::string::npos);
  CHECK(out.find(jwt) == std::string::npos);
}

TEST_CASE("the logger filters levels, adds context and writes to its sink", "[log]") {
  std::vector<std::string> lines;
  instant now = t0;
  logger log([&](std::string_view l) { lines.emplace_back(l); }, [&] { return now; }, log_level::info,
             {{"component", "controller/v1beta2"}});
  log.debug("hidden");
  log.info("shown", {{"k", 1}});
  auto child = log.with({{"habitat", "ns/web"}});
  child.error("failed", {{"err", "boom"}});
  REQUIRE(lines.size() == 2);
  CHECK(lines[0] == "ts=2023-11-14T22:13:20.000000Z level=info msg=shown component=controller/v1beta2 k=1");
  CHECK(lines[1] ==
        "ts=2023-11-14T22:13:20.000000Z level=error msg=failed component=controller/v1beta2 habitat=ns/web err=boom");
  log.set_level(log_level::debug);
  CHECK(log.enabled(log_level::debug));
  log.debug("now shown");
  CHECK(lines.size() == 3);
  CHECK(to_string(log_level::warn) == "warn");
}

TEST_CASE("arbitrary bytes never throw and never break the line", "[log]") {
  std::uint32_t seed = 99;
  auto next = [&] { return seed = seed * 1664525u + 1013904223u; };
  for (int round = 0; round < 2000; ++round) {
    std::string v;
    std::size_t len = next() % 64;
    for (std::size_t i = 0; i < len; ++i) v += static_cast<char>(next() % 256);
    std::string out;
    REQUIRE_NOTHROW(out = line(v, {{v, v}}));
    CHECK(out.find('\n') == std::string::npos);  // One event, one line, whatever the input.
    CHECK_NOTHROW((void)scrub_secrets(v));
  }
}
