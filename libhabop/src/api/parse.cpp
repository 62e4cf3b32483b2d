// parse_habitat: the table's checks on the raw JSON, then a lenient read into the typed Habitat, then the rules.
#include <habop/api/parse.hpp>

#include <limits>

#include <habop/api/detail/lean_parse.hpp>
#include <habop/api/detail/rules.hpp>
#include <habop/api/detail/status.hpp>
#include <habop/api/detail/table_check.hpp>
#include <habop/json/codec.hpp>
#include <habop/json/detail/find.hpp>

namespace habop::api {
using habop::json::detail::find_member;
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
  const bj::value* v = find_member(o, key);
  return v && v->is_object() ? &v->get_object() : nullptr;
}
const bj::array* array_at(const bj::object& o, std::string_view key) {
  const bj::value* v = find_member(o, key);
  return v && v->is_array() ? &v->get_array() : nullptr;
}
// The string at `key`, if any, viewed where it lies.
std::optional<std::string_view> text_at(const bj::object& o, std::string_view key) {
  const bj::value* v = find_member(o, key);
  if (v && v->is_string()) return std::string_view(v->get_string());
  return std::nullopt;
}
// Reads a string field in place (the Habitat is filled where it lies: no string or struct is moved).
void read_string(const bj::object& o, std::string_view key, std::string& out) {
  if (auto t = text_at(o, key)) out.assign(t->data(), t->size());
}
void read_string(const bj::object& o, std::string_view key, std::optional<std::string>& out) {
  if (auto t = text_at(o, key)) out.emplace(t->data(), t->size());
}
// An int64, or a uint64 that fits one (values built in code may hold either kind).
std::optional<std::int64_t> integer_at(const bj::object& o, std::string_view key) {
  const bj::value* v = find_member(o, key);
  if (v && v->is_int64()) return v->get_int64();
  if (v && v->is_uint64() && v->get_uint64() <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
    return static_cast<std::int64_t>(v->get_uint64());
  return std::nullopt;
}
void read_string_map(const bj::object& o, std::string_view key, std::map<std::string, std::string>& out) {
  if (const bj::object* m = object_at(o, key))
    for (const auto& kv : *m)
      if (kv.value().is_string()) out[std::string(kv.key())] = std::string(kv.value().get_string());
}

// metadata fields habop reads but the table does not constrain (the API server owns them).
void check_metadata(const bj::object& m, std::vector<field_cause>& out) {
  auto wrong = [&](std::string_view key, const char* expected) {
    out.push_back({"metadata." + std::string(key), "FieldValueTypeInvalid", std::string("must be ") + expected});
  };
  for (std::string_view key : {"namespace", "uid", "resourceVersion", "deletionTimestamp"}) {
    const bj::value* v = find_member(m, key);
    if (v && !v->is_null() && !v->is_string()) wrong(key, "a string");
  }
  if (const bj::value* g = find_member(m, "generation"); g && !g->is_null() && !integer_at(m, "generation"))
    wrong("generation", "a 64-bit integer");
  for (std::string_view key : {"labels", "annotations"}) {
    const bj::value* v = find_member(m, key);
    if (!v || v->is_null()) continue;
    bool ok = v->is_object();
    if (ok)
      for (const auto& kv : v->get_object()) ok = ok && kv.value().is_string();
    if (!ok) wrong(key, "an object of strings");
  }
}

void check_identity(const bj::object& o, std::vector<field_cause>& out) {
  // Compared as text: a bj::value of the expected string would allocate on every parse.
  auto is = [](const bj::value& v, std::string_view want) { return v.is_string() && v.get_string() == want; };
  if (const bj::value* v = find_member(o, "apiVersion"); v && !v->is_null() && !is(*v, api_version))
    out.push_back({"apiVersion", "FieldValueNotSupported", std::string("must be \"") + api_version + "\""});
  if (const bj::value* v = find_member(o, "kind"); v && !v->is_null() && !is(*v, kind))
    out.push_back({"kind", "FieldValueNotSupported", std::string("must be \"") + kind + "\""});
}

void read_metadata(const bj::object& m, object_meta& out) {
  read_string(m, "name", out.name);
  read_string(m, "namespace", out.ns);
  read_string(m, "uid", out.uid);
  read_string(m, "resourceVersion", out.resource_version);
  out.generation = integer_at(m, "generation").value_or(0);
  read_string_map(m, "labels", out.labels);
  read_string_map(m, "annotations", out.annotations);
  read_string(m, "deletionTimestamp", out.deletion_timestamp);
}

void read_service(const bj::object& s, service& out) {
  read_string(s, "name", out.name);
  out.topology = text_at(s, "topology") == "leader" ? topology::leader : topology::standalone;
  read_string(s, "group", out.group);
  read_string(s, "channel", out.channel);
  read_string(s, "configSecretName", out.config_secret_name);
  read_string(s, "ringSecretName", out.ring_secret_name);
  read_string(s, "filesSecretName", out.files_secret_name);
  if (const bj::array* binds = array_at(s, "bind")) {
    for (const auto& b : *binds) {
      if (!b.is_object()) continue;
      bind& item = out.binds.emplace_back();
      read_string(b.get_object(), "name", item.name);
      read_string(b.get_object(), "service", item.service);
      read_string(b.get_object(), "group", item.group);
    }
  }
}

// The core/v1 values copied verbatim: only rendering the StatefulSet reads them, so reconcile reads them lazily.
void read_verbatim_spec(const bj::object& s, spec_v1beta2& out) {
  if (const bj::array* env = array_at(s, "env"))
    for (const auto& e : *env)
      if (e.is_object()) out.env.push_back(e);
  if (const bj::array* t = array_at(s, "tolerations"))
    for (const auto& item : *t)
      if (item.is_object()) out.tolerations.push_back(item);
  if (const bj::object* a = object_at(s, "affinity")) out.affinity = *a;
  if (const bj::object* r = object_at(s, "resources")) out.resources = *r;
  if (const bj::object* sc = object_at(s, "securityContext")) out.security_context = *sc;
}

void read_spec(const bj::object& s, bool verbatim, spec_v1beta2& out) {
  if (auto c = integer_at(s, "count"); c && *c >= 0 && *c <= std::numeric_limits<std::int32_t>::max())
    out.count = static_cast<std::int32_t>(*c);
  read_string(s, "image", out.image);
  if (const bj::object* ps = object_at(s, "persistentStorage")) {
    persistent_storage& storage = out.persistent_storage.emplace();
    read_string(*ps, "size", storage.size);
    read_string(*ps, "mountPath", storage.mount_path);
    read_string(*ps, "storageClassName", storage.storage_class_name);
  }
  if (const bj::object* svc = object_at(s, "service")) read_service(*svc, out.service);
  if (auto u = text_at(s, "updateStrategy"); u == "AllAtOnce") out.update_strategy = update_strategy::all_at_once;
  else if (u == "RollingUpdate") out.update_strategy = update_strategy::rolling_update;
  read_string_map(s, "nodeSelector", out.node_selector);
  read_string(s, "serviceAccountName", out.service_account_name);
  if (const bj::array* secrets = array_at(s, "imagePullSecrets"))
    for (const auto& item : *secrets)
      if (item.is_object())
        if (auto name = text_at(item.get_object(), "name")) out.image_pull_secrets.emplace_back(*name);
  if (verbatim) read_verbatim_spec(s, out);
}

// The `spec.v1beta2` object, or nullptr.
const bj::object* spec_of(const bj::object& o) {
  const bj::object* spec = object_at(o, "spec");
  return spec ? object_at(*spec, "v1beta2") : nullptr;
}

void read_habitat(const bj::object& o, bool with_status, bool verbatim, habitat& h) {
  if (const bj::object* m = object_at(o, "metadata")) read_metadata(*m, h.metadata);
  read_string(o, "customVersion", h.custom_version);
  if (const bj::object* v = spec_of(o)) read_spec(*v, verbatim, h.spec);
  if (const bj::value* st = find_member(o, "status"); st && with_status) h.status = detail::read_status_leniently(*st);
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

// `parse` of a Habitat within the depth bound.
result<habitat> parse_bounded(const bj::object& o, bool with_status, bool verbatim) {
  std::vector<field_cause> causes;
  check_identity(o, causes);
  if (const bj::object* m = object_at(o, "metadata")) check_metadata(*m, causes);
  detail::check_children(o, "", "", causes, {"status"});
  // Read where the result holds it, and every path returns `out` (no move of the Habitat's ~30 strings).
  result<habitat> out = habitat{};
  habitat& h = *out;
  read_habitat(o, with_status, verbatim, h);
  detail::check_rules(h, causes);
  if (h.custom_version != custom_version) {
    error e = unsupported_version(h, find_member(o, "customVersion"), std::move(causes));
    out = std::move(e);
  } else if (!causes.empty()) {
    error e = invalid(h, std::move(causes));
    out = std::move(e);
  }
  return out;
}

// No rule reads the verbatim values, so leaving them out changes no verdict.
result<habitat> parse(const bj::object& o, bool with_status, bool verbatim) {
  if (deeper_than(o, json::max_depth)) return too_deep();
  return parse_bounded(o, with_status, verbatim);
}

}  // namespace

result<habitat> parse_habitat(const bj::object& o) { return parse(o, true, true); }

result<habitat> parse_habitat_without_status(const bj::object& o) { return parse(o, false, true); }

result<habitat> detail::parse_habitat_lean(const bj::object& o) { return parse(o, false, false); }

void detail::read_verbatim(const bj::object& raw, spec_v1beta2& spec) {
  if (const bj::object* v = spec_of(raw)) read_verbatim_spec(*v, spec);
}

result<habitat> parse_habitat(const bj::value& v) {
  if (v.is_object()) return parse_habitat(v.get_object());
  if (deeper_than(v, json::max_depth)) return too_deep();
  return error{400, "BadRequest", "a Habitat must be a JSON object", {}};
}

}  // namespace habop::api
