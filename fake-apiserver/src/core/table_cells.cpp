// The cells of kube-apiserver's built-in printers that are computed rather than read from one field: workload
// containers and selectors, pod status, readiness, restarts and readiness gates, node status, roles and addresses, and
// the storage class and access modes of volumes and claims.
#include "detail.hpp"

#include <algorithm>
#include <set>
#include <utility>
#include <vector>

namespace habop::fake {

// The wide Containers and Images cells of a workload (KAS's layoutContainerCells): names and images of the pod
// template's containers, comma-joined.
void template_containers(const bj::object& workload, bj::array& cells) {
  std::string names, images;
  if (const bj::value* cs = find_path(workload, {"spec", "template", "spec", "containers"}); cs && cs->is_array()) {
    for (const auto& c : cs->get_array()) {
      if (!c.is_object()) continue;
      names += (names.empty() ? "" : ",") + string_at(c.get_object(), {"name"});
      images += (images.empty() ? "" : ",") + string_at(c.get_object(), {"image"});
    }
  }
  cells.emplace_back(names);
  cells.emplace_back(images);
}

// spec.selector as metav1.FormatLabelSelector writes it: one requirement per label (`k=v`) and expression
// (`key in (a,b)`, `key notin (a,b)`, `key`, `!key`), sorted by key as labels.Selector prints; `<none>` when empty.
std::string label_selector_text(const bj::object& workload) {
  std::vector<std::pair<std::string, std::string>> parts;   // key, requirement
  if (const bj::value* labels = find_path(workload, {"spec", "selector", "matchLabels"}); labels && labels->is_object())
    for (const auto& [k, v] : labels->get_object())
      parts.emplace_back(std::string(k), std::string(k) + "=" + (v.is_string() ? std::string(v.get_string()) : ""));
  if (const bj::value* exprs = find_path(workload, {"spec", "selector", "matchExpressions"}); exprs && exprs->is_array())
    for (const auto& e : exprs->get_array()) {
      if (!e.is_object()) continue;
      const std::string key = string_at(e.get_object(), {"key"}), op = string_at(e.get_object(), {"operator"});
      std::string values;
      if (const bj::value* vs = e.get_object().if_contains("values"); vs && vs->is_array())
        for (const auto& v : vs->get_array()) values += (values.empty() ? "" : ",") + (v.is_string() ? std::string(v.get_string()) : "");
      if (op == "In") parts.emplace_back(key, key + " in (" + values + ")");
      else if (op == "NotIn") parts.emplace_back(key, key + " notin (" + values + ")");
      else if (op == "Exists") parts.emplace_back(key, key);
      else if (op == "DoesNotExist") parts.emplace_back(key, "!" + key);
    }
  std::stable_sort(parts.begin(), parts.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string out;
  for (const auto& [key, requirement] : parts) out += (out.empty() ? "" : ",") + requirement;
  return out.empty() ? "<none>" : out;
}

// The pod's Readiness Gates cell (KAS's printPod): `<none>`, else how many of spec.readinessGates have a True
// condition, `n/total`.
std::string readiness_gates(const bj::object& pod) {
  const bj::value* gates = find_path(pod, {"spec", "readinessGates"});
  if (!gates || !gates->is_array() || gates->get_array().empty()) return "<none>";
  std::size_t ready = 0;
  const bj::value* conditions = find_path(pod, {"status", "conditions"});
  for (const auto& g : gates->get_array()) {
    const std::string type = g.is_object() ? string_at(g.get_object(), {"conditionType"}) : "";
    if (conditions && conditions->is_array())
      for (const auto& c : conditions->get_array())
        if (c.is_object() && string_at(c.get_object(), {"type"}) == type && string_at(c.get_object(), {"status"}) == "True")
          ++ready;
  }
  return std::to_string(ready) + "/" + std::to_string(gates->get_array().size());
}

// A node's Status (KAS's printNode): Ready, NotReady or Unknown from the Ready condition, then SchedulingDisabled
// when cordoned; and its Roles from the node-role.kubernetes.io/<role> labels (and kubernetes.io/role), sorted.
std::string node_status(const bj::object& node) {
  std::string out = "Unknown";
  if (const bj::value* cs = find_path(node, {"status", "conditions"}); cs && cs->is_array())
    for (const auto& c : cs->get_array())
      if (c.is_object() && string_at(c.get_object(), {"type"}) == "Ready")
        out = string_at(c.get_object(), {"status"}) == "True" ? "Ready" : "NotReady";
  if (const bj::value* u = find_path(node, {"spec", "unschedulable"}); u && u->is_bool() && u->get_bool())
    out += ",SchedulingDisabled";
  return out;
}

std::string node_roles(const bj::object& node) {
  std::set<std::string> roles;
  constexpr std::string_view prefix = "node-role.kubernetes.io/";
  if (const bj::value* labels = find_path(node, {"metadata", "labels"}); labels && labels->is_object())
    for (const auto& [k, v] : labels->get_object()) {
      if (k.starts_with(prefix) && k.size() > prefix.size()) roles.insert(std::string(k.substr(prefix.size())));
      else if (k == "kubernetes.io/role" && v.is_string() && !v.get_string().empty()) roles.insert(std::string(v.get_string()));
    }
  std::string out;
  for (const auto& r : roles) out += (out.empty() ? "" : ",") + r;
  return out.empty() ? "<none>" : out;
}

// The first status.addresses entry of `type`, or `<none>`.
std::string node_address(const bj::object& node, std::string_view type) {
  if (const bj::value* as = find_path(node, {"status", "addresses"}); as && as->is_array())
    for (const auto& a : as->get_array())
      if (a.is_object() && string_at(a.get_object(), {"type"}) == type) return string_at(a.get_object(), {"address"});
  return "<none>";
}

std::string pod_ready(const bj::object& o) {
  std::int64_t total = 0, ready = 0;
  if (const bj::value* cs = find_path(o, {"spec", "containers"}); cs && cs->is_array()) total = static_cast<std::int64_t>(cs->get_array().size());
  if (const bj::value* st = find_path(o, {"status", "containerStatuses"}); st && st->is_array())
    for (const auto& c : st->get_array())
      if (const bj::value* r = c.is_object() ? c.get_object().if_contains("ready") : nullptr; r && r->is_bool() && r->get_bool()) ++ready;
  return std::to_string(ready) + "/" + std::to_string(total);
}

namespace {

const bj::object* state_of(const bj::value& status, std::string_view which) {
  const bj::value* st = status.is_object() ? find_path(status.get_object(), {"state", which}) : nullptr;
  return st ? st->if_object() : nullptr;
}

// A terminated container's reason, else `<prefix>Signal:n` or `<prefix>ExitCode:n`.
std::string terminated_reason(const bj::object& terminated, const std::string& prefix) {
  const std::string reason = string_at(terminated, {"reason"});
  if (!reason.empty()) return prefix + reason;
  const bj::value* signal = terminated.if_contains("signal");
  if (signal && signal->is_int64() && signal->get_int64() != 0) return prefix + "Signal:" + serialize(*signal);
  const bj::value* code = terminated.if_contains("exitCode");
  return prefix + "ExitCode:" + (code && code->is_int64() ? serialize(*code) : "0");
}

bool exited_cleanly(const bj::object* terminated) {
  const bj::value* code = terminated ? terminated->if_contains("exitCode") : nullptr;
  return code && code->is_int64() && code->get_int64() == 0;
}

}  // namespace

std::string pod_status_reason(const bj::object& pod) {
  std::string reason = string_at(pod, {"status", "reason"});
  if (reason.empty()) reason = string_at(pod, {"status", "phase"});
  bool initializing = false;
  const bj::value* inits = find_path(pod, {"status", "initContainerStatuses"});
  const bj::value* init_specs = find_path(pod, {"spec", "initContainers"});
  const std::size_t init_count = init_specs && init_specs->is_array() ? init_specs->get_array().size() : 0;
  if (inits && inits->is_array()) {
    std::size_t i = 0;
    for (const auto& st : inits->get_array()) {
      const bj::object* terminated = state_of(st, "terminated");
      const bj::object* waiting = state_of(st, "waiting");
      if (exited_cleanly(terminated)) {
        ++i;
        continue;
      }
      initializing = true;
      const std::string waiting_reason = waiting ? string_at(*waiting, {"reason"}) : "";
      if (terminated) reason = terminated_reason(*terminated, "Init:");
      else if (!waiting_reason.empty() && waiting_reason != "PodInitializing") reason = "Init:" + waiting_reason;
      else reason = "Init:" + std::to_string(i) + "/" + std::to_string(init_count);
      break;
    }
  }
  const auto condition_true = [&](std::string_view type) {
    if (const bj::value* cs = find_path(pod, {"status", "conditions"}); cs && cs->is_array())
      for (const auto& c : cs->get_array())
        if (c.is_object() && string_at(c.get_object(), {"type"}) == type)
          return string_at(c.get_object(), {"status"}) == "True";
    return false;
  };
  if (!initializing || condition_true("Initialized")) {
    bool running = false;
    if (const bj::value* sts = find_path(pod, {"status", "containerStatuses"}); sts && sts->is_array()) {
      const bj::array& all = sts->get_array();
      for (auto it = all.rbegin(); it != all.rend(); ++it) {
        const bj::object* waiting = state_of(*it, "waiting");
        const bj::object* terminated = state_of(*it, "terminated");
        if (waiting && !string_at(*waiting, {"reason"}).empty()) reason = string_at(*waiting, {"reason"});
        else if (terminated) reason = terminated_reason(*terminated, "");
        else if (state_of(*it, "running") && it->is_object() && it->get_object().if_contains("ready") &&
                 it->get_object().at("ready") == true)
          running = true;
      }
    }
    if (reason == "Completed" && running) reason = condition_true("Ready") ? "Running" : "NotReady";
  }
  if (find_path(pod, {"metadata", "deletionTimestamp"})) {
    const std::string phase = string_at(pod, {"status", "phase"});
    if (string_at(pod, {"status", "reason"}) == "NodeLost") reason = "Unknown";
    else if (phase != "Succeeded" && phase != "Failed") reason = "Terminating";
  }
  return reason;
}

std::int64_t pod_restarts(const bj::object& o) {
  std::int64_t n = 0;
  if (const bj::value* st = find_path(o, {"status", "containerStatuses"}); st && st->is_array())
    for (const auto& c : st->get_array())
      if (const bj::value* r = c.is_object() ? c.get_object().if_contains("restartCount") : nullptr; r && r->is_int64())
        n += r->get_int64();
  return n;
}

// The subjects of `kind` a binding names, as printRoleBinding lists them: names joined by ", ", ServiceAccounts
// as namespace/name.
std::string binding_subjects(const bj::object& binding, std::string_view kind) {
  std::string out;
  if (const bj::value* subjects = binding.if_contains("subjects"); subjects && subjects->is_array())
    for (const auto& sv : subjects->get_array()) {
      const bj::object* subject = sv.if_object();
      if (!subject || string_at(*subject, {"kind"}) != kind) continue;
      const std::string ns = string_at(*subject, {"namespace"}), name = string_at(*subject, {"name"});
      out += (out.empty() ? "" : ", ") + (kind == "ServiceAccount" ? ns + "/" + name : name);
    }
  return out;
}

// helper.GetPersistentVolumeClass / GetPersistentVolumeClaimClass: the beta annotation, else spec.storageClassName.
std::string storage_class_of(const bj::object& o) {
  std::string sc = string_at(o, {"metadata", "annotations", "volume.beta.kubernetes.io/storage-class"});
  return sc.empty() ? string_at(o, {"spec", "storageClassName"}) : sc;
}

// helper.GetAccessModesAsString of the modes at `path`: short names, each once, in a fixed order.
std::string access_modes(const bj::object& o, std::initializer_list<std::string_view> path) {
  const auto modes = string_list(o, path);
  std::string out;
  for (auto [mode, abbrev] : {std::pair{"ReadWriteOnce", "RWO"}, std::pair{"ReadOnlyMany", "ROX"},
                              std::pair{"ReadWriteMany", "RWX"}, std::pair{"ReadWriteOncePod", "RWOP"}})
    if (std::find(modes.begin(), modes.end(), mode) != modes.end()) out += (out.empty() ? "" : ",") + std::string(abbrev);
  return out;
}

}  // namespace habop::fake
