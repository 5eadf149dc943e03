"""run()'s gradient pipeline: schedules, clipping, noise, divergence and input validation.

Also the core's place among the packages: what importing it pulls in.
"""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from gradscape import optimizers, surfaces
from gradscape import params as gradscape_params
from gradscape.optimizers import MAX_CELLS, MAX_STEPS, OPTIMIZERS, run, schedules

NAMES = list(OPTIMIZERS)
ROOT = Path(__file__).resolve().parents[1]


# --------------------------------------------------------------------------- imports
def modules_after(statement: str) -> set[str]:
    """The top-level modules a fresh interpreter holds after `statement`, run from the repo root."""
    code = f"import sys; {statement}; print(*sorted({{m.split('.')[0] for m in sys.modules}}))"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return set(done.stdout.split())


def test_the_core_does_not_import_surfaces_or_the_app_libraries():
    loaded = modules_after("import optimizers")
    assert {"optimizers", "gradscape_params", "numpy"} <= loaded  # the probe sees imports
    assert not loaded & {"surfaces", "app", "dash", "plotly"}


def test_surfaces_do_not_import_the_core_or_the_app_libraries():
    loaded = modules_after("import surfaces")
    assert {"surfaces", "gradscape_params"} <= loaded
    assert not loaded & {"optimizers", "app", "dash", "plotly"}


def test_param_needs_only_the_standard_library():
    loaded = modules_after("import gradscape_params")
    assert "gradscape_params" in loaded
    assert not loaded & {"numpy", "surfaces", "optimizers"}


def test_param_is_one_class_wherever_it_is_imported_from():
    assert surfaces.Param is optimizers.Param is gradscape_params.Param


def test_a_surface_by_name_is_looked_up_on_demand():
    loaded = modules_after("import optimizers; optimizers.run('rosenbrock', 'sgd', (0.0, 0.0), 2)")
    assert "surfaces" in loaded


# --------------------------------------------------------------------------- schedules
def test_step_schedule():
    f = schedules.step(3, 0.5)(np.arange(8))
    np.testing.assert_array_equal(f, [1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25])


def test_exponential_schedule():
    k = np.arange(50)
    np.testing.assert_allclose(schedules.exponential(0.9)(k), 0.9**k, rtol=1e-15)


@pytest.mark.parametrize("m", [0.0, 0.2])
def test_cosine_schedule(m):
    f = schedules.cosine(10, min_factor=m)(np.arange(21))
    assert f[0] == 1.0
    assert f[5] == pytest.approx(m + (1 - m) / 2)
    assert f[10] == pytest.approx(m)
    assert np.all(np.diff(f[:11]) < 0)
    np.testing.assert_allclose(f[10:], f[10::-1], atol=1e-15)  # torch's: rises after t_max
    for k in range(11):
        assert f[k] == pytest.approx(m + (1 - m) * (1 + math.cos(math.pi * k / 10)) / 2)


def test_warmup_schedule():
    f = schedules.warmup(4, 0.2)(np.arange(7))
    np.testing.assert_allclose(f, [0.2, 0.4, 0.6, 0.8, 1.0, 1.0, 1.0])


def test_warmup_cosine_schedule():
    s = schedules.warmup_cosine(4, 14, start_factor=0.0, min_factor=0.1)
    f = s(np.arange(20))
    np.testing.assert_allclose(f[:5], [0.0, 0.25, 0.5, 0.75, 1.0])
    cos = schedules.cosine(10, 0.1)(np.arange(16))  # past t_max too
    np.testing.assert_allclose(f[4:], cos, rtol=1e-15)
    assert f[14] == pytest.approx(0.1)


@pytest.mark.parametrize(
    ("make", "kwargs", "word"),
    [
        (schedules.step, {"step_size": 0, "gamma": 0.5}, "step_size"),
        (schedules.step, {"step_size": 2, "gamma": 1.5}, "gamma"),
        (schedules.exponential, {"gamma": 0.0}, "gamma"),
        (schedules.cosine, {"t_max": 0}, "t_max"),
        (schedules.cosine, {"t_max": 5, "min_factor": 2.0}, "min_factor"),
        (schedules.warmup, {"warmup_steps": 0, "start_factor": 0.1}, "warmup_steps"),
        (schedules.warmup_cosine, {"warmup_steps": 5, "t_max": 5}, "t_max"),
    ],
)
def test_schedule_arguments_are_validated(make, kwargs, word):
    with pytest.raises(ValueError, match=word):
        make(**kwargs)


@pytest.mark.parametrize("name", list(schedules.ENTRIES))
def test_each_schedule_entry_is_complete_and_builds_from_its_defaults(name):
    entry = schedules.ENTRIES[name]
    assert entry.name == name == entry.make.__name__
    assert entry.label and entry.doc.startswith(entry.make.__doc__.strip().splitlines()[0])
    for p in entry.params:
        assert p.label and p.symbol and p.help and p.step, p.name
    built = schedules.get(name, **entry.defaults)
    assert built.name == name and built.args == entry.defaults
    assert built(np.arange(3)).shape == (3,)


def test_schedule_entries_name_every_argument_of_their_builder():
    with pytest.raises(ValueError, match="not cosine's arguments"):
        schedules.ScheduleEntry("cosine", "Cosine", schedules.cosine, ())


def test_schedules_and_params_are_read_only_views_of_the_table():
    assert list(schedules.SCHEDULES) == list(schedules.PARAMS) == list(schedules.ENTRIES)
    for name, entry in schedules.ENTRIES.items():
        assert schedules.SCHEDULES[name] is entry.make
        assert schedules.PARAMS[name] is entry.params
    for view in (schedules.ENTRIES, schedules.SCHEDULES, schedules.PARAMS):
        with pytest.raises(TypeError):
            view["new"] = None


def test_schedule_registry_and_unknown_names():
    assert schedules.get("cosine", t_max=10) == schedules.cosine(10)
    with pytest.raises(ValueError, match="unknown schedule 'bogus'"):
        schedules.get("bogus")
    with pytest.raises(ValueError, match="schedule 'step'"):
        schedules.get("step", gamma=0.5)


# --------------------------------------------------------------------------- clipping
def first_step(**kwargs):
    """Minus the processed gradient: one plain SGD step's displacement divided by its lr."""
    lr = 1e-4
    traj = run("rosenbrock", "sgd", kwargs.pop("start", (-1.5, 2.0)), 1, lr=lr, **kwargs)
    assert not traj.diverged.any()
    return (traj.xy[1] - traj.xy[0]) / lr


def test_clip_by_norm_scales_to_max_norm():
    g = np.array(surfaces.get("rosenbrock").grad(-1.5, 2.0))
    step = first_step(clip_norm=2.0)[0]
    norm = np.linalg.norm(g)
    assert np.linalg.norm(step) == pytest.approx(2.0 * norm / (norm + 1e-6), rel=1e-9)
    np.testing.assert_allclose(step / np.linalg.norm(step), -g / norm, rtol=1e-9)


def test_clip_by_norm_leaves_small_gradients_alone():
    g = np.array(surfaces.get("rosenbrock").grad(-1.5, 2.0))
    np.testing.assert_allclose(first_step(clip_norm=1e4)[0], -g, rtol=1e-9)


def test_clip_by_norm_per_path():
    steps = first_step(start=[(-1.5, 2.0)] * 3, clip_norm=np.array([1.0, 5.0, 1e6]))
    norms = np.linalg.norm(steps, axis=1)
    np.testing.assert_allclose(norms[:2], [1.0, 5.0], rtol=1e-6)
    assert norms[2] > 5.0


def test_clip_by_value():
    g = np.array(surfaces.get("rosenbrock").grad(-1.5, 2.0))  # (-2205, -50)
    step = first_step(clip_value=100.0)[0]
    np.testing.assert_allclose(step, -np.clip(g, -100, 100), rtol=1e-9)


def test_clipping_happens_before_weight_decay():
    theta = np.array([-1.5, 2.0])
    g = np.array(surfaces.get("rosenbrock").grad(*theta))
    clipped = g * min(1.0, 1.0 / (np.linalg.norm(g) + 1e-6))
    step = first_step(clip_norm=1.0, weight_decay=0.5)[0]
    np.testing.assert_allclose(step, -(clipped + 0.5 * theta), rtol=1e-9)


def test_noise_is_added_before_clipping():
    step = first_step(clip_norm=1.0, noise=1e6)[0]
    assert np.linalg.norm(step) <= 1.0 + 1e-9


# --------------------------------------------------------------------------- noise
def test_noise_is_reproducible_from_seed():
    a = run("rosenbrock", "adam", (-1.5, 2.0), 200, noise=5.0, seed=7)
    b = run("rosenbrock", "adam", (-1.5, 2.0), 200, noise=5.0, seed=7)
    c = run("rosenbrock", "adam", (-1.5, 2.0), 200, noise=5.0, seed=8)
    exact = run("rosenbrock", "adam", (-1.5, 2.0), 200)
    np.testing.assert_array_equal(a.xy, b.xy)
    assert not np.allclose(a.xy, c.xy)
    assert not np.allclose(a.xy, exact.xy)


def test_zero_noise_is_the_exact_gradient():
    a = run("rosenbrock", "adam", (-1.5, 2.0), 50, noise=0.0, seed=3)
    b = run("rosenbrock", "adam", (-1.5, 2.0), 50)
    np.testing.assert_array_equal(a.xy, b.xy)


def test_noise_is_standard_gaussian_scaled_by_sigma():
    sigma, lr, steps = 2.0, 1e-3, 4000
    s = surfaces.get("quadratic", condition=4, angle=20)
    traj = run(s, "sgd", (1.0, 1.0), steps, lr=lr, noise=sigma, seed=11)
    xy = traj.xy[:, 0]
    g = np.stack(s.grad(xy[:-1, 0], xy[:-1, 1]), axis=1)
    z = (-(xy[1:] - xy[:-1]) / lr - g) / sigma
    assert abs(z.mean()) < 0.05
    assert z.std() == pytest.approx(1.0, abs=0.05)
    assert abs(np.corrcoef(z[:, 0], z[:, 1])[0, 1]) < 0.05


def test_noise_per_path_and_batching():
    starts = [(-1.5, 2.0), (-1.5, 2.0)]
    batch = run("rosenbrock", "momentum", starts, 100, noise=np.array([0.0, 3.0]), seed=5)
    exact = run("rosenbrock", "momentum", starts[0], 100)
    noisy = run("rosenbrock", "momentum", starts[1], 100, noise=3.0, seed=5)
    np.testing.assert_array_equal(batch.xy[:, 0], exact.xy[:, 0])
    np.testing.assert_allclose(batch.xy[:, 1], noisy.xy[:, 0], rtol=1e-14)


# --------------------------------------------------------------------------- divergence
def assert_frozen(traj):
    for i, k in enumerate(traj.diverged_at):
        if k < 0:
            assert np.all(np.isfinite(traj.xy[:, i])) and np.all(np.isfinite(traj.loss[:, i]))
            continue
        good = max(k - 1, 0)
        np.testing.assert_array_equal(
            traj.xy[k:, i], np.broadcast_to(traj.xy[good, i], (traj.steps + 1 - k, 2))
        )
        np.testing.assert_array_equal(traj.loss[k:, i], traj.loss[good, i])
        assert np.all(np.isfinite(traj.xy[:k, i])) and np.all(np.isfinite(traj.loss[:k, i]))


def test_divergence_is_recorded_not_raised():
    traj = run("rosenbrock", "sgd", (-1.5, 2.0), 300, lr=0.05)
    k = traj.diverged_at[0]
    assert 1 <= k < 10
    assert traj.diverged[0]
    assert_frozen(traj)
    x0, x1, y0, y1 = traj.surface.bound
    x, y = traj.xy[:, 0, 0], traj.xy[:, 0, 1]
    assert np.all((x >= x0) & (x <= x1) & (y >= y0) & (y <= y1))


def test_overflow_to_infinity_is_divergence_without_warnings():
    # Goldstein–Price at lr 10 overflows float64 within a few steps.
    traj = run("goldstein_price", "sgd", [(-1.5, 1.5), (0.0, -1.0)], 50, lr=10.0)
    assert traj.diverged_at[0] >= 1
    assert traj.diverged_at[1] == -1  # the other path starts at the minimum and stays
    assert_frozen(traj)


def test_diverging_paths_do_not_disturb_the_others():
    lrs = np.array([1e-3, 0.05, 2e-3, 1.0])
    batch = run("rosenbrock", "sgd", np.tile([-1.5, 2.0], (4, 1)), 200, lr=lrs)
    assert list(batch.diverged_at >= 0) == [False, True, False, True]
    for i in (0, 2):
        alone = run("rosenbrock", "sgd", (-1.5, 2.0), 200, lr=float(lrs[i]))
        np.testing.assert_array_equal(batch.xy[:, i], alone.xy[:, 0])
    assert_frozen(batch)


def test_leaving_the_bound_counts_as_divergence():
    # Plain gradient descent escapes the saddle along y exponentially.
    traj = run("saddle", "sgd", (1.0, 0.01), 2000, lr=0.1)
    k = traj.diverged_at[0]
    assert k > 0
    y_bound = traj.surface.bound[3]
    assert abs(traj.xy[k - 1, 0, 1]) <= y_bound
    # One more plain step from there would have left the box.
    assert abs(traj.xy[k - 1, 0, 1]) * 1.2 > y_bound
    assert_frozen(traj)


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
    traj = run(log_surface, "adam", [(-1.0, 1.0), (1.0, 1.0)], 20, lr=0.01)
    assert traj.diverged_at[0] == 0
    np.testing.assert_array_equal(traj.xy[:, 0], np.tile([-1.0, 1.0], (21, 1)))
    assert traj.diverged_at[1] == -1


# --------------------------------------------------------------------------- validation
HP_CASES = [
    pytest.param(name, p, id=f"{name}-{p.name}") for name in NAMES for p in OPTIMIZERS[name].params
]


@pytest.mark.parametrize(("name", "param"), HP_CASES)
def test_out_of_range_hyperparameters_raise_with_name_and_range(name, param):
    if param.kind == "bool":
        bads = ["yes", 2, 0.5]
    else:
        bads = [
            param.min - 1.0 - abs(param.min),
            param.max * 2 + 1.0,
            float("nan"),
            float("inf"),
            "fast",
        ]
    for bad in bads:
        with pytest.raises(ValueError) as info:
            run("rosenbrock", name, (0.0, 0.0), 5, **{param.name: bad})
        msg = str(info.value)
        assert name in msg and param.name in msg
        assert param.describe_range() in msg


@pytest.mark.parametrize(
    ("name", "param"), [c for c in HP_CASES if c.values[1].kind not in ("bool", "choice")]
)
def test_hyperparameter_arrays_must_have_one_value_per_path(name, param):
    with pytest.raises(ValueError, match=rf"{param.name} has shape \(3,\).*\(2,\)"):
        run("rosenbrock", name, [(0, 0), (1, 1)], 5, **{param.name: np.full(3, param.default)})


@pytest.mark.parametrize(("name", "param"), HP_CASES)
def test_range_end_points_are_accepted(name, param):
    ends = param.choices if param.kind == "choice" else (param.min, param.max)
    for ok in ends:
        traj = run("rosenbrock", name, (0.5, 0.5), 3, **{param.name: ok})
        assert traj.xy.shape == (4, 1, 2)


@pytest.mark.parametrize("name", NAMES)
def test_unknown_hyperparameter_lists_the_allowed_ones(name):
    with pytest.raises(ValueError, match="unknown hyperparameter 'betas'") as info:
        run("rosenbrock", name, (0.0, 0.0), 5, betas=(0.9, 0.99))
    for p in OPTIMIZERS[name].params:
        assert p.name in str(info.value)


def test_unknown_optimizer_and_surface():
    with pytest.raises(ValueError, match=r"unknown optimizer 'adamm'.*adam, amsgrad"):
        run("rosenbrock", "adamm", (0.0, 0.0), 5)
    with pytest.raises(ValueError, match=r"unknown surface 'rosenbrok'.*rosenbrock"):
        run("rosenbrok", "adam", (0.0, 0.0), 5)
    with pytest.raises(ValueError, match="must be a Surface"):
        run(42, "adam", (0.0, 0.0), 5)


@pytest.mark.parametrize(
    ("starts", "word"),
    [
        ((1.0, 2.0, 3.0), r"shape \(3,\)"),
        ([[1.0, 2.0, 3.0]], r"shape \(1, 3\)"),
        ([], r"shape \(0,\)"),
        (np.zeros((0, 2)), r"shape \(0, 2\)"),
        ([[1.0, float("nan")]], "finite"),
        ([["a", "b"]], "not numeric"),
    ],
)
def test_bad_starts(starts, word):
    with pytest.raises(ValueError, match=word):
        run("rosenbrock", "adam", starts, 5)


@pytest.mark.parametrize("steps", [0, -3, 1.5, True, "10", None, MAX_STEPS + 1])
def test_bad_steps(steps):
    with pytest.raises(ValueError, match="steps"):
        run("rosenbrock", "adam", (0.0, 0.0), steps)


def test_too_many_positions_for_one_run():
    n = MAX_CELLS // 1000 + 1
    with pytest.raises(ValueError, match="at most 100,000,000"):
        run("rosenbrock", "adam", np.zeros((n, 2)), 999)


@pytest.mark.parametrize(
    ("kwargs", "word"),
    [
        ({"noise": -1.0}, "noise"),
        ({"noise": float("nan")}, "noise"),
        ({"noise": np.ones(3)}, "noise"),
        ({"seed": -1}, "seed"),
        ({"seed": 1.5}, "seed"),
        ({"clip_norm": 0.0}, "clip_norm"),
        ({"clip_norm": -2.0}, "clip_norm"),
        ({"clip_value": 0.0}, "clip_value"),
        ({"clip_value": "big"}, "clip_value"),
        ({"schedule": "cosine"}, "schedule"),
    ],
)
def test_bad_pipeline_arguments(kwargs, word):
    with pytest.raises(ValueError, match=word):
        run("rosenbrock", "adam", (0.0, 0.0), 5, **kwargs)
