"""The app's whole state, and its round trip through the URL query string.

`AppState` is the single source of truth: the surface and its parameters, the
runs (an optimizer with its hyperparameters, a colour and a visibility), the
start point, steps, schedule, clipping, noise, seed, the view box and the
current step. Views render from it and never edit it.

As in TensorFlow Playground's ``state.ts``, one table drives both directions:
`serialize` writes each field under its key, `parse` reads the same keys back.
Parsing is tolerant. Unknown keys are ignored, a number outside its range is
clamped, and a value that cannot be read falls back to its default. Each of
these is reported in a notice a person can act on, and no input raises.

Keys (a value equal to its default is left out, except each run's optimizer
and learning rate, which are always written)::

    surface=quadratic  surface.condition=100  surface.angle=30
    run1=adam  run1.lr=0.1  run1.beta1=0.9  run1.color=2  run1.hide=1   (run1 … run8)
    start=-1.5,2  steps=500  schedule=cosine  schedule.t_max=500
    clip=norm  clip_at=1  noise=0.5  seed=3  view=-2,2,-1,3  theme=dark  t=120
    mode=compare  focus=2  rates=0.001,0.1  k=6  layout=overlay  grid=200  metric=basin
    inspect=1

`mode` picks the view: paths over the contour (the default), a learning-rate
comparison of the focus run (small multiples or an overlay of `k` rates spread
log-evenly over `rates`), the sensitivity curves of every run, a start-point
map of the focus run (`grid`² starts, coloured by `metric`) or the surface in
3D. `inspect=1` shows the focus run's gradient, step and moment at the current
step.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, urlencode

import numpy as np

import optimizers
import surfaces
from optimizers import OPTIMIZERS, schedules
from surfaces import Param, Surface

from . import presets

__all__ = [
    "CLIP_AT",
    "CLIP_MODES",
    "CUSTOM",
    "GRID",
    "LAYOUTS",
    "MAX_RUNS",
    "METRICS",
    "MODES",
    "NOISE",
    "PALETTE",
    "RATES_K",
    "SEED",
    "STEPS",
    "SURFACE_CHOICES",
    "AppState",
    "Run",
    "default_state",
    "new_run",
    "parse",
    "serialize",
]

#: At most this many runs are drawn at once.
MAX_RUNS = 8

#: Run colours: Okabe & Ito's colour-blind-safe palette (yellow swapped for a
#: darker gold so it reads on the light contour), then Tol's purple and a grey-black.
PALETTE: tuple[str, ...] = (
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#882255",  # wine
    "#333333",  # near black
)
#: The same hues, lighter, for the dark theme (the near black becomes a light grey).
PALETTE_DARK: tuple[str, ...] = (
    "#3d9be0",
    "#ff7a33",
    "#2bc48f",
    "#e494c2",
    "#f5b83d",
    "#8fd3ff",
    "#d4508f",
    "#d5d9de",
)
PALETTE_NAMES: tuple[str, ...] = (
    "Blue",
    "Vermillion",
    "Green",
    "Pink",
    "Orange",
    "Sky",
    "Wine",
    "Black",
)

STEPS = Param(
    "steps", "Steps", 500, 10, 5000, log=True, step=0.01, kind="int", help="Number of updates."
)
NOISE = Param(
    "noise",
    "Gradient noise",
    0.0,
    0.0,
    100.0,
    step=0.01,
    symbol="σ",
    help="Standard deviation of Gaussian noise added to every gradient.",
)
SEED = Param("seed", "Seed", 0, 0, 2**31 - 1, kind="int", step=1, help="Seeds the noise.")
CLIP_AT = Param(
    "clip_at",
    "Clip threshold",
    1.0,
    1e-3,
    1e3,
    log=True,
    step=0.01,
    symbol="c",
    help="Largest gradient norm (or coordinate) let through.",
)
#: Colour themes (the figures' colours for each live in app.figures.THEMES).
THEMES: dict[str, str] = {"light": "Light", "dark": "Dark"}
#: The views (`mode`): label shown on its tab.
MODES: dict[str, str] = {
    "paths": "Paths",
    "compare": "Compare rates",
    "sensitivity": "Sensitivity",
    "starts": "Start map",
    "3d": "3D",
}
#: Compare mode: one panel per rate, or every rate on one map.
LAYOUTS: dict[str, str] = {"grid": "Small multiples", "overlay": "Overlay"}
#: Start map: what each start's cell shows.
METRICS: dict[str, str] = {
    "loss": "Final loss",
    "steps": "Steps to arrive",
    "basin": "Minimum reached",
}
RATES_K = Param("k", "Rates", 6, 2, 12, kind="int", step=1, help="How many learning rates.")
GRID = Param(
    "grid",
    "Grid",
    100,
    10,
    300,
    kind="int",
    step=10,
    symbol="G",
    help="Starts per side: G×G starting points over the view.",
)
#: Gradient clipping: off, by global norm (torch's clip_grad_norm_) or by value.
CLIP_MODES: dict[str, str] = {"off": "Off", "norm": "By norm", "value": "By value"}

DEFAULT_SURFACE = "rosenbrock"
#: The surface typed as a formula (`expr`), over the box `box` (default −3…3 both ways).
CUSTOM = "custom"
DEFAULT_EXPR = "x**2 + 3*sin(y)"
#: What the surface menu offers: every registered surface, then a typed formula.
SURFACE_CHOICES: dict[str, str] = {
    **{name: entry.label for name, entry in surfaces.SURFACES.items()},
    CUSTOM: "Custom formula…",
}
DEFAULT_RUNS = ("sgd", "momentum", "adam")
_MAX_QUERY = 16_384


@dataclass(frozen=True)
class Run:
    """One optimizer on the map: every hyperparameter set, a palette colour, shown or not."""

    optimizer: str
    hp: Mapping[str, float | int | bool]
    color: int = 0
    visible: bool = True

    def key(self) -> tuple:
        """What its trajectory depends on (colour and visibility do not)."""
        return (self.optimizer, tuple(self.hp.items()))


@dataclass(frozen=True)
class AppState:
    """Everything a person sees, and nothing else (see the module docstring)."""

    surface: str = DEFAULT_SURFACE
    surface_params: Mapping[str, float] = field(default_factory=dict)
    runs: tuple[Run, ...] = ()
    start: tuple[float, float] = (0.0, 0.0)
    steps: int = 500
    schedule: str = "constant"
    schedule_args: Mapping[str, float | int] = field(default_factory=dict)
    clip: str = "off"
    clip_at: float = 1.0
    noise: float = 0.0
    seed: int = 0
    view: tuple[float, float, float, float] = (0.0, 1.0, 0.0, 1.0)
    #: The step shown; None means "not chosen": the page plays from 0 to the end.
    t: int | None = None
    theme: str = "light"
    mode: str = "paths"
    #: The run the comparison, the start map and the inspector are about (an index).
    focus: int = 0
    #: Compare mode: the learning-rate range; None means a decade either side of the run's.
    rates: tuple[float, float] | None = None
    k: int = 6
    layout: str = "grid"
    grid: int = 100
    metric: str = "loss"
    inspect: bool = False
    #: The formula of a custom surface (canonical text), and its box (None: the default).
    expr: str = ""
    box: tuple[float, float, float, float] | None = None
    #: The lesson this state came from (its text is shown beside the plot), or "".
    preset: str = ""
    #: Lesson mode: no controls, large type, the update rules shown (for projecting).
    lesson: bool = False

    def build_surface(self) -> Surface:
        if self.surface == CUSTOM:
            return custom_surface(self.expr, self.box)
        return surfaces.get(self.surface, **self.surface_params)

    @property
    def focus_run(self) -> Run:
        return self.runs[min(self.focus, len(self.runs) - 1)]

    def rate_range(self) -> tuple[float, float]:
        """Compare mode's learning-rate range (explicit, or a decade around the focus run's)."""
        if self.rates is not None:
            return self.rates
        lr = float(self.focus_run.hp["lr"])
        p = OPTIMIZERS[self.focus_run.optimizer].param_map["lr"]
        return max(lr / 10, p.min), min(lr * 10, p.max)

    @property
    def shown_step(self) -> int:
        return self.steps if self.t is None else self.t

    def common_key(self) -> tuple:
        """What every run's trajectory depends on besides its own optimizer."""
        return (
            self.surface,
            tuple(self.surface_params.items()),
            self.expr,
            self.box,
            self.start,
            self.steps,
            self.schedule,
            tuple(self.schedule_args.items()),
            self.clip,
            self.clip_at if self.clip != "off" else None,
            self.noise,
            self.seed if self.noise else None,
        )


# --------------------------------------------------------------------------- defaults
def _defaults(params: tuple[Param, ...]) -> dict[str, Any]:
    return {p.name: (bool(p.default) if p.kind == "bool" else p.default) for p in params}


def default_hp(optimizer: str, surface: Surface) -> dict[str, Any]:
    """The registry's defaults, with the surface's suggested learning rate."""
    spec = OPTIMIZERS[optimizer]
    hp = _defaults(spec.params)
    hp["lr"] = surface.suggested_lr(optimizer) or spec.default_lr
    return hp


def new_run(optimizer: str, surface: Surface, taken: tuple[int, ...] = ()) -> Run:
    """A run with default hyperparameters and the first palette colour not in `taken`."""
    free = [c for c in range(len(PALETTE)) if c not in taken]
    return Run(optimizer, default_hp(optimizer, surface), free[0] if free else len(taken) % 8)


@lru_cache(maxsize=64)
def custom_surface(expr: str, box: tuple[float, float, float, float] | None = None) -> Surface:
    """The surface of a typed formula (cached: finding its minima takes a few ms).

    Its suggested learning rates are tuned on first use (`TunedRates`), as the
    built-in surfaces' were. Raises ValueError, naming the problem and its
    column, for a formula that is not allowed (see `surfaces.from_expression`).
    """
    s = surfaces.from_expression(expr, view=box)
    return replace(s, lr=TunedRates(s))


class TunedRates(Mapping):
    """A typed surface's suggested learning rate per optimizer, tuned when first asked.

    Torch's defaults (1e-3 for SGD and Adam) barely move on most typed formulas
    in 500 steps, so a new formula would look broken. Instead, one vectorized
    call runs 26 rates (1e-4 … 10, five per decade) from the surface's start and
    the rate is the gentlest that makes 99 % of the best rate's progress (from
    the loss at the start), among those that do not diverge: the path is then
    instructive rather than a jump. Deterministic, so a link reproduces it.
    """

    RATES = tuple(float(f"{v:.2g}") for v in np.logspace(-4, 1, 26))
    STEPS = 500

    def __init__(self, surface: Surface) -> None:
        self._surface = surface
        self._tuned: dict[str, float] = {}

    def __getitem__(self, optimizer: str) -> float:
        if optimizer not in OPTIMIZERS:
            raise KeyError(optimizer)
        if optimizer not in self._tuned:
            self._tuned[optimizer] = self._tune(optimizer)
        return self._tuned[optimizer]

    def __iter__(self):
        return iter(OPTIMIZERS)

    def __len__(self) -> int:
        return len(OPTIMIZERS)

    def _tune(self, optimizer: str) -> float:
        rates = np.array(self.RATES)
        start = np.tile(np.asarray(self._surface.start, dtype=np.float64), (rates.size, 1))
        fin = optimizers.run_final(self._surface, optimizer, start, self.STEPS, lr=rates)
        ok = (fin.diverged_at < 0) & np.isfinite(fin.loss)
        if not ok.any():
            return float(rates[0])
        s = self._surface
        loss = np.where(ok, fin.loss, np.inf)
        first = float(s.value(*s.start))
        if s.levels == "log":  # progress in decades of f − f*, as the contour shows it
            floor = s.min_value if s.min_value is not None else float(loss.min())
            delta = 1e-9 * max(first - floor, 1e-300)
            with np.errstate(all="ignore"):
                loss = np.log10(np.maximum(loss - floor, 0.0) + delta)
            first = float(np.log10(max(first - floor, 0.0) + delta))
        best = float(loss.min())
        good = ok & (loss <= best + 0.01 * max(first - best, 0.0))
        return float(rates[np.argmax(good)])


def surface_state(
    name: str,
    params: Mapping[str, float] | None = None,
    *,
    expr: str = DEFAULT_EXPR,
    box: tuple[float, float, float, float] | None = None,
) -> dict[str, Any]:
    """The fields that follow from choosing a surface: parameters, start and view.

    For the custom surface, `expr` and `box` say which (ValueError if `expr`
    is not allowed); the formula is kept in its canonical spelling.
    """
    if name == CUSTOM:
        text = surfaces.canonical(expr)
        s = custom_surface(text, box)
        return {
            "surface": CUSTOM,
            "surface_params": {},
            "expr": text,
            "box": box,
            "start": s.start,
            "view": s.view,
        }
    entry = surfaces.SURFACES[name]
    values = {**_defaults(entry.params), **(params or {})}
    s = entry.build(**values)
    return {
        "surface": name,
        "surface_params": values,
        "expr": "",
        "box": None,
        "start": s.start,
        "view": s.view,
    }


def default_runs(surface: Surface) -> tuple[Run, ...]:
    """SGD, Momentum and Adam at the surface's suggested rates."""
    runs: list[Run] = []
    for name in DEFAULT_RUNS:
        runs.append(new_run(name, surface, tuple(r.color for r in runs)))
    return tuple(runs)


def default_state(surface: str = DEFAULT_SURFACE) -> AppState:
    """What a first visit shows: a few optimizers racing on Rosenbrock's valley."""
    fields = surface_state(surface)
    state = AppState(**fields)
    return replace(state, runs=default_runs(state.build_surface()))


# --------------------------------------------------------------------------- serialize
def fmt_number(v: float | int | bool) -> str:
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, int) or (float(v).is_integer() and abs(v) < 1e15):
        return str(int(v))
    return repr(float(v))


def serialize(state: AppState, *, with_step: bool = True) -> str:
    """The query string (without '?') that `parse` turns back into `state`."""
    q: list[tuple[str, str]] = [("surface", state.surface)]
    if state.surface == CUSTOM:
        q.append(("expr", state.expr))
        if state.box is not None:
            q.append(("box", ",".join(fmt_number(v) for v in state.box)))
    else:
        for p in surfaces.SURFACES[state.surface].params:
            if state.surface_params[p.name] != p.default:
                q.append((f"surface.{p.name}", fmt_number(state.surface_params[p.name])))
    for i, run in enumerate(state.runs, 1):
        q.append((f"run{i}", run.optimizer))
        for p in OPTIMIZERS[run.optimizer].params:
            if p.name == "lr" or run.hp[p.name] != p.default:
                q.append((f"run{i}.{p.name}", fmt_number(run.hp[p.name])))
        q.append((f"run{i}.color", str(run.color)))
        if not run.visible:
            q.append((f"run{i}.hide", "1"))
    q.append(("start", ",".join(fmt_number(v) for v in state.start)))
    q.append(("steps", str(state.steps)))
    if state.schedule != "constant":
        q.append(("schedule", state.schedule))
        for p in schedules.PARAMS[state.schedule]:
            if state.schedule_args[p.name] != p.default:
                q.append((f"schedule.{p.name}", fmt_number(state.schedule_args[p.name])))
    if state.clip != "off":
        q.append(("clip", state.clip))
        q.append(("clip_at", fmt_number(state.clip_at)))
    if state.noise:
        q.append(("noise", fmt_number(state.noise)))
    if state.seed:
        q.append(("seed", str(state.seed)))
    if state.view != state.build_surface().view:
        q.append(("view", ",".join(fmt_number(v) for v in state.view)))
    if state.theme != "light":
        q.append(("theme", state.theme))
    if state.mode != "paths":
        q.append(("mode", state.mode))
    if state.focus:
        q.append(("focus", str(state.focus + 1)))
    if state.rates is not None:
        q.append(("rates", ",".join(fmt_number(v) for v in state.rates)))
    if state.k != RATES_K.default:
        q.append(("k", str(state.k)))
    if state.layout != "grid":
        q.append(("layout", state.layout))
    if state.grid != GRID.default:
        q.append(("grid", str(state.grid)))
    if state.metric != "loss":
        q.append(("metric", state.metric))
    if state.inspect:
        q.append(("inspect", "1"))
    if state.preset:
        q.append(("preset", state.preset))
    if state.lesson:
        q.append(("lesson", "1"))
    if with_step and state.t is not None:
        q.append(("t", str(state.t)))
    return urlencode(q, safe=",*()/^")


# --------------------------------------------------------------------------- parse
class _Reader:
    """Reads typed values out of the query, collecting notices instead of raising."""

    def __init__(self, query: Mapping[str, str]) -> None:
        self.q = query
        self.notices: list[str] = []

    def param(self, key: str, p: Param, default: Any = None) -> Any:
        """The value at `key` checked against `p`: clamped into range, or `default`."""
        if default is None:
            default = bool(p.default) if p.kind == "bool" else p.default
        raw = self.q.get(key)
        if raw is None:
            return default
        return self.value(key, raw, p, default)

    def value(self, key: str, raw: str, p: Param, default: Any) -> Any:
        if p.kind == "bool":
            if raw.lower() in ("1", "true", "yes", "on"):
                return True
            if raw.lower() in ("0", "false", "no", "off"):
                return False
            self.notices.append(f"{key}={raw!r} is not 0 or 1; using {fmt_number(default)}.")
            return default
        try:
            v = float(raw)
        except ValueError:
            v = math.nan
        if not math.isfinite(v):
            self.notices.append(
                f"{key}={_short(raw)} is not a number; using {fmt_number(default)} "
                f"({p.describe_range()})."
            )
            return default
        if v < p.min or v > p.max:
            clamped = min(max(v, p.min), p.max)
            self.notices.append(
                f"{key}={fmt_number(v)} is out of range ({p.describe_range()}); "
                f"using {fmt_number(clamped)}."
            )
            v = clamped
        if p.kind == "int":
            if v != round(v):
                self.notices.append(
                    f"{key}={fmt_number(v)} is not a whole number; using {round(v)}."
                )
            return round(v)
        return v

    def floats(self, key: str, count: int) -> tuple[float, ...] | None:
        raw = self.q.get(key)
        if raw is None:
            return None
        try:
            values = tuple(float(v) for v in raw.split(","))
        except ValueError:
            values = ()
        if len(values) != count or not all(math.isfinite(v) for v in values):
            self.notices.append(
                f"{key}={_short(raw)} should be {count} numbers separated by commas; "
                "using the default."
            )
            return None
        return values

    def choice(self, key: str, allowed: Mapping[str, Any], default: str) -> str:
        raw = self.q.get(key)
        if raw is None:
            return default
        if raw in allowed:
            return raw
        self.notices.append(
            f"{key}={_short(raw)} is unknown; using {default!r} "
            f"(choose one of: {', '.join(allowed)})."
        )
        return default


def read_value(key: str, raw: Any, p: Param, default: Any) -> tuple[Any, list[str]]:
    """One typed-in value checked against `p` (as `parse` checks a query value).

    Returns the value (clamped into range, or `default` if unreadable) and the
    notices that explain any change.
    """
    reader = _Reader({})
    if isinstance(raw, list):  # a checkbox
        raw = "1" if raw else "0"
    value = reader.value(key, str(raw).strip() if raw is not None else "", p, default)
    return value, reader.notices


def _short(raw: str, limit: int = 40) -> str:
    return repr(raw if len(raw) <= limit else raw[:limit] + "…")


_COLOR = Param("color", "Colour", 0, 0, len(PALETTE) - 1, kind="int", step=1)
_HIDE = Param("hide", "Hidden", False, 0, 1, kind="bool")
_FOCUS = Param("focus", "Focus run", 1, 1, MAX_RUNS, kind="int", step=1)
_LR_RANGE = OPTIMIZERS["sgd"].param_map["lr"]
_RUN_KEY = re.compile(r"run([1-9][0-9]{0,2})")


def parse(query: str) -> tuple[AppState, list[str]]:
    """The state a query string describes, and notices about what was fixed up.

    Never raises: anything unreadable falls back to its default with a notice.
    An empty query is the default state.
    """
    query = (query or "").lstrip("?")
    notices: list[str] = []
    if len(query) > _MAX_QUERY:
        notices.append(f"The link is too long ({len(query)} characters); showing the default.")
        query = ""
    pairs = parse_qsl(query, keep_blank_values=True)
    if not pairs:
        return default_state(), notices
    pairs = _expand_preset(pairs, notices)
    r = _Reader(dict(pairs))
    r.notices = notices

    name = r.choice("surface", SURFACE_CHOICES, DEFAULT_SURFACE)
    fields = None
    if name == CUSTOM:
        box = r.floats("box", 4)
        if box is not None and not (box[0] < box[1] and box[2] < box[3]):
            notices.append("box: need xmin < xmax and ymin < ymax; using -3…3.")
            box = None
        try:
            fields = surface_state(CUSTOM, expr=r.q.get("expr", DEFAULT_EXPR), box=box)
        except ValueError as err:
            notices.append(f"expr: {err}. Showing {DEFAULT_SURFACE.capitalize()} instead.")
            name = DEFAULT_SURFACE
    if fields is None:
        entry = surfaces.SURFACES[name]
        params = {p.name: r.param(f"surface.{p.name}", p) for p in entry.params}
        fields = surface_state(name, params)
    surface = AppState(**fields).build_surface()

    runs = _parse_runs(r, surface)
    bx0, bx1, by0, by1 = surface.bound
    start = r.floats("start", 2) or fields["start"]
    clamped = (min(max(start[0], bx0), bx1), min(max(start[1], by0), by1))
    if clamped != start:
        notices.append(
            f"start={fmt_number(start[0])},{fmt_number(start[1])} is far outside the map; moved in."
        )
    steps = r.param("steps", STEPS)

    sched = r.choice("schedule", schedules.SCHEDULES, "constant")
    args = {p.name: r.param(f"schedule.{p.name}", p) for p in schedules.PARAMS[sched]}
    try:
        schedules.get(sched, **args)
    except ValueError as err:
        notices.append(f"schedule {sched}: {err}; using its defaults.")
        args = _defaults(schedules.PARAMS[sched])

    view = r.floats("view", 4)
    if view is not None and not (
        bx0 <= view[0] < view[1] <= bx1 and by0 <= view[2] < view[3] <= by1
    ):
        notices.append("view: need xmin < xmax and ymin < ymax inside the map; using the default.")
        view = None

    state = AppState(
        surface=fields["surface"],
        surface_params=fields["surface_params"],
        expr=fields["expr"],
        box=fields["box"],
        runs=runs,
        start=clamped,
        steps=steps,
        schedule=sched,
        schedule_args=args,
        clip=r.choice("clip", CLIP_MODES, "off"),
        clip_at=r.param("clip_at", CLIP_AT),
        noise=r.param("noise", NOISE),
        seed=r.param("seed", SEED),
        view=view or fields["view"],
        theme=r.choice("theme", THEMES, "light"),
        mode=r.choice("mode", MODES, "paths"),
        k=r.param("k", RATES_K),
        layout=r.choice("layout", LAYOUTS, "grid"),
        grid=r.param("grid", GRID),
        metric=r.choice("metric", METRICS, "loss"),
        inspect=r.param("inspect", _HIDE),
    )
    focus = r.param("focus", replace(_FOCUS, max=len(runs)), 1)
    rates = r.floats("rates", 2)
    if rates is not None:
        lr = _LR_RANGE
        if not (lr.min <= rates[0] < rates[1] <= lr.max):
            notices.append(
                f"rates: need two learning rates, low < high, within {lr.describe_range()}; "
                "using a decade either side of the run's."
            )
            rates = None
    state = replace(
        state,
        focus=focus - 1,
        rates=rates,
        preset=r.q.get("preset", "") if r.q.get("preset") in presets.BY_SLUG else "",
        lesson=r.param("lesson", _HIDE),
    )
    if "t" in r.q:
        t = r.param("t", replace(STEPS, name="t", min=0, max=steps, default=steps, log=False))
        state = replace(state, t=t)
    if state.clip == "off":
        state = replace(state, clip_at=CLIP_AT.default)
    return state, notices


def _expand_preset(pairs: list[tuple[str, str]], notices: list[str]) -> list[tuple[str, str]]:
    """``preset=slug`` opens that lesson's state; other keys (a view, the step, the theme)
    apply on top. A link that also names the surface or runs is an edited lesson: as is."""
    given = dict(pairs)
    slug = given.get("preset")
    if slug is None:
        return pairs
    if slug not in presets.BY_SLUG:
        notices.append(
            f"preset={_short(slug)} is unknown; choose one of: {', '.join(presets.BY_SLUG)}."
        )
        return [(k, v) for k, v in pairs if k != "preset"]
    if any(k.startswith("surface") or _RUN_KEY.fullmatch(k.split(".")[0]) for k in given):
        return pairs  # a preset someone went on editing: the query says it all
    # the lesson, with any other key given (a view, the step, the theme) on top
    merged = {**dict(parse_qsl(presets.BY_SLUG[slug].query)), **given}
    return list(merged.items())


def _parse_runs(r: _Reader, surface: Surface) -> tuple[Run, ...]:
    numbers = sorted({int(m.group(1)) for k in r.q if (m := _RUN_KEY.fullmatch(k))})
    if not numbers:
        return default_runs(surface)
    if len(numbers) > MAX_RUNS:
        r.notices.append(f"{len(numbers)} runs given; showing the first {MAX_RUNS}.")
        numbers = numbers[:MAX_RUNS]
    runs: list[Run] = []
    for i in numbers:
        key = f"run{i}"
        opt = r.choice(key, OPTIMIZERS, "adam")
        spec = OPTIMIZERS[opt]
        base = default_hp(opt, surface)
        hp = {p.name: r.param(f"{key}.{p.name}", p, base[p.name]) for p in spec.params}
        taken = tuple(x.color for x in runs)
        fallback = new_run(opt, surface, taken).color
        color = r.param(f"{key}.color", _COLOR, fallback)
        hide = r.param(f"{key}.hide", _HIDE)
        runs.append(Run(opt, hp, color, not hide))
    return tuple(runs)
