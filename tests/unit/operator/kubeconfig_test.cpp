// Client configuration: kubeconfig merging, relative paths, *-data fields, exec plugins, errors naming field and
// file, in-cluster config (IPv6 too), the lookup chain, and ExecCredential parsing.
#include <habop/operator/kubeconfig.hpp>

#include <catch2/catch.hpp>

#include <boost/json/parse.hpp>

#include <map>

using namespace habop::op;

namespace {

struct fake_fs {
  std::map<std::string, std::string> files;
  std::vector<std::string> reads;
  file_reader reader() {
    return [this](const std::string& path) -> habop::result<std::string> {
      reads.push_back(path);
      auto it = files.find(path);
      if (it == files.end()) return habop::error{404, "NotFound", "no such file", {}};
      return it->second;
    };
  }
};

env_lookup env_of(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

// "CA PEM" and "CERT", "KEY" in base64.
constexpr const char* main_config = R"(apiVersion: v1
kind: Config
current-context: dev
clusters:
- name: dev-cluster
  cluster:
    server: https://10.0.0.1:6443/
    certificate-authority-data: Q0EgUEVN
    tls-server-name: kubernetes.default
- name: file-cluster
  cluster:
    server: https://file.example:6443
    certificate-authority: certs/ca.crt
users:
- name: dev-user
  user:
    client-certificate-data: Q0VSVA==
    client-key-data: S0VZ
- name: file-user
  user:
    client-certificate: /abs/client.crt
    client-key: keys/client.key
    tokenFile: token
- name: exec-user
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: ./bin/get-token
      args: [--cluster, dev]
      env:
      - name: REGION
        value: eu
      provideClusterInfo: true
      interactiveMode: Never
contexts:
- name: dev
  context: {cluster: dev-cluster, user: dev-user, namespace: apps}
- name: files
  context: {cluster: file-cluster, user: file-user}
- name: exec
  context: {cluster: dev-cluster, user: exec-user}
)";

}  // namespace

TEST_CASE("the current context's cluster and user are loaded, *-data decoded", "[kubeconfig]") {
  fake_fs fs;
  fs.files["/home/me/.kube/config"] = main_config;
  std::vector<std::string> paths{"/home/me/.kube/config"};
  auto c = load_kubeconfig(paths, std::nullopt, fs.reader());
  REQUIRE(c);
  CHECK(c->server == "https://10.0.0.1:6443");
  CHECK(c->ca_pem == "CA PEM");
  CHECK(c->tls_server_name == "kubernetes.default");
  CHECK(c->client_cert_pem == "CERT");
  CHECK(c->client_key_pem == "KEY");
  CHECK(c->ns == "apps");
  CHECK_FALSE(c->insecure_skip_tls_verify);
  CHECK(c->token.empty());
  CHECK_FALSE(c->exec);
}

TEST_CASE("a repeated key in a kubeconfig keeps its last value, as client-go's lenient decoding does",
          "[kubeconfig]") {
  // Unlike manifests (kubectl rejects a repeated field: habop validate reports it), kubeconfig files are decoded
  // without strictness by client-go: kubectl and the operator must pick the same context.
  fake_fs fs;
  std::string config = main_config;
  config.replace(config.find("current-context: dev\n"), 21, "current-context: files\ncurrent-context: dev\n");
  fs.files["/home/me/.kube/config"] = config;
  std::vector<std::string> paths{"/home/me/.kube/config"};
  auto c = load_kubeconfig(paths, std::nullopt, fs.reader());
  REQUIRE(c);
  CHECK(c->server == "https://10.0.0.1:6443");
  CHECK(c->ns == "apps");
}

TEST_CASE("relative paths resolve against the kubeconfig's directory", "[kubeconfig]") {
  fake_fs fs;
  fs.files["/home/me/.kube/config"] = main_config;
  fs.files["/home/me/.kube/certs/ca.crt"] = "FILE CA";
  fs.files["/abs/client.crt"] = "FILE CERT";
  fs.files["/home/me/.kube/keys/client.key"] = "FILE KEY";
  fs.files["/home/me/.kube/token"] = "tok-123\n";
  std::vector<std::string> paths{"/home/me/.kube/config"};
  auto c = load_kubeconfig(paths, "files", fs.reader());
  REQUIRE(c);
  CHECK(c->ca_pem == "FILE CA");
  CHECK(c->client_cert_pem == "FILE CERT");
  CHECK(c->client_key_pem == "FILE KEY");
  CHECK(c->token == "tok-123");
  CHECK(c->token_file == "/home/me/.kube/token");
  CHECK(c->ns.empty());
}

TEST_CASE("exec plugins are loaded with their command resolved", "[kubeconfig]") {
  fake_fs fs;
  fs.files["/k/config"] = main_config;
  std::vector<std::string> paths{"/k/config"};
  auto c = load_kubeconfig(paths, "exec", fs.reader());
  REQUIRE(c);
  REQUIRE(c->exec);
  CHECK(c->exec->api_version == "client.authentication.k8s.io/v1");
  CHECK(c->exec->command == "/k/./bin/get-token");
  CHECK(c->exec->args == std::vector<std::string>{"--cluster", "dev"});
  CHECK(c->exec->env == std::vector<std::pair<std::string, std::string>>{{"REGION", "eu"}});
  CHECK(c->exec->provide_cluster_info);
  CHECK(c->exec->interactive_mode == "Never");

  auto info = boost::json::parse(exec_info_json(*c)).as_object();
  CHECK(info.at("kind") == "ExecCredential");
  CHECK(info.at("apiVersion") == "client.authentication.k8s.io/v1");
  CHECK(info.at("spec").at("interactive") == false);
  CHECK(info.at("spec").at("cluster").at("server") == "https://10.0.0.1:6443");
  CHECK(info.at("spec").at("cluster").at("certificate-authority-data") == "Q0EgUEVN");
  CHECK(info.at("spec").at("cluster").at("tls-server-name") == "kubernetes.default");
}

TEST_CASE("several files merge first-wins per name; missing ones are skipped", "[kubeconfig]") {
  fake_fs fs;
  fs.files["/a"] = R"(
clusters:
- name: c
  cluster: {server: "https://first:1"}
users:
- name: u
  user: {token: first-token}
contexts:
- name: ctx
  context: {cluster: c, user: u, namespace: from-a}
)";
  fs.files["/b"] = R"(
current-context: ctx
clusters:
- name: c
  cluster: {server: "https://second:2"}
- name: c2
  cluster: {server: "https://only-b:3", insecure-skip-tls-verify: true}
contexts:
- name: ctx
  context: {cluster: c2, user: u}
- name: other
  context: {cluster: c2}
)";
  std::vector<std::string> paths{"/missing", "/a", "/b"};
  auto c = load_kubeconfig(paths, std::nullopt, fs.reader());
  REQUIRE(c);
  CHECK(c->server == "https://first:1");  // Context and cluster from /a, current-context from /b.
  CHECK(c->token == "first-token");
  CHECK(c->ns == "from-a");
  auto other = load_kubeconfig(paths, "other", fs.reader());
  REQUIRE(other);
  CHECK(other->server == "https://only-b:3");
  CHECK(other->insecure_skip_tls_verify);
  CHECK(other->token.empty());  // A context without a user: no credentials.

  std::vector<std::string> none{"/nope", "/nada"};
  auto missing = load_kubeconfig(none, std::nullopt, fs.reader());
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == 404);
}

TEST_CASE("errors name the field and the file", "[kubeconfig]") {
  fake_fs fs;
  auto load = [&](std::string text, std::optional<std::string> ctx = std::nullopt) {
    fs.files["/cfg"] = std::move(text);
    std::vector<std::string> paths{"/cfg"};
    return load_kubeconfig(paths, ctx, fs.reader());
  };
  auto bad_data = load(R"(
current-context: x
clusters: [{name: c, cluster: {server: "https://s"}}]
users: [{name: admin, user: {client-certificate-data: Q0VSVA==, client-key-data: "not base64!"}}]
contexts: [{name: x, context: {cluster: c, user: admin}}]
)");
  REQUIRE_FALSE(bad_data);
  CHECK(bad_data.error().message == "users[admin].user.client-key-data: illegal base64 data (/cfg)");
  CHECK(bad_data.error().causes.at(0).field == "users[admin].user.client-key-data");

  auto missing_file = load(R"(
current-context: x
clusters: [{name: c, cluster: {server: "https://s", certificate-authority: ca.pem}}]
contexts: [{name: x, context: {cluster: c}}]
)");
  REQUIRE_FALSE(missing_file);
  CHECK(missing_file.error().causes.at(0).field == "clusters[c].cluster.certificate-authority");
  CHECK(missing_file.error().message.find("/ca.pem") != std::string::npos);

  auto no_ctx = load("clusters: []\n");
  REQUIRE_FALSE(no_ctx);
  CHECK(no_ctx.error().causes.at(0).field == "current-context");

  auto unknown_ctx = load("current-context: nope\n");
  REQUIRE_FALSE(unknown_ctx);
  CHECK(unknown_ctx.error().message.find("context \"nope\" does not exist") != std::string::npos);

  auto no_cluster = load("contexts: [{name: x, context: {cluster: gone}}]\n", "x");
  REQUIRE_FALSE(no_cluster);
  CHECK(no_cluster.error().causes.at(0).field == "contexts[x].context.cluster");

  auto no_server = load("clusters: [{name: c, cluster: {}}]\ncontexts: [{name: x, context: {cluster: c}}]\n", "x");
  REQUIRE_FALSE(no_server);
  CHECK(no_server.error().causes.at(0).field == "clusters[c].cluster.server");

  auto insecure_and_ca = load(R"(
clusters: [{name: c, cluster: {server: "https://s", insecure-skip-tls-verify: true, certificate-authority-data: Q0E=}}]
contexts: [{name: x, context: {cluster: c}}]
)", "x");
  REQUIRE_FALSE(insecure_and_ca);
  CHECK(insecure_and_ca.error().causes.at(0).field == "clusters[c].cluster.insecure-skip-tls-verify");

  auto half_cert = load(R"(
clusters: [{name: c, cluster: {server: "https://s"}}]
users: [{name: u, user: {client-certificate-data: Q0VSVA==}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
)", "x");
  REQUIRE_FALSE(half_cert);
  CHECK(half_cert.error().causes.at(0).field == "users[u].user.client-key");

  auto exec_no_api = load(R"(
clusters: [{name: c, cluster: {server: "https://s"}}]
users: [{name: u, user: {exec: {command: aws}}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
)", "x");
  REQUIRE_FALSE(exec_no_api);
  CHECK(exec_no_api.error().causes.at(0).field == "users[u].user.exec.apiVersion");

  auto auth_provider = load(R"(
clusters: [{name: c, cluster: {server: "https://s"}}]
users: [{name: u, user: {auth-provider: {name: oidc}}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
)", "x");
  REQUIRE_FALSE(auth_provider);
  CHECK(auth_provider.error().causes.at(0).field == "users[u].user.auth-provider");

  auto not_yaml = load("clusters: [unclosed\n");
  REQUIRE_FALSE(not_yaml);
  CHECK(not_yaml.error().message.find("(/cfg)") != std::string::npos);

  auto bad_list = load("clusters: {a: b}\n");
  REQUIRE_FALSE(bad_list);
  CHECK(bad_list.error().causes.at(0).field == "clusters");
}

TEST_CASE("in-cluster config reads the service account", "[kubeconfig]") {
  fake_fs fs;
  fs.files["/var/run/secrets/kubernetes.io/serviceaccount/token"] = "sa-token\n";
  fs.files["/var/run/secrets/kubernetes.io/serviceaccount/ca.crt"] = "SA CA";
  fs.files["/var/run/secrets/kubernetes.io/serviceaccount/namespace"] = "operators";
  auto c = in_cluster_config(env_of({{"KUBERNETES_SERVICE_HOST", "10.96.0.1"}, {"KUBERNETES_SERVICE_PORT", "443"}}),
                             fs.reader());
  REQUIRE(c);
  CHECK(c->server == "https://10.96.0.1:443");
  CHECK(c->token == "sa-token");
  CHECK(c->token_file == "/var/run/secrets/kubernetes.io/serviceaccount/token");
  CHECK(c->ca_pem == "SA CA");
  CHECK(c->ns == "operators");

  auto v6 = in_cluster_config(env_of({{"KUBERNETES_SERVICE_HOST", "fd00::1"}, {"KUBERNETES_SERVICE_PORT", "443"}}),
                              fs.reader());
  REQUIRE(v6);
  CHECK(v6->server == "https://[fd00::1]:443");

  auto outside = in_cluster_config(env_of({}), fs.reader());
  REQUIRE_FALSE(outside);
  CHECK(outside.error().code == 404);

  fake_fs bare;
  bare.files["/var/run/secrets/kubernetes.io/serviceaccount/token"] = "t";
  auto defaults = in_cluster_config(
      env_of({{"KUBERNETES_SERVICE_HOST", "h"}, {"KUBERNETES_SERVICE_PORT", "1"}, {"POD_NAMESPACE", "from-env"}}),
      bare.reader());
  REQUIRE(defaults);
  CHECK(defaults->ca_pem.empty());
  CHECK(defaults->ns == "from-env");

  fake_fs no_token;
  CHECK_FALSE(in_cluster_config(env_of({{"KUBERNETES_SERVICE_HOST", "h"}, {"KUBERNETES_SERVICE_PORT", "1"}}),
                                no_token.reader()));
}

TEST_CASE("the lookup chain: flag, $KUBECONFIG, in-cluster, ~/.kube/config", "[kubeconfig]") {
  fake_fs fs;
  auto file = [](std::string server) {
    return "current-context: x\nclusters: [{name: c, cluster: {server: \"" + server +
           "\"}}]\ncontexts: [{name: x, context: {cluster: c}}]\n";
  };
  fs.files["/flag"] = file("https://flag");
  fs.files["/env1"] = file("https://env1");
  fs.files["/home/me/.kube/config"] = file("https://home");
  fs.files["/var/run/secrets/kubernetes.io/serviceaccount/token"] = "t";
  auto in_cluster = std::map<std::string, std::string>{
      {"KUBERNETES_SERVICE_HOST", "10.0.0.1"}, {"KUBERNETES_SERVICE_PORT", "443"}, {"HOME", "/home/me"}};

  auto by_flag = load_client_config("/flag", std::nullopt, env_of({{"KUBECONFIG", "/env1"}}), fs.reader());
  REQUIRE(by_flag);
  CHECK(by_flag->server == "https://flag");
  auto flag_missing = load_client_config("/nope", std::nullopt, env_of({}), fs.reader());
  REQUIRE_FALSE(flag_missing);
  CHECK(flag_missing.error().message.find("/nope") != std::string::npos);

  auto by_env = load_client_config("", std::nullopt, env_of({{"KUBECONFIG", "/missing::/env1"}}), fs.reader());
  REQUIRE(by_env);
  CHECK(by_env->server == "https://env1");

  auto by_cluster = load_client_config("", std::nullopt, env_of(in_cluster), fs.reader());
  REQUIRE(by_cluster);
  CHECK(by_cluster->server == "https://10.0.0.1:443");

  auto by_home = load_client_config("", std::nullopt, env_of({{"HOME", "/home/me"}}), fs.reader());
  REQUIRE(by_home);
  CHECK(by_home->server == "https://home");

  CHECK_FALSE(load_client_config("", std::nullopt, env_of({}), fs.reader()));
}

TEST_CASE("ExecCredential output", "[kubeconfig]") {
  auto tok = parse_exec_credential(R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential",
    "status":{"token":"abc","expirationTimestamp":"2024-05-01T10:00:00Z"}})");
  REQUIRE(tok);
  CHECK(tok->token == "abc");
  CHECK(tok->expiration == habop::instant::from_seconds(1'714'557'600));

  auto cert = parse_exec_credential(R"({"kind":"ExecCredential","status":{"clientCertificateData":"C",
    "clientKeyData":"K"}})");
  REQUIRE(cert);
  CHECK(cert->client_cert_pem == "C");
  CHECK_FALSE(cert->expiration);

  auto garbage = parse_exec_credential("secret-token-abc not json");
  REQUIRE_FALSE(garbage);
  CHECK(garbage.error().message.find("secret-token-abc") == std::string::npos);
  CHECK_FALSE(parse_exec_credential(R"({"kind":"ExecCredential"})"));
  CHECK_FALSE(parse_exec_credential(R"({"kind":"ExecCredential","status":{}})"));
  CHECK_FALSE(parse_exec_credential(R"({"kind":"Other","status":{"token":"a"}})"));
  CHECK_FALSE(parse_exec_credential(R"({"status":{"token":"a","expirationTimestamp":"soon"}})"));
  CHECK_FALSE(parse_exec_credential(R"({"status":{"token":"a","clientKeyData":"K"}})"));
}

TEST_CASE("base64", "[kubeconfig]") {
  CHECK(decode_base64("aGVsbG8=") == "hello");
  CHECK(decode_base64("aGVsbG8") == "hello");
  CHECK(decode_base64("aGVs\nbG8=\n") == "hello");
  CHECK(decode_base64("") == "");
  CHECK_FALSE(decode_base64("a"));
  CHECK_FALSE(decode_base64("aGVsbG8=x"));
  CHECK_FALSE(decode_base64("a*b="));
}

TEST_CASE("hostile kubeconfigs and plugin output give errors, never exceptions", "[kubeconfig]") {
  fake_fs fs;
  std::vector<std::string> paths{"/cfg"};
  for (std::string text : {std::string("- a\n- b\n"), std::string("clusters: [1, 2]\n"),
                           std::string("clusters: [{name: 5}]\n"), std::string("contexts: [{name: x, context: 3}]\n"),
                           std::string("current-context: x\ncontexts: [{name: x, context: {cluster: [a]}}]\n"),
                           std::string("current-context: x\nclusters: [{name: c, cluster: {server: 7}}]\n"
                                       "contexts: [{name: x, context: {cluster: c}}]\n"),
                           std::string("current-context: x\nclusters: [{name: c, cluster: {server: s}}]\n"
                                       "users: [{name: u, user: {exec: {apiVersion: v, command: c, env: [1]}}}]\n"
                                       "contexts: [{name: x, context: {cluster: c, user: u}}]\n"),
                           std::string("current-context: x\nclusters: [{name: c, cluster: {server: s}}]\n"
                                       "users: [{name: u, user: {exec: {apiVersion: client.authentication.k8s.io/v1, "
                                       "command: c}}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\n"),
                           std::string("{{{{"), std::string("\x00\xff", 2)}) {
    INFO(text);
    fs.files["/cfg"] = text;
    habop::result<client_config> r = habop::error{};
    REQUIRE_NOTHROW(r = load_kubeconfig(paths, std::nullopt, fs.reader()));
    CHECK_FALSE(r);
  }
  for (auto out : {"", "null", "[]", "{\"status\":[]}", "{\"status\":{\"token\":5}}", "{\"kind\":5,\"status\":{}}"}) {
    INFO(out);
    CHECK_FALSE(parse_exec_credential(out));
  }
}
