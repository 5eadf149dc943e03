"""Data surfaces in a real headless Chromium: the data panel, batch sizes, links, your CSV.

Each test opens a page as a person would, checks many things on it, saves a
screenshot under test-artifacts/browser/ and fails on any console error. What
the browser draws is compared with what the server computes for the same link
(`app.compute`), so a batch ringed in the panel is the batch the step used.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from browser_helpers import CHROMIUM, Page

if not Path(CHROMIUM).exists():
    pytest.skip(f"no Chromium at {CHROMIUM}", allow_module_level=True)
pytest.importorskip("playwright.sync_api")

from gradscape.app.compute import compute_all
from gradscape.app.state import parse

LINEAR = (
    "surface=linear_regression&run1=sgd&run1.lr=0.05&run1.batch=8"
    "&run2=sgd&run2.lr=0.05&run3=adam&run3.lr=0.05&run3.batch=1"
)

#: What the data panel draws now: per run its model's step, w, b, and its ring's samples.
PANEL = """() => {
  const svg = document.querySelector('svg.gs-data-overlay');
  const models = svg ? Array.from(svg.querySelectorAll('.gs-model'), m => ({
    run: +m.dataset.run, step: +m.dataset.step, w: +m.dataset.w, b: +m.dataset.b,
    points: m.getAttribute('points').split(' ').length})) : [];
  const rings = svg ? Array.from(svg.querySelectorAll('.gs-batch'), r => ({
    run: +r.dataset.run, step: +r.dataset.step, count: +r.dataset.count,
    samples: r.dataset.samples.split(' ').filter(Boolean).map(Number)})) : [];
  const box = document.querySelector('.gs-data');
  const g = document.querySelector('#data-panel');
  return {shown: !!box && getComputedStyle(box).display !== 'none', models, rings,
          scatter: g && g._fullData ? g._fullData[0].x.length : 0};
}"""

LOSS_ROLES = """() => document.querySelector('#loss .js-plotly-plot')._fullData.map(
  t => [t.meta.role, t.meta.run, t.y.length])"""


def _url(server: str, query: str) -> str:
    return f"{server.rstrip('/')}/?{query}"


def _epoch_texts(page: Page) -> list[str]:
    return page.js("() => Array.from(document.querySelectorAll('.gs-epoch'), e => e.textContent)")


def _batches(page: Page, run: int, steps: list[int]) -> list[list[int]]:
    return page.js(
        "([r, ks]) => ks.map(k => window.gradscape.batchAt(window.gradscape.runs()[r], k))",
        [run, steps],
    )


def _wait_step(page: Page, step: int) -> None:
    page.wait_until(
        lambda: all(m["step"] == step for m in page.js(PANEL)["models"]),
        what=f"the data panel at step {step}",
    )


def test_data_panel_shows_the_models_and_batches_and_moves_with_playback(server, page):
    page.open(_url(server, LINEAR + "&t=40"))
    state = parse(LINEAR)[0]
    results = compute_all(state)
    _wait_step(page, 40)
    panel = page.js(PANEL)
    assert panel["shown"] and panel["scatter"] == 64
    # one model per run, at the run's point of step 40, drawn across the panel
    assert [m["run"] for m in panel["models"]] == [0, 1, 2]
    for m, r in zip(panel["models"], results, strict=True):
        assert (m["w"], m["b"]) == (r.x[40], r.y[40])
        assert m["points"] == 96
    # the two mini-batch runs ring the samples their step 40 used (the full batch rings none)
    assert [(g["run"], g["count"]) for g in panel["rings"]] == [(0, 8), (2, 1)]
    assert panel["rings"][0]["samples"] == results[0].batches[40].tolist()
    assert panel["rings"][1]["samples"] == results[2].batches[40].tolist()
    assert _epoch_texts(page) == [
        "8 steps per epoch",
        "full batch · 1 step per epoch",
        "64 steps per epoch",
    ]
    # the loss chart: per run the faint mini-batch loss (empty for the full batch), curve, head
    roles = page.js(LOSS_ROLES)
    assert [(role, run) for role, run, _ in roles] == [
        (role, i) for i in range(3) for role in ("batch", "curve", "head")
    ]
    assert [n for role, _, n in roles if role == "batch"] == [500, 0, 500]
    ticks = page.js(
        "() => document.querySelector('#loss .js-plotly-plot')._fullLayout.shapes"
        ".filter(s => s.xref === 'x').length"
    )
    assert ticks > 10
    # one step forward, as a person clicks it: the models and the ring follow
    page.page.click("#step-forward")
    _wait_step(page, 41)
    panel = page.js(PANEL)
    first = panel["models"][0]
    assert (first["w"], first["b"]) == (results[0].x[41], results[0].y[41])
    assert panel["rings"][0]["samples"] == results[0].batches[41].tolist()
    # playing moves the panel on every frame, without the server
    page.page.click("#reset")
    _wait_step(page, 0)
    page.page.click("#play")
    seen = set()
    page.wait_until(
        lambda: seen.add(page.js(PANEL)["models"][0]["step"]) or len(seen) >= 4,
        what="the panel to move while playing",
    )
    page.wait_until(lambda: not page.js("() => window.gradscape.playing"), what="the end")
    _wait_step(page, 500)
    assert page.js(PANEL)["models"][2]["w"] == results[2].x[500]
    page.shot()
    assert page.errors == []


def test_changing_one_runs_batch_size_redraws_only_that_run(server, page):
    page.open(_url(server, LINEAR + "&t=500"))
    _wait_step(page, 500)
    page.js(
        """() => { window.__before = window.gradscape.runs().slice();
             window.__loss = document.querySelector('#loss .js-plotly-plot')._fullData
               .map(t => Array.from(t.y)); }"""
    )
    box = page.page.locator("input[name='run.1.batch']")
    assert box.input_value() == "64"  # the full batch shows as N
    box.fill("16")
    box.press("Enter")
    page.wait_until(lambda: page.state().runs[1].batch == 16, what="run 2's batch in the URL")
    page.wait_until(
        lambda: page.js("() => window.gradscape.runs()[1] !== window.__before[1]"),
        what="run 2's new path",
    )
    # only run 2 changed: the others keep their decoded paths (the very objects: the
    # store was patched for run 2 alone) and their loss curves
    same = page.js(
        """() => { const now = window.gradscape.runs();
             const loss = document.querySelector('#loss .js-plotly-plot')._fullData
               .map(t => Array.from(t.y));
             const eq = (a, b) => a.length === b.length && a.every((v, i) => v === b[i]);
             return [now[0] === window.__before[0], now[2] === window.__before[2],
                     loss.map((y, i) => eq(y, window.__loss[i]))]; }"""
    )
    assert same[0] and same[1]
    assert same[2] == [True, True, True, False, False, False, True, True, True]
    assert "run2.batch=16" in page.query()
    # the card says what 16 means, the panel rings its batches, the loss chart has its noise
    page.wait_until(lambda: _epoch_texts(page)[1] == "4 steps per epoch", what="4 steps/epoch")
    state = page.state()
    result = compute_all(state)[1]
    assert page.path(1)[0] == result.x.tolist()
    rings = {g["run"]: g for g in page.js(PANEL)["rings"]}
    assert rings[1]["samples"] == result.batches[500 - 1].tolist()  # the last step's batch
    assert [n for role, run, n in page.js(LOSS_ROLES) if role == "batch"] == [500, 500, 500]
    # the slider took the typed value (log10 16)
    thumb = page.page.locator(".gs-run[data-run='1'] .gs-param").nth(1)
    value = float(thumb.locator("[role=slider]").first.get_attribute("aria-valuenow"))
    assert value == pytest.approx(np.log10(16), abs=0.01)
    page.shot()
    assert page.errors == []


def test_a_shared_link_reproduces_the_batches_exactly(server, browser):
    query = LINEAR + "&sampling=shuffle&bseed=5&t=123"
    sender = Page(browser, "data-link-sender")
    sender.open(_url(server, query))
    _wait_step(sender, 123)
    steps = list(range(0, 500, 7))
    sent_batches = [_batches(sender, r, steps) for r in (0, 2)]
    link = sender.js("() => location.href")
    assert "bseed=5" in link and "run1.batch=8" in link
    sender.close()

    receiver = Page(browser, "data-link-receiver")
    receiver.open(link)
    _wait_step(receiver, 123)
    assert [_batches(receiver, r, steps) for r in (0, 2)] == sent_batches
    # … and they are the batches the core draws for that link
    state = receiver.state()
    results = compute_all(state)
    for r, got in zip((0, 2), sent_batches, strict=True):
        assert got == [results[r].batches[k].tolist() for k in steps]
    assert _batches(receiver, 1, [0]) == [None]  # the full batch
    receiver.shot()
    assert receiver.errors == []
    receiver.close()


def test_bad_csvs_get_their_messages_and_a_good_one_becomes_the_data(server, page, tmp_path):
    page.open(_url(server, "surface=linear_regression&run1=sgd&run1.lr=0.05&run1.batch=4&t=500"))
    _wait_step(page, 500)
    before = page.query()
    page.page.click(".gs-csv-summary")

    def send(text: str) -> str:
        page.page.fill("#csv-text", text)
        page.page.click(".gs-csv-use")
        return page.wait_until(
            lambda: page.page.locator(".gs-notices").inner_text().strip(), what="a notice"
        )

    def dismiss() -> None:
        page.page.click(".gs-dismiss")
        page.wait_until(lambda: not page.page.locator(".gs-notices").inner_text().strip())

    for text, message in (
        ("x,y\n1,2\n2,abc\n", "row 3, column y: 'abc' is not a number"),
        ("1\n2\n3\n", "row 1: one column"),
        ("x,y\n", "only a header row"),
        ("x,y\n1,2\n2,inf\n", "row 3, column y: 'inf' is not a finite number"),
    ):
        notice = send(text)
        assert message in notice and "The surface is unchanged" in notice
        assert page.query() == before  # the surface stays
        dismiss()
    # a binary file, dropped on the upload, gets its message too
    png = tmp_path / "picture.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    page.page.set_input_files("#csv-upload input[type=file]", str(png))
    page.wait_until(lambda: "binary" in page.page.locator(".gs-notices").inner_text())
    assert page.query() == before
    dismiss()
    # a good file: it becomes the surface, the panel shows its samples, the link carries them
    good = tmp_path / "line.csv"
    good.write_text("x,y\n0,1\n1,3.1\n2,4.9\n3,7.2\n4,8.8\n5,11.1\n")
    page.page.set_input_files("#csv-upload input[type=file]", str(good))
    page.wait_until(lambda: "Your data: 6 samples" in page.page.locator(".gs-notices").inner_text())
    page.wait_until(lambda: page.js(PANEL)["scatter"] == 6, what="6 samples in the panel")
    assert "data=0,1_1,3.1_2,4.9_3,7.2_4,8.8_5,11.1" in page.query()
    state = page.state()
    x, y = state.build_surface().data
    assert x.tolist() == [0, 1, 2, 3, 4, 5] and y.tolist() == [1, 3.1, 4.9, 7.2, 8.8, 11.1]
    assert page.page.locator("input[name='run.0.batch']").input_value() == "4"
    page.wait_until(lambda: _epoch_texts(page)[0] == "2 steps per epoch", what="2 steps/epoch")
    assert "A copied link carries these samples" in page.page.locator(".gs-csv-link").inner_text()
    page.shot("your-data")
    # back to the generated data
    page.page.click(".gs-csv-generated")
    page.wait_until(lambda: page.js(PANEL)["scatter"] == 64, what="the generated samples")
    assert "data=" not in page.query()
    assert page.errors == []


def test_the_panel_and_batch_controls_come_and_go_with_a_data_surface(server, page):
    page.open(_url(server, "t=500&theme=dark"))
    shown = "() => getComputedStyle(document.querySelector('.gs-data')).display"
    batch_boxes = page.page.locator("input[name^='run.'][name$='.batch']")
    assert page.js(shown) == "none" and batch_boxes.count() == 0
    assert page.page.locator(".gs-sampling").count() == 0
    page.page.click("#surface")
    page.page.get_by_role("option", name="Logistic regression", exact=True).click()
    page.wait_until(lambda: page.js(shown) == "block", what="the data panel")
    page.wait_until(lambda: batch_boxes.count() == 3, what="a batch size on each run card")
    assert page.page.locator(".gs-sampling input[type=radio]").count() == 3
    panel = page.js(PANEL)
    assert panel["scatter"] == 64 and len(panel["models"]) == 3
    # the sigmoid's decision boundary is drawn for each run inside the panel
    boundaries = "() => document.querySelectorAll('svg.gs-data-overlay .gs-boundary').length"
    assert page.js(boundaries) == 3
    # a sampling scheme is one click, and goes into the link
    page.page.locator(".gs-sampling label", has_text="Cycle").click()
    page.wait_until(lambda: page.state().sampling == "cycle", what="sampling=cycle")
    page.shot("logistic-dark")
    page.page.click("#surface")
    page.page.get_by_role("option", name="Himmelblau", exact=True).click()
    page.wait_until(lambda: page.js(shown) == "none", what="the panel to go")
    page.wait_until(lambda: batch_boxes.count() == 0, what="the batch sizes to go")
    assert "sampling" not in page.query()
    assert page.errors == []


def test_a_sent_csv_is_not_carried_by_later_requests(server, page):
    page.open(_url(server, "surface=linear_regression&t=500"))
    page.page.click(".gs-csv-summary")
    page.page.fill("#csv-text", "x,y\n1,2\n2,oops\n")
    page.page.click(".gs-csv-use")
    page.wait_until(lambda: "row 3" in page.page.locator(".gs-notices").inner_text())
    # the hidden box the text went through is empty again once the server answered
    hidden = "() => document.getElementById(JSON.stringify({name: 'csv', type: 'formula'})).value"
    page.wait_until(lambda: page.js(hidden) == "", what="the sent text to be dropped")
    # the next edit's request carries no CSV
    bodies: list[str] = []
    page.page.on(
        "request",
        lambda r: bodies.append(r.post_data or "") if "_dash-update-component" in r.url else None,
    )
    page.fill("input[name='steps']", "200")
    page.wait_until(lambda: page.state().steps == 200, what="the new steps")
    assert bodies and not any("oops" in b for b in bodies)
    assert page.errors == []
