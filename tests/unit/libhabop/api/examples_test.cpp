// parse_habitat on the original operator's examples (examples/*, reference 3.1) and `hab pkg export kubernetes` output.
#include <habop/api/parse.hpp>

#include <catch2/catch.hpp>

#include <habop/json/codec.hpp>

namespace api = habop::api;
namespace bj = boost::json;

namespace {

// Every Habitat document of a YAML stream, as `kubectl apply -f` would send them.
std::vector<bj::value> habitats_in(std::string_view yaml) {
  auto docs = habop::json::parse_yaml_documents(yaml);
  REQUIRE(docs);
  std::vector<bj::value> out;
  for (auto& d : *docs)
    if (d.is_object() && d.get_object().if_contains("kind") && d.at("kind") == "Habitat") out.push_back(d);
  return out;
}

api::habitat parse_one(std::string_view yaml) {
  auto docs = habitats_in(yaml);
  REQUIRE(docs.size() == 1);
  auto h = api::parse_habitat(docs[0]);
  if (!h) FAIL(habop::describe(h.error()));
  return *h;
}

bj::value yaml(std::string_view text) {
  auto docs = habop::json::parse_yaml_documents(text);
  REQUIRE(docs);
  REQUIRE(docs->size() == 1);
  return (*docs)[0];
}

constexpr std::string_view standalone = R"(
apiVersion: habitat.sh/v1beta1
kind: Habitat
metadata:
  name: example-standalone-habitat
customVersion: v1beta2
spec:
  v1beta2:
    image: habitat/redis-hab
    count: 1
    service:
      name: redis
      topology: standalone
      # if not present, defaults to "default"
      group: foobar
)";

}  // namespace

TEST_CASE("the original's standalone example parses") {
  const api::habitat h = parse_one(standalone);
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
  const api::habitat h = parse_one(R"(
apiVersion: habitat.sh/v1beta1
kind: Habitat
metadata:
  name: example-leader-follower-habitat
customVersion: v1beta2
spec:
  v1beta2:
    image: habitat/redis-hab
    count: 1
    service:
      name: redis
      topology: leader
      group: foobar
)");
  CHECK(h.spec.service.topology == api::topology::leader);
  CHECK(api::effective_update_strategy(h.spec) == api::update_strategy::all_at_once);
}

TEST_CASE("the original's config example parses, next to its Secret and Service") {
  const api::habitat h = parse_one(R"(
apiVersion: v1
kind: Secret
metadata:
  name: user-toml
type: Opaque
data:
  user.toml: cG9ydCA9IDY5OTkK
---
apiVersion: habitat.sh/v1beta1
kind: Habitat
metadata:
  name: example-configured-habitat
customVersion: v1beta2
spec:
  v1beta2:
    image: habitat/redis-hab
    count: 1
    service:
      name: redis
      topology: standalone
      group: redisdb
      configSecretName: user-toml
---
apiVersion: v1
kind: Service
metadata:
  name: db
spec:
  selector:
    habitat-name: example-configured-habitat
  type: NodePort
  ports:
  - name: client
    nodePort: 30001
    port: 6999
    protocol: TCP
  - name: http-gateway
    nodePort: 32767
    port: 9631
)");
  CHECK(h.spec.service.config_secret_name == "user-toml");
  CHECK(h.spec.service.group == "redisdb");
}

TEST_CASE("the original's bind and bind-config examples parse") {
  for (std::string_view text : {std::string_view(R"(
apiVersion: habitat.sh/v1beta1
kind: Habitat
metadata:
  name: db
customVersion: v1beta2
spec:
  v1beta2:
    image: habitat/redis-hab
    count: 1
    service:
      name: redis
      topology: standalone
---
apiVersion: habitat.sh/v1beta1
kind: Habitat
metadata:
  name: web-app
customVersion: v1beta2
spec:
  v1beta2:
    image: habitat/bindgo-hab
    count: 1
    service:
      name: hab-server-go
      topology: standalone
      bind:
        # name is the name of the bind specified in the Habitat configuration files.
        - name: db
          # service is the name of the service this bind refers to.
          service: redis
          # group is the group of the service this bind refers to.
          group: default
)"),
                                std::string_view(R"(
apiVersion: v1
kind: Secret
metadata:
  name: user-toml
type: Opaque
data:
  user.toml: cG9ydCA9IDQ0NDQK
---
apiVersion: habitat.sh/v1beta1
kind: Habitat
metadata:
  name: example-bind-configured-db
customVersion: v1beta2
spec:
  v1beta2:
    image: habitat/redis-hab
    count: 1
    service:
      name: redis
      topology: standalone
      configSecretName: user-toml
---
apiVersion: habitat.sh/v1beta1
kind: Habitat
metadata:
  name: example-bind-configured-web-app
customVersion: v1beta2
spec:
  v1beta2:
    image: habitat/bindgo-hab
    count: 1
    service:
      name: hab-server-go
      topology: standalone
      bind:
        - name: db
          service: redis
          group: default
)")}) {
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
  const api::habitat h = parse_one(R"(
apiVersion: v1
kind: Secret
metadata:
  name: example-encrypted-ring-20170829113029
  labels:
    habitat: "true"
    ring-key: "true"
type: Opaque
data:
  ring-key: U1lNLVNFQy0xCmV4YW1wbGUtZW5jcnlwdGVkLXJpbmctMjAxNzA4MjkxMTMwMjkKCkxKTDVRNlZ4M0o3dGpMY0NvS0xwb1E9PQ==
---
apiVersion: habitat.sh/v1beta1
kind: Habitat
metadata:
  name: example-encrypted-habitat
customVersion: v1beta2
spec:
  v1beta2:
    image: habitat/redis-hab
    count: 3
    service:
      name: redis
      topology: leader
      ringSecretName: example-encrypted-ring-20170829113029
)");
  REQUIRE(h.spec.service.ring_secret_name);
  CHECK(api::ring_name(*h.spec.service.ring_secret_name) == "example-encrypted-ring");
  CHECK(h.spec.count == 3);
}

TEST_CASE("the original's env-vars example parses with env copied verbatim") {
  const api::habitat h = parse_one(R"(
apiVersion: habitat.sh/v1beta1
kind: Habitat
metadata:
  name: example-env-vars-habitat
customVersion: v1beta2
spec:
  v1beta2:
    image: habitat/redis-hab
    count: 1
    env:
      - name: HAB_REDIS
        # this is the JSON representation of the redis package's default.toml
        value: '{ "port": "6999" }'
    service:
      name: redis
      topology: standalone
      group: foobar
)");
  REQUIRE(h.spec.env.size() == 1);
  CHECK(h.spec.env[0] == bj::value(bj::object{{"name", "HAB_REDIS"}, {"value", "{ \"port\": \"6999\" }"}}));
}

TEST_CASE("the original's files-volume, namespaced and persisted examples parse") {
  const api::habitat files = parse_one(R"(
apiVersion: v1
kind: Secret
metadata:
  name: files-secret
type: Opaque
data:
  pwfile: c2VjcmV0Cg==
---
apiVersion: habitat.sh/v1beta1
kind: Habitat
metadata:
  name: files-volume-habitat
customVersion: v1beta2
spec:
  v1beta2:
    image: habitat/redis-hab
    count: 1
    service:
      name: redis
      topology: standalone
      filesSecretName: files-secret
)");
  CHECK(files.spec.service.files_secret_name == "files-secret");

  const api::habitat ns = parse_one(R"(
apiVersion: v1
kind: Namespace
metadata:
  name: example-namespace
---
apiVersion: habitat.sh/v1beta1
kind: Habitat
metadata:
  name: example-namespaced-habitat
  namespace: example-namespace
customVersion: v1beta2
spec:
  v1beta2:
    image: habitat/redis-hab
    count: 1
    service:
      name: redis
      topology: standalone
      group: foobar
)");
  CHECK(ns.metadata.ns == "example-namespace");

  const api::habitat persisted = parse_one(R"(
apiVersion: habitat.sh/v1beta1
kind: Habitat
metadata:
  name: example-persistent-habitat
customVersion: v1beta2
spec:
  v1beta2:
    image: kinvolk/redis-hab
    count: 3
    env:
      - name: HAB_REDIS
        value: '{ "protected-mode": "no" }'
    persistentStorage:
      size: 1Gi
      storageClassName: example-sc
      mountPath: /hab/svc/redis/data
    service:
      name: redis
      topology: leader
)");
  REQUIRE(persisted.spec.persistent_storage);
  CHECK(*persisted.spec.persistent_storage == api::persistent_storage{"1Gi", "/hab/svc/redis/data", "example-sc"});
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
