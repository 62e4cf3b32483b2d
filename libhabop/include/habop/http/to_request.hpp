// A plan's writes as HTTP request values: the paths, queries, headers and bodies the Kubernetes API expects.
#pragma once

#include <boost/json/object.hpp>

#include <habop/core/time.hpp>
#include <habop/http/request.hpp>
#include <habop/reconcile/plan.hpp>

namespace habop::http {

/// The field manager habop writes as (`?fieldManager=habitat-operator`), and the component its events come from.
inline constexpr const char* field_manager = "habitat-operator";

/// `/apis/apps/v1/namespaces/<ns>/statefulsets[/<name>]`, or `/api/v1/...` for the core group.
std::string resource_path(const reconcile::object_ref& ref, bool with_name);

/// create → POST the collection (`application/json`); patch → PATCH the object (`application/merge-patch+json`);
/// delete → DELETE the object with a DeleteOptions body (propagationPolicy, preconditions on uid and resourceVersion).
request to_request(const reconcile::operation& op);

/// PATCH `/apis/habitat.sh/v1beta1/namespaces/<ns>/habitats/<name>/status` with `{"status": status}` as a merge
/// patch: the whole new status (conditions are replaced as a list).
request to_request(const reconcile::object_ref& habitat, const boost::json::object& status);

/// POST a core/v1 Event about `e.regarding`, named `<object>.<hex nanoseconds>` like client-go's recorder. `now` has
/// microsecond precision, so the nanosecond digits carry a hash of the reason and message: the several events of
/// one plan, sent with the same `now`, get distinct names.
request to_request(const reconcile::event& e, instant now);

}  // namespace habop::http
