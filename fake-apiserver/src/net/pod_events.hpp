// The events the simulated scheduler, kubelet and StatefulSet controller record, as kube-scheduler, the kubelet and
// kube-controller-manager do, so that `kubectl describe pod` and `describe statefulset` show what happened.
#pragma once

#include <cstdint>
#include <string_view>

#include <boost/json/object.hpp>

#include <habop/fake_apiserver/object_store.hpp>

namespace habop::fake {

/// Names events `<object>.<hex>` uniquely, as client-go's recorder does from the time.
struct event_recorder {
  object_store& store;
  std::uint64_t& sequence;   ///< kept by the caller across passes

  /// A core/v1 Event about `regarding` (a stored object), from `component` (on `host` when not empty), about the
  /// container `container` when not empty; false when the store refuses it.
  bool record(const boost::json::object& regarding, std::string_view type, std::string_view reason,
              std::string_view message, std::string_view component, std::string_view host, instant now,
              std::string_view container = {});
};

/// The scheduler's Scheduled event and, per container, the kubelet's Pulled (after Pulling with imagePullPolicy
/// Always), Created and Started, or, when the image never pulls, Pulling, Failed (ErrImagePull), BackOff and Failed
/// (ImagePullBackOff); returns the writes.
std::size_t record_pod_start(event_recorder& events, const boost::json::object& pod, bool pulled, instant now);

}  // namespace habop::fake
