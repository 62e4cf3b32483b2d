// The CustomResourceDefinition for habitats.habitat.sh, generated from the field table in schema.hpp.
#pragma once

#include <boost/json/object.hpp>

namespace habop::api {

/// The CustomResourceDefinition (apiextensions.k8s.io/v1) for habitats.habitat.sh: one served+storage version
/// v1beta1 with a structural openAPIV3Schema, the status subresource and printer columns.
boost::json::object habitat_crd();

/// The `openAPIV3Schema` of `habitat_crd()` alone (the same object), for tests and for the fake-apiserver.
boost::json::object habitat_openapi_schema();

}  // namespace habop::api
