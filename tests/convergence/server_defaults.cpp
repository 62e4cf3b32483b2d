// kube-apiserver's defaulting of StatefulSets and Services, for the in-memory store (see server_defaults.hpp).
#include "server_defaults.hpp"

#include <string_view>

#include <habop/api/quantity.hpp>

namespace habop::test {
namespace bj = boost::json;

namespace {

bj::object& object_member(bj::object& o, std::string_view key) {
  bj::value& v = o[key];
  if (!v.is_object()) v = bj::object{};
  return v.get_object();
}

void fill(bj::object& o, std::string_view key, bj::value v) {
  if (!o.contains(key)) o[key] = std::move(v);
}

template <class F>
void each_object(bj::object& o, std::string_view key, F&& f) {
  if (bj::value* a = o.if_contains(key); a && a->is_array())
    for (auto& item : a->get_array())
      if (item.is_object()) f(item.get_object());
}

// The image's tag decides, as SetDefaults_Container does (no tag and no digest means `latest`).
const char* pull_policy(std::string_view image) {
  const auto at = image.find('@');
  std::string_view name = image.substr(0, at);
  const auto slash = name.rfind('/');
  const auto colon = name.rfind(':');
  const bool tagged = colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash);
  if (!tagged) return at == std::string_view::npos ? "Always" : "IfNotPresent";
  return name.substr(colon + 1) == "latest" ? "Always" : "IfNotPresent";
}

void default_container(bj::object& c) {
  fill(c, "terminationMessagePath", "/dev/termination-log");
  fill(c, "terminationMessagePolicy", "File");
  if (const bj::value* image = c.if_contains("image"); image && image->is_string())
    fill(c, "imagePullPolicy", pull_policy(image->get_string()));
  fill(c, "resources", bj::object{});
  // Quantities are stored in canonical form (`1024Mi` as `1Gi`, `0.5` as `500m`), whatever form was sent.
  if (c["resources"].is_object()) api::quantity::canonicalize_requirements(c["resources"].get_object());
  each_object(c, "ports", [](bj::object& p) { fill(p, "protocol", "TCP"); });
  each_object(c, "env", [](bj::object& e) {
    bj::value* from = e.if_contains("valueFrom");
    if (!from || !from->is_object()) return;
    if (bj::value* ref = from->get_object().if_contains("fieldRef"); ref && ref->is_object())
      fill(ref->get_object(), "apiVersion", "v1");
    if (bj::value* ref = from->get_object().if_contains("resourceFieldRef"); ref && ref->is_object())
      fill(ref->get_object(), "divisor", "0");
  });
}

void default_stateful_set(bj::object& sts) {
  bj::object& spec = object_member(sts, "spec");
  fill(spec, "replicas", 1);
  fill(spec, "podManagementPolicy", "OrderedReady");
  fill(spec, "revisionHistoryLimit", 10);
  bj::object& strategy = object_member(spec, "updateStrategy");
  fill(strategy, "type", "RollingUpdate");
  if (strategy["type"] == "RollingUpdate") fill(object_member(strategy, "rollingUpdate"), "partition", 0);
  bj::object& retention = object_member(spec, "persistentVolumeClaimRetentionPolicy");
  fill(retention, "whenDeleted", "Retain");
  fill(retention, "whenScaled", "Retain");
  bj::object& tmpl = object_member(spec, "template");
  fill(object_member(tmpl, "metadata"), "creationTimestamp", nullptr);
  bj::object& pod = object_member(tmpl, "spec");
  fill(pod, "dnsPolicy", "ClusterFirst");
  fill(pod, "restartPolicy", "Always");
  fill(pod, "schedulerName", "default-scheduler");
  fill(pod, "securityContext", bj::object{});
  fill(pod, "terminationGracePeriodSeconds", 30);
  if (const bj::value* account = pod.if_contains("serviceAccountName")) pod["serviceAccount"] = *account;
  each_object(pod, "containers", default_container);
  each_object(pod, "initContainers", default_container);
  each_object(pod, "volumes", [](bj::object& v) {
    for (const char* source : {"secret", "configMap"})
      if (bj::value* s = v.if_contains(source); s && s->is_object()) fill(s->get_object(), "defaultMode", 420);
  });
  each_object(spec, "volumeClaimTemplates", [](bj::object& claim) {
    fill(claim, "apiVersion", "v1");
    fill(claim, "kind", "PersistentVolumeClaim");
    fill(object_member(claim, "metadata"), "creationTimestamp", nullptr);
    fill(object_member(claim, "spec"), "volumeMode", "Filesystem");
    if (bj::value* r = object_member(claim, "spec").if_contains("resources"); r && r->is_object())
      api::quantity::canonicalize_requirements(r->get_object());
    fill(claim, "status", bj::object{{"phase", "Pending"}});
  });
  fill(sts, "status", bj::object{{"replicas", 0}, {"availableReplicas", 0}});
}

void default_service(bj::object& svc) {
  bj::object& spec = object_member(svc, "spec");
  fill(spec, "type", "ClusterIP");
  fill(spec, "sessionAffinity", "None");
  fill(spec, "clusterIP", "10.96.0.10");
  fill(spec, "clusterIPs", bj::array{spec["clusterIP"]});
  fill(spec, "ipFamilies", bj::array{"IPv4"});
  fill(spec, "ipFamilyPolicy", "SingleStack");
  fill(spec, "internalTrafficPolicy", "Cluster");
  each_object(spec, "ports", [](bj::object& p) {
    fill(p, "protocol", "TCP");
    if (const bj::value* port = p.if_contains("port")) fill(p, "targetPort", *port);
  });
  fill(svc, "status", bj::object{{"loadBalancer", bj::object{}}});
}

}  // namespace

void apply_server_defaults(const std::string& plural, bj::object& obj) {
  if (plural == "statefulsets") default_stateful_set(obj);
  else if (plural == "services") default_service(obj);
}

}  // namespace habop::test
