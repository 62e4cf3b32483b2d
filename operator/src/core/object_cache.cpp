// The reflector store: transform, then fold watch events and relists into a key-ordered map with a label index.
#include <habop/operator/object_cache.hpp>

#include <cstring>
#include <utility>

#include <habop/operator/compact_json.hpp>

namespace habop::op {
namespace {

const boost::json::object* metadata_of(const boost::json::object& obj) {
  auto it = obj.find("metadata");
  return it != obj.end() && it->value().is_object() ? &it->value().get_object() : nullptr;
}

std::string_view string_field(const boost::json::object* o, std::string_view name) {
  if (!o) return {};
  auto it = o->find(name);
  return it != o->end() && it->value().is_string() ? std::string_view(it->value().get_string()) : std::string_view{};
}


std::string index_key(std::string_view ns, std::string_view value) {
  std::string k(ns);
  k += '/';
  k += value;
  return k;
}

}  // namespace

std::optional<watch_event_type> parse_watch_event_type(std::string_view text) {
  if (text == "ADDED") return watch_event_type::added;
  if (text == "MODIFIED") return watch_event_type::modified;
  if (text == "DELETED") return watch_event_type::deleted;
  if (text == "BOOKMARK") return watch_event_type::bookmark;
  return std::nullopt;
}

boost::json::object transform_for_cache(boost::json::object obj, bool metadata_only) {
  if (auto it = obj.find("metadata"); it != obj.end() && it->value().is_object()) {
    auto& meta = it->value().get_object();
    meta.erase("managedFields");
    if (auto a = meta.find("annotations"); a != meta.end() && a->value().is_object()) {
      auto& annotations = a->value().get_object();
      annotations.erase("kubectl.kubernetes.io/last-applied-configuration");
      if (annotations.empty()) meta.erase("annotations");
    }
  }
  if (metadata_only) {
    // Build a fresh object rather than erasing, so no spec, data or stringData byte survives in spare capacity.
    boost::json::object slim(obj.storage());
    for (std::string_view k : {"apiVersion", "kind", "metadata"}) {
      if (auto it = obj.find(k); it != obj.end()) slim.emplace(k, std::move(it->value()));
    }
    return slim;
  }
  return obj;
}

namespace {

/// Moves the value at `path` from `src` to the same place under `dst`, creating objects and arrays on the way.
/// `path` is never a prefix of another path applied to the same pair (`project_fields` drops such paths).
void keep_path(boost::json::object& src, boost::json::object& dst, std::string_view path) {
  const auto end = path.find_first_of(".[");
  const std::string_view name = path.substr(0, end);
  auto it = src.find(name);
  if (it == src.end()) return;
  boost::json::value& from = it->value();
  const std::string_view rest = end == std::string_view::npos ? std::string_view{} : path.substr(end);
  if (rest.empty() || rest == "[]") {
    dst[name] = std::move(from);
  } else if (rest.front() == '.') {
    auto* inner = from.if_object();
    if (!inner) return;
    boost::json::value& to = dst[name];
    if (!to.is_object()) to.emplace_object();
    keep_path(*inner, to.get_object(), rest.substr(1));
    if (to.get_object().empty()) dst.erase(name);   // nothing under it was kept (e.g. no `state.waiting`)
  } else if (rest.starts_with("[].")) {
    auto* items = from.if_array();
    if (!items) return;
    boost::json::value& to = dst[name];
    if (!to.is_array() || to.get_array().size() != items->size()) {
      auto& out = to.emplace_array();
      out.resize(items->size());
      for (std::size_t i = 0; i < items->size(); ++i) {
        if ((*items)[i].is_object()) out[i].emplace_object();
      }
    }
    bool kept_any = false;
    for (std::size_t i = 0; i < items->size(); ++i) {
      auto* item = (*items)[i].if_object();
      auto* out = to.get_array()[i].if_object();
      if (item && out) keep_path(*item, *out, rest.substr(3));
      kept_any = kept_any || !out || !out->empty();
    }
    // Items keep their positions (paths under one array line up); an array of empty objects is dropped whole.
    if (!kept_any) dst.erase(name);
  }
}

/// Whether `path` lies under `other` (`a.b` under `a`, `a[].b` under `a`).
bool is_under(std::string_view path, std::string_view other) {
  return path.size() > other.size() && path.starts_with(other) &&
         (path[other.size()] == '.' || path[other.size()] == '[');
}

}  // namespace

boost::json::object project_fields(boost::json::object obj, const std::vector<std::string>& paths) {
  std::vector<std::string_view> kept{"apiVersion", "kind"};
  bool metadata_projected = false;
  for (const auto& p : paths) metadata_projected = metadata_projected || p.starts_with("metadata.");
  if (metadata_projected) {
    for (std::string_view p : {"metadata.name", "metadata.namespace", "metadata.resourceVersion"}) kept.push_back(p);
  } else {
    kept.push_back("metadata");
  }
  for (const auto& p : paths) kept.push_back(p);
  boost::json::object out(obj.storage());
  for (std::size_t i = 0; i < kept.size(); ++i) {
    bool skip = false;
    for (std::size_t j = 0; j < kept.size() && !skip; ++j) {
      skip = is_under(kept[i], kept[j]) || (j < i && kept[j] == kept[i]);
    }
    if (!skip) keep_path(obj, out, kept[i]);
  }
  return out;
}

std::string_view metadata_string(const boost::json::object& obj, std::string_view field) {
  return string_field(metadata_of(obj), field);
}

std::string_view label_value(const boost::json::object& obj, std::string_view label) {
  const auto* meta = metadata_of(obj);
  if (!meta || label.empty()) return {};
  auto it = meta->find("labels");
  if (it == meta->end() || !it->value().is_object()) return {};
  return string_field(&it->value().get_object(), label);
}

std::string cache_key(const boost::json::object& obj) {
  const auto* meta = metadata_of(obj);
  std::string_view name = string_field(meta, "name");
  if (name.empty()) return {};
  std::string_view ns = string_field(meta, "namespace");
  if (ns.empty()) return std::string(name);
  std::string key(ns);
  key += '/';
  key += name;
  return key;
}

object_cache::object_cache(cache_options options) : options_(std::move(options)) {
  if (options_.pack) packer_ = std::make_unique<json_packer>();
}

boost::json::object object_cache::trim(boost::json::object obj) const {
  obj = transform_for_cache(std::move(obj), options_.metadata_only);
  if (!options_.keep_paths.empty()) obj = project_fields(std::move(obj), options_.keep_paths);
  return obj;
}

object_cache::entry object_cache::make_entry(boost::json::object obj, object_ptr& trimmed) const {
  obj = trim(std::move(obj));
  entry e;
  if (const std::string bytes = packer_ ? packer_->pack(obj) : std::string(); !bytes.empty()) {
    const std::string_view rv = metadata_string(obj, "resourceVersion");
    e.rv_size = static_cast<std::uint32_t>(rv.size());
    e.packed_size = static_cast<std::uint32_t>(bytes.size());
    e.packed.reset(new char[rv.size() + bytes.size()]);
    if (!rv.empty()) std::memcpy(e.packed.get(), rv.data(), rv.size());   // rv.data() may be null
    std::memcpy(e.packed.get() + rv.size(), bytes.data(), bytes.size());
    if (!options_.summary_paths.empty()) {
      e.summary = std::make_shared<const boost::json::object>(
          compact_copy(project_fields(boost::json::object(obj), options_.summary_paths)));
    }
    trimmed = std::make_shared<const boost::json::object>(std::move(obj));   // for the handler only
    return e;
  }
  // A copy either way: compact, or sized to fit so that erased members leave no slack in the cached object.
  if (options_.compact || options_.pack) {
    e.tree = std::make_shared<const boost::json::object>(compact_copy(obj));
  } else {
    e.tree = std::make_shared<const boost::json::object>(obj, boost::json::storage_ptr());
  }
  trimmed = e.tree;
  return e;
}

object_ptr object_cache::load(const entry& e) const {
  if (e.tree) return e.tree;
  return std::make_shared<const boost::json::object>(
      packer_->unpack(std::string_view(e.packed.get() + e.rv_size, e.packed_size)));
}

std::string_view object_cache::resource_version_of(const entry& e) {
  if (e.packed) return {e.packed.get(), e.rv_size};
  return e.tree ? metadata_string(*e.tree, "resourceVersion") : std::string_view{};
}

std::string object_cache::index_value_of(const entry& e) const {
  if (options_.index_label.empty() || (!e.tree && !e.packed)) return {};
  return std::string(label_value(*load(e), options_.index_label));   // a packed object inflates (no cache does)
}

namespace {

std::string_view namespace_of_key(std::string_view key) {
  const auto slash = key.find('/');
  return slash == std::string_view::npos ? std::string_view{} : key.substr(0, slash);
}

}  // namespace

void object_cache::index_add(const std::string& key, const entry& e) {
  const std::string value = index_value_of(e);
  if (value.empty()) return;
  index_[index_key(namespace_of_key(key), value)].insert(key);
}

void object_cache::index_remove(const std::string& key, const entry& e) {
  const std::string value = index_value_of(e);
  if (value.empty()) return;
  auto it = index_.find(index_key(namespace_of_key(key), value));
  if (it == index_.end()) return;
  it->second.erase(key);
  if (it->second.empty()) index_.erase(it);
}

cache_change object_cache::apply(watch_event_type type, boost::json::object obj) {
  if (auto rv = string_field(metadata_of(obj), "resourceVersion"); !rv.empty()) resource_version_ = std::string(rv);
  cache_change change;
  if (type == watch_event_type::bookmark) return change;
  std::string key = cache_key(obj);
  if (key.empty()) return change;
  auto it = objects_.find(key);
  // The version already held (written through by our own write): nothing changed.
  if (type != watch_event_type::deleted && it != objects_.end()) {
    if (const auto rv = metadata_string(obj, "resourceVersion"); !rv.empty() && rv == resource_version_of(it->second))
      return change;
  }
  if (type == watch_event_type::deleted) {
    change.what = cache_change::kind::deleted;
    if (it == objects_.end()) {
      // Unknown to us, but the handler still learns its final state.
      change.previous = std::make_shared<const boost::json::object>(trim(std::move(obj)));
      return change;
    }
    change.previous = load(it->second);
    index_remove(key, it->second);
    objects_.erase(it);
    return change;
  }
  object_ptr trimmed;
  entry stored = make_entry(std::move(obj), trimmed);
  return put(it, std::move(key), std::move(stored), std::move(trimmed));
}

cache_change object_cache::put(map_type::iterator it, std::string key, entry stored, object_ptr trimmed) {
  cache_change change;
  change.current = std::move(trimmed);
  if (it == objects_.end()) {
    change.what = cache_change::kind::added;
    index_add(key, stored);
    objects_.emplace(std::move(key), std::move(stored));
    return change;
  }
  change.what = cache_change::kind::updated;
  change.previous = load(it->second);
  index_remove(key, it->second);
  index_add(key, stored);
  it->second = std::move(stored);
  return change;
}

cache_change object_cache::write_through(boost::json::object obj, std::string_view based_on_rv) {
  cache_change change;
  std::string key = cache_key(obj);
  if (key.empty() || string_field(metadata_of(obj), "resourceVersion").empty()) return change;
  auto it = objects_.find(key);
  if (based_on_rv.empty() ? it != objects_.end()
                          : it == objects_.end() || resource_version_of(it->second) != based_on_rv)
    return change;   // the cache moved on (or never had it): the watch knows better than this answer
  object_ptr trimmed;
  entry stored = make_entry(std::move(obj), trimmed);
  return put(it, std::move(key), std::move(stored), std::move(trimmed));
}

replace_result object_cache::replace(std::vector<boost::json::object> items, std::string list_rv) {
  replace_result out;
  map_type fresh;
  for (auto& item : items) {
    std::string key = cache_key(item);
    if (key.empty()) continue;
    std::string_view rv = string_field(metadata_of(item), "resourceVersion");
    auto old = objects_.find(key);
    if (old != objects_.end() && !rv.empty() && resource_version_of(old->second) == rv) {
      // Unchanged: keep the stored object (moved: `objects_` is replaced below, and only its entries missing
      // from `fresh` are read again).
      fresh.insert_or_assign(std::move(key), std::move(old->second));
      continue;
    }
    object_ptr trimmed;
    entry stored = make_entry(std::move(item), trimmed);
    out.changed.push_back(std::move(trimmed));
    fresh.insert_or_assign(std::move(key), std::move(stored));
  }
  for (auto& [key, e] : objects_) {
    if (!fresh.contains(key)) out.deleted.push_back(load(e));
  }
  objects_ = std::move(fresh);
  index_.clear();
  for (const auto& [key, e] : objects_) index_add(key, e);
  resource_version_ = std::move(list_rv);
  return out;
}

object_ptr object_cache::get(std::string_view ns, std::string_view name) const {
  std::string key(ns);
  if (!key.empty()) key += '/';
  key += name;
  auto it = objects_.find(key);
  return it == objects_.end() ? nullptr : load(it->second);
}

std::size_t object_cache::stored_bytes(std::string_view ns, std::string_view name) const {
  std::string key(ns);
  if (!key.empty()) key += '/';
  key += name;
  auto it = objects_.find(key);
  if (it == objects_.end()) return 0;
  const entry& e = it->second;
  if (e.tree) return allocated_bytes(*e.tree);
  return e.rv_size + e.packed_size + (e.summary ? allocated_bytes(*e.summary) : 0);
}

template <class Fn>
void object_cache::for_each_in(std::string_view ns, Fn&& fn) const {
  if (ns.empty()) {
    for (const auto& [key, e] : objects_) fn(key, e);
    return;
  }
  std::string prefix(ns);
  prefix += '/';
  for (auto it = objects_.lower_bound(prefix); it != objects_.end() && it->first.starts_with(prefix); ++it) {
    fn(it->first, it->second);
  }
}

std::vector<object_ptr> object_cache::list(std::string_view ns) const {
  std::vector<object_ptr> out;
  if (ns.empty()) out.reserve(objects_.size());
  for_each_in(ns, [&](const std::string&, const entry& e) { out.push_back(load(e)); });
  return out;
}

std::vector<object_ptr> object_cache::summaries(std::string_view ns) const {
  std::vector<object_ptr> out;
  if (ns.empty()) out.reserve(objects_.size());
  for_each_in(ns, [&](const std::string&, const entry& e) { out.push_back(e.summary ? e.summary : load(e)); });
  return out;
}

std::vector<std::string> object_cache::keys(std::string_view ns) const {
  std::vector<std::string> out;
  for_each_in(ns, [&](const std::string& key, const entry&) { out.push_back(key); });
  return out;
}

std::set<std::string> object_cache::names(std::string_view ns) const {
  std::set<std::string> out;
  for_each_in(ns, [&](const std::string& key, const entry&) { out.insert(key.substr(key.find('/') + 1)); });
  return out;
}

std::vector<object_ptr> object_cache::by_label(std::string_view ns, std::string_view value) const {
  std::vector<object_ptr> out;
  auto it = index_.find(index_key(ns, value));
  if (it == index_.end()) return out;
  for (const auto& key : it->second) {
    if (auto o = objects_.find(key); o != objects_.end()) out.push_back(load(o->second));
  }
  return out;
}

void object_cache::for_each(const std::function<void(const object_ptr&)>& fn) const {
  for_each_in({}, [&](const std::string&, const entry& e) { fn(load(e)); });
}

}  // namespace habop::op
