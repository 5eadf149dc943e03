"""Benchmark of start-point maps (`optimizers.run_final`) and learning-rate sweeps.

Run by hand from the repository root (not by CI)::

    python bench/startmap.py            # full run, about a minute here
    python bench/startmap.py --quick    # G = 50, 100, 200; fewer repeats

1. Start-point map: Adam on Himmelblau at the surface's suggested learning
   rate, G × G starts on a grid over the default view, 500 steps, for
   G = 50 … 300. For each G: seconds of one `run_final` call (best of a few),
   ns per path-step, and the peak of traced allocations (tracemalloc, in a
   separate untimed call) — then the same for the baseline, interleaved in
   the same process.

   Baseline: what the map costs without `run_final`: one `run` call storing
   every position (the (steps + 1, n, 2) history), then the map's numbers
   derived from that history with NumPy — the nearest minimum of each final
   position and the first step from which the path stays within tol of it,
   by app/compute.py's definition, vectorized over paths in blocks. Ratio =
   baseline seconds / run_final seconds (> 1: run_final is faster). The
   baseline's map must equal run_final's; the benchmark checks it.

2. Sensitivity sweep: sgd, momentum, adam and rmsprop on Rosenbrock from its
   default start, 200 log-spaced learning rates (1e-5 … 1), 500 steps: one
   `run` call per optimizer with an lr array of shape (200,). Baseline: one
   `run` call per learning rate (timed on every 10th rate and scaled to 200).

Every figure is the best of several repeats; the garbage collector is off
while timing (as `timeit` does). This VM's timings vary by up to 2x from one
second to the next, which is why repeats are interleaved.
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import platform
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(
        0, str(ROOT)
    )  # `python bench/startmap.py` puts bench/, not the root, on the path

from core import print_table  # noqa: E402  (bench/core.py, beside this file)

from gradscape import optimizers, surfaces  # noqa: E402

SURFACE, OPTIMIZER, STEPS, TOL = "himmelblau", "adam", 500, 1e-3
GRIDS_FULL = (50, 100, 150, 200, 250, 300)
GRIDS_QUICK = (50, 100, 200)
ROUNDS = {"full": 3, "quick": 2}
TARGET_G, TARGET_S = 200, 4.0
MEMORY_G, MEMORY_MB = 300, 200.0

SWEEP_SURFACE, SWEEP_OPTIMIZERS, SWEEP_N, SWEEP_STEPS = (
    "rosenbrock",
    ("sgd", "momentum", "adam", "rmsprop"),
    200,
    500,
)
SWEEP_LRS = np.geomspace(1e-5, 1.0, SWEEP_N)
SWEEP_TARGET_S = 1.0
SWEEP_BASELINE_EVERY = 10


# --------------------------------------------------------------------------- helpers
def grid_starts(surface: surfaces.Surface, g: int) -> np.ndarray:
    """(g², 2) starts on a g × g grid over the surface's view (row by row)."""
    x0, x1, y0, y1 = surface.view
    xs, ys = np.linspace(x0, x1, g), np.linspace(y0, y1, g)
    return np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)


def map_from_run(surface: surfaces.Surface, starts: np.ndarray) -> dict[str, np.ndarray]:
    """The baseline: `run` storing every position, then the map derived from the history."""
    traj = optimizers.run(surface, OPTIMIZER, starts, STEPS)
    xy, n = traj.xy, traj.n
    mins = np.array([(m.x, m.y) for m in surface.minima])
    ok = traj.diverged_at < 0
    end = xy[-1]
    d = np.hypot(mins[:, None, 0] - end[None, :, 0], mins[:, None, 1] - end[None, :, 1])
    nearest = np.where(ok, np.argmin(d, axis=0), -1)
    target = mins[np.maximum(nearest, 0)]
    last_out = np.full(n, -1)
    block = max(1, 2_000_000 // n)  # rows per block: temporaries of ~16 MB
    for a in range(0, STEPS + 1, block):
        b = min(a + block, STEPS + 1)
        far = np.hypot(xy[a:b, :, 0] - target[:, 0], xy[a:b, :, 1] - target[:, 1]) > TOL
        rows = np.where(far, np.arange(a, b)[:, None], -1).max(axis=0)
        np.maximum(last_out, rows, out=last_out)
    reached = np.where(ok & (last_out < STEPS), last_out + 1, -1)
    return {
        "xy": end.copy(),
        "loss": traj.loss[-1].copy(),
        "diverged_at": traj.diverged_at,
        "nearest": nearest,
        "reached_at": reached,
    }


def map_from_final(surface: surfaces.Surface, starts: np.ndarray) -> optimizers.Final:
    return optimizers.run_final(surface, OPTIMIZER, starts, STEPS, tol=TOL)


def best_time(fn: Callable[[], Any]) -> float:
    t0 = time.perf_counter()
    result = fn()
    elapsed = time.perf_counter() - t0
    del result
    return elapsed


def traced_peak_mb(fn: Callable[[], Any]) -> float:
    gc.collect()
    tracemalloc.start()
    try:
        result = fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    del result
    return peak / 2**20


# --------------------------------------------------------------------------- start-point map
def check_equal(surface: surfaces.Surface, g: int) -> bool:
    starts = grid_starts(surface, g)
    final = map_from_final(surface, starts)
    base = map_from_run(surface, starts)
    same = all(np.array_equal(getattr(final, k), v) for k, v in base.items())
    counts = np.bincount(final.nearest + 1, minlength=1 + len(surface.minima))
    print(
        f"Check at G={g}: run_final's map {'equals' if same else 'DIFFERS FROM'} the one derived "
        f"from run(); no minimum / per minimum: {counts.tolist()}, "
        f"settled within {TOL:g}: {(final.reached_at >= 0).sum()} of {g * g}, "
        f"diverged: {final.diverged.sum()}"
    )
    return same


def bench_map(grids: tuple[int, ...], rounds: int) -> list[dict[str, Any]]:
    surface = surfaces.get(SURFACE)
    results = {g: {"g": g, "final_s": math.inf, "base_s": math.inf} for g in grids}
    for g in grids:  # warm-up, untimed: first touches of fresh memory are slow here
        starts = grid_starts(surface, g)
        map_from_final(surface, starts)
        results[g]["final_mb"] = traced_peak_mb(lambda s=starts: map_from_final(surface, s))
        results[g]["base_mb"] = traced_peak_mb(lambda s=starts: map_from_run(surface, s))
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for i in range(rounds):
            for g in grids:
                starts = grid_starts(surface, g)
                r = results[g]
                for _ in range(2 if g <= 150 else 1):
                    seconds = best_time(lambda s=starts: map_from_final(surface, s))
                    r["final_s"] = min(r["final_s"], seconds)
                seconds = best_time(lambda s=starts: map_from_run(surface, s))
                r["base_s"] = min(r["base_s"], seconds)
            print(
                f"  round {i + 1}/{rounds}: run_final "
                + ", ".join(f"G={g} {results[g]['final_s']:.3g} s" for g in grids),
                flush=True,
            )
    finally:
        if gc_was_enabled:
            gc.enable()
    return [results[g] for g in grids]


def report_map(results: list[dict[str, Any]]) -> list[str]:
    rows, notes = [], []
    for r in results:
        path_steps = r["g"] ** 2 * STEPS
        rows.append(
            [
                f"{r['g']}",
                f"{r['g'] ** 2:,}",
                f"{r['final_s']:.3f}",
                f"{r['final_s'] / path_steps * 1e9:.1f}",
                f"{r['final_mb']:.1f}",
                f"{r['base_s']:.3f}",
                f"{r['base_mb']:,.0f}",
                f"{r['base_s'] / r['final_s']:.2f}",
            ]
        )
    print(
        f"Start-point map: {OPTIMIZER} on {SURFACE} "
        f"(lr {surfaces.get(SURFACE).suggested_lr(OPTIMIZER):g}, suggested), "
        f"G×G grid over the view, {STEPS} steps"
    )
    print_table(
        [
            "G",
            "starts",
            "run_final s",
            "ns/path-step",
            "peak MB",
            "baseline s",
            "baseline peak MB",
            "x",
        ],
        rows,
        ">>>>>>>>",
    )
    print(
        "  peak MB: traced allocations (tracemalloc) during one call; baseline: run() storing\n"
        "  every position + the map derived from the history; x = baseline s / run_final s."
    )
    by_g = {r["g"]: r for r in results}
    if TARGET_G in by_g:
        s = by_g[TARGET_G]["final_s"]
        ok = "met" if s <= TARGET_S else "NOT MET"
        notes.append(f"G={TARGET_G} {s:.2f} s (≤ {TARGET_S:g} s) {ok}")
    if MEMORY_G in by_g:
        mb = by_g[MEMORY_G]["final_mb"]
        ok = "met" if mb < MEMORY_MB else "NOT MET"
        notes.append(f"G={MEMORY_G} peak {mb:.1f} MB (< {MEMORY_MB:g} MB) {ok}")
    return notes


# --------------------------------------------------------------------------- sensitivity
def bench_sweep(rounds: int) -> tuple[dict[str, float], dict[str, float], dict[str, int]]:
    surface = surfaces.get(SWEEP_SURFACE)
    starts = np.tile(surface.start, (SWEEP_N, 1))
    sub = SWEEP_LRS[::SWEEP_BASELINE_EVERY]

    def one_call(name: str) -> optimizers.Trajectory:
        return optimizers.run(surface, name, starts, SWEEP_STEPS, lr=SWEEP_LRS)

    def per_rate(name: str) -> None:
        for lr in sub:
            optimizers.run(surface, name, surface.start, SWEEP_STEPS, lr=float(lr))

    diverged = {}
    for name in SWEEP_OPTIMIZERS:  # warm-up and a check: path i of the batch is run i alone
        traj = one_call(name)
        alone = optimizers.run(surface, name, surface.start, SWEEP_STEPS, lr=float(sub[3]))
        assert np.allclose(traj.xy[:, 3 * SWEEP_BASELINE_EVERY], alone.xy[:, 0], rtol=1e-12)
        diverged[name] = int(traj.diverged.sum())
    batch = dict.fromkeys(SWEEP_OPTIMIZERS, math.inf)
    single = dict.fromkeys(SWEEP_OPTIMIZERS, math.inf)
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(rounds):
            for name in SWEEP_OPTIMIZERS:
                for _ in range(3):
                    batch[name] = min(batch[name], best_time(lambda n=name: one_call(n)))
                single[name] = min(single[name], best_time(lambda n=name: per_rate(n)))
    finally:
        if gc_was_enabled:
            gc.enable()
    scale = SWEEP_N / sub.size
    return batch, {k: v * scale for k, v in single.items()}, diverged


def report_sweep(
    batch: dict[str, float], single: dict[str, float], diverged: dict[str, int]
) -> str:
    print(
        f"Sensitivity sweep: {SWEEP_N} log-spaced learning rates "
        f"({SWEEP_LRS[0]:g} … {SWEEP_LRS[-1]:g}) × {SWEEP_STEPS} steps on {SWEEP_SURFACE}, "
        f"one run() call per optimizer"
    )
    rows = [
        [
            name,
            f"{batch[name]:.3f}",
            f"{batch[name] / SWEEP_STEPS * 1e6:.1f}",
            f"{diverged[name]}",
            f"{single[name]:.2f}*",
            f"{single[name] / batch[name]:.0f}",
        ]
        for name in SWEEP_OPTIMIZERS
    ]
    total, total_single = sum(batch.values()), sum(single.values())
    rows.append(
        ["total", f"{total:.3f}", "", "", f"{total_single:.2f}*", f"{total_single / total:.0f}"]
    )
    print_table(
        ["optimizer", "s (one call)", "µs/step", "diverged", "one call per rate s", "x"],
        rows,
        "<>>>>>",
    )
    print(
        f"  * one run() per learning rate, timed on every {SWEEP_BASELINE_EVERY}th rate and "
        f"scaled to {SWEEP_N}; x = that / the one call."
    )
    ok = "met" if total <= SWEEP_TARGET_S else "NOT MET"
    return f"sweep total {total:.2f} s (≤ {SWEEP_TARGET_S:g} s) {ok}"


# --------------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="G = 50, 100, 200; fewer repeats")
    args = parser.parse_args(argv)
    mode = "quick" if args.quick else "full"
    wall0 = time.perf_counter()
    print(
        f"Gradscape start-point map and sweep benchmark{' (--quick)' if args.quick else ''}: "
        f"Python {platform.python_version()}, NumPy {np.__version__}, "
        f"{platform.machine()}, {os.cpu_count()} CPUs; run_final chunk "
        f"{optimizers.core.FINAL_CHUNK:,} paths"
    )
    print()
    same = check_equal(surfaces.get(SURFACE), 60)
    print()
    grids = GRIDS_QUICK if args.quick else GRIDS_FULL
    notes = report_map(bench_map(grids, ROUNDS[mode])) if same else []
    print()
    notes.append(report_sweep(*bench_sweep(ROUNDS[mode])))
    print()
    print("Targets: " + "; ".join(notes))
    print(f"Total benchmark time {time.perf_counter() - wall0:.0f} s.")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
