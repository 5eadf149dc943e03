"""The comparison views: learning-rate sweeps, sensitivity curves, start-point maps and 3D.

Each view is computed by one vectorized core call per optimizer (the rates or
the starts are the batch) and drawn by a pure builder, as the paths view is:

* ``compare``: the focus run at `k` learning rates spread log-evenly over
  `rates`, one `optimizers.run` call with an array of rates. Drawn as small
  multiples (one panel per rate, same axes and contour) or overlaid on one map,
  coloured along a sequential scale. The browser draws the paths, as on the
  main map, so they play in sync with one timeline.
* ``sensitivity``: for every run, the final loss and the steps to arrive
  against 200 learning rates (one `optimizers.run_final` call per run), with
  the rate where it starts to diverge marked, and on the quadratic bowl the
  stability limits of gradient descent and heavy-ball momentum.
* ``starts``: a G×G grid of starts over the view, stepped at once without
  storing paths, coloured by final loss, steps to arrive or the minimum
  reached (basins); diverged starts in their own colour.
* ``3d``: the surface (log height where its contour is log) with every path
  on it and a marker at the current step.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np
import plotly.graph_objects as go
from plotly.colors import sample_colorscale
from plotly.subplots import make_subplots

import optimizers
from optimizers import OPTIMIZERS
from surfaces import Surface

from . import look
from .compute import TOLERANCE, Carry, RunResult, result_of, training
from .figures import (
    FONT,
    THEMES,
    Theme,
    chart_axis,
    contour_trace,
    map_axis,
    map_drawing,
    map_drawings,
    map_figure,
    paths_data,
)
from .state import AppState, Run

__all__ = [
    "SENSITIVITY_RATES",
    "StartMap",
    "Sweep",
    "compare_drawings",
    "compare_figure",
    "compare_paths",
    "compare_state",
    "panel_drawing",
    "rate_label",
    "scene_drawings",
    "sensitivity",
    "sensitivity_figure",
    "stability_limit",
    "start_map",
    "start_map_figure",
    "surface3d",
    "surface3d_figure",
    "sweep",
]

#: Learning rates per run on a sensitivity curve.
SENSITIVITY_RATES = 200
#: Grid of the small multiples' contours (coarser than the main map's: K of them).
PANEL_GRID = 80
#: Grid of the 3D surface.
SURFACE_GRID = 90
#: Columns of the small multiples for each K.
_COLUMNS = {2: 2, 3: 3, 4: 2, 5: 3, 6: 3, 7: 4, 8: 4, 9: 3, 10: 4, 11: 4, 12: 4}


def rate_label(lr: float) -> str:
    return f"lr {lr:.3g}"


def _layout(theme: Theme, **extra) -> dict:
    return dict(
        font=dict(family=FONT, color=theme.ink, size=12),
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor=theme.plot,
        hoverlabel=dict(font=dict(family=FONT, size=12)),
        **extra,
    )


# --------------------------------------------------------------------------- compare
@dataclass(frozen=True, eq=False)
class Sweep:
    """The focus run at several learning rates: one result per rate."""

    rates: np.ndarray
    results: list[RunResult]


def sweep(state: AppState) -> Sweep:
    """The focus run at `state.k` rates over `state.rate_range()`: one `run` call."""
    lo, hi = state.rate_range()
    run = state.focus_run
    return _sweep(state.common_key(), run.key(), lo, hi, state.k, Carry(state))


@lru_cache(maxsize=32)
def _sweep(common: tuple, key: tuple, lo: float, hi: float, k: int, carry: Carry) -> Sweep:
    state = carry.state
    run = state.focus_run
    surface = state.build_surface()
    rates = np.geomspace(lo, hi, k)
    traj = optimizers.run(
        surface,
        run.optimizer,
        np.tile(np.asarray(state.start, dtype=np.float64), (k, 1)),
        state.steps,
        **training(state),
        **{**run.hp, "lr": rates},
    )
    return Sweep(rates, [result_of(traj, j, surface) for j in range(k)])


def sequential(k: int, theme: str) -> tuple[str, ...]:
    """K colours from low to high rate, each readable on the theme's contour."""
    # dark: from Plasma's coral on, every title reaches 4.5:1 on the dark panel (issue 12)
    lo, hi = (0.0, 0.85) if theme == "light" else (0.58, 1.0)
    return tuple(
        sample_colorscale("Plasma", [lo + (hi - lo) * j / max(k - 1, 1) for j in range(k)])
    )


def compare_state(state: AppState, sw: Sweep) -> tuple[AppState, Theme]:
    """The comparison as a state with one run per rate, and a theme with their colours.

    The paths view's builders (loss plot, summary, paths store) then draw it as is.
    """
    base = state.focus_run
    runs = tuple(
        Run(base.optimizer, {**base.hp, "lr": float(lr)}, j, True) for j, lr in enumerate(sw.rates)
    )
    theme = replace(THEMES[state.theme], palette=sequential(len(runs), state.theme))
    return replace(state, runs=runs), theme


def _grid_shape(k: int) -> tuple[int, int]:
    cols = _COLUMNS.get(k, 4)
    return math.ceil(k / cols), cols


def compare_paths(cstate: AppState, sw: Sweep, theme: Theme) -> dict:
    """The paths store for the comparison; in the grid each rate is drawn on its own panel."""
    data = paths_data(cstate, sw.results, theme)
    for run, lr, r in zip(data["runs"], sw.rates, sw.results, strict=True):
        run["name"] = rate_label(lr) + (" · diverged" if r.diverged else "")
    if cstate.layout == "grid":
        for j, run in enumerate(data["runs"]):
            run["axes"] = ["x" if j == 0 else f"x{j + 1}", "y" if j == 0 else f"y{j + 1}"]
            run["look"] = "panel"  # drawn with `look.LOOKS["panel"]`
        data["legend"] = False
    return data


def panel_titles(sw: Sweep) -> list[str]:
    """Each small multiple's title: its rate, and whether it diverged."""
    return [
        rate_label(lr) + (" · diverged" if r.diverged else "")
        for lr, r in zip(sw.rates, sw.results, strict=True)
    ]


def panel_drawing(cstate: AppState, sw: Sweep, theme: Theme, j: int) -> look.Drawing:
    """Rate `j`'s run as `look` draws it in its small multiple (its panel's axes)."""
    axes = ("x", "y") if j == 0 else (f"x{j + 1}", f"y{j + 1}")
    run, r = cstate.runs[j], sw.results[j]
    name = panel_titles(sw)[j]
    return map_drawing(j, run, r, theme=theme, context="panel", name=name, hover=False, axes=axes)


def compare_drawings(cstate: AppState, sw: Sweep, theme: Theme) -> list[look.Drawing]:
    """Every rate's run as `look` draws it: in its panel, or all on the overlay map."""
    if cstate.layout == "overlay":
        return map_drawings(cstate, sw.results, theme)
    return [panel_drawing(cstate, sw, theme, j) for j in range(len(sw.rates))]


def compare_figure(cstate: AppState, sw: Sweep, theme: Theme, *, live: bool = True) -> go.Figure:
    """Small multiples (one panel per rate, titled with it) or the overlay map."""
    if cstate.layout == "overlay":
        return map_figure(cstate, sw.results, live=live, theme=theme)
    surface = cstate.build_surface()
    k = len(sw.rates)
    rows, cols = _grid_shape(k)
    titles = panel_titles(sw) if cstate.layout == "grid" else []
    fig = make_subplots(
        rows=rows,
        cols=cols,
        horizontal_spacing=0.035,
        vertical_spacing=0.08 if rows > 1 else 0.0,
    )
    contour = contour_trace(surface, cstate.view, theme, n=PANEL_GRID)
    mins = surface.minima
    x0, x1, y0, y1 = cstate.view
    axis = map_axis(theme, 10)
    for j in range(k):
        row, col = divmod(j, cols)
        c = contour if j == 0 else go.Contour(contour).update(showscale=False)
        fig.add_trace(c, row=row + 1, col=col + 1)
        fig.add_trace(
            go.Scatter(
                x=np.array([m.x for m in mins]),
                y=np.array([m.y for m in mins]),
                mode="markers",
                marker=dict(
                    symbol="star", size=10, color="#ffffff", line=dict(width=1, color="#1f2933")
                ),
                hoverinfo="skip",
                showlegend=False,
            ),
            row=row + 1,
            col=col + 1,
        )
        fig.add_trace(
            go.Scatter(
                x=np.array([cstate.start[0]]),
                y=np.array([cstate.start[1]]),
                mode="markers",
                marker=dict(symbol="circle-open", size=10, color=theme.ink, line=dict(width=2)),
                hoverinfo="skip",
                showlegend=False,
            ),
            row=row + 1,
            col=col + 1,
        )
        suffix = "" if j == 0 else str(j + 1)
        fig.layout[f"xaxis{suffix}"].update(range=[x0, x1], constrain="domain", **axis)
        fig.layout[f"yaxis{suffix}"].update(
            range=[y0, y1],
            scaleanchor=f"x{suffix}",
            scaleratio=1,
            constrain="domain",
            showticklabels=col == 0,
            **axis,
        )
        fig.layout[f"xaxis{suffix}"].showticklabels = row == rows - 1
    for j, title in enumerate(titles):  # inside each panel: its domain shrinks to stay square
        suffix = "" if j == 0 else str(j + 1)
        fig.add_annotation(
            text=f"<b>{title}</b>",
            xref=f"x{suffix} domain",
            yref=f"y{suffix} domain",
            x=0.03,
            y=0.97,
            xanchor="left",
            yanchor="top",
            showarrow=False,
            font=dict(size=12, color=theme.palette[j]),
            bgcolor="rgba(255,255,255,0.8)" if cstate.theme == "light" else "rgba(15,23,32,0.8)",
            borderpad=2,
        )
    fig.update_traces(selector=dict(type="contour"), colorbar=dict(len=0.6, thickness=8))
    fig.update_layout(
        **_layout(theme),
        margin=dict(l=40, r=10, t=28, b=28),
        showlegend=False,
        dragmode=False,
        uirevision=f"compare:{cstate.surface}:{cstate.view}:{k}",
    )
    if not live:  # in the app the browser draws the runs from `compare_paths`
        for drawing in compare_drawings(cstate, sw, theme):
            fig.add_traces(drawing.at(cstate.shown_step))
    return fig


# --------------------------------------------------------------------------- sensitivity
@dataclass(frozen=True, eq=False)
class Curve:
    """One run's final loss and steps to arrive against learning rate."""

    rates: np.ndarray
    gap: np.ndarray  # final f − f* (or f), NaN where the run diverged
    reached: np.ndarray  # steps to arrive within the tolerance, NaN if never
    diverged: np.ndarray  # bool
    onset: float | None  # the smallest rate that diverges
    limit: float | None  # the theoretical stability limit (quadratic bowl only)


def sensitivity_range(state: AppState) -> tuple[float, float]:
    """Rates from two decades below the smallest run's to one and a half above the largest."""
    p = OPTIMIZERS["sgd"].param_map["lr"]
    lrs = [float(r.hp["lr"]) for r in state.runs]
    lo = 10 ** math.floor(math.log10(min(lrs)) - 2)
    hi = 10 ** math.ceil(math.log10(max(lrs)) + 1.5)
    return max(lo, p.min), min(hi, p.max)


def stability_limit(surface: Surface, run: Run) -> float | None:
    """The largest stable learning rate on the quadratic bowl (λ_max = κ), where known.

    Gradient descent is stable for lr < 2/λ_max. torch's heavy ball
    (b ← μb + (1−τ)g, θ ← θ − γb) is stable for γ(1−τ)λ < 2(1+μ), and its
    Nesterov form for γλ < 2(1+μ)/(1+2μ). Weight decay λ_wd adds to every
    eigenvalue.
    """
    if surface.name != "quadratic":
        return None
    lam = float(surface.params.get("condition", 1.0)) + float(run.hp.get("weight_decay", 0.0))
    mu = float(run.hp.get("momentum", 0.0))
    if run.optimizer == "sgd":
        return 2.0 / lam
    if run.optimizer == "momentum":
        damp = float(run.hp.get("dampening", 0.0))
        return 2.0 * (1.0 + mu) / (lam * (1.0 - damp)) if damp < 1 else None
    if run.optimizer == "nesterov":
        return 2.0 * (1.0 + mu) / (lam * (1.0 + 2.0 * mu))
    return None


def sensitivity(state: AppState) -> list[Curve]:
    """Every run's curve over `sensitivity_range(state)`: one core call per run."""
    lo, hi = sensitivity_range(state)
    return [
        _curve(state.common_key(), run.key(), lo, hi, Carry(replace(state, runs=(run,))))
        for run in state.runs
    ]


@lru_cache(maxsize=64)
def _curve(common: tuple, key: tuple, lo: float, hi: float, carry: Carry) -> Curve:
    state = carry.state
    run = state.runs[0]
    surface = state.build_surface()
    rates = np.geomspace(lo, hi, SENSITIVITY_RATES)
    fin = optimizers.run_final(
        surface,
        run.optimizer,
        np.tile(np.asarray(state.start, dtype=np.float64), (rates.size, 1)),
        state.steps,
        tol=TOLERANCE,
        **training(state),
        **{**run.hp, "lr": rates},
    )
    diverged = fin.diverged_at >= 0
    fmin = surface.min_value
    gap = fin.loss - fmin if fmin is not None else fin.loss.copy()
    gap = np.where(diverged, np.nan, gap)
    reached = np.where(fin.reached_at >= 0, fin.reached_at, np.nan).astype(np.float64)
    onset = float(rates[np.argmax(diverged)]) if diverged.any() else None
    return Curve(rates, gap, reached, diverged, onset, stability_limit(surface, run))


def sensitivity_figure(state: AppState, curves: Sequence[Curve]) -> go.Figure:
    """Final loss (top) and steps to arrive (bottom) against learning rate, per run.

    Each point carries ``customdata = [run index, rate]``: clicking it sets
    that run's learning rate. A dotted line marks where each run starts to
    diverge, a dashed one the theory's limit on the quadratic bowl.
    """
    surface = state.build_surface()
    theme = THEMES[state.theme]
    log = surface.min_value is not None
    fig = make_subplots(
        rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08, row_heights=[0.62, 0.38]
    )
    what = "f − f*" if log else "f"
    n_onsets = n_limits = 0
    lo_x, hi_x = sensitivity_range(state)
    for i, (run, c) in enumerate(zip(state.runs, curves, strict=True)):
        if not run.visible:
            continue
        color = theme.palette[run.color]
        label = OPTIMIZERS[run.optimizer].label
        # a plain list: dcc.Graph reads a clicked point's customdata by index, which a
        # base64 typed array (how plotly sends numpy arrays) does not support
        custom = [[i, float(lr)] for lr in c.rates]
        y = np.maximum(c.gap, 1e-30) if log else c.gap
        for row, values, hover in (
            (1, y, f"final {what} %{{y:.4g}}"),
            (2, c.reached, "arrives at step %{y}"),
        ):
            fig.add_trace(
                go.Scatter(
                    x=c.rates,
                    y=values,
                    customdata=custom,
                    mode="lines+markers",
                    marker=dict(size=4, color=color),
                    line=dict(color=color, width=2),
                    name=label,
                    legendgroup=f"run{i}",
                    showlegend=row == 1,
                    hovertemplate=f"<b>{label}</b><br>lr %{{x:.4g}}<br>{hover}{_CLICK}",
                ),
                row=row,
                col=1,
            )
        # the run's own rate, and where it starts to diverge
        fig.add_vline(x=float(run.hp["lr"]), line=dict(color=color, width=1.5), opacity=0.9)
        if c.onset is not None:
            n_onsets += 1
            fig.add_vline(x=c.onset, line=dict(color=color, width=1.5, dash="dot"))
            fig.add_trace(
                go.Scatter(
                    x=np.array([c.onset]),
                    y=np.array([1.0 - 0.07 * n_onsets]),
                    yaxis="y3",
                    mode="markers+text",
                    marker=dict(symbol="x", size=11, color=color, line=dict(width=1)),
                    text=[f"diverges from {c.onset:.2g}"],
                    textposition=(
                        "middle right" if c.onset < math.sqrt(lo_x * hi_x) else "middle left"
                    ),
                    textfont=dict(size=10, color=color),
                    hovertemplate=f"<b>{label}</b> diverges from lr %{{x:.4g}}<extra></extra>",
                    showlegend=False,
                    cliponaxis=False,
                )
            )
        if c.limit is not None:
            n_limits += 1
            fig.add_vline(x=c.limit, line=dict(color=color, width=1.5, dash="dash"))
            fig.add_annotation(  # in the gap between the panels, where no curve is
                x=math.log10(c.limit),
                y=0,
                xref="x",
                yref="y domain",
                yshift=-4 - 15 * ((n_limits - 1) % 2),  # neighbours on two rows
                text=f"{_limit_text(run)} (theory)",
                showarrow=False,
                xanchor="center",
                yanchor="top",
                font=dict(size=11, color=color),
                bgcolor=theme.plot,
            )
    axis = chart_axis(theme)
    if all(not np.isfinite(c.reached).any() for c in curves):
        fig.add_annotation(
            text=f"no rate arrives within {TOLERANCE:g} of a minimum in {state.steps} steps",
            xref="x2 domain",
            yref="y2 domain",
            x=0.5,
            y=0.5,
            showarrow=False,
            font=dict(size=12, color=theme.muted),
        )
    lo, hi = sensitivity_range(state)
    fig.update_xaxes(
        type="log", exponentformat="power", range=[math.log10(lo), math.log10(hi)], **axis
    )
    fig.update_xaxes(title=dict(text="learning rate γ", standoff=4), row=2, col=1)
    fig.update_yaxes(**axis)
    fig.update_yaxes(
        type="log" if log else "linear",
        exponentformat="power",
        title=dict(text=f"final {'f − f*' if log else 'f'}", standoff=4),
        row=1,
        col=1,
    )
    fig.update_yaxes(
        title=dict(text=f"steps to arrive (≤ {TOLERANCE:g})", standoff=4),
        rangemode="tozero",
        row=2,
        col=1,
    )
    fig.update_layout(
        **_layout(theme),
        yaxis3=dict(overlaying="y", range=[0, 1.08], visible=False, fixedrange=True),
        margin=dict(l=64, r=16, t=36, b=44),
        legend=dict(orientation="h", x=0, y=1.01, yanchor="bottom", font=dict(size=12)),
        hovermode="closest",
        uirevision=f"sens:{state.surface}",
    )
    return fig


_CLICK = "<br><i>click to use this rate</i><extra></extra>"


def _limit_text(run: Run) -> str:
    if run.optimizer == "sgd":
        return "2/λ<sub>max</sub>"
    if run.optimizer == "momentum":
        return "2(1+β)/λ<sub>max</sub>"
    return "2(1+β)/((1+2β)λ<sub>max</sub>)"


# --------------------------------------------------------------------------- start map
#: What a start map's colour shows, as its title says it.
METRIC_TITLES = {"loss": "final loss", "steps": "steps to arrive", "basin": "minimum reached"}


@dataclass(frozen=True, eq=False)
class StartMap:
    """G×G starts over the view: where each one ends."""

    x: np.ndarray  # (G,) cell centres
    y: np.ndarray  # (G,)
    loss: np.ndarray  # (G, G) final f − f* (or f); NaN where diverged
    reached: np.ndarray  # (G, G) steps to arrive; NaN if never
    basin: np.ndarray  # (G, G) index of the minimum nearest the end; -1 none, -2 diverged
    diverged: np.ndarray  # (G, G) bool
    seconds: float


def start_grid(view: Sequence[float], g: int) -> tuple[np.ndarray, np.ndarray]:
    """Cell centres of a G×G grid over `view`."""
    x0, x1, y0, y1 = view
    dx, dy = (x1 - x0) / g, (y1 - y0) / g
    return x0 + dx * (np.arange(g) + 0.5), y0 + dy * (np.arange(g) + 0.5)


def start_map(state: AppState, progress: Callable[[int, int], None] | None = None) -> StartMap:
    """Every start of a `state.grid`² grid over the view, stepped at once (final positions only)."""
    surface = state.build_surface()
    run = state.focus_run
    g = state.grid
    xs, ys = start_grid(state.view, g)
    starts = np.column_stack([np.tile(xs, g), np.repeat(ys, g)])
    t0 = time.perf_counter()
    fin = optimizers.run_final(
        surface,
        run.optimizer,
        starts,
        state.steps,
        tol=TOLERANCE,
        progress=progress,
        **training(state),
        **run.hp,
    )
    seconds = time.perf_counter() - t0
    diverged = (fin.diverged_at >= 0).reshape(g, g)
    fmin = surface.min_value
    gap = (fin.loss - fmin if fmin is not None else fin.loss).reshape(g, g)
    reached = np.where(fin.reached_at >= 0, fin.reached_at, np.nan).reshape(g, g)
    basin = np.where(diverged, -2, fin.nearest.reshape(g, g))
    return StartMap(xs, ys, np.where(diverged, np.nan, gap), reached, basin, diverged, seconds)


def start_map_figure(state: AppState, sm: StartMap) -> go.Figure:
    """The start map as a heatmap over the view, with the contour's lines, minima and start."""
    surface = state.build_surface()
    theme = THEMES[state.theme]
    run = state.focus_run
    label = OPTIMIZERS[run.optimizer].label
    fig = go.Figure()
    common = dict(x=sm.x, y=sm.y, hoverongaps=False, zsmooth=False)
    bar = dict(thickness=10, len=0.75, outlinewidth=0, tickfont=dict(size=10, color=theme.muted))
    if state.metric == "basin" and surface.minima:
        n = len(surface.minima)
        colors = [theme.palette[j % len(theme.palette)] for j in range(n)]
        # minima are numbered from 1 (the stars carry the numbers): hover shows the number,
        # not a string per cell (90 000 strings would be megabytes on the wire)
        z = np.where(sm.basin >= 0, sm.basin + 1, np.nan).astype(np.float32)
        scale = []
        for j, c in enumerate(colors):
            scale += [[j / n, c], [(j + 1) / n, c]]
        names = [f"{j + 1}: ({m.x:.3g}, {m.y:.3g})" for j, m in enumerate(surface.minima)]
        fig.add_trace(
            go.Heatmap(
                z=z,
                zmin=0.5,
                zmax=n + 0.5,
                colorscale=scale,
                colorbar=dict(
                    **bar,
                    tickvals=list(range(1, n + 1)),
                    ticktext=names,
                    title=dict(text="reaches minimum", side="top"),
                ),
                hovertemplate="start (%{x:.3g}, %{y:.3g})<br>reaches minimum %{z}<extra></extra>",
                **common,
            )
        )
        # starts still on their way (not within the tolerance at the end): hatched with
        # the plot's colour, so they never pass for another basin's colour (a pale tint did)
        on_way = (sm.basin >= 0) & ~np.isfinite(sm.reached)
        fig.add_trace(
            go.Heatmap(
                z=np.where(on_way & hatch(on_way.shape[0]), 1.0, np.nan).astype(np.float32),
                colorscale=[[0, theme.plot], [1, theme.plot]],
                opacity=0.85,
                showscale=False,
                hovertemplate="start (%{x:.3g}, %{y:.3g})<br>on its way, not within "
                f"{TOLERANCE:g} of a minimum yet<extra></extra>",
                **common,
            )
        )
    elif state.metric == "steps":
        fig.add_trace(
            go.Heatmap(
                z=sm.reached.astype(np.float32),
                colorscale="Viridis",
                reversescale=True,
                colorbar=dict(**bar, title=dict(text="steps", side="top")),
                hovertemplate="start (%{x:.3g}, %{y:.3g})<br>arrives at step %{z}<extra></extra>",
                **common,
            )
        )
        never = ~np.isfinite(sm.reached) & ~sm.diverged
        fig.add_trace(
            go.Heatmap(
                z=np.where(never, 1.0, np.nan).astype(np.float32),
                colorscale=[[0, theme.axis], [1, theme.axis]],
                showscale=False,
                hovertemplate="start (%{x:.3g}, %{y:.3g})<br>does not arrive<extra></extra>",
                **common,
            )
        )
    else:
        log = surface.min_value is not None
        z = np.log10(np.maximum(sm.loss, 1e-16)) if log else sm.loss
        ticks = {}
        if log and np.isfinite(z).any():
            d = np.arange(np.floor(np.nanmin(z)), np.ceil(np.nanmax(z)) + 1)
            step = max(1, int(np.ceil(d.size / 7)))
            d = d[::step]
            ticks = dict(tickvals=d, ticktext=[f"10<sup>{int(v)}</sup>" for v in d])
        fig.add_trace(
            go.Heatmap(
                z=z.astype(np.float32),
                colorscale="Viridis",
                colorbar=dict(
                    **bar,
                    **ticks,
                    title=dict(text="final f − f*" if log else "final f", side="top"),
                ),
                hovertemplate="start (%{x:.3g}, %{y:.3g})<br>"
                + ("final f − f* = 10^%{z:.2f}" if log else "final f = %{z:.4g}")
                + "<extra></extra>",
                **common,
            )
        )
    if sm.diverged.any():
        fig.add_trace(
            go.Heatmap(
                z=np.where(sm.diverged, 1.0, np.nan).astype(np.float32),
                colorscale=[[0, "#b22222"], [1, "#b22222"]],
                showscale=False,
                hovertemplate="start (%{x:.3g}, %{y:.3g})<br>diverges<extra></extra>",
                **common,
            )
        )
    lines = contour_trace(surface, state.view, theme, n=100)
    lines.update(
        contours={**lines.contours.to_plotly_json(), "coloring": "none", "showlines": True},
        line=dict(
            width=0.7,
            color="rgba(255,255,255,0.55)" if state.theme == "light" else "rgba(255,255,255,0.3)",
        ),
        showscale=False,
    )
    fig.add_trace(lines)
    if surface.minima:
        fig.add_trace(
            go.Scatter(
                x=np.array([m.x for m in surface.minima]),
                y=np.array([m.y for m in surface.minima]),
                mode="markers+text" if state.metric == "basin" else "markers",
                marker=dict(
                    symbol="star", size=13, color="#ffffff", line=dict(width=1.4, color="#1f2933")
                ),
                text=[str(j + 1) for j in range(len(surface.minima))],
                textposition="top right",
                textfont=dict(size=13, color="#ffffff"),
                hoverinfo="skip",
                showlegend=False,
            )
        )
    x0, x1, y0, y1 = state.view
    axis = map_axis(theme, 10)
    what = METRIC_TITLES[state.metric]
    n_div = int(sm.diverged.sum())
    sub = (
        f"{label} · lr {run.hp['lr']:.3g} · {state.grid}×{state.grid} starts · {state.steps} steps"
    )
    if n_div:
        sub += f" · <span style='color:#b22222'>■</span> {n_div} diverge"
    key = _startmap_key(state, sm, theme)
    if key:  # on a line of its own, under the settings
        sub += f"<br>{key}"
    fig.update_layout(
        **_layout(theme),
        xaxis=dict(
            range=[x0, x1], constrain="domain", title=dict(text="start x", standoff=4), **axis
        ),
        yaxis=dict(
            range=[y0, y1],
            scaleanchor="x",
            scaleratio=1,
            constrain="domain",
            title=dict(text="start y", standoff=4),
            **axis,
        ),
        title=dict(
            text=f"<b>Where each start ends: {what}</b><br>"
            f"<span style='font-size:11px'>{sub}</span>",
            x=0.02,
            y=0.98,
            font=dict(size=14),
        ),
        margin=dict(l=52, r=16, t=74 if key else 58, b=40),
        showlegend=False,
        uirevision=f"starts:{state.surface}:{state.view}",
    )
    return fig


def hatch(g: int) -> np.ndarray:
    """A G×G mask of diagonal stripes about 20 px apart on a 400 px map (two fifths of each
    period), the hatching of the start map's "still on its way" cells."""
    period = max(4, round(g / 20))
    i, j = np.indices((g, g))
    return (i + j) % period < max(1, int(0.4 * period))


def _startmap_key(state: AppState, sm: StartMap, theme: Theme) -> str:
    """The start map's legend for what its colour bar cannot say: hatched cells (basin)
    or the grey of starts that never arrive (steps), with how many there are."""
    n = sm.basin.size
    if state.metric == "basin" and state.build_surface().minima:
        k = int(((sm.basin >= 0) & ~np.isfinite(sm.reached)).sum())
        return (
            f"▨ hatched: {k} of {n} still on their way (not within {TOLERANCE:g} of a minimum yet)"
            if k
            else ""
        )
    if state.metric == "steps":
        k = int((~np.isfinite(sm.reached) & ~sm.diverged).sum())
        return (
            f"<span style='color:{theme.axis}'>■</span> {k} of {n} do not arrive"
            f" in {state.steps} steps"
            if k
            else ""
        )
    return ""


# --------------------------------------------------------------------------- 3D
def _height(surface: Surface, f: np.ndarray, top: float) -> np.ndarray:
    """The surface's height: log10(f − f* + δ) where its contour is log, else f."""
    if surface.levels != "log":
        return f
    fmin = surface.min_value if surface.min_value is not None else 0.0
    delta = top * 1e-5
    with np.errstate(all="ignore"):
        return np.log10(np.maximum(f - fmin, 0) + delta)


def scene_drawings(
    state: AppState, results: Sequence[RunResult], surface: Surface, top: float, lift: float
) -> list[look.Drawing]:
    """Every run as `look` draws it in the 3D scene: on the surface's height, `lift` above it
    (hidden where the path leaves the view, which the scene would not clip)."""
    theme = THEMES[state.theme]
    x0, x1, y0, y1 = state.view
    out = []
    for i, (run, r) in enumerate(zip(state.runs, results, strict=True)):
        inside = (r.x >= x0) & (r.x <= x1) & (r.y >= y0) & (r.y <= y1)
        z = np.where(inside, _height(surface, r.loss, top) + lift, np.nan)
        out.append(
            look.Drawing(
                r.x,
                r.y,
                None,
                r.diverged_at,
                theme.palette[run.color],
                "3d",
                theme.halo,
                run=i,
                name=OPTIMIZERS[run.optimizer].label,
                visible=run.visible,
                z=z,
            )
        )
    return out


def surface3d_figure(
    state: AppState, results: Sequence[RunResult], *, live: bool = True
) -> go.Figure:
    """The surface in 3D with every run's path on it and a marker at the shown step.

    The markers carry ``meta = {"role": "head3d", "run": i}``; the browser
    moves them along their paths (``"path3d"``) with the timeline. The same
    figure serves the app (`live`) and exports.
    """
    return surface3d(state, results)[0]


def surface3d(
    state: AppState, results: Sequence[RunResult]
) -> tuple[go.Figure, list[look.Drawing]]:
    """`surface3d_figure` and its runs' drawings (an export draws them at other steps)."""
    surface = state.build_surface()
    theme = THEMES[state.theme]
    x0, x1, y0, y1 = state.view
    xs = np.linspace(x0, x1, SURFACE_GRID)
    ys = np.linspace(y0, y1, SURFACE_GRID)
    with np.errstate(all="ignore"):
        f = surface.value(xs[None, :], ys[:, None])
    finite = np.isfinite(f)
    fmin = (
        surface.min_value
        if surface.min_value is not None
        else float(np.nanmin(np.where(finite, f, np.nan)))
    )
    top = float(np.nanmax(np.where(finite, f - fmin, np.nan))) or 1.0
    z = _height(surface, np.where(finite, f, np.nan), top)
    zlo, zhi = float(np.nanmin(z)), float(np.nanmax(z))
    fig = go.Figure(
        go.Surface(
            x=xs,
            y=ys,
            z=z.astype(np.float32),
            colorscale=[list(s) for s in theme.contour],
            showscale=False,
            opacity=0.85,
            hoverinfo="skip",
            contours=dict(
                z=dict(
                    show=True,
                    usecolormap=False,
                    color=theme.lines,
                    width=1,
                    start=zlo,
                    end=zhi,
                    size=(zhi - zlo) / 16,
                )
            ),
            lighting=dict(ambient=0.75, diffuse=0.5, specular=0.05),
        )
    )
    drawings = scene_drawings(state, results, surface, top, lift=(zhi - zlo) * 0.02)
    for drawing in drawings:
        fig.add_traces(drawing.at(state.shown_step))
    axis = dict(
        backgroundcolor=theme.plot, gridcolor=theme.grid, color=theme.muted, showspikes=False
    )
    ztitle = "log₁₀(f − f* + δ)" if surface.levels == "log" else "f"
    fig.update_layout(
        **_layout(theme),
        scene=dict(
            xaxis=dict(title="x", range=[x0, x1], **axis),
            yaxis=dict(title="y", range=[y0, y1], **axis),
            zaxis=dict(title=ztitle, **axis),
            aspectmode="manual",
            aspectratio=dict(x=1, y=(y1 - y0) / (x1 - x0), z=0.6),
            camera=dict(eye=dict(x=-0.55, y=-1.25, z=1.75)),
        ),
        margin=dict(l=0, r=0, t=10, b=0),
        showlegend=False,  # the page's legend above the view names the runs
        uirevision=f"3d:{state.surface}:{state.view}",
    )
    return fig, drawings
