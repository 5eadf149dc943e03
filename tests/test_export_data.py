"""Exports of a data surface's paths view: the map and the data panel side by side.

The panel in an export is the app's (`app.datapanel`): the samples, each visible
run's model at the frame's step, the step's mini-batch ringed. Checked here
against the runs recomputed (`compute_all`) and `datapanel.model_curve`, in the
figure, in rendered PNG and GIF frames and in the HTML player.
"""

from __future__ import annotations

import base64
import io
import itertools
import json
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from gradscape.app import datapanel, export
from gradscape.app.compute import compute_all
from gradscape.app.export import figure, write
from gradscape.app.presets import DATA_PRESETS
from gradscape.app.state import PALETTE, parse

CHROMIUM = os.environ.get("GRADSCAPE_CHROMIUM", "/usr/bin/chromium")
needs_chromium = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no {CHROMIUM}")

LESSON = "preset=batch-vs-stochastic"  # full batch, B 8 and B 1 on linear regression
PANEL_ROLES = ("model", "boundary", "batch")


def _state(query: str):
    state, notices = parse(query)
    assert notices == []
    return state


def _role(tr) -> str | None:
    return (tr.meta or {}).get("role") if isinstance(tr.meta, dict) else None


def _panel_traces(fig, role: str) -> list:
    return [tr for tr in fig.data if _role(tr) == role and tr.xaxis == "x2"]


def _array(v) -> np.ndarray:
    """A trace's numbers, whether a list or a typed array (``{"dtype", "bdata"}``)."""
    if isinstance(v, dict):
        return np.frombuffer(base64.b64decode(v["bdata"]), dtype=v["dtype"])
    return np.asarray(v, dtype=np.float64)


def _open(path: Path) -> Image.Image:
    return Image.open(io.BytesIO(Path(path).read_bytes()))


@pytest.fixture(scope="module")
def renderer():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no {CHROMIUM}")
    return export.renderer.shared()


# --------------------------------------------------------------------------- figure
@pytest.mark.parametrize("lesson", DATA_PRESETS, ids=lambda p: p.slug)
def test_a_data_lessons_figure_has_the_samples_and_each_runs_model_at_the_step(lesson):
    query = f"preset={lesson.slug}"
    state = _state(query)
    t = state.steps // 3
    fig = figure(query, t=t)
    results = compute_all(state)
    surface = state.build_surface()
    sx, sy = surface.data
    (samples,) = [tr for tr in fig.data if (tr.meta or {}).get("panel") == "samples"]
    assert samples.xaxis == "x2" and samples.yaxis == "y2"
    np.testing.assert_array_equal(_array(samples.x), sx)
    np.testing.assert_array_equal(_array(samples.y), sy)
    models = _panel_traces(fig, "model")
    visible = [i for i, run in enumerate(state.runs) if run.visible]
    assert [tr.meta["run"] for tr in models] == visible
    reference = {tr.meta["run"]: tr for tr in datapanel.data_figure(state, results, t=t).data
                 if _role(tr) == "model"}  # fmt: skip
    for tr in models:
        r = results[tr.meta["run"]]
        assert tr.line.color == PALETTE[state.runs[tr.meta["run"]].color]
        xs = np.asarray(tr.x)
        want = datapanel.model_curve(surface.kind, r.x[t], r.y[t], xs)
        np.testing.assert_allclose(np.asarray(tr.y), want, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(np.asarray(tr.y), np.asarray(reference[tr.meta["run"]].y))
    # the mini-batch of step t is ringed, once per batch size
    for tr in _panel_traces(fig, "batch"):
        r = results[tr.meta["run"]]
        np.testing.assert_array_equal(np.asarray(tr.x), sx[r.batches[t][r.batches[t] >= 0]])


def test_a_hidden_run_has_no_model_and_other_steps_move_the_models():
    query = DATA_PRESETS[0].query + "&run2.hide=1"  # (a lesson's link takes no changes)
    state = _state(query)
    results = compute_all(state)
    early, late = figure(query, t=3), figure(query, t=200)
    assert [tr.meta["run"] for tr in _panel_traces(early, "model")] == [0, 2]
    for a, b in zip(_panel_traces(early, "model"), _panel_traces(late, "model"), strict=True):
        assert not np.allclose(np.asarray(a.y), np.asarray(b.y))
        r = results[b.meta["run"]]
        np.testing.assert_allclose(np.asarray(b.y), r.x[200] * np.asarray(b.x) + r.y[200])


def test_the_map_and_the_panel_sit_side_by_side_with_the_map_keeping_its_aspect():
    state = _state(LESSON)
    fig = figure(LESSON, width=1100, height=800)
    m = fig.layout.margin
    pw, ph = 1100 - m.l - m.r, 800 - m.t - m.b
    (_, end), (start, last) = fig.layout.xaxis.domain, fig.layout.xaxis2.domain
    assert end < start and last == 1  # the map, then the panel, apart
    x0, x1, y0, y1 = state.view
    assert end * pw / ph == pytest.approx((x1 - x0) / (y1 - y0), abs=0.01)
    assert (1 - start) * pw > 0.6 * end * pw  # the panel is not a thumbnail
    (contour,) = [tr for tr in fig.data if tr.type == "contour"]
    assert end < contour.colorbar.x < start  # the map's colour bar between them
    assert fig.layout.xaxis2.anchor == "y2" and fig.layout.yaxis2.anchor == "x2"
    assert "64 samples" in fig.layout.xaxis2.title.text


def test_the_logistic_lesson_draws_each_runs_decision_boundary():
    query = "preset=separable-logistic"
    state = _state(query)
    results = compute_all(state)
    fig = figure(query, t=100)
    bounds = _panel_traces(fig, "boundary")
    assert [tr.meta["run"] for tr in bounds] == [0, 1, 2]
    for tr in bounds:
        r = results[tr.meta["run"]]
        assert tr.x[0] == pytest.approx(-r.y[100] / r.x[100])


@pytest.mark.parametrize("query", ["surface=rosenbrock", "surface=quadratic&run1=adam"])
def test_other_surfaces_get_no_panel(query):
    fig = figure(query)
    assert "xaxis2" not in fig.layout.to_plotly_json() and fig.layout.xaxis.domain == (0, 1)
    assert not [tr for tr in fig.data if tr.xaxis == "x2"]


def test_the_compare_view_of_a_data_surface_has_no_panel():
    fig = figure(LESSON + "&mode=compare&layout=overlay")
    assert not [tr for tr in fig.data if tr.xaxis == "x2"]


# --------------------------------------------------------------------------- images
def _rgb(hex_colour: str) -> np.ndarray:
    return np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)])


def _near(a: np.ndarray, colour: str, tol: int = 12) -> int:
    return int((np.abs(a.astype(int) - _rgb(colour)).max(axis=2) <= tol).sum())


def _panel_box(fig, scale: float = 1) -> tuple[int, int, int, int]:
    """The panel's plot area in image pixels (left, top, right, bottom)."""
    m = fig.layout.margin
    pw = fig.layout.width - m.l - m.r
    a, b = fig.layout.xaxis2.domain
    return (
        int((m.l + a * pw) * scale) + 2,
        int(m.t * scale) + 2,
        int((m.l + b * pw) * scale) - 2,
        int((fig.layout.height - m.b) * scale) - 2,
    )


@needs_chromium
def test_a_png_shows_every_runs_model_in_the_panel(renderer, tmp_path):
    query = "preset=separable-logistic"  # three sigmoids apart at step 100
    state = _state(query)
    out = write(query + "&t=100", tmp_path / "a.png", scale=1, renderer=renderer)
    img = np.asarray(_open(out).convert("RGB"))
    assert img.shape[:2] == (800, 1100)
    left, top, right, bottom = _panel_box(figure(query, t=100))
    panel = img[top:bottom, left:right]
    for run in state.runs:
        assert _near(panel, PALETTE[run.color]) > 80, run  # each model's line


@needs_chromium
def test_gif_frames_move_the_models_and_match_the_still(renderer, tmp_path):
    out = write(LESSON, tmp_path / "a.gif", frames=4, first=0, last=240, width=800,
                height=560, renderer=renderer)  # fmt: skip
    img = _open(out)
    frames = []
    for i in range(img.n_frames):
        img.seek(i)
        frames.append(np.asarray(img.convert("RGB")).astype(int))
    assert len(frames) == 4
    steps = export.Options.check("gif", 300, frames=4, first=0, last=240).steps_shown()
    fig = figure(LESSON, width=800, height=560)
    left, top, right, bottom = _panel_box(fig)
    panels = [f[top:bottom, left:right] for f in frames]
    for a, b in itertools.pairwise(panels):
        assert (np.abs(a - b).max(axis=2) > 60).sum() > 100  # the models moved
    t = int(steps[2])
    still = write(LESSON, tmp_path / "s.png", t=t, scale=1, width=800, height=560,
                  renderer=renderer)  # fmt: skip
    s = np.asarray(_open(still).convert("RGB")).astype(int)[top:bottom, left:right]
    diff = np.abs(panels[2] - s).max(axis=2)
    assert diff.mean() < 1.5 and (diff > 60).mean() < 0.003  # palette rounding only


# --------------------------------------------------------------------------- html
def _player(html: str) -> dict:
    return json.loads(html.split("const P = ", 1)[1].split(";\n", 1)[0])


def test_the_html_player_carries_the_models_at_every_step(tmp_path):
    state = _state(LESSON)
    results = compute_all(state)
    text = write(LESSON, tmp_path / "a.html", frames=10).read_text()
    player = _player(text)
    fig = figure(LESSON, t=state.shown_step)
    index = {i: (tr.meta["run"], tr.meta["role"]) for i, tr in enumerate(fig.data)
             if _role(tr) in PANEL_ROLES}  # fmt: skip
    entries = {q["trace"]: q for q in player["panel"]}
    assert set(entries) == set(index)  # every model and ring the still has
    for i, (run, role) in index.items():
        q = entries[i]
        assert len(q["x"]) == len(q["y"]) == len(player["steps"])
        if role != "model":
            continue
        r = results[run]
        for k, t in enumerate(player["steps"]):
            want = r.x[t] * np.asarray(q["x"][k]) + r.y[t]
            np.testing.assert_allclose(q["y"][k], want, rtol=1e-5, atol=1e-5)


def test_the_html_slider_moves_the_panels_models(tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no {CHROMIUM}")
    state = _state(LESSON)
    results = compute_all(state)
    out = write(LESSON + "&t=30", tmp_path / "a.html", frames=11)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM)
        page = browser.new_page(viewport={"width": 1100, "height": 800})
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(out.as_uri())
        page.wait_for_function(
            "() => { const g = document.getElementById('gradscape');"
            " return g && g._fullData && g.querySelector('.contourlayer path'); }"
        )
        models = """() => document.getElementById('gradscape').data
            .filter(t => t.meta && t.meta.role === 'model')
            .map(t => ({run: t.meta.run, x: Array.from(t.x), y: Array.from(t.y)}))"""
        before = page.evaluate(models)
        rail = page.query_selector(".slider-rail-rect").bounding_box()
        page.mouse.click(rail["x"] + rail["width"] - 2, rail["y"] + rail["height"] / 2)
        page.wait_for_function(
            "() => { const s = document.getElementById('gradscape').layout.sliders[0];"
            " return s.active === s.steps.length - 1; }"
        )
        after = page.evaluate(models)
        browser.close()
    assert errors == []
    assert [m["run"] for m in after] == [0, 1, 2]
    for b, a in zip(before, after, strict=True):
        r = results[a["run"]]
        np.testing.assert_allclose(b["y"], r.x[30] * np.asarray(b["x"]) + r.y[30], atol=1e-5)
        np.testing.assert_allclose(a["y"], r.x[300] * np.asarray(a["x"]) + r.y[300], atol=1e-5)


def test_the_caption_names_each_runs_batch_and_how_batches_are_drawn():
    fig = figure(DATA_PRESETS[0].query + "&sampling=replacement&bseed=5")
    text = next(a.text for a in fig.layout.annotations if a.name == "caption")
    assert "SGD (γ 0.05, full batch) · SGD (γ 0.05, B 8) · SGD (γ 0.05, B 1)" in text
    assert "64 samples, mini-batches drawn with replacement (seed 5)" in text
    full = figure("preset=separable-logistic")  # every run on the full batch: no sampling
    text = next(a.text for a in full.layout.annotations if a.name == "caption")
    assert "full batch" in text and "mini-batches" not in text
