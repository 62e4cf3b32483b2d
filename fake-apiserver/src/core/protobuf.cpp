// Decodes `k8s\0` protobuf envelopes for ConfigMap, Secret and Namespace (what `kubectl create <generator>` sends).
#include "detail.hpp"

namespace habop::fake {
namespace {

// A cursor over protobuf wire format; every read is bounds-checked (hostile input must not crash).
struct reader {
  std::string_view data;
  bool ok = true;

  bool done() const { return data.empty() || !ok; }
  std::uint64_t varint() {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (data.empty()) { ok = false; return 0; }
      auto b = static_cast<unsigned char>(data.front());
      data.remove_prefix(1);
      v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
    }
    ok = false;
    return 0;
  }
  std::string_view bytes() {
    std::uint64_t n = varint();
    if (!ok || n > data.size()) { ok = false; return {}; }
    auto out = data.substr(0, n);
    data.remove_prefix(n);
    return out;
  }
  // Reads one field; returns the field number and wire type, with `payload` for length-delimited fields.
  bool next(std::uint32_t& field, std::uint32_t& wire, std::string_view& payload, std::uint64_t& number) {
    if (done()) return false;
    std::uint64_t key = varint();
    field = static_cast<std::uint32_t>(key >> 3);
    wire = static_cast<std::uint32_t>(key & 7);
    switch (wire) {
      case 0: number = varint(); break;
      case 2: payload = bytes(); break;
      case 1: if (data.size() < 8) ok = false; else data.remove_prefix(8); break;
      case 5: if (data.size() < 4) ok = false; else data.remove_prefix(4); break;
      default: ok = false;
    }
    return ok;
  }
};

// Fields 1 and 2 of a message as strings: a map entry {key, value}, or TypeMeta {apiVersion, kind}.
bool string_pair(std::string_view e, std::string& k, std::string& v) {
  reader r{e};
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
  reader r{m};
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
  reader env{body.substr(4)};
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
  reader r{raw};
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
        reader spec{p};
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
  return obj;
}

}  // namespace habop::fake
