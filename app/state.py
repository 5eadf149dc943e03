"""The app's whole state, and its round trip through the URL query string.

`AppState` is the single source of truth: the surface and its parameters, the
runs (an optimizer with its hyperparameters, a colour and a visibility), the
start point, steps, schedule, clipping, noise, seed, the view box and the
current step. Views render from it and never edit it.

As in TensorFlow Playground's ``state.ts``, one table, `FIELDS`, drives
everything: each row is a setting with its URL key, its type (a registry
`Param`, a mapping of choices, `Floats`, or a `Family` whose Params come from
a registry: surface parameters, each run's hyperparameters, schedule
arguments), its default, the compute groups that depend on it (`GROUPS`: the
cache keys of `compute`, `views` and the start map are `cache_key`s of these),
the parts of the page it redraws (`PARTS`), and the text box that backs it.
`serialize` writes each row under its key, `parse` reads the same keys back,
`changes` says what an edit touched, `box` gives the side panel its numbers.
Parsing is tolerant. Unknown keys are ignored, a number outside its range is
clamped, and a value that cannot be read falls back to its default. Each of
these is reported in a notice a person can act on, and no input raises.

Keys (a value equal to its default is left out, except each run's optimizer
and learning rate, which are always written)::

    surface=quadratic  surface.condition=100  surface.angle=30
    run1=adam  run1.lr=0.1  run1.beta1=0.9  run1.color=2  run1.hide=1   (run1 … run8)
    start=-1.5,2  steps=500  schedule=cosine  schedule.t_max=500
    clip=norm  clip_at=1  noise=0.5  seed=3  view=-2,2,-1,3  theme=dark  t=120
    run1.batch=8  sampling=cycle  bseed=4        (data surfaces only)
    mode=compare  focus=2  rates=0.001,0.1  k=6  layout=overlay  grid=200  metric=basin
    inspect=1

On a data surface (`surfaces.data`: linear and logistic regression, the tiny
net) each run has its batch size (``run1.batch``: 1 is SGD, absent or ≥ N the
full batch) and every run shares the sampling scheme (``sampling``: shuffle,
replacement or cycle) and the batch seed (``bseed``), so a link reproduces the
very batches each step used. On any other surface these keys are neither
read nor written. Your own samples (a CSV pasted or dropped: `upload`) travel
as ``data=x,y_x,y…``, every number in its shortest exact spelling, up to
`LINK_DATA_CHARS` (12 000) characters, so such a link reproduces them bit for
bit; a larger upload is kept by the machine that received it (in memory and in
its disk cache, for a week) and its link carries ``data=#hash`` beside the
generated-data settings (samples, noise, data seed): opened on any other
machine it shows the generated data, with a notice.

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
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, urlencode

import numpy as np

from gradscape import optimizers, surfaces
from gradscape.optimizers import OPTIMIZERS, schedules
from gradscape.surfaces import Param, Surface

from . import presets

__all__ = [
    "CLIP_AT",
    "CLIP_MODES",
    "CUSTOM",
    "FIELDS",
    "GRID",
    "GROUPS",
    "LAYOUTS",
    "MAX_RUNS",
    "METRICS",
    "MODES",
    "NOISE",
    "PALETTE",
    "PANELS",
    "PARTS",
    "PATH",
    "RATES_K",
    "RUN",
    "RUN_FIELDS",
    "SEED",
    "STARTMAP",
    "STEPS",
    "SURFACE_CHOICES",
    "AppState",
    "Box",
    "Field",
    "Run",
    "box",
    "cache_key",
    "default_state",
    "new_run",
    "parse",
    "serialize",
    "startmap_query",
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
#: The same hues, lighter, for the dark theme (the near black becomes a light grey, the
#: wine a violet): each at least 5.5:1 against the dark plot and every pair at least 24
#: apart in CIEDE2000 (tests/test_contrast.py), as far apart as the light palette's.
PALETTE_DARK: tuple[str, ...] = (
    "#03abff",
    "#f2864b",
    "#27cd71",
    "#fb98c9",
    "#fec908",
    "#04dee1",
    "#8f80f8",
    "#e6e9ec",
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
BSEED = Param(
    "bseed",
    "Batch seed",
    0,
    0,
    2**31 - 1,
    kind="int",
    step=1,
    help="Seeds which samples each mini-batch takes: the same seed, the same batches.",
)
#: How each step's mini-batch is drawn (`optimizers.batching`).
SAMPLING: dict[str, str] = {
    "shuffle": "Shuffle",
    "replacement": "Replacement",
    "cycle": "Cycle",
}
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
#: The fair race's objectives ("Tune all", app/race.py) and its budget: rates per run.
RACE_OBJECTIVES: dict[str, str] = {"gap": "final f − f*", "arrive": "steps to arrive"}
BUDGET = Param(
    "budget",
    "Rates per run",
    12,
    3,
    40,
    kind="int",
    step=1,
    symbol="B",
    help="Tune all tries this many learning rates per run, on a log grid ×10^±2 around "
    "its default, and keeps the best.",
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


# --------------------------------------------------------------------------- the table
#: Compute groups: what must recompute when a field changes. Each group's cache
#: key is the tuple of its fields' values (`cache_key`), in table order.
PATH = "path"  # every run's trajectory (compute, the comparison's sweep, sensitivity, inspector)
RUN = "run"  # one run's own trajectory: its optimizer and hyperparameters (`Run.key`)
PANELS = "panels"  # the comparison's panels: contours, minima, start marker, titles' size
STARTMAP = "startmap"  # the start map (a background job keyed by its query, `startmap_query`)
GROUPS = (PATH, RUN, PANELS, STARTMAP)

#: Parts of the page an edit may redraw (the Dash adapter maps each to its outputs):
#: the side panel's sections, and the page-wide mode, theme and lesson text.
PARTS = (
    "surface",  # the surface's parameters (or formula and box) and its formula
    "runs",  # the run panels
    "schedule",  # the schedule's arguments
    "clip",  # the clipping threshold
    "start",  # the start point's boxes
    "view",  # the current view's own controls
    "mode",  # the view tabs
    "page",  # the page's class (mode, theme, lesson mode)
    "lesson",  # the lesson's text
    "rules",  # the runs' update rules (lesson mode)
    "inspector",  # the step inspector's rule
)


@dataclass(frozen=True)
class Floats:
    """A comma-separated tuple of `n` finite numbers (``start=-1.5,2``), or None."""

    n: int


@dataclass(frozen=True)
class Family:
    """A row that stands for one key per registry `Param` of its owner.

    ``surface.condition`` (the surface's parameters), ``schedule.t_max`` (the
    schedule's arguments), ``run2.beta1`` (each run's hyperparameters): the
    Params come from `params(owner)`, the values live in a dict attribute.
    """

    params: Callable[[Any], tuple[Param, ...]]
    #: names written even at their default (each run's learning rate)
    always: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Field:
    """One setting: its URL key, type, default, what depends on it, and how it is edited.

    - `key`: the URL key (a family's prefix: ``surface`` for ``surface.angle``);
    - `attr`: the `AppState` (or `Run`) attribute it fills;
    - `kind`: a registry `Param` (number, checked and clamped), a mapping of
      choices, `Floats`, `Family`, or `str` (free text, checked by `parse`);
    - `default`: its value when the key is absent (a function of the surface for
      `start` and `view`; an absent value is never written);
    - `deps`: the compute groups whose results depend on it (`GROUPS`);
    - `parts`: the parts of the page that redraw when it changes (`PARTS`);
      a change typed into the field's own text box does not redraw it;
    - `box`: the key of the text box that backs it (``{"type": "pv", "key": …}``),
      or None. Such a field's state is whatever its box shows, validated:
      every request carries every box, so an edit whose answer was dropped is
      not lost (see `reducer.reconcile`);
    - `always`: written even at its default; `written`: written only when true;
    - `idle`: when true the value changes no computation (cache keys hold None).
    """

    key: str
    attr: str
    kind: Any
    default: Any = None
    deps: frozenset[str] = frozenset()
    parts: tuple[str, ...] = ()
    box: str | None = None
    always: bool = False
    written: Callable[[Any], bool] | None = None
    idle: Callable[[Any], bool] | None = None

    def default_for(self, state: Any) -> Any:
        return self.default(state) if callable(self.default) else self.default


def _schedule_params(name: str) -> tuple[Param, ...]:
    return schedules.PARAMS.get(name, ())


def _surface_params(state: Any) -> tuple[Param, ...]:
    entry = surfaces.SURFACES.get(state.surface)
    return entry.params if entry is not None else ()


def has_data(state: Any) -> bool:
    """Whether the state's surface is defined by samples (a data surface)."""
    return state.surface in surfaces.data.DATA_KINDS


def samples_of(state: Any) -> int:
    """N, the number of samples of the state's data surface (yours, or generated)."""
    if getattr(state, "data", ""):
        return state.data.count(_ROW) + 1
    return int(state.surface_params.get("samples", 64))


# --------------------------------------------------------------------------- your data
#: Your samples travel in a link as text (``data=x,y_x,y…``, each number in its
#: shortest exact spelling, so the link reproduces them bit for bit) up to this many
#: characters: a few hundred to about 1,500 rows. A larger upload is kept by the
#: machine that received it (`_UPLOADS` and the disk cache, by content hash) and the
#: link carries ``data=#hash`` with the generated-data settings: on another machine
#: it opens the generated data and says so.
LINK_DATA_CHARS = 12_000
#: Separators of the samples' text: rows, and x from y (unreserved in URLs but ",").
_ROW, _COL = "_", ","
#: Uploads too large for a link, by the hash their links carry (the newest 32 in this
#: process; all of them, for a week, in the disk cache every process of this machine
#: shares, so the start map's background job and other workers find them too).
_UPLOADS: dict[str, str] = {}
_UPLOAD_DAYS = 7


def _upload_cache_root() -> str:
    """The disk cache's folder (as `background.cache_dir`), its ``uploads`` part."""
    import os
    import tempfile

    default = os.path.join(tempfile.gettempdir(), f"gradscape-cache-{os.getuid()}")
    return os.path.join(os.environ.get("GRADSCAPE_CACHE_DIR") or default, "uploads")


@lru_cache(maxsize=4)
def _upload_disk(root: str) -> Any:
    try:
        import diskcache
    except ImportError:  # pragma: no cover - diskcache is a dependency
        return None
    return diskcache.Cache(root, size_limit=256 * 2**20)


def _stored_upload(digest: str) -> str:
    """The samples a link's ``data=#digest`` stands for, or "" if no process here has them."""
    text = _UPLOADS.get(digest, "")
    if not text:
        disk = _upload_disk(_upload_cache_root())
        text = (disk.get(digest) if disk is not None else None) or ""
    return text


#: A value of the upload box that asks for the generated data again.
GENERATED = "__generated__"


def samples_text(x: Any, y: Any) -> str:
    """Samples as the state holds them: "x,y_x,y…", each number exact and short."""
    return _ROW.join(
        f"{fmt_number(float(a))}{_COL}{fmt_number(float(b))}" for a, b in zip(x, y, strict=True)
    )


def read_samples(text: str) -> tuple[np.ndarray, np.ndarray]:
    """The arrays of `samples_text`'s text; ValueError if it is not that."""
    try:
        rows = [tuple(float(v) for v in row.split(_COL)) for row in text.split(_ROW)]
    except ValueError:
        raise ValueError("the samples are not numbers") from None
    if any(len(row) != 2 for row in rows):
        raise ValueError("each sample needs two numbers, x and y")
    a = np.array(rows, dtype=np.float64)
    return np.ascontiguousarray(a[:, 0]), np.ascontiguousarray(a[:, 1])


@lru_cache(maxsize=16)
def uploaded_surface(kind: str, text: str) -> Surface:
    """Data model `kind` on the samples of `text` (ValueError naming what is wrong)."""
    x, y = read_samples(text)
    return surfaces.data.data_surface(kind, x, y)


def data_link_key(text: str) -> str:
    """What a link carries for samples `text`: the text, or ``#hash`` when too long."""
    if len(text) <= LINK_DATA_CHARS:
        return text
    import hashlib

    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    if digest not in _UPLOADS:
        _UPLOADS[digest] = text
        while len(_UPLOADS) > 32:
            del _UPLOADS[next(iter(_UPLOADS))]
        disk = _upload_disk(_upload_cache_root())
        if disk is not None:
            disk.set(digest, text, expire=_UPLOAD_DAYS * 86400)
    return "#" + digest


def upload(state: Any, csv_text: Any) -> tuple[dict | None, list[str]]:
    """The fields your CSV gives the state's data model (data, start, view), and notices.

    On a problem the fields are None and the notice names it (the row and what is
    wrong: `surfaces.data.parse_csv`); the state is then to stay as it was.
    """
    try:
        x, y = surfaces.data.parse_csv(csv_text)
        text = samples_text(x, y)
        s = uploaded_surface(state.surface, text)
    except ValueError as err:  # (a sample counts data rows: header and blank lines not)
        text = (
            str(err).replace("sample ", "data row ", 1) if str(err).startswith("sample ") else err
        )
        return None, [f"Your data: {text}. The surface is unchanged."]
    notices = [f"Your data: {x.shape[0]:,} samples."]
    if len(text) > LINK_DATA_CHARS:
        data_link_key(text)
        notices.append(
            f"They are too many for a link ({len(text):,} characters, more than "
            f"{LINK_DATA_CHARS:,}): a copied link carries only the generated-data settings, "
            "and opens generated data on any other machine."
        )
    return {"data": text, "start": s.start, "view": s.view}, notices


def batch_param(samples: int) -> Param:
    """A run's batch size on a surface of `samples` samples: 1 … N, N being the full batch."""
    return Param(
        "batch",
        "Batch size",
        samples,
        1,
        max(samples, 2),
        log=True,
        step=0.01,
        kind="int",
        symbol="B",
        help="Samples per step: 1 is SGD, N (the top) the full batch, in between mini-batch.",
    )


def batching(state: Any) -> bool:
    """Whether any run of the state takes mini-batches (the sampling then matters)."""
    if not has_data(state):
        return False
    n = samples_of(state)
    return any(r.batch is not None and r.batch < n for r in state.runs)


def run_value(state: Any, f: Field, value: Any) -> Any:
    """A run's own setting `f` as the state keeps it: a batch size of N or more is the
    full batch (None), so the link and the label say so."""
    if f.attr == "batch" and value is not None and value >= samples_of(state):
        return None
    return value


#: The batch size's widest range (the URL is checked against the surface's N).
BATCH = batch_param(surfaces.data.MAX_SAMPLES)

_COLOR = Param("color", "Colour", 0, 0, len(PALETTE) - 1, kind="int", step=1)
_HIDE = Param("hide", "Hidden", False, 0, 1, kind="bool")
_FLAG = Param("flag", "On", False, 0, 1, kind="bool")
_FOCUS = Param("focus", "Focus run", 1, 1, MAX_RUNS, kind="int", step=1)
#: Learning rates anywhere (the comparison's range): the registry's lr range.
RATE = OPTIMIZERS["sgd"].param_map["lr"]

_ALL = frozenset({PATH, PANELS, STARTMAP})
_TRAINING = frozenset({PATH, STARTMAP})

#: Each run's own fields (keys ``run{i}``, ``run{i}.lr``, …, ``run{i}.color``, ``run{i}.hide``).
RUN_FIELDS: tuple[Field, ...] = (
    Field(
        "",
        "optimizer",
        OPTIMIZERS,
        "adam",
        frozenset({RUN}),
        ("runs", "rules", "inspector"),
        always=True,
    ),
    Field(
        ".",
        "hp",
        Family(lambda run: OPTIMIZERS[run.optimizer].params, always=frozenset({"lr"})),
        deps=frozenset({RUN}),
        parts=("runs",),
        box="run.{i}.{name}",
    ),
    Field(
        ".batch",
        "batch",
        BATCH,
        None,
        frozenset({RUN}),
        ("runs",),
        box="run.{i}.batch",
        written=lambda run: run.batch is not None,
    ),
    Field(".color", "color", _COLOR, 0, parts=("runs",), always=True),
    Field(".hide", "visible", _HIDE, True, parts=("runs", "rules")),
)

#: Every setting of the app, in URL order. `serialize`, `parse`, the cache keys,
#: the parts an edit redraws and the side panel's number boxes derive from it.
FIELDS: tuple[Field, ...] = (
    Field("surface", "surface", SURFACE_CHOICES, DEFAULT_SURFACE, _ALL, ("surface",), always=True),
    Field("expr", "expr", str, "", _ALL, ("surface",), written=lambda s: s.surface == CUSTOM),
    Field("box", "box", Floats(4), None, _ALL, ("surface",), written=lambda s: s.surface == CUSTOM),
    Field(
        "data",
        "data",
        str,
        "",
        _ALL,
        ("surface",),
        written=lambda s: bool(s.data) and has_data(s),
    ),
    Field(
        "surface.",
        "surface_params",
        Family(_surface_params),
        deps=_ALL,
        parts=("surface",),
        box="surface.{name}",
    ),
    Field("run", "runs", RUN_FIELDS, deps=frozenset({RUN, STARTMAP}), parts=("runs", "view")),
    Field(
        "start",
        "start",
        Floats(2),
        lambda s: s.build_surface().start,
        frozenset({PATH, PANELS}),
        ("start",),
        always=True,
    ),
    Field("steps", "steps", STEPS, STEPS.default, _TRAINING, box="steps", always=True),
    Field("schedule", "schedule", schedules.SCHEDULES, "constant", _TRAINING, ("schedule",)),
    Field(
        "schedule.",
        "schedule_args",
        Family(lambda s: _schedule_params(s.schedule)),
        deps=_TRAINING,
        parts=("schedule",),
        box="schedule.{name}",
    ),
    Field("clip", "clip", CLIP_MODES, "off", _TRAINING, ("clip",)),
    Field(
        "clip_at",
        "clip_at",
        CLIP_AT,
        CLIP_AT.default,
        _TRAINING,
        ("clip",),
        box="clip_at",
        always=True,
        written=lambda s: s.clip != "off",
        idle=lambda s: s.clip == "off",
    ),
    Field("noise", "noise", NOISE, NOISE.default, _TRAINING, box="noise"),
    Field("seed", "seed", SEED, SEED.default, _TRAINING, box="seed", idle=lambda s: not s.noise),
    Field(
        "sampling",
        "sampling",
        SAMPLING,
        "shuffle",
        _TRAINING,
        written=has_data,
        idle=lambda s: not batching(s),
    ),
    Field(
        "bseed",
        "batch_seed",
        BSEED,
        BSEED.default,
        _TRAINING,
        ("surface",),
        box="bseed",
        written=has_data,
        idle=lambda s: not batching(s),
    ),
    Field(
        "view", "view", Floats(4), lambda s: s.build_surface().view, frozenset({PANELS, STARTMAP})
    ),
    Field("theme", "theme", THEMES, "light", frozenset({PANELS, STARTMAP}), ("page", "runs")),
    Field("mode", "mode", MODES, "paths", parts=("mode", "page", "view", "inspector")),
    Field("focus", "focus", _FOCUS, 0, frozenset({STARTMAP}), ("view", "inspector")),
    Field("rates", "rates", Floats(2), None, parts=("view",), box="rates.{name}"),
    Field("k", "k", RATES_K, RATES_K.default, frozenset({PANELS}), ("view",), box="k"),
    Field("layout", "layout", LAYOUTS, "grid", frozenset({PANELS}), ("view",)),
    Field("grid", "grid", GRID, GRID.default, frozenset({STARTMAP}), ("view",), box="grid"),
    Field("metric", "metric", METRICS, "loss", frozenset({STARTMAP}), ("view",)),
    Field("inspect", "inspect", _FLAG, False, parts=("view", "inspector")),
    # the fair race (app/race.py): its objective and budget, and whether the rates are its
    Field("objective", "objective", RACE_OBJECTIVES, "gap", parts=("view",)),
    Field("budget", "budget", BUDGET, BUDGET.default, parts=("view",), box="budget"),
    Field("tuned", "tuned", _FLAG, False, parts=("view",)),
    Field("preset", "preset", presets.BY_SLUG, "", parts=("lesson",)),
    Field("lesson", "lesson", _FLAG, False, frozenset({PANELS, STARTMAP}), ("page", "rules")),
    Field("t", "t", STEPS, None),
)
FIELD: dict[str, Field] = {f.attr: f for f in FIELDS}
FIELD_RUN: dict[str, Field] = {f.attr: f for f in RUN_FIELDS}


@dataclass(frozen=True)
class Run:
    """One optimizer on the map: every hyperparameter set, a palette colour, shown or not."""

    optimizer: str
    hp: Mapping[str, float | int | bool]
    color: int = FIELD_RUN["color"].default
    visible: bool = FIELD_RUN["visible"].default
    #: Samples per step on a data surface (None or ≥ N: the full batch).
    batch: int | None = FIELD_RUN["batch"].default

    def key(self) -> tuple:
        """What its trajectory depends on (the `RUN` group: colour and visibility are not)."""
        return _group_values(RUN_FIELDS, self, RUN)


@dataclass(frozen=True)
class AppState:
    """Everything a person sees, and nothing else (see the module docstring).

    Each attribute is a row of `FIELDS`, which holds its URL key and default.
    """

    surface: str = FIELD["surface"].default
    surface_params: Mapping[str, float] = field(default_factory=dict)
    runs: tuple[Run, ...] = ()
    start: tuple[float, float] = (0.0, 0.0)
    steps: int = FIELD["steps"].default
    schedule: str = FIELD["schedule"].default
    schedule_args: Mapping[str, float | int] = field(default_factory=dict)
    clip: str = FIELD["clip"].default
    clip_at: float = FIELD["clip_at"].default
    noise: float = FIELD["noise"].default
    seed: int = FIELD["seed"].default
    sampling: str = FIELD["sampling"].default
    batch_seed: int = FIELD["batch_seed"].default
    view: tuple[float, float, float, float] = (0.0, 1.0, 0.0, 1.0)
    #: The step shown; None means "not chosen": the page plays from 0 to the end.
    t: int | None = FIELD["t"].default
    theme: str = FIELD["theme"].default
    mode: str = FIELD["mode"].default
    #: The run the comparison, the start map and the inspector are about (an index).
    focus: int = FIELD["focus"].default
    #: Compare mode: the learning-rate range; None means a decade either side of the run's.
    rates: tuple[float, float] | None = FIELD["rates"].default
    k: int = FIELD["k"].default
    layout: str = FIELD["layout"].default
    grid: int = FIELD["grid"].default
    metric: str = FIELD["metric"].default
    inspect: bool = FIELD["inspect"].default
    #: The fair race: what "Tune all" optimises, its budget, and whether the rates are its.
    objective: str = FIELD["objective"].default
    budget: int = FIELD["budget"].default
    tuned: bool = FIELD["tuned"].default
    #: The formula of a custom surface (canonical text), and its box (None: the default).
    expr: str = FIELD["expr"].default
    box: tuple[float, float, float, float] | None = FIELD["box"].default
    #: Your samples on a data surface (`samples_text`: "x,y_x,y…"), or "": generated data.
    data: str = FIELD["data"].default
    #: The lesson this state came from (its text is shown beside the plot), or "".
    preset: str = FIELD["preset"].default
    #: Lesson mode: no controls, large type, the update rules shown (for projecting).
    lesson: bool = FIELD["lesson"].default

    def build_surface(self) -> Surface:
        if self.surface == CUSTOM:
            return custom_surface(self.expr, self.box)
        if self.data and has_data(self):
            return uploaded_surface(self.surface, self.data)
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
        """What every run's trajectory depends on besides its own optimizer (`PATH`)."""
        return cache_key(self, PATH)


# --------------------------------------------------------------------------- keys
def _value(f: Field, owner: Any) -> Any:
    v = getattr(owner, f.attr)
    if isinstance(v, Mapping):
        return tuple(v.items())
    if f.attr == "runs":
        return tuple(r.key() for r in v)
    return v


def _group_values(fields: tuple[Field, ...], owner: Any, group: str) -> tuple:
    return tuple(
        None if f.idle is not None and f.idle(owner) else _value(f, owner)
        for f in fields
        if group in f.deps
    )


def cache_key(state: AppState, group: str) -> tuple:
    """The values of every field of `group` (`GROUPS`): equal keys, equal results.

    A field that is idle (the clipping threshold with clipping off, the seed
    without noise) counts as None. The runs count by their `Run.key`.
    """
    fields = tuple(f for f in FIELDS if f.attr != "runs")
    return _group_values(fields, state, group)


def startmap_query(state: AppState) -> str:
    """The query a start map depends on: its `STARTMAP` fields and the focus run alone.

    The focus run's colour and visibility do not count, and neither does the
    start point (the map has every start but this one).
    """
    run = state.focus_run
    only = replace(state, runs=(Run(run.optimizer, run.hp),), focus=0)
    return serialize(only, only=STARTMAP)


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
            "data": "",
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
        "data": "",
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


# --------------------------------------------------------------------------- text boxes
@dataclass(frozen=True)
class Box:
    """A number a text box backs: its key, registry Param and current value.

    `field` is the row it belongs to; `name` the Param's name in a family (or
    ``lo``/``hi`` of the rate range); `run` the run's index for a hyperparameter.
    """

    key: str
    param: Param
    value: Any
    field: Field
    name: str = ""
    run: int | None = None


_RATE_ENDS = {"lo": "Lowest rate", "hi": "Highest rate"}


def box(state: AppState, key: Any) -> Box | None:
    """The number behind the text box `key` (``run.0.lr``, ``steps``…), or None if the
    state has no such box (a run or parameter that is not there)."""
    if not isinstance(key, str):
        return None
    head, _, rest = key.partition(".")
    if head == "run":
        i_text, _, name = rest.partition(".")
        if not i_text.isdigit() or int(i_text) >= len(state.runs):
            return None
        run = state.runs[int(i_text)]
        if name == "batch" and has_data(state):  # 1 … N, N at the top: the full batch
            n = samples_of(state)
            value = n if run.batch is None else min(run.batch, n)
            return Box(key, batch_param(n), value, FIELD_RUN["batch"], "", int(i_text))
        f = FIELD_RUN["hp"]
        p = {q.name: q for q in f.kind.params(run)}.get(name)
        return Box(key, p, run.hp[name], f, name, int(i_text)) if p else None
    for f in FIELDS:
        if f.box is None:
            continue
        if f.box == key and isinstance(f.kind, Param):
            return Box(key, f.kind, getattr(state, f.attr), f)
        prefix = f.box.removesuffix("{name}")
        if prefix != f.box and head + "." == prefix:
            if isinstance(f.kind, Family):
                p = {q.name: q for q in f.kind.params(state)}.get(rest)
                return Box(key, p, getattr(state, f.attr)[rest], f, rest) if p else None
            if f.attr == "rates" and rest in _RATE_ENDS:
                p = replace(RATE, name=key, label=_RATE_ENDS[rest])
                return Box(key, p, state.rate_range()[rest == "hi"], f, rest)
    return None


def box_key(f: Field, name: str = "", run: int | None = None) -> str:
    """The text box key of row `f` (of `name` in a family, of run `run`)."""
    return (f.box or "").format(i=run, name=name)


# --------------------------------------------------------------------------- serialize
def fmt_number(v: float | int | bool | str) -> str:
    if isinstance(v, str):  # a choice (L-BFGS's line search)
        return v
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, int) or (float(v).is_integer() and abs(v) < 1e15):
        return str(int(v))
    return repr(float(v))


def _fmt(f: Field, v: Any) -> str:
    if isinstance(f.kind, Floats):
        return ",".join(fmt_number(x) for x in v)
    if isinstance(f.kind, Param):
        if f.attr == "visible":
            return "1"  # hide=1
        if f.attr == "focus":
            return str(v + 1)  # runs count from 1 in links
        return fmt_number(v)
    if f.attr == "data":
        return data_link_key(v)
    return str(v)


def _pairs(fields: tuple[Field, ...], owner: Any, prefix: str = "") -> list[tuple[str, str]]:
    q: list[tuple[str, str]] = []
    for f in fields:
        if f.written is not None and not f.written(owner):
            continue
        v = getattr(owner, f.attr)
        if isinstance(f.kind, Family):
            for p in f.kind.params(owner):
                if p.name in f.kind.always or v[p.name] != p.default:
                    q.append((f"{prefix}{f.key}{p.name}", fmt_number(v[p.name])))
        elif f.attr == "runs":
            # a run's batch size means something on a data surface only
            rows = f.kind if has_data(owner) else tuple(x for x in f.kind if x.attr != "batch")
            for i, run in enumerate(v, 1):
                q += _pairs(rows, run, f"run{i}")
        elif v is not None and (f.always or v != f.default_for(owner)):
            q.append((prefix + f.key, _fmt(f, v)))
    return q


def serialize(state: AppState, *, with_step: bool = True, only: str | None = None) -> str:
    """The query string (without '?') that `parse` turns back into `state`.

    Every row of `FIELDS` in order; a value equal to its default is left out
    (unless the row is `always` written). `only` keeps the fields of one
    compute group (and the step is then left out too).
    """
    fields = tuple(
        f
        for f in FIELDS
        if (only is None or only in f.deps) and (f.attr != "t" or (with_step and only is None))
    )
    return urlencode(_pairs(fields, state), safe=",*()/^")


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
        if p.kind == "choice":
            if raw in p.choices:
                return raw
            self.notices.append(
                f"{key}={_short(raw)} is unknown; using {default!r} ({p.describe_range()})."
            )
            return default
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

    def read(self, f: Field, key: str | None = None) -> Any:
        """Row `f`'s value in the query (a Param, choices or `Floats` row)."""
        key = key or f.key
        if isinstance(f.kind, Param):
            return self.param(key, f.kind, f.default)
        if isinstance(f.kind, Floats):
            return self.floats(key, f.kind.n)
        return self.choice(key, f.kind, f.default)


def read_value(key: str, raw: Any, p: Param, default: Any) -> tuple[Any, list[str]]:
    """One typed-in value checked against `p` (as `parse` checks a query value).

    Returns the value (clamped into range, or `default` if unreadable) and the
    notices that explain any change. `raw` may be anything a browser sends: a
    checkbox's list, a number, None.
    """
    reader = _Reader({})
    if isinstance(raw, list):  # a checkbox
        raw = "1" if raw else "0"
    value = reader.value(key, str(raw).strip() if raw is not None else "", p, default)
    return value, reader.notices


def _short(raw: str, limit: int = 40) -> str:
    return repr(raw if len(raw) <= limit else raw[:limit] + "…")


#: ``run1`` … ``run999`` (the runs row's key and a number from 1).
_RUN_KEY = re.compile(re.escape(FIELD["runs"].key) + r"([1-9][0-9]{0,2})")


def parse(query: Any) -> tuple[AppState, list[str]]:
    """The state a query string describes, and notices about what was fixed up.

    Never raises: anything unreadable falls back to its default with a notice.
    An empty query (or anything but a string) is the default state.
    """
    query = (query if isinstance(query, str) else "").lstrip("?")
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
    got: dict[str, Any] = _read_surface(r)
    surface = AppState(**got).build_surface()
    del got["start"], got["view"]  # read below, with the surface's as their defaults
    for f in FIELDS:
        if f.attr in got:
            continue
        read = _READ.get(f.attr)
        got[f.attr] = read(r, f, got, surface) if read else r.read(f)
    state = AppState(**got)
    if state.clip == "off":  # the threshold has no effect: its default, not a leftover
        state = replace(state, clip_at=FIELD["clip_at"].default)
    return state, notices


def _read_surface(r: _Reader) -> dict[str, Any]:
    """The surface rows (surface, expr, box and its parameters) and the start and view
    they imply; a formula that is not allowed falls back to the default surface."""
    name = r.read(FIELD["surface"])
    if name == CUSTOM:
        box = r.read(FIELD["box"])
        if box is not None and not (box[0] < box[1] and box[2] < box[3]):
            r.notices.append("box: need xmin < xmax and ymin < ymax; using -3…3.")
            box = None
        try:
            expr = r.q.get(FIELD["expr"].key, DEFAULT_EXPR)
            return surface_state(CUSTOM, expr=expr, box=box)
        except ValueError as err:
            r.notices.append(f"expr: {err}. Showing {DEFAULT_SURFACE.capitalize()} instead.")
            name = DEFAULT_SURFACE
    entry = surfaces.SURFACES[name]
    prefix = FIELD["surface_params"].key
    params = {p.name: r.param(f"{prefix}{p.name}", p) for p in entry.params}
    fields = surface_state(name, params)
    raw = r.q.get(FIELD["data"].key, "")
    if raw and name in surfaces.data.DATA_KINDS:
        text = _stored_upload(raw[1:]) if raw.startswith("#") else raw
        if not text:
            r.notices.append(
                "data: the samples of this link were too many to travel in it, and this "
                "server does not have them; showing generated data (the link's samples, "
                "noise and data seed)."
            )
            return fields
        try:
            s = uploaded_surface(name, text)
        except ValueError as err:
            r.notices.append(f"data: {err}; showing generated data.")
            return fields
        fields.update(data=text, start=s.start, view=s.view)
    return fields


def _read_runs(r: _Reader, f: Field, got: dict, surface: Surface) -> tuple[Run, ...]:
    numbers = sorted({int(m.group(1)) for k in r.q if (m := _RUN_KEY.fullmatch(k))})
    if not numbers:
        return default_runs(surface)
    if len(numbers) > MAX_RUNS:
        r.notices.append(f"{len(numbers)} runs given; showing the first {MAX_RUNS}.")
        numbers = numbers[:MAX_RUNS]
    runs: list[Run] = []
    opt_f, hp_f, batch_f, color_f, hide_f = RUN_FIELDS
    samples = surface.samples if optimizers.batching.is_data_surface(surface) else None
    for i in numbers:
        key = f"run{i}"
        opt = r.read(opt_f, key)
        base = default_hp(opt, surface)
        hp = {
            p.name: r.param(f"{key}{hp_f.key}{p.name}", p, base[p.name])
            for p in OPTIMIZERS[opt].params
        }
        fallback = new_run(opt, surface, tuple(x.color for x in runs)).color
        color = r.param(key + color_f.key, color_f.kind, fallback)
        hide = r.param(key + hide_f.key, hide_f.kind)
        batch = None
        if samples is not None and key + batch_f.key in r.q:  # a data surface's runs only
            batch = r.param(key + batch_f.key, batch_param(samples))
            batch = None if batch >= samples else batch  # N: the full batch
        runs.append(Run(opt, hp, color, not hide, batch))
    return tuple(runs)


def _read_start(r: _Reader, f: Field, got: dict, surface: Surface) -> tuple[float, float]:
    start = r.read(f) or surface.start
    bx0, bx1, by0, by1 = surface.bound
    clamped = (min(max(start[0], bx0), bx1), min(max(start[1], by0), by1))
    if clamped != start:
        r.notices.append(
            f"start={fmt_number(start[0])},{fmt_number(start[1])} is far outside the map; moved in."
        )
    return clamped


def _read_schedule_args(r: _Reader, f: Field, got: dict, surface: Surface) -> dict:
    name = got["schedule"]
    args = {p.name: r.param(f"{f.key}{p.name}", p) for p in _schedule_params(name)}
    try:
        schedules.get(name, **args)
    except ValueError as err:
        r.notices.append(f"schedule {name}: {err}; using its defaults.")
        args = _defaults(_schedule_params(name))
    return args


def _read_view(r: _Reader, f: Field, got: dict, surface: Surface):
    view = r.read(f)
    bx0, bx1, by0, by1 = surface.bound
    if view is not None and not (
        bx0 <= view[0] < view[1] <= bx1 and by0 <= view[2] < view[3] <= by1
    ):
        r.notices.append(
            "view: need xmin < xmax and ymin < ymax inside the map; using the default."
        )
        view = None
    return view or surface.view


def _read_focus(r: _Reader, f: Field, got: dict, surface: Surface) -> int:
    return r.param(f.key, replace(f.kind, max=len(got["runs"])), 1) - 1


def _read_rates(r: _Reader, f: Field, got: dict, surface: Surface):
    rates = r.read(f)
    if rates is not None and not (RATE.min <= rates[0] < rates[1] <= RATE.max):
        r.notices.append(
            f"rates: need two learning rates, low < high, within {RATE.describe_range()}; "
            "using a decade either side of the run's."
        )
        return None
    return rates


def _read_preset(r: _Reader, f: Field, got: dict, surface: Surface) -> str:
    slug = r.q.get(f.key, "")
    return slug if slug in f.kind else f.default  # (an unknown one was noticed already)


def _read_t(r: _Reader, f: Field, got: dict, surface: Surface) -> int | None:
    if f.key not in r.q:
        return None
    steps = got["steps"]
    return r.param(f.key, replace(f.kind, name="t", min=0, max=steps, default=steps, log=False))


def _read_batching(r: _Reader, f: Field, got: dict, surface: Surface) -> Any:
    """Sampling and batch seed: read on a data surface only (elsewhere they mean nothing)."""
    if not optimizers.batching.is_data_surface(surface):
        return f.default
    return r.read(f)


#: Rows whose reading needs more than their type: the surface, other rows, a check.
_READ: dict[str, Callable[[_Reader, Field, dict, Surface], Any]] = {
    "runs": _read_runs,
    "start": _read_start,
    "schedule_args": _read_schedule_args,
    "view": _read_view,
    "focus": _read_focus,
    "rates": _read_rates,
    "preset": _read_preset,
    "t": _read_t,
    "sampling": _read_batching,
    "batch_seed": _read_batching,
}


def _expand_preset(pairs: list[tuple[str, str]], notices: list[str]) -> list[tuple[str, str]]:
    """``preset=slug`` opens that lesson's state; other keys (a view, the step, the theme)
    apply on top. A link that also names the surface or runs is an edited lesson: as is."""
    given = dict(pairs)
    key = FIELD["preset"].key
    slug = given.get(key)
    if slug is None:
        return pairs
    if slug not in presets.BY_SLUG:
        notices.append(
            f"{key}={_short(slug)} is unknown; choose one of: {', '.join(presets.BY_SLUG)}."
        )
        return [(k, v) for k, v in pairs if k != key]
    surface = FIELD["surface"].key
    if any(k.startswith(surface) or _RUN_KEY.fullmatch(k.split(".")[0]) for k in given):
        return pairs  # a preset someone went on editing: the query says it all
    # the lesson, with any other key given (a view, the step, the theme) on top
    merged = {**dict(parse_qsl(presets.BY_SLUG[slug].query)), **given}
    return list(merged.items())


# --------------------------------------------------------------------------- what changed
def _labels(state: AppState) -> tuple:
    """What names each run in the view's run menu (`figures.run_label`: its optimizer, rate
    as shown, hyperparameters off their defaults, batch size)."""
    return tuple(
        (r.optimizer, f"{r.hp['lr']:.3g}", tuple(sorted(r.hp.items())), r.batch) for r in state.runs
    )


def _names_runs(state: AppState) -> bool:
    """Whether the view's controls list the runs by name (its run menu is shown)."""
    return state.mode in ("compare", "starts") or (state.mode == "paths" and state.inspect)


def changes(old: AppState, new: AppState) -> dict[str, tuple[str, ...]]:
    """Each setting that differs between `old` and `new`, with the parts it redraws.

    Keys are addresses: a text box's key where one backs the setting
    (``run.0.lr``, ``steps``, ``rates.lo``), else its URL key (``run1``,
    ``surface``, ``run2.color``). The rate range counts as shown (the default
    range follows its run), and the run menu's labels, where it is shown, as ``labels``.
    """
    out: dict[str, tuple[str, ...]] = {}
    for f in FIELDS:
        a, b = getattr(old, f.attr), getattr(new, f.attr)
        if f.attr == "rates":
            if a == b and new.mode != "compare":
                continue  # the range follows its run, but is shown in compare mode only
            for j, end in enumerate(_RATE_ENDS):
                if old.rate_range()[j] != new.rate_range()[j]:
                    out[box_key(f, end)] = f.parts
        elif f.attr == "runs":
            if _labels(old) != _labels(new) and _names_runs(new):
                out["labels"] = ("view",)
            for i in range(max(len(a), len(b))):
                if i >= len(a) or i >= len(b):
                    out[f"run{i + 1}"] = FIELD_RUN["optimizer"].parts
                    continue
                for rf in RUN_FIELDS:
                    _diff(rf, a[i], b[i], out, f"run{i + 1}", i)
        elif a != b:
            _diff(f, old, new, out)
    if (has_data(old), has_data(old) and samples_of(old)) != (
        has_data(new),
        has_data(new) and samples_of(new),
    ):  # each run card's batch size (shown on data surfaces only) goes up to N
        out["batch-range"] = ("runs",)
    return out


def _diff(f: Field, old: Any, new: Any, out: dict, prefix: str = "", run: int | None = None):
    a, b = getattr(old, f.attr), getattr(new, f.attr)
    if a == b:
        return
    if isinstance(f.kind, Family):
        for name in {*a, *b}:
            if a.get(name) != b.get(name):
                out[box_key(f, name, run)] = f.parts
    else:
        out[box_key(f, run=run) if f.box else prefix + f.key] = f.parts


def parts_of(address: str) -> tuple[str, ...]:
    """The parts a setting's address (see `changes`) redraws."""
    head = address.partition(".")[0]
    if head == "run":
        return FIELD_RUN["hp"].parts
    for f in FIELDS:
        if f.box is not None and (f.box == address or f.box.removesuffix("{name}") == head + "."):
            return f.parts
        if f.key == address:
            return f.parts
    return ()
