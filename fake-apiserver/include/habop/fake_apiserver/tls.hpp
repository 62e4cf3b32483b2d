// TLS material for the fake-apiserver: a throw-away CA and server certificate generated at start, or PEM files.
#pragma once

#include <string>
#include <string_view>

#include <habop/core/result.hpp>

namespace habop::fake {

/// PEM-encoded certificates and key a TLS server needs, plus the CA a client must trust.
struct tls_material {
  std::string ca_cert_pem;      ///< What goes into a kubeconfig's `certificate-authority-data`.
  std::string server_cert_pem;  ///< The leaf certificate (followed by any chain).
  std::string server_key_pem;   ///< The leaf's private key (PKCS#8). Never logged.
  bool operator==(const tls_material&) const = default;
};

/// Generates an EC P-256 CA and a server certificate it signs, valid for IP 127.0.0.1, IP ::1 and DNS `localhost`
/// (plus `extra_dns` when not empty), from one hour ago for ten years. Takes a few milliseconds.
result<tls_material> generate_tls_material(std::string_view extra_dns = {});

/// Reads a certificate chain and key from PEM files. The chain's last certificate is what clients are told to trust:
/// the CA when the file holds `leaf + CA`, the certificate itself when it is self-signed.
result<tls_material> load_tls_material(const std::string& cert_file, const std::string& key_file);

}  // namespace habop::fake
