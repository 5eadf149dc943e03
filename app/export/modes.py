"""The views an export draws: one entry per view mode of the app.

Each `View` says, once, how its mode is drawn for a slide at a step (its
figure, title and caption) and what its file may be: whether it has steps
(a GIF, an HTML slider), whether its runs can be rendered apart from a
background rendered once (`layers`, the fast GIF), and whether its HTML file
carries the step player. A mode the registry does not know falls back to the
paths view.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import plotly.graph_objects as go

from optimizers import OPTIMIZERS

from .. import look
from .. import views as app_views
from ..compute import compute_all
from ..figures import THEMES, map_drawings, map_figure, run_name
from ..state import AppState
from .slide import (
    HEAVIER,
    Box,
    Slide,
    box_of,
    caption,
    dress_map,
    dress_view,
    hyperparameters,
    num,
)

__all__ = ["VIEWS", "Drawn", "View", "view_of"]


@dataclass(frozen=True, eq=False)
class Drawn:
    """A view drawn for a slide at one step: its figure, and its runs as `look.Drawing`s,
    which draw them at any other step (GIF frames, the HTML player)."""

    figure: go.Figure
    drawings: list[look.Drawing] = field(default_factory=list)
    box: Box | None = None  # where a map's parts are (the HTML slider goes under it)


@dataclass(frozen=True)
class View:
    """One view mode as an export draws it."""

    mode: str
    draw: Callable[[AppState, int, Slide], Drawn]
    steps: bool = False  # steps to play: a GIF is allowed
    layers: bool = False  # runs drawn over a background rendered once (the fast GIF)
    player: bool = False  # the HTML file has a step slider and play button

    @property
    def suffix(self) -> str:
        """The file name's view part: none for the paths, ``-compare`` and so on."""
        return "" if self.mode == "paths" else f"-{self.mode}"


VIEWS: dict[str, View] = {}


def _view(mode: str, **kinds: bool) -> Callable:
    def register(draw: Callable[[AppState, int, Slide], Drawn]) -> Callable:
        VIEWS[mode] = View(mode, draw, **kinds)
        return draw

    return register


def view_of(state: AppState) -> View:
    """The registered view of the state's mode (the paths for an unknown one)."""
    return VIEWS.get(getattr(state, "mode", "paths"), VIEWS["paths"])


@_view("paths", steps=True, layers=True, player=True)
def _paths(state: AppState, t: int, slide: Slide) -> Drawn:
    """The app's map with every run split at `t`, its runs `HEAVIER` for a slide."""
    results = compute_all(state)
    labels = [run_name(run, r) for run, r in zip(state.runs, results, strict=True) if run.visible]
    box = box_of(state, slide, labels)
    scale = HEAVIER * box.k
    fig = map_figure(replace(state, t=t), results, scale=scale)
    dress_map(fig, state, t, slide, box)
    return Drawn(fig, map_drawings(state, results, THEMES[state.theme], scale), box)


def _dressed(
    state: AppState, slide: Slide, fig: go.Figure, head: str, lines: list[str], runs: bool
) -> None:
    """`dress_view` with the caption's lines: the view's own, the runs' (`runs`), the shared."""
    runs_words, shared = caption(state)
    dress_view(fig, state, slide, head, lines + (runs_words if runs else []) + shared)


@_view("compare", steps=True)
def _compare(state: AppState, t: int, slide: Slide) -> Drawn:
    """The focus run at k rates: small multiples or one overlay map."""
    st = replace(state, t=t)
    sw = app_views.sweep(st)
    cstate, theme = app_views.compare_state(st, sw)
    fig = app_views.compare_figure(cstate, sw, theme, live=False)
    if st.layout == "overlay":
        fig.update_layout(showlegend=True)
    focus = OPTIMIZERS[st.focus_run.optimizer].label
    lo, hi = st.rate_range()
    others = "".join(f", {h}" for h in hyperparameters(st.focus_run) if not h.startswith("lr "))
    head = f"{st.build_surface().label}: {focus} at {st.k} learning rates — step {t} / {st.steps}"
    line = f"{focus}, lr {num(lo)} … {num(hi)} (log-spaced){others}"
    _dressed(st, slide, fig, head, [line], runs=False)
    return Drawn(fig, app_views.compare_drawings(cstate, sw, theme))


@_view("sensitivity")
def _sensitivity(state: AppState, t: int, slide: Slide) -> Drawn:
    """Final loss and steps to arrive against the learning rate (no steps to play)."""
    fig = app_views.sensitivity_figure(state, app_views.sensitivity(state))
    head = f"{state.build_surface().label}: final loss against learning rate ({state.steps} steps)"
    _dressed(state, slide, fig, head, [], runs=True)
    return Drawn(fig)


@_view("starts")
def _starts(state: AppState, t: int, slide: Slide) -> Drawn:
    """Where each start of a grid ends (no steps to play)."""
    fig = app_views.start_map_figure(state, app_views.start_map(state))
    fig.update_layout(title=None)
    what = app_views.METRIC_TITLES[state.metric]
    run = state.focus_run
    line = (
        f"{OPTIMIZERS[run.optimizer].label} ({', '.join(hyperparameters(run))}), "
        f"{state.grid}×{state.grid} starts, {state.steps} steps"
    )
    head = f"{state.build_surface().label}: where each start ends ({what})"
    _dressed(state, slide, fig, head, [line], runs=False)
    return Drawn(fig)


@_view("3d", steps=True)
def _surface3d(state: AppState, t: int, slide: Slide) -> Drawn:
    """The surface in 3D with the paths on it and a marker at `t`."""
    st = replace(state, t=t)
    fig, drawings = app_views.surface3d(st, compute_all(st))
    fig.update_layout(showlegend=True, legend=dict(orientation="h", x=0.5, xanchor="center"))
    head = f"{st.build_surface().label} in 3D — step {t} / {st.steps}"
    _dressed(st, slide, fig, head, [], runs=True)
    return Drawn(fig, drawings)
