"""The slider's fast lane in Chromium: a run's path redrawn from `POST /api/edit` while its
slider moves, Dash told once when it settles, overtaken answers dropped."""

from __future__ import annotations

import numpy as np
import pytest

from gradscape.app.compute import compute
from gradscape.app.state import parse

QUERY = "run1=adam&run1.lr=0.01&run2=sgd&run2.lr=0.001&run3=momentum&steps=300&t=300"
THUMB = ".gs-run[data-run='1'] .dash-slider-thumb[role=slider]"
BOX = ".gs-run[data-run='1'] .gs-num input"

#: Count the page's requests by kind, and let a test hold back chosen /api/edit answers.
SPY = """() => {
  window.__req = {edit: 0, dash: 0};
  window.__hold = new Set();  // sequence numbers of /api/edit answers to delay
  const f = window.fetch;
  window.fetch = (url, init) => {
    const u = String(url);
    if (u.includes('/api/edit')) {
      window.__req.edit += 1;
      const seq = JSON.parse(init.body).seq;
      return f(url, init).then((r) => window.__hold.has(seq)
        ? new Promise((ok) => setTimeout(() => ok(r), 700)) : r);
    }
    if (u.includes('_dash-update-component')) window.__req.dash += 1;
    return f(url, init);
  };
}"""


def open_settled(page, url: str) -> None:
    """Open `url` and wait for the formula's typesetting (KaTeX, fetched once the page is
    idle): it moves the layout, and the map's new size is an edit of its own."""
    page.open(url)
    page.page.wait_for_selector("#formula .katex")
    page.page.wait_for_load_state("networkidle")


def server_path(query: str, run: int) -> list[list[float]]:
    state = parse(query)[0]
    r = compute(state, state.runs[run])
    return [r.x.tolist(), r.y.tolist()]


def loss_matches(page) -> bool:
    """Whether run 1's curve on the loss chart is the loss of the run the URL describes."""
    shown = page.js(
        "() => Array.from(document.querySelector('#loss .js-plotly-plot')._fullData[2].y)"
    )
    state = page.state()
    want = compute(state, state.runs[1]).loss
    got = np.array(shown, dtype=float)
    # the chart shows f − f* in float32 (Rosenbrock: f* = 0)
    return got.shape == want.shape and np.allclose(got, want, rtol=1e-6, atol=0)


def test_a_run_slider_redraws_at_once_and_tells_dash_once_it_settles(server, page):
    open_settled(page, f"{server}?{QUERY}")
    page.js(SPY)
    page.js("() => { window.gradscape.fast.settleMs = 3000; }")  # time to look before it settles
    before = [page.path(i) for i in range(3)]
    thumb = page.page.locator(THUMB).first
    box = page.page.locator(BOX).first
    thumb.focus()
    seen = []
    for _ in range(4):
        thumb.press("ArrowRight")  # 0.01 decades each
        page.wait_until(lambda: page.path(1) not in [before[1], *seen], what="the path redrawn")
        seen.append(page.path(1))
    # each step drew at once, from the fast lane alone: Dash has not been asked yet
    assert page.js("() => window.__req") == {"edit": 4, "dash": 0}
    assert page.js("() => window.gradscape.fast.pending('run.1.lr')")
    # the box and the link follow at once (the box read as painted: React may write its
    # committed value back between frames, and the page restores it before the next paint)
    page.wait_until(
        lambda: float(box.input_value()) == page.state().runs[1].hp["lr"], what="box and link"
    )
    lr = page.state().runs[1].hp["lr"]
    assert lr == pytest.approx(10 ** (-3 + 0.04), rel=0.01)
    assert page.path(1) == server_path(page.query(), 1)
    assert page.path(0) == before[0] and page.path(2) == before[2]
    page.wait_until(lambda: loss_matches(page), what="the loss chart, a frame after the path")
    assert page.js("() => window.__req.dash") == 0
    # the slider rests: one edit brings the rest of the page (table, loss, state store)
    page.wait_until(lambda: page.js("() => window.__req.dash") == 1, timeout=10, what="the edit")
    page.wait_until(
        lambda: not page.js("() => window.gradscape.fast.pending()"), what="nothing pending"
    )
    page.page.wait_for_load_state("networkidle")
    assert page.js("() => window.__req.dash") == 1
    assert page.path(1) == server_path(page.query(), 1)
    assert loss_matches(page)

    # an answer overtaken by a newer one is dropped when it finally comes
    page.js("() => { window.gradscape.fast.settleMs = 250; window.__hold.add(5); }")
    thumb.press("ArrowRight")  # request 5: held back 700 ms
    thumb.press("ArrowRight")  # request 6: drawn first
    page.wait_until(lambda: page.js("() => window.__req.dash") == 2, timeout=10, what="settled")
    page.page.wait_for_timeout(800)  # request 5's answer has come and gone
    page.page.wait_for_load_state("networkidle")
    final = page.state()
    assert final.runs[1].hp["lr"] == float(box.input_value())
    assert final.runs[1].hp["lr"] == pytest.approx(lr * 10**0.02, rel=0.01)
    assert page.path(1) == server_path(page.query(), 1)
    page.shot()
    assert page.errors == []


def test_outside_the_paths_view_sliders_go_through_dash(server, page):
    page.open(f"{server}?{QUERY}&mode=compare")
    page.js(SPY)
    thumb = page.page.locator(".gs-run .dash-slider-thumb[role=slider]").first
    thumb.focus()
    lr = page.state().runs[0].hp["lr"]
    thumb.press("ArrowRight")
    page.wait_until(lambda: page.state().runs[0].hp["lr"] > lr, what="the rate through Dash")
    assert page.js("() => window.__req.edit") == 0
    assert page.errors == []


def test_a_key_reaches_the_server_before_the_slider_and_both_end_on_its_value(server, page):
    """A step key is asked for at once and handed to the slider afterwards: keys faster
    than the answers, and a start between the slider's steps, end with the thumb, the box,
    the path and the link on the same value, one request per key (the slider's late
    reports ask nothing)."""
    # run 1 (SGD)'s rate 0.0015: log10 is -2.8239, between the slider's 0.01 steps
    query = QUERY.replace("run2.lr=0.001", "run2.lr=0.0015")
    open_settled(page, f"{server}?{query}")
    page.js(SPY)
    page.js("() => { window.gradscape.fast.settleMs = 60000; }")  # nothing settles yet
    thumb = page.page.locator(THUMB).first
    box = page.page.locator(BOX).first
    thumb.focus()
    now = lambda: float(thumb.get_attribute("aria-valuenow"))  # noqa: E731
    # the text the box writes for the thumb's position (3 digits of 10^position)
    text = lambda: page.js("(p) => window.gradscape.paramText(p, 'log')", now())  # noqa: E731
    assert now() == pytest.approx(np.log10(0.0015))
    # where the thumb is when the page asks: the key goes to the server before the slider
    page.js(
        """(css) => { const f = window.fetch; window.__asked = [];
             window.fetch = (url, init) => { if (String(url).includes('/api/edit'))
               window.__asked.push(document.querySelector(css).getAttribute('aria-valuenow'));
               return f(url, init); }; }""",
        THUMB,
    )
    thumb.press("ArrowRight")  # one step from -2.82, where the slider's rule rounds it
    page.wait_until(lambda: now() == -2.81, what="the thumb a step up")
    # (read as painted, as above)
    page.wait_until(lambda: box.input_value() == text() == "0.00155", what="the box")
    assert [float(v) for v in page.js("() => window.__asked")] == [np.log10(0.0015)]
    # six keys with no wait, faster than their answers; one held back past the next key
    page.js("() => window.__hold.add(3)")
    for _ in range(4):
        thumb.press("ArrowRight")
    for _ in range(2):
        thumb.press("ArrowLeft")
    page.wait_until(lambda: now() == -2.79, what="the thumb after six keys")
    page.wait_until(
        lambda: page.path(1) == server_path(page.query(), 1), what="the path of the last key"
    )
    page.wait_until(lambda: box.input_value() == text() == "0.00162", what="the box")
    assert page.state().runs[1].hp["lr"] == 0.00162
    page.page.wait_for_timeout(800)  # the held answer has come and gone
    # one request per key at most (a key back to the value drawn last asks nothing)
    assert page.js("() => window.__req.edit") <= 7
    assert page.path(1) == server_path(page.query(), 1)
    assert now() == -2.79
    assert page.js("() => window.__req.dash") == 0
    # one more key, and the slider rests: Dash's edit agrees, the thumb is at the box's value
    page.js("() => { window.gradscape.fast.settleMs = 250; }")
    thumb.press("ArrowLeft")
    page.wait_until(lambda: page.js("() => window.__req.dash") == 1, timeout=10, what="the edit")
    page.page.wait_for_load_state("networkidle")
    assert page.js("() => window.__req.edit") <= 8
    assert page.js("() => window.__req.dash") == 1
    assert page.state().runs[1].hp["lr"] == float(box.input_value()) == 0.00158
    # (at log10 of the box's value, or at the step that writes it: the same text)
    page.wait_until(lambda: text() == box.input_value(), what="the thumb")
    page.wait_until(
        lambda: "γ 0.00158" in page.page.locator("#summary").inner_text(), what="the table"
    )
    assert page.path(1) == server_path(page.query(), 1)
    assert loss_matches(page)
    assert page.errors == []


def test_the_step_of_a_key_is_the_sliders_own(server, page):
    page.open(f"{server}?{QUERY}")
    step = lambda *a: page.js("(a) => window.gradscape.fast.stepOf(...a)", list(a))  # noqa: E731
    assert step(-2, -5, 0, 0.01, 1) == -1.99
    assert step(-2.8239, -6, 1, 0.01, 1) == -2.81  # rounds to -2.82 at the step's digits
    assert step(-2.8239, -6, 1, 0.01, -1) == -2.83
    assert step(0, -5, 0, 0.01, 1) == 0  # at the end
    assert step(0.9012, 0, 0.99, 0.005, 1) == 0.905  # off the grid: to the next step
    assert step(0.9012, 0, 0.99, 0.005, -1) == 0.9
    assert step(7, 1, 10, 1.0, -1) == 6
