"""The core against torch.optim itself and the pinned reference packages (CI installs them).

Every registry entry that names a reference class (``spec.torch``: torch.optim's,
or pytorch_optimizer's, schedulefree's, prodigyopt's, lion_pytorch's), with its
defaults and with every term active, steps several surfaces next to that
optimizer fed the same analytic gradient. The reference optimizer is built from
the entry alone (module, class, keyword mapping and what is drawn), so a new
entry is covered by adding it.
"""

from __future__ import annotations

import inspect
from dataclasses import replace

import numpy as np
import pytest
from test_optimizers import active_config

from gradscape import surfaces
from gradscape.optimizers import OPTIMIZERS, TorchRef, run, schedules

torch = pytest.importorskip("torch")


@pytest.fixture(autouse=True)
def float64_torch(monkeypatch):
    """torch keeps scalar state (NAdam's μ-product, step counts) in the default dtype.

    Muon's Newton–Schulz runs in float64 as Gradscape's (torch's is bfloat16;
    OPTIMIZERS-2026.md's hook).
    """
    from test_optimizers_2026a import float64_newton_schulz

    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    monkeypatch.setattr(torch.optim._muon, "_zeropower_via_newtonschulz", float64_newton_schulz)
    yield
    torch.set_default_dtype(old)


def with_torch() -> list[str]:
    """Every registered optimizer that names a reference class: the parity cases."""
    return [name for name, spec in OPTIMIZERS.items() if spec.torch is not None]


WITH_TORCH = with_torch()


def torch_class(ref: TorchRef):
    """The reference class, from torch.optim or its package (skips if the package is missing)."""
    module = (
        torch.optim
        if ref.module == "torch.optim"
        else pytest.importorskip(ref.module, reason=f"{ref.module} is not installed")
    )
    return getattr(module, ref.cls)


def drawn_point(ref: TorchRef, opt, p) -> np.ndarray:
    """The point Gradscape draws for the reference optimizer's state.

    ``"schedule_free_x"``: the parameter holds y while training; x is
    y.lerp(z, 1 − 1/β), what the package's ``.eval()`` puts there (read from a
    copy, so that training goes on from y untouched).
    """
    if ref.draws == "schedule_free_x" and "z" in opt.state[p]:
        group = opt.param_groups[0]
        beta = group["momentum"] if "momentum" in group else group["betas"][0]
        return p.detach().lerp(opt.state[p]["z"], 1 - 1 / beta).numpy().reshape(2).copy()
    return p.detach().numpy().reshape(2).copy()


def torch_path(traj, surface, start, lrs=None, clip_norm=None):
    """The torch counterpart of `traj`'s optimizer, fed the same analytic gradient.

    Built from the registry entry alone: its class and keyword arguments come
    from ``spec.torch.kwargs`` of the hyperparameters `traj` resolved, the
    parameter has ``spec.torch.shape``. Each step is ``step(closure)``, the
    closure setting the (clipped) gradient and returning the loss, as every
    torch optimizer accepts (and LBFGS needs).
    """
    ref = OPTIMIZERS[traj.optimizer].torch
    p = torch.tensor(start, dtype=torch.float64).reshape(ref.shape).requires_grad_()
    opt = torch_class(ref)([p], **ref.kwargs(traj.hyperparameters))
    if ref.draws == "schedule_free_x":
        opt.train()  # the packages step only in train mode

    def closure():
        x, y = p.detach().numpy().reshape(2)
        p.grad = torch.tensor(np.array(surface.grad(x, y), dtype=np.float64)).reshape(ref.shape)
        if clip_norm is not None:
            torch.nn.utils.clip_grad_norm_([p], clip_norm)
        return torch.tensor(float(surface.value(x, y)))

    out = [drawn_point(ref, opt, p)]
    for k in range(traj.steps):
        if lrs is not None:
            for group in opt.param_groups:
                group["lr"] = lrs[k]
        opt.step(closure)
        out.append(drawn_point(ref, opt, p))
    return np.array(out)


#: L-BFGS divides by differences of nearby gradients: rounding of the last bit
#: grows step by step (its contract: 1e-6 relative over 40 steps, 1e-3 over 100;
#: these cases run 60; test_optimizers_2026a checks the contract's numbers).
TOLERANCE = {"lbfgs": {"rtol": 1e-4, "atol": 1e-9}}
EXACT = {"rtol": 1e-13, "atol": 1e-15}

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


def test_the_parity_cases_cover_every_entry_with_a_torch_counterpart():
    assert WITH_TORCH, "no optimizer names a torch counterpart"
    assert {c.values[0] for c in CASES} == set(with_torch())


def test_every_2026_optimizer_with_a_reference_package_is_a_parity_case():
    """Entries pinned to a package (not torch.optim) are in the generic cases, not hand lists."""
    packaged = {n for n, s in OPTIMIZERS.items() if s.torch and s.torch.module != "torch.optim"}
    assert {"lion", "adabelief", "adan", "schedule_free_sgd", "schedule_free_adamw"} <= packaged
    assert "prodigy" in packaged and packaged <= set(WITH_TORCH)


@pytest.mark.parametrize(("name", "label"), CASES)
@pytest.mark.parametrize(("sname", "params", "start", "lr"), SURFACE_CASES, ids=lambda v: str(v))
def test_matches_torch(name, label, sname, params, start, lr):
    s = surfaces.get(sname, **params)
    hp = {} if label == "defaults" else active_config(name)
    traj = run(s, name, start, 60, lr=lr, **hp)
    assert not traj.diverged.any()
    theirs = torch_path(traj, s, start)
    np.testing.assert_allclose(traj.xy[:, 0], theirs, **TOLERANCE.get(name, EXACT))


@pytest.mark.parametrize("name", WITH_TORCH)
def test_matches_torch_with_clipping_and_schedule(name):
    s = surfaces.get("rosenbrock")
    sched = schedules.warmup_cosine(5, 40, start_factor=0.2, min_factor=0.1)
    lrs = (1e-3 * sched(np.arange(40))).tolist()
    traj = run(s, name, (-1.5, 2.0), 40, lr=1e-3, schedule=sched, clip_norm=3.0)
    theirs = torch_path(traj, s, (-1.5, 2.0), lrs=lrs, clip_norm=3.0)
    # a path that leaves the map is frozen there (L-BFGS on clipped gradients can)
    k = traj.diverged_at[0] if traj.diverged_at[0] >= 0 else None
    np.testing.assert_allclose(traj.xy[:k, 0], theirs[:k], **TOLERANCE.get(name, EXACT))


@pytest.mark.parametrize("name", WITH_TORCH)
def test_the_claimed_torch_class_exists_and_takes_every_mapped_argument(name):
    ref = OPTIMIZERS[name].torch
    cls = torch_class(ref)
    assert isinstance(cls, type) and issubclass(cls, torch.optim.Optimizer), ref.qualname
    spec = OPTIMIZERS[name]
    sig = inspect.signature(cls.__init__).parameters
    defaults = {"lr": spec.default_lr, **spec.resolve({}, 1)}
    unknown = sorted(set(ref.kwargs(defaults)) - set(sig))
    assert not unknown, f"{ref.qualname} takes no {unknown}"


@pytest.mark.parametrize("name", WITH_TORCH)
def test_defaults_are_torchs(name):
    """Each hyperparameter's default is torch's, unless the entry says why not."""
    spec = OPTIMIZERS[name]
    ref = spec.torch
    sig = inspect.signature(torch_class(ref).__init__).parameters
    for p in spec.params:
        key, i = ref.keyword(p.name)
        theirs = sig[key].default if i is None else sig[key].default[i]
        spelled = {v: k for k, v in ref.values.get(p.name, {}).items()}  # "none" for None
        theirs = spelled.get(theirs, theirs)
        if p.name in ref.own_defaults:
            assert p.default != theirs, f"{p.name}: own_defaults lists a default equal to torch's"
        else:
            assert p.default == theirs, p.name


def test_an_optimizer_without_a_torch_counterpart_is_welcome(monkeypatch):
    """An entry saying torch=None runs, and the parity cases leave it out."""
    plain = OPTIMIZERS["sgd"]
    other = replace(plain, name="plain_sgd", reference="a test of the registry", torch=None)
    monkeypatch.setitem(OPTIMIZERS, "plain_sgd", other)
    a = run("rosenbrock", "plain_sgd", (-1.5, 2.0), 5, lr=1e-3)
    np.testing.assert_array_equal(a.xy, run("rosenbrock", "sgd", (-1.5, 2.0), 5, lr=1e-3).xy)
    assert "plain_sgd" not in with_torch() and "sgd" in with_torch()


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
