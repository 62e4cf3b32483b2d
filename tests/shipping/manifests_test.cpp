// deploy/ renders with kustomize into a hardened Deployment and RBAC that denies what the operator never does. That
// every rule is needed and enough is proven against requests recorded from a real run (deploy_e2e_test.cpp).
#include <habop/fake_apiserver/rbac.hpp>

#include <boost/json/array.hpp>

#include "kustomize.hpp"
#include "rbac_reductions.hpp"

using habop::fake::authorize;
using habop::fake::rbac_policy;
using habop::shipping::describe;
using habop::shipping::find_object;
using habop::shipping::kustomize;
namespace bj = boost::json;

namespace {

const char* const modes[] = {"cluster-wide", "namespaced"};

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

TEST_CASE("what the operator never does is denied", "[shipping][rbac]") {
  for (const char* mode : modes) {
    INFO(mode);
    const rbac_policy policy = habop::fake::policy_from_objects(kustomize(mode));
    const std::string ns = std::string_view(mode) == "namespaced" ? "habitat-operator" : "apps";
    const std::vector<habop::fake::request_attributes> never = habop::shipping::as_operator({
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
