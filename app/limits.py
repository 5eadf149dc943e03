"""Bounds on the work one request may cause: exports, and the paths of a crafted link.

Exports
-------
`export_cost` estimates, before any work, how many seconds an export takes
on the reference machine (2 cores; `python bench/probe_exports.py` measures
the real times beside the estimates). `check_export` refuses one whose
estimate is over `export_budget()` at once (HTTP 422), naming the limit and a
smaller setting that fits (fewer frames, else a smaller size).

An export that starts runs under `bounded`: a hard wall-clock limit
(`export_seconds()`) and, where the server can tell (waitress, gunicorn's
sync and gthread workers, Werkzeug), the client's presence (`client_gone`).
The work calls `checkpoint()` between its pieces (each browser call, each
frame put together); past the deadline it raises `ExportTimeoutError`, and once
the client has gone `ClientGoneError`, so the work stops there and its memory is
freed. A single browser call is not interrupted: the pieces are kept small
(`RENDER_CHUNK` figures a call).

Environment: ``GRADSCAPE_EXPORT_BUDGET`` (estimated seconds, default 120),
``GRADSCAPE_EXPORT_SECONDS`` (hard limit, default 180).
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import math
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from .export.options import MIN_SIZE, ExportError

__all__ = [
    "RENDER_CHUNK",
    "ClientGoneError",
    "ExportTimeoutError",
    "OverBudgetError",
    "bounded",
    "check_export",
    "checkpoint",
    "export_budget",
    "export_cost",
    "export_seconds",
]
log = logging.getLogger("gradscape")

#: Figures handed to the browser in one call: the most work a deadline cannot interrupt.
RENDER_CHUNK = 2

#: Seconds on the reference machine (measured by bench/probe_exports.py, rounded up):
#: a fixed part per export, and a part per frame of 1100 × 800 layout pixels.
FIXED = {"png": 4.0, "svg": 4.0, "html": 2.0, "gif": 6.0}
FIXED_3D = 12.0  # a 3D figure: plotly's full bundle and a WebGL scene
PER_FRAME = {"layered": 0.12, "whole": 6.0, "html": 0.02}
REFERENCE_PIXELS = 1100 * 800


def _env_seconds(name: str, default: float) -> float:
    try:
        value = float(os.environ.get(name) or default)
    except ValueError:
        return default
    return value if math.isfinite(value) and value > 0 else default


def export_budget() -> float:
    """The most estimated seconds an export may cost (``GRADSCAPE_EXPORT_BUDGET``)."""
    return _env_seconds("GRADSCAPE_EXPORT_BUDGET", 120.0)


def export_seconds() -> float:
    """The hard wall-clock limit of one export (``GRADSCAPE_EXPORT_SECONDS``)."""
    return _env_seconds("GRADSCAPE_EXPORT_SECONDS", 180.0)


class OverBudgetError(ExportError):
    """An export whose estimated cost is over the budget: refused before any work (422)."""

    status = 422


class ExportTimeoutError(ExportError):
    """An export stopped at its hard wall-clock limit (503: the server gave up on it)."""

    status = 503


class ClientGoneError(ExportError):
    """The client that asked for an export has gone: its work stopped (no one reads an answer)."""

    status = 499


def export_cost(mode: str, fmt: str, width: int, height: int, frames: int) -> float:
    """Estimated seconds to make an export of a view `mode` (see the module's docstring)."""
    three_d = mode == "3d"
    fixed = FIXED.get(fmt, 4.0) + (FIXED_3D if three_d and fmt != "html" else 0.0)
    size = width * height / REFERENCE_PIXELS
    if fmt == "gif":
        return fixed + frames * size * PER_FRAME["whole" if three_d else "layered"]
    if fmt == "html":
        return fixed + frames * PER_FRAME["html"]
    return fixed


def check_export(mode: str, opts: Any) -> float:
    """The estimated cost of `opts` (an `export.options.Options`); `OverBudgetError` if too much.

    The message names the limit and a setting that fits: the most frames that
    fit at this size, or (when even the fewest frames do not) a size that does.
    """
    budget = export_budget()
    cost = export_cost(mode, opts.fmt, opts.width, opts.height, opts.frames)
    if cost <= budget:
        return cost
    what = f"{'a 3D ' if mode == '3d' else 'an '}{opts.fmt.upper()}" if opts.fmt else "it"
    head = (
        f"This export ({what}, {opts.frames} frames of {opts.width}×{opts.height}) would take "
        f"about {_duration(cost)} to make; the limit is {_duration(budget)}."
    )
    if opts.fmt == "gif":
        fits = _frames_that_fit(mode, opts, budget)
        if fits >= 2:
            raise OverBudgetError(f"{head} Use export.frames={fits} (or a smaller size).")
        w, h = _size_that_fits(mode, opts, budget)
        if w:
            raise OverBudgetError(f"{head} Use export.frames=2&export.width={w}&export.height={h}.")
    raise OverBudgetError(f"{head} Use a smaller size or the HTML export.")


def _frames_that_fit(mode: str, opts: Any, budget: float) -> int:
    lo, hi = 1, opts.frames
    while lo < hi:  # the most frames whose cost fits
        mid = (lo + hi + 1) // 2
        if export_cost(mode, opts.fmt, opts.width, opts.height, mid) <= budget:
            lo = mid
        else:
            hi = mid - 1
    return lo if export_cost(mode, opts.fmt, opts.width, opts.height, lo) <= budget else 0


def _size_that_fits(mode: str, opts: Any, budget: float) -> tuple[int, int]:
    k = 1.0
    while k > 0.05:
        k *= 0.9
        w, h = max(MIN_SIZE, int(opts.width * k)), max(MIN_SIZE, int(opts.height * k))
        if export_cost(mode, opts.fmt, w, h, 2) <= budget:
            return w, h
    return 0, 0


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 600 else f"{seconds / 60:.0f} minutes"


# --------------------------------------------------------------------------- running bounded
@dataclass
class _Bounds:
    deadline: float
    seconds: float
    gone: Callable[[], bool] | None
    next_look: float = 0.0


_bounds: contextvars.ContextVar[_Bounds | None] = contextvars.ContextVar("gs_bounds", default=None)


@contextlib.contextmanager
def bounded(seconds: float | None = None, gone: Callable[[], bool] | None = None) -> Iterator[None]:
    """Run the block under a wall-clock limit of `seconds` (default `export_seconds()`),
    and stop it once `gone()` says the client has left (see `checkpoint`)."""
    seconds = export_seconds() if seconds is None else seconds
    token = _bounds.set(_Bounds(time.monotonic() + seconds, seconds, gone))
    try:
        yield
    finally:
        _bounds.reset(token)


def checkpoint() -> None:
    """Raise `ExportTimeoutError` past the deadline, `ClientGoneError` once the client has left.

    Outside `bounded` it does nothing. The client is looked for at most four
    times a second.
    """
    b = _bounds.get()
    if b is None:
        return
    now = time.monotonic()
    if now > b.deadline:
        raise ExportTimeoutError(
            f"The export took longer than its limit of {b.seconds:.0f} s and was stopped; "
            "try fewer frames or a smaller size."
        )
    if b.gone is not None and now >= b.next_look:
        b.next_look = now + 0.25
        if b.gone():
            raise ClientGoneError("The client went away; the export was stopped.")


def client_gone(environ: dict) -> Callable[[], bool] | None:
    """A function that says whether the request's client has gone, where the server can tell.

    Waitress says it (``waitress.client_disconnected``): `gradscape`'s waitress
    (`waitress_server`) peeks the request's socket for it. Under gunicorn's sync and
    gthread workers (``gunicorn.socket``) and Werkzeug's server (``werkzeug.socket``) the
    socket is peeked here: readable with nothing to read means the client closed it (a
    reset too).
    Elsewhere None: the wall-clock limit still holds.
    """
    waitress = environ.get("waitress.client_disconnected")
    if callable(waitress):
        return waitress
    sock = environ.get("gunicorn.socket") or environ.get("werkzeug.socket")
    if sock is None or not hasattr(sock, "fileno"):
        return None
    return lambda: _socket_closed(sock)


def _socket_closed(sock: Any) -> bool:
    """Whether the peer closed `sock`: readable, and a peek finds the end (or an error)."""
    import select
    import socket

    try:
        readable, _, _ = select.select([sock], [], [], 0)
        if not readable:
            return False
        return sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
    except (BlockingIOError, InterruptedError):
        return False
    except (OSError, ValueError):  # reset, or closed under us
        return True


def waitress_server(wsgi: Any, **adjustments: Any) -> Any:
    """A waitress server for `wsgi` whose requests can tell when their client has gone.

    Waitress itself notices a closed connection only by reading on while a request runs
    (``channel_request_lookahead`` > 0), which `gradscape` turns off (app/cli.py). Here
    each connection's ``waitress.client_disconnected`` also peeks its socket, as
    `client_gone` does under gunicorn, so an abandoned export stops within a quarter
    second of its check (`check`) rather than at its wall-clock limit.
    """
    from waitress.channel import HTTPChannel
    from waitress.server import BaseWSGIServer, create_server

    class Channel(HTTPChannel):
        def check_client_disconnected(self) -> bool:
            # While a request runs waitress does not read this socket (no read-ahead),
            # so peeking it from the request's thread takes nothing from waitress.
            return not self.connected or _socket_closed(self.socket)

    listeners: dict = {}
    server = create_server(wsgi, map=listeners, **adjustments)
    for listener in list(listeners.values()):  # one per address it listens on
        if isinstance(listener, BaseWSGIServer):
            listener.channel_class = Channel
    return server


# --------------------------------------------------------------------------- crafted links
#: Run-steps one request may compute on a typed formula: runs × steps × `formula_factor`.
#: About a second here for a short formula (8 runs × 2 500 steps); registered surfaces,
#: compiled by hand, are bounded by the field table's ranges alone (8 × 5 000: under 1 s).
FORMULA_WORK = 20_000
#: A contour grid is aliased when more than this fraction of its neighbouring slopes
#: change sign (a smooth surface sampled finely enough: a few percent; rastrigin: ~5 %).
ALIASED = 0.25


def formula_factor(expr: str) -> float:
    """How much dearer a step is on formula `expr` than on a short one (its length / 30)."""
    return max(1.0, len(expr) / 30)


def bound_work(state: Any) -> tuple[Any, str | None]:
    """`state` with its steps cut to what one request may compute on a typed formula,
    and a notice saying so (None when nothing was cut)."""
    from dataclasses import replace

    from .state import CUSTOM, STEPS

    if state.surface != CUSTOM or not state.runs:
        return state, None
    n = len(state.runs)
    allowed = int(FORMULA_WORK / (n * formula_factor(state.expr)))
    if state.steps <= allowed:
        return state, None
    steps = max(int(STEPS.min), allowed)
    t = None if state.t is None else min(state.t, steps)
    runs = "run" if n == 1 else "runs"
    return replace(state, steps=steps, t=t), (
        f"steps: {state.steps:,} steps of {n} {runs} on a typed formula is more than one "
        f"request may compute; showing {steps:,} steps (fewer runs allow more)."
    )


def aliasing(z: Any) -> float:
    """The fraction of neighbouring slopes on grid `z` that change sign (rows and columns,
    the larger): near 0 for a smooth surface, near ½ for one the grid cannot resolve."""
    import numpy as np

    z = np.asarray(z, dtype=float)
    worst = 0.0
    for axis in (0, 1):
        s = np.sign(np.diff(z, axis=axis))
        a = s.take(range(1, s.shape[axis]), axis=axis)
        b = s.take(range(0, s.shape[axis] - 1), axis=axis)
        ok = np.isfinite(a) & np.isfinite(b)
        if ok.sum():
            worst = max(worst, float(((a * b) < 0)[ok].mean()))
    return worst


def contour_notice(state: Any) -> str | None:
    """A notice when the state's surface changes faster than the map's grid can show
    (`figures.contour_trace` then draws it as a heatmap, without contour lines)."""
    import numpy as np

    from .figures import GRID

    try:
        x = np.linspace(state.view[0], state.view[1], GRID)
        y = np.linspace(state.view[2], state.view[3], GRID)
        with np.errstate(all="ignore"):
            z = state.build_surface().value(x[None, :], y[:, None])
    except Exception:  # the map reports its own trouble
        return None
    if aliasing(z) <= ALIASED:
        return None
    return (
        "This surface changes faster than the map's grid can show: it is drawn as a heatmap, "
        "without contour lines. Zoom in to see its detail."
    )
