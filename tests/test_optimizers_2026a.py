"""Hessians of every surface, and the 2026 optimizers newton, rprop, asgd, adafactor, muon.

- Hessians against central differences of the exact gradient, for every
  registered surface (parametrized over the registry), the data surfaces'
  mini-batch Hessians and a set of typed expressions; broadcasting like `grad`.
- Each optimizer with a torch.optim counterpart against torch in float64 with
  the contract's tolerances (1e-6 relative over 40 steps, 1e-3 over 100) on
  rosenbrock, beale and the quadratic bowl, with Muon's Newton–Schulz patched
  to float64 (the contract's hook); Newton against its float64 formula.
- Vectorized: n = 1 and n = 10⁴ agree path by path; `run_final` and
  ``record=True`` take the same steps.
"""

from __future__ import annotations

import numpy as np
import pytest

from gradscape import surfaces
from gradscape.optimizers import OPTIMIZERS, run, run_final, schedules
from gradscape.optimizers import transforms_2026a as tx26

NEW = ["newton", "rprop", "asgd", "adafactor", "muon", "lbfgs"]
WITH_TORCH_NEW = [n for n in NEW if OPTIMIZERS[n].torch is not None]


# --------------------------------------------------------------------------- Hessians
def fd_hessian(grad, x, y, h):
    """(hxx, hxy, hyy) by central differences of `grad` (steps as represented in floats)."""
    xp, xm, yp, ym = x + h, x - h, y + h, y - h
    gxp, gyp = grad(xp, y)
    gxm, gym = grad(xm, y)
    hxp, hyp = grad(x, yp)
    hxm, hym = grad(x, ym)
    dx, dy = xp - xm, yp - ym
    return (gxp - gxm) / dx, ((gyp - gym) / dx + (hxp - hxm) / dy) / 2, (hyp - hym) / dy


def assert_hessian_matches(surface_grad, hess, x, y, scale):
    """Analytic Hessian within 1e-5 (relative to `scale`) of differences of the gradient."""
    h = 1e-5 * np.maximum(1.0, np.maximum(np.abs(x), np.abs(y)))
    want = fd_hessian(surface_grad, x, y, h)
    got = hess(x, y)
    for name, a, b in zip(("hxx", "hxy", "hyy"), got, want, strict=True):
        a, b = np.asarray(a), np.asarray(b)
        assert a.shape == b.shape == np.shape(x), name
        err = np.abs(a - b) / (np.abs(b) + scale)
        assert err.max() < 1e-5, (name, float(err.max()), float(a.flat[err.argmax()]))


def view_points(surface, n=9):
    x0, x1, y0, y1 = surface.view
    # an odd grid, shifted off the centre (Ackley's cone tip is not differentiable)
    gx, gy = np.meshgrid(np.linspace(x0, x1, n) + 0.0123, np.linspace(y0, y1, n) - 0.0456)
    return gx.ravel(), gy.ravel()


def gradient_scale(surface, x, y):
    """A size for the Hessian's entries: differences of the gradient are accurate to it."""
    gx, gy = surface.grad(x, y)
    return 1e-3 * (1.0 + np.max(np.abs(gx)) + np.max(np.abs(gy)))


@pytest.mark.parametrize("name", list(surfaces.SURFACES))
def test_every_registered_surface_has_an_analytic_hessian(name):
    s = surfaces.get(name)
    assert s.hess is not None
    x, y = view_points(s)
    assert_hessian_matches(s.grad, s.hess, x, y, gradient_scale(s, x, y))


@pytest.mark.parametrize("name", list(surfaces.SURFACES))
def test_hessian_broadcasts_like_grad(name):
    s = surfaces.get(name)
    x0, x1, y0, y1 = s.view
    xs = np.linspace(x0, x1, 3)[:, None] + 0.01
    ys = np.linspace(y0, y1, 4) - 0.02
    parts = s.hess(xs, ys)
    grid = [np.asarray(p) for p in s.grad(xs, ys)]
    for p in parts:
        assert np.shape(p) == grid[0].shape == (3, 4)
        assert np.asarray(p).dtype == np.float64
    # each entry equals the Hessian at that point alone
    one = s.hess(float(xs[1, 0]), float(ys[2]))
    for p, q in zip(parts, one, strict=True):
        np.testing.assert_allclose(np.asarray(p)[1, 2], q, rtol=1e-12)


def test_a_wrong_hessian_is_caught():
    """The check can fail: Rosenbrock's Hessian with hxy off by 1 %."""
    s = surfaces.get("rosenbrock")
    x, y = view_points(s)

    def wrong(x, y):
        hxx, hxy, hyy = s.hess(x, y)
        return hxx, 1.01 * hxy, hyy

    with pytest.raises(AssertionError):
        assert_hessian_matches(s.grad, wrong, x, y, gradient_scale(s, x, y))


@pytest.mark.parametrize(
    ("condition", "angle"), [(1.0, 0.0), (10.0, 30.0), (200.0, -75.0)], ids=str
)
def test_the_bowls_hessian_is_its_definition(condition, angle):
    s = surfaces.get("quadratic", condition=condition, angle=angle)
    hxx, hxy, hyy = s.hess(0.3, -0.2)
    lam = np.linalg.eigvalsh(np.array([[hxx, hxy], [hxy, hyy]]))
    np.testing.assert_allclose(lam, [1.0, condition], rtol=1e-12)


def test_ackleys_cone_tip_has_unbounded_curvature():
    hxx, hxy, hyy = surfaces.get("ackley").hess(np.array([0.0, 0.5]), np.array([0.0, 0.0]))
    assert hxx[0] == np.inf and hyy[0] == np.inf and hxy[0] == 0.0
    assert np.all(np.isfinite([hxx[1], hxy[1], hyy[1]]))


@pytest.mark.parametrize("name", ["linear_regression", "logistic_regression", "tiny_net"])
def test_data_surfaces_mini_batch_hessian(name):
    s = surfaces.get(name, samples=50, noise=0.3)
    x, y = view_points(s, 7)
    idx = np.array([3, 7, 7, 20, 41])
    assert_hessian_matches(
        lambda p, q: s.batch_grad(p, q, idx),
        lambda p, q: s.batch_hess(p, q, idx),
        x,
        y,
        gradient_scale(s, x, y),
    )
    everything = np.arange(s.samples)
    for a, b in zip(s.batch_hess(x, y, everything), s.hess(x, y), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


EXPRESSIONS = [
    "x**2 + 3*sin(y)",
    "exp(x*y/4) / (1 + y**2)",
    "log(1 + x**2 + y**2)",
    "sqrt(x**2 + y**2 + 1) * tanh(x)",
    "(x + 4)**(y/3 + 1)",
    "abs(x - 0.1) + cosh(y/2)",
    "arctan(x*y) - sinh(x/3) + cos(x)*tan(y/3)",
    "x**3 - 3*x*y**2",
]


@pytest.mark.parametrize("text", EXPRESSIONS)
def test_typed_formulas_have_a_symbolic_hessian(text):
    s = surfaces.from_expression(text)
    x, y = view_points(s, 11)
    assert_hessian_matches(s.grad, s.hess, x, y, gradient_scale(s, x, y))
    # broadcasting and 0-d input, as grad
    parts = s.hess(np.array([0.5, 1.0])[:, None], np.array([0.1, 0.2, 0.3]))
    assert all(np.shape(p) == (2, 3) for p in parts)
    assert all(np.ndim(p) == 0 for p in s.hess(0.5, 0.2))


def test_a_typed_polynomials_hessian_is_exact():
    s = surfaces.from_expression("x**3*y + 2*x*y**2 - y")
    hxx, hxy, hyy = s.hess(1.5, -2.0)
    assert (hxx, hxy, hyy) == (6 * 1.5 * -2.0, 3 * 1.5**2 + 4 * -2.0, 4 * 1.5)


# --------------------------------------------------------------------------- Newton
def newton_reference(surface, start, steps, lr=1.0, damping=0.0):
    """θ ← θ − lr·(H + δI)⁻¹∇f with numpy.linalg.solve, one path, float64."""
    theta = np.array(start, dtype=np.float64)
    out = [theta.copy()]
    for _ in range(steps):
        g = np.array(surface.grad(*theta), dtype=np.float64)
        hxx, hxy, hyy = (float(v) for v in surface.hess(*theta))
        H = np.array([[hxx + damping, hxy], [hxy, hyy + damping]])
        theta = theta - lr * np.linalg.solve(H, g)
        out.append(theta.copy())
    return np.array(out)


@pytest.mark.parametrize(("condition", "angle"), [(1.0, 0.0), (10.0, 30.0), (500.0, 70.0)])
def test_newton_solves_the_bowl_in_one_step(condition, angle):
    s = surfaces.get("quadratic", condition=condition, angle=angle)
    traj = run(s, "newton", [(-2.5, 2.0), (1.0, 3.0)], 1, lr=1.0)
    np.testing.assert_allclose(traj.xy[1], 0.0, atol=1e-12)
    half = run(s, "newton", (-2.5, 2.0), 1, lr=0.5)
    np.testing.assert_allclose(half.xy[1, 0], [-1.25, 1.0], rtol=1e-12)


@pytest.mark.parametrize("start", [(1.0, 1.5), (-1.5, 2.0), (3.0, -1.0)])
def test_newton_goes_to_beales_saddle(start):
    traj = run("beale", "newton", start, 50, lr=1.0)
    np.testing.assert_allclose(traj.xy[-1, 0], [0.0, 1.0], atol=1e-10)
    g = surfaces.get("beale").grad(0.0, 1.0)
    assert np.allclose(g, 0.0)  # a stationary point, not the minimum (3, ½)


@pytest.mark.parametrize(
    ("sname", "start", "damping"),
    [
        ("rosenbrock", (-1.2, 1.4), 0.0),
        ("rosenbrock", (-1.5, 2.0), 2.0),
        ("himmelblau", (-0.5, 0.0), 0.5),
        ("goldstein_price", (0.5, 0.5), 0.0),
    ],
)
def test_newton_equals_its_float64_formula(sname, start, damping):
    s = surfaces.get(sname)
    traj = run(s, "newton", start, 12, lr=0.7, damping=damping)
    want = newton_reference(s, start, 12, lr=0.7, damping=damping)
    np.testing.assert_allclose(traj.xy[:, 0], want, rtol=1e-10, atol=1e-12)


def test_newton_solves_rosenbrock_in_a_few_steps():
    traj = run("rosenbrock", "newton", (-1.5, 2.0), 10, lr=1.0)
    first = np.flatnonzero(np.hypot(*(traj.xy[:, 0] - 1.0).T) < 1e-6)[0]
    assert 2 <= first <= 6


def test_a_singular_hessian_diverges():
    # The monkey saddle's Hessian vanishes at the origin: 0/0 is not a step.
    traj = run("monkey_saddle", "newton", [(0.0, 0.0), (1.0, 0.5)], 5, lr=1.0)
    assert traj.diverged_at.tolist()[0] == 1
    np.testing.assert_array_equal(traj.xy[:, 0], 0.0)
    # damping makes it regular: the same start then stays put (g = 0)
    damped = run("monkey_saddle", "newton", (0.0, 0.0), 5, lr=1.0, damping=1.0)
    assert damped.diverged_at[0] == -1


def test_newton_on_mini_batches_uses_the_batch_hessian():
    s = surfaces.get("logistic_regression", samples=40, noise=0.5)
    traj = run(s, "newton", (0.5, -0.5), 6, lr=1.0, batch_size=8, sampling="cycle")
    theta = np.array([0.5, -0.5])
    for k, idx in enumerate(traj.batches):
        g = np.array(s.batch_grad(*theta, idx))
        hxx, hxy, hyy = (float(v) for v in s.batch_hess(*theta, idx))
        theta = theta - np.linalg.solve([[hxx, hxy], [hxy, hyy]], g)
        np.testing.assert_allclose(traj.xy[k + 1, 0], theta, rtol=1e-10)


def test_newton_needs_a_hessian():
    base = surfaces.get("rosenbrock")
    bare = surfaces.Surface(**{**base.__dict__, "hess": None})
    with pytest.raises(ValueError, match="no Hessian"):
        run(bare, "newton", (0.0, 0.0), 3)


# --------------------------------------------------------------------------- torch
torch = pytest.importorskip("torch")


def float64_newton_schulz(grad, ns_coefficients, ns_steps, eps):
    """torch's `_zeropower_via_newtonschulz` with float64 in place of bfloat16."""
    a, b, c = ns_coefficients
    x = grad.to(torch.float64)
    tall = grad.size(0) > grad.size(1)
    if tall:
        x = x.T
    x = x / x.norm().clamp(min=eps)
    for _ in range(ns_steps):
        gram = x @ x.T
        x = torch.addmm(x, torch.addmm(gram, gram, gram, beta=b, alpha=c), x, beta=a)
    return x.T if tall else x


STOCK_NEWTON_SCHULZ = torch.optim._muon._zeropower_via_newtonschulz


@pytest.fixture(autouse=True)
def float64_torch(monkeypatch):
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    monkeypatch.setattr(torch.optim._muon, "_zeropower_via_newtonschulz", float64_newton_schulz)
    yield
    torch.set_default_dtype(old)


def torch_positions(name, surface, start, steps, hp, lrs=None):
    ref = OPTIMIZERS[name].torch
    p = torch.tensor(start, dtype=torch.float64).reshape(ref.shape).requires_grad_()
    opt = getattr(torch.optim, ref.cls)([p], **ref.kwargs(hp))

    def closure():
        x, y = p.detach().numpy().reshape(2)
        p.grad = torch.tensor(np.array(surface.grad(x, y), dtype=np.float64)).reshape(ref.shape)
        return torch.tensor(float(surface.value(x, y)))

    out = [p.detach().numpy().reshape(2).copy()]
    for k in range(steps):
        if lrs is not None:
            opt.param_groups[0]["lr"] = lrs[k]
        opt.step(closure)
        out.append(p.detach().numpy().reshape(2).copy())
    return np.array(out)


SURFACE_CASES = [
    ("rosenbrock", {}, (-1.5, 2.0)),
    ("beale", {}, (1.0, 1.5)),
    ("quadratic", {"condition": 10.0, "angle": 30.0}, (-2.5, 2.0)),
]
CONFIGS = {
    "rprop": [{"lr": 0.01}, {"lr": 0.003, "etaminus": 0.3, "etaplus": 1.5, "step_size_max": 0.2}],
    "asgd": [{"lr": 0.001}, {"lr": 0.002, "lambd": 0.1, "alpha": 0.5, "weight_decay": 0.05}],
    "adafactor": [
        {"lr": 0.01},
        {"lr": 0.05, "beta2_decay": -0.5, "eps2": 0.1, "d": 2.0, "weight_decay": 0.1},
    ],
    "muon": [{"lr": 0.01}, {"lr": 0.05, "momentum": 0.8, "nesterov": False, "ns_steps": 3}],
    "lbfgs": [
        {"lr": 1.0, "line_search": "strong_wolfe"},
        {"lr": 0.5, "history_size": 3, "line_search": "none"},
    ],
}


@pytest.mark.parametrize("name", WITH_TORCH_NEW)
@pytest.mark.parametrize("case", range(2))
@pytest.mark.parametrize(("sname", "params", "start"), SURFACE_CASES, ids=lambda v: str(v))
def test_matches_torch_within_the_contracts_tolerances(name, case, sname, params, start):
    s = surfaces.get(sname, **params)
    traj = run(s, name, start, 100, **CONFIGS[name][case])
    theirs = torch_positions(name, s, start, 100, dict(traj.hyperparameters))
    ours = traj.xy[:, 0]
    assert not traj.diverged.any()
    scale = np.abs(theirs).max(axis=1, keepdims=True)
    np.testing.assert_allclose(ours[:41], theirs[:41], rtol=1e-6, atol=1e-6 * scale[:41].max())
    np.testing.assert_allclose(ours, theirs, rtol=1e-3, atol=1e-3 * scale.max())
    # in fact far closer (the 1e-10 over 40 steps): the same float64
    # arithmetic, nearly in the same order
    np.testing.assert_allclose(ours[:41], theirs[:41], rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", WITH_TORCH_NEW)
def test_matches_torch_under_a_schedule(name):
    """torch's lr reaches Rprop only at its first step and ASGD's η one step late: both kept."""
    s = surfaces.get("rosenbrock")
    sched = schedules.warmup_cosine(5, 40, start_factor=0.2, min_factor=0.1)
    base = CONFIGS[name][0]["lr"]
    lrs = (base * sched(np.arange(40))).tolist()
    traj = run(s, name, (-1.5, 2.0), 40, schedule=sched, **CONFIGS[name][0])
    theirs = torch_positions(name, s, (-1.5, 2.0), 40, dict(traj.hyperparameters), lrs=lrs)
    np.testing.assert_allclose(traj.xy[:, 0], theirs, rtol=1e-12, atol=1e-13)


def test_stock_torch_muon_differs_by_bfloat16(monkeypatch):
    """Without the patch torch's Muon rounds its direction to bfloat16: the hook matters."""
    s = surfaces.get("rosenbrock")
    traj = run(s, "muon", (-1.5, 2.0), 40, lr=0.01)
    monkeypatch.setattr(torch.optim._muon, "_zeropower_via_newtonschulz", STOCK_NEWTON_SCHULZ)
    theirs = torch_positions("muon", s, (-1.5, 2.0), 40, dict(traj.hyperparameters))
    assert np.abs(traj.xy[:, 0] - theirs).max() > 1e-6


# --------------------------------------------------------------------------- degenerate cases
def test_muon_steps_all_have_the_same_length():
    traj = run("quadratic", "muon", (-2.5, 2.0), 60, lr=0.01, weight_decay=0.0)
    steps = np.hypot(*np.diff(traj.xy[:, 0], axis=0).T)
    np.testing.assert_allclose(steps, 0.01 * 0.69644, rtol=2e-5)
    sigma = 1.0
    for _ in range(5):
        sigma = sigma * (3.4445 - 4.7750 * sigma**2 + 2.0315 * sigma**4)
    np.testing.assert_allclose(steps, 0.01 * sigma, rtol=1e-12)


def test_rprop_first_step_and_flips():
    traj = run("rosenbrock", "rprop", (0.0, 0.0), 3, lr=0.1)
    # sign(0) = 0: y does not move on step 1 (∂f/∂y = 0 at the origin)
    np.testing.assert_allclose(traj.xy[1, 0], [0.1, 0.0])
    flips = run("quadratic", "rprop", (-2.5, 2.0), 80, lr=0.5)
    d = np.diff(flips.xy[:, 0], axis=0)
    assert np.any(d == 0.0), "a flip leaves that coordinate where it is"


def test_rprop_ignores_a_schedule_after_its_first_step():
    sched = schedules.exponential(0.5)
    a = run("rosenbrock", "rprop", (-1.5, 2.0), 30, lr=0.01, schedule=sched)
    b = run("rosenbrock", "rprop", (-1.5, 2.0), 30, lr=0.01)
    np.testing.assert_array_equal(a.xy, b.xy)
    assert a.lr[5, 0] == 0.01 * 0.5**5  # traj.lr is the scheduled rate, as for "all others"
    assert "schedule" in OPTIMIZERS["rprop"].caveat


def test_asgd_lr_is_eta_t():
    lr, lambd, alpha = 0.05, 0.3, 0.6
    traj = run("quadratic", "asgd", (-2.5, 2.0), 20, lr=lr, lambd=lambd, alpha=alpha)
    t = np.arange(1, 21)
    np.testing.assert_allclose(traj.lr[:, 0], lr / (1 + lambd * lr * (t - 1)) ** alpha, rtol=1e-15)
    # and the step uses it: θ_t = θ(1 − λη) − ηg
    s = surfaces.get("quadratic")
    theta = traj.xy[:-1, 0]
    g = np.array(s.grad(theta[:, 0], theta[:, 1])).T
    eta = traj.lr[:, 0, None]
    np.testing.assert_allclose(traj.xy[1:, 0], theta * (1 - lambd * eta) - eta * g, rtol=1e-13)


def test_asgd_at_its_defaults_is_almost_sgd():
    a = run("rosenbrock", "asgd", (-1.5, 2.0), 100, lr=1e-3)
    b = run("rosenbrock", "sgd", (-1.5, 2.0), 100, lr=1e-3)
    np.testing.assert_allclose(a.xy, b.xy, rtol=1e-3)
    assert not np.array_equal(a.xy, b.xy)


def test_adafactor_lr_is_rho_t_and_its_first_step():
    traj = run("quadratic", "adafactor", (-2.5, 2.0), 30, lr=0.5)
    t = np.arange(1, 31)
    np.testing.assert_allclose(traj.lr[:, 0], np.minimum(0.5, 1 / np.sqrt(t)), rtol=1e-15)
    # first step: θ ± α₁ per coordinate, α₁ = max(eps2, RMS θ₀)·min(lr, 1)
    alpha1 = np.sqrt((2.5**2 + 2.0**2) / 2) * 0.5
    step = traj.xy[1, 0] - traj.xy[0, 0]
    np.testing.assert_allclose(np.abs(step), alpha1, rtol=1e-12)


def test_every_new_entry_is_complete():
    for name in NEW:
        spec = OPTIMIZERS[name]
        assert spec.rule_tex and spec.algorithm and spec.reference
        assert (spec.torch is None) == (name == "newton")
    for name in ("muon", "adafactor", "rprop"):
        assert OPTIMIZERS[name].caveat
    assert "same length" in OPTIMIZERS["muon"].caveat
    assert "not factored" in OPTIMIZERS["adafactor"].caveat


# --------------------------------------------------------------------------- vectorized
def start_grid(sname, n, seed=0):
    s = surfaces.get(sname)
    x0, x1, y0, y1 = s.view
    rng = np.random.default_rng(seed)
    return np.column_stack([rng.uniform(x0, x1, n), rng.uniform(y0, y1, n)])


HP_VECTOR = {
    "newton": {"damping": 1.0},
    "rprop": {"etaplus": 1.3},
    "asgd": {"lambd": 0.01},
    "adafactor": {"d": 2.0},
    "muon": {"ns_steps": 4},
    "lbfgs": {"history_size": 5},
}


@pytest.mark.parametrize("name", NEW)
def test_ten_thousand_paths_equal_single_runs(name):
    s = surfaces.get("beale")
    starts = start_grid("beale", 10_000)
    lrs = np.geomspace(1e-4, 0.5, 10_000)
    per_path = {k: np.full(10_000, v) for k, v in HP_VECTOR[name].items()}
    fixed = {"line_search": "strong_wolfe"} if name == "lbfgs" else {}
    batch = run(s, name, starts, 25, lr=lrs, **per_path, **fixed)
    for i in np.r_[0, 1, 4999, 9999, np.random.default_rng(1).integers(0, 10_000, 16)]:
        one = run(s, name, starts[i], 25, lr=float(lrs[i]), **HP_VECTOR[name], **fixed)
        np.testing.assert_allclose(batch.xy[:, i], one.xy[:, 0], rtol=1e-13, atol=1e-15)
        assert batch.diverged_at[i] == one.diverged_at[0]
        np.testing.assert_array_equal(batch.lr[:, i], one.lr[:, 0])


@pytest.mark.parametrize("name", NEW)
def test_run_final_and_record_take_the_same_steps(name, monkeypatch):
    from gradscape.optimizers import core

    monkeypatch.setattr(core, "FINAL_CHUNK", 7)  # several chunks
    s = surfaces.get("himmelblau")
    starts = start_grid("himmelblau", 30, seed=3)
    lrs = np.geomspace(1e-3, 0.3, 30)
    traj = run(s, name, starts, 40, lr=lrs)
    final = run_final(s, name, starts, 40, lr=lrs)
    np.testing.assert_array_equal(final.xy, traj.xy[-1])
    np.testing.assert_array_equal(final.diverged_at, traj.diverged_at)
    rec = run(s, name, starts, 40, lr=lrs, record=True)
    np.testing.assert_array_equal(rec.xy, traj.xy)
    ok = traj.diverged_at < 0
    g = np.array(s.grad(traj.xy[:-1, ok, 0], traj.xy[:-1, ok, 1])).transpose(1, 2, 0)
    np.testing.assert_allclose(rec.grad[:, ok], g, rtol=1e-14)


def test_eff_lr_of_adafactor_is_its_step():
    s = surfaces.get("rosenbrock")
    rec = run(s, "adafactor", (-1.5, 2.0), 30, lr=0.02, weight_decay=0.1, record=True)
    theta = rec.xy[:-1, 0]
    step = rec.xy[1:, 0] - theta
    want = -rec.eff_lr[:, 0] * rec.grad[:, 0] - 0.02 * 0.1 * theta
    np.testing.assert_allclose(step, want, rtol=1e-10, atol=1e-15)


def test_per_path_ns_steps():
    a = run("rosenbrock", "muon", [(-1.5, 2.0)] * 2, 20, lr=0.01, ns_steps=np.array([2, 5]))
    for i, k in enumerate((2, 5)):
        b = run("rosenbrock", "muon", (-1.5, 2.0), 20, lr=0.01, ns_steps=k)
        np.testing.assert_array_equal(a.xy[:, i], b.xy[:, 0])
    assert tx26.NS_COEFFICIENTS == (3.4445, -4.7750, 2.0315)


def test_adafactors_clip_threshold_acts_once_the_update_outgrows_it():
    base = {"lr": 0.002, "beta2_decay": -0.3}
    a = run("rosenbrock", "adafactor", (0.9, 0.8), 20, d=1.0, **base).xy[-1, 0]
    b = run("rosenbrock", "adafactor", (0.9, 0.8), 20, d=1.2, **base).xy[-1, 0]
    assert not np.allclose(a, b, rtol=1e-6, atol=0)


# --------------------------------------------------------------------------- L-BFGS
def test_lbfgs_first_step_is_scaled_by_the_gradients_l1_norm():
    s = surfaces.get("rosenbrock")
    traj = run(s, "lbfgs", (-1.5, 2.0), 1, lr=1.0)
    g = np.array(s.grad(-1.5, 2.0))
    t = min(1.0, 1.0 / np.abs(g).sum())
    np.testing.assert_allclose(traj.xy[1, 0], [-1.5, 2.0] - t * g, rtol=1e-15)
    # ‖g‖₁ = 205 here, so t = 0.00488·lr (OPTIMIZERS-2026.md says 0.0024·lr: half of it)
    assert t == 1.0 / 205.0


@pytest.mark.parametrize("line_search", ["none", "strong_wolfe"])
def test_lbfgs_solves_the_bowl_and_rosenbrock(line_search):
    bowl = run("quadratic", "lbfgs", (-2.5, 2.0), 12, lr=1.0, line_search=line_search)
    first = np.flatnonzero(np.hypot(*bowl.xy[:, 0].T) < 1e-6)[0]
    assert 3 <= first <= 10
    rosen = run("rosenbrock", "lbfgs", (-1.5, 2.0), 100, lr=1.0, line_search=line_search)
    first = np.flatnonzero(np.hypot(*(rosen.xy[:, 0] - 1.0).T) < 1e-3)[0]
    # torch's LBFGS (max_iter=1) takes 38 steps with the line search, 87 without
    # (OPTIMIZERS-2026.md's "20–75" is off for "none")
    assert 15 <= first <= 100


def test_lbfgs_stops_where_the_gradient_is_small():
    # at the bowl's minimum the gradient is 0: no step, no iteration counted
    traj = run("quadratic", "lbfgs", [(0.0, 0.0), (1e-9, 0.0), (1.0, 1.0)], 5, lr=1.0)
    np.testing.assert_array_equal(traj.xy[:, 0], 0.0)
    np.testing.assert_array_equal(traj.xy[:, 1], [[1e-9, 0.0]] * 6)
    assert np.all(traj.xy[-1, 2] != traj.xy[0, 2])
    big = run("quadratic", "lbfgs", (1.0, 1.0), 5, lr=1.0, tolerance_grad=100.0 / 100)
    moved = run("quadratic", "lbfgs", (1.0, 1.0), 5, lr=1.0, tolerance_grad=1e-7)
    assert not np.array_equal(big.xy, moved.xy)


def test_lbfgs_tolerance_change_stops_a_shallow_direction():
    # g·d = −‖g‖² on the first step: a tolerance above it stops the path there
    s = surfaces.get("quadratic")
    g = np.array(s.grad(0.01, 0.01))
    assert g @ g < 0.5
    still = run(s, "lbfgs", (0.01, 0.01), 3, lr=1.0, tolerance_change=float(g @ g) * 1.01)
    np.testing.assert_array_equal(still.xy[:, 0], [[0.01, 0.01]] * 4)
    moves = run(s, "lbfgs", (0.01, 0.01), 3, lr=1.0, tolerance_change=float(g @ g) * 0.99)
    assert not np.array_equal(moves.xy[1, 0], [0.01, 0.01])


def test_lbfgs_with_noise_and_clipping_equals_torch_with_that_closure():
    """The line search sees step k's objective: noise is the linear term σ·z·θ, clipped."""
    s = surfaces.get("rosenbrock")
    sigma, seed, steps = 0.5, 4, 30
    traj = run(
        s,
        "lbfgs",
        (-1.5, 2.0),
        steps,
        lr=0.5,
        line_search="strong_wolfe",
        noise=sigma,
        seed=seed,
        clip_norm=20.0,
    )
    z = np.random.default_rng(seed).standard_normal((steps, 2, 1))[:, :, 0]
    ref = OPTIMIZERS["lbfgs"].torch
    p = torch.tensor([-1.5, 2.0], dtype=torch.float64).requires_grad_()
    opt = torch.optim.LBFGS([p], **ref.kwargs(dict(traj.hyperparameters)))
    out = [p.detach().numpy().copy()]
    for k in range(steps):

        def closure(k=k):
            x, y = p.detach().numpy()
            g = np.array(s.grad(x, y)) + sigma * z[k]
            p.grad = torch.tensor(g)
            torch.nn.utils.clip_grad_norm_([p], 20.0)
            return torch.tensor(float(s.value(x, y)) + sigma * float(z[k] @ [x, y]))

        opt.step(closure)
        out.append(p.detach().numpy().copy())
    np.testing.assert_allclose(traj.xy[:, 0], np.array(out), rtol=1e-6, atol=1e-9)


def test_lbfgs_line_search_trials_are_kept_for_the_inspector():
    from gradscape.optimizers.transforms_2026a import lbfgs_direction

    tr = lbfgs_direction(100, "strong_wolfe", 1e-7, 1e-9)
    traj = run(
        "rosenbrock", "lbfgs", [(-1.5, 2.0), (1.0, 1.0)], 8, lr=1.0, line_search="strong_wolfe"
    )
    assert tr.bind is not None and traj.xy.shape == (9, 2, 2)
    trials = lbfgs_trials("rosenbrock", [(-1.5, 2.0), (1.0, 1.0)], 8)
    assert len(trials) == 8
    for rounds in trials:
        # path 1 sits at the minimum: it never searches
        assert np.all(np.isnan(rounds[:, 1]))
        # path 0's last trial is the step it took
        tried = rounds[:, 0][~np.isnan(rounds[:, 0])]
        assert 1 <= tried.size <= 25 and np.all(tried > 0)
    # the first step's first trial is min(1, 1/‖g‖₁)·lr, as without the search
    assert trials[0][0, 0] == 1.0 / 205.0


def lbfgs_trials(sname, starts, steps):
    """Run lbfgs with strong_wolfe through `_advance` and return the trials the state kept."""
    from gradscape.optimizers import core

    setup = core._setup(
        sname,
        "lbfgs",
        starts,
        steps,
        None,
        None,
        None,
        0.0,
        0,
        {"lr": 1.0, "line_search": "strong_wolfe"},
        None,
    )
    edits, opt, source = setup.pipeline(slice(None))
    transform = core.tx.chain(*edits, opt)
    hist = np.empty((steps + 1, 2 * setup.n))
    hist[0] = setup.starts.T.ravel()
    state = {}

    real_init = transform.init

    def init(params):
        state["s"] = real_init(params)
        return state["s"]

    core._advance(
        source, transform._replace(init=init), transform.update, hist, steps, [1.0] * steps
    )
    return state["s"]["trials"]


def test_a_recorded_lbfgs_run_keeps_its_line_search_trials():
    starts = [(-1.5, 2.0), (1.0, 1.0), (-1.2, 1.4)]
    traj = run("rosenbrock", "lbfgs", starts, 8, lr=1.0, line_search="strong_wolfe", record=True)
    ex = traj.extras
    assert set(ex) == {"step_t", "line_search_t", "line_search_xy"}
    assert ex["step_t"].shape == (8, 3) and len(ex["line_search_t"]) == 8
    for k in range(8):
        t, xy = ex["line_search_t"][k], ex["line_search_xy"][k]
        assert xy.shape == (*t.shape, 2)
        assert np.all(np.isnan(t[:, 1]))  # at the minimum: no search
        for i in (0, 2):
            tried = t[:, i][~np.isnan(t[:, i])]
            # the accepted step is one of the trials (or 0: none was good enough)
            assert ex["step_t"][k, i] in set(tried.tolist()) | {0.0}
            # the trial points lie on the ray from xy[k]
            pts = xy[:, i][~np.isnan(t[:, i])]
            if tried.size >= 2:
                a, b = pts[0] - traj.xy[k, i], pts[1] - traj.xy[k, i]
                assert abs(a[0] * b[1] - a[1] * b[0]) < 1e-9 * (
                    1 + np.abs(a).max() * np.abs(b).max()
                )
    assert run("rosenbrock", "lbfgs", starts, 8, lr=1.0).extras is None
