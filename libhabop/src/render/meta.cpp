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

bj::object owned_metadata(const api::habitat& h, const bj::object& labels) {
  bj::object meta;
  meta["name"] = h.metadata.name;
  if (!h.metadata.ns.empty()) meta["namespace"] = h.metadata.ns;
  meta["labels"] = labels;
  meta["ownerReferences"] = bj::array{owner_reference(h, true)};
  return meta;
}

std::optional<std::string> ring_of(const api::habitat& h) {
  const auto& secret = h.spec.service.ring_secret_name;
  if (!secret) return std::nullopt;
  if (auto ring = api::ring_name(*secret)) return ring;
  return *secret;
}

}  // namespace habop::render
