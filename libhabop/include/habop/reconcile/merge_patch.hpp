// JSON merge patches (RFC 7386): the minimal patch that makes habop's owned fields of an observed object equal the
// desired ones, and applying a patch (what the API server does with it).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

namespace habop::reconcile {

/// The result of comparing habop's desired fields with an observed object.
struct merge_diff {
  boost::json::object patch;            ///< Empty when every owned field already has its desired value.
  std::vector<std::string> changed;     ///< Dotted paths of the fields the patch sets, e.g. `spec.replicas`.
  bool empty() const { return patch.empty(); }
  bool operator==(const merge_diff&) const = default;
};

/// Whether `observed` already satisfies `desired`, with the ownership rules of `diff_owned`:
/// - objects: every key of `desired` is satisfied in `observed`; keys only `observed` has belong to someone else
///   (an annotation someone added, a field the API server defaulted such as `dnsPolicy`) and are ignored;
/// - a `null` in `desired` means "habop wants this absent": satisfied by a missing, null or empty value;
/// - arrays: same length and element by element satisfied (so server-defaulted fields inside a container or a port
///   do not count as drift, but an extra element does: a merge patch can only replace a list wholesale);
/// - numbers compare by value whatever their JSON representation (1, 1u and 1.0 are equal).
bool satisfies(const boost::json::value& observed, const boost::json::value& desired);

/// The minimal merge patch that makes `observed` satisfy `desired` (see `satisfies`). Objects are descended into so
/// that only differing leaves are sent; a differing array is sent whole (RFC 7386 has no list merge), so habop owns
/// every list it renders (containers, volumes, ports, ownerReferences) as a whole. Nulls in `desired` become nulls
/// in the patch only when `observed` has a non-empty value there.
merge_diff diff_owned(const boost::json::object& desired, const boost::json::object& observed);

/// Applies an RFC 7386 merge patch: objects merge recursively, `null` deletes a member, anything else replaces.
boost::json::value apply_merge_patch(const boost::json::value& target, const boost::json::value& patch);

/// A deterministic 64-bit hash of a JSON value's structure and contents (object member order matters).
/// Used to record which rendering habop last applied, so that drift can be told apart from a spec change.
std::uint64_t hash_json(const boost::json::value& v);
/// The same hash for an object, without copying it into a value.
std::uint64_t hash_json(const boost::json::object& o);

}  // namespace habop::reconcile
