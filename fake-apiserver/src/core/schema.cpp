// Structural schemas of CRDs: pruning unknown fields, defaulting, and OpenAPI v3 validation with KAS messages.
#include "detail.hpp"

#include <cmath>
#include <map>
#include <optional>
#include <regex>

namespace habop::fake {
namespace {

std::string child(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}
std::string index(const std::string& path, std::size_t i) { return path + "[" + std::to_string(i) + "]"; }

bool flag(const bj::object& s, std::string_view k) {
  const bj::value* v = s.if_contains(k);
  return v && v->is_bool() && v->get_bool();
}

const bj::object* sub(const bj::object& s, std::string_view k) {
  const bj::value* v = s.if_contains(k);
  return v ? v->if_object() : nullptr;
}

std::string type_name(const bj::value& v) {
  if (v.is_string()) return "string";
  if (v.is_bool()) return "boolean";
  if (v.is_int64() || v.is_uint64()) return "integer";
  if (v.is_double()) return "number";
  if (v.is_array()) return "array";
  if (v.is_object()) return "object";
  return "null";
}

std::optional<double> number(const bj::value& v) {
  if (v.is_int64()) return static_cast<double>(v.get_int64());
  if (v.is_uint64()) return static_cast<double>(v.get_uint64());
  if (v.is_double()) return v.get_double();
  return std::nullopt;
}

// Compiled patterns, cached per thread (compiling on every write is costly); bounded so it cannot grow forever.
const std::regex* compiled(const std::string& pattern) {
  thread_local std::map<std::string, std::optional<std::regex>> cache;
  auto it = cache.find(pattern);
  if (it == cache.end()) {
    if (cache.size() > 512) cache.clear();
    std::optional<std::regex> re;
    try {
      re.emplace(pattern, std::regex::ECMAScript);
    } catch (const std::regex_error&) {
    }
    it = cache.emplace(pattern, std::move(re)).first;
  }
  return it->second ? &*it->second : nullptr;
}

std::string show(const bj::value& v) {
  if (auto n = number(v)) {
    if (v.is_double()) return serialize(v);
    return serialize(v);
  }
  return serialize(v);
}

}  // namespace

void schema_prune(bj::value& v, const bj::object& s, std::string path, std::vector<std::string>& unknown, bool root) {
  if (auto* o = v.if_object()) {
    const bj::object* props = sub(s, "properties");
    const bj::value* addl = s.if_contains("additionalProperties");
    const bool preserve = flag(s, "x-kubernetes-preserve-unknown-fields");
    const bool embedded = flag(s, "x-kubernetes-embedded-resource");
    for (auto it = o->begin(); it != o->end();) {
      std::string_view k = it->key();
      if ((root || embedded) && (k == "apiVersion" || k == "kind" || k == "metadata")) {
        ++it;
        continue;
      }
      const bj::object* ps = props ? sub(*props, k) : nullptr;
      if (ps) {
        schema_prune(it->value(), *ps, child(path, k), unknown, false);
      } else if (addl && addl->is_object()) {
        schema_prune(it->value(), addl->get_object(), child(path, k), unknown, false);
      } else if (!(preserve || (addl && addl->is_bool() && addl->get_bool()))) {
        unknown.push_back(child(path, k));
        it = o->erase(it);
        continue;
      }
      ++it;
    }
  } else if (auto* a = v.if_array()) {
    if (const bj::object* items = sub(s, "items"))
      for (std::size_t i = 0; i < a->size(); ++i) schema_prune((*a)[i], *items, index(path, i), unknown, false);
  }
}

void schema_default(bj::value& v, const bj::object& s) {
  if (auto* o = v.if_object()) {
    if (const bj::object* props = sub(s, "properties")) {
      for (const auto& [k, ps] : *props) {
        if (!ps.is_object()) continue;
        if (!o->contains(k))
          if (const bj::value* d = ps.get_object().if_contains("default")) (*o)[k] = *d;
        if (auto* cv = o->if_contains(k)) schema_default(*cv, ps.get_object());
      }
    }
    if (const bj::object* addl = sub(s, "additionalProperties"))
      for (auto& kv : *o) schema_default(kv.value(), *addl);
  } else if (auto* a = v.if_array()) {
    if (const bj::object* items = sub(s, "items"))
      for (auto& e : *a) schema_default(e, *items);
  }
}

void schema_validate(const bj::value& v, const bj::object& s, const std::string& path,
                     std::vector<field_cause>& causes) {
  auto bad = [&](std::string reason, std::string msg) { causes.push_back({path, std::move(reason), std::move(msg)}); };
  if (v.is_null()) {
    if (!flag(s, "nullable") && s.contains("type"))
      bad("FieldValueInvalid", "Invalid value: \"null\": " + path + " in body must be of type " +
                                   string_at(s, {"type"}) + ": \"null\"");
    return;
  }
  const std::string type = string_at(s, {"type"});
  const std::string actual = type_name(v);
  if (flag(s, "x-kubernetes-int-or-string")) {
    if (actual != "integer" && actual != "string")
      bad("FieldValueInvalid", "Invalid value: \"" + actual + "\": " + path +
                                   " in body must be of type integer,string: \"" + actual + "\"");
  } else if (!type.empty() && type != actual && !(type == "number" && actual == "integer")) {
    bad("FieldValueInvalid", "Invalid value: \"" + actual + "\": " + path + " in body must be of type " + type +
                                 ": \"" + actual + "\"");
    return;
  }
  if (const bj::value* e = s.if_contains("enum"); e && e->is_array()) {
    bool ok = false;
    for (const auto& c : e->get_array()) ok = ok || c == v;
    if (!ok) {
      std::string list;
      for (const auto& c : e->get_array()) list += (list.empty() ? "" : ", ") + serialize(c);
      bad("FieldValueNotSupported", "Unsupported value: " + serialize(v) + ": supported values: " + list);
    }
  }
  if (v.is_string()) {
    std::string_view str = v.get_string();
    const std::size_t len = [&] {   // length in characters (UTF-8 code points), as KAS counts
      std::size_t n = 0;
      for (unsigned char c : str) n += (c & 0xC0) != 0x80;
      return n;
    }();
    if (const bj::value* m = s.if_contains("maxLength"); m && number(*m) && len > *number(*m))
      bad("FieldValueTooLong", "Too long: may not be more than " + show(*m) + " bytes");
    if (const bj::value* m = s.if_contains("minLength"); m && number(*m) && len < *number(*m))
      bad("FieldValueInvalid", "Invalid value: " + serialize(v) + ": " + path + " in body should be at least " +
                                   show(*m) + " chars long");
    // std::regex recurses per character: bound the input so hostile objects cannot exhaust the stack.
    if (const bj::value* p = s.if_contains("pattern"); p && p->is_string() && str.size() <= 4096 &&
                                                     p->get_string().size() <= 1024) {
      if (const std::regex* re = compiled(std::string(p->get_string())))
        if (!std::regex_search(str.begin(), str.end(), *re))
          bad("FieldValueInvalid", "Invalid value: " + serialize(v) + ": " + path + " in body should match '" +
                                       std::string(p->get_string()) + "'");
    }
  }
  if (auto n = number(v)) {
    const std::string fmt = string_at(s, {"format"});
    if (fmt == "int32" && (*n > 2147483647.0 || *n < -2147483648.0))
      bad("FieldValueInvalid", "Invalid value: " + serialize(v) + ": " + path + " in body must be of type int32");
    if (const bj::value* m = s.if_contains("minimum"); m && number(*m)) {
      const bool excl = flag(s, "exclusiveMinimum");
      if (excl ? *n <= *number(*m) : *n < *number(*m))
        bad("FieldValueInvalid", "Invalid value: " + serialize(v) + ": " + path + " in body should be greater than " +
                                     (excl ? "" : "or equal to ") + show(*m));
    }
    if (const bj::value* m = s.if_contains("maximum"); m && number(*m)) {
      const bool excl = flag(s, "exclusiveMaximum");
      if (excl ? *n >= *number(*m) : *n > *number(*m))
        bad("FieldValueInvalid", "Invalid value: " + serialize(v) + ": " + path + " in body should be less than " +
                                     (excl ? "" : "or equal to ") + show(*m));
    }
    if (const bj::value* m = s.if_contains("multipleOf"); m && number(*m) && *number(*m) != 0 &&
                                                          std::fmod(*n, *number(*m)) != 0)
      bad("FieldValueInvalid", "Invalid value: " + serialize(v) + ": " + path + " in body should be a multiple of " + show(*m));
  }
  if (const auto* a = v.if_array()) {
    if (const bj::value* m = s.if_contains("maxItems"); m && number(*m) && a->size() > *number(*m))
      bad("FieldValueTooMany", "Too many: " + std::to_string(a->size()) + ": must have at most " + show(*m) + " items");
    if (const bj::value* m = s.if_contains("minItems"); m && number(*m) && a->size() < *number(*m))
      bad("FieldValueInvalid", "Invalid value: " + std::to_string(a->size()) + ": " + path + " in body should have at least " +
                                   show(*m) + " items");
    const std::string list_type = string_at(s, {"x-kubernetes-list-type"});
    if (list_type == "set" || flag(s, "uniqueItems")) {
      for (std::size_t i = 0; i < a->size(); ++i)
        for (std::size_t j = 0; j < i; ++j)
          if ((*a)[i] == (*a)[j]) causes.push_back({index(path, i), "FieldValueDuplicate", "Duplicate value: " + serialize((*a)[i])});
    } else if (list_type == "map") {
      std::vector<std::string> keys;
      if (const bj::value* ks = s.if_contains("x-kubernetes-list-map-keys"); ks && ks->is_array())
        for (const auto& k : ks->get_array())
          if (k.is_string()) keys.emplace_back(k.get_string());
      std::vector<bj::object> seen;
      for (std::size_t i = 0; i < a->size(); ++i) {
        const bj::object* item = (*a)[i].if_object();
        if (!item) continue;
        bj::object key;
        for (const auto& k : keys)
          if (const bj::value* kv = item->if_contains(k)) key[k] = *kv;
        if (std::find(seen.begin(), seen.end(), key) != seen.end())
          causes.push_back({index(path, i), "FieldValueDuplicate", "Duplicate value: " + serialize(key)});
        else
          seen.push_back(std::move(key));
      }
    }
    if (const bj::object* items = sub(s, "items"))
      for (std::size_t i = 0; i < a->size(); ++i) schema_validate((*a)[i], *items, index(path, i), causes);
  }
  if (const auto* o = v.if_object()) {
    if (const bj::value* req = s.if_contains("required"); req && req->is_array())
      for (const auto& r : req->get_array())
        if (r.is_string() && !o->contains(r.get_string()))
          causes.push_back({child(path, r.get_string()), "FieldValueRequired", "Required value"});
    if (const bj::value* m = s.if_contains("maxProperties"); m && number(*m) && o->size() > *number(*m))
      bad("FieldValueTooMany", "Too many: " + std::to_string(o->size()) + ": must have at most " + show(*m) + " items");
    if (const bj::value* m = s.if_contains("minProperties"); m && number(*m) && o->size() < *number(*m))
      bad("FieldValueInvalid", "Invalid value: " + std::to_string(o->size()) + ": " + path +
                                   " in body should have at least " + show(*m) + " properties");
    const bj::object* props = sub(s, "properties");
    const bj::object* addl = sub(s, "additionalProperties");
    for (const auto& [k, x] : *o) {
      if (path.empty() && k == "metadata") {
        // A CRD may restrict only name and generateName; kube-apiserver checks them after its own name rules.
        const bj::object* ms = props ? sub(*props, "metadata") : nullptr;
        const bj::object* mprops = ms ? sub(*ms, "properties") : nullptr;
        if (mprops && x.is_object()) {
          for (std::string_view f : {"name", "generateName"}) {
            const bj::value* fv = x.get_object().if_contains(f);
            if (const bj::object* fs = sub(*mprops, f); fs && fv) schema_validate(*fv, *fs, child("metadata", f), causes);
          }
        }
        continue;
      }
      if (path.empty() && (k == "apiVersion" || k == "kind")) continue;
      if (const bj::object* ps = props ? sub(*props, k) : nullptr) schema_validate(x, *ps, child(path, k), causes);
      else if (addl) schema_validate(x, *addl, child(path, k), causes);
    }
  }
}

void schema_check_structural(const bj::object& s, const std::string& path, std::vector<field_cause>& causes) {
  const bool exempt = flag(s, "x-kubernetes-int-or-string") || flag(s, "x-kubernetes-preserve-unknown-fields");
  if (!s.contains("type") && !exempt)
    causes.push_back({path + ".type", "FieldValueRequired", "Required value: must not be empty for specified object fields"});
  if (const bj::object* props = sub(s, "properties"))
    for (const auto& [k, ps] : *props)
      if (ps.is_object()) schema_check_structural(ps.get_object(), path + ".properties[" + std::string(k) + "]", causes);
  if (const bj::object* items = sub(s, "items")) schema_check_structural(*items, path + ".items", causes);
  if (const bj::object* addl = sub(s, "additionalProperties")) schema_check_structural(*addl, path + ".additionalProperties", causes);
  if (const bj::value* p = s.if_contains("pattern"); p && p->is_string()) {
    if (p->get_string().size() > 1024 || !compiled(std::string(p->get_string()))) {
      causes.push_back({path + ".pattern", "FieldValueInvalid", "Invalid value: " + serialize(*p) + ": must be a valid regular expression"});
    }
  }
}

}  // namespace habop::fake
