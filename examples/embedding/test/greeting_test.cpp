// The Greeting controller converges against habop's in-process fake-apiserver: reconcile, send the requests through
// the fake's HTTP semantics, observe again, until the plan is empty (the sans-IO convergence loop).
#include <greeting/greeting.hpp>

#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include <habop/fake_apiserver/api_server.hpp>
#include <habop/json/codec.hpp>

namespace {

namespace bj = boost::json;
constexpr habop::instant t0{1'700'000'000'000'000};

/// The fake's answer to one request value, as a status code and parsed body.
struct reply {
  int status = 0;
  bj::value body;
};

reply send(habop::fake::api_server& server, const habop::http::request& r, habop::instant now) {
  habop::fake::request req;
  req.method = r.method;
  req.target = r.target();
  req.headers = r.headers;
  req.body = r.body;
  req.user = "greeting-controller";
  const habop::fake::handled h = server.handle(req, now);
  auto body = habop::json::parse_json(h.head.body);
  return {h.head.status, body ? *body : bj::value()};
}

reply get(habop::fake::api_server& server, std::string path) {
  return send(server, habop::http::request{"GET", std::move(path), {}, {}, {}}, t0);
}

habop::http::request post(std::string path, const bj::object& body) {
  return habop::http::request{"POST", std::move(path), {}, {{"Content-Type", "application/json"}},
                              habop::json::to_json(body)};
}

/// Runs reconcile rounds until one yields no request; returns how many rounds wrote something.
int converge(habop::fake::api_server& server, const std::string& ns, const std::string& name) {
  for (int round = 0; round < 10; ++round) {
    const reply greeting = get(server, "/apis/example.com/v1/namespaces/" + ns + "/greetings/" + name);
    REQUIRE(greeting.status == 200);
    const reply cm = get(server, "/api/v1/namespaces/" + ns + "/configmaps/" + name + "-greeting");
    std::optional<bj::object> observed;
    if (cm.status == 200) observed = cm.body.as_object();
    const auto requests = greeting::reconcile(greeting.body.as_object(), observed,
                                              habop::instant{t0.unix_micros + round * 1'000'000});
    if (requests.empty()) return round;
    for (const auto& r : requests) {
      const reply answer = send(server, r, t0);
      INFO(r.method << " " << r.target() << " -> " << habop::json::to_json(answer.body));
      REQUIRE(answer.status / 100 == 2);
    }
  }
  FAIL("did not converge in 10 rounds");
  return -1;
}

void install(habop::fake::api_server& server) {
  REQUIRE(send(server, post("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", greeting::greeting_crd()),
               t0).status == 201);
  REQUIRE(send(server, post("/api/v1/namespaces", bj::object{{"apiVersion", "v1"}, {"kind", "Namespace"},
                                                           {"metadata", bj::object{{"name", "demo"}}}}),
               t0).status == 201);
}

bj::object make_greeting(std::string_view name, bj::object spec) {
  return bj::object{{"apiVersion", greeting::api_version},
                    {"kind", "Greeting"},
                    {"metadata", bj::object{{"name", name}, {"namespace", "demo"}}},
                    {"spec", std::move(spec)}};
}

std::string message_of(habop::fake::api_server& server, const std::string& cm) {
  const reply r = get(server, "/api/v1/namespaces/demo/configmaps/" + cm);
  REQUIRE(r.status == 200);
  return std::string(r.body.at("data").at("message").as_string());
}

}  // namespace

TEST_CASE("parse_spec defaults the salutation and names missing fields") {
  auto ok = greeting::parse_spec(make_greeting("g", bj::object{{"name", "World"}}));
  REQUIRE(ok);
  CHECK(*ok == greeting::greeting_spec{"World", "Hello"});
  auto bad = greeting::parse_spec(make_greeting("g", bj::object{}));
  REQUIRE_FALSE(bad);
  CHECK(bad.error().causes.at(0).field == "spec.name");
}

TEST_CASE("a Greeting converges to its ConfigMap and Ready condition, then stays quiet") {
  habop::fake::api_server server;
  install(server);
  REQUIRE(send(server, post("/apis/example.com/v1/namespaces/demo/greetings",
                            make_greeting("world", bj::object{{"name", "World"}})), t0).status == 201);
  CHECK(converge(server, "demo", "world") == 1);
  CHECK(message_of(server, "world-greeting") == "Hello, World!");
  const reply g = get(server, "/apis/example.com/v1/namespaces/demo/greetings/world");
  CHECK(g.body.at("status").at("conditions").at(0).at("reason") == "Published");
  CHECK(converge(server, "demo", "world") == 0);

  SECTION("a spec change is carried over with a minimal patch") {
    const habop::http::request edit{"PATCH", "/apis/example.com/v1/namespaces/demo/greetings/world", {},
                                    {{"Content-Type", "application/merge-patch+json"}},
                                    R"({"spec":{"salutation":"Bonjour"}})"};
    REQUIRE(send(server, edit, t0).status == 200);
    CHECK(converge(server, "demo", "world") == 1);
    CHECK(message_of(server, "world-greeting") == "Bonjour, World!");
  }
  SECTION("an edit of the owned data is reverted, other fields are left alone") {
    const habop::http::request edit{"PATCH", "/api/v1/namespaces/demo/configmaps/world-greeting", {},
                                    {{"Content-Type", "application/merge-patch+json"}},
                                    R"({"data":{"message":"bye","note":"mine"}})"};
    REQUIRE(send(server, edit, t0).status == 200);
    CHECK(converge(server, "demo", "world") == 1);
    CHECK(message_of(server, "world-greeting") == "Hello, World!");
    CHECK(get(server, "/api/v1/namespaces/demo/configmaps/world-greeting").body.at("data").at("note") == "mine");
  }
}

TEST_CASE("an invalid Greeting gets Ready=False InvalidSpec and no ConfigMap") {
  habop::fake::api_server server;
  install(server);
  REQUIRE(send(server, post("/apis/example.com/v1/namespaces/demo/greetings", make_greeting("nobody", bj::object{})),
               t0).status == 201);
  CHECK(converge(server, "demo", "nobody") == 1);
  CHECK(get(server, "/api/v1/namespaces/demo/configmaps/nobody-greeting").status == 404);
  const reply g = get(server, "/apis/example.com/v1/namespaces/demo/greetings/nobody");
  const bj::value& ready = g.body.at("status").at("conditions").at(0);
  CHECK(ready.at("status") == "False");
  CHECK(ready.at("reason") == "InvalidSpec");
}
