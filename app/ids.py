"""Every component id in one place (strings, and builders for pattern-matching ids)."""

from __future__ import annotations

URL = "url"
STATE = "state"  # the canonical query string (without the step), written by `edit`
DRAWN = "drawn"  # the query the side panel was drawn for, with the page (see layout.page)
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
# the custom surface's text boxes, drawn only for it ({"type": "formula", "name": ALL})
EXPR = "expr"  # its formula
BOX = "box"  # its box: "xmin, xmax, ymin, ymax"
FORMULA = "formula"
# a data surface's upload: the CSV the browser sends ({"type": "formula", "name": CSV})
CSV = "csv"
CSV_TEXT = "csv-text"  # the text box to paste a CSV into (read by assets/gs/35-data.js)
CSV_UPLOAD = "csv-upload"  # the file drop (read by assets/gs/35-data.js)
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
MODE = "mode"  # the view tabs
TABS = "tabs"  # what holds them (drawn anew, not set: setting them would fire an edit)
VIEW_PARAMS = "view-params"  # the current view's own controls (side panel)
# the view's own controls, drawn only with their view (so matched as {"type": "ctl", "name": ALL})
FOCUS = "focus"  # which run the comparison, start map and inspector are about
LAYOUT = "layout"  # compare mode: small multiples or overlay
METRIC = "metric"  # start map: what the colour shows
INSPECT = "inspect"  # the step inspector's switch
OBJECTIVE = "objective"  # the fair race's objective (a menu of the paths view)
TUNE = "tune-all"  # the fair race's button: every visible run tuned with the same budget
FIGURE = "view-figure"  # the sensitivity curves or the 3D surface
STARTMAP = "startmap"  # the start-point map (drawn by a background callback)
STARTREQ = "startmap-request"  # the query a start map is computed from
PROGRESS = "startmap-progress"
PROGRESS_BOX = "startmap-progress-box"
PROGRESS_TEXT = "startmap-progress-text"  # what the job is doing, or its place in the queue
CANCEL = "startmap-cancel"
RETRY = "startmap-retry"  # shown when a Celery job has gone quiet: starts it again
STARTMAP_INFO = "startmap-info"
LESSON = "lesson"  # the preset's title and text, beside the plot
RULES = "rules"  # each run's update rule, typeset (lesson mode)
EXPORT = "export"  # the download menu (links to /export/<format>?<query>)
EXPORT_SLIDE = "export-slide"  # its 16:9 slide (export.preset=slide): a 1920 × 1080 PNG
EXPORT_SLIDE_GIF = "export-slide-gif"  # the slide as an animated GIF
INSPECTOR = "inspector"  # the inspected run's update rule; the browser fills in the numbers
NUMBERS = "inspector-numbers"  # the inspector's table of numbers, filled by the browser
LESSON_TOGGLE = "lesson-toggle"  # the header's switch out of (or into) lesson mode
DATA = "data-panel"  # a data surface's samples and models, drawn by assets/gs/35-data.js


def for_browser() -> dict[str, str]:
    """Every plain component id by its name here (``{"MAP": "map", …}``), for the browser.

    app/server.py writes it into the page; the scripts in assets/gs/ read ids
    from it (``GS.ids.MAP``) instead of restating them.
    """
    return {k: v for k, v in globals().items() if k.isupper() and isinstance(v, str)}


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


def button(name: str) -> dict:
    """A button of the current view (TUNE): pattern-matched, so a view without it is fine."""
    return {"type": "btn", "name": name}


def ctl(name: str) -> dict:
    """A control of the current view (FOCUS, LAYOUT, METRIC or INSPECT)."""
    return {"type": "ctl", "name": name}


def formula(name: str) -> dict:
    """A text box of the custom surface (EXPR or BOX)."""
    return {"type": "formula", "name": name}
