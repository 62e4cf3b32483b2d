// The operator's HTTPS client against the fake-apiserver over TLS: verification, tokens, errors, watches.
#include <habop/operator/client.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <thread>

#include <habop/fake_apiserver/faults.hpp>
#include <habop/json/codec.hpp>
#include <habop/test_support/fake_apiserver.hpp>

using namespace std::chrono_literals;
using habop::op::client;
using habop::op::client_config;

namespace {

struct server_fixture {
  std::unique_ptr<habop::test::in_process_apiserver> api;
  explicit server_fixture(habop::fake::server_config server = {}) {
    auto started = habop::test::start_in_process_apiserver(std::move(server));
    REQUIRE(started);
    api = std::move(*started);
  }
  client_config config() const {
    client_config c;
    c.server = api->server->address();
    c.ca_pem = api->server->ca_pem();
    c.token = api->server->token();
    return c;
  }
};

habop::http::request get(std::string path) { return habop::http::request{"GET", std::move(path), {}, {}, {}}; }

}  // namespace

TEST_CASE("the client verifies the server certificate against the kubeconfig CA", "[client]") {
  server_fixture f;
  auto ok = client::create(f.config());
  REQUIRE(ok);
  auto r = (*ok)->send(get("/version"));
  REQUIRE(r);
  CHECK(r->status == 200);

  auto other = habop::test::start_in_process_apiserver({});
  REQUIRE(other);
  auto wrong_ca = f.config();
  wrong_ca.ca_pem = (*other)->server->ca_pem();
  auto c = client::create(wrong_ca);
  REQUIRE(c);
  auto failed = (*c)->send(get("/version"));
  REQUIRE_FALSE(failed);
  CHECK(failed.error().code == habop::op::transport_error_code);
  CHECK(failed.error().message.find("handshake") != std::string::npos);
  // OpenSSL's verdict says which check failed.
  INFO(failed.error().message);
  CHECK(failed.error().message.find("unable to get local issuer certificate") != std::string::npos);

  auto wrong_name = f.config();
  wrong_name.tls_server_name = "not-the-server.example";
  auto mismatch = (*client::create(wrong_name))->send(get("/version"));
  REQUIRE_FALSE(mismatch);
  INFO(mismatch.error().message);
  CHECK(mismatch.error().message.find("hostname mismatch") != std::string::npos);
  auto wrong_ip = f.config();
  wrong_ip.tls_server_name = "127.0.0.2";   // an IP literal is checked against the certificate's IP addresses
  auto ip_mismatch = (*client::create(wrong_ip))->send(get("/version"));
  REQUIRE_FALSE(ip_mismatch);
  INFO(ip_mismatch.error().message);
  CHECK(ip_mismatch.error().message.find("IP address mismatch") != std::string::npos);
  auto right_name = f.config();
  right_name.tls_server_name = "localhost";
  CHECK((*client::create(right_name))->send(get("/version")));

  auto insecure = f.config();
  insecure.ca_pem = (*other)->server->ca_pem();
  insecure.insecure_skip_tls_verify = true;
  CHECK((*client::create(insecure))->send(get("/version")));
}

TEST_CASE("a rotated token file is re-read after a 401", "[client]") {
  server_fixture f;
  habop::test::temp_dir dir;
  const std::string token_path = dir.write("token", "stale-token\n");
  auto config = f.config();
  config.token = "";
  config.token_file = token_path;
  auto c = client::create(config);
  REQUIRE(c);
  auto first = (*c)->send(get("/api/v1/namespaces"));
  REQUIRE(first);
  CHECK(first->status == 401);
  CHECK(habop::op::to_error(*first).reason == "Unauthorized");
  dir.write("token", f.api->server->token());
  auto second = (*c)->send(get("/api/v1/namespaces"));
  REQUIRE(second);
  CHECK(second->status == 200);
}

TEST_CASE("Status replies become errors with code, reason and Retry-After", "[client]") {
  server_fixture f;
  auto c = client::create(f.config());
  REQUIRE(c);
  auto missing = (*c)->send(get("/api/v1/namespaces/default/configmaps/nope"));
  REQUIRE(missing);
  const auto e = habop::op::to_error(*missing);
  CHECK(e.code == 404);
  CHECK(e.reason == "NotFound");
  CHECK(e.message.find("nope") != std::string::npos);

  f.api->server->fault_injector().add({"get", "configmaps", "", "", 429, 1, 0, 7, ""});
  auto limited = (*c)->send(get("/api/v1/namespaces/default/configmaps/nope"));
  REQUIRE(limited);
  CHECK(limited->status == 429);
  CHECK(habop::op::retry_after(*limited) == std::chrono::seconds(7));
  CHECK(habop::op::to_error(habop::op::response{502, {}, "not json at all"}).code == 502);
}

TEST_CASE("a watch streams one JSON event per line until cancelled", "[client]") {
  server_fixture f;
  auto c = client::create(f.config());
  REQUIRE(c);
  std::atomic<int> added{0};
  std::thread watcher([&] {
    auto s = (*c)->watch(habop::http::request{"GET", "/api/v1/namespaces/default/configmaps",
                                              {{"watch", "true"}, {"timeoutSeconds", "30"}}, {}, {}},
                         [&](std::string_view line) {
                           if (line.find("\"ADDED\"") != std::string_view::npos) ++added;
                           return true;
                         });
    CHECK_FALSE(s);
  });
  std::this_thread::sleep_for(200ms);
  for (int i = 0; i < 3; ++i) {
    auto r = (*c)->send(habop::http::request{
        "POST", "/api/v1/namespaces/default/configmaps", {}, {{"Content-Type", "application/json"}},
        R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm)" + std::to_string(i) + R"("}})"});
    REQUIRE(r);
    CHECK(r->status == 201);
  }
  for (int i = 0; i < 100 && added < 3; ++i) std::this_thread::sleep_for(20ms);
  CHECK(added == 3);
  (*c)->cancel_watches();
  watcher.join();
}

namespace {

/// An exec credential plugin (a shell script) that prints `credential.json` and appends a line to `runs` each time.
struct exec_plugin {
  habop::test::temp_dir dir{"habop-exec"};
  std::string script = dir.write("plugin.sh",
                                 "#!/bin/sh\n"
                                 "echo run >> \"$PLUGIN_DIR/runs\"\n"
                                 "printf '%s' \"$KUBERNETES_EXEC_INFO\" > \"$PLUGIN_DIR/exec-info\"\n"
                                 "cat \"$PLUGIN_DIR/credential.json\"\n");
  void prints(const std::string& token, const std::string& expiration) const {
    dir.write("credential.json", R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential",)"
                                 R"("status":{"token":")" + token + R"(","expirationTimestamp":")" + expiration +
                                     R"("}})");
  }
  int runs() const {
    const std::string text = habop::test::read_text_file(dir.file("runs"));
    return static_cast<int>(std::count(text.begin(), text.end(), '\n'));
  }
  habop::op::exec_config config() const {
    habop::op::exec_config e;
    e.api_version = "client.authentication.k8s.io/v1";
    e.command = "/bin/sh";
    e.args = {script};
    e.env = {{"PLUGIN_DIR", dir.path().string()}};
    return e;
  }
};

}  // namespace

TEST_CASE("an exec plugin's token is used, cached until it expires, and re-fetched after a 401", "[client]") {
  server_fixture f;
  exec_plugin plugin;
  auto config = f.config();
  config.token = "";
  config.exec = plugin.config();

  // The first credential is wrong but valid for years: cached, used, rejected; the 401 runs the plugin again.
  plugin.prints("not-the-token", "2099-01-01T00:00:00Z");
  auto c = client::create(config);
  REQUIRE(c);
  CHECK(plugin.runs() == 1);
  CHECK(habop::test::read_text_file(plugin.dir.file("exec-info")).find("\"ExecCredential\"") != std::string::npos);
  plugin.prints(f.api->server->token(), "2099-01-01T00:00:00Z");
  auto first = (*c)->send(get("/api/v1/namespaces"));
  REQUIRE(first);
  CHECK(first->status == 200);
  CHECK(plugin.runs() == 2);
  // Cached until its expirationTimestamp: no more runs.
  for (int i = 0; i < 3; ++i) CHECK((*c)->send(get("/api/v1/namespaces"))->status == 200);
  CHECK(plugin.runs() == 2);

  // An expired credential is fetched again before the next request (and this one expired already).
  plugin.prints(f.api->server->token(), "2001-01-01T00:00:00Z");
  auto expiring = client::create(config);
  REQUIRE(expiring);
  CHECK(plugin.runs() == 3);
  CHECK((*expiring)->send(get("/api/v1/namespaces"))->status == 200);
  CHECK(plugin.runs() == 4);
  CHECK((*expiring)->send(get("/api/v1/namespaces"))->status == 200);
  CHECK(plugin.runs() == 5);

  // Garbage from the plugin fails client creation with an error naming the command, never quoting the output.
  plugin.dir.write("credential.json", "secret-output not json");
  auto broken = client::create(config);
  REQUIRE_FALSE(broken);
  CHECK(broken.error().message.find("secret-output") == std::string::npos);
  CHECK(broken.error().message.find("/bin/sh") != std::string::npos);
}

TEST_CASE("a write that times out on a reused connection is not sent again", "[client]") {
  server_fixture f;
  habop::op::client_options options;
  options.request_timeout = 300ms;
  auto c = client::create(f.config(), options);
  REQUIRE(c);
  REQUIRE((*c)->send(get("/api/v1/namespaces/default/configmaps")));   // leaves a keep-alive connection
  f.api->server->fault_injector().add({"create", "configmaps", "", "", 0, 1, 1000, 1, ""});
  habop::http::request post{"POST", "/api/v1/namespaces/default/configmaps", {},
                            {{"Content-Type", "application/json"}},
                            R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"once"}})"};
  const auto started = std::chrono::steady_clock::now();
  auto r = (*c)->send(post);
  // The timeout is the caller's answer (a resend would have waited again, and its create answered 201 or 409).
  CHECK_FALSE(r);
  CHECK(std::chrono::steady_clock::now() - started < 900ms);
  std::this_thread::sleep_for(1500ms);   // the delayed create lands
  auto created = (*c)->send(get("/api/v1/namespaces/default/configmaps/once"));
  REQUIRE(created);
  CHECK(created->status == 200);
  CHECK(f.api->server->fault_injector().rules().empty());
}

namespace {

habop::fake::fault_rule wire_fault(std::string verb, habop::fake::fault_kind kind, int count = 1) {
  habop::fake::fault_rule rule;
  rule.verb = std::move(verb);
  rule.resource = "configmaps";
  rule.count = count;
  rule.kind = kind;
  return rule;
}

}  // namespace

TEST_CASE("a reset or a truncated reply is an error naming it, on a fresh or a reused connection", "[client][faults]") {
  server_fixture f;
  auto& faults = f.api->server->fault_injector();
  const auto list = get("/api/v1/namespaces/default/configmaps");
  for (const bool reused : {false, true}) {
    INFO((reused ? "reused" : "fresh") << " connection");
    auto c = client::create(f.config());
    REQUIRE(c);
    if (reused) REQUIRE((*c)->send(list));   // leaves a keep-alive connection

    // A reused connection closed before any byte of the reply looks like one the server closed while idle: the
    // request goes again on a fresh connection, which the second reset meets.
    faults.add(wire_fault("list", habop::fake::fault_kind::reset, reused ? 2 : 1));
    auto reset = (*c)->send(list);
    REQUIRE_FALSE(reset);
    CHECK(reset.error().code == habop::op::transport_error_code);
    INFO(reset.error().message);
    CHECK(reset.error().message.find("reading reply") != std::string::npos);
    CHECK(reset.error().message.find("reset") != std::string::npos);
    CHECK(faults.rules().empty());
    CHECK((*c)->send(list)->status == 200);

    faults.add(wire_fault("list", habop::fake::fault_kind::truncate));
    auto cut = (*c)->send(list);
    REQUIRE_FALSE(cut);
    CHECK(cut.error().code == habop::op::transport_error_code);
    INFO(cut.error().message);
    CHECK(cut.error().message.find("truncated") != std::string::npos);
    CHECK((*c)->send(list)->status == 200);
  }
}

TEST_CASE("a write is never sent twice: a pooled connection the server closed is not used, and a write that met "
          "a reset is not resent",
          "[client][faults]") {
  habop::fake::server_config closes_idle;
  closes_idle.idle_timeout_ms = 200;
  server_fixture f(std::move(closes_idle));
  auto& faults = f.api->server->fault_injector();
  auto c = client::create(f.config());
  REQUIRE(c);
  const std::string configmaps = "/api/v1/namespaces/default/configmaps";
  auto create = [&](std::string name) {
    return habop::http::request{"POST", configmaps, {}, {},
                                R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":")" + name + R"("}})"};
  };

  REQUIRE((*c)->send(get(configmaps)));   // leaves a keep-alive connection in the pool
  std::this_thread::sleep_for(700ms);     // which the server closes after 200 ms idle
  auto created = (*c)->send(create("after-idle-close"));
  REQUIRE(created);
  CHECK(created->status == 201);

  // Reused connection, reset as the create arrives: the client cannot know whether it was applied, so it says so
  // instead of sending it again (a read is sent again: the test above).
  faults.add(wire_fault("create", habop::fake::fault_kind::reset));
  auto reset = (*c)->send(create("reset"));
  REQUIRE_FALSE(reset);
  INFO(reset.error().message);
  CHECK(reset.error().message.find("reading reply") != std::string::npos);
  CHECK(faults.rules().empty());
  CHECK((*c)->send(get(configmaps + "/reset"))->status == 404);
  CHECK((*c)->send(create("reset"))->status == 201);
}

TEST_CASE("a malformed body comes back as sent, for the caller to reject", "[client][faults]") {
  server_fixture f;
  auto c = client::create(f.config());
  REQUIRE(c);
  auto rule = wire_fault("list", habop::fake::fault_kind::malformed);
  f.api->server->fault_injector().add(rule);
  auto r = (*c)->send(get("/api/v1/namespaces/default/configmaps"));
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK_FALSE(habop::json::parse_json(r->body));
  CHECK((*c)->send(get("/api/v1/namespaces/default/configmaps"))->status == 200);   // on the same connection
}

TEST_CASE("a watch that is reset, cut mid-line or sent a malformed line", "[client][faults]") {
  server_fixture f;
  auto& faults = f.api->server->fault_injector();
  auto c = client::create(f.config());
  REQUIRE(c);
  const habop::http::request watch{"GET", "/api/v1/namespaces/default/configmaps",
                                   {{"watch", "true"}, {"timeoutSeconds", "1"}}, {}, {}};
  std::vector<std::string> lines;
  auto collect = [&](std::string_view line) {
    lines.emplace_back(line);
    return true;
  };

  faults.add(wire_fault("watch", habop::fake::fault_kind::reset));
  auto reset = (*c)->watch(watch, collect);
  REQUIRE_FALSE(reset);
  INFO(reset.error().message);
  CHECK(reset.error().code == habop::op::transport_error_code);
  CHECK(reset.error().message.find("reading watch reply") != std::string::npos);
  CHECK(lines.empty());

  faults.add(wire_fault("watch", habop::fake::fault_kind::truncate));
  auto cut = (*c)->watch(watch, collect);
  REQUIRE_FALSE(cut);
  INFO(cut.error().message);
  CHECK(cut.error().message.find("watch stream") != std::string::npos);
  CHECK(cut.error().message.find("truncated") != std::string::npos);
  CHECK(lines.empty());   // half a line is never handed over

  faults.add(wire_fault("watch", habop::fake::fault_kind::malformed));
  CHECK((*c)->watch(watch, collect));   // the stream itself is sound; the line is the caller's to reject
  REQUIRE(lines.size() == 1);
  CHECK_FALSE(habop::json::parse_json(lines[0]));
  lines.clear();
  CHECK((*c)->watch(watch, collect));
  CHECK(faults.rules().empty());

  // A caller that rejects a line ends the stream there, not when the server ends it.
  faults.add(wire_fault("watch", habop::fake::fault_kind::malformed));
  const habop::http::request long_watch{"GET", "/api/v1/namespaces/default/configmaps",
                                        {{"watch", "true"}, {"timeoutSeconds", "30"}}, {}, {}};
  const auto started = std::chrono::steady_clock::now();
  CHECK((*c)->watch(long_watch, [](std::string_view) { return false; }));
  CHECK(std::chrono::steady_clock::now() - started < 10s);
}
