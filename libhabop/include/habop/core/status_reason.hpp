// The Status reasons kube-apiserver pairs with HTTP codes, shared by the fake-apiserver and the operator's client.
#pragma once

#include <string_view>

namespace habop {

/// The `metav1.Status` reason kube-apiserver gives an HTTP code (409 → `Conflict`, 429 → `TooManyRequests`, ...);
/// `InternalError` for other 5xx codes and `Unknown` for anything else.
std::string_view status_reason(int code);

}  // namespace habop
