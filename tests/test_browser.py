"""The app in a real headless Chromium (Playwright driving Debian's chromium).

The app is served by `gradscape` itself on 127.0.0.1 (a subprocess, as a user
starts it). Each test saves a screenshot under test-artifacts/browser/. The
module skips only where no Chromium (or Playwright) is installed; CI installs both.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from browser_helpers import CHROMIUM, Page

if not Path(CHROMIUM).exists():
    pytest.skip(f"no Chromium at {CHROMIUM}", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")

from gradscape import surfaces  # noqa: E402
from gradscape.app import ids, look  # noqa: E402
from gradscape.app.figures import THEMES  # noqa: E402
from gradscape.app.state import PALETTE_DARK, parse, serialize  # noqa: E402
from gradscape.optimizers import OPTIMIZERS  # noqa: E402


def _paused(url: str, query: str) -> str:
    return f"{url}?{query}"


def _rgb(color: str) -> str:
    """A #rgb or #rrggbb colour as the browser's computed style writes it."""
    h = color.lstrip("#")
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    return "rgb({}, {}, {})".format(*(int(h[i : i + 2], 16) for i in (0, 2, 4)))


#: Counts the timers, animation frames and DOM observers that the app's browser code
#: (assets/gs/) starts; an init script, so it sees them from the start. (The loader,
#: assets/_gs-loader.js, keeps an observer for formulas on purpose: not counted.)
TIMERS = r"""
(() => {
  const ours = () => /\/assets\/gs\//.test(new Error().stack || "");
  const T = (window.__timers = {
    intervals: new Set(), observers: new Set(), timeouts: 0, frames: 0,
  });
  const si = window.setInterval, ci = window.clearInterval;
  const st = window.setTimeout, raf = window.requestAnimationFrame;
  window.setInterval = function (...a) {
    const h = si.apply(this, a);
    if (ours()) T.intervals.add(h);
    return h;
  };
  window.clearInterval = function (h) { T.intervals.delete(h); return ci.call(this, h); };
  window.setTimeout = function (...a) { if (ours()) T.timeouts++; return st.apply(this, a); };
  window.requestAnimationFrame = function (...a) {
    if (ours()) T.frames++;
    return raf.apply(this, a);
  };
  const observe = MutationObserver.prototype.observe;
  const disconnect = MutationObserver.prototype.disconnect;
  MutationObserver.prototype.observe = function (...a) {
    if (ours()) T.observers.add(this);
    return observe.apply(this, a);
  };
  MutationObserver.prototype.disconnect = function () {
    T.observers.delete(this);
    return disconnect.call(this);
  };
})();
"""
COUNTS = """() => ({intervals: __timers.intervals.size, observers: __timers.observers.size,
                   timeouts: __timers.timeouts, frames: __timers.frames})"""


# --------------------------------------------------------------------------- tests
def test_page_loads_plays_to_the_end_with_no_console_errors(server, page):
    page.open(server)
    # a first visit plays from 0: every run reaches the last step, then the URL holds it
    page.wait_until(lambda: not page.js("() => window.gradscape.playing"), what="autoplay to end")
    steps = page.js("() => window.gradscape.steps")
    assert steps == 500
    assert [page.head_step(i) for i in range(3)] == [500, 500, 500]
    names = page.js(
        "() => Array.from(document.querySelectorAll('#legend .gs-legend-item'), e => e.textContent)"
    )
    assert [n.split(" · ")[0] for n in names] == ["SGD", "Momentum", "Adam"]
    assert page.state().t == 500
    rows = page.page.locator(".gs-table tbody tr").count()
    assert rows == 3
    page.shot()
    assert page.errors == []


def test_add_a_run_and_change_its_optimizer(server, page):
    page.open(_paused(server, "run1=adam&t=500"))
    page.page.click("#add-run")
    page.wait_until(lambda: page.page.locator(".gs-run").count() == 2, what="a second run panel")
    page.wait_until(lambda: len(page.state().runs) == 2, what="two runs in the URL")
    added = page.state().runs[1]
    assert added.optimizer != "adam" and added.color != page.state().runs[0].color
    # pick RMSProp in the new run's optimizer menu
    page.page.click(".gs-run[data-run='1'] .gs-opt")
    page.page.get_by_role("option", name="RMSProp", exact=True).click()
    page.wait_until(
        lambda: page.state().runs[1].optimizer == "rmsprop", what="run 2 to become RMSProp"
    )
    state = page.state()
    rms = surfaces.get("rosenbrock").suggested_lr("rmsprop")
    assert state.runs[1].hp["lr"] == rms
    page.wait_until(
        lambda: (
            page.page.locator("#legend .gs-legend-item[data-run='1']")
            .inner_text()
            .startswith("RMSProp")
        ),
        what="RMSProp in the legend",
    )
    # the panel now offers RMSProp's own hyperparameters, from the registry
    extra = len(OPTIMIZERS["rmsprop"].params) - 1
    summary = page.page.locator(".gs-run[data-run='1'] .gs-more summary").inner_text()
    assert summary.startswith(f"{extra} more")
    boxes = page.page.locator(".gs-run[data-run='1'] .gs-num input")
    assert boxes.count() == extra  # lr plus every other number (centered is a checkbox)
    page.shot()
    assert page.errors == []


def test_moving_a_learning_rate_slider_changes_the_path(server, page):
    page.open(_paused(server, "run1=sgd&run1.lr=0.001&run2=adam&run2.lr=0.01&t=500"))
    before_sgd, before_adam = page.path(0), page.path(1)
    page.js(
        """() => { window.__sgd = window.gradscape.runs()[0];
             const parts = document.querySelectorAll('svg.gs-overlay .gs-runs > *');
             window.__nodes = Array.from(parts); }"""
    )
    thumb = page.page.locator(".gs-run[data-run='1'] .dash-slider-thumb[role=slider]").first
    thumb.focus()
    for _ in range(5):
        thumb.press("ArrowRight")  # 5 × 0.01 decades
    box = page.page.locator(".gs-run[data-run='1'] .gs-num input").first
    page.wait_until(
        lambda: float(box.input_value()) == pytest.approx(10 ** (-2 + 0.05), rel=0.01),
        what="the box to follow the slider",
    )
    page.wait_until(
        lambda: page.state().runs[1].hp["lr"] == float(box.input_value()),
        what="the state to take the box's value",
    )
    page.wait_until(lambda: page.path(1) != before_adam, what="the Adam path to change")
    assert page.path(0) == before_sgd  # the other run is untouched
    # … and not decoded or laid out again; the overlay redraws in the same elements
    assert page.js(
        """() => { const now = window.gradscape.runs()[0];
             const nodes = document.querySelectorAll('svg.gs-overlay .gs-runs > *');
             return now === window.__sgd && now.px !== null
               && window.__nodes.every((n, i) => n === nodes[i]) && nodes.length === 6; }"""
    )
    # typing an exact value works too, and moves the slider
    box.fill("0.0421")
    box.press("Enter")
    page.wait_until(lambda: page.state().runs[1].hp["lr"] == 0.0421, what="the typed lr")
    value = float(thumb.get_attribute("aria-valuenow"))
    assert value == pytest.approx(-1.3757, abs=0.01)  # log10(0.0421)
    page.shot()
    assert page.errors == []


def test_typing_a_bad_value_shows_a_notice_and_keeps_the_page(server, page):
    page.open(_paused(server, "run1=sgd&run1.lr=0.01&t=500"))
    box = page.page.locator(".gs-run[data-run='0'] .gs-num input").first
    box.fill("fast please")
    box.press("Enter")
    notice = page.page.locator(".gs-notice")
    notice.wait_for(timeout=10_000)
    assert "not a number" in notice.inner_text()
    page.wait_until(lambda: box.input_value() == "0.01", what="the box to show the kept value")
    box.fill("99")
    box.press("Enter")
    page.wait_until(lambda: "run1.lr=99 is out of range" in notice.inner_text(), what="clamping")
    page.wait_until(lambda: page.state().runs[0].hp["lr"] == 10, what="the lr clamped to 10")
    # lr 10 diverges: the table says so, the map marks it, and nothing breaks
    page.wait_until(
        lambda: "diverged at step" in page.page.locator(".gs-table").inner_text(),
        what="the divergence row",
    )
    assert (
        page.js("() => document.querySelector('svg.gs-overlay .gs-head').getAttribute('data-mark')")
        == "x"
    )
    page.shot()
    assert page.errors == []


def test_clicking_the_map_moves_the_start(server, page):
    page.open(_paused(server, "run1=adam&run1.lr=0.05&t=500"))
    target = (0.5, -0.5)
    x, y = page.js(
        """([x, y]) => { const g = document.querySelector('#map .js-plotly-plot');
             const fl = g._fullLayout, b = g.getBoundingClientRect();
             return [b.left + fl.xaxis._offset + fl.xaxis.d2p(x),
                     b.top + fl.yaxis._offset + fl.yaxis.d2p(y)]; }""",
        list(target),
    )
    page.page.mouse.click(x, y)
    page.wait_until(lambda: page.state().start != (-1.5, 2.0), what="the start to move")
    sx, sy = page.state().start
    assert abs(sx - target[0]) < 0.02 and abs(sy - target[1]) < 0.02
    marker = page.js(
        "() => { const g = document.querySelector('#map .js-plotly-plot');"
        " return [g._fullData[2].x[0], g._fullData[2].y[0]]; }"
    )
    page.wait_until(
        lambda: page.path(0)[0][0] == sx and page.path(0)[1][0] == sy, what="the path to follow"
    )
    assert marker == pytest.approx([sx, sy], abs=0.02)
    assert page.page.locator("#start-x").input_value() == f"{sx:g}"
    page.shot()
    assert page.errors == []


def test_play_advances_every_marker_in_the_browser(server, page):
    page.open(_paused(server, "run1=sgd&run2=adam&steps=1000&t=0"))
    assert page.head_step(0) == 0 and page.head_step(1) == 0
    requests: list[str] = []
    page.page.on("request", lambda r: requests.append(r.url))
    # a frame neither makes Plotly draw the map nor lays out a path again: it moves the
    # trail's end and the heads (O(runs)), the paths' points stay as they were
    page.js(
        """() => { window.__redraws = 0; window.__points = 0;
             document.querySelector('#map .js-plotly-plot').on('plotly_afterplot',
               () => window.__redraws++);
             new MutationObserver(ms => window.__points += ms.length).observe(
               document.querySelector('svg.gs-overlay'),
               {subtree: true, attributes: true, attributeFilter: ['points']}); }"""
    )
    page.page.click("#play")
    page.wait_until(lambda: page.head_step(0) > 50, what="the marker to move")
    page.page.click("#play")  # pause
    page.wait_until(lambda: not page.js("() => window.gradscape.playing"), what="pause")
    assert page.js("() => [window.__redraws, window.__points]") == [0, 0]
    t = page.js("() => window.gradscape.t")
    assert 50 < t < 1000
    assert page.head_step(0) == page.head_step(1) == t  # in sync
    assert page.js("() => document.getElementById('timeline').value") == str(t)
    loss_head = page.js(
        "() => document.querySelector('#loss .js-plotly-plot')._fullData"
        ".filter(t => t.meta && t.meta.role === 'head').map(t => t.x[0])"
    )
    assert loss_head == [t, t]
    # playback asked the server for nothing
    assert not [u for u in requests if "_dash-update-component" in u]
    page.wait_until(lambda: page.state().t == t, what="the URL to hold the paused step")
    # step buttons and the timeline
    page.page.click("#step-forward")
    assert page.js("() => window.gradscape.t") == t + 1
    page.page.click("#reset")
    assert page.head_step(1) == 0
    page.page.locator("#timeline").fill("700")
    page.wait_until(lambda: page.head_step(0) == 700, what="the timeline to seek")
    page.shot()
    assert page.errors == []


def test_a_shared_url_reproduces_the_same_state(server, browser):
    query = (
        "surface=quadratic&surface.condition=50&surface.angle=-20"
        "&run1=momentum&run1.lr=0.015&run1.momentum=0.8&run1.color=4"
        "&run2=adam&run2.lr=0.2&run2.color=1&run2.hide=1"
        "&start=2.25,-1.5&steps=300&schedule=cosine&schedule.t_max=300"
        "&clip=norm&clip_at=5&noise=0.5&seed=7&view=-2.5,2.5,-2,2&t=120"
    )
    expected, notices = parse(query)
    assert notices == []
    first = Page(browser, "shared-url-sender")
    first.open(_paused(server, query))
    first.wait_until(lambda: first.state().t == 120, what="the sender's URL")
    sent = first.js("() => location.href")
    first.close()

    second = Page(browser, "shared-url-receiver")
    second.open(sent)
    second.wait_until(lambda: second.state() == expected, what="the same state")
    assert second.query() == serialize(expected)
    assert second.head_step(0) == 120
    assert second.page.locator("input[name='surface.condition']").input_value() == "50"
    assert second.page.locator("input[name='run.0.momentum']").input_value() == "0.8"
    assert "gs-hidden" in second.page.locator(".gs-run[data-run='1']").get_attribute("class")
    fig = second.js(
        "() => { const l = document.querySelector('#map .js-plotly-plot')._fullLayout;"
        " return [l.xaxis.range, l.yaxis.range]; }"
    )
    assert fig[0] == pytest.approx([-2.5, 2.5], abs=1e-9)
    assert fig[1][0] <= -2 and fig[1][1] >= 2  # equal aspect may widen y, never crop it
    second.shot()
    assert second.errors == []
    second.close()


def test_garbage_url_gives_a_working_page_and_a_notice(server, page):
    page.open(_paused(server, "surface=nowhere&run1=adam&run1.lr=banana&steps=-4&zzz=%00"))
    text = page.page.locator(".gs-notice").inner_text()
    assert "surface='nowhere' is unknown" in text
    assert "run1.lr='banana' is not a number" in text
    assert "steps=-4 is out of range" in text
    state = page.state()
    assert state.surface == "rosenbrock" and state.steps == 10
    page.shot()
    assert page.errors == []


def test_small_screen_keeps_the_map_usable(server, browser):
    p = Page(browser, "small-screen", size=(1024, 700))
    p.open(_paused(server, "t=500"))
    box = p.js(
        "() => { const l = document.querySelector('#map .js-plotly-plot')._fullLayout;"
        " return [l.xaxis._length, l.yaxis._length]; }"
    )
    assert min(box) > 300  # the plot area stays large enough to read and click
    p.shot()
    assert p.errors == []
    p.close()


def test_url_query_keys_are_readable(server, page):
    page.open(_paused(server, "run1=adam&t=500"))
    keys = list(parse_qs(page.query()))
    assert keys[:3] == ["surface", "run1", "run1.lr"]
    assert all(re.fullmatch(r"[a-z_0-9.]+", k) for k in keys)


def test_zooming_sets_the_view_and_redraws_the_contour_for_it(server, page):
    page.open(_paused(server, "run1=adam&t=500"))
    page.js(
        "() => window.Plotly.relayout(document.querySelector('#map .js-plotly-plot'),"
        " {'xaxis.range': [-1, 1], 'yaxis.range': [0, 2]})"
    )
    page.wait_until(lambda: page.state().view == (-1, 1, 0, 2), what="the view in the URL")
    page.wait_until(
        lambda: (
            page.js(
                "() => { const c = document.querySelector('#map .js-plotly-plot')._fullData[0];"
                " return [c.x[0], c.x[c.x.length - 1], c.y[0], c.y[c.y.length - 1]]; }"
            )
            == [-1, 1, 0, 2]
        ),
        what="a contour computed over the new view",
    )
    page.shot("zoomed")
    # a double-click (autorange) goes back to the surface's own view
    page.js(
        "() => window.Plotly.relayout(document.querySelector('#map .js-plotly-plot'),"
        " {'xaxis.autorange': true, 'yaxis.autorange': true})"
    )
    default = surfaces.get("rosenbrock").view
    page.wait_until(lambda: page.state().view == default, what="the default view")
    assert "view=" not in page.query()
    assert page.errors == []


def test_the_theme_switch_redraws_in_dark_and_the_link_keeps_it(server, page):
    page.open(_paused(server, "run1=adam&t=500"))
    plot_bg = "() => document.querySelector('#map .js-plotly-plot')._fullLayout.plot_bgcolor"
    light = page.js(plot_bg)
    assert page.run_style(0)["halo"] == _rgb(THEMES["light"].halo)
    page.js("() => { window.__x = window.gradscape.runs()[0].x; }")
    page.page.click("#theme")
    page.wait_until(lambda: page.state().theme == "dark", what="theme=dark in the URL")
    page.wait_until(lambda: page.js(plot_bg) != light, what="the map in dark colours")
    assert "gs-dark" in page.page.locator("#root").get_attribute("class")
    # the trail drawn over the map takes the dark palette's colour for the run
    stroke = page.js(
        "() => document.querySelector('svg.gs-overlay .gs-trail').getAttribute('stroke')"
    )
    assert stroke.lower() == PALETTE_DARK[page.state().runs[0].color].lower()
    # the heads' outline is the dark theme's halo, sent with the store's styles
    page.wait_until(
        lambda: page.run_style(0)["halo"] == _rgb(THEMES["dark"].halo), what="the dark halo"
    )
    # the whole store came again with the same path: its decoded arrays are reused
    assert page.js("() => window.gradscape.runs()[0].x === window.__x")
    page.shot()
    page.page.click("#theme")
    page.wait_until(lambda: page.state().theme == "light", what="back to light")
    assert page.errors == []


def test_the_path_follows_a_slider_while_it_is_being_dragged(server, page):
    page.open(_paused(server, "run1=adam&run1.lr=0.001&t=500"))
    # the formula is typeset once the page is idle, and moves what is below it: measure after
    page.page.wait_for_selector("#formula .katex")
    before = page.path(0)
    thumb = page.page.locator(".gs-run[data-run='0'] .dash-slider-thumb[role=slider]").first
    box = thumb.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.page.mouse.move(x, y)
    page.page.mouse.down()
    for dx in range(4, 64, 4):
        page.page.mouse.move(x + dx, y)
    # the button is still held: the URL and the path have already moved
    page.wait_until(lambda: page.state().runs[0].hp["lr"] > 0.001, what="the lr mid-drag")
    page.wait_until(lambda: page.path(0) != before, what="the path mid-drag")
    mid = page.state().runs[0].hp["lr"]
    page.page.mouse.move(x + 90, y)
    page.page.mouse.up()
    page.wait_until(lambda: page.state().runs[0].hp["lr"] > mid, what="the lr after the drag")
    page.shot()
    assert page.errors == []


def test_hovering_a_path_shows_its_step_position_and_loss(server, page):
    page.open(_paused(server, "run1=adam&run1.lr=0.05&t=500"))
    k = 120
    x, y = page.path(0)[0][k], page.path(0)[1][k]
    px, py = page.js(
        """([x, y]) => { const g = document.querySelector('#map .js-plotly-plot');
             const fl = g._fullLayout, b = g.getBoundingClientRect();
             return [b.left + fl.xaxis._offset + fl.xaxis.d2p(x),
                     b.top + fl.yaxis._offset + fl.yaxis.d2p(y)]; }""",
        [x, y],
    )
    page.page.mouse.move(px, py)
    tip = page.page.locator(".gs-tip")
    tip.wait_for(state="visible", timeout=5_000)
    text = tip.inner_text()
    step = int(re.search(r"step (\d+)", text).group(1))
    assert abs(step - k) <= 3  # the nearest drawn point to the pixel
    path = page.path(0)
    assert f"x {float(f'{path[0][step]:.6g}'):g}" in text.replace("−", "-")
    loss = surfaces.get("rosenbrock").value(path[0][step], path[1][step])
    assert float(re.search(r"f ([0-9.e+-]+)", text).group(1)) == pytest.approx(loss, rel=1e-4)
    page.shot()
    page.page.mouse.move(5, 5)
    page.wait_until(lambda: not tip.is_visible(), what="the label to go")
    assert page.errors == []


def test_the_overlay_draws_runs_with_the_styles_the_paths_store_sends(server, page):
    page.open(_paused(server, "run1=adam&run1.lr=0.05&run2=sgd&run2.lr=10&t=200"))
    halo = THEMES["light"].halo
    assert page.js("() => window.gradscape.paths().style") == look.style_data(halo)
    want = look.LOOKS["map"]
    dot = page.run_style(0)
    for key in ("trail_width", "ghost_width", "ghost_opacity", "head_size", "head_halo"):
        assert dot[key] == pytest.approx(getattr(want, key), abs=1e-3), key
    assert dot["ghost_dash"] == pytest.approx(list(want.ghost_dash))
    assert dot["halo"] == _rgb(halo)
    # lr 10 diverges: a cross, sized by the same look
    cross = page.run_style(1)
    assert cross["mark_size"] == pytest.approx(want.mark_size, abs=0.05)
    assert cross["mark_width"] == pytest.approx(want.mark_width)
    # the cross from the step it diverged at on, a dot before (app/look.py `at_step`)
    diverged = page.js("() => window.gradscape.runs()[1].src.diverged")
    assert diverged > 0
    # (heads by run: a run that leaves the map is drawn first, under the others)
    page.js("t => window.gradscape.seek(t)", diverged - 1)
    assert {h["run"]: h for h in page.heads()}[1]["mark"] == "circle"
    page.js("t => window.gradscape.seek(t)", diverged)
    assert {h["run"]: h for h in page.heads()}[1]["mark"] == "x"
    # the trail ends at the head: it is the path up to step t
    page.js("() => window.gradscape.seek(120)")
    end, head = page.js(
        """() => { const trail = document.querySelector('svg.gs-overlay .gs-trail');
             const p = trail.getPointAtLength(parseFloat(trail.getAttribute('stroke-dasharray')));
             const h = document.querySelector('svg.gs-overlay .gs-head');
             const m = h.transform.baseVal[0].matrix;
             return [[p.x, p.y], [m.e, m.f]]; }"""
    )
    assert end == pytest.approx(head, abs=0.5)
    # other styles in the store: the overlay takes them (no size is restated in CSS or JS)
    page.js(
        """() => { const d = window.gradscape.paths();
             const map = {...d.style.map, trail_width: 5, ghost_width: 3, ghost_opacity: 0.25,
                          ghost_dash: [3, 3], head_size: 20, head_halo: 1};
             window.dash_clientside.set_props(window.GS_IDS.PATHS,
               {data: {...d, style: {...d.style, halo: '#ff0000', map}}}); }"""
    )
    page.wait_until(lambda: page.run_style(0)["trail_width"] == 5, what="the new trail width")
    assert page.run_style(0) | {"mark_size": 0, "mark_width": 0} == {
        "trail_width": 5,
        "ghost_width": 3,
        "ghost_opacity": 0.25,
        "ghost_dash": [3, 3],
        "head_size": 20,
        "head_halo": 1,
        "halo": "rgb(255, 0, 0)",
        "mark_size": 0,
        "mark_width": 0,
    }
    page.shot()
    assert page.errors == []


def test_the_page_reads_component_ids_from_app_ids(server, page):
    page.open(_paused(server, "t=500"))
    assert page.js("() => window.GS_IDS") == ids.for_browser()
    assert page.js("() => window.gradscape.ids === window.GS_IDS")


def test_nothing_polls_once_the_page_is_drawn(server, browser):
    p = Page(browser, "nothing-polls")
    p.page.add_init_script(TIMERS)
    p.open(_paused(server, "run1=adam&t=500"))
    assert p.js(COUNTS)["frames"] > 0  # the counters do see Gradscape's scripts
    # settled: nothing new for half a second (a late font or typeset may still redraw once)
    settled = p.js(COUNTS)
    for _ in range(10):
        p.page.wait_for_timeout(500)
        now = p.js(COUNTS)
        if (now["timeouts"], now["frames"]) == (settled["timeouts"], settled["frames"]):
            break
        settled = now
    p.page.wait_for_timeout(1500)
    idle = p.js(COUNTS)
    # no interval and no page observer left running, and nothing rescheduled while idle
    assert idle["intervals"] == 0 and idle["observers"] == 0, idle
    assert (idle["timeouts"], idle["frames"]) == (settled["timeouts"], settled["frames"])
    # the map is still hooked, by its events: a zoom redraws the paths for the new axes
    before = p.heads()[0]
    p.js(
        "() => window.Plotly.relayout(document.querySelector('#map .js-plotly-plot'),"
        " {'xaxis.range': [-1.5, 0], 'yaxis.range': [1, 2.5]})"
    )
    p.wait_until(lambda: p.heads()[0]["x"] != before["x"], what="the head to follow the zoom")
    assert p.errors == []
    p.close()


@pytest.mark.parametrize("query", ["", "mode=compare&k=3", "surface=quadratic&run1=sgd&inspect=1"])
def test_first_load_sends_one_request_and_draws_the_paths_from_it(server, page, query):
    """The page's first load asks the server once (`load`): the side panel comes with the
    page, so no `edit` fires for nothing, and the paths are drawn from that one answer."""
    posts: list[str] = []

    def seen(r) -> None:
        if "_dash-update-component" in r.url and r.method == "POST":
            posts.append(r.post_data_json.get("output", ""))

    page.page.on("request", seen)
    page.page.goto(f"{server}?{query}")
    page.page.wait_for_function(
        "() => document.querySelector('svg.gs-overlay .gs-head') || "
        "document.querySelector('#map .js-plotly-plot .scatterlayer .trace')",
        timeout=30_000,
    )
    page.page.wait_for_load_state("networkidle")
    page.page.wait_for_timeout(500)
    assert len(posts) == 1 and "loaded.data" in posts[0], posts
    assert page.page.locator(".gs-run").count() == len(parse(query)[0].runs)
    assert page.errors == []


DROP_FIRST_EDIT = """() => {
  const fetch0 = window.fetch;
  let seen = 0;
  window.fetch = async (url, init) => {
    const answer = await fetch0(url, init);
    const body = (init && typeof init.body === "string") ? init.body : "";
    if (String(url).includes("_dash-update-component") && body.includes("state.data")
        && window.__dropFirstEdit && seen++ === 0) {
      await new Promise((done) => setTimeout(done, 2000));  // a later request overtakes it
    }
    return answer;
  };
}"""


def test_an_edit_whose_answer_is_overtaken_is_not_lost(server, page):
    """Two boxes typed one after the other, the first answer held back until the second
    request has gone. Dash 4 then keeps the older answer and drops the newer one, but the
    second box still shows its value: the next request (any edit) carries it, so the
    state gets both values (every request carries every box)."""
    page.page.add_init_script(f"({DROP_FIRST_EDIT})();")
    page.open(_paused(server, "run1=sgd&run1.lr=0.001&run2=adam&run2.lr=0.01&t=500"))
    page.js("() => { window.__dropFirstEdit = true; }")
    first = page.page.locator(".gs-run[data-run='0'] .gs-num input").first
    second = page.page.locator(".gs-run[data-run='1'] .gs-num input").first
    first.fill("0.0123")
    first.press("Enter")
    page.page.wait_for_timeout(300)
    second.fill("0.0456")
    second.press("Enter")
    page.wait_until(lambda: page.state().runs[0].hp["lr"] == 0.0123, what="the first rate")
    page.page.wait_for_timeout(1000)  # both answers are in
    page.page.click("#theme")  # another edit
    page.wait_until(lambda: page.state().theme == "dark", what="the theme")
    assert [r.hp["lr"] for r in page.state().runs] == [0.0123, 0.0456]
    assert first.input_value() == "0.0123" and second.input_value() == "0.0456"
    assert page.errors == []
