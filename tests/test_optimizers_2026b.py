"""The 2026 optimizers, part b: Lion against lion_pytorch, vectorized, on a lattice."""

from __future__ import annotations

import numpy as np
import pytest

from gradscape.optimizers import run

STARTS = {"rosenbrock": (-1.5, 2.0), "beale": (1.0, 1.5), "quadratic": (1.5, 1.0)}


def _reference(surface, cls, start, steps, **kw):
    torch = pytest.importorskip("torch")
    from gradscape.surfaces import get

    s = get(surface)
    p = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    opt = cls([p], **kw)
    out = [p.detach().numpy().copy()]
    for _ in range(steps):
        gx, gy = s.grad(*p.detach().numpy())
        p.grad = torch.tensor([gx, gy], dtype=torch.float64)
        opt.step()
        out.append(p.detach().numpy().copy())
    return np.array(out)


@pytest.mark.parametrize("surface", sorted(STARTS))
@pytest.mark.parametrize("hp", [{}, {"weight_decay": 0.1, "beta1": 0.8}])
def test_lion_equals_lion_pytorch(surface, hp):
    lion_pytorch = pytest.importorskip("lion_pytorch", reason="lion-pytorch not installed")
    lr = 0.01
    ours = run(surface, "lion", np.array(STARTS[surface]), 100, lr=lr, **hp).xy[:, 0]
    kw = {"lr": lr, "weight_decay": hp.get("weight_decay", 0.0)}
    kw["betas"] = (hp.get("beta1", 0.9), 0.99)
    ref = _reference(surface, lion_pytorch.Lion, STARTS[surface], 100, **kw)
    np.testing.assert_allclose(ours[:41], ref[:41], rtol=1e-6, atol=1e-12)
    np.testing.assert_allclose(ours, ref, rtol=1e-3, atol=1e-9)


def test_lion_on_a_lattice():
    lr = 0.01
    xy = run("rosenbrock", "lion", np.array([-1.5, 2.0]), 200, lr=lr).xy[:, 0]
    moves = np.diff(xy, axis=0) / lr
    np.testing.assert_allclose(moves, np.round(moves), atol=1e-9)
    assert np.all(np.abs(np.round(moves)) <= 1)


def test_lion_vectorized_equals_single_paths():
    rng = np.random.default_rng(0)
    starts = rng.uniform(-2, 2, (10_000, 2))
    many = run("beale", "lion", starts, 30, lr=0.01).xy
    for i in (0, 4321, 9999):
        one = run("beale", "lion", starts[i], 30, lr=0.01).xy[:, 0]
        np.testing.assert_array_equal(many[:, i], one)
