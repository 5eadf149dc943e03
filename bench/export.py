"""Benchmark of the exports: PNG, SVG, HTML and a 60-frame GIF, and GIF frames three ways.

Run by hand from the repository root (not by CI)::

    python bench/export.py            # about a minute here
    python bench/export.py --quick    # fewer repetitions
    python bench/export.py --json -   # also the numbers as JSON on stdout (report on stderr)

The state is the app's default (Rosenbrock, SGD, Momentum and Adam, 500 steps),
exported at 1100 × 800 layout pixels: the PNG at scale 2 (2200 × 1600), the
SVG at scale 1, the HTML with a 60-position slider, the GIF with 60 frames
over steps 0 … 500. One `app.export.Renderer` (one headless Chromium through
kaleido) serves every image; its start-up is timed once, apart. Each export
is timed end to end through `app.export.export` (state, paths, figure,
browser, encoding), the median of a few runs after one untimed warm-up; the
paths come from the compute cache after the first run, as in the server.

The compare and 3D views' GIFs (12 and 6 frames) are timed the same way: the
compare grid's frames are layered as the paths', the 3D ones drawn whole (see
`app.export.gif`).

GIF frames, milliseconds per frame, three ways:

* ``gif``: what `export` does, the 60-frame GIF's total time over 60: the
  background rendered once, the runs and the title of many frames drawn as
  panels of one sheet per browser call, laid over it and quantized;
* ``whole figure, one browser``: the whole figure at each frame's step
  rendered as its own PNG by the same `Renderer` (no compositing; the cost of
  a naive loop that keeps its browser);
* ``fresh kaleido per frame``: ``kaleido.calc_fig_sync`` for each frame's
  whole figure without a running server, so that every call starts and stops
  a Chromium (kaleido's one-liner, the baseline), on a few frames only.

Timings are reported, not asserted.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import kaleido

HERE = Path(__file__).resolve().parent
# `python bench/export.py` puts bench/ first on the path, where bench/app.py would shadow
# the `app` package: take bench/ off and put the root first.
sys.path[:] = [str(HERE.parent)] + [p for p in sys.path if Path(p or ".").resolve() != HERE]

from gradscape.app import export  # noqa: E402
from gradscape.app.state import parse  # noqa: E402

LINK = ""  # the default state


def _time(fn, repeats: int) -> list[float]:
    fn()  # warm-up
    out = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer repetitions")
    ap.add_argument("--json", metavar="PATH", help="also write the numbers as JSON ('-': stdout)")
    args = ap.parse_args(argv)
    repeats = 2 if args.quick else 5
    report = sys.stderr if args.json == "-" else sys.stdout

    def say(*a) -> None:
        print(*a, file=report, flush=True)

    browser = export.find_browser()
    say(f"browser: {browser}; kaleido with plotly.js from plotly.py")
    t0 = time.perf_counter()
    r = export.Renderer(browser)
    start = time.perf_counter() - t0
    say(f"Renderer start (Chromium + 2 tabs): {start * 1000:.0f} ms")
    numbers: dict[str, float] = {"renderer_start_ms": start * 1000}
    sizes: dict[str, int] = {}

    def run(key: str, link: str, fmt: str, **opts):
        result = export.export(link, fmt, renderer=r, **opts)
        sizes[key] = len(result.data)

    rows = [
        ("png", LINK, "PNG 1100x800 @2x", {}),
        ("svg", LINK, "SVG 1100x800", {}),
        ("html", LINK, "HTML (60-step slider)", {}),
        ("gif", LINK, "GIF 60 frames 1100x800", {"frames": 60}),
        ("gif_compare", "mode=compare", "GIF compare 12 frames", {"frames": 12}),
        ("gif_3d", "mode=3d", "GIF 3D 6 frames", {"frames": 6}),
    ]
    for key, link, label, opts in rows:
        fmt = key.split("_")[0]
        times = _time(
            lambda key=key, link=link, fmt=fmt, opts=opts: run(key, link, fmt, **opts),
            1 if fmt == "gif" and args.quick else repeats,
        )
        med = statistics.median(times) * 1000
        numbers[f"{key}_ms"] = med
        say(f"{label:28s} {med:8.0f} ms  (median of {len(times)}; {sizes[key] / 1e3:.0f} kB)")

    # GIF frames three ways
    state, _ = parse(LINK)
    o = export.Options.check("gif", state.steps, frames=60)
    ts = o.steps_shown()
    ours = numbers["gif_ms"] / 60
    slide = export.slide.Slide(width=1100, height=800, animated=True)
    view = export.view_of(state)

    def whole(t: int):
        return view.draw(state, int(t), slide).figure

    sample = ts[::6] if not args.quick else ts[::15]
    t0 = time.perf_counter()
    for t in sample:
        r.render([whole(t)], fmt="png")
    one_browser = (time.perf_counter() - t0) * 1000 / len(sample)
    r.close()

    fresh_n = 2 if args.quick else 4
    t0 = time.perf_counter()
    for t in ts[:fresh_n]:
        kaleido.calc_fig_sync(
            whole(t),
            opts={"format": "png", "width": 1100, "height": 800, "scale": 1},
            kopts={"path": browser, "mathjax": False},
        )
    fresh = (time.perf_counter() - t0) * 1000 / fresh_n
    numbers |= {
        "gif_ms_per_frame": ours,
        "gif_compare_ms_per_frame": numbers["gif_compare_ms"] / 12,
        "gif_3d_ms_per_frame": numbers["gif_3d_ms"] / 6,
        "whole_figure_one_browser_ms_per_frame": one_browser,
        "fresh_kaleido_ms_per_frame": fresh,
    }
    say("GIF frame, 1100x800, ms per frame:")
    say(f"  gif (panels on one sheet per call, one browser) {ours:8.0f}")
    for mode, how in (("compare", "layered as ours"), ("3d", "whole frames")):
        per = numbers[f"gif_{mode}_ms_per_frame"]
        what = f"{mode} gif ({how}, one browser)"
        say(f"  {what:48s}{per:8.0f}   ({per / ours:.1f}x ours)")
    say(
        f"  whole figure per frame, one browser             {one_browser:8.0f}"
        f"   ({one_browser / ours:.1f}x ours; {len(sample)} frames)"
    )
    say(
        f"  fresh kaleido.calc_fig_sync per frame            {fresh:8.0f}"
        f"   ({fresh / ours:.0f}x ours; {fresh_n} frames)"
    )
    if args.json:
        text = json.dumps({k: round(v, 1) for k, v in numbers.items()}, indent=2)
        if args.json == "-":
            print(text)
        else:
            with open(args.json, "w") as f:
                f.write(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
