"""What an edit does: a pure reducer, state and event in, state out. No Dash, no Plotly.

`apply_event` takes one event (the id of the control that fired and its
value); `apply_events` takes a whole request: every control the page shows,
and the ones that fired. Each returns an `Edit`: the new state, notices for a
person, the parts of the page to redraw (derived from the field table: see
`state.changes`) and the text boxes whose text was not taken as it stands.

A text box is the source of its setting: every request carries every box, and
boxes that did not fire are applied first (a no-op when the box shows the
state's value). So an edit whose answer was dropped because a later request
overtook it still reaches the state with the next request: no edit is lost.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from gradscape.optimizers import OPTIMIZERS, schedules
from gradscape.surfaces import Param

from . import ids, race
from .state import (
    CLIP_MODES,
    CUSTOM,
    DEFAULT_EXPR,
    FIELDS,
    GENERATED,
    MAX_RUNS,
    MODES,
    PALETTE,
    RATE,
    SURFACE_CHOICES,
    THEMES,
    AppState,
    box,
    changes,
    default_hp,
    has_data,
    new_run,
    parts_of,
    read_value,
    run_value,
    surface_state,
    upload,
)

__all__ = ["CHOICE_ROWS", "Edit", "apply_event", "apply_events", "is_control"]

#: Rows of choices a menu ``{"type": "ctl", "name": KEY}`` sets as they stand (the
#: comparison's layout, the start map's metric, any new one). A surface, a schedule
#: or a lesson brings more with it: those have their own events.
CHOICE_ROWS = {
    f.key: f
    for f in FIELDS
    if isinstance(f.kind, Mapping) and f.attr not in ("surface", "schedule", "preset")
}


@dataclass
class Edit:
    """The outcome of events: the new state, notices, parts to redraw, boxes to rewrite.

    `typed` holds the addresses (see `state.changes`) whose new value came
    from their own text box as it stands: their box already shows it, so it
    is not redrawn. `corrected` holds the boxes whose text was clamped,
    refused or unreadable: they must show the state's value again.
    """

    state: AppState
    notices: list[str] = field(default_factory=list)
    redraw: set[str] = field(default_factory=set)
    typed: set[str] = field(default_factory=set)
    corrected: set[str] = field(default_factory=set)


def is_control(event: Any) -> bool:
    """Whether `event` is a control whose value is part of the state (a text box, a menu,
    a tab), as opposed to a click: such a control is read from every request."""
    if isinstance(event, dict):
        return event.get("type") in ("pv", "opt", "color", "ctl")
    return event in (ids.SURFACE, ids.SCHEDULE, ids.CLIP, ids.START_X, ids.START_Y, ids.MODE)


def _clicked(event: Any, value: Any) -> bool:
    """False for a button drawn anew (n_clicks None) rather than clicked."""
    button = event in (ids.ADD, ids.THEME) or (
        isinstance(event, dict) and event.get("type") in ("act", "btn")
    )
    return bool(value) or not button


def apply_events(
    state: AppState, fired: list[tuple[Any, Any]], controls: Iterable[tuple[Any, Any]] = ()
) -> Edit:
    """The state after one request: `controls` (every control the page shows, with its
    value) that did not fire, then the `fired` events in order.

    A control that shows the state's value changes nothing; one that shows
    another value holds an edit whose answer was dropped, and now applies.
    """
    fired_ids = [e for e, _ in fired]
    events = [(c, v) for c, v in controls if is_control(c) and c not in fired_ids]
    out = Edit(state)
    for event, value in [*events, *fired]:
        if not _clicked(event, value):
            continue
        e = apply_event(out.state, event, value)
        out.state = e.state
        out.notices += e.notices
        out.redraw |= e.redraw
        out.typed |= e.typed
        out.corrected |= e.corrected
    return out


def apply_event(state: AppState, event: Any, value: Any) -> Edit:
    """The state after one control changed. `event` is the component id that fired.

    A comparison's explicit rate range belongs to its run and surface: when
    either changes, the range goes back to a decade around the run's rate.
    The parts to redraw are those of every setting that changed (see
    `state.changes`), but for one typed into its own box as it stands.
    """
    try:
        e = _apply_event(state, event, value)
    except (TypeError, ValueError, KeyError, IndexError, AttributeError):
        return Edit(state)  # a value of a type no control sends: nothing changes
    new = e.state
    if new.rates is not None and (
        new.surface,
        new.expr,
        new.box,
        new.focus_run.optimizer,
    ) != (state.surface, state.expr, state.box, state.focus_run.optimizer):
        e.state = replace(new, rates=None)
    e.state = _keep_race_honest(state, e.state, event)
    if e.state is not state:
        for address, parts in changes(state, e.state).items():
            if address not in e.typed:
                e.redraw.update(parts)
    for address in e.corrected:
        e.redraw.update(parts_of(address))
    return e


def _keep_race_honest(old: AppState, new: AppState, event: Any) -> AppState:
    """Tuned runs stay tuned only while the race holds: a new objective or budget tunes
    them again; anything else the race depends on (a rate, a run, the surface, the start,
    the steps, the training) makes them untuned."""
    if not new.tuned or event == ids.button(ids.TUNE) or race.inputs(new) == race.inputs(old):
        return new
    if (new.objective, new.budget) != (old.objective, old.budget):
        return race.tune(new)
    return replace(new, tuned=False)


def _set_run(state: AppState, i: int, **changes_) -> AppState:
    runs = list(state.runs)
    runs[i] = replace(runs[i], **changes_)
    return replace(state, runs=tuple(runs))


def _clamp_t(state: AppState) -> AppState:
    if state.t is not None and state.t > state.steps:
        return replace(state, t=state.steps)
    return state


def _apply_event(state: AppState, event: Any, value: Any) -> Edit:
    """`apply_event` before its range check and redraw.

    Values are checked as the URL's are: a bad number keeps the old value and
    says why, an out-of-range one is clamped. Unknown events change nothing.
    """
    if isinstance(event, dict):
        kind = event.get("type")
        if kind == "pv":
            return _edit_param(state, event.get("key"), value)
        if kind == "ctl":
            return _edit_mode(state, event.get("name"), value)
        if kind == "btn" and event.get("name") == ids.TUNE:
            # the fair race: every visible run at its sweep's best rate
            tuned = race.tune(state)
            if tuned is state:
                return Edit(state, ["Every run is hidden: there is nothing to tune."])
            return Edit(tuned)
        if kind == "formula" and event.get("name") == ids.CSV and isinstance(value, str):
            return _edit_data(state, value)
        if kind == "formula" and state.surface == CUSTOM and isinstance(value, str):
            return _edit_formula(state, event.get("name"), value)
        i = event.get("run")
        if not isinstance(i, int) or not 0 <= i < len(state.runs):
            return Edit(state)
        if kind == "opt" and value in OPTIMIZERS and value != state.runs[i].optimizer:
            hp = default_hp(value, state.build_surface())
            return Edit(_set_run(state, i, optimizer=value, hp=hp))
        if kind == "color" and _is_int(value) and 0 <= value < len(PALETTE):
            if value == state.runs[i].color:
                return Edit(state)
            return Edit(_set_run(state, i, color=value))
        if kind == "act":
            return _run_action(state, i, event.get("what"))
        return Edit(state)
    if not isinstance(event, str):
        return Edit(state)
    if event == ids.SURFACE and _is_key(value, SURFACE_CHOICES) and value != state.surface:
        return _new_surface(state, surface_state(value, expr=state.expr or DEFAULT_EXPR))
    if event == ids.SCHEDULE and _is_key(value, schedules.SCHEDULES) and value != state.schedule:
        args = {p.name: p.default for p in schedules.PARAMS[value]}
        if "t_max" in args:  # the whole run, and a warmup that fits in it
            args["t_max"] = state.steps
            if "warmup_steps" in args:
                args["warmup_steps"] = min(args["warmup_steps"], max(1, state.steps // 10))
        return Edit(replace(state, schedule=value, schedule_args=args))
    if event == ids.THEME and (_is_key(value, THEMES) or _is_int(value)):
        if _is_int(value):  # the switch in the header: clicked
            value = "dark" if state.theme == "light" else "light"
        if value != state.theme:
            return Edit(replace(state, theme=value))
    if event == ids.CLIP and _is_key(value, CLIP_MODES) and value != state.clip:
        return Edit(replace(state, clip=value))
    if event == ids.ADD and len(state.runs) < MAX_RUNS:
        used = {r.optimizer for r in state.runs}
        name = next((n for n in ("adam", *OPTIMIZERS) if n not in used), "adam")
        run = new_run(name, state.build_surface(), tuple(r.color for r in state.runs))
        return Edit(replace(state, runs=(*state.runs, run)))
    if event in (ids.START_X, ids.START_Y):
        axis = 0 if event == ids.START_X else 1
        return _edit_start(state, axis, value)
    if event == ids.CLICK and isinstance(value, list | tuple) and len(value) == 2:
        return _move_start(state, *_round_click(state, value))
    if event == ids.VIEW and isinstance(value, dict):
        return _edit_view(state, value)
    return _edit_mode(state, event, value)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_key(value: Any, table: Any) -> bool:
    return isinstance(value, str) and value in table


def _edit_mode(state: AppState, event: Any, value: Any) -> Edit:
    """The views' own controls: the tabs, the focus run, layout, metric, inspector, clicks."""
    if event == ids.MODE and _is_key(value, MODES) and value != state.mode:
        return Edit(replace(state, mode=value))
    shown = min(state.focus, len(state.runs) - 1)
    if event == ids.FOCUS and _is_int(value) and 0 <= value < len(state.runs) and value != shown:
        return Edit(replace(state, focus=value, rates=None))
    if (f := CHOICE_ROWS.get(event)) and _is_key(value, f.kind) and value != getattr(state, f.attr):
        return Edit(replace(state, **{f.attr: value}))  # a row of choices, by its URL key
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
        moved = _move_start(state, *_round_click(state, (x, y)))
        return Edit(replace(moved.state, mode="paths", t=None), moved.notices)
    return Edit(state)


def _pick_rate(state: AppState, click: dict) -> Edit:
    """Clicking a sensitivity curve sets that run's learning rate (to 3 significant digits)."""
    try:
        i, lr = click["points"][0]["customdata"][:2]
        i, lr = int(i), float(f"{float(lr):.3g}")
    except (KeyError, IndexError, TypeError, ValueError):
        return Edit(state)
    if not (0 <= i < len(state.runs) and RATE.min <= lr <= RATE.max):
        return Edit(state)
    run = state.runs[i]
    if run.hp["lr"] == lr:
        return Edit(state)
    return Edit(_set_run(state, i, hp={**run.hp, "lr": lr}))


def _new_surface(state: AppState, fields: dict, notices=()) -> Edit:
    """Another surface: its start and view, and every run at the rate it suggests.

    The lesson's text (if any) no longer describes the page, so it goes too.
    """
    new = replace(state, **fields, t=None, preset="")
    s = new.build_surface()
    keep = has_data(new)  # a batch size means something on a data surface only
    runs = tuple(
        replace(
            r,
            hp={**r.hp, "lr": default_hp(r.optimizer, s)["lr"]},
            batch=r.batch if keep else None,
        )
        for r in state.runs
    )
    return Edit(replace(new, runs=runs), list(notices))


def _edit_formula(state: AppState, event: Any, text: str) -> Edit:
    """A typed formula or box: a new custom surface, or a notice naming what is wrong."""
    expr, box_ = state.expr, state.box
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
                corrected={"box"},
            )
        if values == state.build_surface().view:
            return Edit(state)  # the box the surface has (the field's own value, redrawn)
        box_ = values
    try:
        fields = surface_state(CUSTOM, expr=expr, box=box_)
    except ValueError as err:
        return Edit(state, [f"f(x, y) = {text.strip()[:60]!r}: {err}"])
    if (fields["expr"], fields["box"]) == (state.expr, state.box):
        return Edit(state)
    return _new_surface(state, fields)


def _edit_data(state: AppState, text: str) -> Edit:
    """Your CSV on the data surface (a notice naming the row and problem if it is not
    two numeric columns: the surface stays), or `GENERATED`: the generated data again."""
    if not has_data(state):
        return Edit(state)
    if text == GENERATED:
        if not state.data:
            return Edit(state)
        return _new_surface(state, surface_state(state.surface, state.surface_params))
    fields, notices = upload(state, text)
    if fields is None or fields["data"] == state.data:
        return Edit(state, notices)
    return _new_surface(state, fields, notices)


def _edit_param(state: AppState, key: Any, raw: Any) -> Edit:
    """A number typed (or slid) into the text box `key`."""
    b = box(state, key)
    if b is None:
        return Edit(state)
    value, notices = read_value(_url_key(key), raw, b.param, b.value)
    corrected = {key} if notices else set()
    if value == b.value:
        return Edit(state, notices, corrected=corrected)
    if b.run is not None and b.field.attr != "hp":  # a run's own number (its batch size)
        new = _set_run(state, b.run, **{b.field.attr: run_value(state, b.field, value)})
    elif b.run is not None:
        run = state.runs[b.run]
        new = _set_run(state, b.run, hp={**run.hp, b.name: value})
    elif b.field.attr == "rates":
        new = _set_rates(state, int(b.name == "hi"), value)
    elif b.name:
        new = replace(state, **{b.field.attr: {**getattr(state, b.field.attr), b.name: value}})
    else:
        new = replace(state, **{b.field.attr: value})
    if b.field.attr == "schedule_args":
        try:
            schedules.get(new.schedule, **new.schedule_args)
        except ValueError as err:
            return Edit(state, [f"{err}; kept the previous value."], corrected={key})
    return Edit(_clamp_t(new), notices, typed={key} - corrected, corrected=corrected)


def _set_rates(state: AppState, j: int, v: float) -> AppState:
    rates = list(state.rate_range())
    rates[j] = v
    if rates[0] >= rates[1]:  # keep low < high: move the other end a decade away
        rates[1 - j] = v * 10 if j == 0 else v / 10
        rates = [max(rates[0], RATE.min), min(rates[1], RATE.max)]
    return replace(state, rates=(rates[0], rates[1]))


def _url_key(key: str) -> str:
    """The name a notice uses: the URL's key (run.0.lr is run1.lr in links)."""
    head, _, rest = key.partition(".")
    if head == "run":
        i, _, name = rest.partition(".")
        return f"run{int(i) + 1}.{name}"
    return key


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
    return Edit(replace(state, runs=tuple(runs), focus=focus))


def _edit_start(state: AppState, axis: int, raw: Any) -> Edit:
    """A coordinate typed into the start's x or y box."""
    b = state.build_surface().bound
    p = Param("xy"[axis], "xy"[axis], 0.0, b[2 * axis], b[2 * axis + 1])
    value, notices = read_value(f"start {'xy'[axis]}", raw, p, state.start[axis])
    start = list(state.start)
    start[axis] = value
    e = _move_start(state, *start, notices=notices)
    if notices:
        e.corrected.add("start")
    else:
        e.typed.add("start")
    return e


def _round_click(state: AppState, xy) -> tuple[float, float]:
    """A clicked point rounded to a thousandth of the view (a pixel is coarser than that)."""
    try:
        x, y = float(xy[0]), float(xy[1])
    except (TypeError, ValueError):
        return xy
    if not (math.isfinite(x) and math.isfinite(y)):
        return x, y
    width = max(state.view[1] - state.view[0], state.view[3] - state.view[2])
    decimals = max(0, math.ceil(-math.log10(width / 1000)))
    return round(x, decimals), round(y, decimals)


def _move_start(state: AppState, x: Any, y: Any, notices=()) -> Edit:
    try:
        x, y = float(x), float(y)
    except (TypeError, ValueError):
        return Edit(state)
    if not (math.isfinite(x) and math.isfinite(y)):
        return Edit(state)
    b = state.build_surface().bound
    x, y = min(max(x, b[0]), b[1]), min(max(y, b[2]), b[3])
    if (x, y) == state.start:
        return Edit(state, list(notices))
    return Edit(replace(state, start=(x, y)), list(notices))


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
