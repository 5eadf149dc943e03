"""The app on data surfaces: batch size, sampling and batch seed as state rows, what
compute passes to the core, the data panel's data, the loss chart, and your CSV.

Browser-side behaviour (the panel moving with playback, one run redrawn) is in
tests/test_browser_data.py.
"""

from __future__ import annotations

import base64
import math
from dataclasses import replace

import numpy as np
import pytest
from dash import Patch

from gradscape import optimizers
from gradscape.app import datapanel, figures, layout
from gradscape.app import state as state_module
from gradscape.app.compute import batch_size, compute, compute_all, training
from gradscape.app.reducer import apply_event
from gradscape.app.state import (
    GENERATED,
    LINK_DATA_CHARS,
    AppState,
    box,
    cache_key,
    changes,
    default_state,
    parse,
    samples_of,
    serialize,
    upload,
)
from gradscape.app.update import patches
from gradscape.surfaces.data import DATA_KINDS

LINEAR = (
    "surface=linear_regression&run1=sgd&run1.lr=0.05&run1.batch=8"
    "&run2=sgd&run2.lr=0.05&run3=adam&run3.lr=0.05&run3.batch=1"
)


def state_of(query: str) -> AppState:
    state, notices = parse(query)
    assert notices == []
    return state


def _decode(spec: dict) -> np.ndarray:
    return np.frombuffer(base64.b64decode(spec["bdata"]), dtype=np.dtype(spec["dtype"]))


def _ys(trace) -> np.ndarray:
    """A trace's y values (sent as a typed array)."""
    y = trace.y
    return _decode(y).astype(float) if isinstance(y, dict) else np.asarray(y, dtype=float)


def _pv(key: str) -> dict:
    return {"type": "pv", "key": key, "scale": "logint"}


# --------------------------------------------------------------------------- state rows
def test_batch_sampling_and_seed_round_trip_through_the_link():
    s = state_of(LINEAR + "&sampling=cycle&bseed=7")
    assert [r.batch for r in s.runs] == [8, None, 1]
    assert (s.sampling, s.batch_seed) == ("cycle", 7)
    q = serialize(s)
    assert "run1.batch=8" in q and "run3.batch=1" in q and "run2.batch" not in q
    assert "sampling=cycle" in q and "bseed=7" in q
    assert parse(q) == (s, [])


def test_batch_keys_mean_nothing_off_a_data_surface():
    s, notices = parse("surface=rosenbrock&run1=sgd&run1.batch=8&sampling=cycle&bseed=3")
    assert notices == []
    assert s.runs[0].batch is None and (s.sampling, s.batch_seed) == ("shuffle", 0)
    # a state that still holds a batch (switched away from a data surface) does not write it
    t = replace(s, runs=(replace(s.runs[0], batch=8),), sampling="cycle")
    q = serialize(t)
    assert "batch" not in q and "sampling" not in q


def test_batch_is_clamped_to_the_samples_with_a_notice():
    s, notices = parse("surface=linear_regression&surface.samples=20&run1=sgd&run1.batch=500")
    assert s.runs[0].batch is None  # clamped to N: the full batch
    assert any("run1.batch=500 is out of range" in n for n in notices)
    s, notices = parse("surface=linear_regression&run1=sgd&run1.batch=0&sampling=sideways")
    assert s.runs[0].batch == 1 and s.sampling == "shuffle"
    assert len(notices) == 2


def test_the_batch_box_runs_from_1_to_n_on_a_log_scale_full_at_the_top():
    s = state_of(LINEAR)
    b = box(s, "run.1.batch")
    assert (b.param.min, b.param.max, b.param.log, b.param.kind) == (1, 64, True, "int")
    assert b.value == 64  # the full batch shows as N
    assert box(s, "run.0.batch").value == 8
    assert box(default_state(), "run.0.batch") is None  # no such box off data surfaces
    ctl, note = layout.batch_control(s, 0)
    slider = ctl.children[1]
    assert slider.max == pytest.approx(math.log10(64))
    assert slider.marks[math.log10(64)] == {"label": "full"}
    assert note.children == "8 steps per epoch"
    assert layout.batch_control(default_state(), 0) == []


@pytest.mark.parametrize(
    ("n", "b", "sampling", "text"),
    [
        (64, None, "shuffle", "full batch · 1 step per epoch"),
        (64, 64, "cycle", "full batch · 1 step per epoch"),
        (64, 8, "shuffle", "8 steps per epoch"),
        (10, 3, "cycle", "4 steps per epoch"),
        (64, 1, "shuffle", "64 steps per epoch"),
        (10, 3, "replacement", "≈ 3.33 steps per epoch"),
    ],
)
def test_steps_per_epoch_text(n, b, sampling, text):
    assert datapanel.epoch_text(n, b, sampling) == text


def test_a_batch_of_n_is_the_full_batch():
    s = state_of(LINEAR)
    t = apply_event(s, _pv("run.0.batch"), "64").state
    assert t.runs[0].batch is None and "run1.batch" not in serialize(t)
    assert parse("surface=linear_regression&run1=sgd&run1.batch=64")[0].runs[0].batch is None
    assert apply_event(s, _pv("run.0.batch"), "63").state.runs[0].batch == 63


def test_one_runs_batch_size_recomputes_that_run_only():
    s = state_of(LINEAR)
    e = apply_event(s, _pv("run.1.batch"), "16")
    t = e.state
    assert t.runs[1].batch == 16
    assert e.typed == {"run.1.batch"} and e.redraw == set()  # typed: the card is not redrawn
    assert t.common_key() == s.common_key()
    assert [a.key() == b.key() for a, b in zip(s.runs, t.runs, strict=True)] == [
        True,
        False,
        True,
    ]
    # the page's patch touches run 1 only: its three loss traces and its path
    _, loss, paths, _ = patches(s, t)
    assert isinstance(loss, Patch) and isinstance(paths, Patch)
    ops = [op["location"] for op in paths.to_plotly_json()["operations"]]
    assert ops == [["runs", 1]]
    data_ops = {
        op["location"][1]
        for op in loss.to_plotly_json()["operations"]
        if op["location"][0] == "data"
    }
    assert data_ops == {3, 4, 5}


def test_sampling_and_seed_are_training_rows_that_matter_only_with_mini_batches():
    s = state_of(LINEAR)
    for row, value in (("sampling", "replacement"), ("batch_seed", 5)):
        t = replace(s, **{row: value})
        assert cache_key(t, state_module.PATH) != cache_key(s, state_module.PATH)
        full = replace(s, runs=tuple(replace(r, batch=None) for r in s.runs))
        assert cache_key(replace(full, **{row: value}), state_module.PATH) == cache_key(
            full, state_module.PATH
        )  # every run takes the full batch: no recompute
    e = apply_event(s, {"type": "ctl", "name": "sampling"}, "cycle")
    assert e.state.sampling == "cycle"
    e = apply_event(s, {"type": "pv", "key": "bseed", "scale": "int"}, "9")
    assert e.state.batch_seed == 9
    e = apply_event(s, {"type": "pv", "key": "bseed", "scale": "int"}, "-3")
    assert e.state.batch_seed == 0 and e.notices


def test_changing_n_redraws_the_run_cards():
    s = state_of(LINEAR)
    t = replace(s, surface_params={**s.surface_params, "samples": 200})
    assert changes(s, t)["batch-range"] == ("runs",)
    assert "batch-range" not in changes(default_state(), replace(default_state(), steps=100))


# --------------------------------------------------------------------------- compute
def test_compute_passes_batch_sampling_and_seed_to_the_core():
    s = state_of(LINEAR + "&sampling=replacement&bseed=4")
    kw = training(s, s.runs[0])
    assert (kw["batch_size"], kw["sampling"], kw["batch_seed"]) == (8, "replacement", 4)
    assert batch_size(s, s.runs[1]) is None
    assert "batch_size" not in training(default_state(), default_state().runs[0])
    r = compute(s, s.runs[0])
    traj = optimizers.run(
        s.build_surface(),
        "sgd",
        np.asarray(s.start),
        s.steps,
        lr=0.05,
        batch_size=8,
        sampling="replacement",
        batch_seed=4,
    )
    np.testing.assert_array_equal(r.x, traj.xy[:, 0, 0])
    np.testing.assert_array_equal(r.batches, np.stack(traj.batches))
    np.testing.assert_array_equal(r.batch_loss, traj.batch_loss[:, 0])
    assert compute(s, s.runs[1]).batches is None  # the full batch


def test_a_short_last_batch_is_padded_and_the_store_decodes_to_the_same_indices():
    s = state_of("surface=linear_regression&surface.samples=10&run1=sgd&run1.lr=0.05&run1.batch=4")
    r = compute(s, s.runs[0])
    assert r.batches.shape == (s.steps, 4)
    assert list(r.batches[2])[2:] == [-1, -1]  # epochs of 4, 4, 2
    entry = datapanel.batch_data(s, s.runs[0], r)
    assert entry["size"] == 4 and entry["epoch"] == 3 and entry["width"] == 4
    idx = _decode(entry["idx"]).reshape(-1, 4)
    np.testing.assert_array_equal(idx, r.batches)
    # each epoch of shuffle covers every sample once
    epoch = idx[:3].ravel()
    assert sorted(epoch[epoch >= 0]) == list(range(10))


def test_a_link_reproduces_the_batches_exactly():
    s = state_of(LINEAR + "&bseed=11")
    first = compute_all(s)
    again = compute_all(parse(serialize(s))[0])
    for a, b in zip(first, again, strict=True):
        if a.batches is None:
            assert b.batches is None
        else:
            np.testing.assert_array_equal(a.batches, b.batches)
        np.testing.assert_array_equal(a.x, b.x)
    other = compute(replace(s, batch_seed=12), s.runs[0])
    assert not np.array_equal(other.batches, first[0].batches)


# --------------------------------------------------------------------------- the panel
@pytest.mark.parametrize("kind", DATA_KINDS)
def test_the_panels_models_have_the_surfaces_loss(kind):
    """The curve the panel draws for a plane point, scored on the samples, is the
    surface's loss there: the panel and the map show the same model."""
    s = default_state(kind).build_surface()
    x, y = s.data
    for w, b in ((0.7, -0.3), (2.0, 1.5), (-1.2, 0.4)):
        f = datapanel.model_curve(kind, w, b, x)
        if kind == "logistic_regression":
            loss = -np.mean(y * np.log(f) + (1 - y) * np.log1p(-f))
        else:
            loss = np.mean((f - y) ** 2)
        assert loss == pytest.approx(float(s.value(w, b)), rel=1e-12)


def test_the_paths_store_carries_the_samples_only_on_data_surfaces():
    s = state_of(LINEAR)
    results = compute_all(s)
    store = figures.paths_data(s, results)
    d = store["data"]
    sx, sy = s.build_surface().data
    np.testing.assert_array_equal(_decode(d["x"]), sx)
    np.testing.assert_array_equal(_decode(d["y"]), sy)
    assert d["model"] == "line" and d["samples"] == 64
    assert [r["batch"]["size"] for r in store["runs"]] == [8, 64, 1]
    assert "idx" not in store["runs"][1]["batch"]
    plain = default_state()
    plain_store = figures.paths_data(plain, compute_all(plain))
    assert "data" not in plain_store and all("batch" not in r for r in plain_store["runs"])


def test_data_figure_draws_each_visible_model_and_rings_each_batch_once():
    s = state_of(LINEAR + "&run2.hide=1&t=40")
    results = compute_all(s)
    fig = datapanel.data_figure(s, results)
    roles = [(tr.meta or {}).get("role") for tr in fig.data]
    assert roles.count("samples") == 1
    assert [tr.meta["run"] for tr in fig.data if tr.meta.get("role") == "model"] == [0, 2]
    rings = [tr for tr in fig.data if tr.meta.get("role") == "batch"]
    assert [tr.meta["run"] for tr in rings] == [0, 2]
    sx, _ = s.build_surface().data
    np.testing.assert_array_equal(rings[0].x, sx[results[0].batches[40]])
    model = next(tr for tr in fig.data if tr.meta.get("role") == "model")
    w, b = results[0].x[40], results[0].y[40]
    np.testing.assert_allclose(model.y, w * np.asarray(model.x) + b)


def test_the_logistic_panel_draws_the_decision_boundary():
    s = state_of("surface=logistic_regression&surface.noise=0&run1=sgd&run1.lr=0.5&t=300")
    (r,) = compute_all(s)
    fig = datapanel.data_figure(s, [r])
    (line,) = [tr for tr in fig.data if tr.meta.get("role") == "boundary"]
    assert line.x[0] == pytest.approx(-r.y[300] / r.x[300])


# --------------------------------------------------------------------------- the loss chart
def test_loss_chart_has_the_minibatch_loss_faint_and_epochs_marked():
    s = state_of(LINEAR)
    results = compute_all(s)
    fig = figures.loss_figure(s, results)
    assert figures.loss_traces_per_run(s.build_surface()) == 3
    roles = [tr.meta["role"] for tr in fig.data]
    assert roles == ["batch", "curve", "head"] * 3
    batch = fig.data[0]
    assert batch.opacity < 0.5
    np.testing.assert_allclose(_ys(batch), results[0].batch_loss, rtol=1e-6)
    assert len(_ys(fig.data[3])) == 0  # the full-batch run saw the full batch: no second curve
    np.testing.assert_allclose(_ys(fig.data[1]), results[0].loss, rtol=1e-6)
    ticks = [sh for sh in fig.layout.shapes if sh.xref == "x"]
    # run 1 (B = 8): every 8 steps (thinned), run 3 (B = 1): every 64 steps
    xs_b1 = sorted(sh.x0 for sh in ticks if sh.line.color == figures.THEMES["light"].palette[2])
    assert xs_b1 == [64.0 * k for k in range(1, 8)]
    xs_b8 = sorted(sh.x0 for sh in ticks if sh.line.color == figures.THEMES["light"].palette[0])
    assert all(x % 8 == 0 for x in xs_b8) and len(xs_b8) <= figures.MAX_EPOCH_TICKS
    (fstar,) = [sh for sh in fig.layout.shapes if sh.xref == "paper"]
    assert 10**fstar.y0 == pytest.approx(s.build_surface().min_value)
    assert fig.layout.yaxis.type == "log" and fig.layout.yaxis.title.text == "f"


def test_other_surfaces_keep_two_loss_traces_per_run():
    s = default_state()
    fig = figures.loss_figure(s, compute_all(s))
    assert len(fig.data) == 2 * len(s.runs) and not fig.layout.shapes


# --------------------------------------------------------------------------- your data
def test_a_good_csv_becomes_the_surface_and_its_link_carries_it_exactly():
    s = state_of("surface=linear_regression&run1=sgd&run1.lr=0.05&run1.batch=2")
    text = "x,y\n0.1,1.25\n1,3.0000000000000004\n2,5.5\n\n3,7e0\n"
    e = apply_event(s, {"type": "formula", "name": "csv"}, text)
    t = e.state
    assert e.notices == ["Your data: 4 samples."]
    assert samples_of(t) == 4 and {"surface", "runs"} <= e.redraw
    sx, sy = t.build_surface().data
    np.testing.assert_array_equal(sx, [0.1, 1, 2, 3])
    np.testing.assert_array_equal(sy, [1.25, 3.0000000000000004, 5.5, 7])
    back, notices = parse(serialize(t))
    assert notices == [] and back == t
    np.testing.assert_array_equal(back.build_surface().data[1], sy)
    # the generated data again
    g = apply_event(t, {"type": "formula", "name": "csv"}, GENERATED).state
    assert g.data == "" and samples_of(g) == 64


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x,y\n1,2\n2,abc\n", "row 3, column y: 'abc' is not a number"),
        ("x,y\n1,2\n2,nan\n", "row 3, column y: 'nan' is not a finite number"),
        ("1\n2\n3\n", "row 1: one column"),
        ("x,y\n", "only a header row"),
        ("", "the CSV is empty"),
        ("1,2,3\n4,5,6\n", "row 1: 3 columns"),
        ("\x89PNG\r\n\x1a\n\x00\x00", "binary"),
        ("x,y\n" + "1,2\n" * 10_001, "row 10,002: more than 10,000 data rows"),
    ],
)
def test_a_bad_csv_leaves_the_surface_and_names_the_row_and_problem(text, message):
    s = state_of(LINEAR)
    e = apply_event(s, {"type": "formula", "name": "csv"}, text)
    assert e.state == s
    assert len(e.notices) == 1 and message in e.notices[0]
    assert e.notices[0].endswith("The surface is unchanged.")


def test_labels_must_be_0_or_1_for_logistic_regression():
    s = state_of("surface=logistic_regression")
    e = apply_event(s, {"type": "formula", "name": "csv"}, "x,y\n0,0\n1,1\n2,2\n")
    assert e.state == s and "data row 3: label y = 2 is not 0 or 1" in e.notices[0]


def test_a_csv_off_a_data_surface_changes_nothing():
    s = default_state()
    assert apply_event(s, {"type": "formula", "name": "csv"}, "1,2\n3,4\n").state == s


def test_a_large_upload_links_by_hash_and_elsewhere_opens_generated_data(tmp_path, monkeypatch):
    monkeypatch.setenv("GRADSCAPE_CACHE_DIR", str(tmp_path / "here"))
    s = state_of("surface=linear_regression&surface.noise=0.8&surface.data_seed=3")
    x = np.linspace(-1, 3, 2000) + 1e-7
    text = "\n".join(f"{float(a)!r},{float(2 * a - 1)!r}" for a in x)
    fields, notices = upload(s, text)
    assert len(fields["data"]) > LINK_DATA_CHARS
    assert any("carries only the generated-data settings" in n for n in notices)
    t = replace(s, **fields)
    q = serialize(t)
    assert len(q) < 1000 and "data=%23" in q and "surface.noise=0.8" in q
    assert parse(q) == (t, [])  # this process has the samples
    state_module._UPLOADS.clear()  # another process of this machine (a worker, the
    assert parse(q) == (t, [])  # start map's job) finds them in the disk cache
    monkeypatch.setenv("GRADSCAPE_CACHE_DIR", str(tmp_path / "elsewhere"))
    state_module._UPLOADS.clear()  # another machine has neither
    back, notices = parse(q)
    assert back.data == "" and samples_of(back) == 64
    assert back.surface_params["noise"] == 0.8 and back.surface_params["data_seed"] == 3
    assert len(notices) == 1 and "generated data" in notices[0]


def test_small_uploads_fit_in_the_link_limit():
    """The link limit is generous enough for a classroom data set: 500 rows of short numbers."""
    x = np.round(np.linspace(-1, 3, 500), 3)
    text = "\n".join(f"{a},{round(2 * a - 1, 3)}" for a in x)
    s = state_of("surface=linear_regression")
    fields, _ = upload(s, text)
    assert len(fields["data"]) <= LINK_DATA_CHARS
    q = serialize(replace(s, **fields))
    assert "data=-1,-3_" in q
    assert len(q) <= state_module._MAX_QUERY
