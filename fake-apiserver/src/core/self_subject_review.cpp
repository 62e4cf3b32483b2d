// authentication.k8s.io/v1 SelfSubjectReviews (what `kubectl auth whoami` creates): who the request authenticated
// as, after impersonation, answered in status.userInfo and never stored, as
// pkg/registry/authentication/selfsubjectreview/rest.go does.
#include "http.hpp"

namespace habop::fake {

handled serve_self_subject_review(const resource_type& t, const route& r, const http_ctx& c) {
  if (r.k != route::kind::collection || c.req.method != "POST" || !r.ns.empty())
    return reply(status_response(path_not_found()));
  bj::object user{{"username", c.user.name}};
  if (!c.user.uid.empty()) user["uid"] = c.user.uid;
  bj::array groups;
  for (const auto& g : c.user.groups) groups.emplace_back(g);
  if (!groups.empty()) user["groups"] = std::move(groups);
  bj::object out{{"kind", t.kind},
                 {"apiVersion", t.api_version()},
                 {"metadata", bj::object{{"creationTimestamp", nullptr}}},
                 {"status", bj::object{{"userInfo", std::move(user)}}}};
  return reply(json_response(201, serialize(out)));
}

}  // namespace habop::fake
