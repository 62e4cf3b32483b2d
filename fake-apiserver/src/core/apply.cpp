// Server-side apply and managedFields: field sets per manager, conflict detection, ownership, removal of dropped fields.
#include "detail.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include <habop/json/codec.hpp>

namespace habop::fake {
namespace {

using path = std::vector<std::string>;   // "f:spec", "k:{\"name\":\"x\"}", ...

bool skipped_meta(std::string_view k) {
  return k == "uid" || k == "resourceVersion" || k == "generation" || k == "creationTimestamp" ||
         k == "managedFields" || k == "deletionTimestamp" || k == "deletionGracePeriodSeconds" || k == "selfLink";
}

// Where a value sits in a custom resource's structural schema; `custom` false means built-in list rules (merge_key).
struct shape {
  bool custom = false;
  const bj::object* node = nullptr;
};

shape member_shape(shape s, std::string_view key, bool root) {
  if (!s.custom) return s;
  if (root && key == "metadata") return {};   // ObjectMeta follows the built-in rules for every kind
  return {true, child_schema(s.node, key)};
}

using node_map = std::map<path, const bj::value*>;

void object_leaves(const bj::object& o, path& cur, std::set<path>& out, shape sh, node_map* nodes,
                   const bj::object* before);

// The field set of `v` (what managedFields records) into `out`. With `nodes`, also every node on the way by path,
// so that comparing two objects field by field is lookups, not a search per path (quadratic in keyed lists: a
// ConfigMap shared by 200 owners has 1,200 paths into its ownerReferences). With `before` (the value at the same
// path in an older object), only the paths whose value changed: subtrees equal to their old selves are skipped
// whole, and a keyed item counts as changed only when it is new.
void leaves(const bj::value& v, path& cur, std::set<path>& out, std::string_view field, shape sh,
            node_map* nodes = nullptr, const bj::value* before = nullptr) {
  if (nodes) (*nodes)[cur] = &v;   // a repeated key: the last item wins, as in a search
  if (before && *before == v) return;
  if (const auto* o = v.if_object()) {
    object_leaves(*o, cur, out, sh, nodes, before ? before->if_object() : nullptr);
    return;
  }
  if (const auto* a = v.if_array()) {
    const bj::array* was = before ? before->if_array() : nullptr;
    std::vector<std::string> keys;
    const list_semantics ls = sh.custom ? list_type(sh.node) : list_semantics{};
    if (sh.custom && ls.k == list_semantics::kind::set && !a->empty()) {
      for (const auto& item : *a) {
        if (was && std::find(was->begin(), was->end(), item) != was->end()) continue;
        cur.push_back("v:" + serialize(item));
        out.insert(cur);
        if (nodes) (*nodes)[cur] = &item;
        cur.pop_back();
      }
      return;
    }
    if (sh.custom) {
      if (ls.k == list_semantics::kind::map) keys = ls.keys;
    } else if (std::string key = merge_key(field, *a); !key.empty()) {
      keys.push_back(std::move(key));
    }
    if (keys.empty() || a->empty() || !map_list_items(*a, keys)) {
      out.insert(cur);
      return;
    }
    auto key_of = [&](const bj::object& item) -> std::optional<std::string> {
      bj::object k;
      for (const auto& name : keys) {
        const bj::value* kv = item.if_contains(name);
        if (!kv) return std::nullopt;
        k[name] = *kv;
      }
      return "k:" + serialize(k);
    };
    std::map<std::string, const bj::value*> old_items;   // by key; a repeated key: the last wins
    if (was)
      for (const auto& item : *was)
        if (const auto* io = item.if_object())
          if (auto k = key_of(*io)) old_items[*k] = &item;
    const shape item_shape{sh.custom, sh.custom ? items_schema(sh.node) : nullptr};
    for (const auto& item : *a) {
      cur.push_back(*key_of(item.get_object()));
      const auto old_item = old_items.find(cur.back());
      const bj::value* item_before = old_item == old_items.end() ? nullptr : old_item->second;
      // The item itself (fieldsV1 ".") so that dropping it removes the whole item.
      if (!was || !item_before) out.insert(cur);
      leaves(item, cur, out, "", item_shape, nodes, item_before);
      cur.pop_back();
    }
    return;
  }
  out.insert(cur);
}

void object_leaves(const bj::object& o, path& cur, std::set<path>& out, shape sh, node_map* nodes,
                   const bj::object* before) {
  if (o.empty()) {
    if (!cur.empty()) out.insert(cur);
    return;
  }
  for (const auto& [k, x] : o) {
    if (cur.size() == 1 && cur[0] == "f:metadata" && skipped_meta(k)) continue;
    if (cur.empty() && (k == "apiVersion" || k == "kind")) continue;
    cur.push_back("f:" + std::string(k));
    leaves(x, cur, out, k, member_shape(sh, k, cur.size() == 1), nodes, before ? before->if_contains(k) : nullptr);
    cur.pop_back();
  }
}

shape root_shape(const resource_type& t) { return t.builtin || !t.schema ? shape{} : shape{true, t.schema.get()}; }

/// The field set of `root` within `scope` ("status" or the main resource); `nodes` (unfiltered) and `before` (then
/// only what changed) as in `leaves`.
std::set<path> leaf_set(const bj::object& root, std::string_view scope, bool has_status, shape sh,
                        node_map* nodes = nullptr, const bj::object* before = nullptr) {
  std::set<path> out;
  path cur;
  object_leaves(root, cur, out, sh, nodes, before);
  for (auto it = out.begin(); it != out.end();) {
    bool in_status = !it->empty() && (*it)[0] == "f:status";
    bool keep = scope == "status" ? in_status : !(has_status && in_status);
    if (keep) ++it;
    else it = out.erase(it);
  }
  return out;
}

const bj::value* at(const node_map& nodes, const path& p) {
  auto it = nodes.find(p);
  return it == nodes.end() ? nullptr : it->second;
}

const bj::value* value_at(const bj::value& root, const path& p) {
  const bj::value* cur = &root;
  for (const auto& el : p) {
    if (el.rfind("f:", 0) == 0) {
      const auto* o = cur->if_object();
      if (!o) return nullptr;
      cur = o->if_contains(std::string_view(el).substr(2));
    } else {
      const auto* a = cur->if_array();
      if (!a) return nullptr;
      auto k = habop::json::parse_json(std::string_view(el).substr(2));
      if (!k) return nullptr;
      const bj::value* found = nullptr;
      if (el.rfind("v:", 0) == 0) {   // set item: the value itself
        for (const auto& item : *a)
          if (item == *k) found = &item;
        cur = found;
        if (!cur) return nullptr;
        continue;
      }
      if (!k->is_object()) return nullptr;
      for (const auto& item : *a) {
        const auto* io = item.if_object();
        if (!io) continue;
        bool all = true;
        for (const auto& [kk, kv] : k->get_object())
          if (!io->contains(kk) || io->at(kk) != kv) all = false;
        if (all) found = &item;
      }
      cur = found;
    }
    if (!cur) return nullptr;
  }
  return cur;
}

void erase_at(bj::value& root, const path& p) {
  if (p.empty()) return;
  path parent(p.begin(), p.end() - 1);
  bj::value* par = const_cast<bj::value*>(value_at(root, parent));
  if (!par) return;
  const std::string& last = p.back();
  if (last.rfind("f:", 0) == 0) {
    if (auto* o = par->if_object()) o->erase(std::string_view(last).substr(2));
  } else if (auto* a = par->if_array()) {
    const bj::value* item = value_at(root, p);
    for (auto it = a->begin(); it != a->end(); ++it)
      if (&*it == item) {
        a->erase(it);
        break;
      }
  }
}

std::string render_path(const path& p) {
  std::string s;
  for (const auto& el : p) {
    if (el.rfind("f:", 0) == 0) {
      s += "." + el.substr(2);
    } else if (el.rfind("v:", 0) == 0) {
      s += "[" + el.substr(2) + "]";
    } else {
      auto k = habop::json::parse_json(std::string_view(el).substr(2));
      s += "[";
      bool first = true;
      if (k && k->is_object())
        for (const auto& [kk, kv] : k->get_object()) {
          s += (first ? "" : ",") + std::string(kk) + "=" + serialize(kv);
          first = false;
        }
      s += "]";
    }
  }
  return s;
}

bool is_item(const path& p) { return !p.empty() && p.back().rfind("k:", 0) == 0; }

bj::object to_fields_v1(const std::set<path>& paths) {
  bj::object root;
  for (auto it = paths.begin(); it != paths.end(); ++it) {
    bj::object* cur = &root;
    for (const auto& el : *it) cur = object_at(*cur, el);
    // A path with fields below it (a keyed list item) is itself marked ".", as KAS does.
    auto next = std::next(it);
    if (next != paths.end() && next->size() > it->size() && std::equal(it->begin(), it->end(), next->begin()))
      (*cur)["."] = bj::object{};
  }
  return root;
}

void from_fields_v1(const bj::object& tree, path& cur, std::set<path>& out) {
  for (const auto& [k, v] : tree) {
    if (k == ".") {
      out.insert(cur);
      continue;
    }
    cur.emplace_back(k);
    if (v.is_object() && !v.get_object().empty()) from_fields_v1(v.get_object(), cur, out);
    else out.insert(cur);
    cur.pop_back();
  }
}

struct managed_entry {
  std::string manager, operation, api_version, time, subresource;
  std::set<path> fields;
};

std::vector<managed_entry> read_managed(const bj::object& obj) {
  std::vector<managed_entry> out;
  const bj::value* mf = find_path(obj, {"metadata", "managedFields"});
  if (!mf || !mf->is_array()) return out;
  for (const auto& e : mf->get_array()) {
    const bj::object* eo = e.if_object();
    if (!eo) continue;
    managed_entry m{string_at(*eo, {"manager"}), string_at(*eo, {"operation"}), string_at(*eo, {"apiVersion"}),
                    string_at(*eo, {"time"}), string_at(*eo, {"subresource"}), {}};
    if (const bj::value* f = find_path(*eo, {"fieldsV1"}); f && f->is_object()) {
      path cur;
      from_fields_v1(f->get_object(), cur, m.fields);
    }
    out.push_back(std::move(m));
  }
  return out;
}

void write_managed(bj::object& obj, const std::vector<managed_entry>& entries) {
  bj::array arr;
  for (const auto& m : entries) {
    if (m.fields.empty()) continue;
    bj::object e{{"manager", m.manager}, {"operation", m.operation}, {"apiVersion", m.api_version}, {"time", m.time},
                 {"fieldsType", "FieldsV1"}, {"fieldsV1", to_fields_v1(m.fields)}};
    if (!m.subresource.empty()) e["subresource"] = m.subresource;
    arr.push_back(std::move(e));
  }
  bj::object* meta = object_at(obj, "metadata");
  if (arr.empty()) meta->erase("managedFields");
  else (*meta)["managedFields"] = std::move(arr);
}

managed_entry& entry_for(std::vector<managed_entry>& entries, const std::string& manager, std::string_view op,
                         std::string_view sub, const resource_type& t) {
  for (auto& e : entries)
    if (e.manager == manager && e.operation == op && e.subresource == sub) return e;
  entries.push_back(managed_entry{manager, std::string(op), t.api_version(), "", std::string(sub), {}});
  return entries.back();
}

}  // namespace

void record_update_fields(const resource_type& t, const bj::object* old, bj::object& next, std::string manager,
                          std::string_view sub, instant now) {
  if (manager.empty()) manager = "unknown";
  // An item changes owner only when new (see leaves).
  const std::set<path> changed = leaf_set(next, sub, t.has_status && sub != "status", root_shape(t), nullptr, old);
  if (changed.empty()) return;
  auto entries = read_managed(next);
  for (auto& e : entries)
    for (const auto& p : changed) e.fields.erase(p);
  managed_entry& mine = entry_for(entries, manager, "Update", sub, t);
  mine.fields.insert(changed.begin(), changed.end());
  mine.time = to_rfc3339(now);
  mine.api_version = t.api_version();
  write_managed(next, entries);
}

void normalize_managed_fields(bj::object& obj) { write_managed(obj, read_managed(obj)); }

namespace {

constexpr std::string_view last_applied_key = "kubectl.kubernetes.io/last-applied-configuration";

// kube-apiserver's lastAppliedManager: the fields of the live object's last-applied-configuration annotation whose
// values the live object still has. `kubectl apply --server-side` may take those from their client-side owner
// without --force-conflicts, so that moving from client-side to server-side apply never conflicts.
std::set<path> upgradable_from_client_side(const resource_type& t, const bj::object& live, const node_map& live_nodes) {
  std::set<path> out;
  const std::string text = string_at(live, {"metadata", "annotations", last_applied_key});
  auto last = habop::json::parse_json(text);
  if (text.empty() || !last || !last->is_object()) return out;
  node_map last_nodes;
  for (const auto& p : leaf_set(last->get_object(), "", false, root_shape(t), &last_nodes)) {
    const bj::value* was = at(last_nodes, p);
    const bj::value* now = at(live_nodes, p);
    if (was && now && *was == *now) out.insert(p);
  }
  return out;
}

bj::object* annotations_of(bj::object& obj) {
  bj::value* meta = obj.if_contains("metadata");
  bj::value* annotations = meta && meta->is_object() ? meta->get_object().if_contains("annotations") : nullptr;
  return annotations ? annotations->if_object() : nullptr;
}

// kube-apiserver's lastAppliedUpdater: after `kubectl apply --server-side`, an existing last-applied-configuration
// annotation holds the applied configuration (compact JSON, without the annotation itself), so that a later
// client-side apply diffs against what was applied last.
void update_last_applied(bj::object& merged, const bj::object& applied) {
  bj::object* annotations = annotations_of(merged);
  if (!annotations || !annotations->contains(last_applied_key)) return;
  bj::object config = applied;
  if (bj::object* own = annotations_of(config)) own->erase(last_applied_key);
  (*annotations)[last_applied_key] = serialize(sorted_keys(config));
}

}  // namespace

result<bj::object> apply_patch(const resource_type& t, const bj::object* live, const bj::object& applied,
                               const write_options& wo, instant now) {
  const std::string& manager = wo.field_manager;
  bj::value live_v = live ? bj::value(*live) : bj::value(bj::object{});
  node_map live_nodes, applied_nodes;
  std::set<path> mine_now = leaf_set(applied, "", false, root_shape(t), &applied_nodes);
  if (live) (void)leaf_set(*live, "", false, root_shape(t), &live_nodes);
  std::vector<managed_entry> entries = live ? read_managed(*live) : std::vector<managed_entry>{};
  // Conflicts: fields another manager owns whose value would change.
  std::vector<std::pair<const managed_entry*, path>> conflicts;
  for (const auto& e : entries) {
    if (e.manager == manager && e.operation == "Apply") continue;
    for (const auto& p : mine_now) {
      if (is_item(p) || !e.fields.contains(p)) continue;   // items are shared; their fields conflict
      const bj::value* a = at(live_nodes, p);
      const bj::value* b = at(applied_nodes, p);
      if (a && b && *a != *b) conflicts.emplace_back(&e, p);
    }
  }
  bool force = wo.force;
  if (!conflicts.empty() && !force && manager == "kubectl" && live) {
    const std::set<path> upgradable = upgradable_from_client_side(t, *live, live_nodes);
    const auto allowed = [&](const auto& c) { return upgradable.contains(c.second); };
    if (std::all_of(conflicts.begin(), conflicts.end(), allowed)) force = true;
    else std::erase_if(conflicts, allowed);   // only the others are reported
  }
  if (!conflicts.empty() && !force) {
    std::vector<field_cause> causes;
    std::string msg = "Apply failed with " + std::to_string(conflicts.size()) +
                      (conflicts.size() == 1 ? " conflict: " : " conflicts: ");
    for (const auto& [e, p] : conflicts)
      causes.push_back({render_path(p), "FieldManagerConflict",
                        "conflict with " + json_quote(e->manager) + " using " + e->api_version});
    if (conflicts.size() == 1) {
      msg += causes[0].message + ": " + causes[0].field;
    } else {
      msg += "conflicts with " + json_quote(conflicts[0].first->manager) + " using " + conflicts[0].first->api_version + ":";
      for (const auto& c : causes) msg += "\n- " + c.field;
    }
    return error{409, "Conflict", msg, std::move(causes)};
  }
  for (auto& e : entries)
    if (!(e.manager == manager && e.operation == "Apply"))
      for (const auto& [ce, p] : conflicts) e.fields.erase(p);
  // Merge the applied configuration into the live object.
  bj::value merged;
  bj::object cleaned = applied;
  if (auto* m = cleaned.if_contains("metadata"); m && m->is_object())
    for (auto k : {"managedFields", "resourceVersion", "uid", "creationTimestamp", "generation"}) m->get_object().erase(k);
  if (t.builtin) {
    auto r = strategic_patch_apply(live_v, bj::value(cleaned));
    if (!r) return std::move(r).error();
    merged = std::move(*r);
  } else {
    merged = apply_merge(live_v, bj::value(cleaned), t.schema.get());
  }
  // Fields this manager applied before but dropped now are removed unless someone else owns them.
  managed_entry& mine = entry_for(entries, manager, "Apply", "", t);
  for (const auto& p : mine.fields) {
    if (mine_now.contains(p)) continue;
    bool shared = std::any_of(entries.begin(), entries.end(), [&](const managed_entry& e) {
      return &e != &mine && e.fields.contains(p);
    });
    if (!shared) erase_at(merged, p);
  }
  if (!merged.is_object()) return error{422, "Invalid", "apply produced a non-object", {}};
  if (manager == "kubectl") update_last_applied(merged.get_object(), applied);
  // As kube-apiserver's managedFieldsUpdater: the entry's time moves only when the apply changed something, so
  // that re-applying the same configuration is a no-op (same resourceVersion, no event).
  if (mine.fields != mine_now || mine.time.empty() || !live || merged != live_v) mine.time = to_rfc3339(now);
  mine.fields = mine_now;
  mine.api_version = t.api_version();
  write_managed(merged.get_object(), entries);
  return std::move(merged.get_object());
}

}  // namespace habop::fake
