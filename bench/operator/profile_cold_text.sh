#!/bin/bash
# Writes operator/cold-text.ld again: the code habitat-operator never ran, which its link sets apart from the code
# it runs (cmake/cold_text.py says why). Relinks the operator without the list (valgrind attributes code outside
# the `.text` section to no object), runs it under callgrind through the benchmark's 1,000 Habitats and through
# every operator e2e scenario (kubectl, leader election, faults, restarts; a timing-sensitive one may fail under
# valgrind, which is fine: its code still ran), writes the list, relinks the operator with it and checks it.
#   bench/operator/profile_cold_text.sh [build dir, default build]       (~6 minutes; needs valgrind)
# Run it when `ctest -R shipping_cold_text` fails, or after a change that adds much code the operator runs, and
# compare the RSS before and after with the benchmark (BENCHMARKS.md).
set -euo pipefail
source_dir="$(cd "$(dirname "$0")/../.." && pwd)"
build="$(cd "${1:-$source_dir/build}" && pwd)"
program="$build/bin/habitat-operator"
map="$build/operator/habitat-operator.map"
list="$source_dir/operator/cold-text.ld"
command -v valgrind >/dev/null || { echo "valgrind is needed: apt-get install valgrind" >&2; exit 1; }

profiles="$(mktemp -d /tmp/habop-cold-text.XXXXXX)"
cp "$list" "$profiles/cold-text.ld.before"
trap 'cp "$profiles/cold-text.ld.before" "$list"; echo "failed: $list restored; profiles and logs in $profiles" >&2' ERR
python3 "$source_dir/cmake/cold_text.py" empty --out "$list"
ninja -C "$build" habitat-operator operator_bench operator_e2e_tests
[ -f "$map" ] || { echo "$map is missing: configure $build with HABOP_STATIC_LIBS=ON (the default)" >&2; false; }
callgrind="valgrind --tool=callgrind --dump-instr=yes --callgrind-out-file=$profiles/callgrind.%p"

echo "== the benchmark under callgrind"
HABOP_BENCH_WRAPPER="$callgrind" "$build/bin/operator_bench" --benchmark_filter='converges_1000|latency' \
  >"$profiles/bench.log" 2>&1 || echo "(the benchmark failed under valgrind; its profiles are used)"
echo "== the operator e2e scenarios under callgrind"
HABOP_TEST_OPERATOR_WRAPPER="$callgrind" "$build/bin/operator_e2e_tests" >"$profiles/e2e.log" 2>&1 ||
  echo "(some scenarios failed under valgrind's slowness; their profiles are used)"

python3 "$source_dir/cmake/cold_text.py" generate --map "$map" --program "$program" --out "$profiles/cold-text.ld" \
  "$profiles"/callgrind.*
cp "$profiles/cold-text.ld" "$list"
ninja -C "$build" habitat-operator
python3 "$source_dir/cmake/cold_text.py" check --map "$map" --script "$list"
rm -rf "$profiles"
