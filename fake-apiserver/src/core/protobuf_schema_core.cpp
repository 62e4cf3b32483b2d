// Protobuf tables of meta/v1's shared messages and the core/v1 kinds kubectl creates (ConfigMap, Secret, Namespace,
// ServiceAccount, Service); from apimachinery's and k8s.io/api's core/v1 generated.proto.
#include "protobuf_schema.hpp"

namespace habop::fake::pb {
namespace {

// map<string, V> entries; their values keep zeros ("" is a valid label value).
constexpr field string_entry[] = {{1, "key", kind::string}, {2, "value", kind::string}};
constexpr field bytes_entry[] = {{1, "key", kind::string}, {2, "value", kind::bytes}};
constexpr field quantity_entry[] = {{1, "key", kind::string}, {2, "value", kind::quantity}};

constexpr field owner_reference_fields[] = {
    {5, "apiVersion", kind::string}, {1, "kind", kind::string},     {3, "name", kind::string},
    {4, "uid", kind::string},        {6, "controller", kind::boolean}, {7, "blockOwnerDeletion", kind::boolean},
};
constinit const message owner_reference{"OwnerReference", owner_reference_fields};

// managedFields (17) is left out: clients never send it on create and KAS recomputes it.
constexpr field object_meta_fields[] = {
    {1, "name", kind::string, omit},
    {2, "generateName", kind::string, omit},
    {3, "namespace", kind::string, omit},
    {4, "selfLink", kind::string, omit},
    {5, "uid", kind::string, omit},
    {6, "resourceVersion", kind::string, omit},
    {7, "generation", kind::int64, omit},
    {8, "creationTimestamp", kind::time},
    {9, "deletionTimestamp", kind::time},
    {10, "deletionGracePeriodSeconds", kind::int64},
    {11, "labels", kind::map, 0, &string_map},
    {12, "annotations", kind::map, 0, &string_map},
    {13, "ownerReferences", kind::message, rep, &owner_reference},
    {14, "finalizers", kind::string, rep},
};

constexpr field label_selector_requirement_fields[] = {
    {1, "key", kind::string}, {2, "operator", kind::string}, {3, "values", kind::string, rep}};
constinit const message label_selector_requirement{"LabelSelectorRequirement", label_selector_requirement_fields};
constexpr field label_selector_fields[] = {
    {1, "matchLabels", kind::map, 0, &string_map},
    {2, "matchExpressions", kind::message, rep, &label_selector_requirement},
};

constexpr field local_object_reference_fields[] = {{1, "name", kind::string, omit}};
constexpr field object_reference_fields[] = {
    {1, "kind", kind::string, omit},       {2, "namespace", kind::string, omit},
    {3, "name", kind::string, omit},       {4, "uid", kind::string, omit},
    {5, "apiVersion", kind::string, omit}, {6, "resourceVersion", kind::string, omit},
    {7, "fieldPath", kind::string, omit},
};

constexpr field condition_fields[] = {   // metav1.Condition
    {1, "type", kind::string},           {2, "status", kind::string}, {3, "observedGeneration", kind::int64, omit},
    {4, "lastTransitionTime", kind::time}, {5, "reason", kind::string}, {6, "message", kind::string},
};
constinit const message condition{"Condition", condition_fields};

// ---- ConfigMap, Secret, Namespace, ServiceAccount

constexpr field config_map_fields[] = {
    {1, "metadata", kind::message, 0, &object_meta},
    {2, "data", kind::map, 0, &string_map},
    {3, "binaryData", kind::map, 0, &bytes_map},
    {4, "immutable", kind::boolean},
};
constexpr field secret_fields[] = {
    {1, "metadata", kind::message, 0, &object_meta},
    {2, "data", kind::map, 0, &bytes_map},
    {3, "type", kind::string, omit},
    {4, "stringData", kind::map, 0, &string_map},
    {5, "immutable", kind::boolean},
};

constexpr field namespace_spec_fields[] = {{1, "finalizers", kind::string, rep}};
constinit const message namespace_spec{"NamespaceSpec", namespace_spec_fields};
constexpr field namespace_condition_fields[] = {
    {1, "type", kind::string},   {2, "status", kind::string},        {4, "lastTransitionTime", kind::time},
    {5, "reason", kind::string, omit}, {6, "message", kind::string, omit},
};
constinit const message namespace_condition{"NamespaceCondition", namespace_condition_fields};
constexpr field namespace_status_fields[] = {
    {1, "phase", kind::string, omit}, {2, "conditions", kind::message, rep, &namespace_condition}};
constinit const message namespace_status{"NamespaceStatus", namespace_status_fields};
constexpr field namespace_fields[] = {
    {1, "metadata", kind::message, 0, &object_meta},
    {2, "spec", kind::message, 0, &namespace_spec},
    {3, "status", kind::message, 0, &namespace_status},
};

constexpr field service_account_fields[] = {
    {1, "metadata", kind::message, 0, &object_meta},
    {2, "secrets", kind::message, rep, &object_reference},
    {3, "imagePullSecrets", kind::message, rep, &local_object_reference},
    {4, "automountServiceAccountToken", kind::boolean},
};

// ---- Service

constexpr field service_port_fields[] = {
    {1, "name", kind::string, omit},   {2, "protocol", kind::string, omit}, {6, "appProtocol", kind::string},
    {3, "port", kind::int32},          {4, "targetPort", kind::int_or_string},
    {5, "nodePort", kind::int32, omit},
};
constinit const message service_port{"ServicePort", service_port_fields};
constexpr field client_ip_config_fields[] = {{1, "timeoutSeconds", kind::int32}};
constinit const message client_ip_config{"ClientIPConfig", client_ip_config_fields};
constexpr field session_affinity_config_fields[] = {{1, "clientIP", kind::message, 0, &client_ip_config}};
constinit const message session_affinity_config{"SessionAffinityConfig", session_affinity_config_fields};

// Numbers 15 (topologyKeys) and 16 (ipFamily) were removed from the API.
constexpr field service_spec_fields[] = {
    {1, "ports", kind::message, rep, &service_port},
    {2, "selector", kind::map, 0, &string_map},
    {3, "clusterIP", kind::string, omit},
    {18, "clusterIPs", kind::string, rep},
    {4, "type", kind::string, omit},
    {5, "externalIPs", kind::string, rep},
    {7, "sessionAffinity", kind::string, omit},
    {8, "loadBalancerIP", kind::string, omit},
    {9, "loadBalancerSourceRanges", kind::string, rep},
    {10, "externalName", kind::string, omit},
    {11, "externalTrafficPolicy", kind::string, omit},
    {12, "healthCheckNodePort", kind::int32, omit},
    {13, "publishNotReadyAddresses", kind::boolean, omit},
    {14, "sessionAffinityConfig", kind::message, 0, &session_affinity_config},
    {19, "ipFamilies", kind::string, rep},
    {17, "ipFamilyPolicy", kind::string},
    {20, "allocateLoadBalancerNodePorts", kind::boolean},
    {21, "loadBalancerClass", kind::string},
    {22, "internalTrafficPolicy", kind::string},
    {23, "trafficDistribution", kind::string},
};
constinit const message service_spec{"ServiceSpec", service_spec_fields};

constexpr field port_status_fields[] = {
    {1, "port", kind::int32}, {2, "protocol", kind::string}, {3, "error", kind::string}};
constinit const message port_status{"PortStatus", port_status_fields};
constexpr field load_balancer_ingress_fields[] = {
    {1, "ip", kind::string, omit}, {2, "hostname", kind::string, omit}, {3, "ipMode", kind::string},
    {4, "ports", kind::message, rep, &port_status},
};
constinit const message load_balancer_ingress{"LoadBalancerIngress", load_balancer_ingress_fields};
constexpr field load_balancer_status_fields[] = {{1, "ingress", kind::message, rep, &load_balancer_ingress}};
constinit const message load_balancer_status{"LoadBalancerStatus", load_balancer_status_fields};
constexpr field service_status_fields[] = {
    {1, "loadBalancer", kind::message, 0, &load_balancer_status},
    {2, "conditions", kind::message, rep, &condition},
};
constinit const message service_status{"ServiceStatus", service_status_fields};
constexpr field service_fields[] = {
    {1, "metadata", kind::message, 0, &object_meta},
    {2, "spec", kind::message, 0, &service_spec},
    {3, "status", kind::message, 0, &service_status},
};

}  // namespace

constinit const message string_map{"map<string,string>", string_entry};
constinit const message bytes_map{"map<string,bytes>", bytes_entry};
constinit const message quantity_map{"map<string,Quantity>", quantity_entry};
constinit const message object_meta{"ObjectMeta", object_meta_fields};
constinit const message label_selector{"LabelSelector", label_selector_fields};
constinit const message local_object_reference{"LocalObjectReference", local_object_reference_fields};
constinit const message object_reference{"ObjectReference", object_reference_fields};

constinit const message config_map{"ConfigMap", config_map_fields};
constinit const message secret{"Secret", secret_fields};
constinit const message namespace_{"Namespace", namespace_fields};
constinit const message service_account{"ServiceAccount", service_account_fields};
constinit const message service{"Service", service_fields};

}  // namespace habop::fake::pb
