"""The Gradscape web app (Dash): layout, callbacks, figure builders, URL state.

``gradscape.app.server`` is the WSGI application (``gunicorn gradscape.app:server``)
and ``gradscape.app.dash_app`` the Dash app; both are built on first access, so importing
``app.state`` or ``app.figures`` (from a notebook, or tests) starts no server.
"""

from __future__ import annotations

if not __name__.startswith("gradscape."):  # a checkout's bare name: one module
    from gradscape._checkout import become

    become(__name__)

from typing import Any

__all__ = ["dash_app", "server"]

_built: dict[str, Any] = {}


def __getattr__(name: str) -> Any:
    if name in ("dash_app", "server"):
        if "dash_app" not in _built:
            from .server import create_app

            _built["dash_app"] = create_app()
        d = _built["dash_app"]
        return d if name == "dash_app" else d.server
    raise AttributeError(f"module 'app' has no attribute {name!r}")
