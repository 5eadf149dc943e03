"""Files for lessons: exactly what a link shows, as PNG, SVG, animated GIF or HTML.

In a notebook::

    from app.export import figure, write

    link = "http://127.0.0.1:8050/?surface=beale&run1=adam&run1.lr=0.1"
    figure(link)                               # the figure, with a title and a caption
    write(link, "beale.png")                   # 2200×1600 pixels (1100×800 at 2×)
    write(link, "beale.gif", frames=60, fps=20)

`figure` and `write` take an `AppState` or a link: a whole URL, ``?surface=…``
or the bare query. The link is read by `app.state.parse`, so a bad value falls
back to its default (with a notice) and still gives a file. The figure is the
app's map (`app.figures.map_figure`: the same traces) laid out for a slide: the
surface and the step as a title, a legend of the runs, and a caption under the
plot listing each visible run's optimizer with its learning rate and every
hyperparameter not at its default (momentum always: it names the method), then
the schedule, clipping and noise where they are on.

Formats:

* ``png``, ``svg``: rendered by kaleido in a headless Chromium (``BROWSER_PATH``
  if set, else Chrome or Chromium wherever kaleido finds one, such as Debian's
  ``/usr/bin/chromium``). A PNG has `scale` (default 2) pixels per layout pixel.
* ``gif``: `frames` frames spaced evenly over steps `first` … `last`, `fps`
  frames a second, `width` × `height` pixels, looping; the last frame is held
  `hold` seconds more. The contour, legend and caption are rendered once; the
  runs and the title's step counter are rendered for each frame as panels of a
  transparent sheet (many frames per browser call: each call costs a page
  load) and laid over it. One browser renders every frame.
* ``html``: one standalone file (plotly.js inside: works offline) with the
  interactive figure, a step slider and a play button. The slider restyles the
  run traces only: Plotly.animate would wipe the contour (plotly.js #4491).
  Plotly still redraws the whole figure for each step, so play shows as many
  steps a second as the browser manages (about 6 here), at most `fps`.

The Dash server serves the same files (`register`)::

    GET /export/<png|svg|gif|html>?<the app's query>&export.width=800&export.fps=15

Export options carry the ``export.`` prefix (``width``, ``height``, ``scale``,
``fps``, ``frames``, ``first``, ``last``, ``hold``) so they never clash with the
app's keys. Limits keep a request bounded: `MAX_SIZE` pixels a side,
`MAX_FRAMES` frames, `MAX_GIF_PIXELS` in all, fps 1 … 50.
"""

from __future__ import annotations

import asyncio
import atexit
import base64
import contextlib
import io
import json
import math
import os
import re
import shutil
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import kaleido
import numpy as np
import plotly.graph_objects as go
from choreographer.browsers.chromium import Chromium
from choreographer.errors import ChromeNotFoundError
from flask import Flask, Response, request
from PIL import Image

import surfaces
from optimizers import OPTIMIZERS, schedules

from . import views
from .compute import RunResult, compute_all
from .figures import FONT, THEMES, map_figure
from .state import AppState, Run, parse

__all__ = [
    "FORMATS",
    "MAX_FRAMES",
    "MAX_GIF_PIXELS",
    "MAX_SIZE",
    "BrowserNotFoundError",
    "Export",
    "ExportError",
    "Options",
    "OptionsError",
    "Renderer",
    "caption",
    "export",
    "figure",
    "find_browser",
    "register",
    "resolve",
    "title",
    "write",
]

#: Export formats and their media types.
FORMATS: dict[str, str] = {
    "png": "image/png",
    "svg": "image/svg+xml",
    "gif": "image/gif",
    "html": "text/html; charset=utf-8",
}
#: Largest image side in pixels (layout size times scale); smallest layout side.
MAX_SIZE = 4000
MIN_SIZE = 200
#: Most GIF frames, and most GIF pixels in all (frames × width × height): about 1.8 bytes
#: of memory each while the GIF is made (170 frames of 1100 × 800 at most).
MAX_FRAMES = 300
MAX_GIF_PIXELS = 150_000_000
FPS_RANGE = (1, 50)
#: Exports the server makes at once (the rest wait); a GIF holds its frames in memory.
MAX_CONCURRENT = 2
HOW_TO_INSTALL = (
    "Install Chromium (Debian/Ubuntu: `apt-get install chromium`) or Google Chrome, "
    "or set BROWSER_PATH=/path/to/chrome."
)
RUN_ROLES = ("ghost", "trail", "head")


class ExportError(Exception):
    """An export that cannot be made; the message says why and what to do."""

    status = 500


class OptionsError(ExportError, ValueError):
    """Export options out of range or of the wrong kind (HTTP 400)."""

    status = 400


class BrowserNotFoundError(ExportError):
    """No Chromium or Chrome to render images with (HTTP 503)."""

    status = 503


# --------------------------------------------------------------------------- state
def resolve(state_or_query: AppState | str) -> tuple[AppState, list[str]]:
    """The state a link describes (a whole URL, ``?query`` or a bare query), with notices.

    An `AppState` comes back as it is, with no notices.
    """
    if isinstance(state_or_query, AppState):
        return state_or_query, []
    text = str(state_or_query).strip()
    if "://" in text or text.startswith("/"):
        text = urlsplit(text).query
    return parse(text)


def _at(state: AppState, t: int | None, theme: str | None) -> AppState:
    """`state` at step `t` (clamped) in `theme`, where given."""
    if theme is not None:
        if theme not in THEMES:
            raise OptionsError(f"theme={theme!r} is unknown; choose one of: {', '.join(THEMES)}.")
        state = replace(state, theme=theme)
    if t is not None:
        state = replace(state, t=min(max(int(t), 0), state.steps))
    return state


# --------------------------------------------------------------------------- words
def _num(v: float) -> str:
    return f"{v:.3g}"


def _hyperparameters(run: Run) -> list[str]:
    """lr; momentum where it names the method; then whatever differs from its default."""
    parts = [f"lr {_num(run.hp['lr'])}"]
    for p in OPTIMIZERS[run.optimizer].params:
        v = run.hp[p.name]
        if p.name == "lr" or (v == p.default and not (p.name == "momentum" and v)):
            continue
        if p.kind == "bool":
            parts.append(p.name if v else f"no {p.name}")
        else:
            parts.append(f"{p.symbol or p.name.replace('_', ' ')} {_num(v)}")
    return parts


def _training(state: AppState) -> list[str]:
    """The settings every run shares, where they are on."""
    parts = []
    if state.schedule != "constant":
        name = state.schedule.replace("_", " + ")
        args = ", ".join(
            f"{p.symbol or p.name} {_num(state.schedule_args[p.name])}"
            for p in schedules.PARAMS[state.schedule]
        )
        parts.append(f"{name} schedule ({args})" if args else f"{name} schedule")
    if state.clip != "off":
        parts.append(f"clipped by {state.clip} at {_num(state.clip_at)}")
    if state.noise:
        parts.append(f"gradient noise σ {_num(state.noise)} (seed {state.seed})")
    return parts


def caption(state: AppState) -> tuple[list[str], list[str]]:
    """The caption's items: one per visible run, and the settings the runs share.

    >>> caption(parse("")[0])[0]
    ['SGD (lr 0.001)', 'Momentum (lr 0.001, μ 0.9)', 'Adam (lr 0.1)']
    """
    runs = [
        f"{OPTIMIZERS[r.optimizer].label} ({', '.join(_hyperparameters(r))})"
        for r in state.runs
        if r.visible
    ]
    return runs, _training(state)


def title(state: AppState, t: int, *, pad: bool = False) -> str:
    """The surface (with its parameters, where it has any) and the step shown.

    `pad` pads the step with figure spaces to the width of the last step, so
    that a centred title keeps still while the digits grow (GIF frames).

    >>> title(parse("")[0], 500)
    'Rosenbrock — step 500 / 500'
    """
    label = state.build_surface().label
    entry = surfaces.SURFACES.get(state.surface)  # None for a custom formula
    params = entry.params if entry is not None else ()
    if params:
        values = ", ".join(
            f"{p.symbol or p.name} {_num(state.surface_params[p.name])}" for p in params
        )
        label += f" ({values})"
    step = str(t).rjust(len(str(state.steps)), "\u2007") if pad else str(t)
    return f"{label} — step {step} / {state.steps}"


# --------------------------------------------------------------------------- layout
@dataclass(frozen=True)
class _Look:
    """What a figure is for: its size in layout pixels and what it shows."""

    width: int = 1100
    height: int = 800
    title: bool = True
    caption: bool = True
    animated: bool = False  # GIF frames: the title's step is padded
    interactive: bool = False  # HTML: room for the slider; the aspect kept on zoom


@dataclass(frozen=True)
class _Box:
    """Where things go, in layout pixels from the top left. The plot area is whole pixels."""

    left: int
    top: int
    pw: int
    ph: int
    k: float  # font scale
    title_y: float  # top of the title
    legend_y: float  # middle of the legend's band
    caption_y: float  # top of the caption
    slider_y: float  # top of the slider (HTML)
    caption_lines: tuple[str, ...]


#: Average character width over font size (DejaVu Sans, the fallback on Linux: wide).
_CHAR = 0.6


def _fonts(k: float) -> dict[str, float]:
    """Font sizes at font scale `k` (1 for 1100 × 800: readable on a projected slide)."""
    sizes = {"title": 25, "legend": 16, "tick": 14, "axis": 16, "caption": 15, "bar": 13}
    return {name: size * k for name, size in sizes.items()}


def _pack(items: Sequence[str], width: float, size: float, sep: str = " · ") -> list[str]:
    """Items joined by `sep` into lines that fit `width` pixels (estimated) at font `size`."""
    lines: list[str] = []
    for item in items:
        if lines and len(lines[-1] + sep + item) * _CHAR * size <= width:
            lines[-1] += sep + item
        else:
            lines.append(item)
    return lines


def _legend_row(size: float) -> float:
    """A legend row's height in Plotly: a text line, at least 16 px, and 3 between rows."""
    return max(1.3 * size, 16) + 3 + 1


def _legend_rows(labels: Sequence[str], width: float, size: float) -> int:
    """Rows a horizontal legend of `labels` takes (estimated)."""
    rows, used = 1, 0.0
    for label in labels:  # Plotly: the symbol and a gap take 40 px, then the text, then 10
        w = 50 + len(label) * 0.52 * size  # labels are narrower than prose: digits, dots
        if used and used + w > width:
            rows, used = rows + 1, 0.0
        used += w
    return rows if labels else 0


def _box(state: AppState, look: _Look, labels: Sequence[str]) -> _Box:
    """Lay out title, legend, plot (the view's aspect), colour bar, caption and slider."""
    W, H = look.width, look.height
    r = min(W / 1100, H / 800)
    k = min(max(r if r >= 1 else r**0.75, 0.4), 3.0)  # small images keep text a bit larger
    f = _fonts(k)
    lines: list[str] = []
    if look.caption:
        runs, shared = caption(state)
        lines = _pack(runs, W - 60 * k, f["caption"]) + _pack(shared, W - 60 * k, f["caption"])
    title_y = 18 * k
    top_h = title_y + (f["title"] * 1.3 + 10 * k if look.title else 0)
    axis_h = f["tick"] * 1.6 + f["axis"] * 1.4 + 14 * k  # tick labels and the x title
    caption_h = len(lines) * f["caption"] * 1.45 + (10 * k if lines else 0)
    slider_h = 84 * k if look.interactive else 0
    below = axis_h + caption_h + slider_h + 16 * k
    left_room, right_room = 64 * k, 92 * k  # y ticks and title; the colour bar
    x0, x1, y0, y1 = state.view
    aspect = (x1 - x0) / (y1 - y0)
    avail_w = W - left_room - right_room - 24 * k
    # Plotly wraps a horizontal legend at the plot's width, which depends on the legend's
    # height: start from one row per the image's width and settle (a few rounds at most).
    rows = _legend_rows(labels, W - 80 * k, f["legend"])
    for _ in range(4):
        above = top_h + rows * _legend_row(f["legend"]) + 10 * k
        avail_h = H - above - below
        if avail_w < 80 or avail_h < 80:
            raise OptionsError(f"{W}×{H} leaves no room for the plot; try at least 400×300.")
        pw = min(avail_w, avail_h * aspect)
        pw, ph = max(int(pw), 1), max(int(pw / aspect), 1)
        need = _legend_rows(labels, pw - 10, f["legend"])
        if need <= rows:
            break
        rows = need
    left = round((W - (left_room + pw + right_room)) / 2 + left_room)
    slack = (avail_h - ph) / 2
    top = round(above + slack)
    caption_y = top + ph + axis_h
    return _Box(
        left=left,
        top=top,
        pw=pw,
        ph=ph,
        k=k,
        title_y=title_y + slack,
        legend_y=(top_h + slack + top - 8 * k) / 2,
        caption_y=caption_y,
        slider_y=caption_y + caption_h,
        caption_lines=tuple(lines),
    )


def _paper(box: _Box, px: float, py: float) -> tuple[float, float]:
    """Layout pixels (from the top left) in paper coordinates (the plot area is 0 … 1)."""
    return (px - box.left) / box.pw, 1 - (py - box.top) / box.ph


def _dress(fig: go.Figure, state: AppState, t: int, look: _Look) -> _Box:
    """Lay a map out for a slide: the plot area exact, title, legend, caption, colour bar."""
    theme = THEMES[state.theme]
    labels = [tr.name for tr in fig.data if _role(tr) == "trail" and tr.visible]
    box = _box(state, look, labels)
    f = _fonts(box.k)
    W, H = look.width, look.height
    annotations = []
    if look.title:
        x, y = _paper(box, W / 2, box.title_y)
        text = title(state, t, pad=look.animated)
        annotations.append(
            dict(name="title", text=text, x=x, y=y, font=dict(size=f["title"], color=theme.ink))
        )
    if box.caption_lines:
        x, y = _paper(box, W / 2, box.caption_y)
        annotations.append(
            dict(
                name="caption",
                text="<br>".join(box.caption_lines),
                x=x,
                y=y,
                align="center",
                font=dict(size=f["caption"], color=theme.muted),
            )
        )
    for a in annotations:
        a.update(xref="paper", yref="paper", xanchor="center", yanchor="top", showarrow=False)
    axis = dict(
        tickfont=dict(size=f["tick"], color=theme.muted),
        title=dict(font=dict(size=f["axis"], color=theme.ink), standoff=6 * box.k),
        domain=[0, 1],
        automargin=False,
    )
    fig.update_layout(
        width=W,
        height=H,
        margin=dict(
            l=box.left,
            t=box.top,
            r=W - box.left - box.pw,
            b=H - box.top - box.ph,
            pad=0,
            autoexpand=False,  # nothing moves the plot area: GIF panels rely on it
        ),
        paper_bgcolor=theme.plot,
        font=dict(family=FONT, color=theme.ink, size=f["tick"]),
        xaxis=axis,
        yaxis=axis,
        legend=dict(  # placed in the image: centred under the title, above the plot
            xref="container",
            yref="container",
            x=0.5,
            xanchor="center",
            y=1 - box.legend_y / H,
            yanchor="middle",
            font=dict(size=f["legend"], color=theme.ink),
            tracegroupgap=0,
        ),
        annotations=annotations,
        uirevision=None,
    )
    if not look.interactive:  # the plot area has the view's aspect already
        fig.update_layout(xaxis=dict(constrain=None), yaxis=dict(scaleanchor=None, constrain=None))
    fig.update_traces(
        selector=dict(type="contour"),
        colorbar=dict(
            x=1 + 16 * box.k / box.pw,
            xanchor="left",
            y=0.46,
            yanchor="middle",
            len=0.92,
            thickness=14 * box.k,
            tickfont=dict(size=f["bar"], color=theme.muted),
            title=dict(font=dict(size=f["bar"], color=theme.muted)),
        ),
    )
    for tr in fig.data:  # a little heavier than on screen, to read from the back row
        role = _role(tr)
        if role == "trail":
            tr.line.width = 3.2 * box.k
        elif role == "ghost":
            tr.line.width = 2.0 * box.k
        elif role == "head":
            tr.marker.size = 16 * box.k
            tr.marker.line.width = 2.5 * box.k
        elif tr.name in ("minimum", "start") and box.k != 1:  # markers at the image's scale
            size = tr.marker.size
            tr.marker.size = [v * box.k for v in size] if isinstance(size, tuple) else size * box.k
    return box


# --------------------------------------------------------------------------- figures
def _paths_view(state: AppState, results: Sequence[RunResult], t: int, look: _Look) -> go.Figure:
    fig = map_figure(replace(state, t=t), results)
    _dress(fig, state, t, look)
    return fig


#: The views an export draws, by the state's `mode`; other modes fall back to "paths".
_VIEWS = {"paths": _paths_view}


def _view_figure(
    state: AppState, results: Sequence[RunResult], t: int, look: _Look = _Look()
) -> go.Figure:
    """The one place every export builds its figure: the state's view at step `t`.

    Its run traces carry ``meta.role`` (ghost, trail, head) and ``meta.run``;
    GIF frames and the HTML slider move them to other steps (`_retime`).
    """
    build = _VIEWS.get(getattr(state, "mode", "paths"), _paths_view)
    return build(state, results, t, look)


# --------------------------------------------------------------------------- other views
#: Views with steps to play (a GIF or a slider); the sensitivity curves and start maps
#: have none.
ANIMATED_MODES = ("paths", "compare", "3d")


def _other_view(state: AppState, t: int, look: _Look) -> tuple[go.Figure, Sequence[RunResult]]:
    """A view other than the paths (compare, sensitivity, start map, 3D) at step `t`,
    laid out for a slide, and the results its run traces were cut from."""
    st = replace(state, t=t)
    surface = st.build_surface().label
    focus = OPTIMIZERS[st.focus_run.optimizer].label
    results: Sequence[RunResult] = ()
    if st.mode == "compare":
        sw = views.sweep(st)
        cstate, theme = views.compare_state(st, sw)
        fig = views.compare_figure(cstate, sw, theme, live=False)
        lo, hi = st.rate_range()
        head = f"{surface}: {focus} at {st.k} learning rates — step {t} / {st.steps}"
        others = [h for h in _hyperparameters(st.focus_run) if not h.startswith("lr ")]
        lines = [
            f"{focus}, lr {_num(lo)} … {_num(hi)} (log-spaced)" + "".join(f", {h}" for h in others)
        ]
        if st.layout == "overlay":
            fig.update_layout(showlegend=True)
        results = sw.results
    elif st.mode == "sensitivity":
        fig = views.sensitivity_figure(st, views.sensitivity(st))
        head = f"{surface}: final loss against learning rate ({st.steps} steps)"
        lines = []
    elif st.mode == "starts":
        fig = views.start_map_figure(st, views.start_map(st))
        fig.update_layout(title=None)
        what = views.METRIC_TITLES[st.metric]
        head = f"{surface}: where each start ends ({what})"
        lines = [
            f"{focus} ({', '.join(_hyperparameters(st.focus_run))}), "
            f"{st.grid}×{st.grid} starts, {st.steps} steps"
        ]
    else:  # 3d
        results = compute_all(st)
        fig = views.surface3d_figure(st, results, live=False)
        fig.update_layout(showlegend=True, legend=dict(orientation="h", x=0.5, xanchor="center"))
        head = f"{surface} in 3D — step {t} / {st.steps}"
        lines = []
    if st.mode != "compare":
        lines += caption(st)[0] if st.mode != "starts" else []
    lines += caption(st)[1]
    _dress_view(fig, st, look, head, lines)
    return fig, results


def _dress_view(fig: go.Figure, state: AppState, look: _Look, head: str, lines: list[str]) -> None:
    """A title over a view and a caption under it, at the export's size."""
    theme = THEMES[state.theme]
    k = min(look.width / 1100, look.height / 800)
    f = _fonts(k)
    wrapped = [
        w for line in lines for w in _pack(line.split(" · "), look.width * 0.9, f["caption"])
    ]
    bottom = (18 + 1.5 * f["caption"] * len(wrapped)) if look.caption else 24
    top = 30 + 1.6 * f["title"] if look.title else 20
    margin = fig.layout.margin
    b = bottom + 36 * k
    ph = look.height - top - b  # the plot area's height: paper y is relative to it
    annotations = [*fig.layout.annotations]
    if look.title:
        annotations.append(
            go.layout.Annotation(
                name="title", text=head, x=0.5, y=(look.height - b - 14) / ph, xref="paper",
                yref="paper", xanchor="center", yanchor="top", showarrow=False,
                font=dict(size=f["title"], color=theme.ink),
            )
        )  # fmt: skip
    if look.caption and wrapped:
        annotations.append(
            go.layout.Annotation(
                name="caption", text="<br>".join(wrapped), x=0.5, y=-(36 * k) / ph,
                xref="paper", yref="paper", xanchor="center", yanchor="top",
                showarrow=False, align="center", font=dict(size=f["caption"], color=theme.muted),
            )
        )  # fmt: skip
    fig.update_layout(
        width=look.width,
        height=look.height,
        paper_bgcolor=theme.plot,
        annotations=annotations,
        margin=dict(l=max(margin.l or 0, 60 * k), r=max(margin.r or 0, 30 * k), t=top, b=b),
        uirevision=None,
    )


def _retime_any(trace: dict, results: Sequence[RunResult], fig: dict, t: int) -> dict:
    """A run trace of any view as it is at step `t` (paths and 3D markers)."""
    meta = trace.get("meta") or {}
    if meta.get("role") == "head3d":
        path = next(
            tr
            for tr in fig["data"]
            if (tr.get("meta") or {}) == {"role": "path3d", "run": meta["run"]}
        )
        k = min(t, meta["n"] - 1)
        return {
            **trace,
            **{a: [_decoded(path[a])[k]] for a in ("x", "y", "z")},
            "text": [str(k)],
        }
    r = results[meta["run"]]
    return _retime(trace, r, min(t, len(r.x) - 1))


def _decoded(v: Any) -> np.ndarray:
    if isinstance(v, dict) and "bdata" in v:
        return np.frombuffer(base64.b64decode(v["bdata"]), dtype=np.dtype(v["dtype"]))
    return np.asarray(v)


def _view_file(state: AppState, o: Options, look: _Look, renderer: Renderer | None) -> bytes:
    """Any view but the paths: a still (PNG, SVG), the interactive figure (HTML), or,
    where it has steps, a GIF of every frame drawn whole (one browser for all)."""
    if o.fmt == "gif" and state.mode not in ANIMATED_MODES:
        raise OptionsError(
            f"mode={state.mode} has no steps to animate; export it as PNG, SVG or HTML."
        )
    fig, results = _other_view(state, state.shown_step, replace(look, animated=o.fmt == "gif"))
    if o.fmt == "html":
        return fig.to_html(include_plotlyjs=True, full_html=True).encode()
    with _rendering(renderer) as r:
        if o.fmt == "gif":
            return _gif_whole(state, fig, results, o, r)
        (data,) = r.render([fig], fmt=o.fmt, scale=o.scale)
        return data


def _paths_file(state: AppState, o: Options, look: _Look, renderer: Renderer | None) -> bytes:
    """The paths view as the file `o` asks for (GIF frames as panels over one background)."""
    results = compute_all(state)
    if o.fmt == "html":
        return _html(state, results, replace(look, interactive=True), o)
    with _rendering(renderer) as r:
        if o.fmt == "gif":
            return _gif(state, results, replace(look, animated=True), o, r)
        fig = _view_figure(state, results, state.shown_step, look)
        (data,) = r.render([fig], fmt=o.fmt, scale=o.scale)
        return data


@contextlib.contextmanager
def _rendering(renderer: Renderer | None):
    """The given renderer or the process's; a failure in it becomes an `ExportError`
    (and the process's browser is dropped, so the next export starts a fresh one)."""
    try:
        yield renderer or _renderer()
    except ExportError:
        raise
    except Exception as e:
        if renderer is None:
            _drop_renderer()
        raise ExportError(f"Rendering failed: {e}") from e


def _gif_whole(
    state: AppState, fig: go.Figure, results: Sequence[RunResult], o: Options, r: Renderer
) -> bytes:
    """A GIF whose frames are the whole figure re-cut at each step (views with panels or 3D)."""
    d = fig.to_dict()
    head = next((a for a in d["layout"].get("annotations", ()) if a.get("name") == "title"), None)
    frames = []
    for t in o.steps_shown().tolist():
        data = [
            _retime_any(tr, results, d, t)
            if (tr.get("meta") or {}).get("role") in (*RUN_ROLES, "head3d")
            else tr
            for tr in d["data"]
        ]
        layout = d["layout"]
        if head is not None:
            layout = {
                **layout,
                "annotations": [
                    {**a, "text": _retitle(a["text"], t)} if a is head else a
                    for a in layout["annotations"]
                ],
            }
        frames.append({"data": data, "layout": layout})
    pngs = r.render(frames, fmt="png")
    images = [Image.open(io.BytesIO(p)).convert("RGB") for p in pngs]
    first = images[0].quantize(256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    paletted = [first] + [im.quantize(palette=first, dither=Image.Dither.NONE) for im in images[1:]]
    return _save_gif(paletted, o)


def figure(
    state_or_query: AppState | str,
    *,
    t: int | None = None,
    theme: str | None = None,
    title: bool = True,
    caption: bool = True,
    width: int = 1100,
    height: int = 800,
) -> go.Figure:
    """The export figure of a state or a link, at step `t` (default: the step it shows).

    The map with every run's path up to `t` (the rest dotted), a title
    (surface and step), a legend, and a caption naming each visible run's
    optimizer and hyperparameters and the settings the runs share. Laid out
    for `width` × `height` layout pixels; `theme` ("light" or "dark")
    overrides the link's. Show it in Jupyter, or save it with `write`.
    """
    state, _ = resolve(state_or_query)
    state = _at(state, t, theme)
    look = _Look(width=width, height=height, title=title, caption=caption)
    if state.mode != "paths":
        return _other_view(state, state.shown_step, look)[0]
    return _view_figure(state, compute_all(state), state.shown_step, look)


def _role(trace: Any) -> str | None:
    """A run trace's role (ghost, trail, head), from its meta; None for other traces."""
    meta = trace.get("meta") if isinstance(trace, dict) else trace.meta
    return meta.get("role") if isinstance(meta, dict) else None


def _typed(a: np.ndarray) -> dict:
    """A numpy array as plotly.js's typed-array spec."""
    a = np.ascontiguousarray(a)
    return {"dtype": a.dtype.str.lstrip("<|="), "bdata": base64.b64encode(a.tobytes()).decode()}


def _retime(trace: dict, r: RunResult, t: int) -> dict:
    """A run trace (as a dict) as it is at step `t`: sliced, the head's symbol updated."""
    role = _role(trace)
    lo, hi = {"ghost": (t, None), "trail": (0, t + 1), "head": (t, t + 1)}[role]
    tr = {**trace, "x": _typed(r.x[lo:hi]), "y": _typed(r.y[lo:hi])}
    if "customdata" in tr:
        tr["customdata"] = _typed(r.loss[lo:hi].astype(np.float32))
    if role == "head":
        symbol = "x" if r.diverged and t >= r.diverged_at else "circle"
        tr["marker"] = {**tr["marker"], "symbol": symbol}
    return tr


# --------------------------------------------------------------------------- browser
def find_browser() -> str:
    """The Chrome or Chromium to render with: BROWSER_PATH if set, else the first found.

    Raises `BrowserNotFoundError` saying how to install one.
    """
    env = os.environ.get("BROWSER_PATH")
    if env:
        if Path(env).is_file() and os.access(env, os.X_OK):
            return env
        raise BrowserNotFoundError(
            f"BROWSER_PATH={env!r} is not an executable browser, so PNG, SVG and GIF cannot "
            f"be rendered. {HOW_TO_INSTALL} (HTML needs no browser.)"
        )
    found = Chromium.find_browser(skip_local=False) or shutil.which("chromium")
    if not found:
        raise BrowserNotFoundError(
            "No Chrome or Chromium found, so PNG, SVG and GIF cannot be rendered. "
            f"{HOW_TO_INSTALL} (HTML needs no browser.)"
        )
    return found


class Renderer:
    """One headless Chromium, driven by kaleido, that renders any number of images.

    It runs its own event loop on a thread, so any thread can call it, several
    at once; `tabs` pages render at the same time. Close it when done, or use
    it as a context manager. `write` and `export` use one kept for the process
    unless given another.
    """

    def __init__(self, browser: str | None = None, *, tabs: int = 2, timeout: float = 120):
        self.browser = browser or find_browser()
        self.timeout = timeout
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="gradscape-kaleido", daemon=True
        )
        self._thread.start()
        try:
            self._k = self._call(self._open(tabs), timeout=60)
        except BaseException:
            self._stop()
            raise

    async def _open(self, tabs: int) -> kaleido.Kaleido:
        try:
            k = kaleido.Kaleido(n=tabs, path=self.browser, mathjax=False, timeout=self.timeout)
        except ChromeNotFoundError as e:
            raise BrowserNotFoundError(f"{e} {HOW_TO_INSTALL}") from None
        try:
            await k.open()
        except Exception as e:
            raise ExportError(f"The browser {self.browser} did not start: {e}") from e
        return k

    def _call(self, coro, timeout: float):
        future = asyncio.run_coroutine_threadsafe(coro, self._loop)
        try:
            return future.result(timeout)
        except TimeoutError:
            future.cancel()
            raise ExportError(
                "Rendering took too long; try a smaller size or fewer frames."
            ) from None

    def render(
        self, figs: Sequence[dict | go.Figure], *, fmt: str, scale: float = 1
    ) -> list[bytes]:
        """Each figure as `fmt` (png, svg…) at its layout's width × height times `scale`."""

        def opts(fig: dict | go.Figure) -> dict:
            lay = fig["layout"]
            return {"format": fmt, "width": lay["width"], "height": lay["height"], "scale": scale}

        async def each():
            return await asyncio.gather(*(self._k.calc_fig(f, opts=opts(f)) for f in figs))

        return list(self._call(each(), timeout=self.timeout * max(1, len(figs))))

    def close(self) -> None:
        """Close the browser and stop the thread (again is a no-op)."""
        if self._loop.is_closed():
            return
        with contextlib.suppress(Exception):  # the browser may have gone already
            self._call(self._k.close(), timeout=30)
        self._stop()

    def _stop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    def __enter__(self) -> Renderer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_shared: Renderer | None = None
_shared_lock = threading.Lock()


def _renderer() -> Renderer:
    """The process's renderer: started on first use, kept for the next, closed at exit."""
    global _shared
    browser = find_browser()
    with _shared_lock:
        if _shared is not None and _shared.browser != browser:
            _shared.close()
            _shared = None
        if _shared is None:
            _shared = Renderer(browser)
        return _shared


def _drop_renderer() -> None:
    """Close the process's renderer (at exit, or after a failure: the next use starts afresh)."""
    global _shared
    with _shared_lock:
        if _shared is not None:
            _shared.close()
            _shared = None


atexit.register(_drop_renderer)


# --------------------------------------------------------------------------- options
def _number(name: str, value: Any, lo: float, hi: float, *, whole: bool = False) -> float:
    """`value` as a number in lo … hi (a whole one if `whole`), or `OptionsError` saying why."""
    allowed = f"use {lo:g} … {hi:g}"
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise OptionsError(f"{name}={str(value)[:40]!r} is not a number; {allowed}.") from None
    shown = f"{name}={value:g}" if isinstance(value, int | float) else f"{name}={str(value)[:40]}"
    if not math.isfinite(v):
        raise OptionsError(f"{shown} is not a number; {allowed}.")
    if whole and v != round(v):
        raise OptionsError(f"{shown} is not a whole number; {allowed}.")
    if not lo <= v <= hi:
        raise OptionsError(f"{shown} is out of range; {allowed}.")
    return v


@dataclass(frozen=True)
class Options:
    """Checked export options (see `write`). `check` raises `OptionsError` saying why."""

    fmt: str
    width: int = 1100
    height: int = 800
    scale: float = 1.0
    fps: float = 20
    frames: int = 60
    first: int = 0
    last: int = 0
    hold: float = 1.0
    notices: tuple[str, ...] = field(default=(), compare=False)

    @classmethod
    def check(
        cls,
        fmt: str,
        steps: int,
        *,
        width: Any = None,
        height: Any = None,
        scale: Any = None,
        fps: Any = None,
        frames: Any = None,
        first: Any = None,
        last: Any = None,
        hold: Any = None,
    ) -> Options:
        """Options for `fmt` of a state with `steps` steps; None means the default."""
        fmt = str(fmt).lower().lstrip(".")
        if fmt not in FORMATS:
            raise OptionsError(f"format {fmt!r} is unknown; choose one of: {', '.join(FORMATS)}.")
        if width is None and height is not None:  # one side given: the other keeps 11:8
            width = round(_number("height", height, MIN_SIZE, MAX_SIZE) * 11 / 8)
        elif height is None and width is not None:
            height = round(_number("width", width, MIN_SIZE, MAX_SIZE) * 8 / 11)
        w = int(_number("width", 1100 if width is None else width, MIN_SIZE, MAX_SIZE, whole=True))
        h = int(
            _number("height", 800 if height is None else height, MIN_SIZE, MAX_SIZE, whole=True)
        )
        s = _number("scale", (2 if fmt == "png" else 1) if scale is None else scale, 0.5, 4)
        if fmt in ("gif", "html") and s != 1:
            raise OptionsError(f"scale applies to png and svg; a {fmt} is width × height.")
        if max(w, h) * s > MAX_SIZE:
            raise OptionsError(
                f"{w}×{h} at scale {s:g} is more than {MAX_SIZE} pixels a side; "
                "lower the size or the scale."
            )
        rate = _number("fps", 20 if fps is None else fps, *FPS_RANGE)
        a = int(_number("first", 0 if first is None else first, 0, steps, whole=True))
        b = int(_number("last", steps if last is None else last, 0, steps, whole=True))
        if b <= a:
            raise OptionsError(f"first={a} must come before last={b}.")
        n = int(_number("frames", 60 if frames is None else frames, 2, MAX_FRAMES, whole=True))
        notices = []
        if n > b - a + 1:  # one frame a step at most
            if frames is not None and fmt in ("gif", "html"):
                notices.append(f"frames={n}: steps {a} … {b} make {b - a + 1} frames.")
            n = b - a + 1
        if fmt == "gif" and n * w * h > MAX_GIF_PIXELS:
            raise OptionsError(
                f"{n} frames of {w}×{h} pixels is more than one GIF may hold "
                f"({MAX_GIF_PIXELS:,} pixels); use fewer frames or a smaller size."
            )
        held = _number("hold", 1.0 if hold is None else hold, 0, 10)
        return cls(fmt, w, h, s, rate, n, a, b, held, tuple(notices))

    def steps_shown(self) -> np.ndarray:
        """The step of each frame (GIF) or slider position (HTML): spread over first … last."""
        return np.rint(np.linspace(self.first, self.last, self.frames)).astype(int)

    def durations(self) -> list[int]:
        """Each GIF frame's duration in ms (GIF counts hundredths); the last held longer."""
        d = max(20, round(100 / self.fps) * 10)
        return [d] * (self.frames - 1) + [d + round(self.hold * 100) * 10]


# --------------------------------------------------------------------------- export
@dataclass(frozen=True)
class Export:
    """A finished file in memory: its bytes, format, file name and the link's notices."""

    data: bytes
    fmt: str
    filename: str
    notices: tuple[str, ...]
    seconds: float

    @property
    def media_type(self) -> str:
        return FORMATS[self.fmt]


def export(
    state_or_query: AppState | str,
    fmt: str,
    *,
    t: int | None = None,
    theme: str | None = None,
    renderer: Renderer | None = None,
    **options: Any,
) -> Export:
    """The `fmt` file of a state or link, in memory (options as `write`; None: default)."""
    started = time.perf_counter()
    state, notices = resolve(state_or_query)
    state = _at(state, t, theme)
    opts = Options.check(fmt, state.steps, **options)
    look = _Look(width=opts.width, height=opts.height)
    build = _paths_file if state.mode == "paths" else _view_file
    data = build(state, opts, look, renderer)
    view = "" if state.mode == "paths" else f"-{state.mode}"
    return Export(
        data=data,
        fmt=opts.fmt,
        filename=f"gradscape-{state.surface}{view}.{opts.fmt}",
        notices=(*notices, *opts.notices),
        seconds=time.perf_counter() - started,
    )


def write(
    state_or_query: AppState | str,
    out: str | os.PathLike,
    *,
    fmt: str | None = None,
    width: int = 1100,
    height: int = 800,
    scale: float | None = None,
    fps: float = 20,
    frames: int | None = None,
    first: int = 0,
    last: int | None = None,
    hold: float = 1.0,
    t: int | None = None,
    theme: str | None = None,
    renderer: Renderer | None = None,
) -> Path:
    """Write the export of a state or link to `out` and return its path.

    `fmt` (png, svg, gif, html) defaults to the suffix of `out`. `width` ×
    `height` is the layout in pixels; a PNG has `scale` (default 2) pixels per
    layout pixel, an SVG `scale` 1. A GIF has `frames` frames (default 60, or
    one a step if fewer) from step `first` to `last` (default: the last step)
    at `fps` frames a second, and
    holds the last frame `hold` seconds more; the HTML slider has `frames`
    positions over the same steps. `t` is the step a PNG or SVG shows
    (default: the link's), `theme` overrides the link's. Images need a Chrome
    or Chromium (else `BrowserNotFoundError`); `renderer` is the `Renderer` to use
    (default: one kept for the process). Bad options raise `OptionsError`.
    """
    out = Path(out)
    fmt = fmt or out.suffix.lstrip(".")
    if not fmt:
        raise OptionsError(f"{out}: give it a suffix (.png, .svg, .gif, .html) or pass fmt.")
    result = export(
        state_or_query,
        fmt,
        t=t,
        theme=theme,
        renderer=renderer,
        width=width,
        height=height,
        scale=scale,
        fps=fps,
        frames=frames,
        first=first,
        last=last,
        hold=hold,
    )
    out.write_bytes(result.data)
    return out


# --------------------------------------------------------------------------- gif
@dataclass(frozen=True)
class _Panel:
    """The part of a frame that changes: the plot area and the title above it.

    x0, y0: its top left in the frame; plot_x, plot_y: the plot area's top left in it.
    """

    x0: int
    y0: int
    w: int
    h: int
    plot_x: int
    plot_y: int
    pw: int
    ph: int
    title_x: float  # the title's centre and top, in the panel
    title_y: float


def _panel(layout: dict) -> _Panel:
    """Where the plot area and the title are, from a dressed figure's layout."""
    m = layout["margin"]
    W, H = int(layout["width"]), int(layout["height"])
    left, top = int(m["l"]), int(m["t"])
    pw, ph = W - left - int(m["r"]), H - top - int(m["b"])
    x0, x1, y0 = left, left + pw, top
    title = next((a for a in layout.get("annotations", ()) if a.get("name") == "title"), None)
    tx = ty = 0.0
    if title is not None:
        size = title["font"]["size"]
        half = len(title["text"]) * 0.62 * size / 2 + size
        cx = left + title["x"] * pw
        ty_abs = top + (1 - title["y"]) * ph
        x0, x1 = min(x0, math.floor(cx - half)), max(x1, math.ceil(cx + half))
        x0, x1 = max(x0, 0), min(x1, W)
        y0 = max(0, math.floor(ty_abs) - 2)
        tx, ty = cx - x0, ty_abs - y0
    return _Panel(x0, y0, x1 - x0, top + ph - y0, left - x0, top - y0, pw, ph, tx, ty)


def _sheets(
    layout: dict, runs: list[dict], results: Sequence[RunResult], ts: np.ndarray, p: _Panel
) -> list[tuple[dict, list[tuple[int, int]]]]:
    """Figures of transparent panels, one panel per step in `ts`, with each panel's corner.

    A sheet holds up to 16 panels (about 12 megapixels at most): each browser
    call reloads its page, so few large calls beat many small ones.
    """
    title = next((a for a in layout.get("annotations", ()) if a.get("name") == "title"), None)
    per = max(1, min(16, int(12e6 // (p.w * p.h))))
    cols = max(1, min(per, int(8000 // p.w)))
    out = []
    for start in range(0, len(ts), per):
        chunk = ts[start : start + per]
        ncols = min(cols, len(chunk))
        fw, fh = ncols * p.w, math.ceil(len(chunk) / ncols) * p.h
        sheet: dict[str, Any] = {
            "width": fw,
            "height": fh,
            "margin": {"l": 0, "r": 0, "t": 0, "b": 0, "pad": 0, "autoexpand": False},
            "paper_bgcolor": "rgba(0,0,0,0)",
            "plot_bgcolor": "rgba(0,0,0,0)",
            "showlegend": False,
            "font": layout.get("font", {}),
            "annotations": [],
        }
        data, corners = [], []
        for j, t in enumerate(chunk):
            cx, cy = (j % ncols) * p.w, (j // ncols) * p.h
            corners.append((cx, cy))
            n = "" if j == 0 else str(j + 1)
            px, py = cx + p.plot_x, cy + p.plot_y
            common = {"visible": False, "fixedrange": True}
            sheet[f"xaxis{n}"] = {
                **common,
                "domain": [px / fw, (px + p.pw) / fw],
                "range": layout["xaxis"]["range"],
                "anchor": f"y{n}",
            }
            sheet[f"yaxis{n}"] = {
                **common,
                "domain": [1 - (py + p.ph) / fh, 1 - py / fh],
                "range": layout["yaxis"]["range"],
                "anchor": f"x{n}",
            }
            for tr in runs:
                moved = _retime(tr, results[tr["meta"]["run"]], int(t))
                data.append({**moved, "xaxis": f"x{n}", "yaxis": f"y{n}", "showlegend": False})
            if title is not None:
                sheet["annotations"].append(
                    {
                        **title,
                        "text": _retitle(title["text"], int(t)),
                        "x": (cx + p.title_x) / fw,
                        "y": 1 - (cy + p.title_y) / fh,
                    }
                )
        out.append(({"data": data, "layout": sheet}, corners))
    return out


_STEP = re.compile("step ([\u2007\\d]+) /")


def _retitle(text: str, t: int) -> str:
    """The title with step `t` in place of its step (padded to the same width)."""
    m = _STEP.search(text)
    if m is None:
        return text
    step = str(t).rjust(len(m.group(1)), "\u2007")
    return text[: m.start(1)] + step + text[m.end(1) :]


def _gif(
    state: AppState, results: Sequence[RunResult], look: _Look, o: Options, r: Renderer
) -> bytes:
    """The frames (a background once, a panel per frame laid over it) as one looping GIF."""
    ts = o.steps_shown()
    d = _view_figure(state, results, int(ts[0]), look).to_dict()
    layout = d["layout"]
    runs = [tr for tr in d["data"] if _role(tr) in RUN_ROLES]
    background = {
        "data": [
            {**tr, "x": [None], "y": [None], "customdata": None} if _role(tr) else tr
            for tr in d["data"]
        ],  # the runs stay as legend entries only
        "layout": {
            **layout,
            "annotations": [a for a in layout.get("annotations", ()) if a.get("name") != "title"],
        },
    }
    p = _panel(layout)
    sheets = _sheets(layout, runs, results, ts, p)
    pngs = r.render([background] + [s for s, _ in sheets], fmt="png")
    bg = Image.open(io.BytesIO(pngs[0])).convert("RGBA")
    under = bg.crop((p.x0, p.y0, p.x0 + p.w, p.y0 + p.h))  # only the panel changes
    where = [(k, c) for k, (_, corners) in enumerate(sheets) for c in corners]  # each frame's

    def panels(frames: Sequence[int]):
        """The given frames' panels laid over the background, decoding each sheet once."""
        decoded: dict[int, Image.Image] = {}
        for i in frames:
            k, (cx, cy) = where[i]
            if k not in decoded:
                decoded.clear()  # one decoded sheet at a time: they are large
                decoded[k] = Image.open(io.BytesIO(pngs[1 + k])).convert("RGBA")
            im = under.copy()
            im.alpha_composite(decoded[k], source=(cx, cy, cx + p.w, cy + p.h))
            yield np.asarray(im.convert("RGB"))

    sample = np.linspace(0, len(ts) - 1, min(8, len(ts))).round().astype(int)
    bg_rgb = np.asarray(bg.convert("RGB"))
    colours = _palette(state, bg_rgb, np.asarray(under.convert("RGB")), list(panels(sample)))
    to_index = _Nearest(colours)
    flat = colours.ravel().tolist()
    indexed = to_index(bg_rgb)
    images = []  # 1 byte a pixel
    for panel in panels(range(len(ts))):
        indexed[p.y0 : p.y0 + p.h, p.x0 : p.x0 + p.w] = to_index(panel)
        im = Image.frombytes("P", bg.size, indexed.tobytes())
        im.putpalette(flat)
        images.append(im)
    return _save_gif(images, o, disposal=1)


def _save_gif(images: Sequence[Image.Image], o: Options, **extra: Any) -> bytes:
    """Paletted frames as one looping GIF, each shown as long as `o` says."""
    buf = io.BytesIO()
    images[0].save(
        buf,
        format="GIF",
        save_all=True,
        append_images=list(images[1:]),
        duration=o.durations(),
        loop=0,
        optimize=True,
        **extra,
    )
    return buf.getvalue()


def _palette(
    state: AppState, bg: np.ndarray, under: np.ndarray, panels: list[np.ndarray]
) -> np.ndarray:
    """256 colours for every frame: the run colours exact, then the background's (`bg`)
    and those the runs add over it (`panels` against `under`) sharing the rest."""
    theme = THEMES[state.theme]
    exact = [theme.palette[run.color] for run in state.runs if run.visible]
    exact = list(dict.fromkeys(c.lower() for c in [*exact, theme.halo, theme.ink, theme.plot]))
    colours = [[int(c[i : i + 2], 16) for i in (1, 3, 5)] for c in exact]
    added = np.concatenate([a[(a != under).any(axis=2)] for a in panels])
    room = 256 - len(colours)
    n_added = min(room // 2, len(np.unique(added, axis=0)))
    for pixels, n in ((bg.reshape(1, -1, 3), room - n_added), (added[None], n_added)):
        if n > 0 and pixels.size:
            q = Image.fromarray(np.ascontiguousarray(pixels), "RGB").quantize(n)
            flat = q.getpalette()[: 3 * n]
            colours += [flat[i : i + 3] for i in range(0, len(flat), 3)]
    return np.array(colours[:256], dtype=np.uint8)


class _Nearest:
    """Maps RGB pixels to the index of the nearest palette colour, exactly.

    (Pillow's own mapping approximates: white can come out slightly grey.) A
    colour is looked up once per GIF: frames share almost all their colours.
    """

    def __init__(self, palette: np.ndarray) -> None:
        self.palette = palette.astype(np.int32)
        self.lut = np.zeros(1 << 24, dtype=np.uint8)
        self.seen = np.zeros(1 << 24, dtype=bool)

    def __call__(self, rgb: np.ndarray) -> np.ndarray:
        packed = (
            rgb[..., 0].astype(np.int32) << 16 | rgb[..., 1].astype(np.int32) << 8 | rgb[..., 2]
        )
        new = np.unique(packed[~self.seen[packed]])
        if new.size:
            cols = np.stack([new >> 16, (new >> 8) & 255, new & 255], axis=1)
            d = ((cols[:, None, :] - self.palette[None, :, :]) ** 2).sum(axis=2)
            self.lut[new] = d.argmin(axis=1)
            self.seen[new] = True
        return self.lut[packed]


# --------------------------------------------------------------------------- html
_PLAYER_JS = """
(function () {
  const gd = document.getElementById('{plot_id}');
  const P = %s;
  document.body.style.background = P.background;
  document.body.style.margin = '0';
  const decode = (b64, T) => {
    const s = atob(b64), u = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) u[i] = s.charCodeAt(i);
    return new T(u.buffer);
  };
  const runs = P.runs.map(r => ({...r, x: decode(r.x, Float64Array), y: decode(r.y, Float64Array),
                                   f: decode(r.f, Float32Array)}));
  const titleAt = t => P.title.replace(/step \\d+ \\//, 'step ' + t + ' /');
  let shown = P.active, timer = null;
  function show(k) {
    const t = P.steps[k], idx = [], xs = [], ys = [], fs = [], symbols = [];
    for (const r of runs) {
      const parts = {ghost: [t, r.x.length], trail: [0, t + 1], head: [t, t + 1]};
      for (const role of ['ghost', 'trail', 'head']) {
        const [a, b] = parts[role];
        idx.push(r[role]);
        xs.push(Array.from(r.x.subarray(a, b)));
        ys.push(Array.from(r.y.subarray(a, b)));
        fs.push(Array.from(r.f.subarray(a, b)));
        symbols.push(role === 'head' && r.diverged >= 0 && t >= r.diverged ? 'x' : 'circle');
      }
    }
    const lay = {'sliders[0].active': k};
    if (P.titleIndex >= 0) lay['annotations[' + P.titleIndex + '].text'] = titleAt(t);
    shown = k;
    return Plotly.update(gd, {x: xs, y: ys, customdata: fs, 'marker.symbol': symbols}, lay, idx);
  }
  function stop() { if (timer) { clearTimeout(timer); timer = null; } }
  function play() {
    if (shown >= P.steps.length - 1) shown = -1;
    const tick = () => {
      const started = performance.now();
      show(shown + 1).then(() => {
        if (shown >= P.steps.length - 1) { timer = null; return; }
        timer = setTimeout(tick, Math.max(0, P.interval - (performance.now() - started)));
      });
    };
    tick();
  }
  gd.on('plotly_sliderchange', e => { stop(); show(e.slider.active); });
  gd.on('plotly_buttonclicked', e => {
    if (e.button.label.includes('Play')) { if (!timer) play(); } else { stop(); }
  });
})();
"""


def _html(state: AppState, results: Sequence[RunResult], look: _Look, o: Options) -> bytes:
    """The interactive figure with a step slider and play/pause, standalone (offline)."""
    t = state.shown_step
    fig = _view_figure(state, results, t, look)
    box = _box(state, look, [tr.name for tr in fig.data if _role(tr) == "trail" and tr.visible])
    theme = THEMES[state.theme]
    f = _fonts(box.k)
    steps = sorted({*o.steps_shown().tolist(), t})
    active = steps.index(t)
    top = 1 - (box.slider_y - box.top) / box.ph
    fig.update_layout(
        sliders=[
            dict(
                active=active,
                steps=[dict(method="skip", label=str(s), args=[None]) for s in steps],
                x=_slider_x(box),
                len=_slider_len(box, look),
                y=top,
                yanchor="top",
                xanchor="left",
                pad=dict(t=8 * box.k, b=0),
                currentvalue=dict(visible=False),
                font=dict(size=f["bar"], color=theme.muted),
                tickcolor=theme.axis,
                bgcolor=theme.grid,
                bordercolor=theme.axis,
                activebgcolor=theme.axis,
                ticklen=4,
                minorticklen=2,
            )
        ],
        updatemenus=[
            dict(
                type="buttons",
                direction="left",
                showactive=False,
                x=_slider_x(box) - 8 * box.k / box.pw,
                xanchor="right",
                y=top,
                yanchor="top",
                pad=dict(t=8 * box.k),
                font=dict(size=f["legend"], color=theme.ink),
                bgcolor=theme.plot,
                bordercolor=theme.axis,
                buttons=[
                    dict(label="▶ Play", method="skip", args=[None]),
                    dict(label="❚❚ Pause", method="skip", args=[None]),
                ],
            )
        ],
    )
    annotations = fig.layout.annotations
    title_index = next((i for i, a in enumerate(annotations) if a.name == "title"), -1)
    player = {
        "steps": steps,
        "active": active,
        "interval": 1000 / o.fps,
        "title": annotations[title_index].text if title_index >= 0 else "",
        "titleIndex": title_index,
        "background": theme.plot,
        "runs": [
            {
                "ghost": _index(fig, i, "ghost"),
                "trail": _index(fig, i, "trail"),
                "head": _index(fig, i, "head"),
                "x": _typed(r.x)["bdata"],
                "y": _typed(r.y)["bdata"],
                "f": _typed(r.loss.astype(np.float32))["bdata"],
                "diverged": r.diverged_at,
            }
            for i, r in enumerate(results)
        ],
    }
    html = fig.to_html(
        include_plotlyjs=True,
        full_html=True,
        config={"displaylogo": False, "responsive": False},
        post_script=_PLAYER_JS % json.dumps(player),
        div_id="gradscape",
    )
    page_title = f"<title>Gradscape — {title(state, t)}</title>"
    return html.replace("<head>", f"<head>{page_title}", 1).encode()


def _slider_x(box: _Box) -> float:
    """The slider's left end in paper coordinates (room for the play buttons left of it)."""
    return (240 * box.k - box.left) / box.pw


def _slider_len(box: _Box, look: _Look) -> float:
    """The slider's length in paper coordinates: to 40 pixels from the image's right edge."""
    return (look.width - 280 * box.k) / box.pw


def _index(fig: go.Figure, run: int, role: str) -> int:
    """The index in `fig.data` of run `run`'s trace with `role`."""
    return next(
        i for i, tr in enumerate(fig.data) if _role(tr) == role and tr.meta.get("run") == run
    )


# --------------------------------------------------------------------------- server
#: Export options in a request's query: ``export.width=800`` and so on.
PREFIX = "export."
_OPTIONS = ("width", "height", "scale", "fps", "frames", "first", "last", "hold")
_busy = threading.BoundedSemaphore(MAX_CONCURRENT)


def split_query(query: str) -> tuple[str, dict[str, str]]:
    """A request's query as the app's query and the export options (``export.`` keys).

    Raises `OptionsError` for an unknown ``export.`` key.
    """
    app_pairs, options = [], {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        if key.startswith(PREFIX):
            name = key[len(PREFIX) :]
            if name not in _OPTIONS:
                raise OptionsError(
                    f"{key} is not an export option; use {', '.join(PREFIX + o for o in _OPTIONS)}."
                )
            options[name] = value
        else:
            app_pairs.append((key, value))
    return urlencode(app_pairs), options


def register(server: Flask) -> None:
    """Serve ``GET /export/<fmt>?<query>`` (png, svg, gif, html) on the app's Flask server.

    The query is the app's (as in its URL) plus ``export.`` options. Answers
    the file as an attachment named ``gradscape-<surface>.<fmt>``; 400 with the
    reason for a bad option or format, 503 where no browser can render images
    (or too many exports are running), 500 if rendering fails.
    """

    def export_view(fmt: str) -> Response:
        try:
            query, options = split_query(request.query_string.decode("utf-8", "replace"))
            if fmt.lower() not in FORMATS:
                raise OptionsError(
                    f"format {fmt!r} is unknown; choose one of: {', '.join(FORMATS)}."
                )
            if not _busy.acquire(timeout=60):
                return _text("Too many exports at once; try again in a minute.", 503)
            try:
                result = export(query, fmt, **options)
            finally:
                _busy.release()
        except ExportError as e:
            return _text(str(e), e.status)
        return Response(
            result.data,
            mimetype=result.media_type.split(";")[0],
            headers={
                "Content-Disposition": f'attachment; filename="{result.filename}"',
                "Cache-Control": "no-store",
            },
        )

    server.add_url_rule("/export/<fmt>", "gradscape_export", export_view, methods=["GET"])


def _text(message: str, status: int) -> Response:
    return Response(message + "\n", status=status, mimetype="text/plain")
