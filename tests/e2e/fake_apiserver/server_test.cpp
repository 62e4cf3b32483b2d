// The fake-apiserver as a process and as a library: authentication, TLS files, fault injection, malformed HTTP,
// clean stops, restarts that keep state, dropped watches, and the official Python client.
#include <habop/test_support/fake_apiserver.hpp>

#include <csignal>

#include <habop/fake_apiserver/tls.hpp>

#include "e2e_common.hpp"

using habop::e2e::eventually;
using habop::e2e::with_token;
namespace test = habop::test;

namespace {

std::string port_of(const std::string& address) { return address.substr(address.rfind(':') + 1); }

}  // namespace

TEST_CASE("requests need the bearer token from the kubeconfig", "[e2e][auth]") {
  auto c = habop::e2e::start_cluster("1.32", {"--token", "s3cret"});
  if (!c) return;
  CHECK(test::read_text_file(c->server->kubeconfig_path).find("s3cret") != std::string::npos);
  c->ok({"get", "ns", "default"});
  test::kubectl wrong = c->kubectl;
  wrong.kubeconfig = c->home.write("wrong-kubeconfig", with_token(test::read_text_file(c->kubectl.kubeconfig), "nope"));
  auto r = wrong.run({"get", "configmaps"});
  CHECK_FALSE(r.ok());
  CHECK(r.err.find("Unauthorized") != std::string::npos);
  CHECK(c->server->process->out().find("s3cret") == std::string::npos);  // tokens are never printed
}

TEST_CASE("anonymous mode accepts requests without credentials but still rejects a wrong token", "[e2e][auth]") {
  auto python = test::find_executable("python3");
  if (!python) {
    WARN("SKIPPED: python3 not found");
    return;
  }
  std::string script = std::string(HABOP_E2E_SCRIPT_DIR) + "/raw_http.py";
  const std::string plain = "GET /api/v1/namespaces HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n";
  const std::string wrong =
      "GET /api/v1/namespaces HTTP/1.1\\r\\nHost: x\\r\\nAuthorization: Bearer nope\\r\\n\\r\\n";
  auto anon = test::spawn_apiserver({"--anonymous"});
  REQUIRE(anon);
  std::string port = port_of((*anon)->address);
  CHECK(test::run_process({*python, script, "127.0.0.1", port, plain}).out.rfind("HTTP/1.1 200", 0) == 0);
  CHECK(test::run_process({*python, script, "127.0.0.1", port, wrong}).out.rfind("HTTP/1.1 401", 0) == 0);
  auto closed = test::spawn_apiserver();
  REQUIRE(closed);
  auto r = test::run_process({*python, script, "127.0.0.1", port_of((*closed)->address), plain});
  CHECK(r.out.rfind("HTTP/1.1 401", 0) == 0);
  CHECK(r.out.find("\nHTTP/1.1 200") != std::string::npos);  // /healthz needs no token
}

TEST_CASE("the binary with --authorization-mode=RBAC authorizes --token-user users by stored bindings; the admin stays a superuser",
          "[e2e][auth][rbac]") {
  const std::string& user = habop::e2e::reader_user;
  auto c = habop::e2e::start_rbac_cluster(false);
  if (!c) return;
  test::kubectl reader = habop::e2e::reader_kubectl(*c);
  auto denied = reader.run({"get", "configmaps", "-n", "apps"});
  CHECK_FALSE(denied.ok());
  CHECK(denied.err.find("configmaps is forbidden: User \"" + user + "\" cannot list resource \"configmaps\" in API "
                        "group \"\" in the namespace \"apps\"") != std::string::npos);
  c->ok({"apply", "-f", "-"}, habop::e2e::reader_role_yaml);
  CHECK(reader.run({"get", "configmaps", "-n", "apps"}).ok());
  CHECK_FALSE(reader.run({"get", "configmaps", "-n", "default"}).ok());
  CHECK(c->server->process->out().find("r3ader") == std::string::npos);  // tokens are never printed
}

TEST_CASE("bad --authorization-mode and --token-user values are refused with the flag named", "[e2e][auth]") {
  for (const std::vector<std::string>& args : {std::vector<std::string>{"--authorization-mode=ABAC"},
                                              std::vector<std::string>{"--token-user", "no-equals-sign"},
                                              std::vector<std::string>{"--token-user", "=user"}}) {
    std::vector<std::string> argv{test::fake_apiserver_binary()};
    argv.insert(argv.end(), args.begin(), args.end());
    auto r = test::run_process(argv);
    INFO(r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find(args.front().substr(0, args.front().find('='))) != std::string::npos);
  }
}

TEST_CASE("the server uses the certificate and key given with --cert and --key", "[e2e][tls]") {
  auto material = habop::fake::generate_tls_material();
  REQUIRE(material);
  test::temp_dir dir("habop-certs");
  std::string cert = dir.write("tls.crt", material->server_cert_pem + material->ca_cert_pem);
  std::string key = dir.write("tls.key", material->server_key_pem);
  auto c = habop::e2e::start_cluster("1.32", {"--cert", cert, "--key", key});
  if (!c) return;
  c->ok({"get", "ns", "default"});
}

TEST_CASE("admin faults fail requests with a Status, then clear", "[e2e][faults]") {
  auto c = habop::e2e::start_cluster("1.32", {"--admin"});
  if (!c) return;
  c->ok({"apply", "-f", "-"}, habop::e2e::configmap_yaml);
  std::string rule = c->home.write("rule.json", R"({"verb":"get","resource":"configmaps","code":500,"count":1})");
  c->ok({"create", "--raw", "/admin/faults", "-f", rule});
  CHECK(c->fails({"get", "cm", "demo"}).find("injected fault") != std::string::npos);
  c->ok({"get", "cm", "demo"});  // count was 1
  std::string forever = c->home.write("forever.json", R"({"verb":"list","resource":"configmaps","code":409,"count":-1})");
  c->ok({"create", "--raw", "/admin/faults", "-f", forever});
  CHECK_FALSE(c->kubectl.run({"get", "cm"}).ok());
  c->ok({"delete", "--raw", "/admin/faults"});
  c->ok({"get", "cm"});
  // Without --admin the endpoint does not exist.
  auto plain = habop::e2e::start_cluster("1.32");
  REQUIRE(plain);
  CHECK_FALSE(plain->kubectl.run({"create", "--raw", "/admin/faults", "-f", rule}).ok());
}

TEST_CASE("malformed HTTP gets 400 and an oversized body 413 and the server keeps serving", "[e2e][http]") {
  auto python = test::find_executable("python3");
  if (!python) {
    WARN("SKIPPED: python3 not found");
    return;
  }
  auto srv = test::spawn_apiserver();
  REQUIRE(srv);
  std::string script = std::string(HABOP_E2E_SCRIPT_DIR) + "/raw_http.py";
  std::string port = port_of((*srv)->address);
  auto bad = test::run_process({*python, script, "127.0.0.1", port, "BLAH\\r\\n\\r\\n"});
  INFO(bad.out << bad.err);
  CHECK(bad.out.rfind("HTTP/1.1 400", 0) == 0);
  CHECK(bad.out.find("\nHTTP/1.1 200") != std::string::npos);
  auto big = test::run_process(
      {*python, script, "127.0.0.1", port,
       "POST /api/v1/namespaces/default/configmaps HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: 99999999\\r\\n\\r\\n"});
  INFO(big.out << big.err);
  CHECK(big.out.rfind("HTTP/1.1 413", 0) == 0);
  CHECK(big.out.find("\nHTTP/1.1 200") != std::string::npos);
  CHECK((*srv)->stop() == 0);
}

TEST_CASE("SIGTERM stops the server cleanly while a watch is open", "[e2e][lifecycle]") {
  auto c = habop::e2e::start_cluster("1.32");
  if (!c) return;
  auto watcher = c->kubectl.start({"get", "configmaps", "-w"});
  REQUIRE(watcher);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  CHECK(c->server->stop(std::chrono::seconds(5)) == 0);
  CHECK(watcher->wait(std::chrono::seconds(10)).has_value());
}

TEST_CASE("the in-process server: typed access, restart keeping state, dropped watches, injected faults",
          "[e2e][library]") {
  auto bin = test::find_kubectl("1.32");
  if (!bin) {
    WARN("SKIPPED: kubectl 1.32 is not installed");
    return;
  }
  auto started = test::start_in_process_apiserver();
  REQUIRE(started);
  auto& fake = **started;
  test::temp_dir home("habop-kubectl-home");
  test::kubectl k{.binary = *bin, .kubeconfig = fake.kubeconfig_path, .home = home.path().string(),
                  .timeout = std::chrono::seconds(60)};
  fake.server->with_api([](habop::fake::api_server& api, habop::instant now) {
    auto cm = habop::json::parse_json(R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"lib"}})");
    REQUIRE(api.store().create(habop::fake::resources::configmaps(), "default", cm->as_object(), now));
  });
  CHECK(k.run({"get", "cm", "lib", "-o", "name"}).out == "configmap/lib\n");

  auto watcher = k.start({"get", "configmaps", "-w", "--request-timeout=30s"});
  REQUIRE(watcher);
  REQUIRE(watcher->wait_for_output("lib", std::chrono::seconds(10)));
  std::this_thread::sleep_for(std::chrono::seconds(1));  // the watch request follows the printed list
  fake.server->drop_watches();
  CHECK(watcher->wait(std::chrono::seconds(10)).has_value());

  fake.server->restart_keeping_state();
  CHECK(eventually([&] { return k.run({"get", "cm", "lib", "-o", "name"}).out == "configmap/lib\n"; }));

  fake.server->fault_injector().add(habop::fake::fault_rule{.verb = "get", .resource = "configmaps", .code = 500});
  auto failed = k.run({"get", "cm", "lib"});
  CHECK_FALSE(failed.ok());
  CHECK(failed.err.find("injected fault") != std::string::npos);
  CHECK(k.run({"get", "cm", "lib"}).ok());
  fake.server->stop();
  CHECK(fake.server->connection_count() == 0);
}

TEST_CASE("the Python kubernetes client lists and watches configmaps", "[e2e][python]") {
  if (!test::find_executable("/usr/bin/python3")) {
    WARN("SKIPPED: /usr/bin/python3 not found");
    return;
  }
  auto srv = test::spawn_apiserver();
  REQUIRE(srv);
  auto r = test::run_process({"/usr/bin/python3", std::string(HABOP_E2E_SCRIPT_DIR) + "/python_client_check.py",
                              (*srv)->kubeconfig_path},
                             {}, std::chrono::seconds(60));
  if (r.exit_code == 77) {
    WARN("SKIPPED: " << r.out);
    return;
  }
  INFO(r.out << r.err);
  CHECK(r.ok());
}
