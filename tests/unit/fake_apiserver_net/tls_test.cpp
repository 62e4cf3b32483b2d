// TLS material: generated CA and server certificate, loading from files, and the kubeconfig built from them.
#include <habop/fake_apiserver/tls.hpp>

#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>

#include <habop/fake_apiserver/server.hpp>
#include <habop/json/codec.hpp>

using namespace habop::fake;

TEST_CASE("generated material has a CA, a leaf and a key in PEM", "[tls]") {
  auto m = generate_tls_material();
  REQUIRE(m);
  CHECK(m->ca_cert_pem.rfind("-----BEGIN CERTIFICATE-----", 0) == 0);
  CHECK(m->server_cert_pem.rfind("-----BEGIN CERTIFICATE-----", 0) == 0);
  CHECK(m->server_key_pem.rfind("-----BEGIN PRIVATE KEY-----", 0) == 0);
  CHECK(m->ca_cert_pem != m->server_cert_pem);
  auto again = generate_tls_material();
  REQUIRE(again);
  CHECK(again->server_key_pem != m->server_key_pem);
}

TEST_CASE("loading reports a missing file and a mismatched key", "[tls]") {
  auto a = generate_tls_material();
  auto b = generate_tls_material();
  REQUIRE(a);
  REQUIRE(b);
  std::string cert = "/tmp/habop-tls-test-cert.pem", key = "/tmp/habop-tls-test-key.pem";
  std::ofstream(cert) << a->server_cert_pem;
  std::ofstream(key) << a->server_key_pem;
  auto loaded = load_tls_material(cert, key);
  REQUIRE(loaded);
  CHECK(loaded->server_cert_pem == a->server_cert_pem);
  std::ofstream(key) << b->server_key_pem;
  CHECK_FALSE(load_tls_material(cert, key));
  CHECK_FALSE(load_tls_material("/nonexistent/cert.pem", key));
  std::remove(cert.c_str());
  std::remove(key.c_str());
}

TEST_CASE("the kubeconfig names server, CA data and token", "[tls]") {
  std::string text = make_kubeconfig("https://127.0.0.1:6443", "PEM", "tok\"en");
  auto docs = habop::json::parse_yaml_documents(text);
  REQUIRE(docs);
  REQUIRE(docs->size() == 1);
  const auto& cfg = docs->front();
  CHECK(cfg.at("current-context") == "habop-fake");
  CHECK(cfg.at("clusters").at(0).at("cluster").at("server") == "https://127.0.0.1:6443");
  CHECK(cfg.at("clusters").at(0).at("cluster").at("certificate-authority-data") == "UEVN");
  CHECK(cfg.at("users").at(0).at("user").at("token") == "tok\"en");
}
