// Go-`flag`-compatible parsing of habitat-operator's command line, including glog's flags for compatibility.
#include <habop/operator/flags.hpp>

#include <charconv>
#include <functional>
#include <optional>
#include <vector>

namespace habop::op {
namespace {

error flag_error(std::string_view flag, std::string message, std::string reason = "FieldValueInvalid") {
  error e;
  e.code = 400;
  e.reason = "BadRequest";
  e.message = message;
  e.causes.push_back(field_cause{"-" + std::string(flag), std::move(reason), std::move(message)});
  return e;
}

/// strconv.ParseBool.
std::optional<bool> parse_go_bool(std::string_view s) {
  for (auto t : {"1", "t", "T", "TRUE", "true", "True"}) if (s == t) return true;
  for (auto f : {"0", "f", "F", "FALSE", "false", "False"}) if (s == f) return false;
  return std::nullopt;
}

std::optional<long long> parse_int(std::string_view s) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  long long v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || p != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

/// One flag: whether it is a bool (may appear bare) and how to store its value (an error message or empty).
struct flag_spec {
  std::string_view name;
  bool is_bool = false;
  std::function<std::string(operator_options&, std::string_view)> set;
};

std::string set_string(std::string& field, std::string_view v) { field = std::string(v); return {}; }

std::string set_bool(bool& field, std::string_view v) {
  auto b = parse_go_bool(v);
  if (!b) return "parse error";
  field = *b;
  return {};
}

std::string set_address(std::string& field, std::string_view v) {
  auto parsed = parse_bind_address(v);
  if (!parsed) return parsed.error().message;
  field = std::string(v);
  return {};
}

const std::vector<flag_spec>& flag_table() {
  static const std::vector<flag_spec> table = {
      {"kubeconfig", false, [](operator_options& o, std::string_view v) { return set_string(o.kubeconfig, v); }},
      {"namespace", false, [](operator_options& o, std::string_view v) { return set_string(o.ns, v); }},
      {"assume-crd-registered", true,
       [](operator_options& o, std::string_view v) { return set_bool(o.assume_crd_registered, v); }},
      {"verbose", true, [](operator_options& o, std::string_view v) { return set_bool(o.verbose, v); }},
      {"leader-elect", true, [](operator_options& o, std::string_view v) { return set_bool(o.leader_elect, v); }},
      {"leader-election-namespace", false,
       [](operator_options& o, std::string_view v) { return set_string(o.leader_election_namespace, v); }},
      {"leader-election-id", false,
       [](operator_options& o, std::string_view v) {
         if (v.empty()) return std::string("must not be empty");
         return set_string(o.leader_election_id, v);
       }},
      {"metrics-bind-address", false,
       [](operator_options& o, std::string_view v) { return set_address(o.metrics_bind_address, v); }},
      {"health-probe-bind-address", false,
       [](operator_options& o, std::string_view v) { return set_address(o.health_probe_bind_address, v); }},
      {"workers", false,
       [](operator_options& o, std::string_view v) {
         auto n = parse_int(v);
         if (!n) return std::string("parse error");
         if (*n < 1 || *n > 1024) return std::string("must be between 1 and 1024");
         o.workers = static_cast<int>(*n);
         return std::string();
       }},
      {"resync-period", false,
       [](operator_options& o, std::string_view v) {
         auto d = parse_go_duration(v);
         if (!d) return std::string("parse error: want a Go duration such as 30s, 10m or 0");
         o.resync_period = *d;
         return std::string();
       }},
      {"help", true, [](operator_options& o, std::string_view v) { return set_bool(o.help, v); }},
      {"h", true, [](operator_options& o, std::string_view v) { return set_bool(o.help, v); }},
      // glog's flags, registered by the original's vendored client-go: accepted, validated as glog would, ignored.
      {"logtostderr", true, [](operator_options&, std::string_view v) { bool b; return set_bool(b, v); }},
      {"alsologtostderr", true, [](operator_options&, std::string_view v) { bool b; return set_bool(b, v); }},
      {"v", false,
       [](operator_options&, std::string_view v) { return parse_int(v) ? std::string() : std::string("parse error"); }},
      {"stderrthreshold", false, [](operator_options&, std::string_view) { return std::string(); }},
      {"vmodule", false, [](operator_options&, std::string_view) { return std::string(); }},
      {"log_dir", false, [](operator_options&, std::string_view) { return std::string(); }},
      {"log_backtrace_at", false, [](operator_options&, std::string_view) { return std::string(); }},
  };
  return table;
}

}  // namespace

result<operator_options> parse_flags(std::span<const std::string_view> args) {
  operator_options options;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    if (arg == "--") {
      if (i + 1 < args.size()) return flag_error(args[i + 1], "unexpected argument \"" + std::string(args[i + 1]) + "\"");
      break;
    }
    if (arg.size() < 2 || arg.front() != '-') {
      error e = flag_error(arg, "unexpected argument \"" + std::string(arg) + "\": habitat-operator takes only flags");
      e.causes.front().field = std::string(arg);
      return e;
    }
    std::string_view body = arg.substr(arg[1] == '-' ? 2 : 1);
    if (body.empty() || body.front() == '-' || body.front() == '=') {
      error e = flag_error(arg, "bad flag syntax: " + std::string(arg));
      e.causes.front().field = std::string(arg);
      return e;
    }
    std::string_view name = body;
    std::optional<std::string_view> value;
    if (auto eq = body.find('='); eq != std::string_view::npos) {
      name = body.substr(0, eq);
      value = body.substr(eq + 1);
    }
    const flag_spec* spec = nullptr;
    for (const auto& f : flag_table()) if (f.name == name) spec = &f;
    if (!spec) return flag_error(name, "flag provided but not defined: -" + std::string(name), "FieldValueNotSupported");
    if (!value) {
      if (spec->is_bool) {
        value = "true";
      } else if (i + 1 < args.size()) {
        value = args[++i];
      } else {
        return flag_error(name, "flag needs an argument: -" + std::string(name), "FieldValueRequired");
      }
    }
    if (std::string problem = spec->set(options, *value); !problem.empty()) {
      return flag_error(name, "invalid value \"" + std::string(*value) + "\" for flag -" + std::string(name) + ": " +
                                  problem);
    }
  }
  return options;
}

std::string usage() {
  return R"(Usage of habitat-operator:
  -kubeconfig string
        Path to a kubeconfig file. Empty: $KUBECONFIG, then the in-cluster service account, then ~/.kube/config.
  -namespace string
        The one namespace to watch. Empty: every namespace (cluster scope).
  -assume-crd-registered
        Do not create the Habitat CustomResourceDefinition (needed when running namespaced).
  -verbose
        Log at debug level.
  -leader-elect
        Hold a coordination.k8s.io/v1 Lease before reconciling, so that several replicas can run.
  -leader-election-namespace string
        Namespace of the Lease. Empty: -namespace, else the in-cluster namespace, else "default".
  -leader-election-id string
        Name of the Lease. (default "habitat-operator")
  -metrics-bind-address string
        host:port serving /metrics; "0" disables it. (default "127.0.0.1:8080")
  -health-probe-bind-address string
        host:port serving /healthz and /readyz; "0" disables it. (default "127.0.0.1:8081")
  -workers int
        Habitats reconciled concurrently (never one Habitat twice at once). (default 4)
  -resync-period duration
        Re-enqueue every cached Habitat this often, from the local cache without API calls; 0 disables. (default 30s)
  -help, -h
        Print this help.

Flags take one or two dashes, and "-flag=value" or "-flag value"; booleans are bare or "-flag=false".
glog's flags (-logtostderr, -alsologtostderr, -v, -stderrthreshold, -vmodule, -log_dir, -log_backtrace_at) are
accepted for compatibility with the original and ignored: logs always go to stderr as logfmt.
)";
}

result<std::optional<bind_address>> parse_bind_address(std::string_view text) {
  auto bad = [&](std::string why) {
    error e;
    e.code = 400;
    e.reason = "BadRequest";
    e.message = "address \"" + std::string(text) + "\": " + why;
    return e;
  };
  if (text == "0") return std::optional<bind_address>{};
  bind_address out;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos) return bad("missing ']' in address");
    out.host = std::string(text.substr(1, close - 1));
    if (close + 1 >= text.size() || text[close + 1] != ':') return bad("missing port in address");
    port = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return bad("missing port in address");
    if (text.substr(0, colon).find(':') != std::string_view::npos) return bad("too many colons in address");
    out.host = std::string(text.substr(0, colon));
    port = text.substr(colon + 1);
  }
  auto n = parse_int(port);
  if (!n || port.front() == '+' || *n < 0 || *n > 65535) return bad("invalid port \"" + std::string(port) + "\"");
  out.port = static_cast<std::uint16_t>(*n);
  return std::optional<bind_address>{out};
}

std::optional<std::chrono::milliseconds> parse_go_duration(std::string_view s) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s == "0") return std::chrono::milliseconds{0};
  if (s.empty()) return std::nullopt;
  double total_ns = 0;
  while (!s.empty()) {
    std::size_t i = 0;
    double whole = 0, frac = 0, scale = 1;
    bool digits = false;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') { whole = whole * 10 + (s[i++] - '0'); digits = true; }
    if (i < s.size() && s[i] == '.') {
      ++i;
      while (i < s.size() && s[i] >= '0' && s[i] <= '9') { scale /= 10; frac += (s[i++] - '0') * scale; digits = true; }
    }
    if (!digits) return std::nullopt;
    std::size_t u = i;
    while (u < s.size() && !(s[u] == '.' || (s[u] >= '0' && s[u] <= '9'))) ++u;
    std::string_view unit = s.substr(i, u - i);
    double ns = 0;
    if (unit == "ns") ns = 1;
    else if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs") ns = 1e3;
    else if (unit == "ms") ns = 1e6;
    else if (unit == "s") ns = 1e9;
    else if (unit == "m") ns = 60e9;
    else if (unit == "h") ns = 3600e9;
    else return std::nullopt;
    total_ns += (whole + frac) * ns;
    s.remove_prefix(u);
  }
  if (total_ns > 9.2e18) return std::nullopt;  // Go's duration overflows an int64 of nanoseconds.
  return std::chrono::milliseconds{static_cast<std::int64_t>(total_ns / 1e6)};
}

}  // namespace habop::op
