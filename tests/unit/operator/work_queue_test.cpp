// Work queue: dedup, processing exclusivity, backoff growth and cap, the global bucket, Retry-After, fairness,
// shutdown draining and the metric values, all on a virtual clock.
#include <habop/operator/work_queue.hpp>

#include <catch2/catch.hpp>

#include <map>
#include <vector>

using namespace habop::op;
using habop::instant;
using namespace std::chrono_literals;

namespace {
instant at_ms(std::int64_t ms) { return instant{ms * 1000}; }
}  // namespace

TEST_CASE("a key is queued once however often it is added", "[work_queue]") {
  work_queue q;
  q.add("ns/a", at_ms(0));
  q.add("ns/a", at_ms(1));
  q.add("ns/b", at_ms(2));
  CHECK(q.size() == 2);
  CHECK(q.stats(at_ms(2)).adds_total == 2);
  auto first = q.get(at_ms(3));
  REQUIRE(first);
  CHECK(first->key == "ns/a");
  CHECK(first->queue_latency == 3ms);
  CHECK(q.get(at_ms(3))->key == "ns/b");
  CHECK_FALSE(q.get(at_ms(3)));
}

TEST_CASE("a key being processed is re-queued only after done", "[work_queue]") {
  work_queue q;
  q.add("k", at_ms(0));
  auto item = q.get(at_ms(0));
  REQUIRE(item);
  q.add("k", at_ms(1));
  q.add("k", at_ms(2));
  CHECK_FALSE(q.get(at_ms(3)));  // Never handed to two workers at once.
  CHECK(q.done("k", at_ms(10)) == 10ms);
  auto again = q.get(at_ms(10));
  REQUIRE(again);
  CHECK(again->key == "k");
  CHECK(again->queue_latency == 9ms);  // Ready since the first re-add.
  q.done("k", at_ms(11));
  CHECK_FALSE(q.get(at_ms(100)));
  CHECK(q.done("unknown", at_ms(1)) == 0us);
}

TEST_CASE("per-key backoff doubles from 5 ms and is capped at 1000 s", "[work_queue]") {
  work_queue_options o;
  o.qps = 0;  // Isolate the per-key limiter.
  work_queue q(o);
  std::vector<std::chrono::microseconds> delays;
  for (int i = 0; i < 30; ++i) delays.push_back(q.add_rate_limited("k", at_ms(0)));
  CHECK(delays[0] == 5ms);
  CHECK(delays[1] == 10ms);
  CHECK(delays[2] == 20ms);
  CHECK(delays[10] == 5120ms);
  CHECK(delays[29] == 1000s);
  CHECK(q.num_requeues("k") == 30);
  CHECK(q.size() == 1);  // Still one entry, at the earliest time scheduled.
  CHECK(q.next_ready_time() == at_ms(5));
  q.forget("k");
  CHECK(q.num_requeues("k") == 0);
  CHECK(q.add_rate_limited("k", at_ms(0)) == 5ms);
  CHECK(q.stats(at_ms(0)).retries_total == 31);
}

TEST_CASE("the global bucket throttles retries of many keys", "[work_queue]") {
  work_queue_options o;
  o.qps = 10;
  o.burst = 3;
  work_queue q(o);
  CHECK(q.add_rate_limited("a", at_ms(0)) == 5ms);
  CHECK(q.add_rate_limited("b", at_ms(0)) == 5ms);
  CHECK(q.add_rate_limited("c", at_ms(0)) == 5ms);
  CHECK(q.add_rate_limited("d", at_ms(0)) == 100ms);  // Bucket empty: 1/qps.
  CHECK(q.add_rate_limited("e", at_ms(0)) == 200ms);
  CHECK(q.add_rate_limited("f", at_ms(1000)) == 5ms);  // Refilled after a second.
}

TEST_CASE("a short backoff doubles from its first delay up to its cap, outside the global bucket", "[work_queue]") {
  work_queue_options o;
  o.qps = 10;
  o.burst = 1;
  work_queue q(o);
  std::vector<std::chrono::microseconds> delays;
  for (int i = 0; i < 10; ++i) delays.push_back(q.add_short_backoff("k", 20ms, 1s, at_ms(0)));
  CHECK(delays[0] == 20ms);
  CHECK(delays[1] == 40ms);
  CHECK(delays[5] == 640ms);
  CHECK(delays[6] == 1s);
  CHECK(delays[9] == 1s);
  CHECK(q.add_short_backoff("other", 20ms, 1s, at_ms(0)) == 20ms);   // an empty bucket does not delay it
  q.forget("k");
  CHECK(q.add_short_backoff("k", 20ms, 1s, at_ms(0)) == 20ms);
  CHECK(q.stats(at_ms(0)).retries_total == 12);
}

TEST_CASE("Retry-After is honoured and never shortened", "[work_queue]") {
  work_queue q;
  CHECK(q.retry_after("k", 7s, at_ms(0)) == 7s);
  CHECK_FALSE(q.get(at_ms(6999)));
  CHECK(q.next_ready_time() == at_ms(7000));
  REQUIRE(q.get(at_ms(7000)));
  CHECK(q.num_requeues("k") == 1);
}

TEST_CASE("add_after keeps the earliest time and add makes it ready now", "[work_queue]") {
  work_queue q;
  q.add_after("k", 10s, at_ms(0));
  q.add_after("k", 20s, at_ms(0));
  CHECK(q.next_ready_time() == at_ms(10'000));
  q.add_after("k", 5s, at_ms(0));
  CHECK(q.next_ready_time() == at_ms(5'000));
  q.add("k", at_ms(100));
  CHECK(q.next_ready_time() == at_ms(100));
  CHECK(q.size() == 1);
  q.add_after("z", 0s, at_ms(100));
  CHECK(q.stats(at_ms(100)).depth == 2);
}

TEST_CASE("fresh keys are not starved by a storm of retries", "[work_queue]") {
  work_queue_options o;
  o.qps = 0;
  work_queue q(o);
  // 200 keys failing forever with the smallest backoff, one worker, 1 ms per reconcile.
  std::int64_t now = 0;
  for (int i = 0; i < 200; ++i) q.add("storm/" + std::to_string(i), at_ms(now));
  std::map<std::string, std::int64_t> served_at;
  bool fresh_added = false;
  for (int step = 0; step < 2000 && !served_at.count("fresh/x"); ++step) {
    if (step == 50 && !fresh_added) {
      q.add("fresh/x", at_ms(now));
      fresh_added = true;
    }
    auto item = q.get(at_ms(now));
    if (!item) {
      now = q.next_ready_time()->unix_micros / 1000;
      continue;
    }
    now += 1;
    q.done(item->key, at_ms(now));
    if (item->key.starts_with("storm/")) {
      q.forget(item->key);  // Keep the storm at its hottest: every retry after 5 ms.
      q.add_rate_limited(item->key, at_ms(now));
    } else {
      served_at[item->key] = now;
    }
  }
  REQUIRE(served_at.count("fresh/x"));
  // It waited only behind keys that were ready before it, about the 200 already queued.
  CHECK(served_at["fresh/x"] <= 50 + 200 + 5);
}

TEST_CASE("FIFO among keys ready at the same time", "[work_queue]") {
  work_queue q;
  for (auto k : {"c", "a", "b"}) q.add(k, at_ms(0));
  CHECK(q.get(at_ms(0))->key == "c");
  CHECK(q.get(at_ms(0))->key == "a");
  CHECK(q.get(at_ms(0))->key == "b");
}

TEST_CASE("shutdown stops intake, drops scheduled keys and drains ready and in-flight ones", "[work_queue]") {
  work_queue q;
  q.add("ready", at_ms(0));
  q.add("busy", at_ms(0));
  q.add_after("later", 10s, at_ms(0));
  auto busy = q.get(at_ms(1));
  REQUIRE(busy);
  CHECK(busy->key == "ready");
  q.add("ready", at_ms(1));  // Dirty while processing, ready now: kept by the drain.
  q.shut_down(at_ms(2));
  CHECK(q.shutting_down());
  q.add("new", at_ms(3));
  CHECK(q.add_rate_limited("new", at_ms(3)) == 0us);
  CHECK_FALSE(q.drained());
  CHECK(q.get(at_ms(3))->key == "busy");
  q.done("busy", at_ms(4));
  q.done("ready", at_ms(4));
  CHECK(q.get(at_ms(4))->key == "ready");
  CHECK_FALSE(q.drained());
  q.done("ready", at_ms(5));
  CHECK_FALSE(q.get(at_ms(20'000)));
  CHECK(q.drained());
  CHECK_FALSE(q.next_ready_time());
}

TEST_CASE("stats feed the workqueue metrics", "[work_queue]") {
  work_queue q;
  q.add("a", at_ms(0));
  q.add("b", at_ms(0));
  q.add_after("c", 1s, at_ms(0));
  REQUIRE(q.get(at_ms(100)));
  auto s = q.stats(at_ms(600));
  CHECK(s.depth == 1);
  CHECK(s.waiting == 1);
  CHECK(s.processing == 1);
  CHECK(s.adds_total == 3);
  CHECK(s.unfinished_work_seconds == Approx(0.5));
  CHECK(s.longest_running_processor_seconds == Approx(0.5));
}

TEST_CASE("idle keys leave no state behind", "[work_queue]") {
  work_queue q;
  for (int i = 0; i < 1000; ++i) {
    std::string k = "k" + std::to_string(i);
    q.add(k, at_ms(i));
    auto item = q.get(at_ms(i));
    q.add_rate_limited(item->key, at_ms(i));
    q.done(item->key, at_ms(i));
    q.forget(item->key);
  }
  CHECK(q.size() == 1000);  // Scheduled retries remain until served.
  for (int i = 0; i < 1000; ++i) {
    auto item = q.get(at_ms(100'000));
    REQUIRE(item);
    q.done(item->key, at_ms(100'000));
  }
  CHECK(q.size() == 0);
  CHECK(q.num_requeues("k1") == 0);
}

TEST_CASE("a retry requested while processing is scheduled when the worker is done", "[work_queue]") {
  work_queue_options o;
  o.qps = 0;
  work_queue q(o);
  q.add("k", at_ms(0));
  REQUIRE(q.get(at_ms(0)));
  CHECK(q.add_rate_limited("k", at_ms(1)) == 5ms);  // As the controller does before `done`.
  q.done("k", at_ms(2));
  CHECK(q.next_ready_time() == at_ms(6));
  CHECK_FALSE(q.get(at_ms(5)));
  REQUIRE(q.get(at_ms(6)));
  q.add_after("k", 10s, at_ms(7));  // requeue_after while processing…
  q.add("k", at_ms(8));             // …then a watch event: the earlier time wins.
  q.done("k", at_ms(9));
  CHECK(q.next_ready_time() == at_ms(8));
}

TEST_CASE("busy: a key ready now or being processed, not one scheduled for later", "[work_queue]") {
  work_queue q;
  CHECK_FALSE(q.busy(at_ms(0)));
  q.add_after("later", 50ms, at_ms(0));
  CHECK_FALSE(q.busy(at_ms(10)));   // a requeue_after timer is not work waiting
  CHECK(q.busy(at_ms(50)));
  auto item = q.get(at_ms(50));
  REQUIRE(item);
  CHECK(q.busy(at_ms(51)));         // processing
  q.done("later", at_ms(52));
  CHECK_FALSE(q.busy(at_ms(52)));
}
