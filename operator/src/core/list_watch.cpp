// Reflector requests: LIST pages and WATCHes with the Accept header of the object format, and the 406 fallback.
#include <habop/operator/list_watch.hpp>

namespace habop::op {
namespace {

http::request get(const list_watch_target& target, object_format format, bool list) {
  http::request req{"GET", target.path, {}, {{"Accept", accept_header(format, list)}}, {}};
  return req;
}

}  // namespace

std::string accept_header(object_format format, bool list) {
  if (format == object_format::full) return "application/json";
  return list ? "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1"
              : "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1";
}

object_format next_format(object_format format, int status) {
  return status == 406 ? object_format::full : format;
}

http::request list_request(const list_watch_target& target, object_format format, std::string_view continue_token) {
  http::request req = get(target, format, true);
  req.query.emplace_back("limit", std::to_string(target.page_size));
  if (!target.label_selector.empty()) req.query.emplace_back("labelSelector", target.label_selector);
  if (!continue_token.empty()) req.query.emplace_back("continue", std::string(continue_token));
  return req;
}

http::request watch_request(const list_watch_target& target, object_format format, std::string_view resource_version,
                            int timeout_seconds) {
  http::request req = get(target, format, false);
  req.query = {{"watch", "true"},
               {"allowWatchBookmarks", "true"},
               {"timeoutSeconds", std::to_string(timeout_seconds)},
               {"resourceVersion", std::string(resource_version)}};
  if (!target.label_selector.empty()) req.query.emplace_back("labelSelector", target.label_selector);
  return req;
}

}  // namespace habop::op
