// The object store kept on disk: restoring what an earlier server committed, and logging every commit.
#include "detail.hpp"

#include <algorithm>
#include <exception>

namespace habop::fake {
namespace {

// The n of a cluster IP `10.96.<n / 256>.<n % 256>` that allocate_service gave, if it is one.
std::optional<std::uint32_t> cluster_ip_number(std::string_view ip) {
  constexpr std::string_view prefix = "10.96.";
  if (!ip.starts_with(prefix)) return std::nullopt;
  ip.remove_prefix(prefix.size());
  const auto dot = ip.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  auto hi = parse_integer<std::uint32_t>(ip.substr(0, dot)), lo = parse_integer<std::uint32_t>(ip.substr(dot + 1));
  if (!hi || !lo || *hi > 255 || *lo > 255) return std::nullopt;
  return *hi << 8 | *lo;
}

}  // namespace

void object_store::impl::restore(stored_state state) {
  for (auto& [key, text] : state.objects) {
    auto f = std::make_shared<const frozen>(frozen{std::move(text)});
    obj_ptr o = thaw(*f);
    const uid_location at{key.storage, key.ns, key.name};
    data[key.storage][std::make_pair(key.ns, key.name)] = f;
    by_uid[string_at(*o, {"metadata", "uid"})] = at;
    track_owners(at, nullptr, o.get());   // the garbage collector's graph, and what its first pass looks at
    if (key.storage == "/services") {     // allocation continues after what is taken
      if (auto n = cluster_ip_number(string_at(*o, {"spec", "clusterIP"}))) next_ip = std::max(next_ip, *n + 1);
      if (const bj::value* ports = find_path(*o, {"spec", "ports"}); ports && ports->is_array())
        for (const auto& p : ports->get_array())
          if (const bj::value* np = p.is_object() ? p.get_object().if_contains("nodePort") : nullptr;
              np && np->is_int64() && np->get_int64() >= next_node_port && np->get_int64() < 32767)
            next_node_port = np->get_int64() + 1;
    }
  }
  // As kube-apiserver after a restart: its watch cache starts at the current revision, so a watch from an older
  // resourceVersion is answered 410 Expired and the client relists.
  rv = state.rv;
  compacted_rv = rv;
  history.clear();
  if (!data.empty()) bootstrapped = true;   // the standard objects are there, or were deleted on purpose
  on_crd_changed();
  // Not the sequence of uids and names the first run already handed out.
  rng.seed(opts.seed ^ (rv * 0x9e3779b97f4a7c15ULL));
  background_due = instant{0};   // finish what a pass had left (deletions, orphans) at the first tick
}

void object_store::impl::persist(const std::string& storage, const std::string& ns, const std::string& name,
                                 const frozen* f) {
  if (auto appended = disk->append(rv, stored_key{storage, ns, name}, f ? std::string_view(f->text) : "");
      !appended && disk_warn)
    disk_warn(appended.error().message);
  if (!disk->compaction_due()) return;
  snapshot_entries entries;
  for (const auto& [st, objects] : data)
    for (const auto& [key, text] : objects)
      entries.emplace_back(stored_key{st, key.first, key.second}, std::shared_ptr<const std::string>(text, &text->text));
  disk->compact(rv, std::move(entries));
}

status api_server::persist_to(const std::string& dir, std::function<void(const std::string&)> warn) {
  auto& s = store_->internals();
  if (s.rv != 0 || s.disk)
    return error{.code = 500, .reason = "InternalError",
                 .message = "persist_to must be called once, before anything is stored", .causes = {}};
  stored_state state;
  store_log::options opts;
  opts.compact_after_bytes = s.opts.compact_store_after_bytes;
  opts.warn = warn;
  auto log = store_log::open(dir, state, std::move(opts));
  if (!log) return std::move(log).error();
  if (warn)
    for (const auto& w : state.warnings) warn(w);
  try {
    s.restore(std::move(state));
  } catch (const std::exception& e) {
    return error{.code = 500, .reason = "InternalError",
                 .message = "the store in " + dir + " holds an object that does not parse (" + e.what() +
                            "); move " + dir + " away to start with an empty store",
                 .causes = {}};
  }
  s.disk = std::move(*log);
  s.disk_warn = std::move(warn);
  return ok;
}

}  // namespace habop::fake
