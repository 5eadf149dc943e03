"""The step inspector's extras in Chromium: Schedule-Free's y and z, Prodigy's d·lr,
L-BFGS's line-search trial points and a sampled gradient's exact one, at the step shown
(app/inspector.py, 45-extras.js)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from browser_helpers import CHROMIUM

from gradscape import optimizers
from gradscape.app.compute import training
from gradscape.app.state import parse

if not Path(CHROMIUM).exists():
    pytest.skip(f"no Chromium at {CHROMIUM}", allow_module_level=True)
pytest.importorskip("playwright.sync_api")

ROWS = """() => Object.fromEntries(
  Array.from(document.querySelectorAll('#inspector-numbers tbody tr'))
  .map(tr => [tr.querySelector('th').textContent,
              Array.from(tr.querySelectorAll('td')).map(td => td.textContent)]))"""
MARKS = """cls => Array.from(document.querySelectorAll(`svg.gs-overlay .gs-inspect .${cls} circle`))
  .map(c => [Number(c.getAttribute('cx')), Number(c.getAttribute('cy'))])"""
TO_PX = """([x, y]) => { const g = window.gradscape.plotly.graph('map');
  const p = window.gradscape.plotly.panel(g); return [p.px(x), p.py(y)]; }"""


def traj_of(query: str):
    state = parse(query)[0]
    run = state.runs[0]
    return optimizers.run(
        state.build_surface(),
        run.optimizer,
        np.asarray(state.start),
        state.steps,
        record=True,
        **training(state, run),
        **run.hp,
    )


@pytest.mark.parametrize("k", [7])
def test_the_inspector_draws_each_optimizers_extras(server, page, k):
    # Schedule-Free: y and z drawn where they are, and listed
    q = f"run1=schedule_free_adamw&run1.lr=0.05&inspect=1&steps=60&t={k}"
    page.open(f"{server}?{q}")
    page.wait_until(lambda: page.js(MARKS, "gs-extra-y"), what="y drawn")
    tr = traj_of(q)
    for key, cls in (("y", "gs-extra-y"), ("z", "gs-extra-z")):
        want = page.js(TO_PX, tr.extras[key][k, 0].tolist())
        got = page.js(MARKS, cls)
        assert len(got) == 1 and np.allclose(got[0], want, atol=0.01), key
    rows = page.js(ROWS)
    assert float(rows["y (gradient here)"][0]) == pytest.approx(tr.extras["y"][k, 0, 0], rel=1e-3)
    assert float(rows["z (base sequence)"][1]) == pytest.approx(tr.extras["z"][k, 0, 1], rel=1e-3)
    page.shot("schedule-free")
    # Prodigy: its learned step
    q = f"run1=prodigy&inspect=1&steps=60&t={k}"
    page.open(f"{server}?{q}")
    page.wait_until(lambda: "d·lr (learned step)" in page.js(ROWS), what="d·lr")
    got = float(page.js(ROWS)["d·lr (learned step)"][0])
    assert got == pytest.approx(traj_of(q).extras["d_lr"][k, 0], rel=1e-3)
    assert page.js(MARKS, "gs-extra-y") == []
    # L-BFGS with a line search: this iteration's trial points
    q = f"run1=lbfgs&run1.lr=1&run1.line_search=strong_wolfe&inspect=1&steps=20&t={k}"
    page.open(f"{server}?{q}")
    page.wait_until(lambda: "line-search trials" in page.js(ROWS), what="the trials row")
    xy = np.asarray(traj_of(q).extras["line_search_xy"][k])[:, 0, :]
    xy = xy[np.isfinite(xy).all(axis=1)]
    assert len(xy) >= 1
    got = page.js(MARKS, "gs-extra-trial")
    want = [page.js(TO_PX, p.tolist()) for p in xy]
    assert np.allclose(sorted(got), sorted(want), atol=0.01)
    assert page.js(ROWS)["line-search trials"] == [str(len(xy))]
    page.shot("lbfgs")
    # a noisy gradient: the exact one beside it, and the noise between them
    q = f"run1=sgd&run1.lr=0.001&noise=20&inspect=1&steps=40&t={k}"
    page.open(f"{server}?{q}")
    page.wait_until(lambda: "∇f (exact)" in page.js(ROWS), what="the exact gradient's row")
    tr = traj_of(q)
    x, y = tr.xy[k, 0]
    gx, gy = parse(q)[0].build_surface().grad(x, y)
    rows = page.js(ROWS)
    assert [float(v) for v in rows["∇f (exact)"]] == pytest.approx([gx, gy], rel=1e-3)
    noise = tr.grad[k, 0] - np.array([gx, gy])
    assert [float(v) for v in rows["noise (g − ∇f)"]] == pytest.approx(noise.tolist(), rel=1e-3)
    assert page.js("() => !!document.querySelector('.gs-inspect [data-arrow=full] line')")
    page.shot("noise")
    # a mini-batch on a data surface: the full-batch gradient beside the batch's
    q = f"surface=linear_regression&run1=sgd&run1.lr=0.05&run1.batch=4&inspect=1&steps=40&t={k}"
    page.open(f"{server}?{q}")
    page.wait_until(lambda: "∇f (full batch)" in page.js(ROWS), what="the full-batch row")
    tr = traj_of(q)
    x, y = tr.xy[k, 0]
    full = parse(q)[0].build_surface().grad(x, y)
    got = [float(v) for v in page.js(ROWS)["∇f (full batch)"]]
    assert got == pytest.approx([full[0], full[1]], rel=1e-3)
    assert float(page.js(ROWS)["noise (g − ∇f)"][0]) == pytest.approx(
        tr.grad[k, 0, 0] - full[0], rel=1e-3, abs=1e-6
    )
    assert page.errors == []
