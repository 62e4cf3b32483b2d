// What kube-apiserver fills in on every write of a StatefulSet or Service (pkg/apis/{core,apps}/v1/defaults.go and
// the Service IP allocator), so that tests and benchmarks see objects as a real cluster returns them.
#pragma once

#include <string>

#include <boost/json/object.hpp>

namespace habop::test {

/// Fills in the server defaults of a StatefulSet (`plural` "statefulsets") or Service ("services") in place,
/// including the pod template's and claim templates', a Service's assigned clusterIPs/ipFamilies, and an initial
/// status; other kinds are left alone. Idempotent: defaulting a defaulted object changes nothing.
void apply_server_defaults(const std::string& plural, boost::json::object& obj);

}  // namespace habop::test
