// Flag parsing: Go `flag` syntax, the original's flags, glog's ignored flags, and errors naming the flag.
#include <habop/operator/flags.hpp>

#include <catch2/catch.hpp>

#include <vector>

using namespace habop::op;

namespace {
habop::result<operator_options> parse(std::vector<std::string_view> args) { return parse_flags(args); }
}  // namespace

TEST_CASE("no flags give the documented defaults", "[flags]") {
  auto r = parse({});
  REQUIRE(r);
  CHECK(r->kubeconfig.empty());
  CHECK(r->ns.empty());
  CHECK_FALSE(r->assume_crd_registered);
  CHECK_FALSE(r->verbose);
  CHECK_FALSE(r->leader_elect);
  CHECK(r->leader_election_id == "habitat-operator");
  CHECK(r->metrics_bind_address == "127.0.0.1:8080");
  CHECK(r->health_probe_bind_address == "127.0.0.1:8081");
  CHECK(r->workers == 4);
  CHECK(r->resync_period == std::chrono::seconds(30));
  CHECK(*r == operator_options{});
}

TEST_CASE("one or two dashes, = or a separate value", "[flags]") {
  auto r = parse({"-kubeconfig", "/k", "--namespace=prod", "-verbose", "--assume-crd-registered=true", "-workers=8",
                  "--leader-elect", "--leader-election-namespace", "ops", "-leader-election-id=lock",
                  "--metrics-bind-address=0", "--health-probe-bind-address", ":9440", "--resync-period=1m30s"});
  REQUIRE(r);
  CHECK(r->kubeconfig == "/k");
  CHECK(r->ns == "prod");
  CHECK(r->verbose);
  CHECK(r->assume_crd_registered);
  CHECK(r->workers == 8);
  CHECK(r->leader_elect);
  CHECK(r->leader_election_namespace == "ops");
  CHECK(r->leader_election_id == "lock");
  CHECK(r->metrics_bind_address == "0");
  CHECK(r->health_probe_bind_address == ":9440");
  CHECK(r->resync_period == std::chrono::seconds(90));
}

TEST_CASE("bools take Go's spellings only after =", "[flags]") {
  for (auto v : {"1", "t", "T", "TRUE", "true", "True"}) {
    std::string arg = std::string("-verbose=") + v;
    auto r = parse({arg});
    REQUIRE(r);
    CHECK(r->verbose);
  }
  auto off = parse({"-verbose=False"});
  REQUIRE(off);
  CHECK_FALSE(off->verbose);
  auto bad = parse({"-verbose=yes"});
  REQUIRE_FALSE(bad);
  CHECK(bad.error().causes.at(0).field == "-verbose");
  // `-verbose false`: the bool takes no separate value, so `false` is a stray positional argument.
  CHECK_FALSE(parse({"-verbose", "false"}));
}

TEST_CASE("glog's flags are accepted and ignored", "[flags]") {
  auto r = parse({"-logtostderr", "-alsologtostderr=false", "-v", "4", "--v=2", "-stderrthreshold=INFO",
                  "-vmodule", "foo=2", "-log_dir=/tmp", "-log_backtrace_at", "file.go:10"});
  REQUIRE(r);
  CHECK(*r == operator_options{});
  CHECK_FALSE(parse({"-v=high"}));
}

TEST_CASE("errors name the flag", "[flags]") {
  auto unknown = parse({"--kubeconfg=/x"});
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().code == 400);
  CHECK(unknown.error().message == "flag provided but not defined: -kubeconfg");
  CHECK(unknown.error().causes.at(0).field == "-kubeconfg");

  auto missing = parse({"--namespace"});
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message == "flag needs an argument: -namespace");

  auto workers = parse({"--workers=0"});
  REQUIRE_FALSE(workers);
  CHECK(workers.error().causes.at(0).field == "-workers");
  CHECK_FALSE(parse({"--workers=two"}));
  CHECK_FALSE(parse({"--resync-period=30"}));  // Go durations need a unit.
  CHECK_FALSE(parse({"--metrics-bind-address=8080"}));
  CHECK_FALSE(parse({"--leader-election-id="}));
  CHECK_FALSE(parse({"---verbose"}));
  CHECK_FALSE(parse({"extra"}));
  CHECK_FALSE(parse({"--", "extra"}));
  CHECK(parse({"--"}));
}

TEST_CASE("help is a flag the caller acts on", "[flags]") {
  auto r = parse({"-h"});
  REQUIRE(r);
  CHECK(r->help);
  auto text = usage();
  for (auto flag : {"-kubeconfig", "-namespace", "-assume-crd-registered", "-verbose", "-leader-elect",
                    "-leader-election-namespace", "-leader-election-id", "-metrics-bind-address",
                    "-health-probe-bind-address", "-workers", "-resync-period", "-logtostderr"}) {
    CHECK(text.find(flag) != std::string::npos);
  }
}

TEST_CASE("bind addresses", "[flags]") {
  auto off = parse_bind_address("0");
  REQUIRE(off);
  CHECK_FALSE(off->has_value());
  auto v4 = parse_bind_address("127.0.0.1:8080");
  REQUIRE(v4);
  CHECK(**v4 == bind_address{"127.0.0.1", 8080});
  auto any = parse_bind_address(":8081");
  REQUIRE(any);
  CHECK(**any == bind_address{"", 8081});
  auto v6 = parse_bind_address("[::1]:9090");
  REQUIRE(v6);
  CHECK(**v6 == bind_address{"::1", 9090});
  CHECK_FALSE(parse_bind_address("::1:9090"));
  CHECK_FALSE(parse_bind_address("host:99999"));
  CHECK_FALSE(parse_bind_address("host:"));
  CHECK_FALSE(parse_bind_address("[::1]"));
}

TEST_CASE("Go durations", "[flags]") {
  using std::chrono::milliseconds;
  CHECK(parse_go_duration("0") == milliseconds{0});
  CHECK(parse_go_duration("300ms") == milliseconds{300});
  CHECK(parse_go_duration("1.5s") == milliseconds{1500});
  CHECK(parse_go_duration("1h2m3s") == milliseconds{3'723'000});
  CHECK(parse_go_duration("10h") == milliseconds{36'000'000});
  CHECK_FALSE(parse_go_duration("-1s"));
  CHECK_FALSE(parse_go_duration("5"));
  CHECK_FALSE(parse_go_duration("5d"));
  CHECK_FALSE(parse_go_duration(""));
}

TEST_CASE("arbitrary arguments never throw", "[flags]") {
  std::uint32_t seed = 12345;
  auto next = [&] { return seed = seed * 1664525u + 1013904223u; };
  const std::string alphabet = "-=abcdefghijklmnopqrstuvwxyz0123456789:[]. \x01\xff";
  for (int round = 0; round < 2000; ++round) {
    std::vector<std::string> storage(next() % 5);
    for (auto& s : storage) {
      std::size_t len = next() % 24;
      for (std::size_t i = 0; i < len; ++i) s += alphabet[next() % alphabet.size()];
      if (next() % 3 == 0) s = "--" + std::string(next() % 2 ? "workers=" : "resync-period=") + s;
    }
    std::vector<std::string_view> args(storage.begin(), storage.end());
    CHECK_NOTHROW((void)parse_flags(args));
  }
}
