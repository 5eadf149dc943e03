"""Issue 12 in a real browser: what only the browser draws or does.

The inspector's labels (never overprinted, short arrows named), the menus (one open,
Escape and a click outside close them), and a run leaving the map (its mark on the
border, its path under the others). Several checks per page load.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from browser_helpers import CHROMIUM

if not Path(CHROMIUM).exists():
    pytest.skip(f"no Chromium at {CHROMIUM}", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")

#: Every inspector label's box, and the inspected run's marker box, in the overlay.
LABELS = """() => {
  const layer = document.querySelector('svg.gs-overlay g.gs-inspect');
  if (!layer) return null;
  const texts = Array.from(layer.querySelectorAll('.gs-arrow text'), t => {
    const b = t.getBBox();
    return {text: t.textContent, x: b.x, y: b.y, w: b.width, h: b.height,
            arrow: t.closest('.gs-arrow').dataset.arrow,
            short: t.closest('.gs-arrow').classList.contains('gs-arrow-short')};
  });
  const lines = Array.from(layer.querySelectorAll('.gs-arrow line'), l => ({
    arrow: l.closest('.gs-arrow').dataset.arrow,
    length: Math.hypot(l.x2.baseVal.value - l.x1.baseVal.value,
                       l.y2.baseVal.value - l.y1.baseVal.value)}));
  return {texts, lines, step: +layer.dataset.step};
}"""


def _overlap(a: dict, b: dict) -> bool:
    return (
        a["x"] < b["x"] + b["w"]
        and b["x"] < a["x"] + a["w"]
        and (a["y"] < b["y"] + b["h"] and b["y"] < a["y"] + a["h"])
    )


def _labels(page, query: str) -> dict:
    page.open(f"{page.base}?{query}")
    page.wait_until(lambda: page.js(LABELS), what="the inspector's arrows")
    return page.js(LABELS)


@pytest.fixture
def app_page(server, page):
    page.base = server
    return page


def test_inspector_labels_never_overlap_and_short_arrows_are_named(app_page):
    page = app_page
    # momentum in the zig-zag lesson at step 5: "Δθ = −γ∇f" printed over "−γm"
    got = _labels(page, "preset=zigzag&inspect=1&focus=2&t=5")
    texts = got["texts"]
    assert len(texts) >= 2
    for i, a in enumerate(texts):
        for b in texts[i + 1 :]:
            assert not _overlap(a, b), (a, b)
    page.shot("zigzag")
    # Adam at step 60 of the default page: its Δθ is shorter than the marker is wide
    got = _labels(page, "inspect=1&focus=3&t=60")
    texts = got["texts"]
    for i, a in enumerate(texts):
        for b in texts[i + 1 :]:
            assert not _overlap(a, b), (a, b)
    head = page.js(
        "() => { const h = document.querySelector(`svg.gs-overlay .gs-head[data-run='2']`);"
        " return h.getBBox().width; }"
    )
    step = [t for t in texts if "Δθ" in t["text"]]
    assert step, texts
    drawn = {line["arrow"]: line["length"] for line in got["lines"]}
    for t in step:  # drawn long enough to see past the marker, or said in words
        if t["short"]:
            assert "too short to see" in t["text"]
        else:
            assert drawn[t["arrow"]] > head / 2 + 6
    assert any(t["short"] for t in step)
    page.shot("adam")
    assert page.errors == []


SHORT = """() => {
  const layer = document.querySelector('svg.gs-overlay g.gs-inspect');
  const fl = document.querySelector('#map .js-plotly-plot')._fullLayout;
  const per = (a) => a._length / Math.abs(a.range[1] - a.range[0]);
  const note = layer.querySelector('text.gs-arrow-scale');
  return {scale: +layer.dataset.scale, note: note && note.textContent,
          px: [per(fl.xaxis), per(fl.yaxis)],
          short: Array.from(layer.querySelectorAll('.gs-arrow-short text'), t => t.textContent),
          drawn: Array.from(layer.querySelectorAll('.gs-arrow line'), l => Math.hypot(
            l.x2.baseVal.value - l.x1.baseVal.value, l.y2.baseVal.value - l.y1.baseVal.value))};
}"""


def test_an_arrow_too_short_to_see_is_told_in_drawn_pixels_at_a_stated_scale(app_page):
    """Issue 12, defect 3: Adam at step 5 of the default page. Its −γ∇f is ~790 px, so the
    arrows are drawn shrunk; the old label said "−γm: too short to see (length 0.52)" while
    0.52 is 50 px on this map, and nothing said the arrows were shrunk (×0.1). Now the
    scale is the largest of 1-2-5 that fits (×0.2), it is written on the map, and a short
    arrow's label gives its drawn length in pixels, which is its length × scale."""
    page = app_page
    page.open(f"{page.base}?inspect=1&focus=3&t=5")
    page.wait_until(lambda: page.js(SHORT)["short"], what="the short arrows' labels")
    got = page.js(SHORT)
    page.shot("adam-5")
    assert got["scale"] == 0.2, got
    assert got["note"] == "arrows drawn ×0.2 (shrunk to fit)", got
    assert max(got["drawn"]) <= 220, got
    head = page.js(
        "() => document.querySelector(`svg.gs-overlay .gs-head[data-run='2'] circle`)"
        ".r.baseVal.value * 2"
    )
    lo, hi = min(got["px"]), max(got["px"])
    for text in got["short"]:
        m = re.fullmatch(
            r"(.+): (?:under 1|(\d+)) px, too short to see \(length ([\d.e+-]+)\)", text
        )
        assert m, text
        px = float(m.group(2) or 0.5)
        length = float(m.group(3))
        assert px < head / 2 + 7, (text, head)  # decided on the drawn length
        # the drawn pixels are the length at the scale (to the label's rounding)
        assert 0.2 * length * lo * 0.9 - 1 <= px <= 0.2 * length * hi * 1.1 + 1, (text, got)
    assert any(t.startswith("−γm: 10 px") for t in got["short"]), got
    # drawn at 1: no note, and the label still in pixels
    page.open(f"{page.base}?inspect=1&focus=3&t=60")
    page.wait_until(lambda: page.js(SHORT)["short"], what="the short arrows' labels")
    got = page.js(SHORT)
    assert got["scale"] == 1 and got["note"] is None, got
    assert got["short"] == ["Δθ: 1 px, too short to see (length 0.011)"], got
    # on a phone the sentences stay on the map (shortened where it is narrower than them)
    page.page.set_viewport_size({"width": 390, "height": 844})
    page.open(f"{page.base}?run1=lbfgs&inspect=1&focus=1&t=5")
    page.wait_until(lambda: page.js(SHORT)["short"], what="the short arrows' labels")
    inside = page.js(
        """() => { const fl = document.querySelector('#map .js-plotly-plot')._fullLayout;
             const lo = fl.xaxis._offset, hi = lo + fl.xaxis._length;
             return Array.from(document.querySelectorAll(
               'g.gs-inspect .gs-arrow-short text, g.gs-inspect text.gs-arrow-scale'), t => {
               const b = t.getBBox();
               return [t.textContent, b.x >= lo - 1 && b.x + b.width <= hi + 1];
             }); }"""
    )
    page.shot("phone")
    assert inside and all(ok for _, ok in inside), inside
    assert page.errors == []


MENUS = """() => Array.from(document.querySelectorAll('details.gs-dropdown'),
  d => d.open ? d.querySelector('summary').textContent.trim() : null).filter(Boolean)"""


def test_menus_open_one_at_a_time_and_close_on_escape_or_outside(app_page):
    page = app_page
    page.open(page.base)
    lessons = page.page.locator("details.gs-dropdown > summary", has_text="Lessons")
    download = page.page.locator("details.gs-dropdown > summary", has_text="Download")
    lessons.click()
    page.wait_until(lambda: page.js(MENUS) == ["Lessons"], what="the lessons menu")
    download.click()  # opening one closes the other
    page.wait_until(lambda: page.js(MENUS) == ["Download"], what="only the download menu")
    page.page.keyboard.press("Escape")
    page.wait_until(lambda: page.js(MENUS) == [], what="Escape to close it")
    lessons.click()
    page.wait_until(lambda: page.js(MENUS) == ["Lessons"], what="the lessons menu again")
    page.page.mouse.click(700, 400)  # on the map: outside every menu
    page.wait_until(lambda: page.js(MENUS) == [], what="a click outside to close it")
    # by keyboard: focus the summary, open it with Enter, Escape gives the focus back
    lessons.focus()
    page.page.keyboard.press("Enter")
    page.wait_until(lambda: page.js(MENUS) == ["Lessons"], what="Enter to open it")
    page.page.keyboard.press("Tab")
    page.page.keyboard.press("Escape")
    page.wait_until(lambda: page.js(MENUS) == [], what="Escape from inside the menu")
    assert page.js("() => document.activeElement.textContent.trim()").startswith("Lessons")
    assert page.errors == []


def test_a_run_that_leaves_the_map_shows_its_mark_on_the_border_under_the_others(app_page):
    page = app_page
    page.open(f"{page.base}?preset=lr-too-high&t=100&inspect=1&focus=4")
    box = page.js(
        """() => { const g = document.querySelector('#map .js-plotly-plot');
             const p = window.gradscape.plotly.panel(g);
             return {left: p.left, top: p.top, width: p.width, height: p.height}; }"""
    )
    heads = {h["run"]: h for h in page.heads()}
    cross = heads[3]
    assert cross["mark"] == "x" and cross["shown"]
    on_edge = min(
        abs(cross["x"] - box["left"]),
        abs(cross["x"] - box["left"] - box["width"]),
        abs(cross["y"] - box["top"]),
        abs(cross["y"] - box["top"] - box["height"]),
    )
    assert on_edge < 1.5, (cross, box)
    # the diverging run is drawn first: every other run's trail lies over it
    order = page.js(
        "() => Array.from(document.querySelectorAll('svg.gs-overlay .gs-trail'),"
        " t => +t.dataset.run)"
    )
    assert order[0] == 3
    # the inspector stops at its last whole step on the map, not the cut one to the border
    left = page.js("() => window.gradscape.runs()[3].src.diverged")
    page.wait_until(lambda: page.js(LABELS), what="the inspector")
    assert page.js(LABELS)["step"] == left - 2
    page.shot("lr-too-high")
    # the saddle's escapes: the triangle, on the border, named so in the legend
    page.open(f"{page.base}?preset=saddle&t=500")
    marks = {h["run"]: (h["mark"], h["shown"]) for h in page.heads()}
    assert marks[1] == ("triangle-down", True) and marks[2] == ("triangle-down", True)
    names = page.js("() => window.gradscape.paths().runs.map(r => r.name)")
    assert names[1].endswith("left the map, f → −∞") and "diverged" not in " ".join(names)
    table = page.js("() => document.querySelector('.gs-table').textContent")
    assert "left the map at step" in table and "diverged" not in table
    page.shot("saddle")
    assert page.errors == []
