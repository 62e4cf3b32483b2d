// The protobuf body decoder on hand-built `k8s\0` envelopes, written field by field as gogo-protobuf writes them
// (zeros of non-pointer fields included): the JSON per kind, 415 for unknown fields, 400 for malformed bytes.
#include "../../../fake-apiserver/src/core/detail.hpp"

#include <catch2/catch.hpp>

#include <habop/json/codec.hpp>

#include "../../../fake-apiserver/src/core/protobuf_wire.hpp"
#include "test_client.hpp"

using namespace habop::fake;
namespace bj = boost::json;

namespace {

const resource_type& type_of(std::string_view group, std::string_view kind) {
  static const std::vector<resource_type> types = [] {
    std::vector<resource_type> v = builtin_types();
    v.insert(v.end(), review_types().begin(), review_types().end());
    return v;
  }();
  for (const resource_type& t : types)
    if (t.group == group && t.kind == kind) return t;
  FAIL("no type " << kind);
  throw;
}

pb_writer entry(std::string_view k, std::string_view v) {
  pb_writer w;
  w.bytes(1, k);
  w.bytes(2, v);
  return w;
}

// ObjectMeta as kubectl sends it: every non-pointer string written, empty creationTimestamp.
pb_writer meta(std::string_view name, std::string_view ns = "") {
  pb_writer m;
  for (std::uint32_t f : {1, 2, 3, 4, 5, 6}) m.bytes(f, f == 1 ? name : f == 3 ? ns : "");
  m.integer(7, 0);
  m.bytes(8, "");
  return m;
}

pb_writer int_or_string(std::int64_t i, std::string_view s = "") {
  pb_writer w;
  w.integer(1, s.empty() ? 0 : 1);
  w.integer(2, i);
  w.bytes(3, s);
  return w;
}

std::string envelope(std::string_view kind, const pb_writer& raw) {
  pb_writer type_meta, unknown;
  type_meta.string(1, "v1");
  type_meta.string(2, kind);
  unknown.message(1, type_meta);
  unknown.message(2, raw);
  unknown.bytes(3, "");
  unknown.bytes(4, "");
  return std::string("k8s\0", 4) + unknown.out;
}

bj::value decoded(std::string_view group, std::string_view kind, const pb_writer& raw) {
  auto r = decode_protobuf(envelope(kind, raw), type_of(group, kind));
  INFO((r ? std::string() : r.error().message));
  REQUIRE(r);
  return *r;
}

bj::value json(std::string_view text) { return *habop::json::parse_json(text); }

}  // namespace

TEST_CASE("protobuf: a Service as `kubectl create service nodeport` writes it") {
  pb_writer port, spec, status, svc;
  port.bytes(1, "80-8080");
  port.bytes(2, "TCP");
  port.integer(3, 80);
  port.message(4, int_or_string(8080));
  port.integer(5, 30080);
  spec.message(1, port);
  spec.message(2, entry("app", "s1"));
  for (std::uint32_t f : {3, 7, 8, 10, 11}) spec.bytes(f, "");
  spec.bytes(4, "NodePort");
  spec.integer(12, 0);
  spec.integer(13, 0);
  status.message(1, pb_writer{});
  pb_writer m = meta("s1");
  m.message(11, entry("app", "s1"));
  svc.message(1, m);
  svc.message(2, spec);
  svc.message(3, status);
  CHECK(decoded("", "Service", svc) == json(R"({"apiVersion":"v1","kind":"Service",
      "metadata":{"name":"s1","labels":{"app":"s1"}},
      "spec":{"ports":[{"name":"80-8080","protocol":"TCP","port":80,"targetPort":8080,"nodePort":30080}],
              "selector":{"app":"s1"},"type":"NodePort"},
      "status":{"loadBalancer":{}}})"));
}

TEST_CASE("protobuf: k8s wrapper types, pointers and repeated fields") {
  pb_writer spec, svc, ts, m = meta("s2", "ns1");
  ts.integer(1, 1'700'000'000);
  ts.integer(2, 500'000'000);   // a Time's nanos are dropped, as KAS drops them
  m.message(8, ts);
  m.message(12, entry("note", ""));
  m.string(14, "a/b");
  m.string(14, "c/d");
  pb_writer port;
  port.integer(3, -1);   // int32 as a sign-extended varint
  port.message(4, int_or_string(0, "https"));
  port.bytes(6, "");     // *string appProtocol: an explicit empty value is kept
  spec.message(1, port);
  spec.string(18, "None");
  spec.string(19, "IPv4");
  spec.string(19, "IPv6");
  spec.string(17, "PreferDualStack");
  spec.integer(20, 0);   // *bool: false is kept
  svc.message(1, m);
  svc.message(2, spec);
  CHECK(decoded("", "Service", svc) == json(R"({"apiVersion":"v1","kind":"Service",
      "metadata":{"name":"s2","namespace":"ns1","creationTimestamp":"2023-11-14T22:13:20Z","annotations":{"note":""},
                  "finalizers":["a/b","c/d"]},
      "spec":{"ports":[{"port":-1,"targetPort":"https","appProtocol":""}],"clusterIPs":["None"],
              "ipFamilies":["IPv4","IPv6"],"ipFamilyPolicy":"PreferDualStack",
              "allocateLoadBalancerNodePorts":false}})"));
}

TEST_CASE("protobuf: a Deployment with its pod template, ports, resources and probes") {
  pb_writer cport, limits, qty, resources, container, probe, handler, pod, tmpl, selector, spec, status, d, tm;
  cport.bytes(1, "");
  cport.integer(2, 0);
  cport.integer(3, 80);
  cport.bytes(4, "TCP");
  cport.bytes(5, "");
  qty.bytes(1, "500m");
  limits.bytes(1, "cpu");
  limits.message(2, qty);
  resources.message(1, limits);
  handler.message(2, [] {
    pb_writer get;
    get.bytes(1, "/healthz");
    get.message(2, int_or_string(8080));
    return get;
  }());
  probe.message(1, handler);
  probe.integer(3, 5);
  container.bytes(1, "nginx");
  container.bytes(2, "nginx");
  container.message(6, cport);
  container.message(8, resources);
  container.message(10, probe);
  for (std::uint32_t f : {5, 13, 14, 20}) container.bytes(f, "");
  for (std::uint32_t f : {16, 17, 18}) container.integer(f, 0);
  pod.message(2, container);
  for (std::uint32_t f : {3, 6, 8, 9, 10, 16, 17, 19, 24}) pod.bytes(f, "");
  for (std::uint32_t f : {11, 12, 13}) pod.integer(f, 0);
  pb_writer template_meta = meta("");
  template_meta.message(11, entry("app", "d1"));
  tmpl.message(1, template_meta);
  tmpl.message(2, pod);
  selector.message(1, entry("app", "d1"));
  spec.integer(1, 0);   // *int32 replicas: an explicit 0 is kept
  spec.message(2, selector);
  spec.message(3, tmpl);
  spec.message(4, pb_writer{});
  spec.integer(5, 0);
  spec.integer(7, 0);
  for (std::uint32_t f : {1, 2, 3, 4, 5, 7}) status.integer(f, 0);
  d.message(1, meta("d1"));
  d.message(2, spec);
  d.message(3, status);
  CHECK(decoded("apps", "Deployment", d) == json(R"({"apiVersion":"apps/v1","kind":"Deployment",
      "metadata":{"name":"d1"},
      "spec":{"replicas":0,"selector":{"matchLabels":{"app":"d1"}},"strategy":{},
              "template":{"metadata":{"labels":{"app":"d1"}},
                          "spec":{"containers":[{"name":"nginx","image":"nginx",
                                                 "ports":[{"containerPort":80,"protocol":"TCP"}],
                                                 "resources":{"limits":{"cpu":"500m"}},
                                                 "livenessProbe":{"httpGet":{"path":"/healthz","port":8080},
                                                                  "timeoutSeconds":5}}]}}},
      "status":{}})"));
}

TEST_CASE("protobuf: RBAC roles and bindings") {
  pb_writer rule, cr, agg, sel, crb, sa_subject, user_subject, ref, m = meta("cr1");
  for (std::string_view v : {"get", "list"}) rule.string(1, v);
  rule.bytes(2, "");
  rule.string(3, "pods");
  rule.string(4, "x");
  sel.message(1, entry("rbac.example.com/aggregate", "true"));
  agg.message(1, sel);
  cr.message(1, m);
  cr.message(2, rule);
  cr.message(3, agg);
  CHECK(decoded("rbac.authorization.k8s.io", "ClusterRole", cr) ==
        json(R"({"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole","metadata":{"name":"cr1"},
                 "rules":[{"verbs":["get","list"],"apiGroups":[""],"resources":["pods"],"resourceNames":["x"]}],
                 "aggregationRule":{"clusterRoleSelectors":[
                   {"matchLabels":{"rbac.example.com/aggregate":"true"}}]}})"));
  user_subject.bytes(1, "User");
  user_subject.bytes(2, "rbac.authorization.k8s.io");
  user_subject.bytes(3, "bob");
  user_subject.bytes(4, "");
  sa_subject.bytes(1, "ServiceAccount");
  sa_subject.bytes(2, "");
  sa_subject.bytes(3, "sa1");
  sa_subject.bytes(4, "default");
  ref.bytes(1, "rbac.authorization.k8s.io");
  ref.bytes(2, "Role");
  ref.bytes(3, "r1");
  crb.message(1, meta("rb1"));
  crb.message(2, user_subject);
  crb.message(2, sa_subject);
  crb.message(3, ref);
  CHECK(decoded("rbac.authorization.k8s.io", "RoleBinding", crb) ==
        json(R"({"apiVersion":"rbac.authorization.k8s.io/v1","kind":"RoleBinding","metadata":{"name":"rb1"},
                 "subjects":[{"kind":"User","apiGroup":"rbac.authorization.k8s.io","name":"bob"},
                             {"kind":"ServiceAccount","name":"sa1","namespace":"default"}],
                 "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"r1"}})"));
}

TEST_CASE("protobuf: ConfigMap, Secret, Namespace, ServiceAccount and an access review") {
  pb_writer cm, secret, ns, ns_spec, sa, pull, review, attrs, review_spec, review_status;
  cm.message(1, meta("c1"));
  cm.message(2, entry("a", "b"));
  cm.message(3, entry("bin", std::string("\0\1", 2)));
  cm.boolean(4, true);
  CHECK(decoded("", "ConfigMap", cm) == json(R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c1"},
      "data":{"a":"b"},"binaryData":{"bin":"AAE="},"immutable":true})"));
  secret.message(1, meta("s1"));
  secret.message(2, entry("k", "v"));
  secret.bytes(3, "Opaque");
  CHECK(decoded("", "Secret", secret) == json(R"({"apiVersion":"v1","kind":"Secret","metadata":{"name":"s1"},
      "data":{"k":"dg=="},"type":"Opaque"})"));
  ns_spec.string(1, "kubernetes");
  ns.message(1, meta("n1"));
  ns.message(2, ns_spec);
  ns.message(3, pb_writer{});
  CHECK(decoded("", "Namespace", ns) == json(R"({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"n1"},
      "spec":{"finalizers":["kubernetes"]},"status":{}})"));
  pull.bytes(1, "regcred");
  sa.message(1, meta("sa1"));
  sa.message(3, pull);
  CHECK(decoded("", "ServiceAccount", sa) == json(R"({"apiVersion":"v1","kind":"ServiceAccount",
      "metadata":{"name":"sa1"},"imagePullSecrets":[{"name":"regcred"}]})"));
  attrs.bytes(1, "default");
  attrs.bytes(2, "get");
  for (std::uint32_t f : {3, 4, 6, 7}) attrs.bytes(f, "");
  attrs.bytes(5, "pods");
  review_spec.message(1, attrs);
  review_status.integer(1, 0);
  review_status.bytes(2, "");
  review_status.bytes(3, "");
  review.message(1, meta(""));
  review.message(2, review_spec);
  review.message(3, review_status);
  CHECK(decoded("authorization.k8s.io", "SelfSubjectAccessReview", review) ==
        json(R"({"apiVersion":"authorization.k8s.io/v1","kind":"SelfSubjectAccessReview","metadata":{},
                 "spec":{"resourceAttributes":{"namespace":"default","verb":"get","resource":"pods"}},
                 "status":{"allowed":false}})"));
}

TEST_CASE("protobuf: an unknown field is a 415 naming the message, the field number and where") {
  pb_writer spec, svc;
  spec.bytes(4, "ClusterIP");
  spec.bytes(99, "surprise");
  svc.message(1, meta("s1"));
  svc.message(2, spec);
  auto r = decode_protobuf(envelope("Service", svc), type_of("", "Service"));
  REQUIRE_FALSE(r);
  CHECK(r.error().code == 415);
  CHECK(r.error().message.find("ServiceSpec field 99 at spec is not supported") != std::string::npos);
  // A kind without a table is refused as a whole, before its bytes are looked at.
  auto pod = decode_protobuf(envelope("Pod", svc), type_of("", "Pod"));
  REQUIRE_FALSE(pod);
  CHECK(pod.error().code == 415);
}

TEST_CASE("protobuf: malformed bodies are 400s, never crashes, at every truncation") {
  pb_writer port, spec, svc;
  port.integer(3, 80);
  port.message(4, int_or_string(0, "http"));
  spec.message(1, port);
  spec.message(2, entry("app", "s1"));
  svc.message(1, meta("s1"));
  svc.message(2, spec);
  const std::string body = envelope("Service", svc);
  const resource_type& t = type_of("", "Service");
  for (std::size_t n = 0; n < body.size(); ++n) {
    auto r = decode_protobuf(body.substr(0, n), t);
    INFO("prefix " << n);
    CHECK((r || r.error().code == 400 || r.error().code == 415));
  }
  CHECK(decode_protobuf(body.substr(0, body.size() - 1), t).error().code == 400);
  CHECK(decode_protobuf("{}", t).error().code == 400);   // no k8s\0 prefix
  pb_writer wrong;   // metadata as a varint
  wrong.integer(1, 7);
  auto w = decode_protobuf(envelope("Service", wrong), t);
  REQUIRE_FALSE(w);
  CHECK(w.error().code == 400);
  CHECK(w.error().message.find("Service.metadata has wire type 0") != std::string::npos);
}

TEST_CASE("protobuf: bodies through the HTTP entry point are created, refused with 415 or with 400") {
  api_server srv;
  test::client c{srv};
  pb_writer port, spec, svc;
  port.integer(3, 80);
  port.message(4, int_or_string(80));
  spec.message(1, port);
  spec.bytes(4, "ClusterIP");
  svc.message(1, meta("web"));
  svc.message(2, spec);
  const std::string path = "/api/v1/namespaces/default/services";
  const std::string pb_type = "application/vnd.kubernetes.protobuf";
  auto created = c.call("POST", path + "?fieldManager=kubectl-create", envelope("Service", svc), pb_type);
  REQUIRE(created.head.status == 201);
  CHECK(test::at(c.json(created), "/spec/ports/0/targetPort") == "80");
  spec.integer(42, 1);
  svc.message(2, spec);
  auto refused = c.call("POST", path, envelope("Service", svc), pb_type);
  CHECK(refused.head.status == 415);
  CHECK(test::at(c.json(refused), "/message").find("ServiceSpec field 42") != std::string::npos);
  CHECK(c.call("POST", path, std::string("k8s\0\x12\x05", 6), pb_type).head.status == 400);
}
