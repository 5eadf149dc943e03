"""The stepping core: update rules, batching, equivalences, convergence, validation."""

from __future__ import annotations

import inspect
from dataclasses import MISSING, fields

import numpy as np
import pytest
from reference import reference_run

from gradscape import surfaces
from gradscape.optimizers import (
    OPTIMIZERS,
    OptimizerSpec,
    RecordInfo,
    TorchRef,
    registry,
    run,
    schedules,
)

NAMES = list(OPTIMIZERS)

# A non-default value for each hyperparameter name, chosen so that its term
# visibly changes the path near START (where |∇f| is a few units). Keyed by
# hyperparameter, so a new optimizer reusing these names is covered at once.
ACTIVE = {
    "weight_decay": 0.1,
    "momentum": 0.8,
    "dampening": 0.3,
    "lr_decay": 0.05,
    "eps": 0.05,
    "alpha": 0.9,
    "centered": True,
    "rho": 0.8,
    "beta1": 0.8,
    "beta2": 0.95,
    "momentum_decay": 0.02,
    "lr_power": -0.6,
    "initial_accumulator_value": 0.5,
    "l1": 0.1,
    "l2": 0.1,
    "beta": 0.5,
    # 2026 (a): newton, rprop, asgd, adafactor, muon, lbfgs
    "damping": 1.0,
    "etaminus": 0.3,
    "etaplus": 1.5,
    "step_size_min": 1.5e-3,
    "step_size_max": 0.0022,
    "lambd": 0.05,
    "t0": 100.0,
    "beta2_decay": -0.5,
    "eps1": 3.0,
    "eps2": 2.0,
    "d": 2.0,
    "nesterov": False,
    "ns_steps": 3,
    "history_size": 2,
    "line_search": "strong_wolfe",
    "tolerance_grad": 1e-5,
    "tolerance_change": 1e-7,
    # 2026 (c): adabelief, adan, schedule_free_sgd, schedule_free_adamw, prodigy
    "beta3": 0.9,
    "warmup_steps": 5,
    "r": 1.0,
    "weight_lr_power": 1.0,
    "decouple": False,
    "use_bias_correction": True,
    "safeguard_warmup": True,
    "d0": 1e-4,
    "d_coef": 0.5,
    "growth_rate": 1.05,
}
#: Per optimizer, where a shared name's value above would not change its path
#: (Muon's ε only matters below ‖B̃‖ ≈ 4 here; its weight decay defaults to 0.1).
ACTIVE_FOR = {"muon": {"eps": 10.0, "weight_decay": 0.3}}
#: Hyperparameters that do not move this test's path: ASGD's t0 moves only the
#: average, which is not drawn; Adafactor's d (≥ 1, torch's bound) acts only once
#: RMS(g/√v) > d, which these 20 steps never reach (test_optimizers_2026a shows it acting).
#: L-BFGS's tolerances stop a path only near a stationary point (also shown there).
#: Schedule-Free's weight_lr_power cancels from c = w/Σw while the rate is constant
#: (it acts with warmup; test_optimizers_2026c shows it). Prodigy's d stays d₀ over
#: these 20 steps at lr 0.002 (the path stands almost still), so what only shapes d's
#: growth does not move it, and `decouple` acts only with weight decay (default 0);
#: test_optimizers_2026c shows those terms acting.
OFF_PATH = {
    ("prodigy", "beta3"),
    ("prodigy", "decouple"),
    ("prodigy", "safeguard_warmup"),
    ("prodigy", "d_coef"),
    ("prodigy", "growth_rate"),
    ("schedule_free_sgd", "weight_lr_power"),
    ("schedule_free_adamw", "weight_lr_power"),
    ("asgd", "t0"),
    ("adafactor", "d"),
    ("lbfgs", "tolerance_grad"),
    ("lbfgs", "tolerance_change"),
}
START = (0.9, 0.8)  # on Rosenbrock: ∇f ≈ (3.4, −2), so ε, λθ and the rest all count


def active_config(name: str) -> dict:
    own = ACTIVE_FOR.get(name, {})
    return {
        p.name: own.get(p.name, ACTIVE[p.name]) for p in OPTIMIZERS[name].params if p.name != "lr"
    }


CONFIGS = [(n, "defaults", {}) for n in NAMES] + [(n, "active", active_config(n)) for n in NAMES]
CONFIG_IDS = [f"{n}-{label}" for n, label, _ in CONFIGS]


def rosen_grad(x: float, y: float) -> tuple[float, float]:
    # Written out again on purpose: independent of surfaces.library.
    return -2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)


def rosen_value(x: float, y: float) -> float:
    return (1 - x) ** 2 + 100 * (y - x * x) ** 2


def rosen_hess(x: float, y: float) -> tuple[float, float, float]:
    return 2 - 400 * (y - x * x) + 800 * x * x, -400 * x, 200.0


@pytest.mark.parametrize(("name", "label", "hp"), CONFIGS, ids=CONFIG_IDS)
@pytest.mark.parametrize("steps", [3, 40])
def test_matches_reference_rules(name, label, hp, steps):
    lr = 0.002
    traj = run("rosenbrock", name, START, steps, lr=lr, **hp)
    expected = np.array(
        reference_run(name, rosen_grad, START, [lr] * steps, rosen_hess, rosen_value, **hp)
    )
    assert traj.diverged_at[0] == -1
    np.testing.assert_allclose(traj.xy[:, 0, :], expected, rtol=1e-11, atol=1e-13)
    moves = np.any(np.diff(expected, axis=0) != 0, axis=1)
    # Rprop stands still (in a coordinate) on the step its gradient flips there.
    assert moves.all() or (name == "rprop" and moves.mean() > 0.5), "every step should move"


@pytest.mark.parametrize("name", NAMES)
def test_active_terms_change_the_path(name):
    """Each configured term really enters the update (guards against ignored arguments)."""
    base = run("rosenbrock", name, START, 20, lr=0.002).xy[-1, 0]
    for key, value in active_config(name).items():
        if (name, key) in OFF_PATH:
            continue
        moved = run("rosenbrock", name, START, 20, lr=0.002, **{key: value}).xy[-1, 0]
        assert not np.allclose(moved, base, rtol=1e-9, atol=0), f"{name}: {key} has no effect"


@pytest.mark.parametrize("name", NAMES)
def test_schedule_feeds_each_step(name):
    sched = schedules.warmup_cosine(3, 10, start_factor=0.1, min_factor=0.05)
    traj = run("rosenbrock", name, START, 10, lr=0.002, schedule=sched)
    lrs = 0.002 * sched(np.arange(10))
    rule = OPTIMIZERS[name].lr_rule  # the optimizer's own factor of the rate, if any
    shown = (
        lrs
        if rule is None
        else rule(np.arange(10), lrs, np.r_[lrs[:1], lrs[:-1]], traj.hyperparameters)
    )
    np.testing.assert_allclose(traj.lr[:, 0], shown, rtol=1e-15)
    expected = np.array(
        reference_run(name, rosen_grad, START, lrs.tolist(), rosen_hess, rosen_value)
    )
    np.testing.assert_allclose(traj.xy[:, 0, :], expected, rtol=1e-11, atol=1e-13)


# --------------------------------------------------------------------------- equivalences
def test_adamw_without_decay_is_adam():
    a = run("rosenbrock", "adamw", START, 100, lr=0.01, weight_decay=0.0)
    b = run("rosenbrock", "adam", START, 100, lr=0.01)
    np.testing.assert_array_equal(a.xy, b.xy)


def test_adamw_decay_is_decoupled():
    """AdamW's decay does not pass through the adaptive denominator; Adam's does."""
    a = run("quadratic", "adamw", (1.0, 1.0), 30, lr=0.01, weight_decay=0.5)
    b = run("quadratic", "adam", (1.0, 1.0), 30, lr=0.01, weight_decay=0.5)
    assert not np.allclose(a.xy, b.xy)


#: The SGD family with a momentum hyperparameter, read from the registry.
SGD_WITH_MOMENTUM = [
    n
    for n, spec in OPTIMIZERS.items()
    if spec.torch is not None and spec.torch.cls == "SGD" and "momentum" in spec.param_map
]


def test_the_sgd_family_is_found():
    assert {"momentum", "nesterov"} <= set(SGD_WITH_MOMENTUM)


@pytest.mark.parametrize("name", SGD_WITH_MOMENTUM)
def test_zero_momentum_is_sgd(name):
    a = run("rosenbrock", name, START, 100, lr=1e-3, momentum=0.0, weight_decay=0.05)
    b = run("rosenbrock", "sgd", START, 100, lr=1e-3, weight_decay=0.05)
    np.testing.assert_allclose(a.xy, b.xy, rtol=1e-14)


def test_amsgrad_equals_adam_until_v_shrinks():
    steps = 300
    a = run("rosenbrock", "amsgrad", (-1.5, 2.0), steps, lr=0.01)
    b = run("rosenbrock", "adam", (-1.5, 2.0), steps, lr=0.01)
    # Replay Adam's second moment to find the first step where v decreases.
    g = np.array(surfaces.get("rosenbrock").grad(b.xy[:-1, 0, 0], b.xy[:-1, 0, 1])).T
    v = np.zeros(2)
    first_shrink = None
    for k in range(steps):
        new = 0.999 * v + 0.001 * g[k] ** 2
        if np.any(new < v) and first_shrink is None:
            first_shrink = k
        v = new
    assert first_shrink is not None and 1 < first_shrink < steps - 1
    np.testing.assert_array_equal(a.xy[: first_shrink + 1], b.xy[: first_shrink + 1])
    assert not np.allclose(a.xy[-1], b.xy[-1])


def test_rmsprop_zero_momentum_buffer_matches_plain():
    a = run("rosenbrock", "rmsprop", START, 50, lr=0.01, momentum=0.0)
    b = run("rosenbrock", "rmsprop", START, 50, lr=0.01, momentum=np.zeros(1))
    np.testing.assert_allclose(a.xy, b.xy, rtol=1e-14)


# --------------------------------------------------------------------------- batching
@pytest.mark.parametrize("name", NAMES)
def test_batch_of_learning_rates_equals_separate_runs(name):
    lrs = np.array([1e-4, 3e-3, 0.02, 0.1])
    starts = np.array([START] * 3 + [(-1.0, 1.5)])
    batch = run("rosenbrock", name, starts, 60, lr=lrs, **active_config(name))
    assert batch.lr.shape == (60, 4)
    for i, lr in enumerate(lrs):
        one = run("rosenbrock", name, starts[i], 60, lr=float(lr), **active_config(name))
        np.testing.assert_allclose(batch.xy[:, i], one.xy[:, 0], rtol=1e-13, atol=1e-15)
        np.testing.assert_allclose(batch.loss[:, i], one.loss[:, 0], rtol=1e-13, atol=1e-15)
        assert batch.diverged_at[i] == one.diverged_at[0]


@pytest.mark.parametrize("name", NAMES)
def test_every_hyperparameter_can_vary_per_path(name):
    config = active_config(name)
    floats = {k: v for k, v in config.items() if not isinstance(v, bool | str)}
    assert floats, f"{name} has no numeric hyperparameter besides lr"
    defaults = {p.name: p.default for p in OPTIMIZERS[name].params}
    per_path = {k: np.array([defaults[k], v]) for k, v in floats.items()}
    fixed = {k: v for k, v in config.items() if k not in floats}
    batch = run("rosenbrock", name, [START, START], 30, lr=0.01, **per_path, **fixed)
    first = run("rosenbrock", name, START, 30, lr=0.01, **{k: defaults[k] for k in floats}, **fixed)
    second = run("rosenbrock", name, START, 30, lr=0.01, **floats, **fixed)
    np.testing.assert_allclose(batch.xy[:, 0], first.xy[:, 0], rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(batch.xy[:, 1], second.xy[:, 0], rtol=1e-13, atol=1e-15)


# --------------------------------------------------------------------------- convergence
@pytest.mark.parametrize("name", NAMES)
def test_lowers_the_loss_on_the_bowl(name):
    bowl = surfaces.get("quadratic", condition=10, angle=30)
    traj = run(bowl, name, bowl.start, 500)
    assert traj.diverged_at[0] == -1
    assert traj.loss[-1, 0] < 0.05 * traj.loss[0, 0]


@pytest.mark.parametrize("name", NAMES)
def test_some_learning_rate_reaches_rosenbrocks_minimum(name):
    """One vectorized sweep of 48 rates: at least one ends within 5e-3 of (1, 1)."""
    lrs = np.logspace(-4, 0.5, 48)
    no_decay = {"weight_decay": 0.0} if "weight_decay" in OPTIMIZERS[name].param_map else {}
    traj = run("rosenbrock", name, np.tile([-1.5, 2.0], (lrs.size, 1)), 20_000, lr=lrs, **no_decay)
    dist = np.hypot(traj.xy[-1, :, 0] - 1, traj.xy[-1, :, 1] - 1)
    assert dist[traj.diverged_at < 0].min() < 5e-3


# --------------------------------------------------------------------------- shapes
def test_single_start_is_one_path():
    traj = run("rosenbrock", "adam", [-1.5, 2.0], 500, lr=0.05)
    assert traj.xy.shape == (501, 1, 2)
    assert traj.loss.shape == (501, 1)
    assert traj.lr.shape == (500, 1)
    assert traj.diverged_at.shape == (1,)
    np.testing.assert_array_equal(traj.xy[0, 0], [-1.5, 2.0])
    f = surfaces.get("rosenbrock").value
    np.testing.assert_allclose(traj.loss[:, 0], f(traj.xy[:, 0, 0], traj.xy[:, 0, 1]))


def test_default_lr_comes_from_the_surface():
    s = surfaces.get("rosenbrock")
    for name in NAMES:
        traj = run(s, name, s.start, 2)
        expected = s.suggested_lr(name) or OPTIMIZERS[name].default_lr
        assert traj.hyperparameters["lr"] == expected
        np.testing.assert_array_equal(traj.lr[0], expected)  # later rows: see lr_rule


@pytest.mark.parametrize("name", NAMES)
def test_registry_metadata_is_complete(name):
    spec = OPTIMIZERS[name]
    assert spec.params[0].name == "lr" and spec.params[0].log
    assert spec.label and spec.reference
    for p in spec.params:
        assert p.label and p.help, p.name
        if p.kind not in ("bool", "choice"):
            assert p.symbol and p.step and p.step > 0, p.name
            assert p.min <= p.default <= p.max
            assert not p.log or p.min > 0
    # The docstring carries the whole algorithm, tied to the argument names.
    algo = spec.algorithm
    assert "input:" in algo and "for t = 1, 2, …:" in algo
    for p in spec.params:
        assert f"({p.name}" in algo or (p.name == "centered" and "centered" in algo), p.name


def test_every_entry_says_whether_torch_optim_has_it():
    """`torch` has no default: each entry names its torch.optim class or says None."""
    assert next(f for f in fields(OptimizerSpec) if f.name == "torch").default is MISSING
    assert inspect.signature(registry._entry).parameters["torch"].default is inspect.Parameter.empty
    for name, spec in OPTIMIZERS.items():
        assert spec.torch is None or isinstance(spec.torch, TorchRef), name
        if spec.torch is None:
            assert "torch.optim" not in spec.reference, name
        else:
            assert spec.torch.qualname in spec.reference, name


def test_the_torch_mapping_names_only_the_entrys_hyperparameters():
    ok = registry._entry(
        registry.adam,
        "Adam",
        1e-3,
        "test",
        *registry._ADAM_PARAMS,
        torch=TorchRef("Adam", grouped={"betas": ("beta1", "beta2")}),
        rule="",
        record=RecordInfo(),
    )
    assert ok.torch.kwargs({"lr": 0.1, **ok.resolve({}, 1)})["betas"] == (0.9, 0.999)
    with pytest.raises(ValueError, match=r"unknown \['beta3'\]"):
        registry._entry(
            registry.adam,
            "Adam",
            1e-3,
            "test",
            *registry._ADAM_PARAMS,
            torch=TorchRef("Adam", grouped={"betas": ("beta1", "beta3")}),
            rule="",
            record=RecordInfo(),
        )
    with pytest.raises(ValueError, match=r"betas needs \['beta2'\]"):
        ok.torch.kwargs({"lr": 0.1, "beta1": 0.9})
    with pytest.raises(ValueError, match="both mapped and fixed"):
        TorchRef("Adam", fixed={"eps": 0.1}).kwargs({"eps": 1e-8})
    spelled = TorchRef(
        "LBFGS", renamed={"line_search": "line_search_fn"}, values={"line_search": {"none": None}}
    )
    assert spelled.kwargs({"line_search": "none"}) == {"line_search_fn": None}
    assert spelled.kwargs({"line_search": "strong_wolfe"}) == {"line_search_fn": "strong_wolfe"}


def test_custom_surface_without_suggestion_uses_torch_default():
    s = surfaces.get("rosenbrock")
    bare = surfaces.Surface(**{**s.__dict__, "lr": {}})
    assert run(bare, "adagrad", s.start, 2).hyperparameters["lr"] == 1e-2
    assert run(bare, "adadelta", s.start, 2).hyperparameters["lr"] == 1.0
