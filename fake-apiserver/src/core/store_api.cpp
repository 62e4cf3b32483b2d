// object_store's public typed API: thin wrappers over the internal store that convert to the requested view.
#include "detail.hpp"

#include <boost/json/serialize.hpp>

namespace habop::fake {

object_store::object_store(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
object_store::~object_store() = default;

namespace {
result<const resource_type*> lookup(const object_store::impl& s, const resource_key& r) {
  if (const resource_type* t = s.find(r)) return t;
  return path_not_found();
}
}  // namespace

result<bj::object> object_store::create(const resource_key& r, std::string ns, bj::object obj, instant now,
                                        const write_options& opts) {
  auto t = lookup(*impl_, r);
  if (!t) return std::move(t).error();
  auto o = impl_->create(**t, std::move(ns), std::move(obj), now, opts);
  if (!o) return o;
  return impl_->view(**t, *o);
}

result<bj::object> object_store::get(const resource_key& r, std::string_view ns, std::string_view name) const {
  auto t = lookup(*impl_, r);
  if (!t) return std::move(t).error();
  auto o = impl_->get(**t, ns, name);
  if (!o) return std::move(o).error();
  return impl_->view(**t, **o);
}

result<std::vector<bj::object>> object_store::list(const resource_key& r, std::string_view ns,
                                                   std::string_view label_selector,
                                                   std::string_view field_selector) const {
  auto t = lookup(*impl_, r);
  if (!t) return std::move(t).error();
  auto ls = parse_label_selector(label_selector);
  if (!ls) return std::move(ls).error();
  auto fs = parse_field_selector(field_selector, **t);
  if (!fs) return std::move(fs).error();
  std::vector<bj::object> out;
  if (const object_map* m = impl_->objects_if(**t)) {
    auto it = ns.empty() || !(*t)->namespaced ? m->begin() : m->lower_bound({std::string(ns), std::string()});
    for (; it != m->end(); ++it) {
      if (!ns.empty() && (*t)->namespaced && it->first.first != ns) break;
      obj_ptr o = thaw(*it->second);
      if (!ls->matches(*o) || !fs->matches(*o)) continue;
      out.push_back(impl_->view(**t, *o));
    }
  }
  return out;
}

result<bj::object> object_store::update(const resource_key& r, std::string ns, bj::object obj, instant now,
                                        const write_options& opts) {
  auto t = lookup(*impl_, r);
  if (!t) return std::move(t).error();
  std::string name = string_at(obj, {"metadata", "name"});
  if (ns.empty()) ns = string_at(obj, {"metadata", "namespace"});
  if (!(*t)->namespaced) ns.clear();
  auto o = impl_->update(**t, ns, name, impl_->to_storage(**t, std::move(obj)), now, opts, "");
  if (!o) return o;
  return impl_->view(**t, *o);
}

result<bj::object> object_store::update_status(const resource_key& r, std::string ns, bj::object obj, instant now,
                                               const write_options& opts) {
  auto t = lookup(*impl_, r);
  if (!t) return std::move(t).error();
  if (!(*t)->has_status) return path_not_found();
  std::string name = string_at(obj, {"metadata", "name"});
  if (ns.empty()) ns = string_at(obj, {"metadata", "namespace"});
  if (!(*t)->namespaced) ns.clear();
  auto o = impl_->update(**t, ns, name, impl_->to_storage(**t, std::move(obj)), now, opts, "status");
  if (!o) return o;
  return impl_->view(**t, *o);
}

result<bj::object> object_store::merge_patch(const resource_key& r, std::string ns, std::string name,
                                             const bj::value& p, instant now, const write_options& opts,
                                             std::string_view sub) {
  return patch(r, std::move(ns), std::move(name), patch_type::merge, boost::json::serialize(p), now, opts, sub);
}

result<bj::object> object_store::patch(const resource_key& r, std::string ns, std::string name, patch_type type,
                                       std::string_view body, instant now, const write_options& opts,
                                       std::string_view sub) {
  auto t = lookup(*impl_, r);
  if (!t) return std::move(t).error();
  if (!sub.empty() && (sub != "status" || !(*t)->has_status)) return path_not_found();
  if (!(*t)->namespaced) ns.clear();
  auto o = impl_->patch(**t, ns, name, type, body, now, opts, sub);
  if (!o) return o;
  return impl_->view(**t, *o);
}

result<removal> object_store::remove(const resource_key& r, std::string ns, std::string name, instant now,
                                     const delete_options& opts) {
  auto t = lookup(*impl_, r);
  if (!t) return std::move(t).error();
  if (!(*t)->namespaced) ns.clear();
  auto o = impl_->remove(**t, ns, name, now, opts);
  if (!o) return o;
  o->object = impl_->view(**t, o->object);
  return o;
}

std::uint64_t object_store::subscribe(std::function<void(const change&)> listener) {
  std::uint64_t id = impl_->next_subscriber++;
  impl_->subscribers.emplace(id, std::move(listener));
  return id;
}

void object_store::unsubscribe(std::uint64_t id) { impl_->subscribers.erase(id); }
std::uint64_t object_store::resource_version() const { return impl_->rv; }

std::size_t object_store::count(const resource_key& r) const {
  const resource_type* t = impl_->find(r);
  const object_map* m = t ? impl_->objects_if(*t) : nullptr;
  return m ? m->size() : 0;
}

bool object_store::serves(const resource_key& r) const { return impl_->find(r) != nullptr; }

}  // namespace habop::fake
