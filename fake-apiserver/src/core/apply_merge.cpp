// Server-side apply of custom resources: list semantics from the CRD's structural schema (`x-kubernetes-list-type`
// map / set / atomic) and the schema-aware merge of an applied configuration into the live object.
#include "detail.hpp"

#include <algorithm>

namespace habop::fake {
namespace {

const bj::object* member_object(const bj::object* s, std::string_view k) {
  if (!s) return nullptr;
  const bj::value* v = s->if_contains(k);
  return v ? v->if_object() : nullptr;
}

// Whether two list items have the same values for every map key (missing keys compare equal only to missing).
bool same_key(const bj::object& a, const bj::object& b, const std::vector<std::string>& keys) {
  for (const auto& k : keys) {
    const bj::value* x = a.if_contains(k);
    const bj::value* y = b.if_contains(k);
    if ((x == nullptr) != (y == nullptr) || (x && *x != *y)) return false;
  }
  return true;
}

}  // namespace

list_semantics list_type(const bj::object* schema) {
  list_semantics out;
  if (!schema) return out;
  const std::string type = string_at(*schema, {"x-kubernetes-list-type"});
  if (type == "set") {
    out.k = list_semantics::kind::set;
  } else if (type == "map") {
    if (const bj::value* keys = schema->if_contains("x-kubernetes-list-map-keys"); keys && keys->is_array())
      for (const auto& k : keys->get_array())
        if (k.is_string()) out.keys.emplace_back(k.get_string());
    if (!out.keys.empty()) out.k = list_semantics::kind::map;
  }
  return out;
}

const bj::object* child_schema(const bj::object* schema, std::string_view key) {
  if (const bj::object* p = member_object(member_object(schema, "properties"), key)) return p;
  return member_object(schema, "additionalProperties");
}

const bj::object* items_schema(const bj::object* schema) { return member_object(schema, "items"); }

bool map_list_items(const bj::array& items, const std::vector<std::string>& keys) {
  return std::all_of(items.begin(), items.end(), [&](const bj::value& i) {
    return i.is_object() && std::all_of(keys.begin(), keys.end(), [&](const std::string& k) { return i.get_object().contains(k); });
  });
}

bj::value apply_merge(const bj::value& live, const bj::value& applied, const bj::object* schema) {
  if (applied.is_object() && live.is_object()) {
    bj::object out = live.get_object();
    for (const auto& [k, v] : applied.get_object()) {
      if (v.is_null()) {
        out.erase(k);
        continue;
      }
      const bj::value* cur = out.if_contains(k);
      out[k] = apply_merge(cur ? *cur : bj::value(nullptr), v, child_schema(schema, k));
    }
    return out;
  }
  if (applied.is_array() && live.is_array()) {
    const list_semantics ls = list_type(schema);
    const bj::array& a = applied.get_array();
    bj::array out = live.get_array();
    if (ls.k == list_semantics::kind::set) {
      for (const auto& item : a)
        if (std::find(out.begin(), out.end(), item) == out.end()) out.push_back(item);
      return out;
    }
    if (ls.k == list_semantics::kind::map && map_list_items(a, ls.keys) && map_list_items(out, ls.keys)) {
      for (const auto& item : a) {
        auto it = std::find_if(out.begin(), out.end(), [&](const bj::value& l) {
          return same_key(l.get_object(), item.get_object(), ls.keys);
        });
        if (it == out.end()) out.push_back(item);
        else *it = apply_merge(*it, item, items_schema(schema));
      }
      return out;
    }
  }
  // Scalars, atomic lists and type changes: the applied value wins (nested nulls dropped, as in a merge patch).
  return merge_patch_apply(bj::value(nullptr), applied);
}

}  // namespace habop::fake
