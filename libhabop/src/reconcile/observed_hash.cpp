// The observed hash of the rendered-hash stamp: member order-independent, allocation-free, and blind to what the API
// server adds on its own (volatile metadata, status, and every field equal to its server default).
//
// A field equal to the value kube-apiserver defaults it to (or assigns: a Service's clusterIP unless "None",
// clusterIPs, ipFamilies) hashes as absent, in the object habop writes and in the object it observes alike, so an
// object a real API server filled in still matches its stamp, while a change of any field to or from a non-default
// value still changes the hash (and the full path decides, as for any other difference). Context-dependent
// defaults are exact: `targetPort` is dropped only when it equals its port, `imagePullPolicy` only when it is what
// the image reference implies. Defaults are from k8s.io/kubernetes pkg/apis/{core,apps}/v1/defaults.go.
#include <habop/reconcile/fingerprint.hpp>

#include <cmath>
#include <cstdint>
#include <optional>

#include <habop/json/detail/find.hpp>
#include <habop/reconcile/detail/hash.hpp>
#include <habop/reconcile/detail/server_defaults.hpp>
#include <habop/reconcile/owned.hpp>

namespace habop::reconcile {
using habop::json::detail::find_member;
namespace bj = boost::json;
using namespace detail;

namespace {

// hash_value, with its commonest node, a string, hashed inline rather than through a call.
std::uint64_t hash_child(const bj::value& v) {
  return v.is_string() ? fold_bytes(v.get_string(), t_string) : hash_value(v);
}

}  // namespace

std::uint64_t detail::hash_value(const bj::value& v) {
  switch (v.kind()) {
    case bj::kind::null: return mix(t_null);
    case bj::kind::bool_: return combine(t_bool, v.get_bool() ? 1 : 0);
    case bj::kind::int64: return combine(t_number, static_cast<std::uint64_t>(v.get_int64()));
    case bj::kind::uint64: return combine(t_number, v.get_uint64());   // same bits as the int64 when it fits
    case bj::kind::double_: {
      const double d = v.get_double();
      if (std::trunc(d) == d && std::fabs(d) < 9.0e18) return combine(t_number, static_cast<std::uint64_t>(static_cast<std::int64_t>(d)));
      std::uint64_t bits;
      std::memcpy(&bits, &d, sizeof bits);
      return combine(t_double, bits);
    }
    case bj::kind::string: return fold_bytes(v.get_string(), t_string);   // every use mixes it again
    case bj::kind::array: {
      std::uint64_t h = combine(t_array, v.get_array().size());
      for (const auto& item : v.get_array()) h = combine(h, hash_child(item));
      return h;
    }
    case bj::kind::object: {
      std::uint64_t sum = 0;   // members summed: the order the server or a merge patch left them in does not count
      for (const auto& kv : v.get_object()) sum += hash_member(kv.key(), hash_child(kv.value()));
      return hash_object_sum(sum);
    }
  }
  return 0;
}

namespace {

// Where in a StatefulSet or Service a value sits, as far as server defaults go (`any`: nothing is defaulted below).
enum class at : unsigned char {
  any, sts_spec, update_strategy, rolling_update, retention, pod_template, nested_meta, pod_spec, pod_security,
  container, container_port, resources, env_var, value_from, field_ref, resource_field_ref, volume, mode_source, claim,
  claim_spec, svc_spec, svc_port
};

// Objects the server fills in as `{}` (or whose every member is defaulted): empty counts as absent.
bool empty_is_absent(at where) {
  return where == at::update_strategy || where == at::rolling_update || where == at::retention ||
         where == at::pod_security || where == at::resources || where == at::nested_meta;
}

bool is_string(const bj::value& v, std::string_view s) { return v.is_string() && v.get_string() == s; }

std::optional<std::int64_t> integer(const bj::value& v) {
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64() && v.get_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) return static_cast<std::int64_t>(v.get_uint64());
  if (v.is_double() && std::trunc(v.get_double()) == v.get_double() && std::fabs(v.get_double()) < 9.0e18)
    return static_cast<std::int64_t>(v.get_double());
  return std::nullopt;
}

bool is_integer(const bj::value& v, std::int64_t n) { return integer(v) == n; }

// How a member is hashed: not at all (`server_default`), or as a value at `child`.
struct rule {
  bool server_default = false;
  at child = at::any;
};

rule rule_for(at where, const bj::object& parent, std::string_view key, const bj::value& v) {
  switch (where) {
    case at::any: return {};
    case at::sts_spec:
      if (key == "replicas") return {is_integer(v, 1)};
      if (key == "podManagementPolicy") return {is_string(v, "OrderedReady")};
      if (key == "revisionHistoryLimit") return {is_integer(v, 10)};
      if (key == "minReadySeconds") return {is_integer(v, 0)};
      if (key == "updateStrategy") return {false, at::update_strategy};
      if (key == "persistentVolumeClaimRetentionPolicy") return {false, at::retention};
      if (key == "template") return {false, at::pod_template};
      if (key == "volumeClaimTemplates") return {false, at::claim};
      return {};
    case at::update_strategy:
      if (key == "type") return {is_string(v, "RollingUpdate")};
      if (key == "rollingUpdate") return {false, at::rolling_update};
      return {};
    case at::rolling_update:
      if (key == "partition") return {is_integer(v, 0)};
      if (key == "maxUnavailable") return {is_integer(v, 1)};   // with the MaxUnavailableStatefulSet feature
      return {};
    case at::retention: return {is_string(v, "Retain") && (key == "whenDeleted" || key == "whenScaled")};
    case at::pod_template:
      if (key == "metadata") return {false, at::nested_meta};
      if (key == "spec") return {false, at::pod_spec};
      return {};
    case at::nested_meta: return {key == "creationTimestamp" && v.is_null()};
    case at::pod_spec:
      if (key == "dnsPolicy") return {is_string(v, "ClusterFirst")};
      if (key == "restartPolicy") return {is_string(v, "Always")};
      if (key == "schedulerName") return {is_string(v, "default-scheduler")};
      if (key == "terminationGracePeriodSeconds") return {is_integer(v, 30)};
      if (key == "securityContext") return {false, at::pod_security};
      if (key == "serviceAccount") {   // the deprecated twin the server copies from serviceAccountName
        const bj::value* name = find_member(parent, "serviceAccountName");
        return {name && *name == v};
      }
      if (key == "containers" || key == "initContainers") return {false, at::container};
      if (key == "volumes") return {false, at::volume};
      return {};
    case at::pod_security: return {};
    case at::container:
      if (key == "terminationMessagePath") return {is_string(v, "/dev/termination-log")};
      if (key == "terminationMessagePolicy") return {is_string(v, "File")};
      if (key == "imagePullPolicy") {
        const bj::value* image = find_member(parent, "image");
        const auto implied = image && image->is_string() ? default_image_pull_policy(image->get_string()) : std::nullopt;
        return {implied && is_string(v, *implied)};
      }
      if (key == "resources") return {false, at::resources};
      if (key == "ports") return {false, at::container_port};
      if (key == "env") return {false, at::env_var};
      return {};
    case at::container_port: return {key == "protocol" && is_string(v, "TCP")};
    case at::resources: return {};
    case at::env_var: return {false, key == "valueFrom" ? at::value_from : at::any};
    case at::value_from:
      if (key == "fieldRef") return {false, at::field_ref};
      if (key == "resourceFieldRef") return {false, at::resource_field_ref};
      return {};
    case at::field_ref: return {key == "apiVersion" && is_string(v, "v1")};
    case at::resource_field_ref: return {key == "divisor" && is_string(v, "0")};   // a zero Quantity, serialised
    case at::volume:
      if (key == "secret" || key == "configMap" || key == "projected" || key == "downwardAPI") return {false, at::mode_source};
      return {};
    case at::mode_source: return {key == "defaultMode" && is_integer(v, 0644)};
    case at::claim:
      if (key == "apiVersion") return {is_string(v, "v1")};
      if (key == "kind") return {is_string(v, "PersistentVolumeClaim")};
      if (key == "status") return {true};   // `phase: Pending` on a template: the server's, never anyone's intent
      if (key == "metadata") return {false, at::nested_meta};
      if (key == "spec") return {false, at::claim_spec};
      return {};
    case at::claim_spec: return {key == "volumeMode" && is_string(v, "Filesystem")};
    case at::svc_spec:
      if (key == "type") return {is_string(v, "ClusterIP")};
      if (key == "sessionAffinity") return {is_string(v, "None")};
      if (key == "clusterIP") return {!is_string(v, "None")};   // assigned, unless headless
      if (key == "clusterIPs" || key == "ipFamilies") return {true};   // assigned; clusterIPs[0] is clusterIP
      if (key == "ipFamilyPolicy") return {is_string(v, "SingleStack")};
      if (key == "internalTrafficPolicy") return {is_string(v, "Cluster")};
      if (key == "ports") return {false, at::svc_port};
      return {};
    case at::svc_port:
      if (key == "protocol") return {is_string(v, "TCP")};
      if (key == "targetPort") {
        const bj::value* port = find_member(parent, "port");
        return {port && integer(*port) && integer(v) == integer(*port)};
      }
      return {};
  }
  return {};
}

// The hash of `v` at `where`, nullopt when it hashes as absent (an object that is empty once defaults are dropped,
// where the server would fill in `{}`).
std::optional<std::uint64_t> hash_at(at where, const bj::value& v) {
  if (where == at::any) return hash_value(v);
  if (v.is_array()) {
    std::uint64_t h = combine(t_array, v.get_array().size());
    for (const auto& item : v.get_array()) h = combine(h, hash_at(where, item).value_or(hash_object_sum(0)));
    return h;
  }
  if (!v.is_object()) return hash_value(v);
  std::uint64_t sum = 0;
  bool any = false;
  for (const auto& kv : v.get_object()) {
    const rule r = rule_for(where, v.get_object(), kv.key(), kv.value());
    if (r.server_default) continue;
    // Most members have no rules below them: hashed directly, without a call through hash_at.
    const auto h = r.child == at::any ? std::optional(hash_child(kv.value())) : hash_at(r.child, kv.value());
    if (!h) continue;
    sum += hash_member(kv.key(), *h);
    any = true;
  }
  if (!any && empty_is_absent(where)) return std::nullopt;
  return hash_object_sum(sum);
}

bool is_volatile(std::string_view key) {
  for (std::string_view k : {"resourceVersion", "generation", "uid", "creationTimestamp", "managedFields", "selfLink"})
    if (k == key) return true;
  return false;
}

// metadata without what the API server sets on every write (or on its own) and the stamp.
std::uint64_t hash_metadata(const bj::value& v) {
  if (!v.is_object()) return hash_value(v);
  std::uint64_t sum = 0;
  for (const auto& kv : v.get_object()) {
    if (is_volatile(kv.key())) continue;
    std::uint64_t value;
    if (kv.key() == "annotations" && kv.value().is_object()) {
      const bj::object& a = kv.value().get_object();
      // Annotations holding only the stamp count as none: stamping a create body adds the object.
      if (a.size() == 1 && a.contains(annotation_rendered_hash)) continue;
      std::uint64_t annotations = 0;
      for (const auto& e : a)
        if (e.key() != annotation_rendered_hash) annotations += hash_member(e.key(), hash_child(e.value()));
      value = hash_object_sum(annotations);
    } else {
      value = hash_child(kv.value());
    }
    sum += hash_member(kv.key(), value);
  }
  return hash_object_sum(sum);
}

bool lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// A repository path component of a docker reference: [a-z0-9]+ joined by `.`, `_`, `__` or runs of `-`.
bool path_component(std::string_view s) {
  if (s.empty() || !lower_alnum(s.front())) return false;
  for (std::size_t i = 0; i < s.size();) {
    if (lower_alnum(s[i])) {
      ++i;
      continue;
    }
    std::size_t j = i + 1;
    if (s[i] == '_' && j < s.size() && s[j] == '_') ++j;
    else if (s[i] == '-') while (j < s.size() && s[j] == '-') ++j;
    else if (s[i] != '.' && s[i] != '_') return false;
    if (j >= s.size() || !lower_alnum(s[j])) return false;
    i = j;
  }
  return true;
}

bool domain_component(std::string_view s) {   // lowercase only: a doubtful reference keeps its field hashed
  if (s.empty()) return false;
  for (char c : s)
    if (!lower_alnum(c) && c != '.' && c != '-' && c != ':') return false;
  return true;
}

bool tag_chars(std::string_view t) {
  if (t.empty() || t.size() > 128 || t.front() == '.' || t.front() == '-') return false;
  for (char c : t)
    if (!lower_alnum(c) && !(c >= 'A' && c <= 'Z') && c != '_' && c != '.' && c != '-') return false;
  return true;
}

}  // namespace

std::optional<std::string_view> detail::default_image_pull_policy(std::string_view image) {
  std::string_view name = image;
  bool digest = false;
  if (const auto at_sign = image.find('@'); at_sign != std::string_view::npos) {
    const std::string_view d = image.substr(at_sign + 1);
    if (d.size() != 71 || !d.starts_with("sha256:")) return std::nullopt;
    for (char c : d.substr(7))
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return std::nullopt;
    name = image.substr(0, at_sign);
    digest = true;
  }
  std::string_view tag;
  const auto slash = name.rfind('/');
  if (const auto colon = name.rfind(':'); colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
    tag = name.substr(colon + 1);
    if (!tag_chars(tag)) return std::nullopt;
    name = name.substr(0, colon);
  }
  if (name.size() == 64) return std::nullopt;   // maybe an image id, which the parser refuses as a name
  // The first component is a registry when it has a `.` or `:` or is localhost, else part of the repository path.
  std::size_t start = 0;
  if (const auto first = name.find('/'); first != std::string_view::npos) {
    const std::string_view head = name.substr(0, first);
    if (head.find_first_of(".:") != std::string_view::npos || head == "localhost") {
      if (!domain_component(head)) return std::nullopt;
      start = first + 1;
    }
  }
  for (std::string_view rest = name.substr(start);;) {
    const auto next = rest.find('/');
    if (!path_component(rest.substr(0, next))) return std::nullopt;
    if (next == std::string_view::npos) break;
    rest.remove_prefix(next + 1);
  }
  if (tag.empty()) return digest ? "IfNotPresent" : "Always";   // no tag and no digest means `latest`
  return tag == "latest" ? "Always" : "IfNotPresent";
}

std::uint64_t observed_hash(const bj::object& o) {
  const bj::value* kind = find_member(o, "kind");
  const at spec = !kind ? at::any : is_string(*kind, "StatefulSet") ? at::sts_spec
                                  : is_string(*kind, "Service")     ? at::svc_spec
                                                                    : at::any;
  std::uint64_t sum = 0;
  for (const auto& kv : o) {
    if (kv.key() == "status") continue;
    std::optional<std::uint64_t> value;
    if (kv.key() == "metadata") value = hash_metadata(kv.value());
    else value = hash_at(kv.key() == "spec" ? spec : at::any, kv.value());
    if (value) sum += hash_member(kv.key(), *value);
  }
  return hash_object_sum(sum);
}

}  // namespace habop::reconcile
