// Checks a JSON value against the Habitat field table (types, required, enums, patterns, bounds, unique keys).
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <habop/api/schema.hpp>
#include <habop/core/error.hpp>

namespace habop::api::detail {

/// Checks `v`, found at JSON path `at`, against `row` and the rows below it, appending a cause per problem.
/// JSON null counts as absent (the API server prunes nulls of non-nullable fields). Fields not in the table are
/// ignored. Contents of `preserve_unknown_fields` rows are checked only where the table has rows for them.
void check_value(const field_spec& row, const boost::json::value& v, const std::string& at,
                 std::vector<field_cause>& out);

/// Checks the fields of `o` that the table lists directly below `row_path` (`""` for the root), except those
/// whose name is in `skip`.
void check_children(const boost::json::object& o, std::string_view row_path, const std::string& at,
                    std::vector<field_cause>& out, std::initializer_list<std::string_view> skip = {});

/// True when `s` matches `row.pattern` (or the row has none), by the pattern's hand-written matcher
/// (`matcher_for`). Strings longer than `row.max_length` * 4 bytes (or 4096) do not match.
bool matches_pattern(const field_spec& row, std::string_view s);

/// `s` in double quotes for a message: control and invalid UTF-8 bytes escaped, cut after 80 characters.
std::string quote(std::string_view s);

/// `at` + `[key]`, the Kubernetes field path of a map entry, with the key made printable.
std::string map_entry_path(const std::string& at, std::string_view key);

}  // namespace habop::api::detail
