// The Greeting CRD served by habop's fake-apiserver over HTTPS (habop::fake_apiserver): what a test of a client that
// speaks HTTPS, or of kubectl, starts instead of the in-process api_server.
#include <greeting/greeting.hpp>

#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include <habop/fake_apiserver/server.hpp>
#include <habop/json/codec.hpp>

TEST_CASE("the HTTPS fake serves the Greeting CRD on a free port, with a kubeconfig for clients") {
  auto started = habop::fake::server::start({});
  REQUIRE(started);
  habop::fake::server& server = **started;
  CHECK(server.port() != 0);
  CHECK(server.kubeconfig().find("server: \"" + server.address() + "\"") != std::string::npos);

  int created = 0;
  bool served = false;
  server.with_api([&](habop::fake::api_server& api, habop::instant now) {
    habop::fake::request post;
    post.method = "POST";
    post.target = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";
    post.headers = {{"Content-Type", "application/json"}};
    post.body = habop::json::to_json(greeting::greeting_crd());
    post.user = "greeting-controller";
    created = api.handle(post, now).head.status;
    served = api.store().serves({"example.com", "v1", "greetings"});
  });
  CHECK(created == 201);
  CHECK(served);
  server.stop();
}
