// What a reconcile decides: the writes, the status and the events, as values a shell sends without looking inside.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <boost/json/object.hpp>

namespace habop::reconcile {

/// Names one Kubernetes object and where it is served (`plural` completes the request path).
struct object_ref {
  std::string api_version;   ///< `apps/v1`, `v1`, `habitat.sh/v1beta1`.
  std::string kind;          ///< `StatefulSet`.
  std::string plural;        ///< `statefulsets`.
  std::string ns;
  std::string name;
  std::string uid;           ///< Known for observed objects; empty for ones not created yet.
  bool operator==(const object_ref&) const = default;
};

/// POST of a whole object.
struct create_object {
  object_ref target;
  boost::json::object body;
  bool operator==(const create_object&) const = default;
};

/// How a patch body is read (the request's Content-Type).
enum class patch_type {
  merge,       ///< `application/merge-patch+json` (RFC 7386).
  strategic,   ///< `application/strategic-merge-patch+json`: lists merged by key, for built-in kinds only.
};

/// A patch of only the fields habop owns. A merge patch carries `body.metadata.resourceVersion` set to the observed
/// version, so the server answers 409 when the object changed since it was observed. A strategic merge patch is
/// used where writes must commute instead: Habitats joining or leaving a shared peer ConfigMap add or remove just
/// their own owner references (by uid), with no precondition.
struct patch_object {
  object_ref target;
  boost::json::object body;
  std::string summary;       ///< For logs: `replicas 1→3, image a→b`.
  patch_type type = patch_type::merge;
  std::string based_on;      ///< The resourceVersion the patch was computed from (the precondition, if any).
  bool operator==(const patch_object&) const = default;
};

/// DELETE with uid and resourceVersion preconditions.
struct delete_object {
  object_ref target;
  std::string resource_version;
  std::string propagation_policy = "Background";
  std::string summary;
  bool operator==(const delete_object&) const = default;
};

using operation = std::variant<create_object, patch_object, delete_object>;

/// A core/v1 Event to record about the Habitat (the shell aggregates repeats like client-go's correlator).
struct event {
  std::string type;          ///< `Normal` or `Warning`.
  std::string reason;        ///< CamelCase, e.g. `StatefulSetCreated`, `ValidationFailed`.
  std::string message;
  object_ref regarding;
  bool operator==(const event&) const = default;
};

/// The outcome of one reconcile. An empty plan (no operations, no status, no events) means converged.
struct plan {
  /// In order: creates before patches before deletes; within a kind, the order the shell must keep.
  std::vector<operation> operations;
  /// The Habitat's full new `status`, present only when it differs from the observed one; written as a merge
  /// patch through the status subresource.
  std::optional<boost::json::object> status;
  std::vector<event> events;
  /// Reconcile again after this long even if nothing changes (e.g. waiting for pods); nullopt: only on change.
  std::optional<std::chrono::milliseconds> requeue_after;
  /// The spec is invalid: retrying cannot help until the user changes it. The shell must not back off and retry.
  bool terminal = false;

  bool empty() const { return operations.empty() && !status && events.empty(); }
  bool operator==(const plan&) const = default;
};

}  // namespace habop::reconcile
