"""The slider's fast lane: one run's new path, drawn before Dash hears of the change.

A key or a drag on a run's slider used to go through Dash's `edit`
callback: the answer (figures, table, text boxes, stores) is small on the
wire, but applying it costs the browser ~130 ms of Dash rendering and layout
for every step of a slider. While a run's slider moves, the browser asks this
route instead (``POST /api/edit``) and draws the answer at once
(assets/gs/85-fast.js); when the slider settles, the text box commits its
value and Dash's `edit` brings the rest of the page (loss chart, table, URL
store) to the same state, once.

The route is the reducer, the compute cache and `figures.path_data`, the
same functions `edit` uses, so its path is bit for bit the one `edit` sends.
The loss chart's two traces of the run come too, drawn a frame later. It
answers only an edit that changes one run's hyperparameter in the paths
view with the inspector off; anything else (another view, a clamped value, a
change that touches more than that run) answers ``{"fast": false}`` and the
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

from . import ids
from .compute import compute_all
from .figures import THEMES, loss_dtick, loss_run_traces, path_data
from .reducer import apply_event
from .state import AppState, parse, serialize

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


def fast_edit(query: Any, key: Any, value: Any) -> dict:
    """The answer to one slider step, or ``{"fast": false}``.

    ``{"fast": true, "q", "run", "path", "loss", "dtick"}``: the new canonical
    query, the run's index, its entry of the paths store, its two loss-chart
    traces (curve, head) and the loss axis' tick step, as Dash's edit patches them.

    `query` is the page's canonical query (its ``state`` store), `key` a
    parameter's text-box key (``run.0.lr``) and `value` its new text. Raises
    `BadEditError` for input no page sends.
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
    old = replace(old, t=None)
    if old.mode != "paths" or old.inspect or not key.startswith("run."):
        return {"fast": False}
    e = apply_event(old, ids.pv(key, "lin"), value)
    i = _run_changed(old, e.state)
    if e.notices or e.corrected or i is None:
        return {"fast": False}
    new = e.state
    theme = THEMES[new.theme]
    results = compute_all(new)  # the other runs come from the cache
    surface = new.build_surface()
    return {
        "fast": True,
        "q": serialize(new, with_step=False),
        "run": i,
        "path": path_data(new.runs[i], results[i], theme),
        "loss": loss_run_traces(i, new.runs[i], results[i], new.shown_step, surface, theme),
        "dtick": loss_dtick(surface, results),
    }


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
            out = fast_edit(body.get("q"), body.get("key"), body.get("value"))
        except BadEditError as err:
            return _refuse(str(err))
        except Exception:  # a bug: the page falls back to Dash's edit, the log says why
            log.exception("fast edit %r failed", body.get("key"))
            out = {"fast": False}
        if isinstance(seq, int) and not isinstance(seq, bool):
            out["seq"] = seq
        return flask.jsonify(out)


def _refuse(message: str, status: int = 400) -> Any:
    return flask.jsonify({"fast": False, "error": message}), status
