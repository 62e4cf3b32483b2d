// Kubernetes resource.Quantity: syntax checks (`1Gi`, `500m`, `1e3`) and the canonical form the API server stores.
#pragma once

#include <string>
#include <string_view>

#include <boost/json/object.hpp>

namespace habop::api::quantity {

/// True when `q` is a Kubernetes resource.Quantity: `<sign><digits>[.<digits>]<suffix>` with suffix one of the
/// binary SI (`Ki Mi Gi Ti Pi Ei`), decimal SI (`n u m "" k M G T P E`) or a decimal exponent (`e3`, `E-2`).
bool is_valid(std::string_view q);

/// True when `q` is valid and strictly greater than zero.
bool is_positive(std::string_view q);

/// The form kube-apiserver stores `q` in (apimachinery's `Quantity.String()` after `ParseQuantity`): `1024Mi` is
/// `1Gi`, `1.5Gi` is `1536Mi`, `0.5` is `500m`, `1000m` is `1`, `0.5Ki` is `512`; rounded up to nano units. A
/// rendered object must carry it: the server answers with it, and a field compared as written would differ for
/// ever (an immutable claim size reported as changed, a container's resources patched on every reconcile).
/// `q` itself when invalid or beyond what is handled exactly here (values past ~10^20 or exponents past ±30).
std::string canonical(std::string_view q);

/// `canonical` over a core/v1 ResourceList (`{memory: 1024Mi, cpu: 2, cpu: 0.5}`): string and number values become
/// the canonical strings the API server stores; other values are left alone. A number with a fraction (a double)
/// is read as the text Go's encoding/json gives it, which is what kubectl sends and kube-apiserver parses (`0.5` is
/// 500m, 1e3 is sent as 1000 and is 1k, 1e-7 stays an exponent: 100e-9).
void canonicalize_list(boost::json::object& list);

/// `canonicalize_list` over the `limits` and `requests` of a core/v1 ResourceRequirements, where they are objects.
void canonicalize_requirements(boost::json::object& requirements);

}  // namespace habop::api::quantity
