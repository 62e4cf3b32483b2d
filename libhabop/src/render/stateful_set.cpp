// The StatefulSet of a Habitat: the original's pod layout (reference §2.5) with DESIGN §3's fixes.
#include <habop/render/render.hpp>

#include <string>

#include <habop/api/quantity.hpp>
#include <habop/render/meta.hpp>
#include <habop/render/names.hpp>

namespace habop::render {
namespace bj = boost::json;
namespace {

// The Supervisor's arguments in the original's exact order. Only `args` is set: the exported image's
// ENTRYPOINT (init.sh) runs `hab-sup run <ident> "$@"` when the first argument starts with `-`.
bj::array supervisor_args(const api::habitat& h) {
  const api::service& s = h.spec.service;
  bj::array args;
  // A present empty group or channel is passed through as the original did (`--group ""`).
  if (s.group) args.insert(args.end(), {"--group", bj::string(*s.group)});
  if (s.channel) args.insert(args.end(), {"--channel", bj::string(*s.channel)});
  args.insert(args.end(), {"--topology", api::to_string(s.topology)});
  args.insert(args.end(), {"--peer-watch-file", peer_watch_file});
  for (const api::bind& b : s.binds)
    args.insert(args.end(), {"--bind", bj::string(b.name + ":" + b.service + "." + b.group)});
  // The Supervisor wants the ring name and loads its newest `<ring>-<rev>.sym.key` itself (PR #81).
  if (auto ring = ring_of(h)) args.insert(args.end(), {"--ring", bj::string(*ring)});
  return args;
}

bj::object container_port(const char* name, int number, const char* protocol) {
  bj::object p;
  p["name"] = name;
  p["containerPort"] = number;
  p["protocol"] = protocol;
  return p;
}

bj::object mount(const std::string& volume, const std::string& path, bool read_only) {
  bj::object m;
  m["name"] = volume;
  m["mountPath"] = path;
  if (read_only) m["readOnly"] = true;
  return m;
}

bj::object key_to_path(const char* key, const std::string& path) {
  bj::object item;
  item["key"] = key;
  item["path"] = path;
  return item;
}

bj::object secret_volume(const char* name, const std::string& secret, bj::array items) {
  bj::object source;
  source["secretName"] = secret;
  if (!items.empty()) source["items"] = std::move(items);
  bj::object v;
  v["name"] = name;
  v["secret"] = std::move(source);
  return v;
}

// Volumes and mounts, in the original's order: peer file, user.toml, files, persistence, ring key.
struct pod_storage {
  bj::array volumes;
  bj::array mounts;
  bj::array init_containers;
};

pod_storage storage(const api::habitat& h, const options& opts) {
  const api::service& s = h.spec.service;
  pod_storage out;

  bj::object peer_source;
  peer_source["name"] = peer_config_map_name(h);
  peer_source["items"] = bj::array{key_to_path(peer_config_map_key, peer_watch_file_name)};
  bj::object peer_volume;
  peer_volume["name"] = volume_peer_config;
  peer_volume["configMap"] = std::move(peer_source);
  out.volumes.push_back(std::move(peer_volume));
  out.mounts.push_back(mount(volume_peer_config, peer_watch_dir, true));

  if (s.config_secret_name) {
    out.volumes.push_back(secret_volume(volume_user_config, *s.config_secret_name,
                                        bj::array{key_to_path(secret_key_user_toml, secret_key_user_toml)}));
    // The whole directory, never a subPath: the kubelet then swaps in Secret edits and the Supervisor's
    // UserConfigWatcher reloads user.toml without a restart. Nothing in the pod template hashes the contents.
    // Read-only because Secret volumes are read-only anyway (the original's readOnly: false promised otherwise).
    out.mounts.push_back(mount(volume_user_config, "/hab/user/" + s.name + "/config", true));
  }

  if (s.files_secret_name) {
    const std::string files_dir = "/hab/svc/" + s.name + "/files";
    out.volumes.push_back(secret_volume(volume_files_secret, *s.files_secret_name, {}));
    bj::object empty_dir;
    empty_dir["name"] = volume_files;
    empty_dir["emptyDir"] = bj::object{};
    out.volumes.push_back(std::move(empty_dir));
    out.mounts.push_back(mount(volume_files, files_dir, false));
    // Copied rather than mounted because the Supervisor must chmod the files, which a Secret volume forbids.
    bj::object init;
    init["name"] = files_init_container_name;
    init["image"] = opts.files_init_image;
    init["command"] = bj::array{"sh", "-c", bj::string("cp " + std::string(files_secret_mount) + "/* " + files_dir)};
    init["volumeMounts"] = bj::array{mount(volume_files_secret, files_secret_mount, true),
                                     mount(volume_files, files_dir, false)};
    out.init_containers.push_back(std::move(init));
  }

  if (h.spec.persistent_storage)
    out.mounts.push_back(mount(volume_persistent, h.spec.persistent_storage->mount_path, false));

  if (s.ring_secret_name) {
    const std::string& secret = *s.ring_secret_name;
    const std::string file = secret + ".sym.key";
    out.volumes.push_back(secret_volume(volume_ring_key, secret, bj::array{key_to_path(secret_key_ring_key, file)}));
    // Only the key file is mounted (subPath), so /hab/cache/keys stays the image's writable directory where the
    // Supervisor caches other keys; the original mounted the Secret over the whole directory, which Kubernetes
    // makes read-only (CVE-2017-1002102). subPath files miss Secret updates, which is harmless here: a new ring
    // key revision is a new Secret name, hence a new pod template. No init container means no extra image.
    bj::object m = mount(volume_ring_key, std::string(ring_key_dir) + "/" + file, true);
    m["subPath"] = file;
    out.mounts.push_back(std::move(m));
  }
  return out;
}

bj::object container(const api::habitat& h, bj::array mounts) {
  bj::object c;
  c["name"] = container_name;
  c["image"] = h.spec.image;
  c["args"] = supervisor_args(h);
  if (!h.spec.env.empty()) c["env"] = h.spec.env;  // verbatim, valueFrom and all
  // Gossip is SWIM over UDP plus TCP on one port; the HTTP gateway serves /services/<svc>/<group>/health.
  c["ports"] = bj::array{container_port(port_gossip, gossip_port, "TCP"),
                         container_port(port_gossip_udp, gossip_port, "UDP"),
                         container_port(port_http_gateway, http_gateway_port, "TCP")};
  // Verbatim, but with its quantities in the form the API server stores (`1024Mi` is `1Gi`): as written, they would
  // differ from the stored StatefulSet for ever.
  if (h.spec.resources) {
    bj::object resources = *h.spec.resources;
    api::quantity::canonicalize_requirements(resources);
    c["resources"] = std::move(resources);
  }
  c["volumeMounts"] = std::move(mounts);
  return c;
}

bj::object pod_spec(const api::habitat& h, const options& opts) {
  const api::spec_v1beta2& spec = h.spec;
  pod_storage st = storage(h, opts);
  bj::object pod;
  if (!st.init_containers.empty()) pod["initContainers"] = std::move(st.init_containers);
  pod["containers"] = bj::array{container(h, std::move(st.mounts))};
  pod["volumes"] = std::move(st.volumes);
  // habop's extensions, each only when set so that an unextended Habitat renders exactly the original's pod.
  if (spec.service_account_name) pod["serviceAccountName"] = *spec.service_account_name;
  if (spec.security_context) pod["securityContext"] = *spec.security_context;
  if (!spec.image_pull_secrets.empty()) {
    bj::array secrets;
    for (const auto& name : spec.image_pull_secrets) secrets.push_back(bj::object{{"name", name}});
    pod["imagePullSecrets"] = std::move(secrets);
  }
  if (!spec.node_selector.empty()) {
    bj::object selector;
    for (const auto& [k, v] : spec.node_selector) selector[k] = v;
    pod["nodeSelector"] = std::move(selector);
  }
  if (spec.affinity) pod["affinity"] = *spec.affinity;
  if (!spec.tolerations.empty()) pod["tolerations"] = spec.tolerations;
  return pod;
}

bj::object claim_template(const api::habitat& h) {
  const api::persistent_storage& ps = *h.spec.persistent_storage;
  bj::object meta;
  meta["name"] = volume_persistent;
  meta["labels"] = habitat_labels(h);
  bj::object spec;
  spec["accessModes"] = bj::array{"ReadWriteOnce"};
  // Omitted when empty: an empty string would disable dynamic provisioning instead of using the default class.
  if (!ps.storage_class_name.empty()) spec["storageClassName"] = ps.storage_class_name;
  spec["resources"] = bj::object{{"requests", bj::object{{"storage", api::quantity::canonical(ps.size)}}}};
  bj::object claim;
  claim["metadata"] = std::move(meta);
  claim["spec"] = std::move(spec);
  return claim;
}

}  // namespace

bj::object render_stateful_set(const api::habitat& h, const options& opts) {
  bj::object pod_labels = habitat_labels(h);
  const char* topology = api::to_string(h.spec.service.topology);
  pod_labels[label_topology] = topology;
  pod_labels[label_topology_deprecated] = topology;

  bj::object spec;
  spec["replicas"] = h.spec.count;
  spec["selector"] = bj::object{{"matchLabels", selector_labels(h)}};
  spec["serviceName"] = h.metadata.name;  // the headless Service rendered by render_service
  spec["podManagementPolicy"] = "Parallel";
  // AllAtOnce: the StatefulSet controller must not replace pods one by one (ElectionNoQuorum, habitat-sh/habitat#5264);
  // habop restarts every stale pod itself. RollingUpdate: the StatefulSet controller rolls.
  const bool at_once = api::effective_update_strategy(h.spec) == api::update_strategy::all_at_once;
  spec["updateStrategy"] = bj::object{{"type", at_once ? "OnDelete" : "RollingUpdate"}};
  spec["template"] =
      bj::object{{"metadata", bj::object{{"labels", std::move(pod_labels)}}}, {"spec", pod_spec(h, opts)}};
  if (h.spec.persistent_storage) spec["volumeClaimTemplates"] = bj::array{claim_template(h)};

  return owned_object(h, "apps/v1", "StatefulSet", std::move(spec));
}

}  // namespace habop::render
