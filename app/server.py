"""Build the Dash app. `create_app()` is what `gradscape` serves and gunicorn imports.

The app keeps no per-user state (the state lives in the browser: the URL and a
store holding the same query string), so any number of workers can serve it.

Serving (what a first load moves, and what a repeat load does not):
- Responses are compressed by flask-compress (brotli, else gzip): the page, the
  scripts and the callbacks' JSON. Scripts that never change under their URL are
  compressed once per encoding and kept (`_StaticCache`).
- Plotly: Dash would fetch plotly.js's full bundle (4.8 MB). The page instead
  loads the cartesian bundle vendored in assets/vendor/ (1.5 MB; every 2D trace
  Gradscape draws), and the full bundle only when a 3D figure is drawn
  (assets/_gs-loader.js).
- Formulas are typeset with KaTeX (assets/vendor/katex-*), fetched with the first
  formula (app/tex.py), instead of MathJax.
- Caching: Dash's component bundles carry a fingerprint in their URLs and a
  one-year max-age. Assets get the same: Dash adds ``?m=<mtime>`` to the ones it
  includes, and assets/vendor/ holds files whose names carry their version, so a
  changed file always has a new URL (`_cache_headers`).
"""

from __future__ import annotations

import json
import sysconfig
from pathlib import Path

import flask
import plotly
from dash import Dash
from dash.fingerprint import build_fingerprint
from flask_compress import Compress

from . import edge, export, fastlane, ids, layout

__all__ = ["assets_path", "create_app"]

TITLE = "Gradscape — optimizer paths on 2D loss surfaces"

#: plotly.js as vendored in assets/vendor/; the same version as the full bundle
#: that plotly.py ships (tests/test_serving.py checks it).
PLOTLY_JS_VERSION = "4.1.1"
KATEX_VERSION = "0.19.1"
VENDOR = {
    "plotlyCartesian": f"vendor/plotly-cartesian-{PLOTLY_JS_VERSION}.min.js",
    "katex": f"vendor/katex-{KATEX_VERSION}/katex.min.js",
    "katexCss": f"vendor/katex-{KATEX_VERSION}/katex.min.css",
}
YEAR = 31_536_000  # seconds


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
        assets_path_ignore=["vendor"],  # loaded on demand by assets/_gs-loader.js
        title=TITLE,
        update_title=None,
        serve_locally=True,
        compress=False,  # `_serve` sets up flask-compress with brotli and a cache
        suppress_callback_exceptions=True,
        background_callback_manager=make_manager(),
    )
    app.layout = layout.page
    app.index_string = with_browser_ids(app.index_string)
    export.register(app.server)  # GET /export/<fmt>?<query>: the page as a file
    fastlane.register(app.server)  # POST /api/edit: a run's slider step, drawn at once
    _serve(app)
    edge.install(app)  # every callback request checked before Dash reads it (app/edge.py)
    # ---- the page's <head>: where the loader finds the vendored bundles (app/server.py)
    app.index_string = app.index_string.replace("{%css%}", "{%css%}\n" + _index_head(app), 1)
    # ---- end of the <head> additions
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


# --------------------------------------------------------------------------- serving
def asset_urls(app: Dash) -> dict[str, str]:
    """The URLs assets/_gs-loader.js fetches: vendored files, and plotly.py's full bundle
    under Dash's fingerprinted component URL (so it is cached for a year too)."""
    urls = {key: app.get_asset_url(path) for key, path in VENDOR.items()}
    full = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    name = build_fingerprint(
        "package_data/plotly.min.js", plotly.__version__, int(full.stat().st_mtime)
    )
    urls["plotlyFull"] = app.get_relative_path(f"/_dash-component-suites/plotly/{name}")
    return urls


#: dcc's chunks every first load fetches, late (once the layout has arrived): preloaded.
DCC_CHUNKS = ("async-graph.js", "async-dropdown.js", "async-slider.js")


def _index_head(app: Dash) -> str:
    urls = asset_urls(app)
    chunks = [app.get_relative_path(f"/_dash-component-suites/dash/dcc/{c}") for c in DCC_CHUNKS]
    preload = [urls["plotlyCartesian"], *chunks]
    return "\n".join(
        [f'<link rel="preload" as="script" href="{u}">' for u in preload]
        + [f"<script>window.gsAssets = {json.dumps(urls)};</script>"]
    )


class _StaticCache:
    """flask-compress's cache backend: keeps the compressed bytes of immutable URLs only."""

    def __init__(self) -> None:
        self._data: dict[str, bytes] = {}

    def get(self, key: str) -> bytes | None:
        return self._data.get(key)

    def set(self, key: str, value: bytes) -> None:
        if key.split(";", 1)[1] != "":
            self._data[key] = value


def _immutable(request: flask.Request) -> bool:
    """A URL whose content never changes: fingerprinted bundles, assets with ``?m=``,
    versioned vendor files."""
    path = request.path
    if "/_dash-component-suites/" in path:
        return ".v" in path.rsplit("/", 1)[-1]
    if "/assets/" in path:
        return "m" in request.args or "/assets/vendor/" in path
    return False


def _cache_key(request: flask.Request) -> str:
    return request.full_path if request.method == "GET" and _immutable(request) else ""


def _serve(app: Dash) -> None:
    server = app.server
    server.config.update(
        COMPRESS_ALGORITHM=["br", "gzip"],
        COMPRESS_ALGORITHM_STREAMING=["br", "deflate"],
        COMPRESS_CACHE_BACKEND=_StaticCache,
        COMPRESS_CACHE_KEY=_cache_key,
    )
    Compress(server)

    @server.after_request
    def _cache_headers(response: flask.Response) -> flask.Response:
        ok = flask.request.method == "GET" and response.status_code == 200
        if ok and _immutable(flask.request):
            # read (and close) a file now: on a cache hit flask-compress drops it unread
            response.direct_passthrough = False
            response.get_data()
            response.close()
            response.cache_control.public = True
            response.cache_control.max_age = YEAR
            response.cache_control.immutable = True
            response.cache_control.no_cache = None
        return response
