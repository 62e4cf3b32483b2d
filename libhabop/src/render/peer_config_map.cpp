// The peer ConfigMap: seed addresses for `--peer-watch-file`, one per ring, shared by every Habitat of that ring.
#include <habop/render/render.hpp>

#include <algorithm>
#include <cstdint>
#include <string_view>
#include <tuple>

#include <habop/render/meta.hpp>
#include <habop/render/names.hpp>

namespace habop::render {
namespace bj = boost::json;
namespace {

// DNS-1123 subdomains (ConfigMap names) are at most 253 characters.
constexpr std::size_t max_name_length = 253;

// FNV-1a, 32 bits: stable across runs, platforms and releases, unlike std::hash.
std::string short_hash(std::string_view s) {
  std::uint32_t h = 2166136261u;
  for (unsigned char c : s) {
    h ^= c;
    h *= 16777619u;
  }
  static constexpr char hex[] = "0123456789abcdef";
  std::string out(8, '0');
  for (int i = 7; i >= 0; --i, h >>= 4) out[static_cast<std::size_t>(i)] = hex[h & 15];
  return out;
}

bool is_blank(std::string_view line) {
  return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

}  // namespace

std::string peer_config_map_name(const api::habitat& h) {
  const auto ring = ring_of(h);
  if (!ring) return peer_config_map_base_name;
  // Ring names allow `_` and upper case (`[\w_-]+`), ConfigMap names do not. Two rings that differ only there
  // must not share a ConfigMap, so a sanitised or shortened name gets a hash of the real ring name.
  std::string name = std::string(peer_config_map_base_name) + "-";
  for (char c : *ring) {
    if (c >= 'A' && c <= 'Z') name += static_cast<char>(c - 'A' + 'a');
    else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-') name += c;
    else name += '-';
  }
  const bool changed = name.compare(name.size() - ring->size(), ring->size(), *ring) != 0;
  if (!changed && name.back() != '-' && name.size() <= max_name_length) return name;
  const std::string suffix = "-" + short_hash(*ring);
  name.resize(std::min(name.size(), max_name_length - suffix.size()));
  while (name.back() == '-') name.pop_back();  // the prefix `peer-watch-file` always survives
  return name + suffix;
}

std::string peer_file(const std::vector<std::string>& seeds) {
  std::string data;
  for (const std::string& seed : seeds) {
    std::string_view rest = seed;
    while (!rest.empty()) {
      const auto nl = rest.find('\n');
      const std::string_view line = rest.substr(0, nl);
      rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
      if (is_blank(line)) continue;
      if (!data.empty()) data += '\n';
      data += line;
    }
  }
  return data;
}

bj::object render_peer_config_map(const std::string& ns, const std::string& name,
                                  const std::vector<const api::habitat*>& owners,
                                  const std::vector<std::string>& seeds) {
  // Every Habitat using the ConfigMap owns it, none as controller: deleting one Habitat leaves it to the others,
  // deleting the last lets the garbage collector remove it. Sorted so the same owners always render the same.
  std::vector<const api::habitat*> sorted;
  for (const api::habitat* o : owners)
    if (o) sorted.push_back(o);
  auto key = [](const api::habitat* o) { return std::tie(o->metadata.name, o->metadata.uid); };
  std::sort(sorted.begin(), sorted.end(), [&](auto* a, auto* b) { return key(a) < key(b); });
  sorted.erase(std::unique(sorted.begin(), sorted.end(), [&](auto* a, auto* b) { return key(a) == key(b); }),
               sorted.end());
  bj::array refs;
  for (const api::habitat* o : sorted) refs.push_back(owner_reference(*o, false));

  bj::object meta;
  meta["name"] = name;
  if (!ns.empty()) meta["namespace"] = ns;
  meta["labels"] = bj::object{{label_habitat, "true"}};
  if (!refs.empty()) meta["ownerReferences"] = std::move(refs);

  bj::object cm;
  cm["apiVersion"] = "v1";
  cm["kind"] = "ConfigMap";
  cm["metadata"] = std::move(meta);
  cm["data"] = bj::object{{peer_config_map_key, peer_file(seeds)}};
  return cm;
}

}  // namespace habop::render
