#!/bin/sh
# description: the benchmark driver of bench/run (not a test; run bench/run): every system on every BENCH_SCENARIOS scenario, BENCH_REPS times
# shapes: all
# kernels: all
# timeout: 1800
# needs: numad
. /usr/lib/numab-vm/lib.sh
if [ ! -f /usr/share/numab/bench/bench.sh ]; then
	fail driver "/usr/share/numab/bench/bench.sh is missing (tests/vm/payload.list copies bench/guest)"
	finish
fi
. /usr/share/numab/bench/bench.sh
bench_main
finish
