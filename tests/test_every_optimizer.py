"""Every optimizer in the registry works in every view: the paths, the comparison, the
sensitivity curves, the start map, 3D, the inspector and an export's figure (registry-driven:
a new entry is covered without a list to edit). The browser side is in
tests/test_browser_every_optimizer.py."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from gradscape.app import callbacks, ids, inspector, views
from gradscape.app.compute import compute_all
from gradscape.app.export.modes import view_of
from gradscape.app.export.slide import Slide
from gradscape.app.state import parse
from gradscape.optimizers import OPTIMIZERS

NAMES = sorted(OPTIMIZERS)


@pytest.mark.parametrize("name", NAMES)
def test_every_view_draws_with_this_optimizer(name):
    state = parse(f"run1={name}&run2=adam&steps=40&grid=12&k=3&focus=1")[0]
    assert state.runs[0].optimizer == name
    # paths, with the inspector's records
    results = compute_all(state)
    assert len(results[0].x) >= 2 and np.isfinite(results[0].x[0])
    rec = inspector.record(replace(state, inspect=True))
    assert rec["optimizer"] == OPTIMIZERS[name].label and rec["g"]["dtype"] == "f8"
    # the comparison: K paths at K rates, one call
    sw = views.sweep(state)
    assert len(sw.rates) == 3 and len(sw.results) == 3
    # sensitivity: a curve per run over its rate range
    curves = views.sensitivity(state)
    assert len(curves) == 2 and np.isfinite(curves[0].rates).all()
    # the start map: 12 × 12 starts
    sm = views.start_map(state)
    assert sm.loss.shape == (12, 12)
    fig = views.start_map_figure(state, sm)
    assert fig.data
    # 3D
    assert views.surface3d_figure(state, results).data
    # every view through the callbacks, as the page loads it
    for mode in ("paths", "compare", "sensitivity", "3d"):
        out = dict(
            zip(
                [n for n, _ in callbacks.LOAD_OUTPUTS],
                callbacks.page_outputs(replace(state, mode=mode), []),
                strict=True,
            )
        )
        assert f"gs-mode-{mode}" in out[ids.ROOT]
        assert not out[ids.NOTICES], out[ids.NOTICES]


@pytest.mark.parametrize("mode", ["paths", "compare", "sensitivity", "3d"])
def test_an_export_figure_of_every_optimizer_at_once(mode):
    """One export per view with every optimizer (8 at a time, the app's limit)."""
    for i in range(0, len(NAMES), 8):
        group = NAMES[i : i + 8]
        query = "&".join(f"run{j + 1}={n}" for j, n in enumerate(group))
        state = parse(f"{query}&steps=30&k=3&mode={mode}")[0]
        assert [r.optimizer for r in state.runs] == group
        drawn = view_of(state).draw(state, 15, Slide())
        assert drawn.figure.data


@pytest.mark.parametrize("surface", ["linear_regression", "logistic_regression", "tiny_net"])
def test_every_view_works_on_a_data_surface_with_mini_batches(surface):
    """Compare, sensitivity, start map, 3D, the inspector and the exports on a data
    surface, with a mini-batch run beside a full-batch one."""
    state = parse(f"surface={surface}&run1=sgd&run1.batch=8&run2=adam&steps=40&grid=10&k=3")[0]
    assert state.runs[0].batch == 8
    results = compute_all(state)
    assert results[0].batches is not None and results[1].batches is None
    assert inspector.record(replace(state, inspect=True))["g_full_name"] == "full batch"
    assert len(views.sweep(state).results) == 3
    assert len(views.sensitivity(state)) == 2
    assert views.start_map(state).loss.shape == (state.grid, state.grid)
    for mode in ("paths", "compare", "sensitivity", "3d"):
        s = replace(state, mode=mode)
        out = dict(
            zip([n for n, _ in callbacks.LOAD_OUTPUTS], callbacks.page_outputs(s, []), strict=True)
        )
        assert f"gs-mode-{mode}" in out[ids.ROOT] and not out[ids.NOTICES]
        assert view_of(s).draw(s, 20, Slide()).figure.data
