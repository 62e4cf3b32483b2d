// The workload simulator's bookkeeping: which workloads changed, when to act, pod IPs and Deployment status.
#include <habop/fake_apiserver/simulation.hpp>

#include <charconv>

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "statefulset_revisions.hpp"

namespace habop::fake {
namespace bj = boost::json;
namespace {

std::string string_field(const bj::object& o, std::string_view a, std::string_view b) {
  const auto* first = o.if_contains(a);
  if (first == nullptr || !first->is_object()) return {};
  const auto* second = first->get_object().if_contains(b);
  return second != nullptr && second->is_string() ? std::string(second->get_string()) : std::string();
}

// The StatefulSet that controls a pod, if any.
std::optional<std::string> controlling_stateful_set(const bj::object& pod) {
  const bj::object* ref = controller_reference(pod);
  if (ref == nullptr) return std::nullopt;
  const auto* kind = ref->if_contains("kind");
  const auto* name = ref->if_contains("name");
  if (kind != nullptr && kind->is_string() && kind->get_string() == "StatefulSet" && name != nullptr &&
      name->is_string()) {
    return std::string(name->get_string());
  }
  return std::nullopt;
}

std::int64_t int_field(const bj::object& o, std::string_view a, std::string_view b, std::int64_t fallback) {
  const auto* first = o.if_contains(a);
  if (first == nullptr || !first->is_object()) return fallback;
  const auto* second = first->get_object().if_contains(b);
  return second != nullptr && second->is_int64() ? second->get_int64() : fallback;
}

}  // namespace

std::string template_revision(std::string_view sts_name, const bj::value& pod_template) {
  // KAS: fnv32a over the template, printed in decimal and "safe-encoded" (no vowels, no look-alike digits). Keys
  // sorted, as the controller hashes Go-encoded data: a rollback's re-ordered template must find its revision.
  std::string text = bj::serialize(sorted_keys(pod_template));
  std::uint32_t h = 2166136261u;
  for (unsigned char c : text) {
    h ^= c;
    h *= 16777619u;
  }
  static constexpr std::string_view alphabet = "bcdfghjklmnpqrstvwxz2456789";
  std::string digits = std::to_string(h);
  std::string encoded;
  for (unsigned char c : digits) encoded += alphabet[c % alphabet.size()];
  return std::string(sts_name) + "-" + encoded;
}

const bj::object* controller_reference(const bj::object& o) {
  const auto* meta = o.if_contains("metadata");
  const auto* refs = meta != nullptr && meta->is_object() ? meta->get_object().if_contains("ownerReferences") : nullptr;
  if (refs == nullptr || !refs->is_array()) return nullptr;
  for (const auto& ref : refs->get_array()) {
    const auto* controller = ref.is_object() ? ref.get_object().if_contains("controller") : nullptr;
    if (controller != nullptr && controller->is_bool() && controller->get_bool()) return &ref.get_object();
  }
  return nullptr;
}

std::optional<std::pair<std::string, long>> parent_and_ordinal(std::string_view pod_name) {
  const std::size_t dash = pod_name.rfind('-');
  if (dash == std::string_view::npos || dash == 0 || dash + 1 == pod_name.size()) return std::nullopt;
  long n = -1;
  const char* end = pod_name.data() + pod_name.size();
  auto [ptr, ec] = std::from_chars(pod_name.data() + dash + 1, end, n);
  if (ec != std::errc{} || ptr != end || n < 0) return std::nullopt;
  return std::pair{std::string(pod_name.substr(0, dash)), n};
}

std::string simulated_pod_ip(std::uint64_t n) {
  std::uint64_t slot = n % 508;
  if (slot < 254) return "192.0.2." + std::to_string(slot + 1);
  return "198.51.100." + std::to_string(slot - 254 + 1);
}

workload_simulator::workload_simulator(object_store& store, simulation_options opts)
    : store_(store), opts_(std::move(opts)) {
  subscription_ = store_.subscribe([this](const change& c) { on_change(c); });
  if (auto pods = store_.list(resources::pods(), "")) {
    for (const auto& pod : *pods) {
      std::string ip = string_field(pod, "status", "podIP");
      if (!ip.empty()) used_ips_.insert(ip);
    }
  }
  // Everything that exists is synced once, as controllers' informers start with a full list.
  for (auto [resource, queue] : {std::pair{resources::statefulsets(), &stateful_sets_},
                                 std::pair{resources::deployments(), &deployments_},
                                 std::pair{resources::persistentvolumeclaims(), &claims_},
                                 std::pair{resources::persistentvolumes(), &volumes_}}) {
    if (auto objects = store_.list(resource, "")) {
      for (const auto& o : *objects) {
        queue->due[{string_field(o, "metadata", "namespace"), string_field(o, "metadata", "name")}] = std::nullopt;
      }
    }
  }
}

workload_simulator::~workload_simulator() { store_.unsubscribe(subscription_); }

void workload_simulator::on_change(const change& c) {
  std::string ns = string_field(c.object, "metadata", "namespace");
  if (c.resource.group == "apps" && c.resource.plural == "statefulsets") {
    stateful_sets_.due.try_emplace({ns, string_field(c.object, "metadata", "name")}, std::nullopt);
  } else if (c.resource.group == "apps" && c.resource.plural == "deployments") {
    deployments_.due.try_emplace({ns, string_field(c.object, "metadata", "name")}, std::nullopt);
  } else if (c.resource == resources::persistentvolumeclaims()) {
    on_claim_change(c);
  } else if (c.resource == resources::persistentvolumes()) {
    on_volume_change(c);
  } else if (c.resource.group.empty() && c.resource.plural == "pods") {
    if (c.type == change_type::deleted) used_ips_.erase(string_field(c.object, "status", "podIP"));
    on_pod_claims(c);
    if (auto owner = controlling_stateful_set(c.object)) {
      stateful_sets_.due.try_emplace({ns, *owner}, std::nullopt);
    } else if (controller_reference(c.object) == nullptr) {
      // An orphan named like a member: its StatefulSet may adopt it, or may create the pod it stood in for.
      if (auto parent = parent_and_ordinal(string_field(c.object, "metadata", "name")))
        stateful_sets_.due.try_emplace({ns, parent->first}, std::nullopt);
    }
  }
}

std::size_t workload_simulator::step(instant now) {
  std::size_t writes = node_registered_ ? 0 : register_node(now);
  auto run = [&](work_queue& queue, std::size_t (workload_simulator::*reconcile)(const workload_key&, instant)) {
    for (auto it = queue.retry.begin(); it != queue.retry.end();) {
      if (it->second > now) {
        ++it;
        continue;
      }
      queue.due.try_emplace(it->first, now);
      it = queue.retry.erase(it);
    }
    std::vector<workload_key> ready;
    for (auto& [key, when] : queue.due) {
      if (!when) when = instant{now.unix_micros + opts_.step_delay_micros};
      if (*when <= now) ready.push_back(key);
    }
    for (const auto& key : ready) {
      queue.due.erase(key);  // before acting: our own writes may queue it again
      writes += (this->*reconcile)(key, now);
    }
  };
  // Workloads first: the claims and pods they create are then provisioned and bound in the same step.
  run(stateful_sets_, &workload_simulator::reconcile_stateful_set);
  run(deployments_, &workload_simulator::reconcile_deployment);
  run(claims_, &workload_simulator::reconcile_claim);
  run(volumes_, &workload_simulator::reconcile_volume);
  return writes;
}

std::size_t workload_simulator::settle(instant now, int max_rounds) {
  std::size_t total = 0;
  for (int i = 0; i < max_rounds; ++i) {
    if (stateful_sets_.empty() && deployments_.empty() && claims_.empty() && volumes_.empty()) break;
    instant at = now;
    if (auto next = next_deadline(); next && *next > at) at = *next;
    total += step(at);
  }
  return total;
}

std::optional<instant> workload_simulator::next_deadline() const {
  std::optional<instant> out;
  for (const auto* queue : {&stateful_sets_, &deployments_, &claims_, &volumes_}) {
    for (const auto& [key, when] : queue->due) {
      instant t = when.value_or(instant{});  // not yet seen: due as soon as possible
      if (!out || t < *out) out = t;
    }
    for (const auto& [key, when] : queue->retry)
      if (!out || when < *out) out = when;
  }
  return out;
}

std::string workload_simulator::allocate_ip() {
  for (int i = 0; i < 508; ++i) {
    std::string ip = simulated_pod_ip(next_ip_++);
    if (used_ips_.insert(ip).second) return ip;
  }
  return simulated_pod_ip(next_ip_++);  // every address in use: reuse rather than fail
}

std::size_t workload_simulator::reconcile_deployment(const workload_key& key, instant now) {
  auto dep = store_.get(resources::deployments(), key.first, key.second);
  if (!dep) return 0;
  std::int64_t replicas = int_field(*dep, "spec", "replicas", 1);
  std::int64_t generation = int_field(*dep, "metadata", "generation", 1);
  if (int_field(*dep, "status", "observedGeneration", -1) == generation &&
      int_field(*dep, "status", "readyReplicas", 0) == replicas &&
      int_field(*dep, "status", "replicas", 0) == replicas) {
    return 0;
  }
  std::string ts = to_rfc3339(now);
  auto condition = [&](const char* type, const char* reason, const char* message) {
    return bj::object{{"type", type},         {"status", "True"},      {"lastUpdateTime", ts},
                      {"lastTransitionTime", ts}, {"reason", reason}, {"message", message}};
  };
  bj::value count = replicas > 0 ? bj::value(replicas) : bj::value(nullptr);
  bj::object status{{"observedGeneration", generation},
                    {"replicas", count},
                    {"updatedReplicas", count},
                    {"readyReplicas", count},
                    {"availableReplicas", count},
                    {"conditions", bj::array{condition("Available", "MinimumReplicasAvailable",
                                                       "Deployment has minimum availability."),
                                             condition("Progressing", "NewReplicaSetAvailable",
                                                       "ReplicaSet has successfully progressed.")}}};
  write_options opts;
  opts.field_manager = "kube-controller-manager";
  auto r = store_.merge_patch(resources::deployments(), key.first, key.second, bj::object{{"status", status}}, now,
                              opts, "status");
  return r ? 1 : 0;
}

}  // namespace habop::fake
