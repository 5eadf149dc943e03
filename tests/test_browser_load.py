"""What a first load fetches, in Chromium: Plotly's cartesian bundle and KaTeX, not the
full plotly.js or MathJax; the full bundle arrives when the 3D view opens, and every
formula the app shows typesets with KaTeX. (Speed is measured in bench/app.py.)"""

from __future__ import annotations

from pathlib import Path

import pytest
from browser_helpers import CHROMIUM, Page

if not Path(CHROMIUM).is_file():
    pytest.skip(f"no Chromium at {CHROMIUM}", allow_module_level=True)
pytest.importorskip("playwright.sync_api")

from gradscape import surfaces
from gradscape.optimizers import OPTIMIZERS

ROLES = "g => g._fullData.map(t => t.type)"


def _fetches(page: Page) -> list[str]:
    urls: list[str] = []
    page.page.on("request", lambda r: urls.append(r.url))
    return urls


def _kind(url: str) -> str | None:
    name = url.rsplit("/", 1)[-1].split("?")[0]
    if "mathjax" in name:
        return "mathjax"
    if name.startswith("plotly-cartesian"):
        return "cartesian"
    if name.startswith("plotly"):
        return "full"
    if name.startswith("katex"):
        return "katex"
    return None


def test_a_first_load_fetches_the_cartesian_bundle_and_3d_fetches_the_full_one(server, page):
    urls = _fetches(page)
    page.open(f"{server}?t=0")
    formula = page.page.locator("#formula .gs-tex .katex")
    formula.wait_for()
    kinds = [_kind(u) for u in urls]
    assert kinds.count("cartesian") == 1
    assert "full" not in kinds and "mathjax" not in kinds
    assert "katex" in kinds
    assert page.page.locator("#formula .katex-error").count() == 0
    assert "(1 - x)" in formula.locator("annotation").text_content()  # Rosenbrock's TeX
    # the map and the loss chart are drawn by the cartesian bundle
    assert page.graph("map", ROLES)[0] == "contour"
    page.page.locator("#mode label", has_text="3D").click()
    page.wait_until(lambda: page.has_figure("view-figure"), what="the 3D figure")
    page.wait_until(lambda: "surface" in page.graph("view-figure", ROLES), what="a surface")
    assert [_kind(u) for u in urls].count("full") == 1
    assert page.graph("view-figure", "g => !!g.querySelector('.gl-container canvas')")
    page.shot()
    assert page.errors == []


def test_a_graph_keeps_its_listeners_when_3d_moves_it_to_the_full_bundle(server, page):
    page.open(f"{server}?mode=sensitivity&t=0")
    page.wait_until(lambda: page.has_figure("view-figure"), what="the sensitivity figure")
    listeners = "g => Object.keys(g._ev._events).filter(k => k.startsWith('plotly_')).sort()"
    before = page.graph("view-figure", listeners)
    assert "plotly_click" in before
    page.page.locator("#mode label", has_text="3D").click()
    page.wait_until(lambda: "surface" in page.graph("view-figure", ROLES), what="a surface")
    page.page.locator("#mode label", has_text="Sensitivity").click()
    page.wait_until(
        lambda: "surface" not in page.graph("view-figure", ROLES), what="sensitivity again"
    )
    assert set(before) <= set(page.graph("view-figure", listeners))
    page.shot()
    assert page.errors == []


def test_every_formula_the_app_shows_typesets_with_katex(server, page):
    texs = {f"surface {n}": surfaces.get(n).formula for n in surfaces.SURFACES}
    texs |= {f"rule {n}": s.rule_tex for n, s in OPTIMIZERS.items() if s.rule_tex}
    texs |= {
        f"typed {e}": surfaces.from_expression(e).formula
        for e in ("x**2 + 3*sin(y)", "exp(-x**2 - y**2)*cos(x*y)/sqrt(1 + x**2)", "abs(x)**1.5")
    }
    page.open(f"{server}?t=0")
    page.page.locator("#formula .gs-tex .katex").wait_for()
    failed = page.js(
        """texs => Object.entries(texs).flatMap(([k, t]) => {
             try { katex.renderToString(t, {displayMode: true, throwOnError: true}); return []; }
             catch (e) { return [[k, String(e)]]; } })""",
        texs,
    )
    assert failed == []
