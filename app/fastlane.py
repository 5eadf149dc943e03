"""The slider's fast lane: one run's new path, drawn before Dash hears of the change.

A key or a drag on a run's slider used to go through Dash's `edit`
callback: the answer (figures, table, text boxes, stores) is small on the
wire, but applying it costs the browser ~130 ms of Dash rendering and layout
for every step of a slider. While a run's slider moves, the browser asks this
route instead (``POST /api/edit``) and draws the answer at once
(assets/gs/85-fast.js); when the slider settles, the text box commits its
value and Dash's `edit` brings the rest of the page (loss chart, table, URL
store) to the same state, once.

The route is the reducer and `update.patches`, the functions `edit` uses: its
answer is the list of assignments Dash's edit would make to the paths store
and the loss chart, bit for bit (the run's path, its loss traces, and the loss
axis where the curves move it). It answers only an edit that changes one run's
hyperparameter in the paths view with the inspector off; anything else
(another view, a clamped value, a change that touches more than that run, a
typed formula over its work budget) answers ``{"fast": false}`` and the
browser commits the value to Dash at once.

Input is bounded at the edge: a body over `MAX_BODY` bytes, a query over
`MAX_QUERY` characters, a key or value that is not a short string, get a
400 with a JSON message; a state is parsed by `state.parse`, which never
raises and clamps every setting (steps, runs) to its range.
"""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from typing import Any

import flask
from dash import Patch
from plotly.io.json import to_json_plotly

from . import ids, limits
from .reducer import apply_event
from .state import AppState, parse, serialize
from .update import patches

__all__ = ["MAX_BODY", "ROUTE", "fast_edit", "register"]

ROUTE = "/api/edit"
MAX_BODY = 16_384
MAX_QUERY = 8_192
MAX_TOKEN = 64
log = logging.getLogger("gradscape")


class BadEditError(ValueError):
    """A request the route refuses (400), with the reason a person can read."""


def _run_changed(old: AppState, new: AppState) -> int | None:
    """The index of the one run whose settings differ, if nothing else does."""
    if len(old.runs) != len(new.runs) or replace(new, runs=old.runs) != old:
        return None
    changed = [i for i, (a, b) in enumerate(zip(old.runs, new.runs, strict=True)) if a != b]
    return changed[0] if len(changed) == 1 else None


def fast_edit(query: Any, key: Any, value: Any, t: Any = None) -> dict:
    """The answer to one slider step, or ``{"fast": false}``.

    ``{"fast": true, "q", "run", "paths", "loss"}``: the new canonical query, the
    run's index, and the operations Dash's edit would apply to the paths store and
    to the loss chart (`update.patches`: ``[location, value]`` pairs, assignments
    only), so the page draws exactly what Dash would send.

    `query` is the page's canonical query (its ``state`` store), `key` a
    parameter's text-box key (``run.0.lr``), `value` its new text and `t` the step
    shown (the loss chart's markers sit there). Raises `BadEditError` for input no
    page sends.
    """
    if not isinstance(query, str) or len(query) > MAX_QUERY:
        raise BadEditError(f"'q' must be the page's query, at most {MAX_QUERY} characters")
    if not isinstance(key, str) or not 0 < len(key) <= MAX_TOKEN:
        raise BadEditError(f"'key' must be a parameter's name, at most {MAX_TOKEN} characters")
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise BadEditError("'value' must be a number or its text")
    if isinstance(value, str) and len(value) > MAX_TOKEN:
        raise BadEditError(f"'value' must be at most {MAX_TOKEN} characters")
    old, _ = parse(query)
    ok_t = isinstance(t, int) and not isinstance(t, bool) and 0 <= t <= old.steps
    old = replace(old, t=t if ok_t else None)
    if old.mode != "paths" or old.inspect or not key.startswith("run."):
        return {"fast": False}
    if limits.bound_work(old)[1] is not None:  # a typed formula over budget: Dash says so
        return {"fast": False}
    e = apply_event(old, ids.pv(key, "lin"), value)
    i = _run_changed(old, e.state)
    if e.notices or e.corrected or i is None:
        return {"fast": False}
    new = e.state
    m, loss, paths, _ = patches(old, new)
    ops = {name: _assignments(p) for name, p in (("map", m), ("loss", loss), ("paths", paths))}
    if ops["map"] != [] or ops["loss"] is None or ops["paths"] is None:
        return {"fast": False}  # more than the run's path and loss changed: Dash draws it
    return {
        "fast": True,
        "q": serialize(new, with_step=False),
        "run": i,
        "paths": ops["paths"],
        "loss": ops["loss"],
    }


def _assignments(patch: Any) -> list | None:
    """A `Patch`'s operations as ``[location, value]`` pairs (None: not a `Patch`, or an
    operation other than an assignment)."""
    if not isinstance(patch, Patch):
        return None
    out = []
    for op in patch.to_plotly_json()["operations"]:
        if op["operation"] != "Assign":
            return None
        out.append([op["location"], op["params"]["value"]])
    return out


def register(server: flask.Flask) -> None:
    """Add ``POST /api/edit`` to `server`."""

    @server.post(ROUTE)
    def _fast_edit() -> Any:
        raw = flask.request.stream.read(MAX_BODY + 1)  # never more, whatever the headers say
        if len(raw) > MAX_BODY:
            return _refuse(f"the request is over {MAX_BODY} bytes", 413)
        try:
            body = json.loads(raw)
        except (ValueError, RecursionError):
            body = None
        if not isinstance(body, dict):
            return _refuse("the body must be a JSON object {q, key, value, seq}")
        seq = body.get("seq")
        try:
            out = fast_edit(body.get("q"), body.get("key"), body.get("value"), body.get("t"))
        except BadEditError as err:
            return _refuse(str(err))
        except Exception:  # a bug: the page falls back to Dash's edit, the log says why
            log.exception("fast edit %r failed", body.get("key"))
            out = {"fast": False}
        if isinstance(seq, int) and not isinstance(seq, bool):
            out["seq"] = seq
        # Plotly's encoder: typed arrays as Dash sends them, numpy numbers as numbers
        return flask.Response(to_json_plotly(out), mimetype="application/json")


def _refuse(message: str, status: int = 400) -> Any:
    return flask.jsonify({"fast": False, "error": message}), status
