// The Habitat custom resource (habitat.sh/v1beta1, customVersion v1beta2) as plain value types.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <boost/json/value.hpp>

namespace habop::api {

inline constexpr const char* group = "habitat.sh";
inline constexpr const char* version = "v1beta1";
inline constexpr const char* api_version = "habitat.sh/v1beta1";
inline constexpr const char* kind = "Habitat";
inline constexpr const char* list_kind = "HabitatList";
inline constexpr const char* plural = "habitats";
inline constexpr const char* singular = "habitat";
inline constexpr const char* short_name = "hab";
inline constexpr const char* crd_name = "habitats.habitat.sh";
/// The only `customVersion` this operator understands (the original's v1beta2 layout under `spec.v1beta2`).
inline constexpr const char* custom_version = "v1beta2";

enum class topology { standalone, leader };

/// How pods pick up a new pod template. `all_at_once` restarts every stale pod together, the original's answer to
/// the Supervisor's election bug (habitat-sh/habitat#5264); `rolling_update` lets the StatefulSet controller roll.
enum class update_strategy { all_at_once, rolling_update };

/// `--bind <name>:<service>.<group>`.
struct bind {
  std::string name;
  std::string service;
  std::string group;
  bool operator==(const bind&) const = default;
};

struct persistent_storage {
  std::string size;                 ///< A Kubernetes quantity, e.g. `1Gi`.
  std::string mount_path;           ///< Absolute path inside the container.
  std::string storage_class_name;   ///< Empty means the cluster default (the field is omitted, not sent as "").
  bool operator==(const persistent_storage&) const = default;
};

struct service {
  std::string name;                                  ///< Habitat package name; used for mount paths.
  habop::api::topology topology = topology::standalone;
  std::optional<std::string> group;                  ///< `--group`; absent means the Supervisor's `default`.
  std::optional<std::string> channel;                ///< `--channel`; absent means the Supervisor's `stable`.
  std::optional<std::string> config_secret_name;     ///< Secret with key `user.toml`.
  std::optional<std::string> ring_secret_name;       ///< Secret `<ring>-<14 digits>` with key `ring-key`.
  std::optional<std::string> files_secret_name;      ///< Every key copied to `/hab/svc/<name>/files`.
  std::vector<habop::api::bind> binds;               ///< JSON `bind`.
  bool operator==(const service&) const = default;
};

/// `spec.v1beta2`: the original's fields, then habop's optional, additive extensions (each defaults to the
/// original's behaviour when absent).
struct spec_v1beta2 {
  std::int32_t count = 0;
  std::string image;
  boost::json::array env;                            ///< core/v1 EnvVar objects, copied verbatim.
  std::optional<habop::api::persistent_storage> persistent_storage;
  habop::api::service service;

  // habop extensions.
  std::optional<habop::api::update_strategy> update_strategy;   ///< Default: see `effective_update_strategy`.
  std::map<std::string, std::string> node_selector;
  boost::json::array tolerations;                    ///< core/v1 Toleration objects, verbatim.
  std::optional<boost::json::object> affinity;       ///< core/v1 Affinity, verbatim.
  std::optional<boost::json::object> resources;      ///< core/v1 ResourceRequirements, verbatim.
  std::optional<std::string> service_account_name;
  std::optional<boost::json::object> security_context;   ///< core/v1 PodSecurityContext, verbatim.
  std::vector<std::string> image_pull_secrets;       ///< Secret names.
  bool operator==(const spec_v1beta2&) const = default;
};

/// The subset of ObjectMeta habop reads.
struct object_meta {
  std::string name;
  std::string ns;
  std::string uid;
  std::string resource_version;
  std::int64_t generation = 0;
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
  std::optional<std::string> deletion_timestamp;
  bool operator==(const object_meta&) const = default;
};

struct condition {
  std::string type;
  std::string status;    ///< `True`, `False` or `Unknown`.
  std::int64_t observed_generation = 0;
  std::string last_transition_time;   ///< RFC 3339, changed only when `status` changes.
  std::string reason;
  std::string message;
  bool operator==(const condition&) const = default;
};

struct habitat_status {
  std::int64_t observed_generation = 0;
  std::int32_t replicas = 0;
  std::int32_t ready_replicas = 0;
  std::vector<condition> conditions;
  std::string state;      ///< The original's `status.state`, kept for its readers.
  std::string message;    ///< The original's `status.message`.
  /// The pods' label selector (`habitat-name=<name>`): the scale subresource's `labelSelectorPath`, which a
  /// HorizontalPodAutoscaler needs to read the pods' metrics.
  std::string selector;
  bool operator==(const habitat_status&) const = default;
};

/// A whole Habitat. `custom_version` is top-level on the wire (a sibling of `spec`).
struct habitat {
  object_meta metadata;
  std::optional<std::string> custom_version;
  spec_v1beta2 spec;
  habitat_status status;
  bool operator==(const habitat&) const = default;
};

/// `leader` defaults to all-at-once (a rolling restart loses quorum, hab#5264); `standalone` to rolling.
inline update_strategy effective_update_strategy(const spec_v1beta2& s) {
  if (s.update_strategy) return *s.update_strategy;
  return s.service.topology == topology::leader ? update_strategy::all_at_once : update_strategy::rolling_update;
}

inline const char* to_string(topology t) { return t == topology::leader ? "leader" : "standalone"; }
inline const char* to_string(update_strategy u) {
  return u == update_strategy::all_at_once ? "AllAtOnce" : "RollingUpdate";
}

}  // namespace habop::api
