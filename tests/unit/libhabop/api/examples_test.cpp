// parse_habitat on the original operator's examples (examples/*, reference 3.1) and `hab pkg export kubernetes` output.
#include <habop/api/parse.hpp>

#include <catch2/catch.hpp>

#include <habop/json/codec.hpp>

#include "manifests.hpp"

namespace api = habop::api;
namespace bj = boost::json;
using habop::test::example;
using habop::test::habitats_in;
using habop::test::yaml;

namespace {

api::habitat parse_one(std::string_view yaml) {
  auto docs = habitats_in(yaml);
  REQUIRE(docs.size() == 1);
  auto h = api::parse_habitat(docs[0]);
  if (!h) FAIL(habop::describe(h.error()));
  return *h;
}
}  // namespace

TEST_CASE("the original's standalone example parses") {
  const api::habitat h = parse_one(example("standalone"));
  CHECK(h.metadata.name == "example-standalone-habitat");
  CHECK(h.custom_version == "v1beta2");
  CHECK(h.spec.image == "habitat/redis-hab");
  CHECK(h.spec.count == 1);
  CHECK(h.spec.service.name == "redis");
  CHECK(h.spec.service.topology == api::topology::standalone);
  CHECK(h.spec.service.group == "foobar");
  CHECK_FALSE(h.spec.service.channel);
  CHECK_FALSE(h.spec.persistent_storage);
  CHECK_FALSE(h.spec.update_strategy);
  CHECK(api::effective_update_strategy(h.spec) == api::update_strategy::rolling_update);
}

TEST_CASE("the original's leader example parses (count 1 is allowed, as in the original)") {
  const api::habitat h = parse_one(example("leader"));
  CHECK(h.spec.service.topology == api::topology::leader);
  CHECK(api::effective_update_strategy(h.spec) == api::update_strategy::all_at_once);
}

TEST_CASE("the original's config example parses, next to its Secret and Service") {
  const api::habitat h = parse_one(example("config"));
  CHECK(h.spec.service.config_secret_name == "user-toml");
  CHECK(h.spec.service.group == "redisdb");
}

TEST_CASE("the original's bind and bind-config examples parse") {
  for (const std::string& text : {example("bind"), example("bind-config")}) {
    auto docs = habitats_in(text);
    REQUIRE(docs.size() == 2);
    auto db = api::parse_habitat(docs[0]);
    auto web = api::parse_habitat(docs[1]);
    REQUIRE(db);
    REQUIRE(web);
    CHECK_FALSE(db->spec.service.group);
    CHECK(web->spec.service.binds == std::vector<api::bind>{{"db", "redis", "default"}});
  }
}

TEST_CASE("the original's encrypted example parses and yields its ring name") {
  const api::habitat h = parse_one(example("encrypted"));
  REQUIRE(h.spec.service.ring_secret_name);
  CHECK(api::ring_name(*h.spec.service.ring_secret_name) == "example-encrypted-ring");
  CHECK(h.spec.count == 3);
}

TEST_CASE("the original's env-vars example parses with env copied verbatim") {
  const api::habitat h = parse_one(example("env-vars"));
  REQUIRE(h.spec.env.size() == 1);
  CHECK(h.spec.env[0] == bj::value(bj::object{{"name", "HAB_REDIS"}, {"value", "{ \"port\": \"6999\" }"}}));
}

TEST_CASE("the original's files-volume, namespaced and persisted examples parse") {
  const api::habitat files = parse_one(example("files-volume"));
  CHECK(files.spec.service.files_secret_name == "files-secret");

  const api::habitat ns = parse_one(example("namespaced"));
  CHECK(ns.metadata.ns == "example-namespace");

  const api::habitat persisted = parse_one(example("persisted"));
  REQUIRE(persisted.spec.persistent_storage);
  // examples/persisted leaves the original's `storageClassName: example-sc` commented out: the cluster default.
  CHECK(*persisted.spec.persistent_storage == api::persistent_storage{"1Gi", "/hab/svc/redis/data", ""});
}

TEST_CASE("hab pkg export kubernetes output parses unchanged") {
  // components/pkg-export-kubernetes/tests/KubernetesManifestTest{Binds,PersistentStorage}.yaml, with a ring
  // Secret name the Supervisor accepts (the fixtures' `deltaechofoxtrot` fails the original's ring regexp too).
  const api::habitat h = parse_one(R"(
---
apiVersion: habitat.sh/v1beta1
kind: Habitat
customVersion: v1beta2
metadata:
  ## Name of the Kubernetes resource.
  name: nginx-latest
spec:
  v1beta2:
    ## Name of the Habitat service package exported as a Docker image.
    image: core/nginx:latest
    ## Number of desired instances.
    count: 3
    env:
      - name: FOO
        value: "bar"
    ## The presence of this key activates persistent storage.
    persistentStorage:
      size: 10Gi
      storageClassName: standard
      mountPath: /foo/bar
    service:
      name: nginx
      topology: standalone
      group: group1
      configSecretName: user-toml-secret
      ringSecretName: deltaechofoxtrot-20180101000000
      bind:
        # Name is the name of the bind specified in the Habitat configuration files.
        - name: name1
          # Service is the name of the service this bind refers to.
          service: service1
          # Group is the group of the service this bind refers to.
          group: group1
)");
  CHECK(h.spec.service.binds == std::vector<api::bind>{{"name1", "service1", "group1"}});
  CHECK(h.spec.persistent_storage->mount_path == "/foo/bar");

  auto fixture = yaml(R"(
apiVersion: habitat.sh/v1beta1
kind: Habitat
customVersion: v1beta2
metadata:
  name: nginx-latest
spec:
  v1beta2:
    image: core/nginx:latest
    count: 3
    service:
      name: nginx
      topology: standalone
      group: group1
      ringSecretName: deltaechofoxtrot
)");
  auto r = api::parse_habitat(fixture);
  REQUIRE_FALSE(r);
  REQUIRE(r.error().causes.size() == 1);
  CHECK(r.error().causes[0].field == "spec.v1beta2.service.ringSecretName");
}
