"""What an edit does: a pure reducer (state, event → state) and a pure diff (old → Patch).

The callbacks in `callbacks.py` only unpack Dash's context, call these and
return. `apply_event` says which parts of the side panel must be redrawn (the
runs after adding one, the schedule's arguments after picking another);
`patches` compares the old and new state and returns `Patch` objects that carry
only what changed: a slider on one run resends that run's traces, never the
contour.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

from dash import Patch

import surfaces
from optimizers import OPTIMIZERS, schedules
from surfaces import Param

from . import figures, ids
from .compute import RunResult, compute_all
from .state import (
    CLIP_AT,
    CLIP_MODES,
    MAX_RUNS,
    NOISE,
    SEED,
    STEPS,
    THEMES,
    AppState,
    default_hp,
    new_run,
    read_value,
    surface_state,
)

__all__ = ["PARTS", "Edit", "apply_event", "param_for", "patches"]

#: Side-panel parts an edit may need redrawn.
PARTS = ("surface", "runs", "schedule", "clip", "start")


class Edit:
    """The outcome of one event: the new state, notices, and parts of the panel to redraw."""

    __slots__ = ("notices", "redraw", "state")

    def __init__(self, state: AppState, notices=(), redraw=()) -> None:
        self.state, self.notices, self.redraw = state, list(notices), set(redraw)


def param_for(state: AppState, key: str):
    """The registry Param behind a text-box key, and how to store a value under it."""
    head, _, rest = key.partition(".")
    if head == "surface":
        entry = surfaces.SURFACES[state.surface]
        p = {q.name: q for q in entry.params}[rest]
        return p, state.surface_params[rest], lambda v: _set_surface_param(state, rest, v)
    if head == "run":
        i_text, _, name = rest.partition(".")
        i = int(i_text)
        run = state.runs[i]
        p = OPTIMIZERS[run.optimizer].param_map[name]
        return p, run.hp[name], lambda v: _set_run(state, i, hp={**run.hp, name: v})
    if head == "schedule":
        p = {q.name: q for q in schedules.PARAMS[state.schedule]}[rest]
        return (
            p,
            state.schedule_args[rest],
            lambda v: replace(state, schedule_args={**state.schedule_args, rest: v}),
        )
    p = {"steps": STEPS, "noise": NOISE, "seed": SEED, "clip_at": CLIP_AT}[head]
    return p, getattr(state, head), lambda v: replace(state, **{head: v})


def _set_surface_param(state: AppState, name: str, v) -> AppState:
    return replace(state, surface_params={**state.surface_params, name: v})


def _set_run(state: AppState, i: int, **changes) -> AppState:
    runs = list(state.runs)
    runs[i] = replace(runs[i], **changes)
    return replace(state, runs=tuple(runs))


def _clamp_t(state: AppState) -> AppState:
    if state.t is not None and state.t > state.steps:
        return replace(state, t=state.steps)
    return state


def apply_event(state: AppState, event: Any, value: Any) -> Edit:
    """The state after one control changed. `event` is the component id that fired.

    Values are checked as the URL's are: a bad number keeps the old value and
    says why, an out-of-range one is clamped. Unknown events change nothing.
    """
    if isinstance(event, dict):
        kind = event.get("type")
        if kind == "pv":
            return _edit_param(state, event["key"], value)
        i = event.get("run")
        if not isinstance(i, int) or not 0 <= i < len(state.runs):
            return Edit(state)
        if kind == "opt" and value in OPTIMIZERS and value != state.runs[i].optimizer:
            hp = default_hp(value, state.build_surface())
            return Edit(_set_run(state, i, optimizer=value, hp=hp), redraw={"runs"})
        if kind == "color" and isinstance(value, int) and value != state.runs[i].color:
            return Edit(_set_run(state, i, color=value), redraw={"runs"})
        if kind == "act":
            return _run_action(state, i, event.get("what"))
        return Edit(state)
    if event == ids.SURFACE and value in surfaces.SURFACES and value != state.surface:
        fields = surface_state(value)
        s = surfaces.get(value)
        runs = tuple(
            replace(r, hp={**r.hp, "lr": default_hp(r.optimizer, s)["lr"]}) for r in state.runs
        )
        return Edit(
            replace(state, **fields, runs=runs, t=None), redraw={"surface", "runs", "start"}
        )
    if event == ids.SCHEDULE and value in schedules.SCHEDULES and value != state.schedule:
        args = {p.name: p.default for p in schedules.PARAMS[value]}
        if "t_max" in args:  # the whole run, and a warmup that fits in it
            args["t_max"] = state.steps
            if "warmup_steps" in args:
                args["warmup_steps"] = min(args["warmup_steps"], max(1, state.steps // 10))
        return Edit(replace(state, schedule=value, schedule_args=args), redraw={"schedule"})
    if event == ids.THEME and (value in THEMES or isinstance(value, int)):
        if isinstance(value, int):  # the switch in the header: clicked
            value = "dark" if state.theme == "light" else "light"
        if value != state.theme:
            return Edit(replace(state, theme=value), redraw={"theme", "runs"})
    if event == ids.CLIP and value in CLIP_MODES and value != state.clip:
        return Edit(replace(state, clip=value), redraw={"clip"})
    if event == ids.ADD and len(state.runs) < MAX_RUNS:
        used = {r.optimizer for r in state.runs}
        name = next((n for n in ("adam", *OPTIMIZERS) if n not in used), "adam")
        run = new_run(name, state.build_surface(), tuple(r.color for r in state.runs))
        return Edit(replace(state, runs=(*state.runs, run)), redraw={"runs"})
    if event in (ids.START_X, ids.START_Y):
        axis = 0 if event == ids.START_X else 1
        return _edit_start(state, axis, value)
    if event == ids.CLICK and isinstance(value, list | tuple) and len(value) == 2:
        return _move_start(state, *_round_click(state, value), redraw={"start"})
    if event == ids.VIEW and isinstance(value, dict):
        return _edit_view(state, value)
    return Edit(state)


def _edit_param(state: AppState, key: str, raw: Any) -> Edit:
    try:
        p, old, store = param_for(state, key)
    except (KeyError, ValueError, IndexError):
        return Edit(state)
    value, notices = read_value(_url_key(key), raw, p, old)
    if value == old and not notices:
        return Edit(state)
    new = store(value)
    if key.startswith("schedule."):
        try:
            schedules.get(new.schedule, **new.schedule_args)
        except ValueError as err:
            return Edit(state, [f"{err}; kept the previous value."], redraw={"schedule"})
    redraw = {"runs"} if key.startswith("run.") and notices else set()
    if notices:
        redraw.add(_part_of(key))
    return Edit(_clamp_t(new), notices, redraw)


def _url_key(key: str) -> str:
    """The name a notice uses: the URL's key (run.0.lr is run1.lr in links)."""
    head, _, rest = key.partition(".")
    if head == "run":
        i, _, name = rest.partition(".")
        return f"run{int(i) + 1}.{name}"
    return key


def _part_of(key: str) -> str:
    head = key.partition(".")[0]
    return {"run": "runs", "surface": "surface", "schedule": "schedule", "clip_at": "clip"}.get(
        head, "training"
    )


def _run_action(state: AppState, i: int, what: Any) -> Edit:
    runs = list(state.runs)
    if what == "remove" and len(runs) > 1:
        del runs[i]
    elif what == "duplicate" and len(runs) < MAX_RUNS:
        taken = tuple(r.color for r in runs)
        color = new_run(runs[i].optimizer, state.build_surface(), taken).color
        runs.insert(i + 1, replace(runs[i], color=color, visible=True))
    elif what == "hide":
        runs[i] = replace(runs[i], visible=not runs[i].visible)
    else:
        return Edit(state)
    return Edit(replace(state, runs=tuple(runs)), redraw={"runs"})


def _edit_start(state: AppState, axis: int, raw: Any) -> Edit:
    b = state.build_surface().bound
    p = Param("xy"[axis], "xy"[axis], 0.0, b[2 * axis], b[2 * axis + 1])
    value, notices = read_value(f"start {'xy'[axis]}", raw, p, state.start[axis])
    start = list(state.start)
    start[axis] = value
    return _move_start(state, *start, notices=notices, redraw={"start"} if notices else ())


def _round_click(state: AppState, xy) -> tuple[float, float]:
    """A clicked point rounded to a thousandth of the view (a pixel is coarser than that)."""
    try:
        x, y = float(xy[0]), float(xy[1])
    except (TypeError, ValueError):
        return xy
    width = max(state.view[1] - state.view[0], state.view[3] - state.view[2])
    decimals = max(0, math.ceil(-math.log10(width / 1000)))
    return round(x, decimals), round(y, decimals)


def _move_start(state: AppState, x: Any, y: Any, notices=(), redraw=()) -> Edit:
    try:
        x, y = float(x), float(y)
    except (TypeError, ValueError):
        return Edit(state)
    if not (math.isfinite(x) and math.isfinite(y)):
        return Edit(state)
    b = state.build_surface().bound
    x, y = min(max(x, b[0]), b[1]), min(max(y, b[2]), b[3])
    if (x, y) == state.start:
        return Edit(state, notices, redraw)
    return Edit(replace(state, start=(x, y)), notices, redraw)


def _edit_view(state: AppState, relayout: dict) -> Edit:
    """Zoom and pan on the map set the view; a double-click (autorange) restores the surface's."""
    if relayout.get("xaxis.autorange") or (
        relayout.get("autosize") is not None and len(relayout) == 1
    ):
        if relayout.get("xaxis.autorange"):
            view = state.build_surface().view
            return Edit(replace(state, view=view)) if view != state.view else Edit(state)
        return Edit(state)
    keys = ("xaxis.range[0]", "xaxis.range[1]", "yaxis.range[0]", "yaxis.range[1]")
    x0, x1, y0, y1 = state.view
    try:
        if "xaxis.range[0]" in relayout:
            x0, x1 = float(relayout[keys[0]]), float(relayout[keys[1]])
        elif "xaxis.range" in relayout:  # Plotly.relayout's own spelling
            x0, x1 = (float(v) for v in relayout["xaxis.range"])
        if "yaxis.range[0]" in relayout:
            y0, y1 = float(relayout[keys[2]]), float(relayout[keys[3]])
        elif "yaxis.range" in relayout:
            y0, y1 = (float(v) for v in relayout["yaxis.range"])
    except (KeyError, TypeError, ValueError):
        return Edit(state)
    b = state.build_surface().bound
    view = (max(x0, b[0]), min(x1, b[1]), max(y0, b[2]), min(y1, b[3]))
    if not (view[0] < view[1] and view[2] < view[3]) or view == state.view:
        return Edit(state)
    return Edit(replace(state, view=view))


# --------------------------------------------------------------------------- diff
def patches(old: AppState | None, new: AppState) -> tuple[Any, Any, Any, list[RunResult]]:
    """(map, loss, paths, results) taking the page from `old` to `new`.

    Map and loss are figures or `Patch`es, paths is the ``paths`` store's data
    or a `Patch` of it. A new surface or theme (or no previous state) gives
    everything whole. Otherwise the contour is replaced only if the view
    changed, the start marker only if the start moved, and a run only if it (or
    something every run depends on) changed; runs added or removed are
    appended or deleted. A run's path goes to the paths store only: the browser
    draws runs over the map, whose figure holds no run at all.
    """
    results = compute_all(new)
    if old is None or (old.surface, old.surface_params, old.theme) != (
        new.surface,
        new.surface_params,
        new.theme,
    ):
        return (
            figures.map_figure(new, results, live=True),
            figures.loss_figure(new, results),
            figures.paths_data(new, results),
            results,
        )
    t = new.shown_step
    surface = new.build_surface()
    theme = figures.THEMES[new.theme]
    m, loss, paths = Patch(), Patch(), Patch()
    if old.view != new.view:
        m["data"][0] = figures.as_dicts([figures.contour_trace(surface, new.view, theme)])[0]
        m["layout"]["xaxis"]["range"] = list(new.view[:2])
        m["layout"]["yaxis"]["range"] = list(new.view[2:])
        m["layout"]["uirevision"] = f"{new.surface}:{new.view}"
    if old.start != new.start:
        m["data"][2]["x"] = [new.start[0]]
        m["data"][2]["y"] = [new.start[1]]
    if old.steps != new.steps:
        loss["layout"]["xaxis"]["range"] = figures.loss_xrange(new.steps)
        loss["layout"]["uirevision"] = f"{new.surface}:{new.steps}"
    everything = old.common_key() != new.common_key()
    n_old, n_new = len(old.runs), len(new.runs)
    if everything or old.runs != new.runs:  # the loss axis' labels follow the curves
        loss["layout"]["yaxis"]["dtick"] = figures.loss_dtick(surface, results)
    for i, (run, r) in enumerate(zip(new.runs, results, strict=True)):
        if i < n_old and not everything and old.runs[i] == run:
            continue
        curves = figures.as_dicts(figures.loss_run_traces(i, run, r, t, surface, theme))
        path = figures.path_data(run, r, theme)
        if i < n_old:
            for j, tr in enumerate(curves):
                loss["data"][2 * i + j] = tr
            paths["runs"][i] = path
        else:
            for tr in curves:
                loss["data"].append(tr)
            paths["runs"].append(path)
    for _ in range(2 * (n_old - n_new)):
        del loss["data"][2 * n_new]
    for _ in range(n_old - n_new):
        del paths["runs"][n_new]
    return m, loss, paths, results
