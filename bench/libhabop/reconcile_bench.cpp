// Speed of the pure core: a converged reconcile, rendering from scratch, and planning 10,000 Habitats.
#include <benchmark/benchmark.h>

#include "clusters.hpp"

#include <habop/api/parse.hpp>
#include <habop/reconcile/reconcile.hpp>
#include <habop/render/render.hpp>

namespace {

using namespace habop;
constexpr instant now = instant::from_seconds(1'700'000'000);

// Target: <= 10 us. The whole reconcile of a converged typical Habitat (leader, ring, user.toml, two binds,
// persistence) whose objects carry kube-apiserver's defaults: parse and validate, check the StatefulSet's and
// Service's stamps, compare the peer ConfigMap (with the namespace's prebuilt peer index), compute the status.
// Arg 1: the snapshot carries the observed objects' hashes, as the operator's does (computed once per cached
// object version); arg 0: reconcile hashes both objects itself.
void BM_reconcile_converged_typical(benchmark::State& state) {
  test::store s = bench::typical_cluster();
  const boost::json::object habitat = *s.get("habitats", "ns", "typical");
  reconcile::snapshot snap = bench::indexed_snapshot(s, "typical");
  if (state.range(0) == 0) snap.stateful_set_hash = snap.service_hash = std::nullopt;
  for (auto _ : state) {
    reconcile::plan p = reconcile::reconcile(habitat, snap, now);
    if (!p.empty()) state.SkipWithError("not converged");
    benchmark::DoNotOptimize(p);
  }
}
BENCHMARK(BM_reconcile_converged_typical)->Arg(1)->Arg(0);

// Target: <= 50 us. Parse a raw Habitat and render every object it needs.
void BM_render_from_scratch(benchmark::State& state) {
  const boost::json::value raw = test::typical_habitat("typical");
  for (auto _ : state) {
    auto h = api::parse_habitat(raw);
    if (!h) state.SkipWithError("invalid");
    auto objects = render::render_all(*h);
    benchmark::DoNotOptimize(objects);
  }
}
BENCHMARK(BM_render_from_scratch);

// Reconcile of the typical Habitat in an empty cluster: the plan creates everything.
void BM_reconcile_empty_cluster(benchmark::State& state) {
  const boost::json::object habitat = test::typical_habitat("typical");
  reconcile::snapshot snap;
  snap.habitats.push_back(reconcile::share(habitat));
  snap.secret_names = std::set<std::string>{"user-toml", "prod-ring-20170829113029"};
  for (auto _ : state) {
    reconcile::plan p = reconcile::reconcile(habitat, snap, now);
    benchmark::DoNotOptimize(p);
  }
}
BENCHMARK(BM_reconcile_empty_cluster);

// Target: 10,000 Habitats planned <= 0.5 s on one core. 100 namespaces of 100 converged Habitats each (a mix of
// typical and plain ones, three pods each, all sharing per-ring peer ConfigMaps). The namespaces are identical, so
// one namespace's snapshots are built once and reconciled 100 times; each namespace's peer index (its 100 Habitats
// and 300 pods grouped by ring) is built once per pass and shared by the namespace's reconciles.
void BM_plan_10000_habitats(benchmark::State& state) {
  bench::namespace_of_100 ns;
  for (auto _ : state) {
    std::size_t planned = 0;
    for (int i = 0; i < 100; ++i) planned += ns.plan(now);
    if (planned != 10'000) state.SkipWithError("not converged");
    benchmark::DoNotOptimize(planned);
  }
  state.SetItemsProcessed(state.iterations() * 10'000);
}
BENCHMARK(BM_plan_10000_habitats)->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace

BENCHMARK_MAIN();
