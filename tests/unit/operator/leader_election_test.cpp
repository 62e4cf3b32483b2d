// Leader election against an in-memory Lease store on a virtual clock: acquire, renew, conflicts, takeover after
// expiry, loss of leadership, release, and never two leaders at once.
#include <habop/operator/leader_election.hpp>

#include <catch2/catch.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

using namespace habop::op;
using habop::instant;
using namespace std::chrono_literals;

namespace {

instant at_ms(std::int64_t ms) { return instant{ms * 1000}; }

/// The apiserver's part: a Lease with a resourceVersion, 409 on stale PUTs and racing POSTs.
struct fake_lease_server {
  std::optional<boost::json::object> lease;
  int rv = 0;
  bool fail_writes_from_a = false;

  /// Applies a request; returns the HTTP code and, on success, the stored Lease.
  std::pair<int, boost::json::object> send(const habop::http::request& r, const std::string& who) {
    if (fail_writes_from_a && who == "a") return {500, {}};
    auto body = boost::json::parse(r.body).as_object();
    if (r.method == "POST") {
      if (lease) return {409, {}};
    } else {
      if (!lease) return {404, {}};
      auto sent_rv = body.at("metadata").as_object().if_contains("resourceVersion");
      if (!sent_rv || *sent_rv != lease->at("metadata").at("resourceVersion")) return {409, {}};
    }
    body["metadata"].as_object()["resourceVersion"] = std::to_string(++rv);
    lease = body;
    return {r.method == "POST" ? 201 : 200, body};
  }
};

/// One replica's loop body: fast path or GET + decide, then write and report.
void tick(leader_elector& e, fake_lease_server& s, const std::string& who, instant now) {
  auto request = e.fast_renew(now);
  if (!request) {
    auto d = e.observe(s.lease, now);
    if (d.what == lease_decision::kind::wait) return;
    request = d.request;
  }
  auto [code, stored] = s.send(*request, who);
  if (code < 300) e.on_written(stored, now);
  else e.on_write_failed(code, now);
}

leader_election_config config(std::string id) {
  leader_election_config c;
  c.ns = "ops";
  c.identity = std::move(id);
  return c;
}

}  // namespace

TEST_CASE("configuration is validated like client-go's", "[leader_election]") {
  CHECK(validate(config("a")));
  auto c = config("a");
  c.renew_deadline = 15s;
  CHECK_FALSE(validate(c));
  c = config("a");
  c.retry_period = 9s;
  CHECK_FALSE(validate(c));
  c = config("");
  c.ns = "";
  auto e = validate(c);
  REQUIRE_FALSE(e);
  CHECK(e.error().causes.size() == 2);
  CHECK(make_identity("host", "1234") == "host_1234");
}

TEST_CASE("a missing Lease is created, then renewed", "[leader_election]") {
  fake_lease_server s;
  leader_elector a(config("a"));
  auto d = a.observe(std::nullopt, at_ms(0));
  REQUIRE(d.what == lease_decision::kind::create);
  CHECK(d.request.method == "POST");
  CHECK(d.request.path == "/apis/coordination.k8s.io/v1/namespaces/ops/leases");
  auto body = boost::json::parse(d.request.body).as_object();
  CHECK(body.at("kind") == "Lease");
  CHECK(body.at("metadata").at("name") == "habitat-operator");
  CHECK(body.at("spec").at("holderIdentity") == "a");
  CHECK(body.at("spec").at("leaseDurationSeconds") == 15);
  CHECK(body.at("spec").at("acquireTime") == "1970-01-01T00:00:00.000000Z");
  CHECK(body.at("spec").at("leaseTransitions") == 0);
  CHECK_FALSE(a.is_leader(at_ms(0)));
  auto [code, stored] = s.send(d.request, "a");
  REQUIRE(code == 201);
  a.on_written(stored, at_ms(0));
  CHECK(a.is_leader(at_ms(0)));
  CHECK(a.is_leader(at_ms(9'999)));
  CHECK_FALSE(a.is_leader(at_ms(10'000)));  // Renew deadline without a renew.
  CHECK(a.lost(at_ms(10'000)));

  // Renewal through the fast path: a PUT conditional on the last resourceVersion, acquireTime unchanged.
  auto renew = a.fast_renew(at_ms(2'000));
  REQUIRE(renew);
  CHECK(renew->method == "PUT");
  CHECK(renew->path == "/apis/coordination.k8s.io/v1/namespaces/ops/leases/habitat-operator");
  auto rb = boost::json::parse(renew->body).as_object();
  CHECK(rb.at("metadata").at("resourceVersion") == "1");
  CHECK(rb.at("spec").at("acquireTime") == "1970-01-01T00:00:00.000000Z");
  CHECK(rb.at("spec").at("renewTime") == "1970-01-01T00:00:02.000000Z");
  CHECK(rb.at("spec").at("leaseTransitions") == 0);
}

TEST_CASE("a held Lease makes others wait until it expires on their own clock", "[leader_election]") {
  fake_lease_server s;
  leader_elector a(config("a")), b(config("b"));
  tick(a, s, "a", at_ms(0));
  REQUIRE(a.is_leader(at_ms(0)));
  auto d = b.observe(s.lease, at_ms(1'000));
  CHECK(d.what == lease_decision::kind::wait);
  CHECK(d.holder == "a");
  CHECK(d.retry_at == at_ms(3'000));
  CHECK(b.observed_holder() == "a");
  // a stops renewing (crashed). b saw the record at 1 s, so it may take over after 16 s, not 15 s.
  CHECK(b.observe(s.lease, at_ms(15'500)).what == lease_decision::kind::wait);
  auto take = b.observe(s.lease, at_ms(16'000));
  REQUIRE(take.what == lease_decision::kind::update);
  auto body = boost::json::parse(take.request.body).as_object();
  CHECK(body.at("spec").at("holderIdentity") == "b");
  CHECK(body.at("spec").at("leaseTransitions") == 1);
  CHECK(body.at("spec").at("acquireTime") == "1970-01-01T00:00:16.000000Z");
  auto [code, stored] = s.send(take.request, "b");
  REQUIRE(code == 200);
  b.on_written(stored, at_ms(16'000));
  CHECK(b.is_leader(at_ms(16'000)));
}

TEST_CASE("a skewed renewTime does not matter: only observed changes count", "[leader_election]") {
  fake_lease_server s;
  leader_elector a(config("a")), b(config("b"));
  tick(a, s, "a", at_ms(0));
  // The holder's clock is an hour behind: its renewTime looks ancient, but the record keeps changing.
  (*s.lease)["spec"].as_object()["renewTime"] = "1969-12-31T23:00:00.000000Z";
  CHECK(b.observe(s.lease, at_ms(100'000)).what == lease_decision::kind::wait);
}

TEST_CASE("a stale write loses with 409 and the loser keeps waiting", "[leader_election]") {
  fake_lease_server s;
  leader_elector a(config("a")), b(config("b"));
  auto da = a.observe(std::nullopt, at_ms(0));
  auto db = b.observe(std::nullopt, at_ms(0));
  auto ra = s.send(da.request, "a");
  auto rb = s.send(db.request, "b");
  CHECK(ra.first == 201);
  CHECK(rb.first == 409);  // AlreadyExists: b's create raced and lost.
  a.on_written(ra.second, at_ms(0));
  b.on_write_failed(409, at_ms(0));
  CHECK(a.is_leader(at_ms(1)));
  CHECK_FALSE(b.is_leader(at_ms(1)));
  CHECK_FALSE(b.lost(at_ms(1)));  // Never led, so nothing was lost.
  CHECK(b.observe(s.lease, at_ms(2'000)).what == lease_decision::kind::wait);
}

TEST_CASE("failing renewals lose leadership at the renew deadline, before anyone can take over",
          "[leader_election]") {
  fake_lease_server s;
  leader_elector a(config("a")), b(config("b"));
  tick(a, s, "a", at_ms(0));
  s.fail_writes_from_a = true;
  for (std::int64_t t = 2'000; t <= 30'000; t += 2'000) {
    tick(a, s, "a", at_ms(t));
    tick(b, s, "b", at_ms(t + 500));
    CHECK_FALSE((a.is_leader(at_ms(t + 500)) && b.is_leader(at_ms(t + 500))));
  }
  CHECK(a.lost(at_ms(10'000)));
  CHECK(b.is_leader(at_ms(30'000)));
  CHECK(s.lease->at("spec").at("leaseTransitions") == 1);
}

TEST_CASE("leading_until is the renew deadline of the last renewal, which a frozen leader is already past",
          "[leader_election]") {
  fake_lease_server s;
  leader_elector a(config("a")), b(config("b"));
  CHECK_FALSE(a.leading_until());
  tick(a, s, "a", at_ms(0));
  REQUIRE(a.leading_until());
  CHECK(*a.leading_until() == at_ms(10'000));
  tick(a, s, "a", at_ms(2'000));
  CHECK(*a.leading_until() == at_ms(12'000));
  // a freezes (SIGSTOP) for 30 s; b takes over once the record has not changed for the lease duration.
  tick(b, s, "b", at_ms(3'000));
  tick(b, s, "b", at_ms(18'100));
  REQUIRE(b.is_leader(at_ms(18'100)));
  // a wakes at 32 s: every thread of it must see at once, before its election loop runs, that it may not write.
  CHECK(at_ms(32'000) >= *a.leading_until());
  CHECK_FALSE(a.is_leader(at_ms(32'000)));
  tick(a, s, "a", at_ms(32'000));
  CHECK_FALSE(a.leading_until());  // It saw b's lease: not leader at all any more.
  CHECK(a.lost(at_ms(32'000)));
}

TEST_CASE("release hands over quickly", "[leader_election]") {
  fake_lease_server s;
  leader_elector a(config("a")), b(config("b"));
  tick(a, s, "a", at_ms(0));
  tick(b, s, "b", at_ms(1'000));
  CHECK_FALSE(b.is_leader(at_ms(1'000)));
  CHECK_FALSE(b.release(at_ms(1'000)));  // Only a leader releases.
  auto rel = a.release(at_ms(2'000));
  REQUIRE(rel);
  auto body = boost::json::parse(rel->body).as_object();
  CHECK(body.at("spec").at("holderIdentity") == "");
  CHECK(body.at("spec").at("leaseDurationSeconds") == 1);
  auto [code, stored] = s.send(*rel, "a");
  REQUIRE(code == 200);
  a.on_written(stored, at_ms(2'000));
  CHECK_FALSE(a.is_leader(at_ms(2'000)));
  CHECK_FALSE(a.lost(at_ms(2'000)));  // A release is not a loss.
  tick(b, s, "b", at_ms(3'000));      // Empty holder: no need to wait for expiry.
  CHECK(b.is_leader(at_ms(3'000)));
  CHECK(s.lease->at("spec").at("leaseTransitions") == 1);
}

TEST_CASE("two electors on a virtual clock are never both leading", "[leader_election]") {
  fake_lease_server s;
  leader_elector a(config("a")), b(config("b"));
  int a_led = 0, b_led = 0;
  // a crashes for a while in the middle (no ticks), then both compete again; b's ticks are offset.
  for (std::int64_t t = 0; t < 120'000; t += 100) {
    instant now = at_ms(t);
    bool a_alive = t < 30'000 || t > 60'000;
    if (a_alive && t % 2'000 == 0) tick(a, s, "a", now);
    if (t % 2'000 == 700) tick(b, s, "b", now);
    bool la = a_alive && a.is_leader(now), lb = b.is_leader(now);
    REQUIRE_FALSE((la && lb));
    a_led += la;
    b_led += lb;
  }
  CHECK(a_led > 0);
  CHECK(b_led > 0);
}

TEST_CASE("lease records parse leniently", "[leader_election]") {
  auto r = parse_lease_record(boost::json::parse(R"({"spec":{"holderIdentity":"x","leaseDurationSeconds":15,
    "acquireTime":"2024-05-01T10:00:00.000000Z","renewTime":"garbage","leaseTransitions":3}})").as_object());
  CHECK(r.holder_identity == "x");
  CHECK(r.lease_duration_seconds == 15);
  CHECK(r.acquire_time);
  CHECK_FALSE(r.renew_time);
  CHECK(r.lease_transitions == 3);
  CHECK(parse_lease_record(boost::json::object{}) == lease_record{});
}

TEST_CASE("clock offsets between replicas do not allow two leaders", "[leader_election]") {
  fake_lease_server s;
  leader_elector a(config("a")), b(config("b"));
  const std::int64_t a_offset = 3'600'000, b_offset = -1'234'567;  // a's clock is an hour ahead, b's behind.
  for (std::int64_t t = 0; t < 200'000; t += 100) {
    bool a_alive = t < 40'000 || t > 100'000;
    if (a_alive && t % 2'000 == 0) tick(a, s, "a", at_ms(t + a_offset));
    if (t % 2'000 == 1'300) tick(b, s, "b", at_ms(t + b_offset));
    bool la = a_alive && a.is_leader(at_ms(t + a_offset)), lb = b.is_leader(at_ms(t + b_offset));
    REQUIRE_FALSE((la && lb));
  }
  CHECK(b.is_leader(at_ms(199'900 + b_offset)));  // b took over while a was down and kept the lease.
}
