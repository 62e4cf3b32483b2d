// The rendered-hash stamp: how a converged reconcile proves, without rendering, that an owned object is as habop
// last wrote it and that nothing rendering reads has changed since.
//
// The stamp `annotation_rendered_hash` (owned.hpp) is `<inputs>-<observed>`, two 16-digit hex hashes written with
// every create and patch of a StatefulSet or Service: `<inputs>` hashes what rendering that object reads (the
// Habitat's name, namespace and uid; for the StatefulSet also `spec.v1beta2` and the render options) and
// `render_version`, so a spec change re-stamps the StatefulSet but leaves the Service alone; `<observed>`
// hashes the object as it will be after the write, minus what the API server changes on its own (status,
// resourceVersion, generation, uid, creationTimestamp, managedFields, selfLink) and minus the stamp itself.
// An observed object whose stamp equals `<inputs of this Habitat>-<hash of the object now>` is exactly what a
// reconcile of these inputs wrote, so it satisfies the rendering: reconcile skips rendering and diffing it. Any edit
// of a hashed field (an owned field drifting, an annotation someone adds) changes `<observed>` and sends reconcile
// down the full path, which is what decides; the fast path never decides a write. Fields the API server defaults
// hash as absent when they hold their default, on both sides, so server defaulting changes nothing.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include <habop/render/render.hpp>

namespace habop::reconcile {

/// Bumped whenever rendering or the owned projections (owned.hpp) change what they produce for the same inputs, so
/// that objects stamped by an older habop are rendered and compared again (and re-stamped if they differ).
/// `fingerprint_test` pins the rendering of the test fixtures to this number. 2: `<observed>` hashes server defaults
/// as absent (objects stamped by version 1 get one stamp-only patch each).
inline constexpr std::uint64_t render_version = 2;

/// The `<observed>` part of a stamp that never matches: written when the object is known not to satisfy the
/// rendering (an immutable field habop cannot patch), so every reconcile takes the full path and reports it.
inline constexpr std::string_view unverified = "unverified";

/// The objects that carry a stamp.
enum class stamped { stateful_set, service };

/// Hash of what rendering `kind` reads from a raw Habitat (see the file comment), with `render_version`. The raw
/// `spec.v1beta2` is hashed whole (member order-independently): a superset of what rendering reads, so a change
/// that does not alter the rendering at worst re-stamps the object once.
std::uint64_t inputs_hash(const boost::json::object& raw_habitat, const render::options& opts, stamped kind);

/// Member order-independent hash of an object without `status`, the volatile metadata fields and the stamp
/// annotation; integral numbers hash alike whatever their JSON representation. Allocates nothing. In a StatefulSet
/// or Service (by `kind`), a field equal to its kube-apiserver default or assigned by the server (observed_hash.cpp
/// lists them) hashes as absent, so an object as a real API server returns it matches its stamp.
std::uint64_t observed_hash(const boost::json::object& o);

/// `<inputs>-<observed>` as 16-digit lowercase hex each; `observed` may be `unverified`.
std::string make_stamp(std::uint64_t inputs, std::string_view observed);
std::string make_stamp(std::uint64_t inputs, std::uint64_t observed);

/// Whether `stamp` was made from these inputs (whatever its `<observed>` part).
bool stamp_has_inputs(std::string_view stamp, std::uint64_t inputs);

/// The `<observed>` part of a stamp, "" when it has none.
std::string_view stamp_observed(std::string_view stamp);

/// Whether `observed`'s stamp proves it is exactly what habop wrote for these inputs (see the file comment).
/// `known_observed_hash`: `observed_hash(observed)` when the caller has it (snapshot::stateful_set_hash, ...).
bool converged_by_stamp(const boost::json::object& observed, std::uint64_t inputs,
                        std::optional<std::uint64_t> known_observed_hash = std::nullopt);

/// Records `stamp` in `metadata.annotations` of a rendered object or projection.
void set_stamp(boost::json::object& o, std::string stamp);

}  // namespace habop::reconcile
