// Internal vocabulary of the fake-apiserver core: resource types, the store's state, and helpers shared by files.
#pragma once

#include <charconv>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <unordered_map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/string.hpp>
#include <boost/json/value.hpp>

#include <habop/core/error.hpp>
#include <habop/core/result.hpp>
#include <habop/core/time.hpp>
#include <habop/fake_apiserver/api_server.hpp>
#include <habop/fake_apiserver/object_store.hpp>

#include "store_log.hpp"

namespace habop::fake {
namespace bj = boost::json;
using obj_ptr = std::shared_ptr<const bj::object>;

/// A stored object as compact JSON text (storage format): a third of the memory of a parsed tree, and lists and
/// GETs serve it without re-serializing. Parsed on demand for writes, selectors and tables.
struct frozen {
  std::string text;
};
using frozen_ptr = std::shared_ptr<const frozen>;
/// Parses a stored object (its text was produced by our serializer; std::logic_error if it does not parse).
obj_ptr thaw(const frozen& f);

/// Which server-side printer renders Tables for a resource.
enum class printer { generic, configmap, ns, pod, service, statefulset, deployment, event, lease, secret, crd, custom,
                     storageclass, controllerrevision, pvc, pv, node, hpa, serviceaccount, role, binding };

/// Everything the server knows about one served group/version/resource.
struct resource_type {
  std::string group, version, plural, singular, kind;
  bool namespaced = true;
  std::vector<std::string> short_names, categories;
  bool has_status = false;
  bool has_scale = false;
  bool has_generation = false;   ///< metadata.generation is kept: workloads, autoscalers, CRDs, custom resources
  bool has_log = false;          ///< Serves `<plural>/log` (pods: pod_log.cpp).
  std::string scale_spec_path = ".spec.replicas", scale_status_path = ".status.replicas", scale_selector_path;
  bool builtin = true;           ///< Built-ins accept strategic merge patch and protobuf (a few kinds).
  std::string storage;           ///< Storage id shared by views of one object set (events: "/events").
  std::string storage_version;   ///< apiVersion objects are stored with.
  bool events_v1 = false;        ///< events.k8s.io/v1 view over core/v1 events.
  std::vector<std::string> field_labels;   ///< Field selector labels beyond metadata.name/namespace.
  printer print = printer::generic;
  std::shared_ptr<const bj::object> schema;   ///< CRD openAPIV3Schema (null: none).
  bj::array printer_columns;                  ///< CRD additionalPrinterColumns.
  std::string crd_name;                       ///< Owning CRD, for custom resources.
  bool review = false;   ///< Create-only and never stored (access reviews, access_review.cpp); not in `types`.

  std::string api_version() const { return group.empty() ? version : group + "/" + version; }
  std::string list_kind() const { return kind + "List"; }
  resource_key key() const { return {group, version, plural}; }
  /// `configmaps` or `widgets.example.com`, as KAS names a resource in messages.
  std::string qualified() const { return group.empty() ? plural : plural + "." + group; }
  /// `ConfigMap` or `Widget.example.com`, as KAS names a kind in 422 messages.
  std::string qualified_kind() const { return group.empty() ? kind : kind + "." + group; }
};

/// What every watcher of one change shares, so a write to N watchers is parsed and encoded once, not N times:
/// the parsed states (for selectors and views) and the encoded event lines by (type, view, shape).
struct watch_share {
  obj_ptr obj, prev;
  std::map<std::string, std::string, std::less<>> lines;
};

/// One committed change in the global history; `prev` is the state before (MODIFIED) for selector transitions.
struct history_entry {
  std::uint64_t rv = 0;
  std::string storage;
  std::string ns;
  change_type type = change_type::added;
  frozen_ptr obj;
  frozen_ptr prev;
  std::shared_ptr<watch_share> share;   ///< Kept for the most recent changes only (null further back).
};
/// How many recent history entries keep their watch_share (watchers are at most this far behind in practice).
inline constexpr std::size_t shared_history_window = 256;

using object_map = std::map<std::pair<std::string, std::string>, frozen_ptr>;   // (namespace, name) → object

/// Where an object with a given uid lives (for the garbage collector).
struct uid_location {
  std::string storage, ns, name;
  friend auto operator<=>(const uid_location&, const uid_location&) = default;
};

// ---- selectors (selectors.cpp)
struct label_requirement {
  enum class op { eq, neq, in, notin, exists, not_exists, gt, lt };
  std::string key;
  op o = op::eq;
  std::vector<std::string> values;
};
struct label_selector {
  std::vector<label_requirement> reqs;
  bool empty() const { return reqs.empty(); }
  bool matches(const bj::object& obj) const;
};
result<label_selector> parse_label_selector(std::string_view text);
struct field_requirement {
  std::string field;
  bool negate = false;
  std::string value;
};
struct field_selector {
  std::vector<field_requirement> reqs;
  bool empty() const { return reqs.empty(); }
  bool matches(const bj::object& obj) const;
};
result<field_selector> parse_field_selector(std::string_view text, const resource_type& t);

// ---- errors (status.cpp)
error bad_request(std::string message);
error not_found(const std::string& qualified_resource, std::string_view name);
error already_exists(const resource_type& t, std::string_view name);
error conflict(const resource_type& t, std::string_view name);
error invalid(const resource_type& t, std::string_view name, std::vector<field_cause> causes);
error unsupported_media(std::string message);
error forbidden(std::string message, std::vector<field_cause> causes = {});
/// storage.NewTooLargeResourceVersionError: 504 Timeout with cause `ResourceVersionTooLarge`, which client-go's
/// reflector answers by relisting from the latest state.
error too_large_resource_version(std::uint64_t requested, std::uint64_t current);
error path_not_found();
/// The Status JSON body KAS sends for `e`; `t` and `name` fill `details` when known.
std::string status_body(const error& e, const resource_type* t, std::string_view name);
response status_response(const error& e, const resource_type* t = nullptr, std::string_view name = {});

// ---- util (util.cpp)
std::string percent_decode(std::string_view s);
std::vector<std::pair<std::string, std::string>> parse_query(std::string_view q);
std::string base64_encode(std::string_view in);
std::optional<std::string> base64_decode(std::string_view in);
std::string human_duration(std::int64_t seconds);
/// Validates a DNS-1123 subdomain (max 253); returns the KAS message or empty when fine.
std::string check_dns_subdomain(std::string_view name);
/// kube-apiserver's ValidatePathSegmentName (names of RBAC objects such as `system:discovery`).
std::string check_path_segment(std::string_view name);
/// `s` as a base-10 integer of type T when the whole of it is one (no sign for unsigned T, no spaces); else nullopt.
template <class T>
std::optional<T> parse_integer(std::string_view s) {
  T v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}
std::string check_dns_label(std::string_view name);
/// kube-apiserver's NameIsDNS1035Label (Service names): a DNS label that starts with a letter.
std::string check_dns1035_label(std::string_view name);
std::vector<field_cause> check_labels(const bj::object& meta);
/// Every container's volumeMounts name a volume of the pod (pods and the pod templates kube-apiserver validates).
std::vector<field_cause> check_volume_mounts(const resource_type& t, const bj::object& obj);
const bj::value* find_path(const bj::object& o, std::initializer_list<std::string_view> path);
std::string string_at(const bj::object& o, std::initializer_list<std::string_view> path);
/// The strings of the array at `path` (non-strings skipped; none when absent or not an array).
std::vector<std::string> string_list(const bj::object& o, std::initializer_list<std::string_view> path);
/// `v` with object members sorted by key at every level, as Go's json.Marshal writes a map.
bj::value sorted_keys(const bj::value& v);
/// The uids of `o`'s owner references (none for null); defined in store_core.cpp.
std::vector<std::string> owner_uids(const bj::object* o);
bj::object* object_at(bj::object& o, std::string_view key);   ///< The member object, created if missing/not object.
std::string json_quote(std::string_view s);
bool iequals(std::string_view a, std::string_view b);
/// Whether every string and member name in `v` is valid UTF-8 (JSON and YAML bodies are checked when parsed; bytes
/// from protobuf bodies, headers and query parameters are not, and must never reach a stored object).
bool valid_utf8(const bj::value& v);
bool valid_utf8(const bj::object& o);   ///< without copying `o` into a value
/// `s` without leading and trailing spaces and tabs.
std::string_view trim_blanks(std::string_view s);
std::string serialize(const bj::value& v);
std::string serialize(const bj::object& o);

// ---- patches (patch_*.cpp, apply.cpp)
bj::value merge_patch_apply(const bj::value& target, const bj::value& patch);
result<bj::value> json_patch_apply(bj::value doc, const bj::value& patch);
/// The patchMergeKey of a built-in list field (`containers` → `name`, `ports` → `containerPort`, ...); empty for
/// lists merged atomically. Shared by strategic merge patch and server-side apply.
std::string merge_key(std::string_view field, const bj::array& items);
result<bj::value> strategic_patch_apply(const bj::value& target, const bj::value& patch);
/// How server-side apply merges and tracks a custom resource's list (`x-kubernetes-list-type`; atomic by default).
struct list_semantics {
  enum class kind { atomic, map, set };
  kind k = kind::atomic;
  std::vector<std::string> keys;   ///< x-kubernetes-list-map-keys (map lists)
};
list_semantics list_type(const bj::object* schema);
/// The schema of member `key` (properties, else additionalProperties) and of array items; null when unknown.
const bj::object* child_schema(const bj::object* schema, std::string_view key);
const bj::object* items_schema(const bj::object* schema);
/// Whether every item is an object carrying every map key.
bool map_list_items(const bj::array& items, const std::vector<std::string>& keys);
/// Merges an applied configuration into `live` following the structural schema: objects field by field, map lists
/// item by key, set lists as a union, everything else replaced.
bj::value apply_merge(const bj::value& live, const bj::value& applied, const bj::object* schema);
/// Server-side apply onto `live` (null when creating): merges, detects conflicts, updates managedFields.
result<bj::object> apply_patch(const resource_type& t, const bj::object* live, const bj::object& applied,
                               const write_options& opts, instant now);
/// Records an Update-operation entry for `manager` from the fields that differ between old and next, on top of the
/// managedFields `next` carries (the old ones, or those the request set).
void record_update_fields(const resource_type& t, const bj::object* old, bj::object& next, std::string manager,
                          std::string_view subresource, instant now);
/// Rewrites the managedFields of `obj` in canonical form, dropping entries that own no field (so that `[{}]`
/// clears them, as kube-apiserver documents).
void normalize_managed_fields(bj::object& obj);

// ---- schema (schema.cpp)
/// Prunes unknown fields (reporting them), applies defaults and validates `obj` against a structural schema.
void schema_prune(bj::value& v, const bj::object& schema, std::string path, std::vector<std::string>& unknown,
                  bool root);
void schema_default(bj::value& v, const bj::object& schema);
void schema_validate(const bj::value& v, const bj::object& schema, const std::string& path,
                     std::vector<field_cause>& causes);
/// The known fields of a built-in kind as a structural schema (null: not checked), for fieldValidation.
const bj::object* builtin_schema(const resource_type& t);
/// Drops members of `obj.metadata` that ObjectMeta does not have, reporting them as `metadata.<key>`.
void prune_object_meta(bj::object& obj, std::vector<std::string>& unknown);
/// Structural check of a CRD schema; returns causes for 422.
void schema_check_structural(const bj::object& schema, const std::string& path, std::vector<field_cause>& causes);

// ---- defaulting (defaults.cpp)
/// kube-apiserver's SetDefaults_* for built-in kinds: fills what the client left unset (absent, null or ""),
/// never changes a value it set. Idempotent; applied to every create and every non-status update.
void set_defaults(const resource_type& t, bj::object& obj);
/// A Service's allocated fields (clusterIP(s), ipFamilies, ipFamilyPolicy, node ports): kept from `old` (null on
/// create) when the new object leaves them out, else allocated.
void allocate_service(bj::object& obj, const bj::object* old, std::uint32_t& next_ip, std::int64_t& next_node_port);

// ---- events.k8s.io view (events_view.cpp)
bj::object event_core_to_v1(const bj::object& core);
bj::object event_v1_to_core(const bj::object& v1);

// ---- registry (registry.cpp)
std::vector<resource_type> builtin_types();
/// The StorageClass kind/minikube pre-create (`standard`, annotated as the default class).
bj::object default_storage_class();
/// The `kubernetes` Service kube-apiserver keeps in `default` (ClusterIP 10.96.0.1, port 443 named https).
bj::object kubernetes_service();
/// The `default` ServiceAccount kube-controller-manager creates in every namespace.
bj::object default_service_account();
/// Whether a StorageClass carries `storageclass.kubernetes.io/is-default-class: "true"` (or the beta annotation).
bool is_default_storage_class(const bj::object& sc);
/// Validates a CRD object and fills its status; returns causes on error.
std::vector<field_cause> validate_crd(bj::object& crd);
void fill_crd_status(bj::object& crd, instant now);
/// The resource types a CRD serves (one per served version).
std::vector<resource_type> crd_types(const bj::object& crd);

// ---- storage kinds (storage.cpp)
/// The DefaultStorageClass admission plugin, on PVC create: a claim with no class (no `spec.storageClassName`, not
/// even "", and no beta annotation) gets the default StorageClass (the newest if several are annotated).
void admit_default_storage_class(const object_store::impl& s, bj::object& claim);
/// ValidatePersistentVolume's spec rules: capacity, access modes, reclaim policy, exactly one volume source.
std::vector<field_cause> validate_persistent_volume(const bj::object& pv);
/// The PersistentVolume strategy: `status.lastPhaseTransitionTime` becomes `now` on create (`old` null) and
/// whenever the phase changes.
void stamp_volume_phase(const bj::object* old, bj::object& pv, instant now);

// ---- tables (table.cpp)
struct table_options {
  std::string include_object = "Metadata";   ///< None | Metadata | Object
  bool headers = true;
};
/// `obj` as a meta.k8s.io PartialObjectMetadata (kind, apiVersion and metadata only); defined in media.cpp.
bj::object partial_metadata(const bj::object& obj, std::string_view meta_version);
bj::object make_table(const resource_type& t, const std::vector<const bj::object*>& objs, instant now,
                      const table_options& o, std::string_view list_rv, std::string_view cont = {});
// Computed cells of the built-in printers (table_cells.cpp), as kube-apiserver's printers.go writes them.
/// The wide Containers and Images cells of a workload's pod template (layoutContainerCells), appended to `cells`.
void template_containers(const bj::object& workload, bj::array& cells);
/// spec.selector as metav1.FormatLabelSelector writes it, `<none>` when empty.
std::string label_selector_text(const bj::object& workload);
/// A pod's STATUS as printPod words it: the phase (or status.reason), unless an init container has not completed
/// (`Init:<reason>`, `Init:n/m`) or a container waits or terminated with a reason (`ImagePullBackOff`,
/// `CrashLoopBackOff`, `Completed`, `ExitCode:1`); `Terminating` while deleted.
std::string pod_status_reason(const bj::object& pod);
/// A pod's READY (`ready/total` containers), RESTARTS and READINESS GATES (`<none>` or `ready/total`) cells.
std::string pod_ready(const bj::object& pod);
std::int64_t pod_restarts(const bj::object& pod);
std::string readiness_gates(const bj::object& pod);
/// A node's STATUS (`Ready`, `NotReady` or `Unknown`, then `,SchedulingDisabled`), ROLES (`<none>` when none) and
/// the first address of `type` (`<none>` when none).
std::string node_status(const bj::object& node);
std::string node_roles(const bj::object& node);
std::string node_address(const bj::object& node, std::string_view type);
/// The subjects of `kind` (User, Group, ServiceAccount) a RoleBinding or ClusterRoleBinding names, ", "-joined.
std::string binding_subjects(const bj::object& binding, std::string_view kind);
/// The storage class of a volume or claim (the beta annotation first), and the access modes at `path` as short
/// names (RWO, ROX, RWX, RWOP).
std::string storage_class_of(const bj::object& o);
std::string access_modes(const bj::object& o, std::initializer_list<std::string_view> path);

// ---- access reviews (access_review.cpp)
/// The authorization.k8s.io/v1 reviews served (create-only): SelfSubjectAccessReview, SubjectAccessReview,
/// LocalSubjectAccessReview and SelfSubjectRulesReview.
const std::vector<resource_type>& review_types();
const resource_type* find_review(std::string_view group, std::string_view version, std::string_view plural);

// ---- protobuf (protobuf.cpp)
result<bj::object> decode_protobuf(std::string_view body, const resource_type& t);

struct object_store::impl {
  explicit impl(server_options o);

  server_options opts;
  std::uint64_t rv = 0;
  std::map<resource_key, resource_type> types;
  std::map<std::string, object_map> data;   // storage id → objects
  std::deque<history_entry> history;
  std::uint64_t compacted_rv = 0;          ///< Resuming from an RV below this gets 410.
  std::map<std::uint64_t, std::function<void(const change&)>> subscribers;
  std::uint64_t next_subscriber = 1;
  std::mt19937_64 rng;
  std::optional<instant> background_due;
  std::uint64_t watch_epoch = 0;
  std::uint64_t types_generation = 0;      ///< Bumped when CRDs change what is served.
  std::shared_ptr<int> alive = std::make_shared<int>(0);
  std::unordered_map<std::string, uid_location> by_uid;   ///< uid → location of every stored object.
  // The garbage collector's dependency graph, kept by commit() as kube-controller-manager's graph builder keeps it
  // from its informers: a background pass then looks at what changed, not at every stored object (which made each
  // write cost a parse of every object with owners).
  std::unordered_map<std::string, std::set<uid_location>> dependents_of;   ///< owner uid → objects naming it
  std::set<uid_location> gc_dirty;           ///< dependents and deleting objects changed since the last pass
  std::set<std::string> gc_owner_uids;       ///< owners to look at again: gone, or one of their dependents changed
  std::map<std::string, resource_key> storage_keys;   ///< storage id → resource_key reported in `change`.
  std::deque<change> pending_changes;                  ///< Delivered after the outermost write (re-entrancy safe).
  bool delivering = false;
  bool bootstrapped = false;
  std::uint32_t next_ip = 10;
  std::int64_t next_node_port = 30000;   ///< NodePort and LoadBalancer ports, as --service-node-port-range.
  bool keep_managed_fields_once = false;   ///< Set by apply-create so create() keeps the apply entry.
  std::unique_ptr<store_log> disk;         ///< With a data directory (api_server::persist_to): commits go here.
  std::function<void(const std::string&)> disk_warn;   ///< Told when an append to `disk` failed.

  /// Pre-creates the standard namespaces on first use (at the first `now` seen).
  void bootstrap(instant now);
  /// Takes the objects an earlier server left on disk (store_persist.cpp), as a restarted kube-apiserver finds etcd.
  void restore(stored_state state);
  /// Appends the change just committed at `rv` (`f` null: deleted) to `disk`, and compacts it when due.
  void persist(const std::string& storage, const std::string& ns, const std::string& name, const frozen* f);
  void register_type(const resource_type& t);
  void deliver(change c);

  const resource_type* find(const resource_key& k) const;
  const resource_type* find(std::string_view group, std::string_view version, std::string_view plural) const;
  object_map& objects(const resource_type& t) { return data[t.storage]; }
  const object_map* objects_if(const resource_type& t) const;

  /// Stored object (storage format, parsed) or 404.
  result<obj_ptr> get(const resource_type& t, std::string_view ns, std::string_view name) const;
  /// Stored object text, or null.
  frozen_ptr get_frozen(const resource_type& t, std::string_view ns, std::string_view name) const;
  /// Converts a stored object to the resource's view (apiVersion, events.k8s.io shape).
  bj::object view(const resource_type& t, const bj::object& stored) const;
  bool view_is_identity(const resource_type& t) const;
  /// Converts a client object of view `t` to the storage format.
  bj::object to_storage(const resource_type& t, bj::object obj) const;

  result<bj::object> create(const resource_type& t, std::string ns, bj::object obj, instant now,
                            const write_options& opts);
  /// PUT (also used after patches): `candidate` is the full new object in storage format.
  result<bj::object> update(const resource_type& t, const std::string& ns, const std::string& name,
                            bj::object candidate, instant now, const write_options& opts,
                            std::string_view subresource, std::string_view operation = "Update",
                            std::optional<std::string> precondition_rv = std::nullopt,
                            obj_ptr current = nullptr);   ///< The stored object when the caller has it at hand.
  result<bj::object> patch(const resource_type& t, const std::string& ns, const std::string& name, patch_type type,
                           std::string_view body, instant now, const write_options& opts,
                           std::string_view subresource, bool* created = nullptr);
  result<removal> remove(const resource_type& t, const std::string& ns, const std::string& name, instant now,
                         const delete_options& opts);

  /// Gives `obj` the next resourceVersion and commits it as a `type` change from `prev`, serialized once for the
  /// size limit and storage; with `dry_run` only checks the size (and returns null).
  result<obj_ptr> write_version(const resource_type& t, const std::string& ns, const std::string& name,
                                change_type type, bj::object& obj, obj_ptr prev, bool dry_run);
  /// Commits a state change (new RV already set in `obj` unless deleted) and notifies. `text`: `obj` serialized,
  /// when the caller already has it (else serialized here).
  void commit(const std::string& storage, const std::string& ns, const std::string& name, change_type type,
              obj_ptr obj, obj_ptr prev, std::string text = {});
  /// Updates the dependency graph for the object at `at` going from `before` to `after` (either may be null).
  void track_owners(const uid_location& at, const bj::object* before, const bj::object* after);
  std::uint64_t next_rv() { return ++rv; }
  void schedule_background(instant now);
  /// One background pass (GC, namespace and CRD cleanup); returns whether anything changed.
  bool background_pass(instant now);
  void on_crd_changed();
  std::string new_uid();
  std::string random_suffix(std::size_t n);

  /// Prunes unknown fields (Warn: warnings, Strict: 400) of any kind; defaults and validates custom resources (422).
  habop::status check_custom(const resource_type& t, bj::object& obj, const write_options& opts,
                             std::string_view name);
  /// Kind-independent metadata validation (names, labels) → causes.
  std::vector<field_cause> validate_common(const resource_type& t, const bj::object& obj) const;
};

}  // namespace habop::fake
