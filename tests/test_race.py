"""The fair race (`optimizers.race.tune_all`): one sweep per optimizer, same budget, best rate."""

from __future__ import annotations

import numpy as np
import pytest

from gradscape import surfaces
from gradscape.optimizers import race, run, run_final

RUNS = ["adam", "sgd", ("adam", {"beta1": 0.8}), "lion", ("prodigy", {"d0": 1e-4})]


@pytest.fixture
def calls(monkeypatch):
    """Every run_final call the race makes: (optimizer, n, steps, starts, kwargs)."""
    seen = []

    def counting(surface, optimizer, starts, steps, **kwargs):
        seen.append((optimizer, len(starts), steps, np.array(starts), kwargs))
        return run_final(surface, optimizer, starts, steps, **kwargs)

    monkeypatch.setattr(race, "run_final", counting)
    return seen


def test_one_run_final_call_per_optimizer_with_the_same_budget(calls):
    result = race.tune_all("rosenbrock", RUNS, 7, "final_gap", steps=200)
    assert [c[0] for c in calls] == ["adam", "sgd", "lion", "prodigy"]
    assert result.calls == len(calls) == 4
    # adam's two runs share its call: 2 × 7 paths, their β₁ per path
    assert [c[1] for c in calls] == [14, 7, 7, 7]
    np.testing.assert_array_equal(calls[0][4]["beta1"], [0.9] * 7 + [0.8] * 7)
    for _, n, steps, starts, _ in calls:
        assert steps == 200
        np.testing.assert_array_equal(starts, np.tile(surfaces.get("rosenbrock").start, (n, 1)))
    assert [len(r.lrs) for r in result.results] == [7] * len(RUNS)
    assert [r.optimizer for r in result.results] == ["adam", "sgd", "adam", "lion", "prodigy"]


def test_runs_that_differ_in_a_flag_get_their_own_call(calls):
    runs = [("lbfgs", {"line_search": "none"}), ("lbfgs", {"line_search": "strong_wolfe"})]
    race.tune_all("quadratic", runs, 4, steps=50)
    assert [(c[0], c[4].get("line_search")) for c in calls] == [
        ("lbfgs", "none"),
        ("lbfgs", "strong_wolfe"),
    ]


def test_the_grid_is_logarithmic_around_each_default():
    s = surfaces.get("beale")
    result = race.tune_all(s, ["adam", "schedule_free_adamw"], 9, steps=50)
    for r in result.results:
        ratios = r.lrs[1:] / r.lrs[:-1]
        # log-even to 3 significant digits (rates a person can type and a link holds)
        np.testing.assert_allclose(ratios, 10 ** (4 / 8), rtol=1e-2)
        assert all(float(f"{v:.3g}") == v for v in r.lrs)
        np.testing.assert_allclose(r.lrs[4], s.suggested_lr(r.optimizer), rtol=5e-3)
    clipped = race.lr_grid(5.0, 5)  # the lr slider ends at 10
    assert clipped.max() == 10.0 and clipped.min() == pytest.approx(0.05)


def final_gaps(s, name, lrs, steps, hp):
    """f − f* after `steps`, each rate run on its own with `run` (not run_final)."""
    out = []
    for lr in lrs:
        t = run(s, name, s.start, steps, lr=float(lr), **hp)
        out.append(np.inf if t.diverged[0] else t.loss[-1, 0] - s.min_value)
    return np.array(out)


@pytest.mark.parametrize("sname", ["rosenbrock", "beale", "quadratic"])
def test_the_chosen_rate_is_the_best_of_its_sweep_by_final_gap(sname):
    s = surfaces.get(sname)
    result = race.tune_all(s, RUNS, 6, "final_gap", steps=150)
    for r in result.results:
        gaps = final_gaps(s, r.optimizer, r.lrs, 150, r.hyperparameters)
        np.testing.assert_allclose(r.final_gap, gaps, rtol=1e-12, atol=1e-15)
        assert r.lr == r.lrs[np.argmin(gaps)]
        assert r.score == gaps.min()
    assert any(np.isinf(r.scores).any() for r in result.results)  # some rates diverge


def arrival(traj, minima, tol):
    """First step from which the path stays within tol of its nearest minimum, else −1."""
    xy = traj.xy[:, 0]
    near = np.argmin(np.hypot(*(xy[-1][None] - minima).T))
    d = np.hypot(*(xy - minima[near]).T)
    inside = d <= tol
    if not inside[-1] or traj.diverged[0]:
        return -1
    outside = np.flatnonzero(~inside)
    return 0 if outside.size == 0 else int(outside[-1] + 1)


def test_the_chosen_rate_arrives_first_by_steps_to_arrive():
    s = surfaces.get("quadratic")
    minima = np.array([(m.x, m.y) for m in s.minima])
    result = race.tune_all(s, ["adam", "adan", "sgd"], 8, "steps_to_arrive", steps=300)
    for r in result.results:
        reached = [
            arrival(run(s, r.optimizer, s.start, 300, lr=float(lr)), minima, 1e-3) for lr in r.lrs
        ]
        np.testing.assert_array_equal(r.reached_at, reached)
        arrived = [k for k in reached if k >= 0]
        assert arrived, r.optimizer
        assert r.reached_at[r.best] == min(arrived)
        assert r.score == min(arrived)


def test_when_nothing_arrives_the_closest_rate_wins():
    s = surfaces.get("rosenbrock")
    result = race.tune_all(s, ["sgd"], 5, "steps_to_arrive", steps=20)
    (r,) = result.results
    assert np.all(np.isinf(r.scores))
    assert r.best == int(np.argmin(r.final_gap))


def test_same_settings_for_every_run(calls):
    sched_kw = {"clip_norm": 5.0, "noise": 0.3, "seed": 7}
    race.tune_all("himmelblau", ["adam", "adabelief"], 3, steps=40, **sched_kw)
    for c in calls:
        assert {k: c[4][k] for k in sched_kw} == sched_kw


def test_caption_states_budget_objective_rates_and_clipping():
    plain = race.tune_all("beale", ["adam", "lion"], 5, "final_gap", steps=60)
    text = plain.caption()
    assert "5 learning rates per run" in text and "60 steps" in text
    assert "final f − f*" in text
    for r in plain.results:
        assert f"{race.get_spec(r.optimizer).label} γ={r.lr:.3g}" in text
    assert "clip" not in text
    clipped = race.tune_all("beale", ["adam"], 5, "steps_to_arrive", steps=60, clip_norm=2.0)
    assert "gradient norm clipped at 2" in clipped.caption()
    assert "steps to arrive within 0.001" in clipped.caption()


@pytest.mark.parametrize(
    ("args", "word"),
    [
        ((["adam"], 0, "final_gap"), "budget"),
        ((["adam"], 3, "fastest"), "objective"),
        ((["adamm"], 3, "final_gap"), "unknown optimizer"),
        (([], 3, "final_gap"), "runs is empty"),
    ],
)
def test_bad_input_raises_with_the_name(args, word):
    with pytest.raises(ValueError, match=word):
        race.tune_all("rosenbrock", *args, steps=10)
