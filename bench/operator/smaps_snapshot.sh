#!/bin/bash
# For HABOP_BENCH_WRAPPER: runs the benchmark's operator (or $OPBIN) by exec and copies its /proc/<pid>/smaps to
# $SMAPS_OUT (default /tmp/habop-smaps) every 0.3 s until it exits, so the file holds the steady state the
# benchmark measured just before its SIGTERM. Per mapping, resident and anonymous kB:
#   HABOP_BENCH_WRAPPER=bench/operator/smaps_snapshot.sh build/bin/operator_bench --benchmark_filter='converges_1000/1/'
#   awk '/^[0-9a-f]+-/{m=$6" "$2} /^Rss:/{r=$2} /^Anonymous:/{if(r) print r, $2, m}' /tmp/habop-smaps | sort -n
bin="${OPBIN:-$1}"; shift
out="${SMAPS_OUT:-/tmp/habop-smaps}"
( while kill -0 $$ 2>/dev/null; do
    cat "/proc/$$/smaps" >"$out.tmp" 2>/dev/null && mv -f "$out.tmp" "$out"
    sleep 0.3
  done ) </dev/null >/dev/null 2>&1 &
exec "$bin" "$@"
