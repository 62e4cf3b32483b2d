#!/bin/bash
# For HABOP_BENCH_WRAPPER: runs the benchmark's operator (or $OPBIN) under heaptrack and SIGKILLs it
# $KILL_AFTER seconds (default 20) after start, so that heaptrack's "leaked" is the live heap after convergence:
#   HTOUT=/tmp/ht HABOP_BENCH_WRAPPER=bench/operator/live_heap.sh \
#     build/bin/operator_bench --benchmark_filter='converges_1000/1/'
#   heaptrack_print -f /tmp/ht.zst --print-leaks 1 -p 0 -a 0 -T 0 -s 0 --merge-backtraces 0
bin="${OPBIN:-$1}"; shift
( sleep "${KILL_AFTER:-20}"; pkill -9 -f "^$bin --kubeconfig" ) </dev/null >/dev/null 2>&1 &
exec heaptrack -o "${HTOUT:-/tmp/habop-live-heap}" "$bin" "$@"
