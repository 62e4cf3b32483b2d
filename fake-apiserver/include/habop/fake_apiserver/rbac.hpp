// Optional RBAC enforcement for the fake-apiserver: kube-apiserver's request attributes, RBAC rule evaluation over
// the stored Roles and bindings, and its 403 Forbidden Status, with no Asio or Beast.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/object.hpp>

#include <habop/fake_apiserver/api_server.hpp>
#include <habop/fake_apiserver/authorization.hpp>
#include <habop/fake_apiserver/object_store.hpp>

namespace habop::fake {

/// kube-apiserver's RequestInfoFactory: turns an HTTP method and request-target (`path?query`, percent-encoded)
/// into attributes; `user` and `groups` are left empty. GET without a name is `list`, or `watch` with `watch=true`
/// (or the legacy `/watch/` prefix); DELETE without a name is `deletecollection`; a list or watch whose field
/// selector pins `metadata.name` carries that name, so `resourceNames` rules apply to it.
request_attributes resolve_request(std::string_view method, std::string_view target);

/// The groups kube-apiserver's authenticators attach to a user: ServiceAccounts get `system:serviceaccounts` and
/// `system:serviceaccounts:<ns>`; every authenticated user gets `system:authenticated`; `system:anonymous` gets
/// `system:unauthenticated` instead.
std::vector<std::string> default_groups(std::string_view user);

/// The RBAC objects an authorization decision reads, as stored (rbac.authorization.k8s.io/v1 JSON).
struct rbac_policy {
  std::vector<boost::json::object> roles;
  std::vector<boost::json::object> cluster_roles;
  std::vector<boost::json::object> role_bindings;
  std::vector<boost::json::object> cluster_role_bindings;
  bool operator==(const rbac_policy&) const = default;
};

/// Sorts objects (e.g. parsed from YAML manifests) into a policy by `kind`; other kinds are ignored.
rbac_policy policy_from_objects(const std::vector<boost::json::object>& objects);

/// Reads every Role, ClusterRole, RoleBinding and ClusterRoleBinding from the store (empty when not served).
rbac_policy load_rbac_policy(const object_store& store);

/// kube-apiserver's RBAC authorizer (plus its privileged `system:masters` group): allowed when a ClusterRoleBinding,
/// or a RoleBinding in the request's namespace, binds a subject matching the user (User name, Group, or
/// ServiceAccount as `system:serviceaccount:<ns>:<name>`) to a Role or ClusterRole with a matching rule. Rules match
/// by apiGroups, verbs, resources (`*`, `<resource>/<subresource>`, `*/<subresource>`) and resourceNames, or for
/// non-resource requests by nonResourceURLs (exact, `*`, or a `prefix*`). Version is never considered. Missing
/// roles grant nothing; malformed objects are skipped. Never throws.
decision authorize(const rbac_policy& policy, const request_attributes& attrs);

/// The RBAC rule resolver behind a SelfSubjectRulesReview (the RBAC authorizer's RulesFor over the same bindings
/// `authorize` reads): every rule of the roles bound to `who` by ClusterRoleBindings, and by RoleBindings in `who.ns`,
/// as a resource rule (when it names resources) and a non-resource rule (when it names URLs). `system:masters` also
/// gets cluster-admin's `*` rules, which kube-apiserver's bootstrap policy binds to it. A binding to a missing role
/// adds the lister's NotFound (`clusterrole.rbac.authorization.k8s.io "x" not found`) to `evaluation_error`; the
/// result is never `incomplete`. Never throws.
subject_rules rules_for(const rbac_policy& policy, const request_attributes& who);

/// The `message` of kube-apiserver's 403: `configmaps "x" is forbidden: User "u" cannot get resource "configmaps"
/// in API group "" in the namespace "ns"` (`at the cluster scope` when there is no namespace; `<resource>.<group>`
/// for named groups; `forbidden: User "u" cannot get path "/p"` for non-resource requests).
std::string forbidden_message(const request_attributes& attrs);

/// The complete 403 Status body kube-apiserver sends (kind, apiVersion, metadata, status, message, reason
/// `Forbidden`, details {name, group, kind = resource}, code 403).
boost::json::object forbidden_status(const request_attributes& attrs);

/// The parts of kube-apiserver's bootstrap RBAC policy every client relies on: ClusterRoles `system:discovery`
/// and `system:public-info-viewer` (discovery, OpenAPI, version, health paths) bound to `system:authenticated`
/// (and the latter to `system:unauthenticated`). A server turning RBAC on creates these first.
std::vector<std::pair<resource_key, boost::json::object>> bootstrap_rbac_objects();

/// kube-apiserver's OwnerReferencesPermissionEnforcement admission plugin (plugin/pkg/admission/gc), the checks it
/// adds to a write as further authorization requests: changing the ownerReferences of an existing object needs
/// `delete` on that object; every ownerReference newly set with `blockOwnerDeletion: true` needs `update` on the
/// owner's `<resource>/finalizers` (owner resolved by apiVersion group and kind among the served resources, in the
/// request's namespace). `a` is the write's attributes (create, update or patch, no subresource); the new
/// references are read from `body` (for a patch, those it sets), the old ones from the stored object. A body that
/// is not a JSON object, and owners of unknown kinds, add no check. Never throws.
std::vector<request_attributes> owner_reference_checks(const request_attributes& a, std::string_view body,
                                                       const object_store& store);

/// The 403 message of a denied owner_reference_checks request `check` on the write `write`, as the plugin words it.
std::string owner_reference_forbidden_message(const request_attributes& write, const request_attributes& check);

/// Called with every authorization decision: requests, impersonations, owner_reference_checks and access reviews
/// (e.g. to record what a client asked).
using rbac_audit_fn = std::function<void(const request_attributes& attrs, const decision& d)>;

/// How the fake authorizes requests once RBAC is on.
struct rbac_settings {
  /// Users allowed everything without any binding (the fake's own admin token), like members of `system:masters`.
  std::vector<std::string> superusers{};
  /// Optional; runs on the server's thread, so it must not block and must synchronise what it shares.
  rbac_audit_fn audit{};
};

/// kube-apiserver's `--authorization-mode=RBAC` as a server's `access` hook: `authorize` over the store's current
/// Roles and bindings (read again only after a write), with `settings.superusers` in `system:masters`, every
/// decision passed to `settings.audit`.
access_fn make_rbac_access(rbac_settings settings);

/// make_rbac_access's counterpart for `server_options::rules`: `rules_for` over the store's current Roles and
/// bindings, with `settings.superusers` in `system:masters` (`settings.audit` is not called: no decision is made).
rules_fn make_rbac_rules(rbac_settings settings);

/// The hook signature of a request-level check: nullopt lets the request through, a response is sent instead.
using authorizer_fn = std::function<std::optional<response>(const request& req, const object_store& store)>;

/// The checks a server with `access = make_rbac_access(settings)` makes before routing, as one function: the
/// impersonation headers (the `impersonate` verb), the request as `req.user` (with `default_groups`) or the user
/// it impersonates, then the owner_reference_checks of a write. A denial is the 403 Status above (with the
/// plugin's message for owner references), with `Content-Type: application/json`.
authorizer_fn make_rbac_authorizer(rbac_settings settings);

}  // namespace habop::fake
