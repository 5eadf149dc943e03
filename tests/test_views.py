"""The comparison views: sweeps, sensitivity curves, start maps, 3D, the inspector, and
the edits that drive them (no browser; see test_browser_views.py for the page)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import plotly.graph_objects as go
import pytest

from gradscape import optimizers
from gradscape.app import callbacks, figures, ids, inspector, look, views
from gradscape.app.compute import compute, result_of, training
from gradscape.app.reducer import apply_event
from gradscape.app.state import CUSTOM, AppState, Run, parse, serialize
from gradscape.app.update import page, startmap_query
from gradscape.optimizers import OPTIMIZERS


def state_of(query: str) -> AppState:
    state, notices = parse(query)
    assert notices == []
    return state


# --------------------------------------------------------------------------- compare
def test_sweep_is_one_core_call_and_equals_separate_runs(monkeypatch):
    state = state_of("mode=compare&k=5&steps=120")
    calls = []
    real = optimizers.run
    monkeypatch.setattr(optimizers, "run", lambda *a, **k: calls.append(k) or real(*a, **k))
    views._sweep.cache_clear()
    sw = views.sweep(state)
    assert len(calls) == 1 and np.shape(calls[0]["lr"]) == (5,)
    lo, hi = state.rate_range()
    np.testing.assert_allclose(sw.rates, np.geomspace(lo, hi, 5), rtol=1e-15)
    base = state.focus_run
    for lr, r in zip(sw.rates, sw.results, strict=True):
        alone = compute(state, Run(base.optimizer, {**base.hp, "lr": float(lr)}))
        np.testing.assert_array_equal(r.x, alone.x)
        np.testing.assert_array_equal(r.y, alone.y)
        assert r.diverged_at == alone.diverged_at


def test_default_rate_range_is_a_decade_either_side_of_the_focus_run():
    state = state_of("mode=compare&focus=3")
    lr = state.runs[2].hp["lr"]
    assert state.rate_range() == pytest.approx((lr / 10, lr * 10))
    explicit = state_of("mode=compare&rates=0.001,0.5")
    assert explicit.rate_range() == (0.001, 0.5)


@pytest.mark.parametrize("k", [2, 5, 12])
def test_small_multiples_have_one_square_panel_per_rate(k):
    state = state_of(f"mode=compare&k={k}&steps=60")
    sw = views.sweep(state)
    cstate, theme = views.compare_state(state, sw)
    fig = views.compare_figure(cstate, sw, theme)
    contours = [t for t in fig.data if t.type == "contour"]
    assert len(contours) == k
    titles = [a.text for a in fig.layout.annotations]
    assert all(f"<b>{views.rate_label(lr)}" in t for t, lr in zip(titles, sw.rates, strict=True))
    for j in range(k):
        suffix = "" if j == 0 else str(j + 1)
        assert fig.layout[f"yaxis{suffix}"].scaleanchor == f"x{suffix}"
        assert list(fig.layout[f"xaxis{suffix}"].range) == list(state.view[:2])
    paths = views.compare_paths(cstate, sw, theme)
    assert [r["axes"] for r in paths["runs"]] == [
        ["x", "y"] if j == 0 else [f"x{j + 1}", f"y{j + 1}"] for j in range(k)
    ]
    assert paths["legend"] is False
    assert len(set(theme.palette)) == k  # a sequential scale, one colour per rate


def test_overlay_is_the_map_with_every_rate_named_by_its_rate():
    state = state_of("mode=compare&layout=overlay&k=6&steps=60")
    sw = views.sweep(state)
    cstate, theme = views.compare_state(state, sw)
    fig = views.compare_figure(cstate, sw, theme)
    assert sum(t.type == "contour" for t in fig.data) == 1
    names = [r["name"] for r in views.compare_paths(cstate, sw, theme)["runs"]]
    assert names[0].startswith(views.rate_label(sw.rates[0])) and len(names) == 6
    assert "axes" not in views.compare_paths(cstate, sw, theme)["runs"][0]


def test_export_compare_figure_draws_the_paths_in_their_panels():
    state = state_of("mode=compare&k=4&steps=50&t=20")
    sw = views.sweep(state)
    cstate, theme = views.compare_state(state, sw)
    fig = views.compare_figure(cstate, sw, theme, live=False)
    heads = [t for t in fig.data if (t.meta or {}).get("role") == "head"]
    assert len(heads) == 4
    for j, (h, r) in enumerate(zip(heads, sw.results, strict=True)):
        assert h.xaxis == ("x" if j == 0 else f"x{j + 1}")
        x, _ = look.shown_path(r.x, r.y, figures.run_fate(cstate, r))  # ends on the border
        assert h.x[0] == x[min(20, len(r.x) - 1)]


# --------------------------------------------------------------------------- sensitivity
@pytest.mark.parametrize(
    "opt, extra",
    [("sgd", ""), ("momentum", "&run1.momentum=0.5"), ("nesterov", "&run1.momentum=0.8")],
)
def test_stability_limit_is_where_the_bowl_starts_to_diverge(opt, extra):
    """Theory (2/λ, 2(1+β)/λ, 2(1+β)/((1+2β)λ)) against the core at ±3 % of it."""
    state = state_of(f"surface=quadratic&surface.condition=20&run1={opt}&run1.lr=0.01{extra}")
    run = state.runs[0]
    limit = views.stability_limit(state.build_surface(), run)
    assert limit is not None
    rates = np.array([0.97 * limit, 1.03 * limit])
    traj = optimizers.run(
        state.build_surface(),
        opt,
        np.tile(np.asarray(state.start), (2, 1)),
        2000,
        **training(state),
        **{**run.hp, "lr": rates},
    )
    assert traj.diverged_at[0] == -1 and traj.diverged_at[1] >= 0


def test_no_limit_is_claimed_off_the_bowl_or_for_adaptive_optimizers():
    bowl = state_of("surface=quadratic&run1=adam&run1.lr=0.1")
    assert views.stability_limit(bowl.build_surface(), bowl.runs[0]) is None
    rosen = state_of("run1=sgd&run1.lr=0.001")
    assert views.stability_limit(rosen.build_surface(), rosen.runs[0]) is None


def test_sensitivity_marks_the_divergence_onset_and_the_theory_on_the_bowl():
    state = state_of("surface=quadratic&surface.condition=10&run1=sgd&run1.lr=0.05&steps=300")
    (curve,) = views.sensitivity(state)
    assert curve.rates.size == views.SENSITIVITY_RATES
    assert curve.diverged.any() and not curve.diverged.all()
    # every rate above the onset diverges, none below
    first = np.argmax(curve.diverged)
    assert curve.diverged[first:].all() and not curve.diverged[:first].any()
    assert curve.onset == pytest.approx(0.2, rel=0.06)  # 2/κ, to the grid's spacing
    assert np.isnan(curve.gap[curve.diverged]).all()
    fig = views.sensitivity_figure(state, [curve])
    xs = sorted(s.x0 for s in fig.layout.shapes)
    assert any(abs(x - 0.2) < 1e-12 for x in xs)  # the dashed theory line at exactly 2/κ
    assert any(abs(x - curve.onset) < 1e-12 for x in xs)
    assert any(abs(x - 0.05) < 1e-12 for x in xs)  # the run's own rate
    # customdata travels as a plain list: dcc.Graph's clickData reads it by point index
    custom = fig.to_plotly_json()["data"][0]["customdata"]
    assert isinstance(custom, list) and len(custom) == curve.rates.size
    assert [c[0] for c in custom] == [0] * curve.rates.size
    assert [c[1] for c in custom] == curve.rates.tolist()


def test_sensitivity_is_one_final_only_call_per_run(monkeypatch):
    state = state_of("steps=80")
    calls = []
    real = optimizers.run_final
    monkeypatch.setattr(optimizers, "run_final", lambda *a, **k: calls.append(a) or real(*a, **k))
    views._curve.cache_clear()
    views.sensitivity(state)
    assert len(calls) == len(state.runs)
    assert all(np.shape(a[2]) == (views.SENSITIVITY_RATES, 2) for a in calls)


def test_clicking_a_sensitivity_point_sets_that_runs_rate():
    state = state_of("")
    click = {"points": [{"customdata": [1, 0.0123456], "x": 0.0123456}]}
    e = apply_event(state, ids.FIGURE, click)
    assert e.state.runs[1].hp["lr"] == 0.0123
    assert e.state.runs[0] == state.runs[0] and "runs" in e.redraw
    for bad in ({}, {"points": []}, {"points": [{"customdata": [9, 0.1]}]}, {"points": [{}]}):
        assert apply_event(state, ids.FIGURE, bad).state == state


# --------------------------------------------------------------------------- start map
def test_start_map_matches_separate_runs_and_finds_himmelblaus_four_basins():
    state = state_of("surface=himmelblau&mode=starts&grid=24&focus=3&metric=basin")
    sm = views.start_map(state)
    assert sm.loss.shape == sm.basin.shape == (24, 24)
    assert set(np.unique(sm.basin[sm.basin >= 0])) == {0, 1, 2, 3}
    xs, ys = views.start_grid(state.view, 24)
    surface = state.build_surface()
    run = state.focus_run
    for i, j in [(0, 0), (5, 17), (23, 23), (12, 3)]:
        traj = optimizers.run(
            surface, run.optimizer, np.array([xs[j], ys[i]]), state.steps, **run.hp
        )
        r = result_of(traj, 0, surface)
        if r.diverged:
            assert sm.diverged[i, j]
            continue
        assert sm.basin[i, j] == r.nearest
        assert sm.loss[i, j] == pytest.approx(r.gap[-1], rel=1e-12, abs=1e-300)
        assert (r.reached_at is None) == np.isnan(sm.reached[i, j])


def test_start_map_shows_diverged_starts_in_their_own_colour():
    state = state_of("surface=rosenbrock&mode=starts&grid=20&run1=sgd&run1.lr=0.003")
    sm = views.start_map(state)
    assert sm.diverged.any() and not sm.diverged.all()
    assert (sm.basin[sm.diverged] == -2).all() and np.isnan(sm.loss[sm.diverged]).all()
    for metric in ("loss", "steps", "basin"):
        fig = views.start_map_figure(replace(state, metric=metric), sm)
        red = [t for t in fig.data if t.type == "heatmap" and t.colorscale[0][1] == "#b22222"]
        assert len(red) == 1
        assert np.isfinite(red[0].z).sum() == sm.diverged.sum()


def test_start_map_request_changes_only_with_what_the_map_depends_on():
    state = state_of("mode=starts&grid=30")
    q = startmap_query(state)
    assert startmap_query(replace(state, t=40, theme=state.theme)) == q
    other_run = replace(
        state, runs=(*state.runs[:1], replace(state.runs[1], color=5), *state.runs[2:])
    )
    assert startmap_query(other_run) == q  # another run than the focus: same map
    recoloured = replace(state, runs=(replace(state.runs[0], color=6), *state.runs[1:]))
    assert startmap_query(recoloured) == q  # the focus run's colour: same map
    assert startmap_query(replace(state, start=(0.5, 0.5))) == q  # the start: same map
    assert startmap_query(replace(state, grid=40)) != q
    assert startmap_query(replace(state, focus=2)) != q
    first = page(None, state)
    assert first.startmap == q
    assert page(state, replace(state, t=10)).startmap is None
    assert page(state, replace(state, grid=40)).startmap == startmap_query(replace(state, grid=40))


def test_clicking_the_start_map_moves_the_start_and_shows_the_paths():
    state = state_of("mode=starts&surface=himmelblau")
    e = apply_event(state, ids.STARTMAP, {"points": [{"x": 1.25, "y": -2.5, "z": 0}]})
    assert e.state.start == (1.25, -2.5) and e.state.mode == "paths" and e.state.t is None


# --------------------------------------------------------------------------- 3D
def test_3d_figure_follows_the_paths_with_log_height_where_the_contour_is_log():
    state = state_of("mode=3d&steps=100&t=30")
    results = [compute(state, r) for r in state.runs]
    fig = views.surface3d_figure(state, results)
    assert isinstance(fig.data[0], go.Surface)
    heads = [t for t in fig.data if (t.meta or {}).get("role") == "head3d"]
    paths = [t for t in fig.data if (t.meta or {}).get("role") == "path3d"]
    assert len(heads) == len(paths) == len(state.runs)
    for h, p, r in zip(heads, paths, results, strict=True):
        assert h.x[0] == r.x[30] and h.y[0] == r.y[30]
        assert p.z[30] == pytest.approx(h.z[0])
    # Rosenbrock's contour is log: the height is log10(f − f* + δ), so it spans a few decades
    z = fig.data[0].z
    assert np.nanmax(z) - np.nanmin(z) < 12 and np.nanmax(z) > 2


# --------------------------------------------------------------------------- inspector
@pytest.mark.parametrize("focus, moment", [(1, False), (2, True), (3, True)])
def test_inspector_records_what_the_focus_run_saw(focus, moment):
    state = state_of(f"inspect=1&focus={focus}&steps=50")
    data = inspector.record(state)
    assert data["run"] == focus - 1
    assert ("m" in data) == moment
    assert ("e" in data) == (state.focus_run.optimizer == "adam")
    g = np.frombuffer(__import__("base64").b64decode(data["g"]["bdata"]), dtype="<f8")
    traj = optimizers.run(
        state.build_surface(),
        state.focus_run.optimizer,
        np.asarray(state.start),
        50,
        record=True,
        **state.focus_run.hp,
    )
    np.testing.assert_array_equal(g, np.concatenate([traj.grad[:, 0, 0], traj.grad[:, 0, 1]]))


def test_inspector_rides_in_the_paths_store_only_when_asked():
    plain = page(None, state_of("steps=40"))
    assert "inspect" not in plain.paths
    on = page(None, state_of("steps=40&inspect=1"))
    assert on.paths["inspect"]["run"] == 0
    on_state = state_of("steps=40&inspect=1")
    ops = page(on_state, state_of("steps=40&inspect=1&focus=2")).paths.to_plotly_json()[
        "operations"
    ]
    assert [o["params"]["value"]["run"] for o in ops if o["location"] == ["inspect"]] == [1]
    # unchanged: not sent again; switched off: removed, so the browser stops drawing it
    same = page(on_state, replace(on_state, theme=on_state.theme, t=5)).paths
    assert not [o for o in same.to_plotly_json()["operations"] if o["location"] == ["inspect"]]
    off = page(on_state, replace(on_state, inspect=False)).paths.to_plotly_json()["operations"]
    assert [o["operation"] for o in off if o["location"] == ["inspect"]] == ["Delete"]


def test_every_optimizer_has_an_update_rule_for_the_inspector_and_lessons():
    for spec in OPTIMIZERS.values():
        assert spec.rule_tex.startswith("\\begin{aligned}") and "theta" in spec.rule_tex


# --------------------------------------------------------------------------- edits
def test_view_controls_edit_the_state():
    s = state_of("")
    assert apply_event(s, ids.MODE, "compare").state.mode == "compare"
    assert apply_event(s, ids.MODE, "nonsense").state == s
    assert apply_event(s, ids.ctl(ids.FOCUS), 2).state.focus == 2
    assert apply_event(s, ids.ctl(ids.FOCUS), 7).state == s
    assert apply_event(s, ids.ctl(ids.LAYOUT), "overlay").state.layout == "overlay"
    assert apply_event(s, ids.ctl(ids.METRIC), "basin").state.metric == "basin"
    assert apply_event(s, ids.ctl(ids.INSPECT), ["on"]).state.inspect is True
    assert apply_event(s, ids.pv("k", "int"), "9").state.k == 9
    e = apply_event(s, ids.pv("k", "int"), "40")
    assert e.state.k == 12 and e.notices and "view" in e.redraw
    assert apply_event(s, ids.pv("grid", "int"), "250").state.grid == 250


def test_rate_range_keeps_low_below_high():
    s = state_of("mode=compare&rates=0.001,0.1")
    assert apply_event(s, ids.pv("rates.lo", "log"), "0.01").state.rates == (0.01, 0.1)
    up = apply_event(s, ids.pv("rates.lo", "log"), "0.5").state.rates
    assert up[0] == 0.5 and up[1] > up[0]
    down = apply_event(s, ids.pv("rates.hi", "log"), "0.0001").state.rates
    assert down[1] == 0.0001 and down[0] < down[1]


def test_removing_a_run_keeps_the_focus_on_the_same_run():
    s = state_of("focus=3&inspect=1")
    e = apply_event(s, ids.action(0, "remove"), 1)
    assert e.state.focus_run == s.runs[2]
    e = apply_event(s, ids.action(2, "remove"), 1)
    assert e.state.focus < len(e.state.runs)


@pytest.mark.parametrize("mode", ["paths", "compare", "sensitivity", "starts", "3d"])
def test_every_view_loads_and_edits_through_the_callbacks(mode):
    state = state_of(f"mode={mode}&steps=60&grid=20&k=3")
    out = dict(
        zip([n for n, _ in callbacks.LOAD_OUTPUTS], callbacks.page_outputs(state, []), strict=True)
    )
    assert f"gs-mode-{mode}" in out[ids.ROOT]
    pv = [ids.pv("run.0.lr", "log")]
    edited = callbacks.edit_outputs(state, [(pv[0], "0.0005")], pv)
    named = _named(edited)
    new, notices = parse(named[ids.STATE])
    assert notices == [] and new.runs[0].hp["lr"] == 0.0005 and new.mode == mode


# --------------------------------------------------------------------------- custom formulas
def test_a_typed_formula_becomes_the_surface_and_lives_in_the_url():
    s = state_of("")
    e = apply_event(s, ids.SURFACE, CUSTOM)
    assert e.state.surface == CUSTOM and e.state.expr == "x**2 + 3*sin(y)"
    e2 = apply_event(e.state, ids.formula(ids.EXPR), "(1-x)**2 + 100*(y-x**2)**2")
    s2 = e2.state
    assert s2.expr == "(1 - x)**2 + 100*(y - x**2)**2"
    assert s2.build_surface().levels == "log"
    m = s2.build_surface().minima[0]
    assert (m.x, m.y) == pytest.approx((1, 1), abs=1e-6)
    assert parse(serialize(s2)) == (s2, [])
    # the path runs on it like on any surface
    assert compute(s2, s2.runs[2]).loss[-1] < compute(s2, s2.runs[2]).loss[0]


@pytest.mark.parametrize(
    "text", ["__import__('os')", "().__class__", "x.real", "lambda: 1", "9**9**9", "x" * 600]
)
def test_a_rejected_formula_keeps_the_surface_and_says_where(text):
    s = apply_event(state_of(""), ids.SURFACE, CUSTOM).state
    e = apply_event(s, ids.formula(ids.EXPR), text)
    assert e.state == s
    assert len(e.notices) == 1 and ("column" in e.notices[0] or "long" in e.notices[0])


def test_a_bad_formula_in_a_link_falls_back_with_a_notice():
    state, notices = parse("surface=custom&expr=open('x')")
    assert state.surface == "rosenbrock" and "column" in notices[0]


def test_the_box_of_a_custom_surface_is_editable():
    s = apply_event(state_of(""), ids.SURFACE, CUSTOM).state
    e = apply_event(s, ids.formula(ids.BOX), "-1, 2, -0.5, 0.5")
    assert e.state.box == (-1.0, 2.0, -0.5, 0.5) and e.state.view == e.state.box
    bad = apply_event(s, ids.formula(ids.BOX), "1, 0, 0, 1")
    assert bad.state == s and bad.notices
    # the field's own value (as it is drawn, and sent when the panel mounts) changes nothing
    same = apply_event(s, ids.formula(ids.BOX), "-3, 3, -3, 3")
    assert same.state == s and not same.notices and not same.redraw


def test_compare_edits_keep_the_panels_and_resend_titles_only_when_they_change():
    from dash import Patch, no_update

    s = state_of("mode=compare&k=4&steps=100&focus=3")
    adam = s.runs[2]
    beta = replace(s, runs=(*s.runs[:2], replace(adam, hp={**adam.hp, "beta1": 0.8})))
    assert page(s, beta).map is no_update  # same rates, same titles: the contours stay
    wider = replace(s, rates=(0.001, 10.0))
    m = page(s, wider).map
    assert isinstance(m, Patch)
    (op,) = m.to_plotly_json()["operations"]
    assert op["location"] == ["layout", "annotations"]
    wsw = views.sweep(wider)
    titles = views.panel_titles(wsw, views.compare_state(wider, wsw)[0])
    assert [a["text"].split("</span> ")[-1] for a in op["params"]["value"]] == [
        f"<b>{t}</b>" for t in titles
    ]
    assert isinstance(page(s, replace(s, k=5)).map, go.Figure)  # new panels: whole


# --------------------------------------------------------------------------- review fixes
def _named(out: tuple) -> dict:
    """`edit`'s outputs by component id (its figure, not its clickData), and by (id, prop)."""
    pairs = list(zip(callbacks.EDIT_OUTPUTS, out, strict=True))
    return {**{spec: v for spec, v in pairs}, **{n: v for (n, _), v in reversed(pairs)}}


def test_compare_rate_boxes_follow_the_range_and_are_not_replayed_stale():
    from dash import no_update

    s = state_of("mode=compare")
    lo, hi = s.rate_range()
    boxes = [
        (ids.pv("rates.lo", "log"), repr(lo)),
        (ids.pv("rates.hi", "log"), repr(hi)),
        (ids.pv("run.0.lr", "log"), "0.001"),
    ]
    # the focus run's rate moves the default range: the boxes are redrawn, not re-applied
    # (every request carries every box: those showing the state's value change nothing)
    out = _named(callbacks.edit_outputs(s, [(boxes[2][0], "0.0001")], [], boxes))
    new, _ = parse(out[ids.STATE])
    assert new.rates is None and new.rate_range() == pytest.approx((1e-5, 1e-3))
    assert out[ids.VIEW_PARAMS] is not no_update
    # moving the low end past the high one moves that too, and the boxes say so
    out = _named(callbacks.edit_outputs(s, [(boxes[0][0], "0.05")], []))
    assert parse(out[ids.STATE])[0].rates == (0.05, 0.5)
    assert out[ids.VIEW_PARAMS] is not no_update
    # the box being typed in is not redrawn from under the cursor
    out = _named(callbacks.edit_outputs(s, [(boxes[0][0], "0.0002")], []))
    assert out[ids.VIEW_PARAMS] is no_update


def test_a_cached_start_map_stops_the_job_of_an_older_request(monkeypatch):
    from gradscape.app import background

    monkeypatch.setattr(background, "cached", lambda q: {"figure": {"data": []}, "info": "x"})
    old, new = state_of("mode=starts&metric=basin"), state_of("mode=starts")
    out = callbacks._main(page(old, new))
    assert out[ids.STARTREQ] == "" and out[ids.STARTMAP] == {"data": []}
    first = callbacks._main(page(None, new))  # opening a link: no job to stop, none started
    assert ids.STARTREQ not in first and first[ids.STARTMAP] == {"data": []}


def test_duplicating_a_run_before_the_focus_keeps_the_focus():
    s = state_of("mode=starts&focus=3")
    e = apply_event(s, ids.action(0, "duplicate"), 1)
    assert e.state.focus_run == s.runs[2] and e.state.focus == 3


def test_a_preset_link_with_view_keys_is_the_lesson_in_that_view():
    s, notices = parse("preset=zigzag&inspect=1&mode=compare&k=3")
    lesson = parse("preset=zigzag")[0]
    assert notices == [] and s.surface == "quadratic" and s.runs == lesson.runs
    assert (s.inspect, s.mode, s.k, s.preset) == (True, "compare", 3, "zigzag")
    edited, _ = parse("preset=zigzag&surface=booth")  # names the surface: as it is
    assert edited.surface == "booth" and edited.preset == "zigzag"


def test_another_surface_ends_the_lesson_text():
    s = state_of("preset=zigzag")
    e = apply_event(s, ids.SURFACE, "himmelblau")
    assert e.state.preset == ""
    out = _named(callbacks.edit_outputs(s, [(ids.SURFACE, "himmelblau")], []))
    assert out[ids.LESSON] == []


def test_an_explicit_rate_range_goes_with_its_run_and_surface():
    s = state_of("mode=compare&rates=0.01,1&focus=3")
    assert apply_event(s, ids.action(2, "remove"), 1).state.rates is None
    assert apply_event(s, {"type": "opt", "run": 2}, "sgd").state.rates is None
    assert apply_event(s, ids.SURFACE, "booth").state.rates is None
    assert apply_event(s, ids.pv("k", "int"), "7").state.rates == (0.01, 1.0)


def test_compare_titles_stay_large_in_lesson_mode():
    s = state_of("mode=compare&lesson=1&k=4&steps=100")
    whole = page(None, s).map
    size = whole.layout.annotations[0].font.size
    m = page(s, replace(s, rates=(0.001, 10.0))).map
    (op,) = m.to_plotly_json()["operations"]
    assert op["params"]["value"][0]["font"]["size"] == size > 12


def test_a_start_picked_on_the_start_map_plays_from_step_0():
    s = state_of("mode=starts&surface=himmelblau&t=500")
    click = {"points": [{"x": 1.0, "y": 1.0}]}
    out = _named(callbacks.edit_outputs(s, [(ids.STARTMAP, click)], []))
    assert out[ids.FRAME] == {"t": None, "autoplay": True, "steps": s.steps}


def test_a_click_is_read_once_so_the_same_point_counts_again():
    from dash import no_update

    s = state_of("mode=sensitivity")
    click = {"points": [{"customdata": [0, 0.002], "x": 0.002}]}
    out = _named(callbacks.edit_outputs(s, [(ids.FIGURE, click)], []))
    assert parse(out[ids.STATE])[0].runs[0].hp["lr"] == 0.002
    assert out[(ids.FIGURE, "clickData")] is None
    assert out[(ids.FIGURE, "figure")] is not no_update
    other = _named(callbacks.edit_outputs(s, [(ids.pv("k", "int"), "5")], []))
    assert other[(ids.FIGURE, "clickData")] is no_update


# --------------------------------------------------------------------------- how a run looks
BOLD = {
    "map": look.Look(trail_width=7.5, ghost_width=3.5, ghost_opacity=0.25, head_size=21.0),
    "panel": look.Look(trail_width=6.5, ghost_width=2.5, ghost_opacity=0.35, head_size=17.0),
    "3d": look.Look(trail_width=9.5, head_size=11.0, head_halo=0.5, mark_size=14.0),
}
DIVERGES = "run1=sgd&run1.lr=0.01&run2=adam&run2.lr=0.1&steps=100&t=60"  # run 1 leaves at 4


def _roles(fig) -> dict[tuple[int, str], dict]:
    """A figure's run traces by (run, role), as dicts with their points as arrays."""
    return {
        (t.meta["run"], t.meta["role"]): {**t.to_plotly_json(), "x": t.x, "y": t.y}
        for t in fig.data
        if isinstance(t.meta, dict) and "role" in t.meta
    }


def _look_of(tr: dict) -> tuple:
    """What a run trace says about its look: widths, opacity, marker size and symbol."""
    line, marker = tr.get("line", {}), tr.get("marker", {})
    return line.get("width"), tr.get("opacity"), marker.get("size"), marker.get("symbol")


def _drawings(monkeypatch) -> dict[str, dict]:
    """Every Python drawing of a run under the current `look.LOOKS`, by where it is drawn."""
    state = state_of(DIVERGES)
    results = [compute(state, r) for r in state.runs]
    cmp = state_of("mode=compare&k=4&steps=60&t=30&run1=sgd&rates=0.0001,0.01")
    sw = views.sweep(cmp)
    cstate, theme = views.compare_state(cmp, sw)
    return {
        "map": _roles(figures.map_figure(state, results)),
        "panel": _roles(views.compare_figure(cstate, sw, theme, live=False)),
        "3d": _roles(views.surface3d_figure(state, results)),
    }


def test_every_drawing_of_a_run_takes_its_look_from_look_py(monkeypatch):
    before = _drawings(monkeypatch)
    for context, bold in BOLD.items():
        monkeypatch.setitem(look.LOOKS, context, bold)
    after = _drawings(monkeypatch)
    for context in BOLD:
        assert {k: _look_of(t) for k, t in before[context].items()} != {
            k: _look_of(t) for k, t in after[context].items()
        }, context
    for context in ("map", "panel"):
        lk = BOLD[context]
        trails = [t for (_, role), t in after[context].items() if role == "trail"]
        ghosts = [t for (_, role), t in after[context].items() if role == "ghost"]
        heads = [t for (_, role), t in after[context].items() if role == "head"]
        assert trails and all(t["line"]["width"] == lk.trail_width for t in trails)
        assert all(t["line"]["width"] == lk.ghost_width for t in ghosts)
        assert all(t["opacity"] == lk.ghost_opacity for t in ghosts)
        on, off = lk.ghost_dash
        assert all(t["line"]["dash"] == f"{on:g}px,{off:g}px" for t in ghosts)
        assert all(
            t["marker"]["size"] == (lk.head_size if t["marker"]["symbol"] == "circle" else 12.0)
            for t in heads
        )
    paths3d = [t for (_, role), t in after["3d"].items() if role == "path3d"]
    assert all(t["line"]["width"] == BOLD["3d"].trail_width for t in paths3d)
    heads3d = {i: t for (i, role), t in after["3d"].items() if role == "head3d"}
    assert heads3d[0]["marker"]["size"] == BOLD["3d"].mark_size  # run 1 diverged: a cross
    assert heads3d[1]["marker"]["size"] == BOLD["3d"].head_size


def test_the_live_values_are_the_ones_exports_draw():
    """Ghost opacity 0.6 and the rest: what the browser gets in the paths store."""
    state = state_of(DIVERGES)
    results = [compute(state, r) for r in state.runs]
    style = figures.paths_data(state, results)["style"]
    fig = _roles(figures.map_figure(state, results))
    ghost, trail, head = (fig[1, role] for role in ("ghost", "trail", "head"))
    assert ghost["opacity"] == style["map"]["ghost_opacity"] == 0.6
    assert ghost["line"]["width"] == style["map"]["ghost_width"]
    assert trail["line"]["width"] == style["map"]["trail_width"]
    assert head["marker"]["size"] == style["map"]["head_size"]
    assert head["marker"]["line"]["width"] == style["map"]["head_halo"]
    assert (style["map"]["head_symbol"], style["map"]["mark_symbol"]) == ("circle", "x")
    assert set(style) == {"halo", *look.LOOKS}  # the browser reads one entry per context


def _on_border(p, view, tol=1e-9) -> bool:
    x0, x1, y0, y1 = view
    inside = x0 - tol <= p[0] <= x1 + tol and y0 - tol <= p[1] <= y1 + tol
    return inside and min(abs(p[0] - x0), abs(p[0] - x1), abs(p[1] - y0), abs(p[1] - y1)) < tol


def test_a_diverged_run_ends_in_a_cross_where_it_crosses_the_maps_border_in_every_drawing():
    """Defect 5: the × sits on the map, where the path leaves the view (it was placed at
    the last good point, far off the plot, and hidden)."""
    state = state_of(DIVERGES)
    results = [compute(state, r) for r in state.runs]
    r = results[0]
    assert r.diverged_at == 4
    fate = figures.run_fate(state, r)
    assert fate is not None and fate.kind == "diverged" and 0 < fate.at <= 4
    assert _on_border(fate.edge, state.view)
    for fig in (figures.map_figure(state, results), views.surface3d_figure(state, results)):
        heads = {i: t for (i, role), t in _roles(fig).items() if role.startswith("head")}
        assert heads[0]["marker"]["symbol"] == "x"
        assert _on_border((heads[0]["x"][0], heads[0]["y"][0]), state.view)
        assert heads[1]["marker"]["symbol"] == "circle"
    scene = _roles(views.surface3d_figure(state, results))
    assert np.isfinite(scene[0, "head3d"]["z"][0])  # shown in the scene too
    early = _roles(figures.map_figure(replace(state, t=fate.at - 1), results))
    assert early[0, "head"]["marker"]["symbol"] == "circle"  # still on the map
    cmp = state_of("mode=compare&k=3&steps=60&t=50&run1=sgd&rates=0.0001,0.01")
    sw = views.sweep(cmp)
    cstate, theme = views.compare_state(cmp, sw)
    panels = _roles(views.compare_figure(cstate, sw, theme, live=False))
    for j, rj in enumerate(sw.results):
        head = panels[j, "head"]
        fj = figures.run_fate(cstate, rj)
        if fj is not None and fj.at <= 50:
            assert head["marker"]["symbol"] == "x"
            assert _on_border((head["x"][0], head["y"][0]), cstate.view)
        else:
            assert head["marker"]["symbol"] == "circle"
    assert any(rj.diverged for rj in sw.results)
