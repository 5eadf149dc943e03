"""How a run looks at step t: the one place that decides it.

A run on a map is drawn in three parts, split at the shown step t:

- the **trail**, the path from the start up to step t (solid);
- the **ghost**, the rest of the path from step t on (dotted, faint), so a
  learner sees where the run is going;
- the **head**, a marker at step t: a dot, or a cross (``"x"``) once the run
  has diverged (t ≥ its `diverged_at`), placed where it left the map.

Every drawing of a run follows this module: the live overlay in the browser
(which receives `style_data` with the paths and restates no style), every
exported figure (paths, compare panels, 3D) and the exported HTML player. The
sizes differ by *context* (the hero map, a small compare panel, the 3D scene,
the loss chart), never by who draws.

`run_traces` (and `Drawing`, the same with the step left open) turns a run
into the Plotly traces of every figure drawn in Python, as plain dicts: the
paths figure, the compare panels, the 3D view, exported images, GIF frames
and the HTML player's steps. A figure that shows a run at another step calls
it again; nothing slices a path anywhere else.

Plain data only (dicts, NumPy arrays): no Dash, no Plotly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

__all__ = [
    "CROSS",
    "DOT",
    "ESCAPE",
    "ESCAPE_3D",
    "LOOKS",
    "Drawing",
    "Fate",
    "Look",
    "Step",
    "at_step",
    "fate",
    "fate_words",
    "head_marker",
    "readable",
    "run_traces",
    "shown_path",
    "stacking",
    "style_data",
]

#: The head's symbol while a run is on the map, once it has blown up (diverged), and
#: once it has escaped downhill off the map of a surface unbounded below.
DOT = "circle"
CROSS = "x"
ESCAPE = "triangle-down"
#: `ESCAPE` in a 3D scene, whose markers have no triangles (Plotly's scatter3d).
ESCAPE_3D = "diamond"


@dataclass(frozen=True)
class Fate:
    """How a run left the map, if it did.

    `kind` is ``"diverged"`` (it blew up: the loss grew without bound, or became
    non-finite) or ``"escaped"`` (the surface has no bottom and the run went
    downhill off the map: f → −∞, which is success, not a blow-up). `at` is the
    first step of the run's last stretch outside the view (the step whose point
    the map shows at the edge), `edge` the point where the path crosses the
    view's border on its way out.
    """

    kind: str
    at: int
    edge: tuple[float, float]

    @property
    def mark(self) -> str:
        return ESCAPE if self.kind == "escaped" else CROSS

    @property
    def mark_3d(self) -> str:
        """`mark` in a 3D scene (no triangles there)."""
        return ESCAPE_3D if self.kind == "escaped" else CROSS

    @property
    def short(self) -> str:
        """A legend's suffix: what happened, in a learner's words."""
        return "left the map, f → −∞" if self.kind == "escaped" else "diverged"

    @property
    def long(self) -> str:
        """A table's or caption's sentence, with the step."""
        if self.kind == "escaped":
            return f"left the map at step {self.at}, f → −∞"
        return f"diverged at step {self.at}: left the map"


def _inside(x: np.ndarray, y: np.ndarray, view: Sequence[float]) -> np.ndarray:
    x0, x1, y0, y1 = view
    with np.errstate(invalid="ignore"):
        return (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)


def _edge(a: tuple[float, float], b: tuple[float, float], view: Sequence[float]):
    """Where the segment from `a` (inside the view) to `b` (outside) crosses its border."""
    x0, x1, y0, y1 = view
    dx, dy = b[0] - a[0], b[1] - a[1]
    s = 1.0
    for d, p, lo, hi in ((dx, a[0], x0, x1), (dy, a[1], y0, y1)):
        if d > 0:
            s = min(s, (hi - p) / d)
        elif d < 0:
            s = min(s, (lo - p) / d)
    s = max(0.0, s)
    return (float(a[0] + s * dx), float(a[1] + s * dy))


def fate(
    x: np.ndarray,
    y: np.ndarray,
    loss: np.ndarray,
    diverged_at: int,
    view: Sequence[float],
    bottomless: bool,
) -> Fate | None:
    """How the run with positions `x`, `y` left the map `view`, or None if it did not.

    A run that diverged (`diverged_at` ≥ 0: it left the core's divergence box or
    its loss became non-finite) left the map at the start of its last stretch
    outside the view before that; on a `bottomless` surface (unbounded below)
    one whose loss went down on its way out escaped instead. On a bottomless
    surface a run that ends outside the view escaped too (SGD sliding off the
    saddle), though the core did not call it diverged.
    """
    n = len(x)
    end = diverged_at if diverged_at >= 0 else n
    if end <= 0:
        return None
    inside = _inside(x[:end], y[:end], view)
    if diverged_at < 0 and (not bottomless or inside[-1]):
        return None
    back = np.flatnonzero(inside)
    at = int(back[-1] + 1) if back.size else 0  # first step of the last stretch outside
    last = at - 1 if at > 0 else 0
    a = (float(x[last]), float(y[last]))
    if at < end and at > 0 and inside[last]:
        edge = _edge(a, (float(x[at]), float(y[at])), view)
    else:
        edge = a
    with np.errstate(invalid="ignore"):
        f0, f1 = float(loss[0]), float(loss[max(min(end, n) - 1, 0)])
    downhill = bottomless and np.isfinite(f1) and f1 < f0
    return Fate("escaped" if downhill else "diverged", at, edge)


#: Cells across the view in which `stacking` compares paths, and the extra width (px) by
#: which a run's trail shows around each run drawn over it.
STACK_GRID = 160
STACK_WIDEN = 2.0


def _cells(x: np.ndarray, y: np.ndarray, view: Sequence[float]) -> np.ndarray:
    """The (STACK_GRID²,) boolean mask of view cells a path passes through."""
    x0, x1, y0, y1 = view
    g = STACK_GRID
    u = (np.asarray(x, float) - x0) / (x1 - x0) * g
    v = (np.asarray(y, float) - y0) / (y1 - y0) * g
    ok = np.isfinite(u) & np.isfinite(v)
    u, v = u[ok], v[ok]
    if u.size > 1:  # densify: at most half a cell between samples
        d = np.hypot(np.diff(u), np.diff(v))
        along = np.r_[0.0, np.cumsum(d)]
        t = np.linspace(0.0, along[-1], int(min(along[-1] * 2, 20 * g)) + 2)
        u, v = np.interp(t, along, u), np.interp(t, along, v)
    inside = (u >= 0) & (u < g) & (v >= 0) & (v < g)
    mask = np.zeros((g, g), dtype=bool)
    mask[v[inside].astype(int), u[inside].astype(int)] = True
    return mask


def _dilate(mask: np.ndarray) -> np.ndarray:
    out = mask.copy()
    out[1:] |= mask[:-1]
    out[:-1] |= mask[1:]
    grown = out.copy()
    grown[:, 1:] |= out[:, :-1]
    grown[:, :-1] |= out[:, 1:]
    return grown


def stacking(
    paths: Sequence[tuple[np.ndarray, np.ndarray] | None],
    view: Sequence[float],
    share: float = 0.3,
) -> list[float]:
    """Extra trail width (px) for each run so that no run hides under a later one.

    Runs are drawn in order, each over the ones before. Where a later run covers
    at least `share` of an earlier run's path (they pass through the same cells
    of a `STACK_GRID`² grid over the view, give or take a cell: Adam along
    Rosenbrock's valley over Momentum, RMSProp over Adam), the earlier one is
    drawn `STACK_WIDEN` px wider than the widest run over it, so it shows as a
    band on either side. A None path (hidden run) covers nothing.
    """
    masks = [None if p is None else _cells(p[0], p[1], view) for p in paths]
    grown = [None if m is None else _dilate(m) for m in masks]
    extra = [0.0] * len(paths)
    for i in range(len(paths) - 1, -1, -1):
        m = masks[i]
        if m is None or not m.any():
            continue
        total = m.sum()
        for j in range(i + 1, len(paths)):
            g = grown[j]
            if g is not None and (m & g).sum() >= share * total:
                extra[i] = min(max(extra[i], extra[j] + STACK_WIDEN), STACK_WIDEN * 2)
    return extra


#: The contrast every run-coloured text reaches against what it is drawn on (WCAG AA's
#: 4.5:1, with a margin for the rounding of colours to 8 bits).
TEXT_CONTRAST = 4.6


def _rgb(colour: str) -> tuple[float, float, float]:
    """'#rrggbb' or 'rgb(r, g, b)' as sRGB in 0…1."""
    colour = colour.strip()
    if colour.startswith("#"):
        return tuple(int(colour[j : j + 2], 16) / 255 for j in (1, 3, 5))
    r, g, b = (float(v) for v in colour[colour.index("(") + 1 : colour.index(")")].split(",")[:3])
    return r / 255, g / 255, b / 255


def _luminance(rgb: Sequence[float]) -> float:
    """WCAG 2.x relative luminance of sRGB in 0…1."""
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def _contrast(a: float, b: float) -> float:
    hi, lo = max(a, b), min(a, b)
    return (hi + 0.05) / (lo + 0.05)


def readable(colour: str, *under: str, ratio: float = TEXT_CONTRAST) -> str:
    """`colour` as text on every colour of `under`: itself where it already reaches `ratio`
    (WCAG contrast) against each, else mixed towards black (on light backgrounds) or white
    (on dark ones) just far enough. The hue stays, so a label still names its run's line.

    >>> readable("#D55E00", "#ffffff")  # vermillion on white: 3.9:1 → a darker vermillion
    '#c05500'
    >>> readable("#0072B2", "#ffffff")  # blue on white: 5.1:1 already
    '#0072b2'
    """
    rgb = _rgb(colour)
    lums = [_luminance(_rgb(u)) for u in under]
    dark_under = sum(lums) / len(lums) < 0.18
    end = 1.0 if dark_under else 0.0

    def mix(s: float) -> tuple[float, ...]:
        return tuple(round(255 * (c + s * (end - c))) / 255 for c in rgb)

    def ok(s: float) -> bool:
        lum = _luminance(mix(s))
        return all(_contrast(lum, u) >= ratio for u in lums)

    lo, hi = 0.0, 1.0
    if not ok(lo):
        for _ in range(20):  # bisection on the share of black (white)
            mid = (lo + hi) / 2
            lo, hi = (lo, mid) if ok(mid) else (mid, hi)
        lo = hi
    return "#" + "".join(f"{round(255 * c):02x}" for c in mix(lo))


def fate_words(f: Fate | None) -> str:
    """`Fate.long`, or "" for a run that stayed on the map."""
    return "" if f is None else f.long


def shown_path(x: np.ndarray, y: np.ndarray, f: Fate | None) -> tuple[np.ndarray, np.ndarray]:
    """The positions a map draws: from the step a run left the map on, the border point
    where it crossed (so its mark shows there, on the map, and the path stops at the edge)."""
    if f is None:
        return x, y
    x, y = x.copy(), y.copy()
    x[f.at :], y[f.at :] = f.edge
    return x, y


@dataclass(frozen=True)
class Look:
    """Sizes, in CSS pixels, of one context's run drawing.

    `ghost_dash` is the SVG dash pattern (on, off); Plotly figures draw the same
    pattern in pixels (``dash="2px,4px"``). `head_size` is the marker's diameter and
    `head_halo` the width of its outline (the theme's halo colour), which keeps
    it readable over a path of the same colour. `mark_size` is the span of the
    diverged cross and `mark_width` its stroke (the browser draws the cross as
    two strokes; Plotly's ``"x"`` marker of that span, outlined in the halo, is
    its stand-in). A trail of at most `dots_upto` points marks every step with a
    dot of `dot_size` (0: never), so a short run's steps can be counted.
    """

    trail_width: float = 2.6
    ghost_width: float = 1.6
    ghost_dash: tuple[float, float] = (2.0, 4.0)
    ghost_opacity: float = 0.6
    head_size: float = 13.0
    head_halo: float = 2.0
    mark_size: float = 12.0
    mark_width: float = 3.2
    dots_upto: int = 0
    dot_size: float = 5.0


#: The contexts a run is drawn in.
LOOKS: dict[str, Look] = {
    "map": Look(dots_upto=80),
    "panel": Look(
        trail_width=2.2,
        ghost_width=1.2,
        head_size=10.0,
        head_halo=1.5,
        mark_size=10.0,
        mark_width=2.6,
    ),
    "loss": Look(trail_width=2.0, head_size=9.0, head_halo=1.5, mark_size=9.0, mark_width=2.4),
    "3d": Look(trail_width=6.0, ghost_width=3.0, head_size=6.0, head_halo=1.0, mark_size=8.0),
}


@dataclass(frozen=True)
class Step:
    """A run split at a step: `k` is the index of the head (the trail is ``[0, k]``,
    the ghost ``[k, n)``), `mark` the head's symbol (``"circle"`` or ``"x"``)."""

    k: int
    mark: str

    @property
    def trail(self) -> slice:
        return slice(0, self.k + 1)

    @property
    def ghost(self) -> slice:
        return slice(self.k, None)


def at_step(n: int, t: int, diverged_at: int, mark: str = CROSS) -> Step:
    """Run of `n` points (positions 0 … n−1) shown at step `t`.

    t beyond the path shows its end. A run that left the map at index d (−1:
    never) shows its `mark` (the cross, or `ESCAPE`) from step d on; its drawn
    positions from d on repeat the point where it crossed the border
    (`shown_path`), so the mark sits where it left the map.
    """
    k = max(0, min(int(t), n - 1))
    return Step(k, mark if 0 <= diverged_at <= t else DOT)


def style_data(halo: str) -> dict:
    """Every context's `Look` as JSON for the browser, with the theme's `halo` colour and
    the head's symbols (`DOT`, and `CROSS` once the run has diverged).

    ``{"halo": "#fff", "map": {"trail_width": 2.6, "ghost_dash": [2, 4], …,
    "head_symbol": "circle", "mark_symbol": "x"}, "panel": …}``
    """
    out: dict = {"halo": halo}
    for name, look in LOOKS.items():
        d = asdict(look)
        d["ghost_dash"] = list(look.ghost_dash)
        escape = ESCAPE_3D if name == "3d" else ESCAPE
        out[name] = {**d, "head_symbol": DOT, "mark_symbol": CROSS, "escape_symbol": escape}
    return out


def head_marker(mark: str, color: str, halo: str, look: Look, scale: float = 1.0) -> dict:
    """A Plotly marker for a head with symbol `mark` (`DOT` or `CROSS`), outlined in `halo`."""
    size = look.mark_size if mark != DOT else look.head_size
    return {
        "symbol": mark,
        "size": size * scale,
        "color": color,
        "line": {"width": look.head_halo * scale, "color": halo},
    }


@dataclass(frozen=True, eq=False)
class Drawing:
    """One run as drawn in `context`, at any step: `at(t)` gives its Plotly traces.

    `x`, `y` are the run's positions (n points), `f` its loss for hover (or
    None), `z` its heights in a 3D scene (None: a map). On a map the run is
    three traces, ghost, trail and head (``meta.role``); in 3D two, the whole
    path (``"path3d"``) and the head (``"head3d"``), since a scene is drawn whole
    and the browser only moves the marker. A 3D path ends where the run left
    the map. `scale` multiplies every width and size (an export drawn for the
    back row of a lecture hall); `axes` names a subplot's axes (``("x2", "y2")``).
    """

    x: np.ndarray
    y: np.ndarray
    f: np.ndarray | None
    diverged_at: int
    color: str
    context: str = "map"
    halo: str = "#ffffff"
    run: int = 0
    name: str = ""
    visible: bool = True
    hover: str | None = None
    axes: tuple[str, str] | None = None
    z: np.ndarray | None = None
    scale: float = 1.0
    legend: bool = True
    mark: str = CROSS
    widen: float = 0.0  # extra trail width (px) where later runs cover this one (`stacking`)

    @property
    def look(self) -> Look:
        return LOOKS[self.context]

    @property
    def n(self) -> int:
        """Points drawn: in 3D up to where the run left the map (point `diverged_at`, the
        border crossing `shown_path` puts there)."""
        d = self.diverged_at
        return min(d + 1, len(self.x)) if self.z is not None and d >= 0 else len(self.x)

    def step(self, t: int) -> Step:
        return at_step(self.n, t, self.diverged_at, self.mark)

    def parts(self, t: int) -> dict[str, slice]:
        """Which of the run's points each of its traces shows at step `t`, by role."""
        step = self.step(t)
        head = slice(step.k, step.k + 1)
        if self.z is not None:
            return {"path3d": slice(0, self.n), "head3d": head}
        return {"ghost": step.ghost, "trail": step.trail, "head": head}

    def markers(self) -> dict[str, dict]:
        """The head's marker for each of its symbols (`DOT`, `CROSS`)."""
        lk, s = self.look, self.scale
        return {m: head_marker(m, self.color, self.halo, lk, s) for m in (DOT, self.mark)}

    def at(self, t: int) -> list[dict]:
        """The run's traces at step `t`: ghost, trail, head (a map) or path, head (3D)."""
        return self._scene(t) if self.z is not None else self._map(t)

    def _part(self, role: str, where: slice, **extra: Any) -> dict:
        """One trace of the run: its points `where`, its role, name and axes, and `extra`."""
        tr: dict[str, Any] = {"x": self.x[where], "y": self.y[where]}
        if self.z is not None:
            tr.update(type="scatter3d", z=self.z[where])
        else:
            tr.update(type="scatter", legendgroup=f"run{self.run}", cliponaxis=True)
            if self.f is not None and role != "head":
                tr["customdata"] = self.f[where]
        if self.axes is not None:
            tr["xaxis"], tr["yaxis"] = self.axes
        meta = {"role": role, "run": self.run, "diverged": self.diverged_at, "mark": self.mark}
        return {**tr, "name": self.name, "visible": self.visible, "meta": meta, **extra}

    def _map(self, t: int) -> list[dict]:
        lk, s, mark, where = self.look, self.scale, self.step(t).mark, self.parts(t)
        on, off = lk.ghost_dash
        few = len(self.x) <= lk.dots_upto
        trail_hover = (
            {"hovertemplate": self.hover} if self.hover is not None else {"hoverinfo": "skip"}
        )
        return [
            self._part(
                "ghost",
                where["ghost"],
                mode="lines",
                line={
                    "color": self.color,
                    "width": lk.ghost_width * s,
                    "dash": f"{on * s:g}px,{off * s:g}px",
                },
                opacity=lk.ghost_opacity,
                hoverinfo="skip",
                showlegend=False,
            ),
            self._part(
                "trail",
                where["trail"],
                mode="lines+markers" if few else "lines",
                line={"color": self.color, "width": (lk.trail_width + self.widen) * s},
                marker={"size": lk.dot_size * s, "color": self.color},
                showlegend=self.legend,
                legendrank=1000 + self.run,  # the runs' order, whatever order they are drawn in
                **trail_hover,
            ),
            self._part(
                "head",
                where["head"],
                mode="markers",
                marker=head_marker(mark, self.color, self.halo, lk, s),
                hoverinfo="skip",
                showlegend=False,
                # a run that leaves the map has its mark on the border: drawn whole
                cliponaxis=self.diverged_at < 0,
            ),
        ]

    def _scene(self, t: int) -> list[dict]:
        lk, s, step, where = self.look, self.scale, self.step(t), self.parts(t)
        path = self._part(
            "path3d",
            where["path3d"],
            mode="lines",
            line={"color": self.color, "width": lk.trail_width * s},
            hoverinfo="skip",
            showlegend=self.legend,
        )
        head = self._part(
            "head3d",
            where["head3d"],
            mode="markers",
            marker=head_marker(step.mark, self.color, self.halo, lk, s),
            showlegend=False,
            hovertemplate="step %{text}<extra></extra>",
            text=[str(step.k)],
        )
        head["meta"]["n"] = int(self.n)
        return [path, head]


def run_traces(
    x: Sequence[float] | np.ndarray,
    y: Sequence[float] | np.ndarray,
    f: np.ndarray | None,
    diverged_at: int,
    t: int,
    color: str,
    context: str = "map",
    halo: str = "#ffffff",
    **options: Any,
) -> list[dict]:
    """How a run looks at step `t`, as Plotly trace dicts (see `Drawing` for `options`).

    >>> [tr["meta"]["role"] for tr in run_traces([0, 1, 2], [0, 1, 1], None, -1, 1, "#f00")]
    ['ghost', 'trail', 'head']
    """
    return Drawing(
        np.asarray(x), np.asarray(y), f, int(diverged_at), color, context, halo, **options
    ).at(t)
