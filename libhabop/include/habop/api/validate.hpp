// Semantic validation of a typed Habitat, with constraints taken from the field table in schema.hpp.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <habop/api/habitat.hpp>
#include <habop/core/error.hpp>

namespace habop::api {

/// Semantic checks on an already-typed Habitat (what parse_habitat also runs); empty when valid. Each cause names
/// the JSON path of the field (`spec.v1beta2.service.bind[1].name`) and what would be valid.
std::vector<field_cause> validate(const habitat& h);

/// Ring name from a ring Secret name (`example-encrypted-ring-20170829113029` -> `example-encrypted-ring`);
/// nullopt when the name does not match `^([\w_-]+)-\d{14}$`.
std::optional<std::string> ring_name(std::string_view ring_secret_name);

}  // namespace habop::api
