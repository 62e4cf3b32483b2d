// The fake-apiserver's authorization vocabulary: who asks for what (kube-apiserver's authorizer.Attributes), the
// answer, and the hook a server asks (`server_options::access`). No Asio, Beast or JSON.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <habop/fake_apiserver/object_store.hpp>

namespace habop::fake {

/// Who asks for what, as kube-apiserver's `authorizer.Attributes` (the RequestInfo plus the user).
struct request_attributes {
  std::string user;                  ///< `system:serviceaccount:<ns>:<name>`, `system:anonymous`, any user name.
  std::vector<std::string> groups;   ///< `system:authenticated`, `system:serviceaccounts:<ns>`, `system:masters`...
  bool resource_request = true;      ///< False for paths outside `/api/<v>/...` and `/apis/<g>/<v>/...`.
  std::string path;                  ///< The URL path (decisive for non-resource requests: `/version`, `/apis`).
  std::string verb;                  ///< get list watch create update patch delete deletecollection impersonate;
                                     ///< for non-resource requests the lower-cased method.
  std::string api_group;             ///< "" for the core group.
  std::string api_version;
  std::string resource;              ///< Plural, e.g. `habitats`.
  std::string subresource;           ///< `status`, `finalizers`, `scale`... or empty.
  std::string ns;                    ///< Namespace of the request; for `namespaces/<n>` itself, `<n>`.
  std::string name;                  ///< Object name, or the `metadata.name=` of a list/watch field selector.
  bool operator==(const request_attributes&) const = default;
};

/// An authorization decision; `reason` says which binding allowed it (kube-apiserver's RBAC wording), empty on deny.
struct decision {
  bool allowed = false;
  std::string reason;
  bool operator==(const decision&) const = default;
};

/// kube-apiserver's `authorizer.Authorizer`: answers one question against the store's current state (e.g.
/// `make_rbac_access` from rbac.hpp). Runs on the server's thread; must not throw.
using access_fn = std::function<decision(const request_attributes& attrs, const object_store& store)>;

/// One rule of a rules review (authorization.k8s.io/v1 ResourceRule): `verbs` on `resources` of `api_groups`,
/// limited to `resource_names` when any; `*` stands for all.
struct resource_rule {
  std::vector<std::string> verbs, api_groups, resources, resource_names;
  bool operator==(const resource_rule&) const = default;
};

/// A rule on non-resource paths (NonResourceRule): `verbs` on `non_resource_urls` (exact, `*`, or a `prefix*`).
struct non_resource_rule {
  std::vector<std::string> verbs, non_resource_urls;
  bool operator==(const non_resource_rule&) const = default;
};

/// What a user may do in one namespace (SubjectRulesReviewStatus): `incomplete` when the authorizer cannot list
/// everything it allows; `evaluation_error` says what could not be evaluated (e.g. a binding to a missing role).
struct subject_rules {
  std::vector<resource_rule> resource_rules;
  std::vector<non_resource_rule> non_resource_rules;
  bool incomplete = false;
  std::string evaluation_error;
  bool operator==(const subject_rules&) const = default;
};

/// kube-apiserver's `authorizer.RuleResolver` (what a SelfSubjectRulesReview answers): the rules `who.user` with
/// `who.groups` holds in namespace `who.ns` (cluster-wide grants included; other fields are ignored), e.g.
/// `make_rbac_rules` from rbac.hpp. Runs on the server's thread; must not throw.
using rules_fn = std::function<subject_rules(const request_attributes& who, const object_store& store)>;

}  // namespace habop::fake
