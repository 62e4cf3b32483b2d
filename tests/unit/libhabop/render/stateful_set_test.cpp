// Tests of render_stateful_set: identity, args order, volumes and mounts, persistence, strategies, extensions.
#include <habop/render/render.hpp>

#include <catch2/catch.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "fixtures.hpp"

namespace bj = boost::json;
using habop::test::at;
using habop::test::make_habitat;
using habop::test::named;
using namespace habop;

namespace {

bj::value render_sts(const api::habitat& h, const render::options& o = {}) { return render::render_stateful_set(h, o); }

std::vector<std::string> keys(const bj::value* v) {
  std::vector<std::string> out;
  if (v && v->is_object())
    for (const auto& kv : v->get_object()) out.emplace_back(kv.key());
  return out;
}

bj::array strings(std::initializer_list<const char*> items) {
  bj::array a;
  for (const char* s : items) a.emplace_back(s);
  return a;
}

}  // namespace

TEST_CASE("the StatefulSet is named after the Habitat and owned by it as controller", "[render][sts]") {
  const bj::value sts = render_sts(make_habitat("web", "prod"));
  CHECK(keys(&sts) == std::vector<std::string>{"apiVersion", "kind", "metadata", "spec"});
  CHECK(*at(sts, "apiVersion") == "apps/v1");
  CHECK(*at(sts, "kind") == "StatefulSet");
  CHECK(*at(sts, "metadata/name") == "web");
  CHECK(*at(sts, "metadata/namespace") == "prod");
  CHECK(*at(sts, "metadata/labels") == bj::parse(R"({"habitat":"true","habitat-name":"web"})"));
  CHECK(*at(sts, "metadata/ownerReferences") ==
        bj::parse(R"([{"apiVersion":"habitat.sh/v1beta1","kind":"Habitat","name":"web","uid":"uid-web",
                      "controller":true,"blockOwnerDeletion":true}])"));
}

TEST_CASE("the StatefulSet spec selects by habitat-name and points at the headless Service", "[render][sts]") {
  auto h = make_habitat("web");
  h.spec.count = 3;
  const bj::value sts = render_sts(h);
  CHECK(*at(sts, "spec/replicas") == 3);
  CHECK(*at(sts, "spec/selector") == bj::parse(R"({"matchLabels":{"habitat-name":"web"}})"));
  CHECK(*at(sts, "spec/serviceName") == "web");
  CHECK(*at(sts, "spec/podManagementPolicy") == "Parallel");
  CHECK(*at(sts, "spec/template/metadata/labels") ==
        bj::parse(R"({"habitat":"true","habitat-name":"web","operator.habitat.sh/topology":"standalone",
                      "topology":"standalone"})"));
  CHECK(at(sts, "spec/template/metadata/annotations") == nullptr);  // nothing hashes user.toml
  CHECK(at(sts, "spec/volumeClaimTemplates") == nullptr);
  CHECK(at(sts, "metadata/namespace") != nullptr);
}

TEST_CASE("an empty namespace is omitted rather than sent empty", "[render][sts]") {
  const bj::value sts = render_sts(make_habitat("web", ""));
  CHECK(at(sts, "metadata/namespace") == nullptr);
}

TEST_CASE("the update strategy follows the effective strategy", "[render][sts]") {
  auto h = make_habitat();
  CHECK(*at(render_sts(h), "spec/updateStrategy") == bj::parse(R"({"type":"RollingUpdate"})"));
  h.spec.service.topology = api::topology::leader;
  CHECK(*at(render_sts(h), "spec/updateStrategy") == bj::parse(R"({"type":"OnDelete"})"));
  CHECK(*at(render_sts(h), "spec/template/metadata/labels/topology") == "leader");
  h.spec.update_strategy = api::update_strategy::rolling_update;
  CHECK(*at(render_sts(h), "spec/updateStrategy") == bj::parse(R"({"type":"RollingUpdate"})"));
  h.spec.service.topology = api::topology::standalone;
  h.spec.update_strategy = api::update_strategy::all_at_once;
  CHECK(*at(render_sts(h), "spec/updateStrategy") == bj::parse(R"({"type":"OnDelete"})"));
}

TEST_CASE("the single container runs the Supervisor with args only", "[render][sts]") {
  const bj::value sts = render_sts(make_habitat());
  const bj::value* containers = at(sts, "spec/template/spec/containers");
  REQUIRE(containers);
  REQUIRE(containers->as_array().size() == 1);
  const bj::value& c = containers->as_array()[0];
  CHECK(keys(&c) == std::vector<std::string>{"name", "image", "args", "ports", "volumeMounts"});
  CHECK(*at(c, "name") == "habitat-service");
  CHECK(*at(c, "image") == "habitat/redis-hab");
  CHECK(*at(c, "args") == strings({"--topology", "standalone", "--peer-watch-file", "/habitat-operator/peer-ip"}));
  CHECK(*at(c, "ports") == bj::parse(R"([{"name":"gossip","containerPort":9638,"protocol":"TCP"},
                                         {"name":"gossip-udp","containerPort":9638,"protocol":"UDP"},
                                         {"name":"http-gateway","containerPort":9631,"protocol":"TCP"}])"));
}

TEST_CASE("args keep the original's order and pass the ring without its revision", "[render][sts]") {
  auto h = make_habitat();
  h.spec.service.topology = api::topology::leader;
  h.spec.service.group = "foobar";
  h.spec.service.channel = "unstable";
  h.spec.service.binds = {{"db", "redis", "default"}, {"cache", "memcached", "prod"}};
  h.spec.service.ring_secret_name = "example-encrypted-ring-20170829113029";
  CHECK(*at(render_sts(h), "spec/template/spec/containers/0/args") ==
        strings({"--group", "foobar", "--channel", "unstable", "--topology", "leader", "--peer-watch-file",
                 "/habitat-operator/peer-ip", "--bind", "db:redis.default", "--bind", "cache:memcached.prod", "--ring",
                 "example-encrypted-ring"}));
}

TEST_CASE("a present empty group is passed through like the original", "[render][sts]") {
  auto h = make_habitat();
  h.spec.service.group = "";
  CHECK(*at(render_sts(h), "spec/template/spec/containers/0/args") ==
        strings({"--group", "", "--topology", "standalone", "--peer-watch-file", "/habitat-operator/peer-ip"}));
}

TEST_CASE("env is copied verbatim", "[render][sts]") {
  auto h = make_habitat();
  h.spec.env = bj::parse(R"([{"name":"HAB_REDIS","value":"{ \"port\": \"6999\" }"},
                             {"name":"POD_IP","valueFrom":{"fieldRef":{"fieldPath":"status.podIP"}}}])").as_array();
  CHECK(at(render_sts(h), "spec/template/spec/containers/0/env")->as_array() == h.spec.env);
}

TEST_CASE("the peer file comes from the peer ConfigMap, read-only", "[render][sts]") {
  auto h = make_habitat();
  const bj::value sts = render_sts(h);
  const bj::object* v = named(at(sts, "spec/template/spec/volumes"), "config");
  REQUIRE(v);
  CHECK(bj::value(*v) == bj::parse(R"({"name":"config","configMap":{"name":"peer-watch-file",
                                       "items":[{"key":"peer-watch-file","path":"peer-ip"}]}})"));
  const bj::object* m = named(at(sts, "spec/template/spec/containers/0/volumeMounts"), "config");
  REQUIRE(m);
  CHECK(bj::value(*m) == bj::parse(R"({"name":"config","mountPath":"/habitat-operator","readOnly":true})"));

  h.spec.service.ring_secret_name = "blue-20170829113029";
  const bj::value ringed = render_sts(h);
  CHECK(*at(*named(at(ringed, "spec/template/spec/volumes"), "config"), "configMap/name") == "peer-watch-file-blue");
}

TEST_CASE("user.toml is mounted as a directory so Secret edits reach running pods", "[render][sts]") {
  auto h = make_habitat();
  h.spec.service.config_secret_name = "user-toml";
  const bj::value sts = render_sts(h);
  const bj::object* v = named(at(sts, "spec/template/spec/volumes"), "user-config");
  REQUIRE(v);
  CHECK(bj::value(*v) == bj::parse(R"({"name":"user-config","secret":{"secretName":"user-toml",
                                       "items":[{"key":"user.toml","path":"user.toml"}]}})"));
  const bj::object* m = named(at(sts, "spec/template/spec/containers/0/volumeMounts"), "user-config");
  REQUIRE(m);
  CHECK(m->at("mountPath") == "/hab/user/redis/config");
  CHECK_FALSE(m->contains("subPath"));
  CHECK(at(sts, "spec/template/metadata/annotations") == nullptr);
}

TEST_CASE("the ring key file is mounted alone so /hab/cache/keys stays writable", "[render][sts]") {
  auto h = make_habitat();
  h.spec.service.ring_secret_name = "example-encrypted-ring-20170829113029";
  const bj::value sts = render_sts(h);
  const bj::object* v = named(at(sts, "spec/template/spec/volumes"), "ring-key");
  REQUIRE(v);
  CHECK(bj::value(*v) ==
        bj::parse(R"({"name":"ring-key","secret":{"secretName":"example-encrypted-ring-20170829113029",
                      "items":[{"key":"ring-key","path":"example-encrypted-ring-20170829113029.sym.key"}]}})"));
  const bj::object* m = named(at(sts, "spec/template/spec/containers/0/volumeMounts"), "ring-key");
  REQUIRE(m);
  CHECK(m->at("mountPath") == "/hab/cache/keys/example-encrypted-ring-20170829113029.sym.key");
  CHECK(m->at("subPath") == "example-encrypted-ring-20170829113029.sym.key");
  for (const auto& mount : at(sts, "spec/template/spec/containers/0/volumeMounts")->as_array())
    CHECK(mount.at("mountPath") != "/hab/cache/keys");
}

TEST_CASE("files are copied by a pinned init container into an emptyDir", "[render][sts]") {
  auto h = make_habitat();
  h.spec.service.files_secret_name = "files-secret";
  const bj::value sts = render_sts(h);
  CHECK(bj::value(*named(at(sts, "spec/template/spec/volumes"), "files-secrets")) ==
        bj::parse(R"({"name":"files-secrets","secret":{"secretName":"files-secret"}})"));
  CHECK(bj::value(*named(at(sts, "spec/template/spec/volumes"), "files")) ==
        bj::parse(R"({"name":"files","emptyDir":{}})"));
  CHECK(bj::value(*named(at(sts, "spec/template/spec/containers/0/volumeMounts"), "files")) ==
        bj::parse(R"({"name":"files","mountPath":"/hab/svc/redis/files"})"));
  CHECK(*at(sts, "spec/template/spec/initContainers") ==
        bj::parse(R"([{"name":"copy-files","image":"busybox:1.36.1",
                       "command":["sh","-c","cp /mnt/files/* /hab/svc/redis/files"],
                       "volumeMounts":[{"name":"files-secrets","mountPath":"/mnt/files","readOnly":true},
                                       {"name":"files","mountPath":"/hab/svc/redis/files"}]}])"));
  render::options o;
  o.files_init_image = "registry.example/busybox@sha256:abc";
  CHECK(*at(render_sts(h, o), "spec/template/spec/initContainers/0/image") == "registry.example/busybox@sha256:abc");
  CHECK(at(render_sts(make_habitat()), "spec/template/spec/initContainers") == nullptr);
}

TEST_CASE("volumes keep the original's order", "[render][sts]") {
  auto h = make_habitat();
  h.spec.service.config_secret_name = "user-toml";
  h.spec.service.files_secret_name = "files-secret";
  h.spec.service.ring_secret_name = "ring-20170829113029";
  h.spec.persistent_storage = api::persistent_storage{"1Gi", "/hab/svc/redis/data", ""};
  const bj::value sts = render_sts(h);
  std::vector<std::string> volumes, mounts;
  for (const auto& v : at(sts, "spec/template/spec/volumes")->as_array()) volumes.emplace_back(v.at("name").as_string());
  for (const auto& m : at(sts, "spec/template/spec/containers/0/volumeMounts")->as_array())
    mounts.emplace_back(m.at("name").as_string());
  CHECK(volumes == std::vector<std::string>{"config", "user-config", "files-secrets", "files", "ring-key"});
  CHECK(mounts == std::vector<std::string>{"config", "user-config", "files", "persistent", "ring-key"});
}

TEST_CASE("persistence adds a claim template without an empty storageClassName", "[render][sts]") {
  auto h = make_habitat("db");
  h.spec.persistent_storage = api::persistent_storage{"1Gi", "/hab/svc/redis/data", ""};
  const bj::value sts = render_sts(h);
  CHECK(*at(sts, "spec/volumeClaimTemplates") ==
        bj::parse(R"([{"metadata":{"name":"persistent","labels":{"habitat":"true","habitat-name":"db"}},
                       "spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"1Gi"}}}}])"));
  CHECK(bj::value(*named(at(sts, "spec/template/spec/containers/0/volumeMounts"), "persistent")) ==
        bj::parse(R"({"name":"persistent","mountPath":"/hab/svc/redis/data"})"));

  h.spec.persistent_storage->storage_class_name = "example-sc";
  CHECK(*at(render_sts(h), "spec/volumeClaimTemplates/0/spec/storageClassName") == "example-sc");
}

TEST_CASE("an unextended Habitat renders only the original's pod fields", "[render][sts]") {
  const bj::value sts = render_sts(make_habitat());
  CHECK(keys(at(sts, "spec/template/spec")) == std::vector<std::string>{"containers", "volumes"});
}

TEST_CASE("extensions reach the pod spec and the container", "[render][sts]") {
  auto h = make_habitat();
  h.spec.node_selector = {{"disktype", "ssd"}, {"arch", "amd64"}};
  h.spec.tolerations = bj::parse(R"([{"key":"dedicated","operator":"Equal","value":"hab","effect":"NoSchedule"}])").as_array();
  h.spec.affinity = bj::parse(R"({"podAntiAffinity":{}})").as_object();
  h.spec.resources = bj::parse(R"({"limits":{"memory":"256Mi"}})").as_object();
  h.spec.service_account_name = "hab";
  h.spec.security_context = bj::parse(R"({"fsGroup":42})").as_object();
  h.spec.image_pull_secrets = {"regcred"};
  const bj::value sts = render_sts(h);
  const bj::value& pod = *at(sts, "spec/template/spec");
  CHECK(*at(pod, "nodeSelector") == bj::parse(R"({"arch":"amd64","disktype":"ssd"})"));
  CHECK(keys(at(pod, "nodeSelector")) == std::vector<std::string>{"arch", "disktype"});
  CHECK(at(pod, "tolerations")->as_array() == h.spec.tolerations);
  CHECK(*at(pod, "affinity") == *h.spec.affinity);
  CHECK(*at(pod, "serviceAccountName") == "hab");
  CHECK(*at(pod, "securityContext") == bj::parse(R"({"fsGroup":42})"));
  CHECK(*at(pod, "imagePullSecrets") == bj::parse(R"([{"name":"regcred"}])"));
  CHECK(*at(pod, "containers/0/resources") == *h.spec.resources);
}

TEST_CASE("rendering is deterministic", "[render][sts]") {
  auto h = make_habitat();
  h.spec.service.ring_secret_name = "ring-20170829113029";
  h.spec.node_selector = {{"b", "2"}, {"a", "1"}};
  CHECK(bj::serialize(render_sts(h)) == bj::serialize(render_sts(h)));
}
