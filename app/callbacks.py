"""The callbacks: thin adapters from Dash's context to the reducer and the builders.

Two server callbacks write the page. `load` reads the URL once, when the page
opens; `edit` takes every control, applies those whose value the state lacks
and then the one that fired (`reducer.apply_events`), and redraws the parts
of the page the field table says the change touches (`PART_OUTPUTS`). Both
keep the canonical query string in the ``state`` store, so the server holds no
per-user state. Each request parses the state once, here, at the edge: any
value a browser sends is checked before it reaches the state. Playback, the
timeline, the map click and the URL bar are in the browser
(``assets/gs/``); the start map's job is in `background`.
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

from . import background, ids, layout, limits, race
from .background import failed
from .reducer import apply_events
from .state import MAX_RUNS, AppState, box, default_state, parse, parts_of, serialize
from .update import page

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


def _state_from(store: Any, frame: Any) -> AppState:
    """The state a request carries: the store's query (parsed once) and the frame's step.

    Whatever the browser sends (a store that is not a string, a frame that is
    not a dict, a step that is not a whole number) falls back to the default.
    """
    state, _ = parse(store if isinstance(store, str) else "")
    t = frame.get("t") if isinstance(frame, dict) else None
    if isinstance(t, int) and not isinstance(t, bool) and 0 <= t <= state.steps:
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
    (ids.SIDEBAR, "children"),
    (ids.TABS, "children"),
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


def page_outputs(state: AppState, notices: list[str], drawn: Any = None) -> tuple:
    """Everything `load` writes, from a parsed state (a plain function, for tests).

    The side panel and the tabs come with the page (`layout.page` draws them
    for the link it is served for, and says which in the ``drawn`` store);
    only if they were drawn for another state are they drawn here. Drawn by a
    callback, their controls would fire `edit` for nothing (Dash calls a
    callback whose inputs appear in a callback's output).
    """
    frame = {"t": state.t, "autoplay": state.t is None, "steps": state.steps}
    query = serialize(state, with_step=False)
    values = {
        ids.LOADED: query,
        ids.FRAME: frame,
        **_main(page(None, state)),
        ids.NOTICES: notices_view(notices),
        ids.ROOT: root_class(state),
        ids.INSPECTOR: layout.inspector_panel(state),
        ids.LESSON: layout.lesson_text(state),
        ids.RULES: layout.rules_panel(state),
    }
    if drawn != query:
        values |= {ids.SIDEBAR: layout.sidebar(state), ids.TABS: layout.view_tabs(state.mode)}
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
    State(ids.DRAWN, "data"),
    prevent_initial_call="initial_duplicate",
)
def load(search: Any, drawn: Any):
    state, notices = parse(search if isinstance(search, str) else "")
    state, notices = _bounded(None, state, notices)
    state, more = race.verify(state)  # a link's "tuned" holds only if its rates are the race's
    notices = [*notices, *more]
    try:
        return page_outputs(state, notices, drawn)
    except Exception as err:  # a bug must still leave a working page that says what happened
        log.exception("drawing %r failed", search)
        return page_outputs(default_state(), [*notices, failed("This link", err)])


def _bounded(old: AppState | None, state: AppState, notices: list[str]):
    """`state` with the work it asks of this request bounded (`limits.bound_work`), and
    the notices plus any about that or about a map the grid cannot draw as contours."""
    state, cut = limits.bound_work(state)
    notices = [*notices, cut] if cut else list(notices)
    surface = (state.surface, state.surface_params, state.expr, state.box, state.view)
    if old is None or surface != (old.surface, old.surface_params, old.expr, old.box, old.view):
        note = limits.contour_notice(state)
        if note:
            notices.append(note)
    return state, notices


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
    Input({"type": "btn", "name": ALL}, "n_clicks"),
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
    events = _events()
    pv_ids = [o["id"] for o in ctx.outputs_list[_PV_OUT]]
    try:
        return edit_outputs(old, events, pv_ids, _controls())
    except Exception as err:  # keep the page as it was and say so, rather than fail silently
        log.exception("edit %r failed", events[:3])
        return _only(notices_view([failed("That change", err)]), [no_update] * len(pv_ids))


def _controls() -> list[tuple[Any, Any]]:
    """(component id, value) of every control the request carries (text boxes, menus, tabs).

    Every request carries them all, so the reducer reads the state of each one
    (`reducer.apply_events`): an edit whose answer was dropped is not lost.
    """
    out = []
    for item in ctx.inputs_list:
        for one in item if isinstance(item, list) else [item]:
            if isinstance(one, dict) and one.get("property") == "value":
                out.append((one.get("id"), one.get("value")))
    return out


def _only(notices: Any, pv_out: list) -> tuple:
    """`edit`'s outputs that leave the page alone but for the notices and text boxes."""
    return _ordered({ids.NOTICES: notices, "pv": pv_out}, EDIT_OUTPUTS)


def _start_box(axis: int):
    return lambda s: layout.fmt_number(s.start[axis])


#: What each part of the page (`state.PARTS`, named by the field table) redraws, and how.
PART_OUTPUTS: dict[str, dict[Any, Any]] = {
    "surface": {ids.SURFACE_PARAMS: layout.surface_params, ids.FORMULA: layout.formula},
    "runs": {ids.RUNS: layout.run_panels},
    "schedule": {ids.SCHEDULE_PARAMS: layout.schedule_params},
    "clip": {ids.CLIP_PARAMS: layout.clip_params},
    "start": {ids.START_X: _start_box(0), ids.START_Y: _start_box(1)},
    "view": {ids.VIEW_PARAMS: layout.view_params},
    "mode": {ids.MODE: lambda s: s.mode},
    "page": {ids.ROOT: lambda s: root_class(s)},
    "lesson": {ids.LESSON: layout.lesson_text},
    "rules": {ids.RULES: layout.rules_panel},
    "inspector": {ids.INSPECTOR: layout.inspector_panel},
}


def _box_text(state: AppState, key: Any) -> Any:
    b = box(state, key)
    return no_update if b is None else layout.fmt_value(b.param, b.value)


def edit_outputs(
    old: AppState,
    events: list[tuple[Any, Any]],
    pv_ids: list[dict],
    controls: list[tuple[Any, Any]] = (),
) -> tuple:
    """Apply the `controls` the state lacks, then `events`, to `old`, and say what changes
    on the page (a plain function, for tests).

    A text box whose text was not taken as it stands (clamped, refused) shows
    the state's value again: rewritten where no part around it is redrawn.
    """
    e = apply_events(old, events, controls)
    state, notices = _bounded(old, e.state, e.notices)
    corrected = set(e.corrected) | ({"steps"} if state.steps != e.state.steps else set())
    pv_out: list = [
        _box_text(state, pid["key"])
        if pid.get("key") in corrected and not set(parts_of(pid["key"])) & e.redraw
        else no_update
        for pid in pv_ids
    ]
    if state == old and not e.redraw:
        return _only(notices_view(notices) if notices else no_update, pv_out)
    values = {
        ids.STATE: serialize(state, with_step=False),
        **_main(page(old, state)),
        ids.NOTICES: notices_view(notices),
        ids.ADD: len(state.runs) >= MAX_RUNS,
        "pv": pv_out,
        # a start picked on the start map plays from step 0
        ids.FRAME: {"t": None, "autoplay": True, "steps": state.steps}
        if old.mode == "starts" and state.mode == "paths" and state.start != old.start
        else no_update,
    }
    for part in e.redraw:
        values |= {out: draw(state) for out, draw in PART_OUTPUTS[part].items()}
    # a click is read once: the same point clicked again (after other edits) is news again
    clicked = {ev for ev, _ in events if ev in (ids.FIGURE, ids.STARTMAP)}
    values |= {
        (ids.FIGURE, "clickData"): None if ids.FIGURE in clicked else no_update,
        (ids.STARTMAP, "clickData"): None if ids.STARTMAP in clicked else no_update,
    }
    return _ordered(values, EDIT_OUTPUTS)


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
# Browser-side callbacks run for their effect on the page (assets/gs/90-dash.js); they
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
