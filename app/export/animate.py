"""A figure that animates by itself: Plotly frames, a step slider and a play button.

`animated` is what ``gradscape.figure`` returns in a notebook. It is the export
figure of a view with steps (paths, the compare overlay, 3D) plus one Plotly
frame per slider position; each frame restyles only the runs' traces (the same
traces `look.Drawing.at` gives every GIF frame) and the title's step, so the
contour is drawn once and plotly.js animates without a server: Jupyter,
VS Code, a saved HTML file. A view without steps is returned still.
"""

from __future__ import annotations

from dataclasses import replace

import plotly.graph_objects as go

from ..figures import THEMES
from ..state import AppState
from . import html
from .modes import View
from .options import Options
from .slide import Slide, retitle

__all__ = ["animated"]


def animated(view: View, state: AppState, slide: Slide, o: Options) -> go.Figure:
    """The view's figure with a frame for each of `o.steps_shown()` (and the state's step)."""
    t0 = state.shown_step
    if not view.steps:
        return view.draw(state, t0, slide).figure
    drawn = view.draw(state, t0, replace(slide, interactive=True))
    fig = drawn.figure
    if drawn.box is None:
        return fig
    steps = sorted({*o.steps_shown().tolist(), t0})
    html.controls(fig, drawn.box, slide, THEMES[state.theme], steps, steps.index(t0))
    slots = {
        ((tr.meta or {}).get("run"), (tr.meta or {}).get("role")): i
        for i, tr in enumerate(fig.data)
        if isinstance(tr.meta, dict) and "role" in tr.meta
    }
    annotations = [a.to_plotly_json() for a in fig.layout.annotations]
    head = next((i for i, a in enumerate(annotations) if a.get("name") == "title"), None)
    frames = []
    for t in steps:
        data = [tr for d in (*drawn.drawings, *drawn.panel) for tr in d.at(t)]
        layout = {}
        if head is not None:
            layout["annotations"] = [
                {**a, "text": retitle(a["text"], t)} if i == head else a
                for i, a in enumerate(annotations)
            ]
        frames.append(
            go.Frame(
                name=str(t),
                data=data,
                traces=[slots[tr["meta"]["run"], tr["meta"]["role"]] for tr in data],
                layout=layout,
            )
        )
    fig.frames = frames
    # redraw: a frame drawn without it loses the contour (plotly.js #4491, as html.py says)
    go_to = {
        "mode": "immediate",
        "frame": {"duration": 0, "redraw": True},
        "transition": {"duration": 0},
    }
    # Play runs from the first step (the figure opens at the link's, often the last)
    play = {**go_to, "frame": {"duration": 1000 / o.fps, "redraw": True}}
    slider = fig.layout.sliders[0]
    slider.steps = [
        {"method": "animate", "label": str(t), "args": [[str(t)], go_to]} for t in steps
    ]
    menu = fig.layout.updatemenus[0]
    menu.buttons = [
        {"label": "▶ Play", "method": "animate", "args": [None, play]},
        {
            "label": "❚❚ Pause",
            "method": "animate",
            "args": [[None], {**go_to, "frame": {"duration": 0, "redraw": False}}],
        },
    ]
    return fig
