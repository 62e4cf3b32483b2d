// Decodes `k8s\0` protobuf envelopes for ConfigMap, Secret and Namespace (what `kubectl create <generator>` sends).
#include "detail.hpp"
#include "protobuf_wire.hpp"

namespace habop::fake {
namespace {

// Fields 1 and 2 of a message as strings: a map entry {key, value}, or TypeMeta {apiVersion, kind}.
bool string_pair(std::string_view e, std::string& k, std::string& v) {
  pb_reader r{e};
  std::uint32_t f, w;
  std::string_view p;
  std::uint64_t n;
  while (r.next(f, w, p, n)) {
    if (f == 1 && w == 2) k = std::string(p);
    if (f == 2 && w == 2) v = std::string(p);
  }
  return r.ok;
}

bool object_meta(std::string_view m, bj::object& meta) {
  pb_reader r{m};
  std::uint32_t f, w;
  std::string_view p;
  std::uint64_t n;
  while (r.next(f, w, p, n)) {
    if (w != 2) continue;
    std::string k, v;
    switch (f) {
      case 1: meta["name"] = p; break;
      case 2: meta["generateName"] = p; break;
      case 3: meta["namespace"] = p; break;
      case 6: meta["resourceVersion"] = p; break;
      case 11: if (!string_pair(p, k, v)) return false; (*object_at(meta, "labels"))[k] = v; break;
      case 12: if (!string_pair(p, k, v)) return false; (*object_at(meta, "annotations"))[k] = v; break;
      case 14: {
        bj::value& fin = meta["finalizers"];
        if (!fin.is_array()) fin = bj::array{};
        fin.get_array().emplace_back(p);
        break;
      }
      default: break;
    }
  }
  return r.ok;
}

error undecodable(const std::string& why) {
  return unsupported_media("the body of the request was in an unknown format - accepted media types include: "
                           "application/json, application/yaml (protobuf: " + why + ")");
}

}  // namespace

result<bj::object> decode_protobuf(std::string_view body, const resource_type& t) {
  if (!t.builtin || (t.kind != "ConfigMap" && t.kind != "Secret" && t.kind != "Namespace") || !t.group.empty())
    return undecodable("only ConfigMap, Secret and Namespace bodies are supported by this server");
  if (body.size() < 4 || body.substr(0, 4) != std::string_view("k8s\0", 4)) return undecodable("missing k8s envelope");
  pb_reader env{body.substr(4)};
  std::uint32_t f, w;
  std::string_view p, raw;
  std::uint64_t n;
  std::string api_version, kind;
  while (env.next(f, w, p, n)) {
    if (f == 1 && w == 2) {
      string_pair(p, api_version, kind);   // TypeMeta{1: apiVersion, 2: kind}
    } else if (f == 2 && w == 2) {
      raw = p;
    }
  }
  if (!env.ok) return undecodable("malformed envelope");
  if (!kind.empty() && kind != t.kind) return undecodable("kind " + kind + " does not match " + t.kind);
  bj::object obj{{"apiVersion", "v1"}, {"kind", t.kind}, {"metadata", bj::object{}}};
  pb_reader r{raw};
  while (r.next(f, w, p, n)) {
    std::string k, v;
    if (f == 1 && w == 2) {
      if (!object_meta(p, obj["metadata"].get_object())) return undecodable("malformed metadata");
    } else if (t.kind == "ConfigMap") {
      if (f == 2 && w == 2 && string_pair(p, k, v)) (*object_at(obj, "data"))[k] = v;
      else if (f == 3 && w == 2 && string_pair(p, k, v)) (*object_at(obj, "binaryData"))[k] = base64_encode(v);
      else if (f == 4 && w == 0) obj["immutable"] = n != 0;
    } else if (t.kind == "Secret") {
      if (f == 2 && w == 2 && string_pair(p, k, v)) (*object_at(obj, "data"))[k] = base64_encode(v);
      else if (f == 3 && w == 2) obj["type"] = p;
      else if (f == 4 && w == 2 && string_pair(p, k, v)) (*object_at(obj, "stringData"))[k] = v;
      else if (f == 5 && w == 0) obj["immutable"] = n != 0;
    } else if (t.kind == "Namespace") {
      if (f == 2 && w == 2) {
        pb_reader spec{p};
        std::uint32_t f2, w2;
        std::string_view p2;
        std::uint64_t n2;
        bj::array fins;
        while (spec.next(f2, w2, p2, n2))
          if (f2 == 1 && w2 == 2) fins.emplace_back(p2);
        if (!fins.empty()) obj["spec"] = bj::object{{"finalizers", std::move(fins)}};
      }
    }
  }
  if (!r.ok) return undecodable("malformed " + t.kind);
  if (!valid_utf8(obj)) return bad_request("the protobuf body of the " + t.kind + " holds a string that is not UTF-8");
  return obj;
}

}  // namespace habop::fake
