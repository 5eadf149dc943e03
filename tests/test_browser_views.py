"""The views beyond the paths map, and the lesson features, in a real headless Chromium.

Compare rates (small multiples and overlay), sensitivity curves, the start-point
map (background job: progress, cancel, cache), 3D, the step inspector, presets,
lesson mode, custom formulas, downloads, and every view from a shared link.
Each test acts as a person would (opens a link, clicks, types), saves a
screenshot under test-artifacts/browser/ and fails on any console error. The
fixtures are in conftest.py, the page helper in browser_helpers.py.
"""

from __future__ import annotations

import io
import re
import time
from pathlib import Path

import numpy as np
import psutil
import pytest
from browser_helpers import CHROMIUM, MAP_READY, Page
from PIL import Image

if not Path(CHROMIUM).exists():
    pytest.skip(f"no Chromium at {CHROMIUM}", allow_module_level=True)
pytest.importorskip("playwright.sync_api")

from gradscape.app.look import LOOKS
from gradscape.app.presets import PRESETS
from gradscape.app.state import parse, serialize

PANELS = """g => { const fl = g._fullLayout;
  return Object.keys(fl).filter(k => /^xaxis\\d*$/.test(k)).sort(
      (a, b) => (+a.slice(5) || 1) - (+b.slice(5) || 1)).map(k => {
    const xa = fl[k], ya = fl['y' + k.slice(1)];
    return {x: k, x0: xa._offset, x1: xa._offset + xa._length,
            y0: ya._offset, y1: ya._offset + ya._length}; }); }"""

PROGRESS_ON = "() => !!document.querySelector('#startmap-progress-box.gs-on')"

#: Records whether the start map's progress box was ever shown (it may be brief).
WATCH_PROGRESS = """
window.__progressSeen = false;
new MutationObserver(() => {
  const box = document.getElementById('startmap-progress-box');
  if (box && box.classList.contains('gs-on')) window.__progressSeen = true;
}).observe(document, {subtree: true, attributes: true, attributeFilter: ['class']});
"""


def _inside(head: dict, box: dict, pad: float = 4) -> bool:
    """Whether a head's centre lies in a panel's plot area (within `pad` pixels)."""
    return (
        box["x0"] - pad <= head["x"] <= box["x1"] + pad
        and box["y0"] - pad <= head["y"] <= box["y1"] + pad
    )


def _axis_pixel(page: Page, graph_id: str, xy, axes=("xaxis", "yaxis")) -> tuple[float, float]:
    """The page pixel of data point `xy` on a graph (log axes included)."""
    return tuple(
        page.graph(
            graph_id,
            """(g, [x, y, xn, yn]) => { const fl = g._fullLayout, b = g.getBoundingClientRect();
                 return [b.left + fl[xn]._offset + fl[xn].c2p(x),
                         b.top + fl[yn]._offset + fl[yn].c2p(y)]; }""",
            [xy[0], xy[1], *axes],
        )
    )


# --------------------------------------------------------------------------- compare
def test_compare_small_multiples_one_panel_per_rate_in_sync(server, page):
    page.open(f"{server}?mode=compare&k=4&t=0")
    panels = page.graph("map", PANELS)
    assert [p["x"] for p in panels] == ["xaxis", "xaxis2", "xaxis3", "xaxis4"]
    # the panels' titles are the focus run's rates, a decade either side, log-evenly spaced
    lr = page.state().focus_run.hp["lr"]
    expected = np.geomspace(lr / 10, lr * 10, 4)
    notes = page.graph("map", "g => g._fullLayout.annotations.map(a => [a.text, a.xref, a.yref])")
    rates = [float(re.search(r"γ ([0-9.e+-]+)", text).group(1)) for text, _, _ in notes]
    assert rates == [float(f"{r:.3g}") for r in expected]
    assert [xref for _, xref, _ in notes] == ["x domain", "x2 domain", "x3 domain", "x4 domain"]
    # one run per panel: at step 0 each head sits at the start inside its own panel
    heads = sorted(page.heads(), key=lambda h: h["run"])  # diverging runs are drawn first
    assert [h["run"] for h in heads] == [0, 1, 2, 3]
    assert all(h["step"] == 0 for h in heads)
    for h in heads:
        assert [_inside(h, p) for p in panels] == [j == h["run"] for j in range(4)], h
    # each panel's run is drawn with the small panels' sizes (app/look.py "panel")
    for run in range(4):
        drawn = page.run_style(run)
        for key in ("trail_width", "ghost_width", "head_size", "head_halo"):
            assert drawn[key] == pytest.approx(getattr(LOOKS["panel"], key)), (run, key)
    lengths = page.js("() => window.gradscape.runs().map(r => r.x.length)")
    # playback moves every panel's head together
    page.page.click("#play")
    page.wait_until(lambda: page.head_step(0) > 20, what="the heads to move")
    page.page.click("#play")
    page.wait_until(lambda: not page.js("() => window.gradscape.playing"), what="pause")
    t = page.js("() => window.gradscape.t")
    assert [h["step"] for h in page.heads()] == [min(t, n - 1) for n in lengths]
    page.js("() => window.gradscape.seek(100)")
    heads = page.heads()
    assert [h["step"] for h in heads] == [min(100, n - 1) for n in lengths]
    page.wait_until(lambda: page.state().t == 100, what="t=100 in the URL")
    for h in heads:  # a head off its panel (a diverged run's last point) is not drawn
        if h["shown"]:
            assert [_inside(h, p) for p in panels] == [j == h["run"] for j in range(4)], h
        else:
            assert h["mark"] == "x" and not _inside(h, panels[h["run"]]), h
    page.shot()
    # K from the side panel's text box: that many panels, and the URL says so
    page.fill("input[name='k']", "3")
    page.wait_until(lambda: len(page.graph("map", PANELS)) == 3, what="three panels")
    page.wait_until(lambda: page.state().k == 3, what="k=3 in the URL")
    assert "k=3" in page.query().split("&")
    page.wait_until(lambda: len(page.heads()) == 3, what="three heads")
    notes = page.graph("map", "g => g._fullLayout.annotations.map(a => a.text)")
    rates = [float(re.search(r"γ ([0-9.e+-]+)", text).group(1)) for text in notes]
    assert rates == [float(f"{r:.3g}") for r in np.geomspace(lr / 10, lr * 10, 3)]
    page.shot("k3")
    assert page.errors == []


def test_compare_overlay_draws_every_rate_on_one_map(server, page):
    page.open(f"{server}?mode=compare&layout=overlay&k=6&t=0")
    assert [p["x"] for p in page.graph("map", PANELS)] == ["xaxis"]
    items = page.js(
        """() => Array.from(document.querySelectorAll('#legend .gs-legend-item'),
             e => [e.textContent, getComputedStyle(e.querySelector('i')).backgroundColor])"""
    )
    assert len(items) == 6
    assert all(name.startswith("γ ") for name, _ in items), items
    assert len({color for _, color in items}) == 6
    heads = page.heads()
    assert len(heads) == 6 and len({h["run"] for h in heads}) == 6
    fills = page.js(
        "() => Array.from(document.querySelectorAll('svg.gs-overlay .gs-head'), h => h.getAttribute"
        "('fill').toLowerCase())"
    )
    assert len(set(fills)) == 6
    # one map: every rate drawn with the map's sizes
    assert page.run_style(5)["trail_width"] == pytest.approx(LOOKS["map"].trail_width)
    assert page.run_style(5)["head_size"] == pytest.approx(LOOKS["map"].head_size)
    page.shot()
    assert page.errors == []


# --------------------------------------------------------------------------- sensitivity
SENSITIVITY = "mode=sensitivity&surface=quadratic&surface.condition=10&t=0"
CURVES = """g => g._fullData.map(t => ({name: t.name, n: t.x.length, axes: t.xaxis + t.yaxis,
              run: t.customdata && t.customdata.length ? t.customdata[0][0] : null}))"""


def test_sensitivity_draws_two_curves_per_run_and_the_stability_limit(server, page):
    page.open(f"{server}?{SENSITIVITY}")
    page.wait_until(lambda: page.has_figure("view-figure"), what="the sensitivity figure")
    state = page.state()
    curves = [t for t in page.graph("view-figure", CURVES) if t["n"] == 200]
    visible = [i for i, r in enumerate(state.runs) if r.visible]
    assert len(visible) == 3 and len(curves) == 2 * len(visible)
    for i in visible:  # final loss on top, steps to arrive below
        assert sorted(t["axes"] for t in curves if t["run"] == i) == ["x2y2", "xy"]
    # the theory's limits on the bowl (λ_max = κ = 10): SGD's 2/κ = 0.2, dashed, both panels
    dashed = page.graph(
        "view-figure",
        "g => g._fullLayout.shapes.filter(s => s.line.dash === 'dash')"
        ".map(s => [s.x0, s.x1, s.xref])",
    )
    at = sorted(xref for x0, x1, xref in dashed if x0 == x1 == pytest.approx(0.2))
    assert at == ["x", "x2"]
    page.shot()
    assert page.errors == []


def test_clicking_a_sensitivity_point_sets_that_runs_rate(server, page):
    page.open(f"{server}?{SENSITIVITY}")
    page.wait_until(lambda: page.has_figure("view-figure"), what="the sensitivity figure")
    state = page.state()
    traces = page.graph("view-figure", CURVES)
    # click SGD's top curve near lr 0.02 (a marker, with the mouse), where no other curve
    # is near it (from 0.05 on every curve lies on the panel's floor, rounding noise)
    top = next(j for j, t in enumerate(traces) if t["run"] == 0 and t["axes"] == "xy")
    xs, ys = page.graph(
        "view-figure", "(g, j) => [Array.from(g._fullData[j].x), Array.from(g._fullData[j].y)]", top
    )
    k = int(np.argmin(np.abs(np.log(xs) - np.log(0.02))))
    page.graph(
        "view-figure",
        "g => g.on('plotly_click', d => { window.__clicked = d.points.map("
        "p => [p.curveNumber, p.pointNumber, p.customdata]); })",
    )
    page.page.mouse.move(*_axis_pixel(page, "view-figure", (xs[k], ys[k])))
    page.page.mouse.click(*_axis_pixel(page, "view-figure", (xs[k], ys[k])))
    clicked = page.wait_until(lambda: page.js("() => window.__clicked"), what="a plotly_click")
    curve, point, (run, rate) = clicked[0]
    assert curve == top and abs(point - k) <= 2 and run == 0
    want = float(f"{rate:.3g}")
    page.wait_until(
        lambda: page.state().runs[0].hp["lr"] == want, timeout=5, what=f"run1.lr={want} in URL"
    )
    assert f"run1.lr={want!r}" in page.query()
    box = page.page.locator("input[name='run.0.lr']")
    page.wait_until(lambda: float(box.input_value()) == want, what="the run panel's box")
    assert page.state().runs[1:] == state.runs[1:]  # the other runs are untouched
    page.shot()
    assert page.errors == []


# --------------------------------------------------------------------------- start map
def test_start_map_shows_progress_then_the_basins_and_a_click_opens_that_start(server, page):
    page.page.add_init_script(WATCH_PROGRESS)
    page.page.goto(f"{server}?mode=starts&surface=himmelblau&metric=basin&grid=60&focus=3&t=0")
    page.wait_until(lambda: page.has_figure("startmap"), timeout=30, what="the start map")
    assert page.js("() => window.__progressSeen")
    assert not page.js(PROGRESS_ON)
    heat = page.graph(
        "startmap",
        "g => { const t = g._fullData[0];"
        " return [t.type, t.z.length, t.z[0].length, Array.from(t.x), Array.from(t.y)]; }",
    )
    kind, rows, cols, xs, ys = heat
    assert (kind, rows, cols, len(xs), len(ys)) == ("heatmap", 60, 60, 60, 60)
    info = page.page.locator("#startmap-info").inner_text()
    assert "3,600 starts" in info
    page.shot()
    # click a cell: the paths view opens with the start moved there
    start = page.state().start
    cell = (xs[12], ys[44])
    page.page.mouse.click(*_axis_pixel(page, "startmap", cell))
    page.wait_until(lambda: "mode=" not in page.query(), what="the paths view")
    page.wait_until(lambda: page.state().start != start, what="the start in the URL")
    half = (xs[1] - xs[0]) / 2
    sx, sy = page.state().start
    assert abs(sx - cell[0]) <= half + 1e-9 and abs(sy - cell[1]) <= half + 1e-9
    assert "gs-mode-paths" in page.page.locator("#root").get_attribute("class")
    page.page.wait_for_function(MAP_READY)
    page.wait_until(lambda: page.path(2)[0][0] == sx, what="the path from the new start")
    page.shot("clicked")
    assert page.errors == []


def _jobs(server: str) -> list[psutil.Process]:
    """Start-map jobs running now: processes the server forked (same command line)."""
    port = server.rstrip("/").rsplit(":", 1)[1]
    for proc in psutil.Process().children(recursive=True):
        try:
            cmd = proc.cmdline()
        except psutil.Error:
            continue
        if "app.cli" in cmd and port in cmd:
            return [
                c
                for c in proc.children(recursive=True)
                if "app.cli" in c.cmdline() and c.status() != psutil.STATUS_ZOMBIE
            ]
    raise AssertionError("the server process was not found")


def test_cancelling_a_big_start_map_stops_it_and_a_small_one_still_works(server, page):
    page.page.goto(f"{server}?mode=starts&surface=himmelblau&grid=300&steps=3000&focus=3&t=0")
    page.wait_until(lambda: page.js(PROGRESS_ON), timeout=30, what="the progress box")
    cancel = page.page.locator("#startmap-cancel")
    page.wait_until(lambda: cancel.is_enabled(), what="the cancel button")
    page.wait_until(lambda: _jobs(server), what="the job to start")
    time.sleep(0.5)
    page.shot("running")
    cancel.click()
    page.wait_until(lambda: not page.js(PROGRESS_ON), timeout=8, what="the progress box to hide")
    page.wait_until(lambda: not _jobs(server), timeout=8, what="the job to be stopped")
    time.sleep(1.5)  # more than the job poll interval: nothing arrives for that request
    assert not page.has_figure("startmap")
    assert page.page.locator("#startmap-info").inner_text() == ""
    page.fill("input[name='grid']", "20")
    page.wait_until(lambda: page.has_figure("startmap"), timeout=30, what="the small map")
    rows = page.graph("startmap", "g => [g._fullData[0].z.length, g._fullData[0].z[0].length]")
    assert rows == [20, 20]
    assert "400 starts × 3000 steps" in page.page.locator("#startmap-info").inner_text()
    page.shot()
    assert page.errors == []


def test_an_identical_start_map_request_is_answered_from_the_cache(server, browser):
    url = f"{server}?mode=starts&surface=himmelblau&grid=120&steps=700&focus=3&t=0"
    seen = []
    for attempt in ("first", "again"):
        p = Page(browser, f"startmap-cache-{attempt}")
        jobs: list[str] = []  # the background job's requests: its start, then its polls
        p.page.on(
            "request",
            lambda r, jobs=jobs: (
                jobs.append(r.url)
                if "_dash-update-component" in r.url
                and ("cacheKey=" in r.url or "startmap.figure" in (r.post_data or "")[:300])
                else None
            ),
        )
        t0 = time.time()
        p.page.goto(url)
        p.wait_until(lambda p=p: p.has_figure("startmap"), timeout=40, what="the start map")
        seconds = time.time() - t0
        z = p.graph("startmap", "g => g._fullData[0].z.map(row => Array.from(row))")
        info = p.page.locator("#startmap-info").inner_text()
        seen.append((len(jobs), seconds, info, z))
        p.shot()
        assert p.errors == []
        p.close()
    (jobs1, seconds1, info1, z1), (jobs2, seconds2, info2, z2) = seen
    assert jobs1 >= 2  # computed: the job was started and polled
    assert "From the cache" not in info1
    assert jobs2 == 0  # the same request again: drawn at once, no job
    assert info2 == f"{info1} From the cache."
    assert z2 == z1
    assert seconds2 < seconds1, (seconds1, seconds2)


# --------------------------------------------------------------------------- 3D
def test_3d_view_moves_each_marker_along_its_path(server, page):
    page.open(f"{server}?mode=3d&t=0")
    page.wait_until(lambda: page.has_figure("view-figure"), what="the 3D figure")
    roles = page.graph(
        "view-figure", "g => g._fullData.map(t => [t.type, t.meta ? t.meta.role : null])"
    )
    n_runs = len(page.state().runs)
    assert roles.count(["surface", None]) == 1
    assert roles.count(["scatter3d", "path3d"]) == n_runs
    assert roles.count(["scatter3d", "head3d"]) == n_runs
    heads3d = """g => g._fullData.filter(t => t.meta && t.meta.role === 'head3d')
                   .map(t => [t.meta.run, t.x[0], t.y[0]])"""
    for t in (0, 250):
        page.js("t => window.gradscape.seek(t)", t)
        want = [[i, *(c[t] for c in page.path(i))] for i in range(n_runs)]
        page.wait_until(
            lambda want=want: page.graph("view-figure", heads3d) == want, what=f"heads at {t}"
        )
    assert page.state().t == 250
    page.shot()
    assert page.errors == []


def test_3d_view_head_turns_into_the_cross_once_its_run_has_diverged(server, page):
    page.open(f"{server}?mode=3d&t=0&run1=adam&run1.lr=0.05&run2=sgd&run2.lr=10")
    page.wait_until(lambda: page.has_figure("view-figure"), what="the 3D figure")
    symbols = """g => g._fullData.filter(t => t.meta && t.meta.role === 'head3d')
                   .map(t => [t.meta.run, t.meta.diverged, t.marker.symbol])"""
    sizes = """g => g._fullData.filter(t => t.meta && t.meta.role === 'head3d')
                 .map(t => t.marker.size)"""
    look = LOOKS["3d"]
    heads = page.graph("view-figure", symbols)
    diverged = {run: d for run, d, _ in heads}
    assert diverged[0] < 0 < diverged[1]
    page.js("t => window.gradscape.seek(t)", diverged[1] - 1)
    page.wait_until(
        lambda: [s for _, _, s in page.graph("view-figure", symbols)] == ["circle", "circle"],
        what="dots before the divergence",
    )
    assert page.graph("view-figure", sizes) == [look.head_size] * 2
    page.js("t => window.gradscape.seek(t)", diverged[1])
    page.wait_until(
        lambda: [s for _, _, s in page.graph("view-figure", symbols)] == ["circle", "x"],
        what="the diverged run's cross",
    )
    # the cross has the size app/look.py gives it in 3D, as in an export
    assert look.mark_size != look.head_size
    assert page.graph("view-figure", sizes) == [look.head_size, look.mark_size]
    assert page.errors == []


# --------------------------------------------------------------------------- inspector
def _numbers(page: Page) -> dict[str, list[str]]:
    return page.js(
        """() => Object.fromEntries(Array.from(
             document.querySelectorAll('#inspector-numbers tbody tr'),
             r => [r.children[0].textContent, Array.from(r.children).slice(1).map(
               c => c.textContent)]))"""
    )


def test_step_inspector_draws_gradient_momentum_and_step(server, page):
    page.open(f"{server}?inspect=1&focus=3&t=20")
    arrows = (
        "() => Array.from(document.querySelectorAll('g.gs-inspect .gs-arrow'),"
        " a => a.dataset.arrow)"
    )
    page.wait_until(lambda: page.js(arrows), what="the arrows")
    assert sorted(page.js(arrows)) == ["d", "g", "m"]
    assert page.page.locator("#inspector h2").text_content() == "Inspector · Adam"
    x, y = page.path(2)
    nums = _numbers(page)
    theta = [float(v) for v in nums["θ"]]
    assert theta == pytest.approx([x[20], y[20]], rel=1e-3)
    step = [float(v) for v in nums["Δθ (taken)"]]
    assert step == pytest.approx([x[21] - x[20], y[21] - y[20]], rel=1e-3)
    # the step is what Adam's rule says: Δθ = −(effective rate)·m
    eff = [float(v) for v in nums["effective rate"]]
    m20 = [float(v) for v in nums["m (first moment)"]]
    assert step == pytest.approx([-eff[0] * m20[0], -eff[1] * m20[1]], rel=2e-3)
    page.shot()
    page.js("() => window.gradscape.seek(21)")
    page.wait_until(
        lambda: page.js("() => document.querySelector('g.gs-inspect').dataset.step") == "21",
        what="the arrows at step 21",
    )
    assert page.js("() => document.getElementById('inspector-numbers').dataset.step") == "21"
    nums = _numbers(page)
    assert [float(v) for v in nums["θ"]] == pytest.approx([x[21], y[21]], rel=1e-3)
    g21 = [float(v) for v in nums["∇f (g)"]]
    m21 = [float(v) for v in nums["m (first moment)"]]
    assert m21 == pytest.approx(
        [0.9 * a + 0.1 * b for a, b in zip(m20, g21, strict=True)], rel=2e-3
    )
    assert page.errors == []


def test_step_inspector_for_sgd_draws_one_arrow_for_gradient_and_step(server, page):
    page.open(f"{server}?inspect=1&focus=1&t=20")
    sel = "g.gs-inspect .gs-arrow"
    page.wait_until(lambda: page.page.locator(sel).count() > 0, what="the arrows")
    assert page.js(
        f"() => Array.from(document.querySelectorAll('{sel}'), a => a.dataset.arrow)"
    ) == ["g d"]
    label = page.page.locator(sel).text_content()
    assert "Δθ" in label and "−γ∇f" in label
    nums = _numbers(page)
    x, y = page.path(0)
    assert [float(v) for v in nums["Δθ (taken)"]] == pytest.approx(
        [x[21] - x[20], y[21] - y[20]], rel=1e-3
    )
    lr = page.state().runs[0].hp["lr"]
    g = [float(v) for v in nums["∇f (g)"]]
    assert [float(v) for v in nums["Δθ (taken)"]] == pytest.approx(
        [-lr * g[0], -lr * g[1]], rel=2e-3
    )
    page.shot()
    assert page.errors == []


# --------------------------------------------------------------------------- presets
def _settled_query(page: Page) -> str:
    """The page's full query once the page has written it (pausing the autoplay if needed)."""
    page.wait_until(
        lambda: page.js("() => window.gradscape.playing") or "run1=" in page.query(),
        what="the state in the URL or playback",
    )
    page.js("() => window.gradscape.pause()")
    return page.wait_until(lambda: "run1=" in page.query() and page.query(), what="the URL")


def test_every_preset_opens_with_its_lesson_and_runs(server, browser):
    errors: list[str] = []
    for preset in PRESETS:
        p = Page(browser, f"preset-{preset.slug}")
        p.open(f"{server}?preset={preset.slug}")
        p.page.wait_for_selector("#lesson h2")
        assert p.page.locator("#lesson h2").text_content() == f"Lesson · {preset.title}"
        assert p.page.locator("#lesson .gs-lesson-body").inner_text().strip() != ""
        state = parse(_settled_query(p))[0]
        want = parse(preset.query)[0]
        assert state.runs == want.runs, preset.slug
        assert (state.surface, state.start, state.steps) == (want.surface, want.start, want.steps)
        assert state.preset == preset.slug
        assert p.page.locator(".gs-notice").count() == 0, preset.slug
        p.shot()
        errors += p.errors
        p.close()
    assert errors == []


def test_the_lessons_menu_lists_every_preset_and_opens_one(server, page):
    page.open(f"{server}?t=0")
    page.page.locator("summary", has_text="Lessons").click()
    links = page.page.locator(".gs-lessons a")
    links.first.wait_for(state="visible")
    assert [links.nth(j).get_attribute("data-preset") for j in range(links.count())] == [
        p.slug for p in PRESETS
    ]
    assert links.nth(0).locator("b").text_content() == PRESETS[0].title
    page.shot("menu")
    saddle = next(p for p in PRESETS if p.slug == "saddle")
    page.page.locator(".gs-lessons a[data-preset='saddle']").click()
    page.page.wait_for_function(
        "t => { const h = document.querySelector('#lesson h2');"
        " return h && h.textContent.endsWith(t); }",
        arg=saddle.title,
    )
    page.page.wait_for_function(MAP_READY)
    assert parse(_settled_query(page))[0].runs == parse(saddle.query)[0].runs
    page.shot()
    assert page.errors == []


# --------------------------------------------------------------------------- lesson mode
TICK = "g => g._fullLayout.xaxis.tickfont.size"


def test_lesson_mode_hides_the_controls_enlarges_type_and_shows_the_rules(server, page):
    page.open(f"{server}?preset=zigzag&t=0")
    normal = page.graph("map", TICK)
    assert page.page.locator("#sidebar").is_visible()
    assert page.page.locator("#rules .katex").count() == 0
    page.open(f"{server}?preset=zigzag&lesson=1")
    assert "gs-lesson" in page.page.locator("#root").get_attribute("class").split()
    assert not page.page.locator("#sidebar").is_visible()
    assert page.graph("map", TICK) > normal
    # the update rules, typeset, one per optimizer shown
    assert page.page.locator("#rules h3").all_text_contents() == ["SGD", "Momentum"]
    rules = page.page.locator("#rules .gs-rule")
    assert rules.count() == 2
    page.wait_until(
        lambda: all(rules.nth(j).locator(".katex .katex-html").count() for j in range(2)),
        what="typeset rules",
    )
    assert page.page.locator("#rules .katex-error").count() == 0
    page.shot()
    assert page.errors == []


HEADER = """() => Array.from(document.querySelectorAll('.gs-brand button, .gs-brand summary'))
  .filter(e => e.getBoundingClientRect().width > 0).map(e => {
    const b = e.getBoundingClientRect();
    return [e.id || e.textContent, b.left, b.right, b.top, b.bottom]; })"""


def test_the_lesson_toggle_switches_lesson_mode_off(server, page):
    page.open(f"{server}?preset=zigzag&lesson=1")
    page.shot()
    boxes = page.js(HEADER)
    width = page.js("() => window.innerWidth")
    for name, left, right, *_ in boxes:
        assert left >= 0 and right <= width, (name, left, right)
    for j, a in enumerate(boxes):
        for b in boxes[j + 1 :]:  # no two header controls overlap
            apart = a[2] <= b[1] or b[2] <= a[1] or a[4] <= b[3] or b[4] <= a[3]
            assert apart, (a, b)
    page.page.locator("#lesson-toggle").click(timeout=5_000)
    page.page.wait_for_function(
        "() => { const r = document.getElementById('root');"
        " return !!r && !r.classList.contains('gs-lesson')"
        " && !!document.querySelector('#lesson h2'); }"
    )
    page.page.wait_for_function(MAP_READY)
    assert "lesson=1" not in page.query().split("&")
    assert page.state().preset == "zigzag" and not page.state().lesson
    page.page.locator("#sidebar").wait_for(state="visible")
    page.shot("off")
    assert page.errors == []


# --------------------------------------------------------------------------- custom formula
MINIMA = "g => { const t = g._fullData[1]; return [Array.from(t.x), Array.from(t.y)]; }"
CONTOUR = "g => { const z = g._fullData[0].z; return [z[0][0], z[40][70], z.length]; }"


def test_a_typed_formula_draws_its_surface_and_bad_ones_are_refused(server, page):
    page.open(f"{server}?t=0")
    page.page.click("#surface")
    page.page.get_by_role("option", name="Custom formula…").click()
    expr = page.page.locator("input[name='expr']")
    expr.wait_for(state="visible")
    page.wait_until(lambda: page.state().surface == "custom", what="surface=custom in the URL")
    before = page.graph("map", CONTOUR)
    page.fill("input[name='expr']", "(1-x)**2 + 100*(y-x**2)**2")
    page.wait_until(lambda: page.graph("map", CONTOUR) != before, what="a new contour")
    page.wait_until(
        lambda: page.state().expr == "(1 - x)**2 + 100*(y - x**2)**2", what="expr in the URL"
    )
    assert "expr=" in page.query()
    page.wait_until(lambda: page.graph("map", MINIMA) == [[1], [1]], what="the star at (1, 1)")
    rosen = page.graph("map", CONTOUR)
    query = page.query()
    page.shot()
    # not allowed: a notice names the column; the map and the link stay as they were
    page.fill("input[name='expr']", "__import__('os')")
    notice = page.page.locator(".gs-notice")
    notice.wait_for(timeout=10_000)
    assert re.search(r"__import__.*column 1", notice.inner_text())
    assert page.graph("map", CONTOUR) == rosen
    assert page.state().expr == "(1 - x)**2 + 100*(y - x**2)**2"
    page.shot("refused")
    # the page still works: a later valid formula applies
    page.fill("input[name='expr']", "x**2 + y**2")
    page.wait_until(lambda: page.graph("map", MINIMA) == [[0], [0]], what="the star at (0, 0)")
    page.wait_until(lambda: page.state().expr == "x**2 + y**2", what="the new expr in the URL")
    assert page.query() != query
    assert page.errors == []


def test_a_link_with_a_bad_formula_shows_a_notice_and_the_default_surface(server, page):
    page.open(f"{server}?surface=custom&expr=lambda:1&t=0")
    text = page.page.locator(".gs-notice").inner_text()
    assert "expr:" in text and "lambda" in text and "Rosenbrock" in text
    assert page.state().surface == "rosenbrock"
    assert page.graph("map", MINIMA) == [[1], [1]]
    page.shot()
    assert page.errors == []


def test_a_formula_link_keeps_its_state_through_an_unrelated_edit(server, page):
    query = "surface=custom&expr=x**2%2B3*sin(y)&run1=adam&run1.lr=0.05&start=1,1&t=0"
    page.open(f"{server}?{query}")
    page.page.locator("input[name='expr']").wait_for()
    page.page.click("#theme")
    page.wait_until(lambda: page.state().theme == "dark", what="theme=dark in the URL")
    want = parse(f"{query}&theme=dark")[0]
    assert page.query() == serialize(want)
    assert page.errors == []


# --------------------------------------------------------------------------- download
@pytest.mark.parametrize(
    ("label", "fmt"), [("PNG image (2×)", "png"), ("Interactive HTML", "html")], ids=["png", "html"]
)
def test_download_menu_gives_the_file(server, page, label, fmt):
    page.open(f"{server}?run1=adam&run1.lr=0.1&t=100")
    page.page.locator("summary", has_text="Download").click()
    link = page.page.locator("a.gs-export", has_text=label)
    link.wait_for(state="visible")
    page.shot("menu")
    with page.page.expect_download(timeout=90_000) as info:
        link.click()
    download = info.value
    assert download.failure() is None
    assert f"/export/{fmt}?" in download.url and "t=100" in download.url
    data = Path(download.path()).read_bytes()
    if fmt == "png":
        assert data[:8] == b"\x89PNG\r\n\x1a\n", data[:200]
        assert len(data) > 20_000
    else:
        assert b"<html" in data[:2000].lower(), data[:200]
        assert b"plotly" in data.lower()
        assert len(data) > 100_000
    assert download.suggested_filename.endswith(f".{fmt}")
    assert page.errors == []


def test_download_menu_gif_takes_its_steps_frames_and_size(server, page):
    page.open(f"{server}?steps=100&t=50")
    page.page.locator("summary", has_text="Download").click()
    for name, value in (("first", "10"), ("last", "60"), ("frames", "6"), ("width", "400")):
        page.page.fill(f"input[name='export.{name}']", value)
    page.shot("menu")
    with page.page.expect_download(timeout=90_000) as info:
        page.page.locator("a.gs-export[data-format='gif']").click()
    download = info.value
    assert "export.first=10" in download.url and "export.last=60" in download.url
    img = Image.open(io.BytesIO(Path(download.path()).read_bytes()))
    assert img.format == "GIF" and img.n_frames == 6 and img.size[0] == 400
    img.seek(0)
    first = np.asarray(img.convert("RGB"), dtype=int)
    img.seek(5)
    assert (np.abs(np.asarray(img.convert("RGB"), dtype=int) - first).sum(axis=2) > 0).any()
    assert page.errors == []


# --------------------------------------------------------------------------- shared links
SHARED = {
    "paths": "surface=beale&run1=adam&run1.lr=0.05&run2=rmsprop&inspect=1&focus=2&theme=dark",
    "compare": "run1=momentum&run1.lr=0.0005&rates=0.0002,0.002&k=5&layout=overlay&steps=200",
    "sensitivity": "surface=quadratic&surface.condition=20&run1=sgd&run1.lr=0.02&run2=adam"
    "&steps=200",
    "starts": "surface=himmelblau&run1=sgd&run1.lr=0.005&run2=adam&focus=2&grid=20&metric=steps",
    "3d": "surface=six_hump_camel&run1=nesterov&run1.lr=0.01&view=-1.5,1.5,-1,1&steps=300",
}


@pytest.mark.parametrize("mode", list(SHARED))
def test_every_view_from_a_shared_link_reads_back_the_same(server, page, mode):
    state, notices = parse(f"{SHARED[mode]}&mode={mode}&t=40")
    assert notices == [] and state.mode == mode
    page.open(f"{server}?{serialize(state)}")
    page.wait_until(lambda: page.query() == serialize(state), what="the link written back")
    assert page.state() == state
    assert f"gs-mode-{mode}" in page.page.locator("#root").get_attribute("class").split()
    assert page.page.locator(".gs-notice").count() == 0
    page.shot()
    assert page.errors == []
