// Protobuf tables of rbac.authorization.k8s.io/v1 (what `kubectl create role|clusterrole|rolebinding|
// clusterrolebinding` sends) and of authorization.k8s.io/v1's access and rules reviews (`kubectl auth can-i [--list]`).
#include "protobuf_schema.hpp"

namespace habop::fake::pb {
namespace {

constexpr field policy_rule_fields[] = {
    {1, "verbs", kind::string, rep},     {2, "apiGroups", kind::string, rep},
    {3, "resources", kind::string, rep}, {4, "resourceNames", kind::string, rep},
    {5, "nonResourceURLs", kind::string, rep},
};
constinit const message policy_rule{"PolicyRule", policy_rule_fields};
constexpr field aggregation_rule_fields[] = {{1, "clusterRoleSelectors", kind::message, rep, &label_selector}};
constinit const message aggregation_rule{"AggregationRule", aggregation_rule_fields};
constexpr field subject_fields[] = {
    {1, "kind", kind::string},  {2, "apiGroup", kind::string, omit},
    {3, "name", kind::string},  {4, "namespace", kind::string, omit},
};
constinit const message subject{"Subject", subject_fields};
constexpr field role_ref_fields[] = {
    {1, "apiGroup", kind::string}, {2, "kind", kind::string}, {3, "name", kind::string}};
constinit const message role_ref{"RoleRef", role_ref_fields};

constexpr field role_fields[] = {
    {1, "metadata", kind::message, 0, &object_meta}, {2, "rules", kind::message, rep, &policy_rule}};
constexpr field cluster_role_fields[] = {
    {1, "metadata", kind::message, 0, &object_meta},
    {2, "rules", kind::message, rep, &policy_rule},
    {3, "aggregationRule", kind::message, 0, &aggregation_rule},
};
// RoleBinding and ClusterRoleBinding share their shape.
constexpr field binding_fields[] = {
    {1, "metadata", kind::message, 0, &object_meta},
    {2, "subjects", kind::message, rep, &subject},
    {3, "roleRef", kind::message, 0, &role_ref},
};

// ---- authorization.k8s.io/v1 access reviews (the selector attributes of 1.31+ are not decoded)

constexpr field resource_attributes_fields[] = {
    {1, "namespace", kind::string, omit}, {2, "verb", kind::string, omit},     {3, "group", kind::string, omit},
    {4, "version", kind::string, omit},   {5, "resource", kind::string, omit}, {6, "subresource", kind::string, omit},
    {7, "name", kind::string, omit},
};
constinit const message resource_attributes{"ResourceAttributes", resource_attributes_fields};
constexpr field non_resource_attributes_fields[] = {{1, "path", kind::string, omit}, {2, "verb", kind::string, omit}};
constinit const message non_resource_attributes{"NonResourceAttributes", non_resource_attributes_fields};
constexpr field extra_entry[] = {{1, "key", kind::string}, {2, "value", kind::string_list}};
constinit const message extra_map{"map<string,ExtraValue>", extra_entry};

constexpr field self_review_spec_fields[] = {
    {1, "resourceAttributes", kind::message, 0, &resource_attributes},
    {2, "nonResourceAttributes", kind::message, 0, &non_resource_attributes},
};
constinit const message self_review_spec{"SelfSubjectAccessReviewSpec", self_review_spec_fields};
constexpr field review_spec_fields[] = {
    {1, "resourceAttributes", kind::message, 0, &resource_attributes},
    {2, "nonResourceAttributes", kind::message, 0, &non_resource_attributes},
    {3, "user", kind::string, omit},
    {4, "groups", kind::string, rep},
    {5, "extra", kind::map, 0, &extra_map},
    {6, "uid", kind::string, omit},
};
constinit const message review_spec{"SubjectAccessReviewSpec", review_spec_fields};
// kubectl sends the zero status (a non-pointer struct); the server answers its own.
constexpr field review_status_fields[] = {
    {1, "allowed", kind::boolean}, {4, "denied", kind::boolean, omit},
    {2, "reason", kind::string, omit}, {3, "evaluationError", kind::string, omit},
};
constinit const message review_status{"SubjectAccessReviewStatus", review_status_fields};
constexpr field self_review_fields[] = {
    {1, "metadata", kind::message, 0, &object_meta},
    {2, "spec", kind::message, 0, &self_review_spec},
    {3, "status", kind::message, 0, &review_status},
};
// SubjectAccessReview and LocalSubjectAccessReview.
constexpr field review_fields[] = {
    {1, "metadata", kind::message, 0, &object_meta},
    {2, "spec", kind::message, 0, &review_spec},
    {3, "status", kind::message, 0, &review_status},
};

// SelfSubjectRulesReview (`kubectl auth can-i --list`); kubectl sends the zero status.
constexpr field rules_review_spec_fields[] = {{1, "namespace", kind::string, omit}};
constinit const message rules_review_spec{"SelfSubjectRulesReviewSpec", rules_review_spec_fields};
constexpr field resource_rule_fields[] = {
    {1, "verbs", kind::string, rep},     {2, "apiGroups", kind::string, rep},
    {3, "resources", kind::string, rep}, {4, "resourceNames", kind::string, rep},
};
constinit const message resource_rule{"ResourceRule", resource_rule_fields};
constexpr field non_resource_rule_fields[] = {
    {1, "verbs", kind::string, rep}, {2, "nonResourceURLs", kind::string, rep}};
constinit const message non_resource_rule{"NonResourceRule", non_resource_rule_fields};
constexpr field rules_review_status_fields[] = {
    {1, "resourceRules", kind::message, rep, &resource_rule},
    {2, "nonResourceRules", kind::message, rep, &non_resource_rule},
    {3, "incomplete", kind::boolean},
    {4, "evaluationError", kind::string, omit},
};
constinit const message rules_review_status{"SubjectRulesReviewStatus", rules_review_status_fields};
constexpr field rules_review_fields[] = {
    {1, "metadata", kind::message, 0, &object_meta},
    {2, "spec", kind::message, 0, &rules_review_spec},
    {3, "status", kind::message, 0, &rules_review_status},
};

}  // namespace

constinit const message role{"Role", role_fields};
constinit const message cluster_role{"ClusterRole", cluster_role_fields};
constinit const message role_binding{"RoleBinding", binding_fields};
constinit const message cluster_role_binding{"ClusterRoleBinding", binding_fields};
constinit const message self_subject_access_review{"SelfSubjectAccessReview", self_review_fields};
constinit const message subject_access_review{"SubjectAccessReview", review_fields};
constinit const message self_subject_rules_review{"SelfSubjectRulesReview", rules_review_fields};

}  // namespace habop::fake::pb
