"""Benchmark of the app on data surfaces: what an edit of one run's batch size costs.

Run by hand from the repository root (not by CI)::

    python bench/data_app.py

For `linear_regression` (N = 64 and N = 1 024, 500 steps, three runs: SGD at
B = 8, SGD on the full batch, Adam at B = 1), the server's side of an edit
(`app.update.page` from the old state to the new, the compute cache cleared
so the changed run is recomputed) when one run's batch size changes, against
the same edit of that run's learning rate (ratio: batch / rate; both
recompute that run, B = 8 → 16 or lr 0.05 → 0.04, with its mini-batch loss
and its table of batches). And the
bytes the paths store carries per run (JSON), for a full-batch run and for a
mini-batch run, whose table of sample indices the data panel rings.

Times are the median of several interleaved rounds (this VM is shared).
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gradscape.app import compute
from gradscape.app.state import parse
from gradscape.app.update import page

ROUNDS = 7


def _edit_seconds(old, new) -> float:
    compute._cached.cache_clear()
    page(None, old)  # the old page is cached, as on a server
    t0 = time.perf_counter()
    page(old, new)
    return time.perf_counter() - t0


def main() -> None:
    for n in (64, 1024):
        s, _ = parse(
            f"surface=linear_regression&surface.samples={n}&run1=sgd&run1.lr=0.05&run1.batch=8"
            "&run2=sgd&run2.lr=0.05&run3=adam&run3.lr=0.05&run3.batch=1"
        )
        first = s.runs[0]
        by_batch = replace(s, runs=(replace(first, batch=16), *s.runs[1:]))
        by_rate = replace(s, runs=(replace(first, hp={**first.hp, "lr": 0.04}), *s.runs[1:]))
        batch_t, rate_t, ratios = [], [], []
        for _ in range(ROUNDS):
            b = _edit_seconds(s, by_batch)
            r = _edit_seconds(s, by_rate)
            batch_t.append(b)
            rate_t.append(r)
            ratios.append(b / r)
        store = page(None, s).paths
        sizes = [len(json.dumps(run)) for run in store["runs"]]
        data = len(json.dumps(store["data"]))
        print(
            f"N={n:5d}: edit one run's batch {statistics.median(batch_t) * 1e3:6.1f} ms, "
            f"its rate {statistics.median(rate_t) * 1e3:6.1f} ms, "
            f"ratio {statistics.median(ratios):.2f}; "
            f"store per run: B=8 {sizes[0] / 1e3:.0f} kB, full {sizes[1] / 1e3:.0f} kB, "
            f"B=1 {sizes[2] / 1e3:.0f} kB; samples and panel {data / 1e3:.0f} kB"
        )


if __name__ == "__main__":
    main()
