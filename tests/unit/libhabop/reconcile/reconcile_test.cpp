#include <habop/reconcile/reconcile.hpp>

#include "fixtures.hpp"

#include <habop/reconcile/owned.hpp>

#include <catch2/catch.hpp>

#include <boost/json/serialize.hpp>

namespace bj = boost::json;
using namespace habop;
using namespace habop::reconcile;
using habop::test::habitat;

namespace {
const instant now = instant::from_seconds(1'700'000'000);

snapshot alone(const bj::object& h) {
  snapshot s;
  s.habitats.push_back(share(h));
  return s;
}
}  // namespace

TEST_CASE("In an empty cluster the plan creates the Service, the peer ConfigMap, then the StatefulSet") {
  auto h = habitat("redis");
  plan p = reconcile::reconcile(h, alone(h), now);
  REQUIRE(p.operations.size() == 3);
  const auto& svc = std::get<create_object>(p.operations[0]);
  const auto& cm = std::get<create_object>(p.operations[1]);
  const auto& sts = std::get<create_object>(p.operations[2]);
  CHECK(svc.target.kind == "Service");
  CHECK(cm.target.kind == "ConfigMap");
  CHECK(cm.target.name == "peer-watch-file");
  CHECK(sts.target.kind == "StatefulSet");
  CHECK(sts.target.ns == "ns");
  CHECK(sts.body.at("metadata").at("annotations").at(annotation_rendered_hash).is_string());
  REQUIRE(p.events.size() == 3);
  CHECK(p.events[0].reason == "ServiceCreated");
  CHECK(p.events[1].reason == "ConfigMapCreated");
  CHECK(p.events[1].message == "Created peer IP ConfigMap");
  CHECK(p.events[2].reason == "StatefulSetCreated");
  CHECK(p.events[2].message == "Created StatefulSet");
  CHECK(p.events[2].regarding == habitat_ref(h));
  REQUIRE(p.status);
  CHECK(p.status->at("observedGeneration") == 1);
  CHECK_FALSE(p.terminal);
  CHECK_FALSE(p.requeue_after);
}

TEST_CASE("A new Habitat's status is written once: the plan that creates the StatefulSet says what comes next") {
  auto h = habitat("redis");
  plan first = reconcile::reconcile(h, alone(h), now);
  REQUIRE(first.status);
  CHECK(first.status->at("message") == "updating the StatefulSet, 0/1 members ready");

  // The next reconcile sees the objects as the API server stored them, the StatefulSet without a status yet.
  h["status"] = *first.status;
  snapshot created = alone(h);
  auto stored = [](const create_object& c) {
    bj::object o = c.body;
    bj::object& meta = o["metadata"].as_object();
    meta["uid"] = "uid-" + c.target.name;
    meta["generation"] = 1;
    return share(o);
  };
  for (const auto& op : first.operations) {
    const auto& c = std::get<create_object>(op);
    if (c.target.kind == "StatefulSet") created.stateful_set = stored(c);
    if (c.target.kind == "Service") created.service = stored(c);
    if (c.target.kind == "ConfigMap") created.config_maps.push_back(stored(c));
  }
  plan next = reconcile::reconcile(h, created, instant::from_seconds(1'700'000'001));
  CHECK(next.operations.empty());
  CHECK_FALSE(next.status);
}

TEST_CASE("Reconcile is deterministic: the same inputs give the same plan") {
  auto h = test::typical_habitat("t");
  snapshot s = alone(h);
  s.secret_names = std::set<std::string>{"user-toml", "prod-ring-20170829113029"};
  CHECK(reconcile::reconcile(h, s, now) == reconcile::reconcile(h, s, now));
}

TEST_CASE("A Habitat being deleted gives an empty plan") {
  auto h = habitat("redis", R"({"metadata":{"deletionTimestamp":"2024-01-01T00:00:00Z"}})");
  CHECK(reconcile::reconcile(h, alone(h), now).empty());
}

TEST_CASE("An unparsable Habitat still gets a terminal plan with a status and one event, and no writes") {
  bj::object h = habitat("redis");
  h["spec"] = "not an object";
  plan p = reconcile::reconcile(h, alone(h), now);
  CHECK(p.terminal);
  CHECK(p.operations.empty());
  REQUIRE(p.events.size() == 1);
  CHECK(p.events[0].reason == "ValidationFailed");
  CHECK(p.events[0].message.rfind("Failed validating Habitat", 0) == 0);
  REQUIRE(p.status);
  CHECK(p.status->at("state") == "Invalid");
}

TEST_CASE("A missing Secret blocks only the StatefulSet when the caller watches Secrets") {
  auto h = habitat("redis", R"({"spec":{"v1beta2":{"service":{"ringSecretName":"r-20170829113029"}}}})");
  snapshot s = alone(h);
  CHECK(reconcile::reconcile(h, s, now).operations.size() == 3);   // not watched: not checked

  s.secret_names = std::set<std::string>{"user-toml"};
  plan p = reconcile::reconcile(h, s, now);
  REQUIRE(p.operations.size() == 2);
  for (const auto& op : p.operations) CHECK(std::get<create_object>(op).target.kind != "StatefulSet");
  CHECK(std::any_of(p.events.begin(), p.events.end(), [](auto& e) {
    return e.reason == "SecretNotFound" && e.type == "Warning" && e.message.find("ringSecretName") != std::string::npos;
  }));
}

TEST_CASE("A missing ServiceAccount blocks the StatefulSet when the caller watches ServiceAccounts") {
  auto h = habitat("redis", R"({"spec":{"v1beta2":{"serviceAccountName":"redis-sa"}}})");
  auto creates_stateful_set = [](const plan& p) {
    return std::any_of(p.operations.begin(), p.operations.end(), [](const operation& op) {
      return std::get<create_object>(op).target.kind == "StatefulSet";
    });
  };
  snapshot s = alone(h);
  CHECK(creates_stateful_set(reconcile::reconcile(h, s, now)));   // not watched: not checked

  s.service_account_names = std::set<std::string>{"default", "other"};
  plan p = reconcile::reconcile(h, s, now);
  CHECK_FALSE(creates_stateful_set(p));
  CHECK(p.operations.size() == 2);   // the Service and the peer ConfigMap still
  CHECK(std::any_of(p.events.begin(), p.events.end(), [](auto& e) {
    return e.reason == "ServiceAccountNotFound" && e.type == "Warning" &&
           e.message.find("spec.v1beta2.serviceAccountName") != std::string::npos;
  }));
  REQUIRE(p.status);
  CHECK(bj::serialize(*p.status).find("ServiceAccountNotFound") != std::string::npos);

  s.service_account_names->insert("redis-sa");
  CHECK(creates_stateful_set(reconcile::reconcile(h, s, now)));
  // `default` always exists (the ServiceAccount controller keeps it), even before a cache has seen it.
  auto d = habitat("redis", R"({"spec":{"v1beta2":{"serviceAccountName":"default"}}})");
  snapshot empty = alone(d);
  empty.service_account_names = std::set<std::string>{};
  CHECK(creates_stateful_set(reconcile::reconcile(d, empty, now)));
}

TEST_CASE("Malformed Habitats and observed objects give a plan, never an exception") {
  const char* habitats[] = {R"({})", R"({"metadata":"x"})", R"({"metadata":{"generation":"1"},"spec":null})",
                            R"({"customVersion":7,"spec":{"v1beta2":[]}})", R"({"status":[1,2]})"};
  for (const char* text : habitats) {
    INFO(text);
    bj::object h = bj::parse(text).as_object();
    CHECK_NOTHROW(reconcile::reconcile(h, alone(h), now));
    CHECK(reconcile::reconcile(h, alone(h), now).terminal);
  }
  auto h = habitat("redis");
  snapshot s = alone(h);
  s.habitats.push_back(share(bj::parse(R"({"metadata":7,"spec":{"v1beta2":{"service":"x"}}})").as_object()));
  s.stateful_set =
      share(bj::parse(R"({"metadata":{"ownerReferences":"x"},"spec":[],"status":{"replicas":"3"}})").as_object());
  s.service = share(bj::parse(R"({"spec":{"clusterIP":5,"selector":[]}})").as_object());
  s.config_maps = {share(bj::parse(R"({"metadata":{"name":"peer-watch-file"},"data":{"peer-watch-file":3}})").as_object())};
  s.pods = {share(bj::parse(R"({"metadata":{"labels":{"habitat-name":"redis"}},"status":{"phase":"Running","conditions":"x"}})")
                      .as_object()),
            share(bj::parse(R"({"metadata":null,"status":7})").as_object())};
  plan p;
  CHECK_NOTHROW(p = reconcile::reconcile(h, s, now));
  CHECK_FALSE(p.terminal);
}
