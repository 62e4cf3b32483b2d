// Event correlation: new events POSTed, repeats PATCHed with count+1, similar ones combined, spam dropped.
#include <habop/operator/event_recorder.hpp>

#include <catch2/catch.hpp>

#include <boost/json/parse.hpp>

using namespace habop::op;
using habop::instant;
using habop::reconcile::event;

namespace {

const instant t0 = instant::from_seconds(1'714'557'600);  // 2024-05-01T10:00:00Z
instant at_s(std::int64_t s) { return instant{t0.unix_micros + s * 1'000'000}; }

event make_event(std::string reason, std::string message, std::string name = "web") {
  event e;
  e.type = "Normal";
  e.reason = std::move(reason);
  e.message = std::move(message);
  e.regarding = {"habitat.sh/v1beta1", "Habitat", "habitats", "prod", std::move(name), "uid-1"};
  return e;
}

event_recorder_options options() {
  event_recorder_options o;
  o.host = "op-pod-1";
  return o;
}

boost::json::object body(const habop::http::request& r) { return boost::json::parse(r.body).as_object(); }
std::string str(const boost::json::value& v) { return std::string(v.as_string()); }

}  // namespace

TEST_CASE("a new event is POSTed as client-go writes it", "[event_recorder]") {
  event_recorder rec(options());
  auto w = rec.record(make_event("StatefulSetCreated", "created statefulset web"), t0);
  REQUIRE(w);
  CHECK(w->what == event_write::kind::create);
  CHECK(w->request.method == "POST");
  CHECK(w->request.path == "/api/v1/namespaces/prod/events");
  CHECK(w->name == "web.17cb550d96f24000");  // <name>.<hex unix nanos>
  auto b = body(w->request);
  CHECK(b.at("apiVersion") == "v1");
  CHECK(b.at("kind") == "Event");
  CHECK(str(b.at("metadata").at("name")) == w->name);
  CHECK(b.at("metadata").at("namespace") == "prod");
  CHECK(b.at("involvedObject").at("kind") == "Habitat");
  CHECK(b.at("involvedObject").at("apiVersion") == "habitat.sh/v1beta1");
  CHECK(b.at("involvedObject").at("namespace") == "prod");
  CHECK(b.at("involvedObject").at("uid") == "uid-1");
  CHECK(b.at("reason") == "StatefulSetCreated");
  CHECK(b.at("message") == "created statefulset web");
  CHECK(b.at("type") == "Normal");
  CHECK(b.at("count") == 1);
  CHECK(b.at("source").at("component") == "habitat-operator");
  CHECK(b.at("source").at("host") == "op-pod-1");
  CHECK(b.at("firstTimestamp") == "2024-05-01T10:00:00Z");
  CHECK(b.at("lastTimestamp") == "2024-05-01T10:00:00Z");
  CHECK(b.at("reportingComponent") == "habitat-operator");
  CHECK(b.at("reportingInstance") == "op-pod-1");
}

TEST_CASE("an identical repeat PATCHes the existing event", "[event_recorder]") {
  event_recorder rec(options());
  auto first = rec.record(make_event("ValidationFailed", "bad ring"), t0);
  auto second = rec.record(make_event("ValidationFailed", "bad ring"), at_s(30));
  auto third = rec.record(make_event("ValidationFailed", "bad ring"), at_s(60));
  REQUIRE(first);
  REQUIRE(third);
  CHECK(second->what == event_write::kind::patch);
  CHECK(third->what == event_write::kind::patch);
  CHECK(third->name == first->name);
  CHECK(third->request.method == "PATCH");
  CHECK(third->request.path == "/api/v1/namespaces/prod/events/" + first->name);
  CHECK(third->request.headers ==
        std::vector<std::pair<std::string, std::string>>{{"Content-Type", "application/strategic-merge-patch+json"}});
  auto b = body(third->request);
  CHECK(b.size() == 3);
  CHECK(b.at("count") == 3);
  CHECK(b.at("lastTimestamp") == "2024-05-01T10:01:00Z");
  CHECK(b.at("message") == "bad ring");
  // If the event expired meanwhile (404), the fallback re-creates it with the running count.
  REQUIRE(third->on_not_found);
  auto again = body(*third->on_not_found);
  CHECK(third->on_not_found->method == "POST");
  CHECK(again.at("count") == 3);
  CHECK(again.at("firstTimestamp") == "2024-05-01T10:00:00Z");
  CHECK(str(again.at("metadata").at("name")) == first->name);
}

TEST_CASE("different objects, reasons or messages are different events", "[event_recorder]") {
  event_recorder rec(options());
  auto a = rec.record(make_event("R", "m"), t0);
  auto b = rec.record(make_event("R", "m", "db"), t0);
  auto c = rec.record(make_event("Other", "m"), t0);
  auto d = rec.record(make_event("R", "m2"), t0);
  for (auto* w : {&a, &b, &c, &d}) {
    REQUIRE(*w);
    CHECK((*w)->what == event_write::kind::create);
  }
  CHECK(a->name != c->name);  // Same object, same instant: names still differ.
  auto cluster = make_event("R", "m", "node-1");
  cluster.regarding.ns = "";
  auto e = rec.record(cluster, t0);
  CHECK(e->request.path == "/api/v1/namespaces/default/events");
  CHECK_FALSE(body(e->request).at("involvedObject").as_object().contains("namespace"));
}

TEST_CASE("more than 10 similar events in 10 minutes are combined", "[event_recorder]") {
  event_recorder rec(options());
  for (int i = 0; i < 9; ++i) {
    auto w = rec.record(make_event("PodFailed", "pod " + std::to_string(i) + " failed"), at_s(i));
    REQUIRE(w);
    CHECK(w->what == event_write::kind::create);
    CHECK(str(body(w->request).at("message")) == "pod " + std::to_string(i) + " failed");
  }
  auto tenth = rec.record(make_event("PodFailed", "pod 9 failed"), at_s(9));
  REQUIRE(tenth);
  CHECK(tenth->what == event_write::kind::create);
  CHECK(body(tenth->request).at("message") == "(combined from similar events): pod 9 failed");
  auto eleventh = rec.record(make_event("PodFailed", "pod 10 failed"), at_s(10));
  REQUIRE(eleventh);
  CHECK(eleventh->what == event_write::kind::patch);
  CHECK(eleventh->name == tenth->name);
  CHECK(body(eleventh->request).at("count") == 2);
  CHECK(body(eleventh->request).at("message") == "(combined from similar events): pod 10 failed");
  // After the window the aggregation starts over.
  auto later = rec.record(make_event("PodFailed", "pod 11 failed"), at_s(10 + 601));
  REQUIRE(later);
  CHECK(later->what == event_write::kind::create);
  CHECK(body(later->request).at("message") == "pod 11 failed");
}

TEST_CASE("the spam filter allows a burst of 25 per object, then one per 5 minutes", "[event_recorder]") {
  event_recorder rec(options());
  int sent = 0;
  for (int i = 0; i < 40; ++i) sent += rec.record(make_event("R", "m"), at_s(0)).has_value();
  CHECK(sent == 25);
  CHECK(rec.dropped_total() == 15);
  CHECK(rec.record(make_event("R", "m", "other-object"), at_s(0)));  // Separate bucket per object.
  CHECK_FALSE(rec.record(make_event("R", "m"), at_s(299)));
  CHECK(rec.record(make_event("R", "m"), at_s(301)));
  CHECK_FALSE(rec.record(make_event("R", "m"), at_s(302)));
}

TEST_CASE("memory is bounded by the LRU size", "[event_recorder]") {
  auto o = options();
  o.cache_size = 4;
  event_recorder rec(o);
  auto first = rec.record(make_event("R", "m", "obj-0"), t0);
  for (int i = 1; i < 10; ++i) REQUIRE(rec.record(make_event("R", "m", "obj-" + std::to_string(i)), t0));
  // obj-0 was evicted: its repeat is created anew rather than patched.
  auto again = rec.record(make_event("R", "m", "obj-0"), at_s(1));
  REQUIRE(again);
  CHECK(again->what == event_write::kind::create);
  CHECK(again->name != first->name);
}
