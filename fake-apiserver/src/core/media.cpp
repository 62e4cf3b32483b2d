// Content negotiation of reads (Accept): plain JSON, meta.k8s.io Table, PartialObjectMetadata(List), or 406.
#include "http.hpp"

namespace habop::fake {
namespace {

// One media range: `type/subtype;k=v;...` with the parameters KAS negotiates on.
struct media_range {
  std::string_view type, as, g, v;
};

media_range parse_range(std::string_view part) {
  media_range m;
  auto semi = part.find(';');
  m.type = trim_blanks(part.substr(0, semi));
  while (semi != std::string_view::npos) {
    part.remove_prefix(semi + 1);
    semi = part.find(';');
    std::string_view p = trim_blanks(part.substr(0, semi));
    auto eq = p.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view k = trim_blanks(p.substr(0, eq)), val = trim_blanks(p.substr(eq + 1));
    if (k == "as") m.as = val;
    else if (k == "g") m.g = val;
    else if (k == "v") m.v = val;
  }
  return m;
}

bool json_like(std::string_view type) {
  return type == "application/json" || type == "*/*" || type == "application/*" || type.empty();
}

}  // namespace

result<rendering> negotiate(std::string_view accept, request_shape shape) {
  bool any = false;
  std::string_view rest = accept;
  while (!rest.empty()) {
    auto comma = rest.find(',');
    media_range m = parse_range(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    if (m.type.empty() && m.as.empty()) continue;
    any = true;
    if (m.as.empty()) return rendering{};   // JSON (YAML and protobuf clients also get JSON)
    if (!json_like(m.type) || m.g != "meta.k8s.io" || (m.v != "v1" && m.v != "v1beta1")) continue;
    const std::string v(m.v);
    if (m.as == "Table")
      return rendering{rendering::shape::table, "application/json;as=Table;v=" + v + ";g=meta.k8s.io", v};
    const bool list_kind = m.as == "PartialObjectMetadataList";
    if (m.as != "PartialObjectMetadata" && !list_kind) continue;
    // A list answers only with the List kind, a get only with the item kind; a watch streams items (either asks).
    if ((shape == request_shape::list && !list_kind) || (shape == request_shape::get && list_kind)) continue;
    return rendering{rendering::shape::metadata, "application/json;as=" + std::string(m.as) + ";v=" + v + ";g=meta.k8s.io", v};
  }
  if (!any) return rendering{};
  const std::string meta = shape == request_shape::list ? "PartialObjectMetadataList" : "PartialObjectMetadata";
  return error{406, "NotAcceptable",
               "only the following media types are accepted: application/json, "
               "application/json;as=Table;v=v1;g=meta.k8s.io, application/json;as=" + meta + ";v=v1;g=meta.k8s.io",
               {}};
}

bj::object partial_metadata(const bj::object& obj, std::string_view meta_version) {
  const bj::value* meta = obj.if_contains("metadata");
  return bj::object{{"kind", "PartialObjectMetadata"},
                    {"apiVersion", "meta.k8s.io/" + std::string(meta_version)},
                    {"metadata", meta && meta->is_object() ? meta->get_object() : bj::object{}}};
}

}  // namespace habop::fake
