// parse_habitat: the table's checks on the raw JSON, then a lenient read into the typed Habitat, then the rules.
#include <habop/api/parse.hpp>

#include <limits>

#include <habop/api/detail/rules.hpp>
#include <habop/api/detail/status.hpp>
#include <habop/api/detail/table_check.hpp>
#include <habop/json/codec.hpp>

namespace habop::api {
namespace bj = boost::json;
namespace {

// Bounded recursion: stops descending once past `limit`, so any input is safe to measure.
bool deeper_than(const bj::value& v, std::size_t limit) {
  if (limit == 0) return v.is_object() || v.is_array();
  if (v.is_object())
    for (const auto& kv : v.get_object())
      if (deeper_than(kv.value(), limit - 1)) return true;
  if (v.is_array())
    for (const auto& item : v.get_array())
      if (deeper_than(item, limit - 1)) return true;
  return false;
}

bool deeper_than(const bj::object& o, std::size_t limit) {
  if (limit == 0) return true;
  for (const auto& kv : o)
    if (deeper_than(kv.value(), limit - 1)) return true;
  return false;
}

error too_deep() {
  return error{400, "BadRequest",
               "a Habitat nested deeper than " + std::to_string(json::max_depth) + " levels is not accepted", {}};
}

// Typed reads that skip values of the wrong type: table_check has already reported them with their paths.
const bj::object* object_at(const bj::object& o, std::string_view key) {
  const bj::value* v = o.if_contains(key);
  return v && v->is_object() ? &v->get_object() : nullptr;
}
const bj::array* array_at(const bj::object& o, std::string_view key) {
  const bj::value* v = o.if_contains(key);
  return v && v->is_array() ? &v->get_array() : nullptr;
}
std::optional<std::string> string_at(const bj::object& o, std::string_view key) {
  const bj::value* v = o.if_contains(key);
  if (v && v->is_string()) return std::string(v->get_string());
  return std::nullopt;
}
// An int64, or a uint64 that fits one (values built in code may hold either kind).
std::optional<std::int64_t> integer_at(const bj::object& o, std::string_view key) {
  const bj::value* v = o.if_contains(key);
  if (v && v->is_int64()) return v->get_int64();
  if (v && v->is_uint64() && v->get_uint64() <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
    return static_cast<std::int64_t>(v->get_uint64());
  return std::nullopt;
}
std::map<std::string, std::string> string_map_at(const bj::object& o, std::string_view key) {
  std::map<std::string, std::string> out;
  if (const bj::object* m = object_at(o, key))
    for (const auto& kv : *m)
      if (kv.value().is_string()) out[std::string(kv.key())] = std::string(kv.value().get_string());
  return out;
}

// metadata fields habop reads but the table does not constrain (the API server owns them).
void check_metadata(const bj::object& m, std::vector<field_cause>& out) {
  auto wrong = [&](std::string_view key, const char* expected) {
    out.push_back({"metadata." + std::string(key), "FieldValueTypeInvalid", std::string("must be ") + expected});
  };
  for (std::string_view key : {"namespace", "uid", "resourceVersion", "deletionTimestamp"}) {
    const bj::value* v = m.if_contains(key);
    if (v && !v->is_null() && !v->is_string()) wrong(key, "a string");
  }
  if (const bj::value* g = m.if_contains("generation"); g && !g->is_null() && !integer_at(m, "generation"))
    wrong("generation", "a 64-bit integer");
  for (std::string_view key : {"labels", "annotations"}) {
    const bj::value* v = m.if_contains(key);
    if (!v || v->is_null()) continue;
    bool ok = v->is_object();
    if (ok)
      for (const auto& kv : v->get_object()) ok = ok && kv.value().is_string();
    if (!ok) wrong(key, "an object of strings");
  }
}

void check_identity(const bj::object& o, std::vector<field_cause>& out) {
  if (const bj::value* v = o.if_contains("apiVersion"); v && !v->is_null() && *v != bj::value(api_version))
    out.push_back({"apiVersion", "FieldValueNotSupported", std::string("must be \"") + api_version + "\""});
  if (const bj::value* v = o.if_contains("kind"); v && !v->is_null() && *v != bj::value(kind))
    out.push_back({"kind", "FieldValueNotSupported", std::string("must be \"") + kind + "\""});
}

object_meta read_metadata(const bj::object& m) {
  object_meta out;
  out.name = string_at(m, "name").value_or("");
  out.ns = string_at(m, "namespace").value_or("");
  out.uid = string_at(m, "uid").value_or("");
  out.resource_version = string_at(m, "resourceVersion").value_or("");
  out.generation = integer_at(m, "generation").value_or(0);
  out.labels = string_map_at(m, "labels");
  out.annotations = string_map_at(m, "annotations");
  out.deletion_timestamp = string_at(m, "deletionTimestamp");
  return out;
}

service read_service(const bj::object& s) {
  service out;
  out.name = string_at(s, "name").value_or("");
  out.topology = string_at(s, "topology") == std::optional<std::string>("leader") ? topology::leader
                                                                                  : topology::standalone;
  out.group = string_at(s, "group");
  out.channel = string_at(s, "channel");
  out.config_secret_name = string_at(s, "configSecretName");
  out.ring_secret_name = string_at(s, "ringSecretName");
  out.files_secret_name = string_at(s, "filesSecretName");
  if (const bj::array* binds = array_at(s, "bind"))
    for (const auto& b : *binds)
      if (b.is_object())
        out.binds.push_back(bind{string_at(b.get_object(), "name").value_or(""),
                                 string_at(b.get_object(), "service").value_or(""),
                                 string_at(b.get_object(), "group").value_or("")});
  return out;
}

spec_v1beta2 read_spec(const bj::object& s) {
  spec_v1beta2 out;
  if (auto c = integer_at(s, "count"); c && *c >= 0 && *c <= std::numeric_limits<std::int32_t>::max())
    out.count = static_cast<std::int32_t>(*c);
  out.image = string_at(s, "image").value_or("");
  if (const bj::array* env = array_at(s, "env"))
    for (const auto& e : *env)
      if (e.is_object()) out.env.push_back(e);
  if (const bj::object* ps = object_at(s, "persistentStorage"))
    out.persistent_storage = persistent_storage{string_at(*ps, "size").value_or(""),
                                                string_at(*ps, "mountPath").value_or(""),
                                                string_at(*ps, "storageClassName").value_or("")};
  if (const bj::object* svc = object_at(s, "service")) out.service = read_service(*svc);
  if (auto u = string_at(s, "updateStrategy"); u == "AllAtOnce") out.update_strategy = update_strategy::all_at_once;
  else if (u == "RollingUpdate") out.update_strategy = update_strategy::rolling_update;
  out.node_selector = string_map_at(s, "nodeSelector");
  if (const bj::array* t = array_at(s, "tolerations"))
    for (const auto& item : *t)
      if (item.is_object()) out.tolerations.push_back(item);
  if (const bj::object* a = object_at(s, "affinity")) out.affinity = *a;
  if (const bj::object* r = object_at(s, "resources")) out.resources = *r;
  out.service_account_name = string_at(s, "serviceAccountName");
  if (const bj::object* sc = object_at(s, "securityContext")) out.security_context = *sc;
  if (const bj::array* secrets = array_at(s, "imagePullSecrets"))
    for (const auto& item : *secrets)
      if (item.is_object())
        if (auto name = string_at(item.get_object(), "name")) out.image_pull_secrets.push_back(*name);
  return out;
}

habitat read_habitat(const bj::object& o, bool with_status) {
  habitat h;
  if (const bj::object* m = object_at(o, "metadata")) h.metadata = read_metadata(*m);
  h.custom_version = string_at(o, "customVersion");
  if (const bj::object* spec = object_at(o, "spec"))
    if (const bj::object* v = object_at(*spec, "v1beta2")) h.spec = read_spec(*v);
  if (const bj::value* st = o.if_contains("status"); st && with_status) h.status = detail::read_status_leniently(*st);
  return h;
}

error invalid(const habitat& h, std::vector<field_cause> causes) {
  return error{422, "Invalid", "Habitat.habitat.sh " + detail::quote(h.metadata.name) + " is invalid",
               std::move(causes)};
}

// The original skipped such objects silently; habop says which customVersion it supports.
error unsupported_version(const habitat& h, const bj::value* given, std::vector<field_cause> causes) {
  std::erase_if(causes, [](const field_cause& c) { return c.field == "customVersion"; });
  const std::string supported = std::string("\"") + custom_version + "\"";
  field_cause version{"customVersion", "FieldValueRequired",
                      "required value: the supported customVersion is " + supported +
                          " (a top-level field, next to spec)"};
  if (given && !given->is_null()) {
    version.reason = "FieldValueNotSupported";
    const std::string shown = given->is_string()   ? detail::quote(given->get_string())
                              : given->is_object() ? std::string("(an object)")
                              : given->is_array()  ? std::string("(an array)")
                                                   : json::to_json(*given);  // a number or boolean: ASCII
    version.message = "unsupported customVersion " + shown + ": the supported one is " + supported;
    causes.clear();  // the rest of the object follows a layout habop does not know
  }
  causes.insert(causes.begin(), std::move(version));
  return error{422, "UnsupportedVersion",
               "Habitat.habitat.sh " + detail::quote(h.metadata.name) + ": customVersion " + supported +
                   " is the only supported version",
               std::move(causes)};
}

result<habitat> parse(const bj::object& o, bool with_status) {
  if (deeper_than(o, json::max_depth)) return too_deep();
  std::vector<field_cause> causes;
  check_identity(o, causes);
  if (const bj::object* m = object_at(o, "metadata")) check_metadata(*m, causes);
  detail::check_children(o, "", "", causes, {"status"});
  habitat h = read_habitat(o, with_status);
  detail::check_rules(h, causes);
  if (h.custom_version != std::optional<std::string>(custom_version))
    return unsupported_version(h, o.if_contains("customVersion"), std::move(causes));
  if (!causes.empty()) return invalid(h, std::move(causes));
  return h;
}

}  // namespace

result<habitat> parse_habitat(const bj::object& o) { return parse(o, true); }

result<habitat> parse_habitat_without_status(const bj::object& o) { return parse(o, false); }

result<habitat> parse_habitat(const bj::value& v) {
  if (v.is_object()) return parse_habitat(v.get_object());
  if (deeper_than(v, json::max_depth)) return too_deep();
  return error{400, "BadRequest", "a Habitat must be a JSON object", {}};
}

}  // namespace habop::api
