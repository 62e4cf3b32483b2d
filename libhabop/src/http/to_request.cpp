// Plan operations, status writes and events turned into Kubernetes API request values.
#include <habop/http/to_request.hpp>

#include <cstdint>
#include <string_view>

#include <habop/json/codec.hpp>

namespace habop::http {
namespace bj = boost::json;
namespace {

constexpr const char* content_json = "application/json";
constexpr const char* content_merge_patch = "application/merge-patch+json";
constexpr const char* content_strategic_merge_patch = "application/strategic-merge-patch+json";

request make(const char* method, std::string path, const char* content_type, const bj::object& body,
             bool with_field_manager) {
  request r;
  r.method = method;
  r.path = std::move(path);
  if (with_field_manager) r.query.emplace_back("fieldManager", field_manager);
  r.headers.emplace_back("Content-Type", content_type);
  r.body = json::to_json(body);
  return r;
}

std::string lower_hex(std::uint64_t v) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  do {
    out.insert(out.begin(), digits[v & 15]);
    v >>= 4;
  } while (v);
  return out;
}

std::uint64_t fnv1a(std::string_view a, std::string_view b) {
  std::uint64_t h = 14695981039346656037ull;
  for (std::string_view s : {a, std::string_view("\n", 1), b}) {
    for (unsigned char c : s) {
      h ^= c;
      h *= 1099511628211ull;
    }
  }
  return h;
}

}  // namespace

std::string resource_path(const reconcile::object_ref& ref, bool with_name) {
  std::string path = ref.api_version.find('/') == std::string::npos ? "/api/" : "/apis/";
  path += ref.api_version;
  if (!ref.ns.empty()) {
    path += "/namespaces/";
    path += ref.ns;
  }
  path += '/';
  path += ref.plural;
  if (with_name) {
    path += '/';
    path += ref.name;
  }
  return path;
}

request to_request(const reconcile::operation& op) {
  if (const auto* c = std::get_if<reconcile::create_object>(&op))
    return make("POST", resource_path(c->target, false), content_json, c->body, true);
  if (const auto* p = std::get_if<reconcile::patch_object>(&op))
    return make("PATCH", resource_path(p->target, true),
                p->type == reconcile::patch_type::strategic ? content_strategic_merge_patch : content_merge_patch,
                p->body, true);
  const auto& d = std::get<reconcile::delete_object>(op);
  bj::object preconditions;
  if (!d.target.uid.empty()) preconditions["uid"] = d.target.uid;
  if (!d.resource_version.empty()) preconditions["resourceVersion"] = d.resource_version;
  bj::object body;
  body["kind"] = "DeleteOptions";
  body["apiVersion"] = "v1";
  if (!d.propagation_policy.empty()) body["propagationPolicy"] = d.propagation_policy;
  if (!preconditions.empty()) body["preconditions"] = std::move(preconditions);
  return make("DELETE", resource_path(d.target, true), content_json, body, false);
}

request to_request(const reconcile::object_ref& habitat, const bj::object& status) {
  bj::object body;
  body["status"] = status;
  return make("PATCH", resource_path(habitat, true) + "/status", content_merge_patch, body, true);
}

request to_request(const reconcile::event& e, instant now) {
  const std::string ns = e.regarding.ns.empty() ? "default" : e.regarding.ns;
  const std::uint64_t nanos = static_cast<std::uint64_t>(now.unix_micros) * 1000u + fnv1a(e.reason, e.message) % 1000u;
  const std::string time = to_rfc3339(now);

  bj::object involved;
  involved["apiVersion"] = e.regarding.api_version;
  involved["kind"] = e.regarding.kind;
  if (!e.regarding.ns.empty()) involved["namespace"] = e.regarding.ns;
  involved["name"] = e.regarding.name;
  if (!e.regarding.uid.empty()) involved["uid"] = e.regarding.uid;

  bj::object body;
  body["apiVersion"] = "v1";
  body["kind"] = "Event";
  body["metadata"] = bj::object{{"name", e.regarding.name + "." + lower_hex(nanos)}, {"namespace", ns}};
  body["involvedObject"] = std::move(involved);
  body["reason"] = e.reason;
  body["message"] = e.message;
  body["type"] = e.type;
  body["count"] = 1;
  body["source"] = bj::object{{"component", field_manager}};
  body["firstTimestamp"] = time;
  body["lastTimestamp"] = time;
  body["reportingComponent"] = field_manager;
  body["reportingInstance"] = "";

  reconcile::object_ref events{"v1", "Event", "events", ns, "", ""};
  return make("POST", resource_path(events, false), content_json, body, true);
}

}  // namespace habop::http
