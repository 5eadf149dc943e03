"""Probe: how long the export route holds an over-budget request, and the cost model's error.

1. ``GET /export/gif?mode=3d&…&export.frames=300&export.width=600`` (a 300-frame 3D
   GIF) on the Flask test client: seconds until it answers, and its status.
   Given up after `WAIT` seconds (an older server computes it for many minutes;
   its work ends with this process).
2. Where `app.limits` exists: each of a few exports made for real (one
   headless Chromium), its seconds beside `limits.export_cost`'s estimate.

Self-contained (it runs against an older checkout too)::

    python bench/probe_exports.py
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
import time
from pathlib import Path

WAIT = 20.0
HEAVY = "/export/gif?mode=3d&surface=himmelblau&export.frames=300&export.width=600"
MEASURED = [
    ("surface=himmelblau", "png", {}),
    ("surface=himmelblau", "gif", {"frames": 60}),
    ("mode=3d&surface=himmelblau", "png", {}),
    ("mode=3d&surface=himmelblau", "gif", {"frames": 6, "width": 600}),
]


def heavy_request() -> tuple[float, str]:
    from gradscape.app.server import create_app

    client = create_app().server.test_client()
    out: dict = {}

    def ask() -> None:
        r = client.get(HEAVY)
        out["status"] = r.status_code
        out["text"] = r.get_data(as_text=True)[:200]

    t = time.perf_counter()
    th = threading.Thread(target=ask, daemon=True)
    th.start()
    th.join(WAIT)
    seconds = time.perf_counter() - t
    if "status" not in out:
        return seconds, f"no answer after {WAIT:.0f} s (still computing)"
    return seconds, f"HTTP {out['status']}: {out['text'].strip()}"


def estimates() -> list[str]:
    try:
        from gradscape.app import limits
    except ImportError:
        return ["(no app.limits in this checkout: no estimates)"]
    from gradscape.app.export import export
    from gradscape.app.export.options import Options
    from gradscape.app.export.renderer import Renderer
    from gradscape.app.state import parse

    lines = []
    with Renderer() as r:
        export("surface=himmelblau", "png", renderer=r)  # warm-up: the browser's first page
        for query, fmt, opts in MEASURED:
            state = parse(query)[0]
            o = Options.check(fmt, state.steps, **opts)
            est = limits.export_cost(state.mode, fmt, o.width, o.height, o.frames)
            t = time.perf_counter()
            export(query, fmt, renderer=r, **opts)
            real = time.perf_counter() - t
            lines.append(
                f"{query} {fmt} {opts or ''}: {real:.1f} s made, {est:.1f} s estimated "
                f"(estimate / real = {est / real:.2f})"
            )
    return lines


def main() -> None:
    os.environ.setdefault("GRADSCAPE_CACHE_DIR", tempfile.mkdtemp(prefix="gs-probe-"))
    import logging

    logging.disable(logging.CRITICAL)
    sys.path.insert(0, str(Path.cwd()))
    if "--no-estimates" not in sys.argv:
        for line in estimates():
            print(line, flush=True)
    seconds, answer = heavy_request()
    print(f"a 300-frame 3D GIF request: {answer[:160]} after {seconds:.2f} s", flush=True)
    os._exit(0)  # an older server's export thread ends with the process


if __name__ == "__main__":
    main()
