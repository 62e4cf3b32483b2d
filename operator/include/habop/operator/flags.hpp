// Command-line flags of habitat-operator, parsed like Go's `flag` package so the original's invocations keep working.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <habop/core/result.hpp>

namespace habop::op {

/// Everything the command line decides. Defaults are the documented ones; `parse_flags({})` returns them.
struct operator_options {
  /// `--kubeconfig`: path of a kubeconfig file. Empty: `$KUBECONFIG`, then in-cluster, then `~/.kube/config`.
  std::string kubeconfig;
  /// `--namespace`: the one namespace to watch; empty watches every namespace (cluster scope).
  std::string ns;
  /// `--assume-crd-registered`: do not create the Habitat CRD (needed when the operator may not write CRDs).
  bool assume_crd_registered = false;
  /// `--verbose`: debug-level logs.
  bool verbose = false;
  /// `--leader-elect`: hold a coordination.k8s.io/v1 Lease before reconciling, so replicas can stand by.
  bool leader_elect = false;
  /// `--leader-election-namespace`: where the Lease lives; empty means `--namespace`, else the in-cluster
  /// namespace, else `default` (the runtime decides, it knows the in-cluster namespace).
  std::string leader_election_namespace;
  /// `--leader-election-id`: the Lease name.
  std::string leader_election_id = "habitat-operator";
  /// `--metrics-bind-address`: `host:port` for `/metrics`; `0` disables the endpoint.
  std::string metrics_bind_address = "127.0.0.1:8080";
  /// `--health-probe-bind-address`: `host:port` for `/healthz` and `/readyz`; `0` disables the endpoint.
  std::string health_probe_bind_address = "127.0.0.1:8081";
  /// `--workers`: how many keys are reconciled concurrently (never the same key twice at once). At least 1.
  int workers = 4;   ///< Reconciles wait on the API server, not the CPU: 4 keep the event-to-write tail short on 2 cores.
  /// `--resync-period` (Go duration, e.g. `30s`, `10m`): how often every cached Habitat is enqueued again from the
  /// local cache. A resync makes no API calls (client-go semantics); `0` disables it. The original used 30 s.
  std::chrono::milliseconds resync_period{std::chrono::seconds(30)};
  /// `--help`, `-h`: the caller prints `usage()` and exits 0.
  bool help = false;
  bool operator==(const operator_options&) const = default;
};

/// Parses the arguments after the program name. Go `flag` syntax: `-flag`, `--flag`, `-flag=value`,
/// `-flag value`; bool flags are bare or `-flag=true|false` (also `1`, `0`, `t`, `f`, `TRUE`, `False`...), never
/// `-flag false`. `--` ends the flags. glog's flags (`-logtostderr`, `-alsologtostderr`, `-v`, `-stderrthreshold`,
/// `-vmodule`, `-log_dir`, `-log_backtrace_at`) are accepted and ignored, since the original image's entrypoint
/// passes `-logtostderr`. An unknown flag, a missing or malformed value, or a positional argument gives a 400
/// error whose cause names the flag.
result<operator_options> parse_flags(std::span<const std::string_view> args);

/// The `--help` text: every flag with its default and meaning.
std::string usage();

/// A `host:port` listen address; host may be empty (all interfaces) or a bracketed IPv6 literal.
struct bind_address {
  std::string host;          ///< Without brackets: `127.0.0.1`, `::1`, or empty for all interfaces.
  std::uint16_t port = 0;
  bool operator==(const bind_address&) const = default;
};

/// Parses a `--*-bind-address` value. `0` gives an empty optional (endpoint disabled); malformed gives 400.
result<std::optional<bind_address>> parse_bind_address(std::string_view text);

/// Parses a Go duration (`300ms`, `1m30s`, `10h`, `0`); nullopt when malformed or negative.
std::optional<std::chrono::milliseconds> parse_go_duration(std::string_view text);

}  // namespace habop::op
