#!/usr/bin/python3
"""Regenerates the reference numbers of repgeo/testdata/geometry: the six
layers of m64/ and m200/ and the reference.json beside them.

The reference numbers come from the field's two reference libraries, called
as recorded in every reference.json ("meta" and "metric_params"):

  repsim  0.8.3, wrongu/repsim at commit ecd0a545 (metrics, geodesics,
          angles, projections; imported from a checkout of that commit);
  netrep  0.0.2, ahwillia/netrep at commit 0186b8a7 (cross-checks, and the
          reference for the shape metric with alpha 0.5);

with torch 1.13, numpy 1.24 and scipy 1.10, in float64
(torch.set_default_dtype(torch.float64)). Neither library is packaged for
Debian nor installable on the project's CI machines, so this script is not
run by the tests; the tests compare against the JSON files it wrote.

Modes:

  generate_reference.py --check [DIR]
      Needs numpy only. Regenerates the layers of DIR (default: the m64 and
      m200 folders beside this script) and checks that they are the stored
      files (to rounding: the stored ones were made on a BLAS whose matrix
      product uses fused multiply-adds, so other BLAS builds differ in the
      last bits), then recomputes from the stored layers, with closed forms
      in numpy, every
      reference number that has one (the pairwise matrices of all seven
      metrics; the angles, projections, midpoints and path measures of the
      two angular CKA metrics, whose points lie on a sphere) and checks them
      against DIR/reference.json to the tolerances the tests use.

  generate_reference.py --generate DIR --seed S --m M [--repsim PATH] [--netrep PATH]
      Needs torch, scipy, repsim and netrep (PATH: their checkouts, added to
      sys.path). Writes DIR/layer_*.npy and DIR/reference.json. The stored
      sets were made with --seed 11 --m 64 and --seed 12 --m 200.

The layers (meta.generator): rng = numpy.random.default_rng(seed);
z = rng.standard_normal((M, 16)); A = rng.standard_normal((16, d_0));
h_0 = z A / sqrt(16); then for l = 0..4: W = rng.standard_normal((d_l,
d_{l+1})), noise = rng.standard_normal((M, d_{l+1})),
h_{l+1} = tanh(1.5 h_l W / sqrt(d_l)) + 0.05 noise; widths d = 8, 32, 100,
300, 64, 10; float64, C order.
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np

WIDTHS = [8, 32, 100, 300, 64, 10]
LATENT = 16
P_SHAPE = 300  # repsim's shape metrics pad every layer to p columns
HERE = os.path.dirname(os.path.abspath(__file__))

# ---------------------------------------------------------------- layers


def make_layers(seed, m, widths=WIDTHS):
    """The layers of meta.generator, in its draw order."""
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((m, LATENT))
    a = rng.standard_normal((LATENT, widths[0]))
    hs = [z @ a / math.sqrt(LATENT)]
    for l in range(len(widths) - 1):
        w = rng.standard_normal((widths[l], widths[l + 1]))
        noise = rng.standard_normal((m, widths[l + 1]))
        hs.append(np.tanh(1.5 * (hs[l] @ w) / math.sqrt(widths[l])) + 0.05 * noise)
    return hs


def layer_files(n):
    return [f"layer_{l}.npy" for l in range(n)]


# ---------------------------------------------------------------- closed forms (numpy)


def centred(x):
    return x - x.mean(axis=0)


def unit(v):
    return v / np.linalg.norm(v)


def cka_point(x, unbiased):
    """Centred linear Gram matrix, unit Frobenius norm; repsim's unbiased
    variant zeroes the diagonal after centring, without re-centring."""
    xc = centred(x)
    k = xc @ xc.T
    if unbiased:
        np.fill_diagonal(k, 0.0)
    return unit(k.ravel())


def sphere_distance(p, q):
    return float(np.arccos(np.clip(p @ q, -1.0, 1.0)))


def nuclear(a):
    return float(np.linalg.svd(a, compute_uv=False).sum())


def angular_shape(x, y):
    a, b = centred(x), centred(y)
    return float(np.arccos(np.clip(nuclear(a.T @ b) / (np.linalg.norm(a) * np.linalg.norm(b)), -1.0, 1.0)))


def euclidean_shape(x, y):
    a, b = centred(x), centred(y)
    sq = np.linalg.norm(a) ** 2 + np.linalg.norm(b) ** 2 - 2 * nuclear(a.T @ b)
    return float(math.sqrt(max(sq, 0.0)))


def netrep_whiten(x, p, alpha):
    """netrep's partial whitening: eigenvalues of Xc^T Xc (not divided by
    m) clipped at 1e-7, scale alpha + (1 - alpha) lambda^(-1/2)."""
    xc = centred(x)
    xc = np.pad(xc, ((0, 0), (0, p - xc.shape[1])))
    lam, v = np.linalg.eigh(xc.T @ xc)
    lam = np.maximum(lam, 1e-7)
    return xc @ v @ np.diag(alpha + (1 - alpha) / np.sqrt(lam)) @ v.T


def angular_shape_alpha(x, y, alpha):
    p = max(x.shape[1], y.shape[1])
    a, b = netrep_whiten(x, p, alpha), netrep_whiten(y, p, alpha)
    return float(np.arccos(np.clip(nuclear(a.T @ b) / (np.linalg.norm(a) * np.linalg.norm(b)), -1.0, 1.0)))


def air_gram(x, y, eps):
    """Affine-invariant distance of the regularized Gram matrices: square
    root of the sum of squared logs of the generalized eigenvalues."""
    m = x.shape[0]
    ga = centred(x) @ centred(x).T + eps * np.eye(m)
    gb = centred(y) @ centred(y).T + eps * np.eye(m)
    lower = np.linalg.cholesky(ga)
    inv = np.linalg.inv(lower)
    lam = np.linalg.eigvalsh(inv @ gb @ inv.T)
    return float(math.sqrt(np.sum(np.log(lam) ** 2)))


def stress(x, y):
    def dists(z):
        sq = np.sum(z * z, axis=1)
        return np.sqrt(np.clip(sq[:, None] + sq[None, :] - 2 * z @ z.T, 0.0, None))

    iu = np.triu_indices(x.shape[0], 1)
    return float(math.sqrt(np.mean((dists(x)[iu] - dists(y)[iu]) ** 2)))


CLOSED_FORMS = {
    "angular-cka-biased": lambda x, y: sphere_distance(cka_point(x, False), cka_point(y, False)),
    "angular-cka-unbiased": lambda x, y: sphere_distance(cka_point(x, True), cka_point(y, True)),
    "angular-shape": angular_shape,
    "euclidean-shape": euclidean_shape,
    "angular-shape-alpha0.5": lambda x, y: angular_shape_alpha(x, y, 0.5),
    "air-gram-eps0.1": lambda x, y: air_gram(x, y, 0.1),
    "stress": stress,
}


def sphere_angle(a, b, c):
    """Angle at b of the spherical triangle abc."""
    u, v = a - (a @ b) * b, c - (c @ b) * b
    return float(np.arccos(np.clip(u @ v / (np.linalg.norm(u) * np.linalg.norm(v)), -1.0, 1.0)))


def sphere_projection(a, b, c):
    """Projection of c on the great circle through a and b: t (signed
    fraction of d(a, b) from a) and the distance from c to it."""
    e2 = unit(b - (b @ a) * a)
    x, y = c @ a, c @ e2
    t = math.atan2(y, x) / sphere_distance(a, b)
    return t, float(np.arccos(np.clip(math.hypot(x, y), -1.0, 1.0)))


# ---------------------------------------------------------------- --check


def close(got, want, tol):
    return abs(got - want) <= tol


def check_dir(d):
    with open(os.path.join(d, "reference.json")) as f:
        ref = json.load(f)
    meta = ref["meta"]
    made = make_layers(meta["seed"], meta["M"], meta["dims"])
    problems, checked, xs = [], 0, []
    for name, x in zip(meta["layer_files"], made):
        stored = np.load(os.path.join(d, name))
        xs.append(stored)
        if stored.dtype != np.float64 or stored.shape != x.shape:
            problems.append(f"{name}: {stored.dtype} {stored.shape}, the generator makes float64 {x.shape}")
            continue
        # The stored layers were made on a BLAS whose matrix product sums
        # with fused multiply-adds; another BLAS rounds the last bits of
        # the products differently, and tanh carries that on.
        diff = float(np.max(np.abs(stored - x) / np.maximum(np.abs(stored), 1.0)))
        same = int(np.sum(stored == x))
        print(f"  {name}: {same} of {x.size} entries bit-identical, largest difference {diff:.1e}")
        if diff > 1e-13:
            problems.append(f"{name}: differs from the generated layer by {diff:.1e}")
        checked += 1

    def tol_for(metric, near_zero=False):
        if near_zero:
            return 1e-6
        return 1e-6 if metric.startswith("euclidean") else 1e-8

    n = len(xs)
    for metric, fn in CLOSED_FORMS.items():
        want = ref["pairwise"][metric]
        worst = 0.0
        for i in range(n):
            for j in range(i + 1, n):
                got = fn(xs[i], xs[j])
                worst = max(worst, abs(got - want[i][j]))
                if not close(got, want[i][j], tol_for(metric)):
                    problems.append(f"pairwise[{metric}][{i}][{j}] = {want[i][j]!r}, closed form {got!r}")
                checked += 1
        print(f"  pairwise {metric:24s} largest difference {worst:.1e}")

    for metric, unbiased in (("angular-cka-biased", False), ("angular-cka-unbiased", True)):
        pts = [cka_point(x, unbiased) for x in xs]
        for a in ref["angles"][metric]:
            i, j, k = a["triple"]
            got = sphere_angle(pts[i], pts[j], pts[k])
            if not close(got, a["angle"], 1e-8):
                problems.append(f"angles[{metric}] {a['triple']}: {a['angle']!r}, closed form {got!r}")
            checked += 1
        for p in ref["projections"][metric]:
            t, dist = sphere_projection(pts[p["a"]], pts[p["b"]], pts[p["c"]])
            if not (close(t, p["t"], 1e-8) and close(dist, p["dist"], 1e-8)):
                problems.append(f"projections[{metric}] a={p['a']} b={p['b']} c={p['c']}: t={p['t']!r} dist={p['dist']!r}, closed form {t!r} {dist!r}")
            checked += 1
        for mp in ref["midpoints"][metric]:
            a, b, c = pts[mp["a"]], pts[mp["b"]], pts[mp["c"]]
            mid = unit(a + b)
            got = [sphere_distance(a, mid), sphere_distance(mid, b), sphere_distance(a, b), sphere_distance(c, mid)]
            for key, g in zip(("d_a_mid", "d_mid_b", "d_a_b", "d_c_mid"), got):
                if not close(g, mp[key], 1e-8):
                    problems.append(f"midpoints[{metric}] a={mp['a']} b={mp['b']} {key}: {mp[key]!r}, closed form {g!r}")
                checked += 1
        path = ref["path"][metric]
        steps = [sphere_distance(pts[l], pts[l + 1]) for l in range(n - 1)]
        for key, got in (("total_length", sum(steps)), ("endpoint_distance", sphere_distance(pts[0], pts[-1]))):
            if not close(got, path[key], 1e-8):
                problems.append(f"path[{metric}].{key}: {path[key]!r}, closed form {got!r}")
            checked += 1
        for l, got in enumerate(steps):
            if not close(got, path["step_lengths"][l], 1e-8):
                problems.append(f"path[{metric}].step_lengths[{l}]: {path['step_lengths'][l]!r}, closed form {got!r}")
            checked += 1
        for a in path["angles"]:
            l = a["l"]
            got = sphere_angle(pts[l - 1], pts[l], pts[l + 1])
            if not close(got, a["angle"], 1e-8):
                problems.append(f"path[{metric}].angles l={l}: {a['angle']!r}, closed form {got!r}")
            checked += 1
        for pr in path["progress"]:
            l = pr["l"]
            t, dist = sphere_projection(pts[0], pts[-1], pts[l])
            near_zero = l in (0, n - 1)
            if not (close(t, pr["t"], tol_for(metric, near_zero)) and close(dist, pr["dist"], tol_for(metric, near_zero))):
                problems.append(f"path[{metric}].progress l={l}: t={pr['t']!r} dist={pr['dist']!r}, closed form {t!r} {dist!r}")
            checked += 1
    return checked, problems


# ---------------------------------------------------------------- --generate (repsim, netrep)


def generate(out, seed, m):
    """Writes the layers and reference.json with repsim and netrep."""
    import torch
    import repsim
    from repsim import metrics as rm
    from repsim.kernels import Laplace, SquaredExponential
    from repsim.geometry.trig import angle as repsim_angle
    from repsim.geometry.optimize import project_by_tangent_iteration
    import netrep.metrics as nm

    torch.set_default_dtype(torch.float64)
    os.makedirs(out, exist_ok=True)
    xs = make_layers(seed, m)
    files = layer_files(len(xs))
    for name, x in zip(files, xs):
        np.save(os.path.join(out, name), x)
    tx = [torch.from_numpy(x) for x in xs]
    n = len(xs)
    timings = {}

    def timed(key, fn):
        start = time.perf_counter()
        value = fn()
        timings[key] = time.perf_counter() - start
        return value

    spaces = {
        "angular-cka-biased": rm.AngularCKA(m=m, use_unbiased_hsic=False),
        "angular-cka-unbiased": rm.AngularCKA(m=m, use_unbiased_hsic=True),
        "angular-shape": rm.AngularShapeMetric(m=m, p=P_SHAPE, alpha=1.0),
        "euclidean-shape": rm.EuclideanShapeMetric(m=m, p=P_SHAPE, alpha=1.0),
        "angular-shape-alpha0.5(repsim)": rm.AngularShapeMetric(m=m, p=P_SHAPE, alpha=0.5),
        "air-gram-eps0.1": rm.AffineInvariantRiemannian(m=m, eps=0.1, mode="gram"),
        "stress": rm.Stress(m=m),
    }
    points = {k: timed("points:" + k, lambda s=s: [s.neural_data_to_point(x) for x in tx]) for k, s in spaces.items()}

    def pairwise(space, pts):
        d = np.zeros((len(pts), len(pts)))
        for i in range(len(pts)):
            for j in range(i + 1, len(pts)):
                d[i, j] = d[j, i] = float(space.length(pts[i], pts[j]))
        return d

    matrices = {k: timed("pairwise:" + k, lambda k=k: pairwise(spaces[k], points[k])) for k in spaces}

    def netrep_matrix(metric):
        d = np.zeros((n, n))
        for i in range(n):
            for j in range(i + 1, n):
                metric.fit(xs[i], xs[j])
                d[i, j] = d[j, i] = float(metric.score(xs[i], xs[j]))
        return d

    start = time.perf_counter()
    netrep_alpha05 = netrep_matrix(nm.LinearMetric(alpha=0.5, center_columns=True, zero_pad=True, score_method="angular"))
    netrep_angular = netrep_matrix(nm.LinearMetric(alpha=1.0, center_columns=True, zero_pad=True, score_method="angular"))
    netrep_euclid = netrep_matrix(nm.LinearMetric(alpha=1.0, center_columns=True, zero_pad=True, score_method="euclidean"))
    netrep_cka = np.zeros((n, n))
    cka = nm.LinearCKA()
    for i in range(n):
        for j in range(i + 1, n):
            netrep_cka[i, j] = netrep_cka[j, i] = float(np.arccos(np.clip(cka.score(xs[i], xs[j]), -1.0, 1.0)))
    timings["netrep:all"] = time.perf_counter() - start

    def closed(metric):
        fn = CLOSED_FORMS[metric]
        d = np.zeros((n, n))
        for i in range(n):
            for j in range(i + 1, n):
                d[i, j] = d[j, i] = fn(xs[i], xs[j])
        return d

    def maxdiff(a, b):
        return float(np.max(np.abs(np.asarray(a) - np.asarray(b))))

    pairwise_out = {k: matrices[k].tolist() for k in ("angular-cka-biased", "angular-cka-unbiased", "angular-shape", "euclidean-shape", "air-gram-eps0.1", "stress")}
    pairwise_out["angular-shape-alpha0.5"] = netrep_alpha05.tolist()
    crosscheck = {"pairwise": {
        "angular-cka-biased": {"repsim_vs_netrep_LinearCKA": maxdiff(matrices["angular-cka-biased"], netrep_cka),
                               "repsim_vs_numpy_closed_form": maxdiff(matrices["angular-cka-biased"], closed("angular-cka-biased"))},
        "angular-cka-unbiased": {"repsim_vs_numpy_masked_closed_form": maxdiff(matrices["angular-cka-unbiased"], closed("angular-cka-unbiased")),
                                 "note": "no netrep equivalent (netrep LinearCKA is biased only)"},
        "angular-shape": {"repsim_vs_netrep_LinearMetric(alpha=1,angular)": maxdiff(matrices["angular-shape"], netrep_angular),
                          "repsim_vs_numpy_nuclear_norm": maxdiff(matrices["angular-shape"], closed("angular-shape"))},
        "euclidean-shape": {"repsim_vs_netrep_LinearMetric(alpha=1,euclidean)": maxdiff(matrices["euclidean-shape"], netrep_euclid),
                            "repsim_vs_numpy_nuclear_norm": maxdiff(matrices["euclidean-shape"], closed("euclidean-shape"))},
        "angular-shape-alpha0.5": {"reference": "netrep LinearMetric(alpha=0.5, score_method='angular')",
                                   "netrep_vs_repsim_AngularShapeMetric(alpha=0.5)": maxdiff(netrep_alpha05, matrices["angular-shape-alpha0.5(repsim)"]),
                                   "netrep_vs_numpy(eig of Xc^T Xc, clip 1e-7)": maxdiff(netrep_alpha05, closed("angular-shape-alpha0.5")),
                                   "repsim_alpha0.5_matrix": matrices["angular-shape-alpha0.5(repsim)"].tolist()},
        "stress": {"repsim_vs_numpy_pdist": maxdiff(matrices["stress"], closed("stress"))},
        "air-gram-eps0.1": {"repsim_vs_scipy_generalized_eigh": maxdiff(matrices["air-gram-eps0.1"], closed("air-gram-eps0.1"))},
    }}

    # Kernels and the covariance mode of the affine-invariant metric.
    extra_specs = {
        "angular-cka-rbf-median-biased": ("AngularCKA(m, kernel=SquaredExponential('median'), use_unbiased_hsic=False)",
                                          lambda: rm.AngularCKA(m=m, kernel=SquaredExponential("median"), use_unbiased_hsic=False), [0, 1, 4, 5]),
        "angular-cka-laplace-median-biased": ("AngularCKA(m, kernel=Laplace('median'), use_unbiased_hsic=False)",
                                              lambda: rm.AngularCKA(m=m, kernel=Laplace("median"), use_unbiased_hsic=False), [0, 1, 4, 5]),
        "angular-cka-rbf-2.5-biased": ("AngularCKA(m, kernel=SquaredExponential(2.5), use_unbiased_hsic=False)",
                                       lambda: rm.AngularCKA(m=m, kernel=SquaredExponential(2.5), use_unbiased_hsic=False), [0, 1, 4, 5]),
        "air-cov-p8-eps0.1": ("AffineInvariantRiemannian(m, eps=0.1, p=8, mode='cov')",
                              lambda: rm.AffineInvariantRiemannian(m=m, eps=0.1, p=8, mode="cov"), list(range(n))),
    }
    pairwise_extra = {}
    for key, (call, make, layers) in extra_specs.items():
        space = make()
        pts = [space.neural_data_to_point(tx[l]) for l in layers]
        pairwise_extra[key] = {"layers": layers, "distances": pairwise(space, pts).tolist(), "call": call}

    # Geometry on the four metrics with geodesics: angles at the middle
    # point, projections by tangent iteration, midpoints, the path 0..5.
    geo = ["angular-cka-biased", "angular-cka-unbiased", "angular-shape", "euclidean-shape"]
    triples = [[0, 1, 2], [1, 2, 3], [2, 3, 4], [0, 2, 5], [3, 4, 5], [0, 3, 5]]
    proj_cases = [(0, 5, 2), (0, 5, 3), (1, 4, 2)]
    mid_cases = [(0, 5, 1), (2, 3, 1)]

    def project(space, pts, a, b, c):
        proj, result = project_by_tangent_iteration(space, pts[a], pts[b], pts[c], tol=1e-10, max_iterations=2000)
        d_ab = float(space.length(pts[a], pts[b]))
        d_ap, d_bp = float(space.length(pts[a], proj)), float(space.length(pts[b], proj))
        t = d_ap / d_ab
        if d_bp > d_ab + 1e-9 * max(1.0, d_ab) and d_ap < d_bp:
            t = -t
        return {"a": a, "b": b, "c": c, "t": t, "dist": float(space.length(pts[c], proj)),
                "converged": result.name == "CONVERGED", "method": "project_by_tangent_iteration"}

    angles, projections, midpoints, paths = {}, {}, {}, {}
    for metric in geo:
        space, pts = spaces[metric], points[metric]
        angles[metric] = timed("angles:" + metric, lambda: [
            {"triple": t, "angle": float(repsim_angle(space, pts[t[0]], pts[t[1]], pts[t[2]]))} for t in triples])
        projections[metric] = timed("projections:" + metric, lambda: [project(space, pts, a, b, c) for a, b, c in proj_cases])
        mids = []
        for a, b, c in mid_cases:
            mid = space.geodesic(pts[a], pts[b], frac=0.5)
            mids.append({"a": a, "b": b, "c": c, "d_a_mid": float(space.length(pts[a], mid)), "d_mid_b": float(space.length(mid, pts[b])),
                         "d_a_b": float(space.length(pts[a], pts[b])), "d_c_mid": float(space.length(pts[c], mid))})
        midpoints[metric] = mids

        def path_measures():
            steps = [float(space.length(pts[l], pts[l + 1])) for l in range(n - 1)]
            return {"step_lengths": steps, "total_length": sum(steps),
                    "endpoint_distance": float(space.length(pts[0], pts[-1])),
                    "angles": [{"l": l, "angle": float(repsim_angle(space, pts[l - 1], pts[l], pts[l + 1]))} for l in range(1, n - 1)],
                    "progress": [{"l": l, **{k: v for k, v in project(space, pts, 0, n - 1, l).items() if k in ("t", "dist")}} for l in range(n)]}

        paths[metric] = timed("path:" + metric, path_measures)

    def sanity(d):
        d = np.asarray(d)
        slack, worst = math.inf, None
        for i in range(n):
            for j in range(n):
                for k in range(n):
                    if len({i, j, k}) == 3 and d[i, k] + d[k, j] - d[i, j] < slack:
                        slack, worst = d[i, k] + d[k, j] - d[i, j], [i, k, j]
        return {"symmetric": bool(np.allclose(d, d.T)), "zero_diagonal": bool(np.all(np.diag(d) == 0)),
                "triangle_worst_slack": float(slack), "triangle_worst_ijk": worst,
                "triangle_slack_definition": "min over distinct i,k,j of D[i,k]+D[k,j]-D[i,j]", "triangle_holds": bool(slack >= -1e-12)}

    ref = {
        "schema_version": 1,
        "meta": {
            "seed": seed, "M": m, "L": n, "dims": WIDTHS, "P_shape": P_SHAPE, "latent_dim": LATENT,
            "layer_files": files, "layer_dtype": "float64 (<f8), C-order, shape (M, d_l)",
            "generator": "see generate_reference.py (make_layers)",
            "libraries": {"repsim": getattr(repsim, "__version__", "?"), "numpy": np.__version__, "torch": torch.__version__},
            "dtype": "float64 everywhere (torch.set_default_dtype(torch.float64))",
            "angle_convention": "repsim.geometry.trig.angle(space, A, B, C): angle at the MIDDLE point B, radians, in [0, pi]",
            "projection_convention": "repsim project_by_tangent_iteration(space, A, B, C, tol=1e-10, max_iterations=2000); t = d(a,proj)/d(a,b), negated if d(b,proj) > d(a,b)+1e-9*max(1,d(a,b)) and d(a,proj) < d(b,proj); dist = d(c, proj)",
            "midpoint_convention": "repsim space.geodesic(A, B, frac=0.5)",
            "pairwise_convention": "D[i][j] = space.length(point_i, point_j) for i<j, mirrored; diagonal set to exactly 0",
            "timings_s": timings,
        },
        "pairwise": pairwise_out,
        "crosscheck": crosscheck,
        "angles": angles,
        "projections": projections,
        "midpoints": midpoints,
        "path": paths,
        "sanity": {"pairwise": {k: sanity(v) for k, v in pairwise_out.items()}},
        "dropped": [],
        "library_messages": {},
        "pairwise_extra": pairwise_extra,
    }
    with open(os.path.join(out, "reference.json"), "w") as f:
        json.dump(ref, f, indent=1)


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    mode = p.add_mutually_exclusive_group(required=True)
    mode.add_argument("--check", nargs="*", metavar="DIR", help="check stored sets (default: m64 and m200 here)")
    mode.add_argument("--generate", metavar="DIR", help="write a new set with repsim and netrep")
    p.add_argument("--seed", type=int, help="seed of the layers (with --generate)")
    p.add_argument("--m", type=int, help="number of inputs (with --generate)")
    p.add_argument("--repsim", help="path of a repsim checkout (commit ecd0a545)")
    p.add_argument("--netrep", help="path of a netrep checkout (commit 0186b8a7)")
    opt = p.parse_args(argv)
    if opt.generate is not None:
        if opt.seed is None or opt.m is None:
            p.error("--generate needs --seed and --m")
        for path in (opt.repsim, opt.netrep):
            if path:
                sys.path.insert(0, path)
        generate(opt.generate, opt.seed, opt.m)
        return
    dirs = opt.check or [os.path.join(HERE, "m64"), os.path.join(HERE, "m200")]
    failed = False
    for d in dirs:
        print(f"{d}:")
        checked, problems = check_dir(d)
        for msg in problems:
            print("  MISMATCH", msg)
        print(f"  {checked} numbers checked, {len(problems)} mismatches")
        failed = failed or bool(problems)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main(sys.argv[1:])
