"""The Dash server's export route: ``GET /export/<fmt>?<the app's query>&export.…``."""

from __future__ import annotations

import threading

from flask import Flask, Response, request

from .files import export
from .options import FORMATS, ExportError, OptionsError, split_query

__all__ = ["MAX_CONCURRENT", "register"]

#: Exports the server makes at once (the rest wait); a GIF holds its frames in memory.
MAX_CONCURRENT = 2
_busy = threading.BoundedSemaphore(MAX_CONCURRENT)


def register(server: Flask) -> None:
    """Serve ``GET /export/<fmt>?<query>`` (png, svg, gif, html) on the app's Flask server.

    The query is the app's (as in its URL) plus ``export.`` options. Answers
    the file as an attachment named ``gradscape-<surface>.<fmt>``; 400 with the
    reason for a bad option or format, 503 where no browser can render images
    (or too many exports are running), 500 if rendering fails.
    """

    def export_view(fmt: str) -> Response:
        try:
            query, options = split_query(request.query_string.decode("utf-8", "replace"))
            if fmt.lower() not in FORMATS:
                raise OptionsError(
                    f"format {fmt!r} is unknown; choose one of: {', '.join(FORMATS)}."
                )
            if not _busy.acquire(timeout=60):
                return _text("Too many exports at once; try again in a minute.", 503)
            try:
                result = export(query, fmt, **options)
            finally:
                _busy.release()
        except ExportError as e:
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


def _text(message: str, status: int) -> Response:
    return Response(message + "\n", status=status, mimetype="text/plain")
