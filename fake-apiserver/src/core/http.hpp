// Internal HTTP-side vocabulary of the core: parsed routes, request context and the per-topic serve functions.
#pragma once

#include "detail.hpp"

namespace habop::fake {

/// Where a request-target points.
struct route {
  enum class kind { unknown, version, health, api_root, apis_root, group, group_version, openapi_index, openapi_doc,
                    openapi_v2, collection, item };
  kind k = kind::unknown;
  bool legacy = false;            ///< /api/v1 (core) rather than /apis/g/v
  std::string group, version, plural, ns, name, sub;
  std::string openapi_gv;         ///< `api/v1` or `apis/g/v`
  bool watch_path = false;        ///< deprecated /watch/ prefix
};

/// Who a request runs as (kube-apiserver's user.Info; `extra` is not modelled).
struct user_info {
  std::string name;
  std::vector<std::string> groups;
  std::string uid;
};

/// What authorize_request decided: the response refusing the request, or the user it runs as.
struct authorized {
  std::optional<response> denial;
  user_info user;
};

/// kube-apiserver's filters between authentication and the handlers (authorization.cpp): impersonation (403 unless
/// the requester may `impersonate` each user, group, extra and uid named; 500 for any of them without a user), the
/// request as the effective user, then the owner_reference_checks of a write. Unset `access` allows everything.
authorized authorize_request(const request& req, const object_store& store, const access_fn& access);

/// The request as the handlers see it.
struct http_ctx {
  const request& req;
  instant now;
  std::string path;
  std::vector<std::pair<std::string, std::string>> query;
  std::string accept;
  std::string content_type;
  user_info user;   ///< The effective user (after impersonation), for SelfSubjectAccessReviews.

  std::optional<std::string> param(std::string_view k) const;
  bool flag(std::string_view k) const;
  std::string header(std::string_view name) const;
};

route parse_route(std::string_view path);
response json_response(int status, std::string body, std::string content_type = "application/json");
/// What a read answers with, chosen from the Accept header (media.cpp).
struct rendering {
  enum class shape { object, table, metadata };
  shape kind = shape::object;                    ///< The resource's own JSON, a Table, or PartialObjectMetadata.
  std::string content_type = "application/json";
  std::string meta_version;                      ///< meta.k8s.io version (v1, v1beta1) of Table / metadata shapes.
};
enum class request_shape { get, list, watch };
/// Picks the first acceptable media range; 406 NotAcceptable when every range asks for an unsupported `as=`.
result<rendering> negotiate(std::string_view accept, request_shape shape);

/// One operation of an OpenAPI path: HTTP method (lower case), `x-kubernetes-action` and its query parameters.
struct api_operation {
  std::string method, action;
  std::vector<std::string> query;
};
/// One OpenAPI path of a resource (`/api/v1/namespaces/{namespace}/configmaps/{name}`) and its operations.
struct api_path {
  std::string path;
  std::vector<api_operation> ops;
};
/// The paths KAS publishes for a resource (collection, item, status), shared by the OpenAPI v2 and v3 documents.
std::vector<api_path> api_paths(const resource_type& t);

/// A handler's finished answer (no watch opened).
inline handled reply(response r) { return handled{std::move(r), nullptr}; }

handled serve_discovery(object_store::impl& s, const route& r, const http_ctx& c);
handled serve_openapi(object_store::impl& s, const route& r, const http_ctx& c);
/// GET /openapi/v2: JSON, or gnostic protobuf when the Accept header asks for it (kubectl 1.27's fieldValidation probe).
handled serve_openapi_v2(const object_store::impl& s, const http_ctx& c);
handled serve_read(object_store::impl& s, const resource_type& t, const route& r, const http_ctx& c);
handled serve_write(object_store::impl& s, const resource_type& t, const route& r, const http_ctx& c);
/// The field manager of a write: `?fieldManager=` (at most 128 bytes of printable UTF-8, else 422) or, when absent,
/// the User-Agent up to its first `/` with what is not printable UTF-8 dropped, as kube-apiserver derives it.
result<std::string> field_manager(const http_ctx& c);
/// Decodes a create/update body per Content-Type: JSON, YAML, or (a few built-ins) protobuf.
result<bj::object> decode_body(const http_ctx& c, const resource_type& t);
/// POST of an access review (review_types): the spec's question answered by `access` (AlwaysAllow when unset).
handled serve_review(const object_store& store, const access_fn& access, const resource_type& t, const route& r,
                     const http_ctx& c);
/// POST of a SelfSubjectRulesReview (rules_review.cpp): the effective user's rules in spec.namespace from
/// `opts.rules`, or what server_options::rules documents when it is unset; 400 without a namespace.
handled serve_rules_review(const object_store& store, const server_options& opts, const resource_type& t,
                           const route& r, const http_ctx& c);
/// POST of an authentication.k8s.io/v1 SelfSubjectReview (self_subject_review.cpp, `kubectl auth whoami`): the
/// effective user in status.userInfo, never stored; the body is not read, as it has no spec.
handled serve_self_subject_review(const resource_type& t, const route& r, const http_ctx& c);
handled serve_scale(object_store::impl& s, const resource_type& t, const route& r, const http_ctx& c);
/// GET pods/{name}/log (pod_log.cpp): a simulated Habitat Supervisor log as `text/plain`, after kube-apiserver's and
/// the kubelet's checks of PodLogOptions (container, previous, tailLines, limitBytes, sinceSeconds/sinceTime,
/// timestamps); `follow` sends the same log and ends the response.
handled serve_pod_log(const object_store::impl& s, const resource_type& t, const route& r, const http_ctx& c);
/// The container a pods/log, exec or attach request names, as kube-apiserver's validateContainer picks it (init,
/// app, then ephemeral containers), and whether it is an init container; 400 when none or an unknown one is named.
result<std::pair<const bj::object*, bool>> pick_container(const bj::object& pod, const std::string& wanted);
/// GET or POST pods/{name}/exec, attach or portforward (pod_connect.cpp): kube-apiserver's checks of the pod, its
/// container and its node, then the kubelet it would stream from, which the simulation does not run: a 500 like
/// kube-apiserver's "error dialing backend" that says so, never a 404 or a hang.
handled serve_pod_connect(const object_store::impl& s, const resource_type& t, const route& r, const http_ctx& c);

/// Everything a watch needs, taken from the query.
struct watch_params {
  std::string ns;
  label_selector labels;
  field_selector fields;
  std::optional<std::uint64_t> from_rv;   ///< unset: synthetic ADDED of the current state
  bool bookmarks = false;
  bool send_initial_events = false;
  std::int64_t timeout_seconds = 1800;
  rendering render;                       ///< Table or PartialObjectMetadata events instead of objects
  table_options table;
};
/// Opens a watch; may instead return a 410 (handled.watch null) when the RV is too old.
handled open_watch(object_store::impl& s, const resource_type& t, watch_params p, instant now);

}  // namespace habop::fake
