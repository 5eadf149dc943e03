"""Benchmark of the Gradscape app: the edit callback on the server, page data, load and slider.

Run by hand from the repository root (not by CI)::

    python bench/app.py                  # full run, about a minute here
    python bench/app.py --quick          # fewer repetitions
    python bench/app.py --no-browser     # the server part only
    python bench/app.py --no-server      # the browser part only (--loads N: cold loads per app)
    python bench/app.py --json out.json  # also write the numbers as JSON
    python bench/app.py --json -         # only the JSON, on stdout (the report goes to stderr)

Server. The state is Rosenbrock with four runs (SGD, Momentum, Nesterov and Adam
with the hyperparameters `app.state.new_run` gives) of 500 steps. The app is
built with `create_app()` and driven through Flask's test client: a timed
request is the POST to ``/_dash-update-component`` the browser sends for the
`edit` callback when run 1's learning-rate box (id ``{"type": "pv", "key":
"run.1.lr", "scale": "log"}``) changes. The payload is built as Dash's renderer
builds it: the output spec from ``/_dash-dependencies``; every input and state
filled from the components on the page once the `load` callback has drawn the
sidebar for this state (a pattern-matching input as a list with one entry per
matching component, ids with their keys sorted); ``changedPropIds`` naming the
box (the body matches, field for field, the one Chromium sent for this state).
Every timed request carries a learning rate never sent before, so the changed
run is computed afresh while the three others come from the compute cache, as
when a person types a value. The garbage collector stays on, as in the server.

Each round times, one after the other: the request (wall time around
``test_client.post``); `edit_outputs()` alone with another new value (the
difference to the request is Dash's dispatch and the response's JSON); the
same call again (everything from the cache: the cost besides compute); the
same call after ``_cached.cache_clear()`` (all four runs computed); and, as a
baseline, one `optimizers.run` call for one run of 500 steps (the compute a
request needs). Every fifth round also builds the full map and loss figures
and encodes them with `plotly.io.json.to_json_plotly`: what a request would
cost if it resent whole figures instead of patches. Mixing the kinds in every
round lets all of them see the same moments of this VM, whose speed drifts.

Page data: the bytes of ``GET /_dash-layout`` (the shell) and of the `load`
callback's response for an empty query (the default state), as the server
sends them to a client that does not ask for compression (the browser does, and
gets brotli: see "Bytes moved" below).

Browser (``--no-server`` runs only this part). ``python -m gradscape --port P``
runs as a subprocess on 127.0.0.1, and so do two bare Dash 4 apps: one serving a
``dcc.Graph`` with a 150 x 150 ``go.Contour`` and one 500-point scatter in its
layout (Dash + Plotly's own floor for a first drawn map), and one with a
``dcc.Slider`` whose value one server callback echoes into a ``html.Div`` (the
floor for a Dash round trip). Headless Chromium (/usr/bin/chromium through
Playwright) runs:

- Cold loads: each app in a fresh browser context (empty cache), ``--loads``
  times (5; 3 with --quick), Gradscape then the bare page, after one untimed load
  of each. A load is timed from ``goto()`` until the map's Plotly graph holds its
  traces (more than 3 for Gradscape: the runs have arrived, and the overlay has
  drawn their heads; 2 for the bare app) and a ``.contourlayer path`` exists:
  wall time in Python, ``performance.now()`` in the page, the main thread's busy
  time until then (CDP ``Performance.getMetrics`` TaskDuration and ScriptDuration,
  in thread time, so other processes on the machine do not count) and the bytes
  received. The ratios are medians of the per-pair ratios (a Gradscape load over
  the bare load right after it), which cancels most of this VM's drift.
- Bytes moved: one fresh context loads Gradscape and waits for the network to go
  idle (everything the page fetches on its own, compressed as sent), then loads
  it again in the same context (the browser's cache warm).
- Slider: a key on run 1's learning-rate slider until run 1's trail is redrawn
  (4 runs x 500 steps), against a key on the bare slider until its echo shows;
  two alternating rounds of each (30 presses in all; 10 with --quick), a press
  50 ms after the previous one was drawn. The run's path comes from the fast
  lane (``POST /api/edit``, app/fastlane.py); Dash's edit follows once the
  slider rests (250 ms), after the last press of a round. Each
  round also records the requests' own time (CDP Network: sent to answered), the
  main thread's CPU per press (TaskDuration) and a sampling profile (CDP
  Profiler) whose self time is split by the script a function comes from
  (plotly.js, Dash's renderer and React, dcc, Gradscape's assets, the browser's
  own work: style, layout, paint).

Timings are reported, not asserted; the targets are printed beside them.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# `python bench/app.py` puts bench/ first on the path, where this file would shadow
# the `app` package: take bench/ off and put the root first.
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != HERE]

from gradscape.app.serving import free_port, stop  # noqa: E402

SURFACE = "rosenbrock"
RUNS = ("sgd", "momentum", "nesterov", "adam")
STEPS = 500
#: The text box that changes: run 1 (Momentum)'s learning rate.
EDIT_ID = {"type": "pv", "key": "run.1.lr", "scale": "log"}
#: The id spec of every text box, as /_dash-dependencies writes it.
PV_ALL = json.dumps({"key": ["ALL"], "scale": ["ALL"], "type": "pv"}, separators=(",", ":"))
#: New learning rates are drawn from this range (Momentum's default is 1e-3).
LR_RANGE = (2e-4, 1.8e-3)

#: (full, quick) repetitions.
REQUESTS = (150, 50)  # timed edit requests, and as many timed edit_outputs() calls
WARMUP = 5
FIGURES_EVERY = 5  # build and encode the full figures every this many requests
LOADS = (5, 3)  # browser loads per app

TARGET_MEDIAN_MS = 25.0
TARGET_BYTES = 30_000  # 30 KB, 1 KB = 1000 bytes
TARGET_LOAD_RATIO = 1.2  # cold load to drawn paths, over the bare page
TARGET_CPU_RATIO = 1.3  # main-thread CPU until then, over the bare page
TARGET_SLIDER_RATIO = 2.0  # slider key to redrawn path, over a no-op callback's round trip
TARGET_TRANSFER_MB = 2.5  # first load, until the network is idle

CHROMIUM = "/usr/bin/chromium"
VIEWPORT = {"width": 1280, "height": 800}
LOAD_TIMEOUT_MS = 30_000
SERVER_TIMEOUT_S = 60.0

#: True (as performance.now(), ms since navigation start) once the map is drawn.
READY_JS = """(minTraces) => {
  // the contour is drawn and, for Gradscape (minTraces 3), the runs' paths over it
  const g = document.querySelector('#map .js-plotly-plot');
  const drawn = g && g._fullData && g._fullData.length >= minTraces
    && document.querySelector('#map .contourlayer path')
    && (minTraces < 3 || document.querySelector('svg.gs-overlay .gs-head'));
  return drawn ? performance.now() : false;
}"""

#: What the page shows when a load times out.
SEEN_JS = """() => {
  const g = document.querySelector('#map .js-plotly-plot');
  return {
    graph: !!g,
    traces: g && g._fullData ? g._fullData.length : null,
    contour: !!document.querySelector('#map .contourlayer path'),
    sidebar: !!document.querySelector('#sidebar > *'),
  };
}"""

BARE_APP = """\
import sys

import numpy as np
import plotly.graph_objects as go
from dash import Dash, dcc, html

x = np.linspace(-2.0, 2.0, 150)
y = np.linspace(-1.0, 3.0, 150)
z = np.log10((1 - x[None, :]) ** 2 + 100 * (y[:, None] - x[None, :] ** 2) ** 2 + 1e-3)
t = np.linspace(0.0, 1.0, 500)
fig = go.Figure(go.Contour(x=x, y=y, z=z.astype(np.float32)))
fig.add_scatter(x=-1.5 + 2.5 * t, y=2.0 - 1.0 * t**2, mode="lines")
app = Dash(__name__, serve_locally=True, compress=False)
app.layout = html.Div([dcc.Graph(id="map", figure=fig)])
app.run(host="127.0.0.1", port=int(sys.argv[1]))
"""

NOOP_APP = """\
import sys

from dash import Dash, Input, Output, callback, dcc, html

app = Dash(__name__, serve_locally=True, compress=False)
app.layout = html.Div([dcc.Slider(0, 100, 1, value=50, id="s"), html.Div(id="echo")])


@callback(Output("echo", "children"), Input("s", "value"))
def echo(value):
    return f"value {value}"


app.run(host="127.0.0.1", port=int(sys.argv[1]))
"""


# --------------------------------------------------------------------------- helpers
def summary(seconds: list[float]) -> dict[str, float]:
    """Median, p90, min and max (in seconds) of timed repetitions."""
    a = np.asarray(seconds)
    return {
        "n": len(seconds),
        "median": float(np.median(a)),
        "p90": float(np.percentile(a, 90)),
        "min": float(a.min()),
        "max": float(a.max()),
    }


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def ms(seconds: float) -> str:
    return f"{seconds * 1e3:.2f}"


def kb(n: int) -> str:
    return f"{n / 1000:.1f} KB"


def verdict(met: bool) -> str:
    return "met" if met else "NOT MET"


def fmt_target(value: float, unit: str) -> str:
    if unit == "bytes":
        return f"{value:,.0f} bytes"
    return f"{value:.3g} {unit}" if unit == "s" else f"{value:.2f} {unit}"


def print_table(headers: list[str], rows: list[list[str]], align: str) -> None:
    """Columns padded to their widest cell; `align` has one '<' or '>' per column."""
    widths = [max(len(r[i]) for r in [headers, *rows]) for i in range(len(headers))]

    def line(cells: list[str]) -> str:
        return "  ".join(f"{c:{a}{w}}" for c, a, w in zip(cells, align, widths, strict=True))

    print(line(headers).rstrip())
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print(line(r).rstrip())


def new_lrs(count: int) -> Iterator[str]:
    """`count` distinct learning rates as a person would type them (none is the default)."""
    rng = np.random.default_rng(7)
    values = np.geomspace(*LR_RANGE, count + 1)
    texts = list(dict.fromkeys(f"{v:.5g}" for v in values))
    texts = [t for t in texts if float(t) != 1e-3]
    if len(texts) < count:
        raise RuntimeError("not enough distinct learning rates")
    yield from (texts[i] for i in rng.permutation(count))


# --------------------------------------------------------------------------- Dash's protocol
def stringify_id(cid: str | dict) -> str:
    """A component id as the renderer writes it in ``changedPropIds`` (keys sorted)."""
    if isinstance(cid, str):
        return cid
    return "{" + ",".join(f"{json.dumps(k)}:{json.dumps(cid[k])}" for k in sorted(cid)) + "}"


def split_output(output: str) -> list[tuple[str, str]]:
    """A dependency's output string as (id text, property) pairs, in order."""
    parts = output[2:-2].split("...") if output.startswith("..") else [output]
    return [tuple(p.rsplit(".", 1)) for p in parts]  # type: ignore[misc]


def components(tree: Any) -> Iterator[dict]:
    """The props of every component with an id in a serialized layout, depth first."""
    if isinstance(tree, list):
        for item in tree:
            yield from components(item)
    elif isinstance(tree, dict):
        props = tree.get("props") if "type" in tree and "namespace" in tree else None
        if isinstance(props, dict):
            if "id" in props:
                yield props
            for value in props.values():
                yield from components(value)
        else:
            for value in tree.values():
                yield from components(value)


class Page:
    """The components the browser holds (shell + what `load` and `controls` drew) and the
    requests it builds."""

    def __init__(self, shell: Any, *responses: dict) -> None:
        drawn = [r["response"] for r in responses]
        nodes = list(components(shell)) + [n for d in drawn for n in components(d)]
        self.by_str = {p["id"]: p for p in nodes if isinstance(p["id"], str)}
        self.by_dict = [p for p in nodes if isinstance(p["id"], dict)]
        # Props the callbacks set (the stores' data, the sidebar).
        for d in drawn:
            for cid, props in d.items():
                self.by_str.setdefault(cid, {"id": cid}).update(props)

    def resolve(self, spec_id: str, prop: str, *, value: bool) -> dict | list[dict]:
        """One entry of "inputs", "state" or "outputs": a list for a wildcard id."""
        clean = prop.split("@")[0]
        if not spec_id.startswith("{"):
            entry: dict[str, Any] = {"id": spec_id, "property": prop}
            props = self.by_str.get(spec_id, {})
            if value and clean in props:
                entry["value"] = props[clean]
            return entry
        pattern = json.loads(spec_id)
        out = []
        for props in self.by_dict:
            cid = props["id"]
            if cid.keys() == pattern.keys() and all(
                isinstance(v, list) or cid[k] == v for k, v in pattern.items()
            ):
                entry = {"id": {k: cid[k] for k in sorted(cid)}, "property": prop}
                if value and clean in props:
                    entry["value"] = props[clean]
                out.append(entry)
        return out

    def body(self, dep: dict, changed: dict[tuple[str, str], Any]) -> dict:
        """The request body for dependency `dep` after the props in `changed` took new values.

        `changed` maps (stringified id, property) to the new value.
        """
        outputs = [self.resolve(i, p, value=False) for i, p in split_output(dep["output"])]
        lists = {"inputs": dep["inputs"], "state": dep["state"]}
        filled: dict[str, list] = {}
        for key, specs in lists.items():
            filled[key] = []
            for spec in specs:
                entry = self.resolve(spec["id"], spec["property"], value=True)
                for e in entry if isinstance(entry, list) else [entry]:
                    k = (stringify_id(e["id"]), e["property"])
                    if k in changed:
                        e["value"] = changed[k]
                filled[key].append(entry)
        changed_ids = [f"{i}.{p}" for i, p in changed]
        body = {
            "output": dep["output"],
            "outputs": outputs if dep["output"].startswith("..") else outputs[0],
            "inputs": filled["inputs"],
            "changedPropIds": changed_ids,
            "parsedChangedPropsIds": [
                json.loads(c.rsplit(".", 1)[0]) if c.startswith("{") else c for c in changed_ids
            ],
        }
        if dep["state"]:
            body["state"] = filled["state"]
        return body


def find_dep(deps: list[dict], pred: Callable[[dict], bool], what: str) -> dict:
    found = [d for d in deps if pred(d)]
    if len(found) != 1:
        raise RuntimeError(f"expected one {what} callback in /_dash-dependencies, got {len(found)}")
    return found[0]


def is_edit(dep: dict) -> bool:
    parts = split_output(dep["output"])
    return any(i["id"] == PV_ALL for i in dep["inputs"]) and any(
        i == "state" and p == "data" for i, p in parts
    )


def is_load(dep: dict) -> bool:
    return dep["inputs"] == [{"id": "url", "property": "search"}]


def post_json(client: Any, body: dict | bytes) -> Any:
    data = body if isinstance(body, bytes) else json.dumps(body, separators=(",", ":")).encode()
    return client.post("/_dash-update-component", data=data, content_type="application/json")


# --------------------------------------------------------------------------- server part
def bench_state() -> Any:
    from gradscape import surfaces
    from gradscape.app.state import AppState, new_run, surface_state

    fields = surface_state(SURFACE)
    surface = surfaces.get(SURFACE, **fields["surface_params"])
    runs: list = []
    for name in RUNS:
        runs.append(new_run(name, surface, tuple(r.color for r in runs)))
    return AppState(**fields, runs=tuple(runs), steps=STEPS)


def expected_pv_keys(state: Any) -> set[str]:
    """The keys of the text boxes the sidebar must show for `state`.

    Surface parameters, every hyperparameter of every run, the schedule's
    arguments, the clipping threshold only when clipping is on, steps, noise, seed,
    and in the paths view the fair race's budget.
    """
    from gradscape import surfaces
    from gradscape.optimizers import OPTIMIZERS, schedules

    keys = {f"surface.{p.name}" for p in surfaces.SURFACES[state.surface].params}
    for i, run in enumerate(state.runs):
        keys |= {f"run.{i}.{p.name}" for p in OPTIMIZERS[run.optimizer].params}
    keys |= {f"schedule.{p.name}" for p in schedules.PARAMS[state.schedule]}
    if state.clip != "off":
        keys.add("clip_at")
    if state.mode == "paths":
        keys.add("budget")
    return keys | {"steps", "noise", "seed"}


def bench_server(quick: bool) -> dict[str, Any]:
    import plotly.io.json as pio_json

    import gradscape.app.compute
    from gradscape import optimizers
    from gradscape.app import figures
    from gradscape.app.callbacks import edit_outputs
    from gradscape.app.server import create_app
    from gradscape.app.state import fmt_number, parse, serialize

    q = 1 if quick else 0
    n_req = REQUESTS[q]
    dash_app = create_app()
    client = dash_app.server.test_client()
    deps = client.get("/_dash-dependencies").get_json()
    edit_dep = find_dep(deps, is_edit, "edit")
    load_dep = find_dep(deps, is_load, "load")

    # ---- page data: the shell and the load callback for an empty query (default state)
    shell_resp = client.get("/_dash-layout")
    shell = shell_resp.get_json()
    load_body = Page(shell, {"response": {}}).body(load_dep, {("url", "search"): ""})
    gradscape.app.compute._cached.cache_clear()
    load_s, load_resp = timed(lambda: post_json(client, load_body))
    if load_resp.status_code != 200:
        raise RuntimeError(f"load callback answered {load_resp.status_code}")
    # the side panel comes with the shell (drawn for the link the layout is asked from)
    page = {
        "layout_bytes": len(shell_resp.data),
        "load_bytes": len(load_resp.data),
        "controls_bytes": 0,
        "load_gzip_bytes": len(gzip.compress(load_resp.data, 6)),
        "load_cold_s": load_s,
    }
    page["total_bytes"] = page["layout_bytes"] + page["load_bytes"] + page["controls_bytes"]

    # ---- the page as the browser holds it for the benchmark state
    state = bench_state()
    store = serialize(state, with_step=False)
    search = "?" + store
    # the shell as the page asks for it: its Referer is the link, so the panel is drawn for it
    shell = client.get(
        "/_dash-layout", headers={"Referer": "http://localhost/" + search}
    ).get_json()
    load_body = Page(shell, {"response": {}}).body(load_dep, {("url", "search"): search})
    drawn = post_json(client, load_body).get_json()
    if drawn["response"]["loaded"]["data"] != store:
        raise RuntimeError("the load callback did not keep the benchmark state")
    browser_page = Page(shell, drawn)
    # Props the components set themselves in the browser: the query.
    browser_page.by_str["url"]["search"] = search
    pv = browser_page.resolve(PV_ALL, "value", value=True)
    assert isinstance(pv, list)
    pv_keys = [e["id"]["key"] for e in pv]
    if set(pv_keys) != expected_pv_keys(state) or len(pv_keys) != len(set(pv_keys)):
        raise RuntimeError(f"unexpected text boxes on the page: {pv_keys}")
    pv_ids = [e["id"] for e in pv]
    edit_key = (stringify_id(EDIT_ID), "value")
    old, _ = parse(store)
    frame = drawn["response"]["frame"]["data"]
    event_id = json.loads(stringify_id(EDIT_ID))  # as `_events` decodes changedPropIds

    def request(lr: str) -> bytes:
        return json.dumps(
            browser_page.body(edit_dep, {edit_key: lr}), separators=(",", ":")
        ).encode()

    def check(resp: Any, lr: str) -> None:
        if resp.status_code != 200:
            raise RuntimeError(f"edit answered {resp.status_code}: {resp.data[:500]!r}")
        data = json.loads(resp.data)["response"]["state"]["data"]
        if f"run2.lr={fmt_number(float(lr))}&" not in data:
            raise RuntimeError(f"the edit did not set lr={lr}: {data}")

    results = gradscape.app.compute.compute_all(old)
    run1 = old.runs[1]
    surface = old.build_surface()
    start = np.asarray(old.start, dtype=np.float64)

    def edit_alone(lr: str) -> float:
        return timed(lambda: edit_outputs(old, [(event_id, lr)], pv_ids))[0]

    def build() -> tuple:
        return figures.map_figure(old, results, live=True), figures.loss_figure(old, results)

    def encode(figs: tuple) -> tuple[str, str]:
        return pio_json.to_json_plotly(figs[0]), pio_json.to_json_plotly(figs[1])

    lrs = new_lrs(2 * (WARMUP + n_req))
    for _ in range(WARMUP):
        lr = next(lrs)
        check(post_json(client, request(lr)), lr)
        edit_outputs(old, [(event_id, next(lrs))], pv_ids)

    # Every kind of timing in each round, so that all see the same moments of this VM.
    t: dict[str, list[float]] = {
        k: [] for k in ("http", "direct", "hit", "cleared", "run", "build", "to_json")
    }
    sizes = []
    for k in range(n_req):
        lr = next(lrs)
        body = request(lr)
        elapsed, resp = timed(lambda body=body: post_json(client, body))
        check(resp, lr)
        t["http"].append(elapsed)
        sizes.append(len(resp.data))
        lr = next(lrs)
        t["direct"].append(edit_alone(lr))  # the changed run computed, three from the cache
        t["hit"].append(edit_alone(lr))  # again: all four from the cache
        gradscape.app.compute._cached.cache_clear()
        t["cleared"].append(edit_alone(lr))  # all four computed (and cached again)
        t["run"].append(
            timed(lambda: optimizers.run(surface, run1.optimizer, start, STEPS, **run1.hp))[0]
        )
        if k % FIGURES_EVERY == 0:
            elapsed, figs = timed(build)
            t["build"].append(elapsed)
            elapsed, encoded = timed(lambda figs=figs: encode(figs))
            t["to_json"].append(elapsed)
    example = resp.data
    full_bytes = sum(len(s.encode()) for s in encoded)

    out = {
        "state": {"query": store, "frame": frame, "pv_boxes": pv_keys},
        "request_bytes": len(body),
        "http": summary(t["http"]),
        "edit_outputs": summary(t["direct"]),
        "edit_outputs_cache_hit": summary(t["hit"]),
        "edit_outputs_cache_cleared": summary(t["cleared"]),
        "response_bytes": {
            "median": int(np.median(sizes)),
            "min": min(sizes),
            "max": max(sizes),
            "gzip_example": len(gzip.compress(example, 6)),
        },
        "page": page,
        "baselines": {
            "optimizers_run": summary(t["run"]),
            "build_figures": summary(t["build"]),
            "to_json_plotly_full_figures": summary(t["to_json"]),
            "full_figures_json_bytes": full_bytes,
        },
    }
    out["targets"] = [
        {
            "what": "edit request, median server time (HTTP)",
            "value": out["http"]["median"] * 1e3,
            "limit": TARGET_MEDIAN_MS,
            "unit": "ms",
            "met": out["http"]["median"] * 1e3 <= TARGET_MEDIAN_MS,
        },
        {
            "what": "edit response body (largest)",
            "value": max(sizes),
            "limit": TARGET_BYTES,
            "unit": "bytes",
            "met": max(sizes) <= TARGET_BYTES,
        },
    ]
    return out


def print_server(res: dict[str, Any]) -> None:
    n = res["http"]["n"]
    print(
        f"Edit callback, run 1's lr typed anew: {SURFACE}, {len(RUNS)} runs "
        f"({', '.join(RUNS)}) x {STEPS} steps;"
    )
    print(
        f"  {n} requests, each with a learning rate not sent before "
        f"(request body {res['request_bytes']:,} bytes, "
        f"{len(res['state']['pv_boxes'])} text boxes)."
    )
    rows = []

    def row(label: str, s: dict[str, float], target: str = "", met: str = "") -> None:
        rows.append([label, str(s["n"]), ms(s["median"]), ms(s["p90"]), ms(s["min"]), target, met])

    med = res["http"]["median"] * 1e3
    row(
        "HTTP round trip (test_client.post)",
        res["http"],
        f"≤ {TARGET_MEDIAN_MS:g} ms",
        verdict(med <= TARGET_MEDIAN_MS),
    )
    row("edit_outputs() alone", res["edit_outputs"])
    row("  the same, changed run cached (no compute)", res["edit_outputs_cache_hit"])
    row("  the same, cache cleared (4 runs computed)", res["edit_outputs_cache_cleared"])
    b = res["baselines"]
    row("baseline: optimizers.run, 1 run x 500 steps", b["optimizers_run"])
    row("baseline: build map_figure + loss_figure", b["build_figures"])
    row("baseline: to_json_plotly(full map + loss)", b["to_json_plotly_full_figures"])
    print_table(["", "n", "median ms", "p90 ms", "min ms", "target", ""], rows, "<>>>><<")
    dispatch = res["http"]["median"] - res["edit_outputs"]["median"]
    share = b["optimizers_run"]["median"] / res["http"]["median"]
    print(
        f"  Dash dispatch + response JSON (HTTP − edit_outputs, medians): {ms(dispatch)} ms; "
        f"one optimizers.run is {share:.0%} of the HTTP median."
    )
    print(
        f"  Whole figures as JSON would be {b['full_figures_json_bytes']:,} bytes "
        f"({kb(b['full_figures_json_bytes'])})."
    )
    print()
    r, p = res["response_bytes"], res["page"]
    print_table(
        ["Bytes (1 KB = 1000 B)", "bytes", "KB", "target", ""],
        [
            [
                "edit response body (median)",
                f"{r['median']:,}",
                kb(r["median"]),
                f"≤ {TARGET_BYTES / 1000:g} KB",
                verdict(r["max"] <= TARGET_BYTES),
            ],
            ["  smallest / largest", f"{r['min']:,} / {r['max']:,}", "", "", ""],
            ["  gzip -6 of one (the app sends it raw)", f"{r['gzip_example']:,}", "", "", ""],
            ["initial: GET /_dash-layout", f"{p['layout_bytes']:,}", kb(p["layout_bytes"]), "", ""],
            [
                'initial: load callback (search ""): figures',
                f"{p['load_bytes']:,}",
                kb(p["load_bytes"]),
                "",
                "",
            ],
            [
                "initial: side panel (in the layout now)",
                f"{p['controls_bytes']:,}",
                kb(p["controls_bytes"]),
                "",
                "",
            ],
            ["initial: total", f"{p['total_bytes']:,}", kb(p["total_bytes"]), "", ""],
        ],
        "<>><<",
    )
    print(
        f"  load callback: {ms(p['load_cold_s'])} ms with the compute cache cleared; "
        f"gzip -6 would make it {p['load_gzip_bytes']:,} bytes."
    )


# --------------------------------------------------------------------------- browser part
def start_server(args: list[str], log: Path) -> subprocess.Popen:
    with open(log, "wb") as f:
        return subprocess.Popen(args, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=f, stderr=f)


def wait_until_up(proc: subprocess.Popen, url: str, log: Path, t0: float) -> float:
    """Seconds from `t0` until `url` answers 200; raises if the process exits or takes too long."""
    while time.perf_counter() - t0 < SERVER_TIMEOUT_S:
        if proc.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"{url}: the server exited with {proc.returncode}:\n{tail}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return time.perf_counter() - t0
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url}: no answer after {SERVER_TIMEOUT_S:g} s")


def _metrics(cdp: Any) -> dict[str, float]:
    """The renderer's main-thread counters (seconds): all tasks, and script alone."""
    got = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    return {"task_s": got["TaskDuration"], "script_s": got["ScriptDuration"]}


def load_once(browser: Any, url: str, min_traces: int) -> dict[str, Any]:
    """One cold load in a fresh context: wall seconds from goto() and in-page seconds
    (since navigation start) until the map is drawn, the main thread's busy time
    until then (CDP Performance.getMetrics: TaskDuration, ScriptDuration) and the
    bytes moved until then; on a timeout, what the page showed."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    context = browser.new_context(viewport=VIEWPORT)
    errors: list[str] = []
    try:
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Performance.enable", {"timeDomain": "threadTicks"})
        moved = _count_bytes(cdp)
        page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("requestfailed", lambda r: errors.append(f"failed: {r.url} {r.failure}"))
        t0 = time.perf_counter()
        page.goto(url, wait_until="commit")
        try:
            handle = page.wait_for_function(
                READY_JS, arg=min_traces, polling="raf", timeout=LOAD_TIMEOUT_MS
            )
        except PlaywrightTimeout:
            return {"timeout": True, "seen": page.evaluate(SEEN_JS), "errors": errors[:5]}
        wall = time.perf_counter() - t0
        cpu = _metrics(cdp)
        return {
            "wall": wall,
            "in_page": handle.json_value() / 1e3,
            **cpu,
            "bytes": sum(moved.values()),
            "errors": errors[:5],
        }
    finally:
        context.close()


def _count_bytes(cdp: Any) -> dict[str, int]:
    """Bytes on the wire (compressed, with headers) per request id, filled as they finish."""
    moved: dict[str, int] = {}
    cdp.send("Network.enable")
    cdp.on(
        "Network.loadingFinished",
        lambda e: moved.__setitem__(e["requestId"], e["encodedDataLength"]),
    )
    return moved


def transfer(browser: Any, url: str) -> dict[str, Any]:
    """Bytes a first load moves (until the formula is typeset and the network is idle:
    everything the page fetches on its own) and a repeat load in the same context (the
    browser's cache warm)."""
    context = browser.new_context(viewport=VIEWPORT)
    try:
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        urls: dict[str, str] = {}
        cdp.on(
            "Network.requestWillBeSent",
            lambda e: urls.__setitem__(e["requestId"], e["request"]["url"]),
        )
        out: dict[str, Any] = {}
        visits: dict[str, dict[str, int]] = {}
        cdp.send("Network.enable")
        cdp.on(
            "Network.loadingFinished",
            lambda e: visits[list(visits)[-1]].__setitem__(e["requestId"], e["encodedDataLength"]),
        )
        for visit in ("first", "repeat"):
            moved = visits[visit] = {}
            page.goto(url)
            page.wait_for_function(READY_JS, arg=3, polling="raf", timeout=LOAD_TIMEOUT_MS)
            # the formula is typeset once the page is idle (KaTeX is fetched then)
            page.wait_for_selector("#formula .katex", timeout=LOAD_TIMEOUT_MS)
            page.wait_for_load_state("networkidle")
            page.wait_for_timeout(500)
            heavy = sorted(((n, urls.get(k, "?")) for k, n in moved.items()), reverse=True)
            out[visit] = {
                "bytes": sum(moved.values()),
                "requests": len(moved),
                "largest": [[n, u.split("?")[0].rsplit("/", 1)[-1]] for n, u in heavy[:6]],
            }
        return out
    finally:
        context.close()


LATENCY_PROBE = """() => {
  // t0: a key goes down on a slider; t1: run 1's trail is drawn anew (the server's
  // answer arrived, Plotly redrew, the overlay re-split the path). t0 is taken on the
  // window, before any of the page's own listeners runs; only a person's key counts
  // (the fast lane hands the slider a copy of the key later: isTrusted false)
  window.__lat = [];
  let t0 = null;
  window.addEventListener('keydown', (e) => { if (e.isTrusted) t0 = performance.now(); }, true);
  const line = () => document.querySelectorAll('svg.gs-overlay .gs-trail')[1];
  new MutationObserver(() => {
    if (t0 !== null) { window.__lat.push(performance.now() - t0); t0 = null; }
  }).observe(line(), {attributes: true, attributeFilter: ['points']});
}"""

#: The no-op baseline: a key on the bare app's slider until the server's echo is shown.
NOOP_PROBE = """() => {
  window.__lat = [];
  let t0 = null;
  window.addEventListener('keydown', (e) => { if (e.isTrusted) t0 = performance.now(); }, true);
  new MutationObserver(() => {
    if (t0 !== null) { window.__lat.push(performance.now() - t0); t0 = null; }
  }).observe(document.getElementById('echo'), {childList: true, subtree: true,
                                               characterData: true});
}"""

#: Where the main thread's time goes, by the script a sampled function comes from.
BUCKETS = (
    ("plotly.js", ("plotly",)),
    ("Dash renderer + React", ("dash_renderer", "react-dom", "react@", "polyfill")),
    ("dcc components", ("dash_core_components", "async-")),
    ("Gradscape's scripts", ("/assets/",)),
)


def _bucket(url: str, fn: str) -> str:
    if not url:
        return (
            "(garbage collection)"
            if fn == "(garbage collector)"
            else "(browser: layout, paint, other)"
        )
    for name, keys in BUCKETS:
        if any(k in url for k in keys):
            return name
    return "other scripts"


def _profile_split(profile: dict) -> dict[str, float]:
    """Milliseconds of self time per bucket in a CDP Profiler profile."""
    nodes = {n["id"]: n for n in profile["nodes"]}
    dt = {}
    samples, deltas = profile["samples"], profile["timeDeltas"]
    for k in range(1, len(samples)):  # a sample's time is the gap to the next one
        dt[samples[k - 1]] = dt.get(samples[k - 1], 0) + deltas[k] / 1e3
    out: dict[str, float] = {}
    for nid, ms_ in dt.items():
        cf = nodes[nid]["callFrame"]
        if cf["functionName"] == "(idle)":
            continue
        b = _bucket(cf.get("url", ""), cf["functionName"])
        out[b] = out.get(b, 0.0) + ms_
    return out


def press_latency(
    browser: Any, url: str, ready: str, probe: str, thumb_css: str, presses: int
) -> dict[str, Any]:
    """Milliseconds from a key on a slider to its effect drawn, `presses` times; with the
    request's own time (sent to answered, CDP Network) and a sampling profile of the
    main thread over all presses, split by script (`_profile_split`)."""
    page = browser.new_page(viewport=VIEWPORT)
    try:
        cdp = page.context.new_cdp_session(page)
        page.goto(url)
        page.wait_for_function(ready, timeout=LOAD_TIMEOUT_MS)
        page.wait_for_load_state("networkidle")
        page.evaluate(probe)
        thumb = page.locator(thumb_css).first
        thumb.focus()
        sent: dict[str, float] = {}
        fetch_ms: list[float] = []
        cdp.send("Network.enable")
        cdp.on(
            "Network.requestWillBeSent",
            lambda e: (
                sent.__setitem__(e["requestId"], e["timestamp"])
                if any(k in e["request"]["url"] for k in ("_dash-update-component", "/api/edit"))
                else None
            ),
        )
        cdp.on(
            "Network.loadingFinished",
            lambda e: (
                fetch_ms.append((e["timestamp"] - sent.pop(e["requestId"])) * 1e3)
                if e["requestId"] in sent
                else None
            ),
        )
        cdp.send("Performance.enable", {"timeDomain": "threadTicks"})
        cpu0 = _metrics(cdp)
        cdp.send("Profiler.enable")
        cdp.send("Profiler.setSamplingInterval", {"interval": 200})
        cdp.send("Profiler.start")
        t0 = time.perf_counter()
        for i in range(presses):
            before = page.evaluate("() => window.__lat.length")
            thumb.press("ArrowRight" if i % 2 == 0 else "ArrowLeft")
            page.wait_for_function(f"() => window.__lat.length > {before}", timeout=10_000)
            page.wait_for_timeout(50)
        profile = cdp.send("Profiler.stop")["profile"]
        wall = time.perf_counter() - t0
        cpu1 = _metrics(cdp)
        split = {k: v / presses for k, v in _profile_split(profile).items()}
        return {
            "ms": page.evaluate("() => window.__lat"),
            "request_ms": fetch_ms,
            "main_thread_ms_per_press": split,
            "cpu_ms_per_press": (cpu1["task_s"] - cpu0["task_s"]) * 1e3 / presses,
            "wall_s": wall,
        }
    finally:
        page.close()


def bench_browser(quick: bool, loads: int | None = None) -> dict[str, Any]:
    if not Path(CHROMIUM).is_file():
        return {"skipped": f"{CHROMIUM} is missing"}
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return {"skipped": "playwright is not installed (pip install playwright)"}

    loads = LOADS[1 if quick else 0] if loads is None else loads
    presses = 10 if quick else 30
    with tempfile.TemporaryDirectory(prefix="gradscape-bench-") as tmp:
        tmpdir = Path(tmp)
        (tmpdir / "bare_app.py").write_text(BARE_APP)
        (tmpdir / "noop_app.py").write_text(NOOP_APP)
        ports = {"gradscape": free_port(), "bare": free_port(), "noop": free_port()}
        commands = {
            "gradscape": [sys.executable, "-m", "gradscape", "--port", str(ports["gradscape"])],
            "bare": [sys.executable, str(tmpdir / "bare_app.py"), str(ports["bare"])],
            "noop": [sys.executable, str(tmpdir / "noop_app.py"), str(ports["noop"])],
        }
        urls = {name: f"http://127.0.0.1:{port}/" for name, port in ports.items()}
        min_traces = {"gradscape": 3, "bare": 2}
        procs: dict[str, subprocess.Popen] = {}
        results: dict[str, list[dict]] = {name: [] for name in min_traces}
        try:
            startup, started = {}, {}
            for name, cmd in commands.items():
                started[name] = time.perf_counter()
                procs[name] = start_server(cmd, tmpdir / f"{name}.log")
            for name, proc in procs.items():
                log = tmpdir / f"{name}.log"
                startup[name] = wait_until_up(proc, urls[name], log, started[name])
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM)
                try:
                    version = browser.version
                    for name in min_traces:  # untimed: the browser's and the server's first time
                        load_once(browser, urls[name], min_traces[name])
                    for i in range(loads):
                        for name in min_traces:
                            results[name].append(load_once(browser, urls[name], min_traces[name]))
                        print(
                            f"  load {i + 1}/{loads}: "
                            + ", ".join(
                                f"{n} "
                                + (
                                    "TIMEOUT"
                                    if r[-1].get("timeout")
                                    else f"{r[-1]['wall']:.3f} s, CPU {r[-1]['task_s']:.3f} s"
                                )
                                for n, r in results.items()
                            ),
                            flush=True,
                        )
                    moved = transfer(browser, urls["gradscape"])
                    from gradscape.app.state import serialize

                    query = serialize(bench_state(), with_step=False) + "&t=500"
                    slider, noop = [], []
                    # alternate: the product's slider, then the no-op round trip, twice
                    for _ in range(2):
                        slider.append(
                            press_latency(
                                browser,
                                f"{urls['gradscape']}?{query}",
                                "() => document.querySelectorAll("
                                "'svg.gs-overlay .gs-trail').length >= 2",
                                LATENCY_PROBE,
                                ".gs-run[data-run='1'] .dash-slider-thumb[role=slider]",
                                presses // 2,
                            )
                        )
                        noop.append(
                            press_latency(
                                browser,
                                urls["noop"],
                                "() => !!(document.querySelector('#echo') || {}).textContent",
                                NOOP_PROBE,
                                ".dash-slider-thumb[role=slider]",
                                presses // 2,
                            )
                        )
                finally:
                    browser.close()
        finally:
            for proc in procs.values():
                stop(proc)
    apps = {}
    for name, loaded in results.items():
        ok = [r for r in loaded if not r.get("timeout")]
        apps[name] = {
            "url_path": "/",
            "min_traces": min_traces[name],
            "server_start_s": startup[name],
            "wall_s": [r["wall"] for r in ok],
            "in_page_s": [r["in_page"] for r in ok],
            "task_s": [r["task_s"] for r in ok],
            "script_s": [r["script_s"] for r in ok],
            "bytes": [r["bytes"] for r in ok],
            "wall": summary([r["wall"] for r in ok]) if ok else None,
            "in_page": summary([r["in_page"] for r in ok]) if ok else None,
            "task": summary([r["task_s"] for r in ok]) if ok else None,
            "script": summary([r["script_s"] for r in ok]) if ok else None,
            "timeouts": [r for r in loaded if r.get("timeout")],
            "errors": sorted({e for r in loaded for e in r["errors"]}),
        }
    g, b = apps["gradscape"]["wall"], apps["bare"]["wall"]

    def merged(runs: list[dict]) -> dict[str, Any]:
        split: dict[str, float] = {}
        for r in runs:
            for k, v in r["main_thread_ms_per_press"].items():
                split[k] = split.get(k, 0.0) + v / len(runs)
        return {
            "ms": summary([x for r in runs for x in r["ms"]]),
            "request_ms": summary([x for r in runs for x in r["request_ms"]] or [0.0]),
            "main_thread_ms_per_press": dict(sorted(split.items(), key=lambda kv: -kv[1])),
            "cpu_ms_per_press": float(np.mean([r["cpu_ms_per_press"] for r in runs])),
        }

    out: dict[str, Any] = {
        "chromium": version,
        "loads": loads,
        "viewport": VIEWPORT,
        "timeout_s": LOAD_TIMEOUT_MS / 1e3,
        "apps": apps,
        "overhead_wall_median_s": g["median"] - b["median"] if g and b else None,
        "transfer": moved,
        "slider": merged(slider),
        "noop": merged(noop),
    }
    out["slider_ms"] = out["slider"]["ms"]
    ratios = []
    if g and b:
        ga, ba = apps["gradscape"], apps["bare"]
        pairs = list(zip(results["gradscape"], results["bare"], strict=True))
        pairs = [(x, y) for x, y in pairs if not x.get("timeout") and not y.get("timeout")]
        out_pairs = {
            key: [x[key] / y[key] for x, y in pairs] for key in ("wall", "in_page", "task_s")
        }
        ratios = [
            (
                "cold load to drawn paths / bare page (median of paired wall ratios)",
                float(np.median(out_pairs["wall"])),
                TARGET_LOAD_RATIO,
            ),
            (
                "main-thread CPU to drawn paths / bare page (median of paired TaskDuration ratios)",
                float(np.median(out_pairs["task_s"])),
                TARGET_CPU_RATIO,
            ),
        ]
        print(
            "  paired ratios (Gradscape / the bare load just after it): wall "
            + " ".join(f"{r:.2f}" for r in out_pairs["wall"])
            + "; CPU "
            + " ".join(f"{r:.2f}" for r in out_pairs["task_s"])
            + f"; ratio of wall medians {g['median'] / b['median']:.2f}, of CPU medians "
            f"{ga['task']['median'] / ba['task']['median']:.2f}",
            flush=True,
        )
    ratios.append(
        (
            "slider key to redrawn path / no-op callback round trip (medians)",
            out["slider"]["ms"]["median"] / out["noop"]["ms"]["median"],
            TARGET_SLIDER_RATIO,
        )
    )
    out["targets"] = [
        {"what": what, "value": value, "limit": limit, "unit": "x", "met": value <= limit}
        for what, value, limit in ratios
    ]
    first = moved["first"]["bytes"]
    out["targets"].append(
        {
            "what": "first-load transfer",
            "value": first / 1e6,
            "limit": TARGET_TRANSFER_MB,
            "unit": "MB",
            "met": first / 1e6 <= TARGET_TRANSFER_MB,
        }
    )
    return out


def print_browser(res: dict[str, Any]) -> None:
    if "skipped" in res:
        print(f"Cold load in Chromium: skipped ({res['skipped']}).")
        return
    print(
        f"Cold load to first drawn map: headless Chromium {res['chromium']}, "
        f"{res['viewport']['width']}x{res['viewport']['height']}, a fresh context per load, "
        f"{res['loads']} loads per app, alternating, after one untimed load each."
    )
    labels = {"gradscape": "Gradscape /", "bare": "bare Dash: 150x150 Contour + Scatter"}
    rows = []
    for name, a in res["apps"].items():
        w, p, c, s = (a[k] or {} for k in ("wall", "in_page", "task", "script"))
        rows.append(
            [
                labels[name],
                f"{w['median']:.3f}" if w else "—",
                f"{w['min']:.3f}" if w else "—",
                f"{p['median']:.3f}" if p else "—",
                f"{c['median']:.3f}" if c else "—",
                f"{s['median']:.3f}" if s else "—",
                f"{np.median(a['bytes']) / 1e6:.2f}" if a["bytes"] else "—",
                " ".join(f"{x:.3f}" for x in a["wall_s"]) or "—",
                str(len(a["timeouts"])),
            ]
        )
    print_table(
        [
            "",
            "wall med s",
            "wall min s",
            "in-page med",
            "CPU med s",
            "script med s",
            "MB to drawn",
            "each load (wall s)",
            "timeouts",
        ],
        rows,
        "<>>>>>><>",
    )
    g, b = res["apps"]["gradscape"], res["apps"]["bare"]
    print(
        "  Drawn: Gradscape's runs drawn over its contour; the bare app's contour and scatter."
        "\n  in-page: performance.now() when that first held (since navigation start). CPU:"
        " the renderer's main thread busy until then (CDP Performance.getMetrics TaskDuration;"
        " script: ScriptDuration).\n  Servers answered after "
        f"{g['server_start_s']:.1f} s (Gradscape) / {b['server_start_s']:.1f} s (bare)."
    )
    for visit, t in res["transfer"].items():
        print(
            f"  {visit.capitalize()} load of Gradscape moves {t['bytes'] / 1e6:.2f} MB in "
            f"{t['requests']} requests (until the network is idle); largest: "
            + ", ".join(f"{name} {n / 1e3:.0f} KB" for n, name in t["largest"][:4])
        )
    for key, what in (
        ("slider", "Slider to redrawn path (4 runs x 500 steps, run 1's lr slider)"),
        ("noop", "No-op Dash callback round trip (bare app: a slider key until its echo shows)"),
    ):
        r = res[key]
        print(
            f"\n{what}, {r['ms']['n']} presses: median {r['ms']['median']:.1f} ms, "
            f"p90 {r['ms']['p90']:.1f} ms, min {r['ms']['min']:.1f} ms; the request itself "
            f"(sent to answered) median {r['request_ms']['median']:.1f} ms."
        )
        split = r["main_thread_ms_per_press"]
        print(
            f"  main-thread CPU per press {r['cpu_ms_per_press']:.1f} ms (TaskDuration, with the"
            f" 50 ms pause after each); sampled ({sum(split.values()):.1f} ms, wall): "
            + ", ".join(f"{k} {v:.1f}" for k, v in split.items())
        )
    print()
    for t in res["targets"]:
        print(f"  {t['what']}: {t['value']:.2f} {t['unit']} (≤ {t['limit']:g}) {verdict(t['met'])}")
    for name, a in res["apps"].items():
        for t in a["timeouts"]:
            print(
                f"  {labels[name]}: not drawn after {res['timeout_s']:g} s; the page showed "
                f"{json.dumps(t['seen'])}"
            )
        for e in a["errors"]:
            print(f"  {labels[name]}: browser error: {e[:300]}")


# --------------------------------------------------------------------------- main
def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for pkg in ("numpy", "dash", "plotly", "flask", "orjson", "playwright"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "—"
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument(
        "--json",
        metavar="PATH",
        help="also write the numbers as JSON to PATH ('-': only the JSON, on stdout)",
    )
    parser.add_argument("--no-browser", action="store_true", help="skip the Chromium part")
    parser.add_argument("--no-server", action="store_true", help="skip the server part")
    parser.add_argument("--loads", type=int, help="cold loads per app (default 5, quick 3)")
    args = parser.parse_args(argv)

    report = sys.stderr if args.json == "-" else sys.stdout
    with contextlib.redirect_stdout(report):
        wall0 = time.perf_counter()
        env = versions()
        print(f"Gradscape app benchmark{' (--quick)' if args.quick else ''}")
        print(
            ", ".join(f"{k} {v}" for k, v in env.items())
            + f"; {platform.machine()}, {os.cpu_count()} CPUs"
        )
        print()
        server: dict[str, Any] = {"skipped": "--no-server", "targets": []}
        if not args.no_server:
            server = bench_server(args.quick)
            print_server(server)
        print()
        if args.no_browser:
            browser: dict[str, Any] = {"skipped": "--no-browser"}
        else:
            browser = bench_browser(args.quick, args.loads)
        print_browser(browser)
        targets = [*server["targets"], *browser.get("targets", [])]
        print()
        print(
            "Targets: "
            + "; ".join(
                f"{t['what']} {fmt_target(t['value'], t['unit'])} "
                f"(≤ {fmt_target(t['limit'], t['unit'])}) {verdict(t['met'])}"
                for t in targets
            )
        )
        wall = time.perf_counter() - wall0
        print(f"\nTotal benchmark time {wall:.0f} s.")

    if args.json is not None:
        payload = {
            "config": {
                "surface": SURFACE,
                "runs": RUNS,
                "steps": STEPS,
                "edit_id": EDIT_ID,
                "lr_range": LR_RANGE,
                "quick": args.quick,
            },
            "environment": {
                **env,
                "machine": platform.machine(),
                "platform": platform.platform(),
                "cpus": os.cpu_count(),
            },
            "server": server,
            "browser": browser,
            "targets": targets,
            "wall_s": wall,
        }
        text = json.dumps(payload, indent=2) + "\n"
        if args.json == "-":
            sys.stdout.write(text)
        else:
            Path(args.json).write_text(text)
            print(f"Wrote {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
