// Strategic merge patch for built-in kinds: merge-patch plus keyed list merging and the `$` directives.
#include "detail.hpp"

#include <algorithm>

namespace habop::fake {

// patchMergeKey of the list fields of the built-in kinds we serve (k8s.io/api generated tags).
std::string merge_key(std::string_view field, const bj::array& items) {
  if (field == "containers" || field == "initContainers" || field == "ephemeralContainers" || field == "volumes" ||
      field == "env" || field == "volumeMounts" || field == "imagePullSecrets" || field == "volumeDevices" ||
      field == "resourceClaims")
    return "name";
  if (field == "ports") {
    for (const auto& i : items)
      if (i.is_object() && i.get_object().contains("containerPort")) return "containerPort";
    return "port";
  }
  if (field == "conditions") return "type";
  if (field == "ownerReferences") return "uid";
  if (field == "hostAliases") return "ip";
  if (field == "topologySpreadConstraints") return "topologyKey";
  return {};
}

namespace {

bool is_set_list(std::string_view field) { return field == "finalizers"; }

bj::value strip(const bj::value& v) {
  if (const auto* o = v.if_object()) {
    bj::object out;
    for (const auto& [k, x] : *o)
      if (k.empty() || k[0] != '$') out[k] = strip(x);
    return out;
  }
  if (const auto* a = v.if_array()) {
    bj::array out;
    for (const auto& x : *a) out.push_back(strip(x));
    return out;
  }
  return v;
}

std::string directive(const bj::object& o) {
  if (auto* p = o.if_contains("$patch"); p && p->is_string()) return std::string(p->get_string());
  return {};
}

result<std::optional<bj::value>> merge_object(const bj::value& target, const bj::object& patch);

result<bj::value> merge_list(std::string_view field, const bj::value& target, const bj::array& patch) {
  for (const auto& i : patch)
    if (i.is_object() && directive(i.get_object()) == "replace") {
      bj::array out;
      for (const auto& j : patch)
        if (!(j.is_object() && directive(j.get_object()) == "replace")) out.push_back(strip(j));
      return bj::value(std::move(out));
    }
  if (is_set_list(field)) {
    bj::array out = target.is_array() ? target.get_array() : bj::array{};
    for (const auto& v : patch)
      if (std::find(out.begin(), out.end(), v) == out.end()) out.push_back(v);
    return bj::value(std::move(out));
  }
  std::string key = merge_key(field, patch);
  if (key.empty() || !target.is_array()) {
    bj::array out;
    for (const auto& j : patch)
      if (!(j.is_object() && directive(j.get_object()) == "delete")) out.push_back(strip(j));
    return bj::value(std::move(out));
  }
  bj::array out = target.get_array();
  for (const auto& item : patch) {
    const bj::object* po = item.if_object();
    if (!po || !po->contains(key)) {
      out.push_back(strip(item));
      continue;
    }
    const bj::value& kv = po->at(key);
    auto it = std::find_if(out.begin(), out.end(), [&](const bj::value& e) {
      return e.is_object() && e.get_object().contains(key) && e.get_object().at(key) == kv;
    });
    if (directive(*po) == "delete") {
      if (it != out.end()) out.erase(it);
      continue;
    }
    if (it == out.end()) {
      out.push_back(strip(item));
    } else {
      auto merged = merge_object(*it, *po);
      if (!merged) return std::move(merged).error();
      if (*merged) *it = std::move(**merged);
      else out.erase(it);
    }
  }
  return bj::value(std::move(out));
}

result<std::optional<bj::value>> merge_object(const bj::value& target, const bj::object& patch) {
  std::string d = directive(patch);
  if (d == "delete") return std::optional<bj::value>{};
  if (d == "replace") return std::optional<bj::value>(strip(patch));
  if (!d.empty() && d != "merge") return error{400, "BadRequest", "unknown patch type: " + d, {}};
  bj::object out = target.is_object() ? target.get_object() : bj::object{};
  const bj::value* retain = nullptr;
  for (const auto& [k, v] : patch) {
    std::string_view key = k;
    if (key == "$patch" || key.rfind("$setElementOrder/", 0) == 0) continue;
    if (key == "$retainKeys") {
      retain = &v;
      continue;
    }
    if (key.rfind("$deleteFromPrimitiveList/", 0) == 0) {
      std::string field(key.substr(25));
      auto it = out.find(field);
      if (it != out.end() && it->value().is_array() && v.is_array()) {
        auto& a = it->value().get_array();
        a.erase(std::remove_if(a.begin(), a.end(),
                               [&](const bj::value& e) {
                                 return std::find(v.get_array().begin(), v.get_array().end(), e) != v.get_array().end();
                               }),
                a.end());
      }
      continue;
    }
    if (!key.empty() && key[0] == '$') continue;
    if (v.is_null()) {
      out.erase(key);
    } else if (v.is_object()) {
      auto it = out.find(key);
      auto m = merge_object(it == out.end() ? bj::value(nullptr) : it->value(), v.get_object());
      if (!m) return std::move(m).error();
      if (*m) out[key] = std::move(**m);
      else out.erase(key);
    } else if (v.is_array()) {
      auto it = out.find(key);
      auto m = merge_list(key, it == out.end() ? bj::value(nullptr) : it->value(), v.get_array());
      if (!m) return std::move(m).error();
      out[key] = std::move(*m);
    } else {
      out[key] = v;
    }
  }
  if (retain && retain->is_array()) {
    for (auto it = out.begin(); it != out.end();) {
      bool keep = std::any_of(retain->get_array().begin(), retain->get_array().end(),
                              [&](const bj::value& r) { return r.is_string() && r.get_string() == it->key(); });
      if (keep) ++it;
      else it = out.erase(it);
    }
  }
  return std::optional<bj::value>(bj::value(std::move(out)));
}

}  // namespace

result<bj::value> strategic_patch_apply(const bj::value& target, const bj::value& patch) {
  if (!patch.is_object()) return error{400, "BadRequest", "strategic merge patch must be a JSON object", {}};
  auto r = merge_object(target, patch.get_object());
  if (!r) return std::move(r).error();
  if (!*r) return bj::value(bj::object{});
  return std::move(**r);
}

}  // namespace habop::fake
