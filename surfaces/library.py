"""The built-in test functions.

Formulas and minima follow the Virtual Library of Simulation Experiments
(S. Surjanovic and D. Bingham, https://www.sfu.ca/~ssurjano/optimization.html)
unless a docstring says otherwise. Each gradient is written out by hand and
checked against central finite differences in the tests.
"""

from __future__ import annotations

import numpy as np

from ._base import Minimum, Param, Surface, SurfaceEntry, register, rotation
from ._suggested_lr import SUGGESTED_LR

VLSE = "Surjanovic & Bingham, Virtual Library of Simulation Experiments"


def _broadcast(gx, gy):
    """Both parts of a separable gradient at the inputs' common shape.

    Where ∂f/∂x depends on x only (and ∂f/∂y on y only), inputs such as x of
    shape (3, 1) and y of shape (4,) would otherwise give parts of different
    shapes; that case gets fresh (writeable) arrays, the usual one costs nothing.
    """
    sx, sy = getattr(gx, "shape", ()), getattr(gy, "shape", ())  # () for Python floats
    if sx == sy:
        return gx, gy
    shape = np.broadcast_shapes(sx, sy)
    return np.broadcast_to(gx, shape).copy(), np.broadcast_to(gy, shape).copy()


def _hessian(x, y, hxx, hxy, hyy):
    """The three Hessian parts as float64 at the common shape of x and y.

    Parts that are constants, or depend on one variable only, are broadcast
    (fresh, writeable arrays); parts already of that shape pass unchanged.
    """
    shape = np.broadcast_shapes(np.shape(x), np.shape(y))
    return tuple(
        part
        if isinstance(part, np.ndarray) and part.shape == shape and part.dtype == np.float64
        else np.array(np.broadcast_to(np.asarray(part, dtype=np.float64), shape))
        for part in (hxx, hxy, hyy)
    )


# --------------------------------------------------------------------------- rosenbrock
def _rosenbrock_value(x, y):
    return (1.0 - x) ** 2 + 100.0 * (y - x * x) ** 2


def _rosenbrock_grad(x, y):
    d = y - x * x
    gy = 200.0 * d
    return 2.0 * (x - x * gy - 1.0), gy


def _rosenbrock_hess(x, y):
    return _hessian(x, y, 2.0 + 1200.0 * x * x - 400.0 * y, -400.0 * x, 200.0)


def _rosenbrock() -> Surface:
    """Rosenbrock's banana valley (1 − x)² + 100(y − x²)²; minimum f(1, 1) = 0.

    Reference: H. H. Rosenbrock, "An automatic method for finding the greatest or
    least value of a function", The Computer Journal 3(3), 1960.
    """
    return Surface(
        name="rosenbrock",
        label="Rosenbrock",
        value=_rosenbrock_value,
        grad=_rosenbrock_grad,
        hess=_rosenbrock_hess,
        view=(-2.0, 2.0, -1.0, 3.0),
        minima=(Minimum(1.0, 1.0, 0.0),),
        start=(-1.5, 2.0),
        levels="log",
        formula=r"f(x, y) = (1 - x)^2 + 100\,(y - x^2)^2",
        reference="Rosenbrock, The Computer Journal 3(3), 1960; " + VLSE,
    )


register(SurfaceEntry("rosenbrock", "Rosenbrock", _rosenbrock))


# --------------------------------------------------------------------------- quadratic
QUADRATIC_PARAMS = (
    Param(
        "condition",
        "Condition number",
        10.0,
        1.0,
        1000.0,
        log=True,
        step=0.01,
        symbol="κ",
        help="Ratio of the largest to the smallest curvature (λ_max / λ_min).",
    ),
    Param(
        "angle",
        "Rotation",
        30.0,
        -90.0,
        90.0,
        step=1.0,
        symbol="θ",
        help="Rotation of the bowl's axes, in degrees.",
    ),
)


def _quadratic(condition: float = 10.0, angle: float = 30.0) -> Surface:
    """The bowl ½(κu² + v²), (u, v) = (x, y) rotated by `angle` degrees.

    u = x cos θ + y sin θ, v = −x sin θ + y cos θ; the Hessian has eigenvalues
    κ (along u) and 1, so λ_max = κ and gradient descent is stable for lr < 2/κ.
    """
    c, s = rotation(angle)
    k = float(condition)

    def value(x, y):
        u = c * x + s * y
        v = c * y - s * x
        return 0.5 * (k * u * u + v * v)

    def grad(x, y):
        ku = k * (c * x + s * y)
        v = c * y - s * x
        return c * ku - s * v, s * ku + c * v

    # H = Rᵀ diag(κ, 1) R: constant.
    hxx, hxy, hyy = k * c * c + s * s, (k - 1.0) * c * s, k * s * s + c * c

    def hess(x, y):
        return _hessian(x, y, hxx, hxy, hyy)

    return Surface(
        name="quadratic",
        label="Quadratic bowl",
        value=value,
        grad=grad,
        hess=hess,
        view=(-3.0, 3.0, -3.0, 3.0),
        minima=(Minimum(0.0, 0.0, 0.0),),
        start=(-2.5, 2.0),
        levels="log",
        formula=(
            r"\begin{aligned} f &= \tfrac12(\kappa u^2 + v^2) \\ "
            r"u &= x\cos\theta + y\sin\theta \\ v &= -x\sin\theta + y\cos\theta \end{aligned}"
        ),
        reference="Goh, 'Why Momentum Really Works', Distill 2017",
        params={"condition": k, "angle": float(angle)},
        param_specs=QUADRATIC_PARAMS,
        # Tuned at κ = 10; plain gradient steps must also stay below 2/κ.
        lr={
            name: min(lr, 1.0 / k) if name in ("sgd", "momentum", "nesterov") else lr
            for name, lr in SUGGESTED_LR["quadratic"].items()
        },
    )


register(SurfaceEntry("quadratic", "Quadratic bowl", _quadratic, QUADRATIC_PARAMS))


# --------------------------------------------------------------------------- beale
def _beale_value(x, y):
    y2 = y * y
    t1 = 1.5 + x * (y - 1.0)
    t2 = 2.25 + x * (y2 - 1.0)
    t3 = 2.625 + x * (y2 * y - 1.0)
    return t1 * t1 + t2 * t2 + t3 * t3


def _beale_grad(x, y):
    y2 = y * y
    d1, d2, d3 = y - 1.0, y2 - 1.0, y2 * y - 1.0
    t1 = 1.5 + x * d1
    t2 = 2.25 + x * d2
    t3 = 2.625 + x * d3
    gx = 2.0 * (t1 * d1 + t2 * d2 + t3 * d3)
    gy = 2.0 * x * (t1 + y * (2.0 * t2 + 3.0 * y * t3))
    return gx, gy


def _beale_hess(x, y):
    y2 = y * y
    d1, d2, d3 = y - 1.0, y2 - 1.0, y2 * y - 1.0
    t1 = 1.5 + x * d1
    t2 = 2.25 + x * d2
    t3 = 2.625 + x * d3
    hxx = 2.0 * (d1 * d1 + d2 * d2 + d3 * d3)
    hxy = 2.0 * (x * (d1 + y * (2.0 * d2 + 3.0 * y * d3)) + t1 + y * (2.0 * t2 + 3.0 * y * t3))
    hyy = 2.0 * x * (x * (1.0 + y2 * (4.0 + 9.0 * y2)) + 2.0 * t2 + 6.0 * y * t3)
    return _hessian(x, y, hxx, hxy, hyy)


def _beale() -> Surface:
    """Beale's function (1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)².

    Minimum f(3, 0.5) = 0, at the end of a narrow curved valley; the line x = 0
    is a plateau of height 14.203125 with a saddle at (0, 1).

    Reference: E. M. L. Beale, "On an iterative method for finding a local minimum
    of a function of more than one variable", Technical Report 25, Statistical
    Techniques Research Group, Princeton University, 1958; VLSE.
    """
    return Surface(
        name="beale",
        label="Beale",
        value=_beale_value,
        grad=_beale_grad,
        hess=_beale_hess,
        view=(-4.5, 4.5, -4.5, 4.5),
        minima=(Minimum(3.0, 0.5, 0.0),),
        start=(1.0, 1.5),
        levels="log",
        formula=(
            r"\begin{aligned} f(x, y) = {}&(1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 \\ "
            r"&+ (2.625 - x + xy^3)^2 \end{aligned}"
        ),
        reference="Beale, Princeton Statistical Techniques Research Group TR 25, 1958; " + VLSE,
    )


register(SurfaceEntry("beale", "Beale", _beale))


# --------------------------------------------------------------------------- saddle
def _saddle_value(x, y):
    return (x - y) * (x + y) + 0.0  # + 0.0: float64 for integer input too


def _saddle_grad(x, y):
    return _broadcast(2.0 * x, -2.0 * y)


def _saddle_hess(x, y):
    return _hessian(x, y, 2.0, 0.0, -2.0)


def _saddle() -> Surface:
    """The saddle x² − y²: a stationary point at the origin, unbounded below.

    The start lies just off the stable manifold y = 0, so plain gradient descent
    creeps towards the saddle and lingers there before y grows and it escapes.

    Reference: Dauphin et al., "Identifying and attacking the saddle point problem
    in high-dimensional non-convex optimization", NeurIPS 2014.
    """
    return Surface(
        name="saddle",
        label="Saddle",
        value=_saddle_value,
        grad=_saddle_grad,
        hess=_saddle_hess,
        view=(-2.0, 2.0, -2.0, 2.0),
        minima=(),
        start=(1.8, 0.001),
        levels="linear",
        formula=r"f(x, y) = x^2 - y^2",
        reference="Dauphin et al., 'Identifying and attacking the saddle point problem "
        "in high-dimensional non-convex optimization', NeurIPS 2014",
    )


register(SurfaceEntry("saddle", "Saddle", _saddle))


# --------------------------------------------------------------------------- himmelblau
def _himmelblau_value(x, y):
    p = x * x + y - 11.0
    q = x + y * y - 7.0
    return p * p + q * q


def _himmelblau_grad(x, y):
    p = 2.0 * (x * x + y - 11.0)
    q = 2.0 * (x + y * y - 7.0)
    return 2.0 * x * p + q, p + 2.0 * y * q


def _himmelblau_hess(x, y):
    return _hessian(
        x, y, 12.0 * x * x + 4.0 * y - 42.0, 4.0 * (x + y), 4.0 * x + 12.0 * y * y - 26.0
    )


def _himmelblau() -> Surface:
    """Himmelblau's function (x² + y − 11)² + (x + y² − 7)²: four global minima.

    f = 0 at (3, 2), (−2.805118, 3.131312), (−3.779310, −3.283186) and
    (3.584428, −1.848126) (the last three refined numerically to double
    precision); a local maximum f ≈ 181.617 at (−0.270845, −0.923039).

    Reference: D. M. Himmelblau, Applied Nonlinear Programming, McGraw-Hill, 1972.
    """
    return Surface(
        name="himmelblau",
        label="Himmelblau",
        value=_himmelblau_value,
        grad=_himmelblau_grad,
        hess=_himmelblau_hess,
        view=(-5.0, 5.0, -5.0, 5.0),
        minima=(
            Minimum(3.0, 2.0, 0.0),
            Minimum(-2.805118086952745, 3.131312518250573, 0.0),
            Minimum(-3.779310253377747, -3.2831859912861696, 0.0),
            Minimum(3.5844283403304917, -1.8481265269644036, 0.0),
        ),
        start=(-0.5, 0.0),
        levels="log",
        formula=r"f(x, y) = (x^2 + y - 11)^2 + (x + y^2 - 7)^2",
        reference="Himmelblau, Applied Nonlinear Programming, McGraw-Hill, 1972",
    )


register(SurfaceEntry("himmelblau", "Himmelblau", _himmelblau))


# --------------------------------------------------------------------------- rastrigin
_TWO_PI = 2.0 * np.pi
_TWENTY_PI = 20.0 * np.pi


def _rastrigin_value(x, y):
    return 20.0 + x * x + y * y - 10.0 * (np.cos(_TWO_PI * x) + np.cos(_TWO_PI * y))


def _rastrigin_grad(x, y):
    return _broadcast(
        2.0 * x + _TWENTY_PI * np.sin(_TWO_PI * x),
        2.0 * y + _TWENTY_PI * np.sin(_TWO_PI * y),
    )


_FORTY_PI_SQ = 40.0 * np.pi**2


def _rastrigin_hess(x, y):
    return _hessian(
        x,
        y,
        2.0 + _FORTY_PI_SQ * np.cos(_TWO_PI * x),
        0.0,
        2.0 + _FORTY_PI_SQ * np.cos(_TWO_PI * y),
    )


def _rastrigin() -> Surface:
    """Rastrigin's function 20 + Σ (xᵢ² − 10 cos 2πxᵢ): a bowl dimpled by a lattice
    of local minima near the integer points; global minimum f(0, 0) = 0.

    Reference: L. A. Rastrigin, Systems of Extremal Control, Nauka, Moscow, 1974; VLSE.
    """
    return Surface(
        name="rastrigin",
        label="Rastrigin",
        value=_rastrigin_value,
        grad=_rastrigin_grad,
        hess=_rastrigin_hess,
        view=(-5.12, 5.12, -5.12, 5.12),
        minima=(Minimum(0.0, 0.0, 0.0),),
        start=(-4.4, 4.2),
        levels="linear",
        formula=r"f(x, y) = 20 + \sum_{i=1}^{2} \left(x_i^2 - 10\cos(2\pi x_i)\right)",
        reference="Rastrigin, Systems of Extremal Control, Nauka, 1974; " + VLSE,
    )


register(SurfaceEntry("rastrigin", "Rastrigin", _rastrigin))


# --------------------------------------------------------------------------- ackley
_ACKLEY_K = 0.2 * np.sqrt(0.5)  # 0.2·√(½(x² + y²)) = _ACKLEY_K·hypot(x, y)
_ACKLEY_C = 20.0 + np.e


def _ackley_value(x, y):
    h = np.hypot(x, y)
    waves = np.exp(0.5 * (np.cos(_TWO_PI * x) + np.cos(_TWO_PI * y)))
    return _ACKLEY_C - 20.0 * np.exp(-_ACKLEY_K * h) - waves


def _ackley_grad(x, y):
    h = np.hypot(x, y)
    tx, ty = _TWO_PI * x, _TWO_PI * y
    waves = np.pi * np.exp(0.5 * (np.cos(tx) + np.cos(ty)))
    # The cone term has no gradient at the origin; x/h is replaced by 0 there
    # (h = 0 implies x = y = 0, so any finite divisor gives that).
    radial = (20.0 * _ACKLEY_K) * np.exp(-_ACKLEY_K * h) / np.where(h > 0.0, h, 1.0)
    return x * radial + waves * np.sin(tx), y * radial + waves * np.sin(ty)


def _ackley_hess(x, y):
    """The cone's Hessian A″·r̂r̂ᵀ + (A′/h)(I − r̂r̂ᵀ) plus the waves'.

    At the origin the cone is a kink: its curvature is unbounded, so the
    diagonal is +inf there and the off-diagonal 0.
    """
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    h = np.hypot(x, y)
    safe = np.where(h > 0.0, h, 1.0)
    e = np.exp(-_ACKLEY_K * h)
    d1 = (20.0 * _ACKLEY_K) * e / safe  # A′/h
    d2 = -(20.0 * _ACKLEY_K * _ACKLEY_K) * e  # A″
    ux, uy = x / safe, y / safe
    tx, ty = _TWO_PI * x, _TWO_PI * y
    sx, sy = np.sin(tx), np.sin(ty)
    w = np.pi**2 * np.exp(0.5 * (np.cos(tx) + np.cos(ty)))
    with np.errstate(invalid="ignore"):
        hxx = d2 * ux * ux + d1 * (1.0 - ux * ux) + w * (2.0 * np.cos(tx) - sx * sx)
        hxy = (d2 - d1) * ux * uy - w * sx * sy
        hyy = d2 * uy * uy + d1 * (1.0 - uy * uy) + w * (2.0 * np.cos(ty) - sy * sy)
    origin = h == 0.0
    if np.any(origin):
        hxx, hxy, hyy = (np.array(np.broadcast_to(p, origin.shape)) for p in (hxx, hxy, hyy))
        hxx[origin], hxy[origin], hyy[origin] = np.inf, 0.0, np.inf
    return _hessian(x, y, hxx, hxy, hyy)


def _ackley() -> Surface:
    """Ackley's function −20 exp(−0.2 √(½(x² + y²))) − exp(½(cos 2πx + cos 2πy)) + e + 20.

    A nearly flat outer region with a lattice of local minima and a deep cone
    at the global minimum f(0, 0) = 0 (where the gradient is taken as 0).

    Reference: D. H. Ackley, A Connectionist Machine for Genetic Hillclimbing,
    Kluwer, 1987; VLSE.
    """
    return Surface(
        name="ackley",
        label="Ackley",
        value=_ackley_value,
        grad=_ackley_grad,
        hess=_ackley_hess,
        view=(-4.0, 4.0, -4.0, 4.0),
        minima=(Minimum(0.0, 0.0, 0.0),),
        start=(-3.3, 2.7),
        levels="linear",
        formula=(
            r"\begin{aligned} f(x, y) = {}&-20\,e^{-0.2\sqrt{\frac12(x^2 + y^2)}} \\ "
            r"&- e^{\frac12(\cos 2\pi x + \cos 2\pi y)} + e + 20 \end{aligned}"
        ),
        reference="Ackley, A Connectionist Machine for Genetic Hillclimbing, Kluwer, 1987; " + VLSE,
    )


register(SurfaceEntry("ackley", "Ackley", _ackley))


# --------------------------------------------------------------------------- booth
def _booth_value(x, y):
    p = x + 2.0 * y - 7.0
    q = 2.0 * x + y - 5.0
    return p * p + q * q


def _booth_grad(x, y):
    p = 2.0 * (x + 2.0 * y - 7.0)
    q = 2.0 * (2.0 * x + y - 5.0)
    return p + 2.0 * q, 2.0 * p + q


def _booth_hess(x, y):
    return _hessian(x, y, 10.0, 8.0, 10.0)


def _booth() -> Surface:
    """Booth's function (x + 2y − 7)² + (2x + y − 5)²; minimum f(1, 3) = 0.

    A quadratic with Hessian [[10, 8], [8, 10]] (eigenvalues 18 and 2).

    Reference: M. Jamil and X.-S. Yang, "A literature survey of benchmark functions
    for global optimisation problems", IJMMNO 4(2), 2013; VLSE.
    """
    return Surface(
        name="booth",
        label="Booth",
        value=_booth_value,
        grad=_booth_grad,
        hess=_booth_hess,
        view=(-10.0, 10.0, -10.0, 10.0),
        minima=(Minimum(1.0, 3.0, 0.0),),
        start=(-8.0, 8.0),
        levels="log",
        formula=r"f(x, y) = (x + 2y - 7)^2 + (2x + y - 5)^2",
        reference="Jamil & Yang, IJMMNO 4(2), 2013; " + VLSE,
    )


register(SurfaceEntry("booth", "Booth", _booth))


# --------------------------------------------------------------------------- six_hump_camel
def _six_hump_camel_value(x, y):
    x2, y2 = x * x, y * y
    return x2 * (4.0 + x2 * (x2 / 3.0 - 2.1)) + x * y + y2 * (4.0 * y2 - 4.0)


def _six_hump_camel_grad(x, y):
    x2 = x * x
    return x * (8.0 + x2 * (2.0 * x2 - 8.4)) + y, x + y * (16.0 * y * y - 8.0)


def _six_hump_camel_hess(x, y):
    x2 = x * x
    return _hessian(x, y, 8.0 + x2 * (10.0 * x2 - 25.2), 1.0, 48.0 * y * y - 8.0)


def _six_hump_camel() -> Surface:
    """The six-hump camel (4 − 2.1x² + x⁴/3)x² + xy + (−4 + 4y²)y².

    Six local minima, symmetric under (x, y) → (−x, −y): the two global ones
    f = −1.0316285 at ±(0.0898420, −0.7126564); f = −0.2154638 at
    ±(1.7036067, −0.7960836); f = 2.1042503 at ±(1.6071048, 0.5686515).
    (Coordinates and values solved to double precision with mpmath.)

    Reference: L. C. W. Dixon and G. P. Szegö, "The global optimization problem:
    an introduction", Towards Global Optimisation 2, North-Holland, 1978; VLSE.
    """
    return Surface(
        name="six_hump_camel",
        label="Six-hump camel",
        value=_six_hump_camel_value,
        grad=_six_hump_camel_grad,
        hess=_six_hump_camel_hess,
        view=(-3.0, 3.0, -2.0, 2.0),
        minima=(
            Minimum(0.08984201310031806, -0.7126564030207396, -1.0316284534898774),
            Minimum(-0.08984201310031806, 0.7126564030207396, -1.0316284534898774),
            Minimum(1.703606714969981, -0.7960835686726251, -0.21546382438371764, False),
            Minimum(-1.703606714969981, 0.7960835686726251, -0.21546382438371764, False),
            Minimum(1.6071047529201972, 0.5686514548841314, 2.1042503103112584, False),
            Minimum(-1.6071047529201972, -0.5686514548841314, 2.1042503103112584, False),
        ),
        start=(-2.0, 1.5),
        levels="log",
        formula=(
            r"\begin{aligned} f(x, y) = {}&\left(4 - 2.1x^2 + \tfrac{x^4}{3}\right)x^2 \\ "
            r"&+ xy + (-4 + 4y^2)\,y^2 \end{aligned}"
        ),
        reference="Dixon & Szegö, Towards Global Optimisation 2, North-Holland, 1978; " + VLSE,
    )


register(SurfaceEntry("six_hump_camel", "Six-hump camel", _six_hump_camel))


# --------------------------------------------------------------------------- goldstein_price
# With a = x + y + 1 and b = 2x − 3y the two factors are polynomials in one
# variable each: A = 1 + a²(3a² − 20a + 36), B = 30 + b²(3b² − 16b + 18).
def _goldstein_price_value(x, y):
    a = x + y + 1.0
    b = 2.0 * x - 3.0 * y
    return (1.0 + a * a * (36.0 + a * (3.0 * a - 20.0))) * (
        30.0 + b * b * (18.0 + b * (3.0 * b - 16.0))
    )


def _goldstein_price_grad(x, y):
    a = x + y + 1.0
    b = 2.0 * x - 3.0 * y
    A = 1.0 + a * a * (36.0 + a * (3.0 * a - 20.0))
    B = 30.0 + b * b * (18.0 + b * (3.0 * b - 16.0))
    dA = a * (72.0 + a * (12.0 * a - 60.0)) * B  # ∂A/∂a · B
    dB = b * (36.0 + b * (12.0 * b - 48.0)) * A  # ∂B/∂b · A
    return dA + 2.0 * dB, dA - 3.0 * dB


def _goldstein_price_hess(x, y):
    a = x + y + 1.0
    b = 2.0 * x - 3.0 * y
    A = 1.0 + a * a * (36.0 + a * (3.0 * a - 20.0))
    B = 30.0 + b * b * (18.0 + b * (3.0 * b - 16.0))
    A1 = a * (72.0 + a * (12.0 * a - 60.0))
    B1 = b * (36.0 + b * (12.0 * b - 48.0))
    A2B = (72.0 + a * (36.0 * a - 120.0)) * B  # A″·B
    AB2 = A * (36.0 + b * (36.0 * b - 96.0))  # A·B″
    AB1 = A1 * B1
    # ∂a/∂x = ∂a/∂y = 1, ∂b/∂x = 2, ∂b/∂y = −3
    return _hessian(
        x, y, A2B + 4.0 * AB1 + 4.0 * AB2, A2B - AB1 - 6.0 * AB2, A2B - 6.0 * AB1 + 9.0 * AB2
    )


def _goldstein_price() -> Surface:
    """The Goldstein–Price function; global minimum f(0, −1) = 3.

    f = A(a)·B(b) with a = x + y + 1, b = 2x − 3y,
    A = 1 + a²(3a² − 20a + 36) ≥ 1 and B = 30 + b²(3b² − 16b + 18) ≥ 3, so the
    stationary points are where A′ = B′ = 0: the minima have a ∈ {0, 3} and
    b ∈ {0, 3} (A = 1, 28; B = 30, 3), giving exactly f(0, −1) = 3,
    f(−0.6, −0.4) = 30, f(1.8, 0.2) = 84 and f(1.2, 0.8) = 840.

    Reference: A. A. Goldstein and J. F. Price, "On descent from local minima",
    Mathematics of Computation 25(115), 1971; VLSE.
    """
    return Surface(
        name="goldstein_price",
        label="Goldstein–Price",
        value=_goldstein_price_value,
        grad=_goldstein_price_grad,
        hess=_goldstein_price_hess,
        view=(-2.0, 2.0, -2.0, 2.0),
        minima=(
            Minimum(0.0, -1.0, 3.0),
            Minimum(-0.6, -0.4, 30.0, False),
            Minimum(1.8, 0.2, 84.0, False),
            Minimum(1.2, 0.8, 840.0, False),
        ),
        start=(0.5, 0.5),
        levels="log",
        formula=(
            r"\begin{aligned} f = {}&\big[1 + (x + y + 1)^2 \\ "
            r"&\quad (19 - 14x + 3x^2 - 14y + 6xy + 3y^2)\big] \\ "
            r"\times {}&\big[30 + (2x - 3y)^2 \\ "
            r"&\quad (18 - 32x + 12x^2 + 48y - 36xy + 27y^2)\big] \end{aligned}"
        ),
        reference="Goldstein & Price, Mathematics of Computation 25(115), 1971; " + VLSE,
    )


register(SurfaceEntry("goldstein_price", "Goldstein–Price", _goldstein_price))


# --------------------------------------------------------------------------- styblinski_tang
def _styblinski_tang_value(x, y):
    x2, y2 = x * x, y * y
    return 0.5 * (x2 * (x2 - 16.0) + y2 * (y2 - 16.0) + 5.0 * (x + y))


def _styblinski_tang_grad(x, y):
    return _broadcast(x * (2.0 * x * x - 16.0) + 2.5, y * (2.0 * y * y - 16.0) + 2.5)


def _styblinski_tang_hess(x, y):
    return _hessian(x, y, 6.0 * x * x - 16.0, 0.0, 6.0 * y * y - 16.0)


_ST_LOW, _ST_HIGH = -2.903534027771177, 2.746802770990837  # roots of 4t³ − 32t + 5


def _styblinski_tang() -> Surface:
    """The Styblinski–Tang function ½ Σ (xᵢ⁴ − 16xᵢ² + 5xᵢ).

    Each coordinate has two minima, t₁ = −2.9035340 and t₂ = 2.7468028 (roots of
    4t³ − 32t + 5), so there are four minima: the global f(t₁, t₁) = −78.3323314,
    f(t₁, t₂) = f(t₂, t₁) = −64.1956124 and f(t₂, t₂) = −50.0588933. (The often
    quoted −39.16599·d is slightly off; the exact value is −39.1661657·d.)

    Reference: M. A. Styblinski and T.-S. Tang, "Experiments in nonconvex
    optimization: stochastic approximation with function smoothing and simulated
    annealing", Neural Networks 3(4), 1990; VLSE.
    """
    return Surface(
        name="styblinski_tang",
        label="Styblinski–Tang",
        value=_styblinski_tang_value,
        grad=_styblinski_tang_grad,
        hess=_styblinski_tang_hess,
        view=(-5.0, 5.0, -5.0, 5.0),
        minima=(
            Minimum(_ST_LOW, _ST_LOW, -78.33233140754282),
            Minimum(_ST_LOW, _ST_HIGH, -64.19561235905536, False),
            Minimum(_ST_HIGH, _ST_LOW, -64.19561235905536, False),
            Minimum(_ST_HIGH, _ST_HIGH, -50.05889331056788, False),
        ),
        start=(0.5, 4.5),
        levels="log",
        formula=r"f(x, y) = \tfrac12 \sum_{i=1}^{2} \left(x_i^4 - 16x_i^2 + 5x_i\right)",
        reference="Styblinski & Tang, Neural Networks 3(4), 1990; " + VLSE,
    )


register(SurfaceEntry("styblinski_tang", "Styblinski–Tang", _styblinski_tang))


# --------------------------------------------------------------------------- monkey_saddle
def _monkey_saddle_value(x, y):
    return x * (x * x - 3.0 * y * y)


def _monkey_saddle_grad(x, y):
    return 3.0 * (x * x - y * y), -6.0 * x * y


def _monkey_saddle_hess(x, y):
    return _hessian(x, y, 6.0 * x, -6.0 * y, -6.0 * x)


def _monkey_saddle() -> Surface:
    """The monkey saddle x³ − 3xy²: a degenerate saddle (zero Hessian) at the
    origin with three descending valleys; unbounded below.

    Reference: D. Hilbert and S. Cohn-Vossen, Geometry and the Imagination,
    Chelsea, 1952.
    """
    return Surface(
        name="monkey_saddle",
        label="Monkey saddle",
        value=_monkey_saddle_value,
        grad=_monkey_saddle_grad,
        hess=_monkey_saddle_hess,
        view=(-2.0, 2.0, -2.0, 2.0),
        minima=(),
        start=(1.5, 0.2),
        levels="linear",
        formula=r"f(x, y) = x^3 - 3xy^2",
        reference="Hilbert & Cohn-Vossen, Geometry and the Imagination, Chelsea, 1952",
    )


register(SurfaceEntry("monkey_saddle", "Monkey saddle", _monkey_saddle))
