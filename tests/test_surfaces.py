"""Tests of the surface registry and every registered surface.

Everything is parametrized over `surfaces.SURFACES`, so a newly registered
surface is checked automatically: analytic gradient against central finite
differences, its known minima, broadcasting, metadata, and parameter validation.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from gradscape import surfaces

NAMES = sorted(surfaces.SURFACES)

#: Non-default parameters of the quadratic bowl, checked like the defaults.
QUADRATIC_PARAMS = [
    {"condition": 1.0, "angle": 0.0},
    {"condition": 3.7, "angle": 12.5},
    {"condition": 50.0, "angle": -35.0},
    {"condition": 1000.0, "angle": 90.0},
]

#: (name, params): every surface at its defaults, plus the quadratic at others.
CASES = [pytest.param(name, {}, id=name) for name in NAMES] + [
    pytest.param("quadratic", p, id=f"quadratic-k{p['condition']:g}-a{p['angle']:g}")
    for p in QUADRATIC_PARAMS
]

#: The cases with known minima (the saddles are unbounded below).
BOUNDED_CASES = [case for case in CASES if surfaces.get(case.values[0], **case.values[1]).minima]

#: Every parameter of every surface, for the validation tests.
PARAM_CASES = [
    pytest.param(name, spec, id=f"{name}-{spec.name}")
    for name in NAMES
    for spec in surfaces.SURFACES[name].params
]

#: Every known minimum of every case.
MINIMUM_CASES = [
    pytest.param(name, params, i, id=f"{case.id}-min{i}")
    for case in CASES
    for name, params in [case.values]
    for i in range(len(surfaces.get(name, **params).minima))
]


def view_grid(surface, n):
    """An n×n grid over the surface's view box, endpoints included."""
    x0, x1, y0, y1 = surface.view
    return np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, n))


def fd_grad(f, x, y, h=1e-6):
    """Central finite differences, using the step actually represented in floats."""
    xp, xm, yp, ym = x + h, x - h, y + h, y - h
    return (f(xp, y) - f(xm, y)) / (xp - xm), (f(x, yp) - f(x, ym)) / (yp - ym)


def fd_hessian(grad, x, y, h=1e-5):
    """The Hessian at one point from central differences of the analytic gradient."""
    gxp, gyp = grad(x + h, y)
    gxm, gym = grad(x - h, y)
    hxp, hyp = grad(x, y + h)
    hxm, hym = grad(x, y - h)
    H = np.array([[gxp - gxm, gyp - gym], [hxp - hxm, hyp - hym]], dtype=np.float64) / (2 * h)
    return (H + H.T) / 2


def gradient_error(surface, grad, n=15):
    """Worst ratio of |analytic − finite-difference gradient| to its tolerance on a grid.

    The tolerance is relative (1e-6 of the gradient's size) plus an allowance for
    the rounding error of the differences, which scales with the size of f.
    """
    x, y = view_grid(surface, n)
    gx, gy = grad(x, y)
    fx, fy = fd_grad(surface.value, x, y)
    err = np.hypot(gx - fx, gy - fy)
    tol = 1e-6 * (np.hypot(gx, gy) + 1.0) + 1e-8 * np.abs(surface.value(x, y))
    return float(np.max(err / tol))


# --------------------------------------------------------------------------- gradients
@pytest.mark.parametrize(("name", "params"), CASES)
def test_gradient_matches_finite_differences(name, params):
    s = surfaces.get(name, **params)
    assert gradient_error(s, s.grad) <= 1.0


@pytest.mark.parametrize(("name", "params"), CASES)
def test_gradient_check_catches_a_small_error(name, params):
    """The check above is sharp enough to see a 0.001% error in one component."""
    s = surfaces.get(name, **params)

    def wrong(x, y):
        gx, gy = s.grad(x, y)
        return gx * (1.0 + 1e-5) + 1e-5, gy

    assert gradient_error(s, wrong) > 1.0


@pytest.mark.parametrize(("name", "params"), CASES)
def test_finite_everywhere_in_view(name, params):
    """No NumPy warning (they are errors here) and finite output over the whole view."""
    s = surfaces.get(name, **params)
    x, y = view_grid(s, 201)
    assert np.all(np.isfinite(s.value(x, y)))
    gx, gy = s.grad(x, y)
    assert np.all(np.isfinite(gx)) and np.all(np.isfinite(gy))


# --------------------------------------------------------------------------- minima
@pytest.mark.parametrize(("name", "params", "i"), MINIMUM_CASES)
def test_minimum_value_and_stationarity(name, params, i):
    s = surfaces.get(name, **params)
    m = s.minima[i]
    assert float(s.value(m.x, m.y)) == pytest.approx(m.value, abs=1e-6)
    gx, gy = s.grad(m.x, m.y)
    H = fd_hessian(s.grad, m.x, m.y)
    # A strict local minimum: positive-definite Hessian ...
    assert np.all(np.linalg.eigvalsh(H) > 0), H
    # ... and the stored point within 1e-6 of the true one (one Newton step away).
    newton_step = np.linalg.solve(H, np.array([gx, gy], dtype=np.float64))
    assert np.hypot(*newton_step) <= 1e-6
    # The gradient itself is tiny relative to the curvature.
    assert math.hypot(gx, gy) <= 1e-6 * (1.0 + np.abs(H).max())


@pytest.mark.parametrize(("name", "params"), BOUNDED_CASES)
def test_global_minima_are_lowest(name, params):
    s = surfaces.get(name, **params)
    globals_ = [m for m in s.minima if m.is_global]
    locals_ = [m for m in s.minima if not m.is_global]
    assert globals_, "known minima but none marked global"
    assert s.min_value == pytest.approx(globals_[0].value, abs=1e-12)
    for m in globals_:
        assert m.value == pytest.approx(s.min_value, abs=1e-6)
    for m in locals_:
        assert m.value > s.min_value + 1e-6, "a local minimum as low as the global one"
    x, y = view_grid(s, 401)
    assert s.min_value <= float(np.min(s.value(x, y))) + 1e-6
    # The global minima are also the lowest of the listed points.
    listed = [float(s.value(m.x, m.y)) for m in s.minima]
    assert min(listed) == pytest.approx(s.min_value, abs=1e-6)


@pytest.mark.parametrize(("name", "params"), CASES)
def test_minima_are_distinct(name, params):
    s = surfaces.get(name, **params)
    pts = [(m.x, m.y) for m in s.minima]
    for i, p in enumerate(pts):
        for q in pts[i + 1 :]:
            assert math.dist(p, q) > 1e-3


# --------------------------------------------------------------------------- broadcasting
def _inner_point(s):
    x0, x1, y0, y1 = s.view
    return x0 + 0.37 * (x1 - x0), y0 + 0.61 * (y1 - y0)


def _check_scalar(out):
    assert np.ndim(out) == 0
    assert np.asarray(out).dtype == np.float64


@pytest.mark.parametrize(("name", "params"), CASES)
@pytest.mark.parametrize("kind", [float, np.float64, np.asarray])
def test_scalar_inputs_give_scalars(name, params, kind):
    s = surfaces.get(name, **params)
    px, py = _inner_point(s)
    x, y = kind(px), kind(py)
    _check_scalar(s.value(x, y))
    gx, gy = s.grad(x, y)
    _check_scalar(gx)
    _check_scalar(gy)


@pytest.mark.parametrize(("name", "params"), CASES)
def test_integer_inputs_give_float64(name, params):
    s = surfaces.get(name, **params)
    px, py = (round(v) for v in s.start)
    _check_scalar(s.value(px, py))
    assert float(s.value(px, py)) == float(s.value(float(px), float(py)))
    for g, gf in zip(s.grad(px, py), s.grad(float(px), float(py)), strict=True):
        _check_scalar(g)
        assert float(g) == float(gf)
    arr = np.array([px, px + 1]), np.array([py, py - 1])
    assert np.asarray(s.value(*arr)).dtype == np.float64
    assert all(np.asarray(g).dtype == np.float64 for g in s.grad(*arr))


@pytest.mark.parametrize(("name", "params"), CASES)
@pytest.mark.parametrize(
    ("xshape", "yshape", "shape"),
    [((7,), (7,), (7,)), ((4, 5), (4, 5), (4, 5)), ((3, 1), (4,), (3, 4)), ((), (6,), (6,))],
    ids=["1d", "2d", "mixed", "scalar-x"],
)
def test_array_inputs_broadcast(name, params, xshape, yshape, shape):
    s = surfaces.get(name, **params)
    rng = np.random.default_rng(0)
    x0, x1, y0, y1 = s.view
    x = rng.uniform(x0, x1, size=xshape)
    y = rng.uniform(y0, y1, size=yshape)
    v = s.value(x, y)
    gx, gy = s.grad(x, y)
    for out in (v, gx, gy):
        assert np.shape(out) == shape
        assert np.asarray(out).dtype == np.float64
    # Each element is the scalar evaluation at its own point.
    bx, by = np.broadcast_arrays(x, y)
    for idx in np.ndindex(shape):
        xi, yi = float(bx[idx]), float(by[idx])
        assert float(v[idx]) == pytest.approx(float(s.value(xi, yi)), rel=1e-12, abs=1e-12)
        sgx, sgy = s.grad(xi, yi)
        assert float(gx[idx]) == pytest.approx(float(sgx), rel=1e-12, abs=1e-12)
        assert float(gy[idx]) == pytest.approx(float(sgy), rel=1e-12, abs=1e-12)


# --------------------------------------------------------------------------- metadata
def _inside(view, x, y):
    x0, x1, y0, y1 = view
    return x0 <= x <= x1 and y0 <= y <= y1


@pytest.mark.parametrize(("name", "params"), CASES)
def test_metadata(name, params):
    entry = surfaces.SURFACES[name]
    s = surfaces.get(name, **params)
    assert isinstance(s, surfaces.Surface)
    assert s.name == entry.name == name
    assert s.label and s.label == entry.label
    assert len(s.view) == 4 and all(math.isfinite(v) for v in s.view)
    x0, x1, y0, y1 = s.view
    assert x0 < x1 and y0 < y1
    assert _inside(s.view, *s.start)
    assert s.levels in {"log", "linear"}
    if s.levels == "log":
        assert s.minima, "log levels are spaced on f − f_min, which needs a known minimum"
    assert isinstance(s.formula, str) and s.formula.strip()
    assert isinstance(s.reference, str) and s.reference.strip()
    for m in s.minima:
        assert _inside(s.view, m.x, m.y), m
    # The default start is not a stationary point: something happens.
    assert math.hypot(*(float(g) for g in s.grad(*s.start))) > 1e-6
    # Parameters: the instance reports its values, defaults filled in.
    assert s.param_specs == entry.params
    expected = {p.name: params.get(p.name, p.default) for p in entry.params}
    assert dict(s.params) == pytest.approx(expected)


def test_registry_has_the_built_ins():
    required = {
        "rosenbrock", "beale", "saddle", "quadratic", "himmelblau", "rastrigin", "ackley",
        "booth", "six_hump_camel", "goldstein_price", "styblinski_tang", "monkey_saddle",
    }  # fmt: skip
    assert required <= set(surfaces.SURFACES)


# --------------------------------------------------------------------------- get / params
def test_unknown_surface_names_it_and_lists_choices():
    with pytest.raises(ValueError, match="no_such_surface") as info:
        surfaces.get("no_such_surface")
    for name in NAMES:
        assert name in str(info.value)


@pytest.mark.parametrize("name", NAMES)
def test_unknown_parameter_is_named(name):
    with pytest.raises(ValueError, match="bogus_param") as info:
        surfaces.get(name, bogus_param=1.0)
    for spec in surfaces.SURFACES[name].params:
        assert spec.name in str(info.value)


@pytest.mark.parametrize(("name", "spec"), [c for c in PARAM_CASES if c.values[1].kind != "bool"])
def test_out_of_range_parameter_is_named_with_range(name, spec):
    width = spec.max - spec.min
    for bad in (spec.min - 0.5 * width - 1.0, spec.max + 0.5 * width + 1.0):
        with pytest.raises(ValueError) as info:
            surfaces.get(name, **{spec.name: bad})
        msg = str(info.value)
        assert spec.name in msg
        assert f"{spec.min:g}" in msg and f"{spec.max:g}" in msg
    # The end points themselves are allowed.
    for ok in (spec.min, spec.max):
        assert surfaces.get(name, **{spec.name: ok}).params[spec.name] == ok


# --------------------------------------------------------------------------- quadratic
@pytest.mark.parametrize("condition", [1.0, 2.5, 10.0, 400.0])
@pytest.mark.parametrize("angle", [-90.0, -30.0, 0.0, 17.0, 45.0, 90.0])
def test_quadratic_hessian_eigenvalues(condition, angle):
    s = surfaces.get("quadratic", condition=condition, angle=angle)
    H = fd_hessian(s.grad, 0.3, -0.7)
    lo, hi = np.linalg.eigvalsh(H)
    assert hi == pytest.approx(condition, rel=1e-6)
    assert lo == pytest.approx(1.0, rel=1e-6)


@pytest.mark.parametrize("condition", [2.0, 10.0, 1000.0])
@pytest.mark.parametrize("angle", [-60.0, 0.0, 30.0, 75.0])
def test_quadratic_rotation_moves_the_axes(condition, angle):
    s = surfaces.get("quadratic", condition=condition, angle=angle)
    c, si = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    # Steep axis along (cos θ, sin θ), shallow axis perpendicular to it.
    assert float(s.value(c, si)) == pytest.approx(condition / 2, rel=1e-12)
    assert float(s.value(-si, c)) == pytest.approx(0.5, rel=1e-12)
    # The gradient on each axis points straight out along it.
    gx, gy = s.grad(c, si)
    assert (float(gx), float(gy)) == pytest.approx((condition * c, condition * si), abs=1e-9)
    gx, gy = s.grad(-si, c)
    assert (float(gx), float(gy)) == pytest.approx((-si, c), abs=1e-12)
