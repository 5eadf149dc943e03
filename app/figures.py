"""Pure figure builders: state and results in, `plotly.graph_objects.Figure` out.

The app, the export command and a notebook all draw with these. Trace order is
fixed so that updates can address traces by index:

* map: ``[contour, minima, start]`` then, in an exported figure, each run's
  traces as `look.Drawing` draws them (ghost, trail, head). In the app the map
  holds no run: the browser draws them over it from the paths store.
* loss: two traces per run, the curve and the head.

Every run trace carries ``meta = {"role": ..., "run": i, "diverged": k}``; the
browser's step markers (``assets/gs/60-markers.js``) find the loss chart's and
the 3D view's traces by it.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from optimizers import OPTIMIZERS
from surfaces import Surface

from . import look
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
    "loss_dtick",
    "loss_figure",
    "loss_run_traces",
    "map_axis",
    "map_drawing",
    "map_drawings",
    "map_figure",
    "map_index",
    "map_run_traces",
    "path_data",
    "paths_data",
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
    """Index in the map figure's data of run `i`'s `part` (ghost, trail or head)."""
    return FIXED_TRACES + 3 * i + PARTS.index(part)


def run_label(run: Run) -> str:
    return f"{OPTIMIZERS[run.optimizer].label} · lr {run.hp['lr']:.3g}"


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
    return go.Contour(
        x=x,
        y=y,
        z=z.astype(np.float32),
        contours=dict(**contours, coloring="fill", showlines=True),
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


def _head_symbol(r: RunResult, t: int) -> str:
    return look.at_step(len(r.x), t, r.diverged_at).mark


def run_name(run: Run, r: RunResult) -> str:
    """A run's name in legends: its optimizer and rate, and whether it diverged."""
    return run_label(run) + (" · diverged" if r.diverged else "")


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
) -> look.Drawing:
    """Run `i` as `look` draws it on a map (`context` "map" or "panel"), at any step."""
    label = OPTIMIZERS[run.optimizer].label
    return look.Drawing(
        r.x,
        r.y,
        _display(r.loss),
        r.diverged_at,
        theme.palette[run.color],
        context,
        theme.halo,
        run=i,
        name=run_name(run, r) if name is None else name,
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
    )


def map_drawings(
    state: AppState, results: Sequence[RunResult], theme: Theme, scale: float = 1.0
) -> list[look.Drawing]:
    """Every run of `state` as the map draws it (`map_drawing`)."""
    return [
        map_drawing(i, run, r, theme=theme, scale=scale)
        for i, (run, r) in enumerate(zip(state.runs, results, strict=True))
    ]


def map_run_traces(
    i: int, run: Run, r: RunResult, t: int, *, theme: Theme = THEMES["light"], scale: float = 1.0
) -> list[dict]:
    """Run `i`'s ghost, trail and head on the map, split at step `t` (for export).

    The app draws the same from `path_data` in the browser, for every frame and
    every slider move, without asking Plotly to redraw the contour
    (Plotly.animate would wipe it, plotly.js #4491, and any change of the
    figure makes Plotly recompute it: ~100 ms here).
    """
    return map_drawing(i, run, r, theme=theme, scale=scale).at(t)


def _typed(a: np.ndarray) -> dict:
    """A numpy array as Plotly's base64 typed-array spec (what the browser decodes)."""
    a = np.ascontiguousarray(a)
    return {"dtype": a.dtype.str.lstrip("<|="), "bdata": base64.b64encode(a.tobytes()).decode()}


def path_data(run: Run, r: RunResult, theme: Theme = THEMES["light"]) -> dict:
    """What the browser draws a run from: its whole path, loss, colour and divergence.

    Positions are float64; the loss (shown to 5 digits on hover) is float32.
    """
    return {
        "x": _typed(r.x),
        "y": _typed(r.y),
        "f": _typed(_display(r.loss)),
        "diverged": r.diverged_at,
        "color": theme.palette[run.color],
        "visible": run.visible,
        "label": OPTIMIZERS[run.optimizer].label,
        "name": run_name(run, r),
    }


def paths_data(state: AppState, results: Sequence[RunResult], theme: Theme | None = None) -> dict:
    """`path_data` for every run of `state` (the app's ``paths`` store)."""
    theme = theme or THEMES[state.theme]
    return {
        "runs": [path_data(run, r, theme) for run, r in zip(state.runs, results, strict=True)],
        "style": look.style_data(theme.halo),
    }


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
def _loss_y(surface: Surface, r: RunResult) -> np.ndarray:
    return np.maximum(r.gap, LOSS_FLOOR) if surface.min_value is not None else r.gap


def loss_run_traces(
    i: int, run: Run, r: RunResult, t: int, surface: Surface, theme: Theme = THEMES["light"]
) -> list[dict]:
    """Run `i`'s loss curve (x is the step: x0 = 0, dx = 1) and its marker at step `t`.

    Plain trace dicts (arrays as typed arrays), so the app patches them in as
    they are; the head follows `look.at_step` and the ``loss`` look.
    """
    color = theme.palette[run.color]
    y = _display(_loss_y(surface, r))
    if r.diverged and r.diverged_at > 0:
        y[r.diverged_at :] = np.nan  # the curve ends where the run left the map
    step = look.at_step(len(y), t, r.diverged_at)
    k = min(step.k, r.diverged_at - 1) if r.diverged and r.diverged_at > 0 else step.k
    size = look.LOOKS["loss"]
    label = OPTIMIZERS[run.optimizer].label
    what = "f − f*" if surface.min_value is not None else "f"
    meta = {"run": i, "diverged": r.diverged_at}
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
    return [curve, head]


def loss_xrange(steps: int) -> list[float]:
    """Steps 0 … steps with room for the end markers."""
    return [-0.015 * steps, 1.025 * steps]


def loss_dtick(surface: Surface, results: Sequence[RunResult]) -> int | str | None:
    """Decades between labels on the log axis, so that about six show whatever the span."""
    if surface.min_value is None or not results:
        return None
    ys = np.concatenate([_loss_y(surface, r) for r in results])
    ys = ys[np.isfinite(ys) & (ys > 0)]
    if not ys.size:
        return None
    span = np.log10(ys.max()) - np.log10(ys.min())
    if span < 3:  # few decades: label the 2s and 5s between them too
        return "D2"
    return max(1, int(np.ceil(span / 6)))


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
    for i, (run, r) in enumerate(zip(state.runs, results, strict=True)):
        data.extend(loss_run_traces(i, run, r, t, surface, theme))
    fig = go.Figure(data=data)
    log = surface.min_value is not None
    dtick = loss_dtick(surface, results)
    axis = chart_axis(theme)
    fig.update_layout(
        xaxis=dict(range=loss_xrange(state.steps), title=dict(text="step", standoff=2), **axis),
        yaxis=dict(
            type="log" if log else "linear",
            exponentformat="power" if log else "none",
            tickformat=None if log else "~g",
            dtick=dtick,
            title=dict(text="f − f*" if log else "f", standoff=4),
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
