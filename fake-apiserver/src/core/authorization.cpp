// The checks between authentication and the handlers, as kube-apiserver's filter chain makes them: impersonation
// (staging/src/k8s.io/apiserver/pkg/endpoints/filters/impersonation.go), authorization of the request, and the
// OwnerReferencesPermissionEnforcement admission checks of a write.
#include "http.hpp"

#include <algorithm>

#include <habop/fake_apiserver/rbac.hpp>
#include <habop/json/codec.hpp>

namespace habop::fake {
namespace {

constexpr std::string_view sa_prefix = "system:serviceaccount:";

// serviceaccount.SplitUsername: `system:serviceaccount:<ns>:<name>` with a valid namespace and name.
std::optional<std::pair<std::string, std::string>> split_service_account(std::string_view user) {
  if (user.substr(0, sa_prefix.size()) != sa_prefix) return std::nullopt;
  const std::string_view rest = user.substr(sa_prefix.size());
  const std::size_t colon = rest.find(':');
  if (colon == std::string_view::npos || rest.find(':', colon + 1) != std::string_view::npos) return std::nullopt;
  std::string ns(rest.substr(0, colon)), name(rest.substr(colon + 1));
  if (ns.empty() || name.empty() || !check_dns_label(ns).empty() || !check_dns_subdomain(name).empty())
    return std::nullopt;
  return std::pair{std::move(ns), std::move(name)};
}

bool contains(const std::vector<std::string>& v, std::string_view s) { return std::find(v.begin(), v.end(), s) != v.end(); }

response denied(const bj::object& status) {
  return json_response(static_cast<int>(status.at("code").as_int64()), habop::json::to_json(status));
}

// One impersonation request (a v1.ObjectReference in KAS) and the attributes of its `impersonate` check.
struct impersonation {
  std::string kind, ns, name, api_version, field_path;
  request_attributes check;
};

// Go's %v of the ObjectReference, for the 500 KAS sends when groups, extras or a uid come without a user.
std::string go_format(const impersonation& i) {
  return "{" + i.kind + " " + i.ns + " " + i.name + "  " + i.api_version + "  " + i.field_path + "}";
}

impersonation make_check(std::string kind, std::string group, std::string resource, std::string name,
                         const user_info& requester) {
  impersonation i;
  i.kind = std::move(kind);
  i.name = name;
  i.check.user = requester.name;
  i.check.groups = requester.groups;
  i.check.verb = "impersonate";
  i.check.api_group = std::move(group);
  i.check.api_version = "v1";
  i.check.resource = std::move(resource);
  i.check.name = std::move(name);
  return i;
}

// buildImpersonationRequests: the user (or ServiceAccount), each group, each extra value, then the uid.
std::vector<impersonation> impersonation_requests(const request& req, const user_info& requester, bool& has_user) {
  std::vector<impersonation> out;
  std::string user, uid;
  std::vector<std::string> groups;
  std::vector<std::pair<std::string, std::string>> extras;
  constexpr std::string_view extra_prefix = "impersonate-extra-";
  for (const auto& [k, v] : req.headers) {
    if (iequals(k, "Impersonate-User") && user.empty()) user = v;
    else if (iequals(k, "Impersonate-Group")) groups.push_back(v);
    else if (iequals(k, "Impersonate-Uid") && uid.empty()) uid = v;
    else if (k.size() > extra_prefix.size() && iequals(k.substr(0, extra_prefix.size()), extra_prefix)) {
      std::string key = percent_decode(k.substr(extra_prefix.size()));
      for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      extras.emplace_back(std::move(key), v);
    }
  }
  has_user = !user.empty();
  if (has_user) {
    if (auto sa = split_service_account(user)) {
      impersonation i = make_check("ServiceAccount", "", "serviceaccounts", sa->second, requester);
      i.ns = i.check.ns = sa->first;
      out.push_back(std::move(i));
    } else {
      out.push_back(make_check("User", "", "users", user, requester));
    }
  }
  for (auto& g : groups) out.push_back(make_check("Group", "", "groups", std::move(g), requester));
  for (auto& [key, value] : extras) {
    impersonation i = make_check("UserExtra", "authentication.k8s.io", "userextras", value, requester);
    i.api_version = "authentication.k8s.io/v1";
    i.field_path = i.check.subresource = key;
    out.push_back(std::move(i));
  }
  if (!uid.empty()) {
    impersonation i = make_check("UID", "authentication.k8s.io", "uids", uid, requester);
    i.api_version = "authentication.k8s.io/v1";
    out.push_back(std::move(i));
  }
  return out;
}

// The user a request impersonates (nullopt when it impersonates nobody), or `refusal` set to the response refusing it.
std::optional<user_info> impersonate(const request& req, const user_info& requester, const object_store& store,
                                     const access_fn& access, std::optional<response>& refusal) {
  bool has_user = false;
  const std::vector<impersonation> asked = impersonation_requests(req, requester, has_user);
  if (asked.empty()) return std::nullopt;
  if (!has_user) {
    std::string list;
    for (const auto& i : asked) list += (list.empty() ? "" : " ") + go_format(i);
    refusal = status_response(error{500, "InternalError",
                                    "Internal error occurred: requested [" + list + "] without impersonating a user",
                                    {}});
    return std::nullopt;
  }
  user_info as;
  bool groups_given = false;
  for (const impersonation& i : asked) {
    if (access && !access(i.check, store).allowed) {
      refusal = denied(forbidden_status(i.check));
      return std::nullopt;
    }
    if (i.kind == "User") as.name = i.name;
    if (i.kind == "ServiceAccount") as.name = std::string(sa_prefix) + i.ns + ":" + i.name;
    if (i.kind == "Group") {
      as.groups.push_back(i.name);
      groups_given = true;
    }
    if (i.kind == "UID") as.uid = i.name;
  }
  if (!groups_given) {
    if (auto sa = split_service_account(as.name))
      as.groups = {"system:serviceaccounts", "system:serviceaccounts:" + sa->first};
  }
  // Every impersonated user is authenticated (anonymous: unauthenticated) unless the groups say otherwise.
  if (as.name == "system:anonymous") {
    if (!contains(as.groups, "system:unauthenticated")) as.groups.emplace_back("system:unauthenticated");
  } else if (!contains(as.groups, "system:authenticated") && !contains(as.groups, "system:unauthenticated")) {
    as.groups.emplace_back("system:authenticated");
  }
  return as;
}

}  // namespace

authorized authorize_request(const request& req, const object_store& store, const access_fn& access) {
  authorized out;
  out.user = user_info{req.user, default_groups(req.user), {}};
  std::optional<user_info> as = impersonate(req, out.user, store, access, out.denial);
  if (out.denial) return out;
  if (as) out.user = std::move(*as);
  if (!access) return out;
  request_attributes a = resolve_request(req.method, req.target);
  a.user = out.user.name;
  a.groups = out.user.groups;
  if (!access(a, store).allowed) {
    out.denial = denied(forbidden_status(a));
    return out;
  }
  for (const request_attributes& check : owner_reference_checks(a, req.body, store)) {
    if (access(check, store).allowed) continue;
    bj::object status = forbidden_status(a);
    status["message"] = owner_reference_forbidden_message(a, check);
    out.denial = denied(std::move(status));
    break;
  }
  return out;
}

}  // namespace habop::fake
