"""Files for lessons: exactly what a link shows, as PNG, SVG, animated GIF or HTML.

In a notebook::

    from gradscape.app.export import figure, write

    link = "http://127.0.0.1:8050/?surface=beale&run1=adam&run1.lr=0.1"
    figure(link)                               # the figure, with a title and a caption
    write(link, "beale.png")                   # 2200×1600 pixels (1100×800 at 2×)
    write(link, "beale.gif", frames=60, fps=20)

`figure` and `write` take an `AppState` or a link: a whole URL, ``?surface=…``
or the bare query. The link is read by `app.state.parse`, so a bad value falls
back to its default (with a notice) and still gives a file. The figure is the
link's view (the app's own figure builders: the same traces, every run drawn by
`app.look`) laid out for a slide: the surface and the step as a title, a legend
of the runs, and a caption under the plot listing each visible run's optimizer
with its learning rate and every hyperparameter not at its default (momentum
always: it names the method), then the schedule, clipping and noise where they
are on.

Formats:

* ``png``, ``svg``: rendered by kaleido in a headless Chromium (``BROWSER_PATH``
  if set, else Chrome or Chromium wherever kaleido finds one, such as Debian's
  ``/usr/bin/chromium``). A PNG has `scale` (default 2) pixels per layout pixel.
* ``gif``: `frames` frames spaced evenly over steps `first` … `last`, `fps`
  frames a second, `width` × `height` pixels, looping; the last frame is held
  `hold` seconds more (views with steps only: paths, compare, 3D; see `gif`).
  One browser renders every frame.
* ``html``: one standalone file (plotly.js inside: works offline) with the
  interactive figure; a map's (the paths, the compare overlay) has a step slider
  and a play button (see `html`).

The Dash server serves the same files (`register`)::

    GET /export/<png|svg|gif|html>?<the app's query>&export.width=800&export.fps=15

Export options carry the ``export.`` prefix (``width``, ``height``, ``scale``,
``fps``, ``frames``, ``first``, ``last``, ``hold``) so they never clash with the
app's keys. Limits keep a request bounded: `MAX_SIZE` pixels a side,
`MAX_FRAMES` frames, `MAX_GIF_PIXELS` in all, fps 1 … 50.

The package, by concern: `options` (formats, limits, the ``export.`` keys,
errors), `slide` (title, caption, legend band, plot area), `modes` (the one
mode → view registry), `renderer` (kaleido with one kept Chromium), `gif`,
`html`, `files` (`figure`, `export`, `write`) and `route` (`register`).
"""

from __future__ import annotations

from .files import Export, export, figure, write
from .modes import VIEWS, View, view_of
from .options import (
    FORMATS,
    MAX_FRAMES,
    MAX_GIF_PIXELS,
    MAX_SIZE,
    BrowserNotFoundError,
    ExportError,
    Options,
    OptionsError,
    resolve,
    split_query,
)
from .renderer import Renderer, find_browser
from .route import register
from .slide import caption, title

__all__ = [
    "FORMATS",
    "MAX_FRAMES",
    "MAX_GIF_PIXELS",
    "MAX_SIZE",
    "VIEWS",
    "BrowserNotFoundError",
    "Export",
    "ExportError",
    "Options",
    "OptionsError",
    "Renderer",
    "View",
    "caption",
    "export",
    "figure",
    "find_browser",
    "register",
    "resolve",
    "split_query",
    "title",
    "view_of",
    "write",
]
