#!/bin/sh
# bench/train.sh: ResNet-20 training and inference throughput on this machine,
# Go (GoMLX) against PyTorch on the same cores.
#
#  1. PyTorch reference: bench/torch_train.py (installs Debian's
#     python3-torch if missing) for ResNet-20 and VGG-11-BN/4 at batches 64
#     and 128, inference at batch 256.
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
# (default 1), INFER_STEPS (default 2), MODELS (default resnet20,vgg11n),
# RUNS (pairs of bare step and repgeo train, default 3). The Go kernels
# follow the CPU: GODEBUG=cpu.avx512f=off measures the AVX2 path.
# The CPU may be shared: the load average is printed before and after.
set -eu
cd "$(dirname "$0")/.."
GO=${GO:-go}
STEPS=${STEPS:-5}
STOCK=${STOCK:-1}
STOCK_STEPS=${STOCK_STEPS:-1}
RUNS=${RUNS:-3}
INFER_STEPS=${INFER_STEPS:-2}
MODELS=${MODELS:-resnet20,vgg11n}
PY=/usr/bin/python3
REF=bench/torch_train.py
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

echo "load average at start: $(cat /proc/loadavg)"
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-), $(grep -m1 'cpu family' /proc/cpuinfo | tr -s ' \t')${GODEBUG:+, GODEBUG=$GODEBUG}"

# ---- PyTorch reference
if ! "$PY" -c 'import torch' 2>/dev/null; then
	echo "installing Debian's python3-torch for the reference..."
	apt-get update >/dev/null && apt-get install -y python3-torch >/dev/null
fi
torch_models=$(echo "$MODELS" | sed 's/resnet20/r20/')
echo "== PyTorch reference ($REF --models $torch_models --batches 64,128)"
"$PY" "$REF" --models "$torch_models" --batches 64,128 --out "$tmp/torch.json" | grep -E '^(==|  train|  infer)' || true
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
case ",$MODELS," in *,resnet20,*)
	"$tmp/trainstep" -backends=repgeo-go -models=resnet20 -batch=128 -steps="$STEPS" -infer-steps=0 -json |
		tee -a "$tmp/go.jsonl" ;;
esac

# ---- Go: the repgeo train command against the bare step, alternating
: >"$tmp/cli.jsonl"
: >"$tmp/bare.jsonl"
if [ -f cmd/repgeo/train.go ] && "$GO" build -o "$tmp/repgeo" ./cmd/repgeo 2>"$tmp/build.err"; then
	run=1
	while [ "$run" -le "$RUNS" ]; do
		echo "== run $run/$RUNS: bare step, then repgeo train --model=resnet20 --dataset=synthetic --batch=64 --steps=$((STEPS + 1)) (load $(cut -d' ' -f1 /proc/loadavg))"
		"$tmp/trainstep" -backends=repgeo-go -models=resnet20 -batch=64 -steps="$STEPS" -infer-steps=0 -e2e -json |
			tee -a "$tmp/bare.jsonl"
		rm -rf "$tmp/run"
		if "$tmp/repgeo" train --model=resnet20 --dataset=synthetic --batch=64 --steps=$((STEPS + 1)) \
			--test-limit=-1 --out="$tmp/run" --json >"$tmp/cli.json" 2>"$tmp/cli.err"; then
			tail -n 1 "$tmp/cli.json" | tee -a "$tmp/cli.jsonl"
		else
			echo "repgeo train failed:"; cat "$tmp/cli.err"
		fi
		run=$((run + 1))
	done
else
	echo "== repgeo train is not available; bench/trainstep numbers only."
fi

echo "load average at end: $(cat /proc/loadavg)"

# ---- Table
"$PY" - "$tmp/go.jsonl" "${torch_json:-none}" "$tmp/cli.jsonl" "$tmp/bare.jsonl" <<'PYEOF'
import json, statistics, sys
go_path, torch_path, cli_path, bare_path = sys.argv[1:5]

def jsonl(path):
    out = []
    for line in open(path):
        line = line.strip()
        if line:
            out.append(json.loads(line))
    return out

go = {}
for r in jsonl(go_path):
    res = r["result"]
    go[(res["model"], res["backend"], r["kind"], res["batch"])] = (res["images_per_second"], res.get("cpu_cores"))
torch = {}
if torch_path != "none":
    names = {"r20": "resnet20", "vgg11n": "vgg11n", "vgg11": "vgg11", "r18": "resnet18"}
    for row in json.load(open(torch_path))["results"]:
        m = names.get(row["key"], row["key"])
        for b in (64, 128):
            t = row["train"].get(str(b)) or row["train"].get(b)
            torch[(m, "train", b)] = t["median_img_s"] if t else None
        torch[(m, "inference", 256)] = row["infer"]["median_img_s"] if row["infer"] else None

def fmt(v):
    return "n/a" if v is None else f"{v:.1f}"

def get(m, b, kind, batch):
    v = go.get((m, b, kind, batch))
    return (None, None) if v is None else v

print()
print("| model | kind (batch) | before: gaps filled, stock conv | standard-op lowering (nofast) | repgeo-go (CPU cores) | speed-up | PyTorch | repgeo-go / PyTorch |")
print("|---|---|---|---|---|---|---|---|")
for m in sorted({k[0] for k in go}):
    for kind, batch, before_batch in (("train", 64, 64), ("train", 128, None), ("inference", 256, 64)):
        after, cores = get(m, "repgeo-go", kind, batch)
        if after is None:
            continue
        before, _ = get(m, "repgeo-go:stockconv,nofast", kind, before_batch) if before_batch else (None, None)
        mid, _ = get(m, "repgeo-go:nofast", kind, batch)
        ref = torch.get((m, kind, batch))
        up = f"{after / before:.0f}x" if before and after else "n/a"
        ratio = f"{after / ref:.3f}" if ref and after else "n/a"
        c = f" ({cores:.2f})" if cores else ""
        print(f"| {m} | {kind} ({batch}) | {fmt(before)} | {fmt(mid)} | {fmt(after)}{c} | {up} | {fmt(ref)} | {ratio} |")

cli = [r.get("images_per_second") for r in jsonl(cli_path)]
runs = jsonl(bare_path)
bare = [r["result"] for r in runs if r["kind"] == "train"]
e2e = [r["result"] for r in runs if r["kind"] == "train-e2e"]
if cli and bare:
    print()
    print("| run | bare step (bench/trainstep) | repgeo train end to end | ratio | CPU time per image: models.Train / bare step |")
    print("|---|---|---|---|---|")
    cpu_ratios = []
    for i, (b, c) in enumerate(zip(bare, cli)):
        cr = ""
        if i < len(e2e) and e2e[i]["images_per_second"] and b["cpu_cores"]:
            r = (e2e[i]["cpu_cores"] / e2e[i]["images_per_second"]) / (b["cpu_cores"] / b["images_per_second"])
            cpu_ratios.append(r)
            cr = f"{r:.3f}"
        print(f"| {i + 1} | {b['images_per_second']:.1f} | {c:.1f} | {c / b['images_per_second']:.3f} | {cr} |")
    ips = [b["images_per_second"] for b in bare]
    mb, mc = statistics.median(ips), statistics.median(cli)
    mr = statistics.median(c / b for b, c in zip(ips, cli))
    mcr = f"{statistics.median(cpu_ratios):.3f}" if cpu_ratios else "n/a"
    print(f"| median | {mb:.1f} | {mc:.1f} | {mr:.3f} (of the runs' ratios) | {mcr} |")
    ref = torch.get(("resnet20", "train", 64))
    if ref:
        print(f"\nrepgeo train / PyTorch (ResNet-20, batch 64): {mc / ref:.3f}")
print("\nimages/s; inference at batch 256 (before: 64); CPU cores = process CPU time over wall")
print("time (2 = the machine to itself); the machine may be shared, see the load averages")
PYEOF
