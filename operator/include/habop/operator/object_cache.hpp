// A reflector store for one kind: watch events and relists folded into a map of trimmed, shared, immutable objects.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include <habop/operator/packed_json.hpp>

namespace habop::op {

/// The `type` of a watch event.
enum class watch_event_type { added, modified, deleted, bookmark };

/// `ADDED`, `MODIFIED`, `DELETED`, `BOOKMARK`; nullopt for anything else (`ERROR` is the runtime's business).
std::optional<watch_event_type> parse_watch_event_type(std::string_view text);

/// Cached objects are shared and never mutated: readers keep a snapshot alive while the cache moves on.
using object_ptr = std::shared_ptr<const boost::json::object>;

/// How a cache trims what it stores.
struct cache_options {
  std::string kind;                          ///< For logs and the habop_cache_objects{kind} gauge.
  /// Keep only `apiVersion`, `kind` and `metadata` (Secrets: never hold data/stringData in memory).
  bool metadata_only = false;
  /// Label indexed by `by_label` (empty: no index). Pods point at their Habitat this way.
  std::string index_label = "habitat-name";
  /// Field mask (`project_fields`): when non-empty, only `apiVersion`, `kind`, `metadata` and these paths are kept,
  /// so e.g. Pods cost a few hundred bytes instead of kilobytes. Empty keeps everything.
  std::vector<std::string> keep_paths;
  /// Store each object in one exactly-sized block (`compact_copy`) rather than a malloc per JSON node.
  bool compact = true;
  /// Store each object deflated against the cache's first object (`json_packer`) and inflate it on every read:
  /// ~30× smaller than `compact` for objects that look alike, but each `get`, `list` or `by_label` costs an
  /// inflate and a parse per object, and each store a serialization and a deflate. For caches read by key (a
  /// Habitat, its StatefulSet and Service), not ones scanned per namespace (pods and ConfigMaps feed the peer
  /// index). Overrides `compact`.
  bool pack = false;
  /// With `pack`: each object is also kept projected to these paths (`project_fields`), compact and unpacked, for
  /// `summaries`: readers that scan a namespace (the peer index reads a few fields of every Habitat) inflate nothing.
  std::vector<std::string> summary_paths;
  bool operator==(const cache_options&) const = default;
};

/// Drops `metadata.managedFields` and the `kubectl.kubernetes.io/last-applied-configuration` annotation (20–30% of
/// an object's bytes, kubernetes-api.md §4.2), empty `annotations` left behind, and with `metadata_only`
/// everything but apiVersion, kind and metadata.
boost::json::object transform_for_cache(boost::json::object obj, bool metadata_only);

/// `apiVersion`, `kind` and the `paths` of `obj` (missing ones skipped), nothing else; the result shares `obj`'s
/// storage. A path is dotted (`status.phase`) and may step into every element of an array with `[]`
/// (`status.conditions[].type` keeps each condition's type only). `metadata` is kept whole unless some path starts
/// with `metadata.`; then only those metadata paths plus `name`, `namespace` and `resourceVersion` (which the
/// cache itself needs) are kept. A path under another listed path adds nothing.
boost::json::object project_fields(boost::json::object obj, const std::vector<std::string>& paths);

/// What one `apply` changed.
struct cache_change {
  enum class kind { none, added, updated, deleted };
  kind what = kind::none;
  object_ptr previous;                       ///< Before the event (null when added).
  object_ptr current;                        ///< After the event (null when deleted).
};

/// What a relist changed: `deleted` are the last known states of objects missing from the new list (the
/// reflector's "Replace" semantics: deletions missed while disconnected are detected here, kubernetes-client/
/// javascript#494); `changed` are new objects and ones whose resourceVersion differs.
struct replace_result {
  std::vector<object_ptr> deleted;
  std::vector<object_ptr> changed;
};

/// `ns/name` (or `name` when cluster-scoped) of an object; empty when it has no name.
std::string cache_key(const boost::json::object& obj);
/// `metadata.<field>` when it is a string, else empty (a view into `obj`).
std::string_view metadata_string(const boost::json::object& obj, std::string_view field);
/// The value of label `label` in `metadata.labels`, else empty (a view into `obj`).
std::string_view label_value(const boost::json::object& obj, std::string_view label);

/// The store. Keys are `ns/name`, iteration is in key order. Not thread-safe: one io_context owns it.
class object_cache {
 public:
  explicit object_cache(cache_options options = {});

  /// Folds one watch event in (objects are transformed first). `bookmark` only advances `resource_version()`.
  /// Every event carrying `metadata.resourceVersion` advances it. Objects without a name are ignored.
  cache_change apply(watch_event_type type, boost::json::object obj);
  /// A write's answer (read-your-writes): stored when the cache still holds the version the write was based on
  /// (`based_on_rv`; empty: a create, so the object must be absent), so the next reconcile reads its own write
  /// instead of the version it just replaced (a 409, or a second create). Never moves `resource_version()`: the
  /// watch still delivers the event, which then changes nothing (same resourceVersion).
  cache_change write_through(boost::json::object obj, std::string_view based_on_rv);
  /// Replaces the whole content with a LIST's items, recording `list_rv` as the resource version.
  replace_result replace(std::vector<boost::json::object> items, std::string list_rv);

  object_ptr get(std::string_view ns, std::string_view name) const;
  /// Every object in `ns` (empty: all namespaces), in name order.
  std::vector<object_ptr> list(std::string_view ns = {}) const;
  /// Every object in `ns` (empty: all namespaces), in name order, projected to `summary_paths` where it is packed
  /// with a summary (otherwise whole, as `list` gives it).
  std::vector<object_ptr> summaries(std::string_view ns = {}) const;
  /// The key (`ns/name`, or `name` when cluster-scoped) of every object in `ns` (empty: all), in order; reads no
  /// object, so a packed cache inflates nothing.
  std::vector<std::string> keys(std::string_view ns = {}) const;
  /// The names of the objects in `ns` (what reconcile asks of Secrets and ServiceAccounts); reads no object.
  std::set<std::string> names(std::string_view ns) const;
  /// Objects in `ns` whose `index_label` equals `value`, in name order.
  std::vector<object_ptr> by_label(std::string_view ns, std::string_view value) const;
  void for_each(const std::function<void(const object_ptr&)>& fn) const;

  /// Bytes held for the object at `ns`/`name` (its compact block, or its packed bytes and summary; not the map's
  /// node); 0 when absent. What the memory benchmark reports per kind.
  std::size_t stored_bytes(std::string_view ns, std::string_view name) const;

  /// The last resourceVersion seen (list or event); where a watch resumes. Empty before the first list.
  const std::string& resource_version() const { return resource_version_; }
  std::size_t size() const { return objects_.size(); }
  const cache_options& options() const { return options_; }

 private:
  /// One stored object version: its tree, or (`pack`) its resourceVersion and packed bytes in one block. 48 bytes:
  /// what the cache reads of an object (its resourceVersion, its `index_label`) is read from the tree, so only a
  /// packed object, which has none, keeps its resourceVersion beside it.
  struct entry {
    object_ptr tree;
    object_ptr summary;                   ///< With `packed` and `summary_paths`.
    std::unique_ptr<char[]> packed;       ///< `rv_size` bytes of resourceVersion, then `packed_size` packed bytes.
    std::uint32_t rv_size = 0;
    std::uint32_t packed_size = 0;
  };
  using map_type = std::map<std::string, entry, std::less<>>;
  /// `obj` as this cache keeps it: transform_for_cache, then project_fields.
  boost::json::object trim(boost::json::object obj) const;
  /// Trims `obj` into `trimmed` (what handlers see), and returns how it is stored (packed or compact).
  entry make_entry(boost::json::object obj, object_ptr& trimmed) const;
  object_ptr load(const entry& e) const;
  /// `metadata.resourceVersion` of the stored object (a view into `e`).
  static std::string_view resource_version_of(const entry& e);
  /// The stored object's `index_label` value ("" when unindexed or unlabelled).
  std::string index_value_of(const entry& e) const;
  /// `fn(key, entry)` for the entries of `ns` (empty: all), in key order.
  template <class Fn>
  void for_each_in(std::string_view ns, Fn&& fn) const;
  /// Stores `stored` at `key` (`it`: its entry, or end when new), indexed; an added or updated change whose
  /// `current` is `trimmed`.
  cache_change put(map_type::iterator it, std::string key, entry stored, object_ptr trimmed);
  void index_add(const std::string& key, const entry& e);
  void index_remove(const std::string& key, const entry& e);

  cache_options options_;
  mutable std::unique_ptr<json_packer> packer_;   ///< With `pack`; reads inflate, hence mutable.
  map_type objects_;
  std::map<std::string, std::set<std::string>, std::less<>> index_;  ///< `ns/labelvalue` → keys.
  std::string resource_version_;
};

}  // namespace habop::op
