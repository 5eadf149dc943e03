"""The one-click lessons (`app.presets`): well-formed links, and every claim their texts make.

Each lesson's text says what the animation shows (this run diverges, that one
reaches the minimum, these steps alternate, those shrink). The tests below
recompute the preset's state with `app.compute` and check those statements, so
a change to an optimizer, a surface or a preset's numbers that breaks a story
fails here rather than in front of a class.
"""

from __future__ import annotations

import math
import re
from dataclasses import replace
from urllib.parse import parse_qsl

import numpy as np
import pytest

from gradscape import surfaces
from gradscape.app import presets
from gradscape.app.compute import RunResult, compute, compute_all
from gradscape.app.presets import BY_SLUG, PRESETS, Preset
from gradscape.app.state import AppState, parse, serialize
from gradscape.optimizers import schedules

SLUGS = [p.slug for p in PRESETS]


# --------------------------------------------------------------------------- helpers
def state_of(slug: str) -> AppState:
    state, notices = parse(BY_SLUG[slug].query)
    assert notices == [], f"{slug}: {notices}"
    return state


def results_of(slug: str) -> dict[str, RunResult]:
    """Each run's result, keyed by optimizer (with the rate where an optimizer repeats)."""
    state = state_of(slug)
    names = [r.optimizer for r in state.runs]
    out: dict[str, RunResult] = {}
    for run, res in zip(state.runs, compute_all(state), strict=True):
        key = (
            run.optimizer
            if names.count(run.optimizer) == 1
            else f"{run.optimizer}@{run.hp['lr']:g}"
        )
        out[key] = res
    return out


def with_lr(state: AppState, index: int, lr: float) -> RunResult:
    """Run `index` of `state` recomputed at another learning rate."""
    run = state.runs[index]
    return compute(state, replace(run, hp={**run.hp, "lr": lr}))


def with_schedule(state: AppState, name: str, **args: float) -> list[RunResult]:
    return compute_all(replace(state, schedule=name, schedule_args=args))


def steps_of(r: RunResult) -> np.ndarray:
    """Each step's displacement, shape (steps, 2)."""
    return np.diff(np.c_[r.x, r.y], axis=0)


def step_lengths(r: RunResult) -> np.ndarray:
    return np.hypot(*steps_of(r).T)


def dist(r: RunResult, point: tuple[float, float]) -> np.ndarray:
    """Distance from `point` at every step."""
    return np.hypot(r.x - point[0], r.y - point[1])


def bowl_axes(state: AppState, r: RunResult) -> tuple[np.ndarray, np.ndarray]:
    """The quadratic bowl's coordinates (u: steep axis, curvature κ; v: shallow, curvature 1)."""
    t = math.radians(state.surface_params["angle"])
    u = math.cos(t) * r.x + math.sin(t) * r.y
    v = -math.sin(t) * r.x + math.cos(t) * r.y
    return u, v


def sign_change_fraction(a: np.ndarray) -> float:
    """The fraction of consecutive pairs in `a` with opposite signs."""
    s = np.sign(a)
    return float(np.mean(s[1:] * s[:-1] < 0))


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z*(])", text.strip()) if s]


# --------------------------------------------------------------------------- the collection
def test_at_least_eight_presets_with_unique_url_safe_slugs():
    assert len(PRESETS) >= 8
    assert len(set(SLUGS)) == len(SLUGS)
    for slug in SLUGS:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug), slug
    assert list(BY_SLUG) == SLUGS
    assert all(isinstance(p, Preset) for p in PRESETS)


def test_get_finds_each_preset_and_names_the_choices_for_an_unknown_slug():
    for p in PRESETS:
        assert presets.get(p.slug) is p
    with pytest.raises(KeyError) as err:
        presets.get("no-such-lesson")
    message = str(err.value)
    assert "no-such-lesson" in message
    assert all(slug in message for slug in SLUGS)


def test_presets_are_frozen():
    with pytest.raises(AttributeError):
        PRESETS[0].title = "changed"  # type: ignore[misc]


def test_a_bad_slug_is_refused():
    with pytest.raises(ValueError, match="slug"):
        Preset("Not URL safe", "t", "Some text. More text.", "surface=booth")


@pytest.mark.parametrize("preset", PRESETS, ids=SLUGS)
def test_title_is_short_and_text_is_two_or_three_sentences(preset: Preset):
    assert 0 < len(preset.title) <= 40
    assert preset.title == preset.title.strip()
    n = len(sentences(preset.text))
    assert 2 <= n <= 3, f"{preset.slug}: {n} sentences"
    assert "\n" not in preset.text
    assert preset.text.count("*") % 2 == 0  # Markdown emphasis is balanced


@pytest.mark.parametrize("preset", PRESETS, ids=SLUGS)
def test_query_parses_without_notices_and_autoplays(preset: Preset):
    assert not preset.query.startswith("?")
    assert preset.href == "?" + preset.query
    pairs = parse_qsl(preset.query, keep_blank_values=True, strict_parsing=True)
    keys = [k for k, _ in pairs]
    assert len(keys) == len(set(keys)), f"{preset.slug}: a key is given twice"
    state, notices = parse(preset.query)
    assert notices == []
    assert state.t is None  # the page plays from step 0
    assert state.runs, preset.slug
    assert all(r.visible for r in state.runs)
    assert len({r.color for r in state.runs}) == len(state.runs)
    x0, x1, y0, y1 = state.view
    assert x0 < state.start[0] < x1 and y0 < state.start[1] < y1  # the start is on screen


@pytest.mark.parametrize("preset", PRESETS, ids=SLUGS)
def test_query_round_trips_through_serialize(preset: Preset):
    state = state_of(preset.slug)
    again, notices = parse(serialize(state))
    assert notices == []
    assert again == state


@pytest.mark.parametrize("preset", PRESETS, ids=SLUGS)
def test_every_run_lr_is_written_in_the_query(preset: Preset):
    """A lesson's rates are part of its story: none is left to a surface's suggestion."""
    keys = dict(parse_qsl(preset.query))
    for i, _ in enumerate(state_of(preset.slug).runs, 1):
        assert f"run{i}.lr" in keys, f"{preset.slug}: run{i} has no lr"
    assert "start" in keys


# --------------------------------------------------------------------------- lr-too-high
def test_lr_too_high_exactly_the_rates_beyond_two_over_lambda_max_diverge():
    state = state_of("lr-too-high")
    assert state.surface == "quadratic"
    limit = 2 / state.surface_params["condition"]  # λ_max = κ
    assert limit == pytest.approx(0.2)  # the text's number
    results = compute_all(state)
    rates = [r.hp["lr"] for r in state.runs]
    assert any(lr > limit for lr in rates) and any(lr < limit for lr in rates)
    for lr, res in zip(rates, results, strict=True):
        assert res.diverged == (lr > limit), f"lr={lr}"
        if lr < limit:
            assert res.distance is not None and res.distance < 0.05


def test_lr_too_high_each_rate_does_what_the_text_says():
    state = state_of("lr-too-high")
    r = results_of("lr-too-high")
    slow, one_step, zig, high = r["sgd@0.05"], r["sgd@0.1"], r["sgd@0.19"], r["sgd@0.21"]
    kappa = state.surface_params["condition"]
    assert 1 / kappa == pytest.approx(0.1)

    u, _ = bowl_axes(state, slow)
    u = u[np.abs(u) > 1e-9]  # until rounding noise
    assert len(u) > 20
    assert sign_change_fraction(np.diff(u)) == 0  # 0.05 glides in without a zig-zag

    u, _ = bowl_axes(state, one_step)  # 0.1 = 1/λ_max: the steep component is gone after a step
    assert abs(u[0]) > 0.5 and abs(u[1]) < 1e-12

    u, _ = bowl_axes(state, zig)  # 0.19 zig-zags yet arrives first
    assert sign_change_fraction(np.diff(u)) > 0.95
    assert zig.reached_at is not None and one_step.reached_at is not None
    assert zig.reached_at < one_step.reached_at
    assert slow.reached_at is None or slow.reached_at > one_step.reached_at

    u, _ = bowl_axes(state, high)  # 0.21: each swing 10% wider, then off the map
    k = high.diverged_at
    assert high.diverged and k > 10
    ratio = np.abs(u[2 : k - 1] / u[1 : k - 2])
    assert np.allclose(ratio, 1.1, rtol=0.02)
    assert sign_change_fraction(u[1 : k - 1]) == 1


# --------------------------------------------------------------------------- zigzag
def test_zigzag_sgd_alternates_across_the_valley_and_momentum_glides_to_the_minimum():
    state = state_of("zigzag")
    kappa = state.surface_params["condition"]
    sgd_run, mom_run = state.runs
    assert sgd_run.optimizer == "sgd" and mom_run.optimizer == "momentum"
    lr = sgd_run.hp["lr"]
    assert mom_run.hp["lr"] == lr  # the same rate
    assert 0.95 * 2 / kappa < lr < 2 / kappa  # near the stability limit, as the text says
    assert lr * kappa == pytest.approx(1.95)  # so the zig-zag shrinks by 0.95 per step
    assert 2 / kappa == pytest.approx(0.02)

    sgd, mom = compute_all(state)
    u, v = bowl_axes(state, sgd)
    assert sign_change_fraction(np.diff(u)) > 0.95  # every step crosses the steep axis
    assert np.allclose(np.abs(u[1:40] / u[:39]), 0.95, rtol=1e-6)
    assert np.allclose(v[1:] / v[:-1], 1 - lr, rtol=1e-6)  # 2% of the way per step
    assert not sgd.diverged and sgd.reached_at is None

    mu = mom_run.hp["momentum"]
    mu_, mv = bowl_axes(state, mom)
    # "Momentum overshoots too, its first swing as wide as SGD's" (the text once said it
    # glides "without overshooting", which its picture contradicts)
    assert abs(mu_[1]) == pytest.approx(abs(u[1]), rel=1e-9)
    assert sign_change_fraction(np.diff(mu_[:12])) > 0.5
    text = BY_SLUG["zigzag"].text
    assert "without overshooting" not in text and "overshoots too" in text
    assert abs(mu_[20]) < abs(u[20]) / 10  # "a tenth of SGD's by step 20"
    assert np.sqrt(mu) == pytest.approx(0.84, abs=0.005)
    assert np.all(mv > 0)  # never overshoots along the valley
    assert mom.reached_at is not None and mom.reached_at < state.steps
    assert mom.final_loss < sgd.final_loss / 100


# --------------------------------------------------------------------------- rosenbrock
def test_rosenbrock_momentum_and_adam_end_near_the_minimum_while_sgd_crawls():
    state = state_of("rosenbrock")
    r = results_of("rosenbrock")
    sgd, mom, adam = r["sgd"], r["momentum"], r["adam"]
    assert state.runs[0].hp["lr"] == state.runs[1].hp["lr"]  # momentum at SGD's rate
    assert not any(x.diverged for x in (sgd, mom, adam))
    assert sgd.x[-1] < 0  # still on the far side of the valley
    assert sgd.distance > 1.5
    for res in (mom, adam):
        assert res.distance < 0.25
        assert res.distance < sgd.distance / 8


def test_rosenbrock_curvature_limits_sgd_and_a_larger_rate_diverges_fast():
    state = state_of("rosenbrock")
    s = state.build_surface()
    eps = 1e-6  # the Hessian at the minimum (1, 1), by central differences of the gradient
    hx = (np.array(s.grad(1 + eps, 1.0)) - np.array(s.grad(1 - eps, 1.0))) / (2 * eps)
    hy = (np.array(s.grad(1.0, 1 + eps)) - np.array(s.grad(1.0, 1 - eps))) / (2 * eps)
    curvature = np.linalg.eigvalsh(np.array([hx, hy]))
    assert curvature.max() == pytest.approx(1000, rel=0.01)  # steep across the valley
    assert curvature.min() < 1  # nearly flat along it
    faster = with_lr(state, 0, 0.0025)
    assert faster.diverged and faster.diverged_at < 20


# --------------------------------------------------------------------------- saddle
def test_saddle_gradient_descent_stalls_where_the_text_says():
    state = state_of("saddle")
    assert state.surface == "saddle"
    x0, y0 = state.start
    assert y0 == pytest.approx(1e-6) and x0 < 0
    r = results_of("saddle")
    gd = r["sgd"]
    lr = state.runs[0].hp["lr"]
    assert 1 + 2 * lr == pytest.approx(1.02)
    # y grows by exactly 1 + 2γ per step: about 0.02 after 500 steps
    assert gd.y[-1] == pytest.approx(y0 * (1 + 2 * lr) ** state.steps, rel=1e-9)
    assert gd.y[-1] == pytest.approx(0.02, rel=0.05)
    assert np.hypot(gd.x[-1], gd.y[-1]) < 0.05  # at the saddle
    assert abs(gd.final_loss) < 1e-3
    assert not gd.diverged


def test_saddle_momentum_and_adam_escape():
    state = state_of("saddle")
    r = results_of("saddle")
    mom, adam = r["momentum"], r["adam"]
    assert state.runs[1].hp["lr"] == state.runs[0].hp["lr"]

    # momentum: growth about ×1.1 per step, out of the view after some 150 steps, off the map
    k_out = int(np.argmax(np.abs(mom.y) > 2))
    assert 120 < k_out < 180
    growth = mom.y[60:100] / mom.y[59:99]
    assert np.all((growth > 1.05) & (growth < 1.15))
    assert mom.diverged
    assert mom.final_loss < -100

    # Adam: a full lr along y from the first step, never near the saddle
    lr = state.runs[2].hp["lr"]
    dy = np.diff(adam.y[:51])
    assert np.all((dy > 0.5 * lr) & (dy < 2 * lr))
    assert np.min(np.hypot(adam.x, adam.y)) > 0.5
    assert adam.final_loss < -10


# --------------------------------------------------------------------------- noisy-sgd
def test_noisy_sgd_large_rate_arrives_fast_but_jitters_small_rate_settles_closer():
    state = state_of("noisy-sgd")
    assert state.noise == 2 and state.seed != 0
    r = results_of("noisy-sgd")
    fast, slow = r["sgd@0.1"], r["sgd@0.01"]
    centre = (0.0, 0.0)
    d_fast, d_slow = dist(fast, centre), dist(slow, centre)
    assert d_fast[:50].min() < 0.5  # at the bottom within a few dozen steps
    assert d_slow[50] > 1.5
    assert int(np.argmax(d_slow < 0.3)) > 100  # hundreds of steps to arrive
    assert d_fast[-200:].mean() > 3 * d_slow[-200:].mean()  # a wider cloud
    assert not fast.diverged and not slow.diverged


# --------------------------------------------------------------------------- adagrad-stall
def test_adagrad_steps_shrink_and_it_stalls_while_rmsprop_reaches_the_minimum():
    state = state_of("adagrad-stall")
    assert state.runs[0].hp["lr"] == state.runs[1].hp["lr"]  # the same lr
    r = results_of("adagrad-stall")
    ada, rms = r["adagrad"], r["rmsprop"]
    lengths = step_lengths(ada)
    assert np.all(lengths[1:] <= lengths[:-1] * (1 + 1e-9))  # every step shorter than the last
    assert lengths[-1] < lengths[0] / 20
    assert ada.distance > 1  # far short of the minimum
    assert lengths[-1] < ada.distance / 100  # and hardly moving: stalled
    assert ada.reached_at is None
    assert rms.reached_at is not None
    first = step_lengths(rms)[0] / lengths[0]
    alpha = state.runs[1].hp["alpha"]
    assert first == pytest.approx(1 / math.sqrt(1 - alpha), rel=1e-6)
    assert first == pytest.approx(10, rel=1e-6)
    # "...throws it out again by a step of up to 10γ (the spike near step 400) before it
    # falls back": the loss chart's bounce is RMSProp's, not rounding noise
    lr = state.runs[1].hp["lr"]
    gap = rms.gap
    assert gap[150:300].max() < 1e-12 * gap[0]  # rested at the centre
    spike = int(np.argmax(gap[300:])) + 300
    assert 370 <= spike <= 430 and gap[spike] > 1e-2
    jumps = step_lengths(rms)[spike - 10 : spike + 5]
    assert 5 * lr < jumps.max() <= 10 * lr * (1 + 1e-9)
    assert gap[-1] < 1e-9  # fell back


# --------------------------------------------------------------------------- which-minimum
def test_which_minimum_gradient_followers_and_adaptive_methods_part_ways():
    state = state_of("which-minimum")
    s = state.build_surface()
    hill = (-0.270845, -0.923039)
    assert np.hypot(state.start[0] - hill[0], state.start[1] - hill[1]) < 0.05
    gx, gy = s.grad(*state.start)
    assert abs(gy) < 0.3 * abs(gx)  # the gradient points mostly along x

    r = results_of("which-minimum")
    for name in ("sgd", "momentum"):  # lower left
        res = r[name]
        assert res.reached_at is not None, name
        assert res.x[-1] < 0 and res.y[-1] < 0, name
    for name in ("adam", "rmsprop"):  # upper left
        res = r[name]
        assert res.reached_at is not None, name
        assert res.x[-1] < 0 and res.y[-1] > 0, name
        dx, dy = steps_of(res)[0]
        assert abs(dx) == pytest.approx(abs(dy), rel=1e-6), name  # equally long on both axes
        assert dx < 0 and dy > 0, name  # up and left
    dx, dy = steps_of(r["sgd"])[0]
    assert abs(dy) < 0.3 * abs(dx)


# --------------------------------------------------------------------------- beale-race
def test_beale_race_draws_all_six_and_only_the_velocity_methods_arrive():
    state = state_of("beale-race")
    assert [r.optimizer for r in state.runs] == [
        "sgd",
        "momentum",
        "nesterov",
        "adagrad",
        "adadelta",
        "rmsprop",
    ]
    r = results_of("beale-race")
    assert not any(res.diverged for res in r.values())
    assert all(res.nearest == 0 for res in r.values())  # the one minimum (3, ½)
    for name in ("momentum", "nesterov"):
        assert r[name].reached_at is not None, name
    for name in ("sgd", "adagrad", "rmsprop", "adadelta"):
        assert r[name].reached_at is None, name
    for name in ("sgd", "adagrad", "rmsprop"):  # just short
        assert r[name].distance < 0.1, name
    far = max(r, key=lambda n: r[n].distance)
    assert far == "adadelta"
    at_100 = {n: dist(res, (3.0, 0.5))[100] for n, res in r.items()}
    assert max(at_100, key=at_100.get) == "adadelta"  # starts slowest


def test_beale_race_momentum_swings_wide_nesterov_less_adagrad_jumps_to_x0():
    state = state_of("beale-race")
    r = results_of("beale-race")
    assert r["momentum"].y.min() == pytest.approx(-1.9, abs=0.1)
    assert r["nesterov"].y.min() == pytest.approx(-1.4, abs=0.1)
    lead = dist(r["nesterov"], (3, 0.5))[100] < dist(r["momentum"], (3, 0.5))[100]
    assert lead and r["nesterov"].reached_at < r["momentum"].reached_at  # the swing tamed
    ada = r["adagrad"]
    lr = state.runs[3].hp["lr"]
    dx, dy = steps_of(ada)[0]
    assert abs(dx) == pytest.approx(lr, rel=1e-6) and abs(dy) == pytest.approx(lr, rel=1e-6)
    assert abs(ada.x[1]) < 1e-6  # onto the line x = 0, where Beale's function is flat
    s = state.build_surface()
    assert np.ptp(s.value(np.zeros(5), np.linspace(-4, 4, 5))) == 0
    assert ada.distance < 0.1  # it recovers


# --------------------------------------------------------------------------- warmup-cosine
def test_warmup_cosine_schedule_ramps_up_then_decays_to_zero():
    state = state_of("warmup-cosine")
    assert state.schedule == "warmup_cosine"
    args = state.schedule_args
    assert args["warmup_steps"] == 50 and args["t_max"] == state.steps == 500
    assert args["start_factor"] == 0 and args["min_factor"] == 0
    factor = schedules.get(state.schedule, **args)(np.arange(state.steps))
    assert np.allclose(factor[:51], np.arange(51) / 50)  # linear from 0 over 50 steps
    assert np.all(np.diff(factor[50:]) < 0) and factor[-1] < 1e-4  # then down to ~0
    half = 50 + (500 - 50) // 2
    assert factor[half] == pytest.approx(0.5)  # half a cosine: the middle of the decay
    constant = with_schedule(state, "constant")
    for run, res, full in zip(state.runs, compute_all(state), constant, strict=True):
        lengths = step_lengths(res)
        assert lengths[0] == 0  # the rate starts at 0
        # its first steps are a small fraction of what the full rate takes
        assert np.all(lengths[1:3] < 0.1 * step_lengths(full)[1:3]), run.optimizer
        assert res.final_lr < 1e-4 * run.hp["lr"]  # decayed to (almost) 0
        assert lengths[-5:].max() < 1e-4 * lengths.max()  # last steps tiny
        assert res.reached_at is not None and not res.diverged


def test_warmup_cosine_each_half_has_a_job():
    state = state_of("warmup-cosine")
    names = [r.optimizer for r in state.runs]
    assert names == ["momentum", "rmsprop"]
    minimum = state.build_surface().minima[compute_all(state)[0].nearest]
    here = (minimum.x, minimum.y)

    # without the warmup, momentum leaves the map within 15 steps
    for name, args in (("constant", {}), ("cosine", {"t_max": 500, "min_factor": 0.0})):
        mom, _ = with_schedule(state, name, **args)
        assert mom.diverged and mom.diverged_at <= 15, name

    # without the decay, RMSProp bounces across the minimum about 0.14 away, lr per axis
    lr = state.runs[1].hp["lr"]
    for name, args in (("constant", {}), ("warmup", {"warmup_steps": 50, "start_factor": 0.0})):
        _, rms = with_schedule(state, name, **args)
        d = dist(rms, here)[-100:]
        assert np.all((d > 0.12) & (d < 0.16)), name
        moves = np.abs(steps_of(rms)[-100:])
        assert np.all((moves > 0.5 * lr) & (moves < 1.5 * lr)), name
        u = steps_of(rms)[-100:, 0]
        assert sign_change_fraction(u) > 0.95, name  # back and forth

    # "...though not before one jump out of the minimum it had already found during the
    # warmup (near step 230)": the loss chart's bounce is RMSProp's
    _, rms = compute_all(state)
    assert rms.gap[30:50].min() < 1e-12 * rms.gap[0]  # found during the warmup (50 steps)
    spike = int(np.argmax(rms.gap[60:])) + 60
    assert 200 <= spike <= 260 and rms.gap[spike] > 1
    assert rms.gap[-1] < 1e-9  # and settles


# --------------------------------------------------------------------------- adamw
def test_adam_settles_at_the_l2_minimum_and_adamw_inside_the_one_over_lambda_box():
    state = state_of("adamw")
    (adam_run, adamw_run) = state.runs
    assert adam_run.optimizer == "adam" and adamw_run.optimizer == "adamw"
    lam = adam_run.hp["weight_decay"]
    assert adamw_run.hp["weight_decay"] == lam and adamw_run.hp["lr"] == adam_run.hp["lr"]
    assert 1 / lam == pytest.approx(2)
    s = state.build_surface()
    ((mx, my),) = [(m.x, m.y) for m in s.minima]
    assert (mx, my) == (1, 3)

    adam, adamw = compute_all(state)
    # Adam: ∇f + λθ = 0, the minimum of f + ½λ‖θ‖², just below (1, 3)
    gx, gy = s.grad(adam.x[-1], adam.y[-1])
    assert np.hypot(gx + lam * adam.x[-1], gy + lam * adam.y[-1]) < 1e-6
    assert adam.y[-1] < my and np.hypot(adam.x[-1] - mx, adam.y[-1] - my) < 0.5

    # AdamW: every coordinate within 1/λ, well below y = 3, and not at the L2 minimum
    assert max(abs(adamw.x[-1]), abs(adamw.y[-1])) <= 1 / lam
    assert adamw.y[-1] < my - 0.5
    gx, gy = s.grad(adamw.x[-1], adamw.y[-1])
    assert np.hypot(gx + lam * adamw.x[-1], gy + lam * adamw.y[-1]) > 1
    assert np.hypot(adam.x[-1] - adamw.x[-1], adam.y[-1] - adamw.y[-1]) > 0.5


def test_adamw_view_shows_both_ends_and_the_minimum():
    state = state_of("adamw")
    x0, x1, y0, y1 = state.view
    assert (x0, x1, y0, y1) != surfaces.get("booth").view
    for res in compute_all(state):
        assert np.all((x0 <= res.x) & (res.x <= x1) & (y0 <= res.y) & (res.y <= y1))
    assert x0 < 1 < x1 and y0 < 3 < y1


# --------------------------------------------------------------------------- 2026's optimizers
def test_lion_moves_every_coordinate_by_exactly_gamma_on_a_lattice():
    state = state_of("lion-lattice")
    lion, adam = compute_all(state)
    lr = state.runs[0].hp["lr"]
    dx, dy = np.abs(np.diff(lion.x)), np.abs(np.diff(lion.y))
    np.testing.assert_allclose(dx, lr, rtol=0, atol=1e-12)
    np.testing.assert_allclose(dy, lr, rtol=0, atol=1e-12)
    grid = (np.c_[lion.x, lion.y] - np.asarray(state.start)) / lr  # whole numbers
    np.testing.assert_allclose(grid, np.round(grid), atol=1e-9)
    # near the minimum it hops among the grid points around it, never settling
    assert lion.distance <= lr * np.sqrt(2)
    assert np.all(step_lengths(lion)[-20:] > 0.9 * lr)
    # while Adam's steps shrink as it closes in
    assert step_lengths(adam)[-1] < 0.1 * step_lengths(adam)[:10].max()
    assert step_lengths(adam)[-1] < 0.1 * lr


def test_newton_lands_on_the_bowls_minimum_in_one_step():
    state = state_of("newton-bowl")
    newton, sgd = compute_all(state)
    (mx, my) = (state.build_surface().minima[0].x, state.build_surface().minima[0].y)
    assert abs(newton.x[1] - mx) < 1e-12 and abs(newton.y[1] - my) < 1e-12
    assert newton.reached_at == 1
    assert sgd.reached_at is None and sgd.distance > 0.1  # still crawling after 50 steps
    # SGD's rate is below 2/L (the steepest curvature): it is stable, merely slow
    assert not sgd.diverged and state.runs[1].hp["lr"] < 2 / 10


def test_newton_jumps_to_the_saddle_and_gradient_descent_leaves_the_map():
    state = state_of("newton-saddle")
    newton, sgd = compute_all(state)
    assert abs(newton.x[1]) < 1e-12 and abs(newton.y[1]) < 1e-12  # the saddle, in one step
    assert np.all(np.abs(newton.x[1:]) < 1e-12) and np.all(np.abs(newton.y[1:]) < 1e-12)
    x0, x1, y0, y1 = state.view
    outside = (sgd.y < y0) | (sgd.y > y1) | (sgd.x < x0) | (sgd.x > x1)
    assert outside.any()  # it leaves the map
    assert sgd.final_loss < -10  # f → −∞ along y


def test_lbfgs_arrives_in_87_iterations_without_a_line_search_and_38_with():
    state = state_of("lbfgs-line-search")
    plain, wolfe = compute_all(state)
    assert (plain.reached_at, wolfe.reached_at) == (87, 38)
    text = BY_SLUG["lbfgs-line-search"].text
    assert "87 iterations" in text and "arrives in 38" in text
    # the first step without a line search is scaled down by the gradient's size
    g = state.build_surface().grad(*state.start)
    first = np.hypot(plain.x[1] - plain.x[0], plain.y[1] - plain.y[0])
    lr = state.runs[0].hp["lr"]
    assert first == pytest.approx(lr * min(1.0, 1.0 / np.abs(g).sum()) * np.hypot(*g), rel=1e-9)


def test_prodigy_stands_still_then_its_step_grows_and_it_arrives():
    from gradscape.app import inspector

    state = state_of("prodigy")
    prodigy, adam = compute_all(state)
    assert np.hypot(prodigy.x[10] - prodigy.x[0], prodigy.y[10] - prodigy.y[0]) < 0.02
    d = inspector.record(replace(state, inspect=True, focus=0))
    import base64

    d_lr = np.frombuffer(base64.b64decode(d["d_lr"]["bdata"]), dtype=d["d_lr"]["dtype"])
    assert d_lr[0] == pytest.approx(1e-6 * state.runs[0].hp["lr"], rel=1e-9)
    assert d_lr.max() > 1e5 * d_lr[0]  # five orders of magnitude
    assert prodigy.reached_at is not None
    assert adam.reached_at is None and adam.distance > 1.0


def _mean_tail_from_origin(r: RunResult, n: int = 100) -> float:
    return float(np.mean(np.hypot(r.x[-n:], r.y[-n:])))  # the bowl's minimum is the origin


def test_schedule_free_settles_inside_momentums_noise_ball_even_with_cosine():
    state = state_of("schedule-free")
    assert state.build_surface().minima[0].x == 0 and state.build_surface().minima[0].y == 0
    sf, mom = compute_all(state)
    assert _mean_tail_from_origin(sf) < 0.5 * _mean_tail_from_origin(mom)
    _, mom_cos = with_schedule(state, "cosine", t_max=state.steps)
    assert _mean_tail_from_origin(mom_cos) < _mean_tail_from_origin(mom)  # the ball shrinks
    assert _mean_tail_from_origin(sf) < _mean_tail_from_origin(mom_cos)  # yet stays wider


@pytest.mark.parametrize(
    "slug", ["fair-race-beale", "fair-race-rosenbrock", "fair-race-himmelblau"]
)
def test_fair_race_rates_are_the_races_and_the_winners_are_as_told(slug):
    from gradscape.app import race

    state = state_of(slug)
    assert state.tuned and race.holds(state)  # the rates in the link are the sweep's best
    res = dict(zip([r.optimizer for r in state.runs], compute_all(state), strict=True))
    final = {k: r.final_loss for k, r in res.items()}
    arrived = {k: r.reached_at for k, r in res.items() if r.reached_at is not None}
    if slug == "fair-race-beale":
        assert min(final, key=final.get) == "adam" and list(arrived) == ["adam"]
        assert max(final, key=final.get) == "lion"
    elif slug == "fair-race-rosenbrock":
        order = sorted(final, key=final.get)
        assert order[:2] == ["adam", "momentum"] and order[-1] == "rmsprop"
        assert arrived == {}
    else:
        assert sorted(arrived, key=arrived.get) == ["rmsprop", "momentum", "adam"]
        assert "lion" not in arrived


# --------------------------------------------------------------------------- data surfaces
def _tail_distance(r: RunResult, point: tuple[float, float], last: int = 100) -> float:
    """Mean distance from `point` over the last `last` positions."""
    return float(dist(r, point)[-last:].mean())


def _minimum(state: AppState) -> tuple[float, float]:
    (m,) = state.build_surface().minima
    return m.x, m.y


def test_batch_vs_stochastic_bgd_falls_every_step_and_arrives_the_others_jitter():
    state = state_of("batch-vs-stochastic")
    assert [r.batch for r in state.runs] == [None, 8, 1]
    assert state.surface_params["samples"] == 64 and state.steps == 300
    assert len({r.hp["lr"] for r in state.runs}) == 1 and state.runs[0].hp["lr"] == 0.05
    bgd, mini, sgd = compute_all(state)
    m = _minimum(state)
    # batch GD: the loss falls at every step, and it reaches the minimum at step 165
    assert np.all(np.diff(bgd.loss) <= 0)
    assert bgd.reached_at == 165
    assert bgd.batches is None
    # mini-batch and SGD: their loss goes up at some steps; they jitter around the minimum
    for r in (mini, sgd):
        assert np.any(np.diff(r.loss) > 0)
        assert r.reached_at is None
    assert _tail_distance(mini, m) == pytest.approx(0.03, abs=0.01)
    assert _tail_distance(sgd, m) == pytest.approx(0.13, abs=0.02)
    assert _tail_distance(bgd, m) < 1e-3 < _tail_distance(mini, m) < _tail_distance(sgd, m)
    # SGD reads one sample a step: 300 samples, under five epochs of 64
    assert sgd.batches.shape == (300, 1) and mini.batches.shape == (300, 8)
    assert 4 < sgd.batches.size / 64 < 5
    assert 37 < mini.batches.size / 64 < 38
    # the faint mini-batch loss is the loss over each step's samples
    s = state.build_surface()
    k = 123
    assert sgd.batch_loss[k] == pytest.approx(
        s.batch_value(sgd.x[k], sgd.y[k], sgd.batches[k]), rel=1e-12
    )


def test_larger_batch_tolerates_larger_rate():
    state = state_of("batch-size-and-rate")
    assert [r.batch for r in state.runs] == [1, 8, 32, None]
    assert {r.hp["lr"] for r in state.runs} == {0.3}
    results = compute_all(state)
    sgd, b8, b32, full = results
    assert 0 < sgd.diverged_at < 60
    assert [r.diverged for r in (b8, b32, full)] == [False, False, False]
    # the cloud around the minimum shrinks as the batch grows; the full batch arrives
    m = _minimum(state)
    assert _tail_distance(b8, m) > _tail_distance(b32, m) > _tail_distance(full, m)
    assert full.reached_at is not None and b8.reached_at is None and b32.reached_at is None
    # it is the rate: at a third of it SGD stays on the map
    slow = compute(state, replace(state.runs[0], hp={**state.runs[0].hp, "lr": 0.1}))
    assert not slow.diverged


def test_sgd_noise_ball_grows_with_the_rate_and_a_cosine_schedule_shrinks_it():
    state = state_of("sgd-noise-ball")
    assert [(r.batch, r.hp["lr"]) for r in state.runs] == [(1, 0.05), (1, 0.01)]
    assert state.schedule == "constant"
    fast, slow = compute_all(state)
    m = _minimum(state)
    d_fast, d_slow = _tail_distance(fast, m), _tail_distance(slow, m)
    assert d_fast == pytest.approx(0.14, abs=0.01) and d_slow == pytest.approx(0.06, abs=0.01)
    # the minimum's gradient is zero, a sample's is not: the run never stays put
    assert np.all(step_lengths(fast)[-100:] > 0)
    fast_cos, _ = with_schedule(state, "cosine", t_max=state.steps, min_factor=0.0)
    d_cos = _tail_distance(fast_cos, m)
    assert d_cos < d_fast / 10
    assert float(dist(fast_cos, m)[-1]) == pytest.approx(0.01, abs=0.005)


def test_separable_logistic_weights_grow_without_decay_and_stop_with_it():
    state = state_of("separable-logistic")
    s = state.build_surface()
    x, y = s.data
    assert state.surface_params["noise"] == 0
    assert x[y == 1].min() > x[y == 0].max()  # separable
    assert s.minima == ()
    plain, small, large = compute_all(state)
    assert [r.hp.get("weight_decay", 0) for r in state.runs] == [0, 0.01, 0.05]
    # no decay: w keeps growing and the loss keeps falling
    assert plain.x[100] == pytest.approx(3.4, abs=0.05)
    assert plain.x[-1] == pytest.approx(6.3, abs=0.05)
    assert np.all(np.diff(plain.x[100:]) > 0) and plain.x[-1] - plain.x[-51] > 0.1
    assert np.all(np.diff(plain.loss) < 0)
    # ... while the boundary −b/w barely moves
    boundary = -plain.y / plain.x
    assert abs(boundary[-1] - boundary[100]) < 0.05
    # weight decay: the weights stop, smaller for the larger λ
    assert small.x[-1] == pytest.approx(3.2, abs=0.05)
    assert large.x[-1] == pytest.approx(1.75, abs=0.01)
    for r in (small, large):
        assert abs(r.x[-1] - r.x[-51]) < 0.01
    assert large.x[-1] < small.x[-1] < plain.x[-1]


def test_tiny_net_saddle_runs_split_between_the_mirror_minima():
    state = state_of("tiny-net-saddle")
    s = state.build_surface()
    assert [r.batch for r in state.runs] == [None, 1, 4, 16]
    lower, upper = sorted(s.minima, key=lambda m: m.x)
    assert (lower.x, lower.y) == pytest.approx((-upper.x, -upper.y))
    assert lower.value == pytest.approx(upper.value)
    # the origin is a saddle: zero gradient, Hessian of both signs
    assert np.hypot(*s.grad(0.0, 0.0)) < 1e-12
    hxx, hxy, hyy = s.hess(0.0, 0.0)
    assert hxx * hyy - hxy**2 < 0
    full, b1, b4, b16 = compute_all(state)
    assert np.hypot(full.x, full.y).min() < 0.25
    side = {
        name: ("lower" if r.x[-1] < 0 else "upper")
        for name, r in zip(("full", "b1", "b4", "b16"), (full, b1, b4, b16), strict=True)
    }
    assert side == {"full": "lower", "b16": "lower", "b1": "upper", "b4": "upper"}
    for r in (full, b1, b4, b16):
        m = lower if r.x[-1] < 0 else upper
        assert np.hypot(r.x[-1] - m.x, r.y[-1] - m.y) < 0.1
    # another batch seed splits the mini-batch runs differently
    other = compute_all(replace(state, batch_seed=1))
    assert [r.x[-1] < 0 for r in other[1:]] != [r.x[-1] < 0 for r in (b1, b4, b16)]


def test_ftrl_l1_holds_the_intercept_at_exactly_zero():
    state = state_of("ftrl-l1")
    s = state.build_surface()
    assert s.samples == 24 and state.data
    (m,) = s.minima
    assert m.x == pytest.approx(1.5, abs=1e-3) and m.y == pytest.approx(0.005, abs=1e-4)
    plain, sparse = compute_all(state)
    assert [r.hp["l1"] for r in state.runs] == [0, 10]
    # without l1: the least-squares line, intercept 0.005 and never exactly 0
    assert plain.y[-1] == pytest.approx(0.005, abs=1e-6) and np.all(plain.y != 0)
    # with l1 = 10: b is exactly 0 from step 1 to the last
    assert sparse.y[0] == 0.6 and np.all(sparse.y[1:] == 0.0)
    # the slope is 0 only for a few steps, crossing zero, then goes on to 1.5
    zero_w = np.flatnonzero(sparse.x == 0.0)
    assert 1 <= zero_w.size <= 6 and np.all(np.diff(zero_w) == 1)
    assert sparse.x[-1] == pytest.approx(1.5, abs=1e-3)
