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

from . import ids, layout
from .state import MAX_RUNS, AppState, default_state, parse, serialize
from .update import PARTS, apply_event, param_for, patches

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


def page_outputs(state: AppState, notices: list[str]) -> tuple:
    """Everything `load` writes, from a parsed state (a plain function, for tests)."""
    fig, loss, paths, results = patches(None, state)
    frame = {"t": state.t, "autoplay": state.t is None, "steps": state.steps}
    return (
        serialize(state, with_step=False),
        frame,
        fig,
        loss,
        layout.summary_table(state, results),
        notices_view(notices),
        root_class(state),
        paths,
    )


def root_class(state: AppState) -> str:
    return "gs-app" + (" gs-dark" if state.theme == "dark" else "")


@callback(
    Output(ids.LOADED, "data"),
    Output(ids.FRAME, "data"),
    Output(ids.MAP, "figure", allow_duplicate=True),
    Output(ids.LOSS, "figure", allow_duplicate=True),
    Output(ids.SUMMARY, "children", allow_duplicate=True),
    Output(ids.NOTICES, "children", allow_duplicate=True),
    Output(ids.ROOT, "className", allow_duplicate=True),
    Output(ids.PATHS, "data", allow_duplicate=True),
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


@callback(Output(ids.SIDEBAR, "children"), Input(ids.LOADED, "data"), prevent_initial_call=True)
def controls(loaded: str | None):
    """The side panel, drawn once the map is on its way (the hero comes first)."""
    state, _ = parse(loaded or "")
    return layout.sidebar(state)


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


@callback(
    Output(ids.STATE, "data"),
    Output(ids.MAP, "figure"),
    Output(ids.LOSS, "figure"),
    Output(ids.SUMMARY, "children"),
    Output(ids.NOTICES, "children"),
    Output(ids.SURFACE_PARAMS, "children"),
    Output(ids.FORMULA, "children"),
    Output(ids.RUNS, "children"),
    Output(ids.SCHEDULE_PARAMS, "children"),
    Output(ids.CLIP_PARAMS, "children"),
    Output(ids.START_X, "value"),
    Output(ids.START_Y, "value"),
    Output(ids.ADD, "disabled"),
    Output(PV, "value"),
    Output(ids.ROOT, "className"),
    Output(ids.PATHS, "data"),
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
    State(ids.STATE, "data"),
    State(ids.LOADED, "data"),
    State(ids.FRAME, "data"),
    prevent_initial_call=True,
)
def edit(*args):
    store, loaded, frame = args[-3:]
    old = _state_from(store if store is not None else loaded, frame)
    boxes = [(b["id"], b.get("value")) for b in ctx.inputs_list[0]]
    events = with_boxes(_events(), boxes)
    pv_ids = [o["id"] for o in ctx.outputs_list[-3]]
    try:
        return edit_outputs(old, events, pv_ids)
    except Exception as err:  # keep the page as it was and say so, rather than fail silently
        log.exception("edit %r failed", events[:3])
        return _only(notices_view([_failed("That change", err)]), [no_update] * len(pv_ids))


def _only(notices: Any, pv_out: list) -> tuple:
    """`edit`'s outputs that leave the page alone but for the notices and text boxes."""
    return (no_update,) * 4 + (notices,) + (no_update,) * 8 + (pv_out, no_update, no_update)


def _failed(what: str, err: Exception) -> str:
    return f"{what} could not be drawn ({type(err).__name__}: {err}); nothing else changed."


def with_boxes(events: list[tuple[Any, Any]], boxes: list[tuple[dict, Any]]) -> list:
    """`events` plus every other text box's current value.

    Each request carries every box's value. A box whose own request was
    overtaken by a later one (Dash then drops the older answer) still shows a
    value the state lacks; applying all boxes makes the state converge to what
    the page shows. Not after a change of structure (a new optimizer, surface,
    run...), which redraws the boxes from the state.
    """
    fired = [e for e, _ in events]
    if not all(isinstance(e, dict) and e.get("type") == "pv" for e in fired):
        return events
    return events + [(i, v) for i, v in boxes if i not in fired and v is not None]


def edit_outputs(old: AppState, events: list[tuple[Any, Any]], pv_ids: list[dict]) -> tuple:
    """Apply `events` to `old` and say what changes on the page (a plain function, for tests)."""
    state, notices, redraw = old, [], set()
    for event, value in events:
        if (
            event in (ids.ADD, ids.THEME)
            or (isinstance(event, dict) and event.get("type") == "act")
        ) and not value:
            continue  # a button drawn anew, not clicked
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
    fig, loss, paths, results = patches(old, state)
    draw = {part: part in redraw for part in PARTS}
    return (
        serialize(state, with_step=False),
        fig,
        loss,
        layout.summary_table(state, results),
        notices_view(notices),
        layout.surface_params(state) if draw["surface"] else no_update,
        layout.formula(state) if draw["surface"] else no_update,
        layout.run_panels(state) if draw["runs"] else no_update,
        layout.schedule_params(state) if draw["schedule"] else no_update,
        layout.clip_params(state) if draw["clip"] else no_update,
        layout.fmt_number(state.start[0]) if draw["start"] else no_update,
        layout.fmt_number(state.start[1]) if draw["start"] else no_update,
        len(state.runs) >= MAX_RUNS,
        pv_out,
        root_class(state) if "theme" in redraw else no_update,
        paths,
    )


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
