// The core/v1 pods/log subresource: kube-apiserver's checks (PodLogOptions validation, the container choice it
// shares with exec and attach), the kubelet's (container state, `previous`), and a simulated Habitat Supervisor log,
// since no container ever runs: `kubectl logs` then shows which image and arguments the pod's Supervisor would have
// started with.
#include "http.hpp"

#include <algorithm>

namespace habop::fake {
namespace {

// PodLogOptions as the query carries them (staging/src/k8s.io/api/core/v1/types.go).
struct log_options {
  std::string container;
  bool previous = false;
  bool timestamps = false;
  std::optional<std::int64_t> tail_lines, limit_bytes, since_seconds;
  std::optional<instant> since_time;
};

// One simulated log line and when it was "written".
struct log_line {
  instant at;
  std::string text;
};

// The query as PodLogOptions, validated as ValidatePodLogOptions does (422 naming the pod).
result<log_options> parse_options(const http_ctx& c, std::string_view pod) {
  log_options o;
  o.container = c.param("container").value_or("");
  o.previous = c.flag("previous");
  o.timestamps = c.flag("timestamps");
  for (auto [key, out] : {std::pair{"tailLines", &o.tail_lines}, std::pair{"limitBytes", &o.limit_bytes},
                          std::pair{"sinceSeconds", &o.since_seconds}}) {
    auto v = c.param(key);
    if (!v) continue;
    *out = parse_integer<std::int64_t>(*v);
    if (!*out) return bad_request("invalid value for " + std::string(key) + ": " + json_quote(*v));
  }
  if (auto v = c.param("sinceTime")) {
    o.since_time = parse_rfc3339(*v);
    if (!o.since_time) return bad_request("invalid value for sinceTime: " + json_quote(*v));
  }
  std::vector<field_cause> causes;
  auto must = [&](const char* field, const std::optional<std::int64_t>& v, std::int64_t min, const char* msg) {
    if (v && *v < min)
      causes.push_back({field, "FieldValueInvalid", "Invalid value: " + std::to_string(*v) + ": " + msg});
  };
  must("tailLines", o.tail_lines, 0, "must be greater than or equal to 0");
  must("limitBytes", o.limit_bytes, 1, "must be greater than 0");
  if (o.since_seconds && o.since_time)
    causes.push_back({"", "FieldValueForbidden", "Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified"});
  else must("sinceSeconds", o.since_seconds, 1, "must be greater than 0");
  if (!causes.empty()) return invalid(resource_type{.kind = "PodLogOptions"}, pod, std::move(causes));
  return o;
}

const bj::array& array_at(const bj::object& o, std::initializer_list<std::string_view> path) {
  static const bj::array none;
  const bj::value* v = find_path(o, path);
  return v && v->is_array() ? v->get_array() : none;
}

const bj::object* named(const bj::array& items, std::string_view name) {
  for (const auto& i : items)
    if (i.is_object() && string_at(i.get_object(), {"name"}) == name) return &i.get_object();
  return nullptr;
}

// The kubelet's validateContainerLogStatus over the stored status (our kubelet's truth): when the container's log
// begins, or its 400 message. The simulation restarts nothing, so there is never a previous container. A status
// not reported yet is the kubelet's ContainerCreating; init containers of a running pod have completed.
result<instant> log_start(const bj::object& pod, const std::string& ctr, bool init, bool previous) {
  const std::string who = json_quote(ctr) + " in pod " + json_quote(string_at(pod, {"metadata", "name"}));
  if (previous) return bad_request("previous terminated container " + who + " not found");
  const bj::object* st = nullptr;
  for (auto list : {"containerStatuses", "initContainerStatuses", "ephemeralContainerStatuses"})
    if (!st) st = named(array_at(pod, {"status", list}), ctr);
  if (!st) {
    const std::string phase = string_at(pod, {"status", "phase"});
    if (!init || (phase != "Running" && phase != "Succeeded" && phase != "Failed"))
      return bad_request("container " + who + " is waiting to start: ContainerCreating");
  } else if (const bj::value* waiting = find_path(*st, {"state", "waiting"}); waiting && waiting->is_object()) {
    return bad_request("container " + who + " is waiting to start: " + string_at(waiting->get_object(), {"reason"}));
  } else if (!find_path(*st, {"state", "running"})) {
    if (!find_path(*st, {"state", "terminated"}))
      return bad_request("container " + who + " is waiting to start - no logs yet");
    if (string_at(*st, {"state", "terminated", "containerID"}).empty())
      return bad_request("container " + who + " is terminated");
  }
  for (auto at : {st ? string_at(*st, {"state", "running", "startedAt"}) : "",
                  st ? string_at(*st, {"state", "terminated", "startedAt"}) : "", string_at(pod, {"status", "startTime"}),
                  string_at(pod, {"metadata", "creationTimestamp"})})
    if (auto t = parse_rfc3339(at)) return *t;
  return instant{};
}

// An argument as typed: plain words verbatim, anything else (empty, spaces, quotes, non-ASCII) JSON-quoted.
std::string shell_word(std::string_view arg) {
  const bool plain = !arg.empty() && arg.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                           "0123456789-_./:=,@%+") == std::string_view::npos;
  return plain ? std::string(arg) : json_quote(arg);
}

std::string words(const std::vector<std::string>& args) {
  std::string out;
  for (const auto& a : args) out += (out.empty() ? "" : " ") + shell_word(a);
  return out.empty() ? "(none)" : out;
}

// The value of `--flag v` or `--flag=v` in a Supervisor's arguments.
std::optional<std::string> flag_value(const std::vector<std::string>& args, std::string_view flag) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == flag && i + 1 < args.size()) return args[i + 1];
    if (args[i].size() > flag.size() && args[i].compare(0, flag.size(), flag) == 0 && args[i][flag.size()] == '=')
      return args[i].substr(flag.size() + 1);
  }
  return std::nullopt;
}

// `habitat/redis:4.0@sha256:...` → `redis`: the package a Habitat-exported image runs.
std::string service_of(std::string image) {
  image = image.substr(0, image.find('@'));
  image = image.substr(image.rfind('/') + 1);
  image = image.substr(0, image.find(':'));
  return image.empty() ? "service" : image;
}

std::string member_id(std::string_view seed) {
  std::string out;
  for (std::uint64_t basis : {1469598103934665603ULL, 1099511628211ULL}) {
    std::uint64_t h = basis;
    for (unsigned char ch : seed) h = (h ^ ch) * 1099511628211ULL;
    static constexpr char hex[] = "0123456789abcdef";
    for (int shift = 60; shift >= 0; shift -= 4) out += hex[(h >> shift) & 0xf];
  }
  return out;
}

// The simulated log: deterministic, from the pod spec and status only. Env values are never shown (they may come
// from Secrets), only the variables' names.
std::vector<std::string> simulated_lines(const bj::object& pod, const bj::object& ctr, bool init) {
  const std::string pod_ref = string_at(pod, {"metadata", "namespace"}) + "/" + string_at(pod, {"metadata", "name"});
  const std::string name = string_at(ctr, {"name"}), image = string_at(ctr, {"image"});
  const std::vector<std::string> command = string_list(ctr, {"command"}), args = string_list(ctr, {"args"});
  std::vector<std::string> out{"[fake-apiserver] This log is simulated: no container ran. Pod " + pod_ref +
                               (init ? ", init container " : ", container ") + json_quote(name) + "."};
  if (init) {
    out.push_back("Image " + image + ", command: " + words(command) + ", args: " + words(args));
    out.push_back("Completed with exit code 0");
    return out;
  }
  std::string ip = string_at(pod, {"status", "podIP"});
  if (ip.empty()) ip = "0.0.0.0";
  const std::string svc = service_of(image) + "." + flag_value(args, "--group").value_or("default");
  out.push_back("hab-sup(MR): Starting the Supervisor of image " + image);
  if (!command.empty()) out.push_back("hab-sup(MR): Container command: " + words(command));
  out.push_back("hab-sup(MR): Supervisor arguments: " + words(args));
  std::string env;
  for (const auto& e : array_at(ctr, {"env"}))
    if (e.is_object()) env += (env.empty() ? "" : ", ") + string_at(e.get_object(), {"name"});
  if (!env.empty()) out.push_back("hab-sup(MR): Environment variables (values not shown): " + env);
  out.push_back("hab-sup(MR): Supervisor Member-ID " + member_id(string_at(pod, {"metadata", "uid"}) + "/" + name));
  out.push_back("hab-sup(MR): Starting gossip-listener on " + ip + ":9638");
  out.push_back("hab-sup(MR): Starting ctl-gateway on 127.0.0.1:9632");
  out.push_back("hab-sup(MR): Starting http-gateway on " + ip + ":9631");
  if (auto peers = flag_value(args, "--peer-watch-file")) out.push_back("hab-sup(MR): Watching peer file " + *peers);
  if (auto ring = flag_value(args, "--ring")) out.push_back("hab-sup(MR): Joining ring " + *ring);
  out.push_back(svc + "(SR): Initializing");
  out.push_back(svc + "(SV): Starting service as user=hab, group=hab");
  out.push_back(svc + "(SV): Service started on pod IP " + ip);
  return out;
}

// The kubelet's log writer: tail first, then since, then the RFC3339Nano prefix (kubelet's fixed nine digits), and
// limitBytes over what is written, cutting the last line if need be.
std::string render(const std::vector<log_line>& lines, const log_options& o, instant now) {
  std::size_t first = 0;
  if (o.tail_lines && static_cast<std::size_t>(*o.tail_lines) < lines.size())
    first = lines.size() - static_cast<std::size_t>(*o.tail_lines);
  std::optional<instant> since = o.since_time;
  if (o.since_seconds)   // capped at ~31,700 years, so that the microseconds cannot overflow
    since = instant{now.unix_micros - std::min<std::int64_t>(*o.since_seconds, 1'000'000'000'000) * 1'000'000};
  std::string out;
  for (std::size_t i = first; i < lines.size(); ++i) {
    if (since && lines[i].at < *since) continue;
    if (o.timestamps) {
      std::string ts = to_rfc3339_micro(lines[i].at);
      out += ts.insert(ts.size() - 1, "000") + " ";
    }
    out += lines[i].text + "\n";
  }
  if (o.limit_bytes && static_cast<std::uint64_t>(*o.limit_bytes) < out.size())
    out.resize(static_cast<std::size_t>(*o.limit_bytes));
  return out;
}

}  // namespace

result<std::pair<const bj::object*, bool>> pick_container(const bj::object& pod, const std::string& wanted) {
  const std::string pod_name = string_at(pod, {"metadata", "name"});
  const bj::array& init = array_at(pod, {"spec", "initContainers"});
  const bj::array& app = array_at(pod, {"spec", "containers"});
  const bj::array& ephemeral = array_at(pod, {"spec", "ephemeralContainers"});
  if (wanted.empty()) {
    if (app.size() == 1 && app[0].is_object()) return std::pair{&app[0].get_object(), false};
    if (app.empty()) return bad_request("a container name must be specified for pod " + pod_name);
    std::string names;
    for (const bj::array* list : {&init, &app, &ephemeral})
      for (const auto& i : *list)
        if (i.is_object()) names += (names.empty() ? "" : " ") + string_at(i.get_object(), {"name"});
    return bad_request("a container name must be specified for pod " + pod_name + ", choose one of: [" + names + "]");
  }
  if (const bj::object* ctr = named(init, wanted)) return std::pair{ctr, true};
  for (const bj::array* list : {&app, &ephemeral})
    if (const bj::object* ctr = named(*list, wanted)) return std::pair{ctr, false};
  return bad_request("container " + wanted + " is not valid for pod " + pod_name);
}

// `follow` is accepted and changes nothing: the whole log is sent and the response ends, as a simulated container
// writes nothing after it started (kubectl logs -f then returns). `insecureSkipTLSVerifyBackend` is ignored too.
handled serve_pod_log(const object_store::impl& s, const resource_type& t, const route& r, const http_ctx& c) {
  if (c.req.method != "GET")
    return reply(status_response(error{405, "MethodNotAllowed", "the server does not allow this method on the requested resource", {}}));
  auto opts = parse_options(c, r.name);
  if (!opts) return reply(status_response(opts.error()));
  auto pod = s.get(t, r.ns, r.name);
  if (!pod) return reply(status_response(pod.error()));
  auto ctr = pick_container(**pod, opts->container);
  if (!ctr) return reply(status_response(ctr.error()));
  // LogLocation: a pod no node runs has no log yet, and kube-apiserver answers an empty stream.
  if (string_at(**pod, {"spec", "nodeName"}).empty()) return reply(json_response(200, "", "text/plain"));
  const auto [container, init] = *ctr;
  auto start = log_start(**pod, string_at(*container, {"name"}), init, opts->previous);
  if (!start) return reply(status_response(start.error()));
  std::vector<log_line> lines;
  std::int64_t offset = 0;
  for (auto& text : simulated_lines(**pod, *container, init))
    lines.push_back({instant{start->unix_micros + 1000 * offset++}, std::move(text)});
  return reply(json_response(200, render(lines, *opts, c.now), "text/plain"));
}

}  // namespace habop::fake
