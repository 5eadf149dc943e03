"""The callbacks: thin adapters from Dash's context to `update` and the builders.

Two server callbacks write the page. `load` reads the URL once, when the page
opens; `edit` takes every control and applies the one that fired. Both keep
the canonical query string in the ``state`` store, so the server holds no
per-user state. Playback, the timeline, the map click and the URL bar are in
the browser (``assets/gradscape.js``).
"""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from typing import Any

from dash import (
    ALL,
    MATCH,
    ClientsideFunction,
    Input,
    Output,
    State,
    callback,
    clientside_callback,
    ctx,
    html,
    no_update,
)

from . import background, figures, ids, layout, views
from .state import MAX_RUNS, AppState, default_state, parse, read_value, serialize
from .update import PARTS, apply_event, page, param_for

PV = {"type": "pv", "key": ALL, "scale": ALL}
log = logging.getLogger("gradscape")


def notices_view(notices: list[str]) -> list:
    if not notices:
        return []
    return [
        html.Div(
            [
                html.Ul([html.Li(n) for n in notices]),
                html.Button("✕", className="gs-dismiss", title="Dismiss"),
            ],
            className="gs-notice",
        )
    ]


def _state_from(store: str | None, frame: dict | None) -> AppState:
    state, _ = parse(store or "")
    t = (frame or {}).get("t")
    if isinstance(t, int) and 0 <= t <= state.steps:
        state = replace(state, t=t)
    return state


#: What `load` writes, in order.
LOAD_OUTPUTS = (
    (ids.LOADED, "data"),
    (ids.FRAME, "data"),
    (ids.MAP, "figure"),
    (ids.LOSS, "figure"),
    (ids.SUMMARY, "children"),
    (ids.NOTICES, "children"),
    (ids.ROOT, "className"),
    (ids.PATHS, "data"),
    (ids.FIGURE, "figure"),
    (ids.STARTREQ, "data"),
    (ids.INSPECTOR, "children"),
    (ids.LESSON, "children"),
    (ids.RULES, "children"),
    (ids.STARTMAP, "figure"),
    (ids.STARTMAP_INFO, "children"),
)
#: What `edit` writes, in order. ``pv`` is every text box's value.
EDIT_OUTPUTS = (
    (ids.STATE, "data"),
    (ids.MAP, "figure"),
    (ids.LOSS, "figure"),
    (ids.SUMMARY, "children"),
    (ids.NOTICES, "children"),
    (ids.SURFACE_PARAMS, "children"),
    (ids.FORMULA, "children"),
    (ids.RUNS, "children"),
    (ids.SCHEDULE_PARAMS, "children"),
    (ids.CLIP_PARAMS, "children"),
    (ids.START_X, "value"),
    (ids.START_Y, "value"),
    (ids.ADD, "disabled"),
    ("pv", "value"),
    (ids.ROOT, "className"),
    (ids.PATHS, "data"),
    (ids.MODE, "value"),
    (ids.FIGURE, "figure"),
    (ids.STARTREQ, "data"),
    (ids.VIEW_PARAMS, "children"),
    (ids.INSPECTOR, "children"),
    (ids.RULES, "children"),
    (ids.STARTMAP, "figure"),
    (ids.STARTMAP_INFO, "children"),
    (ids.LESSON, "children"),
    (ids.FRAME, "data"),
    (ids.FIGURE, "clickData"),
    (ids.STARTMAP, "clickData"),
)
#: Outputs another callback writes too (the start-map job, `load`).
_SHARED = (ids.STARTMAP, ids.STARTMAP_INFO, ids.FRAME)
_PV_OUT = [name for name, _ in EDIT_OUTPUTS].index("pv")


def _ordered(values: dict, spec: tuple) -> tuple:
    """`values` by output name (or (name, prop) where a component has two), in the order
    of `spec`; no_update for any left out."""
    return tuple(values.get((name, prop), values.get(name, no_update)) for name, prop in spec)


def _main(p: Any) -> dict:
    """The main area's outputs from an `update.Page`.

    A start map already computed (by any server, for any user) is drawn at once
    from the cache; otherwise its request starts the background job.
    """
    table_state, results, palette = p.table
    out = {
        ids.MAP: p.map,
        ids.LOSS: p.loss,
        ids.SUMMARY: layout.summary_table(table_state, results, palette),
        ids.PATHS: p.paths,
        ids.FIGURE: p.figure if p.figure is not None else no_update,
    }
    if p.startmap is not None:
        hit = background.cached(p.startmap)
        if hit is None:
            out[ids.STARTREQ] = p.startmap
        else:
            if p.running:  # an empty request stops a job still running for an older one
                out[ids.STARTREQ] = ""
            out[ids.STARTMAP] = hit["figure"]
            out[ids.STARTMAP_INFO] = hit["info"] + " From the cache."
    return out


def page_outputs(state: AppState, notices: list[str]) -> tuple:
    """Everything `load` writes, from a parsed state (a plain function, for tests)."""
    frame = {"t": state.t, "autoplay": state.t is None, "steps": state.steps}
    values = {
        ids.LOADED: serialize(state, with_step=False),
        ids.FRAME: frame,
        **_main(page(None, state)),
        ids.NOTICES: notices_view(notices),
        ids.ROOT: root_class(state),
        ids.INSPECTOR: layout.inspector_panel(state),
        ids.LESSON: layout.lesson_text(state),
        ids.RULES: layout.rules_panel(state),
    }
    return _ordered(values, LOAD_OUTPUTS)


def root_class(state: AppState) -> str:
    return (
        f"gs-app gs-mode-{state.mode}"
        + (" gs-dark" if state.theme == "dark" else "")
        + (" gs-lesson" if state.lesson else "")
    )


@callback(
    *[
        Output(i, prop, allow_duplicate=i not in (ids.LOADED, ids.FRAME))
        for i, prop in LOAD_OUTPUTS
    ],
    Input(ids.URL, "search"),
    prevent_initial_call="initial_duplicate",
)
def load(search: str | None):
    state, notices = parse(search or "")
    try:
        return page_outputs(state, notices)
    except Exception as err:  # a bug must still leave a working page that says what happened
        log.exception("drawing %r failed", search)
        return page_outputs(default_state(), [*notices, _failed("This link", err)])


@callback(
    Output(ids.SIDEBAR, "children"),
    Output(ids.MODE, "value"),
    Input(ids.LOADED, "data"),
    prevent_initial_call=True,
)
def controls(loaded: str | None):
    """The side panel and the view tabs, drawn once the map is on its way (the hero first).

    The tabs are set here, with the panel, because `edit` listens to them and
    to the panel's controls: it may fire only once those exist.
    """
    state, _ = parse(loaded or "")
    return layout.sidebar(state), state.mode


def _events() -> list[tuple[Any, Any]]:
    """(component id, value) for each input that fired."""
    out = []
    for item in ctx.triggered:
        prop = item["prop_id"]
        if prop == ".":
            continue
        name = prop.rsplit(".", 1)[0]
        event = json.loads(name) if name.startswith("{") else name
        out.append((event, item.get("value")))
    return out


def _output(name: str, prop: str) -> Output:
    return Output(PV if name == "pv" else name, prop, allow_duplicate=name in _SHARED)


@callback(
    *[_output(i, prop) for i, prop in EDIT_OUTPUTS],
    Input(PV, "value"),
    Input(ids.SURFACE, "value"),
    Input(ids.SCHEDULE, "value"),
    Input(ids.CLIP, "value"),
    Input({"type": "opt", "run": ALL}, "value"),
    Input({"type": "color", "run": ALL}, "value"),
    Input({"type": "act", "run": ALL, "what": ALL}, "n_clicks"),
    Input(ids.ADD, "n_clicks"),
    Input(ids.THEME, "n_clicks"),
    Input(ids.START_X, "value"),
    Input(ids.START_Y, "value"),
    Input(ids.CLICK, "data"),
    Input(ids.VIEW, "data"),
    Input(ids.MODE, "value"),
    Input({"type": "ctl", "name": ALL}, "value"),
    Input({"type": "formula", "name": ALL}, "value"),
    Input(ids.FIGURE, "clickData"),
    Input(ids.STARTMAP, "clickData"),
    State(ids.STATE, "data"),
    State(ids.LOADED, "data"),
    State(ids.FRAME, "data"),
    prevent_initial_call=True,
)
def edit(*args):
    store, loaded, frame = args[-3:]
    old = _state_from(store if store is not None else loaded, frame)
    boxes = [(b["id"], b.get("value")) for b in ctx.inputs_list[0]]
    events = with_boxes(_events(), boxes, old)
    pv_ids = [o["id"] for o in ctx.outputs_list[_PV_OUT]]
    try:
        return edit_outputs(old, events, pv_ids)
    except Exception as err:  # keep the page as it was and say so, rather than fail silently
        log.exception("edit %r failed", events[:3])
        return _only(notices_view([_failed("That change", err)]), [no_update] * len(pv_ids))


def _only(notices: Any, pv_out: list) -> tuple:
    """`edit`'s outputs that leave the page alone but for the notices and text boxes."""
    return _ordered({ids.NOTICES: notices, "pv": pv_out}, EDIT_OUTPUTS)


def _failed(what: str, err: Exception) -> str:
    return f"{what} could not be drawn ({type(err).__name__}: {err}); nothing else changed."


def with_boxes(
    events: list[tuple[Any, Any]], boxes: list[tuple[dict, Any]], old: AppState | None = None
) -> list:
    """`events` plus every other text box whose value the state `old` lacks.

    Each request carries every box's value. A box whose own request was
    overtaken by a later one (Dash then drops the older answer) still shows a
    value the state lacks; applying those makes the state converge to what
    the page shows. A box that shows the state's value is left out: applied
    after the edit it would undo what the edit moved (the compare view's
    default rate range follows its run's rate). Not after a change of
    structure (a new optimizer, surface, run...), which redraws the boxes.
    """
    fired = [e for e, _ in events]
    if not all(isinstance(e, dict) and e.get("type") == "pv" for e in fired):
        return events
    return events + [
        (i, v) for i, v in boxes if i not in fired and v is not None and _lacks(old, i, v)
    ]


def _lacks(state: AppState | None, box: dict, text: Any) -> bool:
    """Whether the box's text is a value other than the state's (True if unknown)."""
    if state is None:
        return True
    try:
        p, current, _ = param_for(state, box["key"])
    except (KeyError, ValueError, IndexError):
        return True
    value, _ = read_value(box["key"], text, p, current)
    return value != current


def _clicked(event: Any, value: Any) -> bool:
    """False for a button drawn anew (n_clicks None) rather than clicked."""
    button = event in (ids.ADD, ids.THEME) or (
        isinstance(event, dict) and event.get("type") == "act"
    )
    return bool(value) or not button


def _view_shown(state: AppState, events: list[tuple[Any, Any]]) -> tuple:
    """What the View section shows, but for the boxes being typed or dragged in (redrawing
    those would drop the slider from under the mouse)."""
    typing = {e.get("key") for e, _ in events if isinstance(e, dict) and e.get("type") == "pv"}
    lo, hi = state.rate_range()
    values = {"k": state.k, "grid": state.grid, "rates.lo": lo, "rates.hi": hi}
    return (
        state.mode,
        state.focus,
        state.layout,
        state.metric,
        state.inspect,
        tuple(layout.run_label(r) for r in state.runs),
        tuple(v for k, v in values.items() if k not in typing),
    )


def edit_outputs(old: AppState, events: list[tuple[Any, Any]], pv_ids: list[dict]) -> tuple:
    """Apply `events` to `old` and say what changes on the page (a plain function, for tests)."""
    state, notices, redraw = old, [], set()
    for event, value in events:
        if not _clicked(event, value):
            continue
        e = apply_event(state, event, value)
        state, notices, redraw = e.state, notices + e.notices, redraw | e.redraw
    pv_out: list = [no_update] * len(pv_ids)
    for j, pid in enumerate(pv_ids):
        key = pid["key"]
        if (
            notices
            and key in ("steps", "noise", "seed")
            and any(isinstance(ev, dict) and ev.get("key") == key for ev, _ in events)
        ):
            p, value, _ = param_for(state, key)
            pv_out[j] = layout.fmt_value(p, value)
    if state == old and not redraw:
        return _only(notices_view(notices) if notices else no_update, pv_out)
    draw = {part: part in redraw for part in PARTS}
    inspector_changed = (state.inspect, state.mode, state.focus_run.optimizer) != (
        old.inspect,
        old.mode,
        old.focus_run.optimizer,
    )
    values = {
        ids.STATE: serialize(state, with_step=False),
        **_main(page(old, state)),
        ids.NOTICES: notices_view(notices),
        ids.SURFACE_PARAMS: layout.surface_params(state) if draw["surface"] else no_update,
        ids.FORMULA: layout.formula(state) if draw["surface"] else no_update,
        ids.RUNS: layout.run_panels(state) if draw["runs"] else no_update,
        ids.SCHEDULE_PARAMS: layout.schedule_params(state) if draw["schedule"] else no_update,
        ids.CLIP_PARAMS: layout.clip_params(state) if draw["clip"] else no_update,
        ids.START_X: layout.fmt_number(state.start[0]) if draw["start"] else no_update,
        ids.START_Y: layout.fmt_number(state.start[1]) if draw["start"] else no_update,
        ids.ADD: len(state.runs) >= MAX_RUNS,
        "pv": pv_out,
        ids.ROOT: root_class(state) if state.mode != old.mode or "theme" in redraw else no_update,
        ids.MODE: state.mode if state.mode != old.mode else no_update,
        ids.VIEW_PARAMS: layout.view_params(state)
        if draw["view"] or draw["runs"] or _view_shown(old, events) != _view_shown(state, events)
        else no_update,
        ids.LESSON: layout.lesson_text(state) if state.preset != old.preset else no_update,
        # a start picked on the start map plays from step 0
        ids.FRAME: {"t": None, "autoplay": True, "steps": state.steps}
        if old.mode == "starts" and state.mode == "paths" and state.start != old.start
        else no_update,
    }
    # a click is read once: the same point clicked again (after other edits) is news again
    clicked = {e for e, _ in events if e in (ids.FIGURE, ids.STARTMAP)}
    values |= {
        (ids.FIGURE, "clickData"): None if ids.FIGURE in clicked else no_update,
        (ids.STARTMAP, "clickData"): None if ids.STARTMAP in clicked else no_update,
        ids.INSPECTOR: layout.inspector_panel(state) if inspector_changed else no_update,
        ids.RULES: layout.rules_panel(state) if state.lesson and draw["runs"] else no_update,
    }
    return _ordered(values, EDIT_OUTPUTS)


# --------------------------------------------------------------------------- start map
@callback(
    Output(ids.STARTMAP, "figure"),
    Output(ids.STARTMAP_INFO, "children"),
    Input(ids.STARTREQ, "data"),
    background=True,
    running=[
        (Output(ids.PROGRESS_BOX, "className"), "gs-progress gs-on", "gs-progress"),
        (Output(ids.CANCEL, "disabled"), False, True),
    ],
    progress=[Output(ids.PROGRESS, "value"), Output(ids.PROGRESS, "max")],
    progress_default=["0", "100"],
    cancel=[Input(ids.CANCEL, "n_clicks")],
    prevent_initial_call=True,
)
def start_map_job(set_progress, query: str | None):
    """The start map for `query` (see `update.startmap_query`), with progress as it runs."""
    if not query:
        return no_update, no_update
    state, _ = parse(query)
    try:
        sm = views.start_map(state, progress=lambda k, n: set_progress((str(k), str(n))))
        fig = views.start_map_figure(state, sm)
    except Exception as err:
        log.exception("start map %r failed", query)
        return no_update, _failed("The start map", err)
    if state.lesson:
        fig = figures.enlarge(fig)
    n = state.grid**2
    rate = n * state.steps / max(sm.seconds, 1e-9)
    info = (
        f"{n:,} starts × {state.steps} steps in {sm.seconds:.2f} s "
        f"({rate / 1e6:.0f} million steps a second)."
    )
    figure = json.loads(fig.to_json())
    background.remember(query, {"figure": figure, "info": info})
    return figure, info


# --------------------------------------------------------------------------- in the browser
clientside_callback(
    ClientsideFunction("gs", "syncParam"),
    Output({"type": "ps", "key": MATCH, "scale": MATCH}, "value"),
    Output({"type": "pv", "key": MATCH, "scale": MATCH}, "value", allow_duplicate=True),
    Input({"type": "ps", "key": MATCH, "scale": MATCH}, "value"),
    Input({"type": "pv", "key": MATCH, "scale": MATCH}, "value"),
    State({"type": "ps", "key": MATCH, "scale": MATCH}, "id"),
    prevent_initial_call=True,
)
# Browser-side callbacks run for their effect on the page (gradscape.js); they
# answer no_update into a store no one reads.
for _name, _inputs in {
    "onState": [Input(ids.STATE, "data"), Input(ids.LOADED, "data")],
    "onFrame": [Input(ids.FRAME, "data")],
    "onPaths": [Input(ids.PATHS, "data")],
    "onSpeed": [Input(ids.SPEED, "value")],
}.items():
    clientside_callback(
        ClientsideFunction("gs", _name),
        Output(ids.SINK, "data", allow_duplicate=True),
        *_inputs,
        prevent_initial_call=True,
    )
