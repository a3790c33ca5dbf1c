#!/usr/bin/python3
"""PyTorch baseline of `make bench-train`: training and inference images/s
of the CIFAR-sized networks of bench/trainstep, in plain torch.nn on the CPU.

Networks (32x32x3 inputs, 10 classes):
  r20     ResNet-20: 3x3 stem of 16 channels, three stages of three basic
          blocks (16, 32, 64 channels; stride 2 at the start of stages 2 and
          3), projection shortcuts (1x1 convolution + batch norm) where the
          shape changes, global average pooling, linear classifier;
  r18     ResNet-18 for 32x32 inputs: 3x3 stride-1 stem of 64 channels, no
          max pool, stages of two basic blocks (64, 128, 256, 512);
  vgg11   VGG-11 with batch norm: convolutions 64, M, 128, M, 256, 256, M,
          512, 512, M, 512, 512, M (3x3 with bias, batch norm, ReLU; M a 2x2
          max pool), then a linear classifier on the 512 features;
  vgg11n  the same at a quarter of the widths.

Training: SGD (learning rate 0.05, momentum 0.9), cross-entropy, one fixed
random batch (standard normal images, uniform labels) per batch size. Each
(network, batch size) runs --warmup untimed steps, then --repeats timed
blocks of --steps steps; the median block gives images/s. Inference: eval
mode under torch.no_grad at batch --infer-bs, one warm-up pass, then timed
blocks of up to 5 passes. A block during which the process used fewer than
--min-cores CPU cores on average (process CPU time over wall time) was slowed
by another job: it is discarded and run again, at most 4 times per setting.
--train-budget-s and --infer-budget-s shorten the blocks of slow networks.

Forward GFLOP per image counts 2 x the multiply-adds of the convolutions and
linear layers only (the convention of bench/trainstep); training GFLOP/s
counts 3 forward passes per image.

Prints one line per measurement ("== NETWORK", "  train bs=...", "  infer
bs=...") and a Markdown table, and writes everything, with the torch version,
thread count and load averages, as JSON to --out:
  {"info": {...}, "results": [{"key", "model", "params", "fwd_gflop_per_img",
   "train": {"64": {"median_img_s", "reps", ...}}, "infer": {...}}]}

  /usr/bin/python3 bench/torch_train.py --models r20,vgg11n --batches 64 --out torch.json
"""
import argparse
import json
import statistics
import sys
import time

import torch
from torch import nn


def conv_bn(cin, cout, stride=1, kernel=3, bias=False):
    pad = kernel // 2
    return [nn.Conv2d(cin, cout, kernel, stride=stride, padding=pad, bias=bias), nn.BatchNorm2d(cout)]


class Basic(nn.Module):
    """A basic residual block: two 3x3 convolutions with batch norm, and a
    1x1 convolution with batch norm on the shortcut when the shape changes."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.body = nn.Sequential(*conv_bn(cin, cout, stride), nn.ReLU(inplace=True), *conv_bn(cout, cout))
        self.skip = nn.Identity()
        if stride != 1 or cin != cout:
            self.skip = nn.Sequential(*conv_bn(cin, cout, stride, kernel=1))
        self.out = nn.ReLU(inplace=True)

    def forward(self, x):
        return self.out(self.body(x) + self.skip(x))


def resnet(widths, blocks, classes=10):
    """A ResNet for 32x32 inputs: 3x3 stem, stages of basic blocks (stride 2
    at the first block of every stage but the first), average pool, linear."""
    layers = [*conv_bn(3, widths[0]), nn.ReLU(inplace=True)]
    cin = widths[0]
    for s, (w, n) in enumerate(zip(widths, blocks)):
        for b in range(n):
            layers.append(Basic(cin, w, 2 if s > 0 and b == 0 else 1))
            cin = w
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(cin, classes)]
    return nn.Sequential(*layers)


def vgg(config, classes=10):
    """A VGG with batch norm: config lists conv widths and "M" for max pools."""
    layers, cin = [], 3
    for v in config:
        if v == "M":
            layers.append(nn.MaxPool2d(2))
        else:
            layers += [*conv_bn(cin, v, bias=True), nn.ReLU(inplace=True)]
            cin = v
    layers += [nn.Flatten(), nn.Linear(cin, classes)]
    return nn.Sequential(*layers)


VGG11 = [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"]

NETWORKS = {
    "r20": ("ResNet-20", lambda: resnet([16, 32, 64], [3, 3, 3])),
    "r18": ("ResNet-18 (32x32)", lambda: resnet([64, 128, 256, 512], [2, 2, 2, 2])),
    "vgg11": ("VGG-11-BN", lambda: vgg(VGG11)),
    "vgg11n": ("VGG-11-BN /4", lambda: vgg([v if v == "M" else v // 4 for v in VGG11])),
}


def forward_gflop(model):
    """Forward GFLOP per 32x32 image: 2 x multiply-adds of Conv2d and Linear."""
    total = 0

    def count(module, inputs, output):
        nonlocal total
        if isinstance(module, nn.Conv2d):
            per_output = module.in_channels // module.groups * module.kernel_size[0] * module.kernel_size[1]
        else:
            per_output = module.in_features
        total += 2 * output.numel() * per_output

    hooks = [mod.register_forward_hook(count) for mod in model.modules() if isinstance(mod, (nn.Conv2d, nn.Linear))]
    training = model.training
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, 3, 32, 32))
    model.train(training)
    for h in hooks:
        h.remove()
    return total / 1e9


class Timer:
    """Times blocks of calls, rejecting blocks that got too few CPU cores."""

    def __init__(self, min_cores, retries=4, pause=2.0):
        self.min_cores, self.retries, self.pause = min_cores, retries, pause

    def block(self, fn, calls):
        wall, cpu = time.perf_counter(), time.process_time()
        for _ in range(calls):
            fn()
        wall = time.perf_counter() - wall
        return wall, (time.process_time() - cpu) / wall

    def measure(self, fn, calls, images_per_call, repeats):
        kept, dropped = [], []
        while len(kept) < repeats:
            wall, cores = self.block(fn, calls)
            rec = {"wall_s": wall, "img_s": images_per_call * calls / wall, "cpu_cores": cores}
            if cores < self.min_cores and len(dropped) < self.retries:
                dropped.append(rec)
                time.sleep(self.pause)
                continue
            kept.append(rec)
        return {"reps": kept, "rejected": dropped, "median_img_s": statistics.median(r["img_s"] for r in kept)}


def train_speed(model, batch, opt, timer):
    model.train()
    sgd = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    images = torch.randn(batch, 3, 32, 32)
    labels = torch.randint(0, 10, (batch,))

    def step():
        sgd.zero_grad(set_to_none=True)
        loss_fn(model(images), labels).backward()
        sgd.step()

    warm = [timer.block(step, 1)[0] for _ in range(opt.warmup)]
    steps = opt.steps
    if warm and warm[-1] * steps * opt.repeats > opt.train_budget_s:
        steps = max(3, int(opt.train_budget_s / (warm[-1] * opt.repeats)))
    res = timer.measure(step, steps, batch, opt.repeats)
    res.update({"warmup_step_s": warm, "steps_timed": steps})
    return res


def infer_speed(model, opt, timer):
    model.eval()
    images = torch.randn(opt.infer_bs, 3, 32, 32)

    def forward():
        with torch.no_grad():
            model(images)

    first = timer.block(forward, 1)[0]
    calls = max(1, min(5, int(opt.infer_budget_s / (first * opt.repeats))))
    res = timer.measure(forward, calls, opt.infer_bs, opt.repeats)
    res.update({"warmup_s": first, "iters_timed": calls})
    model.train()
    return res


def options(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--models", default="r20,vgg11n", help="comma-separated: " + ", ".join(NETWORKS))
    p.add_argument("--batches", default="64", help="comma-separated training batch sizes")
    p.add_argument("--steps", type=int, default=10, help="training steps per timed block")
    p.add_argument("--warmup", type=int, default=2, help="untimed training steps first")
    p.add_argument("--repeats", type=int, default=3, help="timed blocks; the median counts")
    p.add_argument("--infer-bs", type=int, default=256, help="inference batch size")
    p.add_argument("--threads", type=int, default=2, help="torch threads")
    p.add_argument("--min-cores", type=float, default=None, help="reject blocks below this many cores (default 0.9 x threads)")
    p.add_argument("--train-budget-s", type=float, default=150.0, help="timed seconds per network and batch size, at most")
    p.add_argument("--infer-budget-s", type=float, default=30.0, help="timed seconds of inference per network, at most")
    p.add_argument("--seed", type=int, default=0, help="torch.manual_seed")
    p.add_argument("--out", required=True, help="JSON file of all measurements")
    opt = p.parse_args(argv)
    for key in opt.models.split(","):
        if key not in NETWORKS:
            p.error(f"unknown model {key!r} (known: {', '.join(NETWORKS)})")
    return opt


def loadavg():
    with open("/proc/loadavg") as f:
        return f.read().strip()


def main(argv):
    opt = options(argv)
    torch.set_num_threads(opt.threads)
    torch.manual_seed(opt.seed)
    timer = Timer(opt.min_cores if opt.min_cores is not None else 0.9 * opt.threads)
    info = {"torch": torch.__version__, "threads": torch.get_num_threads(), "loadavg_start": loadavg()}
    print(json.dumps(info), flush=True)

    results = []
    for key in opt.models.split(","):
        name, build = NETWORKS[key]
        model = build()
        params = sum(p.numel() for p in model.parameters())
        gflop = forward_gflop(model)
        print(f"== {name}: params={params:,} fwd GFLOP/img={gflop:.4f}", flush=True)
        row = {"key": key, "model": name, "params": params, "fwd_gflop_per_img": gflop, "train": {}, "infer": None}
        for batch in (int(b) for b in opt.batches.split(",")):
            r = train_speed(model, batch, opt, timer)
            r["achieved_gflops"] = r["median_img_s"] * 3 * gflop
            row["train"][str(batch)] = r
            print(f"  train bs={batch}: steps={r['steps_timed']} img/s reps="
                  + ",".join(f"{x['img_s']:.1f}" for x in r["reps"])
                  + f" rejected={len(r['rejected'])} median={r['median_img_s']:.1f}"
                  + f" GFLOP/s={r['achieved_gflops']:.1f} cores=" + ",".join(f"{x['cpu_cores']:.2f}" for x in r["reps"]), flush=True)
        r = infer_speed(model, opt, timer)
        r["achieved_gflops"] = r["median_img_s"] * gflop
        row["infer"] = r
        print(f"  infer bs={opt.infer_bs}: iters={r['iters_timed']} img/s reps="
              + ",".join(f"{x['img_s']:.1f}" for x in r["reps"])
              + f" rejected={len(r['rejected'])} median={r['median_img_s']:.1f} (fwd GFLOP/s={r['achieved_gflops']:.1f})", flush=True)
        results.append(row)

    info["loadavg_end"] = loadavg()
    with open(opt.out, "w") as f:
        json.dump({"info": info, "results": results}, f, indent=1)

    print(f"\n| model | params | fwd GFLOP/img | batch | train img/s | inference img/s (batch {opt.infer_bs}) | train GFLOP/s |")
    print("|---|---|---|---|---|---|---|")
    for row in results:
        for batch, r in row["train"].items():
            print(f"| {row['model']} | {row['params'] / 1e6:.3f}M | {row['fwd_gflop_per_img']:.4f} | {batch} | "
                  f"{r['median_img_s']:.1f} | {row['infer']['median_img_s']:.1f} | {r['achieved_gflops']:.1f} |")


if __name__ == "__main__":
    main(sys.argv[1:])
