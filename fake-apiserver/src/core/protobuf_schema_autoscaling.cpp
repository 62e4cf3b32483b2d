// Protobuf tables of autoscaling/v1 HorizontalPodAutoscaler (what `kubectl autoscale` sends); from k8s.io/api
// autoscaling/v1.
#include "protobuf_schema.hpp"

namespace habop::fake::pb {
namespace {

constexpr field target_ref_fields[] = {
    {1, "kind", kind::string}, {2, "name", kind::string}, {3, "apiVersion", kind::string, omit}};
constinit const message target_ref{"CrossVersionObjectReference", target_ref_fields};

constexpr field spec_fields[] = {
    {1, "scaleTargetRef", kind::message, 0, &target_ref},
    {2, "minReplicas", kind::int32},
    {3, "maxReplicas", kind::int32},
    {4, "targetCPUUtilizationPercentage", kind::int32},
};
constinit const message spec{"HorizontalPodAutoscalerSpec", spec_fields};

constexpr field status_fields[] = {
    {1, "observedGeneration", kind::int64},
    {2, "lastScaleTime", kind::time},
    {3, "currentReplicas", kind::int32},
    {4, "desiredReplicas", kind::int32},
    {5, "currentCPUUtilizationPercentage", kind::int32},
};
constinit const message status{"HorizontalPodAutoscalerStatus", status_fields};

constexpr field hpa_fields[] = {
    {1, "metadata", kind::message, 0, &object_meta},
    {2, "spec", kind::message, 0, &spec},
    {3, "status", kind::message, 0, &status},
};

}  // namespace

constinit const message horizontal_pod_autoscaler{"HorizontalPodAutoscaler", hpa_fields};

}  // namespace habop::fake::pb
