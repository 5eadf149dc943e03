"""Layout builders: every control is generated from a registry `Param`, never listed by hand.

Ids (see `ids`) follow one scheme so that a single callback can take every
value: a parameter's text box is ``{"type": "pv", "key": KEY, "log": 0|1}``
and its slider ``{"type": "ps", ...}`` with the same key. KEY is a path into
the state: ``surface.angle``, ``run.2.lr``, ``schedule.t_max``, ``steps``,
``noise``, ``seed``, ``clip_at``.
"""

from __future__ import annotations

import json
import math
import re
from urllib.parse import urlsplit

from dash import dcc, html

from gradscape.optimizers import OPTIMIZERS
from gradscape.surfaces import Param
from gradscape.surfaces.data import MAX_SAMPLES

from . import datapanel, ids, presets, race, tex
from .compute import TOLERANCE
from .figures import num, run_fate, run_label
from .state import (
    CLIP_MODES,
    CUSTOM,
    FIELD,
    FIELD_RUN,
    LAYOUTS,
    LINK_DATA_CHARS,
    MAX_RUNS,
    METRICS,
    MODES,
    PALETTE,
    PALETTE_DARK,
    PALETTE_NAMES,
    RACE_OBJECTIVES,
    SAMPLING,
    SURFACE_CHOICES,
    AppState,
    Run,
    box,
    box_key,
    fmt_number,
    has_data,
    parse,
    samples_of,
    serialize,
)

SPEEDS = {"0.25": "¼×", "0.5": "½×", "1": "1×", "2": "2×", "4": "4×"}


def _decade(d: int) -> str:
    """A slider mark for 10^d: 0.01, 1, 100 near 1, 1e-6 and 1e4 further out."""
    return f"{10.0**d:g}" if -3 <= d <= 3 else f"1e{d}"


def _for(component_id) -> str:
    """A component id as the page writes it (a dict id as Dash's sorted, compact JSON), for
    a label's ``htmlFor``: each text box is named by its label (WCAG 1.3.1, 4.1.2)."""
    if isinstance(component_id, dict):
        return json.dumps(component_id, sort_keys=True, separators=(",", ":"))
    return component_id


def fmt_value(p: Param, v) -> str:
    """The exact value as the text box shows it (the shortest text that reads back the
    same), its exponent unpadded as every label writes it: 5e-5, not Python's 5e-05."""
    if p.kind == "choice":
        return str(v)
    if p.kind == "int":
        return str(int(v))
    exact = fmt_number(v)
    return re.sub(r"e([+-]?)0*(\d)", lambda m: f"e{m.group(1).lstrip('+')}{m.group(2)}", exact)


def control(state: AppState, key: str) -> html.Div:
    """The slider and text box of the number behind `key`, as the field table gives it
    (its registry Param, label and value: see `state.box`)."""
    b = box(state, key)
    return param_control(b.param, key, b.value)


def text_box(state: AppState, key: str) -> html.Div:
    """A number typed only, no slider (the seed: its range is too wide to slide)."""
    b = box(state, key)
    return html.Div(
        [
            html.Label(
                b.param.label,
                className="gs-param-label",
                title=b.param.help,
                htmlFor=_for(ids.pv(key, _scale(b.param))),
            ),
            dcc.Input(
                id=ids.pv(key, _scale(b.param)),
                type="text",
                inputMode="numeric" if b.param.kind == "int" else "decimal",
                value=fmt_value(b.param, b.value),
                debounce=True,
                className="gs-num",
            ),
        ],
        className="gs-param gs-param-head",
    )


def _scale(p: Param) -> str:
    """How the browser maps the slider to the value: "lin", "int", "log" or "logint"."""
    return ("log" if p.log else "") + ("int" if p.kind == "int" else "") or "lin"


def _family(state: AppState, attr: str, owner=None, run: int | None = None) -> list:
    """A control for each registry Param of a family row (surface, schedule, a run)."""
    f = FIELD_RUN[attr] if run is not None else FIELD[attr]
    params = f.kind.params(state if owner is None else owner)
    if run is None:
        return [control(state, box_key(f, p.name)) for p in params]
    return [param_control(p, box_key(f, p.name, run), owner.hp[p.name]) for p in params]


def param_control(p: Param, key: str, value, *, label: str | None = None) -> html.Div:
    """A labelled slider (log10 of the value for log-scale parameters) with a typeable box."""
    log = p.log
    scale = _scale(p)
    title = f"{p.help} Range {p.describe_range()}."
    text = label or p.label
    symbol = p.symbol if p.symbol and not text.endswith(p.symbol) else ""
    head = html.Label(
        [text, html.Span(f" {symbol}", className="gs-sym") if symbol else None],
        title=title,
        className="gs-param-label",
        htmlFor=_for(ids.pv(key, scale)) if p.kind not in ("bool", "choice") else None,
    )
    if p.kind == "bool":
        box = dcc.Checklist(
            id=ids.pv(key, scale),
            options=[{"label": " on", "value": "on"}],
            value=["on"] if value else [],
            className="gs-check",
        )
        return html.Div([head, box], className="gs-param gs-param-bool")
    if p.kind == "choice":  # a few named options (L-BFGS's line search): one click each
        box = dcc.RadioItems(
            id=ids.pv(key, scale),
            options=[{"label": f" {c.replace('_', ' ')}", "value": c} for c in p.choices],
            value=value,
            inline=True,
            className="gs-check",
        )
        return html.Div([head, box], className="gs-param gs-param-bool")
    if log:
        lo, hi = math.log10(p.min), math.log10(p.max)
        pos = math.log10(max(float(value), p.min))
        marks = {d: {"label": _decade(d)} for d in range(math.ceil(lo), math.floor(hi) + 1)}
        if len(marks) > 6:
            every = math.ceil(len(marks) / 5)
            marks = {d: m for j, (d, m) in enumerate(sorted(marks.items())) if j % every == 0}
        step = 0.01
    else:
        lo, hi, pos = p.min, p.max, float(value)
        marks = None
        step = p.step or (1 if p.kind == "int" else (hi - lo) / 200)
    slider = dcc.Slider(
        id=ids.ps(key, scale),
        min=lo,
        max=hi,
        step=step,
        value=pos,
        marks=marks,
        updatemode="drag",
        allow_direct_input=False,
        className="gs-slider",
    )
    box = dcc.Input(
        id=ids.pv(key, scale),
        type="text",
        inputMode="decimal",
        value=fmt_value(p, value),
        debounce=True,
        className="gs-num",
        name=key,
    )
    return html.Div(
        [html.Div([head, box], className="gs-param-head"), slider],
        className="gs-param",
        # the slider's step, for a key the browser answers before the slider sees it
        # (assets/gs/85-fast.js)
        **{"data-step": repr(float(step))},
    )


# --------------------------------------------------------------------------- sections
def surface_params(state: AppState) -> list:
    if state.surface == CUSTOM:
        return custom_controls(state)
    if state.data and has_data(state):  # your samples: the generated data's settings rest
        return data_controls(state)
    return _family(state, "surface_params") + data_controls(state)


def data_controls(state: AppState) -> list:
    """A data surface's batching: how mini-batches are drawn, and their seed (shared by
    every run; each run's batch size is on its card)."""
    if not has_data(state):
        return []
    return [
        html.Div(
            [
                html.Label(
                    "Mini-batches",
                    className="gs-param-label",
                    title="Shuffle: a new permutation every epoch, cut in slices (torch's "
                    "DataLoader). Replacement: B samples drawn at random every step. "
                    "Cycle: the samples in order, again and again.",
                ),
                dcc.RadioItems(
                    id=ids.ctl(FIELD["sampling"].key),
                    options=[{"label": v, "value": k} for k, v in SAMPLING.items()],
                    value=state.sampling,
                    inline=True,
                    className="gs-radio",
                ),
            ],
            className="gs-param gs-sampling",
        ),
        text_box(state, FIELD["batch_seed"].box),
        upload_controls(state),
    ]


def upload_controls(state: AppState) -> html.Div:
    """Your own samples: a CSV file dropped or chosen, or pasted; the browser sends the
    text (assets/gs/35-data.js) and the server checks it (`state.upload`)."""
    # written by the browser only; drawn empty (None), so drawing it changes nothing
    sink = dcc.Input(id=ids.formula(ids.CSV), type="hidden", value=None)
    if state.data:
        n = samples_of(state)
        linked = len(state.data) <= LINK_DATA_CHARS
        return html.Div(
            [
                html.Div(
                    [
                        html.Span(f"Your data · {n:,} samples", className="gs-param-label"),
                        html.Button(
                            "Use generated data",
                            className="gs-copy gs-csv-generated",
                            title="Back to the generated samples (samples, noise, data seed)",
                        ),
                    ],
                    className="gs-param-head",
                ),
                html.P(
                    "A copied link carries these samples."
                    if linked
                    else f"Too many for a link (over {LINK_DATA_CHARS:,} characters): a copied "
                    "link carries only the generated-data settings.",
                    className="gs-hint gs-csv-link",
                ),
                sink,
            ],
            className="gs-param gs-csv",
        )
    label = "y: labels 0 or 1" if state.surface == "logistic_regression" else "y"
    return html.Details(
        [
            html.Summary("Your data (CSV)…", className="gs-csv-summary"),
            dcc.Upload(
                html.Span(["Drop a CSV file here or ", html.A("choose one")]),
                id=ids.CSV_UPLOAD,
                className="gs-csv-upload",
                accept=".csv,.txt,.tsv,text/csv,text/plain",
            ),
            dcc.Textarea(
                id=ids.CSV_TEXT,
                placeholder=f"or paste two columns, x and {label}:\nx,y\n0.5,1.2\n1.0,2.1",
                className="gs-csv-text",
                spellCheck=False,
            ),
            html.Div(
                [
                    html.Button("Use this data", className="gs-copy gs-csv-use"),
                    html.Span(
                        f"Up to {MAX_SAMPLES:,} rows; links carry up to "
                        f"{LINK_DATA_CHARS:,} characters of data.",
                        className="gs-hint",
                    ),
                ],
                className="gs-csv-actions",
            ),
            sink,
        ],
        className="gs-param gs-csv",
    )


def batch_control(state: AppState, i: int) -> list:
    """Run `i`'s batch size (1 … N on a log slider, N the full batch) and its steps per epoch."""
    if not has_data(state):
        return []
    key = box_key(FIELD_RUN["batch"], run=i)
    b = box(state, key)
    note = html.Div(
        datapanel.epoch_text(b.param.max, state.runs[i].batch, state.sampling),
        className="gs-hint gs-epoch",
        **{"data-run": str(i)},
    )
    ctl = param_control(b.param, key, b.value)
    slider = ctl.children[1]
    top = math.log10(b.param.max)  # the top of the slider is the full batch
    marks = {d: m for d, m in (slider.marks or {}).items() if top - d > 0.35}
    slider.marks = {**marks, top: {"label": "full"}}
    return [ctl, note]


def custom_controls(state: AppState) -> list:
    """The custom surface's formula and box (read by a whitelist parser, never `eval`)."""
    box = state.build_surface().view
    return [
        html.Div(
            [
                html.Label("f(x, y) =", className="gs-param-label", htmlFor="gs-expr"),
                dcc.Input(
                    id=ids.formula(ids.EXPR),
                    type="text",
                    value=state.expr,
                    debounce=True,
                    spellCheck=False,
                    autoComplete="off",
                    className="gs-expr",
                    name="expr",
                ),
                html.P(
                    "Numbers, x, y, + − * / ** ( ), pi, e, and sin cos tan exp log sqrt "
                    "abs sinh cosh tanh arctan. Press Enter to draw.",
                    className="gs-hint",
                ),
            ],
            className="gs-param",
        ),
        html.Div(
            [
                html.Label("Box", className="gs-param-label", title="xmin, xmax, ymin, ymax"),
                dcc.Input(
                    id=ids.formula(ids.BOX),
                    type="text",
                    value=", ".join(fmt_number(v) for v in box),
                    debounce=True,
                    className="gs-num gs-box",
                    name="box",
                ),
            ],
            className="gs-param gs-param-head",
        ),
    ]


def formula(state: AppState):
    s = state.build_surface()
    return tex.block(s.formula, "gs-formula")


def _palette(state: AppState) -> tuple[str, ...]:
    return PALETTE_DARK if state.theme == "dark" else PALETTE


def run_panel(
    i: int, run: Run, n_runs: int, palette: tuple[str, ...] = PALETTE, batch: list = ()
) -> html.Div:
    """Run `i`'s card; `batch` is its batch-size control on a data surface."""
    spec = OPTIMIZERS[run.optimizer]
    color = palette[run.color]
    lr, *more = _family(None, "hp", run, i)
    rest = spec.params[1:]
    controls = [lr, *batch]
    if rest:
        controls.append(
            html.Details(
                [
                    html.Summary(
                        f"{len(rest)} more: " + ", ".join(p.symbol or p.label for p in rest)
                    ),
                    *more,
                ],
                className="gs-more",
            )
        )
    swatches = [
        {
            "label": html.Span(className="gs-swatch", style={"background": c}, title=name),
            "value": j,
        }
        for j, (c, name) in enumerate(zip(palette, PALETTE_NAMES, strict=True))
    ]
    header = html.Div(
        [
            dcc.Dropdown(
                id=ids.color(i),
                options=swatches,
                value=run.color,
                clearable=False,
                searchable=False,
                className="gs-color",
            ),
            dcc.Dropdown(
                id=ids.optimizer(i),
                options=[{"label": s.label, "value": s.name} for s in OPTIMIZERS.values()],
                value=run.optimizer,
                clearable=False,
                className="gs-opt",
            ),
            html.Button(
                id=ids.action(i, "hide"),
                className="gs-icon " + ("gs-i-eye" if run.visible else "gs-i-eye-off"),
                title="Hide this run" if run.visible else "Show this run",
            ),
            html.Button(
                id=ids.action(i, "duplicate"),
                className="gs-icon gs-i-copy",
                title="Duplicate this run",
                disabled=n_runs >= MAX_RUNS,
            ),
            html.Button(
                id=ids.action(i, "remove"),
                className="gs-icon gs-i-x",
                title="Remove this run",
                disabled=n_runs <= 1,
            ),
        ],
        className="gs-run-head",
    )
    if spec.caveat:  # where the method is not what its name promises on two parameters
        controls.append(html.P(spec.caveat, className="gs-hint gs-caveat"))
    return html.Div(
        [header, *controls],
        className="gs-run" + ("" if run.visible else " gs-hidden"),
        style={"--run": color},
        **{"data-run": str(i), "aria-label": run_label(run)},
    )


def run_panels(state: AppState) -> list:
    return [
        run_panel(i, r, len(state.runs), _palette(state), batch_control(state, i))
        for i, r in enumerate(state.runs)
    ]


def schedule_params(state: AppState) -> list:
    return _family(state, "schedule_args")


def clip_params(state: AppState) -> list:
    if state.clip == "off":
        return []
    return [control(state, "clip_at")]


def _radio(id_: str, options: dict[str, str], value: str, label: str) -> html.Div:
    return html.Div(
        [
            html.Label(label, className="gs-param-label"),
            dcc.RadioItems(
                id=ids.ctl(id_),
                options=[{"label": v, "value": k} for k, v in options.items()],
                value=value,
                inline=True,
                className="gs-radio",
            ),
        ],
        className="gs-param",
    )


def view_params(state: AppState) -> list:
    """The current view's own controls: which run it is about, and its settings."""
    if state.mode in ("3d", "sensitivity"):
        return [html.P(_VIEW_HINTS[state.mode], className="gs-hint gs-view-hint")]
    focus = html.Div(
        [
            html.Label(
                "Inspect run" if state.mode == "paths" else "Run", className="gs-param-label"
            ),
            dcc.Dropdown(
                id=ids.ctl(ids.FOCUS),
                options=[
                    {"label": f"{i + 1}. {run_label(r)}", "value": i}
                    for i, r in enumerate(state.runs)
                ],
                value=min(state.focus, len(state.runs) - 1),
                clearable=False,
                searchable=False,
            ),
        ],
        className="gs-param",
    )
    out: list = [html.P(_VIEW_HINTS[state.mode], className="gs-hint gs-view-hint")]
    if state.mode == "paths":
        out.append(
            dcc.Checklist(
                id=ids.ctl(ids.INSPECT),
                options=[{"label": " Step inspector", "value": "on"}],
                value=["on"] if state.inspect else [],
                className="gs-check",
            )
        )
        if state.inspect:
            out.append(focus)
        out.append(race_controls(state))
    elif state.mode == "compare":
        out += [
            focus,
            _radio(ids.LAYOUT, LAYOUTS, state.layout, "Layout"),
            control(state, "k"),
            control(state, "rates.lo"),
            control(state, "rates.hi"),
        ]
    elif state.mode == "starts":
        out += [
            focus,
            _radio(ids.METRIC, METRICS, state.metric, "Colour by"),
            control(state, "grid"),
        ]
    return out


def race_controls(state: AppState) -> html.Div:
    """The fair race: its objective, its budget and the button that tunes every visible run."""
    return html.Div(
        [
            html.Div("Fair race", className="gs-param-label gs-race-title"),
            _radio(ids.OBJECTIVE, RACE_OBJECTIVES, state.objective, "Best by"),
            control(state, "budget"),
            html.Button(
                "Tune all",
                id=ids.button(ids.TUNE),
                className="gs-tune",
                title="Give every visible run the same budget: sweep its learning rate on a "
                "log grid around its default and keep the best by the objective.",
            ),
        ],
        className="gs-race",
    )


_VIEW_HINTS = {
    "paths": "Every run from the start point. Click the map to move the start.",
    "compare": "One run at several learning rates, spread evenly on a log scale.",
    "sensitivity": "Final loss and steps to arrive against the learning rate, for "
    "200 rates per run. Click a point to use that rate.",
    "starts": "Every start of a grid over the view, stepped at once. Click a cell "
    "to watch that start's path.",
    "3d": "The surface in 3D with every path. Drag to turn it.",
}


def sidebar(state: AppState) -> list:
    """Every control, set from `state`."""

    def section(title, *children, hint=None):
        head = [html.H2(title)]
        if hint:
            head.append(html.Span(hint, className="gs-hint"))
        return html.Section([html.Div(head, className="gs-section-head"), *children])

    return [
        section("View", html.Div(view_params(state), id=ids.VIEW_PARAMS)),
        section(
            "Surface",
            dcc.Dropdown(
                id=ids.SURFACE,
                options=[{"label": label, "value": n} for n, label in SURFACE_CHOICES.items()],
                value=state.surface,
                clearable=False,
            ),
            html.Div(formula(state), id=ids.FORMULA),
            html.Div(surface_params(state), id=ids.SURFACE_PARAMS),
        ),
        section(
            "Runs",
            html.Div(run_panels(state), id=ids.RUNS),
            html.Button(
                "+ Add run", id=ids.ADD, className="gs-add", disabled=len(state.runs) >= MAX_RUNS
            ),
        ),
        section(
            "Start",
            html.Div(
                [
                    html.Label(
                        [
                            name,
                            dcc.Input(
                                id=box,
                                type="text",
                                value=fmt_number(value),
                                debounce=True,
                                className="gs-num",
                            ),
                        ]
                    )
                    for name, box, value in zip(
                        "xy", (ids.START_X, ids.START_Y), state.start, strict=True
                    )
                ],
                className="gs-start",
            ),
            hint="or click the map",
        ),
        section(
            "Training",
            control(state, "steps"),
            html.Div(
                [
                    html.Label("Schedule", className="gs-param-label"),
                    dcc.Dropdown(
                        id=ids.SCHEDULE,
                        options=[
                            {"label": n.replace("_", " + ").capitalize(), "value": n}
                            for n in FIELD["schedule"].kind
                        ],
                        value=state.schedule,
                        clearable=False,
                        searchable=False,
                    ),
                ],
                className="gs-param",
            ),
            html.Div(schedule_params(state), id=ids.SCHEDULE_PARAMS),
            html.Div(
                [
                    html.Label("Gradient clipping", className="gs-param-label"),
                    dcc.RadioItems(
                        id=ids.CLIP,
                        options=[{"label": v, "value": k} for k, v in CLIP_MODES.items()],
                        value=state.clip,
                        inline=True,
                        className="gs-radio",
                    ),
                ],
                className="gs-param",
            ),
            html.Div(clip_params(state), id=ids.CLIP_PARAMS),
            control(state, "noise"),
            text_box(state, "seed"),
        ),
    ]


# --------------------------------------------------------------------------- page
def startmap_block(graph_config: dict) -> html.Div:
    """The start map, its progress bar and cancel button (filled by a background callback)."""
    return html.Div(
        [
            html.Div(
                [
                    html.Span("Computing the start map…", id=ids.PROGRESS_TEXT),
                    html.Progress(id=ids.PROGRESS, value="0", max="100"),
                    html.Button("Cancel", id=ids.CANCEL, className="gs-copy", disabled=True),
                    html.Button("Retry", id=ids.RETRY, className="gs-copy", hidden=True),
                ],
                id=ids.PROGRESS_BOX,
                className="gs-progress",
            ),
            dcc.Graph(
                id=ids.STARTMAP,
                figure={  # until the first map arrives: no axes under the progress bar
                    "data": [],
                    "layout": {
                        "xaxis": {"visible": False},
                        "yaxis": {"visible": False},
                        "paper_bgcolor": "rgba(0,0,0,0)",
                        "plot_bgcolor": "rgba(0,0,0,0)",
                    },
                },
                config={**graph_config, "doubleClick": False},
                className="gs-startmap",
                responsive=True,
            ),
            html.Div(id=ids.STARTMAP_INFO, className="gs-hint gs-startmap-info"),
            dcc.Store(id=ids.STARTREQ),
        ],
        className="gs-startmap-block",
    )


def lessons_menu() -> html.Details:
    """The one-click lessons: each a link to its preset's URL."""
    return html.Details(
        [
            html.Summary("Lessons", className="gs-copy"),
            html.Div(
                [
                    html.A(
                        [html.B(p.title), html.Span(_first_sentence(p.text))],
                        href=f"?preset={p.slug}",
                        className="gs-menu-item",
                        **{"data-preset": p.slug},
                    )
                    for p in presets.PRESETS
                ],
                className="gs-menu gs-lessons",
            ),
        ],
        className="gs-dropdown",
    )


def _first_sentence(text: str) -> str:
    head = text.split(". ")[0].replace("*", "")
    return head if head.endswith(".") else head + "."


def export_menu() -> html.Details:
    """Downloads of the current view; the browser fills in the links from the current state."""
    gif = [
        html.Label(
            [
                name,
                dcc.Input(
                    type="number",
                    value=v,
                    min=lo,
                    max=hi,
                    placeholder="end" if v is None else None,
                    className="gs-num",
                    name=f"export.{k}",
                ),
            ]
        )
        for name, k, v, lo, hi in (
            ("from step", "first", 0, 0, 100_000),
            ("to step", "last", None, 1, 100_000),  # empty: the last step
            ("frames", "frames", 60, 2, 300),
            ("fps", "fps", 15, 1, 50),
            ("width", "width", 900, 200, 2000),
        )
    ]
    return html.Details(
        [
            html.Summary("Download", className="gs-copy"),
            html.Div(
                [
                    html.A(
                        "PNG image (2×)",
                        className="gs-menu-item gs-export",
                        **{"data-format": "png"},
                    ),
                    html.A(
                        "Slide, 16:9 (1920×1080 PNG)",
                        id=ids.EXPORT_SLIDE,
                        className="gs-menu-item gs-export",
                        title="Titled with the lesson, its story beside the map, in fonts a "
                        "projector's back row can read",
                        **{"data-format": "png", "data-preset": "slide"},
                    ),
                    html.A(
                        "SVG drawing", className="gs-menu-item gs-export", **{"data-format": "svg"}
                    ),
                    html.A(
                        "Interactive HTML",
                        className="gs-menu-item gs-export",
                        **{"data-format": "html"},
                    ),
                    html.A(
                        "Animated GIF", className="gs-menu-item gs-export", **{"data-format": "gif"}
                    ),
                    html.A(
                        "Animated slide GIF (1920×1080)",
                        id=ids.EXPORT_SLIDE_GIF,
                        className="gs-menu-item gs-export",
                        **{"data-format": "gif", "data-preset": "slide"},
                    ),
                    html.Div(gif, className="gs-gif-opts"),
                ],
                className="gs-menu",
            ),
        ],
        className="gs-dropdown",
        id=ids.EXPORT,
    )


def lesson_text(state: AppState) -> list:
    """The preset's title and story, beside the plot."""
    if not state.preset or state.preset not in presets.BY_SLUG:
        return []
    p = presets.BY_SLUG[state.preset]
    # *word* is the only Markdown a lesson uses: plain HTML, no Markdown component
    parts = re.split(r"\*([^*]+)\*", p.text)
    body = [html.Em(t) if j % 2 else t for j, t in enumerate(parts) if t]
    return [html.H2(f"Lesson · {p.title}"), html.P(body, className="gs-lesson-body")]


def rules_panel(state: AppState) -> list:
    """Each run's update rule as typeset math (lesson mode)."""
    if not state.lesson:
        return []
    seen: list[str] = []
    for r in state.runs:
        if r.visible and r.optimizer not in seen:
            seen.append(r.optimizer)
    blocks = []
    for name in seen:
        spec = OPTIMIZERS[name]
        blocks += [
            html.H3(spec.label),
            tex.block(spec.rule_tex, "gs-rule"),
        ]
    return [html.H2("Update rules"), *blocks]


def inspector_panel(state: AppState):
    """The inspected run's update rule, typeset; the browser writes the numbers under it."""
    if not state.inspect or state.mode != "paths":
        return []
    run = state.focus_run
    spec = OPTIMIZERS[run.optimizer]
    rule = spec.rule_tex
    return [
        html.H2(f"Inspector · {spec.label}"),
        tex.block(rule, "gs-rule") if rule else None,
        html.Table(id=ids.NUMBERS, className="gs-table gs-numbers"),
        html.P(
            "Arrows at the current point: −γ∇f (the step plain gradient descent "
            "would take), −γm (the momentum) and Δθ (the step taken).",
            className="gs-hint",
        ),
    ]


def view_tabs(mode: str) -> dcc.RadioItems:
    """The view tabs, on `mode` (drawn anew, never set: see `callbacks.page_outputs`)."""
    return dcc.RadioItems(
        id=ids.MODE,
        options=[{"label": v, "value": k} for k, v in MODES.items()],
        value=mode,
        className="gs-tabs",
        inline=True,
    )


def _served_state() -> AppState:
    """The state of the link the page is served for, as far as the layout's request says.

    Dash asks for the layout from the page itself, so its Referer holds the
    link (its query). Without one (a browser that sends none, a test) this is
    the default state; `callbacks.load` then redraws the side panel.
    """
    try:
        from flask import request

        query = urlsplit(request.referrer or "").query
    except (RuntimeError, ValueError):  # outside a request
        query = ""
    return parse(query)[0]


def page() -> html.Div:
    """The shell, with the side panel and the tabs for the link (see `_served_state`);
    the load callback draws the figures from the URL."""
    state = _served_state()
    graph_config = {
        "displaylogo": False,
        "scrollZoom": False,
        "doubleClick": "reset",
        "modeBarButtonsToRemove": [
            "lasso2d",
            "select2d",
            "autoScale2d",
            "toggleSpikelines",
            "toImage",
        ],
        "toImageButtonOptions": {"format": "png", "scale": 2, "filename": "gradscape"},
    }
    playback = html.Div(
        [
            html.Button(
                id=ids.RESET, className="gs-icon gs-i-first", title="Back to step 0 (Home)"
            ),
            html.Button(id=ids.BACK, className="gs-icon gs-i-back", title="One step back (←)"),
            html.Button(id=ids.PLAY, className="gs-play gs-i-play", title="Play / pause (space)"),
            html.Button(id=ids.FORWARD, className="gs-icon gs-i-fwd", title="One step forward (→)"),
            html.Label("Step", htmlFor=ids.TIMELINE, className="gs-sr"),
            dcc.Input(
                id=ids.TIMELINE,
                type="range",
                min=0,
                max=500,
                step=1,
                value=0,
                className="gs-timeline",
                name="timeline",
            ),
            html.Span("step 0 / 500", id=ids.STEP_LABEL, className="gs-step"),
            dcc.Dropdown(
                id=ids.SPEED,
                options=[{"label": v, "value": k} for k, v in SPEEDS.items()],
                value="1",
                clearable=False,
                searchable=False,
                className="gs-speed",
            ),
        ],
        className="gs-playback",
    )
    return html.Div(
        [
            dcc.Location(id=ids.URL, refresh=False),
            dcc.Store(id=ids.STATE),
            dcc.Store(id=ids.LOADED),
            dcc.Store(id=ids.DRAWN, data=serialize(state, with_step=False)),
            dcc.Store(id=ids.FRAME),
            dcc.Store(id=ids.CLICK),
            dcc.Store(id=ids.VIEW),
            dcc.Store(id=ids.PATHS),
            dcc.Store(id=ids.SINK),
            html.Aside(
                [
                    html.Header(
                        [
                            html.H1(["Grad", html.Span("scape")]),
                            html.Div(
                                [
                                    html.Button(
                                        id=ids.THEME,
                                        className="gs-icon gs-i-theme",
                                        title="Dark or light",
                                    ),
                                    html.Button(
                                        id=ids.LESSON_TOGGLE,
                                        className="gs-icon gs-i-screen",
                                        title="Lesson mode: hide the controls, large type "
                                        "(for a projector)",
                                    ),
                                ],
                                className="gs-brand-tools",
                            ),
                            html.Div(
                                [
                                    html.Button(  # tablets and phones: the controls' drawer
                                        "Controls",
                                        className="gs-copy gs-drawer-toggle",
                                        title="Show the controls",
                                        **{"aria-controls": "gs-drawer", "aria-expanded": "false"},
                                    ),
                                    html.Button(
                                        "Copy link",
                                        id=ids.COPY,
                                        className="gs-copy",
                                        title="Copy a link to exactly this view",
                                    ),
                                    lessons_menu(),
                                    export_menu(),
                                ],
                                className="gs-toolbar",
                            ),
                        ],
                        className="gs-brand",
                    ),
                    html.Div(
                        [
                            html.Button(
                                "✕ Close controls",
                                className="gs-drawer-close",
                                title="Back to the map (Esc)",
                            ),
                            html.Div(sidebar(state), id=ids.SIDEBAR),
                        ],
                        id="gs-drawer",
                        className="gs-controls",
                        role="region",
                        **{"aria-label": "Controls"},
                    ),
                ],
                className="gs-side",
            ),
            html.Main(
                [
                    html.Div(id=ids.NOTICES, className="gs-notices", role="status"),
                    html.Div(view_tabs(state.mode), id=ids.TABS),
                    html.Div(
                        [
                            html.Div(
                                [
                                    html.Div(id=ids.LEGEND, className="gs-legend"),
                                    dcc.Graph(
                                        id=ids.MAP,
                                        config=graph_config,
                                        className="gs-map",
                                        responsive=True,
                                    ),
                                    dcc.Graph(
                                        id=ids.FIGURE,
                                        config={**graph_config, "scrollZoom": True},
                                        className="gs-figure",
                                        responsive=True,
                                    ),
                                    startmap_block(graph_config),
                                    playback,
                                ],
                                className="gs-hero",
                                # the map's text alternative: the summary table beside it
                                role="figure",
                                **{
                                    "aria-label": "The map: each run's path over the "
                                    "surface's contours (summary table beside it)",
                                    "aria-describedby": ids.SUMMARY,
                                },
                            ),
                            html.Div(
                                [
                                    html.Div(id=ids.LESSON, className="gs-lesson-text"),
                                    html.Div(id=ids.RULES, className="gs-rules"),
                                    html.Div(
                                        [
                                            html.H3("Data", className="gs-data-title"),
                                            html.Div(id=ids.DATA, className="gs-data-plot"),
                                        ],
                                        className="gs-data",
                                    ),
                                    html.H2("Loss"),
                                    dcc.Graph(
                                        id=ids.LOSS,
                                        config={**graph_config, "displayModeBar": False},
                                        className="gs-loss",
                                        style={"height": "240px"},
                                        responsive=True,
                                    ),
                                    html.H2("Summary"),
                                    html.Div(id=ids.SUMMARY, className="gs-summary"),
                                    html.Div(id=ids.INSPECTOR, className="gs-inspector"),
                                ],
                                className="gs-aside",
                                # it scrolls on small screens: a keyboard must reach it too
                                tabIndex="0",
                                role="region",
                                **{"aria-label": "Lesson, loss and summary"},
                            ),
                        ],
                        className="gs-views",
                    ),
                ],
                className="gs-main",
            ),
        ],
        className="gs-app",
        id=ids.ROOT,
    )


# --------------------------------------------------------------------------- summary
def summary_table(state: AppState, results, palette: tuple[str, ...] | None = None) -> html.Table:
    """Per run: final loss, distance to the nearest minimum, when it arrived, or its divergence."""
    surface = state.build_surface()
    palette = palette or _palette(state)
    head = html.Tr(
        [
            html.Th("Run"),
            html.Th("final f", title="Loss at the last step"),
            html.Th("to min", title="Distance from the last point to the nearest minimum"),
            html.Th(
                "arrived",
                title=f"First step from which the path stays within {TOLERANCE:g} of that minimum",
            ),
        ]
    )
    rows = []
    for run, r in zip(state.runs, results, strict=True):
        first, _, rest = OPTIMIZERS[run.optimizer].label.partition(" ")
        dot = html.Span(className="gs-dot", style={"background": palette[run.color]})
        name = html.Td(
            [  # a narrow column wraps the name before γ; the dot stays with its first word
                html.Span([dot, first], className="gs-nowrap"),
                f" {rest} " if rest else " ",
                html.Span(f"γ {num(run.hp['lr'])}", className="gs-lr"),
            ],
            className="gs-run-name",
        )
        fate = run_fate(state, r, surface)  # the words the legend and exports use
        if fate is not None:
            status = [html.Td(fate.long, colSpan=3, className=f"gs-{fate.kind}")]
        else:
            dist = "—" if r.distance is None else f"{r.distance:.3g}"
            if r.nearest is not None and len(surface.minima) > 1:
                m = surface.minima[r.nearest]
                dist = html.Span(dist, title=f"to the minimum at ({m.x:.4g}, {m.y:.4g})")
            arrived = (
                "—"
                if not surface.minima
                else (str(r.reached_at) if r.reached_at is not None else "not yet")
            )
            status = [html.Td(f"{r.final_loss:.3g}"), html.Td(dist), html.Td(arrived)]
        rows.append(html.Tr([name, *status], className="" if run.visible else "gs-hidden"))
    parts = [html.Thead(head), html.Tbody(rows)]
    if state.tuned and state.mode != "compare":  # the comparison's rows are its rates
        parts.insert(0, html.Caption(race.caption(state), className="gs-race-caption"))
    return html.Table(parts, className="gs-table")
