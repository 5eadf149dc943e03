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

from gradscape import optimizers
from gradscape.optimizers import OPTIMIZERS
from gradscape.surfaces import Surface

from . import look
from .compute import TOLERANCE, Carry, RunResult, result_of, training
from .figures import (
    FONT,
    THEMES,
    Theme,
    _nice_step,
    chart_axis,
    contour_trace,
    map_axis,
    map_drawing,
    map_drawings,
    map_figure,
    num,
    paths_data,
    run_fate,
    run_label,
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


def rate_label(lr: float) -> str:
    """A rate as every view prints it: γ and `num` (3 significant digits, 2.51e-4 below 0.001)."""
    return f"γ {num(lr)}"


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
        **training(state, run),
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


def _toward(i: int, n: int, axis: str) -> str:
    """Where panel `i` of `n` along `axis` shrinks to when made square: towards the grid's
    centre (the first towards its neighbours, the last back towards them)."""
    if n == 1 or (n % 2 and i == n // 2):
        return "center" if axis == "x" else "middle"
    before = i < n / 2
    if axis == "x":
        return "right" if before else "left"
    return "bottom" if before else "top"  # rows count from the top


#: The plot area the small multiples are laid out for (width / height): the map's area,
#: less its colour bar, at 1280×800 and most desktop sizes is taller than wide.
GRID_ASPECT = 0.75
#: Height of a panel's title and of the gap under it, as a share of a row's height.
_TITLE_SHARE = 0.1


def _grid_shape(
    k: int, view: Sequence[float] = (0.0, 1.0, 0.0, 1.0), area: float = GRID_ASPECT, most: int = 4
) -> tuple[int, int]:
    """Rows and columns of `k` panels of the `view`'s shape: the largest panels in a plot
    area `area` (`GRID_ASPECT` by default) wide for its height (150 px panels with 175 px
    gaps came from three columns in a tall area), then the fewest empty cells."""
    aspect = (view[1] - view[0]) / (view[3] - view[2])

    def panel_width(cols: int) -> float:
        rows = math.ceil(k / cols)
        return min(area / cols, (1 - _TITLE_SHARE) / rows * aspect)

    def score(c: int) -> tuple:  # ties: fewer empty cells, then more columns (wide screens)
        return (round(panel_width(c), 3), -(c * math.ceil(k / c) - k), c)

    cols = max(range(1, min(k, most) + 1), key=score)
    return math.ceil(k / cols), cols


def compare_paths(cstate: AppState, sw: Sweep, theme: Theme) -> dict:
    """The paths store for the comparison; in the grid each rate is drawn on its own panel."""
    data = paths_data(cstate, sw.results, theme)
    for run, title in zip(data["runs"], panel_titles(sw, cstate), strict=True):
        run["name"] = title
    if cstate.layout == "grid":
        for j, run in enumerate(data["runs"]):
            run["axes"] = ["x" if j == 0 else f"x{j + 1}", "y" if j == 0 else f"y{j + 1}"]
            run["widen"] = 0.0  # alone on its panel: nothing covers it
            run["look"] = "panel"  # drawn with `look.LOOKS["panel"]`
        data["legend"] = False
    return data


def panel_titles(sw: Sweep, cstate: AppState | None = None) -> list[str]:
    """Each small multiple's title: its rate, and how it left the map (`run_fate`)."""
    surface = cstate.build_surface() if cstate is not None else None
    out = []
    for lr, r in zip(sw.rates, sw.results, strict=True):
        f = run_fate(cstate, r, surface) if cstate is not None else None
        if f is None and r.diverged:
            f = look.Fate("diverged", r.diverged_at, (0.0, 0.0))
        out.append(rate_label(lr) + ("" if f is None else f" · {f.short}"))
    return out


def panel_drawing(cstate: AppState, sw: Sweep, theme: Theme, j: int) -> look.Drawing:
    """Rate `j`'s run as `look` draws it in its small multiple (its panel's axes)."""
    axes = ("x", "y") if j == 0 else (f"x{j + 1}", f"y{j + 1}")
    run, r = cstate.runs[j], sw.results[j]
    name = panel_titles(sw, cstate)[j]
    fate = run_fate(cstate, r)
    return map_drawing(
        j, run, r, theme=theme, context="panel", name=name, hover=False, axes=axes, fate=fate
    )


def compare_drawings(cstate: AppState, sw: Sweep, theme: Theme) -> list[look.Drawing]:
    """Every rate's run as `look` draws it: in its panel, or all on the overlay map."""
    if cstate.layout == "overlay":
        return map_drawings(cstate, sw.results, theme)
    return [panel_drawing(cstate, sw, theme, j) for j in range(len(sw.rates))]


def compare_figure(
    cstate: AppState,
    sw: Sweep,
    theme: Theme,
    *,
    live: bool = True,
    area: float = GRID_ASPECT,
    most: int = 4,
) -> go.Figure:
    """Small multiples (one panel per rate, titled with it) or the overlay map; `area` is
    the plot area's width over its height (a 16:9 slide's is wider than the app's), `most`
    the most columns."""
    if cstate.layout == "overlay":
        return map_figure(cstate, sw.results, live=live, theme=theme)
    surface = cstate.build_surface()
    k = len(sw.rates)
    rows, cols = _grid_shape(k, cstate.view, area, most)
    titles = panel_titles(sw, cstate) if cstate.layout == "grid" else []
    fig = make_subplots(
        rows=rows,
        cols=cols,
        horizontal_spacing=0.03,
        vertical_spacing=0.09 if rows > 1 else 0.0,
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
                name="minimum",
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
                name="start",
                hoverinfo="skip",
                showlegend=False,
            ),
            row=row + 1,
            col=col + 1,
        )
        suffix = "" if j == 0 else str(j + 1)
        # square panels shrink towards the grid's centre, so the gaps between them stay
        # the subplot spacing and what is left over goes to the grid's outer edges
        fig.layout[f"xaxis{suffix}"].update(
            range=[x0, x1], constrain="domain", constraintoward=_toward(col, cols, "x"), **axis
        )
        fig.layout[f"yaxis{suffix}"].update(
            range=[y0, y1],
            scaleanchor=f"x{suffix}",
            scaleratio=1,
            constrain="domain",
            constraintoward=_toward(row, rows, "y"),
            showticklabels=col == 0,
            **axis,
        )
        fig.layout[f"xaxis{suffix}"].showticklabels = row == rows - 1
    for j, title in enumerate(titles):  # above each panel, where no path runs through it
        suffix = "" if j == 0 else str(j + 1)
        fig.add_annotation(  # in the ink (≥ 4.5:1), keyed to the run by a swatch of its colour
            text=f"<span style='color:{theme.palette[j]}'>■</span> <b>{title}</b>",
            xref=f"x{suffix} domain",
            yref=f"y{suffix} domain",
            x=0,
            y=1,
            yshift=2,
            xanchor="left",
            yanchor="bottom",
            showarrow=False,
            font=dict(size=12, color=theme.ink),
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
    """The largest stable learning rate on the quadratic bowl (its largest curvature L = κ),
    where known.

    Gradient descent is stable for γ < 2/L. torch's heavy ball
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
        **training(state, run),
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
    diverge (its × at the top, labelled beside it on the plot's background so no
    line strikes through the words), a dashed one the theory's limit on the
    quadratic bowl. Runs that share an onset or a limit (the same optimizer at
    several rates has one curve) share one mark and one label. Where no rate
    arrives, the steps panel is left out and a note says so.
    """
    surface = state.build_surface()
    theme = THEMES[state.theme]
    log = surface.min_value is not None
    shown = [(i, run, c) for i, (run, c) in enumerate(zip(state.runs, curves, strict=True))]
    arrives = any(np.isfinite(c.reached).any() for _, run, c in shown if run.visible)
    rows = 2 if arrives else 1
    fig = make_subplots(
        rows=rows,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.1,
        row_heights=[0.62, 0.38] if rows == 2 else None,
    )
    what = "f − f*" if log else "f"
    lo_x, hi_x = sensitivity_range(state)
    onsets: dict[str, list[tuple[int, float]]] = {}  # label → [(run, onset)]
    limits: dict[str, list[tuple[int, float]]] = {}
    for i, run, c in shown:
        if not run.visible:
            continue
        color = theme.palette[run.color]
        label = OPTIMIZERS[run.optimizer].label
        # a plain list: dcc.Graph reads a clicked point's customdata by index, which a
        # base64 typed array (how plotly sends numpy arrays) does not support
        custom = [[i, float(lr)] for lr in c.rates]
        y = np.maximum(c.gap, _sens_floor(c)) if log else c.gap
        panels = [(1, y, f"final {what} %{{y:.4g}}")]
        if arrives:
            panels.append((2, c.reached, "arrives at step %{y}"))
        for row, values, hover in panels:
            fig.add_trace(
                go.Scatter(
                    x=c.rates,
                    y=values,
                    customdata=custom,
                    mode="lines+markers",
                    marker=dict(size=4, color=color),
                    line=dict(color=color, width=2),
                    name=run_label(run),
                    legendgroup=f"run{i}",
                    showlegend=row == 1,
                    hovertemplate=f"<b>{label}</b><br>γ %{{x:.3g}}<br>{hover}{_CLICK}",
                ),
                row=row,
                col=1,
            )
        # the run's own rate
        fig.add_vline(x=float(run.hp["lr"]), line=dict(color=color, width=1.5), opacity=0.9)
        if c.onset is not None:
            onsets.setdefault(f"{label}:{num(c.onset)}", []).append((i, c.onset))
        if c.limit is not None:
            limits.setdefault(f"{_limit_text(run)}:{num(c.limit)}", []).append((i, c.limit))
    _onset_marks(fig, state, theme, onsets, lo_x, hi_x)
    _limit_marks(fig, state, theme, limits, lo_x, hi_x)
    axis = chart_axis(theme)
    lo, hi = lo_x, hi_x
    fig.update_xaxes(
        type="log", exponentformat="power", range=[math.log10(lo), math.log10(hi)], **axis
    )
    fig.update_xaxes(title=dict(text="learning rate γ", standoff=4), row=rows, col=1)
    fig.update_yaxes(**axis)
    fig.update_yaxes(
        type="log" if log else "linear",
        exponentformat="power",
        title=dict(text=f"final {'f − f*' if log else 'f'}", standoff=4),
        row=1,
        col=1,
    )
    if arrives:
        fig.update_yaxes(
            title=dict(text=f"steps to arrive (≤ {TOLERANCE:g})", standoff=4),
            rangemode="tozero",
            row=2,
            col=1,
        )
    else:
        fig.add_annotation(
            text=f"no rate arrives within {TOLERANCE:g} of a minimum in {state.steps} steps",
            xref="paper",
            yref="paper",
            x=1,
            y=1.0,
            xanchor="right",
            yanchor="bottom",
            yshift=24,
            showarrow=False,
            font=dict(size=11, color=theme.muted),
        )
    fig.update_layout(
        **_layout(theme),
        yaxis3=dict(overlaying="y", range=[0, 1.08], visible=False, fixedrange=True),
        margin=dict(l=64, r=16, t=56 if not arrives else 36, b=44 + 16 * len(limits)),
        legend=dict(orientation="h", x=0, y=1.01, yanchor="bottom", font=dict(size=12)),
        hovermode="closest",
        uirevision=f"sens:{state.surface}:{rows}",
    )
    return fig


def _sens_floor(c: Curve) -> float:
    """The final-loss panel's floor: 12 decades below its largest finite value (beneath
    that, f − f* is rounding noise; the bowl's curve reached 1e-22)."""
    finite = c.gap[np.isfinite(c.gap) & (c.gap > 0)]
    top = float(finite.max()) if finite.size else 1.0
    return max(1e-30, top * 1e-12)


def _shared_color(theme: Theme, state: AppState, runs: list[tuple[int, float]]) -> str:
    """A mark's colour: its run's, or the muted ink when several runs share it."""
    return theme.palette[state.runs[runs[0][0]].color] if len(runs) == 1 else theme.muted


def _onset_marks(fig, state, theme, onsets, lo_x, hi_x) -> None:
    """Each distinct divergence onset: a dotted line, a × at the top on its own row, and
    its label beside the × (away from the × by its width, on the plot's background)."""
    mid = math.sqrt(lo_x * hi_x)
    for n, (key, runs) in enumerate(sorted(onsets.items(), key=lambda kv: kv[1][0][1])):
        x = runs[0][1]
        color = _shared_color(theme, state, runs)
        label = key.split(":")[0] if len(runs) == 1 else f"{len(runs)} runs"
        level = 1.0 - 0.085 * (n + 1)
        fig.add_vline(x=x, line=dict(color=color, width=1.5, dash="dot"))
        fig.add_trace(
            go.Scatter(
                x=np.array([x]),
                y=np.array([level]),
                yaxis="y3",
                mode="markers",
                marker=dict(symbol="x", size=11, color=color, line=dict(width=1, color=theme.plot)),
                name=f"{label}: diverges",
                hovertemplate=f"<b>{label}</b> diverges from γ %{{x:.3g}}<extra></extra>",
                showlegend=False,
                cliponaxis=False,
            )
        )
        right = x < mid
        fig.add_annotation(
            x=math.log10(x),
            y=level,
            xref="x",
            yref="y3",
            text=f"diverges from γ {num(x)}",
            showarrow=False,
            xanchor="left" if right else "right",
            xshift=10 if right else -10,
            font=dict(size=10, color=theme.text(color)),
            bgcolor=theme.plot,
            borderpad=1,
        )


def _limit_marks(fig, state, theme, limits, lo_x, hi_x) -> None:
    """Each distinct theoretical limit: a dashed line and, under the plot, its formula,
    one row per limit (so labels never overprint, however many runs), anchored so that
    it stays inside the figure near either end of the axis (it was clipped at 1920 px)."""
    for n, (key, runs) in enumerate(sorted(limits.items(), key=lambda kv: kv[1][0][1])):
        x = runs[0][1]
        where = (math.log10(x) - math.log10(lo_x)) / (math.log10(hi_x) - math.log10(lo_x))
        anchor = "left" if where < 0.2 else "right" if where > 0.8 else "center"
        color = _shared_color(theme, state, runs)
        fig.add_vline(x=x, line=dict(color=color, width=1.5, dash="dash"))
        fig.add_annotation(
            x=math.log10(x),
            y=0,
            xref="x",
            yref="paper",
            yshift=-40 - 16 * n,
            text=f"{key.split(':')[0]} = {num(x)} (theory)",
            showarrow=False,
            xanchor=anchor,
            yanchor="top",
            font=dict(size=11, color=theme.text(color)),
            bgcolor=theme.plot,
        )


_CLICK = "<br><i>click to use this rate</i><extra></extra>"


def _limit_text(run: Run) -> str:
    """The theory's limit, with the app's symbols: L the largest curvature, μ momentum."""
    if run.optimizer == "sgd":
        return "2/L"
    if run.optimizer == "momentum":
        return "2(1+μ)/L"
    return "2(1+μ)/((1+2μ)L)"


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
        **training(state, run),
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
                name="minimum reached",
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
                name="on its way",
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
                name="steps to arrive",
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
                name="does not arrive",
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
                name="final loss",
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
                name="diverges",
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
                name="minimum",
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
    key = startmap_key(state, sm, theme)
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


def startmap_key(state: AppState, sm: StartMap, theme: Theme) -> str:
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
        fate = run_fate(state, r, surface)
        x, y = look.shown_path(r.x, r.y, fate)
        loss = r.loss
        if fate is not None:  # the path ends on the border, its mark there
            loss = loss.copy()
            with np.errstate(all="ignore"):
                loss[fate.at :] = float(
                    surface.value(np.float64(fate.edge[0]), np.float64(fate.edge[1]))
                )
        inside = (x >= x0 - 1e-9) & (x <= x1 + 1e-9) & (y >= y0 - 1e-9) & (y <= y1 + 1e-9)
        with np.errstate(all="ignore"):
            z = np.where(inside, _height(surface, loss, top) + lift, np.nan)
        out.append(
            look.Drawing(
                x,
                y,
                None,
                -1 if fate is None else fate.at,
                theme.palette[run.color],
                "3d",
                theme.halo,
                run=i,
                name=OPTIMIZERS[run.optimizer].label,
                visible=run.visible,
                z=z,
                mark=look.CROSS if fate is None else fate.mark_3d,
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
    # the z axis: a short title and at most five labels, so neither is clipped at the
    # scene's edge nor runs into the y axis' labels beside it; log heights labelled as
    # the powers of ten they are
    # The lowest label is left out when it would sit at the scene's bottom corner, where
    # the y axis' top label is (on a phone the two printed over each other).
    floor = zlo + 0.15 * (zhi - zlo)
    if surface.levels == "log":
        decades = np.arange(np.ceil(zlo), np.floor(zhi) + 1)
        decades = decades[decades >= floor] if (decades >= floor).sum() >= 3 else decades
        every = max(1, int(np.ceil(decades.size / 4)))
        ticks = decades[::every]
        zaxis: dict = dict(
            title=dict(text="f − f*", font=dict(size=12)),
            tickvals=ticks.tolist(),
            ticktext=[f"10<sup>{int(d)}</sup>".replace("-", "−") if d else "1" for d in ticks],
        )
    else:
        step = _nice_step((zhi - zlo) / 4)
        ticks = np.arange(np.ceil(zlo / step) * step, zhi + step * 1e-9, step)
        ticks = ticks[ticks >= floor] if (ticks >= floor).sum() >= 2 else ticks
        zaxis = dict(
            title=dict(text="f", font=dict(size=12)),
            tickvals=ticks.tolist(),
            ticktext=[f"{v:.4g}".replace("-", "−") for v in np.round(ticks / step) * step],
        )
    fig.update_layout(
        **_layout(theme),
        scene=dict(
            xaxis=dict(title="x", range=[x0, x1], **axis),
            yaxis=dict(title="y", range=[y0, y1], **axis),
            zaxis=dict(**zaxis, **axis),
            domain=dict(x=[0.04, 1], y=[0, 1]),
            aspectmode="manual",
            aspectratio=dict(x=1, y=(y1 - y0) / (x1 - x0), z=0.6),
            camera=dict(eye=dict(x=-0.55, y=-1.25, z=1.75)),
        ),
        margin=dict(l=0, r=0, t=10, b=0),
        showlegend=False,  # the page's legend above the view names the runs
        uirevision=f"3d:{state.surface}:{state.view}",
    )
    return fig, drawings
