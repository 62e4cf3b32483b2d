// Where and how to reach the API server: kubeconfig files (merged like client-go) and in-cluster service accounts.
#pragma once

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <habop/core/result.hpp>
#include <habop/core/time.hpp>

namespace habop::op {

/// A `users[].user.exec` credential plugin (client.authentication.k8s.io): the runtime runs `command` with `args`
/// and `env` added to its environment, reads an ExecCredential from stdout (`parse_exec_credential`), and runs
/// it again when the credential expires or the server answers 401.
struct exec_config {
  std::string api_version;                                  ///< e.g. `client.authentication.k8s.io/v1`.
  std::string command;                                      ///< Resolved against the kubeconfig dir if relative with a `/`.
  std::vector<std::string> args;
  std::vector<std::pair<std::string, std::string>> env;     ///< In file order.
  bool provide_cluster_info = false;                        ///< Put the cluster in `KUBERNETES_EXEC_INFO`.
  std::string interactive_mode;                             ///< `Never`, `IfAvailable` or `Always` (empty: unset).
  std::string install_hint;
  bool operator==(const exec_config&) const = default;
};

/// Everything needed to open and authenticate connections. PEM/token fields hold contents, never paths.
struct client_config {
  std::string server;                          ///< `https://host:port` (IPv6 hosts bracketed), no trailing slash.
  std::string ca_pem;                          ///< Empty: the system trust store.
  bool insecure_skip_tls_verify = false;
  std::string tls_server_name;                 ///< SNI and name to verify instead of the server's host.
  std::string client_cert_pem, client_key_pem;
  std::string token;                           ///< Bearer token as loaded (from `token` or the token file).
  /// Re-read by the runtime when it rotates (e.g. every minute) and after a 401; its content wins over `token`.
  std::optional<std::string> token_file;
  std::optional<exec_config> exec;
  std::string ns;                              ///< The context's namespace, or the in-cluster one; may be empty.
  std::string proxy_url;                       ///< `clusters[].cluster.proxy-url`, empty when unset.
  bool operator==(const client_config&) const = default;
};

/// Reads a whole file. Must answer a missing file with an error whose `code` is 404 (missing `$KUBECONFIG` entries
/// are skipped, as in client-go); other failures with any other code.
using file_reader = std::function<result<std::string>(const std::string& path)>;
/// Looks up an environment variable; nullopt when unset.
using env_lookup = std::function<std::optional<std::string>(const std::string& name)>;

/// Loads kubeconfig files merged first-wins: for clusters, users and contexts the first file defining a name wins,
/// `current-context` is the first non-empty one. `context` overrides `current-context`. Relative paths inside a
/// file (`certificate-authority`, `client-certificate`, `client-key`, `tokenFile`, an exec command containing `/`)
/// resolve against that file's directory; referenced files are read through `read`. `*-data` fields are base64.
/// Files that `read` reports missing (404) are skipped; an error if none exists. Errors name the field and file,
/// e.g. `users[admin].user.client-key-data: illegal base64 (/home/me/.kube/config)`.
result<client_config> load_kubeconfig(std::span<const std::string> paths, std::optional<std::string> context,
                                      const file_reader& read);

/// Service-account config: `https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT` (IPv6 bracketed), the CA,
/// token and namespace under `/var/run/secrets/kubernetes.io/serviceaccount/`. `token_file` is set so the runtime
/// re-reads the projected token when the kubelet rotates it. 404 error when not running in a cluster.
result<client_config> in_cluster_config(const env_lookup& env, const file_reader& read);

/// The whole lookup chain, as controller-runtime's `GetConfig`: `--kubeconfig` (must exist), else `$KUBECONFIG`
/// (a `:`-separated list), else in-cluster (when `KUBERNETES_SERVICE_HOST` is set), else `$HOME/.kube/config`.
result<client_config> load_client_config(std::string_view kubeconfig_flag, std::optional<std::string> context,
                                         const env_lookup& env, const file_reader& read);

/// The `in_cluster_config` file locations.
inline constexpr std::string_view service_account_dir = "/var/run/secrets/kubernetes.io/serviceaccount";

/// What an exec plugin printed: an `ExecCredential` with `status.token` or a client certificate and key.
struct exec_credential {
  std::string token;
  std::string client_cert_pem, client_key_pem;
  std::optional<instant> expiration;           ///< `status.expirationTimestamp`; nullopt: valid until a 401.
  bool operator==(const exec_credential&) const = default;
};

/// Parses a plugin's stdout. Errors (400) name the field; the output itself is never quoted (it holds secrets).
result<exec_credential> parse_exec_credential(std::string_view stdout_json);

/// The `KUBERNETES_EXEC_INFO` value for a plugin: an ExecCredential with `spec.interactive=false` and, when
/// `provide_cluster_info`, `spec.cluster` (server, tls-server-name, insecure-skip-tls-verify, CA data).
std::string exec_info_json(const client_config& config);

/// Decodes standard base64 (padding optional, whitespace ignored); nullopt when malformed.
std::optional<std::string> decode_base64(std::string_view text);

}  // namespace habop::op
