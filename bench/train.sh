#!/bin/sh
# bench/train.sh: ResNet-20 training and inference throughput on this machine,
# Go (GoMLX) against PyTorch on the same cores.
#
#  1. PyTorch reference: bench/torch_train.py (installs Debian's
#     python3-torch if missing) for ResNet-20 and VGG-11-BN/4 at batch 64,
#     inference at batch 256.
#  2. Go: bench/trainstep on the pure-Go backend with only its gaps filled
#     ("repgeo-go:stockconv,nofast", the "before": the stock "go" backend
#     cannot train conv nets, it lacks Reverse; STOCK=0 skips it, it takes
#     minutes), with convolutions lowered to standard ops only
#     ("repgeo-go:nofast") and on "repgeo-go" (the "after"), the same models
#     at the same batch sizes; then "repgeo train" on synthetic data when the
#     command exists.
#  3. A table of images/s and the Go/PyTorch ratios.
#
# Environment: STEPS (timed Go training steps, default 5), STOCK_STEPS
# (default 1), INFER_STEPS (default 2), MODELS (default resnet20,vgg11n).
# The CPU may be shared: the load average is printed before and after.
set -eu
cd "$(dirname "$0")/.."
GO=${GO:-go}
STEPS=${STEPS:-5}
STOCK=${STOCK:-1}
STOCK_STEPS=${STOCK_STEPS:-1}
INFER_STEPS=${INFER_STEPS:-2}
MODELS=${MODELS:-resnet20,vgg11n}
PY=/usr/bin/python3
REF=bench/torch_train.py
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

echo "load average at start: $(cat /proc/loadavg)"

# ---- PyTorch reference
if ! "$PY" -c 'import torch' 2>/dev/null; then
	echo "installing Debian's python3-torch for the reference..."
	apt-get update >/dev/null && apt-get install -y python3-torch >/dev/null
fi
torch_models=$(echo "$MODELS" | sed 's/resnet20/r20/')
echo "== PyTorch reference ($REF --models $torch_models --batches 64)"
"$PY" "$REF" --models "$torch_models" --batches 64 --out "$tmp/torch.json" | grep -E '^(==|  train|  infer)' || true
torch_json="$tmp/torch.json"

# ---- Go: own benchmark program, before (go) and after (repgeo-go)
echo "== Go (bench/trainstep)"
"$GO" build -o "$tmp/trainstep" ./bench/trainstep
: >"$tmp/go.jsonl"
if [ "$STOCK" != 0 ]; then
	"$tmp/trainstep" -backends='repgeo-go:stockconv,nofast' -models="$MODELS" -batch=64 -steps="$STOCK_STEPS" \
		-infer-batch=64 -infer-steps=1 -json | tee -a "$tmp/go.jsonl"
	"$tmp/trainstep" -backends='repgeo-go:nofast' -models="$MODELS" -batch=64 -steps="$STOCK_STEPS" \
		-infer-batch=256 -infer-steps=1 -json | tee -a "$tmp/go.jsonl"
fi
"$tmp/trainstep" -backends=repgeo-go -models="$MODELS" -batch=64 -steps="$STEPS" \
	-infer-batch=256 -infer-steps="$INFER_STEPS" -json | tee -a "$tmp/go.jsonl"

# ---- Go: the repgeo train command, when present
: >"$tmp/cli.json"
if [ -f cmd/repgeo/train.go ] && "$GO" build -o "$tmp/repgeo" ./cmd/repgeo 2>"$tmp/build.err"; then
	echo "== Go (repgeo train --model=resnet20 --dataset=synthetic --batch=64 --steps=$((STEPS + 1)))"
	if ! "$tmp/repgeo" train --model=resnet20 --dataset=synthetic --batch=64 --steps=$((STEPS + 1)) \
		--test-limit=-1 --out="$tmp/run" --json >"$tmp/cli.json" 2>"$tmp/cli.err"; then
		echo "repgeo train failed:"; cat "$tmp/cli.err"; : >"$tmp/cli.json"
	fi
	cat "$tmp/cli.json"
else
	echo "== repgeo train is not available; bench/trainstep numbers only."
fi

echo "load average at end: $(cat /proc/loadavg)"

# ---- Table
"$PY" - "$tmp/go.jsonl" "${torch_json:-none}" "$tmp/cli.json" <<'PYEOF'
import json, sys
go_path, torch_path, cli_path = sys.argv[1:4]
go = {}
for line in open(go_path):
    line = line.strip()
    if line:
        r = json.loads(line)
        res = r["result"]
        go[(res["model"], res["backend"], r["kind"])] = (res["images_per_second"], res.get("cpu_cores"))
torch = {}
if torch_path != "none":
    names = {"r20": "resnet20", "vgg11n": "vgg11n", "vgg11": "vgg11", "r18": "resnet18"}
    for row in json.load(open(torch_path))["results"]:
        m = names.get(row["key"], row["key"])
        t = row["train"].get("64") or row["train"].get(64)
        torch[(m, "train")] = t["median_img_s"] if t else None
        torch[(m, "inference")] = row["infer"]["median_img_s"] if row["infer"] else None
cli = None
try:
    txt = open(cli_path).read().strip()
    if txt:
        cli = json.loads(txt.splitlines()[-1]).get("images_per_second")
except (OSError, ValueError):
    pass

def fmt(v):
    return "n/a" if v is None else f"{v:.1f}"

def get(m, b, kind):
    v = go.get((m, b, kind))
    return (None, None) if v is None else v

print()
print("| model | kind | before: gaps filled, stock conv | standard-op lowering (nofast) | repgeo-go (CPU cores) | speed-up | PyTorch | repgeo-go / PyTorch |")
print("|---|---|---|---|---|---|---|---|")
for m in sorted({k[0] for k in go}):
    for kind in ("train", "inference"):
        before, _ = get(m, "repgeo-go:stockconv,nofast", kind)
        mid, _ = get(m, "repgeo-go:nofast", kind)
        after, cores = get(m, "repgeo-go", kind)
        ref = torch.get((m, kind))
        up = f"{after / before:.0f}x" if before and after else "n/a"
        ratio = f"{after / ref:.3f}" if ref and after else "n/a"
        c = f" ({cores:.2f})" if cores else ""
        print(f"| {m} | {kind} | {fmt(before)} | {fmt(mid)} | {fmt(after)}{c} | {up} | {fmt(ref)} | {ratio} |")
if cli is not None:
    ref = torch.get(("resnet20", "train"))
    ratio = f"{cli / ref:.3f}" if ref else "n/a"
    print(f"| resnet20 (repgeo train, synthetic) | train | | | {cli:.1f} | | {fmt(ref)} | {ratio} |")
print("\nimages/s; training at batch 64, inference at batch 256 (before: 64); CPU cores = process CPU time")
print("over wall time (2 = the machine to itself); the machine may be shared, see the load averages")
PYEOF
