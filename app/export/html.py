"""One standalone HTML file: the interactive figure, and for views with a player a
step slider and a play button (plotly.js inside: works offline).

The slider restyles the run traces only: Plotly.animate would wipe the contour
(plotly.js #4491). The page restates nothing about how a run looks: Python
hands it each run's points once and, for every slider position, which points
each of the run's traces shows and which head marker (`look.Drawing.parts`,
`look.Drawing.markers`), with the style data (`look.style_data`) alongside.
Plotly still redraws the whole figure for each step, so play shows as many
steps a second as the browser manages (about 6 here), at most `fps`.
"""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np

from .. import look
from ..figures import THEMES, _typed
from ..state import AppState
from . import panel
from .modes import View
from .options import Options
from .slide import Box, Slide, fonts, title

__all__ = ["controls", "page"]

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
                                   f: r.f === null ? null : decode(r.f, Float32Array)}));
  const titleAt = t => P.title.replace(/step \\d+ \\//, 'step ' + t + ' /');
  let shown = P.active, timer = null;
  // r.at[k]: for each of the run's traces, the points [a, b) it shows at slider position k
  // and, for a head, its marker's key: Python decided both (app/look.py)
  function show(k) {
    const idx = [], xs = [], ys = [], fs = [], markers = [];
    for (const r of runs) {
      r.at[k].forEach(([a, b, mark], j) => {
        idx.push(r.traces[j]);
        xs.push(Array.from(r.x.subarray(a, b)));
        ys.push(Array.from(r.y.subarray(a, b)));
        fs.push(r.f ? Array.from(r.f.subarray(a, b)) : undefined);
        markers.push(mark === null ? undefined : r.markers[mark]);
      });
    }
    for (const q of P.panel || []) {  // a data surface's panel: its models at the step
      idx.push(q.trace); xs.push(q.x[k]); ys.push(q.y[k]);
      fs.push(undefined); markers.push(undefined);
    }
    const lay = {'sliders[0].active': k};
    if (P.titleIndex >= 0) lay['annotations[' + P.titleIndex + '].text'] = titleAt(P.steps[k]);
    shown = k;
    return Plotly.update(gd, {x: xs, y: ys, customdata: fs, marker: markers}, lay, idx);
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


def page(view: View, state: AppState, slide: Slide, o: Options) -> bytes:
    """The view as one HTML file; a map with steps (paths, compare overlay) gets the player."""
    t = state.shown_step
    if view.steps:
        slide = replace(slide, interactive=True)  # room for the slider, if it gets one
    drawn = view.draw(state, t, slide)
    if not (view.steps and drawn.box is not None):
        return drawn.figure.to_html(include_plotlyjs=True, full_html=True).encode()
    fig, box = drawn.figure, drawn.box
    theme = THEMES[state.theme]
    steps = sorted({*o.steps_shown().tolist(), t})
    active = steps.index(t)
    controls(fig, box, slide, theme, steps, active)
    annotations = fig.layout.annotations
    title_index = next((i for i, a in enumerate(annotations) if a.name == "title"), -1)
    player = {
        "steps": steps,
        "active": active,
        "interval": 1000 / o.fps,
        "title": annotations[title_index].text if title_index >= 0 else "",
        "titleIndex": title_index,
        "background": theme.plot,
        "style": look.style_data(theme.halo),
        "runs": [_run(fig, d, steps) for d in drawn.drawings],
    }
    if drawn.panel:
        player["panel"] = panel.player_data(fig, drawn.panel, steps)
    html = fig.to_html(
        include_plotlyjs=True,
        full_html=True,
        config={"displaylogo": False, "responsive": False},
        post_script=_PLAYER_JS % json.dumps(player),
        div_id="gradscape",
    )
    page_title = f"<title>Gradscape — {title(state, t)}</title>"
    return html.replace("<head>", f"<head>{page_title}", 1).encode()


def _run(fig, d: look.Drawing, steps: list[int]) -> dict:
    """What the player needs of one run: its points once, and at every slider position
    the span of points each trace shows and, for the head, its marker."""
    roles = list(d.parts(0))
    index = {
        (tr.meta or {}).get("role"): i
        for i, tr in enumerate(fig.data)
        if (tr.meta or {}).get("run") == d.run
    }
    n = len(d.x)

    at = []
    for t in steps:
        parts, mark = d.parts(t), d.step(t).mark
        at.append(
            [[*parts[r].indices(n)[:2], mark if r.startswith("head") else None] for r in roles]
        )
    return {
        "look": d.context,
        "traces": [index[r] for r in roles],
        "x": _typed(np.asarray(d.x, dtype=np.float64))["bdata"],
        "y": _typed(np.asarray(d.y, dtype=np.float64))["bdata"],
        "f": _typed(np.asarray(d.f, dtype=np.float32))["bdata"] if d.f is not None else None,
        "at": at,
        "markers": d.markers(),
    }


def controls(fig, box: Box, slide: Slide, theme, steps: list[int], active: int) -> None:
    """The step slider under the map and the play/pause buttons left of it."""
    f = fonts(box.k)
    top = 1 - (box.slider_y - box.top) / box.ph
    fig.update_layout(
        sliders=[
            dict(
                active=active,
                steps=[dict(method="skip", label=str(s), args=[None]) for s in steps],
                x=_slider_x(box),
                len=_slider_len(box, slide),
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


def _slider_x(box: Box) -> float:
    """The slider's left end in paper coordinates (room for the play buttons left of it)."""
    return (240 * box.k - box.left) / box.pw


def _slider_len(box: Box, slide: Slide) -> float:
    """The slider's length in paper coordinates: to 40 pixels from the image's right edge."""
    return (slide.width - 280 * box.k) / box.pw
