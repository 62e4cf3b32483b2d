// Reflector requests: the Accept header for metadata-only caches, the 406 fallback, LIST pages and WATCHes.
#include <habop/operator/list_watch.hpp>

#include <catch2/catch.hpp>

using namespace habop::op;

namespace {

std::string header(const habop::http::request& r, const std::string& name) {
  for (const auto& [k, v] : r.headers)
    if (k == name) return v;
  return {};
}

}  // namespace

TEST_CASE("metadata-only caches ask for PartialObjectMetadata, others for JSON", "[list_watch]") {
  CHECK(accept_header(object_format::full, true) == "application/json");
  CHECK(accept_header(object_format::full, false) == "application/json");
  CHECK(accept_header(object_format::metadata, true) ==
        "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1");
  CHECK(accept_header(object_format::metadata, false) ==
        "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1");
}

TEST_CASE("a 406 makes a metadata reflector fall back to full objects, nothing else does", "[list_watch]") {
  CHECK(next_format(object_format::metadata, 406) == object_format::full);
  for (int status : {200, 400, 401, 403, 404, 410, 415, 429, 500, 0})
    CHECK(next_format(object_format::metadata, status) == object_format::metadata);
  CHECK(next_format(object_format::full, 406) == object_format::full);
  CHECK(next_format(object_format::full, 200) == object_format::full);
}

TEST_CASE("LIST pages carry limit, selector, continue and the Accept header", "[list_watch]") {
  const list_watch_target t{"/api/v1/namespaces/ns/secrets", "habitat=true", 500};
  auto first = list_request(t, object_format::metadata, "");
  CHECK(first.method == "GET");
  CHECK(first.path == "/api/v1/namespaces/ns/secrets");
  CHECK(first.query == std::vector<std::pair<std::string, std::string>>{{"limit", "500"},
                                                                        {"labelSelector", "habitat=true"}});
  CHECK(header(first, "Accept") == "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1");
  CHECK(first.body.empty());

  auto next = list_request(list_watch_target{"/api/v1/pods", "", 100}, object_format::full, "tok en");
  CHECK(next.query == std::vector<std::pair<std::string, std::string>>{{"limit", "100"}, {"continue", "tok en"}});
  CHECK(header(next, "Accept") == "application/json");
  CHECK(next.target() == "/api/v1/pods?limit=100&continue=tok%20en");
}

TEST_CASE("a WATCH resumes from the resource version with bookmarks and a server-side timeout", "[list_watch]") {
  auto w = watch_request(list_watch_target{"/api/v1/secrets", "", 500}, object_format::metadata, "42", 300);
  CHECK(w.query == std::vector<std::pair<std::string, std::string>>{
                       {"watch", "true"}, {"allowWatchBookmarks", "true"}, {"timeoutSeconds", "300"},
                       {"resourceVersion", "42"}});
  CHECK(header(w, "Accept") == "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1");
  auto labelled = watch_request(list_watch_target{"/api/v1/pods", "habitat=true", 500}, object_format::full, "", 600);
  CHECK(labelled.query.back() == std::pair<std::string, std::string>{"labelSelector", "habitat=true"});
  CHECK(header(labelled, "Accept") == "application/json");
}
