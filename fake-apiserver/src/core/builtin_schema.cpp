// Known fields of the built-in kinds, so fieldValidation reports (Warn) or rejects (Strict) unknown ones as KAS does.
// A compact field list per kind is expanded into a structural schema for schema_prune. Fields listed without braces
// are not checked below (maps such as `data`, and deep API types this fake does not model), so the table can only
// ever miss an unknown field, never drop a real one.
#include "detail.hpp"

#include <algorithm>
#include <map>

namespace habop::fake {
namespace {

// Field list grammar: `name` (any value), `name{fields}` (object), `name[{fields}]` (array of objects).
const std::string container =
    "name image command args workingDir ports[{name hostPort containerPort protocol hostIP}] envFrom "
    "env[{name value valueFrom}] resources resizePolicy restartPolicy "
    "volumeMounts[{name readOnly recursiveReadOnly mountPath subPath mountPropagation subPathExpr}] volumeDevices "
    "livenessProbe readinessProbe startupProbe lifecycle terminationMessagePath terminationMessagePolicy "
    "imagePullPolicy securityContext stdin stdinOnce tty";
const std::string pod_spec =
    "volumes initContainers[{" + container + "}] containers[{" + container + "}] ephemeralContainers restartPolicy "
    "terminationGracePeriodSeconds activeDeadlineSeconds dnsPolicy nodeSelector serviceAccountName serviceAccount "
    "automountServiceAccountToken nodeName hostNetwork hostPID hostIPC shareProcessNamespace securityContext "
    "imagePullSecrets hostname subdomain affinity schedulerName tolerations hostAliases priorityClassName priority "
    "dnsConfig readinessGates runtimeClassName enableServiceLinks preemptionPolicy overhead "
    "topologySpreadConstraints setHostnameAsFQDN os hostUsers schedulingGates resourceClaims resources";
const std::string pod_template = "template{metadata spec{" + pod_spec + "}}";

const std::map<std::string, std::string, std::less<>>& field_lists() {
  static const std::map<std::string, std::string, std::less<>> lists = {
      {"/configmaps", "data binaryData immutable"},
      {"/secrets", "data stringData type immutable"},
      {"/serviceaccounts", "secrets imagePullSecrets automountServiceAccountToken"},
      {"/namespaces", "spec{finalizers} status"},
      {"/pods", "spec{" + pod_spec + "} status"},
      {"/services",
       "spec{ports[{name protocol appProtocol port targetPort nodePort}] selector clusterIP clusterIPs type "
       "externalIPs sessionAffinity loadBalancerIP loadBalancerSourceRanges externalName externalTrafficPolicy "
       "healthCheckNodePort publishNotReadyAddresses sessionAffinityConfig ipFamilies ipFamilyPolicy "
       "allocateLoadBalancerNodePorts loadBalancerClass internalTrafficPolicy trafficDistribution} status"},
      {"/persistentvolumeclaims",
       "spec{accessModes selector resources volumeName storageClassName volumeMode dataSource dataSourceRef "
       "volumeAttributesClassName} status"},
      {"/nodes",
       "spec{podCIDR podCIDRs providerID unschedulable taints configSource externalID} status"},
      {"/persistentvolumes",
       "spec{capacity accessModes claimRef persistentVolumeReclaimPolicy storageClassName mountOptions volumeMode "
       "nodeAffinity volumeAttributesClassName gcePersistentDisk awsElasticBlockStore hostPath glusterfs nfs rbd "
       "iscsi cinder cephfs fc flocker flexVolume azureFile vsphereVolume quobyte azureDisk photonPersistentDisk "
       "portworxVolume scaleIO local storageos csi} status"},
      {"apps/statefulsets",
       "spec{replicas selector " + pod_template + " volumeClaimTemplates serviceName podManagementPolicy "
       "updateStrategy revisionHistoryLimit minReadySeconds persistentVolumeClaimRetentionPolicy ordinals} status"},
      {"apps/deployments",
       "spec{replicas selector " + pod_template + " strategy minReadySeconds revisionHistoryLimit paused "
       "progressDeadlineSeconds} status"},
      {"apps/controllerrevisions", "data revision"},
      {"autoscaling/horizontalpodautoscalers",
       "spec{scaleTargetRef{kind name apiVersion} minReplicas maxReplicas targetCPUUtilizationPercentage} status"},
      {"coordination.k8s.io/leases",
       "spec{holderIdentity leaseDurationSeconds acquireTime renewTime leaseTransitions strategy preferredHolder}"},
      {"rbac.authorization.k8s.io/roles", "rules[{apiGroups resources verbs resourceNames nonResourceURLs}]"},
      {"rbac.authorization.k8s.io/clusterroles",
       "rules[{apiGroups resources verbs resourceNames nonResourceURLs}] aggregationRule"},
      {"rbac.authorization.k8s.io/rolebindings", "subjects[{kind apiGroup name namespace}] roleRef{apiGroup kind name}"},
      {"rbac.authorization.k8s.io/clusterrolebindings",
       "subjects[{kind apiGroup name namespace}] roleRef{apiGroup kind name}"},
      {"storage.k8s.io/storageclasses",
       "provisioner parameters reclaimPolicy mountOptions allowVolumeExpansion volumeBindingMode allowedTopologies"},
      {"apiextensions.k8s.io/customresourcedefinitions",
       "spec{group names scope versions conversion preserveUnknownFields} status"},
  };
  return lists;
}

// Parses fields until `end` (or the end of `text`) into schema properties.
bj::object parse_fields(std::string_view& text, char end) {
  bj::object props;
  while (!text.empty()) {
    if (text.front() == ' ') {
      text.remove_prefix(1);
      continue;
    }
    if (text.front() == end) {
      text.remove_prefix(1);
      break;
    }
    std::size_t n = text.find_first_of(" {[}]");
    if (n == 0) {   // a stray bracket: skip it (the lists above are static, this only guards against typos)
      text.remove_prefix(1);
      continue;
    }
    std::string name(text.substr(0, n));
    text.remove_prefix(n == std::string_view::npos ? text.size() : n);
    bj::object field{{"x-kubernetes-preserve-unknown-fields", true}};
    if (!text.empty() && text.front() == '{') {
      text.remove_prefix(1);
      field = bj::object{{"type", "object"}, {"properties", parse_fields(text, '}')}};
    } else if (text.size() >= 2 && text.substr(0, 2) == "[{") {
      text.remove_prefix(2);
      bj::object item{{"type", "object"}, {"properties", parse_fields(text, '}')}};
      if (!text.empty() && text.front() == ']') text.remove_prefix(1);
      field = bj::object{{"type", "array"}, {"items", std::move(item)}};
    }
    props[name] = std::move(field);
  }
  return props;
}

}  // namespace

void prune_object_meta(bj::object& obj, std::vector<std::string>& unknown) {
  static constexpr std::string_view known[] = {
      "name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation", "creationTimestamp",
      "deletionTimestamp", "deletionGracePeriodSeconds", "labels", "annotations", "ownerReferences", "finalizers",
      "managedFields"};
  bj::value* meta = obj.if_contains("metadata");
  if (!meta || !meta->is_object()) return;
  bj::object& m = meta->get_object();
  for (auto it = m.begin(); it != m.end();) {
    if (std::find(std::begin(known), std::end(known), std::string_view(it->key())) != std::end(known)) {
      ++it;
      continue;
    }
    unknown.push_back("metadata." + std::string(it->key()));
    it = m.erase(it);
  }
}

const bj::object* builtin_schema(const resource_type& t) {
  static const std::map<std::string, bj::object, std::less<>> schemas = [] {
    std::map<std::string, bj::object, std::less<>> out;
    for (const auto& [storage, fields] : field_lists()) {
      std::string_view text = fields;
      out[storage] = bj::object{{"type", "object"}, {"properties", parse_fields(text, '\0')}};
    }
    return out;
  }();
  if (!t.builtin || t.events_v1) return nullptr;
  auto it = schemas.find(t.storage);
  return it == schemas.end() ? nullptr : &it->second;
}

}  // namespace habop::fake
