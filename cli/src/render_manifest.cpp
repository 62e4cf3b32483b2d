// `habop render` without IO: every object the operator would create for a manifest's Habitats.
#include <habop/cli/manifest.hpp>

#include <map>
#include <tuple>

namespace habop::cli {
namespace bj = boost::json;

rendered_manifest render_manifest(const std::vector<document>& docs, const render_settings& settings) {
  rendered_manifest out;
  std::vector<api::habitat> habitats;
  for (const document& d : docs) {
    if (!is_habitat(d.value)) {
      out.notes.push_back("skipping " + describe_document(d) + ": not a Habitat");
      continue;
    }
    ++out.habitats;
    checked_habitat c = check_habitat(d);
    if (c.habitat) habitats.push_back(std::move(*c.habitat));
    for (std::string& line : problem_lines(c)) out.problems.push_back(std::move(line));
  }
  if (!out.problems.empty()) return out;

  // Habitats of one namespace and ring share one peer ConfigMap, owned by all of them: render it once, in the
  // order of first use, with every owner (as the operator keeps it).
  using cm_key = std::tuple<std::string, std::string>;
  std::vector<cm_key> cm_order;
  std::map<cm_key, std::vector<const api::habitat*>> cm_owners;
  for (const api::habitat& h : habitats) {
    cm_key key{h.metadata.ns, render::peer_config_map_name(h)};
    auto [it, inserted] = cm_owners.try_emplace(key);
    if (inserted) cm_order.push_back(key);
    it->second.push_back(&h);
  }
  for (const cm_key& key : cm_order)
    out.objects.push_back(render::render_peer_config_map(std::get<0>(key), std::get<1>(key), cm_owners[key], {}));
  for (const api::habitat& h : habitats) {
    out.objects.push_back(render::render_service(h));
    out.objects.push_back(render::render_stateful_set(h, settings.render));
  }

  if (!settings.owner_references)
    for (bj::object& o : out.objects)
      if (bj::value* meta = o.if_contains("metadata"); meta && meta->is_object())
        meta->get_object().erase("ownerReferences");
  return out;
}

}  // namespace habop::cli
