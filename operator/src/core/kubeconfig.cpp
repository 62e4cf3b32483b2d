// kubeconfig loading as client-go does it: files merged first-wins per name, paths relative to their file.
#include <habop/operator/kubeconfig.hpp>

#include <map>
#include <tuple>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <habop/json/codec.hpp>

namespace habop::op {
namespace {

/// One named entry (cluster, user or context) and the file it came from.
struct named_entry {
  boost::json::object body;   ///< The inner `cluster`, `user` or `context` object.
  std::string file;
  std::string dir;            ///< Directory of `file`, with a trailing `/`, or empty.
};

struct merged_config {
  std::map<std::string, named_entry> clusters, users, contexts;
  std::string current_context;
  std::vector<std::string> files;  ///< Files actually read, for error messages.
};

error config_error(std::string field, const std::string& file, std::string message) {
  error e;
  e.code = 400;
  e.reason = "BadRequest";
  e.message = field + ": " + message + " (" + file + ")";
  e.causes.push_back(field_cause{std::move(field), "FieldValueInvalid", std::move(message)});
  return e;
}

std::string dir_of(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? std::string() : path.substr(0, slash + 1);
}

std::string resolve(const named_entry& entry, const std::string& path) {
  if (path.empty() || path.front() == '/') return path;
  return entry.dir + path;
}

/// Reads a string member; a present non-string member is an error naming `field`.
result<std::string> string_member(const named_entry& entry, std::string_view key, const std::string& field) {
  auto it = entry.body.find(key);
  if (it == entry.body.end() || it->value().is_null()) return std::string();
  if (!it->value().is_string()) return config_error(field + "." + std::string(key), entry.file, "must be a string");
  return std::string(it->value().get_string());
}

status merge_file(merged_config& merged, const std::string& path, const std::string& text) {
  auto docs = json::parse_yaml_documents(text);
  if (!docs) return config_error("kubeconfig", path, docs.error().message);
  if (docs->empty()) return ok;  // An empty file contributes nothing, as in client-go.
  if (!docs->front().is_object()) return config_error("kubeconfig", path, "must be a mapping");
  const auto& root = docs->front().get_object();
  for (auto [list_name, inner, target] : {std::tuple{"clusters", "cluster", &merged.clusters},
                                          std::tuple{"users", "user", &merged.users},
                                          std::tuple{"contexts", "context", &merged.contexts}}) {
    auto it = root.find(list_name);
    if (it == root.end() || it->value().is_null()) continue;
    if (!it->value().is_array()) return config_error(list_name, path, "must be a list");
    std::size_t index = 0;
    for (const auto& item : it->value().get_array()) {
      std::string field = std::string(list_name) + "[" + std::to_string(index++) + "]";
      if (!item.is_object()) return config_error(field, path, "must be a mapping");
      const auto& obj = item.get_object();
      auto name = obj.find("name");
      if (name == obj.end() || !name->value().is_string() || name->value().get_string().empty()) {
        return config_error(field + ".name", path, "must be a non-empty string");
      }
      std::string key(name->value().get_string());
      if (target->contains(key)) continue;  // First file defining a name wins.
      named_entry entry{{}, path, dir_of(path)};
      if (auto body = obj.find(inner); body != obj.end() && !body->value().is_null()) {
        if (!body->value().is_object()) return config_error(field + "." + inner, path, "must be a mapping");
        entry.body = body->value().get_object();
      }
      target->emplace(std::move(key), std::move(entry));
    }
  }
  if (merged.current_context.empty()) {
    if (auto it = root.find("current-context"); it != root.end() && it->value().is_string()) {
      merged.current_context = std::string(it->value().get_string());
    }
  }
  return ok;
}

/// `*-data` (base64) wins over the file path, as client-go documents; a relative path is read next to its file.
result<std::string> data_or_file(const named_entry& entry, const std::string& field, std::string_view data_key,
                                 std::string_view file_key, const file_reader& read) {
  auto data = string_member(entry, data_key, field);
  if (!data) return std::move(data).error();
  if (!data->empty()) {
    auto decoded = decode_base64(*data);
    if (!decoded) return config_error(field + "." + std::string(data_key), entry.file, "illegal base64 data");
    return std::move(*decoded);
  }
  auto file = string_member(entry, file_key, field);
  if (!file) return std::move(file).error();
  if (file->empty()) return std::string();
  auto content = read(resolve(entry, *file));
  if (!content) {
    return config_error(field + "." + std::string(file_key), entry.file,
                        "cannot read \"" + resolve(entry, *file) + "\": " + content.error().message);
  }
  return std::move(*content);
}

status load_cluster(client_config& out, const named_entry& c, const std::string& f, const file_reader& read) {
  auto server = string_member(c, "server", f);
  if (!server) return std::move(server).error();
  if (server->empty()) return config_error(f + ".server", c.file, "no server found for cluster");
  while (server->size() > 1 && server->back() == '/') server->pop_back();
  out.server = std::move(*server);
  auto ca = data_or_file(c, f, "certificate-authority-data", "certificate-authority", read);
  if (!ca) return std::move(ca).error();
  out.ca_pem = std::move(*ca);
  if (auto it = c.body.find("insecure-skip-tls-verify"); it != c.body.end() && !it->value().is_null()) {
    if (!it->value().is_bool()) return config_error(f + ".insecure-skip-tls-verify", c.file, "must be a boolean");
    out.insecure_skip_tls_verify = it->value().get_bool();
  }
  if (out.insecure_skip_tls_verify && !out.ca_pem.empty()) {
    return config_error(f + ".insecure-skip-tls-verify", c.file,
                        "specifying a root certificates file with the insecure flag is not allowed");
  }
  auto sni = string_member(c, "tls-server-name", f);
  if (!sni) return std::move(sni).error();
  out.tls_server_name = std::move(*sni);
  auto proxy = string_member(c, "proxy-url", f);
  if (!proxy) return std::move(proxy).error();
  out.proxy_url = std::move(*proxy);
  return ok;
}

result<exec_config> load_exec(const named_entry& u, const std::string& f) {
  const std::string ef = f + ".exec";
  const auto& body = u.body.at("exec");
  if (!body.is_object()) return config_error(ef, u.file, "must be a mapping");
  named_entry e{body.get_object(), u.file, u.dir};
  exec_config x;
  auto api = string_member(e, "apiVersion", ef);
  auto cmd = string_member(e, "command", ef);
  auto mode = string_member(e, "interactiveMode", ef);
  auto hint = string_member(e, "installHint", ef);
  for (auto* r : {&api, &cmd, &mode, &hint}) if (!*r) return std::move(*r).error();
  if (api->empty()) return config_error(ef + ".apiVersion", u.file, "apiVersion for exec plugin must be specified");
  if (cmd->empty()) return config_error(ef + ".command", u.file, "command for exec plugin must be specified");
  x.api_version = *api;
  // A relative command containing a slash is relative to the kubeconfig; a bare name is looked up in $PATH.
  x.command = cmd->find('/') != std::string::npos ? resolve(u, *cmd) : *cmd;
  if (!mode->empty() && *mode != "Never" && *mode != "IfAvailable" && *mode != "Always") {
    return config_error(ef + ".interactiveMode", u.file, "must be Never, IfAvailable or Always");
  }
  x.interactive_mode = mode->empty() && x.api_version != "client.authentication.k8s.io/v1" ? "IfAvailable" : *mode;
  if (x.interactive_mode.empty()) {
    return config_error(ef + ".interactiveMode", u.file, "interactiveMode must be specified for " + x.api_version);
  }
  x.install_hint = *hint;
  if (auto it = e.body.find("args"); it != e.body.end() && !it->value().is_null()) {
    if (!it->value().is_array()) return config_error(ef + ".args", u.file, "must be a list of strings");
    for (const auto& a : it->value().get_array()) {
      if (!a.is_string()) return config_error(ef + ".args", u.file, "must be a list of strings");
      x.args.emplace_back(a.get_string());
    }
  }
  if (auto it = e.body.find("env"); it != e.body.end() && !it->value().is_null()) {
    if (!it->value().is_array()) return config_error(ef + ".env", u.file, "must be a list of {name, value}");
    for (const auto& v : it->value().get_array()) {
      const auto* o = v.if_object();
      const auto* n = o && o->contains("name") ? o->at("name").if_string() : nullptr;
      const auto* val = o && o->contains("value") ? o->at("value").if_string() : nullptr;
      if (!n || !val) return config_error(ef + ".env", u.file, "every entry needs string name and value");
      x.env.emplace_back(std::string(*n), std::string(*val));
    }
  }
  if (auto it = e.body.find("provideClusterInfo"); it != e.body.end() && !it->value().is_null()) {
    if (!it->value().is_bool()) return config_error(ef + ".provideClusterInfo", u.file, "must be a boolean");
    x.provide_cluster_info = it->value().get_bool();
  }
  return x;
}

status load_user(client_config& out, const named_entry& u, const std::string& f, const file_reader& read) {
  for (std::string_view unsupported : {"auth-provider", "username", "password"}) {
    if (u.body.contains(unsupported)) {
      return config_error(f + "." + std::string(unsupported), u.file,
                          "not supported by habitat-operator; use a token, tokenFile, client certificate or exec");
    }
  }
  auto cert = data_or_file(u, f, "client-certificate-data", "client-certificate", read);
  if (!cert) return std::move(cert).error();
  auto key = data_or_file(u, f, "client-key-data", "client-key", read);
  if (!key) return std::move(key).error();
  if (cert->empty() != key->empty()) {
    return config_error(f + (cert->empty() ? ".client-certificate" : ".client-key"), u.file,
                        "a client certificate and a client key must be given together");
  }
  out.client_cert_pem = std::move(*cert);
  out.client_key_pem = std::move(*key);
  auto token = string_member(u, "token", f);
  if (!token) return std::move(token).error();
  out.token = std::move(*token);
  auto token_file = string_member(u, "tokenFile", f);
  if (!token_file) return std::move(token_file).error();
  if (!token_file->empty()) {
    std::string path = resolve(u, *token_file);
    auto content = read(path);
    if (!content) {
      return config_error(f + ".tokenFile", u.file, "cannot read \"" + path + "\": " + content.error().message);
    }
    while (!content->empty() && (content->back() == '\n' || content->back() == '\r' || content->back() == ' ')) {
      content->pop_back();
    }
    out.token = std::move(*content);  // The file's content wins over `token`, as in client-go.
    out.token_file = std::move(path);
  }
  if (u.body.contains("exec")) {
    auto x = load_exec(u, f);
    if (!x) return std::move(x).error();
    out.exec = std::move(*x);
  }
  return ok;
}

}  // namespace

result<client_config> load_kubeconfig(std::span<const std::string> paths, std::optional<std::string> context,
                                      const file_reader& read) {
  merged_config merged;
  for (const auto& path : paths) {
    if (path.empty()) continue;
    auto text = read(path);
    if (!text) {
      if (text.error().code == 404) continue;  // Missing entries of a list are skipped, as client-go does.
      return config_error("kubeconfig", path, "cannot read: " + text.error().message);
    }
    if (auto st = merge_file(merged, path, *text); !st) return std::move(st).error();
    merged.files.push_back(path);
  }
  std::string joined;
  for (const auto& p : paths) joined += (joined.empty() ? "" : ":") + p;
  if (merged.files.empty()) {
    error e{404, "NotFound", "no kubeconfig file found at " + (joined.empty() ? std::string("(none)") : joined), {}};
    return e;
  }
  std::string files = merged.files.front();
  for (std::size_t i = 1; i < merged.files.size(); ++i) files += ":" + merged.files[i];
  std::string ctx_name = context && !context->empty() ? *context : merged.current_context;
  if (ctx_name.empty()) return config_error("current-context", files, "no context chosen and current-context is empty");
  auto ctx = merged.contexts.find(ctx_name);
  if (ctx == merged.contexts.end()) {
    return config_error("contexts[" + ctx_name + "]", files, "context \"" + ctx_name + "\" does not exist");
  }
  const std::string cf = "contexts[" + ctx_name + "].context";
  auto cluster_name = string_member(ctx->second, "cluster", cf);
  auto user_name = string_member(ctx->second, "user", cf);
  auto ns = string_member(ctx->second, "namespace", cf);
  for (auto* r : {&cluster_name, &user_name, &ns}) if (!*r) return std::move(*r).error();
  client_config out;
  out.ns = *ns;
  auto cluster = merged.clusters.find(*cluster_name);
  if (cluster_name->empty() || cluster == merged.clusters.end()) {
    return config_error(cf + ".cluster", ctx->second.file, "cluster \"" + *cluster_name + "\" does not exist");
  }
  if (auto st = load_cluster(out, cluster->second, "clusters[" + *cluster_name + "].cluster", read); !st) {
    return std::move(st).error();
  }
  if (!user_name->empty()) {
    auto user = merged.users.find(*user_name);
    if (user == merged.users.end()) {
      return config_error(cf + ".user", ctx->second.file, "user \"" + *user_name + "\" does not exist");
    }
    if (auto st = load_user(out, user->second, "users[" + *user_name + "].user", read); !st) {
      return std::move(st).error();
    }
  }
  return out;
}

}  // namespace habop::op
