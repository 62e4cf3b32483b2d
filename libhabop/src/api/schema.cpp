// The Habitat field table: every path, type and constraint, read by the CRD generator, the validator and the docs.
#include <habop/api/schema.hpp>

#include <array>

#include <habop/api/quantity.hpp>

namespace habop::api {
namespace {

// Patterns use only syntax that ECMA-262 (std::regex, the validator) and RE2 (the API server) read the same way.
// A Service name (kube-apiserver's NameIsDNS1035Label): the headless Service is named after the Habitat.
constexpr std::string_view dns1035_label = "^[a-z]([-a-z0-9]*[a-z0-9])?$";
constexpr std::string_view dns_subdomain = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";
constexpr std::string_view dns_subdomain_or_empty =
    "^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)?$";
// `core/src/package/ident.rs`: package names are `[A-Za-z0-9_-]+`.
constexpr std::string_view package_name = "^[A-Za-z0-9_-]+$";
// The service and group parts of the Supervisor's service-group regexp (`core/src/service.rs`).
constexpr std::string_view service_group_part = "^[^#@.]+$";
// Channels end up in Builder URL paths (`/depot/channels/<origin>/<channel>/...`).
constexpr std::string_view channel_name = "^[A-Za-z0-9_.-]+$";
// `--bind <name>:<service>.<group>` is split on `:` into exactly two parts.
constexpr std::string_view bind_name = "^[^:]+$";
// The original's `^([\w_-]+)-\d{14}$` intersected with a DNS subdomain (a Secret name): lowercase, no dots or `_`.
constexpr std::string_view ring_secret_name = "^[a-z0-9][-a-z0-9]*-[0-9]{14}$";
// core/v1 `IsEnvVarName`.
constexpr std::string_view env_var_name = "^[-._a-zA-Z][-._a-zA-Z0-9]*$";
// apimachinery resource.Quantity: <sign><number><suffix>, suffix binary SI, decimal SI or an integer exponent.
constexpr std::string_view quantity = "^[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([KMGTPE]i|[numkMGTPE]|[eE][+-]?[0-9]+)?$";
constexpr std::string_view label_value = "^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$";
constexpr std::string_view absolute_path = "^/";

constexpr std::array<std::string_view, 1> custom_versions = {"v1beta2"};
constexpr std::array<std::string_view, 2> topologies = {"standalone", "leader"};
constexpr std::array<std::string_view, 2> update_strategies = {"AllAtOnce", "RollingUpdate"};
constexpr std::array<std::string_view, 3> condition_statuses = {"True", "False", "Unknown"};

constexpr std::int64_t int32_max = 2147483647;
constexpr std::int64_t subdomain_max = 253;

using ft = field_type;

const field_spec table[] = {
    {.path = "metadata", .type = ft::object, .required = true, .description = "Standard object metadata."},
    {.path = "metadata.name", .required = true, .pattern = dns1035_label, .max_length = 52,
     .description = "A DNS-1035 label of at most 52 characters: it names the headless Service (whose name must "
                    "start with a letter) and the StatefulSet, whose pods are `<name>-<ordinal>` and carry a "
                    "`controller-revision-hash` label `<name>-<10 characters>` that must fit in 63 characters, and "
                    "it is the `habitat-name` label value.",
     .fix = "`hab pkg export kubernetes` names a Habitat `<pkg>-<version>-<release>`, with dots, unless given "
            "`--k8s-name NAME`: export again with it, or set another metadata.name"},
    {.path = "customVersion", .required = true, .enum_values = custom_versions,
     .description = "The layout of `spec`. Only `v1beta2` exists; it is top-level (a sibling of `spec`) for "
                    "compatibility with the original operator."},
    {.path = "spec", .type = ft::object, .required = true, .description = "The desired state."},
    {.path = "spec.v1beta2", .type = ft::object, .required = true,
     .description = "The v1beta2 layout of the spec, as the original operator and `hab pkg export kubernetes` write it."},
    {.path = "spec.v1beta2.count", .type = ft::integer, .minimum = 0, .maximum = int32_max, .format = "int32",
     .default_text = "0",
     .description = "Number of Supervisor pods (StatefulSet replicas). A `leader` topology needs at least 3 to "
                    "elect a leader."},
    {.path = "spec.v1beta2.image", .required = true, .min_length = 1,
     .description = "Container image of the Habitat-packaged service (e.g. from `hab pkg export docker`)."},
    {.path = "spec.v1beta2.env", .type = ft::array, .list_map_key = "name", .default_text = "none",
     .description = "core/v1 EnvVar objects, copied verbatim into the container (`valueFrom` allowed). "
                    "`HAB_<PKG>` configures the service. Names are unique."},
    {.path = "spec.v1beta2.env[]", .type = ft::object, .preserve_unknown_fields = true,
     .description = "A core/v1 EnvVar."},
    {.path = "spec.v1beta2.env[].name", .required = true, .pattern = env_var_name, .max_length = 1024,
     .description = "Variable name: letters, digits, `-`, `.`, `_`, not starting with a digit."},
    {.path = "spec.v1beta2.env[].value", .description = "Variable value; must be a string (quote numbers in YAML)."},
    {.path = "spec.v1beta2.persistentStorage", .type = ft::object, .default_text = "no persistent volume",
     .description = "When present, each pod gets a PersistentVolumeClaim from a volumeClaimTemplate. The "
                    "StatefulSet's claim templates cannot change after creation."},
    {.path = "spec.v1beta2.persistentStorage.size", .required = true, .pattern = quantity, .max_length = 64,
     .description = "Requested storage, a Kubernetes quantity greater than zero (e.g. `1Gi`)."},
    {.path = "spec.v1beta2.persistentStorage.mountPath", .required = true, .pattern = absolute_path,
     .max_length = 4096,
     .description = "Absolute mount path in the container (e.g. `/hab/svc/<service>/data`); not one of, or "
                    "inside, habop's own mounts `/habitat-operator`, `/hab/cache/keys`, `/hab/user/<service>/config`, "
                    "`/hab/svc/<service>/files`."},
    {.path = "spec.v1beta2.persistentStorage.storageClassName", .pattern = dns_subdomain_or_empty,
     .max_length = subdomain_max, .default_text = "the cluster's default StorageClass",
     .description = "StorageClass of the claims; empty or absent uses the cluster default (the field is omitted)."},
    {.path = "spec.v1beta2.service", .type = ft::object, .required = true,
     .description = "The Habitat service the Supervisor runs."},
    {.path = "spec.v1beta2.service.name", .required = true, .pattern = package_name, .max_length = subdomain_max,
     .description = "Habitat package name of the service (e.g. `redis`); it decides the paths "
                    "`/hab/user/<name>/config` and `/hab/svc/<name>/files`."},
    {.path = "spec.v1beta2.service.topology", .required = true, .enum_values = topologies,
     .description = "Supervisor topology (`--topology`)."},
    {.path = "spec.v1beta2.service.group", .pattern = service_group_part, .max_length = subdomain_max,
     .default_text = "`default` (the Supervisor's)",
     .description = "Service group (`--group`); no `#`, `@` or `.`."},
    {.path = "spec.v1beta2.service.channel", .pattern = channel_name, .max_length = subdomain_max,
     .default_text = "`stable` (the Supervisor's)",
     .description = "Release channel (`--channel`), used by update strategies such as habitat-updater."},
    {.path = "spec.v1beta2.service.configSecretName", .pattern = dns_subdomain, .max_length = subdomain_max,
     .default_text = "none",
     .description = "Secret in the Habitat's namespace whose key `user.toml` is mounted at "
                    "`/hab/user/<service>/config/user.toml`; edits reach running pods."},
    {.path = "spec.v1beta2.service.ringSecretName", .pattern = ring_secret_name, .max_length = subdomain_max,
     .default_text = "no ring encryption",
     .description = "Secret `<ring>-<14-digit revision>` (e.g. `example-encrypted-ring-20170829113029`) in the "
                    "Habitat's namespace holding key `ring-key`; the Supervisor runs with `--ring <ring>`."},
    {.path = "spec.v1beta2.service.filesSecretName", .pattern = dns_subdomain, .max_length = subdomain_max,
     .default_text = "none",
     .description = "Secret in the Habitat's namespace whose keys appear as files in `/hab/svc/<service>/files`."},
    {.path = "spec.v1beta2.service.bind", .type = ft::array, .list_map_key = "name", .default_text = "none",
     .description = "Binds (`--bind <name>:<service>.<group>`), unique by name."},
    {.path = "spec.v1beta2.service.bind[]", .type = ft::object, .description = "One bind."},
    {.path = "spec.v1beta2.service.bind[].name", .required = true, .pattern = bind_name,
     .max_length = subdomain_max, .description = "Bind name as declared by the package (`pkg_binds`); no `:`."},
    {.path = "spec.v1beta2.service.bind[].service", .required = true, .pattern = service_group_part,
     .max_length = subdomain_max, .description = "Service bound to; no `#`, `@` or `.`."},
    {.path = "spec.v1beta2.service.bind[].group", .required = true, .pattern = service_group_part,
     .max_length = subdomain_max, .description = "Group of the service bound to; no `#`, `@` or `.`."},
    // habop extensions: optional, each absent value keeps the original operator's behaviour.
    {.path = "spec.v1beta2.updateStrategy", .enum_values = update_strategies,
     .default_text = "`AllAtOnce` for `leader`, `RollingUpdate` for `standalone`",
     .description = "habop extension. How pods pick up a new template: `AllAtOnce` restarts every stale pod "
                    "together (leader elections survive, habitat-sh/habitat#5264); `RollingUpdate` replaces one "
                    "pod at a time."},
    {.path = "spec.v1beta2.nodeSelector", .type = ft::string_map, .pattern = label_value, .max_length = 63,
     .default_text = "none",
     .description = "habop extension. Pod nodeSelector; keys are label keys (`[prefix/]name`), values label values."},
    {.path = "spec.v1beta2.tolerations", .type = ft::array, .default_text = "none",
     .description = "habop extension. core/v1 Toleration objects for the pods, verbatim."},
    {.path = "spec.v1beta2.tolerations[]", .type = ft::object, .preserve_unknown_fields = true,
     .description = "A core/v1 Toleration."},
    {.path = "spec.v1beta2.affinity", .type = ft::object, .preserve_unknown_fields = true, .default_text = "none",
     .description = "habop extension. core/v1 Affinity for the pods, verbatim."},
    {.path = "spec.v1beta2.resources", .type = ft::object, .preserve_unknown_fields = true,
     .default_text = "none",
     .description = "habop extension. core/v1 ResourceRequirements of the Supervisor container, verbatim."},
    {.path = "spec.v1beta2.serviceAccountName", .pattern = dns_subdomain, .max_length = subdomain_max,
     .default_text = "the namespace's `default`",
     .description = "habop extension. ServiceAccount the pods run as."},
    {.path = "spec.v1beta2.securityContext", .type = ft::object, .preserve_unknown_fields = true,
     .default_text = "none",
     .description = "habop extension. core/v1 PodSecurityContext, verbatim (e.g. `fsGroup: 42`, the hab group, "
                    "for volume permissions)."},
    {.path = "spec.v1beta2.imagePullSecrets", .type = ft::array, .default_text = "none",
     .description = "habop extension. Secrets for pulling the image, as in core/v1 (`[{name: ...}]`)."},
    {.path = "spec.v1beta2.imagePullSecrets[]", .type = ft::object, .description = "A LocalObjectReference."},
    {.path = "spec.v1beta2.imagePullSecrets[].name", .required = true, .pattern = dns_subdomain,
     .max_length = subdomain_max, .description = "Secret name."},
    // Status: written by the operator through the status subresource.
    {.path = "status", .type = ft::object, .description = "Observed state, written by the operator."},
    {.path = "status.observedGeneration", .type = ft::integer, .minimum = 0, .format = "int64",
     .description = "The `metadata.generation` the status describes."},
    {.path = "status.replicas", .type = ft::integer, .minimum = 0, .format = "int32",
     .description = "Pods created by the StatefulSet."},
    {.path = "status.readyReplicas", .type = ft::integer, .minimum = 0, .format = "int32",
     .description = "Pods that are Ready."},
    {.path = "status.conditions", .type = ft::array, .list_map_key = "type",
     .description = "`Ready`, `Progressing` and `Degraded`, with reasons such as `SecretNotFound`, `InvalidSpec`, "
                    "`UnsupportedVersion`, `InsufficientMembers`, `ImmutableFieldChanged`."},
    {.path = "status.conditions[]", .type = ft::object, .description = "A metav1.Condition."},
    {.path = "status.conditions[].type", .required = true, .max_length = 316, .description = "Condition type."},
    {.path = "status.conditions[].status", .required = true, .enum_values = condition_statuses,
     .description = "`True`, `False` or `Unknown`."},
    {.path = "status.conditions[].observedGeneration", .type = ft::integer, .minimum = 0, .format = "int64",
     .description = "The generation the condition was computed from."},
    {.path = "status.conditions[].lastTransitionTime", .format = "date-time",
     .description = "When `status` last changed (RFC 3339)."},
    {.path = "status.conditions[].reason", .max_length = 1024, .description = "CamelCase reason."},
    {.path = "status.conditions[].message", .max_length = 32768, .description = "For people."},
    {.path = "status.state", .description = "The original operator's state field, kept for its readers."},
    {.path = "status.message", .description = "The original operator's message field, kept for its readers."},
    {.path = "status.selector",
     .description = "Label selector of the Habitat's pods (the scale subresource's, for a HorizontalPodAutoscaler)."},
};

// Hand-written matchers, one per pattern above (std::regex costs microseconds per field and recurses per
// character); schema_test checks each against std::regex on every short string of a relevant alphabet.
constexpr bool lower_or_digit(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
constexpr bool alnum(char c) { return lower_or_digit(c) || (c >= 'A' && c <= 'Z'); }
constexpr bool digit(char c) { return c >= '0' && c <= '9'; }

template <class F>
constexpr bool all_of(std::string_view s, F&& f) {
  for (char c : s)
    if (!f(c)) return false;
  return true;
}

constexpr bool is_dns_label(std::string_view s) {
  return !s.empty() && lower_or_digit(s.front()) && lower_or_digit(s.back()) &&
         all_of(s, [](char c) { return lower_or_digit(c) || c == '-'; });
}
constexpr bool is_dns1035_label(std::string_view s) {
  return is_dns_label(s) && !digit(s.front());
}
constexpr bool is_dns_subdomain(std::string_view s) {
  while (true) {
    const std::size_t dot = s.find('.');
    if (!is_dns_label(s.substr(0, dot))) return false;
    if (dot == std::string_view::npos) return true;
    s.remove_prefix(dot + 1);
  }
}
constexpr bool is_dns_subdomain_or_empty(std::string_view s) { return s.empty() || is_dns_subdomain(s); }
constexpr bool is_package_name(std::string_view s) {
  return !s.empty() && all_of(s, [](char c) { return alnum(c) || c == '_' || c == '-'; });
}
constexpr bool is_service_group_part(std::string_view s) {
  return !s.empty() && all_of(s, [](char c) { return c != '#' && c != '@' && c != '.'; });
}
constexpr bool is_channel_name(std::string_view s) {
  return !s.empty() && all_of(s, [](char c) { return alnum(c) || c == '_' || c == '.' || c == '-'; });
}
constexpr bool is_bind_name(std::string_view s) {
  return !s.empty() && all_of(s, [](char c) { return c != ':'; });
}
constexpr bool is_ring_secret_name(std::string_view s) {
  constexpr std::size_t revision = 14;
  if (s.size() < revision + 2 || !lower_or_digit(s.front()) || s[s.size() - revision - 1] != '-') return false;
  return all_of(s.substr(s.size() - revision), digit) &&
         all_of(s.substr(1, s.size() - revision - 2), [](char c) { return lower_or_digit(c) || c == '-'; });
}
constexpr bool is_env_var_name(std::string_view s) {
  auto first = [](char c) { return (alnum(c) && !digit(c)) || c == '-' || c == '.' || c == '_'; };
  return !s.empty() && first(s.front()) && all_of(s, [](char c) { return alnum(c) || c == '-' || c == '.' || c == '_'; });
}
bool is_quantity(std::string_view s) { return api::quantity::is_valid(s); }
constexpr bool is_label_value(std::string_view s) {
  return s.empty() || (alnum(s.front()) && alnum(s.back()) &&
                       all_of(s, [](char c) { return alnum(c) || c == '-' || c == '_' || c == '.'; }));
}
constexpr bool is_absolute_path(std::string_view s) { return !s.empty() && s.front() == '/'; }

struct pattern_entry {
  std::string_view pattern;
  std::string_view help;
  pattern_matcher match;
};
constexpr pattern_entry patterns[] = {
    {dns1035_label, "a lowercase RFC 1035 label: letters a-z, digits and '-', starting with a letter and ending "
                    "with a letter or digit", is_dns1035_label},
    {dns_subdomain, "a lowercase RFC 1123 subdomain: labels of a-z, 0-9 and '-' separated by '.', each starting and "
                    "ending with a letter or digit", is_dns_subdomain},
    {dns_subdomain_or_empty, "empty, or a lowercase RFC 1123 subdomain (a StorageClass name)",
     is_dns_subdomain_or_empty},
    {package_name, "a Habitat package name: letters, digits, '_' and '-'", is_package_name},
    {service_group_part, "non-empty, without '#', '@' or '.'", is_service_group_part},
    {channel_name, "a channel name: letters, digits, '_', '.' and '-'", is_channel_name},
    {bind_name, "non-empty, without ':'", is_bind_name},
    {ring_secret_name, "a Secret name <ring>-<14-digit revision> such as example-encrypted-ring-20170829113029 "
                       "(lowercase letters, digits and '-')", is_ring_secret_name},
    {env_var_name, "letters, digits, '-', '.' and '_', not starting with a digit", is_env_var_name},
    {quantity, "a Kubernetes quantity such as 1Gi, 500Mi or 10G", is_quantity},
    {label_value, "a label value: at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter "
                  "or digit", is_label_value},
    {absolute_path, "an absolute path (starting with '/')", is_absolute_path},
};

const pattern_entry* find_pattern(std::string_view pattern) {
  for (const auto& p : patterns)
    if (p.pattern.data() == pattern.data() || p.pattern == pattern) return &p;
  return nullptr;
}

}  // namespace

std::string_view pattern_help(std::string_view pattern) {
  const pattern_entry* p = find_pattern(pattern);
  return p ? p->help : std::string_view{};
}

pattern_matcher matcher_for(std::string_view pattern) {
  const pattern_entry* p = find_pattern(pattern);
  return p ? p->match : nullptr;
}

std::span<const field_spec> habitat_fields() { return table; }

const field_spec* find_field(std::string_view path) {
  for (const auto& f : table)
    if (f.path == path) return &f;
  return nullptr;
}

}  // namespace habop::api
