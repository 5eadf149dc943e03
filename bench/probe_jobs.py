"""Probe: many start-map requests at once; how many job processes run, and what is left.

Sends N start-map requests as the page does (the layout and callback map give
the request; `state.startmap_query` the canonical query) to the Flask test
client: N − 5 distinct maps and 5 copies of one more. Then polls every job as
a page would (about twice a second) until each has its map, sampling the job
processes (this process's children) all along. Reports:

- job processes started, and most running at once;
- their peak memory (summed RSS);
- seconds until every map was there;
- zombie processes left once every page had its map.

Self-contained (it runs against an older checkout too)::

    python bench/probe_jobs.py          # N = 25
    python bench/probe_jobs.py 12
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode


def _children():
    import psutil

    out = []
    for p in psutil.Process().children(recursive=True):
        with contextlib.suppress(psutil.NoSuchProcess):
            out.append((p.pid, p.status(), p.memory_info().rss))
    return out


def probe(n: int = 25) -> dict:
    import psutil

    from gradscape.app.server import create_app
    from gradscape.app.state import parse, startmap_query

    app = create_app()
    client = app.server.test_client()
    client.get("/")
    deps = client.get("/_dash-dependencies").get_json()
    dep = next(d for d in deps if d["output"].startswith("..startmap.figure"))
    lr = f"{random.uniform(0.005, 0.02):.6f}"  # maps of this run's own: none in a cache

    def body(grid: int) -> dict:
        link = f"mode=starts&surface=himmelblau&grid={grid}&steps=1000&run1=adam&run1.lr={lr}"
        query = startmap_query(parse(link)[0])
        return {
            "output": dep["output"],
            "outputs": [
                {"id": "startmap", "property": "figure"},
                {"id": "startmap-info", "property": "children"},
            ],
            "inputs": [{"id": "startmap-request", "property": "data", "value": query}],
            "state": [],
            "changedPropIds": ["startmap-request.data"],
        }

    bodies = [body(30 + i) for i in range(n - 5)] + [body(64)] * 5
    seen: set[int] = set()
    most, peak = 0, 0
    started = time.perf_counter()
    handles = []
    for b in bodies:
        r = client.post("/_dash-update-component", json=b)
        handles.append(r.get_json())
    done: set[int] = set()
    while len(done) < len(bodies) and time.perf_counter() - started < 600:
        kids = _children()
        running = [k for k in kids if k[1] != psutil.STATUS_ZOMBIE]
        seen |= {k[0] for k in kids}
        most = max(most, len(running))
        peak = max(peak, sum(k[2] for k in running))
        for i, (b, h) in enumerate(zip(bodies, handles, strict=True)):
            if i in done:
                continue
            q = urlencode({"cacheKey": h["cacheKey"], "job": h["job"]})
            r = client.post(f"/_dash-update-component?{q}", json=b)
            out = r.get_json() if r.status_code == 200 else {}
            if "startmap" in (out.get("response") or {}) or r.status_code == 204:
                done.add(i)
        time.sleep(0.5)
    seconds = time.perf_counter() - started
    time.sleep(2.0)  # time for a server to reap what it started
    zombies = sum(1 for k in _children() if k[1] == psutil.STATUS_ZOMBIE)
    return {
        "requests": len(bodies),
        "distinct": n - 4,
        "processes": len(seen),
        "most_at_once": most,
        "peak_mb": peak / 2**20,
        "seconds": seconds,
        "finished": len(done),
        "zombies": zombies,
    }


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 25
    os.environ.setdefault("GRADSCAPE_CACHE_DIR", tempfile.mkdtemp(prefix="gs-probe-"))
    import logging

    logging.disable(logging.CRITICAL)
    sys.path.insert(0, str(Path.cwd()))
    c = probe(n)
    print(json.dumps(c, indent=None, default=lambda v: round(v, 2)))
    print(
        f"{c['requests']} start-map requests ({c['distinct']} distinct): {c['processes']} job "
        f"processes, at most {c['most_at_once']} at once, peak {c['peak_mb']:.0f} MB; "
        f"{c['finished']} maps in {c['seconds']:.1f} s; {c['zombies']} zombies left"
    )
    sys.stdout.flush()
    os._exit(0)  # jobs an older server left running end with it


if __name__ == "__main__":
    main()
