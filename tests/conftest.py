"""Fixtures of the real-browser tests (test_browser*.py), helpers in browser_helpers.py, and
the wheel and its fresh installation (test_serving.py, test_packaging.py).

Playwright is imported only when a browser is asked for, so the other tests
never need it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

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


# --------------------------------------------------------------------------- the package
@pytest.fixture(scope="session")
def wheel(tmp_path_factory) -> Path:
    """The wheel of a clean copy of the checkout: setuptools reuses a ``build/`` folder
    left in the source tree, whose stale files would ship too."""
    src = tmp_path_factory.mktemp("src") / "gradscape"
    shutil.copytree(
        ROOT,
        src,
        ignore=shutil.ignore_patterns(
            "build", "dist", ".git", "*.egg-info", ".*cache*", "node_modules", "test-artifacts"
        ),
    )
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(src)],
        check=True,
    )
    (whl,) = out.glob("gradscape-*.whl")
    return whl


@pytest.fixture(scope="session")
def installed(wheel, tmp_path_factory) -> tuple[Path, Path]:
    """A new virtual environment with the wheel and its dependencies installed by pip, as a
    newcomer installs it (the versions CI pins, where .ci/constraints.txt names them): its
    Python and its folder."""
    venv = tmp_path_factory.mktemp("venv") / "env"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    py = venv / "bin" / "python"
    env = {**os.environ, "PIP_CONSTRAINT": str(ROOT / ".ci" / "constraints.txt")}
    env.pop("PYTHONPATH", None)
    subprocess.run(
        [py, "-m", "pip", "install", "-q", "--disable-pip-version-check", str(wheel)],
        check=True,
        env=env,
    )
    return py, venv
