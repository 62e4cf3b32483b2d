// Protobuf tables of apps/v1 Deployment (what `kubectl create deployment` sends); from k8s.io/api apps/v1.
#include "protobuf_schema.hpp"

namespace habop::fake::pb {
namespace {

constexpr field rolling_update_fields[] = {
    {1, "maxUnavailable", kind::int_or_string}, {2, "maxSurge", kind::int_or_string}};
constinit const message rolling_update{"RollingUpdateDeployment", rolling_update_fields};
constexpr field strategy_fields[] = {
    {1, "type", kind::string, omit}, {2, "rollingUpdate", kind::message, 0, &rolling_update}};
constinit const message strategy{"DeploymentStrategy", strategy_fields};

// Number 8 (rollbackTo) was removed from apps/v1.
constexpr field spec_fields[] = {
    {1, "replicas", kind::int32},
    {2, "selector", kind::message, 0, &label_selector},
    {3, "template", kind::message, 0, &pod_template_spec},
    {4, "strategy", kind::message, 0, &strategy},
    {5, "minReadySeconds", kind::int32, omit},
    {6, "revisionHistoryLimit", kind::int32},
    {7, "paused", kind::boolean, omit},
    {9, "progressDeadlineSeconds", kind::int32},
};
constinit const message spec{"DeploymentSpec", spec_fields};

constexpr field condition_fields[] = {
    {1, "type", kind::string},           {2, "status", kind::string},
    {6, "lastUpdateTime", kind::time},   {7, "lastTransitionTime", kind::time},
    {4, "reason", kind::string, omit},   {5, "message", kind::string, omit},
};
constinit const message condition{"DeploymentCondition", condition_fields};
constexpr field status_fields[] = {
    {1, "observedGeneration", kind::int64, omit},
    {2, "replicas", kind::int32, omit},
    {3, "updatedReplicas", kind::int32, omit},
    {7, "readyReplicas", kind::int32, omit},
    {4, "availableReplicas", kind::int32, omit},
    {5, "unavailableReplicas", kind::int32, omit},
    {9, "terminatingReplicas", kind::int32},
    {6, "conditions", kind::message, rep, &condition},
    {8, "collisionCount", kind::int32},
};
constinit const message status{"DeploymentStatus", status_fields};

constexpr field deployment_fields[] = {
    {1, "metadata", kind::message, 0, &object_meta},
    {2, "spec", kind::message, 0, &spec},
    {3, "status", kind::message, 0, &status},
};

}  // namespace

constinit const message deployment{"Deployment", deployment_fields};

}  // namespace habop::fake::pb
