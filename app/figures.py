"""Pure figure builders: state and results in, `plotly.graph_objects.Figure` out.

The app, the export command and a notebook all draw with these. Trace order is
fixed so that updates can address traces by index:

* map: ``[contour, minima, start]`` then, in an exported figure, each run's
  traces as `look.Drawing` draws them (ghost, trail, head), in the order
  `drawn_runs` gives (runs that left the map first, under the others). In the
  app the map holds no run: the browser draws them over it from the paths store.
* loss: two traces per run, the curve and the head; on a data surface three,
  the mini-batch loss first (`loss_traces_per_run`), and the epochs as shapes.

Every run trace carries ``meta = {"role": ..., "run": i, "diverged": k, "mark": s}``
(k: the step the run left the map on, −1 never; s: the symbol it shows from then
on); the browser's step markers (``assets/gs/60-markers.js``) find the loss
chart's and the 3D view's traces by it.

How a run left the map is told the same way everywhere (`run_fate`, `look.Fate`):
"diverged" where it blew up, "left the map, f → −∞" where a surface without a
bottom let it escape downhill; legend, summary table, loss chart, compare titles
and exports all ask `run_fate`.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import plotly.graph_objects as go

from gradscape.optimizers import OPTIMIZERS
from gradscape.optimizers.batching import is_data_surface
from gradscape.surfaces import Surface

from . import datapanel, look
from .compute import RunResult
from .state import PALETTE, PALETTE_DARK, AppState, Run

__all__ = [
    "FIXED_TRACES",
    "FONT",
    "LOSS_FLOOR",
    "THEMES",
    "Theme",
    "as_dicts",
    "chart_axis",
    "contour_trace",
    "drawn_runs",
    "log_ticks",
    "loss_dtick",
    "loss_figure",
    "loss_floor",
    "loss_run_traces",
    "loss_yaxis",
    "map_axis",
    "map_drawing",
    "map_drawings",
    "map_figure",
    "map_index",
    "map_run_traces",
    "num",
    "path_data",
    "paths_data",
    "run_fate",
    "run_label",
    "run_name",
]

FIXED_TRACES = 3
PARTS = ("ghost", "trail", "head")
#: Gaps below this are drawn at it on the log axis (an exact 0 has no logarithm).
LOSS_FLOOR = 1e-30
GRID = 150
FONT = "Inter, system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"


@dataclass(frozen=True)
class Theme:
    """Colours of one theme. The contour is lightest where the loss is lowest (so the
    minima stand out) and stays muted, so the runs' colours read on top of it."""

    ink: str
    muted: str
    axis: str
    grid: str
    plot: str
    halo: str  # outline of markers drawn over paths
    lines: str  # contour lines
    contour: tuple[tuple[float, str], ...]
    palette: tuple[str, ...]


THEMES: dict[str, Theme] = {
    "light": Theme(
        ink="#1f2933",
        muted="#52606d",
        axis="#9aa5b1",
        grid="#eef1f4",
        plot="#ffffff",
        halo="#ffffff",
        lines="rgba(255,255,255,0.75)",
        contour=(
            (0.0, "#fbfcfd"),
            (0.25, "#e4ebf1"),
            (0.5, "#c8d5e1"),
            (0.75, "#a5b8ca"),
            (1.0, "#7f97b0"),
        ),
        palette=PALETTE,
    ),
    "dark": Theme(
        ink="#e4e7eb",
        muted="#a3adb8",
        axis="#5b6776",
        grid="#263241",
        plot="#0f1720",
        halo="#0f1720",
        lines="rgba(255,255,255,0.3)",
        # the light theme mirrored: the minimum takes the page's colour and high loss
        # rises to a mid blue-grey, so the map spans a brightness range like the light
        # one's (about 30…140 of 255 against 147…252) and stays readable on a projector
        contour=(
            (0.0, "#16222f"),
            (0.25, "#283b50"),
            (0.5, "#3e5670"),
            (0.75, "#56718e"),
            (1.0, "#7590ac"),
        ),
        palette=PALETTE_DARK,
    ),
}


def map_index(i: int, part: str) -> int:
    """Index in an exported map figure's data of run `i`'s `part` (ghost, trail or head)
    when no run left the map (those are drawn first: see `drawn_runs`)."""
    return FIXED_TRACES + 3 * i + PARTS.index(part)


def num(v: float) -> str:
    """A hyperparameter as every label prints it: 3 significant digits, and below 0.001
    or from 10⁴ on as 2.51e-4 (never Python's 5e-05, nor 0.000251 beside 0.01)."""
    v = float(v)
    if v == 0 or not np.isfinite(v) or 1e-3 <= abs(v) < 1e4:
        return f"{v:.3g}"
    m, e = f"{v:.2e}".split("e")
    return f"{float(m):.3g}e{int(e)}"


#: At most this many hyperparameters besides the rate name a run (those off their default).
LABEL_EXTRAS = 2


def run_label(run: Run) -> str:
    """A run's name: "Adam · γ 0.01" (`num`), then up to `LABEL_EXTRAS` hyperparameters
    that differ from their defaults, by symbol ("· λ 0.01"), and a mini-batch run's batch
    size ("· B 8"): runs that differ in those are told apart in legends."""
    spec = OPTIMIZERS[run.optimizer]
    extras = [
        f" · {p.symbol or p.name.replace('_', ' ')} "
        + (num(v) if isinstance(v, float) else str(v).replace("_", " "))
        for p in spec.params[1:]
        if (v := run.hp.get(p.name, p.default)) != p.default
    ][:LABEL_EXTRAS]
    batch = f" · B {run.batch}" if run.batch is not None else ""
    return f"{spec.label} · γ {num(run.hp['lr'])}{''.join(extras)}{batch}"


def _display(values: np.ndarray) -> np.ndarray:
    """Loss values as float32 for drawing and hover (5 significant digits shown).

    Positions travel as float64; loss values, sent twice (map hover and the loss
    curve), travel at half the bytes. Values beyond float32's range are clipped.
    """
    return np.clip(values, -3e38, 3e38).astype(np.float32)


# --------------------------------------------------------------------------- map
def contour_trace(
    surface: Surface, view: Sequence[float], theme: Theme = THEMES["light"], n: int = GRID
) -> go.Contour:
    """The filled contour over `view`; log-spaced levels where the surface asks for them.

    For log levels the trace draws log10(f − f_min + δ), δ five decades below the
    largest value on the grid, with colour-bar ticks labelled as powers of ten.
    """
    x = np.linspace(view[0], view[1], n)
    y = np.linspace(view[2], view[3], n)
    with np.errstate(all="ignore"):
        f = surface.value(x[None, :], y[:, None])
    finite = np.isfinite(f)
    colorbar = dict(
        thickness=10, len=0.75, outlinewidth=0, tickfont=dict(size=11, color=theme.muted)
    )
    if surface.levels == "log":
        fmin = surface.min_value if surface.min_value is not None else np.nanmin(f[finite])
        q = np.where(finite, f - fmin, np.nan)
        hi = float(np.nanmax(q))
        delta = hi * 1e-5
        z = np.log10(np.maximum(q, 0) + delta)
        lo, top = np.log10(delta), np.log10(hi + delta)
        contours = dict(start=lo, end=top, size=(top - lo) / 22)
        decades = np.arange(np.ceil(lo), np.floor(top) + 1)
        colorbar.update(
            tickvals=decades,
            ticktext=[f"10<sup>{int(d)}</sup>" if d else "1" for d in decades],
            title=dict(text="f − f*", side="top", font=dict(size=11, color=theme.muted)),
        )
    else:
        z = np.where(finite, f, np.nan)
        lo, top = float(np.nanmin(z)), float(np.nanmax(z))
        size = _nice_step((top - lo) / 22)
        contours = dict(start=np.floor(lo / size) * size, end=top, size=size)
        colorbar.update(title=dict(text="f", side="top", font=dict(size=11, color=theme.muted)))
    from .limits import ALIASED, aliasing  # a grid too coarse for lines: a heatmap

    heat = aliasing(z) > ALIASED
    if heat:  # one level: no thousands of tiny contour paths for the browser to draw
        contours = dict(start=lo, end=top, size=max(top - lo, 1e-12))
    return go.Contour(
        x=x,
        y=y,
        z=z.astype(np.float32),
        contours=dict(**contours, coloring="heatmap" if heat else "fill", showlines=not heat),
        line=dict(width=0.6, color=theme.lines, smoothing=0.85),
        colorscale=[list(stop) for stop in theme.contour],
        colorbar=colorbar,
        hoverinfo="skip",
        name="surface",
        showlegend=False,
    )


def _nice_step(raw: float) -> float:
    """The 1-2-5 step at or above `raw` (so level values and colour-bar ticks are round)."""
    if not raw > 0:
        return 1.0
    e = np.floor(np.log10(raw))
    return float(next(m for m in (1, 2, 5, 10) if m * 10**e >= raw) * 10**e)


def _minima_trace(surface: Surface, theme: Theme) -> go.Scatter:
    m = surface.minima
    return go.Scatter(
        x=np.array([p.x for p in m], dtype=np.float64),
        y=np.array([p.y for p in m], dtype=np.float64),
        mode="markers",
        marker=dict(
            symbol="star",
            size=[15 if p.is_global else 12 for p in m],
            color=["#ffffff" if p.is_global else "#aeb8c4" for p in m],
            line=dict(width=1.4, color="#1f2933"),
        ),
        customdata=np.array([p.value for p in m], dtype=np.float64),
        hovertemplate="minimum<br>x %{x:.6g}<br>y %{y:.6g}<br>f %{customdata:.6g}<extra></extra>",
        name="minimum",
        showlegend=False,
    )


def _start_trace(state: AppState, theme: Theme) -> go.Scatter:
    return go.Scatter(
        x=np.array([state.start[0]]),
        y=np.array([state.start[1]]),
        mode="markers",
        marker=dict(symbol="circle-open", size=13, color=theme.ink, line=dict(width=2.2)),
        hovertemplate="start<br>x %{x:.6g}<br>y %{y:.6g}<extra></extra>",
        name="start",
        showlegend=False,
    )


def run_fate(state: AppState, r: RunResult, surface: Surface | None = None) -> look.Fate | None:
    """How run `r` left `state`'s map (`look.fate`): diverged, escaped downhill, or None.

    Every place that tells a run's fate (legend, summary table, loss chart,
    compare titles, exports) asks this, so they agree.
    """
    surface = surface or state.build_surface()
    return look.fate(r.x, r.y, r.loss, r.diverged_at, state.view, surface.min_value is None)


def _left_at(f: look.Fate | None) -> int:
    return -1 if f is None else f.at


def _mark(f: look.Fate | None) -> str:
    return look.CROSS if f is None else f.mark


def run_name(run: Run, r: RunResult, f: look.Fate | None = None) -> str:
    """A run's name in legends: its optimizer and rate, and how it left the map (`run_fate`)."""
    if f is None and r.diverged:
        f = look.Fate("diverged", r.diverged_at, (0.0, 0.0))
    return run_label(run) + ("" if f is None else f" · {f.short}")


def map_drawing(
    i: int,
    run: Run,
    r: RunResult,
    *,
    theme: Theme = THEMES["light"],
    context: str = "map",
    scale: float = 1.0,
    name: str | None = None,
    hover: bool = True,
    axes: tuple[str, str] | None = None,
    fate: look.Fate | None = None,
) -> look.Drawing:
    """Run `i` as `look` draws it on a map (`context` "map" or "panel"), at any step.

    A run that left the map (`fate`, from `run_fate`) is drawn up to the border,
    with its mark (× or the escape triangle) where it crossed."""
    label = OPTIMIZERS[run.optimizer].label
    x, y = look.shown_path(r.x, r.y, fate)
    return look.Drawing(
        x,
        y,
        _display(r.loss),
        _left_at(fate),
        theme.palette[run.color],
        context,
        theme.halo,
        run=i,
        name=run_name(run, r, fate) if name is None else name,
        visible=run.visible,
        hover=(
            f"<b>{label}</b><br>step %{{pointNumber}}<br>x %{{x:.6g}}<br>y %{{y:.6g}}"
            "<br>f %{customdata:.5g}<extra></extra>"
        )
        if hover
        else None,
        axes=axes,
        scale=scale,
        legend=axes is None,
        mark=_mark(fate),
    )


def drawn_runs(
    state: AppState, results: Sequence[RunResult], surface: Surface | None = None
) -> tuple[list[look.Fate | None], list[int], list[float]]:
    """How the map draws the runs of `state`: each run's fate (`run_fate`), the order they
    are drawn in (runs that left the map first, under the others, so a diverging run's
    growing swings do not cover the rest), and each run's extra trail width
    (`look.stacking`, in that order, so no run that stays on the map hides under a later
    one). The browser draws in the same order (assets/gs/30-overlay.js)."""
    surface = surface or state.build_surface()
    fates = [run_fate(state, r, surface) for r in results]
    order = sorted(range(len(results)), key=lambda i: (fates[i] is None, i))
    paths = [
        look.shown_path(results[i].x, results[i].y, fates[i])
        if state.runs[i].visible and fates[i] is None
        else None
        for i in order
    ]
    extra = look.stacking(paths, state.view)
    widen = [0.0] * len(results)
    for slot, i in enumerate(order):
        widen[i] = extra[slot]
    return fates, order, widen


def map_drawings(
    state: AppState, results: Sequence[RunResult], theme: Theme, scale: float = 1.0
) -> list[look.Drawing]:
    """Every run of `state` as the map draws it (`map_drawing`), in the order and with the
    widths `drawn_runs` gives."""
    fates, order, widen = drawn_runs(state, results)
    return [
        replace(
            map_drawing(i, state.runs[i], results[i], theme=theme, scale=scale, fate=fates[i]),
            widen=widen[i],
        )
        for i in order
    ]


def map_run_traces(
    i: int,
    run: Run,
    r: RunResult,
    t: int,
    *,
    theme: Theme = THEMES["light"],
    scale: float = 1.0,
    fate: look.Fate | None = None,
) -> list[dict]:
    """Run `i`'s ghost, trail and head on the map, split at step `t` (for export).

    The app draws the same from `path_data` in the browser, for every frame and
    every slider move, without asking Plotly to redraw the contour
    (Plotly.animate would wipe it, plotly.js #4491, and any change of the
    figure makes Plotly recompute it: ~100 ms here).
    """
    return map_drawing(i, run, r, theme=theme, scale=scale, fate=fate).at(t)


def _typed(a: np.ndarray) -> dict:
    """A numpy array as Plotly's base64 typed-array spec (what the browser decodes)."""
    a = np.ascontiguousarray(a)
    return {"dtype": a.dtype.str.lstrip("<|="), "bdata": base64.b64encode(a.tobytes()).decode()}


def path_data(
    run: Run,
    r: RunResult,
    theme: Theme = THEMES["light"],
    fate: look.Fate | None = None,
    widen: float = 0.0,
    state: AppState | None = None,
) -> dict:
    """What the browser draws a run from: its path as the map shows it, loss, colour,
    and where and how it left the map (`fate`: ``diverged`` is that step, −1 never,
    ``mark`` the symbol shown there, ``fate`` the words).

    Positions are float64; the loss (shown to 5 digits on hover) is float32.
    Given the `state`, a run on a data surface brings its batches too
    (``batch``: see `datapanel.batch_data`).
    """
    x, y = look.shown_path(r.x, r.y, fate)
    out = {
        "x": _typed(x),
        "y": _typed(y),
        "f": _typed(_display(r.loss)),
        "diverged": _left_at(fate),
        "mark": _mark(fate),
        "fate": look.fate_words(fate),
        "widen": widen,
        "color": theme.palette[run.color],
        "visible": run.visible,
        "label": OPTIMIZERS[run.optimizer].label,
        "name": run_name(run, r, fate),
    }
    batch = datapanel.batch_data(state, run, r) if state is not None else None
    if batch is not None:
        out["batch"] = batch
    return out


def paths_data(state: AppState, results: Sequence[RunResult], theme: Theme | None = None) -> dict:
    """`path_data` for every run of `state` (the app's ``paths`` store)."""
    theme = theme or THEMES[state.theme]
    fates, _, widen = drawn_runs(state, results)
    out = {
        "runs": [
            path_data(run, r, theme, fates[i], widen[i], state)
            for i, (run, r) in enumerate(zip(state.runs, results, strict=True))
        ],
        "style": look.style_data(theme.halo),
    }
    data = datapanel.store_data(state, theme)
    if data is not None:  # a data surface: its samples, for the data panel
        out["data"] = data
    return out


def map_figure(
    state: AppState,
    results: Sequence[RunResult],
    *,
    live: bool = False,
    height: int | None = None,
    theme: Theme | None = None,
    scale: float = 1.0,
) -> go.Figure:
    """The hero view: contour, minima, start, and every run's path split at the shown step.

    `live` is for the app: the figure is then the contour, minima and start
    only, and the browser draws the runs over it from `paths_data` (a change of
    a run must not make Plotly redraw the contour: ~100 ms here, even for a
    legend entry). Without it the figure is complete on its own (export), its
    runs drawn by `look` with every width and size times `scale`.
    """
    surface = state.build_surface()
    theme = theme or THEMES[state.theme]
    t = state.shown_step
    data: list = [
        contour_trace(surface, state.view, theme),
        _minima_trace(surface, theme),
        _start_trace(state, theme),
    ]
    if not live:  # in the app the browser draws the runs (and their legend) from `paths_data`
        for drawing in map_drawings(state, results, theme, scale):
            data.extend(drawing.at(t))
    fig = go.Figure(data=data)
    x0, x1, y0, y1 = state.view
    axis = map_axis(theme)
    fig.update_layout(
        xaxis=dict(range=[x0, x1], title=dict(text="x", standoff=4), constrain="domain", **axis),
        yaxis=dict(
            range=[y0, y1],
            title=dict(text="y", standoff=4),
            scaleanchor="x",
            scaleratio=1,
            constrain="domain",
            **axis,
        ),
        margin=dict(l=48, r=12, t=14 if live else 36, b=40),
        font=dict(family=FONT, color=theme.ink, size=12),
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor=theme.plot,
        legend=dict(
            orientation="h",
            x=0,
            y=1.005,
            yanchor="bottom",
            font=dict(size=12),
            bgcolor="rgba(0,0,0,0)",
            itemclick=False,
            itemdoubleclick=False,
        ),
        hoverlabel=dict(font=dict(family=FONT, size=12)),
        dragmode="zoom",
        uirevision=f"{state.surface}:{state.view}",
        height=height,
    )
    return fig


# --------------------------------------------------------------------------- loss
#: How far below the start's gap the log axis goes: below this a gap is rounding
#: noise of the float64 arithmetic, not progress (a path at 1e-30 on one step and
#: 1e-11 the next is not "bouncing back", it is already at the minimum).
LOSS_DECADES = 12


def loss_floor(surface: Surface, r: RunResult) -> float:
    """The smallest gap the log axis shows for run `r`: `LOSS_DECADES` decades below its
    start's gap, and never below the rounding error of f near f* (64 ulps of |f*|)."""
    fmin = surface.min_value or 0.0
    start = abs(float(r.gap[0])) if np.isfinite(r.gap[0]) else 0.0
    return max(LOSS_FLOOR, start * 10.0**-LOSS_DECADES, 64 * np.finfo(float).eps * abs(fmin))


def _loss_y(surface: Surface, r: RunResult, fate: look.Fate | None = None) -> np.ndarray:
    """The curve's values: the gap (floored, `loss_floor`) or f; NaN from the step the
    run left the map on (its later values would flatten every other curve)."""
    if is_data_surface(surface):  # a mean loss, > 0: itself, so the mini-batch loss fits
        y = np.maximum(r.loss, LOSS_FLOOR)
    elif surface.min_value is not None:
        y = np.maximum(r.gap, loss_floor(surface, r))
    else:
        y = r.gap
    end = _loss_end(r, fate)
    if end is not None:
        y = y.copy()
        y[end:] = np.nan
    return y


def _loss_end(r: RunResult, fate: look.Fate | None) -> int | None:
    """Where a run's loss curve stops: the step it left the map (or blew up) on."""
    if fate is not None and fate.at > 0:
        return fate.at
    if r.diverged and r.diverged_at > 0:
        return r.diverged_at
    return None


def _gap_axis(surface: Surface) -> bool:
    """Whether the loss chart draws f − f* (a known minimum; not a data surface, whose
    mini-batch losses fall below f*), else f."""
    return surface.min_value is not None and not is_data_surface(surface)


def _log_axis(surface: Surface) -> bool:
    """Whether the loss chart's axis is logarithmic (f − f*, or a data surface's mean loss)."""
    return surface.min_value is not None or is_data_surface(surface)


def _gap_axis(surface: Surface) -> bool:
    """Whether the loss chart draws f − f* (a known minimum; not a data surface, whose
    mini-batch losses fall below f*), else f."""
    return surface.min_value is not None and not is_data_surface(surface)


def _log_axis(surface: Surface) -> bool:
    """Whether the loss chart's axis is logarithmic (f − f*, or a data surface's mean loss)."""
    return surface.min_value is not None or is_data_surface(surface)


def loss_run_traces(
    i: int,
    run: Run,
    r: RunResult,
    t: int,
    surface: Surface,
    theme: Theme = THEMES["light"],
    fate: look.Fate | None = None,
) -> list[dict]:
    """Run `i`'s loss curve (x is the step: x0 = 0, dx = 1) and its marker at step `t`.

    Plain trace dicts (arrays as typed arrays), so the app patches them in as
    they are; the head follows `look.at_step` and the ``loss`` look. A run that
    left the map (`fate`, see `run_fate`) ends there, with its mark (× for a
    blow-up, ▼ for an escape to f → −∞) from that step on.
    """
    color = theme.palette[run.color]
    y = _display(_loss_y(surface, r, fate))
    end = _loss_end(r, fate)
    gone = -1 if end is None else end
    mark = _mark(fate)
    step = look.at_step(len(y), t, gone, mark)
    k = min(step.k, gone - 1) if end is not None else step.k
    size = look.LOOKS["loss"]
    label = OPTIMIZERS[run.optimizer].label
    what = "f − f*" if _gap_axis(surface) else "f"
    meta = {"run": i, "diverged": gone, "mark": mark}
    common = {
        "type": "scatter",
        "visible": run.visible,
        "showlegend": False,
        "name": run_label(run),
    }
    curve = {
        **common,
        "y": _typed(y),
        "mode": "lines",
        "line": {"color": color, "width": size.trail_width},
        "hovertemplate": f"<b>{label}</b><br>step %{{x}}<br>{what} %{{y:.4g}}<extra></extra>",
        "meta": {"role": "curve", **meta},
    }
    head = {
        **common,
        "x": [k],
        "y": _typed(y[k : k + 1]),
        "mode": "markers",
        "marker": {
            "size": size.head_size,
            "color": color,
            "symbol": step.mark,
            "line": {"width": size.head_halo, "color": theme.halo},
        },
        "hoverinfo": "skip",
        "meta": {"role": "head", **meta},
    }
    if not is_data_surface(surface):
        return [curve, head]
    # a data surface: the mini-batch loss the run saw, faint (empty for the full batch)
    batch = {
        **common,
        "x0": 0,
        "dx": 1,
        "y": _typed(np.zeros(0, dtype=np.float32)),
        "mode": "lines",
        "line": {"color": color, "width": 1.0},
        "opacity": 0.3,
        "hovertemplate": f"<b>{label}</b><br>step %{{x}}<br>mini-batch {what} %{{y:.4g}}"
        "<extra></extra>",
        "meta": {"role": "batch", **meta},
    }
    if r.batch_loss is not None:
        yb = _display(np.maximum(r.batch_loss, LOSS_FLOOR))
        if r.diverged and r.diverged_at > 0:
            yb[r.diverged_at :] = np.nan
        batch["y"] = _typed(yb)
    return [batch, curve, head]


def loss_traces_per_run(surface: Surface) -> int:
    """Traces per run on the loss chart: curve and head, and on a data surface the
    mini-batch loss first (under the curve)."""
    return 3 if is_data_surface(surface) else 2


#: At most this many epoch ticks per batch size on the loss chart (more are thinned).
MAX_EPOCH_TICKS = 25


def loss_epoch_shapes(
    state: AppState, results: Sequence[RunResult], theme: Theme | None = None
) -> list[dict]:
    """A data surface's loss-chart shapes: f* dotted across (where the least loss is
    known and positive), and epoch boundaries on the step axis: short ticks in a run's
    colour at each step a new pass over the data begins, one row per batch size of the
    visible mini-batch runs (every m-th epoch when there are more than `MAX_EPOCH_TICKS`)."""
    theme = theme or THEMES[state.theme]
    shapes: list[dict] = []
    fmin = state.build_surface().min_value
    if fmin is not None and fmin > 0:  # the least full-batch loss, dotted (log axis: log10)
        shapes.append(
            {
                "type": "line",
                "xref": "paper",
                "yref": "y",
                "x0": 0,
                "x1": 1,
                "y0": math.log10(fmin),
                "y1": math.log10(fmin),
                "line": {"color": theme.muted, "width": 1, "dash": "dot"},
            }
        )
    seen: list[int] = []
    for run, r in zip(state.runs, results, strict=True):
        if not run.visible or r.batches is None:
            continue
        n = state.build_surface().data[0].shape[0]
        every = datapanel.steps_per_epoch(n, int(r.batches.shape[1]))
        if every in seen:
            continue
        row = len(seen)
        seen.append(every)
        starts = np.arange(every, state.steps + 1, every)
        if starts.size > MAX_EPOCH_TICKS:
            starts = starts[:: math.ceil(starts.size / MAX_EPOCH_TICKS)]
        for k in starts:
            shapes.append(
                {
                    "type": "line",
                    "xref": "x",
                    "yref": "paper",
                    "x0": float(k),
                    "x1": float(k),
                    "y0": 0.06 * row,
                    "y1": 0.06 * row + 0.05,
                    "line": {"color": theme.palette[run.color], "width": 1.2},
                }
            )
    return shapes


def loss_xrange(steps: int) -> list[float]:
    """Steps 0 … steps with room for the end markers."""
    return [-0.015 * steps, 1.025 * steps]


def _tick_text(v: float) -> str:
    """A log axis' label: plain for 0.001 … 9999, else m·10ᵉ (10ᵉ alone for m = 1)."""
    if 1e-3 <= v < 1e4:
        return f"{v:.3g}"
    e = int(np.floor(np.log10(v) + 1e-9))
    m = v / 10.0**e
    power = f"10<sup>{e}</sup>".replace("-", "−")
    return power if abs(m - 1) < 1e-6 else f"{m:.2g}·{power}"


def log_ticks(lo: float, hi: float, least: int = 3) -> list[float]:
    """At least `least` tick values in [lo, hi] (0 < lo ≤ hi) for a log axis, about six:
    every n-th decade over a wide span, 1-2-5 or 1…9 mantissas over a narrow one, and
    evenly spaced round values where even those are too few (an axis within a decade)."""
    if not (lo > 0 and hi >= lo):
        return []
    a, b = np.floor(np.log10(lo)), np.ceil(np.log10(hi))
    span = np.log10(hi) - np.log10(lo)
    if span >= 3:
        every = max(1, int(np.ceil(span / 6)))
        start = np.ceil(np.log10(lo) - 1e-9)
        ticks = [
            float(10.0**e)
            for e in np.arange(start, b + 1, every)
            if lo <= 10.0**e <= hi * (1 + 1e-9)
        ]
        if len(ticks) >= least:
            return ticks
    for mantissas in ((1, 2, 5), tuple(range(1, 10))):
        ticks = [
            float(m * 10.0**e)
            for e in np.arange(a, b + 1)
            for m in mantissas
            if lo * (1 - 1e-9) <= m * 10.0**e <= hi * (1 + 1e-9)
        ]
        if least <= len(ticks) <= 9:
            return ticks
        if len(ticks) > 9:
            break
    if len(ticks) >= least:
        return ticks[:: int(np.ceil(len(ticks) / 7))]
    step = _nice_step((hi - lo) / 4)
    first = np.ceil(lo / step) * step
    ticks = [float(v) for v in np.arange(first, hi + step * 1e-9, step) if v > 0]
    while len(ticks) < least:  # round values too coarse for the span: split further
        step /= 2
        first = np.ceil(lo / step) * step
        ticks = [float(v) for v in np.arange(first, hi + step * 1e-9, step) if v > 0]
    return ticks


#: The loss chart's y axis left to Plotly (a linear axis, or nothing to fit): its own ticks.
_AUTO_YAXIS = {
    "range": None,
    "autorange": True,
    "tickvals": None,
    "ticktext": None,
    "dtick": None,
    "nticks": 6,
}


def _fixed_yaxis(log_range: list[float], ticks: list[float]) -> dict:
    """A log axis over `log_range` (log10 units) labelled at `ticks`."""
    return {
        "range": log_range,
        "autorange": False,
        "tickvals": ticks,
        "ticktext": [_tick_text(v) for v in ticks],
        "dtick": None,
        "nticks": None,
    }


def loss_yaxis(
    surface: Surface, results: Sequence[RunResult], fates: Sequence[look.Fate | None] = ()
) -> dict:
    """The loss chart's y-axis settings that follow the curves: on the log axis the
    range (from the curves as drawn: floored, cut where a run left the map) and at
    least three labelled ticks; on a linear axis Plotly's own ticks (at least three)."""
    if not _log_axis(surface) or not results:
        return dict(_AUTO_YAXIS)
    if is_data_surface(surface):  # the full-batch curves and most mini-batch losses
        yr = loss_yrange(surface, results)
        if yr is not None:
            return _fixed_yaxis(yr, log_ticks(10.0 ** yr[0], 10.0 ** yr[1]))
    fates = list(fates) or [None] * len(results)
    ys = np.concatenate([_loss_y(surface, r, f) for r, f in zip(results, fates, strict=True)])
    ys = ys[np.isfinite(ys) & (ys > 0)]
    if not ys.size:
        return dict(_AUTO_YAXIS)
    lo, hi = float(ys.min()), float(ys.max())
    if hi / lo < 1.5:  # a flat curve: half a decade around it
        lo, hi = lo / 1.8, hi * 1.8
    ticks = log_ticks(lo, hi)
    pad = 0.04 * (np.log10(hi) - np.log10(lo))
    return _fixed_yaxis([float(np.log10(lo) - pad), float(np.log10(hi) + pad)], ticks)


def loss_dtick(surface: Surface, results: Sequence[RunResult]) -> int | str | None:
    """Kept for callers of the old API: the y axis is set by `loss_yaxis` (None here)."""
    return None


def loss_yrange(surface: Surface, results: Sequence[RunResult]) -> list[float] | None:
    """A data surface's loss axis (log10 units): every full-batch curve, and the
    mini-batch losses but for their lowest 5 % (a single sample's loss can be
    nearly 0, which would squash the curves into a sliver)."""
    if not is_data_surface(surface) or not results:
        return None
    parts = [_loss_y(surface, r) for r in results]
    for r in results:
        if r.batch_loss is not None:
            b = r.batch_loss[np.isfinite(r.batch_loss) & (r.batch_loss > 0)]
            if b.size:
                parts.append(np.array([np.percentile(b, 5), b.max()]))
    ys = np.concatenate(parts)
    ys = ys[np.isfinite(ys) & (ys > 0)]
    if not ys.size:
        return None
    lo, hi = float(np.log10(ys.min())), float(np.log10(ys.max()))
    pad = max(0.05 * (hi - lo), 0.05)
    return [lo - pad, hi + pad]


def as_dicts(traces: Sequence[go.Scatter | go.Contour]) -> list[dict]:
    """Traces as plain dicts with numpy arrays as base64 typed arrays (what a Patch sends)."""
    return [_plain(t.to_plotly_json()) for t in traces]


def _plain(node):
    """`node` with every numpy array as a typed array (2D ones with their shape)."""
    if isinstance(node, np.ndarray):
        spec = _typed(node)
        if node.ndim > 1:
            spec["shape"] = ", ".join(map(str, node.shape))
        return spec
    if isinstance(node, dict):
        return {k: _plain(v) for k, v in node.items()}
    if isinstance(node, list | tuple):
        return [_plain(v) for v in node]
    return node


def map_axis(theme: Theme, size: int = 11) -> dict:
    """A map's axis (the contour maps, the start map): no grid, framed, ticks outside."""
    return dict(
        showgrid=False,
        zeroline=False,
        ticks="outside",
        ticklen=4 if size > 10 else 3,
        tickcolor=theme.axis,
        linecolor=theme.axis,
        mirror=True,
        tickfont=dict(size=size, color=theme.muted),
    )


def chart_axis(theme: Theme) -> dict:
    """A chart's axis (loss, sensitivity): light grid, ticks outside, small muted labels."""
    return dict(
        showgrid=True,
        gridcolor=theme.grid,
        zeroline=False,
        linecolor=theme.axis,
        ticks="outside",
        ticklen=3,
        tickcolor=theme.axis,
        tickfont=dict(size=10, color=theme.muted),
    )


def loss_figure(
    state: AppState,
    results: Sequence[RunResult],
    *,
    height: int | None = None,
    theme: Theme | None = None,
) -> go.Figure:
    """Loss against step for every run, log scale (of f − f*) where f* is known."""
    surface = state.build_surface()
    theme = theme or THEMES[state.theme]
    t = state.shown_step
    data: list = []
    fates = [run_fate(state, r, surface) for r in results]
    for i, (run, r) in enumerate(zip(state.runs, results, strict=True)):
        data.extend(loss_run_traces(i, run, r, t, surface, theme, fates[i]))
    fig = go.Figure(data=data)
    log = _log_axis(surface)
    yaxis = loss_yaxis(surface, results, fates)
    if is_data_surface(surface):  # epochs ticked on the step axis, and the least loss
        fig.update_layout(shapes=loss_epoch_shapes(state, results, theme))
        if surface.min_value is not None and surface.min_value > 0:
            fig.add_annotation(
                text="f*",
                xref="paper",
                x=1.0,
                xanchor="right",
                y=math.log10(surface.min_value),
                yanchor="bottom",
                showarrow=False,
                font=dict(size=10, color=theme.muted),
            )
    axis = chart_axis(theme)
    fig.update_layout(
        xaxis=dict(range=loss_xrange(state.steps), title=dict(text="step", standoff=2), **axis),
        yaxis=dict(
            type="log" if log else "linear",
            exponentformat="power" if log else "none",
            tickformat=None if log else "~g",
            **yaxis,
            title=dict(text="f − f*" if _gap_axis(surface) else "f", standoff=4),
            **axis,
        ),
        margin=dict(l=56, r=10, t=10, b=36),
        font=dict(family=FONT, color=theme.ink, size=11),
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor=theme.plot,
        showlegend=False,
        hoverlabel=dict(font=dict(family=FONT, size=12)),
        uirevision=f"{state.surface}:{state.steps}",
        height=height,
    )
    return fig


def enlarge(fig: go.Figure, k: float = 1.35) -> go.Figure:
    """The same figure with every font `k` times larger (lesson mode, for a projector)."""

    def walk(node, in_font: bool = False):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "size" and in_font and isinstance(value, int | float):
                    node[key] = round(value * k, 1)
                else:
                    walk(value, in_font or key.endswith("font"))
        elif isinstance(node, list | tuple):
            for item in node:
                walk(item, in_font)

    layout = fig.layout.to_plotly_json()
    layout.setdefault("font", {}).setdefault("size", 12)
    walk(layout)
    fig.layout = layout
    for trace in fig.data:
        for part in ("colorbar", "marker", "textfont"):
            sub = getattr(trace, part, None)
            if sub is not None and hasattr(sub, "to_plotly_json"):
                node = {part: sub.to_plotly_json()}
                walk(node, in_font=part == "textfont")
                trace[part] = node[part]
    return fig
