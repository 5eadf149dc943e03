"""What an export may ask for: formats, limits, the ``export.`` query keys, and the errors.

`Options.check` turns raw values (from `write`, the command line or a
request's ``export.`` keys, see `split_query`) into checked options, or raises
`OptionsError` naming the bad value and what to use instead. Limits keep a
request bounded: `MAX_SIZE` pixels a side, `MAX_FRAMES` frames,
`MAX_GIF_PIXELS` in all, fps 1 … 50. A named `PRESETS` size (``export.preset=slide``)
sets the width, height and scale it names unless they are given too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import numpy as np

from ..figures import THEMES
from ..state import AppState, parse

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
#: Export options in a request's query: ``export.width=800`` and so on.
PREFIX = "export."
NAMES = ("width", "height", "scale", "fps", "frames", "first", "last", "hold", "preset")
#: Named sizes. "slide": a 16:9 slide at a projector's 1920 × 1080, one pixel per pixel
#: (a PNG of exactly 1920 × 1080; its fonts and caption are sized for the room by the
#: slide layout, which reads `Options.preset`).
PRESETS: dict[str, dict[str, float]] = {
    "slide": {"width": 1920, "height": 1080, "scale": 1},
}


class ExportError(Exception):
    """An export that cannot be made; the message says why and what to do."""

    status = 500


class OptionsError(ExportError, ValueError):
    """Export options out of range or of the wrong kind (HTTP 400)."""

    status = 400


class BrowserNotFoundError(ExportError):
    """No Chromium or Chrome to render images with (HTTP 503)."""

    status = 503


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


def at(state: AppState, t: int | None, theme: str | None) -> AppState:
    """`state` at step `t` (clamped) in `theme`, where given."""
    if theme is not None:
        if theme not in THEMES:
            raise OptionsError(f"theme={theme!r} is unknown; choose one of: {', '.join(THEMES)}.")
        state = replace(state, theme=theme)
    if t is not None:
        state = replace(state, t=min(max(int(t), 0), state.steps))
    return state


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
    preset: str | None = None

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
        preset: Any = None,
    ) -> Options:
        """Options for `fmt` of a state with `steps` steps; None means the default (or the
        `preset`'s value, where one is named)."""
        fmt = str(fmt).lower().lstrip(".")
        if fmt not in FORMATS:
            raise OptionsError(f"format {fmt!r} is unknown; choose one of: {', '.join(FORMATS)}.")
        if preset is not None:
            preset = str(preset).lower()
            if preset not in PRESETS:
                raise OptionsError(
                    f"preset={preset[:40]!r} is unknown; choose one of: {', '.join(PRESETS)}."
                )
            named = PRESETS[preset]
            if width is None and height is None:
                width, height = named["width"], named["height"]
            if scale is None and fmt in ("png", "svg"):
                scale = named["scale"]
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
        return cls(fmt, w, h, s, rate, n, a, b, held, tuple(notices), preset=preset)

    def steps_shown(self) -> np.ndarray:
        """The step of each frame (GIF) or slider position (HTML): spread over first … last."""
        return np.rint(np.linspace(self.first, self.last, self.frames)).astype(int)

    def durations(self) -> list[int]:
        """Each GIF frame's duration in ms (GIF counts hundredths); the last held longer."""
        d = max(20, round(100 / self.fps) * 10)
        return [d] * (self.frames - 1) + [d + round(self.hold * 100) * 10]


def split_query(query: str) -> tuple[str, dict[str, str]]:
    """A request's query as the app's query and the export options (``export.`` keys).

    Raises `OptionsError` for an unknown ``export.`` key.
    """
    app_pairs, options = [], {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        if key.startswith(PREFIX):
            name = key[len(PREFIX) :]
            if name not in NAMES:
                raise OptionsError(
                    f"{key} is not an export option; use {', '.join(PREFIX + o for o in NAMES)}."
                )
            options[name] = value
        else:
            app_pairs.append((key, value))
    return urlencode(app_pairs), options
