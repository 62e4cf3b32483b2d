#include <habop/reconcile/fingerprint.hpp>

#include "fixtures.hpp"

#include <boost/json/parse.hpp>

#include <habop/api/parse.hpp>
#include <habop/reconcile/detail/hash.hpp>
#include <habop/reconcile/detail/server_defaults.hpp>
#include <habop/reconcile/owned.hpp>
#include <habop/render/render.hpp>

#include <catch2/catch.hpp>

namespace bj = boost::json;
using namespace habop;
using namespace habop::reconcile;

namespace {
bj::object obj(const char* text) { return bj::parse(text).as_object(); }
}  // namespace

// Stamps already written hold these values: the word reads of a short tail must equal the byte loop they replaced.
TEST_CASE("fold_bytes folds a short tail as a little-endian word of its bytes") {
  const std::string text = "abcdefghijklmnopqrstuvwxyz\x80\xff";
  for (std::size_t n = 0; n <= text.size(); ++n) {
    const std::string_view s = std::string_view(text).substr(text.size() - n);
    std::uint64_t h = 7 ^ (n * 0x9e3779b97f4a7c15ull);
    auto step = [&h](std::uint64_t w) {
      h = (h ^ w) * 0xbf58476d1ce4e5b9ull;
      h ^= h >> 31;
    };
    for (std::size_t i = 0; i < n; i += 8) {
      std::uint64_t w = 0;
      const std::size_t from = i + 8 <= n ? i : (n >= 8 ? n - 8 : 0);
      for (std::size_t k = 0; k < 8 && from + k < n; ++k)
        w |= static_cast<std::uint64_t>(static_cast<unsigned char>(s[from + k])) << (8 * k);
      step(w);
    }
    INFO(n);
    CHECK(detail::fold_bytes(s, 7) == h);
  }
}

TEST_CASE("A stamp is <inputs>-<observed> in hex and knows its inputs") {
  const std::string s = make_stamp(0x0123456789abcdefull, 0xfedcba9876543210ull);
  CHECK(s == "0123456789abcdef-fedcba9876543210");
  CHECK(stamp_has_inputs(s, 0x0123456789abcdefull));
  CHECK_FALSE(stamp_has_inputs(s, 0x0123456789abcdeeull));
  CHECK(stamp_observed(s) == "fedcba9876543210");
  CHECK(make_stamp(1, unverified) == "0000000000000001-unverified");
  // A stamp from before the two-part format (16 hex digits) has neither part.
  CHECK_FALSE(stamp_has_inputs("0123456789abcdef", 0x0123456789abcdefull));
  CHECK(stamp_observed("0123456789abcdef").empty());
}

TEST_CASE("The observed hash ignores member order, number representation, volatile metadata and the stamp") {
  const auto a = obj(R"({"metadata":{"name":"a","labels":{"x":"1","y":"2"}},"spec":{"replicas":3}})");
  auto b = obj(R"({"spec":{"replicas":3},"metadata":{"labels":{"y":"2","x":"1"},"name":"a","resourceVersion":"7",
                   "generation":4,"uid":"u","creationTimestamp":"t","managedFields":[{}],
                   "annotations":{"operator.habitat.sh/rendered-hash":"x"}},"status":{"replicas":1}})");
  // Annotations holding only the stamp hash as none (stamping a create body adds them).
  CHECK(observed_hash(a) == observed_hash(b));
  b["spec"].as_object()["replicas"] = 3u;
  CHECK(observed_hash(a) == observed_hash(b));
  b["spec"].as_object()["replicas"] = 3.0;
  CHECK(observed_hash(a) == observed_hash(b));
}

TEST_CASE("The observed hash sees every other change, owned or not") {
  const auto base = obj(R"({"metadata":{"name":"a","annotations":{"k":"v"}},"spec":{"replicas":3,"list":["ab","c"]}})");
  const std::uint64_t h = observed_hash(base);
  for (const char* other : {R"({"metadata":{"name":"a","annotations":{"k":"w"}},"spec":{"replicas":3,"list":["ab","c"]}})",
                            R"({"metadata":{"name":"a"},"spec":{"replicas":3,"list":["ab","c"]}})",
                            R"({"metadata":{"name":"a","annotations":{"k":"v"}},"spec":{"replicas":4,"list":["ab","c"]}})",
                            R"({"metadata":{"name":"a","annotations":{"k":"v"}},"spec":{"replicas":3,"list":["a","bc"]}})",
                            R"({"metadata":{"name":"a","annotations":{"k":"v"}},"spec":{"replicas":3,"list":["c","ab"]}})",
                            R"({"metadata":{"name":"a","annotations":{"k":"v"}},"spec":{"replicas":3,"list":["ab","c"],"x":null}})",
                            R"({"metadata":{"name":"a","labels":{},"annotations":{"k":"v"}},"spec":{"replicas":3,"list":["ab","c"]}})"})
    CHECK(observed_hash(obj(other)) != h);
}

TEST_CASE("In a StatefulSet or Service, a field equal to its server default hashes as absent") {
  const auto svc = obj(R"({"kind":"Service","spec":{"clusterIP":"None","ports":[{"name":"a","port":9638}]}})");
  const auto served = obj(R"({"kind":"Service","spec":{"clusterIP":"None","clusterIPs":["None"],"type":"ClusterIP",
      "sessionAffinity":"None","ipFamilies":["IPv4"],"ipFamilyPolicy":"SingleStack","internalTrafficPolicy":"Cluster",
      "ports":[{"name":"a","port":9638,"protocol":"TCP","targetPort":9638}]}})");
  CHECK(observed_hash(svc) == observed_hash(served));
  for (const char* other : {R"({"kind":"Service","spec":{"clusterIP":"None","ports":[{"name":"a","port":9638,"protocol":"UDP"}]}})",
                            R"({"kind":"Service","spec":{"clusterIP":"None","ports":[{"name":"a","port":9638,"targetPort":1}]}})",
                            R"({"kind":"Service","spec":{"clusterIP":"None","sessionAffinity":"ClientIP","ports":[{"name":"a","port":9638}]}})",
                            R"({"kind":"Service","spec":{"clusterIP":"10.0.0.1","ports":[{"name":"a","port":9638}]}})"})
    CHECK(observed_hash(obj(other)) != observed_hash(svc));
  // Assigned addresses are the server's: two non-headless Services differing only there hash alike.
  CHECK(observed_hash(obj(R"({"kind":"Service","spec":{"clusterIP":"10.0.0.1","clusterIPs":["10.0.0.1"]}})")) ==
        observed_hash(obj(R"({"kind":"Service","spec":{"clusterIP":"10.0.0.2"}})")));

  const auto sts = obj(R"({"kind":"StatefulSet","spec":{"replicas":3,"updateStrategy":{"type":"RollingUpdate"},
      "template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"x:1"}],
                  "volumes":[{"name":"v","secret":{"secretName":"s"}}]}}}})");
  const auto served_sts = obj(R"({"kind":"StatefulSet","spec":{"replicas":3,"podManagementPolicy":"OrderedReady",
      "revisionHistoryLimit":10,"updateStrategy":{"type":"RollingUpdate","rollingUpdate":{"partition":0}},
      "persistentVolumeClaimRetentionPolicy":{"whenDeleted":"Retain","whenScaled":"Retain"},
      "template":{"metadata":{"labels":{"a":"b"},"creationTimestamp":null},"spec":{"dnsPolicy":"ClusterFirst",
        "restartPolicy":"Always","schedulerName":"default-scheduler","securityContext":{},
        "terminationGracePeriodSeconds":30,"containers":[{"name":"c","image":"x:1","imagePullPolicy":"IfNotPresent",
        "terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File","resources":{}}],
        "volumes":[{"name":"v","secret":{"secretName":"s","defaultMode":420}}]}}}})");
  CHECK(observed_hash(sts) == observed_hash(served_sts));
  auto with_account = sts, served_account = served_sts;   // the deprecated twin follows serviceAccountName
  with_account["spec"].as_object()["template"].as_object()["spec"].as_object()["serviceAccountName"] = "sa";
  served_account["spec"].as_object()["template"].as_object()["spec"].as_object()["serviceAccountName"] = "sa";
  served_account["spec"].as_object()["template"].as_object()["spec"].as_object()["serviceAccount"] = "sa";
  CHECK(observed_hash(with_account) == observed_hash(served_account));
  served_account["spec"].as_object()["template"].as_object()["spec"].as_object()["serviceAccount"] = "old";
  CHECK(observed_hash(with_account) != observed_hash(served_account));
  auto env = [](const char* value_from) {
    return obj((std::string(R"({"kind":"StatefulSet","spec":{"template":{"spec":{"containers":[{"name":"c",)") +
                R"("env":[{"name":"E","valueFrom":)" + value_from + "}]}]}}}}")
                   .c_str());
  };
  CHECK(observed_hash(env(R"({"fieldRef":{"fieldPath":"status.podIP"}})")) ==
        observed_hash(env(R"({"fieldRef":{"fieldPath":"status.podIP","apiVersion":"v1"}})")));
  CHECK(observed_hash(env(R"({"resourceFieldRef":{"resource":"limits.cpu"}})")) ==
        observed_hash(env(R"({"resourceFieldRef":{"resource":"limits.cpu","divisor":"0"}})")));
  CHECK(observed_hash(env(R"({"resourceFieldRef":{"resource":"limits.cpu"}})")) !=
        observed_hash(env(R"({"resourceFieldRef":{"resource":"limits.cpu","divisor":"1m"}})")));
  auto pull_always = served_sts;   // not what the image implies: a user's choice, hashed
  pull_always["spec"].as_object()["template"].as_object()["spec"].as_object()["containers"].as_array()[0]
      .as_object()["imagePullPolicy"] = "Always";
  CHECK(observed_hash(pull_always) != observed_hash(sts));
  auto partitioned = served_sts;
  partitioned["spec"].as_object()["updateStrategy"].as_object()["rollingUpdate"].as_object()["partition"] = 2;
  CHECK(observed_hash(partitioned) != observed_hash(sts));
  // Only these two kinds are read for defaults.
  CHECK(observed_hash(obj(R"({"kind":"ConfigMap","spec":{"type":"ClusterIP"}})")) !=
        observed_hash(obj(R"({"kind":"ConfigMap","spec":{}})")));
}

TEST_CASE("The implied imagePullPolicy follows the image reference, and is unknown when in doubt") {
  using detail::default_image_pull_policy;
  CHECK(default_image_pull_policy("redis") == "Always");
  CHECK(default_image_pull_policy("habitat/redis:latest") == "Always");
  CHECK(default_image_pull_policy("habitat/redis:1.2") == "IfNotPresent");
  CHECK(default_image_pull_policy("registry.example.com:5000/a/b") == "Always");
  CHECK(default_image_pull_policy("localhost/a:Latest") == "IfNotPresent");
  const std::string digest = "@sha256:" + std::string(64, 'a');
  CHECK(default_image_pull_policy("a/b" + digest) == "IfNotPresent");
  CHECK(default_image_pull_policy("a/b:latest" + digest) == "Always");
  for (const char* doubtful : {"", "Redis", "a/B:1", "a//b", "a/-b", "a/b@sha256:12", "a:", "a-.b", "busybox:1.36 "})
    CHECK_FALSE(default_image_pull_policy(doubtful));
}

TEST_CASE("The inputs hash follows what rendering reads, per object") {
  const auto h = test::typical_habitat("a");
  const auto sts = stamped::stateful_set, svc = stamped::service;
  const std::uint64_t base = inputs_hash(h, {}, sts), base_svc = inputs_hash(h, {}, svc);
  CHECK(base != base_svc);
  auto bumped = h;   // what the API server and the operator change, and what rendering does not read
  bumped["metadata"].as_object()["resourceVersion"] = "99";
  bumped["metadata"].as_object()["generation"] = 5;
  bumped["metadata"].as_object()["labels"] = obj(R"({"team":"x"})");
  bumped["status"] = obj(R"({"replicas":3})");
  CHECK(inputs_hash(bumped, {}, sts) == base);
  CHECK(inputs_hash(bumped, {}, svc) == base_svc);
  auto changed = h;   // the spec: the StatefulSet's rendering, not the Service's
  changed["spec"].as_object()["v1beta2"].as_object()["count"] = 4;
  CHECK(inputs_hash(changed, {}, sts) != base);
  CHECK(inputs_hash(changed, {}, svc) == base_svc);
  auto renamed = h;
  renamed["metadata"].as_object()["uid"] = "other";
  CHECK(inputs_hash(renamed, {}, sts) != base);
  CHECK(inputs_hash(renamed, {}, svc) != base_svc);
  render::options other;
  other.files_init_image = "busybox:1.37";
  CHECK(inputs_hash(h, other, sts) != base);
  CHECK(inputs_hash(h, other, svc) == base_svc);
}

TEST_CASE("converged_by_stamp holds only for the object exactly as stamped, with the same inputs") {
  auto o = obj(R"({"metadata":{"name":"a"},"spec":{"replicas":3}})");
  set_stamp(o, make_stamp(7, observed_hash(o)));
  CHECK(rendered_hash_of(o).size() == 33);
  CHECK(converged_by_stamp(o, 7));
  CHECK_FALSE(converged_by_stamp(o, 8));
  auto drifted = o;
  drifted["spec"].as_object()["replicas"] = 2;
  CHECK_FALSE(converged_by_stamp(drifted, 7));
  auto server_side = o;
  server_side["metadata"].as_object()["resourceVersion"] = "12";
  server_side["status"] = obj(R"({"readyReplicas":3})");
  CHECK(converged_by_stamp(server_side, 7));
  auto never = o;
  set_stamp(never, make_stamp(7, unverified));
  CHECK_FALSE(converged_by_stamp(never, 7));
}

// The fast path trusts `render_version`: a change to what rendering produces must bump it, or Habitats whose objects
// carry a stamp would never get the new rendering. This pins the rendering of the fixtures to the version.
TEST_CASE("render_version changes whenever the rendering of the fixtures changes") {
  std::uint64_t h = 0;
  for (const auto& raw : {test::typical_habitat("typical"), test::habitat("plain")}) {
    auto parsed = api::parse_habitat(raw);
    REQUIRE(parsed);
    for (const auto& o : render::render_all(*parsed)) h = h * 31 + hash_json(o);
  }
  INFO("rendering changed: bump reconcile::render_version and record the new hash here");
  CHECK(render_version == 2);
  CHECK(h == 0xedbd0dd82ee7516dull);
}
