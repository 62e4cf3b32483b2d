// The requests a reflector sends, as values: paged LISTs and WATCHes, full objects or metadata only.
#pragma once

#include <string>
#include <string_view>

#include <habop/http/request.hpp>

namespace habop::op {

/// What a reflector asks the server for.
enum class object_format {
  full,      ///< Whole objects (`Accept: application/json`).
  metadata,  ///< PartialObjectMetadata(List): only apiVersion, kind and metadata travel (client-go's metadata informer).
};

/// One collection to list and watch.
struct list_watch_target {
  std::string path;            ///< `/api/v1/secrets` or `/api/v1/namespaces/ns/secrets`.
  std::string label_selector;  ///< Empty for none.
  int page_size = 500;         ///< LIST `limit`.
  bool operator==(const list_watch_target&) const = default;
};

/// `application/json` for full objects; for metadata
/// `application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1` on a LIST and
/// `application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1` on a WATCH (each event carries one object).
std::string accept_header(object_format format, bool list);

/// The format to ask for after a reply with HTTP `status` to a request made in `format`. A server that cannot
/// serve metadata answers 406 Not Acceptable: then full objects, which a metadata-only cache strips itself
/// (client-go's metadata informer would fail; habop degrades). Any other status keeps the format.
object_format next_format(object_format format, int status);

/// One LIST page: `limit`, the selector, `continue` when not empty, and the Accept header for `format`.
http::request list_request(const list_watch_target& target, object_format format, std::string_view continue_token);

/// A WATCH from `resource_version` with bookmarks, ending server-side after `timeout_seconds`.
http::request watch_request(const list_watch_target& target, object_format format, std::string_view resource_version,
                            int timeout_seconds);

}  // namespace habop::op
