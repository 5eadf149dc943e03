"""run(..., record=True): the recorded gradient, moment and effective learning rate.

Checked against the surface's gradient, against moments replayed in plain
Python from the gradients the independent reference (tests/reference.py) sees,
and against the step actually taken: for every adaptive rule
xy[k + 1] − xy[k] = −eff_lr·direction (+ the documented extra terms), to a
relative 1e-12 plus the rounding of the stored positions.

What each optimizer records, and what its direction and weight decay are, is
read from its registry entry (`RecordInfo`); the tests check those claims
against what ``run(..., record=True)`` returns and the steps it takes.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from reference import reference_run
from test_optimizers import START, active_config, rosen_grad

from gradscape import surfaces
from gradscape.optimizers import MAX_CELLS, OPTIMIZERS, RecordInfo, run, schedules

NAMES = list(OPTIMIZERS)
RECORD = {name: spec.record for name, spec in OPTIMIZERS.items()}
#: Optimizers whose run always records a moment (rmsprop only with momentum: `moment_if`).
WITH_MOMENT = [n for n in NAMES if RECORD[n].moment is not None and RECORD[n].moment_if is None]
#: Optimizers that record an effective learning rate (the adaptive rules).
ADAPTIVE = [n for n in NAMES if RECORD[n].eff_lr_tex is not None]
CONFIGS = [(n, "defaults", {}) for n in NAMES] + [(n, "active", active_config(n)) for n in NAMES]
CONFIG_IDS = [f"{n}-{label}" for n, label, _ in CONFIGS]
LR = 0.002
STEPS = 40


def recorded(name, steps=STEPS, start=START, **kwargs):
    kwargs.setdefault("lr", LR)
    return run("rosenbrock", name, start, steps, record=True, **kwargs)


# --------------------------------------------------------------------------- no side effects
@pytest.mark.parametrize(("name", "label", "hp"), CONFIGS, ids=CONFIG_IDS)
def test_recording_leaves_the_run_bit_identical(name, label, hp):
    starts = np.array([START, (-1.5, 2.0), (0.0, 0.0), (1.2, -0.5)])
    kwargs = {
        "lr": np.array([LR, 0.01, 0.05, 10.0]),  # the last one diverges
        "schedule": schedules.cosine(60, 0.1),
        "clip_norm": np.array([1e3, 50.0, 5.0, 1e3]),
        "clip_value": 40.0,
        "noise": np.array([0.0, 1.0, 0.5, 0.0]),
        "seed": 3,
        **hp,
    }
    plain = run("rosenbrock", name, starts, 60, **kwargs)
    rec = run("rosenbrock", name, starts, 60, record=True, **kwargs)
    np.testing.assert_array_equal(rec.xy, plain.xy)
    np.testing.assert_array_equal(rec.loss, plain.loss)
    np.testing.assert_array_equal(rec.lr, plain.lr)
    np.testing.assert_array_equal(rec.diverged_at, plain.diverged_at)
    assert plain.grad is None and plain.moment is None and plain.eff_lr is None


def test_the_registry_lists_are_not_trivial():
    """The lists read from the registry hold what the tests below need to mean something."""
    assert WITH_MOMENT and ADAPTIVE and set(NAMES) - set(ADAPTIVE)
    for name, info in RECORD.items():
        assert info.moment_if is None or info.moment_if in OPTIMIZERS[name].param_map, name


@pytest.mark.parametrize(("name", "label", "hp"), CONFIGS, ids=CONFIG_IDS)
def test_what_is_recorded_is_what_the_registry_says(name, label, hp):
    traj = recorded(name, 5, start=[START, START], **hp)
    info = OPTIMIZERS[name].record
    assert traj.grad.shape == (5, 2, 2)
    assert (traj.moment is not None) == info.records_moment(traj.hyperparameters)
    assert (traj.eff_lr is not None) == (info.eff_lr_tex is not None)
    for table in (traj.grad, traj.moment, traj.eff_lr):
        if table is not None:
            assert table.shape == (5, 2, 2) and table.dtype == np.float64
    assert (info.direction is not None) == (info.eff_lr_tex is not None)
    assert traj.record_info.moment == (info.moment if traj.moment is not None else None)


def test_rmsprop_records_its_buffer_only_with_momentum():
    assert recorded("rmsprop").moment is None
    assert recorded("rmsprop").record_info.moment is None
    with_momentum = recorded("rmsprop", momentum=0.9)
    assert with_momentum.moment.shape == (STEPS, 1, 2)
    assert with_momentum.record_info.moment == "b"
    per_path = recorded("rmsprop", start=[START, START], momentum=np.array([0.0, 0.9]))
    assert per_path.moment is not None


# --------------------------------------------------------------------------- gradient
@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("surface", ["rosenbrock", "himmelblau", "ackley"])
def test_grad_is_the_surface_gradient(name, surface):
    s = surfaces.get(surface)
    starts = np.array([s.start, (0.3, -0.7), (1.1, 0.9)])
    decay = {"weight_decay": 0.1} if "weight_decay" in OPTIMIZERS[name].param_map else {}
    traj = run(s, name, starts, 30, record=True, **decay)
    gx, gy = s.grad(traj.xy[:-1, :, 0], traj.xy[:-1, :, 1])
    np.testing.assert_allclose(traj.grad[..., 0], gx, rtol=1e-15, atol=0)
    np.testing.assert_allclose(traj.grad[..., 1], gy, rtol=1e-15, atol=0)


def test_grad_is_the_clipped_noisy_gradient():
    """Noise from a run without clipping, replayed: clip(∇f + noise) by norm, then by value."""
    s = surfaces.get("rosenbrock")
    starts = np.array([(-1.5, 2.0), (0.5, -0.5), (1.2, 1.0)])
    sigma, seed, steps = np.array([3.0, 0.0, 20.0]), 9, 50
    noisy = run(s, "adam", starts, steps, lr=0.01, noise=sigma, seed=seed, record=True)
    gx, gy = s.grad(noisy.xy[:-1, :, 0], noisy.xy[:-1, :, 1])
    noise = noisy.grad - np.stack([gx, gy], axis=-1)
    assert np.all(noise[:, 1] == 0) and np.all(noise[:, 0] != 0)
    np.testing.assert_allclose(noise[:, 2], noise[:, 0] * 20.0 / 3.0, rtol=1e-9, atol=1e-9)

    clip_norm, clip_value = np.array([5.0, 1.0, 30.0]), 4.0
    traj = run(
        s,
        "momentum",
        starts,
        steps,
        lr=1e-3,
        noise=sigma,
        seed=seed,
        clip_norm=clip_norm,
        clip_value=clip_value,
        record=True,
        weight_decay=0.2,
    )
    gx, gy = s.grad(traj.xy[:-1, :, 0], traj.xy[:-1, :, 1])
    g = np.stack([gx, gy], axis=-1) + noise
    norm = np.linalg.norm(g, axis=-1, keepdims=True)
    expected = np.clip(g * np.minimum(1.0, clip_norm[:, None] / (norm + 1e-6)), -4.0, 4.0)
    np.testing.assert_allclose(traj.grad, expected, rtol=1e-12, atol=1e-12)
    assert np.abs(traj.grad).max() <= clip_value


def test_grad_with_noise_and_clipping_drives_the_reference():
    """SGD's step is −γ·(grad + λθ): replaying the recorded grad in plain Python gives the path."""
    traj = run(
        "rosenbrock", "sgd", START, 30, lr=1e-3, noise=2.0, clip_norm=1.5, record=True, seed=4
    )
    grads = iter(traj.grad[:, 0].tolist())
    expected = reference_run("sgd", lambda x, y: tuple(next(grads)), START, [1e-3] * 30)
    np.testing.assert_allclose(traj.xy[:, 0], expected, rtol=1e-14, atol=1e-15)


# --------------------------------------------------------------------------- moment
def replay_moments(name, hp, steps=STEPS, lr=LR):
    """The moment after each step, replayed from the gradients the reference run sees.

    The registry's symbol says which buffer it is: ``b`` the heavy-ball buffer
    b ← μb + (1 − τ)g (b₁ = g₁), ``m`` Adam's first moment m ← β₁m + (1 − β₁)g;
    g includes λθ where the entry's decay is L2.
    """
    spec = OPTIMIZERS[name]
    full = spec.resolve(hp, 1)
    seen = []

    def grad(x, y):
        seen.append((x, y))
        return rosen_grad(x, y)

    path = reference_run(name, grad, START, [lr] * steps, **hp)
    wd = full["weight_decay"] if spec.record.decay == "l2" else 0.0
    symbol = spec.record.moment
    assert symbol in ("b", "m"), f"{name}: no replay for a moment called {symbol!r}"
    buf, out = [0.0, 0.0], []
    for t, (x, y) in enumerate(seen, start=1):
        g = [gi + wd * th for gi, th in zip(rosen_grad(x, y), (x, y), strict=True)]
        for i in range(2):
            if symbol == "b":
                mu, tau = full["momentum"], full.get("dampening", 0.0)
                buf[i] = g[i] if t == 1 else mu * buf[i] + (1 - tau) * g[i]
            else:
                beta = full["beta1"] if "beta1" in full else full["momentum"]  # muon: μ
                if name == "lion":  # Lion's m decays with β₂ (β₁ only mixes the sign)
                    beta = full["beta2"]
                buf[i] = beta * buf[i] + (1 - beta) * g[i]
        out.append(tuple(buf))
    return np.array(out), np.array(path)


@pytest.mark.parametrize(
    ("name", "label", "hp"),
    [c for c in CONFIGS if c[0] in WITH_MOMENT],
    ids=[i for c, i in zip(CONFIGS, CONFIG_IDS, strict=True) if c[0] in WITH_MOMENT],
)
def test_moment_matches_the_reference(name, label, hp):
    traj = recorded(name, **hp)
    moments, path = replay_moments(name, hp)
    np.testing.assert_allclose(traj.xy[:, 0], path, rtol=1e-11, atol=1e-13)
    # The moment is a running mean of gradients of both signs: near a sign change
    # it is tiny, so its error is measured against the largest moment of the run.
    scale = np.abs(moments).max()
    np.testing.assert_allclose(traj.moment[:, 0], moments, rtol=1e-10, atol=1e-10 * scale)


@pytest.mark.parametrize("centered", [False, True])
def test_rmsprop_momentum_buffer_matches_the_reference(centered):
    """With momentum RMSProp steps by −γb: the reference's steps divided by −γ are its b."""
    hp = {"momentum": 0.8, "alpha": 0.9, "eps": 0.05, "centered": centered}
    traj = recorded("rmsprop", **hp)
    path = np.array(reference_run("rmsprop", rosen_grad, START, [LR] * STEPS, **hp))
    np.testing.assert_allclose(traj.moment[:, 0], (path[:-1] - path[1:]) / LR, rtol=1e-9)


# --------------------------------------------------------------------------- effective lr
def nadam_coefficients(beta1, psi, steps):
    """(c_g, c_m) of NAdam's steps t = 1 … steps, (steps, n or 1, 1), from DESIGN.md's formulas."""
    beta1, psi = np.atleast_1d(beta1), np.atleast_1d(psi)
    prod, c_g, c_m = 1.0, [], []
    for t in range(1, steps + 1):
        mu = beta1 * (1 - 0.5 * 0.96 ** (t * psi))
        mu_next = beta1 * (1 - 0.5 * 0.96 ** ((t + 1) * psi))
        prod = prod * mu
        c_g.append((1 - mu) / (1 - prod))
        c_m.append(mu_next / (1 - prod * mu_next))
    return np.array(c_g)[..., None], np.array(c_m)[..., None]


def nadam_direction(traj, g):
    hp = traj.hyperparameters
    c_g, c_m = nadam_coefficients(hp["beta1"], hp["momentum_decay"], traj.steps)
    return c_g * g + c_m * traj.moment


#: The meaning of each `RecordInfo.direction` the registry uses, as a function of
#: the trajectory and g (the gradient with L2 decay where the entry has it).
DIRECTIONS = {
    "g_t": lambda traj, g: g,
    "m_t": lambda traj, g: traj.moment,
    r"c_g\, g_t + c_m\, m_t": nadam_direction,  # c_g, c_m as in nadam's step_tex
}


def predicted_step(traj):
    """(Δθ predicted from the recorded numbers, a scale for its rounding) of every step.

    Δθ = −eff_lr·direction, with the direction the registry names, and −γλθ
    more where its decay is decoupled, as documented on `Trajectory`; where the
    moment depends on a hyperparameter (`moment_if`) and is there, Δθ = −γb
    (rmsprop with momentum: its b = μb + (eff_lr/γ)·g is checked apart).
    """
    info, hp = OPTIMIZERS[traj.optimizer].record, traj.hyperparameters
    theta = traj.xy[:-1]
    lam = np.asarray(hp["weight_decay"])
    g = traj.grad + lam[..., None] * theta if info.decay == "l2" else traj.grad
    step = -traj.eff_lr * DIRECTIONS[info.direction](traj, g)
    if info.moment_if is not None and traj.moment is not None:
        step = -traj.lr[..., None] * traj.moment
    scale = np.abs(step)
    if info.decay == "decoupled":
        decay = -traj.lr[..., None] * lam[..., None] * theta
        step = step + decay
        scale = scale + np.abs(decay)
    return step, scale


def assert_steps_match(traj):
    step, scale = predicted_step(traj)
    delta = traj.xy[1:] - traj.xy[:-1]
    # 1e-12 relative, plus half an ulp of the new position (where Δθ was rounded).
    slack = 1e-12 * scale + np.spacing(np.abs(traj.xy[1:]))
    # Up to the step that left the bound (after it xy is frozen, the records NaN).
    k = np.where(traj.diverged_at >= 0, traj.diverged_at - 1, traj.steps)
    kept = np.arange(traj.steps)[:, None] < k[None, :]
    assert kept[:, None].any()
    err = np.abs(delta - step)[kept]
    assert np.all(err <= slack[kept]), np.max(err / slack[kept])


ADAPTIVE_CONFIGS = [
    pytest.param(name, wd, id=f"{name}-wd{wd}") for name in ADAPTIVE for wd in (0.0, 0.3)
]


@pytest.mark.parametrize(("name", "wd"), ADAPTIVE_CONFIGS)
def test_step_is_minus_eff_lr_times_direction(name, wd):
    traj = recorded(name, 60, weight_decay=wd)
    assert traj.diverged_at[0] == -1
    assert np.all(traj.eff_lr > 0)
    assert_steps_match(traj)


@pytest.mark.parametrize("name", ADAPTIVE)
def test_step_relation_with_active_hyperparameters_and_a_schedule(name):
    # Without the hyperparameter a moment depends on: the rule stays −eff_lr·direction.
    hp = {k: v for k, v in active_config(name).items() if k != RECORD[name].moment_if}
    traj = recorded(name, 60, schedule=schedules.warmup(10, 0.1), **hp)
    assert_steps_match(traj)


@pytest.mark.parametrize("centered", [False, True])
def test_rmsprop_momentum_relation(centered):
    """b = μb + (eff_lr/γ)·g and Δθ = −γb."""
    traj = recorded("rmsprop", 60, momentum=0.7, centered=centered, weight_decay=0.1)
    g = traj.grad + 0.1 * traj.xy[:-1]
    gamma = traj.lr[..., None]
    b_prev = np.concatenate([np.zeros_like(traj.moment[:1]), traj.moment[:-1]])
    np.testing.assert_allclose(
        traj.moment, 0.7 * b_prev + traj.eff_lr / gamma * g, rtol=1e-12, atol=0
    )
    np.testing.assert_allclose(traj.xy[1:] - traj.xy[:-1], -gamma * traj.moment, rtol=1e-9)


@pytest.mark.parametrize("name", ["adam", "amsgrad", "adamw", "adamax", "radam", "adagrad"])
def test_eff_lr_formula(name):
    """eff_lr from its defining formula, the state replayed from the recorded gradient."""
    traj = recorded(name, 40)
    hp = traj.hyperparameters
    g = traj.grad[:, 0]
    if RECORD[name].decay == "l2":
        g = g + hp["weight_decay"] * traj.xy[:-1, 0]
    b1, b2, eps = hp.get("beta1"), hp.get("beta2"), hp.get("eps")
    v = np.zeros(2)
    vmax = np.zeros(2)
    s = np.zeros(2)
    for k in range(traj.steps):
        t, lr = k + 1, traj.lr[k, 0]
        if name == "adagrad":
            s = s + g[k] ** 2
            expected = lr / (np.sqrt(s) + eps)
        elif name == "adamax":
            v = np.maximum(b2 * v, np.abs(g[k]) + eps)
            expected = lr / ((1 - b1**t) * v)
        else:
            v = b2 * v + (1 - b2) * g[k] ** 2
            vmax = np.maximum(vmax, v)
            vv = vmax if name == "amsgrad" else v
            if name == "radam":
                rho_inf = 2 / (1 - b2) - 1
                rho = rho_inf - 2 * t * b2**t / (1 - b2**t)
                if rho > 5:
                    r = math.sqrt(
                        (rho - 4) * (rho - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho)
                    )
                    expected = lr * r * math.sqrt(1 - b2**t) / ((1 - b1**t) * (np.sqrt(v) + eps))
                else:
                    expected = np.full(2, lr / (1 - b1**t))
            else:
                expected = lr / ((1 - b1**t) * (np.sqrt(vv) / math.sqrt(1 - b2**t) + eps))
        np.testing.assert_allclose(traj.eff_lr[k, 0], expected, rtol=1e-12, err_msg=f"t={t}")


def test_radam_switches_to_the_rectified_rate():
    traj = recorded("radam", 10)
    # ρ_t ≤ 5 for the first steps with β₂ = 0.999: the rate is γ/(1 − β₁ᵗ) in both coordinates.
    t = np.arange(1, 11)
    rho_inf = 2 / (1 - 0.999) - 1
    rho = rho_inf - 2 * t * 0.999**t / (1 - 0.999**t)
    early = rho <= 5
    assert early[:4].all() and not early[-1]
    np.testing.assert_allclose(
        traj.eff_lr[early, 0], np.repeat((LR / (1 - 0.9 ** t[early]))[:, None], 2, 1)
    )
    assert not np.allclose(traj.eff_lr[~early, 0, 0], traj.eff_lr[~early, 0, 1])


def test_adadelta_uses_u_before_its_update():
    traj = recorded("adadelta", 30, lr=1.0)
    g = traj.grad[:, 0]
    rho, eps = 0.9, 1e-6
    v = np.zeros(2)
    u = np.zeros(2)
    for k in range(traj.steps):
        v = rho * v + (1 - rho) * g[k] ** 2
        rate = np.sqrt(u + eps) / np.sqrt(v + eps)
        np.testing.assert_allclose(traj.eff_lr[k, 0], rate, rtol=1e-12)
        u = rho * u + (1 - rho) * (rate * g[k]) ** 2


# --------------------------------------------------------------------------- batching
@pytest.mark.parametrize("name", NAMES)
def test_batch_with_per_path_hyperparameters_equals_separate_runs(name):
    config = active_config(name)
    floats = {k: v for k, v in config.items() if not isinstance(v, bool | str)}
    fixed = {k: v for k, v in config.items() if k not in floats}  # flags, choices: scalars
    defaults = {p.name: p.default for p in OPTIMIZERS[name].params}
    per_path = {k: np.array([defaults[k], v, v]) for k, v in floats.items()}
    lrs = np.array([LR, LR, 0.01])
    starts = np.array([START, START, (-1.0, 1.5)])
    batch = run("rosenbrock", name, starts, 40, lr=lrs, record=True, **per_path, **fixed)
    info = RECORD[name]
    for i in range(3):
        hp = {k: float(v[i]) for k, v in per_path.items()}
        one = run("rosenbrock", name, starts[i], 40, lr=float(lrs[i]), record=True, **hp, **fixed)
        for key in ("xy", "grad", "moment", "eff_lr"):
            a, b = getattr(batch, key), getattr(one, key)
            if key == "moment" and a is not None and not info.records_moment(one.hyperparameters):
                # The hyperparameter the moment needs (`moment_if`, rmsprop's μ) is 0 for this
                # path: alone it has no buffer; in the batch b = (eff_lr/γ)·g (μ = 0 in step_tex).
                assert b is None
                lam = np.broadcast_to(batch.hyperparameters["weight_decay"], (3,))[i]
                g = batch.grad[:, i] + lam * batch.xy[:-1, i]
                np.testing.assert_allclose(a[:, i], batch.eff_lr[:, i] / lrs[i] * g, rtol=1e-12)
                continue
            assert (a is None) == (b is None), key
            if a is not None:
                np.testing.assert_allclose(a[:, i], b[:, 0], rtol=1e-12, atol=1e-14, err_msg=key)
    if info.eff_lr_tex is not None:
        assert_steps_match(batch)


# --------------------------------------------------------------------------- divergence
@pytest.mark.parametrize("name", NAMES)
def test_recordings_are_nan_from_the_divergence_on(name):
    # The saddle is unbounded below: at lr = 10 every rule leaves the bound.
    lrs = np.array([1e-4, 10.0, 1e-3])
    # Rprop's rate is only its first step size (its steps grow while y escapes): cap
    # them on the paths meant to stay; Muon's default decay γλ = 1 at lr 10 pins θ near 0.
    extra = {
        "rprop": {"step_size_max": np.array([0.01, 50.0, 0.01])},
        "muon": {"weight_decay": 0.0},
    }.get(name, {})
    traj = run("saddle", name, np.tile((1.0, 0.1), (3, 1)), 200, lr=lrs, record=True, **extra)
    k = traj.diverged_at
    assert k[0] == -1 and k[1] >= 1 and k[2] == -1
    for table in (traj.grad, traj.moment, traj.eff_lr):
        if table is None:
            continue
        for i in range(3):
            stop = k[i] if k[i] >= 0 else traj.steps
            assert np.all(np.isnan(table[stop:, i]))
            assert np.all(np.isfinite(table[:stop, i]))


def test_a_start_outside_the_domain_records_nothing():
    base = surfaces.get("rosenbrock")
    log_surface = surfaces.Surface(
        **{
            **base.__dict__,
            "name": "log",
            "value": lambda x, y: np.log(x) + y * y,
            "grad": lambda x, y: (1.0 / x, 2.0 * y),
        }
    )
    traj = run(log_surface, "adam", [(-1.0, 1.0), (1.0, 1.0)], 20, lr=0.01, record=True)
    assert traj.diverged_at[0] == 0
    assert np.all(np.isnan(traj.grad[:, 0])) and np.all(np.isnan(traj.eff_lr[:, 0]))
    assert np.all(np.isfinite(traj.grad[:, 1]))


def test_recording_counts_against_the_memory_limit():
    n = MAX_CELLS // 4 // 1000 + 1
    run("rosenbrock", "adam", np.zeros((n, 2)), 999)  # fits without recording
    with pytest.raises(ValueError, match="with record=True"):
        run("rosenbrock", "adam", np.zeros((n, 2)), 999, record=True)


# --------------------------------------------------------------------------- registry LaTeX
def balanced(tex):
    depth = 0
    for ch in re.sub(r"\\[{}]", "", tex):
        depth += {"{": 1, "}": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0 and tex.count(r"\begin{") == tex.count(r"\end{")


@pytest.mark.parametrize("name", NAMES)
def test_rule_tex_is_an_aligned_block(name):
    spec = OPTIMIZERS[name]
    tex = spec.rule_tex
    assert tex.startswith("\\begin{aligned}\n") and tex.endswith("\n\\end{aligned}")
    assert balanced(tex)
    lines = tex.split(" \\\\\n")
    assert len(lines) >= 2 and all("&" in line for line in lines)
    # θ_t in terms of θ_{t−1} (FTRL sets θ_t from z_t, which holds θ_{t−1})
    assert r"\theta_t &= " in tex and r"\theta_{t-1}" in tex
    symbols = {
        "weight_decay": r"\lambda",
        "momentum": r"\mu",
        "dampening": r"\tau",
        "lr_decay": r"\eta",
        "eps": r"\epsilon",
        "alpha": r"\alpha",
        "rho": r"\rho",
        "beta1": r"\beta_1",
        "beta2": r"\beta_2",
        "momentum_decay": r"\psi",
        "lr_power": r"^{-p}",
        "initial_accumulator_value": "a_0",
        "l1": r"\lambda_1",
        "l2": r"\lambda_2",
        "beta": r"\beta",
        "centered": "centered",
        "lr": r"\gamma",
        "damping": r"\delta",
        "etaminus": r"\eta_-",
        "etaplus": r"\eta_+",
        "step_size_min": r"\Gamma_-",
        "step_size_max": r"\Gamma_+",
        "lambd": r"\lambda",
        "t0": "t_0",
        "beta2_decay": "t^{c}",
        "eps1": r"\epsilon_1",
        "eps2": r"\epsilon_2",
        "d": "/d)",
        "nesterov": "nesterov",
        "ns_steps": r"\operatorname{NS}_K",
        "history_size": "m",
        "line_search": "line search",
        "tolerance_grad": r"\tau_g",
        "tolerance_change": r"\tau_f",
        "beta3": r"\beta_3",
        "warmup_steps": "T_w",
        "r": "t^r",
        "weight_lr_power": "^{q}",
        "decouple": "decouple",
        "use_bias_correction": "bias correction",
        "safeguard_warmup": "safeguard",
        "d0": "d_0",
        "d_coef": "c_d",
        "growth_rate": r"\kappa",
    }
    for p in spec.params:
        assert symbols[p.name] in tex, (name, p.name)


@pytest.mark.parametrize("name", NAMES)
def test_record_info_tex(name):
    info = OPTIMIZERS[name].record
    assert isinstance(info, RecordInfo)
    for tex in (info.eff_lr_tex, info.step_tex, info.direction):
        if tex is not None:
            assert balanced(tex), tex
    assert info.step_tex.startswith(r"\Delta\theta = ")
    if info.eff_lr_tex is not None:
        assert info.eff_lr_tex.startswith(r"\tilde\gamma = ")
        assert r"\tilde\gamma" in info.step_tex
    if info.moment is not None:
        assert f"{info.moment}_t" in info.step_tex
