"""The 2026 optimizers, part c: AdaBelief, Adan, Schedule-Free SGD/AdamW and Prodigy.

Against their reference packages (pytorch-optimizer, schedulefree, prodigyopt) in
float64 over 100 steps at rates where the paths travel, with several
configurations each, and the quirks OPTIMIZERS-2026.md lists: first steps,
Schedule-Free's x, y and z, Prodigy's d, skipped steps, vectorization.
"""

from __future__ import annotations

import numpy as np
import pytest

from gradscape import surfaces
from gradscape.optimizers import OPTIMIZERS, run, schedules

torch = pytest.importorskip("torch")

NEW = ["adabelief", "adan", "schedule_free_sgd", "schedule_free_adamw", "prodigy"]
SURFACES = {
    "rosenbrock": ({}, (-1.2, 1.4)),
    "beale": ({}, (1.0, 1.5)),
    "quadratic": ({"condition": 20.0, "angle": 35.0}, (-2.0, 1.5)),
}
#: Several configurations per optimizer, at rates where the paths travel far.
CONFIGS = {
    "adabelief": [
        {"lr": 0.01},
        {"lr": 0.03, "beta1": 0.8, "beta2": 0.95, "eps": 1e-8, "weight_decay": 0.1},
        {"lr": 0.1, "beta1": 0.5, "eps": 1e-3},
    ],
    "adan": [
        {"lr": 0.01},
        {"lr": 0.03, "beta1": 0.9, "beta2": 0.8, "beta3": 0.95, "eps": 1e-6, "weight_decay": 0.1},
        {"lr": 0.03, "beta2": 0.5, "beta3": 0.9},
    ],
    "schedule_free_sgd": [
        {"lr": 1e-3},
        {
            "lr": 2e-3,
            "momentum": 0.8,
            "weight_decay": 0.1,
            "warmup_steps": 10,
            "r": 1.0,
            "weight_lr_power": 1.0,
        },
        {"lr": 5e-4, "momentum": 0.5, "warmup_steps": 30},
    ],
    "schedule_free_adamw": [
        {"lr": 0.01},
        {
            "lr": 0.03,
            "beta1": 0.8,
            "beta2": 0.95,
            "eps": 1e-6,
            "weight_decay": 0.1,
            "warmup_steps": 10,
            "r": 0.5,
            "weight_lr_power": 1.0,
        },
        {"lr": 0.1, "beta1": 0.95, "warmup_steps": 50},
    ],
    "prodigy": [
        {"lr": 1.0},
        {
            "lr": 0.5,
            "beta1": 0.8,
            "beta2": 0.95,
            "beta3": 0.9,
            "eps": 1e-6,
            "weight_decay": 0.1,
            "use_bias_correction": True,
            "safeguard_warmup": True,
            "d0": 1e-4,
            "d_coef": 0.5,
            "growth_rate": 1.05,
        },
        {"lr": 0.3, "weight_decay": 0.05, "decouple": False, "beta1": 0.0},
    ],
}
PARITY = [
    pytest.param(name, i, sname, id=f"{name}-{i}-{sname}")
    for name in NEW
    for i in range(len(CONFIGS[name]))
    for sname in SURFACES
]


@pytest.fixture(autouse=True)
def float64_torch():
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(old)


def reference_path(traj, surface, start, lrs=None, noise=None, clip_norm=None):
    """The reference package's drawn points, fed the same (noisy, clipped) gradients."""
    from test_torch_parity import drawn_point, torch_class

    ref = OPTIMIZERS[traj.optimizer].torch
    p = torch.tensor(start, dtype=torch.float64).requires_grad_()
    opt = torch_class(ref)([p], **ref.kwargs(traj.hyperparameters))
    if ref.draws == "schedule_free_x":
        opt.train()
    k = [0]

    def closure():
        x, y = p.detach().numpy()
        g = np.array(surface.grad(x, y), dtype=np.float64)
        if noise is not None:
            g = g + noise[k[0]]
        p.grad = torch.tensor(g)
        if clip_norm is not None:
            torch.nn.utils.clip_grad_norm_([p], clip_norm)
        return torch.tensor(float(surface.value(x, y)))

    out = [drawn_point(ref, opt, p)]
    for step in range(traj.steps):
        if lrs is not None:
            opt.param_groups[0]["lr"] = lrs[step]
        opt.step(closure)
        k[0] += 1
        out.append(drawn_point(ref, opt, p))
    return np.array(out)


def assert_contract(ours, theirs):
    """OPTIMIZERS-2026.md / issue 14: 1e-10 over the first 40 steps, 1e-6 over 100."""
    scale = np.maximum(np.abs(theirs), 1.0)
    assert np.max(np.abs(ours[:41] - theirs[:41]) / scale[:41]) <= 1e-10
    assert np.max(np.abs(ours - theirs) / scale) <= 1e-6


@pytest.mark.parametrize(("name", "i", "sname"), PARITY)
def test_equals_the_reference_package(name, i, sname):
    params, start = SURFACES[sname]
    s = surfaces.get(sname, **params)
    traj = run(s, name, start, 100, **CONFIGS[name][i])
    assert traj.diverged_at[0] == -1
    theirs = reference_path(traj, s, start)
    assert_contract(traj.xy[:, 0], theirs)
    # the paths travel: this is not two standing points agreeing
    assert np.hypot(*(theirs[-1] - theirs[0])) > 1e-3


@pytest.mark.parametrize("name", NEW)
def test_noise_clipping_and_a_schedule_reach_the_rule_as_in_the_package(name):
    """Schedule-Free takes its gradient at y: noise and clipping must apply there too."""
    s = surfaces.get("rosenbrock")
    start, steps, sigma, seed = (-1.2, 1.4), 80, 0.5, 4
    sched = schedules.warmup_cosine(10, steps, start_factor=0.1, min_factor=0.2)
    lr = {"schedule_free_sgd": 1e-3, "prodigy": 0.5}.get(name, 0.02)
    traj = run(s, name, start, steps, lr=lr, schedule=sched, noise=sigma, seed=seed, clip_norm=20.0)
    z = np.random.default_rng(seed).standard_normal((steps, 2, 1))[:, :, 0] * sigma
    lrs = (lr * sched(np.arange(steps))).tolist()
    theirs = reference_path(traj, s, start, lrs=lrs, noise=z, clip_norm=20.0)
    assert_contract(traj.xy[:, 0], theirs)


# --------------------------------------------------------------------------- first steps
def first_step(name, start=(-1.2, 1.4), **hp):
    s = surfaces.get("rosenbrock")
    traj = run(s, name, start, 1, **hp)
    return traj.xy[1, 0] - traj.xy[0, 0], np.array(s.grad(*start))


def test_adabelief_first_step_is_lr_over_beta1():
    step, g = first_step("adabelief", lr=0.01)
    np.testing.assert_allclose(step, -0.01 / 0.9 * np.sign(g), rtol=1e-9)


def test_adan_first_step_is_a_sign_step():
    step, g = first_step("adan", lr=0.01)
    np.testing.assert_allclose(step, -0.01 * np.sign(g), rtol=1e-8)  # ε/|g| = 1.25e-9


def test_schedule_free_first_step_is_one_plain_step():
    step, g = first_step("schedule_free_sgd", lr=1e-3)
    np.testing.assert_allclose(step, -1e-3 * g, rtol=1e-12)
    step, g = first_step("schedule_free_adamw", lr=0.01)
    np.testing.assert_allclose(step, -0.01 * np.sign(g), rtol=1e-6)


def test_prodigy_first_step_is_about_3_16_d0_lr():
    step, g = first_step("prodigy", lr=1.0)
    np.testing.assert_allclose(np.abs(step), 1e-6 / np.sqrt(1e-3) * 1e-1, rtol=1e-4)
    assert np.all(np.sign(step) == -np.sign(g))


# --------------------------------------------------------------------------- schedule-free
@pytest.mark.parametrize("name", ["schedule_free_sgd", "schedule_free_adamw"])
def test_schedule_free_records_y_and_z_and_x_averages_z(name):
    s = surfaces.get("beale")
    lr = 2e-3 if name == "schedule_free_sgd" else 0.02
    beta = 0.9
    traj = run(s, name, [(1.0, 1.5), (2.0, 0.2)], 60, lr=lr, record=True)
    ex = traj.extras
    assert set(ex) == {"y", "z", "grad_y"}
    x, y, z = traj.xy, ex["y"], ex["z"]
    assert y.shape == z.shape == (60, 2, 2)
    z_before = np.concatenate([x[:1], z[:-1]])
    np.testing.assert_allclose(y, (1 - beta) * z_before + beta * x[:-1], rtol=1e-12, atol=1e-14)
    gx, gy = s.grad(y[..., 0], y[..., 1])
    np.testing.assert_allclose(ex["grad_y"], np.stack([gx, gy], -1), rtol=1e-12)
    # constant rate, r = 0: c_t = 1/t, so x is the plain mean of z_1 … z_t
    t = np.arange(1, 61)[:, None, None]
    np.testing.assert_allclose(x[1:], np.cumsum(z, axis=0) / t, rtol=1e-10, atol=1e-12)
    # the gradient is not taken at the drawn point
    assert not np.allclose(y[5:], x[5:-1])
    # a plain run keeps no history
    assert run(s, name, (1.0, 1.5), 60, lr=lr).extras is None


@pytest.mark.parametrize("name", ["schedule_free_sgd", "schedule_free_adamw"])
def test_schedule_free_lr_is_the_warmed_up_rate_and_weight_lr_power_acts_with_warmup(name):
    traj = run("beale", name, (1.0, 1.5), 30, lr=1e-3, warmup_steps=10)
    t = np.arange(1, 31)
    np.testing.assert_allclose(traj.lr[:, 0], 1e-3 * np.minimum(1, t / 10), rtol=1e-15)
    a = run("beale", name, (1.0, 1.5), 30, lr=1e-3, warmup_steps=10, weight_lr_power=0.0)
    b = run("beale", name, (1.0, 1.5), 30, lr=1e-3, warmup_steps=10)
    assert not np.allclose(a.xy[-1], b.xy[-1], rtol=1e-9, atol=0)
    c = run("beale", name, (1.0, 1.5), 30, lr=1e-3, weight_lr_power=0.0)
    d = run("beale", name, (1.0, 1.5), 30, lr=1e-3)
    np.testing.assert_allclose(c.xy, d.xy, rtol=1e-13)  # no warmup: it cancels


# --------------------------------------------------------------------------- prodigy
def test_prodigy_learns_d_which_never_shrinks():
    traj = run("rosenbrock", "prodigy", [(-1.2, 1.4), (0.5, -0.5)], 200, lr=1.0, record=True)
    d, d_lr = traj.extras["d"], traj.extras["d_lr"]
    assert d.shape == d_lr.shape == (200, 2)
    assert np.all(np.diff(d, axis=0) >= 0)
    assert np.all(d[-1] > 1e3 * 1e-6)  # grown by orders of magnitude from d0
    d_before = np.concatenate([np.full((1, 2), 1e-6), d[:-1]])
    np.testing.assert_allclose(d_lr, d_before * 1.0, rtol=1e-15)
    # the path first stands almost still, then travels
    moved = np.hypot(*(traj.xy[:, 0] - traj.xy[0, 0]).T)
    assert moved[1] < 1e-5 and moved[-1] > 0.5


@pytest.mark.parametrize(
    "hp",
    [
        {"beta3": 0.9},
        {"d_coef": 0.5},
        {"growth_rate": 1.05},
        {"safeguard_warmup": True},
        {"decouple": False, "weight_decay": 0.1},
    ],
    ids=lambda hp: next(iter(hp)),
)
def test_prodigys_d_terms_act_once_d_grows(hp):
    kw = {"weight_decay": 0.1} if "decouple" in hp else {}
    # at lr = 1 safeguard_warmup's d equals d·γ: use another rate
    base = run("rosenbrock", "prodigy", (-1.2, 1.4), 100, lr=0.5, **kw).xy[-1, 0]
    moved = run("rosenbrock", "prodigy", (-1.2, 1.4), 100, lr=0.5, **hp).xy[-1, 0]
    assert not np.allclose(moved, base, rtol=1e-6, atol=0)


def test_prodigy_skips_a_step_whose_rate_is_zero_as_the_package():
    """A schedule starting at 0: the step is skipped and k is not advanced (bias correction)."""
    s = surfaces.get("beale")
    sched = schedules.warmup(5, 0.0)
    traj = run(s, "prodigy", (1.0, 1.5), 60, lr=1.0, schedule=sched, use_bias_correction=True)
    np.testing.assert_array_equal(traj.xy[1, 0], traj.xy[0, 0])
    lrs = sched(np.arange(60)).tolist()
    assert_contract(traj.xy[:, 0], reference_path(traj, s, (1.0, 1.5), lrs=lrs))


def test_prodigy_stands_still_at_a_stationary_start():
    traj = run("rosenbrock", "prodigy", (1.0, 1.0), 10, lr=1.0, record=True)
    np.testing.assert_array_equal(traj.xy[:, 0], np.ones((11, 2)))
    np.testing.assert_array_equal(traj.extras["d_lr"][:, 0], 0.0)


# --------------------------------------------------------------------------- vectorized
@pytest.mark.parametrize("name", NEW)
def test_vectorized_over_ten_thousand_paths_equals_single_runs(name):
    rng = np.random.default_rng(1)
    starts = rng.uniform(-2, 2, (10_000, 2))
    lr = OPTIMIZERS[name].default_lr * np.geomspace(0.01, 1.0, 10_000)
    many = run("beale", name, starts, 25, lr=lr)
    for i in (0, 4321, 9999):
        one = run("beale", name, starts[i], 25, lr=float(lr[i]))
        np.testing.assert_allclose(many.xy[:, i], one.xy[:, 0], rtol=1e-13, atol=1e-15)
