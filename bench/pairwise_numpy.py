#!/usr/bin/python3
"""numpy baseline of `make bench-pairwise`: all-pairs angular CKA and angular
shape distances between the layers of a synthetic network, in plain numpy
(float64, on whatever BLAS numpy links; Debian's python3-numpy with
libopenblas-dev installed uses OpenBLAS).

It writes the layers it generates to OUT/layers/layer_NN.npy (float32, m x d),
so that bench/pairwise can time repgeo on the very same files, saves each
distance matrix as OUT/D_<metric>.npy, and prints one JSON line:

  {"m": M, "L": L, "dims": [...], "<metric>_seconds": wall seconds, ...}

The layers: h_0 is m x 32 standard normal; layer l has width dims[l] (the
--dims list repeated) and is tanh(1.5 h W / sqrt(width of h)) plus 0.05 times
standard normal noise, W standard normal, all drawn in that order from
numpy.random.default_rng(seed) and rounded to float32 at every step.

The metrics, as repgeo defines them (docs/metrics.md):
  angular-cka   (linear kernel, biased HSIC) arccos <K_i, K_j>_F with
                K = Xc Xc^T / ||Xc Xc^T||_F, Xc the column-centred layer;
  angular-shape (alpha 1) arccos(||Xc_i^T Xc_j||_* / (||Xc_i||_F ||Xc_j||_F)),
                a layer wider than m first replaced by U S of its thin SVD
                (same nuclear norms, smaller products).

  /usr/bin/python3 bench/pairwise_numpy.py --m 2000 --out bench/out/pairwise
"""
import argparse
import json
import os
import sys
import time


def options(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--m", type=int, default=2000, help="inputs (rows of every layer)")
    p.add_argument("--L", type=int, default=20, help="number of layers")
    p.add_argument("--dims", default="64,256,1024,4096", help="layer widths, repeated over the layers")
    p.add_argument("--seed", type=int, default=0, help="seed of numpy.random.default_rng")
    p.add_argument("--threads", type=int, default=2, help="BLAS threads")
    p.add_argument("--metrics", default="angular-cka,angular-shape", help="comma-separated: angular-cka, angular-shape")
    p.add_argument("--out", required=True, help="output folder")
    return p.parse_args(argv)


def synthetic_layers(np, m, widths, seed):
    """The float32 layers described in the module's docstring."""
    rng = np.random.default_rng(seed)
    h = rng.standard_normal((m, 32)).astype(np.float32)
    out = []
    for d in widths:
        w = rng.standard_normal((h.shape[1], d)).astype(np.float32)
        pre = 1.5 * (h @ w) / np.sqrt(h.shape[1])
        noise = rng.standard_normal((m, d)).astype(np.float32)
        h = (np.tanh(pre) + 0.05 * noise).astype(np.float32)
        out.append(h)
    return out


def angular_cka(np, xs):
    """All-pairs angular CKA (linear, biased) of the float64 layers xs."""
    m = xs[0].shape[0]
    grams = np.empty((len(xs), m * m))
    for i, x in enumerate(xs):
        xc = x - x.mean(axis=0)
        k = xc @ xc.T
        grams[i] = (k / np.linalg.norm(k)).reshape(-1)
    d = np.arccos(np.clip(grams @ grams.T, -1.0, 1.0))
    np.fill_diagonal(d, 0.0)
    return d


def angular_shape(np, xs):
    """All-pairs angular shape distance (alpha 1) of the float64 layers xs."""
    m = xs[0].shape[0]
    reduced, norms = [], []
    for x in xs:
        xc = x - x.mean(axis=0)
        norms.append(np.linalg.norm(xc))
        if xc.shape[1] > m:
            u, s, _ = np.linalg.svd(xc, full_matrices=False)
            xc = u * s
        reduced.append(xc)
    n = len(xs)
    d = np.zeros((n, n))
    for i in range(n):
        for j in range(i + 1, n):
            nuclear = np.linalg.svd(reduced[i].T @ reduced[j], compute_uv=False).sum()
            d[i, j] = d[j, i] = np.arccos(np.clip(nuclear / (norms[i] * norms[j]), -1.0, 1.0))
    return d


METRICS = {"angular-cka": angular_cka, "angular-shape": angular_shape}


def main(argv):
    opt = options(argv)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(opt.threads)
    import numpy as np  # after the thread settings, which numpy reads on import

    wanted = [s for s in opt.metrics.split(",") if s]
    for name in wanted:
        if name not in METRICS:
            sys.exit(f"pairwise_numpy.py: unknown metric {name!r} (known: {', '.join(METRICS)})")
    cycle = [int(s) for s in opt.dims.split(",")]
    widths = [cycle[l % len(cycle)] for l in range(opt.L)]

    os.makedirs(os.path.join(opt.out, "layers"), exist_ok=True)
    layers = synthetic_layers(np, opt.m, widths, opt.seed)
    for l, h in enumerate(layers):
        np.save(os.path.join(opt.out, "layers", f"layer_{l:02d}.npy"), h)
    xs = [h.astype(np.float64) for h in layers]

    result = {"m": opt.m, "L": opt.L, "dims": widths}
    for name in METRICS:  # a fixed order, whatever the order of --metrics
        if name not in wanted:
            continue
        start = time.perf_counter()
        d = METRICS[name](np, xs)
        result[name + "_seconds"] = time.perf_counter() - start
        np.save(os.path.join(opt.out, f"D_{name}.npy"), d)
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
