// deploy/ renders with kustomize into a hardened Deployment and RBAC that grants the operator exactly what it does:
// every request it makes is allowed, and removing any verb of any rule denies one of them.
#include <habop/fake_apiserver/rbac.hpp>

#include <boost/json/array.hpp>

#include "kustomize.hpp"
#include "operator_requests.hpp"

using habop::fake::authorize;
using habop::fake::rbac_policy;
using habop::fake::request_attributes;
using habop::shipping::find_object;
using habop::shipping::kustomize;
namespace bj = boost::json;

namespace {

std::string str(const bj::value& v) { return v.is_string() ? std::string(v.get_string()) : habop::json::to_json(v); }

const char* const modes[] = {"cluster-wide", "namespaced"};

std::string describe(const request_attributes& a) {
  return a.verb + " " + (a.api_group.empty() ? "" : a.api_group + "/") + a.resource +
         (a.subresource.empty() ? "" : "/" + a.subresource) + (a.name.empty() ? "" : " " + a.name) +
         (a.ns.empty() ? " (cluster scope)" : " in " + a.ns);
}

// The requests of `inventory` that `policy` denies.
std::vector<std::string> denied(const rbac_policy& policy, const std::vector<request_attributes>& inventory) {
  std::vector<std::string> out;
  for (const auto& a : inventory) {
    if (!authorize(policy, a).allowed) out.push_back(describe(a));
  }
  return out;
}

// Every way to take one permission away: drop one verb of one rule of one role (the whole rule when it has one
// verb), or one resource of a rule listing several. `what` describes it.
struct reduction {
  rbac_policy policy;
  std::string what;
};

std::vector<reduction> reductions(const rbac_policy& full) {
  std::vector<reduction> out;
  auto reduce_roles = [&](std::vector<bj::object> rbac_policy::*roles) {
    for (std::size_t r = 0; r < (full.*roles).size(); ++r) {
      const bj::array& rules = (full.*roles)[r].at("rules").as_array();
      for (std::size_t i = 0; i < rules.size(); ++i) {
        const bj::array& verbs = rules[i].at("verbs").as_array();
        for (std::size_t v = 0; v < verbs.size(); ++v) {
          reduction red{full, ""};
          bj::array& reduced_rules = (red.policy.*roles)[r]["rules"].as_array();
          if (verbs.size() == 1) {
            reduced_rules.erase(reduced_rules.begin() + static_cast<std::ptrdiff_t>(i));
          } else {
            bj::array& reduced_verbs = reduced_rules[i].as_object()["verbs"].as_array();
            reduced_verbs.erase(reduced_verbs.begin() + static_cast<std::ptrdiff_t>(v));
          }
          red.what = std::string(str((full.*roles)[r].at("kind"))) + " " +
                     str((full.*roles)[r].at("metadata").at("name")) + " rule " +
                     std::to_string(i) + " " + habop::json::to_json(rules[i]) + " without verb " +
                     str(verbs[v]);
          out.push_back(std::move(red));
        }
        const bj::array& resources = rules[i].at("resources").as_array();
        for (std::size_t x = 0; resources.size() > 1 && x < resources.size(); ++x) {
          reduction red{full, ""};
          bj::array& reduced = (red.policy.*roles)[r]["rules"].as_array()[i].as_object()["resources"].as_array();
          reduced.erase(reduced.begin() + static_cast<std::ptrdiff_t>(x));
          red.what = str((full.*roles)[r].at("metadata").at("name")) + " rule " +
                     std::to_string(i) + " " + habop::json::to_json(rules[i]) + " without resource " +
                     str(resources[x]);
          out.push_back(std::move(red));
        }
      }
    }
  };
  reduce_roles(&rbac_policy::roles);
  reduce_roles(&rbac_policy::cluster_roles);
  return out;
}

}  // namespace

TEST_CASE("both overlays render the CRD, a hardened two-replica Deployment and a metrics Service",
          "[shipping][manifests]") {
  for (const char* mode : modes) {
    INFO(mode);
    const auto objects = kustomize(mode);
    find_object(objects, "CustomResourceDefinition", "habitats.habitat.sh");
    find_object(objects, "Namespace", "habitat-operator");
    find_object(objects, "ServiceAccount", "habitat-operator");
    const bj::object& deployment = find_object(objects, "Deployment", "habitat-operator");
    const bj::value& spec = deployment.at("spec");
    CHECK(spec.at("replicas") == 2);
    const bj::value& pod = spec.at("template").at("spec");
    CHECK(pod.at("serviceAccountName") == "habitat-operator");
    CHECK(pod.at("securityContext").at("runAsNonRoot") == true);
    CHECK(pod.at("securityContext").at("seccompProfile").at("type") == "RuntimeDefault");
    const bj::value& container = pod.at("containers").at(0);
    const bj::value& security = container.at("securityContext");
    CHECK(security.at("allowPrivilegeEscalation") == false);
    CHECK(security.at("readOnlyRootFilesystem") == true);
    CHECK(security.at("capabilities").at("drop") == bj::array{"ALL"});
    CHECK(container.at("resources").at("requests").as_object().contains("memory"));
    CHECK(container.at("resources").at("limits").as_object().contains("memory"));
    CHECK(container.at("livenessProbe").at("httpGet").at("path") == "/healthz");
    CHECK(container.at("readinessProbe").at("httpGet").at("path") == "/readyz");
    CHECK(container.at("env").at(0) ==
          bj::value(bj::object{{"name", "OPERATOR_NAMESPACE"},
                               {"valueFrom", bj::object{{"fieldRef", bj::object{{"fieldPath", "metadata.namespace"}}}}}}));
    const bj::array& args = container.at("args").as_array();
    CHECK(std::find(args.begin(), args.end(), bj::value("--leader-elect")) != args.end());
    const bool namespaced = std::string_view(mode) == "namespaced";
    CHECK((std::find(args.begin(), args.end(), bj::value("--namespace=$(OPERATOR_NAMESPACE)")) != args.end()) ==
          namespaced);
    CHECK((std::find(args.begin(), args.end(), bj::value("--assume-crd-registered")) != args.end()) == namespaced);
    const bj::object& service = find_object(objects, "Service", "habitat-operator-metrics");
    CHECK(service.at("spec").at("ports").at(0).at("targetPort") == "metrics");
  }
}

TEST_CASE("the checked-in CRD is the one both overlays install", "[shipping][manifests]") {
  auto checked_in = habop::json::parse_yaml_documents(
      habop::shipping::read_text(habop::shipping::source_path("deploy/crd/habitats.habitat.sh.yaml")));
  REQUIRE(checked_in);
  REQUIRE(checked_in->size() == 1);
  for (const char* mode : modes) {
    INFO(mode);
    CHECK(bj::value(find_object(kustomize(mode), "CustomResourceDefinition", "habitats.habitat.sh")) ==
          checked_in->front());
  }
}

TEST_CASE("every request the operator makes is allowed to its ServiceAccount", "[shipping][rbac]") {
  for (const char* mode : modes) {
    INFO(mode);
    const rbac_policy policy = habop::fake::policy_from_objects(kustomize(mode));
    CHECK(denied(policy, habop::shipping::operator_requests(mode)) == std::vector<std::string>{});
  }
}

TEST_CASE("what the operator never does is denied", "[shipping][rbac]") {
  for (const char* mode : modes) {
    INFO(mode);
    const rbac_policy policy = habop::fake::policy_from_objects(kustomize(mode));
    const std::string ns = std::string_view(mode) == "namespaced" ? "habitat-operator" : "apps";
    const std::vector<request_attributes> never = habop::shipping::as_operator({
        {"GET", "/api/v1/namespaces/" + ns + "/secrets/ring-20240101000000"},   // Secret contents
        {"PUT", "/apis/habitat.sh/v1beta1/namespaces/" + ns + "/habitats/h"},
        {"DELETE", "/apis/habitat.sh/v1beta1/namespaces/" + ns + "/habitats/h"},
        {"DELETE", "/apis/apps/v1/namespaces/" + ns + "/statefulsets/h"},
        {"DELETE", "/api/v1/namespaces/" + ns + "/pods"},                       // deletecollection
        {"POST", "/api/v1/namespaces/" + ns + "/pods"},
        {"PUT", "/apis/coordination.k8s.io/v1/namespaces/habitat-operator/leases/someone-else"},
        {"PUT", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/habitats.habitat.sh"},
        {"DELETE", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/habitats.habitat.sh"},
        {"GET", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/other.example.com"},
        {"POST", "/apis/rbac.authorization.k8s.io/v1/clusterroles"},
    });
    for (const auto& a : never) {
      INFO(describe(a));
      CHECK_FALSE(authorize(policy, a).allowed);
    }
  }
  // Namespaced mode stays in its namespace and never touches cluster-scoped objects.
  const rbac_policy namespaced = habop::fake::policy_from_objects(kustomize("namespaced"));
  for (const auto& a : habop::shipping::as_operator({{"GET", "/apis/habitat.sh/v1beta1/namespaces/other/habitats"},
                                                     {"GET", "/apis/habitat.sh/v1beta1/habitats"},
                                                     {"GET", "/api/v1/namespaces?limit=1"},
                                                     {"POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"}})) {
    INFO(describe(a));
    CHECK_FALSE(authorize(namespaced, a).allowed);
  }
}

TEST_CASE("no surplus rule: taking away any verb of any rule denies a request the operator makes",
          "[shipping][rbac]") {
  for (const char* mode : modes) {
    INFO(mode);
    const rbac_policy full = habop::fake::policy_from_objects(kustomize(mode));
    const std::vector<request_attributes> inventory = habop::shipping::operator_requests(mode);
    const std::vector<reduction> all = reductions(full);
    CHECK(all.size() >= 10);
    for (const reduction& r : all) {
      INFO(r.what);
      CHECK_FALSE(denied(r.policy, inventory).empty());
    }
  }
}
