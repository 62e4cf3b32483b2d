// kube-apiserver's defaulting of built-in kinds (the SetDefaults_* functions of k8s.io/kubernetes
// pkg/apis/{core,apps,storage}/v1/defaults.go, as of 1.27+ with default feature gates), applied on every write.
#include "detail.hpp"

#include <habop/api/quantity.hpp>

namespace habop::fake {
namespace {

// Go leaves a field unset as nil or "": absent, null and "" are all unset here.
bool unset(const bj::object& o, std::string_view key) {
  const bj::value* v = o.if_contains(key);
  return !v || v->is_null() || (v->is_string() && v->get_string().empty());
}

void set_default(bj::object& o, std::string_view key, bj::value v) {
  if (unset(o, key)) o[key] = std::move(v);
}

// The member object at `key`, or null when it is absent or not an object (never created).
bj::object* member(bj::object& o, std::string_view key) {
  bj::value* v = o.if_contains(key);
  return v ? v->if_object() : nullptr;
}

template <class F>
void for_each_object(bj::object& o, std::string_view key, F f) {
  if (bj::value* v = o.if_contains(key); v && v->is_array())
    for (auto& e : v->get_array())
      if (auto* eo = e.if_object()) f(*eo);
}

// SetDefaults_Container: `latest`, or no tag and no digest, means Always. An unparsable reference has no tag for
// KAS (ParseImageName fails), so it gets IfNotPresent; only upper case is checked for that here.
std::string image_pull_policy(std::string_view image) {
  std::string_view name = image.substr(0, image.find('@'));
  const bool digest = name.size() != image.size();
  std::string_view tag;
  const auto slash = name.rfind('/');
  if (const auto colon = name.rfind(':'); colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
    tag = name.substr(colon + 1);
    name = name.substr(0, colon);
  }
  // Only the repository path must be lower case; a first component with `.` or `:`, or localhost, is a registry.
  std::string_view repo = name;
  if (const auto first = name.find('/'); first != std::string_view::npos) {
    const std::string_view head = name.substr(0, first);
    if (head.find_first_of(".:") != std::string_view::npos || head == "localhost") repo = name.substr(first + 1);
  }
  for (char c : repo)
    if (c >= 'A' && c <= 'Z') return "IfNotPresent";
  if (tag.empty() && !digest) tag = "latest";
  return tag == "latest" ? "Always" : "IfNotPresent";
}

// SetDefaults_HTTPGetAction, as used by probes and lifecycle handlers.
void default_handler(bj::object& h) {
  if (bj::object* get = member(h, "httpGet")) {
    set_default(*get, "path", "/");
    set_default(*get, "scheme", "HTTP");
  }
}

// SetDefaults_Probe.
void default_probe(bj::object& p) {
  default_handler(p);
  set_default(p, "timeoutSeconds", 1);
  set_default(p, "periodSeconds", 10);
  set_default(p, "successThreshold", 1);
  set_default(p, "failureThreshold", 3);
}

void default_field_refs(bj::object& holder) {
  if (bj::object* f = member(holder, "fieldRef")) set_default(*f, "apiVersion", "v1");
  if (bj::object* r = member(holder, "resourceFieldRef")) set_default(*r, "divisor", "0");
}

// Quantities are stored in canonical form whatever form was sent (`1024Mi` as `1Gi`, `0.5` as `500m`): a
// resource.Quantity is re-serialised by apimachinery on every write. Integers (`cpu: 2`) become strings too.
void canonical_resources(bj::object& holder) {
  if (bj::object* res = member(holder, "resources")) habop::api::quantity::canonicalize_requirements(*res);
}

void default_container(bj::object& c, bool host_network) {
  set_default(c, "terminationMessagePath", "/dev/termination-log");
  set_default(c, "terminationMessagePolicy", "File");
  if (unset(c, "imagePullPolicy")) c["imagePullPolicy"] = image_pull_policy(string_at(c, {"image"}));
  for_each_object(c, "ports", [&](bj::object& p) {
    set_default(p, "protocol", "TCP");
    // defaultHostNetworkPorts (Pods only: the template variant is behind a gate that is off by default).
    if (host_network && unset(p, "hostPort") && p.contains("containerPort"))
      p["hostPort"] = bj::value(p.at("containerPort"));
  });
  for_each_object(c, "env", [](bj::object& e) {
    if (bj::object* from = member(e, "valueFrom")) default_field_refs(*from);
  });
  for (auto k : {"livenessProbe", "readinessProbe", "startupProbe"})
    if (bj::object* p = member(c, k)) default_probe(*p);
  if (bj::object* l = member(c, "lifecycle"))
    for (auto k : {"postStart", "preStop"})
      if (bj::object* h = member(*l, k)) default_handler(*h);
}

void default_claim_spec(bj::object& spec) {
  set_default(spec, "volumeMode", "Filesystem");
  canonical_resources(spec);
}

// SetDefaults_HostPathVolumeSource, of a volume or a PersistentVolume's spec.
void default_host_path(bj::object& volume) {
  if (bj::object* h = member(volume, "hostPath"); h && !h->contains("type")) (*h)["type"] = "";
}

// SetDefaults_PersistentVolume (its status.phase Pending is set on create).
void default_persistent_volume(bj::object& spec) {
  set_default(spec, "persistentVolumeReclaimPolicy", "Retain");
  set_default(spec, "volumeMode", "Filesystem");
  default_host_path(spec);
  if (bj::object* capacity = member(spec, "capacity")) habop::api::quantity::canonicalize_list(*capacity);
}

void default_volume(bj::object& v) {
  // SetDefaults_Volume: a volume naming no source is an emptyDir.
  if (v.size() == 1 && v.contains("name")) v["emptyDir"] = bj::object{};
  for (auto k : {"secret", "configMap", "downwardAPI", "projected"})
    if (bj::object* s = member(v, k)) set_default(*s, "defaultMode", 420);
  if (bj::object* d = member(v, "downwardAPI")) for_each_object(*d, "items", default_field_refs);
  default_host_path(v);
  if (bj::object* e = member(v, "ephemeral"))
    if (bj::object* t = member(*e, "volumeClaimTemplate"))
      if (bj::object* s = member(*t, "spec")) default_claim_spec(*s);
}

// SetDefaults_PodSpec and what it calls; `pod` adds SetDefaults_Pod (not applied to templates).
void default_pod_spec(bj::object& spec, bool pod) {
  set_default(spec, "dnsPolicy", "ClusterFirst");
  set_default(spec, "restartPolicy", "Always");
  set_default(spec, "terminationGracePeriodSeconds", 30);
  set_default(spec, "schedulerName", "default-scheduler");
  set_default(spec, "securityContext", bj::object{});
  // Conversion to v1 mirrors serviceAccountName into its deprecated twin serviceAccount (and reads it back).
  // (Values are copied before the insert: a new member may rehash the object under a reference.)
  if (unset(spec, "serviceAccountName") && !unset(spec, "serviceAccount"))
    spec["serviceAccountName"] = bj::value(spec.at("serviceAccount"));
  if (!unset(spec, "serviceAccountName")) spec["serviceAccount"] = bj::value(spec.at("serviceAccountName"));
  const bj::value* hn = spec.if_contains("hostNetwork");
  const bool host_network = pod && hn && hn->is_bool() && hn->get_bool();
  for (auto k : {"containers", "initContainers"})
    for_each_object(spec, k, [&](bj::object& c) {
      default_container(c, host_network);
      canonical_resources(c);
      if (!pod) return;
      // SetDefaults_Pod: requests default to limits.
      if (bj::object* res = member(c, "resources"))
        if (const bj::object* l = member(*res, "limits"); l && !l->empty()) {
          const bj::object limits = *l;   // a copy: adding `requests` may rehash `resources`
          bj::object* requests = object_at(*res, "requests");
          for (const auto& [name, q] : limits)
            if (!requests->contains(name)) (*requests)[name] = q;
        }
    });
  for_each_object(spec, "volumes", default_volume);
  if (pod) set_default(spec, "enableServiceLinks", true);
}

void default_template(bj::object& spec) {
  if (bj::object* t = member(spec, "template"))
    if (bj::object* ps = member(*t, "spec")) default_pod_spec(*ps, false);
}

void default_stateful_set(bj::object& spec) {
  set_default(spec, "replicas", 1);
  set_default(spec, "podManagementPolicy", "OrderedReady");
  set_default(spec, "revisionHistoryLimit", 10);
  bj::object* strategy = object_at(spec, "updateStrategy");
  // Only an unset type brings a rollingUpdate block; `type: RollingUpdate` alone keeps it absent.
  if (unset(*strategy, "type")) {
    (*strategy)["type"] = "RollingUpdate";
    set_default(*strategy, "rollingUpdate", bj::object{});
  }
  if (string_at(*strategy, {"type"}) == "RollingUpdate")
    if (bj::object* ru = member(*strategy, "rollingUpdate")) set_default(*ru, "partition", 0);
  bj::object* retention = object_at(spec, "persistentVolumeClaimRetentionPolicy");
  set_default(*retention, "whenDeleted", "Retain");
  set_default(*retention, "whenScaled", "Retain");
  default_template(spec);
  for_each_object(spec, "volumeClaimTemplates", [](bj::object& claim) {
    set_default(claim, "apiVersion", "v1");
    set_default(claim, "kind", "PersistentVolumeClaim");
    if (bj::object* s = member(claim, "spec")) default_claim_spec(*s);
    set_default(*object_at(claim, "status"), "phase", "Pending");
  });
}

void default_deployment(bj::object& spec) {
  set_default(spec, "replicas", 1);
  set_default(spec, "revisionHistoryLimit", 10);
  set_default(spec, "progressDeadlineSeconds", 600);
  bj::object* strategy = object_at(spec, "strategy");
  set_default(*strategy, "type", "RollingUpdate");
  if (string_at(*strategy, {"type"}) == "RollingUpdate") {
    bj::object* ru = object_at(*strategy, "rollingUpdate");
    set_default(*ru, "maxUnavailable", "25%");
    set_default(*ru, "maxSurge", "25%");
  }
  default_template(spec);
}

// SetDefaults_Service (the IP fields are allocations: allocate_service).
void default_service(bj::object& spec) {
  set_default(spec, "type", "ClusterIP");
  set_default(spec, "sessionAffinity", "None");
  const std::string type = string_at(spec, {"type"});
  for_each_object(spec, "ports", [](bj::object& p) {
    set_default(p, "protocol", "TCP");
    const bj::value* tp = p.if_contains("targetPort");
    if ((unset(p, "targetPort") || (tp->is_int64() && tp->get_int64() == 0)) && p.contains("port"))
      p["targetPort"] = bj::value(p.at("port"));
  });
  const bool external_ips = spec.contains("externalIPs") && spec["externalIPs"].is_array() && !spec["externalIPs"].get_array().empty();
  if (type == "NodePort" || type == "LoadBalancer" || (type == "ClusterIP" && external_ips))
    set_default(spec, "externalTrafficPolicy", "Cluster");
  if (type == "NodePort" || type == "LoadBalancer" || type == "ClusterIP") set_default(spec, "internalTrafficPolicy", "Cluster");
  if (type == "LoadBalancer") set_default(spec, "allocateLoadBalancerNodePorts", true);
}

}  // namespace

void set_defaults(const resource_type& t, bj::object& obj) {
  if (t.storage == "/secrets") {
    set_default(obj, "type", "Opaque");
  } else if (t.storage == "storage.k8s.io/storageclasses") {
    set_default(obj, "reclaimPolicy", "Delete");
    set_default(obj, "volumeBindingMode", "Immediate");
  } else if (t.storage == "/pods") {
    default_pod_spec(*object_at(obj, "spec"), true);
  } else if (t.storage == "/services") {
    default_service(*object_at(obj, "spec"));
  } else if (t.storage == "/persistentvolumeclaims") {
    default_claim_spec(*object_at(obj, "spec"));
  } else if (t.storage == "/persistentvolumes") {
    default_persistent_volume(*object_at(obj, "spec"));
  } else if (t.storage == "apps/statefulsets") {
    default_stateful_set(*object_at(obj, "spec"));
  } else if (t.storage == "autoscaling/horizontalpodautoscalers") {
    // autoscaling/v1's defaults, and the 80% CPU target its conversion gives an autoscaler without one.
    bj::object& spec = *object_at(obj, "spec");
    set_default(spec, "minReplicas", 1);
    set_default(spec, "targetCPUUtilizationPercentage", 80);
  } else if (t.storage == "apps/deployments") {
    default_deployment(*object_at(obj, "spec"));
  }
}

void allocate_service(bj::object& obj, const bj::object* old, std::uint32_t& next_ip, std::int64_t& next_node_port) {
  bj::object& spec = *object_at(obj, "spec");
  const std::string type = string_at(spec, {"type"});
  const bj::object* old_spec = nullptr;
  if (old)
    if (const bj::value* s = old->if_contains("spec")) old_spec = s->if_object();
  // An ExternalName Service is a DNS alias: no cluster IP, no families.
  if (type != "ExternalName") {
    // patchAllocatedValues: an update that leaves out what was allocated keeps it.
    if (old_spec && string_at(*old_spec, {"type"}) != "ExternalName")
      for (auto k : {"clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy"})
        if (unset(spec, k) && old_spec->contains(k)) spec[k] = old_spec->at(k);   // `old` is another object
    if (unset(spec, "clusterIP")) {
      std::uint32_t n = next_ip++;
      spec["clusterIP"] = "10.96." + std::to_string((n >> 8) & 0xff) + "." + std::to_string(n & 0xff);
    }
    spec["clusterIPs"] = bj::array{spec["clusterIP"]};
    // Headless without a selector asks for every family of the (single-stack) cluster.
    const bj::object* selector = member(spec, "selector");
    const bool headless_unselected = string_at(spec, {"clusterIP"}) == "None" && (!selector || selector->empty());
    set_default(spec, "ipFamilyPolicy", headless_unselected ? "RequireDualStack" : "SingleStack");
    if (!spec.contains("ipFamilies") || !spec["ipFamilies"].is_array() || spec["ipFamilies"].get_array().empty())
      spec["ipFamilies"] = bj::array{"IPv4"};
  }
  if (type != "NodePort" && type != "LoadBalancer") return;
  for_each_object(spec, "ports", [&](bj::object& p) {
    if (p.contains("nodePort")) return;
    if (old_spec)   // the same port of the old object keeps its node port
      if (const bj::value* ops = old_spec->if_contains("ports"); ops && ops->is_array())
        for (const auto& op : ops->get_array())
          if (const auto* oo = op.if_object(); oo && oo->contains("nodePort") && oo->if_contains("port") &&
                                               p.if_contains("port") && oo->at("port") == p.at("port") &&
                                               string_at(*oo, {"protocol"}) == string_at(p, {"protocol"}))
            p["nodePort"] = oo->at("nodePort");
    if (p.contains("nodePort")) return;
    p["nodePort"] = next_node_port;
    next_node_port = next_node_port == 32767 ? 30000 : next_node_port + 1;
  });
}

}  // namespace habop::fake
