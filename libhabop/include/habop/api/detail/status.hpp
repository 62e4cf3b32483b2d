// parse_habitat's lenient reading of `status`, shared with parse_status.
#pragma once

#include <boost/json/value.hpp>

#include <habop/api/habitat.hpp>

namespace habop::api::detail {

/// The status in `v`, skipping fields of the wrong type instead of failing: status never invalidates a Habitat.
habitat_status read_status_leniently(const boost::json::value& v);

}  // namespace habop::api::detail
