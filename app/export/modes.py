"""The views an export draws: one entry per view mode of the app.

Each `View` says, once, how its mode is drawn for a slide at a step (its
figure, title and caption, its runs as `look.Drawing`s) and whether it has
steps (a GIF is allowed). What it draws says the rest: a 2D view pins its
plot area to the pixel, so its GIF lays the runs over a background rendered
once (`Drawn.layered`); a map laid out by `dress_map` (the paths, the compare
overlay) also gets the HTML step player. A mode the registry does not know
falls back to the paths view.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import plotly.graph_objects as go

from gradscape.optimizers import OPTIMIZERS

from .. import look
from .. import views as app_views
from ..compute import RunResult, compute_all
from ..figures import THEMES, Theme, map_drawings, map_figure, run_fate, run_name
from ..state import AppState, has_data
from .panel import PanelDrawing, add_panel, data_box
from .slide import (
    HEAVIER,
    Box,
    Slide,
    beside_story,
    box_of,
    caption,
    dress_map,
    dress_view,
    font_scale,
    fonts,
    hyperparameters,
    num,
    subject,
    title,
)

__all__ = ["VIEWS", "Drawn", "View", "view_of"]


@dataclass(frozen=True, eq=False)
class Drawn:
    """A view drawn for a slide at one step: its figure, and its runs as `look.Drawing`s,
    which draw them at any other step (GIF frames, the HTML player)."""

    figure: go.Figure
    drawings: list[look.Drawing] = field(default_factory=list)
    box: Box | None = None  # a map's layout, exact to the pixel (`dress_map`)
    #: Its runs can be drawn apart and laid over the rest, rendered once: its plot area is
    #: pinned to the pixel. (Not a 3D scene: its surface hides the paths behind it.)
    layered: bool = False
    #: A data surface's panel beside the map (`PanelDrawing`): drawn at any step too.
    panel: list[PanelDrawing] = field(default_factory=list)


@dataclass(frozen=True)
class View:
    """One view mode as an export draws it."""

    mode: str
    draw: Callable[[AppState, int, Slide], Drawn]
    steps: bool = False  # steps to play: a GIF, an HTML step player

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


def _map(
    state: AppState,
    results: Sequence[RunResult],
    t: int,
    slide: Slide,
    theme: Theme,
    about: str = "",
    words: tuple[list[str], list[str]] | None = None,
    data: bool = False,
) -> Drawn:
    """The app's map with every run split at `t`, laid out for a slide (`dress_map`), its
    runs `HEAVIER` at the slide's font scale; with `data`, on a data surface, the data
    panel beside it (`panel`)."""
    surface = state.build_surface()
    labels = [
        run_name(run, r, run_fate(state, r, surface))
        for run, r in zip(state.runs, results, strict=True)
        if run.visible
    ]
    if data and has_data(state):
        box, map_w, start = data_box(state, slide, labels, words)
    else:
        box = box_of(state, slide, labels, words)
    scale = HEAVIER * box.k
    fig = map_figure(replace(state, t=t), results, theme=theme, scale=scale)
    dress_map(fig, state, t, slide, box, about)
    drawings = map_drawings(state, results, theme, scale)
    if not (data and has_data(state)):
        return Drawn(fig, drawings, box, layered=True)
    beside = add_panel(fig, state, results, theme, box, map_w, start, scale, t)
    return Drawn(fig, drawings, box, layered=True, panel=[beside])


@_view("paths", steps=True)
def _paths(state: AppState, t: int, slide: Slide) -> Drawn:
    """Every run over the contour."""
    return _map(state, compute_all(state), t, slide, THEMES[state.theme], data=True)


def _dressed(
    state: AppState, slide: Slide, fig: go.Figure, head: str, lines: list[str], runs: bool
) -> None:
    """`dress_view` with the caption's lines: the view's own, the runs' (`runs`), the shared."""
    runs_words, shared = caption(state)
    packed = [" · ".join(part) for part in ((runs_words if runs else []), shared) if part]
    dress_view(fig, state, slide, head, lines + packed)


@_view("compare", steps=True)
def _compare(state: AppState, t: int, slide: Slide) -> Drawn:
    """The focus run at k rates: small multiples or one overlay map."""
    st = replace(state, t=t)
    sw = app_views.sweep(st)
    cstate, theme = app_views.compare_state(st, sw)
    focus = OPTIMIZERS[st.focus_run.optimizer].label
    lo, hi = st.rate_range()
    others = "".join(f", {h}" for h in hyperparameters(st.focus_run) if not h.startswith("γ "))
    about = f": {focus} at {st.k} learning rates"
    line = f"{focus}, γ {num(lo)} … {num(hi)} (log-spaced){others}"
    if st.layout == "overlay":
        return _map(cstate, sw.results, t, slide, theme, about, ([line], caption(st)[1]))
    heavier = HEAVIER * font_scale(slide) if slide.projector else 1.0
    drawings = [replace(d, scale=heavier) for d in app_views.compare_drawings(cstate, sw, theme)]

    def draw(slide: Slide) -> go.Figure:
        area = app_views.GRID_ASPECT
        if slide.projector:  # a 16:9 slide's plot area: wide, so more columns
            k = font_scale(slide)
            area = (slide.width - 150 * k) / (slide.height - 160 * k)
        fig = app_views.compare_figure(
            cstate, sw, theme, live=True, area=area, most=5 if slide.projector else 4
        )
        if slide.projector:  # panels narrower than their cells: each centred in its cell,
            fig.update_xaxes(constraintoward="center")  # so the gaps between them are even
        for d in drawings:
            fig.add_traces(d.at(t))
        _dressed(st, slide, fig, title(st, t, about=about), [line], runs=False)
        if slide.projector:
            _gather(fig, slide, cstate.view)
        _pin(fig, slide, cstate.view)
        return fig

    return Drawn(beside_story(st, slide, draw) or draw(slide), drawings, layered=True)


def _gather(fig: go.Figure, slide: Slide, view: Sequence[float]) -> None:
    """Narrow the plot area to the panels where their height limits them (a 16:9 slide),
    and centre the grid, its tick labels and colour bar on the image: no wide gaps."""
    k = font_scale(slide)
    m = fig.layout.margin
    pw, ph = slide.width - m.l - m.r, slide.height - m.t - m.b
    axes = list(fig.select_xaxes())
    cols = len({tuple(ax.domain) for ax in axes})
    if cols == 0:
        return
    ya = fig.layout.yaxis
    cell_w = (axes[0].domain[1] - axes[0].domain[0]) * pw
    panel_w = (ya.domain[1] - ya.domain[0]) * ph * (view[1] - view[0]) / (view[3] - view[2])
    if panel_w >= cell_w:
        return
    gaps = 1 - cols * (axes[0].domain[1] - axes[0].domain[0])  # the spacing, of the width
    need = cols * panel_w / (1 - gaps)
    bar = max(m.r or 0, 72 * k)
    left = (slide.width - (m.l + need + bar)) / 2 + m.l
    fig.update_layout(margin=dict(l=left, r=slide.width - left - need))


def _pin(fig: go.Figure, slide: Slide, view: Sequence[float]) -> None:
    """Pin the small multiples' plot area to whole pixels (GIF frames lay the runs over it):
    the margins stay as given, rounded, the colour bar in the right one, beside the
    rightmost panel (square panels shrink away from the plot area's right edge), and the
    title and caption centred on the image again."""
    k = font_scale(slide)
    m = fig.layout.margin
    left, top, bottom, right = (round(v) for v in (m.l, m.t, m.b, max(m.r or 0, 72 * k)))
    fig.update_layout(margin=dict(l=left, r=right, t=top, b=bottom, autoexpand=False))
    pw, ph = slide.width - left - right, slide.height - top - bottom
    edge = 1.0
    x0, x1, y0, y1 = view
    axes = list(fig.select_xaxes())
    if axes:  # the rightmost panel: as wide as its height allows, shrunk towards its left
        last = max(axes, key=lambda ax: ax.domain[1])
        ya = fig.layout[last.anchor.replace("y", "yaxis")] if last.anchor else fig.layout.yaxis
        dw = (last.domain[1] - last.domain[0]) * pw
        dh = (ya.domain[1] - ya.domain[0]) * ph
        wide = min(dw, dh * (x1 - x0) / (y1 - y0))
        spare = {"left": 1.0, "center": 0.5}.get(last.constraintoward, 0.0) * (dw - wide)
        edge = last.domain[1] - spare / pw
    fig.update_traces(
        selector=dict(type="contour"),
        colorbar=dict(x=edge + 14 * k / pw, title=dict(font=dict(size=fonts(k)["bar"]))),
    )
    centre = (slide.width / 2 - left) / pw
    for a in fig.layout.annotations:
        if a.name in ("title", "caption"):
            a.x = centre


@_view("sensitivity")
def _sensitivity(state: AppState, t: int, slide: Slide) -> Drawn:
    """Final loss and steps to arrive against the learning rate (no steps to play)."""
    sens = app_views.sensitivity(state)
    head = f"{subject(state)}: final loss against learning rate ({state.steps} steps)"

    def draw(slide: Slide) -> go.Figure:
        fig = app_views.sensitivity_figure(state, sens)
        _dressed(state, slide, fig, head, [], runs=True)
        return fig

    return Drawn(beside_story(state, slide, draw) or draw(slide))


@_view("starts")
def _starts(state: AppState, t: int, slide: Slide) -> Drawn:
    """Where each start of a grid ends (no steps to play)."""
    sm = app_views.start_map(state)
    fig = app_views.start_map_figure(state, sm)
    fig.update_layout(title=None)
    # what the colour bar cannot say (the app's subtitle says it): diverging starts, and
    # the hatched starts still on their way or the grey ones that never arrive
    n_div = int(sm.diverged.sum())
    keys = [f"<span style='color:#b22222'>■</span> {n_div} diverge"] if n_div else []
    key = app_views.startmap_key(state, sm, THEMES[state.theme])
    keys += [key] if key else []
    basins = state.metric == "basin" and bool(state.build_surface().minima)
    what = app_views.METRIC_TITLES[state.metric]
    run = state.focus_run
    line = (
        f"{OPTIMIZERS[run.optimizer].label} ({', '.join(hyperparameters(run))}), "
        f"{state.grid}×{state.grid} starts, {state.steps} steps"
    )
    line = " · ".join([line, *keys])
    head = f"{subject(state)}: where each start ends ({what})"
    # laid out as a map: the plot area has the view's aspect, the title is centred on the
    # image, the colour bar beside the map (room for the basins' names)
    box = box_of(state, slide, [], ([line], caption(state)[1]), right=150 if basins else 92)
    dress_map(fig, state, t, slide, box, head=head)
    return Drawn(fig)


@_view("3d", steps=True)
def _surface3d(state: AppState, t: int, slide: Slide) -> Drawn:
    """The surface in 3D with the paths on it and a marker at `t`."""
    st = replace(state, t=t)
    fig, drawings = app_views.surface3d(st, compute_all(st))
    fig.update_layout(  # under the title: the caption is under the scene
        showlegend=True,
        legend=dict(orientation="h", x=0.5, xanchor="center", y=1, yanchor="bottom"),
    )

    def draw(slide: Slide) -> go.Figure:
        _dressed(st, slide, fig, title(st, t, about=" in 3D"), [], runs=True)
        if slide.projector:  # the scene's labels for the room (larger crowd its edge)
            f = fonts(font_scale(slide))
            label = dict(tickfont=dict(size=f["tick"] * 0.7), title=dict(font=dict(size=f["tick"])))
            fig.update_layout(scene=dict(xaxis=label, yaxis=label, zaxis=label))
        return fig

    return Drawn(beside_story(st, slide, draw) or draw(slide), drawings)
