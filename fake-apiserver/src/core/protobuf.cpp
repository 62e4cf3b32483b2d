// Decodes `k8s\0` protobuf envelopes (what kubectl's typed `create` subcommands and `auth can-i` send) by walking
// the static message tables of protobuf_schema_*.cpp into the JSON KAS would present for the same object.
#include "detail.hpp"
#include "protobuf_schema.hpp"
#include "protobuf_wire.hpp"

namespace habop::fake {
namespace {

using pb::kind;

struct root_entry {
  std::string_view group, name;
  const pb::message* message = nullptr;
};
constexpr root_entry roots[] = {
    {"", "ConfigMap", &pb::config_map},
    {"", "Secret", &pb::secret},
    {"", "Namespace", &pb::namespace_},
    {"", "ServiceAccount", &pb::service_account},
    {"", "Service", &pb::service},
    {"apps", "Deployment", &pb::deployment},
    {"autoscaling", "HorizontalPodAutoscaler", &pb::horizontal_pod_autoscaler},
    {"rbac.authorization.k8s.io", "Role", &pb::role},
    {"rbac.authorization.k8s.io", "ClusterRole", &pb::cluster_role},
    {"rbac.authorization.k8s.io", "RoleBinding", &pb::role_binding},
    {"rbac.authorization.k8s.io", "ClusterRoleBinding", &pb::cluster_role_binding},
    {"authorization.k8s.io", "SelfSubjectAccessReview", &pb::self_subject_access_review},
    {"authorization.k8s.io", "SubjectAccessReview", &pb::subject_access_review},
    {"authorization.k8s.io", "LocalSubjectAccessReview", &pb::subject_access_review},
    {"authorization.k8s.io", "SelfSubjectRulesReview", &pb::self_subject_rules_review},
};

// The wrapper messages behind kind::int_or_string, quantity, time/micro_time and string_list; decoded as tables
// like any other, then reshaped. Their zeros are kept: they decide the shape.
constexpr pb::field int_or_string_fields[] = {
    {1, "type", kind::int64}, {2, "intVal", kind::int32}, {3, "strVal", kind::string}};
constexpr pb::message int_or_string{"IntOrString", int_or_string_fields};
constexpr pb::field quantity_fields[] = {{1, "string", kind::string}};
constexpr pb::message quantity{"Quantity", quantity_fields};
constexpr pb::field timestamp_fields[] = {{1, "seconds", kind::int64}, {2, "nanos", kind::int32}};
constexpr pb::message timestamp{"Timestamp", timestamp_fields};
constexpr pb::field string_list_fields[] = {{1, "items", kind::string, pb::rep}};
constexpr pb::message string_list{"ExtraValue", string_list_fields};

error undecodable(const std::string& why) {
  return unsupported_media("the body of the request was in an unknown format - accepted media types include: "
                           "application/json, application/yaml (protobuf: " + why + ")");
}

// KAS answers 400 when a protobuf body does not decode (gogo-protobuf's errors become BadRequest).
error malformed(const std::string& why) { return bad_request("unable to decode the protobuf body: " + why); }

bool length_delimited(kind k) { return k != kind::int32 && k != kind::int64 && k != kind::boolean; }

bool is_zero(const bj::value& v) {
  return (v.is_string() && v.get_string().empty()) || (v.is_int64() && v.get_int64() == 0) ||
         (v.is_bool() && !v.get_bool());
}

// The JSON of a map value the entry left out (proto omits a default value).
bj::value zero_of(kind k) {
  switch (k) {
    case kind::int32: case kind::int64: return std::int64_t{0};
    case kind::boolean: return false;
    case kind::quantity: return "0";
    case kind::message: return bj::object{};
    case kind::string_list: return bj::array{};
    default: return "";
  }
}

std::int64_t int_at(const bj::object& o, std::string_view key) {
  const bj::value* v = o.if_contains(key);
  return v && v->is_int64() ? v->get_int64() : 0;
}

class decoder {
 public:
  std::optional<error> failure;

  /// Decodes `bytes` as `m` into `out` (merging, as protobuf merges a repeated singular message).
  bool message(std::string_view bytes, const pb::message& m, bj::object& out) {
    pb_reader r{bytes};
    std::uint32_t number = 0, wire = 0;
    std::string_view payload;
    std::uint64_t n = 0;
    while (r.next(number, wire, payload, n)) {
      const pb::field* f = nullptr;
      for (const pb::field& candidate : m.fields)
        if (candidate.number == number) f = &candidate;
      if (!f)
        return fail(undecodable(std::string(m.name) + " field " + std::to_string(number) + where() +
                                " is not supported by this server"));
      if ((wire == 2) != length_delimited(f->k) || (wire != 0 && wire != 2))
        return fail(malformed(std::string(m.name) + "." + std::string(f->json) + where() + " has wire type " +
                              std::to_string(wire)));
      path_.push_back(f->json);
      const bool ok = field(*f, payload, n, out);
      path_.pop_back();
      if (!ok) return false;
    }
    return r.ok || fail(malformed("truncated " + std::string(m.name) + where()));
  }

 private:
  std::vector<std::string_view> path_;   // JSON names down to the field being decoded, for messages

  bool fail(error e) {
    if (!failure) failure = std::move(e);
    return false;
  }
  std::string where() const {
    std::string s;
    for (std::string_view p : path_) s += (s.empty() ? " at " : ".") + std::string(p);
    return s;
  }

  bool field(const pb::field& f, std::string_view payload, std::uint64_t n, bj::object& out) {
    if (f.k == kind::inline_message) return message(payload, *f.type, out);
    if (f.k == kind::message && !(f.flags & pb::rep)) return message(payload, *f.type, *object_at(out, f.json));
    if (f.k == kind::map) {
      bj::object entry;
      if (!message(payload, *f.type, entry)) return false;
      const bj::value* key = entry.if_contains("key");
      bj::value* value = entry.if_contains("value");
      (*object_at(out, f.json))[key ? std::string_view(key->get_string()) : std::string_view()] =
          value ? std::move(*value) : zero_of(f.type->fields[1].k);
      return true;
    }
    std::optional<bj::value> v;
    if (!scalar(f, payload, n, v)) return false;
    if (!v) return true;
    if (f.flags & pb::rep) {
      bj::value& a = out[f.json];
      if (!a.is_array()) a = bj::array{};
      a.get_array().push_back(std::move(*v));
    } else if (!(f.flags & pb::omit) || !is_zero(*v)) {
      out[f.json] = std::move(*v);
    }
    return true;
  }

  // One value of a field that is not merged into `out`; nullopt for a zero metav1.Time (Go's JSON omits it).
  bool scalar(const pb::field& f, std::string_view payload, std::uint64_t n, std::optional<bj::value>& v) {
    bj::object o;
    switch (f.k) {
      case kind::string: v = bj::string(payload); return true;
      case kind::bytes: v = base64_encode(payload); return true;
      case kind::int32: v = static_cast<std::int64_t>(static_cast<std::int32_t>(n)); return true;
      case kind::int64: v = static_cast<std::int64_t>(n); return true;
      case kind::boolean: v = n != 0; return true;
      case kind::message: if (!message(payload, *f.type, o)) return false; v = std::move(o); return true;
      case kind::int_or_string:
        if (!message(payload, int_or_string, o)) return false;
        if (int_at(o, "type") == 1) v = o.contains("strVal") ? o["strVal"] : bj::value("");
        else v = int_at(o, "intVal");
        return true;
      case kind::quantity:
        if (!message(payload, quantity, o)) return false;
        v = o.contains("string") && !o["string"].get_string().empty() ? o["string"] : bj::value("0");
        return true;
      case kind::time: case kind::micro_time: {
        if (payload.empty()) return true;   // metav1.Time marshals its zero value as an empty message
        if (!message(payload, timestamp, o)) return false;
        const std::int64_t seconds = int_at(o, "seconds");
        if (f.k == kind::time) v = to_rfc3339(instant::from_seconds(seconds));   // KAS drops the nanos of a Time
        else v = to_rfc3339_micro(instant{seconds * 1'000'000 + int_at(o, "nanos") / 1000});
        return true;
      }
      case kind::string_list:
        if (!message(payload, string_list, o)) return false;
        v = o.contains("items") ? o["items"] : bj::value(bj::array{});
        return true;
      case kind::inline_message: case kind::map: break;   // merged into `out` by field()
    }
    return true;
  }
};

}  // namespace

result<bj::object> decode_protobuf(std::string_view body, const resource_type& t) {
  const pb::message* root = nullptr;
  if (t.builtin)
    for (const root_entry& r : roots)
      if (r.group == t.group && r.name == t.kind) root = r.message;
  if (!root) return undecodable(t.qualified_kind() + " bodies are not decoded by this server; send JSON or YAML");
  if (body.size() < 4 || body.substr(0, 4) != std::string_view("k8s\0", 4))
    return malformed("provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]");
  // runtime.Unknown {1 typeMeta {1 apiVersion, 2 kind}, 2 raw, 3 contentEncoding, 4 contentType}.
  pb_reader env{body.substr(4)};
  std::uint32_t f = 0, w = 0;
  std::string_view p, raw;
  std::uint64_t n = 0;
  std::string type_kind;
  while (env.next(f, w, p, n)) {
    if (f == 1 && w == 2) {
      pb_reader type_meta{p};
      while (type_meta.next(f, w, p, n))
        if (f == 2 && w == 2) type_kind = std::string(p);
      if (!type_meta.ok) return malformed("truncated TypeMeta");
    } else if (f == 2 && w == 2) {
      raw = p;
    }
  }
  if (!env.ok) return malformed("truncated envelope");
  if (!type_kind.empty() && type_kind != t.kind) return undecodable("kind " + type_kind + " does not match " + t.kind);
  bj::object obj{{"apiVersion", t.api_version()}, {"kind", t.kind}, {"metadata", bj::object{}}};
  decoder d;
  if (!d.message(raw, *root, obj)) return std::move(*d.failure);
  if (!valid_utf8(obj)) return bad_request("the protobuf body of the " + t.kind + " holds a string that is not UTF-8");
  return obj;
}

}  // namespace habop::fake
