"""Benchmark of `optimizers.run`: Adam on Rosenbrock against two per-path baselines.

Run by hand from the repository root (not by CI)::

    python bench/core.py            # full run, 30–40 s here
    python bench/core.py --quick    # fewer repeats, n up to 10 000
    python bench/core.py --json out.json
    python bench/core.py --compare-2026   # the 2026 optimizers against Adam (below)

For n = 1, 100, 10 000 and 100 000 paths it times one `run` call (500 steps,
lr = 0.05) and, interleaved with it in the same process, two baselines that
step one path at a time:

- "python": a plain-Python loop on scalar floats (`math` only) doing torch's
  Adam step with Rosenbrock's gradient written inline, storing every position;
- "torch": `torch.optim.Adam` on a float64 tensor of shape (2,), the analytic
  gradient set as ``p.grad`` each step (skipped when torch is not installed).

Both baselines cost the same for every path, so for large n they are timed on
the first few paths and scaled linearly to n (marked ``*`` in the table).
Every figure is the best of several repeats after one untimed warm-up run at
each size: this VM's timings vary by up to 2x from one second to the next.
Each round visits every size: the `run` calls back to back (as an app's
repeated calls come), then the baselines; so each size is sampled at several
moments. The garbage collector is off (as `timeit` does); freeing a result is
not timed.

The starts: n = 1 uses Rosenbrock's default start (-1.5, 2.0); larger n puts
that start first and spreads the others uniformly over the view box
[-2, 2] x [-1, 3] with a fixed seed.

``--compare-2026`` times instead every 2026 optimizer (OPTIMIZERS-2026.md)
next to Adam in the same process, at n = 1, 10⁴ and 10⁵, each at its
suggested rate for Rosenbrock, its other hyperparameters at their defaults.
The calls are interleaved (Adam, then each optimizer, for every size, in
every round) and the best of the rounds is kept, so a slow stretch of the VM
hits all of them alike. The clock is this process's CPU time
(`time.process_time`): on a machine shared with other busy processes, wall
time mostly measures waiting for a core. The table gives each one's cost per
step (per step and path for n > 1) and its ratio to Adam's. Target: at most 2× Adam's per
step and path at n = 10⁴, except L-BFGS and Newton (reported only).
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import resource
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # `python bench/core.py` puts bench/, not the root, on the path

SURFACE = "rosenbrock"
OPTIMIZER = "adam"
STEPS = 500
LR = 0.05
BETA1, BETA2, EPS = 0.9, 0.999, 1e-8  # torch's defaults, which `run` uses too
START = (-1.5, 2.0)
VIEW = (-2.0, 2.0, -1.0, 3.0)
SEED = 20240601

SIZES_FULL = (1, 100, 10_000, 100_000)
SIZES_QUICK = (1, 100, 10_000)
#: Rounds over all sizes (full, quick): a size's repeats are spread over the
#: whole benchmark, so one slow stretch of the VM cannot spoil all of them.
ROUNDS = (4, 2)
#: Timed calls per size and round: run, python baseline, torch baseline. The
#: `run` calls of a round follow each other directly, as an app's repeated calls
#: do: on this VM memory left free for a few seconds is handed back to the host
#: and must be faulted in again, which at n = 10⁵ (0.8 GB per call) can cost
#: more than the arithmetic; back to back, the next call reuses it.
REPEATS = {1: (10, 3, 2), 100: (10, 3, 2), 10_000: (3, 2, 2), 100_000: (2, 1, 1)}
#: Paths the baselines are timed on, at most.
SUBSET = {"python": 200, "torch": 20}
#: Paths whose positions are compared between `run` and both baselines.
CHECK_PATHS, CHECK_RTOL = 3, 1e-10

KERNEL_MIN_N = 10_000  # the kernel-time column is shown from this n on

TARGET_NS_PER_PATH = 40.0  # at n = 10⁴ and 10⁵, ns per step per path
TARGET_US_SINGLE = 10.0  # at n = 1, µs per step
TARGET_NS_SIZES = (10_000, 100_000)


# --------------------------------------------------------------------------- baselines
def adam_python(x: float, y: float, steps: int, lr: float) -> list[tuple[float, float]]:
    """One path of torch's Adam on Rosenbrock in plain Python; every position, start first.

    Operation for operation as torch.optim.Adam's single-tensor step: m by
    ``lerp_`` (m + (1 − β₁)(g − m), which is β₁m + (1 − β₁)g), v by
    ``mul_(β₂).addcmul_(g, g, 1 − β₂)``, then
    θ ← θ − lr/(1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε).
    """
    sqrt = math.sqrt
    b1, b2, eps = BETA1, BETA2, EPS
    w1, w2 = 1.0 - b1, 1.0 - b2
    mx = my = vx = vy = 0.0
    out = [(x, y)]
    append = out.append
    for t in range(1, steps + 1):
        d = y - x * x  # Rosenbrock: f = (1 − x)² + 100(y − x²)²
        gy = 200.0 * d
        gx = 2.0 * (x - x * gy - 1.0)
        mx += w1 * (gx - mx)
        my += w1 * (gy - my)
        vx = vx * b2 + w2 * gx * gx
        vy = vy * b2 + w2 * gy * gy
        step_size = lr / (1.0 - b1**t)
        bc2_sqrt = sqrt(1.0 - b2**t)
        x -= step_size * (mx / (sqrt(vx) / bc2_sqrt + eps))
        y -= step_size * (my / (sqrt(vy) / bc2_sqrt + eps))
        append((x, y))
    return out


def make_adam_torch(torch: Any) -> Callable[[float, float, int, float], list[tuple[float, float]]]:
    """One path of `torch.optim.Adam` in float64 with the analytic gradient; every position."""
    f64 = torch.float64

    def adam_torch(x: float, y: float, steps: int, lr: float) -> list[tuple[float, float]]:
        p = torch.tensor((x, y), dtype=f64, requires_grad=True)
        opt = torch.optim.Adam([p], lr=lr, betas=(BETA1, BETA2), eps=EPS)
        out = [(x, y)]
        append = out.append
        for _ in range(steps):
            d = y - x * x
            gy = 200.0 * d
            gx = 2.0 * (x - x * gy - 1.0)
            p.grad = torch.tensor((gx, gy), dtype=f64)
            opt.step()
            x, y = p.tolist()
            append((x, y))
        return out

    return adam_torch


def time_paths(
    fn: Callable[[float, float, int, float], list[tuple[float, float]]], starts: np.ndarray
) -> float:
    """Seconds to run `fn` over every start in turn (keeping every result, as `run` does)."""
    pairs = starts.tolist()
    t0 = time.perf_counter()
    kept = [fn(x, y, STEPS, LR) for x, y in pairs]
    elapsed = time.perf_counter() - t0
    del kept
    return elapsed


# --------------------------------------------------------------------------- helpers
def make_starts(n: int) -> np.ndarray:
    """(n, 2) starts: the surface's start first, the rest uniform over the view box (seeded)."""
    rng = np.random.default_rng(SEED)
    x0, x1, y0, y1 = VIEW
    starts = rng.uniform((x0, y0), (x1, y1), size=(n, 2))  # row by row: same prefix for any n
    starts[0] = START
    return starts


def time_run(run: Callable[..., Any], starts: np.ndarray) -> tuple[float, float]:
    """Wall and kernel (system CPU) seconds of one `run` call; freeing the result is not timed.

    The kernel time is mostly handing out the fresh pages of the result, which
    this VM does at a very uneven speed.
    """
    sys0 = resource.getrusage(resource.RUSAGE_SELF).ru_stime
    t0 = time.perf_counter()
    traj = run(SURFACE, OPTIMIZER, starts, STEPS, lr=LR)
    elapsed = time.perf_counter() - t0
    kernel = resource.getrusage(resource.RUSAGE_SELF).ru_stime - sys0
    del traj
    return elapsed, kernel


def max_rel_dev(a: np.ndarray, b: np.ndarray) -> float:
    """max over steps of ‖a_k − b_k‖ / ‖b_k‖ for (steps + 1, 2) positions."""
    return float(np.max(np.linalg.norm(a - b, axis=1) / np.linalg.norm(b, axis=1)))


def maxrss_bytes() -> int:
    """Peak resident set of this process so far (ru_maxrss is KiB on Linux, bytes on macOS)."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss if sys.platform == "darwin" else rss * 1024


def fmt_s(seconds: float | None, extrapolated: bool = False) -> str:
    if seconds is None:
        return "—"
    return f"{seconds:.4g}{'*' if extrapolated else ' '}"


def fmt_ratio(ratio: float | None) -> str:
    if ratio is None:
        return "—"
    return f"{ratio:.2f}" if ratio < 10 else f"{ratio:,.0f}"


def print_table(headers: list[str], rows: list[list[str]], align: str) -> None:
    """Columns padded to their widest cell; `align` has one '<' or '>' per column."""
    widths = [max(len(r[i]) for r in [headers, *rows]) for i in range(len(headers))]

    def line(cells: list[str]) -> str:
        return "  ".join(f"{c:{a}{w}}" for c, a, w in zip(cells, align, widths, strict=True))

    print(line(headers))
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print(line(r))


# --------------------------------------------------------------------------- stages
def check_baselines(run: Callable[..., Any], baselines: dict[str, Callable]) -> dict[str, Any]:
    """Positions of `run` against each baseline (and the baselines against each other)."""
    starts = make_starts(CHECK_PATHS)
    traj = run(SURFACE, OPTIMIZER, starts, STEPS, lr=LR)
    ref = {
        name: [np.array(fn(x, y, STEPS, LR)) for x, y in starts.tolist()]
        for name, fn in baselines.items()
    }
    pairs = [("run", name) for name in ref]
    if len(ref) == 2:
        pairs.append(("python", "torch"))
    result: dict[str, Any] = {"paths": starts.tolist(), "rtol": CHECK_RTOL, "max_rel_dev": {}}
    print(
        f"Check: positions of {CHECK_PATHS} paths, all {STEPS + 1} steps, "
        f"max_k ‖a_k − b_k‖/‖b_k‖ (must be ≤ {CHECK_RTOL:g})"
    )
    ok = True
    for a, b in pairs:
        devs = [
            max_rel_dev(traj.xy[:, i] if a == "run" else ref[a][i], ref[b][i])
            for i in range(CHECK_PATHS)
        ]
        worst = max(devs)
        ok &= worst <= CHECK_RTOL
        result["max_rel_dev"][f"{a}-{b}"] = worst
        status = "ok" if worst <= CHECK_RTOL else "FAIL"
        each = ", ".join(f"{d:.1e}" for d in devs)
        print(f"  {a:>6} vs {b:<6}  worst {worst:.2e}  [{each}]  {status}")
    final = ", ".join(f"({x:.6f}, {y:.6f})" for x, y in traj.xy[-1].tolist())
    print(f"  final positions (run): {final}")
    if not ok:
        print("  WARNING: a baseline disagrees with run; its timings below compare different work.")
    result["ok"] = ok
    return result


class SizeBench:
    """Best-of-repeats seconds for `run` and each baseline at n paths."""

    def __init__(self, n: int, run: Callable[..., Any], baselines: dict[str, Callable]) -> None:
        self.n, self.run, self.baselines = n, run, baselines
        self.starts = make_starts(n)
        self.subsets = {name: min(n, SUBSET[name]) for name in baselines}
        self.best = {"run": math.inf, **{name: math.inf for name in baselines}}
        self.count = dict.fromkeys(self.best, 0)
        self.run_kernel = math.nan  # kernel seconds of the best run call

    def warm_up(self) -> None:
        """One untimed call of each: the first touch of fresh memory is slow on this VM."""
        time_run(self.run, self.starts)
        for fn in self.baselines.values():
            time_paths(fn, self.starts[:1])

    def round(self) -> None:
        """The round's repeats: `run` back to back, then the baselines."""
        reps = dict(zip(["run", "python", "torch"], REPEATS[self.n], strict=True))
        for _ in range(reps["run"]):
            elapsed, kernel = time_run(self.run, self.starts)
            if elapsed < self.best["run"]:
                self.run_kernel = kernel
            self._record("run", elapsed)
        for r in range(max(reps.values())):
            for name, fn in self.baselines.items():
                if r < reps[name]:
                    self._record(name, time_paths(fn, self.starts[: self.subsets[name]]))

    def _record(self, name: str, seconds: float) -> None:
        self.best[name] = min(self.best[name], seconds)
        self.count[name] += 1

    def result(self) -> dict[str, Any]:
        n, best = self.n, self.best
        out: dict[str, Any] = {
            "n": n,
            "run_repeats": self.count["run"],
            "run_s": best["run"],
            "run_us_per_step": best["run"] / STEPS * 1e6,
            "run_ns_per_step_per_path": best["run"] / STEPS / n * 1e9,
            "run_kernel_s": self.run_kernel,
            "baselines": {},
        }
        for name in self.baselines:
            k = self.subsets[name]
            total = best[name] / k * n
            out["baselines"][name] = {
                "timed_paths": k,
                "repeats": self.count[name],
                "timed_s": best[name],
                "s": total,
                "extrapolated": k < n,
                "ns_per_step_per_path": total / STEPS / n * 1e9,
                "ratio": total / best["run"],
            }
        return out


def bench_all(
    sizes: tuple[int, ...], run: Callable[..., Any], baselines: dict[str, Callable], rounds: int
) -> list[dict[str, Any]]:
    """Warm up every size, then `rounds` rounds over all sizes, with the collector off."""
    benches = [SizeBench(n, run, baselines) for n in sizes]
    for b in benches:
        b.warm_up()
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for i in range(rounds):
            for b in benches:
                b.round()
            best = ", ".join(f"n={b.n:,} {b.best['run']:.4g} s" for b in benches)
            print(f"  round {i + 1}/{rounds}: best run so far {best}", flush=True)
    finally:
        if gc_was_enabled:
            gc.enable()
    return [b.result() for b in benches]


def measure_memory(run: Callable[..., Any], n: int) -> dict[str, Any]:
    """Peak traced allocation of one `run` call at n paths, and the process's peak RSS."""
    starts = make_starts(n)
    rss_before = maxrss_bytes()
    gc.collect()
    tracemalloc.start()
    try:
        traj = run(SURFACE, OPTIMIZER, starts, STEPS, lr=LR)
        current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    result_bytes = traj.xy.nbytes + traj.loss.nbytes  # traj.lr is a broadcast view here
    del traj
    return {
        "n": n,
        "tracemalloc_peak_bytes": peak,
        "tracemalloc_held_after_bytes": current,
        "trajectory_bytes": result_bytes,
        "maxrss_before_bytes": rss_before,
        "maxrss_bytes": maxrss_bytes(),
    }


# --------------------------------------------------------------------------- report
def evaluate_targets(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    targets = []
    for res in results:
        if res["n"] in TARGET_NS_SIZES:
            value, limit, unit = res["run_ns_per_step_per_path"], TARGET_NS_PER_PATH, "ns/step/path"
        elif res["n"] == 1:
            value, limit, unit = res["run_us_per_step"], TARGET_US_SINGLE, "µs/step"
        else:
            continue
        targets.append(
            {"n": res["n"], "unit": unit, "limit": limit, "value": value, "met": value <= limit}
        )
    return targets


def print_report(
    results: list[dict[str, Any]],
    names: list[str],
    targets: list[dict[str, Any]],
    memory: dict[str, Any] | None,
    skipped: str | None,
) -> None:
    met = {t["n"]: t for t in targets}
    rows = []
    for res in results:
        t = met.get(res["n"])
        goal = "" if t is None else f"≤ {t['limit']:g} {t['unit'].split('/')[0]}"
        rows.append(
            [
                f"{res['n']:,}",
                fmt_s(res["run_s"]),
                f"{res['run_us_per_step']:.2f}",
                f"{res['run_ns_per_step_per_path']:.1f}",
                f"{res['run_kernel_s']:.3f}" if res["n"] >= KERNEL_MIN_N else "",
                goal,
                "" if t is None else ("met" if t["met"] else "NOT MET"),
            ]
        )
    print(f"optimizers.run, best of {'/'.join(str(r['run_repeats']) for r in results)} calls:")
    print_table(
        ["n", "s/call", "µs/step", "ns/step/path", "of it kernel s", "target", ""], rows, ">>>>>><"
    )
    print(
        "  kernel s: system CPU time inside the best call, mostly supplying the fresh pages of"
        f" the result\n  (not shown below n = {KERNEL_MIN_N:,}: the clock is too coarse)."
    )

    print()
    print("Baselines, one path at a time (x = baseline time / run time, > 1: run is faster):")
    headers, align = ["n"], ">"
    labels = {"python": "python loop", "torch": "torch.optim.Adam"}
    for name in names:
        headers += [f"{labels[name]} s", "ns/step/path", "x"]
        align += ">>>"
    rows = []
    for res in results:
        row = [f"{res['n']:,}"]
        for name in names:
            b = res["baselines"][name]
            row += [
                fmt_s(b["s"], b["extrapolated"]),
                f"{b['ns_per_step_per_path']:,.0f}",
                fmt_ratio(b["ratio"]),
            ]
        rows.append(row)
    print_table(headers, rows, align)
    for name in names:
        timed = [res["baselines"][name] for res in results]
        print(
            f"  {labels[name]}: best of {'/'.join(str(b['repeats']) for b in timed)}, "
            f"timed on min(n, {max(b['timed_paths'] for b in timed)}) paths."
        )
    if any(res["baselines"][name]["extrapolated"] for res in results for name in names):
        print("  * timed on the first paths only, extrapolated linearly per path to n.")
    if skipped:
        print(f"  {skipped}.")

    if memory is not None:
        mib = 2**20
        print()
        peak = memory["tracemalloc_peak_bytes"] / mib
        print(
            f"Memory at n={memory['n']:,}: peak {peak:,.0f} MiB "
            f"allocated by one run call (tracemalloc); the returned Trajectory holds "
            f"{memory['trajectory_bytes'] / mib:,.0f} MiB (xy + loss)."
        )
        print(
            f"  Process peak RSS (ru_maxrss) {memory['maxrss_bytes'] / mib:,.0f} MiB, "
            f"{memory['maxrss_before_bytes'] / mib:,.0f} MiB before that call "
            f"(the timed n={memory['n']:,} runs included)."
        )

    print()
    print(
        "Targets: "
        + "; ".join(
            f"n={t['n']:,} {t['value']:.2f} {t['unit']} (≤ {t['limit']:g}) "
            f"{'met' if t['met'] else 'NOT MET'}"
            for t in targets
        )
    )


# --------------------------------------------------------------------------- 2026 optimizers
#: The twelve of OPTIMIZERS-2026.md, in its table's order.
OPTIMIZERS_2026 = (
    "rprop",
    "asgd",
    "adafactor",
    "lbfgs",
    "muon",
    "lion",
    "adabelief",
    "adan",
    "schedule_free_sgd",
    "schedule_free_adamw",
    "prodigy",
    "newton",
)
#: Sizes and steps per call: fewer steps for more paths (the cost per step is
#: what is compared; 10⁵ paths × 60 steps is already 0.1 GB of positions).
COMPARE_STEPS = {1: 500, 10_000: 200, 100_000: 60}
COMPARE_ROUNDS = (3, 2)  # full, --quick
COMPARE_TARGET = 2.0  # × Adam's per step and path at n = 10⁴
COMPARE_EXEMPT = ("lbfgs", "newton")


def compare_2026(run: Callable[..., Any], quick: bool) -> dict[str, Any]:
    """Best-of-rounds seconds per step of Adam and each 2026 optimizer, and their ratios."""
    from gradscape.optimizers import OPTIMIZERS

    missing = [n for n in OPTIMIZERS_2026 if n not in OPTIMIZERS]
    if missing:
        raise SystemExit(f"not registered: {missing}")
    names = ("adam", *OPTIMIZERS_2026)
    sizes = tuple(COMPARE_STEPS)
    starts = {n: make_starts(n) for n in sizes}
    best = {(name, n): math.inf for name in names for n in sizes}

    def once(name: str, n: int) -> float:
        t0 = time.process_time()
        traj = run(SURFACE, name, starts[n], COMPARE_STEPS[n])
        elapsed = time.process_time() - t0
        del traj
        return elapsed

    for n in sizes:  # warm-up: fresh memory, first calls
        for name in names:
            once(name, n)
    rounds = COMPARE_ROUNDS[1 if quick else 0]
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for r in range(rounds):
            for n in sizes:
                for name in names:
                    reps = {1: 5, 10_000: 3}.get(n, 1)
                    if name in COMPARE_EXEMPT:  # seconds per call at 10⁴ paths; reported only
                        reps = 1
                    for _ in range(reps):
                        best[name, n] = min(best[name, n], once(name, n))
            print(f"  round {r + 1}/{rounds} done", flush=True)
    finally:
        if gc_was_enabled:
            gc.enable()
    rows = []
    for name in names:
        row: dict[str, Any] = {"optimizer": name}
        for n in sizes:
            per_step = best[name, n] / COMPARE_STEPS[n]
            row[str(n)] = {
                "s_per_step": per_step,
                "ns_per_step_per_path": per_step / n * 1e9,
                "ratio_to_adam": best[name, n] / best["adam", n],
            }
        ratio = row["10000"]["ratio_to_adam"]
        row["target"] = (
            None if name in COMPARE_EXEMPT or name == "adam" else ratio <= COMPARE_TARGET
        )
        rows.append(row)
    return {"steps": COMPARE_STEPS, "rounds": rounds, "rows": rows}


def print_compare(result: dict[str, Any]) -> None:
    sizes = list(COMPARE_STEPS)
    headers = ["optimizer", "n=1 µs/step", "× Adam"]
    for n in sizes[1:]:
        headers += [f"n={n:,} ns/step/path", "× Adam"]
    headers.append(f"≤ {COMPARE_TARGET:g}× at 10⁴")
    rows = []
    for row in result["rows"]:
        one = row["1"]
        cells = [row["optimizer"], f"{one['s_per_step'] * 1e6:.1f}", f"{one['ratio_to_adam']:.2f}"]
        for n in sizes[1:]:
            c = row[str(n)]
            cells += [f"{c['ns_per_step_per_path']:.1f}", f"{c['ratio_to_adam']:.2f}"]
        t = row["target"]
        cells.append(
            "—"
            if row["optimizer"] == "adam"
            else ("reported" if t is None else ("met" if t else "NOT MET"))
        )
        rows.append(cells)
    steps = ", ".join(f"n={n:,}: {s}" for n, s in COMPARE_STEPS.items())
    print(
        f"2026 optimizers against Adam on {SURFACE} (suggested rates; steps per call {steps}; "
        f"best of {result['rounds']} interleaved rounds):"
    )
    print_table(headers, rows, "<" + ">" * (len(headers) - 2) + "<")


# --------------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats, n up to 10 000")
    parser.add_argument("--json", metavar="PATH", type=Path, help="also write the numbers as JSON")
    parser.add_argument(
        "--compare-2026", action="store_true", help="the 2026 optimizers against Adam only"
    )
    args = parser.parse_args(argv)

    from gradscape import optimizers

    wall0 = time.perf_counter()
    run = optimizers.run
    if args.compare_2026:
        print(
            f"Python {platform.python_version()}, NumPy {np.__version__}; "
            f"{platform.machine()}, {os.cpu_count()} CPUs"
        )
        result = compare_2026(run, args.quick)
        print()
        print_compare(result)
        print(f"\nTotal benchmark time {time.perf_counter() - wall0:.0f} s.")
        if args.json is not None:
            args.json.write_text(json.dumps(result, indent=2) + "\n")
            print(f"Wrote {args.json}")
        return 0
    baselines: dict[str, Callable] = {"python": adam_python}
    try:
        import torch
    except ImportError:
        torch = None
        torch_note = "torch is not importable: the torch.optim.Adam baseline is skipped"
    else:
        baselines["torch"] = make_adam_torch(torch)
        torch_note = f"torch {torch.__version__}, {torch.get_num_threads()} threads"

    sizes = SIZES_QUICK if args.quick else SIZES_FULL
    print(
        f"Gradscape core benchmark: {OPTIMIZER} on {SURFACE}, {STEPS} steps, lr={LR}"
        f"{' (--quick)' if args.quick else ''}"
    )
    print(
        f"Python {platform.python_version()}, NumPy {np.__version__}, {torch_note}; "
        f"{platform.machine()}, {os.cpu_count()} CPUs"
    )
    print(
        f"Starts: n=1 at {START}; n>1 that start plus uniform over the view box "
        f"{VIEW} (seed {SEED})"
    )
    print()
    check = check_baselines(run, baselines)
    print()

    results = bench_all(sizes, run, baselines, ROUNDS[1 if args.quick else 0])
    memory = measure_memory(run, sizes[-1]) if sizes[-1] == 100_000 else None
    print()

    targets = evaluate_targets(results)
    print_report(results, list(baselines), targets, memory, torch_note if torch is None else None)
    wall = time.perf_counter() - wall0
    print(f"\nTotal benchmark time {wall:.0f} s.")

    if args.json is not None:
        payload = {
            "config": {
                "surface": SURFACE,
                "optimizer": OPTIMIZER,
                "steps": STEPS,
                "lr": LR,
                "start": START,
                "view": VIEW,
                "seed": SEED,
                "quick": args.quick,
            },
            "environment": {
                "python": platform.python_version(),
                "numpy": np.__version__,
                "torch": None if torch is None else torch.__version__,
                "machine": platform.machine(),
                "platform": platform.platform(),
            },
            "check": check,
            "results": results,
            "memory": memory,
            "targets": targets,
            "wall_s": wall,
        }
        args.json.write_text(json.dumps(payload, indent=2) + "\n")
        print(f"Wrote {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
