// Labels, owner references and metadata shared by every object rendered for a Habitat.
#include <habop/render/meta.hpp>

#include <habop/api/validate.hpp>
#include <habop/render/names.hpp>

namespace habop::render {
namespace bj = boost::json;

bj::object habitat_labels(const api::habitat& h) {
  // Inserted in the order the API server returns labels (sorted), so that rendered and served objects read alike.
  bj::object labels;
  labels[label_habitat] = "true";
  labels[label_habitat_name] = h.metadata.name;
  return labels;
}

bj::object selector_labels(const api::habitat& h) {
  bj::object labels;
  labels[label_habitat_name] = h.metadata.name;
  return labels;
}

// is_owner_reference reads the same fields: keep the two together.
bj::object owner_reference(const api::habitat& h, bool controller) {
  bj::object ref;
  ref["apiVersion"] = api::api_version;
  ref["kind"] = api::kind;
  ref["name"] = h.metadata.name;
  ref["uid"] = h.metadata.uid;
  ref["controller"] = controller;
  ref["blockOwnerDeletion"] = controller;
  return ref;
}

bool is_owner_reference(const bj::object& observed, std::string_view name, std::string_view uid, bool controller) {
  // One pass over the members rather than a lookup per field: every reconcile of a Habitat sharing a peer ConfigMap
  // compares every owner's reference.
  unsigned seen = 0;
  for (const auto& kv : observed) {
    const std::string_view key = kv.key();
    const bj::value& v = kv.value();
    auto string_is = [&](std::string_view want) { return v.is_string() && v.get_string() == want; };
    bool ok = true;
    if (key == "apiVersion") ok = string_is(api::api_version), seen |= 1;
    else if (key == "kind") ok = string_is(api::kind), seen |= 2;
    else if (key == "name") ok = string_is(name), seen |= 4;
    else if (key == "uid") ok = string_is(uid), seen |= 8;
    else if (key == "controller") ok = v.is_bool() && v.get_bool() == controller, seen |= 16;
    else if (key == "blockOwnerDeletion") ok = v.is_bool() && v.get_bool() == controller, seen |= 32;
    if (!ok) return false;
  }
  return seen == 63;
}

bj::object owned_metadata(const api::habitat& h, const bj::object& labels) {
  bj::object meta;
  meta["name"] = h.metadata.name;
  if (!h.metadata.ns.empty()) meta["namespace"] = h.metadata.ns;
  meta["labels"] = labels;
  meta["ownerReferences"] = bj::array{owner_reference(h, true)};
  return meta;
}

bj::object owned_object(const api::habitat& h, std::string_view api_version, std::string_view kind, bj::object spec) {
  bj::object o;
  o["apiVersion"] = api_version;
  o["kind"] = kind;
  o["metadata"] = owned_metadata(h, habitat_labels(h));
  o["spec"] = std::move(spec);
  return o;
}

std::optional<std::string> ring_of(const api::habitat& h) {
  const auto& secret = h.spec.service.ring_secret_name;
  if (!secret) return std::nullopt;
  if (auto ring = api::ring_name(*secret)) return ring;
  return *secret;
}

}  // namespace habop::render
