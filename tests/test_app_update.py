"""The app's reducer (`apply_event`), its figure diff (`patches`) and the edit callback."""

from __future__ import annotations

import base64
import copy
import json
import math
from dataclasses import replace

import numpy as np
import plotly.graph_objects as go
import pytest
from dash import Patch, no_update
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from plotly.io.json import to_json_plotly
from test_app_state import assert_valid

from gradscape import surfaces
from gradscape.app import callbacks, figures, ids
from gradscape.app.compute import compute
from gradscape.app.reducer import Edit, apply_event
from gradscape.app.state import (
    CLIP_MODES,
    MAX_RUNS,
    PALETTE,
    AppState,
    Run,
    default_state,
    new_run,
    parse,
    surface_state,
)
from gradscape.app.update import patches
from gradscape.optimizers import OPTIMIZERS, schedules

FIXED = figures.FIXED_TRACES


def pv(key: str) -> dict:
    return ids.pv(key, "lin")


def four_runs(steps: int = 500) -> AppState:
    """Rosenbrock with SGD, Momentum, Adam and Nesterov (distinct colours)."""
    base = default_state()
    surface = base.build_surface()
    extra = new_run("nesterov", surface, tuple(r.color for r in base.runs))
    return replace(base, runs=(*base.runs, extra), steps=steps)


def full(n: int, steps: int = 60) -> AppState:
    """`n` runs (cycling through the registry), short paths."""
    surface = surfaces.get("rosenbrock")
    runs: list[Run] = []
    names = list(OPTIMIZERS)
    for k in range(n):
        runs.append(new_run(names[k % len(names)], surface, tuple(r.color for r in runs)))
    return replace(default_state(), runs=tuple(runs), steps=steps)


def only_run_changed(old: AppState, new: AppState, i: int) -> bool:
    """Everything but run `i` is as it was."""
    rest = [r for j, r in enumerate(new.runs) if j != i]
    return (
        len(new.runs) == len(old.runs)
        and rest == [r for j, r in enumerate(old.runs) if j != i]
        and replace(new, runs=old.runs) == old
    )


# --------------------------------------------------------------------------- parameters
@pytest.mark.parametrize("i", range(4))
def test_lr_event_changes_only_that_run(i):
    old = four_runs()
    e = apply_event(old, pv(f"run.{i}.lr"), "0.0025")
    assert e.notices == []
    assert e.state.runs[i].hp["lr"] == 0.0025
    assert {k: v for k, v in e.state.runs[i].hp.items() if k != "lr"} == {
        k: v for k, v in old.runs[i].hp.items() if k != "lr"
    }
    assert only_run_changed(old, e.state, i)
    assert_valid(e.state)


@pytest.mark.parametrize("raw", ["abc", "", "nan", "1e999", "0.1.2"])
def test_bad_text_keeps_the_old_value_with_a_notice(raw):
    old = four_runs()
    e = apply_event(old, pv("run.2.lr"), raw)
    assert e.state == old
    assert len(e.notices) == 1 and "lr" in e.notices[0]
    assert "runs" in e.redraw  # the box is redrawn with the kept value


@pytest.mark.parametrize(("raw", "expected"), [("50", 10.0), ("0", 1e-6), ("-3", 1e-6)])
def test_out_of_range_lr_is_clamped(raw, expected):
    old = four_runs()
    e = apply_event(old, pv("run.0.lr"), raw)
    assert e.state.runs[0].hp["lr"] == expected
    assert len(e.notices) == 1 and "lr" in e.notices[0]
    assert only_run_changed(old, e.state, 0)


def test_other_hyperparameters_and_checkboxes():
    old = replace(four_runs(), runs=(new_run("rmsprop", surfaces.get("rosenbrock")),))
    e = apply_event(old, pv("run.0.centered"), ["on"])
    assert e.state.runs[0].hp["centered"] is True and e.notices == []
    e = apply_event(e.state, pv("run.0.centered"), [])
    assert e.state == old
    e = apply_event(old, pv("run.0.alpha"), "0.5")
    assert e.state.runs[0].hp["alpha"] == 0.5


def test_same_value_changes_nothing():
    old = four_runs()
    e = apply_event(old, pv("run.1.lr"), str(old.runs[1].hp["lr"]))
    assert e.state == old and e.notices == [] and not e.redraw


@pytest.mark.parametrize(
    ("key", "raw", "field", "expected"),
    [
        ("steps", "1200", "steps", 1200),
        ("steps", "3", "steps", 10),
        ("noise", "0.5", "noise", 0.5),
        ("seed", "42", "seed", 42),
        ("clip_at", "5", "clip_at", 5.0),
    ],
)
def test_training_parameters(key, raw, field, expected):
    old = four_runs()
    e = apply_event(old, pv(key), raw)
    assert getattr(e.state, field) == expected
    assert replace(e.state, **{field: getattr(old, field)}) == old


def test_fewer_steps_clamp_the_shown_step():
    old = replace(four_runs(), t=400)
    e = apply_event(old, pv("steps"), "100")
    assert (e.state.steps, e.state.t) == (100, 100)
    e = apply_event(old, pv("steps"), "450")
    assert (e.state.steps, e.state.t) == (450, 400)


def test_surface_parameter_event():
    old = default_state("quadratic")
    e = apply_event(old, pv("surface.condition"), "250")
    assert e.state.surface_params == {**old.surface_params, "condition": 250.0}
    e = apply_event(old, pv("surface.condition"), "1e9")
    assert e.state.surface_params["condition"] == 1000.0 and e.notices


# --------------------------------------------------------------------------- surface
@pytest.mark.parametrize("name", sorted(set(surfaces.SURFACES) - {"rosenbrock"}))
def test_surface_change_resets_start_view_and_learning_rates(name):
    surface = surfaces.get("rosenbrock")
    runs = (
        Run("momentum", {**new_run("momentum", surface).hp, "lr": 0.3, "momentum": 0.5}, 3),
        Run("adam", {**new_run("adam", surface).hp, "beta2": 0.9, "lr": 2e-5}, 5, False),
    )
    old = replace(default_state(), runs=runs, start=(1.0, 1.0), view=(0, 1, 0, 1), t=10)
    e = apply_event(old, ids.SURFACE, name)
    new_surface = surfaces.get(name)
    new = e.state
    assert new.surface == name
    assert (new.start, new.view) == (new_surface.start, new_surface.view)
    assert new.t is None
    assert {"surface", "runs", "start"} <= e.redraw
    for before, after in zip(old.runs, new.runs, strict=True):
        lr = new_surface.suggested_lr(after.optimizer) or OPTIMIZERS[after.optimizer].default_lr
        assert after.hp["lr"] == lr
        assert {**after.hp, "lr": 0} == {**before.hp, "lr": 0}
        assert (after.optimizer, after.color, after.visible) == (
            before.optimizer,
            before.color,
            before.visible,
        )
    assert (new.steps, new.schedule, new.noise, new.seed) == (
        old.steps,
        old.schedule,
        old.noise,
        old.seed,
    )
    assert_valid(new)


@pytest.mark.parametrize("value", ["rosenbrock", "sphere", None, 3])
def test_same_or_unknown_surface_changes_nothing(value):
    old = four_runs()
    assert apply_event(old, ids.SURFACE, value).state == old


# --------------------------------------------------------------------------- optimizer
@pytest.mark.parametrize("name", sorted(set(OPTIMIZERS) - {"momentum"}))
def test_optimizer_change_resets_hyperparameters(name):
    old = four_runs()
    old = apply_event(old, pv("run.1.momentum"), "0.5").state
    old = apply_event(old, pv("run.1.lr"), "0.07").state
    e = apply_event(old, ids.optimizer(1), name)
    run = e.state.runs[1]
    surface = surfaces.get("rosenbrock")
    spec = OPTIMIZERS[name]
    assert run.optimizer == name
    assert set(run.hp) == set(spec.param_map)
    assert run.hp["lr"] == (surface.suggested_lr(name) or spec.default_lr)
    for p in spec.params[1:]:
        assert run.hp[p.name] == p.default
    assert (run.color, run.visible) == (old.runs[1].color, old.runs[1].visible)
    assert only_run_changed(old, e.state, 1)
    assert "runs" in e.redraw


def test_same_or_unknown_optimizer_changes_nothing():
    old = four_runs()
    for value in ("momentum", "adamx", None):
        assert apply_event(old, ids.optimizer(1), value).state == old
    assert apply_event(old, ids.optimizer(9), "adam").state == old


def test_colour_change():
    old = four_runs()
    e = apply_event(old, ids.color(2), 7)
    assert e.state.runs[2].color == 7 and only_run_changed(old, e.state, 2)
    assert apply_event(old, ids.color(2), "red").state == old


# --------------------------------------------------------------------------- runs
def test_add_run_uses_an_unused_colour_until_max_runs():
    state = default_state()
    while len(state.runs) < MAX_RUNS:
        before = state
        e = apply_event(state, ids.ADD, 1)
        state = e.state
        assert state.runs[:-1] == before.runs
        assert len(state.runs) == len(before.runs) + 1
        assert state.runs[-1].color not in {r.color for r in before.runs}
        assert state.runs[-1].optimizer in OPTIMIZERS
        assert "runs" in e.redraw
    assert len({r.color for r in state.runs}) == MAX_RUNS
    assert apply_event(state, ids.ADD, 1).state == state
    assert_valid(state)


def test_remove_run():
    old = four_runs()
    e = apply_event(old, ids.action(1, "remove"), 1)
    assert e.state.runs == (old.runs[0], *old.runs[2:])
    one = replace(old, runs=old.runs[:1])
    assert apply_event(one, ids.action(0, "remove"), 1).state == one


def test_duplicate_inserts_after_the_source_with_a_new_colour():
    old = four_runs()
    old = apply_event(old, ids.action(1, "hide"), 1).state
    e = apply_event(old, ids.action(1, "duplicate"), 1)
    runs = e.state.runs
    assert len(runs) == 5
    assert runs[:2] == old.runs[:2] and runs[3:] == old.runs[2:]
    copy_ = runs[2]
    assert (copy_.optimizer, copy_.hp) == (old.runs[1].optimizer, old.runs[1].hp)
    assert copy_.color not in {r.color for r in old.runs}
    assert copy_.visible
    full8 = full(MAX_RUNS)
    assert apply_event(full8, ids.action(0, "duplicate"), 1).state == full8


def test_hide_toggles_visibility():
    old = four_runs()
    e = apply_event(old, ids.action(3, "hide"), 1)
    assert e.state.runs[3].visible is False and only_run_changed(old, e.state, 3)
    assert apply_event(e.state, ids.action(3, "hide"), 1).state == old


# --------------------------------------------------------------------------- start
def test_click_moves_the_start_rounded_to_a_thousandth_of_the_view():
    old = default_state()  # rosenbrock: the view is 4 wide, so a thousandth is 0.004
    e = apply_event(old, ids.CLICK, [0.123456, 1.987654])
    assert e.state.start == (0.123, 1.988)
    assert "start" in e.redraw
    zoomed = replace(old, view=(0.0, 0.02, 0.0, 0.02))  # a thousandth is 2e-5
    assert apply_event(zoomed, ids.CLICK, [0.0123456, 0.0198765]).state.start == (
        0.01235,
        0.01988,
    )


@settings(max_examples=100, deadline=None)
@given(
    st.sampled_from(sorted(surfaces.SURFACES)),
    st.floats(-1e4, 1e4),
    st.floats(-1e4, 1e4),
)
def test_click_lands_within_a_thousandth_of_the_view_and_inside_the_bound(name, x, y):
    old = default_state(name)
    start = apply_event(old, ids.CLICK, [x, y]).state.start
    bx0, bx1, by0, by1 = old.build_surface().bound
    assert bx0 <= start[0] <= bx1 and by0 <= start[1] <= by1
    x0, x1, y0, y1 = old.view
    tol = max(x1 - x0, y1 - y0) / 1000
    assert abs(start[0] - min(max(x, bx0), bx1)) <= tol
    assert abs(start[1] - min(max(y, by0), by1)) <= tol


def test_click_outside_the_map_is_clamped_to_the_bound():
    old = default_state()
    b = old.build_surface().bound
    assert apply_event(old, ids.CLICK, [1e6, -1e6]).state.start == (b[1], b[2])


@pytest.mark.parametrize("value", [[None, 1], ["a", "b"], [1.0], "xy", None, {"x": 1}])
def test_unreadable_click_changes_nothing(value):
    old = default_state()
    assert apply_event(old, ids.CLICK, value).state == old


def test_nan_click_changes_nothing():
    old = default_state()
    assert apply_event(old, ids.CLICK, [math.nan, 1.0]).state == old


def test_start_text_boxes():
    old = default_state()
    b = old.build_surface().bound
    e = apply_event(old, ids.START_X, "0.5")
    assert e.state.start == (0.5, old.start[1]) and e.notices == []
    e = apply_event(old, ids.START_Y, "abc")
    assert e.state == old and len(e.notices) == 1 and "start" in e.redraw
    e = apply_event(old, ids.START_Y, "1e9")
    assert e.state.start == (old.start[0], b[3]) and len(e.notices) == 1


# --------------------------------------------------------------------------- view
def zoom(x0, x1, y0, y1) -> dict:
    return {"xaxis.range[0]": x0, "xaxis.range[1]": x1, "yaxis.range[0]": y0, "yaxis.range[1]": y1}


def test_zoom_sets_the_view_and_autorange_restores_it():
    old = default_state()
    e = apply_event(old, ids.VIEW, zoom(-1, 1, 0.5, 2.5))
    assert e.state.view == (-1.0, 1.0, 0.5, 2.5)
    assert replace(e.state, view=old.view) == old
    e2 = apply_event(e.state, ids.VIEW, {"xaxis.range[0]": -0.5, "xaxis.range[1]": 0.5})
    assert e2.state.view == (-0.5, 0.5, 0.5, 2.5)
    back = apply_event(e2.state, ids.VIEW, {"xaxis.autorange": True, "yaxis.autorange": True})
    assert back.state.view == old.build_surface().view


def test_zoom_is_clamped_to_the_bound():
    old = default_state()
    b = old.build_surface().bound
    e = apply_event(old, ids.VIEW, zoom(-1e6, 0, 0, 1e6))
    assert e.state.view == (b[0], 0.0, 0.0, b[3])


@pytest.mark.parametrize(
    "relayout",
    [
        zoom(1, -1, 0, 1),
        zoom(0, 1, 1, 1),
        zoom("a", 1, 0, 1),
        zoom(math.nan, 1, 0, 1),
        {"xaxis.range[0]": 0},
        {"autosize": True},
        {"dragmode": "pan"},
        {},
    ],
)
def test_relayout_without_a_usable_range_changes_nothing(relayout):
    old = default_state()
    assert apply_event(old, ids.VIEW, relayout).state == old


# --------------------------------------------------------------------------- schedule, clip
@pytest.mark.parametrize("name", sorted(set(schedules.SCHEDULES) - {"constant"}))
def test_schedule_change_sets_its_defaults(name):
    old = replace(four_runs(), steps=800)
    e = apply_event(old, ids.SCHEDULE, name)
    args = e.state.schedule_args
    assert e.state.schedule == name and "schedule" in e.redraw
    for p in schedules.PARAMS[name]:
        assert args[p.name] == (old.steps if p.name == "t_max" else p.default)
    schedules.get(name, **args)
    assert_valid(e.state)


@pytest.mark.parametrize("steps", [10, 50])
def test_schedule_change_with_few_steps_gives_a_buildable_schedule(steps):
    old = replace(four_runs(), steps=steps)
    new = apply_event(old, ids.SCHEDULE, "warmup_cosine").state
    schedules.get(new.schedule, **new.schedule_args)  # raises ValueError today
    patches(old, new)


def test_schedule_arguments_that_cannot_build_are_refused():
    old = apply_event(four_runs(), ids.SCHEDULE, "warmup_cosine").state
    for key, raw in (("schedule.t_max", "20"), ("schedule.warmup_steps", "900")):
        e = apply_event(old, pv(key), raw)
        assert e.state == old
        assert len(e.notices) == 1 and "kept" in e.notices[0]
        assert "schedule" in e.redraw
    e = apply_event(old, pv("schedule.t_max"), "300")
    assert e.state.schedule_args == {**old.schedule_args, "t_max": 300}


@pytest.mark.parametrize("mode", sorted(set(CLIP_MODES) - {"off"}))
def test_clip_mode(mode):
    old = four_runs()
    e = apply_event(old, ids.CLIP, mode)
    assert e.state == replace(old, clip=mode) and "clip" in e.redraw
    assert apply_event(old, ids.CLIP, "sideways").state == old


def test_a_choice_hyperparameter_is_set_by_its_radio_and_checked():
    old, _ = parse("run1=lbfgs&run2=sgd")
    key = {"type": "pv", "key": "run.0.line_search", "scale": "lin"}
    e = apply_event(old, key, "strong_wolfe")
    assert e.state.runs[0].hp["line_search"] == "strong_wolfe" and e.notices == []
    assert e.state.runs[1] == old.runs[1]
    bad = apply_event(old, key, "eval('1')")
    assert bad.state == old and len(bad.notices) == 1


@pytest.mark.parametrize(
    ("event", "value"),
    [
        ("nonsense", 1),
        (ids.PLAY, 1),
        ({"type": "zzz"}, 1),
        ({"type": "pv", "key": "run.9.lr"}, "0.1"),
        ({"type": "pv", "key": "run.x.lr"}, "0.1"),
        ({"type": "pv", "key": "run.0.beta1"}, "0.5"),  # SGD has no β₁
        ({"type": "pv", "key": "surface.condition"}, "5"),  # Rosenbrock has no κ
        ({"type": "pv", "key": "schedule.t_max"}, "5"),  # constant has no T
        ({"type": "pv", "key": "bogus"}, "1"),
        ({"type": "act", "run": 0, "what": "explode"}, 1),
        ({"type": "act", "run": 7, "what": "remove"}, 1),
        ({"type": "act", "run": "0", "what": "remove"}, 1),
        (ids.VIEW, "not a dict"),
        (ids.SCHEDULE, "sawtooth"),
    ],
)
def test_unknown_events_change_nothing(event, value):
    old = four_runs()
    e = apply_event(old, event, value)
    assert isinstance(e, Edit)
    assert e.state == old and e.notices == [] and not e.redraw


# --------------------------------------------------------------------------- patches
def operations(patch: Patch) -> list[dict]:
    j = patch.to_plotly_json()
    assert j["__dash_patch_update"] == "__dash_patch_update"
    return j["operations"]


def path_runs(patch: Patch) -> set[int]:
    """The runs of the paths store a patch replaces, appends (as "end") or deletes.

    A run's ``widen`` alone (a number: how much wider its trail is drawn where a
    later run covers it, app/look.py `stacking`) may change when another run
    changes; that sends no path and is not counted here."""
    out = set()
    for op in operations(patch):
        loc = op["location"]
        if len(loc) == 3 and loc[2] == "widen":
            assert isinstance(op["params"]["value"], float)
            continue
        out.add(loc[1] if len(loc) > 1 else "end")
    return out


def data_indices(patch: Patch, kind: str | None = None) -> list[int]:
    """The trace indices the patch's operations address (in order)."""
    return [
        op["location"][1]
        for op in operations(patch)
        if op["location"][:1] == ["data"]
        and len(op["location"]) >= 2
        and (kind is None or op["operation"] == kind)
    ]


def run_indices(i: int) -> set[int]:
    return {FIXED + 3 * i + j for j in range(3)}


def test_no_previous_state_gives_whole_figures():
    state = four_runs(steps=100)
    m, loss, paths, results = patches(None, state)
    assert isinstance(m, go.Figure) and isinstance(loss, go.Figure)
    # the app's map holds no run (the browser draws them from paths); the loss plot does
    assert len(m.data) == FIXED and len(loss.data) == 2 * 4
    assert len(paths["runs"]) == 4
    assert len(results) == 4 and all(len(r.x) == 101 for r in results)
    assert m.data[0].type == "contour"
    # the figure for export draws every run itself: ghost, trail and head
    export = figures.map_figure(state, results)
    assert len(export.data) == FIXED + 3 * 4
    assert [t.meta["role"] for t in export.data[FIXED:]] == ["ghost", "trail", "head"] * 4


def test_a_new_surface_gives_whole_figures():
    old = four_runs(steps=100)
    new = apply_event(old, ids.SURFACE, "beale").state
    m, loss, _, _ = patches(old, new)
    assert isinstance(m, go.Figure) and isinstance(loss, go.Figure)


def test_nothing_changed_gives_empty_patches():
    state = four_runs(steps=100)
    m, loss, _, _ = patches(state, state)
    assert operations(m) == [] and operations(loss) == []


def test_lr_change_patches_only_that_run():
    old = four_runs()
    new = apply_event(old, pv("run.1.lr"), "0.0005").state
    m, loss, paths, _ = patches(old, new)
    # the map: nothing (any change of its figure makes Plotly redraw the contour)
    assert operations(m) == []
    # the loss plot: run 1's curve and marker
    assert set(data_indices(loss)) == {2, 3}
    traces = [op for op in operations(loss) if op["location"][0] == "data"]
    assert len(traces) == 2
    assert all(op["params"]["value"]["meta"]["run"] == 1 for op in traces)
    # the paths the browser draws: run 1 only, its whole new path as typed arrays
    [op] = operations(paths)
    assert op["location"] == ["runs", 1] and op["operation"] == "Assign"
    x = typed(op["params"]["value"]["x"])
    assert x.dtype == np.float64 and x.size == old.steps + 1
    assert not np.array_equal(
        x, typed(figures.path_data(old.runs[1], compute(old, old.runs[1]))["x"])
    )


@pytest.mark.parametrize(
    ("event", "value", "i"),
    [
        (ids.color(0), 6, 0),
        (ids.action(3, "hide"), 1, 3),
        (ids.optimizer(2), "radam", 2),
        ({"type": "pv", "key": "run.2.eps"}, "1e-4", 2),  # Adam
    ],
)
def test_one_run_edits_patch_one_run(event, value, i):
    old = four_runs(steps=100)
    new = apply_event(old, event, value).state
    m, loss, paths, _ = patches(old, new)
    assert operations(m) == []
    assert set(data_indices(loss)) == {2 * i, 2 * i + 1}
    assert path_runs(paths) == {i}


@pytest.mark.parametrize(("key", "raw"), [("steps", "120"), ("noise", "0.3"), ("clip_at", "2")])
def test_common_changes_patch_every_run_but_not_the_contour(key, raw):
    old = replace(four_runs(steps=100), clip="norm")
    new = apply_event(old, pv(key), raw).state
    m, loss, paths, _ = patches(old, new)
    assert 0 not in data_indices(m)
    assert set(data_indices(m)) <= set().union(*(run_indices(i) for i in range(4)))
    assert set(data_indices(loss)) == set(range(8))
    assert path_runs(paths) == {0, 1, 2, 3}


def test_start_move_patches_the_marker_and_every_run():
    old = four_runs(steps=100)
    new = apply_event(old, ids.CLICK, [0.5, 0.5]).state
    m, loss, paths, _ = patches(old, new)
    idx = set(data_indices(m))
    assert 2 in idx and 0 not in idx and 1 not in idx
    assert idx - {2} <= set().union(*(run_indices(i) for i in range(4)))
    assert path_runs(paths) == {0, 1, 2, 3}
    marker = {tuple(op["location"]): op["params"]["value"] for op in operations(m)}
    assert marker[("data", 2, "x")] == [0.5] and marker[("data", 2, "y")] == [0.5]
    assert set(data_indices(loss)) == set(range(8))


def typed(value) -> np.ndarray:
    """A base64 typed array (as patches send numpy arrays) decoded."""
    assert set(value) >= {"bdata", "dtype"}
    return np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])


def test_view_change_replaces_the_contour_only():
    old = four_runs(steps=100)
    new = apply_event(old, ids.VIEW, zoom(-1, 1, 0, 2)).state
    m, loss, _, _ = patches(old, new)
    assert data_indices(m) == [0]
    [contour] = [op["params"]["value"] for op in operations(m) if op["location"] == ["data", 0]]
    assert contour["type"] == "contour"
    x, y = typed(contour["x"]), typed(contour["y"])
    assert (x.min(), x.max()) == (-1, 1)
    assert (y.min(), y.max()) == (0, 2)
    layout = {tuple(op["location"]): op["params"]["value"] for op in operations(m)}
    assert layout[("layout", "xaxis", "range")] == [-1, 1]
    assert layout[("layout", "yaxis", "range")] == [0, 2]
    assert operations(loss) == []


@pytest.mark.parametrize("i", range(4))
def test_removing_a_run_deletes_its_traces(i):
    old = four_runs(steps=100)
    new = apply_event(old, ids.action(i, "remove"), 1).state
    m, loss, paths, _ = patches(old, new)
    assert operations(m) == []
    assert len(data_indices(loss, "Delete")) == 2
    # runs after the removed one move down a place and are redrawn there; the last goes
    assert path_runs(paths) == set(range(i, 4))
    assert [op["operation"] for op in operations(paths)][-1] == "Delete"


def test_adding_a_run_appends_traces():
    old = four_runs(steps=100)
    new = apply_event(old, ids.ADD, 1).state
    m, loss, paths, _ = patches(old, new)
    assert operations(m) == []
    data_ops = [op for op in operations(loss) if op["location"][0] == "data"]
    assert [op["operation"] for op in data_ops] == ["Append"] * 2
    [op] = operations(paths)
    assert op["operation"] == "Append" and op["location"] == ["runs"]
    assert op["params"]["value"]["name"].startswith(OPTIMIZERS[new.runs[-1].optimizer].label)


# --------------------------------------------------------------------------- patch = rebuild
def plain(obj):
    """JSON with typed arrays decoded to lists, so figures and patches compare."""
    if isinstance(obj, dict):
        if "bdata" in obj and "dtype" in obj:
            arr = np.frombuffer(base64.b64decode(obj["bdata"]), dtype=np.dtype(obj["dtype"]))
            if "shape" in obj:
                arr = arr.reshape([int(s) for s in obj["shape"].split(",") if s.strip()])
            return arr.astype(np.float64).tolist()
        return {k: plain(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [plain(v) for v in obj]
    return obj


def as_json(obj):
    return plain(json.loads(to_json_plotly(obj)))


def numeric(xs) -> bool:
    return isinstance(xs, list) and all(
        v is None or (isinstance(v, int | float) and not isinstance(v, bool)) or numeric(v)
        for v in xs
    )


def assert_same(a, b, where="") -> None:
    if numeric(a) and numeric(b) and (a or b):
        x = np.array(a, dtype=np.float64)  # None (JSON's NaN) becomes nan
        y = np.array(b, dtype=np.float64)
        assert x.shape == y.shape, where
        np.testing.assert_allclose(x, y, rtol=1e-6, equal_nan=True, err_msg=where)
    elif isinstance(a, dict) and isinstance(b, dict):
        assert a.keys() == b.keys(), f"{where}: {sorted(a.keys() ^ b.keys())}"
        for k in a:
            assert_same(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, list) and isinstance(b, list):
        assert len(a) == len(b), where
        for k, (u, v) in enumerate(zip(a, b, strict=True)):
            assert_same(u, v, f"{where}[{k}]")
    else:
        assert a == b, where


def apply_patch(doc: dict, patch: Patch) -> dict:
    """What dash-renderer does with a Patch's Assign, Delete and Append operations."""
    doc = copy.deepcopy(doc)
    for op in as_json(patch)["operations"]:
        loc, kind = op["location"], op["operation"]
        if kind == "Append":
            target = doc
            for k in loc:
                target = target[k]
            target.append(op["params"]["value"])
            continue
        parent = doc
        for k in loc[:-1]:
            parent = parent.setdefault(k, {}) if isinstance(parent, dict) else parent[k]
        if kind == "Assign":
            parent[loc[-1]] = op["params"]["value"]
        elif kind == "Delete":
            del parent[loc[-1]]
        else:
            raise AssertionError(f"unexpected operation {kind}")
    return doc


def assert_patch_rebuilds(old: AppState, new: AppState) -> None:
    """The old page with the patches applied is the page drawn from scratch for `new`."""
    m, loss, paths, _ = patches(old, new)
    want_m, want_loss, want_paths, _ = patches(None, new)
    if isinstance(m, go.Figure):
        assert (old.surface, old.surface_params) != (new.surface, new.surface_params)
        return
    old_m, old_loss, old_paths, _ = patches(None, old)
    got_m = apply_patch(as_json(old_m), m)
    got_loss = apply_patch(as_json(old_loss), loss)
    got_paths = apply_patch(as_json(old_paths), paths)
    want_m, want_loss = as_json(want_m), as_json(want_loss)
    assert_same(got_m["data"], want_m["data"], "map.data")
    assert_same(got_m["layout"], want_m["layout"], "map.layout")
    assert_same(got_loss["data"], want_loss["data"], "loss.data")
    assert got_loss["layout"]["xaxis"]["range"] == want_loss["layout"]["xaxis"]["range"]
    assert_same(got_paths, as_json(want_paths), "paths")


EDITS = [
    (pv("run.1.lr"), "0.0005"),
    (pv("run.0.weight_decay"), "0.1"),
    (ids.color(2), 7),
    (ids.optimizer(3), "adagrad"),
    (ids.action(0, "hide"), 1),
    (ids.action(1, "duplicate"), 1),
    (ids.action(0, "remove"), 1),
    (ids.action(3, "remove"), 1),
    (ids.ADD, 1),
    (ids.CLICK, [0.25, -0.5]),
    (ids.VIEW, zoom(-1, 1, 0, 2)),
    (pv("steps"), "80"),
    (pv("noise"), "0.4"),
    (ids.SCHEDULE, "cosine"),
    (ids.CLIP, "value"),
    (ids.SURFACE, "himmelblau"),
]


@pytest.mark.parametrize(("event", "value"), EDITS)
def test_patch_applied_to_the_old_page_is_the_new_page(event, value):
    old = four_runs(steps=60)
    new = apply_event(old, event, value).state
    assert new != old
    assert_patch_rebuilds(old, new)


@st.composite
def events(draw, state: AppState):
    n = len(state.runs)
    i = draw(st.integers(0, n - 1))
    return draw(
        st.sampled_from(
            [
                (pv(f"run.{i}.lr"), str(draw(st.floats(1e-5, 1.0)))),
                (ids.optimizer(i), draw(st.sampled_from(sorted(OPTIMIZERS)))),
                (ids.color(i), draw(st.integers(0, len(PALETTE) - 1))),
                (ids.action(i, draw(st.sampled_from(["hide", "duplicate", "remove"]))), 1),
                (ids.ADD, 1),
                (ids.CLICK, [draw(st.floats(-2, 2)), draw(st.floats(-1, 3))]),
                (ids.VIEW, zoom(*sorted(draw(st.lists(st.floats(-3, 3), min_size=4, max_size=4))))),
                (pv("steps"), str(draw(st.integers(55, 90)))),
                (pv("noise"), draw(st.sampled_from(["0", "0.2"]))),
                (ids.CLIP, draw(st.sampled_from(sorted(CLIP_MODES)))),
                (ids.SCHEDULE, draw(st.sampled_from(["constant", "cosine", "step"]))),
            ]
        )
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_random_edit_sequences_patch_consistently(data):
    state = four_runs(steps=60)
    for _ in range(data.draw(st.integers(1, 4))):
        event, value = data.draw(events(state))
        new = apply_event(state, event, value).state
        assert_valid(new)
        assert_patch_rebuilds(state, new)
        state = new


# --------------------------------------------------------------------------- wire size
def single_lr_patches() -> tuple[str, str, str]:
    old = four_runs(steps=500)
    new = apply_event(old, pv("run.1.lr"), "0.0005").state
    return tuple(to_json_plotly(p) for p in patches(old, new)[:3])


def test_single_lr_patch_is_small():
    assert sum(len(p.encode()) for p in single_lr_patches()) < 30_000


def test_patch_arrays_are_typed_arrays():
    _, loss, paths = single_lr_patches()
    assert "bdata" in loss and "bdata" in paths


def test_whole_figures_use_typed_arrays():
    fig, loss, paths, _ = patches(None, four_runs(steps=500))
    assert "bdata" in to_json_plotly(fig) and "bdata" in to_json_plotly(loss)
    assert "bdata" in to_json_plotly(paths)


# --------------------------------------------------------------------------- callback
PV_IDS = [
    ids.pv("run.0.lr", "log"),
    ids.pv("run.1.lr", "log"),
    ids.pv("steps", "logint"),
    ids.pv("noise", "lin"),
    ids.pv("seed", "int"),
]


def test_edit_outputs_for_an_lr_event():
    old = four_runs(steps=100)
    out = callbacks.edit_outputs(old, [(ids.pv("run.1.lr", "log"), "0.004")], PV_IDS)
    assert isinstance(out, tuple) and len(out) == len(callbacks.EDIT_OUTPUTS)
    state, notices = parse(out[0])
    assert notices == []
    assert state.runs[1].hp["lr"] == 0.004
    assert state == replace(apply_event(old, pv("run.1.lr"), "0.004").state, t=None)
    assert isinstance(out[1], Patch) and isinstance(out[2], Patch)
    assert out[12] is False  # 4 < MAX_RUNS: adding is allowed
    assert out[13] == [no_update] * len(PV_IDS)


@pytest.mark.parametrize(
    "events",
    [
        [(ids.SURFACE, "rosenbrock")],
        [(ids.ADD, None)],  # a button drawn anew, not clicked
        [(ids.action(0, "remove"), None)],
        [("nonsense", 1)],
        [],
    ],
)
def test_edit_outputs_for_a_no_op_leave_the_page_alone(events):
    old = four_runs(steps=100)
    out = callbacks.edit_outputs(old, events, PV_IDS)
    assert len(out) == len(callbacks.EDIT_OUTPUTS)
    assert all(v is no_update for v in out[:13])
    assert out[13] == [no_update] * len(PV_IDS)
    assert out[14] is no_update  # the theme class
    assert out[15] is no_update  # the paths


def test_edit_outputs_resets_a_clamped_training_box():
    old = four_runs(steps=100)
    out = callbacks.edit_outputs(old, [(ids.pv("steps", "logint"), "99999")], PV_IDS)
    assert parse(out[0])[0].steps == 5000
    assert out[13][2] == "5000"
    assert [v for k, v in enumerate(out[13]) if k != 2] == [no_update] * (len(PV_IDS) - 1)
    assert out[4]  # the notice is shown


def test_edit_outputs_disables_add_at_max_runs():
    old = full(MAX_RUNS - 1)
    out = callbacks.edit_outputs(old, [(ids.ADD, 1)], PV_IDS)
    assert len(parse(out[0])[0].runs) == MAX_RUNS
    assert out[12] is True
    assert out[7] is not no_update  # the run panels are redrawn


def test_edit_outputs_surface_change_redraws_the_panel():
    old = four_runs(steps=100)
    out = callbacks.edit_outputs(old, [(ids.SURFACE, "quadratic")], PV_IDS)
    assert parse(out[0])[0].surface == "quadratic"
    assert isinstance(out[1], go.Figure)
    assert all(v is not no_update for v in out[5:8])  # surface params, formula, runs
    assert out[8] is no_update and out[9] is no_update
    assert surface_state("quadratic")["start"] == parse(out[0])[0].start


# --------------------------------------------------------------------------- overtaken requests
def test_a_box_whose_request_was_overtaken_still_reaches_the_state():
    old = four_runs()
    # run 0's box was typed first, but its answer was dropped: the state lacks it
    boxes = [(pv("run.0.lr"), "0.0123"), (pv("run.1.lr"), "0.0005"), (pv("steps"), "500")]
    out = callbacks.edit_outputs(old, [(pv("run.1.lr"), "0.0005")], [], boxes)
    state, _ = parse(out[0])
    assert state.runs[0].hp["lr"] == 0.0123
    assert state.runs[1].hp["lr"] == 0.0005
    assert state.steps == 500


def test_a_menu_whose_request_was_overtaken_still_reaches_the_state():
    """Menus are read from every request too: a dropped optimizer change is not lost."""
    old = four_runs()
    controls = [
        ({"type": "opt", "run": 2}, "rmsprop"),
        (pv("run.0.lr"), repr(old.runs[0].hp["lr"])),
    ]
    out = callbacks.edit_outputs(old, [(ids.ADD, 1)], [], controls)
    state, _ = parse(out[0])
    assert state.runs[2].optimizer == "rmsprop" and len(state.runs) == 5


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_no_edit_is_lost_however_requests_overtake_each_other(data):
    """Boxes typed one after another, each request answered or dropped at random: the
    state after the last request holds every box's last value (what the page shows)."""
    state = four_runs(steps=60)
    keys = ["run.0.lr", "run.1.lr", "run.2.lr", "steps", "noise"]
    shown = {k: layout_text(state, k) for k in keys}
    for _ in range(data.draw(st.integers(1, 8))):
        key = data.draw(st.sampled_from(keys))
        value = data.draw(st.sampled_from(["0.002", "0.0031", "0.05", "120", "0.25"]))
        if key == "steps":
            value = str(data.draw(st.integers(10, 400)))
        shown[key] = value
        controls = [(pv(k), v) for k, v in shown.items()]
        out = callbacks.edit_outputs(state, [(pv(key), value)], [], controls)
        if data.draw(st.booleans()) and out[0] is not no_update:  # answered, not overtaken
            state = parse(out[0])[0]
    final = callbacks.edit_outputs(state, [], [], [(pv(k), v) for k, v in shown.items()])
    if final[0] is not no_update:
        state = parse(final[0])[0]
    for k, v in shown.items():
        assert layout_text(state, k) == layout_text(apply_event(state, pv(k), v).state, k)
        assert apply_event(state, pv(k), v).state == state  # nothing the page shows is lost


def layout_text(state: AppState, key: str) -> str:
    from gradscape.app.layout import fmt_value
    from gradscape.app.state import box

    b = box(state, key)
    return fmt_value(b.param, b.value)


def test_boxes_are_not_replayed_after_a_change_of_structure():
    old = four_runs()
    stale = [(pv("run.0.lr"), "0.0123")]  # the box of the optimizer being replaced
    out = callbacks.edit_outputs(old, [({"type": "opt", "run": 0}, "adam")], [], stale)
    state, _ = parse(out[0])
    assert state.runs[0].hp["lr"] == old.build_surface().suggested_lr("adam")


def test_a_box_showing_the_state_changes_nothing_and_a_bad_one_is_rewritten():
    old = four_runs(steps=100)
    same = [(pv("run.0.lr"), repr(old.runs[0].hp["lr"])), (ids.pv("steps", "logint"), "100")]
    out = callbacks.edit_outputs(old, [], PV_IDS, same)
    assert all(v is no_update for v in out[:13])
    # an unfired box with text that cannot be read: a notice, and the box shows the state again
    bad = [(ids.pv("steps", "logint"), "lots")]
    out = callbacks.edit_outputs(old, [], PV_IDS, bad)
    assert "not a number" in str(out[4])
    assert out[13][2] == "100"


def test_a_failing_edit_leaves_the_page_and_says_so(monkeypatch):
    """A bug in drawing must not turn into a silent, frozen page."""

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(callbacks, "edit_outputs", broken)
    monkeypatch.setattr(callbacks, "ctx", _FakeContext())
    out = callbacks.edit(*([None] * 17), None, None, None)
    assert len(out) == len(callbacks.EDIT_OUTPUTS)
    assert all(v is no_update for v in out[:4])
    assert "could not be drawn" in str(out[4])  # plainly: the details go to the log
    assert "boom" not in str(out[4]) and "RuntimeError" not in str(out[4])


class _FakeContext:
    """What `edit` reads from dash.ctx: the add button clicked, no text boxes."""

    def __init__(self) -> None:
        self.triggered = [{"prop_id": "add-run.n_clicks", "value": 1}]
        self.inputs_list = [[]]
        self.outputs_list = [[]] * 13 + [[], {}, {}]


def test_views_not_shown_are_not_drawn_on_load_or_edit(monkeypatch):
    """In the paths view, neither load nor an edit builds the comparison, sensitivity,
    start map or 3D figure (nor computes their numbers)."""
    from gradscape.app import views

    def hidden(*args, **kwargs):
        raise AssertionError("a view that is not shown was drawn")

    for name in (
        "sweep",
        "compare_figure",
        "sensitivity",
        "sensitivity_figure",
        "start_map",
        "start_map_figure",
        "surface3d_figure",
    ):
        monkeypatch.setattr(views, name, hidden)
    state = parse("steps=80")[0]
    out = dict(zip(callbacks.LOAD_OUTPUTS, callbacks.page_outputs(state, []), strict=True))
    assert out[(ids.FIGURE, "figure")] is no_update
    assert out[(ids.STARTREQ, "data")] is no_update
    edited = callbacks.edit_outputs(state, [(pv("run.1.lr"), "0.004")], [])
    assert parse(edited[0])[0].runs[1].hp["lr"] == 0.004


@pytest.mark.parametrize("store", [None, 3, [], {"a": 1}, "run1=sgd&steps=nan", b"x"])
@pytest.mark.parametrize("frame", [None, 5, "t=3", {"t": "7"}, {"t": True}, {"t": 10**9}, []])
def test_whatever_a_request_carries_gives_a_state(store, frame):
    state = callbacks._state_from(store, frame)
    assert isinstance(state, AppState) and state.t is None


def test_the_side_panel_comes_with_the_page_and_load_redraws_it_only_if_needed():
    from flask import Flask

    from gradscape.app import layout

    state = parse("surface=quadratic&run1=nesterov&mode=compare")[0]
    query = callbacks.serialize(state, with_step=False)
    with Flask(__name__).test_request_context(headers={"Referer": f"http://h/?{query}"}):
        text = to_json_plotly(layout.page())
    assert '"run.0.momentum"' in text and '"surface.condition"' in text  # drawn for the link
    names = [n for n, _ in callbacks.LOAD_OUTPUTS]
    out = dict(zip(names, callbacks.page_outputs(state, [], drawn=query), strict=True))
    assert out[ids.SIDEBAR] is no_update and out[ids.TABS] is no_update
    out = dict(zip(names, callbacks.page_outputs(state, [], drawn=None), strict=True))
    assert out[ids.SIDEBAR] is not no_update and out[ids.TABS] is not no_update


@pytest.mark.parametrize(
    ("query", "redrawn"), [("", False), ("inspect=1", True), ("mode=compare", True)]
)
def test_a_rate_redraws_the_run_menu_only_where_it_is_shown(query, redrawn):
    old = parse(query + "&steps=60")[0]
    out = dict(
        zip(
            callbacks.EDIT_OUTPUTS,
            callbacks.edit_outputs(old, [(pv("run.0.lr"), "0.0031")], []),
            strict=True,
        )
    )
    assert (out[(ids.VIEW_PARAMS, "children")] is not no_update) == redrawn
