#!/bin/sh
# make bench-pairwise: time repgeo.Pairwise against numpy + OpenBLAS on the
# same files in the same run. The baseline is bench/pairwise_numpy.py: it
# writes the layers, times numpy on them and saves its distance matrices,
# which bench/pairwise then times repgeo on and compares with.
#
# Environment: M (inputs, default 2000), METRICS (default
# angular-cka,angular-shape), OUT (default bench/out/pairwise).
set -eu
cd "$(dirname "$0")/.."

REF=bench/pairwise_numpy.py
M=${M:-2000}
METRICS=${METRICS:-angular-cka,angular-shape}
OUT=${OUT:-bench/out/pairwise}

SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
apt_install() {
	$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$@"
}
if ! /usr/bin/python3 -c 'import numpy' 2>/dev/null; then
	echo "bench-pairwise: installing Debian's python3-numpy"
	apt_install python3-numpy
fi
# The baseline is numpy on OpenBLAS (Debian's numpy uses whichever BLAS is
# installed), and the cgo build of repgeo links the same library.
if ! dpkg -s libopenblas-dev >/dev/null 2>&1; then
	echo "bench-pairwise: installing libopenblas-dev"
	apt_install libopenblas-dev || echo "bench-pairwise: could not install OpenBLAS; the numpy baseline uses another BLAS and the openblas build is skipped"
fi

mkdir -p "$OUT"
echo "bench-pairwise: numpy baseline (m = $M; the CPU may be shared with other jobs, which slows both sides)"
/usr/bin/python3 "$REF" --m "$M" --metrics "$METRICS" --out "$OUT" > "$OUT/numpy.json"
cat "$OUT/numpy.json"
NUMPY=$(tail -n 1 "$OUT/numpy.json")

status=0
go run ./bench/pairwise -dir "$OUT" -metrics "$METRICS" -numpy "$NUMPY" || status=1
if dpkg -s libopenblas-dev >/dev/null 2>&1; then
	go run -tags openblas ./bench/pairwise -dir "$OUT" -metrics "$METRICS" -numpy "$NUMPY" || status=1
fi
exit $status
