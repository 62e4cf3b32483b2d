// Metadata pieces shared by every rendered object: labels, owner references, object metadata, the ring name.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include <habop/api/habitat.hpp>

namespace habop::render {

/// `{habitat: "true", habitat-name: <name>}`: the labels of every object owned by one Habitat.
boost::json::object habitat_labels(const api::habitat& h);

/// `{habitat-name: <name>}`: the StatefulSet's and the Service's pod selector.
boost::json::object selector_labels(const api::habitat& h);

/// `{apiVersion: habitat.sh/v1beta1, kind: Habitat, name, uid, controller, blockOwnerDeletion}`, with both flags
/// set to `controller`: true for objects only this Habitat owns (deleted with it in the foreground), false for
/// shared ones such as the peer ConfigMap.
boost::json::object owner_reference(const api::habitat& h, bool controller);

/// Whether an observed owner reference already has every field `owner_reference` renders for the Habitat named
/// `name` with uid `uid` (extra fields are someone else's), read by view so that checking a shared ConfigMap's
/// many owners allocates nothing.
bool is_owner_reference(const boost::json::object& observed_ref, std::string_view name, std::string_view uid,
                        bool controller);

/// `{name, namespace, labels, ownerReferences: [owner_reference(h, true)]}` for an object named after `h`.
/// `namespace` is omitted when the Habitat has none (offline rendering: kubectl applies the current namespace).
boost::json::object owned_metadata(const api::habitat& h, const boost::json::object& labels);

/// `{apiVersion, kind, metadata: owned_metadata(h, habitat_labels(h)), spec}`: an object the Habitat controls,
/// named after it (its StatefulSet and its Service).
boost::json::object owned_object(const api::habitat& h, std::string_view api_version, std::string_view kind,
                                 boost::json::object spec);

/// The ring the Habitat's pods gossip in: the ring Secret name without its 14-digit revision; nullopt without a
/// ring. A malformed Secret name (which validation rejects) is taken whole rather than failing.
std::optional<std::string> ring_of(const api::habitat& h);

}  // namespace habop::render
