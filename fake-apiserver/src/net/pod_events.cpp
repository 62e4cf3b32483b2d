// The events of a simulated pod's start and of the StatefulSet controller, worded as kube-scheduler, the kubelet
// and kube-controller-manager word them.
#include "pod_events.hpp"

#include <cstdio>
#include <string>

#include <boost/json/array.hpp>

#include "json_fields.hpp"

namespace habop::fake {
namespace bj = boost::json;

bool event_recorder::record(const bj::object& regarding, std::string_view type, std::string_view reason,
                            std::string_view message, std::string_view component, std::string_view host, instant now,
                            std::string_view container) {
  const bj::object& meta = object_or_empty(regarding, "metadata");
  const std::string ns = str(meta, "namespace"), name = str(meta, "name");
  char suffix[24];
  std::snprintf(suffix, sizeof suffix, "%016llx",
                static_cast<unsigned long long>(now.unix_micros) * 1000ull + ++sequence);
  bj::object involved{{"kind", str(regarding, "kind")},
                      {"namespace", ns},
                      {"name", name},
                      {"uid", str(meta, "uid")},
                      {"apiVersion", str(regarding, "apiVersion")},
                      {"resourceVersion", str(meta, "resourceVersion")}};
  if (!container.empty()) involved["fieldPath"] = "spec.containers{" + std::string(container) + "}";
  bj::object source{{"component", component}};
  if (!host.empty()) source["host"] = host;
  const std::string at = to_rfc3339(now);
  bj::object event{{"apiVersion", "v1"},
                   {"kind", "Event"},
                   {"metadata", bj::object{{"name", name + "." + suffix}, {"namespace", ns}}},
                   {"involvedObject", std::move(involved)},
                   {"reason", reason},
                   {"message", message},
                   {"source", std::move(source)},
                   {"firstTimestamp", at},
                   {"lastTimestamp", at},
                   {"count", 1},
                   {"type", type},
                   {"reportingComponent", component},
                   {"reportingInstance", host}};
  return static_cast<bool>(
      store.create(resources::events(), ns, std::move(event), now, write_options{std::string(component)}));
}

std::size_t record_pod_start(event_recorder& events, const bj::object& pod, bool pulled, instant now) {
  const bj::object& meta = object_or_empty(pod, "metadata");
  const bj::object& spec = object_or_empty(pod, "spec");
  const std::string node = str(spec, "nodeName");
  std::size_t writes = 0;
  auto record = [&](std::string_view type, std::string_view reason, const std::string& message,
                    std::string_view component, std::string_view container = {}) {
    if (events.record(pod, type, reason, message, component, component == "kubelet" ? node : "", now, container))
      ++writes;
  };
  record("Normal", "Scheduled", "Successfully assigned " + str(meta, "namespace") + "/" + str(meta, "name") +
                                    " to " + node, "default-scheduler");
  const auto* containers = spec.if_contains("containers");
  if (containers == nullptr || !containers->is_array()) return writes;
  for (const auto& c : containers->get_array()) {
    if (!c.is_object()) continue;
    const std::string name = str(c.get_object(), "name"), image = "\"" + str(c.get_object(), "image") + "\"";
    if (!pulled) {
      record("Normal", "Pulling", "Pulling image " + image, "kubelet", name);
      record("Warning", "Failed", "Failed to pull image " + image + ": rpc error: code = NotFound desc = failed to "
             "pull and unpack image " + image + ": not found (simulated by the fake-apiserver)", "kubelet", name);
      record("Warning", "Failed", "Error: ErrImagePull", "kubelet", name);
      record("Normal", "BackOff", "Back-off pulling image " + image, "kubelet", name);
      record("Warning", "Failed", "Error: ImagePullBackOff", "kubelet", name);
      continue;
    }
    if (str(c.get_object(), "imagePullPolicy") == "Always") {   // e.g. :latest, pulled every time
      record("Normal", "Pulling", "Pulling image " + image, "kubelet", name);
      record("Normal", "Pulled", "Successfully pulled image " + image + " in 0s (0s including waiting)", "kubelet",
             name);
    } else {
      record("Normal", "Pulled", "Container image " + image + " already present on machine", "kubelet", name);
    }
    record("Normal", "Created", "Created container " + name, "kubelet", name);
    record("Normal", "Started", "Started container " + name, "kubelet", name);
  }
  return writes;
}

}  // namespace habop::fake
