// authorization.k8s.io/v1 SelfSubjectRulesReviews (what `kubectl auth can-i --list` creates): the effective user's
// rules in spec.namespace from the server's rule resolver, answered in `status` and never stored, as
// pkg/registry/authorization/selfsubjectrulesreview/rest.go does.
#include "http.hpp"

namespace habop::fake {
namespace {

bj::array strings(const std::vector<std::string>& values) {
  bj::array out;
  for (const auto& v : values) out.emplace_back(v);
  return out;
}

// What an authorizer without a rule resolver reports, like kube-apiserver's webhook authorizer.
subject_rules unresolvable() {
  subject_rules r;
  r.incomplete = true;
  r.evaluation_error = "the authorizer does not support user rule resolution";
  return r;
}

// AlwaysAllow's RulesFor: every verb on every resource and path.
subject_rules always_allow() {
  subject_rules r;
  r.resource_rules.push_back({{"*"}, {"*"}, {"*"}, {}});
  r.non_resource_rules.push_back({{"*"}, {"*"}});
  return r;
}

// SubjectRulesReviewStatus JSON: the rule lists are always present, the optional list fields only when set.
bj::object status_of(const subject_rules& rules) {
  bj::array resource_rules, non_resource_rules;
  for (const resource_rule& r : rules.resource_rules) {
    bj::object o{{"verbs", strings(r.verbs)}};
    if (!r.api_groups.empty()) o["apiGroups"] = strings(r.api_groups);
    if (!r.resources.empty()) o["resources"] = strings(r.resources);
    if (!r.resource_names.empty()) o["resourceNames"] = strings(r.resource_names);
    resource_rules.push_back(std::move(o));
  }
  for (const non_resource_rule& r : rules.non_resource_rules) {
    bj::object o{{"verbs", strings(r.verbs)}};
    if (!r.non_resource_urls.empty()) o["nonResourceURLs"] = strings(r.non_resource_urls);
    non_resource_rules.push_back(std::move(o));
  }
  bj::object status{{"resourceRules", std::move(resource_rules)},
                    {"nonResourceRules", std::move(non_resource_rules)},
                    {"incomplete", rules.incomplete}};
  if (!rules.evaluation_error.empty()) status["evaluationError"] = rules.evaluation_error;
  return status;
}

}  // namespace

handled serve_rules_review(const object_store& store, const server_options& opts, const resource_type& t,
                           const route& r, const http_ctx& c) {
  if (r.k != route::kind::collection || c.req.method != "POST" || !r.ns.empty())
    return reply(status_response(path_not_found()));
  auto body = decode_body(c, t);
  if (!body) return reply(status_response(body.error()));
  request_attributes who;
  who.ns = string_at(*body, {"spec", "namespace"});
  if (who.ns.empty()) return reply(status_response(bad_request("no namespace on request")));
  who.user = c.user.name;
  who.groups = c.user.groups;
  const subject_rules rules = opts.rules ? opts.rules(who, store) : opts.access ? unresolvable() : always_allow();
  // The REST storage answers a new object holding only the status (the spec is not echoed).
  bj::object out{{"kind", t.kind},
                 {"apiVersion", t.api_version()},
                 {"metadata", bj::object{{"creationTimestamp", nullptr}}},
                 {"spec", bj::object{}},
                 {"status", status_of(rules)}};
  return reply(json_response(201, serialize(out)));
}

}  // namespace habop::fake
