// Generates (with OpenSSL) or loads the fake-apiserver's CA and server certificate; no Asio or Beast here.
#include <habop/fake_apiserver/tls.hpp>

#include <fstream>
#include <memory>
#include <sstream>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace habop::fake {
namespace {

struct pkey_free { void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); } };
struct x509_free { void operator()(X509* p) const { X509_free(p); } };
struct bio_free { void operator()(BIO* p) const { BIO_free(p); } };
using pkey_ptr = std::unique_ptr<EVP_PKEY, pkey_free>;
using x509_ptr = std::unique_ptr<X509, x509_free>;
using bio_ptr = std::unique_ptr<BIO, bio_free>;

error tls_error(std::string what) {
  unsigned long code = ERR_get_error();
  if (code != 0) {
    char buf[256] = {};
    ERR_error_string_n(code, buf, sizeof buf);
    what += ": ";
    what += buf;
  }
  ERR_clear_error();
  return error{.code = 500, .reason = "InternalError", .message = std::move(what), .causes = {}};
}

pkey_ptr make_ec_key() { return pkey_ptr(EVP_EC_gen("P-256")); }

// Adds one X509v3 extension given in OpenSSL's config syntax, with `issuer` as the signing certificate.
bool add_extension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (ext == nullptr) return false;
  bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

// A certificate for `key` named `cn`, signed by `issuer_key` (issuer == nullptr means self-signed).
x509_ptr make_cert(EVP_PKEY* key, const char* cn, X509* issuer, EVP_PKEY* issuer_key, bool is_ca,
                   const std::string& san) {
  x509_ptr cert(X509_new());
  if (!cert) return nullptr;
  X509_set_version(cert.get(), 2);
  unsigned char serial[16];
  if (RAND_bytes(serial, sizeof serial) != 1) return nullptr;
  serial[0] &= 0x7f;  // positive
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 10L * 365 * 24 * 3600);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("habop"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn), -1, -1, 0);
  X509* signer = issuer != nullptr ? issuer : cert.get();
  X509_set_issuer_name(cert.get(), X509_get_subject_name(signer));
  bool ok = true;
  if (is_ca) {
    ok = ok && add_extension(cert.get(), signer, NID_basic_constraints, "critical,CA:TRUE");
    ok = ok && add_extension(cert.get(), signer, NID_key_usage, "critical,keyCertSign,cRLSign,digitalSignature");
  } else {
    ok = ok && add_extension(cert.get(), signer, NID_basic_constraints, "critical,CA:FALSE");
    ok = ok && add_extension(cert.get(), signer, NID_key_usage, "critical,digitalSignature,keyEncipherment");
    ok = ok && add_extension(cert.get(), signer, NID_ext_key_usage, "serverAuth");
    ok = ok && add_extension(cert.get(), signer, NID_subject_alt_name, san.c_str());
  }
  ok = ok && add_extension(cert.get(), signer, NID_subject_key_identifier, "hash");
  if (issuer != nullptr) ok = ok && add_extension(cert.get(), signer, NID_authority_key_identifier, "keyid:always");
  if (!ok) return nullptr;
  if (X509_sign(cert.get(), issuer_key, EVP_sha256()) == 0) return nullptr;
  return cert;
}

std::string bio_string(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  return len > 0 ? std::string(data, static_cast<std::size_t>(len)) : std::string();
}

std::string cert_pem(X509* cert) {
  bio_ptr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) return {};
  return bio_string(bio.get());
}

std::string key_pem(EVP_PKEY* key) {
  bio_ptr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) return {};
  return bio_string(bio.get());
}

result<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return error{.code = 400, .reason = "BadRequest", .message = "cannot read " + path, .causes = {}};
  }
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace

result<tls_material> generate_tls_material(std::string_view extra_dns) {
  pkey_ptr ca_key = make_ec_key();
  pkey_ptr server_key = make_ec_key();
  if (!ca_key || !server_key) return tls_error("generating EC P-256 keys failed");
  x509_ptr ca = make_cert(ca_key.get(), "habop-fake-apiserver-ca", nullptr, ca_key.get(), true, {});
  if (!ca) return tls_error("creating the CA certificate failed");
  std::string san = "IP:127.0.0.1,IP:::1,DNS:localhost";
  if (!extra_dns.empty()) san += ",DNS:" + std::string(extra_dns);
  x509_ptr leaf = make_cert(server_key.get(), "habop-fake-apiserver", ca.get(), ca_key.get(), false, san);
  if (!leaf) return tls_error("creating the server certificate failed");
  tls_material out;
  out.ca_cert_pem = cert_pem(ca.get());
  out.server_cert_pem = cert_pem(leaf.get());
  out.server_key_pem = key_pem(server_key.get());
  if (out.ca_cert_pem.empty() || out.server_cert_pem.empty() || out.server_key_pem.empty()) {
    return tls_error("encoding PEM failed");
  }
  return out;
}

result<tls_material> load_tls_material(const std::string& cert_file, const std::string& key_file) {
  auto cert = read_file(cert_file);
  if (!cert) return std::move(cert).error();
  auto key = read_file(key_file);
  if (!key) return std::move(key).error();
  // Check both parse, so that a bad file is reported at start rather than on the first handshake.
  bio_ptr cbio(BIO_new_mem_buf(cert->data(), static_cast<int>(cert->size())));
  x509_ptr first(PEM_read_bio_X509(cbio.get(), nullptr, nullptr, nullptr));
  if (!first) return tls_error("no PEM certificate in " + cert_file);
  bio_ptr kbio(BIO_new_mem_buf(key->data(), static_cast<int>(key->size())));
  pkey_ptr pkey(PEM_read_bio_PrivateKey(kbio.get(), nullptr, nullptr, nullptr));
  if (!pkey) return tls_error("no PEM private key in " + key_file);
  if (X509_check_private_key(first.get(), pkey.get()) != 1) {
    return tls_error("the key in " + key_file + " does not match the certificate in " + cert_file);
  }
  // The CA a client trusts: the last certificate of the chain (the leaf itself when it is self-signed).
  x509_ptr last;
  while (x509_ptr next{PEM_read_bio_X509(cbio.get(), nullptr, nullptr, nullptr)}) last = std::move(next);
  ERR_clear_error();  // reading past the last certificate leaves a "no start line" error queued
  tls_material out;
  out.ca_cert_pem = cert_pem(last ? last.get() : first.get());
  out.server_cert_pem = std::move(*cert);
  out.server_key_pem = std::move(*key);
  return out;
}

}  // namespace habop::fake
