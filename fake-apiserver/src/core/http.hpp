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

/// The request as the handlers see it.
struct http_ctx {
  const request& req;
  instant now;
  std::string path;
  std::vector<std::pair<std::string, std::string>> query;
  std::string accept;
  std::string content_type;

  std::optional<std::string> param(std::string_view k) const;
  bool flag(std::string_view k) const;
  std::string header(std::string_view name) const;
};

route parse_route(std::string_view path);
response json_response(int status, std::string body, std::string content_type = "application/json");
/// Whether the client asked for a meta.k8s.io Table (returns the Content-Type to answer with, or empty).
std::string table_content_type(std::string_view accept);

handled serve_discovery(object_store::impl& s, const route& r, const http_ctx& c);
handled serve_openapi(object_store::impl& s, const route& r, const http_ctx& c);
handled serve_read(object_store::impl& s, const resource_type& t, const route& r, const http_ctx& c);
handled serve_write(object_store::impl& s, const resource_type& t, const route& r, const http_ctx& c);
handled serve_scale(object_store::impl& s, const resource_type& t, const route& r, const http_ctx& c);

/// Everything a watch needs, taken from the query.
struct watch_params {
  std::string ns;
  label_selector labels;
  field_selector fields;
  std::optional<std::uint64_t> from_rv;   ///< unset: synthetic ADDED of the current state
  bool bookmarks = false;
  bool send_initial_events = false;
  std::int64_t timeout_seconds = 1800;
  std::string table_type;                 ///< non-empty: Table events of this content type
  table_options table;
};
/// Opens a watch; may instead return a 410 (handled.watch null) when the RV is too old.
handled open_watch(object_store::impl& s, const resource_type& t, watch_params p, instant now);

}  // namespace habop::fake
