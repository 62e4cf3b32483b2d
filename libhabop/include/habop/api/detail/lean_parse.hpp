// Not API: reconcile's parse, which leaves the core/v1 values copied verbatim until rendering needs them.
#pragma once

#include <boost/json/object.hpp>

#include <habop/api/habitat.hpp>
#include <habop/core/result.hpp>

namespace habop::api::detail {

/// `parse_habitat_without_status` without the values copied verbatim (`env`, `tolerations`, `affinity`,
/// `resources`, `securityContext` stay empty): the same verdict and causes, as no rule reads them. Only rendering
/// the StatefulSet does, after `read_verbatim`; a converged reconcile never copies them.
result<habitat> parse_habitat_lean(const boost::json::object& o);

/// Reads the values `parse_habitat_lean` left out from the raw Habitat `raw` into its `spec`.
void read_verbatim(const boost::json::object& raw, spec_v1beta2& spec);

}  // namespace habop::api::detail
