"""run_final: only where each path ends, equal to what run() gives for the same arguments."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from gradscape import surfaces
from gradscape.optimizers import OPTIMIZERS, Final, core, run, run_final, schedules

TOL = 1e-3


def derived(traj, minima, tol=TOL):
    """nearest and reached_at of every path of a Trajectory, as app/compute.py computes them.

    Diverged paths (and surfaces without minima) get −1 for both, as in `Final`.
    """
    nearest = np.full(traj.n, -1)
    reached = np.full(traj.n, -1)
    for i in range(traj.n):
        if traj.diverged_at[i] >= 0 or not len(minima):
            continue
        x, y = traj.xy[:, i, 0], traj.xy[:, i, 1]
        d_end = np.hypot(minima[:, 0] - x[-1], minima[:, 1] - y[-1])
        j = int(np.argmin(d_end))
        nearest[i] = j
        close = np.hypot(x - minima[j, 0], y - minima[j, 1]) <= tol
        if close[-1]:
            outside = np.flatnonzero(~close)
            reached[i] = int(outside[-1] + 1) if outside.size else 0
    return nearest, reached


def surface_minima(s):
    return np.array([(m.x, m.y) for m in s.minima], dtype=float).reshape(-1, 2)


def random_starts(s, n, seed=0):
    x0, x1, y0, y1 = s.view
    return np.random.default_rng(seed).uniform((x0, y0), (x1, y1), size=(n, 2))


def assert_same(final, traj, minima, tol=TOL):
    np.testing.assert_array_equal(final.diverged_at, traj.diverged_at)
    np.testing.assert_array_equal(final.xy, traj.xy[-1])
    np.testing.assert_array_equal(final.loss, traj.loss[-1])
    nearest, reached = derived(traj, minima, tol)
    np.testing.assert_array_equal(final.nearest, nearest)
    np.testing.assert_array_equal(final.reached_at, reached)


CASES = [
    ("himmelblau", "adam", {}),
    ("himmelblau", "momentum", {"lr": 0.02}),  # half of them diverge
    ("rosenbrock", "sgd", {"lr": np.geomspace(1e-4, 1e-2, 500)}),  # the fast ones diverge
    ("goldstein_price", "rmsprop", {"lr": 0.05, "centered": True}),
    ("six_hump_camel", "nadam", {"lr": 0.05}),
    ("rastrigin", "radam", {"lr": 0.05, "beta2": np.linspace(0.9, 0.999, 500)}),
    ("quadratic", "adagrad", {"lr": 1.0}),
    ("saddle", "adadelta", {"lr": 5.0}),  # no minima; they leave
    ("styblinski_tang", "amsgrad", {"lr": 0.3}),
    ("beale", "nesterov", {"lr": 1e-3}),
]


@pytest.mark.parametrize("chunk", [128, None])
@pytest.mark.parametrize(("surface", "name", "hp"), CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_equals_run(surface, name, hp, chunk, monkeypatch):
    if chunk is not None:
        monkeypatch.setattr(core, "FINAL_CHUNK", chunk)
    s = surfaces.get(surface)
    starts = random_starts(s, 500)
    final = run_final(s, name, starts, 300, **hp)
    traj = run(s, name, starts, 300, **hp)
    assert_same(final, traj, surface_minima(s))
    assert final.n == 500 and final.steps == 300
    np.testing.assert_array_equal(final.minima, surface_minima(s))


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_every_optimizer_equals_run_in_chunks(name, monkeypatch):
    """Every registry entry, not only those of CASES: chunked stepping changes nothing."""
    monkeypatch.setattr(core, "FINAL_CHUNK", 128)
    s = surfaces.get("himmelblau")
    starts = random_starts(s, 300, seed=2)
    final = run_final(s, name, starts, 100)
    assert_same(final, run(s, name, starts, 100), surface_minima(s))


def test_the_cases_cover_divergence_and_arrival():
    diverged = reached = 0
    for surface, name, hp in CASES:
        f = run_final(surface, name, random_starts(surfaces.get(surface), 500), 300, **hp)
        diverged += f.diverged.sum()
        reached += (f.reached_at > 0).sum()
    assert diverged > 500 and reached > 500


def test_equals_run_with_the_whole_pipeline(monkeypatch):
    monkeypatch.setattr(core, "FINAL_CHUNK", 100)
    s = surfaces.get("himmelblau")
    starts = random_starts(s, 450, seed=5)
    kwargs = {
        "schedule": schedules.warmup_cosine(20, 200, 0.1, 0.05),
        "clip_norm": np.linspace(1.0, 100.0, 450),
        "clip_value": 30.0,
        "noise": np.linspace(0.0, 5.0, 450),
        "seed": 7,
        "lr": np.geomspace(1e-3, 0.5, 450),
        "beta1": 0.8,
    }
    final = run_final(s, "adamw", starts, 200, **kwargs)
    traj = run(s, "adamw", starts, 200, **kwargs)
    assert_same(final, traj, surface_minima(s))
    assert final.hyperparameters["beta1"] == 0.8
    np.testing.assert_array_equal(final.hyperparameters["lr"], kwargs["lr"])


def test_a_start_outside_the_domain_diverges_at_zero():
    base = surfaces.get("rosenbrock")
    log_surface = surfaces.Surface(
        **{
            **base.__dict__,
            "name": "log",
            "value": lambda x, y: np.log(x) + y * y,
            "grad": lambda x, y: (1.0 / x, 2.0 * y),
        }
    )
    starts = [(-1.0, 1.0), (1.0, 1.0), (1e-3, 0.5)]
    final = run_final(log_surface, "adam", starts, 50, lr=0.01)
    traj = run(log_surface, "adam", starts, 50, lr=0.01)
    assert final.diverged_at[0] == 0
    np.testing.assert_array_equal(final.xy[0], [-1.0, 1.0])
    assert_same(final, traj, surface_minima(base))


def test_minima_and_tolerance():
    s = surfaces.get("quadratic")
    starts = random_starts(s, 200)
    traj = run(s, "adam", starts, 300, lr=0.05)
    # Extra points to settle at: the true minimum and one nobody reaches.
    mins = np.array([(5.0, 5.0), (0.0, 0.0)])
    for tol in (1e-2, 1e-4):
        final = run_final(s, "adam", starts, 300, lr=0.05, minima=mins, tol=tol)
        assert_same(final, traj, mins, tol)
        assert final.tol == tol
    assert np.all(final.nearest == 1)
    single = run_final(s, "adam", starts, 300, lr=0.05, minima=(0.0, 0.0))
    assert_same(single, traj, np.zeros((1, 2)))
    none = run_final(s, "adam", starts, 300, lr=0.05, minima=[])
    assert none.minima.shape == (0, 2)
    assert np.all(none.nearest == -1) and np.all(none.reached_at == -1)
    np.testing.assert_array_equal(none.xy, traj.xy[-1])


def flat_surface():
    base = surfaces.get("quadratic")
    return surfaces.Surface(
        **{
            **base.__dict__,
            "name": "flat",
            "value": lambda x, y: 0.0 * x,
            "grad": lambda x, y: (0.0 * x, 0.0 * y),
        }
    )


def test_closeness_on_the_boundary_is_exact():
    """A path resting exactly tol away counts as arrived (hypot ≤ tol), a hair further does not."""
    starts = [(3.0, 4.0), (3.0, np.nextafter(4.0, 5.0)), (0.6, 0.8), (-3.0, -4.0)]
    final = run_final(flat_surface(), "sgd", starts, 10, minima=[(0.0, 0.0)], tol=5.0)
    traj = run(flat_surface(), "sgd", starts, 10)
    assert_same(final, traj, np.zeros((1, 2)), 5.0)
    np.testing.assert_array_equal(final.reached_at, [0, -1, 0, 0])


def test_reached_at_needs_staying_and_follows_the_final_minimum():
    """Passing a minimum does not count; jumping between two minima restarts the count."""
    s = surfaces.get("himmelblau")
    starts = random_starts(s, 300, seed=2)
    for tol in (0.5, 2.0):
        # With large tolerances paths enter, leave and change minima.
        final = run_final(s, "momentum", starts, 200, lr=0.01, tol=tol)
        traj = run(s, "momentum", starts, 200, lr=0.01)
        assert_same(final, traj, surface_minima(s), tol)
        assert (final.reached_at > 0).sum() > 10


def test_progress_reports_about_every_two_percent():
    calls = []
    s = surfaces.get("himmelblau")
    run_final(s, "adam", random_starts(s, 100), 500, progress=lambda k, n: calls.append((k, n)))
    ks = [k for k, _ in calls]
    assert all(n == 500 for _, n in calls)
    assert ks[-1] == 500 and ks == sorted(ks)
    assert 45 <= len(calls) <= 55
    assert max(np.diff([0, *ks])) <= 20


def test_progress_over_several_chunks(monkeypatch):
    monkeypatch.setattr(core, "FINAL_CHUNK", 30)
    calls = []
    s = surfaces.get("himmelblau")
    run_final(s, "sgd", random_starts(s, 100), 200, progress=lambda k, n: calls.append(k))
    assert calls[-1] == 200 and calls == sorted(calls)
    assert 40 <= len(calls) <= 60


def test_memory_does_not_grow_with_steps():
    """90 000 starts: the working set is a few chunks of buffers, not n × steps."""
    s = surfaces.get("himmelblau")
    g = np.linspace(-5, 5, 300)
    starts = np.stack(np.meshgrid(g, g), axis=-1).reshape(-1, 2)
    tracemalloc.start()
    try:
        final = run_final(s, "adam", starts, 30)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert final.xy.shape == (90_000, 2)
    assert peak < 60 * 2**20, peak / 2**20


def test_result_types():
    final = run_final("himmelblau", "adam", (0.0, 0.0), 20)
    assert isinstance(final, Final)
    assert final.xy.shape == (1, 2) and final.xy.dtype == np.float64
    assert final.loss.shape == (1,) and final.loss.dtype == np.float64
    for a in (final.diverged_at, final.nearest, final.reached_at):
        assert a.shape == (1,) and a.dtype == np.int64
    assert final.optimizer == "adam" and final.surface.name == "himmelblau"
    assert final.hyperparameters["lr"] == surfaces.get("himmelblau").suggested_lr("adam")
    assert not final.diverged[0]


@pytest.mark.parametrize(
    ("kwargs", "word"),
    [
        ({"minima": [[1.0, 2.0, 3.0]]}, "minima"),
        ({"minima": [[np.nan, 0.0]]}, "minima"),
        ({"minima": "here"}, "minima"),
        ({"tol": 0.0}, "tol"),
        ({"tol": -1.0}, "tol"),
        ({"tol": float("nan")}, "tol"),
        ({"tol": "1e-3"}, "tol"),
        ({"progress": 3}, "progress"),
        ({"noise": -1.0}, "noise"),
        ({"betas": (0.9, 0.9)}, "betas"),
        ({"lr": np.ones(3)}, "lr"),
    ],
)
def test_bad_arguments(kwargs, word):
    with pytest.raises(ValueError, match=word):
        run_final("himmelblau", "adam", [(0.0, 0.0), (1.0, 1.0)], 5, **kwargs)
