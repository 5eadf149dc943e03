"""Fixtures of the real-browser tests (test_browser*.py); helpers are in browser_helpers.py.

Playwright is imported only when a browser is asked for, so the other tests
never need it.
"""

from __future__ import annotations

import pytest
from browser_helpers import CHROMIUM, ROOT, Page

from gradscape.app.serving import running


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`gradscape` on a free port, with a start-map cache of its own (so it starts empty)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GRADSCAPE_CACHE_DIR", str(tmp_path_factory.mktemp("gradscape-cache")))
        with running(cwd=ROOT) as url:
            yield url


@pytest.fixture(scope="session")
def dash_app():
    """One app for every in-process test: Dash hands the callbacks registered with
    ``@callback`` to the first app a process builds, so a second `create_app()` in the
    same process would have none."""
    from gradscape.app.server import create_app

    return create_app()


@pytest.fixture(scope="module")
def app(dash_app):
    """The session's app (a process hands Dash's callbacks to the first app it builds)."""
    return dash_app


@pytest.fixture(scope="module")
def client(dash_app):
    """A Flask test client of the session's app."""
    return dash_app.server.test_client()


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM)
        yield b
        b.close()


@pytest.fixture
def page(browser, request):
    p = Page(browser, request.node.name)
    yield p
    p.close()
