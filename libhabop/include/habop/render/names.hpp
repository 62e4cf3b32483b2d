// The wire-compatible names habop shares with the original operator: label keys, object, volume and container
// names, paths and ports (reference §1.1, §2.5, §2.6). Changing any of these breaks existing clusters.
#pragma once

namespace habop::render {

// Labels.
/// `habitat: "true"` on every object habop owns and on every pod (habitat-updater selects on it).
inline constexpr const char* label_habitat = "habitat";
/// `habitat-name: <Habitat name>`: the StatefulSet selector and how owned objects find their Habitat.
inline constexpr const char* label_habitat_name = "habitat-name";
/// `operator.habitat.sh/topology: standalone|leader` on pods.
inline constexpr const char* label_topology = "operator.habitat.sh/topology";
/// The deprecated `topology` pod label (issue #357), kept for readers of the original's labels.
inline constexpr const char* label_topology_deprecated = "topology";

// The peer ConfigMap.
/// Name of the peer ConfigMap of Habitats without a ring; per-ring names start with it (see peer_config_map_name).
inline constexpr const char* peer_config_map_base_name = "peer-watch-file";
/// The ConfigMap data key holding the seed addresses, one per line.
inline constexpr const char* peer_config_map_key = "peer-watch-file";
/// Where the peer ConfigMap is mounted, and the file the Supervisor watches (`--peer-watch-file`).
inline constexpr const char* peer_watch_dir = "/habitat-operator";
inline constexpr const char* peer_watch_file_name = "peer-ip";
inline constexpr const char* peer_watch_file = "/habitat-operator/peer-ip";

// The pod.
/// The Supervisor's container (habitat-updater and users' scripts look for it by name).
inline constexpr const char* container_name = "habitat-service";
/// The init container that copies the files Secret into a writable directory (PR #351: the Supervisor chmods them).
inline constexpr const char* files_init_container_name = "copy-files";

// Volumes.
inline constexpr const char* volume_peer_config = "config";
inline constexpr const char* volume_user_config = "user-config";
inline constexpr const char* volume_files_secret = "files-secrets";
inline constexpr const char* volume_files = "files";
inline constexpr const char* volume_persistent = "persistent";
/// The ring key volume. The original named it after the Secret; a fixed name cannot exceed the 63-character limit
/// on volume names that long Secret names would.
inline constexpr const char* volume_ring_key = "ring-key";

// Secret keys the Supervisor's files are taken from.
inline constexpr const char* secret_key_user_toml = "user.toml";
inline constexpr const char* secret_key_ring_key = "ring-key";

// Paths.
inline constexpr const char* ring_key_dir = "/hab/cache/keys";
inline constexpr const char* files_secret_mount = "/mnt/files";

// Ports (reference §5.6).
inline constexpr int gossip_port = 9638;
inline constexpr int http_gateway_port = 9631;
inline constexpr const char* port_gossip = "gossip";
inline constexpr const char* port_gossip_udp = "gossip-udp";
inline constexpr const char* port_http_gateway = "http-gateway";

}  // namespace habop::render
