// The fake-apiserver's typed, in-process object store: Kubernetes write/read semantics without HTTP.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <habop/core/result.hpp>
#include <habop/core/time.hpp>

namespace habop::fake {

/// A resource as served: group ("" for core), version and plural, e.g. {"apps", "v1", "statefulsets"}.
struct resource_key {
  std::string group;
  std::string version;
  std::string plural;
  auto operator<=>(const resource_key&) const = default;
  bool operator==(const resource_key&) const = default;
};

/// Well-known resources, for callers of the typed API.
namespace resources {
inline resource_key namespaces() { return {"", "v1", "namespaces"}; }
inline resource_key nodes() { return {"", "v1", "nodes"}; }
inline resource_key pods() { return {"", "v1", "pods"}; }
inline resource_key services() { return {"", "v1", "services"}; }
inline resource_key configmaps() { return {"", "v1", "configmaps"}; }
inline resource_key secrets() { return {"", "v1", "secrets"}; }
inline resource_key serviceaccounts() { return {"", "v1", "serviceaccounts"}; }
inline resource_key persistentvolumeclaims() { return {"", "v1", "persistentvolumeclaims"}; }
inline resource_key persistentvolumes() { return {"", "v1", "persistentvolumes"}; }
inline resource_key events() { return {"", "v1", "events"}; }
inline resource_key statefulsets() { return {"apps", "v1", "statefulsets"}; }
inline resource_key deployments() { return {"apps", "v1", "deployments"}; }
inline resource_key controllerrevisions() { return {"apps", "v1", "controllerrevisions"}; }
inline resource_key storageclasses() { return {"storage.k8s.io", "v1", "storageclasses"}; }
inline resource_key leases() { return {"coordination.k8s.io", "v1", "leases"}; }
inline resource_key crds() { return {"apiextensions.k8s.io", "v1", "customresourcedefinitions"}; }
}  // namespace resources

/// What happened to an object; `object` is its full state after the change (the last state for `deleted`).
enum class change_type { added, modified, deleted };

/// One committed change, delivered to subscribers synchronously, in resourceVersion order.
struct change {
  change_type type = change_type::added;
  resource_key resource;        ///< The resource as stored (events always as core/v1 events).
  boost::json::object object;   ///< With apiVersion and kind.
  std::uint64_t resource_version = 0;
  bool operator==(const change&) const = default;
};

/// `fieldValidation`: what to do with fields the schema does not know (custom resources) or duplicate fields.
enum class field_validation { ignore, warn, strict };

/// Options common to writes, mirroring the query parameters of KAS.
struct write_options {
  std::string field_manager;                               ///< managedFields manager; empty → "unknown".
  bool dry_run = false;                                    ///< Run every step but persist nothing (dryRun=All).
  field_validation validation = field_validation::warn;    ///< KAS defaults to Warn.
  bool force = false;                                      ///< Server-side apply: take ownership of conflicts.
  std::vector<std::string>* warnings = nullptr;            ///< Optional sink for `Warning` header texts.
  bool operator==(const write_options&) const = default;
};

/// Patch bodies the server understands (Content-Type).
enum class patch_type { merge, json, strategic, apply };

/// DeleteOptions.
enum class propagation { background, foreground, orphan };
struct delete_options {
  std::optional<propagation> policy;                 ///< Unset: the resource's default (background).
  std::optional<std::int64_t> grace_period_seconds;
  std::optional<std::string> precondition_uid;
  std::optional<std::string> precondition_resource_version;
  bool dry_run = false;
  bool operator==(const delete_options&) const = default;
};

/// Outcome of a delete: `removed` when the object is gone; otherwise it carries a deletionTimestamp and waits for
/// finalizers. `object` is the last (or current) state.
struct removal {
  bool removed = false;
  boost::json::object object;
  bool operator==(const removal&) const = default;
};

class api_server;

/// Resource-oriented typed access with the same semantics as the HTTP API (validation, resourceVersion, generation,
/// finalizers, garbage collection, watch history), minus authentication. Not thread-safe: use from one strand.
class object_store {
 public:
  object_store(const object_store&) = delete;
  object_store& operator=(const object_store&) = delete;
  ~object_store();

  /// POST: `ns` is ignored for cluster-scoped resources. Fails 409 AlreadyExists, 404 (namespace), 422, 403.
  result<boost::json::object> create(const resource_key& r, std::string ns, boost::json::object obj, instant now,
                                     const write_options& opts = {});
  /// GET one object. 404 NotFound `configmaps "x" not found`.
  result<boost::json::object> get(const resource_key& r, std::string_view ns, std::string_view name) const;
  /// LIST, sorted by namespace then name; empty `ns` lists all namespaces. Selectors use the query syntax; a bad
  /// selector is a 400.
  result<std::vector<boost::json::object>> list(const resource_key& r, std::string_view ns,
                                                std::string_view label_selector = {},
                                                std::string_view field_selector = {}) const;
  /// PUT: a set metadata.resourceVersion must match (409 Conflict). Status is kept when the resource has a status
  /// subresource.
  result<boost::json::object> update(const resource_key& r, std::string ns, boost::json::object obj, instant now,
                                     const write_options& opts = {});
  /// PUT on /status: only `status` changes persist.
  result<boost::json::object> update_status(const resource_key& r, std::string ns, boost::json::object obj,
                                            instant now, const write_options& opts = {});
  /// PATCH with a JSON merge patch (RFC 7386), on the main resource or (subresource "status") on /status.
  result<boost::json::object> merge_patch(const resource_key& r, std::string ns, std::string name,
                                          const boost::json::value& patch, instant now,
                                          const write_options& opts = {}, std::string_view subresource = {});
  /// PATCH of any type; `body` is the raw request body. Apply creates a missing object.
  result<boost::json::object> patch(const resource_key& r, std::string ns, std::string name, patch_type type,
                                    std::string_view body, instant now, const write_options& opts = {},
                                    std::string_view subresource = {});
  /// DELETE with DeleteOptions semantics (finalizers, propagation, preconditions).
  result<removal> remove(const resource_key& r, std::string ns, std::string name, instant now,
                         const delete_options& opts = {});

  /// Calls `listener` after every committed change; returns an id for `unsubscribe`.
  std::uint64_t subscribe(std::function<void(const change&)> listener);
  void unsubscribe(std::uint64_t id);

  /// The current global resourceVersion (the last committed change's).
  std::uint64_t resource_version() const;
  /// Number of stored objects of one resource (all namespaces).
  std::size_t count(const resource_key& r) const;
  /// Whether the resource is currently served (built-in, or defined by an established CRD).
  bool serves(const resource_key& r) const;

  struct impl;
  /// Internal state shared with api_server's handlers.
  impl& internals() { return *impl_; }
  const impl& internals() const { return *impl_; }

 private:
  friend class api_server;
  explicit object_store(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

}  // namespace habop::fake
