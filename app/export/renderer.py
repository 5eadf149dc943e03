"""Images from figures: kaleido driving one headless Chromium, kept for the process.

`find_browser` finds a Chrome or Chromium (``BROWSER_PATH`` if set); a
`Renderer` keeps one open and renders any number of figures through it;
`rendering` hands out the process's (started on first use, closed at exit,
dropped after a failure so the next export starts afresh).
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import os
import shutil
import threading
from collections.abc import Sequence
from pathlib import Path

import kaleido
import plotly.graph_objects as go
from choreographer.browsers.chromium import Chromium
from choreographer.errors import ChromeNotFoundError

from .options import BrowserNotFoundError, ExportError

HOW_TO_INSTALL = (
    "Install Chromium (Debian/Ubuntu: `apt-get install chromium`) or Google Chrome, "
    "or set BROWSER_PATH=/path/to/chrome."
)


def find_browser() -> str:
    """The Chrome or Chromium to render with: BROWSER_PATH if set, else the first found.

    Raises `BrowserNotFoundError` saying how to install one.
    """
    env = os.environ.get("BROWSER_PATH")
    if env:
        if Path(env).is_file() and os.access(env, os.X_OK):
            return env
        raise BrowserNotFoundError(
            f"BROWSER_PATH={env!r} is not an executable browser, so PNG, SVG and GIF cannot "
            f"be rendered. {HOW_TO_INSTALL} (HTML needs no browser.)"
        )
    found = Chromium.find_browser(skip_local=False) or shutil.which("chromium")
    if not found:
        raise BrowserNotFoundError(
            "No Chrome or Chromium found, so PNG, SVG and GIF cannot be rendered. "
            f"{HOW_TO_INSTALL} (HTML needs no browser.)"
        )
    return found


class Renderer:
    """One headless Chromium, driven by kaleido, that renders any number of images.

    It runs its own event loop on a thread, so any thread can call it, several
    at once; `tabs` pages render at the same time. Close it when done, or use
    it as a context manager. `write` and `export` use one kept for the process
    unless given another.
    """

    def __init__(self, browser: str | None = None, *, tabs: int = 2, timeout: float = 120):
        self.browser = browser or find_browser()
        self.timeout = timeout
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="gradscape-kaleido", daemon=True
        )
        self._thread.start()
        try:
            self._k = self._call(self._open(tabs), timeout=60)
        except BaseException:
            self._stop()
            raise

    async def _open(self, tabs: int) -> kaleido.Kaleido:
        try:
            k = kaleido.Kaleido(n=tabs, path=self.browser, mathjax=False, timeout=self.timeout)
        except ChromeNotFoundError as e:
            raise BrowserNotFoundError(f"{e} {HOW_TO_INSTALL}") from None
        try:
            await k.open()
        except Exception as e:
            raise ExportError(f"The browser {self.browser} did not start: {e}") from e
        return k

    def _call(self, coro, timeout: float):
        future = asyncio.run_coroutine_threadsafe(coro, self._loop)
        try:
            return future.result(timeout)
        except TimeoutError:
            future.cancel()
            raise ExportError(
                "Rendering took too long; try a smaller size or fewer frames."
            ) from None

    def render(
        self, figs: Sequence[dict | go.Figure], *, fmt: str, scale: float = 1
    ) -> list[bytes]:
        """Each figure as `fmt` (png, svg…) at its layout's width × height times `scale`."""

        def opts(fig: dict | go.Figure) -> dict:
            lay = fig["layout"]
            return {"format": fmt, "width": lay["width"], "height": lay["height"], "scale": scale}

        async def one(fig: dict | go.Figure) -> bytes:
            for wait in (*NOT_READY_WAITS, None):
                try:
                    return await self._k.calc_fig(fig, opts=opts(fig))
                except Exception as e:
                    # a tab whose page has not finished loading (a busy machine): again
                    if wait is None or NOT_READY not in str(e):
                        raise
                    await asyncio.sleep(wait)
            raise AssertionError("unreachable")  # pragma: no cover

        async def each():
            return await asyncio.gather(*(one(f) for f in figs))

        return list(self._call(each(), timeout=self.timeout * max(1, len(figs))))

    def close(self) -> None:
        """Close the browser and stop the thread (again is a no-op)."""
        if self._loop.is_closed():
            return
        with contextlib.suppress(Exception):  # the browser may have gone already
            self._call(self._k.close(), timeout=30)
        self._stop()

    def _stop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    def __enter__(self) -> Renderer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


#: What kaleido says when a figure reaches a tab whose page has not loaded yet (seen on
#: a busy machine right after the browser starts), and the waits before trying again.
NOT_READY = "kaleido_scopes is not defined"
NOT_READY_WAITS = (0.5, 1.0, 2.0)

_shared: Renderer | None = None
_shared_lock = threading.Lock()


def shared() -> Renderer:
    """The process's renderer: started on first use, kept for the next, closed at exit."""
    global _shared
    browser = find_browser()
    with _shared_lock:
        if _shared is not None and _shared.browser != browser:
            _shared.close()
            _shared = None
        if _shared is None:
            _shared = Renderer(browser)
        return _shared


def drop_shared() -> None:
    """Close the process's renderer (at exit, or after a failure: the next use starts afresh)."""
    global _shared
    with _shared_lock:
        if _shared is not None:
            _shared.close()
            _shared = None


atexit.register(drop_shared)


@contextlib.contextmanager
def rendering(renderer: Renderer | None):
    """The given renderer or the process's; a failure in it becomes an `ExportError`
    (and the process's browser is dropped, so the next export starts a fresh one)."""
    try:
        yield renderer or shared()
    except ExportError:
        raise
    except Exception as e:
        if renderer is None:
            drop_shared()
        raise ExportError(f"Rendering failed: {e}") from e
