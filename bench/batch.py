"""Benchmark of mini-batch steps on data surfaces (issue 11's targets).

Run by hand from the repository root (not by CI)::

    python bench/batch.py            # about a minute here
    python bench/batch.py --quick    # fewer repeats

1. One mini-batch step, B = 32 samples of N = 1 024, at n = 1 and n = 10⁴
   paths: `run(..., batch_size=32)` on `linear_regression` and
   `logistic_regression` with sgd and adam, seconds per step (a run of many
   steps divided by the steps, so the call's fixed costs are spread out),
   against a hand-written NumPy reference of the same step fed the same
   batches (`traj.batches`): gather the batch, the residuals of every path
   on every sample (an (n, B) array), the mean gradient, the update, in
   place, and the new positions copied into a history table (as `run`
   keeps them). For linear regression a second reference gathers the batch's
   moments (mean x², mean x, mean xy, mean y) once per step and updates every
   path from them, the same algorithm the core uses (O(B + n) a step, not
   O(B·n)). Ratio = ours / reference, the median over rounds of the ratio
   within each round (target ≤ 1.5). Both must end at the same positions
   (checked to 1e-9).

2. A 100 × 100 start map: `run_final` from 10⁴ starts on a grid over the
   view of `linear_regression` (N = 1 024), B = 32, 500 steps, sgd and adam
   at the surface's suggested rate: seconds (best of a few) and the peak of
   traced allocations (tracemalloc, in a separate untimed call); target
   ≤ 3 s. Baseline: the hand-written moments reference stepping the same
   10⁴ paths with the same batches, keeping only the final positions; it
   does not watch for divergence nor note when each path arrives, which
   `run_final` does after every step (the ratio shows what that costs).

Step times are medians of several interleaved rounds, ratios the median of
the ratios within each round, start-map times the best round; the garbage
collector is off while timing (this VM is shared; its timings vary from
second to second).
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
import tracemalloc
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # `python bench/batch.py` puts bench/, not the root, on the path

from core import print_table  # noqa: E402  (bench/core.py, beside this file)

from gradscape import surfaces  # noqa: E402
from gradscape.optimizers import run, run_final  # noqa: E402

N, B = 1024, 32
STEPS = {1: 3000, 10_000: 150}
MAP_GRID, MAP_STEPS = 100, 500


# --------------------------------------------------------------------------- references
def _linear_residual_grad(x: np.ndarray, y: np.ndarray) -> Callable:
    two_over_b = 2.0 / B

    def grad(w, b, idx, gw, gb, r):
        xs, ys = x[idx], y[idx]
        np.multiply(w[:, None], xs, r)
        r += b[:, None]
        r -= ys
        np.matmul(r, xs, gw)
        gw *= two_over_b
        r.sum(axis=1, out=gb)
        gb *= two_over_b

    return grad


def _linear_moment_grad(x: np.ndarray, y: np.ndarray) -> Callable:
    def grad(w, b, idx, gw, gb, r):
        xs, ys = x[idx], y[idx]
        m = xs.shape[0]
        sx, sy = xs.sum() / m, ys.sum() / m
        sxx, sxy = np.dot(xs, xs) / m, np.dot(xs, ys) / m
        np.multiply(w, 2.0 * sxx, gw)
        gw += (2.0 * sx) * b
        gw -= 2.0 * sxy
        np.multiply(w, 2.0 * sx, gb)
        gb += 2.0 * b
        gb -= 2.0 * sy

    return grad


def _logistic_grad(x: np.ndarray, y: np.ndarray) -> Callable:
    s = 1.0 - 2.0 * y

    def grad(w, b, idx, gw, gb, r):
        xs, ss = x[idx], s[idx]
        np.multiply(w[:, None], xs, r)
        r += b[:, None]
        r *= ss
        np.negative(r, r)
        np.logaddexp(0.0, r, r)
        np.negative(r, r)
        np.exp(r, r)  # σ(s·z)
        r *= ss
        np.matmul(r, xs, gw)
        gw /= xs.shape[0]
        r.mean(axis=1, out=gb)

    return grad


def reference_run(
    grad: Callable,
    optimizer: str,
    starts: np.ndarray,
    batches: list,
    lr: float,
    history: bool = True,
) -> np.ndarray:
    """Hand-written stepping of every path: the plain loop a person would write.

    With `history` each step's positions are copied into a (steps + 1, 2, n)
    table, as a path viewer must keep them (and as `run` does).
    """
    n = starts.shape[0]
    w, b = starts[:, 0].copy(), starts[:, 1].copy()
    hist = np.empty((len(batches) + 1, 2, n)) if history else None
    if hist is not None:
        hist[0, 0], hist[0, 1] = w, b
    gw, gb = np.empty(n), np.empty(n)
    r = np.empty((n, B))
    if optimizer == "sgd":
        for k, idx in enumerate(batches, start=1):
            grad(w, b, idx, gw, gb, r[:, : idx.shape[0]])
            gw *= lr
            gb *= lr
            w -= gw
            b -= gb
            if hist is not None:
                hist[k, 0], hist[k, 1] = w, b
        return np.stack([w, b], axis=1)
    b1, b2, eps = 0.9, 0.999, 1e-8
    mw, mb, vw, vb = (np.zeros(n) for _ in range(4))
    tmp = np.empty(n)
    for t, idx in enumerate(batches, start=1):
        grad(w, b, idx, gw, gb, r[:, : idx.shape[0]])
        c1, c2 = 1.0 - b1**t, (1.0 - b2**t) ** 0.5
        for p, g, m, v in ((w, gw, mw, vw), (b, gb, mb, vb)):
            m *= b1
            m += (1 - b1) * g
            v *= b2
            np.multiply(g, g, tmp)
            tmp *= 1 - b2
            v += tmp
            np.sqrt(v, tmp)
            tmp /= c2
            tmp += eps
            np.divide(m, tmp, tmp)
            tmp *= lr / c1
            p -= tmp
        if hist is not None:
            hist[t, 0], hist[t, 1] = w, b
    return np.stack([w, b], axis=1)


# --------------------------------------------------------------------------- timing
def best_time(fn: Callable[[], Any], rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        gc.disable()
        try:
            t = time.perf_counter()
            fn()
            best = min(best, time.perf_counter() - t)
        finally:
            gc.enable()
    return best


def interleaved(
    fns: dict[str, Callable[[], Any]], rounds: int
) -> tuple[dict[str, float], dict[str, list[float]]]:
    """Best time of each function, and every round's times, the repeats interleaved.

    Each round times every function back to back (in turn starting from a
    different one), so a ratio taken within a round sees the same load on
    this shared machine; the median over rounds of those ratios is the figure
    reported.
    """
    names = list(fns)
    times: dict[str, list[float]] = {name: [] for name in names}
    for r in range(rounds):
        for name in names[r % len(names) :] + names[: r % len(names)]:
            times[name].append(best_time(fns[name], 1))
    return {name: min(t) for name, t in times.items()}, times


def paired_ratio(times: dict[str, list[float]], a: str, b: str) -> float:
    """Median over rounds of time(a) / time(b) within the round."""
    return float(np.median(np.array(times[a]) / np.array(times[b])))


def traced_peak_mb(fn: Callable[[], Any]) -> float:
    gc.collect()
    tracemalloc.start()
    try:
        fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 2**20


def grid_starts(surface: surfaces.Surface, g: int) -> np.ndarray:
    x0, x1, y0, y1 = surface.view
    xs, ys = np.meshgrid(np.linspace(x0, x1, g), np.linspace(y0, y1, g))
    return np.stack([xs.ravel(), ys.ravel()], axis=1)


REFERENCES = {
    "linear_regression": {"residuals": _linear_residual_grad, "moments": _linear_moment_grad},
    "logistic_regression": {"residuals": _logistic_grad},
}


def bench_steps(rounds: int) -> list[list[str]]:
    rows = []
    for sname, refs in REFERENCES.items():
        s = surfaces.get(sname, samples=N)
        x, y = s.data
        for name in ("sgd", "adam"):
            lr = s.suggested_lr(name)
            for n, steps in STEPS.items():
                rng = np.random.default_rng(0)
                m = s.minima[0]
                starts = np.array([m.x, m.y]) + rng.uniform(-1, 1, (n, 2))

                def ours(starts=starts, steps=steps, lr=lr, name=name, s=s):
                    return run(s, name, starts, steps, lr=lr, batch_size=B, batch_seed=1)

                traj = ours()
                fns: dict[str, Callable[[], Any]] = {"run": ours}
                for label, make in refs.items():
                    grad = make(x, y)
                    out = reference_run(grad, name, starts, traj.batches, lr)
                    dev = np.max(np.abs(out - traj.xy[-1]) / (1 + np.abs(out)))
                    if dev > 1e-9:
                        raise AssertionError(f"{sname} {name} n={n} {label}: deviates by {dev:g}")
                    fns[label] = partial(reference_run, grad, name, starts, traj.batches, lr)
                _, times = interleaved(fns, rounds)
                us = {k: float(np.median(v)) / steps * 1e6 for k, v in times.items()}
                for label in refs:
                    rows.append(
                        [
                            sname,
                            name,
                            f"{n:,}",
                            label,
                            f"{us['run']:.1f}",
                            f"{us[label]:.1f}",
                            f"{paired_ratio(times, 'run', label):.2f}",
                        ]
                    )
                print(".", end="", flush=True)
    print()
    return rows


def bench_map(rounds: int) -> list[list[str]]:
    s = surfaces.get("linear_regression", samples=N)
    x, y = s.data
    starts = grid_starts(s, MAP_GRID)
    rows = []
    for name in ("sgd", "adam"):
        lr = s.suggested_lr(name)

        def ours(name=name, lr=lr):
            return run_final(s, name, starts, MAP_STEPS, lr=lr, batch_size=B, batch_seed=1)

        batches = run(s, name, s.start, MAP_STEPS, lr=lr, batch_size=B, batch_seed=1).batches
        grad = _linear_moment_grad(x, y)

        def ref(name=name, lr=lr, grad=grad, batches=batches):
            return reference_run(grad, name, starts, batches, lr, history=False)

        final = ours()
        ok = final.diverged_at < 0
        dev = np.max(np.abs(ref()[ok] - final.xy[ok]) / (1 + np.abs(final.xy[ok])))
        if dev > 1e-9:
            raise AssertionError(f"start map {name}: deviates by {dev:g}")
        best, times = interleaved({"run_final": ours, "reference": ref}, rounds)
        peak = traced_peak_mb(ours)
        peak_ref = traced_peak_mb(ref)
        rows.append(
            [
                name,
                f"{MAP_GRID}×{MAP_GRID}",
                f"{best['run_final']:.2f}",
                f"{peak:.1f}",
                f"{best['reference']:.2f}",
                f"{peak_ref:.1f}",
                f"{paired_ratio(times, 'run_final', 'reference'):.2f}",
                "yes" if best["run_final"] <= 3.0 else "NO",
            ]
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    args = parser.parse_args(argv)
    rounds = 3 if args.quick else 9
    print(
        f"One mini-batch step (B = {B}, N = {N:,}): µs per step and ratio, "
        f"medians of {rounds} interleaved rounds"
    )
    rows = bench_steps(rounds)
    print_table(
        ["surface", "optimizer", "n", "reference", "run µs", "ref µs", "ratio"],
        rows,
        "<<><>>>",
    )
    worst = max(float(r[-1]) for r in rows if r[3] != "residuals" or r[0] != "linear_regression")
    print(f"worst ratio against the tightest reference: {worst:.2f} (target ≤ 1.5)")
    print()
    print(
        f"Start map: run_final, {MAP_GRID}×{MAP_GRID} starts, linear_regression "
        f"(N = {N:,}), B = {B}, {MAP_STEPS} steps"
    )
    map_rows = bench_map(max(2, rounds // 2))
    print_table(
        ["optimizer", "grid", "s", "peak MB", "ref s", "ref MB", "ratio", "≤ 3 s"],
        map_rows,
        "<<>>>>>>",
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
