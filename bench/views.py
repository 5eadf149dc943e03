"""Benchmark of the comparison views as the server computes them (compute + figure + JSON).

Run by hand from the repository root (not by CI)::

    python bench/views.py            # about a minute here
    python bench/views.py --quick    # G = 50, 100, 200; fewer repeats

Where `bench/startmap.py` times the core (`run_final`), this times what a
request for a view costs the server: the numbers (`app.views`), the Plotly
figure and its JSON (what Dash sends), best of a few repeats with the caches
cleared, and each against a baseline run in the same process:

1. Sensitivity: sgd, momentum, adam and rmsprop on Rosenbrock, 200 rates each,
   500 steps (`views.sensitivity` + `sensitivity_figure`). Baseline: the same
   200 × 4 final losses from one `optimizers.run` call per rate (every 10th
   rate timed, scaled to 200). Target: ≤ 1 s.
2. Start map: Adam on Himmelblau at its suggested rate, G × G starts over the
   view, 500 steps, G = 50 … 300 (`views.start_map` + `start_map_figure`):
   seconds, ns per path-step, peak traced memory (tracemalloc, a separate
   untimed call), JSON bytes. Baseline: `optimizers.run` storing whole paths
   (what the map would cost without final-only runs), where it fits in memory.
   Target: G = 200 ≤ 4 s, memory < 200 MB at G = 300.
3. Compare: the focus run at K = 12 rates (one `run` call) and the small
   multiples figure; baseline: 12 separate `run` calls.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
import tracemalloc
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gradscape import optimizers
from gradscape.app import views
from gradscape.app.compute import training
from gradscape.app.state import parse


def best(fn, repeats: int) -> float:
    times = []
    gc.disable()
    try:
        for _ in range(repeats):
            t = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t)
    finally:
        gc.enable()
    return min(times)


def peak_mb(fn) -> float:
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def sensitivity(repeats: int) -> None:
    state, _ = parse(
        "surface=rosenbrock&run1=sgd&run1.lr=0.001&run2=momentum&run2.lr=0.001"
        "&run3=adam&run3.lr=0.1&run4=rmsprop&run4.lr=0.01&mode=sensitivity"
    )

    def request():
        views._curve.cache_clear()
        fig = views.sensitivity_figure(state, views.sensitivity(state))
        return fig.to_json()

    def baseline():
        lo, hi = views.sensitivity_range(state)
        rates = np.geomspace(lo, hi, views.SENSITIVITY_RATES)[::10]
        for run in state.runs:
            for lr in rates:
                optimizers.run(
                    state.build_surface(),
                    run.optimizer,
                    np.asarray(state.start),
                    state.steps,
                    **training(state),
                    **{**run.hp, "lr": float(lr)},
                )

    compute = best(lambda: (views._curve.cache_clear(), views.sensitivity(state)), repeats)
    total = best(request, repeats)
    base = best(baseline, 1) * 10
    size = len(request())
    print("1. Sensitivity: 4 optimizers × 200 rates × 500 steps on Rosenbrock")
    print(f"   compute {compute * 1e3:.0f} ms, with figure and JSON {total * 1e3:.0f} ms "
          f"({size / 1024:.0f} KB); one run() per rate: {base:.2f} s ({base / total:.0f}× slower)"
          f"  target ≤ 1 s: {'met' if total <= 1 else 'MISSED'}")  # fmt: skip


def start_maps(grids: list[int], repeats: int) -> None:
    base_state, _ = parse("surface=himmelblau&run1=adam&mode=starts&metric=basin")
    print("2. Start map: Adam on Himmelblau, G×G starts, 500 steps (compute + figure + JSON)")
    print("      G    starts   compute s  +figure s  ns/path-step  peak MB  JSON KB  "
          "whole paths s  whole peak MB")  # fmt: skip
    rows = []
    for g in grids:
        state = replace(base_state, grid=g)
        holder = {}

        def compute(state=state, holder=holder):
            holder["sm"] = views.start_map(state)

        def request(state=state):
            return views.start_map_figure(state, views.start_map(state)).to_json()

        t_compute = best(compute, repeats)
        t_total = best(request, max(1, repeats - 1))
        mem = peak_mb(compute)
        size = len(request())
        whole = whole_mem = float("nan")
        if g <= 200:  # storing every path: 0.16 GB at G = 200, 0.36 GB at 300
            xs, ys = views.start_grid(state.view, g)
            starts = np.column_stack([np.tile(xs, g), np.repeat(ys, g)])
            run = state.focus_run

            def whole_paths(starts=starts, run=run, state=state):
                traj = optimizers.run(
                    state.build_surface(), run.optimizer, starts, state.steps, **run.hp
                )
                return traj.xy[-1]

            whole = best(whole_paths, 1)
            whole_mem = peak_mb(whole_paths)
        ns = t_compute / (g * g * state.steps) * 1e9
        rows.append((g, t_compute))
        print(f"   {g:4d} {g * g:9,d} {t_compute:10.2f} {t_total:10.2f} {ns:13.1f} "
              f"{mem:8.1f} {size / 1024:8.0f} {whole:14.2f} {whole_mem:14.0f}")  # fmt: skip
    g0, t0 = rows[0]
    for g, t in rows[1:]:
        print(f"   G {g0} → {g}: starts ×{(g / g0) ** 2:.1f}, time ×{t / t0:.1f}")
    t200 = dict(rows).get(200)
    if t200 is not None:
        print(f"   target G = 200 ≤ 4 s: {'met' if t200 <= 4 else 'MISSED'} ({t200:.2f} s)")


def compare(repeats: int) -> None:
    state, _ = parse("mode=compare&k=12&focus=3")
    sw_state = state

    def request():
        views._sweep.cache_clear()
        sw = views.sweep(sw_state)
        cstate, theme = views.compare_state(sw_state, sw)
        return views.compare_figure(cstate, sw, theme).to_json()

    def baseline():
        lo, hi = state.rate_range()
        run = state.focus_run
        for lr in np.geomspace(lo, hi, 12):
            optimizers.run(
                state.build_surface(),
                run.optimizer,
                np.asarray(state.start),
                state.steps,
                **{**run.hp, "lr": float(lr)},
            )

    sweep_only = best(lambda: (views._sweep.cache_clear(), views.sweep(state)), repeats)
    base = best(baseline, repeats)
    total = best(request, repeats)
    print("3. Compare: Adam on Rosenbrock at 12 rates, 500 steps")
    print(f"   one run() for all 12: {sweep_only * 1e3:.1f} ms; 12 run() calls: "
          f"{base * 1e3:.1f} ms ({base / sweep_only:.1f}×); with the small multiples figure "
          f"and JSON: {total * 1e3:.0f} ms ({len(request()) / 1024:.0f} KB)")  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    repeats = 2 if args.quick else 4
    grids = [50, 100, 200] if args.quick else [50, 100, 150, 200, 250, 300]
    sensitivity(repeats)
    start_maps(grids, repeats)
    compare(repeats)


if __name__ == "__main__":
    main()
