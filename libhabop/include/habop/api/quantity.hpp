// Kubernetes resource.Quantity syntax checks (`1Gi`, `500m`, `1e3`), without the arbitrary-precision arithmetic.
#pragma once

#include <string_view>

namespace habop::api::quantity {

/// True when `q` is a Kubernetes resource.Quantity: `<sign><digits>[.<digits>]<suffix>` with suffix one of the
/// binary SI (`Ki Mi Gi Ti Pi Ei`), decimal SI (`n u m "" k M G T P E`) or a decimal exponent (`e3`, `E-2`).
bool is_valid(std::string_view q);

/// True when `q` is valid and strictly greater than zero.
bool is_positive(std::string_view q);

}  // namespace habop::api::quantity
