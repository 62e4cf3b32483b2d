// Writes the kubeconfig that kubectl, client libraries and the operator use to reach a fake-apiserver.
#include <habop/fake_apiserver/server.hpp>

#include <openssl/evp.h>

namespace habop::fake {
namespace {

std::string base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

// A YAML double-quoted scalar, so that any token or name reads back verbatim.
std::string quoted(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) continue;  // control characters have no place in these values
    out += c;
  }
  return out + "\"";
}

}  // namespace

std::string make_kubeconfig(const std::string& server, const std::string& ca_pem, const std::string& token,
                            const std::string& name) {
  std::string n = quoted(name);
  std::string out;
  out += "apiVersion: v1\nkind: Config\nclusters:\n- name: " + n + "\n  cluster:\n";
  out += "    server: " + quoted(server) + "\n";
  out += "    certificate-authority-data: " + base64(ca_pem) + "\n";
  out += "users:\n- name: " + n + "\n  user:";
  out += token.empty() ? std::string(" {}\n") : "\n    token: " + quoted(token) + "\n";
  out += "contexts:\n- name: " + n + "\n  context:\n    cluster: " + n + "\n    user: " + n +
         "\n    namespace: default\n";
  out += "current-context: " + n + "\npreferences: {}\n";
  return out;
}

}  // namespace habop::fake
