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

import plotly.graph_objects as go
from dash import Patch, no_update

import surfaces
from optimizers import OPTIMIZERS, schedules
from surfaces import Param

from . import figures, ids, inspector, views
from .compute import RunResult, compute_all
from .state import (
    CLIP_AT,
    CLIP_MODES,
    CUSTOM,
    DEFAULT_EXPR,
    GRID,
    LAYOUTS,
    MAX_RUNS,
    METRICS,
    MODES,
    NOISE,
    RATES_K,
    SEED,
    STEPS,
    SURFACE_CHOICES,
    THEMES,
    AppState,
    default_hp,
    new_run,
    read_value,
    serialize,
    surface_state,
)

__all__ = ["PARTS", "Edit", "Page", "apply_event", "page", "param_for", "patches", "startmap_query"]

#: Side-panel parts an edit may need redrawn.
PARTS = ("surface", "runs", "schedule", "clip", "start", "view")
_RATE = OPTIMIZERS["sgd"].param_map["lr"]


class Edit:
    """The outcome of one event: the new state, notices, and parts of the panel to redraw."""

    __slots__ = ("notices", "redraw", "state")

    def __init__(self, state: AppState, notices=(), redraw=()) -> None:
        self.state, self.notices, self.redraw = state, list(notices), set(redraw)


def param_for(state: AppState, key: str):
    """The registry Param behind a text-box key, and how to store a value under it."""
    head, _, rest = key.partition(".")
    if head == "surface":
        entry = surfaces.SURFACES[state.surface]  # (a custom surface has no parameters)
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
    if head == "rates":
        lo, hi = state.rate_range()
        j = ("lo", "hi").index(rest)
        p = replace(_RATE, name=f"rates.{rest}", label="Lowest rate" if j == 0 else "Highest rate")
        return p, (lo, hi)[j], lambda v: _set_rates(state, j, v)
    p = {
        "steps": STEPS,
        "noise": NOISE,
        "seed": SEED,
        "clip_at": CLIP_AT,
        "k": RATES_K,
        "grid": GRID,
    }[head]
    return p, getattr(state, head), lambda v: replace(state, **{head: v})


def _set_rates(state: AppState, j: int, v: float) -> AppState:
    rates = list(state.rate_range())
    rates[j] = v
    if rates[0] >= rates[1]:  # keep low < high: move the other end a decade away
        rates[1 - j] = v * 10 if j == 0 else v / 10
        rates = [max(rates[0], _RATE.min), min(rates[1], _RATE.max)]
    return replace(state, rates=(rates[0], rates[1]))


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

    A comparison's explicit rate range belongs to its run and surface: when
    either changes, the range goes back to a decade around the run's rate.
    """
    e = _apply_event(state, event, value)
    new = e.state
    if new.rates is not None and (
        new.surface,
        new.expr,
        new.box,
        new.focus_run.optimizer,
    ) != (state.surface, state.expr, state.box, state.focus_run.optimizer):
        e.state = replace(new, rates=None)
        e.redraw.add("view")
    return e


def _apply_event(state: AppState, event: Any, value: Any) -> Edit:
    """`apply_event` before its range check.

    Values are checked as the URL's are: a bad number keeps the old value and
    says why, an out-of-range one is clamped. Unknown events change nothing.
    """
    if isinstance(event, dict):
        kind = event.get("type")
        if kind == "pv":
            return _edit_param(state, event["key"], value)
        if kind == "ctl":
            return _edit_mode(state, event.get("name"), value)
        if kind == "formula" and state.surface == CUSTOM and isinstance(value, str):
            return _edit_formula(state, event.get("name"), value)
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
    if event == ids.SURFACE and value in SURFACE_CHOICES and value != state.surface:
        return _new_surface(state, surface_state(value, expr=state.expr or DEFAULT_EXPR))
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
    return _edit_mode(state, event, value)


def _edit_mode(state: AppState, event: Any, value: Any) -> Edit:
    """The views' own controls: the tabs, the focus run, layout, metric, inspector, clicks."""
    if event == ids.MODE and value in MODES and value != state.mode:
        return Edit(replace(state, mode=value), redraw={"view"})
    if (
        event == ids.FOCUS
        and isinstance(value, int)
        and 0 <= value < len(state.runs)
        and value != state.focus
    ):
        return Edit(replace(state, focus=value, rates=None), redraw={"view"})
    if event == ids.LAYOUT and value in LAYOUTS and value != state.layout:
        return Edit(replace(state, layout=value))
    if event == ids.METRIC and value in METRICS and value != state.metric:
        return Edit(replace(state, metric=value))
    if event == ids.INSPECT and isinstance(value, list) and bool(value) != state.inspect:
        return Edit(replace(state, inspect=bool(value)))
    if event == ids.FIGURE and isinstance(value, dict):  # a point on a sensitivity curve
        return _pick_rate(state, value)
    if event == ids.STARTMAP and isinstance(value, dict):  # a cell of the start map
        try:
            point = value["points"][0]
            x, y = float(point["x"]), float(point["y"])
        except (KeyError, IndexError, TypeError, ValueError):
            return Edit(state)
        moved = _move_start(state, *_round_click(state, (x, y)), redraw={"start", "view"})
        return Edit(replace(moved.state, mode="paths", t=None), moved.notices, moved.redraw)
    return Edit(state)


def _pick_rate(state: AppState, click: dict) -> Edit:
    """Clicking a sensitivity curve sets that run's learning rate (to 3 significant digits)."""
    try:
        i, lr = click["points"][0]["customdata"][:2]
        i, lr = int(i), float(f"{float(lr):.3g}")
    except (KeyError, IndexError, TypeError, ValueError):
        return Edit(state)
    if not (0 <= i < len(state.runs) and _RATE.min <= lr <= _RATE.max):
        return Edit(state)
    run = state.runs[i]
    if run.hp["lr"] == lr:
        return Edit(state)
    return Edit(_set_run(state, i, hp={**run.hp, "lr": lr}), redraw={"runs"})


def _new_surface(state: AppState, fields: dict, notices=()) -> Edit:
    """Another surface: its start and view, and every run at the rate it suggests.

    The lesson's text (if any) no longer describes the page, so it goes too.
    """
    new = replace(state, **fields, t=None, preset="")
    s = new.build_surface()
    runs = tuple(
        replace(r, hp={**r.hp, "lr": default_hp(r.optimizer, s)["lr"]}) for r in state.runs
    )
    return Edit(replace(new, runs=runs), notices, redraw={"surface", "runs", "start"})


def _edit_formula(state: AppState, event: str, text: str) -> Edit:
    """A typed formula or box: a new custom surface, or a notice naming what is wrong."""
    expr, box = state.expr, state.box
    if event == ids.EXPR:
        expr = text
    else:
        try:
            values = tuple(float(v) for v in text.replace(" ", "").split(","))
        except ValueError:
            values = ()
        ok = len(values) == 4 and all(map(math.isfinite, values))
        if not ok or not (values[0] < values[1] and values[2] < values[3]):
            return Edit(
                state,
                [f"box {text!r}: write xmin, xmax, ymin, ymax (xmin < xmax, ymin < ymax)."],
                redraw={"surface"},
            )
        if values == state.build_surface().view:
            return Edit(state)  # the box the surface has (the field's own value, redrawn)
        box = values
    try:
        fields = surface_state(CUSTOM, expr=expr, box=box)
    except ValueError as err:
        return Edit(state, [f"f(x, y) = {text.strip()[:60]!r}: {err}"])
    if (fields["expr"], fields["box"]) == (state.expr, state.box):
        return Edit(state)
    return _new_surface(state, fields)


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
    parts = {"run": "runs", "surface": "surface", "schedule": "schedule", "clip_at": "clip"}
    return {**parts, "rates": "view", "k": "view", "grid": "view"}.get(head, "training")


def _run_action(state: AppState, i: int, what: Any) -> Edit:
    runs = list(state.runs)
    focus = state.focus
    if what == "remove" and len(runs) > 1:
        del runs[i]
        focus = focus - 1 if i < focus or focus >= len(runs) else focus
    elif what == "duplicate" and len(runs) < MAX_RUNS:
        taken = tuple(r.color for r in runs)
        color = new_run(runs[i].optimizer, state.build_surface(), taken).color
        runs.insert(i + 1, replace(runs[i], color=color, visible=True))
        focus = focus + 1 if i < focus else focus
    elif what == "hide":
        runs[i] = replace(runs[i], visible=not runs[i].visible)
    else:
        return Edit(state)
    return Edit(replace(state, runs=tuple(runs), focus=focus), redraw={"runs", "view"})


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
    if old is None or (old.surface, old.surface_params, old.expr, old.box, old.theme) != (
        new.surface,
        new.surface_params,
        new.expr,
        new.box,
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


# --------------------------------------------------------------------------- views
class Page:
    """What the main area shows for a state: the figures, the paths store and the table's rows.

    `table` is the (state, results, palette) the summary is drawn from: the
    runs, or in compare mode one row per rate. `figure` is the sensitivity or
    3D figure (None: leave it), `startmap` the start map's request (None: leave it).
    """

    __slots__ = ("figure", "loss", "map", "paths", "running", "startmap", "table")

    def __init__(self, map, loss, paths, table, figure=None, startmap=None) -> None:
        self.map, self.loss, self.paths, self.table = map, loss, paths, table
        self.figure, self.startmap = figure, startmap
        #: whether a start-map job for an older request may still be running
        self.running = False


def startmap_query(state: AppState) -> str:
    """The query a start map depends on: the focus run alone, in start-map mode, no step."""
    run = replace(state.focus_run, color=0, visible=True)  # neither changes the map
    start = state.build_surface().start  # the map has every start but this one
    return serialize(
        replace(state, runs=(run,), focus=0, t=None, rates=None, inspect=False, start=start)
    )


def page(old: AppState | None, new: AppState) -> Page:
    """The main area for `new`, as `Patch`es from `old` where that is cheaper.

    Paths (and the hidden map behind the sensitivity, start-map and 3D views)
    go through `patches`. The comparison is drawn whole: its runs are the
    rates. The sensitivity and 3D figures are drawn whenever their view is
    shown and something changed; the start map gets a new request only when
    what it depends on changed.
    """
    compare = new.mode == "compare"
    was = old is not None and old.mode == "compare"
    if compare:
        sw = views.sweep(new)
        cstate, theme = views.compare_state(new, sw)
        page_ = Page(
            _compare_map(old if was else None, new, cstate, sw, theme),
            figures.loss_figure(cstate, sw.results, theme=theme),
            views.compare_paths(cstate, sw, theme),
            (cstate, sw.results, theme.palette),
        )
        results = None
    else:
        m, loss, paths, results = patches(None if was else old, new)
        page_ = Page(m, loss, paths, (new, results, figures.THEMES[new.theme].palette))
    inspecting = new.inspect and not compare
    if inspecting and (isinstance(page_.paths, dict) or _inspected(old) != _inspected(new)):
        page_.paths = _with_inspector(new, page_.paths)
    elif not inspecting and not isinstance(page_.paths, dict) and _inspected(old) is not None:
        del page_.paths["inspect"]
    fresh = old is None or old.mode != new.mode or old != new
    if new.mode == "sensitivity" and fresh:
        page_.figure = views.sensitivity_figure(new, views.sensitivity(new))
    elif new.mode == "3d" and fresh:
        page_.figure = views.surface3d_figure(new, results or compute_all(new))
    if new.lesson:
        for name in ("map", "loss", "figure"):
            fig = getattr(page_, name)
            if isinstance(fig, go.Figure):
                setattr(page_, name, figures.enlarge(fig))
    if new.mode == "starts":
        query = startmap_query(new)
        if old is None or old.mode != "starts" or startmap_query(old) != query:
            page_.startmap = query
            page_.running = old is not None and old.mode == "starts"
    return page_


def _frame(state: AppState) -> tuple:
    """What the comparison's panels (contours, minima, start) depend on."""
    return (
        state.surface,
        tuple(state.surface_params.items()),
        state.expr,
        state.box,
        state.view,
        state.theme,
        state.start,
        state.k,
        state.layout,
        state.lesson,
    )


def _compare_map(old: AppState | None, new: AppState, cstate, sw, theme) -> Any:
    """The comparison's map: whole when its panels change, else only the titles if they do.

    Another hyperparameter of the focus run changes paths (in the paths store)
    and perhaps the panel titles (a rate that now diverges), never the K
    contours, which Plotly would otherwise recompute (~100 ms each here).
    """
    fig = views.compare_figure(cstate, sw, theme)
    if old is None or _frame(old) != _frame(new):
        return fig
    old_sw = views.sweep(old)
    if views.panel_titles(old_sw) == views.panel_titles(sw):
        return no_update
    if new.lesson:
        fig = figures.enlarge(fig)
    m = Patch()
    m["layout"]["annotations"] = [a.to_plotly_json() for a in fig.layout.annotations]
    return m


def _inspected(state: AppState | None) -> tuple | None:
    """What the inspector's data depends on (None when it is off)."""
    if state is None or not state.inspect or state.mode == "compare":
        return None
    return (state.common_key(), state.focus_run.key(), state.focus)


def _with_inspector(state: AppState, paths: Any) -> Any:
    """The paths store with the focus run's gradients, moments and effective rates added."""
    data = inspector.record(state)
    if isinstance(paths, dict):
        paths = {**paths, "inspect": data}
    else:
        paths["inspect"] = data
    return paths
