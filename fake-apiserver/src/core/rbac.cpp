// RBAC rule evaluation as kube-apiserver's rbac authorizer does it (pkg/registry/rbac/validation/rule.go).
#include <habop/fake_apiserver/rbac.hpp>

#include <algorithm>
#include <cctype>

#include <boost/json/array.hpp>
#include <boost/json/string.hpp>

namespace habop::fake {
namespace {

namespace json = boost::json;

const json::object* object_at(const json::object& o, std::string_view key) {
  const auto it = o.find(key);
  return it != o.end() && it->value().is_object() ? &it->value().get_object() : nullptr;
}

std::string_view string_at(const json::object& o, std::string_view key) {
  const auto it = o.find(key);
  return it != o.end() && it->value().is_string() ? std::string_view(it->value().get_string()) : std::string_view();
}

// The strings of an array field; non-strings are skipped (a malformed rule matches less, never more).
std::vector<std::string_view> strings_at(const json::object& o, std::string_view key) {
  std::vector<std::string_view> out;
  const auto it = o.find(key);
  if (it == o.end() || !it->value().is_array()) return out;
  for (const json::value& v : it->value().get_array()) {
    if (v.is_string()) out.emplace_back(v.get_string());
  }
  return out;
}

std::string_view meta_string(const json::object& o, std::string_view key) {
  const json::object* meta = object_at(o, "metadata");
  return meta ? string_at(*meta, key) : std::string_view();
}

bool contains(const std::vector<std::string_view>& values, std::string_view wanted) {
  return std::find(values.begin(), values.end(), wanted) != values.end();
}

bool has_or_star(const std::vector<std::string_view>& values, std::string_view wanted) {
  return contains(values, "*") || contains(values, wanted);
}

bool resource_matches(const json::object& rule, const request_attributes& a) {
  const std::string combined = a.subresource.empty() ? a.resource : a.resource + "/" + a.subresource;
  for (std::string_view r : strings_at(rule, "resources")) {
    if (r == "*" || r == combined) return true;
    if (!a.subresource.empty() && r.size() == a.subresource.size() + 2 && r.substr(0, 2) == "*/" &&
        r.substr(2) == a.subresource) {
      return true;
    }
  }
  return false;
}

bool resource_name_matches(const json::object& rule, const request_attributes& a) {
  const std::vector<std::string_view> names = strings_at(rule, "resourceNames");
  return names.empty() || contains(names, a.name);
}

bool non_resource_url_matches(const json::object& rule, const request_attributes& a) {
  for (std::string_view url : strings_at(rule, "nonResourceURLs")) {
    if (url == "*" || url == a.path) return true;
    if (!url.empty() && url.back() == '*' && a.path.substr(0, url.size() - 1) == url.substr(0, url.size() - 1)) {
      return true;
    }
  }
  return false;
}

bool rule_allows(const json::object& rule, const request_attributes& a) {
  if (!has_or_star(strings_at(rule, "verbs"), a.verb)) return false;
  if (!a.resource_request) return non_resource_url_matches(rule, a);
  return has_or_star(strings_at(rule, "apiGroups"), a.api_group) && resource_matches(rule, a) &&
         resource_name_matches(rule, a);
}

bool role_allows(const json::object& role, const request_attributes& a) {
  const auto it = role.find("rules");
  if (it == role.end() || !it->value().is_array()) return false;
  for (const json::value& rule : it->value().get_array()) {
    if (rule.is_object() && rule_allows(rule.get_object(), a)) return true;
  }
  return false;
}

// The subject of `binding` that applies to the user, if any; `binding_ns` defaults ServiceAccount namespaces.
const json::object* matching_subject(const json::object& binding, std::string_view binding_ns,
                                     const request_attributes& a) {
  const auto it = binding.find("subjects");
  if (it == binding.end() || !it->value().is_array()) return nullptr;
  for (const json::value& v : it->value().get_array()) {
    if (!v.is_object()) continue;
    const json::object& s = v.get_object();
    const std::string_view kind = string_at(s, "kind");
    const std::string_view name = string_at(s, "name");
    if (kind == "User" && !name.empty() && name == a.user) return &s;
    if (kind == "Group" && !name.empty() && std::find(a.groups.begin(), a.groups.end(), name) != a.groups.end()) {
      return &s;
    }
    if (kind == "ServiceAccount" && !name.empty()) {
      std::string_view sa_ns = string_at(s, "namespace");
      if (sa_ns.empty()) sa_ns = binding_ns;
      if (!sa_ns.empty() && a.user == "system:serviceaccount:" + std::string(sa_ns) + ":" + std::string(name)) {
        return &s;
      }
    }
  }
  return nullptr;
}

const json::object* find_named(const std::vector<json::object>& objects, std::string_view ns, std::string_view name) {
  for (const json::object& o : objects) {
    if (meta_string(o, "name") == name && meta_string(o, "namespace") == ns) return &o;
  }
  return nullptr;
}

std::string describe_subject(const json::object& s, std::string_view binding_ns) {
  const std::string kind(string_at(s, "kind"));
  std::string name(string_at(s, "name"));
  if (kind == "ServiceAccount") {
    const std::string_view sa_ns = string_at(s, "namespace");
    name += "/" + std::string(sa_ns.empty() ? binding_ns : sa_ns);
  }
  return kind + " \"" + name + "\"";
}

// The role a binding refers to: a Role in the binding's namespace or a ClusterRole.
const json::object* referenced_role(const rbac_policy& p, const json::object& binding, std::string_view binding_ns) {
  const json::object* ref = object_at(binding, "roleRef");
  if (ref == nullptr) return nullptr;
  const std::string_view kind = string_at(*ref, "kind");
  const std::string_view name = string_at(*ref, "name");
  if (kind == "ClusterRole") return find_named(p.cluster_roles, "", name);
  if (kind == "Role" && !binding_ns.empty()) return find_named(p.roles, binding_ns, name);
  return nullptr;
}

std::vector<std::string> owned(const std::vector<std::string_view>& views) {
  return std::vector<std::string>(views.begin(), views.end());
}

// One grant that applies to a user: a binding naming them as `subject`, and the role it refers to (null: missing).
struct grant {
  const json::object* binding = nullptr;
  std::string_view binding_ns;   // empty for a ClusterRoleBinding
  const json::object* subject = nullptr;
  const json::object* role = nullptr;
};

// The rule resolver's VisitRulesFor, shared by authorize and rules_for: every ClusterRoleBinding, then every
// RoleBinding of `a.ns`, that binds the user; stops when `visit` returns false. Namespaced grants apply in their
// own namespace only, never at cluster scope.
template <class Visit>
void visit_grants(const rbac_policy& p, const request_attributes& a, Visit visit) {
  for (const json::object& binding : p.cluster_role_bindings) {
    const json::object* subject = matching_subject(binding, "", a);
    if (subject != nullptr && !visit(grant{&binding, {}, subject, referenced_role(p, binding, "")})) return;
  }
  if (a.ns.empty()) return;
  for (const json::object& binding : p.role_bindings) {
    const std::string_view binding_ns = meta_string(binding, "namespace");
    if (binding_ns != a.ns) continue;
    const json::object* subject = matching_subject(binding, binding_ns, a);
    if (subject != nullptr && !visit(grant{&binding, binding_ns, subject, referenced_role(p, binding, binding_ns)}))
      return;
  }
}

}  // namespace

rbac_policy policy_from_objects(const std::vector<boost::json::object>& objects) {
  rbac_policy p;
  for (const json::object& o : objects) {
    const std::string_view kind = string_at(o, "kind");
    if (kind == "Role") p.roles.push_back(o);
    else if (kind == "ClusterRole") p.cluster_roles.push_back(o);
    else if (kind == "RoleBinding") p.role_bindings.push_back(o);
    else if (kind == "ClusterRoleBinding") p.cluster_role_bindings.push_back(o);
  }
  return p;
}

rbac_policy load_rbac_policy(const object_store& store) {
  const auto read = [&store](std::string plural) {
    const resource_key key{"rbac.authorization.k8s.io", "v1", std::move(plural)};
    if (!store.serves(key)) return std::vector<json::object>{};
    auto listed = store.list(key, "");
    return listed ? std::move(*listed) : std::vector<json::object>{};
  };
  rbac_policy p;
  p.roles = read("roles");
  p.cluster_roles = read("clusterroles");
  p.role_bindings = read("rolebindings");
  p.cluster_role_bindings = read("clusterrolebindings");
  return p;
}

decision authorize(const rbac_policy& policy, const request_attributes& a) {
  if (std::find(a.groups.begin(), a.groups.end(), "system:masters") != a.groups.end()) {
    return {true, "allowed: member of system:masters"};
  }
  decision d;
  visit_grants(policy, a, [&](const grant& g) {
    if (g.role == nullptr || !role_allows(*g.role, a)) return true;
    const json::object& ref = *object_at(*g.binding, "roleRef");
    const std::string binding(meta_string(*g.binding, "name"));
    d = {true, "RBAC: allowed by " +
                   (g.binding_ns.empty() ? "ClusterRoleBinding \"" + binding + "\""
                                         : "RoleBinding \"" + binding + "/" + std::string(g.binding_ns) + "\"") +
                   " of " + std::string(string_at(ref, "kind")) + " \"" + std::string(string_at(ref, "name")) +
                   "\" to " + describe_subject(*g.subject, g.binding_ns)};
    return false;
  });
  return d;
}

subject_rules rules_for(const rbac_policy& policy, const request_attributes& who) {
  subject_rules out;
  // kube-apiserver's bootstrap policy binds cluster-admin (`*` on everything) to system:masters.
  if (std::find(who.groups.begin(), who.groups.end(), "system:masters") != who.groups.end()) {
    out.resource_rules.push_back({{"*"}, {"*"}, {"*"}, {}});
    out.non_resource_rules.push_back({{"*"}, {"*"}});
  }
  std::vector<std::string> errors;
  visit_grants(policy, who, [&](const grant& g) {
    if (g.role == nullptr) {
      // The role lister's NotFound, e.g. `clusterrole.rbac.authorization.k8s.io "x" not found`.
      const json::object* ref = object_at(*g.binding, "roleRef");
      std::string kind(ref ? string_at(*ref, "kind") : "");
      for (char& c : kind) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      std::string error = kind + ".rbac.authorization.k8s.io \"" + std::string(ref ? string_at(*ref, "name") : "") +
                          "\" not found";
      if (std::find(errors.begin(), errors.end(), error) == errors.end()) errors.push_back(std::move(error));
      return true;
    }
    const auto it = g.role->find("rules");
    if (it == g.role->end() || !it->value().is_array()) return true;
    for (const json::value& v : it->value().get_array()) {
      if (!v.is_object()) continue;
      const json::object& rule = v.get_object();
      // The RBAC authorizer's RulesFor: a rule naming both resources and URLs yields one rule of each kind.
      if (!strings_at(rule, "resources").empty())
        out.resource_rules.push_back({owned(strings_at(rule, "verbs")), owned(strings_at(rule, "apiGroups")),
                                      owned(strings_at(rule, "resources")), owned(strings_at(rule, "resourceNames"))});
      if (!strings_at(rule, "nonResourceURLs").empty())
        out.non_resource_rules.push_back(
            {owned(strings_at(rule, "verbs")), owned(strings_at(rule, "nonResourceURLs"))});
    }
    return true;
  });
  // utilerrors.NewAggregate's wording: duplicates dropped, one error as is, several as `[a, b]`.
  for (std::size_t i = 0; i < errors.size(); ++i) out.evaluation_error += (i == 0 ? "" : ", ") + errors[i];
  if (errors.size() > 1) out.evaluation_error = "[" + out.evaluation_error + "]";
  return out;
}

}  // namespace habop::fake
