"""Issue 12 in a real headless Chromium: the Download menu's slide, hover names in every
view (defect 14), and the view tabs from the first paint (defect 16).

Each test opens a link as a person would, saves a screenshot under
test-artifacts/browser/ and fails on any console error. Fixtures: conftest.py.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from browser_helpers import CHROMIUM, Page
from PIL import Image

if not Path(CHROMIUM).exists():
    pytest.skip(f"no Chromium at {CHROMIUM}", allow_module_level=True)
pytest.importorskip("playwright.sync_api")

from gradscape.app import ids

# --------------------------------------------------------------------------- the slide


def test_download_menu_offers_the_slide_and_it_is_a_1920_by_1080_png(server, page):
    page.open(f"{server}?preset=zigzag&t=40")
    page.page.locator("summary", has_text="Download").click()
    link = page.page.locator(f"#{ids.EXPORT_SLIDE}")
    link.wait_for(state="visible")
    assert "16:9" in link.inner_text() and "1920×1080" in link.inner_text()
    gif = page.page.locator(f"#{ids.EXPORT_SLIDE_GIF}")
    assert gif.is_visible() and gif.get_attribute("data-format") == "gif"
    page.shot("menu")
    with page.page.expect_download(timeout=90_000) as info:
        link.click()
    download = info.value
    assert download.failure() is None
    assert "/export/png?" in download.url and "export.preset=slide" in download.url
    assert "preset=zigzag" in download.url and "t=40" in download.url
    img = Image.open(io.BytesIO(Path(download.path()).read_bytes()))
    assert img.format == "PNG" and img.size == (1920, 1080)
    assert page.errors == []


def test_the_slide_gif_link_asks_for_the_preset_not_the_menus_width(server, page):
    page.open(f"{server}?steps=60&t=30")
    page.page.locator("summary", has_text="Download").click()
    page.page.fill("input[name='export.frames']", "3")
    link = page.page.locator(f"#{ids.EXPORT_SLIDE_GIF}")
    with page.page.expect_download(timeout=120_000) as info:
        link.click()
    download = info.value
    assert "/export/gif?" in download.url and "export.preset=slide" in download.url
    assert "export.width" not in download.url and "export.frames=3" in download.url
    img = Image.open(io.BytesIO(Path(download.path()).read_bytes()))
    assert img.format == "GIF" and img.size == (1920, 1080) and img.n_frames == 3
    assert page.errors == []


# --------------------------------------------------------------------------- hover names
#: Every trace any view draws that shows a hover label, with its name: Plotly names an
#: unnamed trace "trace N", which a hover label then shows (defect 14).
NAMES = """() => Array.from(document.querySelectorAll('.js-plotly-plot'))
  .filter(g => g._fullData && g.offsetParent !== null)
  .flatMap(g => g._fullData
    .filter(t => t.visible !== false && t.hoverinfo !== 'skip')
    .map(t => ({graph: g.parentElement.id || g.id, type: t.type, name: t.name,
                index: t.index})))"""

READY = """([sel, type]) => { const g = document.querySelector(sel);
  return !!(g && g._fullData && g._fullLayout && g._fullData.some(t => t.type === type)
    && (type !== 'heatmap' || g._fullData.length > 1)); }"""

#: Each view: its link, its graph and a trace type that shows it has been drawn.
VIEWS = {
    "paths": ("", "#map .js-plotly-plot", "contour"),
    "lesson": ("preset=beale-race", "#map .js-plotly-plot", "contour"),
    "compare": ("mode=compare", "#map .js-plotly-plot", "contour"),
    "overlay": ("mode=compare&layout=overlay", "#map .js-plotly-plot", "contour"),
    "sensitivity": (
        "mode=sensitivity&surface=quadratic",
        "#view-figure .js-plotly-plot",
        "scatter",
    ),
    "starts": (
        "mode=starts&surface=himmelblau&metric=basin&grid=40",
        "#startmap .js-plotly-plot",
        "heatmap",
    ),
    "3d": ("mode=3d", "#view-figure .js-plotly-plot", "surface"),
    "3d-saddle": ("preset=saddle&mode=3d", "#view-figure .js-plotly-plot", "surface"),
    "data": ("preset=batch-vs-stochastic", "#map .js-plotly-plot", "contour"),
    "inspector": ("preset=zigzag&inspect=1&focus=2&t=5", "#map .js-plotly-plot", "contour"),
    "lesson-mode": ("preset=lr-too-high&lesson=1", "#map .js-plotly-plot", "contour"),
    "sensitivity-8": (
        "mode=sensitivity&surface=quadratic&run1=sgd&run2=momentum&run3=adam&run4=rmsprop"
        "&run5=nesterov&run6=adagrad&run7=adamw&run8=lion",
        "#view-figure .js-plotly-plot",
        "scatter",
    ),
}


@pytest.mark.parametrize("view", list(VIEWS))
def test_no_trace_in_any_view_is_named_trace_n(server, browser, view):
    query, graph, kind = VIEWS[view]
    p = Page(browser, f"test_hover_names-{view}")
    try:
        p.page.goto(f"{server}?{query}")
        p.page.wait_for_function(READY, arg=[graph, kind], timeout=60_000)
        p.page.wait_for_load_state("networkidle")
        traces = p.js(NAMES)
        assert traces, "no traces read"
        nameless = [t for t in traces if not t["name"] or re.fullmatch(r"trace \d+", t["name"])]
        assert nameless == [], nameless
        p.shot()
        assert p.errors == []
    finally:
        p.close()


# --------------------------------------------------------------------------- view tabs
#: From the document's first parse: every change of the view tabs' selection, as seen by a
#: MutationObserver (attributes and new nodes) and on every animation frame (the checked
#: property, which no attribute reflects).
WATCH_TABS = """(() => {
  window.__pathsSelected = [];
  window.__tabsSeen = [];
  const check = (how) => {
    const tabs = document.getElementById(MODE_ID);
    if (!tabs) return;
    for (const input of tabs.querySelectorAll('input')) {
      const label = input.closest('label');
      const on = input.checked || (label && (label.getAttribute('aria-selected') === 'true'
        || label.getAttribute('aria-checked') === 'true'));
      if (on) {
        window.__tabsSeen.push(input.value);
        if (input.value === 'paths') window.__pathsSelected.push(how);
      }
    }
  };
  const start = () => {
    new MutationObserver(() => check('mutation')).observe(document.documentElement, {
      subtree: true, childList: true, attributes: true,
      attributeFilter: ['aria-selected', 'aria-checked', 'checked', 'class']});
    const frame = () => { check('frame'); requestAnimationFrame(frame); };
    requestAnimationFrame(frame);
    check('load');
  };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();""".replace("MODE_ID", repr(ids.MODE))


@pytest.mark.parametrize("mode", ["compare", "sensitivity", "3d"])
def test_the_paths_tab_is_never_selected_while_another_view_loads(server, page, mode):
    page.page.add_init_script(WATCH_TABS)
    page.page.goto(f"{server}?mode={mode}")
    page.page.wait_for_function(
        "m => (window.__tabsSeen || []).includes(m)", arg=mode, timeout=30_000
    )
    page.page.wait_for_load_state("networkidle")
    page.page.wait_for_timeout(500)  # frames after the load: a late re-render would show
    assert page.js("() => window.__pathsSelected") == []
    assert set(page.js("() => window.__tabsSeen")) == {mode}
    page.shot()
    assert page.errors == []
