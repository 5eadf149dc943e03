"""The Dash server's export route: ``GET /export/<fmt>?<the app's query>&export.…``."""

from __future__ import annotations

import logging
import threading

from flask import Flask, Response, request

from .. import limits
from .files import export
from .options import FORMATS, ExportError, Options, OptionsError, resolve, split_query

__all__ = ["MAX_CONCURRENT", "register"]
log = logging.getLogger("gradscape")

#: Exports the server makes at once (the rest wait); a GIF holds its frames in memory.
MAX_CONCURRENT = 2
#: Seconds an export waits for one of the `MAX_CONCURRENT` places before a 503.
WAIT = 60
_busy = threading.BoundedSemaphore(MAX_CONCURRENT)


def register(server: Flask) -> None:
    """Serve ``GET /export/<fmt>?<query>`` (png, svg, gif, html) on the app's Flask server.

    The query is the app's (as in its URL) plus ``export.`` options. Answers
    the file as an attachment named ``gradscape-<surface>.<fmt>``; 400 with the
    reason for a bad option or format; 422 at once, before any work, for an
    export whose estimated cost is over the budget (`limits.check_export`:
    the message names the limit and a smaller setting that fits); 503 where no
    browser can render images, too many exports are running, or the export
    ran past its hard wall-clock limit (`limits.export_seconds`). The work
    stops at that limit, and as soon as the client goes away (where the WSGI
    server can tell: waitress, gunicorn's sync and gthread workers, Werkzeug's).
    A failure's details go to the server's log, not to the answer.
    """

    def export_view(fmt: str) -> Response:
        try:
            query, options = split_query(request.query_string.decode("utf-8", "replace"))
            if fmt.lower() not in FORMATS:
                raise OptionsError(
                    f"format {fmt!r} is unknown; choose one of: {', '.join(FORMATS)}."
                )
            state, _ = limits.bound_work(resolve(query)[0])  # a typed formula's steps
            limits.check_export(state.mode, Options.check(fmt.lower(), state.steps, **options))
            if not _busy.acquire(timeout=WAIT):
                return _text("Too many exports at once; try again in a minute.", 503)
            try:
                with limits.bounded(gone=limits.client_gone(request.environ)):
                    result = export(state, fmt, **options)
            finally:
                _busy.release()
        except limits.ClientGoneError:
            log.warning("export %s stopped: the client went away", fmt)
            return _text("The client went away.", 499)
        except limits.ExportTimeoutError as e:
            log.warning("export %s stopped at its time limit: %s", fmt, request.query_string[:200])
            return _text(str(e), e.status)
        except ExportError as e:
            if e.status >= 500:
                log.error("export %s failed: %s", fmt, e, exc_info=e)
                return _text(_plain(e), e.status)
            return _text(str(e), e.status)
        return Response(
            result.data,
            mimetype=result.media_type.split(";")[0],
            headers={
                "Content-Disposition": f'attachment; filename="{result.filename}"',
                "Cache-Control": "no-store",
            },
        )

    server.add_url_rule("/export/<fmt>", "gradscape_export", export_view, methods=["GET"])


def _plain(e: ExportError) -> str:
    """A server-side failure's message for the person: ours as written, never a traceback.

    Messages the export code writes for people (no browser, took too long)
    are kept; a wrapped exception's text ("Rendering failed: …") is not.
    """
    text = str(e)
    if text.startswith("Rendering failed"):
        return "The image could not be rendered; the details are in the server's log."
    if text.startswith("The browser") and "did not start" in text:
        return "The browser that renders images did not start; the details are in the server's log."
    return text


def _text(message: str, status: int) -> Response:
    return Response(message + "\n", status=status, mimetype="text/plain")
