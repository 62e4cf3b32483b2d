// The protobuf schemas of the built-in kinds kubectl's typed `create` subcommands send, as static tables: per message,
// field number → JSON name and how to decode it (protobuf.cpp walks them). Numbers and names come from k8s.io/api's
// generated.proto and the json tags of types.go; a wrong number silently misplaces data, so every row was checked
// against the `json:"…" protobuf:"…,N,…,name=…"` struct tags of k8s.io/api (as compiled into kubectl 1.33).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace habop::fake::pb {

/// How a field's bytes become JSON. Scalars map directly; the k8s wrapper messages get their JSON shape.
enum class kind : std::uint8_t {
  string,
  bytes,           ///< base64 string, as Go's JSON writes []byte
  int32,
  int64,
  boolean,
  message,         ///< a JSON object decoded with `type`
  inline_message,  ///< an embedded struct with `json:",inline"`: its fields land in the enclosing object
  map,             ///< map<string, V>: `type` is the entry message {1 key, 2 value}
  int_or_string,   ///< intstr.IntOrString {1 type, 2 intVal, 3 strVal} → number or string
  quantity,        ///< resource.Quantity {1 string} → string
  time,            ///< metav1.Time {1 seconds, 2 nanos} → RFC 3339 at second precision (KAS drops nanos)
  micro_time,      ///< metav1.MicroTime → RFC 3339 with microseconds
  string_list,     ///< a named []string wrapped as {repeated string items = 1} (authorization's ExtraValue)
};

inline constexpr std::uint8_t rep = 1;    ///< repeated: each occurrence appends to a JSON array
/// A non-pointer `omitempty` field: gogo-protobuf always writes it, Go's JSON drops its zero value, and so do we.
/// Pointer fields (`*int32 replicas`) keep an explicit zero and carry no flag.
inline constexpr std::uint8_t omit = 2;

struct message;

struct field {
  std::uint32_t number = 0;
  std::string_view json;
  kind k = kind::string;
  std::uint8_t flags = 0;
  const message* type = nullptr;   ///< for message, inline_message and map
};

struct message {
  std::string_view name;   ///< the proto message name, for 415 messages
  std::span<const field> fields;
};

// Shared building blocks (protobuf_schema_core.cpp).
extern const message object_meta, label_selector, string_map, bytes_map, quantity_map, local_object_reference,
    object_reference;
// Pod templates (protobuf_schema_pod.cpp).
extern const message pod_template_spec;

// The messages of whole objects (protobuf.cpp maps kinds to them), by file: protobuf_schema_core.cpp, _apps.cpp,
// _autoscaling.cpp, _rbac.cpp (RBAC and the access reviews).
extern const message config_map, secret, namespace_, service_account, service;
extern const message deployment;
extern const message horizontal_pod_autoscaler;
extern const message role, cluster_role, role_binding, cluster_role_binding, self_subject_access_review,
    subject_access_review, self_subject_rules_review;

}  // namespace habop::fake::pb
