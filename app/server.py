"""Build the Dash app. `create_app()` is what `gradscape` serves and gunicorn imports.

The app keeps no per-user state (the state lives in the browser: the URL and a
store holding the same query string), so any number of workers can serve it.
"""

from __future__ import annotations

import sysconfig
from pathlib import Path

from dash import Dash

from . import export, layout

__all__ = ["assets_path", "create_app"]

TITLE = "Gradscape — optimizer paths on 2D loss surfaces"


def assets_path() -> Path:
    """The top-level assets/ folder: beside the source tree, or where the wheel put it."""
    here = Path(__file__).resolve().parent.parent / "assets"
    if (here / "gradscape.js").is_file():
        return here
    installed = Path(sysconfig.get_paths()["data"]) / "share" / "gradscape" / "assets"
    if (installed / "gradscape.js").is_file():
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
    export.register(app.server)  # GET /export/<fmt>?<query>: the page as a file
    return app
