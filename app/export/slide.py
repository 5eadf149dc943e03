"""A figure laid out for a slide: the title, the legend band, the plot, the caption.

`caption` and `title` are the words (what a link shows, in a person's terms);
`Slide` is what a figure is for (its size, and whether it has a title, a
caption, a step counter that must keep still, a slider); `dress_map` lays a
map out on it with the plot area exact to the pixel (GIF panels rely on it),
`dress_view` puts a title and caption around any other view.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

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
        elif p.kind == "choice":  # a word, such as L-BFGS's line search "strong_wolfe"
            parts.append(f"{p.name.replace('_', ' ')}: {str(v).replace('_', ' ')}")
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


def subject(state: AppState) -> str:
    """What a figure is about: the lesson's title where a lesson is open, else the surface
    (with its parameters, where it has any).

    >>> subject(parse("preset=zigzag&mode=starts")[0])
    'Zig-zag in a narrow valley'
    """
    lesson = presets.BY_SLUG.get(state.preset or "")
    if lesson is not None:
        return lesson.title
    label = state.build_surface().label
    entry = surfaces.SURFACES.get(state.surface)  # None for a custom formula
    params = entry.params if entry is not None else ()
    if params:
        values = ", ".join(
            f"{p.symbol or p.name} {num(state.surface_params[p.name])}" for p in params
        )
        label += f" ({values})"
    return label


def _methods(state: AppState) -> str:
    """The visible runs' optimizers in words: "SGD, Momentum and Adam"; "SGD at 3 rates"
    for one optimizer at several; "7 runs" past four optimizers."""
    runs = [r for r in state.runs if r.visible]
    names = list(dict.fromkeys(OPTIMIZERS[r.optimizer].label for r in runs))
    if not names:
        return ""
    if len(names) == 1:
        return names[0] if len(runs) == 1 else f"{names[0]} at {len(runs)} settings"
    if len(names) > 4:
        return f"{len(runs)} runs"
    return ", ".join(names[:-1]) + f" and {names[-1]}"


def title(
    state: AppState, t: int, *, pad: bool = False, about: str = "", runs: bool = False
) -> str:
    """`subject` (the lesson's title where a lesson is open, else the surface), what the
    view shows of it (`about`, such as ``" in 3D"``) and the step shown; with `runs`
    (a projector slide of a page that is not a lesson), the runs' optimizers too.

    `pad` pads the title with figure spaces after it, to its width at the last step,
    so that a centred title keeps still while the digits grow (GIF frames) and
    reads "step 0 / 150", not "step     0 / 150".

    >>> title(parse("")[0], 500)
    'Rosenbrock — step 500 / 500'
    >>> title(parse("preset=zigzag")[0], 3)
    'Zig-zag in a narrow valley — step 3 / 150'
    """
    label = subject(state)
    if runs and not about and state.preset not in presets.BY_SLUG and _methods(state):
        about = f": {_methods(state)}"
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
    #: A slide for a projector (``export.preset=slide``): fonts for the back row
    #: (`PROJECTOR`), the runs in the title of a page that is not a lesson, and beside
    #: a lesson's map its story (`lesson_html`) in a column of its own.
    projector: bool = False
    #: The font scale, where a wider slide fixed it (`beside_story`: a view laid out in
    #: part of a slide keeps the whole slide's fonts); 0: from the size (`font_scale`).
    font_k: float = 0.0


#: The smallest font scale of a projector slide: at 1920 × 1080 a 40 px title, 22 px
#: ticks, a 24 px caption, a 21 px colour bar (what a back row reads; `fonts`).
PROJECTOR = 1.6


def font_scale(slide: Slide) -> float:
    """The slide's font scale: 1 at 1100 × 800, with the image's size (small images keep
    their text a bit larger), at least `PROJECTOR` on a projector slide."""
    if slide.font_k:
        return slide.font_k
    r = min(slide.width / 1100, slide.height / 800)
    k = min(max(r if r >= 1 else r**0.75, 0.4), 3.0)
    return max(k, PROJECTOR) if slide.projector else k


def lesson_html(state: AppState) -> str | None:
    """The open lesson's story as annotation HTML (its *italic* in <i>), or None."""
    lesson = presets.BY_SLUG.get(state.preset or "")
    if lesson is None:
        return None
    return re.sub(r"\*([^*]+)\*", r"<i>\1</i>", lesson.text)


def wrap(text: str, width: float, size: float) -> list[str]:
    """`text` in lines of whole words that fit `width` pixels (estimated) at font `size`;
    tags (<i>…</i>) take no room."""
    lines: list[str] = []
    text = re.sub(r" ([=≈<>≤≥]) ", "\u00a0\\1\u00a0", text)  # "γ = 0.1" on one line
    for word in re.split(r"[ \t\n]+", text.strip()):  # not at the no-break spaces
        if lines and len(_TAG.sub("", lines[-1] + " " + word)) * _CHAR * size <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    # a tag open at a line's end is closed there and opened again on the next line
    for j in range(len(lines) - 1):
        if lines[j].count("<i>") > lines[j].count("</i>"):
            lines[j] += "</i>"
            lines[j + 1] = "<i>" + lines[j + 1]
    return lines


_TAG = re.compile(r"</?i>")


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
    #: A projector slide's column beside the map: its left edge and width, the top of its
    #: text, the lines of the lesson's story (`lesson_html`) and their font size.
    side_x: float = 0.0
    side_w: float = 0.0
    side_y: float = 0.0
    side_lines: tuple[str, ...] = ()
    side_caption: tuple[str, ...] = ()  # the caption's lines under it, at 0.9 its size
    side_size: float = 0.0


#: How much heavier than on screen a slide draws the runs (at font scale 1): a slide is
#: read from the back row.
HEAVIER = 1.25
#: Average character width over font size (DejaVu Sans, the fallback on Linux: wide).
_CHAR = 0.6


def fonts(k: float) -> dict[str, float]:
    """Font sizes at font scale `k` (1 for 1100 × 800: readable on a projected slide)."""
    sizes = {"title": 25, "legend": 16, "tick": 14, "axis": 16, "caption": 15, "bar": 13}
    return {name: size * k for name, size in sizes.items()}


def title_size(text: str, width: float, size: float) -> float:
    """`size`, or smaller where the title would not fit 94 % of `width` on one line (a long
    lesson's title with what the view shows of it), though not below 70 % of it."""
    fits = 0.94 * width / (max(len(text), 1) * _CHAR)
    return max(min(size, fits), 0.7 * size)


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
    right: float = 92,
) -> Box:
    """Lay out title, legend, plot (the view's aspect), colour bar, caption and slider.

    `labels` are the legend's; `words` the caption's runs and shared settings
    (default: `caption`); `right` the room right of the plot for the colour bar (at
    font scale 1). A projector slide of a lesson puts the lesson's story and the
    caption in a column right of the map (`SIDE` of the width), so the map keeps the
    height a 16:9 slide has.
    """
    W, H = slide.width, slide.height
    k = font_scale(slide)
    f = fonts(k)
    runs_words, shared = (words or caption(state)) if slide.caption else ((), ())
    story = lesson_html(state) if slide.projector and slide.caption else None
    title_y = 18 * k
    top_h = title_y + (f["title"] * 1.3 + 10 * k if slide.title else 0)
    axis_h = f["tick"] * 1.6 + f["axis"] * 1.4 + 14 * k  # tick labels and the x title
    left_room, right_room = 64 * k, right * k  # y ticks and title; the colour bar
    x0, x1, y0, y1 = state.view
    aspect = (x1 - x0) / (y1 - y0)
    side_w, gap, under = 0, 0.0, []
    if story:  # beside the map where a map as tall as the slide leaves room, else under it
        tall = H - top_h - _legend_row(f["legend"]) - axis_h - 26 * k
        gap = 40 * k
        free = W - left_room - right_room - 24 * k - gap - tall * aspect
        if free >= W * MIN_SIDE:
            side_w = round(min(W * SIDE, free))
        else:
            gap = 0.0
            under = wrap(story, W - 120 * k, f["caption"])
    lines: list[str] = []
    if slide.caption and not side_w:
        lines = pack(runs_words, W - 60 * k, f["caption"]) + pack(shared, W - 60 * k, f["caption"])
    caption_h = len(lines) * f["caption"] * 1.45 + (10 * k if lines else 0)
    caption_h += (len(under) + 0.6) * f["caption"] * LINE if under else 0
    slider_h = 84 * k if slide.interactive else 0
    below = axis_h + caption_h + slider_h + 16 * k
    avail_w = W - left_room - right_room - 24 * k - gap - side_w
    # Plotly wraps a horizontal legend at the plot's width, which depends on the legend's
    # height: start from one row per the image's width and settle (a few rounds at most).
    rows = _legend_rows(labels, W - side_w - 80 * k, f["legend"])
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
    group = left_room + pw + right_room + gap + side_w
    left = round((W - group) / 2 + left_room)
    slack = (avail_h - ph) / 2
    top = round(above + slack)
    caption_y = top + ph + axis_h
    side: dict = {}
    if under:  # the story under the map, the caption under it
        side = dict(side_y=caption_y, side_lines=tuple(under), side_size=f["caption"])
        caption_y += (len(under) + 0.6) * f["caption"] * LINE
    if side_w:
        side_x = left + pw + right_room + gap
        room = H - top_h - 16 * k  # the column may use the height under the title
        size = f["caption"]
        while True:  # the story and the caption, a little smaller while they do not fit
            said = wrap(story, side_w, size)
            told = [*runs_words, *pack(shared, side_w, size * 0.9)]
            told = [w for item in told for w in wrap(item, side_w, size * 0.9)]
            text_h = (len(said) + (1 + 0.9 * len(told) if told else 0)) * size * LINE
            if text_h <= room or size <= MIN_SIDE_FONT:
                break
            size = max(size - 1, MIN_SIDE_FONT)
        side_y = min(max(top + (ph - text_h) / 2, top_h), H - 16 * k - text_h)
        side = dict(
            side_x=side_x,
            side_w=side_w,
            side_y=max(side_y, top_h),
            side_lines=tuple(said),
            side_caption=tuple(told),
            side_size=size,
        )
    return Box(
        left=left,
        top=top,
        pw=pw,
        ph=ph,
        k=k,
        title_y=title_y + slack,
        legend_y=(top_h + slack + top - 8 * k) / 2,
        caption_y=caption_y,
        slider_y=top + ph + axis_h + caption_h,
        caption_lines=tuple(lines),
        **side,
    )


#: A projector slide's column for a lesson's story: its share of the width, and the
#: smallest font its text is set in (to fit a long story).
SIDE = 0.34
MIN_SIDE = 0.24
MIN_SIDE_FONT = 20
#: Plotly's line height in a text of several lines, over the font size.
LINE = 1.3


def beside_story(
    state: AppState, slide: Slide, draw: Callable[[Slide], go.Figure]
) -> go.Figure | None:
    """A projector slide of a lesson, for a view `dress_view` lays out (the sensitivity
    curves, the compare grid, the 3D scene): `draw` lays the view out in the slide's
    width less a column (`SIDE`), at the slide's font scale, and the lesson's story goes
    in the column, as a map's slide has it (`box_of`). None where there is no story."""
    story = lesson_html(state) if slide.projector and slide.caption else None
    if story is None:
        return None
    k = font_scale(slide)
    W, H = slide.width, slide.height
    used = round(W * (1 - SIDE))
    fig = draw(replace(slide, width=used, font_k=k))
    f = fonts(k)
    m = fig.layout.margin
    left, top, right, bottom = m.l, m.t, m.r, m.b
    pw, ph = used - left - right, H - top - bottom
    side_x, side_w = used + 16 * k, W - used - 56 * k
    head = 18 * k + f["title"] * 1.35 + 10 * k  # under the title
    room = H - head - 16 * k
    size = f["caption"]
    while True:  # smaller while it does not fit, down to MIN_SIDE_FONT
        lines = wrap(story, side_w, size)
        text_h = len(lines) * size * LINE
        if text_h <= room or size <= MIN_SIDE_FONT:
            break
        size = max(size - 1, MIN_SIDE_FONT)
    y = min(max(top + (ph - text_h) / 2, head), H - 16 * k - text_h)  # beside the plot
    fig.add_annotation(
        name="story", text="<br>".join(lines), x=(side_x - left) / pw, y=1 - (y - top) / ph,
        xref="paper", yref="paper", xanchor="left", yanchor="top", align="left",
        showarrow=False, font=dict(size=size, color=THEMES[state.theme].ink),
    )  # fmt: skip
    # the slide's whole width: the plot area stays where it was laid out, the column right
    fig.update_layout(width=W, margin=dict(r=right + W - used))
    for a in fig.layout.annotations:  # the title over the whole slide, as a map's has it
        if a.name == "title":
            a.x = (W / 2 - left) / pw
            a.font.size = title_size(a.text, W, f["title"])
    if fig.layout.legend.xref == "container" and fig.layout.legend.x is not None:
        fig.layout.legend.x = fig.layout.legend.x * used / W  # over the view, as laid out
    return fig


def paper(box: Box, px: float, py: float) -> tuple[float, float]:
    """Layout pixels (from the top left) in paper coordinates (the plot area is 0 … 1)."""
    return (px - box.left) / box.pw, 1 - (py - box.top) / box.ph


def dress_map(
    fig: go.Figure,
    state: AppState,
    t: int,
    slide: Slide,
    box: Box,
    about: str = "",
    head: str | None = None,
) -> None:
    """Lay a map out for a slide in `box`: the plot area exact, title (`title` with
    `about`, or `head`), legend, caption (under the map, or in the column beside it with
    a lesson's story), colour bar. (Its runs are drawn `HEAVIER` at the box's font
    scale by `look`.)"""
    theme = THEMES[state.theme]
    f = fonts(box.k)
    W, H = slide.width, slide.height
    annotations = []
    if slide.title:
        x, y = paper(box, W / 2, box.title_y)
        text = head or title(state, t, pad=slide.animated, about=about, runs=slide.projector)
        annotations.append(
            dict(
                name="title",
                text=text,
                x=x,
                y=y,
                font=dict(size=title_size(text, W, f["title"]), color=theme.ink),
            )
        )

    def text(name: str, lines, px: float, py: float, align: str, size: float, color: str):
        x, y = paper(box, px, py)
        annotations.append(
            dict(
                name=name,
                text="<br>".join(lines),
                x=x,
                y=y,
                align=align,
                font=dict(size=size, color=color),
            )
        )

    if box.caption_lines:
        size = f["caption"]
        text("caption", box.caption_lines, W / 2, box.caption_y, "center", size, theme.muted)
    if box.side_lines and not box.side_w:  # a lesson's story under the map, centred
        text("story", box.side_lines, W / 2, box.side_y, "center", box.side_size, theme.ink)
    elif box.side_lines:  # a lesson's story, then the caption, left-aligned in the column
        size = box.side_size
        text("story", box.side_lines, box.side_x, box.side_y, "left", size, theme.ink)
        if box.side_caption:
            below = box.side_y + (len(box.side_lines) + 1) * size * LINE
            text("caption", box.side_caption, box.side_x, below, "left", size * 0.9, theme.muted)
    for a in annotations:
        side = a["name"] in ("story", "caption") and box.side_w
        a.update(xref="paper", yref="paper", yanchor="top", showarrow=False)
        a.update(xanchor="left" if side else "center")
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
            x=(box.left + box.pw / 2) / W if box.side_w else 0.5,  # over the map
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
        selector=lambda tr: tr.type in ("contour", "heatmap"),
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
            if tr.textfont is not None and tr.textfont.size:  # a minimum's number
                tr.textfont.size = tr.textfont.size * box.k


def dress_view(fig: go.Figure, state: AppState, slide: Slide, head: str, lines: list[str]) -> None:
    """A title over a view and a caption under it, at the export's size: its ticks, axis
    titles, legend and own labels (annotations) scaled with the fonts (`font_scale`), the
    caption under whatever lies under the plot (tick labels, the x title, labels there),
    the title centred on the image (the margins are fixed)."""
    theme = THEMES[state.theme]
    k = font_scale(slide)
    f = fonts(k)
    grow = f["tick"] / 11  # the app's figures are drawn with 10–12 px text
    W, H = slide.width, slide.height
    wrapped = [w for line in lines for w in pack(line.split(" · "), W * 0.9, f["caption"])]
    # the view's own labels, at the export's size; how far the lowest reaches under the plot
    under = over = 0.0
    own = []
    for a in fig.layout.annotations:
        d = copy.deepcopy(a.to_plotly_json())
        size = d.get("font", {}).get("size", 12) * grow
        d["font"] = {**d.get("font", {}), "size": size}
        d["xshift"], d["yshift"] = d.get("xshift", 0) * grow, d.get("yshift", 0) * grow
        if d.get("yref") == "paper" and d.get("y", 1) <= 0 and d.get("yanchor") == "top":
            under = max(under, -d["yshift"] + 1.4 * size)
        if d.get("y", 0) >= 1 and d.get("yanchor") == "bottom":  # over a (top) panel
            over = max(over, d["yshift"] + 1.4 * size)
        own.append(go.layout.Annotation(d))
    has_x_title = any(ax.title.text for ax in fig.select_xaxes())
    axis_h = 0.0
    if any(True for _ in fig.select_xaxes()) and not any(tr.type == "surface" for tr in fig.data):
        axis_h = f["tick"] * 1.6 + (f["axis"] * 1.4 + 8 * k if has_x_title else 0)
    below = max(axis_h, under) + 12 * k
    caption_h = (1.45 * f["caption"] * len(wrapped) + 12 * k) if slide.caption and wrapped else 0
    b = below + caption_h + 12 * k
    legend = [tr.name for tr in fig.data if tr.showlegend is not False and tr.name]
    legend_above = fig.layout.showlegend is not False and bool(legend)
    title_h = 14 + f["title"] * 1.35 + 8 * k if slide.title else 20
    margin = fig.layout.margin
    left, right = max((margin.l or 0) * grow, 60 * k), max((margin.r or 0) * grow, 30 * k)
    rows = _legend_rows(legend, W - left - right, f["legend"]) if legend_above else 0
    top = title_h + rows * _legend_row(f["legend"]) + 8 * k + over
    ph = H - top - b  # the plot area's height: paper y is relative to it
    # paper x is relative to the plot area: the image's centre, whatever the margins are
    centre = (W / 2 - left) / (W - left - right)
    annotations = own
    if slide.title:
        annotations.append(
            go.layout.Annotation(
                name="title", text=head, x=centre, y=1 + (top - 14) / ph, xref="paper",
                yref="paper", xanchor="center", yanchor="top", showarrow=False,
                font=dict(size=title_size(head, W, f["title"]), color=theme.ink),
            )
        )  # fmt: skip
    if caption_h:
        annotations.append(
            go.layout.Annotation(
                name="caption", text="<br>".join(wrapped), x=centre, y=-below / ph,
                xref="paper", yref="paper", xanchor="center", yanchor="top",
                showarrow=False, align="center", font=dict(size=f["caption"], color=theme.muted),
            )
        )  # fmt: skip
    fig.update_layout(
        width=W,
        height=H,
        paper_bgcolor=theme.plot,
        margin=dict(l=left, r=right, t=top, b=b, autoexpand=False),
        uirevision=None,
    )
    fig.layout.annotations = annotations  # replaced: `update_layout` would merge into the old
    if legend_above:  # over the plot, under the title, at the export's size
        fig.update_layout(
            legend=dict(
                orientation="h", xref="container", yref="container", x=0.5, xanchor="center",
                y=1 - (title_h + rows * _legend_row(f["legend"]) / 2) / H, yanchor="middle",
                font=dict(size=f["legend"], color=theme.ink),
            )
        )  # fmt: skip
    # ticks and axis titles at the export's size (a 10 px tick is unreadable on a slide)
    fig.update_xaxes(tickfont=dict(size=f["tick"]), title_font=dict(size=f["axis"]))
    fig.update_yaxes(tickfont=dict(size=f["tick"]), title_font=dict(size=f["axis"]))
    for ax in fig.select_yaxes():  # a y title no taller than its panel (a short lower panel):
        text = ax.title.text or ""  # on two lines where one would need too small a font
        if not text:
            continue
        tall = ((ax.domain or (0, 1))[1] - (ax.domain or (0, 1))[0]) * ph
        if 0.95 * tall / (len(text) * _CHAR) < 0.8 * f["axis"] and " (" in text:
            text = text.replace(" (", "<br>(", 1)
            ax.title.text = text
        longest = max(len(line) for line in text.split("<br>"))
        ax.title.font.size = max(min(f["axis"], 0.95 * tall / (longest * _CHAR)), 12 * k)
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
