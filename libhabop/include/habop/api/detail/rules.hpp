// The validation rules that a CRD schema cannot express (cross-field, semantic), shared by parse and validate.
#pragma once

#include <string_view>
#include <vector>

#include <habop/api/habitat.hpp>
#include <habop/core/error.hpp>

namespace habop::api::detail {

/// Appends a cause per broken rule: persistentStorage.size > 0, mountPath not on habop's own mounts,
/// nodeSelector keys are label keys. Everything the field table can say is checked by table_check instead.
void check_rules(const habitat& h, std::vector<field_cause>& out);

/// One Markdown line per rule of `check_rules` and per check parse_habitat adds, for the field reference.
std::vector<std::string_view> rule_descriptions();

}  // namespace habop::api::detail
