// Protobuf tables of core/v1's PodTemplateSpec, PodSpec and Container: what `kubectl create deployment` sends plus
// the container fields manifests commonly set. Volumes, affinity, security contexts and lifecycle hooks are left
// out: a body carrying them gets a 415 naming the field, never a silently truncated pod.
#include "protobuf_schema.hpp"

namespace habop::fake::pb {
namespace {

constexpr field container_port_fields[] = {
    {1, "name", kind::string, omit},    {2, "hostPort", kind::int32, omit}, {3, "containerPort", kind::int32},
    {4, "protocol", kind::string, omit}, {5, "hostIP", kind::string, omit},
};
constinit const message container_port{"ContainerPort", container_port_fields};

// ---- environment

constexpr field object_field_selector_fields[] = {
    {1, "apiVersion", kind::string, omit}, {2, "fieldPath", kind::string}};
constinit const message object_field_selector{"ObjectFieldSelector", object_field_selector_fields};
constexpr field resource_field_selector_fields[] = {
    {1, "containerName", kind::string, omit}, {2, "resource", kind::string}, {3, "divisor", kind::quantity}};
constinit const message resource_field_selector{"ResourceFieldSelector", resource_field_selector_fields};
// ConfigMapKeySelector and SecretKeySelector: an inlined LocalObjectReference, then key and optional.
constexpr field key_selector_fields[] = {
    {1, "localObjectReference", kind::inline_message, 0, &local_object_reference},
    {2, "key", kind::string},
    {3, "optional", kind::boolean},
};
constinit const message key_selector{"KeySelector", key_selector_fields};
constexpr field env_var_source_fields[] = {
    {1, "fieldRef", kind::message, 0, &object_field_selector},
    {2, "resourceFieldRef", kind::message, 0, &resource_field_selector},
    {3, "configMapKeyRef", kind::message, 0, &key_selector},
    {4, "secretKeyRef", kind::message, 0, &key_selector},
};
constinit const message env_var_source{"EnvVarSource", env_var_source_fields};
constexpr field env_var_fields[] = {
    {1, "name", kind::string}, {2, "value", kind::string, omit}, {3, "valueFrom", kind::message, 0, &env_var_source}};
constinit const message env_var{"EnvVar", env_var_fields};
// ConfigMapEnvSource and SecretEnvSource.
constexpr field env_source_fields[] = {
    {1, "localObjectReference", kind::inline_message, 0, &local_object_reference}, {2, "optional", kind::boolean}};
constinit const message env_source{"EnvSource", env_source_fields};
constexpr field env_from_source_fields[] = {
    {1, "prefix", kind::string, omit},
    {2, "configMapRef", kind::message, 0, &env_source},
    {3, "secretRef", kind::message, 0, &env_source},
};
constinit const message env_from_source{"EnvFromSource", env_from_source_fields};

// ---- resources, mounts, probes

constexpr field resource_claim_fields[] = {{1, "name", kind::string}, {2, "request", kind::string, omit}};
constinit const message resource_claim{"ResourceClaim", resource_claim_fields};
constexpr field resource_requirements_fields[] = {
    {1, "limits", kind::map, 0, &quantity_map},
    {2, "requests", kind::map, 0, &quantity_map},
    {3, "claims", kind::message, rep, &resource_claim},
};
constinit const message resource_requirements{"ResourceRequirements", resource_requirements_fields};

constexpr field volume_mount_fields[] = {
    {1, "name", kind::string},          {2, "readOnly", kind::boolean, omit}, {7, "recursiveReadOnly", kind::string},
    {3, "mountPath", kind::string},     {4, "subPath", kind::string, omit},   {5, "mountPropagation", kind::string},
    {6, "subPathExpr", kind::string, omit},
};
constinit const message volume_mount{"VolumeMount", volume_mount_fields};

constexpr field exec_action_fields[] = {{1, "command", kind::string, rep}};
constinit const message exec_action{"ExecAction", exec_action_fields};
constexpr field http_header_fields[] = {{1, "name", kind::string}, {2, "value", kind::string}};
constinit const message http_header{"HTTPHeader", http_header_fields};
constexpr field http_get_action_fields[] = {
    {1, "path", kind::string, omit},   {2, "port", kind::int_or_string}, {3, "host", kind::string, omit},
    {4, "scheme", kind::string, omit}, {5, "httpHeaders", kind::message, rep, &http_header},
};
constinit const message http_get_action{"HTTPGetAction", http_get_action_fields};
constexpr field tcp_socket_action_fields[] = {{1, "port", kind::int_or_string}, {2, "host", kind::string, omit}};
constinit const message tcp_socket_action{"TCPSocketAction", tcp_socket_action_fields};
constexpr field grpc_action_fields[] = {{1, "port", kind::int32}, {2, "service", kind::string}};
constinit const message grpc_action{"GRPCAction", grpc_action_fields};
constexpr field probe_handler_fields[] = {
    {1, "exec", kind::message, 0, &exec_action},
    {2, "httpGet", kind::message, 0, &http_get_action},
    {3, "tcpSocket", kind::message, 0, &tcp_socket_action},
    {4, "grpc", kind::message, 0, &grpc_action},
};
constinit const message probe_handler{"ProbeHandler", probe_handler_fields};
constexpr field probe_fields[] = {
    {1, "handler", kind::inline_message, 0, &probe_handler},
    {2, "initialDelaySeconds", kind::int32, omit},
    {3, "timeoutSeconds", kind::int32, omit},
    {4, "periodSeconds", kind::int32, omit},
    {5, "successThreshold", kind::int32, omit},
    {6, "failureThreshold", kind::int32, omit},
    {7, "terminationGracePeriodSeconds", kind::int64},
};
constinit const message probe{"Probe", probe_fields};

// ---- Container and PodSpec

constexpr field container_fields[] = {
    {1, "name", kind::string},
    {2, "image", kind::string, omit},
    {3, "command", kind::string, rep},
    {4, "args", kind::string, rep},
    {5, "workingDir", kind::string, omit},
    {6, "ports", kind::message, rep, &container_port},
    {19, "envFrom", kind::message, rep, &env_from_source},
    {7, "env", kind::message, rep, &env_var},
    {8, "resources", kind::message, 0, &resource_requirements},
    {24, "restartPolicy", kind::string},
    {9, "volumeMounts", kind::message, rep, &volume_mount},
    {10, "livenessProbe", kind::message, 0, &probe},
    {11, "readinessProbe", kind::message, 0, &probe},
    {22, "startupProbe", kind::message, 0, &probe},
    {13, "terminationMessagePath", kind::string, omit},
    {20, "terminationMessagePolicy", kind::string, omit},
    {14, "imagePullPolicy", kind::string, omit},
    {16, "stdin", kind::boolean, omit},
    {17, "stdinOnce", kind::boolean, omit},
    {18, "tty", kind::boolean, omit},
};
constinit const message container{"Container", container_fields};

constexpr field toleration_fields[] = {
    {1, "key", kind::string, omit},    {2, "operator", kind::string, omit}, {3, "value", kind::string, omit},
    {4, "effect", kind::string, omit}, {5, "tolerationSeconds", kind::int64},
};
constinit const message toleration{"Toleration", toleration_fields};
constexpr field host_alias_fields[] = {{1, "ip", kind::string}, {2, "hostnames", kind::string, rep}};
constinit const message host_alias{"HostAlias", host_alias_fields};

constexpr field pod_spec_fields[] = {
    {20, "initContainers", kind::message, rep, &container},
    {2, "containers", kind::message, rep, &container},
    {3, "restartPolicy", kind::string, omit},
    {4, "terminationGracePeriodSeconds", kind::int64},
    {5, "activeDeadlineSeconds", kind::int64},
    {6, "dnsPolicy", kind::string, omit},
    {7, "nodeSelector", kind::map, 0, &string_map},
    {8, "serviceAccountName", kind::string, omit},
    {9, "serviceAccount", kind::string, omit},
    {21, "automountServiceAccountToken", kind::boolean},
    {10, "nodeName", kind::string, omit},
    {11, "hostNetwork", kind::boolean, omit},
    {12, "hostPID", kind::boolean, omit},
    {13, "hostIPC", kind::boolean, omit},
    {27, "shareProcessNamespace", kind::boolean},
    {15, "imagePullSecrets", kind::message, rep, &local_object_reference},
    {16, "hostname", kind::string, omit},
    {17, "subdomain", kind::string, omit},
    {19, "schedulerName", kind::string, omit},
    {22, "tolerations", kind::message, rep, &toleration},
    {23, "hostAliases", kind::message, rep, &host_alias},
    {24, "priorityClassName", kind::string, omit},
    {25, "priority", kind::int32},
    {29, "runtimeClassName", kind::string},
    {30, "enableServiceLinks", kind::boolean},
    {31, "preemptionPolicy", kind::string},
    {35, "setHostnameAsFQDN", kind::boolean},
    {37, "hostUsers", kind::boolean},
};
constinit const message pod_spec{"PodSpec", pod_spec_fields};

constexpr field pod_template_spec_fields[] = {
    {1, "metadata", kind::message, 0, &object_meta}, {2, "spec", kind::message, 0, &pod_spec}};

}  // namespace

constinit const message pod_template_spec{"PodTemplateSpec", pod_template_spec_fields};

}  // namespace habop::fake::pb
