// The habitat-operator process: configuration, CRD bootstrap, caches, leader election, endpoints and signals.
#pragma once

#include <habop/operator/flags.hpp>

namespace habop::op {

/// Runs the operator until SIGTERM or SIGINT and returns the process exit code: 0 after a graceful stop (intake
/// stopped, in-flight reconciles finished, lease released), 1 for a startup error (with a clear message on
/// stderr). A second signal exits 1 at once; losing leadership exits 1 (the Deployment restarts the replica).
/// Must be called before any other thread exists: it blocks SIGTERM and SIGINT for every thread it starts.
int run_operator(const operator_options& options);

}  // namespace habop::op
