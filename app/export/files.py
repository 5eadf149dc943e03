"""An export made: the view a link shows, as a figure or as the bytes of a file.

`figure` gives the Plotly figure (a notebook shows it); `export` makes a
file in memory and `write` writes it. Each looks the state's view up once in
the registry (`modes.VIEWS`) and hands it to the format's maker: a still
through the renderer, a GIF (`gif`), a page (`html`).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import plotly.graph_objects as go

from ..state import AppState
from . import gif, html
from .animate import animated
from .modes import view_of
from .options import FORMATS, Options, OptionsError, at, resolve
from .renderer import Renderer, rendering
from .slide import Slide

__all__ = ["Export", "export", "figure", "write"]


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
    state = at(state, t, theme)
    opts = Options.check(fmt, state.steps, **options)
    data = _file(state, opts, renderer)
    return Export(
        data=data,
        fmt=opts.fmt,
        filename=f"gradscape-{state.surface}{view_of(state).suffix}.{opts.fmt}",
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


def _file(state: AppState, o: Options, renderer: Renderer | None) -> bytes:
    """The file `o` asks for of the state's view."""
    view = view_of(state)
    slide = Slide(width=o.width, height=o.height, projector=o.preset == "slide")
    if o.fmt == "html":
        return html.page(view, state, slide, o)
    if o.fmt == "gif" and not view.steps:
        raise OptionsError(
            f"mode={state.mode} has no steps to animate; export it as PNG, SVG or HTML."
        )
    animated = o.fmt == "gif"
    t = int(o.steps_shown()[0]) if animated else state.shown_step
    drawn = view.draw(state, t, replace(slide, animated=animated))
    with rendering(renderer) as r:
        if animated:
            return (gif.layered if drawn.layered else gif.whole)(state, drawn, o, r)
        (data,) = r.render([drawn.figure], fmt=o.fmt, scale=o.scale)
        return data


def figure(
    state_or_query: AppState | str,
    *,
    t: int | None = None,
    theme: str | None = None,
    title: bool = True,
    caption: bool = True,
    width: int = 1100,
    height: int = 800,
    animate: bool = False,
    frames: int | None = None,
    fps: float = 20,
    first: int = 0,
    last: int | None = None,
    preset: str | None = None,
) -> go.Figure:
    """The export figure of a state or a link, at step `t` (default: the step it shows).

    The map with every run's path up to `t` (the rest dotted), a title
    (surface and step), a legend, and a caption naming each visible run's
    optimizer and hyperparameters and the settings the runs share. Laid out
    for `width` × `height` layout pixels; `theme` ("light" or "dark")
    overrides the link's. `preset` ("slide") lays it out as that export preset does (its
    size, and a projector's fonts). Show it in Jupyter, or save it with `write`.

    With `animate`, a view with steps (paths, compare, 3D) also gets Plotly
    frames, a step slider and a play button (`animate.animated`): `frames`
    positions (default 60, or one a step if fewer) from `first` to `last` at
    `fps`, playing in Jupyter or any page with plotly.js, no server needed.
    """
    state, _ = resolve(state_or_query)
    state = at(state, t, theme)
    if preset is not None:
        o = Options.check("svg", state.steps, preset=preset)
        width, height = o.width, o.height
    projector = preset is not None and str(preset).lower() == "slide"
    slide = Slide(width=width, height=height, title=title, caption=caption, projector=projector)
    if animate:
        opts = Options.check(
            "html",
            state.steps,
            width=width,
            height=height,
            fps=fps,
            frames=frames,
            first=first,
            last=last,
        )
        return animated(view_of(state), state, slide, opts)
    return view_of(state).draw(state, state.shown_step, slide).figure
