// GET handlers: get, list (selectors, paging, RV semantics, Tables) and the hand-off to watch.
#include "http.hpp"


#include <habop/json/codec.hpp>

namespace habop::fake {
namespace {

error expired(std::string msg) { return error{410, "Expired", std::move(msg), {}}; }

std::string continue_token(std::uint64_t rv, const std::pair<std::string, std::string>& key) {
  bj::object o{{"v", "meta.k8s.io/v1"}, {"rv", rv}, {"ns", key.first}, {"start", key.second}};
  return base64_encode(serialize(o));
}

table_options table_opts(const http_ctx& c) {
  table_options o;
  if (auto v = c.param("includeObject")) o.include_object = *v;
  return o;
}

// Writes one object as JSON, converting views only when needed (the common case copies the stored text).
void append_object(std::string& out, const object_store::impl& s, const resource_type& t, const frozen& f) {
  if (s.view_is_identity(t)) out += f.text;
  else out += serialize(s.view(t, *thaw(f)));
}

}  // namespace

handled serve_read(object_store::impl& s, const resource_type& t, const route& r, const http_ctx& c) {
  const bool watching = c.flag("watch") || r.watch_path;
  const bool single = r.k == route::kind::item && !r.watch_path;
  auto negotiated = negotiate(c.accept, single ? request_shape::get : watching ? request_shape::watch : request_shape::list);
  if (!negotiated) return reply(status_response(negotiated.error()));
  const rendering& render = *negotiated;
  if (single) {
    frozen_ptr f = s.get_frozen(t, r.ns, r.name);
    if (!f) return reply(status_response(not_found(t.qualified(), r.name)));
    if (render.kind == rendering::shape::table) {
      obj_ptr o = thaw(*f);
      bj::object view_obj = s.view(t, *o);
      std::vector<const bj::object*> objs{&view_obj};
      return reply(json_response(200, serialize(make_table(t, objs, c.now, table_opts(c), string_at(*o, {"metadata", "resourceVersion"}))), render.content_type));
    }
    if (render.kind == rendering::shape::metadata)
      return reply(json_response(200, serialize(partial_metadata(*thaw(*f), render.meta_version)), render.content_type));
    if (s.view_is_identity(t)) return reply(json_response(200, f->text));
    return reply(json_response(200, serialize(s.view(t, *thaw(*f)))));
  }
  auto ls = parse_label_selector(c.param("labelSelector").value_or(""));
  if (!ls) return reply(status_response(ls.error()));
  auto fs = parse_field_selector(c.param("fieldSelector").value_or(""), t);
  if (!fs) return reply(status_response(fs.error()));
  std::string ns = r.ns;
  if (r.k == route::kind::item) {   // legacy /watch/.../name
    fs->reqs.push_back({"metadata.name", false, r.name});
  }
  const std::string rv_param = c.param("resourceVersion").value_or("");
  if (watching) {
    watch_params p;
    p.ns = ns;
    p.labels = std::move(*ls);
    p.fields = std::move(*fs);
    p.bookmarks = c.flag("allowWatchBookmarks");
    p.send_initial_events = c.flag("sendInitialEvents");
    if (!rv_param.empty() && rv_param != "0") {
      auto v = parse_integer<std::uint64_t>(rv_param);
      if (!v) return reply(status_response(bad_request("invalid resource version: " + rv_param)));
      p.from_rv = *v;
    }
    if (p.send_initial_events && !p.bookmarks)
      return reply(status_response(error{422, "Invalid", "ListOptions.meta.k8s.io \"\" is invalid: allowWatchBookmarks: Required value: allowWatchBookmarks must be set to true when sendInitialEvents is set",
                                         {{"allowWatchBookmarks", "FieldValueRequired", "Required value"}}}));
    if (auto ts = c.param("timeoutSeconds")) {
      auto v = parse_integer<std::uint64_t>(*ts);
      if (v && *v > 0) p.timeout_seconds = static_cast<std::int64_t>(*v);
    }
    p.render = render;
    p.table = table_opts(c);
    return open_watch(s, t, std::move(p), c.now);
  }
  // LIST
  const std::string cont = c.param("continue").value_or("");
  std::uint64_t list_rv = s.rv;
  std::pair<std::string, std::string> start;
  bool has_start = false;
  if (!cont.empty()) {
    if (!rv_param.empty()) return reply(status_response(bad_request("specifying resource version is not allowed when using continue")));
    auto raw = base64_decode(cont);
    auto j = raw ? habop::json::parse_json(*raw) : result<bj::value>(bad_request("x"));
    if (!j || !j->is_object() || !j->get_object().contains("rv"))
      return reply(status_response(bad_request("continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)")));
    const bj::object& tok = j->get_object();
    const bj::value& tv = tok.at("rv");
    list_rv = tv.is_uint64() ? tv.get_uint64() : tv.is_int64() ? static_cast<std::uint64_t>(tv.get_int64()) : 0;
    if (list_rv < s.compacted_rv)
      return reply(status_response(expired("The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.")));
    start = {string_at(tok, {"ns"}), string_at(tok, {"start"})};
    has_start = true;
  } else if (!rv_param.empty() && rv_param != "0") {
    auto v = parse_integer<std::uint64_t>(rv_param);
    if (!v) return reply(status_response(bad_request("invalid resource version: " + rv_param)));
    if (*v > s.rv)
      return reply(status_response(too_large_resource_version(*v, s.rv)));
    if (c.param("resourceVersionMatch").value_or("") == "Exact" && *v != s.rv && *v < s.compacted_rv)
      return reply(status_response(expired("too old resource version: " + rv_param + " (" + std::to_string(s.compacted_rv) + ")")));
  }
  std::size_t limit = 0;
  if (auto l = c.param("limit")) {
    if (auto v = parse_integer<std::uint64_t>(*l)) limit = static_cast<std::size_t>(*v);
  }
  std::vector<const frozen*> items;
  std::string next_token;
  std::int64_t remaining = 0;
  const bool filtered = !ls->empty() || !fs->empty();
  const object_map* m = s.objects_if(t);
  if (m) {
    auto it = m->begin();
    if (has_start) it = m->upper_bound(start);
    else if (!ns.empty() && t.namespaced) it = m->lower_bound({ns, std::string()});
    const object_map::key_type* last = nullptr;
    for (; it != m->end(); ++it) {
      if (!ns.empty() && t.namespaced && it->first.first != ns) break;
      if (filtered) {
        obj_ptr o = thaw(*it->second);
        if (!ls->matches(*o) || !fs->matches(*o)) continue;
      }
      if (limit && items.size() >= limit) {
        if (next_token.empty()) next_token = continue_token(list_rv, *last);
        ++remaining;
        continue;
      }
      items.push_back(it->second.get());
      last = &it->first;
    }
  }
  if (render.kind == rendering::shape::table) {
    std::vector<bj::object> views;
    views.reserve(items.size());
    std::vector<const bj::object*> ptrs;
    for (const frozen* f : items) {
      views.push_back(s.view(t, *thaw(*f)));
      ptrs.push_back(&views.back());
    }
    bj::object table = make_table(t, ptrs, c.now, table_opts(c), std::to_string(list_rv), next_token);
    if (!next_token.empty() && !filtered) table["metadata"].get_object()["remainingItemCount"] = remaining;
    return reply(json_response(200, serialize(table), render.content_type));
  }
  const bool metadata_only = render.kind == rendering::shape::metadata;
  const std::string list_kind = metadata_only ? "PartialObjectMetadataList" : t.list_kind();
  const std::string list_version = metadata_only ? "meta.k8s.io/" + render.meta_version : t.api_version();
  std::string body = "{\"kind\":" + json_quote(list_kind) + ",\"apiVersion\":" + json_quote(list_version) +
                     ",\"metadata\":{\"resourceVersion\":\"" + std::to_string(list_rv) + "\"";
  if (!next_token.empty()) {
    body += ",\"continue\":" + json_quote(next_token);
    if (!filtered) body += ",\"remainingItemCount\":" + std::to_string(remaining);
  }
  body += "},\"items\":[";
  bool first = true;
  std::size_t reserve = body.size() + 8;
  for (const frozen* f : items) reserve += f->text.size() + 1;
  body.reserve(reserve);
  for (const frozen* o : items) {
    if (!first) body += ',';
    first = false;
    if (metadata_only) body += serialize(partial_metadata(*thaw(*o), render.meta_version));
    else append_object(body, s, t, *o);
  }
  body += "]}";
  return reply(json_response(200, std::move(body), render.content_type));
}

}  // namespace habop::fake
