// The other ways to get a client_config: in-cluster service accounts, the lookup chain, and exec plugin output.
#include <habop/operator/kubeconfig.hpp>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <habop/json/codec.hpp>

namespace habop::op {
namespace {

error bad(std::string field, std::string message) {
  error e;
  e.code = 400;
  e.reason = "BadRequest";
  e.message = field + ": " + message;
  e.causes.push_back(field_cause{std::move(field), "FieldValueInvalid", std::move(message)});
  return e;
}

std::string trim(std::string s) {
  auto ws = [](char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; };
  while (!s.empty() && ws(s.back())) s.pop_back();
  std::size_t i = 0;
  while (i < s.size() && ws(s[i])) ++i;
  return s.substr(i);
}

std::string encode_base64(std::string_view in) {
  static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  for (std::size_t i = 0; i < in.size(); i += 3) {
    std::uint32_t n = static_cast<unsigned char>(in[i]) << 16;
    if (i + 1 < in.size()) n |= static_cast<unsigned char>(in[i + 1]) << 8;
    if (i + 2 < in.size()) n |= static_cast<unsigned char>(in[i + 2]);
    out += alphabet[(n >> 18) & 63];
    out += alphabet[(n >> 12) & 63];
    out += i + 1 < in.size() ? alphabet[(n >> 6) & 63] : '=';
    out += i + 2 < in.size() ? alphabet[n & 63] : '=';
  }
  return out;
}

}  // namespace

std::optional<std::string> decode_base64(std::string_view text) {
  std::string out;
  out.reserve(text.size() / 4 * 3);
  std::uint32_t acc = 0;
  int bits = 0;
  std::size_t symbols = 0, padding = 0;
  for (char c : text) {
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    if (c == '=') {
      ++padding;
      continue;
    }
    if (padding) return std::nullopt;  // Data after padding.
    int v = c >= 'A' && c <= 'Z' ? c - 'A' : c >= 'a' && c <= 'z' ? c - 'a' + 26 : c >= '0' && c <= '9' ? c - '0' + 52
          : c == '+' ? 62 : c == '/' ? 63 : -1;
    if (v < 0) return std::nullopt;
    ++symbols;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  if (symbols % 4 == 1 || padding > 2 || (padding && (symbols + padding) % 4 != 0)) return std::nullopt;
  return out;
}

result<client_config> in_cluster_config(const env_lookup& env, const file_reader& read) {
  auto host = env("KUBERNETES_SERVICE_HOST");
  auto port = env("KUBERNETES_SERVICE_PORT");
  if (!host || host->empty() || !port || port->empty()) {
    return error{404, "NotFound",
                 "not running in a cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set", {}};
  }
  client_config out;
  // An IPv6 service address needs brackets in a URL (net.JoinHostPort); an already bracketed one keeps them.
  std::string h = host->find(':') != std::string::npos && host->front() != '[' ? "[" + *host + "]" : *host;
  out.server = "https://" + h + ":" + *port;
  const std::string dir(service_account_dir);
  auto token = read(dir + "/token");
  if (!token) return bad(dir + "/token", "cannot read the service account token: " + token.error().message);
  out.token = trim(std::move(*token));
  out.token_file = dir + "/token";
  // Like client-go, a missing CA is not fatal: the system roots are used instead.
  if (auto ca = read(dir + "/ca.crt")) out.ca_pem = std::move(*ca);
  else if (ca.error().code != 404) return bad(dir + "/ca.crt", "cannot read the CA: " + ca.error().message);
  if (auto pod_ns = env("POD_NAMESPACE"); pod_ns && !pod_ns->empty()) {
    out.ns = *pod_ns;
  } else if (auto ns = read(dir + "/namespace"); ns && !trim(*ns).empty()) {
    out.ns = trim(std::move(*ns));
  } else {
    out.ns = "default";
  }
  return out;
}

result<client_config> load_client_config(std::string_view kubeconfig_flag, std::optional<std::string> context,
                                         const env_lookup& env, const file_reader& read) {
  if (!kubeconfig_flag.empty()) {
    std::string path(kubeconfig_flag);
    auto r = load_kubeconfig(std::span<const std::string>(&path, 1), context, read);
    if (!r && r.error().code == 404) return error{404, "NotFound", "--kubeconfig \"" + path + "\" does not exist", {}};
    return r;
  }
  if (auto list = env("KUBECONFIG"); list && !list->empty()) {
    std::vector<std::string> paths;
    std::size_t start = 0;
    while (start <= list->size()) {
      auto colon = list->find(':', start);
      if (colon == std::string::npos) colon = list->size();
      std::string p = list->substr(start, colon - start);
      bool seen = false;
      for (const auto& q : paths) seen = seen || q == p;
      if (!p.empty() && !seen) paths.push_back(std::move(p));
      start = colon + 1;
    }
    return load_kubeconfig(paths, context, read);
  }
  if (auto host = env("KUBERNETES_SERVICE_HOST"); host && !host->empty()) return in_cluster_config(env, read);
  auto home = env("HOME");
  if (!home || home->empty()) {
    return error{404, "NotFound", "no configuration: no --kubeconfig, $KUBECONFIG, in-cluster environment or $HOME", {}};
  }
  std::string path = *home + "/.kube/config";
  return load_kubeconfig(std::span<const std::string>(&path, 1), context, read);
}

result<exec_credential> parse_exec_credential(std::string_view stdout_json) {
  auto parsed = json::parse_json(stdout_json);
  // The parser's message is not repeated: it could quote the plugin's output, which holds the credential.
  if (!parsed) return bad("ExecCredential", "the exec plugin's output is not valid JSON");
  if (!parsed->is_object()) return bad("ExecCredential", "the exec plugin's output must be a JSON object");
  const auto& root = parsed->get_object();
  if (auto kind = root.find("kind"); kind != root.end() && kind->value() != "ExecCredential") {
    return bad("kind", "must be ExecCredential");
  }
  auto st = root.find("status");
  if (st == root.end() || !st->value().is_object()) return bad("status", "the exec plugin didn't return a status field");
  const auto& status = st->value().get_object();
  exec_credential out;
  auto str = [&](std::string_view key, std::string& into) -> bool {
    auto it = status.find(key);
    if (it == status.end() || it->value().is_null()) return true;
    if (!it->value().is_string()) return false;
    into = std::string(it->value().get_string());
    return true;
  };
  if (!str("token", out.token)) return bad("status.token", "must be a string");
  if (!str("clientCertificateData", out.client_cert_pem)) return bad("status.clientCertificateData", "must be a string");
  if (!str("clientKeyData", out.client_key_pem)) return bad("status.clientKeyData", "must be a string");
  if (out.token.empty() && (out.client_cert_pem.empty() || out.client_key_pem.empty())) {
    return bad("status", "the exec plugin didn't return a token or a client certificate and key");
  }
  if (out.client_cert_pem.empty() != out.client_key_pem.empty()) {
    return bad("status", "clientCertificateData and clientKeyData must be returned together");
  }
  std::string expiry;
  if (!str("expirationTimestamp", expiry)) return bad("status.expirationTimestamp", "must be a string");
  if (!expiry.empty()) {
    out.expiration = parse_rfc3339(expiry);
    if (!out.expiration) return bad("status.expirationTimestamp", "must be an RFC 3339 time");
  }
  return out;
}

std::string exec_info_json(const client_config& config) {
  boost::json::object spec{{"interactive", false}};
  if (config.exec && config.exec->provide_cluster_info) {
    boost::json::object cluster{{"server", config.server}};
    if (!config.tls_server_name.empty()) cluster["tls-server-name"] = config.tls_server_name;
    if (config.insecure_skip_tls_verify) cluster["insecure-skip-tls-verify"] = true;
    if (!config.ca_pem.empty()) cluster["certificate-authority-data"] = encode_base64(config.ca_pem);
    if (!config.proxy_url.empty()) cluster["proxy-url"] = config.proxy_url;
    spec["cluster"] = std::move(cluster);
  }
  std::string api = config.exec && !config.exec->api_version.empty() ? config.exec->api_version
                                                                      : "client.authentication.k8s.io/v1";
  boost::json::object root{{"apiVersion", api}, {"kind", "ExecCredential"}, {"spec", std::move(spec)}};
  return boost::json::serialize(root);
}

}  // namespace habop::op
