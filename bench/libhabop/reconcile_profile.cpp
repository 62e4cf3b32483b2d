// A driver for callgrind: reconciles the converged typical Habitat N times, or plans the 100-Habitat namespace of
// BM_plan_10000_habitats N times, so that instruction counts can be read per call:
//   valgrind --tool=callgrind --toggle-collect='*profile_converged*' build-perf/bin/libhabop_profile 1000
//   valgrind --tool=callgrind --toggle-collect='*profile_namespace*' build-perf/bin/libhabop_profile 10 namespace
#include <cstdlib>
#include <string>

#include "clusters.hpp"

namespace {

using namespace habop;
constexpr instant now = instant::from_seconds(1'700'000'000);

// Not inlined so that callgrind can collect exactly the loops.
[[gnu::noinline]] std::size_t profile_converged(const boost::json::object& habitat, const reconcile::snapshot& snap,
                                                int n) {
  std::size_t empty = 0;
  for (int i = 0; i < n; ++i) empty += reconcile::reconcile(habitat, snap, now).empty() ? 1 : 0;
  return empty;
}

[[gnu::noinline]] std::size_t profile_namespace(bench::namespace_of_100& ns, int n) {
  std::size_t empty = 0;
  for (int i = 0; i < n; ++i) empty += ns.plan(now);
  return empty;
}

}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 1000;
  if (argc > 2 && std::string(argv[2]) == "namespace") {
    bench::namespace_of_100 ns;
    profile_namespace(ns, 1);  // warm-up
    return profile_namespace(ns, n) == static_cast<std::size_t>(n) * 100 ? 0 : 1;
  }
  const test::store s = bench::typical_cluster();
  const boost::json::object habitat = *s.get("habitats", "ns", "typical");
  const reconcile::snapshot snap = bench::indexed_snapshot(s, "typical");
  profile_converged(habitat, snap, 1);  // warm-up: static tables, first allocations
  return profile_converged(habitat, snap, n) == static_cast<std::size_t>(n) ? 0 : 1;
}
