// The one table describing every Habitat field: the CRD schema, the field reference and the validator all read it.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace habop::api {

/// The JSON type of a field, as in an OpenAPI v3 schema.
enum class field_type {
  string,
  integer,        ///< int32 or int64, see `field_spec::format`.
  boolean,
  object,         ///< Fixed properties, listed as further rows (`a.b` under `a`).
  array,          ///< Items described by the row `<path>[]`.
  string_map,     ///< An object of string values (`additionalProperties: {type: string}`), e.g. labels.
};

/// One row of the table. `path` is the JSON path from the object's root with `[]` for array items
/// (`spec.v1beta2.service.bind[].name`); a row's parent row is the path up to the last `.` or `[]`.
/// Constraints mean exactly what their OpenAPI v3 namesakes mean; `pattern` uses only the syntax shared by
/// ECMA-262 (std::regex) and RE2 (the API server), and every patterned string has a `max_length` so that
/// matching is bounded.
struct field_spec {
  std::string_view path;
  field_type type = field_type::string;
  bool required = false;                          ///< Required in its parent object.
  std::span<const std::string_view> enum_values;  ///< Empty: any value.
  std::string_view pattern;                       ///< Empty: any value.
  std::optional<std::int64_t> minimum;
  std::optional<std::int64_t> maximum;
  std::optional<std::int64_t> min_length;
  std::optional<std::int64_t> max_length;
  std::string_view format;                        ///< `int32`, `int64`, `date-time` or empty.
  bool preserve_unknown_fields = false;           ///< Copied verbatim (core/v1 types); the CRD keeps unknown fields.
  std::string_view list_map_key;                  ///< Arrays only: items are unique by this key (list-type map).
  std::string_view default_text;                  ///< What applies when absent, for people; never defaulted on the server.
  std::string_view description;
  /// How to correct an invalid value when its usual source is known (a tool's naming), added to the message.
  std::string_view fix;
};

/// Every field of a Habitat that habop reads or the CRD constrains, parents before children.
std::span<const field_spec> habitat_fields();

/// The row for `path` (e.g. `spec.v1beta2.count`, `spec.v1beta2.service.bind[].name`); nullptr when none.
const field_spec* find_field(std::string_view path);

/// What a row's `pattern` means in words (`a lowercase RFC 1123 label ...`), for error messages; empty if unknown.
std::string_view pattern_help(std::string_view pattern);

/// Tells whether a whole string matches one of the table's patterns.
using pattern_matcher = bool (*)(std::string_view);

/// The hand-written matcher of a table pattern (exactly what std::regex_search with the pattern answers, without
/// regex recursion or its cost); nullptr for a pattern the table does not use.
pattern_matcher matcher_for(std::string_view pattern);

/// Markdown reference of every Habitat field (path, type, default, constraints, description) from the same table.
std::string field_reference_markdown();

}  // namespace habop::api
