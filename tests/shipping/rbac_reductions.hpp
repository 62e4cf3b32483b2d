// Test helper: RBAC requests described for messages, and every way to take one permission away from a policy (to
// prove that each rule of deploy/ is needed by some request the operator makes).
#pragma once

#include <string>
#include <vector>

#include <boost/json/array.hpp>

#include <habop/fake_apiserver/rbac.hpp>
#include <habop/json/codec.hpp>

namespace habop::shipping {

/// The operator's ServiceAccount, as the API server authenticates it.
inline constexpr const char* operator_user = "system:serviceaccount:habitat-operator:habitat-operator";

/// `method target` pairs as the operator's ServiceAccount.
inline std::vector<habop::fake::request_attributes> as_operator(
    const std::vector<std::pair<std::string, std::string>>& requests) {
  std::vector<habop::fake::request_attributes> out;
  for (const auto& [method, target] : requests) {
    auto a = habop::fake::resolve_request(method, target);
    a.user = operator_user;
    a.groups = habop::fake::default_groups(operator_user);
    out.push_back(std::move(a));
  }
  return out;
}

/// `patch apps/statefulsets web in ns`, `get path /version`.
inline std::string describe(const habop::fake::request_attributes& a) {
  if (!a.resource_request) return a.verb + " path " + a.path;
  return a.verb + " " + (a.api_group.empty() ? "" : a.api_group + "/") + a.resource +
         (a.subresource.empty() ? "" : "/" + a.subresource) + (a.name.empty() ? "" : " " + a.name) +
         (a.ns.empty() ? " (cluster scope)" : " in " + a.ns);
}

/// The requests of `requests` that `policy` denies, described.
inline std::vector<std::string> denied(const habop::fake::rbac_policy& policy,
                                       const std::vector<habop::fake::request_attributes>& requests) {
  std::vector<std::string> out;
  for (const auto& a : requests) {
    if (!habop::fake::authorize(policy, a).allowed) out.push_back(describe(a));
  }
  return out;
}

/// One permission taken away from a policy; `what` says which.
struct reduction {
  habop::fake::rbac_policy policy;
  std::string what;
};

/// Every way to take one permission away: drop one verb of one rule of one Role or ClusterRole (the whole rule when
/// it has one verb), or one resource of a rule listing several.
inline std::vector<reduction> reductions(const habop::fake::rbac_policy& full) {
  namespace bj = boost::json;
  using habop::fake::rbac_policy;
  const auto str = [](const bj::value& v) {
    return v.is_string() ? std::string(v.get_string()) : habop::json::to_json(v);
  };
  std::vector<reduction> out;
  const auto reduce_roles = [&](std::vector<bj::object> rbac_policy::*roles) {
    for (std::size_t r = 0; r < (full.*roles).size(); ++r) {
      const bj::object& role = (full.*roles)[r];
      const std::string name = str(role.at("kind")) + " " + str(role.at("metadata").at("name"));
      const bj::array& rules = role.at("rules").as_array();
      for (std::size_t i = 0; i < rules.size(); ++i) {
        const std::string rule = name + " rule " + std::to_string(i) + " " + habop::json::to_json(rules[i]);
        const bj::array& verbs = rules[i].at("verbs").as_array();
        for (std::size_t v = 0; v < verbs.size(); ++v) {
          reduction red{full, rule + " without verb " + str(verbs[v])};
          bj::array& reduced_rules = (red.policy.*roles)[r]["rules"].as_array();
          if (verbs.size() == 1) {
            reduced_rules.erase(reduced_rules.begin() + static_cast<std::ptrdiff_t>(i));
          } else {
            bj::array& reduced_verbs = reduced_rules[i].as_object()["verbs"].as_array();
            reduced_verbs.erase(reduced_verbs.begin() + static_cast<std::ptrdiff_t>(v));
          }
          out.push_back(std::move(red));
        }
        const bj::array& resources = rules[i].at("resources").as_array();
        for (std::size_t x = 0; resources.size() > 1 && x < resources.size(); ++x) {
          reduction red{full, rule + " without resource " + str(resources[x])};
          bj::array& reduced = (red.policy.*roles)[r]["rules"].as_array()[i].as_object()["resources"].as_array();
          reduced.erase(reduced.begin() + static_cast<std::ptrdiff_t>(x));
          out.push_back(std::move(red));
        }
      }
    }
  };
  reduce_roles(&rbac_policy::roles);
  reduce_roles(&rbac_policy::cluster_roles);
  return out;
}

/// The reductions that deny none of `requests`: permissions nobody used (empty when every rule is needed).
inline std::vector<std::string> unused(const habop::fake::rbac_policy& full,
                                       const std::vector<habop::fake::request_attributes>& requests) {
  std::vector<std::string> out;
  for (const reduction& r : reductions(full)) {
    if (denied(r.policy, requests).empty()) out.push_back(r.what);
  }
  return out;
}

}  // namespace habop::shipping
