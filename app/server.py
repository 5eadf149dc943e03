"""Build the Dash app. `create_app()` is what `gradscape` serves and gunicorn imports.

The app keeps no per-user state (the state lives in the browser: the URL and a
store holding the same query string), so any number of workers can serve it.
"""

from __future__ import annotations

import json
import sysconfig
from pathlib import Path

from dash import Dash

from . import export, ids, layout

__all__ = ["assets_path", "create_app"]

TITLE = "Gradscape — optimizer paths on 2D loss surfaces"


#: A file every complete assets/ folder has (the browser code's first module).
ASSETS_MARKER = Path("gs") / "00-core.js"


def assets_path() -> Path:
    """The top-level assets/ folder: beside the source tree, or where the wheel put it."""
    here = Path(__file__).resolve().parent.parent / "assets"
    if (here / ASSETS_MARKER).is_file():
        return here
    installed = Path(sysconfig.get_paths()["data"]) / "share" / "gradscape" / "assets"
    if (installed / ASSETS_MARKER).is_file():
        return installed
    raise FileNotFoundError(f"Gradscape's assets are missing: looked in {here} and {installed}")


def create_app() -> Dash:
    """A new Dash app with Gradscape's layout and callbacks."""
    from . import callbacks  # noqa: F401  (registers the callbacks)
    from .background import make_manager

    app = Dash(
        __name__,
        assets_folder=str(assets_path()),
        title=TITLE,
        update_title=None,
        serve_locally=True,
        compress=False,
        suppress_callback_exceptions=True,
        background_callback_manager=make_manager(),
    )
    app.layout = layout.page
    app.index_string = with_browser_ids(app.index_string)
    export.register(app.server)  # GET /export/<fmt>?<query>: the page as a file
    return app


# --------------------------------------------------------------------------- ids for the browser
def with_browser_ids(index_string: str) -> str:
    """The page template with app/ids.py's component ids as JSON, read by assets/gs/00-core.js.

    Inline in the page (no extra request), before the scripts that read it, and
    as data (``type="application/json"``), not code.
    """
    data = json.dumps(ids.for_browser(), sort_keys=True).replace("</", "<\\/")
    tag = f'<script id="gs-ids" type="application/json">{data}</script>'
    return index_string.replace("{%scripts%}", tag + "{%scripts%}", 1)
