"""The fast Rprop and Muon transforms against their plain formulations, number by number.

Rprop picks its step-size factor bit by bit above `RPROP_MASKED_MAX`
coordinates and with masks below: both must give the plain rule's bits, also
for zero, negative zero, infinite and NaN gradients. Muon's Newton–Schulz on a
1×2 matrix runs as per-path factors (a rescaling): it must equal the explicit
iteration X ← aX + (b·s + c·s²)X to rounding, and its one-path loop (Python
floats) must give the bits of the vectorized one.
"""

from __future__ import annotations

import numpy as np
import pytest

from gradscape.optimizers import run
from gradscape.optimizers import transforms_2026a as tx26


def plain_rprop_step(u, prev, size, t, lr, em, ep, lo, hi):
    """torch.optim.Rprop's step, written with masks and boolean indexing."""
    if t == 1:
        size[...] = lr
    prod = u * prev
    factor = np.ones_like(u)
    factor[prod > 0] = np.broadcast_to(ep, u.shape)[prod > 0]
    factor[prod < 0] = np.broadcast_to(em, u.shape)[prod < 0]
    size *= factor
    np.clip(size, lo, hi, out=size)
    u[prod < 0] = 0.0
    prev[...] = u
    u[...] = np.sign(u) * size


def nasty_gradients(rng, width, steps):
    """Gradients with exact repeats, sign flips, ±0, ±inf and NaN mixed in."""
    specials = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1e-310, -1e300, 3.0, -3.0])
    out = []
    for _ in range(steps):
        g = rng.normal(size=width) * 10.0 ** rng.integers(-3, 3, width)
        pick = rng.random(width) < 0.15
        g[pick] = rng.choice(specials, pick.sum())
        out.append(g)
    return out


def bits(a):
    return np.ascontiguousarray(a).view(np.int64)


@pytest.mark.parametrize("n", [1, 5, tx26.RPROP_MASKED_MAX // 2 + 3, 2000])
@pytest.mark.parametrize("per_path", [False, True])
def test_rprop_gives_the_plain_rules_bits(n, per_path):
    rng = np.random.default_rng(n)
    width = 2 * n
    if per_path:
        half = lambda lo, hi: np.tile(rng.uniform(lo, hi, n), 2)  # noqa: E731
        hp = (half(0.2, 0.9), half(1.05, 1.8), half(1e-6, 1e-2), half(0.05, 50.0))
        lr = half(1e-4, 0.5)
    else:
        hp, lr = (0.5, 1.2, 1e-3, 0.3), 0.7  # the first step size is above the clamp
    tx = tx26.scale_by_rprop(*hp)
    params = np.zeros(width)
    state = tx.init(params)
    prev, size = np.zeros(width), np.zeros(width)
    hp64 = tuple(np.float64(v) if np.isscalar(v) else v for v in hp)
    for t, g in enumerate(nasty_gradients(rng, width, 60), start=1):
        ours, want = g.copy(), g.copy()
        with np.errstate(all="ignore"):  # as `run` steps
            assert tx.update(ours, state, params, t, lr) == -1.0
            plain_rprop_step(want, prev, size, t, lr, *hp64)
        np.testing.assert_array_equal(bits(ours[~np.isnan(want)]), bits(want[~np.isnan(want)]))
        np.testing.assert_array_equal(np.isnan(ours), np.isnan(want))
        np.testing.assert_array_equal(bits(state[1]), bits(size))
        np.testing.assert_array_equal(np.isnan(state[0]), np.isnan(prev))
        ok = ~np.isnan(prev)
        np.testing.assert_array_equal(bits(state[0][ok]), bits(prev[ok]))


def test_rprop_small_and_large_layouts_agree_on_the_same_paths():
    starts = np.random.default_rng(4).uniform(-2, 2, (tx26.RPROP_MASKED_MAX, 2))
    many = run("beale", "rprop", starts, 80, lr=0.05)
    few = run("beale", "rprop", starts[:5], 80, lr=0.05)
    np.testing.assert_array_equal(many.xy[:, :5], few.xy)


def plain_newton_schulz(x, n, steps, eps):
    """X = B̃/max(‖B̃‖, eps), then `steps` times X ← aX + (b·s + c·s²)X, s = ‖X‖²."""
    a, b, c = tx26.NS_COEFFICIENTS
    X, Y = x[:n].copy(), x[n:].copy()
    norm = np.maximum(np.sqrt(X * X + Y * Y), eps)
    X, Y = X / norm, Y / norm
    for i in range(int(np.max(steps))):
        s = X * X + Y * Y
        gram = b * s + c * (s * s)
        live = i < np.asarray(steps)
        X, Y = np.where(live, a * X + gram * X, X), np.where(live, a * Y + gram * Y, Y)
    return np.concatenate([X, Y])


@pytest.mark.parametrize("steps", [1, 3, 5, 10, "per path"])
def test_muons_rescaling_equals_the_newton_schulz_iteration(steps):
    n = 500
    rng = np.random.default_rng(7)
    eps = 1e-3
    ns = np.tile(rng.integers(1, 11, n), 2) if steps == "per path" else steps  # per coordinate
    tx = tx26.scale_by_muon(0.0, False, eps, ns, 0.0)  # momentum 0: B̃ = g
    angle, length = rng.uniform(0, 2 * np.pi, n), 10.0 ** rng.uniform(-2, 2, n)  # > eps
    g = np.concatenate([length * np.cos(angle), length * np.sin(angle)])
    g[[0, n]] = 0.0  # a zero gradient stays zero
    g[[1, n + 1]] = [3e-4, -2e-4]  # ‖B̃‖ < eps: X is not a unit vector
    want = plain_newton_schulz(g, n, ns if steps != "per path" else ns[:n], eps)
    u = g.copy()
    with np.errstate(all="ignore"):
        assert tx.update(u, tx.init(g), np.zeros(2 * n), 1, 0.1) == -0.1
    np.testing.assert_allclose(u, want, rtol=1e-14, atol=0)  # rounding only
    assert u[0] == u[n] == 0.0
    lengths = np.hypot(u[:n], u[n:])
    assert np.ptp(lengths[2:]) > 0 if steps == "per path" else np.ptp(lengths[2:]) < 1e-14


@pytest.mark.parametrize("ns_steps", [1, 5, 10])
def test_muons_one_path_loop_gives_the_vectorized_bits(ns_steps):
    starts = np.random.default_rng(9).uniform(-2, 2, (4, 2))
    hp = {"lr": 0.02, "ns_steps": ns_steps, "momentum": 0.9}
    many = run("himmelblau", "muon", starts, 60, **hp)
    for i in range(4):
        one = run("himmelblau", "muon", starts[i], 60, **hp)
        np.testing.assert_array_equal(many.xy[:, i], one.xy[:, 0])
