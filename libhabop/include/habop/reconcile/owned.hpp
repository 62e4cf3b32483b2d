// Ownership of observed objects, and the projection of a rendered object onto the fields habop owns (what
// `diff_owned` compares and patches).
//
// Ownership rule: an observed object is habop's when one of its ownerReferences carries this Habitat's uid. An
// object with no controller reference is adopted (habop adds its reference: this also takes over StatefulSets the
// original operator created, whose reference lacked `controller`). An object controlled by anything else is left
// alone and reported (`OwnerConflict`): taking it over could fight another controller. One controlled by a Habitat
// of the same name but another uid was left by a Habitat deleted and re-created under that name (`kubectl replace
// --force`, delete then apply): the garbage collector is deleting it, so habop waits, writing nothing to it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

namespace habop::reconcile {

/// Annotation recording what habop last applied to a StatefulSet or Service (the stamp of fingerprint.hpp:
/// `<inputs hash>-<observed hash>`). It is how a level-based reconcile tells a user's edit (observed differs, inputs
/// match: revert and warn, issue #248/#252) from a spec change (inputs differ: update), and how a converged
/// reconcile skips rendering.
inline constexpr const char* annotation_rendered_hash = "operator.habitat.sh/rendered-hash";

enum class ownership {
  ours,        ///< Has an ownerReference with this Habitat's uid.
  adoptable,   ///< No controller reference: habop adds its own.
  foreign,     ///< Controlled by another object: left alone, reported.
  previous,    ///< Controlled by a deleted Habitat of the same name: left alone until the garbage collector deletes it.
};

/// Classifies an observed object against the Habitat's uid and name.
ownership ownership_of(const boost::json::object& observed, std::string_view habitat_uid,
                       std::string_view habitat_name);

/// The object's controller reference, or nullptr without one.
const boost::json::object* controller_reference(const boost::json::object& observed);

/// `Kind/name` of the object's controller reference, for messages; "" without one.
std::string controller_of(const boost::json::object& observed);

/// The observed ownerReferences with the one for `our_ref.uid` replaced by `our_ref` (or appended): habop owns its
/// own entry only.
boost::json::array merge_owner_references(const boost::json::object* observed_metadata,
                                          const boost::json::object& our_ref);

/// Whether an owner reference points at a Habitat (any version of habop's group).
bool is_habitat_reference(const boost::json::object& ref);

/// The peer ConfigMap's references: `habitat_refs` (every sharing Habitat) plus observed references to anything
/// that is not a Habitat (someone else's, left alone).
boost::json::array merge_shared_owner_references(const boost::json::object* observed_metadata,
                                                 boost::json::array habitat_refs);

/// The StatefulSet fields the API server rejects changes to, in the order reported.
inline constexpr const char* stateful_set_immutable_fields[] = {"selector", "volumeClaimTemplates",
                                                               "podManagementPolicy", "serviceName"};

/// Removes the immutable spec fields from a rendered StatefulSet and returns the paths (`spec.serviceName`) of those
/// whose observed value does not satisfy the rendered one. A field habop does not render must be absent.
std::vector<std::string> take_immutable_fields(boost::json::object& rendered_sts, const boost::json::object& observed);

/// Turns a stamped StatefulSet (immutable fields already taken) into habop's owned projection of it: "must be
/// absent" nulls for the optional pod fields habop renders only when set (so that removing e.g. a node selector from
/// the Habitat removes it from the pods), for the keys of the verbatim nodeSelector, securityContext and affinity
/// that only `observed` has (they are owned whole), for the Supervisor container's `env` and `resources` when not
/// rendered and for the limits and requests its `resources` no longer has (but the requests the API server defaults
/// from limits), and `rollingUpdate: null` with OnDelete (the API server rejects both).
void own_stateful_set(boost::json::object& sts, const boost::json::object* observed);

/// Turns a stamped Service into its owned projection: `spec.clusterIP` is taken out (immutable: the caller compares
/// the returned desired value) and the selector is owned whole (keys only `observed` has become nulls).
std::string own_service(boost::json::object& svc, const boost::json::object* observed);

/// Sets `metadata.ownerReferences` of a projection.
void set_owner_references(boost::json::object& projection, boost::json::array refs);

/// The stamp annotation's value on an observed object, "" when absent.
std::string_view rendered_hash_of(const boost::json::object& observed);

}  // namespace habop::reconcile
