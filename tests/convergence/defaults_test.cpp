// Objects as kube-apiserver returns them (every default filled in): the stamp's fast path holds, drift of an owned
// field is still one patch, and a field equal to its default coming or going causes no write.
#include "server_defaults.hpp"
#include "store.hpp"

#include "fixtures.hpp"

#include <functional>

#include <boost/json/parse.hpp>

#include <habop/reconcile/fingerprint.hpp>

#include <catch2/catch.hpp>

namespace bj = boost::json;
using namespace habop;
using habop::reconcile::plan;
using habop::test::store;

namespace {

store defaulted_cluster() {
  store s;
  s.default_like_kube_apiserver();
  s.add_secret("ns", "user-toml");
  s.add_secret("ns", "prod-ring-20170829113029");
  s.put("habitats", test::typical_habitat("typical"));
  s.put("habitats", test::habitat("plain"));
  s.put("habitats", test::habitat("extended", R"({"spec":{"v1beta2":{"image":"habitat/redis:7.2","count":2,
      "serviceAccountName":"redis","securityContext":{"runAsUser":42},"resources":{"limits":{"memory":"1Gi"}},
      "env":[{"name":"IP","valueFrom":{"fieldRef":{"fieldPath":"status.podIP"}}},
             {"name":"CPU","valueFrom":{"resourceFieldRef":{"resource":"limits.cpu"}}}]}}})"));
  REQUIRE(test::converge(s, "ns") > 0);
  return s;
}

// Whether both objects of `name` are skipped by the fast path (their stamps prove them converged).
bool fast_path_holds(const store& s, const std::string& name) {
  const bj::object& h = *s.get("habitats", "ns", name);
  const bj::object* sts = s.get("statefulsets", "ns", name);
  const bj::object* svc = s.get("services", "ns", name);
  return sts && svc &&
         reconcile::converged_by_stamp(*sts, reconcile::inputs_hash(h, {}, reconcile::stamped::stateful_set)) &&
         reconcile::converged_by_stamp(*svc, reconcile::inputs_hash(h, {}, reconcile::stamped::service));
}

// A merge patch replacing array `key` of `path` in the stored object with a modified copy.
bj::value replace_array(const store& s, const char* plural, const char* name, std::initializer_list<const char*> path,
                        const char* key, const std::function<void(bj::array&)>& change) {
  const bj::value* at = &s.get(plural, "ns", name)->at("spec");
  bj::object patch;
  bj::object* level = &patch["spec"].emplace_object();
  for (const char* p : path) {
    at = &at->at(p);
    level = &(*level)[p].emplace_object();
  }
  bj::array a = at->at(key).as_array();
  change(a);
  (*level)[key] = std::move(a);
  return patch;
}

}  // namespace

TEST_CASE("Objects with every server default filled in still match their stamps") {
  store s = defaulted_cluster();
  const bj::object& sts = *s.get("statefulsets", "ns", "typical");
  const bj::object& pod = sts.at("spec").at("template").at("spec").as_object();
  CHECK(pod.at("dnsPolicy") == "ClusterFirst");   // the store defaults as kube-apiserver does
  CHECK(pod.at("containers").at(0).at("imagePullPolicy") == "Always");
  CHECK(s.get("services", "ns", "typical")->at("spec").at("sessionAffinity") == "None");
  CHECK(s.get("statefulsets", "ns", "plain")->at("spec").at("updateStrategy").at("rollingUpdate").at("partition") == 0);
  const bj::object& extended = s.get("statefulsets", "ns", "extended")->at("spec").at("template").at("spec").as_object();
  CHECK(extended.at("serviceAccount") == "redis");
  CHECK(extended.at("containers").at(0).at("imagePullPolicy") == "IfNotPresent");
  for (const char* name : {"typical", "plain", "extended"}) {
    INFO(name);
    CHECK(fast_path_holds(s, name));
    CHECK(test::plan_for(s, "ns", name).empty());
  }
}

TEST_CASE("With server defaults, drift of each owned field gives exactly one patch and the fast path back") {
  struct drift {
    const char* what;
    const char* plural;
    bj::value patch;
  };
  store base = defaulted_cluster();
  auto containers = [&](const std::function<void(bj::object&)>& f) {
    return replace_array(base, "statefulsets", "typical", {"template", "spec"}, "containers",
                         [&](bj::array& a) { f(a.at(0).as_object()); });
  };
  auto service_ports = [&](const std::function<void(bj::array&)>& f) {
    return replace_array(base, "services", "typical", {}, "ports", f);
  };
  const std::vector<drift> drifts = {
      {"replicas", "statefulsets", bj::parse(R"({"spec":{"replicas":5}})")},
      {"update strategy", "statefulsets", bj::parse(R"({"spec":{"updateStrategy":{"type":"RollingUpdate"}}})")},
      {"pod label", "statefulsets", bj::parse(R"({"spec":{"template":{"metadata":{"labels":{"habitat-name":"x"}}}}})")},
      {"image", "statefulsets", containers([](bj::object& c) { c["image"] = "habitat/redis:other"; })},
      {"container port protocol, to its default", "statefulsets",
       containers([](bj::object& c) { c["ports"].as_array().at(1).as_object()["protocol"] = "TCP"; })},
      {"args", "statefulsets", containers([](bj::object& c) { c["args"].as_array().pop_back(); })},
      {"volume mount", "statefulsets", containers([](bj::object& c) { c["volumeMounts"].as_array().pop_back(); })},
      {"volume", "statefulsets", replace_array(base, "statefulsets", "typical", {"template", "spec"}, "volumes",
                                               [](bj::array& a) { a.pop_back(); })},
      {"owner reference", "services", bj::parse(R"({"metadata":{"ownerReferences":[]}})")},
      {"publishNotReadyAddresses", "services", bj::parse(R"({"spec":{"publishNotReadyAddresses":false}})")},
      {"selector", "services", bj::parse(R"({"spec":{"selector":{"extra":"x"}}})")},
      {"service label", "services", bj::parse(R"({"metadata":{"labels":{"habitat-name":"x"}}})")},
      {"port protocol, to its default", "services",
       service_ports([](bj::array& a) { a.at(1).as_object()["protocol"] = "TCP"; })},
      {"targetPort, from its default", "services",
       service_ports([](bj::array& a) { a.at(0).as_object()["targetPort"] = 1234; })},
  };
  for (const auto& d : drifts) {
    SECTION(d.what) {
      store s = base;
      REQUIRE(s.edit(d.plural, "ns", "typical", d.patch));
      CHECK_FALSE(fast_path_holds(s, "typical"));
      plan p = test::plan_for(s, "ns", "typical");
      REQUIRE(p.operations.size() == 1);
      CHECK(std::get<reconcile::patch_object>(p.operations[0]).target.plural == d.plural);
      s.apply(p, reconcile::habitat_ref(*s.get("habitats", "ns", "typical")));
      CHECK(test::converge(s, "ns") >= 0);   // pods on the drifted template are restarted, seeds follow
      CHECK(test::plan_for(s, "ns", "typical").empty());
      CHECK(fast_path_holds(s, "typical"));
    }
  }
}

TEST_CASE("A field equal to its server default, removed or added by someone, causes no write") {
  SECTION("removed: the API server fills it in again") {
    store s = defaulted_cluster();
    REQUIRE(s.edit("statefulsets", "ns", "typical",
                   bj::parse(R"({"spec":{"revisionHistoryLimit":null,"template":{"spec":{"dnsPolicy":null}}}})")));
    REQUIRE(s.edit("services", "ns", "typical", bj::parse(R"({"spec":{"sessionAffinity":null}})")));
    CHECK(fast_path_holds(s, "typical"));
    // Only the Habitat's status may change (the edit bumped the StatefulSet's generation): no object is written.
    CHECK(test::plan_for(s, "ns", "typical").operations.empty());
  }
  SECTION("added to objects a server returned exactly as written") {
    store s;
    s.add_secret("ns", "user-toml");
    s.add_secret("ns", "prod-ring-20170829113029");
    s.put("habitats", test::typical_habitat("typical"));
    REQUIRE(test::converge(s, "ns") > 0);
    REQUIRE(fast_path_holds(s, "typical"));
    for (const char* plural : {"statefulsets", "services"}) {
      bj::object o = *s.get(plural, "ns", "typical");
      test::apply_server_defaults(plural, o);
      o.erase("status");
      REQUIRE(s.edit(plural, "ns", "typical", o));
    }
    CHECK(s.get("services", "ns", "typical")->at("spec").at("ipFamilies") == bj::parse(R"(["IPv4"])"));
    CHECK(fast_path_holds(s, "typical"));
    CHECK(test::plan_for(s, "ns", "typical").operations.empty());
  }
}

TEST_CASE("Quantities written as JSON numbers with a fraction converge to the strings the API server stores") {
  // `resources: {limits: {cpu: 0.5}}` in YAML: kube-apiserver parses the number's text and stores "500m"; a
  // StatefulSet rendered with the number would be compared with "500m" for ever.
  store s;
  s.default_like_kube_apiserver();
  s.put("habitats", test::habitat("frac", R"({"spec":{"v1beta2":{"resources":{
      "limits":{"cpu":0.5,"memory":1.5e9},"requests":{"cpu":0.25,"memory":1e3}}}}})"));
  REQUIRE(test::converge(s, "ns") > 0);
  const bj::object& sts = *s.get("statefulsets", "ns", "frac");
  const bj::value& resources = sts.at("spec").at("template").at("spec").at("containers").at(0).at("resources");
  CHECK(resources == bj::parse(R"({"limits":{"cpu":"500m","memory":"1500M"},"requests":{"cpu":"250m","memory":"1k"}})"));
  CHECK(test::plan_for(s, "ns", "frac").empty());
  CHECK(fast_path_holds(s, "frac"));
}
