#!/bin/sh
# bench/geometry.sh: time Angle, Project and Midpoint of package repgeo on
# m = 2000 inputs (REPGEO_BENCH_M overrides it) and print each against its
# target: 50 ms for angular CKA, 1 s for the shape metrics (layer widths 256,
# 1024 and 512). The points are built before timing (see
# repgeo/geometry_bench_test.go), so the numbers are the operations alone.
# BENCHTIME is passed to -benchtime (default 1s).
set -eu
cd "$(dirname "$0")/.."
GO=${GO:-go}
out=$(mktemp)
trap 'rm -f "$out"' EXIT INT TERM

echo "repgeo geometry benchmarks (operations on existing points; point construction excluded)"
if ! "$GO" test -count=1 -timeout 0 -run '^$' -bench '^BenchmarkGeometry$' -benchtime "${BENCHTIME:-1s}" ./repgeo >"$out" 2>&1; then
	cat "$out"
	echo "bench-geometry: the benchmark failed" >&2
	exit 1
fi
grep -E '^(goos|goarch|cpu):' "$out" || true
awk '
/^BenchmarkGeometry\// {
	name = $1
	sub(/^BenchmarkGeometry\//, "", name)
	sub(/-[0-9]+$/, "", name)
	ns = 0
	for (i = 2; i < NF; i++) if ($(i+1) == "ns/op") ns = $i
	target = (name ~ /^angular-cka/) ? 50 : 1000
	ms = ns / 1e6
	verdict = (ms <= target) ? "ok" : "OVER"
	if (ms > target) over++
	printf "%-45s %12.1f ms   target %6d ms   %s\n", name, ms, target, verdict
	n++
}
END {
	if (n == 0) { print "no benchmark results"; exit 1 }
	printf "%d operations, %d over target\n", n, over
}' "$out"
