"""Every screen a teacher would project: phones, tablets, laptops and a 1080p projector,
in both themes, with axe-core's accessibility rules (issue 12, defects 2, 6, 7, 8, 11).

Each test opens few pages and resizes the one it has (`SIZES`) rather than opening one
per size, so the module stays fast. Screenshots of every size and theme go to
test-artifacts/browser/ (names `screens-…`). axe-core comes from npm
(`npm install axe-core` in the checkout; CI installs it): its test skips only where
node_modules/axe-core is missing.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from browser_helpers import CHROMIUM, MAP_READY, ROOT, Page
from test_contrast import contrast

if not Path(CHROMIUM).exists():
    pytest.skip(f"no Chromium at {CHROMIUM}", allow_module_level=True)
pytest.importorskip("playwright.sync_api")

from gradscape.app.state import MODES

SIZES = [(390, 844), (1024, 700), (1280, 800), (1920, 1080)]
THEMES = ("light", "dark")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"

SETTLED = """() => {
  const ok = (sel) => { const g = document.querySelector(sel + ' .js-plotly-plot');
    if (!g || !g._fullLayout || !g.offsetWidth) return true;
    return Math.abs(g._fullLayout.width - g.offsetWidth) <= 2
        && Math.abs(g._fullLayout.height - g.offsetHeight) <= 2; };
  return ok('#map') && ok('#loss') && ok('#view-figure') && ok('#startmap');
}"""

BOX = """(sel) => { const e = document.querySelector(sel); if (!e) return null;
  const b = e.getBoundingClientRect(); const s = getComputedStyle(e);
  return {left: b.left, right: b.right, top: b.top, bottom: b.bottom, width: b.width,
          height: b.height, visible: b.width > 0 && b.height > 0 && s.visibility !== 'hidden',
          font: parseFloat(s.fontSize)}; }"""


def _resize(p: Page, w: int, h: int) -> None:
    p.page.set_viewport_size({"width": w, "height": h})
    time.sleep(0.3)
    p.page.wait_for_function(SETTLED, timeout=10_000)
    time.sleep(0.3)


def _box(p: Page, sel: str) -> dict | None:
    return p.js(BOX, sel)


def _no_sideways_scroll(p: Page, where: str) -> None:
    width = p.js("() => document.documentElement.clientWidth")
    wide = p.js(
        """() => Math.max(document.documentElement.scrollWidth,
             document.querySelector('.gs-app').scrollWidth)"""
    )
    assert wide <= width + 1, f"{where}: the page is {wide}px wide in a {width}px window"


WHOLE_WORDS = """() => {
  const shown = (e) => e.getBoundingClientRect().width > 0;
  const names = Array.from(document.querySelectorAll('.gs-opt .dash-dropdown-value'))
    .filter(shown).map((e) => [e.textContent, e.scrollWidth, e.clientWidth]);
  const b = document.getElementById('copy-link'); const s = getComputedStyle(b);
  const inner = b.getBoundingClientRect().height - parseFloat(s.paddingTop)
    - parseFloat(s.paddingBottom) - parseFloat(s.borderTopWidth) - parseFloat(s.borderBottomWidth);
  return {names, copy: shown(b) ? inner / parseFloat(s.fontSize) : 0}; }"""


def _whole_words(p: Page, where: str) -> None:
    """Issue 12, defect 16: no optimizer's name in a run card ends in "…" ("Momentum" was
    cut to "Mo…" at 1024 px; a long one wraps instead), and "Copy link" is one line."""
    seen = p.js(WHOLE_WORDS)
    cut = [(name, sw, cw) for name, sw, cw in seen["names"] if sw > cw]
    assert seen["names"] and cut == [], (where, seen)
    assert seen["copy"] < 1.6, (where, "Copy link wraps", seen["copy"])


def _theme(p: Page, theme: str) -> None:
    """Switch to `theme` with the page's own button, as a person does."""
    if p.state().theme != theme:
        p.page.locator("#theme").click()
        p.wait_until(lambda: p.state().theme == theme, what=f"theme={theme}")
        p.page.wait_for_function(MAP_READY, timeout=30_000)
        time.sleep(0.4)


SCENE = """g => { const s = g && g._fullLayout && g._fullLayout.scene;
  if (!s || !s._scene || !g.querySelector('canvas')) return null;
  const b = g.getBoundingClientRect();
  const x = s.domain.x, y = s.domain.y;
  return {left: b.left + x[0] * b.width, right: b.left + x[1] * b.width,
          top: b.top + (1 - y[1]) * b.height, bottom: b.top + (1 - y[0]) * b.height,
          eye: s.camera.eye.x}; }"""


def _scene_ink(p: Page, where: str) -> tuple[int, int, int]:
    """The 3D scene's drawn columns: (first, last, width), in px of the scene, once drawn."""
    import io

    import numpy as np
    from PIL import Image

    box = p.wait_until(lambda: p.graph("view-figure", SCENE), what=f"the 3D scene ({where})")
    clip = {"x": box["left"], "y": box["top"], "width": box["right"] - box["left"],
            "height": box["bottom"] - box["top"]}  # fmt: skip

    def ink() -> np.ndarray:
        rgb = np.asarray(Image.open(io.BytesIO(p.page.screenshot(clip=clip))).convert("RGB"))
        paper = np.median(np.concatenate([rgb[:, :2], rgb[:, -2:]], axis=1), axis=(0, 1))
        return (np.abs(rgb.astype(float) - paper).max(axis=2) > 40).any(axis=0)

    [cols] = p.wait_until(lambda: [c] if (c := ink()).mean() > 0.3 else None, what=where)
    drawn = np.flatnonzero(cols)
    return int(drawn[0]), int(drawn[-1]), cols.size


def test_the_3d_scene_draws_whole_at_every_size(server, browser):
    """Defect 16: on a phone the 3D view's z-axis title ("f − f*") was cut at the scene's
    left edge (and the surface at its right): the camera steps back in a small scene. And
    the scene draws on every page load: about one load in two left it blank (the graph
    relaid out by the cartesian bundle after the full one drew it; assets/_gs-loader.js)."""
    for load, theme in enumerate(THEMES):
        p = Page(browser, f"screens-3d-{theme}", size=(390, 844))
        p.open(f"{server}?surface=rosenbrock&mode=3d&t=250&theme={theme}")
        for w, h in SIZES if load == 0 else SIZES[:1]:
            where = f"{w}x{h} {theme}"
            if (w, h) != (390, 844):
                _resize(p, w, h)
            first, last, width = _scene_ink(p, where)
            p.shot(f"{w}")
            # a margin on both sides: nothing reaches the scene's edge (a glyph cut there)
            assert first >= 8 and last <= width - 9, (where, first, last, width)
        assert p.errors == []
        p.close()


PANEL_TITLES = """() => {
  const g = document.querySelector('#map .js-plotly-plot');  // the grid is the map's place
  if (!g || !g._fullLayout) return null;
  return Array.from(g.querySelectorAll('.annotation'), (a) => {
    const b = a.getBoundingClientRect();
    return {text: a.textContent, left: b.left, right: b.right, top: b.top, bottom: b.bottom};
  }).filter((b) => b.text.startsWith('■')); }"""


def test_the_compare_grids_panel_titles_never_overprint(server, browser):
    """On a phone "γ 0.00398 · diverged" ran into the next panel's "γ 0.01 · diverged": a
    small multiple's title is set smaller to fit its panel, then its fate on a line of its
    own. Drawn first at 390 px, then resized to every size."""
    p = Page(browser, "screens-compare", size=(390, 844))
    p.open(f"{server}?surface=rosenbrock&mode=compare&t=500")
    for w, h in [(390, 844), *SIZES[1:], (390, 844)]:
        if (w, h) != (p.page.viewport_size["width"], p.page.viewport_size["height"]):
            _resize(p, w, h)
        boxes = p.wait_until(lambda: len(p.js(PANEL_TITLES) or []) == 6 and p.js(PANEL_TITLES),
                             what="the panels' titles")  # fmt: skip
        p.shot(f"{w}")
        assert len(boxes) == 6 and any("diverged" in b["text"] for b in boxes), boxes
        for i, a in enumerate(boxes):
            for b in boxes[i + 1 :]:
                apart = (a["right"] <= b["left"] + 1 or b["right"] <= a["left"] + 1
                         or a["bottom"] <= b["top"] + 1 or b["bottom"] <= a["top"] + 1)  # fmt: skip
                assert apart, (f"{w}x{h}", a, b)
    assert p.errors == []
    p.close()


# --------------------------------------------------------------------------- the default page
def test_every_size_and_theme_puts_the_map_first_with_the_controls_in_reach(server, browser):
    """Defect 2: on phones and tablets the map is first and full width, the controls are a
    drawer, playback sits where a thumb is; nothing scrolls sideways; no console error."""
    p = Page(browser, "screens-default")
    p.open(f"{server}?t=500")
    for theme in THEMES:
        _theme(p, theme)
        for w, h in SIZES:
            where = f"{w}x{h} {theme}"
            _resize(p, w, h)
            p.shot(f"{w}-{theme}")
            hero, side = _box(p, ".gs-hero"), _box(p, "#sidebar")
            _no_sideways_scroll(p, where)
            plot = p.graph("map", "g => [g._fullLayout.xaxis._length, g._fullLayout.yaxis._length]")
            assert min(plot) >= min(0.55 * w, 300), (where, plot)
            if w <= 1180:
                # the controls wait in a drawer; the map has the width
                assert not side["visible"] or side["right"] <= 0, where
                if w <= 640:
                    assert hero["width"] >= 0.9 * w, (where, hero)
                toggle = p.page.locator(".gs-drawer-toggle")
                assert toggle.is_visible(), where
                toggle.click()
                p.page.locator("#sidebar").wait_for(state="visible")
                time.sleep(0.3)
                drawer = _box(p, "#gs-drawer")
                assert drawer["left"] >= -1 and drawer["right"] <= w + 1, (where, drawer)
                p.shot(f"{w}-{theme}-drawer")
                _whole_words(p, where)
                p.page.keyboard.press("Escape")
                p.page.wait_for_function(
                    "() => getComputedStyle(document.querySelector('#gs-drawer'))"
                    ".visibility === 'hidden'"
                )
            else:
                assert side["visible"] and side["right"] <= hero["left"], where
                _whole_words(p, where)
            play = _box(p, "#play")
            assert play["visible"] and play["bottom"] <= h, (where, play)
            if w <= 640:  # in a thumb's reach, big enough to hit
                assert play["top"] >= 0.8 * h and play["height"] >= 44, (where, play)
                assert _box(p, "#timeline")["width"] >= 0.8 * w, where
                # the step counter whole ("step 500 / 500", not "step 500 /") and on screen
                step = _box(p, "#step-label")
                assert step["visible"] and step["left"] >= 0 and step["right"] <= w, (where, step)
                assert p.js(
                    "() => { const e = document.getElementById('step-label');"
                    " return e.scrollWidth <= e.clientWidth"
                    " && /\\d+ \\/ \\d+$/.test(e.textContent); }"
                ), where
    assert p.errors == []
    p.close()


@pytest.mark.parametrize("size", [(1024, 700), (390, 844), (1280, 800)])
def test_the_longest_optimizer_names_are_never_cut(server, browser, size):
    """Issue 12, defect 16: the run card's optimizer name is whole at every size, the
    longest ("Schedule-Free AdamW") on two lines; "Copy link" stays on one."""
    w, h = size
    p = Page(browser, f"screens-names-{w}", size=size)
    p.open(f"{server}?run1=schedule_free_adamw&run2=momentum&run3=adabelief&run4=nesterov")
    if w <= 1180:
        p.page.locator(".gs-drawer-toggle").click()
        p.page.locator("#sidebar").wait_for(state="visible")
        time.sleep(0.3)
    p.page.locator(".gs-run").nth(0).scroll_into_view_if_needed()
    p.shot()
    _whole_words(p, f"{w}x{h}")
    head = p.js(
        "() => Array.from(document.querySelectorAll('.gs-run-head'), e => [e.scrollWidth,"
        " e.clientWidth, e.getBoundingClientRect().height])"
    )
    assert all(sw <= cw and 28 <= height <= 48 for sw, cw, height in head), head
    assert p.errors == []
    p.close()


# --------------------------------------------------------------------------- lesson mode
LESSON_FONT = (
    "() => parseFloat(getComputedStyle(document.querySelector('.gs-lesson-body')).fontSize)"
)


def test_lesson_mode_is_readable_and_fills_every_screen(server, browser):
    """Defects 2, 7, 8: in lesson mode the map is never a sliver, the lesson text is on
    screen and not squeezed, the loss chart stays on screen, everything grows at 1080p,
    and no `<text> attribute y: "-Infinity"` error reaches the console."""
    p = Page(browser, "screens-lesson")
    p.open(f"{server}?preset=zigzag&lesson=1")
    for theme in THEMES:
        _theme(p, theme)
        fonts = {}
        for w, h in SIZES:
            where = f"{w}x{h} {theme}"
            _resize(p, w, h)
            p.shot(f"{w}-{theme}")
            _no_sideways_scroll(p, where)
            hero, text = _box(p, ".gs-hero"), _box(p, ".gs-lesson-body")
            fonts[w] = text["font"]
            # never a sliver: the map keeps most of the width it may have
            assert hero["width"] >= (0.9 * w if w <= 900 else 0.5 * w), (where, hero)
            plot = p.graph(
                "map", "g => Math.min(g._fullLayout.xaxis._length, g._fullLayout.yaxis._length)"
            )
            assert plot >= min(0.55 * w, 320), (where, plot)
            # not three words a line: at least ~35 characters of its font per line
            assert text["width"] >= 35 * 0.5 * text["font"], (where, text)
            if w > 900:
                assert text["top"] >= 0 and text["bottom"] <= h, (where, "lesson off screen", text)
            if w >= 1280:
                loss = _box(p, "#loss")
                assert loss["bottom"] <= h, (where, "loss chart off screen", loss)
            seen = p.js(WHOLE_WORDS)
            assert seen["copy"] < 1.6, (where, "Copy link wraps", seen["copy"])
            # the step counter and the typeset rules grow with the text
            assert _box(p, "#step-label")["font"] >= 0.85 * text["font"], where
            rule = p.js(
                "() => parseFloat(getComputedStyle("
                "document.querySelector('#rules .katex')).fontSize)"
            )
            assert rule >= text["font"], (where, rule)
        assert fonts[1920] >= 1.2 * fonts[1280], fonts
        # 1080p: the map and the lesson share the width, no wide empty band
        used = p.js(
            """() => { const h = document.querySelector('.gs-hero').getBoundingClientRect();
                 const parts = document.querySelectorAll('#map .cartesianlayer, #map .colorbar,'
                   + ' #map .xtitle, #map .ytitle');
                 let l = Infinity, r = -Infinity;
                 for (const e of parts) { const b = e.getBoundingClientRect();
                   if (b.width) { l = Math.min(l, b.left); r = Math.max(r, b.right); } }
                 return h.width - (r - l); }"""
        )
        assert used < 300, f"{theme}: {used:.0f}px of the map's panel are empty at 1920x1080"
    assert p.errors == []
    p.close()


def test_lesson_mode_enlarges_the_colour_bar_ticks(server, browser):
    """Defect 8: the colour bar's ticks grow as much as the axes' in lesson mode."""
    p = Page(browser, "screens-colourbar")
    sizes = {}
    for lesson in ("0", "1"):
        p.open(f"{server}?preset=zigzag&lesson={lesson}")
        sizes[lesson] = p.graph(
            "map",
            "g => [g._fullData[0].colorbar.tickfont.size, g._fullLayout.xaxis.tickfont.size]",
        )
    (_, axis0), (bar1, axis1) = sizes["0"], sizes["1"]
    assert axis1 > axis0 and bar1 >= axis1 * 0.95, sizes
    assert p.errors == []
    p.close()


CHART_FONTS = """(id) => { const g = document.querySelector(`#${id} .js-plotly-plot`);
  const px = (sel) => { const t = g.querySelector(sel);
    return t ? parseFloat(getComputedStyle(t).fontSize) : null; };
  return {tick: px('.xtick text'), ytick: px('.ytick text'), bar: px('.colorbar .cbaxis text'),
          title: px('.g-xtitle text'), laid: g._fullLayout.xaxis.tickfont.size}; }"""


@pytest.mark.parametrize("lesson", ["0", "1"])
def test_chart_text_grows_on_a_projector(server, browser, lesson):
    """Issue 12, defect 8: at 1920x1080 the page's text grows, and the charts' (ticks, axis
    titles, the colour bar) grows with it — drawn larger than at 1280x800 on the same page,
    whether the window is resized or the page opened at that size."""
    url = f"{server}?preset=zigzag&lesson={lesson}"
    p = Page(browser, f"screens-chart-fonts-{lesson}")
    p.open(url)
    small = {g: p.js(CHART_FONTS, g) for g in ("map", "loss")}
    p.shot("1280")
    _resize(p, 1920, 1080)
    p.wait_until(lambda: p.js(CHART_FONTS, "map")["tick"] > small["map"]["tick"], what="growth")
    _resize(p, 1920, 1080)  # settled after the redraw
    big = {g: p.js(CHART_FONTS, g) for g in ("map", "loss")}
    p.shot("1920")
    for g in ("map", "loss"):
        for part in ("tick", "ytick", "title", "laid"):
            assert big[g][part] >= 1.2 * small[g][part], (g, part, small[g], big[g])
    assert big["map"]["bar"] >= 1.2 * small["map"]["bar"], (small["map"], big["map"])
    fresh = Page(browser, f"screens-chart-fonts-{lesson}-fresh", size=(1920, 1080))
    fresh.open(url)
    assert fresh.js(CHART_FONTS, "map") == big["map"]
    _resize(p, 1280, 800)  # and back: no compounding
    p.wait_until(lambda: p.js(CHART_FONTS, "map")["tick"] == small["map"]["tick"], what="back")
    assert p.errors == [] and fresh.errors == []
    fresh.close()
    p.close()


# --------------------------------------------------------------------------- above the fold
#: How many lines each element matching a selector is set on.
LINES = """(sel) => Array.from(document.querySelectorAll(sel), (e) => {
  if (getComputedStyle(e).display === 'inline') return e.getClientRects().length;
  const r = document.createRange(); r.selectNodeContents(e);
  return new Set(Array.from(r.getClientRects(), (b) => Math.round(b.bottom))).size; })"""


def test_summary_rows_and_lesson_are_above_the_fold(server, browser):
    """Defect 7: beale-race's six summary rows fit at 1280x800; at 1024x700 the lesson
    is visible without scrolling."""
    p = Page(browser, "screens-fold")
    p.open(f"{server}?preset=beale-race")
    for theme in THEMES:
        _theme(p, theme)
        _resize(p, 1280, 800)
        p.shot(f"1280-{theme}")
        rows = p.js(
            "() => Array.from(document.querySelectorAll('#summary tbody tr'),"
            " r => r.getBoundingClientRect().bottom)"
        )
        assert len(rows) == 6 and max(rows) <= 800, rows
        _resize(p, 1024, 700)
        p.shot(f"1024-{theme}")
        text = _box(p, ".gs-lesson-text")
        assert text["top"] >= 0 and text["bottom"] <= 700, text
        # a number is one line ("2.87e-" over "08" at 1024), a run's dot beside its name
        lines = p.js(LINES, "#summary tbody td:not(.gs-run-name), #summary .gs-nowrap")
        assert lines and set(lines) == {1}, lines
        wide = p.js("() => [document.querySelector('#summary table').offsetWidth,"
                    " document.getElementById('summary').clientWidth]")  # fmt: skip
        assert wide[0] <= wide[1], f"the summary is {wide[0]}px wide in {wide[1]}px"
    assert p.errors == []
    p.close()


# --------------------------------------------------------------------------- contrast on screen
PLOT_TEXT = """() => {
  const out = [];
  const bg = (el) => { for (let e = el; e; e = e.parentElement) {
      const c = getComputedStyle(e).backgroundColor;
      if (c && c !== 'rgba(0, 0, 0, 0)' && c !== 'transparent') return c; }
    return 'rgb(255,255,255)'; };
  for (const g of document.querySelectorAll('.js-plotly-plot')) {
    if (!g.offsetWidth) continue;
    const paper = g._fullLayout.paper_bgcolor;
    // the colours the figure draws runs in (its traces' lines and markers)
    const probe = document.createElement('i'); document.body.appendChild(probe);
    const norm = (c) => { probe.style.color = ''; probe.style.color = c;
      return getComputedStyle(probe).color.replace(/ /g, ''); };
    const runs = new Set();
    for (const d of g._fullData) {
      for (const c of [d.line && d.line.color, d.marker && d.marker.color]) {
        if (typeof c === 'string') runs.add(norm(c));
      }
    }
    // and the paths the overlay draws over the map (app/look.py's colours)
    for (const t of document.querySelectorAll('svg.gs-overlay .gs-trail')) {
      runs.add(norm(t.getAttribute('stroke')));
    }
    const under = paper.startsWith('rgba(0, 0, 0, 0)') || /,\\s*0\\)$/.test(paper) ? bg(g) : paper;
    for (const t of g.querySelectorAll('.xtick text, .ytick text, .g-xtitle text, .g-ytitle text,'
         + ' .colorbar text, .annotation-text, .gtitle')) {
      const b = t.getBoundingClientRect();
      if (!b.width || !t.textContent.trim()) continue;
      const fill = getComputedStyle(t).fill;
      const own = runs.has(norm(fill));
      out.push([g.parentElement.id, t.textContent.slice(0, 30), fill, under, own]);
    }
  }
  document.querySelectorAll('body > i').forEach((e) => e.remove());
  return out; }"""


@pytest.mark.parametrize("mode", list(MODES))
def test_chart_text_has_aa_contrast_in_both_themes(server, browser, mode):
    """Defect 6: tick labels, titles and annotations of every chart reach 4.5:1 against
    the panel they sit on, in both themes (axe-core does not read SVG text)."""
    p = Page(browser, f"screens-contrast-{mode}")
    query = f"preset=zigzag&mode={mode}" + ("&grid=20" if mode == "starts" else "")
    p.open(f"{server}?{query}")
    for theme in THEMES:
        _theme(p, theme)
        if mode == "starts":
            p.page.wait_for_function(
                "() => { const g = document.querySelector('#startmap .js-plotly-plot');"
                " return g && g._fullData && g._fullData.length > 0; }",
                timeout=60_000,
            )
        time.sleep(0.5)
        # every chart text, run-coloured labels included (compare titles, the
        # sensitivity's divergence and theory labels), in both themes
        bad = [
            (graph, text, fill, under, round(contrast(fill, under), 2), run_coloured)
            for graph, text, fill, under, run_coloured in p.js(PLOT_TEXT)
            if contrast(fill, under) < 4.5
        ]
        p.shot(theme)
        assert bad == [], f"{mode} {theme}: {bad[:6]}"
    assert p.errors == []
    p.close()


# --------------------------------------------------------------------------- axe-core
def _axe(p: Page) -> list[dict]:
    if not p.js("() => !!window.axe"):
        p.page.add_script_tag(path=str(AXE))
    return p.js(
        """async () => { const r = await axe.run(document, {
             runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
             resultTypes: ['violations']});
           return r.violations.filter(v => v.impact === 'critical' || v.impact === 'serious')
             .map(v => ({id: v.id, impact: v.impact,
                         nodes: v.nodes.slice(0, 4).map(n => n.target.join(' ')
                           + ' ' + (n.failureSummary || '').slice(0, 160))})); }"""
    )


@pytest.mark.skipif(not AXE.exists(), reason="axe-core is not installed (npm install axe-core)")
def test_axe_finds_no_serious_violation_on_any_view(server, browser):
    """Beyond: axe-core's WCAG 2.1 A/AA rules on every view, in both themes, on a laptop
    and a phone, and in lesson mode: no critical or serious violation."""
    p = Page(browser, "screens-axe", bypass_csp=True)  # axe-core is injected as a script
    found = {}
    for lesson in ("0", "1"):
        p.open(f"{server}?preset=zigzag&lesson={lesson}")
        for theme in THEMES:
            _theme(p, theme)
            for mode in MODES if lesson == "0" else ("paths",):
                if p.state().mode != mode:
                    p.page.locator(f"#mode label:has(input[value='{mode}'])").click()
                    p.wait_until(lambda m=mode: p.state().mode == m, what=f"mode={mode}")
                    time.sleep(2.5)  # Dash's lazily loaded components drawn and repaired
                for w, h in ((1280, 800), (390, 844)) if mode == "paths" else ((1280, 800),):
                    _resize(p, w, h)
                    v = _axe(p)
                    if v:
                        found[f"lesson={lesson} {theme} {mode} {w}"] = v
                        p.shot(f"{lesson}-{theme}-{mode}-{w}")
            if p.state().mode != "paths":
                p.page.locator("#mode label:has(input[value='paths'])").click()
                p.wait_until(lambda: p.state().mode == "paths", what="back to paths")
    assert found == {}, found
    assert p.errors == []
    p.close()


# --------------------------------------------------------------------------- keyboard
FOCUSED = """() => { const e = document.activeElement; if (!e || e === document.body) return null;
  const s = getComputedStyle(e); const b = e.getBoundingClientRect();
  let ring = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0;
  ring = ring || (s.boxShadow && s.boxShadow !== 'none');
  // a radio styled as a tab shows its ring on the label (the input itself is invisible)
  const label = e.closest('label');
  if (!ring && label) { const l = getComputedStyle(label);
    ring = l.outlineStyle !== 'none' && parseFloat(l.outlineWidth) > 0; }
  return {tag: e.tagName, id: e.id, cls: String(e.className).slice(0, 40),
          name: e.getAttribute('name') || e.getAttribute('value') || e.textContent.slice(0, 20),
          ring, w: b.width, h: b.height}; }"""


@pytest.mark.parametrize("size", [(1280, 800), (390, 844)])
def test_every_control_is_reachable_by_keyboard_with_a_visible_focus(server, browser, size):
    """Beyond: Tab reaches the header, every view tab, the playback and the side panel's
    controls (through the drawer on a phone), each with a visible focus ring."""
    p = Page(browser, f"screens-keys-{size[0]}", size=size)
    p.open(f"{server}?t=500")
    if size[0] <= 1180:
        p.page.locator(".gs-drawer-toggle").focus()
        p.page.keyboard.press("Enter")
        p.page.locator("#sidebar").wait_for(state="visible")
        p.page.keyboard.press("Shift+Tab")
    seen = []
    for _ in range(250):
        p.page.keyboard.press("Tab")
        f = p.js(FOCUSED)
        if f is None:
            continue
        assert f["ring"], f"no visible focus on {f}"
        seen.append(f)
    names = {f["id"] or f["name"] for f in seen}
    for needed in ("theme", "lesson-toggle", "play", "timeline"):
        assert needed in names, (needed, sorted(names))
    assert any('"run.0.lr"' in n and '"pv"' in n for n in names)  # a run's learning-rate box
    assert any("dash-slider-thumb" in f["cls"] for f in seen)  # a slider
    assert "mode" in names  # the view tabs (a radio group: the arrow keys move within it)
    p.shot()
    assert p.errors == []
    p.close()


def test_the_map_has_a_text_alternative(server, page):
    """Beyond: the map's panel is a figure described by the summary table."""
    page.open(f"{server}?t=500")
    hero = page.page.locator(".gs-hero")
    assert hero.get_attribute("role") == "figure"
    label = hero.get_attribute("aria-label")
    assert label and "map" in label.lower()
    described = hero.get_attribute("aria-describedby")
    assert described == "summary"
    assert page.page.locator(f"#{described} table tbody tr").count() == 3
    assert page.errors == []


# --------------------------------------------------------------------------- start map
def test_the_start_map_shows_progress_from_its_first_moment(server, browser):
    """Defect 11: the start map's panel shows its progress bar from the moment it appears,
    not an empty panel until the background job reports (about 1.5 s), in both themes."""
    for theme in THEMES:
        p = Page(browser, f"screens-startmap-{theme}")
        p.page.goto(f"{server}?mode=starts&grid=290&steps=300&theme={theme}")
        first = p.page.wait_for_function(
            """() => { const b = document.querySelector('.gs-startmap-block');
                 if (!b || getComputedStyle(b).display === 'none') return null;
                 const bar = document.querySelector('#startmap-progress-box');
                 return {bar: getComputedStyle(bar).display !== 'none',
                         drawn: !!b.querySelector('.hm')}; }""",
            timeout=30_000,
            polling="raf",
        ).json_value()
        assert first["bar"] or first["drawn"], first
        p.shot("first")
        p.page.wait_for_function("() => !!document.querySelector('#startmap .hm')", timeout=120_000)
        assert not p.page.locator("#startmap-progress-box").is_visible()
        p.shot("drawn")
        assert p.errors == []
        p.close()
