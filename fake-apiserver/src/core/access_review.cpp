// authorization.k8s.io/v1 access reviews (what `kubectl auth can-i` creates): the question in the spec is put to
// the server's authorizer (`server_options::access`; AlwaysAllow when unset) and answered in `status`, unstored.
#include "http.hpp"

namespace habop::fake {
namespace {

resource_type review(std::string plural, std::string kind, bool namespaced,
                     std::string group = "authorization.k8s.io") {
  resource_type t;
  t.group = std::move(group);
  t.version = "v1";
  t.singular = plural.substr(0, plural.size() - 1);
  t.plural = std::move(plural);
  t.kind = std::move(kind);
  t.namespaced = namespaced;
  t.review = true;
  t.storage_version = t.api_version();
  return t;
}

// The attributes a review asks about, from spec.resourceAttributes or spec.nonResourceAttributes.
request_attributes asked(const bj::object& spec) {
  request_attributes a;
  if (const bj::value* res = spec.if_contains("resourceAttributes"); res && res->is_object()) {
    const bj::object& r = res->get_object();
    a.ns = string_at(r, {"namespace"});
    a.verb = string_at(r, {"verb"});
    a.api_group = string_at(r, {"group"});
    a.api_version = string_at(r, {"version"});
    a.resource = string_at(r, {"resource"});
    a.subresource = string_at(r, {"subresource"});
    a.name = string_at(r, {"name"});
  } else if (const bj::value* non = spec.if_contains("nonResourceAttributes"); non && non->is_object()) {
    a.resource_request = false;
    a.path = string_at(non->get_object(), {"path"});
    a.verb = string_at(non->get_object(), {"verb"});
  }
  return a;
}

// ValidateSubjectAccessReviewSpec and its Self and Local variants.
std::vector<field_cause> validate(const resource_type& t, const bj::object& spec) {
  std::vector<field_cause> causes;
  const bj::value* res = spec.if_contains("resourceAttributes");
  const bj::value* non = spec.if_contains("nonResourceAttributes");
  const bool has_res = res && res->is_object(), has_non = non && non->is_object();
  if (has_res && has_non)
    causes.push_back({"spec.nonResourceAttributes", "FieldValueInvalid",
                      "Invalid value: \"object\": cannot be specified in combination with resourceAttributes"});
  if (!has_res && !has_non)
    causes.push_back({"spec.resourceAttributes", "FieldValueInvalid",
                      "Invalid value: \"null\": exactly one of nonResourceAttributes or resourceAttributes must be "
                      "specified"});
  if (t.kind == "LocalSubjectAccessReview" && has_non)
    causes.push_back({"spec.nonResourceAttributes", "FieldValueInvalid",
                      "Invalid value: \"object\": disallowed on this kind of request"});
  if (t.kind != "SelfSubjectAccessReview" && string_at(spec, {"user"}).empty() && string_list(spec, {"groups"}).empty())
    causes.push_back({"spec.user", "FieldValueInvalid",
                      "Invalid value: \"\": at least one of user or group must be specified"});
  return causes;
}

}  // namespace

const std::vector<resource_type>& review_types() {
  static const std::vector<resource_type> types{
      review("selfsubjectaccessreviews", "SelfSubjectAccessReview", false),
      review("subjectaccessreviews", "SubjectAccessReview", false),
      review("localsubjectaccessreviews", "LocalSubjectAccessReview", true),
      review("selfsubjectrulesreviews", "SelfSubjectRulesReview", false),   // served by rules_review.cpp
      review("selfsubjectreviews", "SelfSubjectReview", false, "authentication.k8s.io")};   // self_subject_review.cpp
  return types;
}

const resource_type* find_review(std::string_view group, std::string_view version, std::string_view plural) {
  for (const resource_type& t : review_types())
    if (t.group == group && t.version == version && t.plural == plural) return &t;
  return nullptr;
}

handled serve_review(const object_store& store, const access_fn& access, const resource_type& t, const route& r,
                     const http_ctx& c) {
  if (r.k != route::kind::collection || c.req.method != "POST" || (t.namespaced && r.ns.empty()) ||
      (!t.namespaced && !r.ns.empty()))
    return reply(status_response(path_not_found()));
  auto body = decode_body(c, t);
  if (!body) return reply(status_response(body.error()));
  bj::object obj = std::move(*body);
  bj::object& spec = *object_at(obj, "spec");
  if (auto causes = validate(t, spec); !causes.empty())
    return reply(status_response(invalid(t, string_at(obj, {"metadata", "name"}), std::move(causes))));
  if (t.namespaced) {
    bj::object& res = *object_at(spec, "resourceAttributes");
    const std::string ns = string_at(res, {"namespace"});
    if (ns.empty()) res["namespace"] = r.ns;
    else if (ns != r.ns) return reply(status_response(bad_request("spec.resourceAttributes.namespace must match namespace: " + r.ns)));
  }
  request_attributes a = asked(spec);
  if (t.kind == "SelfSubjectAccessReview") {
    a.user = c.user.name;
    a.groups = c.user.groups;
  } else {
    a.user = string_at(spec, {"user"});
    a.groups = string_list(spec, {"groups"});
  }
  const decision d = access ? access(a, store) : decision{true, {}};
  bj::object status{{"allowed", d.allowed}};
  if (!d.reason.empty()) status["reason"] = d.reason;
  obj["kind"] = t.kind;
  obj["apiVersion"] = t.api_version();
  (*object_at(obj, "metadata"))["creationTimestamp"] = nullptr;
  obj["status"] = std::move(status);
  return reply(json_response(201, serialize(obj)));
}

}  // namespace habop::fake
