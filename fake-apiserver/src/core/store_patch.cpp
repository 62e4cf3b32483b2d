// PATCH glue: applies merge, JSON, strategic or server-side-apply patches to the current view, then updates.
#include "detail.hpp"

#include <habop/json/codec.hpp>

namespace habop::fake {
namespace {
error patch_failed(std::string message) { return error{422, "Invalid", std::move(message), {}}; }
}  // namespace

result<bj::object> object_store::impl::patch(const resource_type& t, const std::string& ns, const std::string& name,
                                             patch_type type, std::string_view body, instant now,
                                             const write_options& wo, std::string_view sub, bool* created) {
  bootstrap(now);
  if (type == patch_type::strategic && !t.builtin)
    return unsupported_media(
        "the body of the request was in an unknown format - accepted media types include: "
        "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml");
  bj::value p;
  if (type == patch_type::apply) {
    if (wo.field_manager.empty())
      return error{422, "Invalid",
                   "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch",
                   {{"fieldManager", "FieldValueRequired", "Required value: is required for apply patch"}}};
    auto j = habop::json::parse_json(body);
    auto first = body.find_first_not_of(" \t\r\n");
    const bool looks_json = first != std::string_view::npos && (body[first] == '{' || body[first] == '[');
    if (j) {
      p = std::move(*j);
    } else if (looks_json) {   // yaml-cpp is slow on malformed flow mappings; JSON errors are clearer anyway
      return bad_request("error decoding YAML: " + j.error().message);
    } else {
      auto y = habop::json::parse_yaml_documents(body);
      if (!y || y->empty()) return bad_request("error decoding YAML: " + (y ? std::string("empty document") : y.error().message));
      p = std::move((*y)[0]);
    }
    if (!p.is_object()) return bad_request("error decoding YAML: apply patch must be an object");
  } else {
    auto j = habop::json::parse_json(body);
    if (!j) return bad_request(j.error().message);
    p = std::move(*j);
    if (type != patch_type::json && !p.is_object()) return bad_request("json: cannot unmarshal into Go value of type map[string]interface {}");
  }
  auto cur = get(t, ns, name);
  if (!cur) {
    if (type != patch_type::apply || !sub.empty()) return std::move(cur).error();
    bj::object applied = p.get_object();
    if (const bj::value* n = find_path(applied, {"metadata", "name"}); n && n->is_string() && n->get_string() != name)
      return bad_request("the name of the object (" + std::string(n->get_string()) + ") does not match the name on the URL (" + name + ")");
    auto merged = apply_patch(t, nullptr, applied, wo, now);
    if (!merged) return std::move(merged).error();
    bj::object obj = std::move(*merged);
    (*object_at(obj, "metadata"))["name"] = name;
    keep_managed_fields_once = true;
    auto r = create(t, ns, std::move(obj), now, wo);
    keep_managed_fields_once = false;
    if (r && created) *created = true;
    return r;
  }
  bj::object live = view(t, **cur);
  const std::string live_rv = string_at(live, {"metadata", "resourceVersion"});
  bj::value next;
  switch (type) {
    case patch_type::merge: next = merge_patch_apply(live, p); break;
    case patch_type::strategic: {
      auto r = strategic_patch_apply(live, p);
      if (!r) return std::move(r).error();
      next = std::move(*r);
      break;
    }
    case patch_type::json: {
      auto r = json_patch_apply(bj::value(live), p);
      if (!r) return patch_failed(r.error().message);
      next = std::move(*r);
      break;
    }
    case patch_type::apply: {
      auto r = apply_patch(t, &live, p.get_object(), wo, now);
      if (!r) return std::move(r).error();
      next = std::move(*r);
      break;
    }
  }
  if (!next.is_object()) return patch_failed("the patch result is not an object");
  bj::object cand = std::move(next.get_object());
  // A resourceVersion inside the patch is a precondition.
  std::optional<std::string> precondition;
  if (const bj::value* prv = find_path(cand, {"metadata", "resourceVersion"}); prv && prv->is_string())
    precondition = std::string(prv->get_string());
  if (precondition && *precondition != live_rv) return conflict(t, name);
  if (!cand.contains("metadata") || !cand["metadata"].is_object()) cand["metadata"] = bj::object{};
  cand["metadata"].get_object()["resourceVersion"] = live_rv;
  return update(t, ns, name, to_storage(t, std::move(cand)), now, wo, sub,
                type == patch_type::apply ? "Apply" : "Update", std::nullopt, *cur);
}

}  // namespace habop::fake
