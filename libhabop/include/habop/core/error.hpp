// Errors as values, shaped like a Kubernetes metav1.Status so they can be shown to users and sent over the wire.
#pragma once

#include <string>
#include <vector>

namespace habop {

/// One problem with one field, as in `metav1.StatusCause`.
struct field_cause {
  std::string field;    ///< JSON path of the field, e.g. `spec.v1beta2.service.ringSecretName`.
  std::string reason;   ///< `FieldValueInvalid`, `FieldValueRequired`, `FieldValueNotSupported`, `FieldValueTooLong`, ...
  std::string message;  ///< What is wrong and what would be valid, for a person.
  bool operator==(const field_cause&) const = default;
};

/// A failure with a Kubernetes-style reason; `causes` lists every field problem found, not only the first.
struct error {
  int code = 0;          ///< HTTP-style code: 400 bad input, 422 invalid object, 404 missing, ...
  std::string reason;    ///< `BadRequest`, `Invalid`, `NotFound`, `UnsupportedVersion`, ...
  std::string message;   ///< One line for a person.
  std::vector<field_cause> causes;
  bool operator==(const error&) const = default;
};

/// Joins an error's message and its causes as `field: message` lines, for logs and CLI output.
std::string describe(const error& e);

}  // namespace habop
