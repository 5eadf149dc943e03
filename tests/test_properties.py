"""Property tests: random starts and hyperparameters inside the registry's ranges."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gradscape import surfaces
from gradscape.optimizers import OPTIMIZERS, run, schedules


def param_value(param):
    """A value inside `param`'s range (log-uniform where the slider is logarithmic)."""
    if param.kind == "bool":
        return st.booleans()
    if param.kind == "choice":
        return st.sampled_from(param.choices)
    if param.kind == "int":
        return st.integers(int(param.min), int(param.max))
    if param.log:
        lo, hi = np.log10(param.min), np.log10(param.max)
        return st.floats(lo, hi).map(lambda e: float(np.clip(10.0**e, param.min, param.max)))
    return st.floats(param.min, param.max)


@st.composite
def runs(draw):
    name = draw(st.sampled_from(sorted(OPTIMIZERS)))
    surface = surfaces.get(draw(st.sampled_from(sorted(surfaces.SURFACES))))
    n = draw(st.integers(1, 4))
    x0, x1, y0, y1 = surface.view
    starts = np.array(
        [[draw(st.floats(x0, x1)), draw(st.floats(y0, y1))] for _ in range(n)], dtype=float
    )
    hp = {}
    for p in OPTIMIZERS[name].params:
        if draw(st.booleans()):
            continue  # keep the default
        if p.kind == "float" and n > 1 and draw(st.booleans()):
            hp[p.name] = np.array([draw(param_value(p)) for _ in range(n)])
        else:
            hp[p.name] = draw(param_value(p))
    extra = {}
    if draw(st.booleans()):
        extra["noise"] = draw(st.floats(0, 10))
        extra["seed"] = draw(st.integers(0, 2**31))
    if draw(st.booleans()):
        extra["clip_norm"] = draw(st.floats(1e-3, 100))
    if draw(st.booleans()):
        extra["schedule"] = schedules.warmup_cosine(3, 30, start_factor=0.1)
    steps = draw(st.integers(1, 40))
    return surface, name, starts, steps, hp, extra


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(runs())
def test_shapes_and_finiteness(case):
    surface, name, starts, steps, hp, extra = case
    traj = run(surface, name, starts, steps, **hp, **extra)
    n = starts.shape[0]
    assert traj.xy.shape == (steps + 1, n, 2)
    assert traj.loss.shape == (steps + 1, n)
    assert traj.lr.shape == (steps, n)
    assert traj.diverged_at.shape == (n,)
    assert traj.xy.dtype == traj.loss.dtype == traj.lr.dtype == np.float64
    np.testing.assert_array_equal(traj.xy[0], starts)
    assert np.all(traj.lr >= 0) and np.all(traj.lr[0] > 0)
    x0, x1, y0, y1 = surface.bound
    for i, k in enumerate(traj.diverged_at):
        assert -1 <= k <= steps
        good = steps + 1 if k < 0 else k
        assert np.all(np.isfinite(traj.xy[:good, i]))
        assert np.all(np.isfinite(traj.loss[:good, i]))
        x, y = traj.xy[:good, i, 0], traj.xy[:good, i, 1]
        assert np.all((x >= x0) & (x <= x1) & (y >= y0) & (y <= y1))
        if k > 0:
            assert np.all(traj.xy[k:, i] == traj.xy[k - 1, i])
    np.testing.assert_allclose(
        traj.loss[:, :], surface.value(traj.xy[..., 0], traj.xy[..., 1]), rtol=1e-12
    )
