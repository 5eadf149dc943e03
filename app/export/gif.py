"""Animated GIFs: a view's frames, one per step shown, in one palette, looping.

Two ways to make the frames, chosen by what the view drew (`Drawn.layered`):

* **layered** (every 2D view: the paths, the compare overlay and grid, whose
  plot areas are pinned to the pixel): the contour, legend and caption are
  rendered once as the background; the runs, the annotations over them and
  the title's step counter are rendered for each frame as panels of a
  transparent sheet (many frames per browser call: each call costs a page
  load), on copies of the figure's axes at the same pixels, and laid over it.
  About 45 ms a frame at 1100 × 800 here.
* **whole** (3D only): every frame is the whole figure at its step, rendered
  by the same browser, about 8× slower a frame (`python bench/export.py`).
  A 3D scene cannot be layered: its surface hides the paths behind its
  hills, so its runs cannot be drawn apart from it.

Both take a frame's runs from the view's `look.Drawing`s at the frame's step
(the same function that drew the still), and share the title's step, the
palette and the encoding.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import Image

from .. import limits, look
from ..figures import THEMES, _typed
from ..state import AppState
from .modes import Drawn
from .options import Options
from .renderer import Renderer
from .slide import retitle

__all__ = ["layered", "whole"]


def _title(layout: dict) -> dict | None:
    """The title annotation of a dressed figure's layout (None if it has none)."""
    return next((a for a in layout.get("annotations", ()) if a.get("name") == "title"), None)


def _runs_at(drawings: Sequence[look.Drawing], t: int) -> list[dict]:
    """Every run's traces at step `t`, in figure order, arrays as typed arrays (compact JSON
    for the browser)."""
    return [
        {k: _typed(v) if isinstance(v, np.ndarray) else v for k, v in tr.items()}
        for d in drawings
        for tr in d.at(t)
    ]


def _slots(data: Sequence[dict]) -> dict[tuple[int, str], int]:
    """Where each run trace (by run and role) stands in a figure's data."""
    out = {}
    for i, tr in enumerate(data):
        meta = tr.get("meta")
        if isinstance(meta, dict) and "role" in meta:
            out[meta["run"], meta["role"]] = i
    return out


# --------------------------------------------------------------------------- whole
def whole(state: AppState, drawn: Drawn, o: Options, r: Renderer) -> bytes:
    """A GIF whose frames are the whole figure, its runs drawn again at each step."""
    d = drawn.figure.to_dict()
    slots = _slots(d["data"])
    head = _title(d["layout"])
    frames = []
    for t in o.steps_shown().tolist():
        data = list(d["data"])
        for tr in _runs_at([*drawn.drawings, *drawn.panel], t):
            i = slots[tr["meta"]["run"], tr["meta"]["role"]]
            data[i] = {**data[i], **tr}
        layout = d["layout"]
        if head is not None:
            layout = {
                **layout,
                "annotations": [
                    {**a, "text": retitle(a["text"], t)} if a is head else a
                    for a in layout["annotations"]
                ],
            }
        frames.append({"data": data, "layout": layout})
    pngs = _render(r, frames)
    images = [Image.open(io.BytesIO(p)).convert("RGB") for p in pngs]
    first = images[0].quantize(256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    paletted = [first] + [im.quantize(palette=first, dither=Image.Dither.NONE) for im in images[1:]]
    return _save(paletted, o)


# --------------------------------------------------------------------------- layered
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
    title = _title(layout)
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


_AXIS = re.compile(r"^([xy])axis(\d*)$")
_REF = re.compile(r"^([xy])(\d*)( domain)?$")


def _axes(layout: dict) -> dict[str, dict]:
    """A figure's cartesian axes by their short name (``"x"``, ``"y2"``…)."""
    return {m[1] + m[2]: ax for key, ax in layout.items() if (m := _AXIS.match(key))}


def _moved(ref: str | None, offset: int) -> str | None:
    """An axis reference (``"x2"``, ``"y domain"``) to the same axis `offset` places on."""
    m = _REF.match(ref or "")
    if m is None:
        return ref
    n = int(m[2] or 1) + offset
    return f"{m[1]}{n if n > 1 else ''}{m[3] or ''}"


def _on_axes(annotation: dict) -> bool:
    """An annotation placed on a subplot (a panel's title), not on the paper."""
    return _REF.match(annotation.get("xref", "paper")) is not None


def _sheets(
    layout: dict, drawings: Sequence[look.Drawing], ts: np.ndarray, p: _Panel
) -> list[tuple[dict, list[tuple[int, int]]]]:
    """Figures of transparent panels, one panel per step in `ts`, with each panel's corner.

    Each panel carries a copy of every axis of the figure at the same pixels
    (its runs drawn on them), the annotations placed on those axes (which lie
    over the runs) and the title. A sheet holds up to 16 panels (about 12
    megapixels at most): each browser call reloads its page, so few large calls
    beat many small ones.
    """
    title = _title(layout)
    axes = _axes(layout)
    m = sum(name[0] == "x" for name in axes)  # axis pairs a panel takes
    on_axes = [a for a in layout.get("annotations", ()) if _on_axes(a)]
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
            px, py = cx + p.plot_x, cy + p.plot_y
            for name, ax in axes.items():
                d0, d1 = ax.get("domain") or (0, 1)
                if name[0] == "x":
                    domain = [(px + d0 * p.pw) / fw, (px + d1 * p.pw) / fw]
                else:
                    domain = [1 - (py + (1 - d0) * p.ph) / fh, 1 - (py + (1 - d1) * p.ph) / fh]
                other = ("y" if name[0] == "x" else "x") + name[1:]
                copy = {
                    "visible": False,
                    "fixedrange": True,
                    "domain": domain,
                    "range": ax.get("range"),  # none: an empty cell of a grid
                    "anchor": _moved(ax.get("anchor") or other, j * m),
                }
                for key in ("scaleratio", "constrain", "constraintoward"):
                    if ax.get(key) is not None:
                        copy[key] = ax[key]
                if ax.get("scaleanchor"):
                    copy["scaleanchor"] = _moved(ax["scaleanchor"], j * m)
                key = _moved(name, j * m)
                sheet[f"{key[0]}axis{key[1:]}"] = copy
            for tr in _runs_at(drawings, int(t)):
                xa, ya = (_moved(tr.get(k) or k[0], j * m) for k in ("xaxis", "yaxis"))
                data.append({**tr, "xaxis": xa, "yaxis": ya, "showlegend": False})
            sheet["annotations"] += [
                {**a, "xref": _moved(a["xref"], j * m), "yref": _moved(a["yref"], j * m)}
                for a in on_axes
            ]
            if title is not None:
                sheet["annotations"].append(
                    {
                        **title,
                        "text": retitle(title["text"], int(t)),
                        "x": (cx + p.title_x) / fw,
                        "y": 1 - (cy + p.title_y) / fh,
                    }
                )
        out.append(({"data": data, "layout": sheet}, corners))
    return out


def layered(state: AppState, drawn: Drawn, o: Options, r: Renderer) -> bytes:
    """The frames (a background once, a panel per frame laid over it) as one looping GIF."""
    ts = o.steps_shown()
    d = drawn.figure.to_dict()
    layout = d["layout"]
    runs = set(_slots(d["data"]).values())
    background = {
        "data": [
            {**tr, "x": [None], "y": [None], "customdata": None} if i in runs else tr
            for i, tr in enumerate(d["data"])
        ],  # the runs stay as legend entries only
        "layout": {
            **layout,
            "annotations": [
                a
                for a in layout.get("annotations", ())
                if a.get("name") != "title" and not _on_axes(a)
            ],  # the title and the annotations over the runs are drawn with the runs
        },
    }
    p = _panel(layout)
    sheets = _sheets(layout, [*drawn.drawings, *drawn.panel], ts, p)
    pngs = _render(r, [background] + [s for s, _ in sheets])
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
        limits.checkpoint()
        indexed[p.y0 : p.y0 + p.h, p.x0 : p.x0 + p.w] = to_index(panel)
        im = Image.frombytes("P", bg.size, indexed.tobytes())
        im.putpalette(flat)
        images.append(im)
    return _save(images, o, disposal=1)


def _render(r: Renderer, figs: Sequence[dict]) -> list[bytes]:
    """PNGs of `figs`, a few per browser call, stopping between calls where the export's
    limits say so (`limits.checkpoint`: its wall-clock limit, its client gone)."""
    out: list[bytes] = []
    for start in range(0, len(figs), limits.RENDER_CHUNK):
        limits.checkpoint()
        out += r.render(figs[start : start + limits.RENDER_CHUNK], fmt="png")
    return out


def _save(images: Sequence[Image.Image], o: Options, **extra: Any) -> bytes:
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
