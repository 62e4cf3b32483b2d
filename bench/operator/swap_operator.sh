#!/bin/bash
# For HABOP_BENCH_WRAPPER: runs $OPBIN (another build of habitat-operator) with `env $OPENV` in place of the
# benchmark's operator, by exec, so that the rss_* counters measure it. Alternate runs of two binaries compare them
# on a busy machine:
#   OPBIN=/tmp/op-old HABOP_BENCH_WRAPPER=bench/operator/swap_operator.sh build/bin/operator_bench ...
shift
exec env $OPENV "$OPBIN" "$@"
