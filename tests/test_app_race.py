"""The fair race in the app (app/race.py): "Tune all" through the reducer, the link, the
summary and the export caption, and a claim of tuning that always holds."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

import gradscape.optimizers.race as core_race
from gradscape.app import ids, layout, race
from gradscape.app.compute import training
from gradscape.app.export.slide import caption as export_caption
from gradscape.app.reducer import apply_event
from gradscape.app.state import parse, serialize

QUERY = "run1=adam&run2=sgd&run3=momentum&run4=adam&run4.beta1=0.5&steps=200"
TUNE = ids.button(ids.TUNE)


def tuned(query: str = QUERY):
    state = parse(query)[0]
    return state, apply_event(state, TUNE, 1)


def test_tune_all_sets_every_visible_run_to_its_sweeps_best_rate():
    state, e = tuned(QUERY + "&run3.hide=1")
    want = core_race.tune_all(
        state.build_surface(),
        [
            (r.optimizer, {k: v for k, v in r.hp.items() if k != "lr"})
            for r in state.runs
            if r.visible
        ],
        state.budget,
        "final_gap",
        steps=state.steps,
        start=state.start,
        **training(state),
    )
    new = e.state
    assert new.tuned and e.notices == []
    visible = [i for i, r in enumerate(state.runs) if r.visible]
    assert [new.runs[i].hp["lr"] for i in visible] == want.rates
    assert new.runs[2].hp == state.runs[2].hp  # the hidden run is left as it was
    for i in visible:  # only the rate changes
        assert {**new.runs[i].hp, "lr": None} == {**state.runs[i].hp, "lr": None}
    assert {"runs", "view"} <= e.redraw
    # the link carries the claim, and reads back to the same tuned state
    q = serialize(new, with_step=False)
    assert "tuned=1" in q
    back = parse(q)[0]
    assert back == new and race.holds(back) and race.verify(back) == (back, [])


def test_the_race_is_one_run_final_call_per_optimizer(monkeypatch):
    calls = []
    real = core_race.run_final

    def counted(surface, name, starts, steps, **kw):
        calls.append((name, len(starts)))
        return real(surface, name, starts, steps, **kw)

    monkeypatch.setattr(core_race, "run_final", counted)
    race._race.cache_clear()
    state = parse(QUERY + "&budget=7")[0]
    apply_event(state, TUNE, 1)
    # adam twice (same flags: one call), sgd, momentum; every run the same budget
    assert sorted(calls) == [("adam", 14), ("momentum", 7), ("sgd", 7)]
    assert "7 learning rates per run" in race.caption(race.tune(state))


def test_the_claim_goes_when_what_it_depends_on_changes():
    _, e = tuned()
    new = e.state
    lr = apply_event(new, ids.pv("run.0.lr", "log"), "0.0123").state
    assert not lr.tuned and lr.runs[0].hp["lr"] == 0.0123
    assert not apply_event(new, ids.pv("steps", "int"), "150").state.tuned
    assert not apply_event(new, ids.SURFACE, "beale").state.tuned
    assert not apply_event(new, ids.pv("run.3.beta1", "lin"), "0.7").state.tuned
    # what the race does not depend on keeps it: the colour, the theme, the view
    assert apply_event(new, {"type": "color", "run": 0}, 5).state.tuned
    assert apply_event(new, ids.THEME, 1).state.tuned
    assert apply_event(new, ids.MODE, "3d").state.tuned
    # a new objective or budget tunes again, to that race's rates
    again = apply_event(new, ids.pv("budget", "int"), "5").state
    assert again.tuned and again.budget == 5
    assert [again.runs[i].hp["lr"] for i in range(4)] == race.race_of(again).rates
    arrive = apply_event(new, ids.ctl(ids.OBJECTIVE), "arrive").state
    assert arrive.tuned and arrive.objective == "arrive"
    assert race.holds(arrive)


def test_a_link_that_claims_a_tuning_it_does_not_have_loses_the_claim():
    _, e = tuned()
    q = serialize(
        replace(
            e.state,
            runs=(
                replace(e.state.runs[0], hp={**e.state.runs[0].hp, "lr": 0.0123}),
                *e.state.runs[1:],
            ),
        ),
        with_step=False,
    )
    state = parse(q)[0]
    assert state.tuned and not race.holds(state)
    fixed, notices = race.verify(state)
    assert not fixed.tuned and "not call them tuned" in notices[0]
    assert race.caption(fixed) == ""


def test_every_hidden_run_means_nothing_to_tune():
    state = parse("run1=adam&run1.hide=1")[0]
    e = apply_event(state, TUNE, 1)
    assert e.state == state and "nothing to tune" in e.notices[0]


@pytest.mark.parametrize("clip", ["", "&clip=norm&clip_at=2"])
def test_the_summary_and_every_export_state_the_race(clip):
    _, e = tuned(QUERY + clip)
    state = e.state
    text = race.caption(state)
    assert "12 learning rates per run" in text and "200 steps" in text
    assert "best by final f − f*" in text
    for r, lr in zip(state.runs, race.race_of(state).rates, strict=True):
        assert f"γ={lr:.3g}" in text and np.isfinite(lr) and r.hp["lr"] == lr
    assert ("gradient norm clipped at 2" in text) == bool(clip)
    table = layout.summary_table(state, _results(state))
    assert table.children[0].children == text  # the table's caption
    assert text in export_caption(state)[1]
    # untuned: no claim anywhere
    plain = replace(state, tuned=False)
    assert not isinstance(
        layout.summary_table(plain, _results(plain)).children[0], type(table.children[0])
    )
    assert all("Tuned" not in line for line in export_caption(plain)[1])


def _results(state):
    from gradscape.app.compute import compute_all

    return compute_all(state)


def test_the_inspector_packs_each_optimizers_extras():
    """app/inspector.py `_extras`: Schedule-Free's y and z, Prodigy's d·lr, L-BFGS's trials,
    as the browser decodes them (x's then y's; flat trial points with offsets)."""
    import base64

    from gradscape import optimizers
    from gradscape.app import inspector

    def dec(spec):
        return np.frombuffer(base64.b64decode(spec["bdata"]), dtype=spec["dtype"])

    for q, keys in [
        ("run1=schedule_free_sgd&inspect=1&steps=25", {"sf_y", "sf_z"}),
        ("run1=prodigy&inspect=1&steps=25", {"d_lr"}),
        ("run1=lbfgs&run1.line_search=strong_wolfe&inspect=1&steps=25", {"trials", "trial_at"}),
        ("run1=lbfgs&inspect=1&steps=25", set()),
        ("run1=adam&inspect=1&steps=25", set()),
        ("run1=adam&inspect=1&steps=25&noise=1", {"g_full"}),
        ("surface=linear_regression&run1=sgd&run1.batch=8&inspect=1&steps=25", {"g_full"}),
        ("surface=linear_regression&run1=sgd&inspect=1&steps=25", set()),  # full batch
    ]:
        state = parse(q)[0]
        d = inspector.record(state)
        assert {"sf_y", "sf_z", "d_lr", "trials", "trial_at", "g_full"} & set(d) == keys, q
        run = state.runs[0]
        tr = optimizers.run(
            state.build_surface(),
            run.optimizer,
            np.asarray(state.start),
            state.steps,
            record=True,
            **training(state, run),
            **run.hp,
        )
        if "sf_y" in keys:
            y = dec(d["sf_y"])
            np.testing.assert_array_equal(y[:25], tr.extras["y"][:, 0, 0])
            np.testing.assert_array_equal(y[25:], tr.extras["y"][:, 0, 1])
        if "g_full" in keys:  # the exact gradient where the noisy one was taken
            gx, gy = state.build_surface().grad(tr.xy[:-1, 0, 0], tr.xy[:-1, 0, 1])
            np.testing.assert_array_equal(dec(d["g_full"]), np.concatenate([gx, gy]))
            assert not np.allclose(dec(d["g"]), dec(d["g_full"]))
        if "d_lr" in keys:
            np.testing.assert_array_equal(dec(d["d_lr"]), tr.extras["d_lr"][:, 0])
        if "trials" in keys:
            at, pts = dec(d["trial_at"]).astype(int), dec(d["trials"]).reshape(-1, 2)
            assert len(at) == 26 and at[-1] == len(pts)
            for k in range(25):
                want = np.asarray(tr.extras["line_search_xy"][k])[:, 0, :]
                want = want[np.isfinite(want).all(axis=1)]
                np.testing.assert_array_equal(pts[at[k] : at[k + 1]], want)


def test_mini_batch_runs_race_at_their_own_batch_size(monkeypatch):
    """On a data surface each run is tuned with its own batch size: one `run_final` call
    per optimizer and batch size, the same budget for all."""
    calls = []
    real = core_race.run_final

    def counted(surface, name, starts, steps, **kw):
        calls.append((name, kw.get("batch_size"), len(starts)))
        return real(surface, name, starts, steps, **kw)

    monkeypatch.setattr(core_race, "run_final", counted)
    race._race.cache_clear()
    q = "surface=linear_regression&run1=sgd&run1.batch=8&run2=sgd&run3=adam&run3.batch=8&steps=60"
    state = parse(q)[0]
    tuned = apply_event(state, TUNE, 1).state
    assert sorted(calls, key=str) == sorted(
        [("sgd", 8, 12), ("adam", 8, 12), ("sgd", None, 12)], key=str
    )
    surface = state.build_surface()
    for i, size in ((0, 8), (1, None), (2, 8)):
        run = state.runs[i]
        want = core_race.tune_all(
            surface,
            [(run.optimizer, {k: v for k, v in run.hp.items() if k != "lr"})],
            12,
            steps=60,
            start=state.start,
            **{**training(state), "batch_size": size},
        )
        assert tuned.runs[i].hp["lr"] == want.rates[0]
    assert race.holds(tuned)
