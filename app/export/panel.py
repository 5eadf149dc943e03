"""The data panel on a slide: a data surface's map with its data beside it.

On a data surface (`surfaces.data`) a point of the map is a model; the app
shows what it does to the data in a panel beside the map (`app.datapanel`).
An export of the paths view shows the same, side by side at the slide's size:
the map on the left (its plot area exact to the pixel, as `dress_map` lays it
out), its colour bar, then the panel on a second pair of axes: the samples,
each visible run's model at the frame's step in its colour, the step's
mini-batch ringed. The panel's moving part is a `PanelDrawing`, drawn at any
step like a run's `look.Drawing` (GIF frames lay it over the background with
the runs; the HTML player swaps its traces with the slider).

Other surfaces are exported as before: nothing here runs for them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import plotly.graph_objects as go

from .. import datapanel
from ..figures import Theme, chart_axis
from ..state import AppState
from .slide import Box, Slide, box_of, fonts

__all__ = ["GAP", "RATIO", "PanelDrawing", "add_panel", "data_box", "player_data"]

#: The panel's width over the map's.
RATIO = 0.85
#: Pixels (at font scale 1) between the map and the panel: the map's colour bar,
#: then the panel's y tick labels and title.
GAP = 150


@dataclass(frozen=True, eq=False)
class PanelDrawing:
    """The panel's moving part (models, boundaries, mini-batch rings) at any step `t`."""

    state: AppState
    results: Sequence[Any]
    theme: Theme
    box: tuple[float, float, float, float]
    scale: float = 1.0
    axes: tuple[str, str] = ("x2", "y2")

    def at(self, t: int) -> list[dict]:
        return datapanel.model_traces(
            self.state, self.results, self.theme, t,
            box=self.box, scale=self.scale, axes=self.axes,
        )  # fmt: skip


def data_box(
    state: AppState,
    slide: Slide,
    labels: Sequence[str],
    words: tuple[Sequence[str], Sequence[str]] | None = None,
) -> tuple[Box, int, int]:
    """`box_of` for a plot area holding the map, the gap and the panel side by side.

    Returns the box (its plot area spans both) and, in whole pixels from the
    plot area's left, the map's width and where the panel starts.
    """
    x0, x1, y0, y1 = state.view
    aspect = (x1 - x0) / (y1 - y0)
    wide = 1 + RATIO + 0.3  # a first guess of the plot area's width over the map's
    for _ in range(4):  # the gap is in pixels: settle the widths (a few rounds at most)
        box = box_of(replace(state, view=(x0, x0 + (x1 - x0) * wide, y0, y1)), slide, labels, words)
        map_w = box.pw / wide
        wide = 1 + RATIO + GAP * box.k / map_w
    map_w = min(round(box.ph * aspect), box.pw - 1)
    start = min(map_w + round(GAP * box.k), box.pw - 1)
    return box, map_w, start


def add_panel(
    fig: go.Figure,
    state: AppState,
    results: Sequence[Any],
    theme: Theme,
    box: Box,
    map_w: int,
    start: int,
    scale: float,
    t: int,
) -> PanelDrawing:
    """Narrow a dressed map (`dress_map`) to `map_w` pixels and put the panel right of it,
    from `start` to the plot area's right edge; its models drawn at step `t`."""
    k, f = box.k, fonts(box.k)
    end = map_w / box.pw
    fig.update_layout(xaxis=dict(domain=[0, end]))
    fig.update_traces(selector=dict(type="contour"), colorbar=dict(x=end + 16 * k / box.pw))
    base = datapanel.base_figure(state, theme)
    bx = datapanel.base_box(base)
    kind = state.build_surface().kind
    xl, yl, model = datapanel.LABELS[kind]
    samples = base["data"][0]
    n = int(state.build_surface().data[0].shape[0])
    axis = chart_axis(theme)
    axis.update(
        tickfont=dict(size=f["tick"], color=theme.muted),
        showline=True,
        mirror=True,
        automargin=False,
        fixedrange=True,
    )
    title_font = dict(size=f["axis"], color=theme.ink)
    fig.update_layout(
        xaxis2=dict(
            axis, domain=[start / box.pw, 1], anchor="y2", range=list(bx[:2]),
            title=dict(text=f"{xl}   ({n:,} samples · {model})", font=title_font,
                       standoff=6 * k),
        ),
        yaxis2=dict(
            axis, domain=[0, 1], anchor="x2", range=list(bx[2:]),
            title=dict(text=yl, font=title_font, standoff=4 * k),
        ),
    )  # fmt: skip
    marker = dict(samples["marker"])
    marker["size"] = marker["size"] * scale
    fig.add_trace(
        {
            **samples,
            "type": "scatter",  # an image: no WebGL
            "marker": marker,
            "xaxis": "x2",
            "yaxis": "y2",
            "meta": {"panel": "samples", "samples": n},
        }
    )
    drawing = PanelDrawing(state, results, theme, bx, scale)
    for tr in drawing.at(t):
        fig.add_trace(tr)
    return drawing


def _short(a: Any) -> list[float | None]:
    """Numbers for the page, to 7 significant digits (a curve on a slide)."""
    return [None if not np.isfinite(v) else float(f"{v:.7g}") for v in np.asarray(a, float)]


def player_data(fig: go.Figure, panel: Sequence[PanelDrawing], steps: Sequence[int]) -> list:
    """For the HTML player: each panel trace's index in `fig` and its points at every
    slider position."""
    index = {
        (m.get("run"), m.get("role")): i
        for i, tr in enumerate(fig.data)
        if isinstance(m := tr.meta, dict) and "role" in m
    }
    out: dict[int, dict] = {}
    for d in panel:
        for t in steps:
            for tr in d.at(t):
                i = index[tr["meta"]["run"], tr["meta"]["role"]]
                entry = out.setdefault(i, {"trace": i, "x": [], "y": []})
                entry["x"].append(_short(tr["x"]))
                entry["y"].append(_short(tr["y"]))
    return list(out.values())
