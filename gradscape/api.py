"""The public API: `run` a path, make the `figure` a link shows, `write` it to a file.

Each is the app's own code (`gradscape.optimizers.run`, `gradscape.app.export`),
so a notebook draws exactly what the web page and its Download menu draw.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gradscape.optimizers import run

if TYPE_CHECKING:  # pragma: no cover
    import plotly.graph_objects as go

    from gradscape.app.state import AppState

__all__ = ["figure", "run", "write"]


def figure(
    link_or_state: AppState | str = "",
    *,
    animate: bool = True,
    t: int | None = None,
    theme: str | None = None,
    width: int = 1100,
    height: int = 800,
    frames: int | None = None,
    fps: float = 20,
    preset: str | None = None,
) -> go.Figure:
    """The figure a Gradscape link shows, as a Plotly figure.

    `link_or_state` is a whole URL (``http://…/?surface=beale&run1=adam``), its
    query (``?surface=beale&run1=adam`` or without the ``?``), or an
    ``AppState``; ``""`` is the app's default page. A bad value in a link falls
    back to its default, as the page does. With `animate` (default) a view with
    steps carries Plotly frames, a step slider and a play button, so it plays in
    Jupyter without a server; `frames` slider positions at `fps`. `t` is the
    step shown first (default: the link's), `theme` "light" or "dark";
    `preset="slide"` lays it out as a 1920×1080 slide with a projector's fonts.
    """
    from gradscape.app.export import figure as export_figure

    return export_figure(
        link_or_state,
        t=t,
        theme=theme,
        width=width,
        height=height,
        animate=animate,
        frames=frames,
        fps=fps,
        preset=preset,
    )


def write(link_or_state: AppState | str, out: str | os.PathLike, **options: Any) -> Path:
    """Write what a link shows to `out` (png, svg, gif or html by its suffix); the path.

    Options as `gradscape.app.export.write`: `width`, `height`, `scale`, `fps`,
    `frames`, `first`, `last`, `hold`, `t`, `theme`. PNG, SVG and GIF need a
    Chrome or Chromium (kaleido finds it, or ``BROWSER_PATH`` names it).
    """
    from gradscape.app.export import write as export_write

    return export_write(link_or_state, out, **options)
