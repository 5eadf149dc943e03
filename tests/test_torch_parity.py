"""The core against torch.optim itself, where torch is installed (CI installs it).

Each optimizer, with its defaults and with every term active, steps several
surfaces next to the torch optimizer fed the same analytic gradient.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest
from test_optimizers import active_config

import surfaces
from optimizers import OPTIMIZERS, run, schedules

torch = pytest.importorskip("torch")


@pytest.fixture(autouse=True)
def float64_torch():
    """torch keeps scalar state (NAdam's μ-product, step counts) in the default dtype."""
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(old)


# Our registry name -> (torch class, fixed keyword arguments).
TORCH = {
    "sgd": ("SGD", {}),
    "momentum": ("SGD", {}),
    "nesterov": ("SGD", {"nesterov": True}),
    "adagrad": ("Adagrad", {}),
    "rmsprop": ("RMSprop", {}),
    "adadelta": ("Adadelta", {}),
    "adam": ("Adam", {}),
    "amsgrad": ("Adam", {"amsgrad": True}),
    "adamw": ("AdamW", {}),
    "adamax": ("Adamax", {}),
    "nadam": ("NAdam", {}),
    "radam": ("RAdam", {}),
}
#: Registered optimizers torch.optim does not have: FTRL is Keras's, checked against the
#: published update in tests/test_data.py.
NOT_IN_TORCH = {"ftrl"}
WITH_TORCH = [name for name in OPTIMIZERS if name not in NOT_IN_TORCH]


def torch_kwargs(name, hp):
    cls_name, fixed = TORCH[name]
    kw = dict(fixed)
    if name == "momentum":
        kw["momentum"] = 0.9
    if name == "nesterov":
        kw["momentum"] = 0.9
    for key, value in hp.items():
        if key in ("beta1", "beta2"):
            continue
        kw[key] = value
    if "beta1" in hp or "beta2" in hp:
        kw["betas"] = (hp.get("beta1", 0.9), hp.get("beta2", 0.999))
    return getattr(torch.optim, cls_name), kw


def torch_path(surface, name, start, steps, lr, hp, clip_norm=None, lrs=None):
    cls, kw = torch_kwargs(name, hp)
    p = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    opt = cls([p], lr=lr, **kw)
    out = [p.detach().numpy().copy()]
    for k in range(steps):
        if lrs is not None:
            for group in opt.param_groups:
                group["lr"] = lrs[k]
        x, y = p.detach().numpy()
        p.grad = torch.tensor(np.array(surface.grad(x, y), dtype=np.float64))
        if clip_norm is not None:
            torch.nn.utils.clip_grad_norm_([p], clip_norm)
        opt.step()
        out.append(p.detach().numpy().copy())
    return np.array(out)


CASES = [
    pytest.param(name, label, id=f"{name}-{label}")
    for name in WITH_TORCH
    for label in ("defaults", "active")
]
SURFACE_CASES = [
    ("rosenbrock", {}, (-1.2, 1.4), 2e-3),
    ("beale", {}, (1.0, 1.5), 1e-3),
    ("quadratic", {"condition": 20.0, "angle": 35.0}, (-2.0, 1.5), 1e-2),
]


def test_every_optimizer_has_a_torch_counterpart():
    assert set(TORCH) == set(WITH_TORCH)


@pytest.mark.parametrize(("name", "label"), CASES)
@pytest.mark.parametrize(("sname", "params", "start", "lr"), SURFACE_CASES, ids=lambda v: str(v))
def test_matches_torch(name, label, sname, params, start, lr):
    s = surfaces.get(sname, **params)
    hp = {} if label == "defaults" else active_config(name)
    steps = 60
    traj = run(s, name, start, steps, lr=lr, **hp)
    assert not traj.diverged.any()
    ours = traj.xy[:, 0]
    theirs = torch_path(s, name, start, steps, lr, hp)
    np.testing.assert_allclose(ours, theirs, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("name", ["sgd", "momentum", "adam", "rmsprop"])
def test_matches_torch_with_clipping_and_schedule(name):
    s = surfaces.get("rosenbrock")
    sched = schedules.warmup_cosine(5, 40, start_factor=0.2, min_factor=0.1)
    lrs = (1e-3 * sched(np.arange(40))).tolist()
    ours = run(s, name, (-1.5, 2.0), 40, lr=1e-3, schedule=sched, clip_norm=3.0).xy[:, 0]
    theirs = torch_path(s, name, (-1.5, 2.0), 40, 1e-3, {}, clip_norm=3.0, lrs=lrs)
    np.testing.assert_allclose(ours, theirs, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("name", WITH_TORCH)
def test_defaults_are_torchs(name):
    cls, _ = torch_kwargs(name, {})
    sig = inspect.signature(cls.__init__).parameters
    spec = OPTIMIZERS[name]
    assert spec.default_lr == sig["lr"].default
    for p in spec.params[1:]:
        if p.name in ("beta1", "beta2"):
            torch_default = sig["betas"].default[0 if p.name == "beta1" else 1]
        elif p.name == "momentum" and name in ("momentum", "nesterov"):
            continue  # torch's SGD defaults to 0 (plain SGD); ours names momentum 0.9
        else:
            torch_default = sig[p.name].default
        assert p.default == torch_default, p.name


def test_torch_schedulers_agree_with_closed_forms():
    p = torch.zeros(1, requires_grad=True)
    cases = [
        (schedules.step(7, 0.5), lambda o: torch.optim.lr_scheduler.StepLR(o, 7, 0.5)),
        (schedules.exponential(0.97), lambda o: torch.optim.lr_scheduler.ExponentialLR(o, 0.97)),
        (
            schedules.cosine(30, 0.1),  # past t_max torch's cosine rises again, as ours
            lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, 30, eta_min=0.1),
        ),
        (
            schedules.warmup(10, 0.25),
            lambda o: torch.optim.lr_scheduler.LinearLR(o, 0.25, 1.0, total_iters=10),
        ),
        (
            schedules.warmup_cosine(10, 40, start_factor=0.25, min_factor=0.1),
            lambda o: torch.optim.lr_scheduler.SequentialLR(
                o,
                [
                    torch.optim.lr_scheduler.LinearLR(o, 0.25, 1.0, total_iters=10),
                    torch.optim.lr_scheduler.CosineAnnealingLR(o, 30, eta_min=0.1),
                ],
                milestones=[10],
            ),
        ),
    ]
    for ours, make in cases:
        opt = torch.optim.SGD([p], lr=1.0)
        sched = make(opt)
        theirs = []
        for _ in range(40):
            theirs.append(opt.param_groups[0]["lr"])
            opt.step()
            sched.step()
        np.testing.assert_allclose(
            ours(np.arange(40)), theirs, rtol=1e-12, atol=1e-14, err_msg=ours.name
        )
