// Habitat and HabitatStatus between their JSON wire form and the value types of habitat.hpp.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <habop/api/habitat.hpp>
#include <habop/api/validate.hpp>
#include <habop/core/result.hpp>

namespace habop::api {

/// Parses a Habitat from its JSON form (as served or as read from YAML). Collects EVERY problem: wrong types,
/// missing required fields, invalid values — a 422 `Invalid` error whose causes name each field path
/// (`spec.v1beta2.service.topology`) and what would be valid. Missing/unknown `customVersion` is an error with
/// reason `UnsupportedVersion` (code 422) naming `customVersion` and saying `v1beta2` is the supported one.
/// Also runs `validate`. Never throws on any input (wrong types, huge numbers, deep nesting, non-UTF-8).
/// Unknown fields (anywhere, including under `spec.v1beta2`) are ignored, as the CRD's structural schema prunes
/// them on the server; `status` is parsed leniently and never makes the Habitat invalid.
result<habitat> parse_habitat(const boost::json::value& v);

/// The same for an object, without copying it into a value (what reconcile holds).
result<habitat> parse_habitat(const boost::json::object& o);

/// `parse_habitat` without reading `status` (the result's `status` is empty): the same verdict and causes, as
/// status never makes a Habitat invalid. For callers that read the status themselves (reconcile).
result<habitat> parse_habitat_without_status(const boost::json::object& o);

/// The inverse of parse for spec/metadata fields habop reads: JSON as the API server would store it
/// (`apiVersion`, `kind`, `metadata`, `customVersion`, `spec.v1beta2`; optional fields omitted when absent).
boost::json::object to_json(const habitat& h);

/// Status to its wire form (`status` object: observedGeneration, replicas, readyReplicas, conditions, state,
/// message). Returns the contents of `status`, not an object wrapping it.
boost::json::object to_json(const habitat_status& s);

/// Parses the contents of `status`; lenient: unknown fields are ignored, a missing or null status is empty.
/// Fails (400 `BadRequest`) only when `v` or a known field has the wrong JSON type.
result<habitat_status> parse_status(const boost::json::value& v);

}  // namespace habop::api
