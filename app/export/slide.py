"""A figure laid out for a slide: the title, the legend band, the plot, the caption.

`caption` and `title` are the words (what a link shows, in a person's terms);
`Slide` is what a figure is for (its size, and whether it has a title, a
caption, a step counter that must keep still, a slider); `dress_map` lays a
map out on it with the plot area exact to the pixel (GIF panels rely on it),
`dress_view` puts a title and caption around any other view.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import plotly.graph_objects as go

from gradscape import surfaces
from gradscape.optimizers import OPTIMIZERS, schedules

from .. import presets, race
from ..figures import FONT, THEMES, num
from ..state import AppState, Run, batching, has_data, samples_of
from .options import OptionsError


def hyperparameters(run: Run) -> list[str]:
    """γ (the learning rate); momentum where it names the method; then whatever differs
    from its default, each as its symbol and `num` (the app's one number format)."""
    parts = [f"γ {num(run.hp['lr'])}"]
    for p in OPTIMIZERS[run.optimizer].params:
        v = run.hp[p.name]
        if p.name == "lr" or (v == p.default and not (p.name == "momentum" and v)):
            continue
        if p.kind == "bool":
            parts.append(p.name if v else f"no {p.name}")
        else:
            parts.append(f"{p.symbol or p.name.replace('_', ' ')} {num(v)}")
    return parts


def _training(state: AppState) -> list[str]:
    """The settings every run shares, where they are on."""
    parts = []
    if state.schedule != "constant":
        name = state.schedule.replace("_", " + ")
        # γ is the learning rate here: a schedule's decay factor (torch's "gamma") is a factor
        args = ", ".join(
            f"{'factor' if p.symbol == 'γ' else p.symbol or p.name} "
            f"{num(state.schedule_args[p.name])}"
            for p in schedules.PARAMS[state.schedule]
        )
        parts.append(f"{name} schedule ({args})" if args else f"{name} schedule")
    if state.clip != "off":
        parts.append(f"clipped by {state.clip} at {num(state.clip_at)}")
    if state.noise:
        parts.append(f"gradient noise σ {num(state.noise)} (seed {state.seed})")
    return parts


def _batch(state: AppState, run: Run) -> list[str]:
    """On a data surface, the run's batch size (B, or the full batch)."""
    if not has_data(state):
        return []
    n = samples_of(state)
    return ["full batch" if run.batch is None or run.batch >= n else f"B {run.batch}"]


def _sampling(state: AppState) -> list[str]:
    """On a data surface with mini-batches, the samples and how batches are drawn."""
    if not batching(state):
        return []
    how = {"shuffle": "shuffled each epoch", "replacement": "drawn with replacement",
           "cycle": "in a fixed cycle"}.get(state.sampling, state.sampling)  # fmt: skip
    return [f"{samples_of(state):,} samples, mini-batches {how} (seed {state.batch_seed})"]


def caption(state: AppState) -> tuple[list[str], list[str]]:
    """The caption's items: one per visible run, and the settings the runs share.

    >>> caption(parse("")[0])[0]
    ['SGD (γ 0.001)', 'Momentum (γ 0.001, μ 0.9)', 'Adam (γ 0.1)']
    """
    runs = [
        f"{OPTIMIZERS[r.optimizer].label} ({', '.join(hyperparameters(r) + _batch(state, r))})"
        for r in state.runs
        if r.visible
    ]
    shared = _training(state) + _sampling(state)
    # what a method degenerates to on two parameters, once per optimizer shown
    shown = dict.fromkeys(r.optimizer for r in state.runs if r.visible)
    shared += [
        f"{OPTIMIZERS[o].label}: {OPTIMIZERS[o].caveat}" for o in shown if OPTIMIZERS[o].caveat
    ]
    if state.tuned:  # the fair race: its budget, objective and rates, clipping named
        shared = [*shared, race.caption(state)]
    return runs, shared


def title(state: AppState, t: int, *, pad: bool = False, about: str = "") -> str:
    """The lesson's title where a lesson is open, else the surface (with its parameters,
    where it has any), what the view shows of it (`about`, such as ``" in 3D"``) and
    the step shown.

    `pad` pads the title with figure spaces after it, to its width at the last step,
    so that a centred title keeps still while the digits grow (GIF frames) and
    reads "step 0 / 150", not "step     0 / 150".

    >>> title(parse("")[0], 500)
    'Rosenbrock — step 500 / 500'
    >>> title(parse("preset=zigzag")[0], 3)
    'Zig-zag in a narrow valley — step 3 / 150'
    """
    lesson = presets.BY_SLUG.get(state.preset or "")
    if lesson is not None:
        label = lesson.title
    else:
        label = state.build_surface().label
        entry = surfaces.SURFACES.get(state.surface)  # None for a custom formula
        params = entry.params if entry is not None else ()
        if params:
            values = ", ".join(
                f"{p.symbol or p.name} {num(state.surface_params[p.name])}" for p in params
            )
            label += f" ({values})"
    pad_to = "\u2007" * (len(str(state.steps)) - len(str(t))) if pad else ""
    return f"{label}{about} — step {t} / {state.steps}{pad_to}"


@dataclass(frozen=True)
class Slide:
    """What a figure is for: its size in layout pixels and what it shows."""

    width: int = 1100
    height: int = 800
    title: bool = True
    caption: bool = True
    animated: bool = False  # GIF frames: the title's step is padded
    interactive: bool = False  # HTML: room for the slider; the aspect kept on zoom


@dataclass(frozen=True)
class Box:
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


#: How much heavier than on screen a slide draws the runs (at font scale 1): a slide is
#: read from the back row.
HEAVIER = 1.25
#: Average character width over font size (DejaVu Sans, the fallback on Linux: wide).
_CHAR = 0.6


def fonts(k: float) -> dict[str, float]:
    """Font sizes at font scale `k` (1 for 1100 × 800: readable on a projected slide)."""
    sizes = {"title": 25, "legend": 16, "tick": 14, "axis": 16, "caption": 15, "bar": 13}
    return {name: size * k for name, size in sizes.items()}


def pack(items: Sequence[str], width: float, size: float, sep: str = " · ") -> list[str]:
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


def box_of(
    state: AppState,
    slide: Slide,
    labels: Sequence[str],
    words: tuple[Sequence[str], Sequence[str]] | None = None,
) -> Box:
    """Lay out title, legend, plot (the view's aspect), colour bar, caption and slider.

    `labels` are the legend's; `words` the caption's runs and shared settings
    (default: `caption`).
    """
    W, H = slide.width, slide.height
    r = min(W / 1100, H / 800)
    k = min(max(r if r >= 1 else r**0.75, 0.4), 3.0)  # small images keep text a bit larger
    f = fonts(k)
    lines: list[str] = []
    if slide.caption:
        runs, shared = words or caption(state)
        lines = pack(runs, W - 60 * k, f["caption"]) + pack(shared, W - 60 * k, f["caption"])
    title_y = 18 * k
    top_h = title_y + (f["title"] * 1.3 + 10 * k if slide.title else 0)
    axis_h = f["tick"] * 1.6 + f["axis"] * 1.4 + 14 * k  # tick labels and the x title
    caption_h = len(lines) * f["caption"] * 1.45 + (10 * k if lines else 0)
    slider_h = 84 * k if slide.interactive else 0
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
    return Box(
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


def paper(box: Box, px: float, py: float) -> tuple[float, float]:
    """Layout pixels (from the top left) in paper coordinates (the plot area is 0 … 1)."""
    return (px - box.left) / box.pw, 1 - (py - box.top) / box.ph


def dress_map(
    fig: go.Figure, state: AppState, t: int, slide: Slide, box: Box, about: str = ""
) -> None:
    """Lay a map out for a slide in `box`: the plot area exact, title (`title` with
    `about`), legend, caption, colour bar. (Its runs are drawn `HEAVIER` at the box's font
    scale by `look`.)"""
    theme = THEMES[state.theme]
    f = fonts(box.k)
    W, H = slide.width, slide.height
    annotations = []
    if slide.title:
        x, y = paper(box, W / 2, box.title_y)
        text = title(state, t, pad=slide.animated, about=about)
        annotations.append(
            dict(name="title", text=text, x=x, y=y, font=dict(size=f["title"], color=theme.ink))
        )
    if box.caption_lines:
        x, y = paper(box, W / 2, box.caption_y)
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
    if not slide.interactive:  # the plot area has the view's aspect already
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
    for tr in fig.data:
        if tr.name in ("minimum", "start") and box.k != 1:  # markers at the image's scale
            size = tr.marker.size
            tr.marker.size = [v * box.k for v in size] if isinstance(size, tuple) else size * box.k


def dress_view(fig: go.Figure, state: AppState, slide: Slide, head: str, lines: list[str]) -> None:
    """A title over a view and a caption under it, at the export's size."""
    theme = THEMES[state.theme]
    k = min(slide.width / 1100, slide.height / 800)
    f = fonts(k)
    wrapped = [
        w for line in lines for w in pack(line.split(" · "), slide.width * 0.9, f["caption"])
    ]
    bottom = (18 + 1.5 * f["caption"] * len(wrapped)) if slide.caption else 24
    top = 30 + 1.6 * f["title"] if slide.title else 20
    margin = fig.layout.margin
    b = bottom + 36 * k
    ph = slide.height - top - b  # the plot area's height: paper y is relative to it
    left, right = max(margin.l or 0, 60 * k), max(margin.r or 0, 30 * k)
    # paper x is relative to the plot area: the image's centre, wherever the margins are
    centre = (slide.width / 2 - left) / (slide.width - left - right)
    annotations = [*fig.layout.annotations]
    if slide.title:
        annotations.append(
            go.layout.Annotation(
                name="title", text=head, x=centre, y=(slide.height - b - 14) / ph, xref="paper",
                yref="paper", xanchor="center", yanchor="top", showarrow=False,
                font=dict(size=f["title"], color=theme.ink),
            )
        )  # fmt: skip
    if slide.caption and wrapped:
        annotations.append(
            go.layout.Annotation(
                name="caption", text="<br>".join(wrapped), x=centre, y=-(36 * k) / ph,
                xref="paper", yref="paper", xanchor="center", yanchor="top",
                showarrow=False, align="center", font=dict(size=f["caption"], color=theme.muted),
            )
        )  # fmt: skip
    fig.update_layout(
        width=slide.width,
        height=slide.height,
        paper_bgcolor=theme.plot,
        annotations=annotations,
        margin=dict(l=left, r=right, t=top, b=b),
        uirevision=None,
    )
    # ticks and axis titles at the export's size (a 10 px tick is unreadable on a slide)
    fig.update_xaxes(tickfont=dict(size=f["tick"]), title_font=dict(size=f["axis"]))
    fig.update_yaxes(tickfont=dict(size=f["tick"]), title_font=dict(size=f["axis"]))
    for tr in fig.data:
        bar = getattr(tr, "colorbar", None)
        if bar is not None and tr.type in ("contour", "heatmap"):
            tr.colorbar.tickfont = dict(size=f["bar"], color=theme.muted)


_STEP = re.compile("step (\\d+) / (\\d+)(\u2007*)")


def retitle(text: str, t: int) -> str:
    """The title with step `t` in place of its step (padded after its last step to the
    same width, as `title` pads it)."""
    m = _STEP.search(text)
    if m is None:
        return text
    width = len(m.group(1)) + len(m.group(3))
    pad = "\u2007" * max(0, width - len(str(t)))
    return f"{text[: m.start()]}step {t} / {m.group(2)}{pad}{text[m.end() :]}"
