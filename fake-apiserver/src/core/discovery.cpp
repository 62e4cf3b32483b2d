// Discovery: legacy /api, /apis, /api/v1, /apis/g/v documents and aggregated v2/v2beta1, negotiated by Accept.
#include "http.hpp"

#include <algorithm>
#include <cctype>

namespace habop::fake {
namespace {

bj::array verbs(const resource_type& t) {
  if (t.review) return {"create"};
  return {"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"};
}
bj::array sub_verbs() { return {"get", "patch", "update"}; }

bj::array strings(const std::vector<std::string>& v) {
  bj::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

// Kubernetes version priority: GA before beta before alpha, higher numbers first, then lexical.
int version_rank(const std::string& v, int& major, int& minor) {
  major = minor = 0;
  if (v.size() < 2 || v[0] != 'v' || !std::isdigit(static_cast<unsigned char>(v[1]))) return 3;
  std::size_t i = 1;
  while (i < v.size() && std::isdigit(static_cast<unsigned char>(v[i]))) major = major * 10 + (v[i++] - '0');
  if (i == v.size()) return 0;
  int kind = v.compare(i, 4, "beta") == 0 ? 1 : v.compare(i, 5, "alpha") == 0 ? 2 : 3;
  i += kind == 1 ? 4 : kind == 2 ? 5 : 0;
  while (i < v.size() && std::isdigit(static_cast<unsigned char>(v[i]))) minor = minor * 10 + (v[i++] - '0');
  return kind;
}

bool version_before(const std::string& a, const std::string& b) {
  int am, an, bm, bn;
  int ak = version_rank(a, am, an), bk = version_rank(b, bm, bn);
  if (ak != bk) return ak < bk;
  if (am != bm) return am > bm;
  if (an != bn) return an > bn;
  return a < b;
}

// group → versions (preference order) → types
std::map<std::string, std::vector<std::pair<std::string, std::vector<const resource_type*>>>> grouped(
    const object_store::impl& s) {
  std::map<std::string, std::map<std::string, std::vector<const resource_type*>>> g;
  for (const auto& [k, t] : s.types) g[t.group][t.version].push_back(&t);
  for (const auto& t : review_types()) g[t.group][t.version].push_back(&t);
  std::map<std::string, std::vector<std::pair<std::string, std::vector<const resource_type*>>>> out;
  for (auto& [group, versions] : g) {
    auto& list = out[group];
    for (auto& [v, ts] : versions) list.emplace_back(v, std::move(ts));
    std::sort(list.begin(), list.end(), [](const auto& a, const auto& b) { return version_before(a.first, b.first); });
  }
  return out;
}

bj::object aggregated_resource(const resource_type& t) {
  bj::object r{{"resource", t.plural},
               {"responseKind", bj::object{{"group", t.group}, {"version", t.version}, {"kind", t.kind}}},
               {"scope", t.namespaced ? "Namespaced" : "Cluster"},
               {"singularResource", t.singular},
               {"verbs", verbs(t)}};
  if (!t.short_names.empty()) r["shortNames"] = strings(t.short_names);
  if (!t.categories.empty()) r["categories"] = strings(t.categories);
  bj::array subs;
  if (t.has_status)
    subs.push_back(bj::object{{"subresource", "status"},
                              {"responseKind", bj::object{{"group", t.group}, {"version", t.version}, {"kind", t.kind}}},
                              {"verbs", sub_verbs()}});
  if (t.has_scale)
    subs.push_back(bj::object{{"subresource", "scale"},
                              {"responseKind", bj::object{{"group", "autoscaling"}, {"version", "v1"}, {"kind", "Scale"}}},
                              {"verbs", sub_verbs()}});
  if (t.has_log)
    subs.push_back(bj::object{{"subresource", "log"},
                              {"responseKind", bj::object{{"group", t.group}, {"version", t.version}, {"kind", t.kind}}},
                              {"verbs", bj::array{"get"}}});
  if (!subs.empty()) r["subresources"] = std::move(subs);
  return r;
}

bj::object aggregated_group(const std::string& group,
                            const std::vector<std::pair<std::string, std::vector<const resource_type*>>>& versions) {
  bj::array vs;
  for (const auto& [v, ts] : versions) {
    bj::array rs;
    for (const auto* t : ts) rs.push_back(aggregated_resource(*t));
    vs.push_back(bj::object{{"version", v}, {"resources", std::move(rs)}, {"freshness", "Current"}});
  }
  bj::object meta;
  if (!group.empty()) meta["name"] = group;
  return bj::object{{"metadata", std::move(meta)}, {"versions", std::move(vs)}};
}

bj::object legacy_group(const std::string& group,
                        const std::vector<std::pair<std::string, std::vector<const resource_type*>>>& versions) {
  bj::array vs;
  for (const auto& [v, ts] : versions) vs.push_back(bj::object{{"groupVersion", group + "/" + v}, {"version", v}});
  return bj::object{{"name", group}, {"versions", vs}, {"preferredVersion", vs.empty() ? bj::value{} : vs[0]}};
}

// The aggregated discovery version the client accepts first, if any ("v2" or "v2beta1").
std::string aggregated_version(std::string_view accept) {
  while (!accept.empty()) {
    auto comma = accept.find(',');
    std::string_view part = accept.substr(0, comma);
    accept = comma == std::string_view::npos ? std::string_view{} : accept.substr(comma + 1);
    if (part.find("as=APIGroupDiscoveryList") != std::string_view::npos &&
        part.find("g=apidiscovery.k8s.io") != std::string_view::npos) {
      if (part.find("v=v2beta1") != std::string_view::npos) return "v2beta1";
      if (part.find("v=v2") != std::string_view::npos) return "v2";
    }
    if (part.find("application/json") != std::string_view::npos || part.find("*/*") != std::string_view::npos) {
      if (part.find("as=") == std::string_view::npos) return {};
    }
  }
  return {};
}

}  // namespace

handled serve_discovery(object_store::impl& s, const route& r, const http_ctx& c) {
  auto groups = grouped(s);
  if (r.k == route::kind::api_root || r.k == route::kind::apis_root) {
    const std::string agg = aggregated_version(c.accept);
    if (!agg.empty()) {
      bj::array items;
      for (const auto& [group, versions] : groups)
        if ((r.k == route::kind::api_root) == group.empty()) items.push_back(aggregated_group(group, versions));
      bj::object doc{{"kind", "APIGroupDiscoveryList"}, {"apiVersion", "apidiscovery.k8s.io/" + agg},
                     {"metadata", bj::object{}}, {"items", std::move(items)}};
      return reply(json_response(200, serialize(doc),
                                 "application/json;g=apidiscovery.k8s.io;v=" + agg + ";as=APIGroupDiscoveryList"));
    }
    if (r.k == route::kind::api_root)
      return reply(json_response(200, R"({"kind":"APIVersions","versions":["v1"],"serverAddressByClientCIDRs":[{"clientCIDR":"0.0.0.0/0","serverAddress":"127.0.0.1:6443"}]})"));
    bj::array gs;
    for (const auto& [group, versions] : groups)
      if (!group.empty()) gs.push_back(legacy_group(group, versions));
    return reply(json_response(200, serialize(bj::object{{"kind", "APIGroupList"}, {"apiVersion", "v1"}, {"groups", std::move(gs)}})));
  }
  const std::string group = r.legacy ? "" : r.group;
  auto it = groups.find(group);
  if (it == groups.end() || (r.legacy && r.version != "v1")) return reply(status_response(path_not_found()));
  if (r.k == route::kind::group) {
    bj::object g = legacy_group(group, it->second);
    g["kind"] = "APIGroup";
    g["apiVersion"] = "v1";
    return reply(json_response(200, serialize(g)));
  }
  const std::vector<const resource_type*>* ts = nullptr;
  for (const auto& [v, list] : it->second)
    if (v == r.version) ts = &list;
  if (!ts) return reply(status_response(path_not_found()));
  bj::array resources;
  for (const auto* t : *ts) {
    bj::object e{{"name", t->plural}, {"singularName", t->singular}, {"namespaced", t->namespaced},
                 {"kind", t->kind}, {"verbs", verbs(*t)}};
    if (!t->short_names.empty()) e["shortNames"] = strings(t->short_names);
    if (!t->categories.empty()) e["categories"] = strings(t->categories);
    resources.push_back(std::move(e));
    if (t->has_status)
      resources.push_back(bj::object{{"name", t->plural + "/status"}, {"singularName", ""}, {"namespaced", t->namespaced},
                                     {"kind", t->kind}, {"verbs", sub_verbs()}});
    if (t->has_scale)
      resources.push_back(bj::object{{"name", t->plural + "/scale"}, {"singularName", ""}, {"namespaced", t->namespaced},
                                     {"group", "autoscaling"}, {"version", "v1"}, {"kind", "Scale"}, {"verbs", sub_verbs()}});
    if (t->has_log)
      resources.push_back(bj::object{{"name", t->plural + "/log"}, {"singularName", ""}, {"namespaced", t->namespaced},
                                     {"kind", t->kind}, {"verbs", bj::array{"get"}}});
  }
  bj::object doc{{"kind", "APIResourceList"}, {"apiVersion", "v1"},
                 {"groupVersion", group.empty() ? r.version : group + "/" + r.version},
                 {"resources", std::move(resources)}};
  return reply(json_response(200, serialize(doc)));
}

}  // namespace habop::fake
