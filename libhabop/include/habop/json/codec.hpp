// JSON and YAML in and out as Boost.JSON values, with errors as values (no exception escapes).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <boost/json/value.hpp>

#include <habop/core/result.hpp>

namespace habop::json {

/// Nesting deeper than this is rejected rather than risking the stack on hostile input.
inline constexpr std::size_t max_depth = 256;

/// Parses one JSON text; malformed or too deeply nested input gives a 400 `BadRequest` error saying where.
result<boost::json::value> parse_json(std::string_view text);

/// A key repeated in one YAML mapping. kube-apiserver's strict decoding rejects a body that repeats one ("duplicate
/// field"); kubectl (1.32) converts YAML keeping the last value silently, as client-go's lenient decoding of
/// kubeconfig files does, and as the parser does.
struct duplicate_field {
  std::string path;            ///< The field's path in its document, e.g. `spec.v1beta2.image`, `env[0].name`.
  std::size_t line = 0;        ///< 1-based line of the repeated key.
  std::size_t first_line = 0;  ///< 1-based line of its first occurrence.
  bool operator==(const duplicate_field&) const = default;
};

/// Parses every document of a YAML stream (`---` separated; empty documents skipped). YAML is a superset of JSON,
/// so JSON input works too. Plain scalars resolve as in YAML 1.2's core schema (null, bool, int, float), quoted
/// ones stay strings; a repeated mapping key keeps its last value. Errors name the line and column. With
/// `duplicates`, it receives one list per returned document: the keys repeated in it, in document order.
result<std::vector<boost::json::value>> parse_yaml_documents(
    std::string_view text, std::vector<std::vector<duplicate_field>>* duplicates = nullptr);

/// Block-style YAML, keys in their stored order, strings quoted whenever a plain scalar would read back as
/// something else. Round-trips through `parse_yaml_documents`.
std::string to_yaml(const boost::json::value& v);

/// Compact JSON.
std::string to_json(const boost::json::value& v);

}  // namespace habop::json
