"""Every component id in one place (strings, and builders for pattern-matching ids)."""

from __future__ import annotations

URL = "url"
STATE = "state"  # the canonical query string (without the step), written by `edit`
LOADED = "loaded"  # the same, as `load` read it from the URL (`edit` starts from it)
FRAME = "frame"  # {"t": step or None, "autoplay": bool}; the browser owns playback
CLICK = "click-start"  # [x, y] written by the browser when the map is clicked
SINK = "sink"  # a store no one reads: the output of browser-side callbacks with side effects
PATHS = "paths"  # every run's whole path, loss and colour: what the browser draws
VIEW = "view-change"  # the map's axis ranges after a zoom, pan or double-click (browser)
SIDEBAR = "sidebar"
NOTICES = "notices"
SURFACE = "surface"
SURFACE_PARAMS = "surface-params"
FORMULA = "formula"
RUNS = "runs"
ADD = "add-run"
START_X = "start-x"
START_Y = "start-y"
SCHEDULE = "schedule"
SCHEDULE_PARAMS = "schedule-params"
CLIP = "clip"
CLIP_PARAMS = "clip-params"
COPY = "copy-link"
THEME = "theme"  # the light/dark switch
ROOT = "root"
MAP = "map"
LEGEND = "legend"  # the runs' names, drawn by the browser from the paths store
LOSS = "loss"
SUMMARY = "summary"
PLAY = "play"
BACK = "step-back"
FORWARD = "step-forward"
RESET = "reset"
TIMELINE = "timeline"
STEP_LABEL = "step-label"
SPEED = "speed"


def pv(key: str, scale: str) -> dict:
    """The text box holding a parameter's exact value (the callbacks' input).

    `scale` tells the browser how the slider maps to the value: "lin", "int",
    "log" (the slider holds log10 of the value) or "logint".
    """
    return {"type": "pv", "key": key, "scale": scale}


def ps(key: str, scale: str) -> dict:
    """The slider for the same parameter."""
    return {"type": "ps", "key": key, "scale": scale}


def optimizer(i: int) -> dict:
    return {"type": "opt", "run": i}


def color(i: int) -> dict:
    return {"type": "color", "run": i}


def action(i: int, what: str) -> dict:
    return {"type": "act", "run": i, "what": what}
