"""What the real-browser tests share: a page that records console errors, and readers.

The fixtures that use these (`server`, `browser`, `page`) are in ``conftest.py``.
Test modules skip themselves where no Chromium or Playwright is installed
(see `CHROMIUM`); this module imports neither.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from gradscape.app.state import parse

CHROMIUM = os.environ.get("GRADSCAPE_CHROMIUM", "/usr/bin/chromium")
ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts" / "browser"

MAP_READY = """() => {
  const g = document.querySelector('#map .js-plotly-plot');
  return !!(g && g._fullData && g._fullData.length >= 3 && g.querySelector('.contourlayer path')
    && document.querySelector('svg.gs-overlay .gs-head'));
}"""


class Page:
    """A page plus the console errors it logged."""

    def __init__(self, browser, name: str, size=(1280, 800), bypass_csp: bool = False) -> None:
        self.name = name
        # bypass_csp: only for test tooling injected into the page (axe-core), which the
        # app's Content-Security-Policy (app/edge.py) rightly refuses as an inline script
        self.page = browser.new_page(
            viewport={"width": size[0], "height": size[1]},
            accept_downloads=True,
            bypass_csp=bypass_csp,
        )
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def open(self, url: str) -> None:
        self.page.goto(url)
        self.page.wait_for_function(MAP_READY, timeout=30_000)
        self.page.wait_for_load_state("networkidle")

    def js(self, expr: str, arg=None):
        return self.page.evaluate(expr, arg)

    def state(self):
        """The state the URL bar describes now."""
        return parse(self.query())[0]

    def query(self) -> str:
        # read from the page: Playwright's page.url only follows history.replaceState
        # once its event loop runs
        return self.js("() => location.search.slice(1)")

    def head_step(self, run: int) -> int:
        return int(
            self.js(
                "r => document.querySelector(`svg.gs-overlay .gs-head[data-run='${r}']`)"
                ".getAttribute('data-step')",
                run,
            )
        )

    def path(self, run: int) -> list[list[float]]:
        """Run `run`'s whole path as the page draws it."""
        return self.js(
            "r => { const p = window.gradscape.runs()[r];"
            " return [Array.from(p.x), Array.from(p.y)]; }",
            run,
        )

    def wait_until(self, fn, timeout=15.0, what="condition"):
        deadline = time.time() + timeout
        while time.time() < deadline:
            value = fn()
            if value:
                return value
            time.sleep(0.1)
        self.shot("timeout")
        raise AssertionError(f"timed out waiting for {what}")

    def shot(self, suffix: str = "") -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{self.name}{'-' + suffix if suffix else ''}.png"
        self.page.screenshot(path=str(path))
        return path

    def close(self) -> None:
        self.page.close()

    # ------------------------------------------------------------------ readers
    def graph(self, graph_id: str, expr: str, arg=None):
        """`expr` (a JS function of the Plotly graph div and `arg`) on the graph in #graph_id."""
        return self.js(
            "([id, src, arg]) => { const g = document.querySelector(`#${id} .js-plotly-plot`);"
            " return (0, eval)(src)(g, arg); }",
            [graph_id, expr, arg],
        )

    def has_figure(self, graph_id: str) -> bool:
        return bool(
            self.graph(graph_id, "g => !!(g && g._fullData && g._fullData.length && g._fullLayout)")
        )

    def heads(self) -> list[dict]:
        """Every run's marker on the map: run, step, mark, drawn or not, position in the figure."""
        return self.js(
            """() => Array.from(document.querySelectorAll('svg.gs-overlay .gs-head'), h => {
                 const m = /translate\\(([-\\d.e]+)[ ,]([-\\d.e]+)\\)/.exec(
                   h.getAttribute('transform'));
                 const shown = h.style.display !== 'none' && h.style.visibility !== 'hidden';
                 return {run: +h.dataset.run, step: +h.dataset.step, mark: h.dataset.mark,
                         shown, x: +m[1], y: +m[2]}; })"""
        )

    def run_style(self, run: int) -> dict:
        """How run `run` is drawn on the map, as the browser computes it (CSS included).

        Keys as app/look.py's `Look` (widths in px); `halo` is the head's outline
        colour as "rgb(r, g, b)" (None, with the head sizes, while it shows a cross).
        """
        return self.js(
            """r => { const one = c => document.querySelector(
                   `svg.gs-overlay .${c}[data-run='${r}']`);
                 const ghost = one('gs-ghost'), trail = one('gs-trail');
                 const head = one('gs-head');
                 const cs = el => getComputedStyle(el), px = v => parseFloat(v);
                 const circle = head.querySelector('circle');
                 const cross = head.querySelector('path:last-child');
                 return {
                   trail_width: px(cs(trail).strokeWidth),
                   ghost_width: px(cs(ghost).strokeWidth),
                   ghost_opacity: px(cs(ghost).opacity),
                   ghost_dash: cs(ghost).strokeDasharray.split(/[ ,]+/).map(px),
                   head_size: circle ? 2 * circle.r.baseVal.value : null,
                   head_halo: circle ? px(cs(circle).strokeWidth) : null,
                   halo: circle ? cs(circle).stroke : null,
                   mark_size: cross ? cross.getBBox().width : null,
                   mark_width: cross ? px(cs(cross).strokeWidth) : null,
                 }; }""",
            run,
        )

    def fill(self, selector: str, text: str) -> None:
        """Type `text` into a text box and press Enter, as a person does."""
        box = self.page.locator(selector)
        box.fill(text)
        box.press("Enter")
