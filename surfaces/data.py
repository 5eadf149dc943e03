"""Data surfaces: the loss of a two-parameter model over N samples (xᵢ, yᵢ).

The plane *is* the parameter space, so the contour is the exact full-batch loss
and a path is what gradient descent on the data does. Three models:

| name | plane (x, y) | model, loss |
|---|---|---|
| `linear_regression` | (w, b) | ŷ = w·x + b, L = mean (ŷ − y)² |
| `logistic_regression` | (w, b) | p = σ(w·x + b), L = mean −y log p − (1 − y) log(1 − p) |
| `tiny_net` | (w, v) | ŷ = v·tanh(w·x), L = mean (ŷ − y)² |

Each is a `DataSurface`: a `Surface` with its samples (`data`) and, next to the
full-batch `value`/`grad`, `batch_value(x, y, idx)`/`batch_grad(x, y, idx)`, the
mean loss and its exact gradient over the samples `idx` (an int array). All
four broadcast over plane positions of any shape, and over samples without a
Python loop (large position × sample products go in blocks that stay in cache).

Numerics:

- Linear regression is a quadratic, so the full-batch loss is written about its
  least-squares minimum θ* (``np.linalg.lstsq``): L = L* + (θ − θ*)ᵀH(θ − θ*),
  H = [[mean x², mean x], [mean x, 1]], exact and never below L* (log contours
  stay clean even at zero noise). Its mini-batch gradient uses the batch's
  moments (mean x², mean x, mean xy, mean y): O(B + n) per step, not O(B·n),
  since every path of a run shares the batch.
- Logistic regression with 0/1 labels: with s = 1 − 2y the per-sample loss is
  softplus(s·z) = log(1 + e^{s·z}), z = w·x + b (``np.logaddexp``: finite at
  |w| = 10³ and beyond), and ∂/∂z = s·σ(s·z) with σ(u) = exp(−softplus(−u)),
  free of overflow. A finite minimum exists exactly when the classes overlap
  (neither max x of one class ≤ min x of the other) and x takes two values;
  otherwise the weights grow without bound and the surface lists no minima.
- The tiny net is odd in (w, v) → (−w, −v), so its minima come in mirror
  pairs, and the origin is always stationary (a saddle when mean xy ≠ 0).

Minima other than least squares are found numerically: damped Newton steps with
the exact Hessians below, from a small grid of starts at once (vectorized over
the starts), kept where the gradient vanishes and the Hessian is positive
definite.

Generated data are reproducible from `samples`, `noise` and `data_seed`; your own
data come through `parse_csv` and `data_surface`.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._base import Minimum, Param, Surface, SurfaceEntry, register
from ._suggested_lr import SUGGESTED_LR

__all__ = [
    "DATA_KINDS",
    "MAX_SAMPLES",
    "DataSurface",
    "data_surface",
    "parse_csv",
]

Array = np.ndarray

#: At most this many samples (generated or uploaded).
MAX_SAMPLES = 10_000
#: Blocks of about this many position × sample elements (a few hundred kB).
_BLOCK = 1 << 15
_add_reduce = np.add.reduce


@dataclass(frozen=True, eq=False)
class DataSurface(Surface):
    """A `Surface` whose loss is a mean over samples (see the module docstring).

    Attributes (besides `Surface`'s):
        data: ``(x, y)``, two float64 arrays of shape (N,): the samples.
        batch_value: ``batch_value(x, y, idx)``, the mean loss over the samples
            `idx` (an int array) at plane positions (x, y), broadcasting like `value`.
        batch_grad: ``batch_grad(x, y, idx) -> (gx, gy)``, its exact gradient.
        batch_hess: ``batch_hess(x, y, idx) -> (hxx, hxy, hyy)``, its exact
            Hessian (``hess`` is the full batch's).
        kind: the model, one of `DATA_KINDS`.
        batch_grad_kernel: optional fast path for `run` (linear regression
            has one): ``batch_grad_kernel(batches)`` prepares a whole run's
            schedule and returns ``step(θx, θy, k, gx, gy)``, which writes
            step k's mini-batch gradient in place, bit-identical to
            ``batch_grad(θx, θy, batches[k])``.

    The loss is finite wherever the position is (the models are smooth), which
    lets the divergence test skip evaluating it.
    """

    data: tuple[Array, Array] = (np.zeros(0), np.zeros(0))
    batch_value: Callable[[Any, Any, Array], Any] | None = None
    batch_grad: Callable[[Any, Any, Array], tuple[Any, Any]] | None = None
    batch_hess: Callable[[Any, Any, Array], tuple[Any, Any, Any]] | None = None
    kind: str = ""
    batch_grad_kernel: Callable[[list[Array]], Callable[..., None]] | None = None

    @property
    def samples(self) -> int:
        """N, the number of samples."""
        return int(self.data[0].shape[0])


# --------------------------------------------------------------------------- blocks
def _positions(x: Any, y: Any) -> tuple[Array, Array, tuple[int, ...]]:
    """x, y broadcast and flattened to float64 (P,), and their common shape."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    shape = np.broadcast_shapes(x.shape, y.shape)
    if x.shape != shape or y.shape != shape:
        x, y = np.broadcast_arrays(x, y)
    return x.reshape(-1), y.reshape(-1), shape


def _frozen(x: Array, y: Array) -> tuple[Array, Array]:
    """The samples, read-only: the surface's minima and closures were computed from them."""
    x.setflags(write=False)
    y.setflags(write=False)
    return x, y


def _shaped(out: Array, shape: tuple[int, ...]) -> Any:
    return out.reshape(shape) if shape else out[0]


def _reduce(
    means: Callable[[Array, Array, Array, Array], tuple[Array, ...]],
    count: int,
    x: Any,
    y: Any,
    xs: Array,
    ys: Array,
) -> tuple[Any, ...]:
    """`count` means over the samples (xs, ys) at positions (x, y), broadcast like x and y.

    `means(a, b, xs, ys)` gets a, b of shape (p, 1) and xs, ys of shape (B,)
    and returns `count` arrays of shape (p,): its means over the samples.
    Positions go in blocks so that p·B stays near `_BLOCK`.
    """
    step = max(1, _BLOCK // max(xs.shape[0], 1))
    if (
        type(x) is np.ndarray  # the stepping core's case: two (n,) float64 rows
        and type(y) is np.ndarray
        and x.ndim == 1
        and x.shape == y.shape
        and x.dtype == y.dtype == np.float64
        and x.shape[0] <= step
    ):
        return means(x[:, None], y[:, None], xs, ys)
    a, b, shape = _positions(x, y)
    p = a.shape[0]
    if p <= step:
        outs = means(a[:, None], b[:, None], xs, ys)
    else:
        outs = tuple(np.empty(p) for _ in range(count))
        for lo in range(0, p, step):
            hi = min(lo + step, p)
            for o, part in zip(outs, means(a[lo:hi, None], b[lo:hi, None], xs, ys), strict=True):
                o[lo:hi] = part
    return tuple(_shaped(o, shape) for o in outs)


# --------------------------------------------------------------------------- models
def _groups(batches: list[Array]) -> list[tuple[int, int]]:
    """Ranges of consecutive batches holding about 2¹⁸ indices together (bounded memory)."""
    out, lo, count = [], 0, 0
    for k, b in enumerate(batches):
        count += b.shape[0]
        if count >= 1 << 18:
            out.append((lo, k + 1))
            lo, count = k + 1, 0
    if lo < len(batches):
        out.append((lo, len(batches)))
    return out


def _softplus(u: Array) -> Array:
    return np.logaddexp(0.0, u)


def _sigmoid(u: Array) -> Array:
    """σ(u) = exp(−softplus(−u)): no overflow for any finite u."""
    return np.exp(-np.logaddexp(0.0, -u))


# Each returns its means over the samples (axis 1), as ``add.reduce / B`` (what
# ``mean`` computes, without its Python overhead).
def _mean(t: Array) -> Array:
    return _add_reduce(t, 1) / t.shape[1]


def _weighted(t: Array, w: Array) -> Array:
    """mean over samples of t·w, for t of shape (p, B) and w of shape (B,).

    Not a matrix–vector product: BLAS may round a row differently with the
    number of rows, and one path must step alike alone and among others.
    """
    return _add_reduce(t * w, 1) / w.shape[0]


def _linear_terms(w, b, xs, ys):
    r = w * xs + b - ys
    return (_mean(r * r),)


def _logistic_terms(w, b, xs, ss):
    # ss = 1 − 2y (−1 for label 1, +1 for label 0): loss = softplus(s·z).
    return (_mean(_softplus(ss * (w * xs + b))),)


def _logistic_grad_terms(w, b, xs, ns):
    # With ns = −s = 2y − 1: u = −s·z, σ(s·z) = exp(−softplus(u)), and −dz = ns·σ(s·z),
    # in place in one (p, B) buffer; the means are negated at the end (exactly).
    u = w * xs
    u += b
    u *= ns
    np.logaddexp(0.0, u, u)
    np.negative(u, u)
    np.exp(u, u)
    u *= ns
    gw, gb = _weighted(u, xs), _mean(u)
    np.negative(gw, gw)
    np.negative(gb, gb)
    return gw, gb


def _tiny_terms(w, v, xs, ys):
    r = v * np.tanh(w * xs) - ys
    return (_mean(r * r),)


def _tiny_grad_terms(w, v, xs, ys):
    t = w * xs
    np.tanh(t, t)
    r = v * t
    r -= ys
    r += r
    gv = _mean(r * t)
    np.multiply(t, t, t)
    np.subtract(1.0, t, t)  # 1 − tanh²
    r *= v
    r *= t
    return _weighted(r, xs), gv


def _tiny_hess_terms(w, v, xs, ys):
    t = np.tanh(w * xs)
    s = 1.0 - t * t
    r = v * t - ys
    vxs = v * xs * s
    return (
        _mean(2.0 * (vxs * vxs - 2.0 * r * v * xs * xs * t * s)),
        _mean(2.0 * xs * s * (v * t + r)),
        _mean(2.0 * t * t),
    )


def _logistic_hess_terms(w, b, xs, ss):
    p = _sigmoid(ss * (w * xs + b))
    c = p * (1.0 - p)
    return _weighted(c, xs * xs), _weighted(c, xs), _mean(c)


# --------------------------------------------------------------------------- minima
def _newton_minima(
    grad: Callable[[Array, Array], tuple[Array, Array]],
    hess: Callable[[Array, Array], tuple[Array, Array, Array]],
    value: Callable[[Array, Array], Array],
    starts: Array,
    iterations: int = 60,
) -> list[tuple[float, float]]:
    """Strict local minima reached by damped Newton steps from every start at once.

    Each iteration takes the Newton step where the Hessian is positive definite
    and a gradient step otherwise, halving it (per start) until the value does
    not rise. Returns the distinct points where the gradient vanishes (relative
    to the curvature) and the Hessian is positive definite.
    """
    w, b = starts[:, 0].copy(), starts[:, 1].copy()
    with np.errstate(all="ignore"):
        f = value(w, b)
        active = np.arange(w.shape[0])  # starts still moving
        for _ in range(iterations):
            if not active.size:
                break
            wa, ba, fa = w[active], b[active], f[active]
            gw, gb = grad(wa, ba)
            hww, hwb, hbb = hess(wa, ba)
            det = hww * hbb - hwb * hwb
            pd = (hww > 0) & (det > 0)
            safe = np.where(pd, det, 1.0)
            dw = np.where(pd, -(hbb * gw - hwb * gb) / safe, -gw)
            db = np.where(pd, -(hww * gb - hwb * gw) / safe, -gb)
            t = np.ones_like(wa)
            nw, nb = wa + dw, ba + db
            nf = value(nw, nb)
            for _ in range(40):
                worse = np.flatnonzero(~(nf <= fa))
                if not worse.size:
                    break
                t[worse] /= 2
                nw[worse] = wa[worse] + t[worse] * dw[worse]
                nb[worse] = ba[worse] + t[worse] * db[worse]
                nf[worse] = value(nw[worse], nb[worse])
            ok = nf <= fa
            moved = np.hypot(nw - wa, nb - ba)
            w[active] = np.where(ok, nw, wa)
            b[active] = np.where(ok, nb, ba)
            f[active] = np.where(ok, nf, fa)
            active = active[ok & (moved > 1e-15 * (1.0 + np.hypot(wa, ba)))]
        gw, gb = grad(w, b)
        hww, hwb, hbb = hess(w, b)
    found: list[tuple[float, float]] = []
    for i in np.flatnonzero(np.isfinite(w) & np.isfinite(b)):
        det = hww[i] * hbb[i] - hwb[i] ** 2
        scale = 1.0 + max(abs(hww[i]), abs(hbb[i]))
        if not (hww[i] > 0 and det > 1e-12 * scale * scale):
            continue
        if math.hypot(gw[i], gb[i]) > 1e-10 * scale:
            continue
        point = (float(w[i]), float(b[i]))
        if all(math.dist(point, q) > 1e-6 * (1 + math.hypot(*q)) for q in found):
            found.append(point)
    return found


def _as_minima(points: list[tuple[float, float]], value: Callable) -> tuple[Minimum, ...]:
    """Minima sorted by value, the lowest (to 1e-12 relative) marked global."""
    vals = [float(value(px, py)) for px, py in points]
    order = sorted(range(len(points)), key=lambda i: (vals[i], points[i]))
    if not order:
        return ()
    low = vals[order[0]]
    return tuple(
        Minimum(points[i][0], points[i][1], vals[i], vals[i] <= low + 1e-12 * (1 + abs(low)))
        for i in order
    )


def _fit_view(
    view: tuple[float, float, float, float], minima: tuple[Minimum, ...]
) -> tuple[float, float, float, float]:
    """`view`, grown where needed so that every minimum lies inside with a margin."""
    x0, x1, y0, y1 = view
    for m in minima:
        mx, my = 0.15 * (x1 - x0), 0.15 * (y1 - y0)
        x0, x1 = min(x0, m.x - mx), max(x1, m.x + mx)
        y0, y1 = min(y0, m.y - my), max(y1, m.y + my)
    return (x0, x1, y0, y1)


# --------------------------------------------------------------------------- builders
def _linear(x: Array, y: Array, view, start, params, specs, label, lr) -> DataSurface:
    n = x.shape[0]
    mx, mxx = float(x.mean()), float((x * x).mean())
    A = np.stack([x, np.ones(n)], axis=1)
    (w_star, b_star), *_ = np.linalg.lstsq(A, y, rcond=None)
    w_star, b_star = float(w_star), float(b_star)
    res = w_star * x + b_star - y
    l_star = float((res * res).mean())
    det = mxx - mx * mx  # the variance of x: H is singular when x is constant

    def value(p, q):
        dw = np.subtract(p, w_star, dtype=np.float64)
        db = np.subtract(q, b_star, dtype=np.float64)
        return l_star + (mxx * dw + (2.0 * mx) * db) * dw + db * db

    def grad(p, q):
        dw = np.subtract(p, w_star, dtype=np.float64)
        db = np.subtract(q, b_star, dtype=np.float64)
        gw = (2.0 * mxx) * dw + (2.0 * mx) * db
        gb = (2.0 * mx) * dw + 2.0 * db
        if gw.shape != gb.shape:
            shape = np.broadcast_shapes(gw.shape, gb.shape)
            gw, gb = np.broadcast_to(gw, shape).copy(), np.broadcast_to(gb, shape).copy()
        return gw, gb

    def batch_value(p, q, idx):
        (v,) = _reduce(_linear_terms, 1, p, q, x[idx], y[idx])
        return v

    def constant_hess(p, q, xs):
        """H = 2·[[mean x², mean x], [mean x, 1]] over the samples xs, at the positions' shape."""
        shape = np.broadcast_shapes(np.shape(p), np.shape(q))
        parts = (2.0 * float((xs * xs).mean()), 2.0 * float(xs.mean()), 2.0)
        return tuple(np.full(shape, v) for v in parts)

    def hess(p, q):
        return constant_hess(p, q, x)

    def batch_hess(p, q, idx):
        return constant_hess(p, q, x[idx])

    def moments(batches: list[Array]) -> list[tuple[float, ...]]:
        """Per batch (2·mean x², 2·mean x, 2·mean xy, mean x, mean y): all batches at once.

        The batch's moments are shared by every path: O(B) once per step,
        then O(n) for the paths, not O(B·n).
        """
        out = []
        for lo, hi in _groups(batches):
            group = batches[lo:hi]
            counts = np.array([g.shape[0] for g in group], dtype=np.intp)
            sizes = counts.astype(np.float64)
            flat = np.concatenate(group)
            xs, ys = x[flat], y[flat]
            cuts = np.zeros(len(group), dtype=np.intp)
            np.cumsum(counts[:-1], out=cuts[1:])
            sums = np.add.reduceat(np.stack([xs * xs, xs, xs * ys, ys]), cuts, axis=1)
            sums /= sizes
            sxx, sx, sxy, sy = sums
            out.extend(zip(2.0 * sxx, 2.0 * sx, 2.0 * sxy, sx, sy, strict=True))
        return out

    def kernel(p, q, m, gx, gy):
        """gx = 2(mean x²·w + mean x·b − mean xy), gy = 2(mean x·w + b − mean y), in place."""
        sxx2, sx2, sxy2, sx, sy = m
        np.multiply(q, sx2, gy)
        np.multiply(p, sxx2, gx)
        gx += gy
        gx -= sxy2
        np.multiply(p, sx, gy)
        gy += q
        gy -= sy
        gy *= 2.0

    def batch_grad(p, q, idx):
        a, b, shape = _positions(p, q)
        gx, gy = np.empty_like(a), np.empty_like(a)
        kernel(a, b, moments([np.asarray(idx)])[0], gx, gy)
        return _shaped(gx, shape), _shaped(gy, shape)

    def batch_grad_kernel(batches):
        table = [tuple(float(v) for v in m) for m in moments(batches)]

        def step(p, q, k, gx, gy):
            kernel(p, q, table[k], gx, gy)

        return step

    strict = det > 1e-12 * max(mxx, 1e-300)
    minima = (Minimum(w_star, b_star, l_star),) if strict else ()
    return DataSurface(
        name="linear_regression",
        label=label,
        value=value,
        grad=grad,
        view=_fit_view(view, minima),
        minima=minima,
        start=start,
        levels="log" if minima else "linear",
        formula=(
            r"\begin{aligned} \hat y_i &= w\,x_i + b \\ "
            r"L(w, b) &= \frac1N \sum_{i=1}^{N} (\hat y_i - y_i)^2 \end{aligned}"
        ),
        reference="Least squares (Legendre 1805, Gauss 1809); Goodfellow, Bengio & "
        "Courville, Deep Learning, MIT Press 2016, §5.1.4",
        params=params,
        param_specs=specs,
        lr=lr,
        data=_frozen(x, y),
        batch_value=batch_value,
        batch_grad=batch_grad,
        batch_grad_kernel=batch_grad_kernel,
        hess=hess,
        batch_hess=batch_hess,
        kind="linear_regression",
    )


def _logistic_has_minimum(x: Array, y: Array) -> bool:
    """A finite minimizer exists: both classes present, overlapping, and x not constant."""
    ones, zeros = x[y == 1], x[y == 0]
    if not ones.size or not zeros.size or x.min() == x.max():
        return False
    return not (zeros.max() <= ones.min() or ones.max() <= zeros.min())


def _loss_functions(terms, grad_terms, hess_terms, x: Array, a: Array, a_grad: Array) -> dict:
    """A data loss's full-batch ``value``/``grad``/``hess`` and their mini-batch versions.

    `terms`, `grad_terms` and `hess_terms` give the per-sample terms that `_reduce`
    averages, from the samples `x` and a per-sample array (`a` for the value and the
    Hessian, `a_grad` for the gradient); the batch versions take an index array.
    """

    def value(p, q):
        (v,) = _reduce(terms, 1, p, q, x, a)
        return v

    def grad(p, q):
        return _reduce(grad_terms, 2, p, q, x, a_grad)

    def hess(p, q):
        return _reduce(hess_terms, 3, p, q, x, a)

    def batch_value(p, q, idx):
        (v,) = _reduce(terms, 1, p, q, x[idx], a[idx])
        return v

    def batch_grad(p, q, idx):
        return _reduce(grad_terms, 2, p, q, x[idx], a_grad[idx])

    def batch_hess(p, q, idx):
        return _reduce(hess_terms, 3, p, q, x[idx], a[idx])

    return {
        "value": value,
        "grad": grad,
        "hess": hess,
        "batch_value": batch_value,
        "batch_grad": batch_grad,
        "batch_hess": batch_hess,
    }


def _logistic(x: Array, y: Array, view, start, params, specs, label, lr) -> DataSurface:
    s = 1.0 - 2.0 * y
    f = _loss_functions(_logistic_terms, _logistic_grad_terms, _logistic_hess_terms, x, s, -s)
    value, grad, hess = f["value"], f["grad"], f["hess"]

    minima: tuple[Minimum, ...] = ()
    if _logistic_has_minimum(x, y):
        # Convex: one minimum, reached by Newton from the origin.
        found = _newton_minima(grad, hess, value, np.zeros((1, 2)))
        minima = _as_minima(found, value)
    return DataSurface(
        name="logistic_regression",
        label=label,
        view=_fit_view(view, minima),
        minima=minima,
        start=start,
        levels="log" if minima else "linear",
        formula=(
            r"\begin{aligned} p_i &= \sigma(w\,x_i + b) \\ "
            r"L(w, b) &= -\frac1N \sum_{i=1}^{N} \big(y_i \log p_i"
            r" + (1 - y_i)\log(1 - p_i)\big) \end{aligned}"
        ),
        reference="Cox, 'The regression analysis of binary sequences', JRSS B 20(2), 1958; "
        "Goodfellow, Bengio & Courville, Deep Learning, MIT Press 2016, §6.2.2.2",
        params=params,
        param_specs=specs,
        lr=lr,
        data=_frozen(x, y),
        **f,
        kind="logistic_regression",
    )


def _tiny_net(x: Array, y: Array, view, start, params, specs, label, lr) -> DataSurface:
    f = _loss_functions(_tiny_terms, _tiny_grad_terms, _tiny_hess_terms, x, y, y)
    value, grad, hess = f["value"], f["grad"], f["hess"]

    # Newton from a grid of starts in the half plane w > 0; each minimum found
    # there has its mirror image (−w, −v), with the same loss exactly.
    _, x1, y0, y1 = view
    gw, gv = np.meshgrid(np.linspace(0.1, x1, 5), np.linspace(y0, y1, 6))
    found = _newton_minima(grad, hess, value, np.stack([gw.ravel(), gv.ravel()], axis=1))
    half = []
    for px, py in found:
        px, py = (px, py) if px > 0 or (px == 0 and py > 0) else (-px, -py)
        if all(math.dist((px, py), q) > 1e-6 * (1 + math.hypot(*q)) for q in half):
            half.append((px, py))
    minima = _as_minima(half + [(-px, -py) for px, py in half], value)
    return DataSurface(
        name="tiny_net",
        label=label,
        view=_fit_view(view, minima),
        minima=minima,
        start=start,
        levels="log" if minima else "linear",
        formula=(
            r"\begin{aligned} \hat y_i &= v \tanh(w\,x_i) \\ "
            r"L(w, v) &= \frac1N \sum_{i=1}^{N} (\hat y_i - y_i)^2 \end{aligned}"
        ),
        reference="A one-hidden-unit tanh network; Goodfellow, Bengio & Courville, "
        "Deep Learning, MIT Press 2016, §8.2.3 (saddle points)",
        params=params,
        param_specs=specs,
        lr=lr,
        data=_frozen(x, y),
        **f,
        kind="tiny_net",
    )


# --------------------------------------------------------------------------- registry
def _sample_params(noise_default: float, noise_max: float, noise_help: str) -> tuple[Param, ...]:
    return (
        Param(
            "samples",
            "Samples",
            64,
            2,
            MAX_SAMPLES,
            log=True,
            step=0.01,
            symbol="N",
            help="How many data points the loss averages over.",
            kind="int",
        ),
        Param(
            "noise",
            "Noise",
            noise_default,
            0.0,
            noise_max,
            step=0.01,
            symbol="σ",
            help=noise_help,
        ),
        Param(
            "data_seed",
            "Data seed",
            0,
            0,
            9999,
            step=1,
            symbol="s",
            help="Seeds the generated data: the same seed gives the same samples.",
            kind="int",
        ),
    )


@dataclass(frozen=True)
class _Kind:
    """How one model's data are generated and where its plane is drawn."""

    name: str
    label: str
    build: Callable[..., DataSurface]
    truth: tuple[float, float]
    view: tuple[float, float, float, float]
    start: tuple[float, float]
    params: tuple[Param, ...]
    generate: Callable[[np.random.Generator, int, float, tuple[float, float]], tuple[Array, Array]]


def _gen_linear(rng, n, noise, truth):
    x = rng.uniform(-1.0, 3.0, n)  # off-centre: a tilted, elongated bowl
    return x, truth[0] * x + truth[1] + noise * rng.standard_normal(n)


def _gen_logistic(rng, n, noise, truth):
    # y = 1[w·x + b + noise·ε > 0] with ε standard logistic: P(y = 1) = σ((w·x + b)/noise),
    # separable at noise 0.
    x = rng.normal(0.0, 1.5, n)
    eps = rng.logistic(0.0, 1.0, n)
    return x, (truth[0] * x + truth[1] + noise * eps > 0).astype(np.float64)


def _gen_tiny(rng, n, noise, truth):
    x = rng.uniform(-2.0, 2.0, n)
    return x, truth[1] * np.tanh(truth[0] * x) + noise * rng.standard_normal(n)


KINDS: dict[str, _Kind] = {
    k.name: k
    for k in (
        _Kind(
            "linear_regression",
            "Linear regression",
            _linear,
            (2.0, -1.0),
            (-2.0, 5.0, -4.5, 2.5),
            (-1.0, 1.5),
            _sample_params(0.5, 3.0, "Standard deviation of the Gaussian noise on y."),
            _gen_linear,
        ),
        _Kind(
            "logistic_regression",
            "Logistic regression",
            _logistic,
            (2.0, -1.0),
            (-3.0, 7.0, -5.0, 4.0),
            (-2.0, 3.0),
            _sample_params(
                1.0,
                5.0,
                "Label noise: P(y = 1) = σ((w·x + b)/σ); at 0 the classes separate.",
            ),
            _gen_logistic,
        ),
        _Kind(
            "tiny_net",
            "Tiny net",
            _tiny_net,
            (1.5, 2.0),
            (-3.0, 3.0, -3.0, 3.0),
            (2.5, -2.3),  # near the saddle's stable line w = −v: runs split between the minima
            _sample_params(0.3, 2.0, "Standard deviation of the Gaussian noise on y."),
            _gen_tiny,
        ),
    )
}

#: The data models, by name.
DATA_KINDS: tuple[str, ...] = tuple(KINDS)


def _generated(kind: _Kind) -> Callable[..., DataSurface]:
    def make(samples: int = 64, noise: float = 0.0, data_seed: int = 0) -> DataSurface:
        rng = np.random.default_rng(int(data_seed))
        x, y = kind.generate(rng, int(samples), float(noise), kind.truth)
        params = {"samples": int(samples), "noise": float(noise), "data_seed": int(data_seed)}
        return kind.build(
            np.ascontiguousarray(x, dtype=np.float64),
            np.ascontiguousarray(y, dtype=np.float64),
            kind.view,
            kind.start,
            params,
            kind.params,
            kind.label,
            SUGGESTED_LR.get(kind.name, {}),
        )

    make.__doc__ = f"{kind.label} on {{samples}} generated samples (see surfaces.data)."
    return make


for _k in KINDS.values():
    register(SurfaceEntry(_k.name, _k.label, _generated(_k), _k.params))


# --------------------------------------------------------------------------- your data
def data_surface(kind: str, x: Any, y: Any) -> DataSurface:
    """A data surface of model `kind` on your samples (x, y): two float arrays of shape (N,).

    2 ≤ N ≤ `MAX_SAMPLES`, all finite; for ``logistic_regression`` y holds 0/1
    labels. The view is the generated data's, grown to hold the minima.
    Raises ValueError naming the problem (and the first bad sample).
    """
    if kind not in KINDS:
        raise ValueError(f"unknown data model {kind!r}; choose one of: {', '.join(KINDS)}")
    arrays = []
    for name, v in (("x", x), ("y", y)):
        try:
            arr = np.array(v, dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError(f"{name} is not numeric") from None
        if arr.ndim != 1:
            raise ValueError(f"{name} has shape {arr.shape}; use one value per sample, shape (N,)")
        bad = np.flatnonzero(~np.isfinite(arr))
        if bad.size:
            raise ValueError(f"sample {bad[0] + 1}: {name} = {arr[bad[0]]} is not a finite number")
        arrays.append(np.ascontiguousarray(arr))
    x, y = arrays
    if x.shape != y.shape:
        raise ValueError(f"x has {x.shape[0]} samples and y {y.shape[0]}; they must match")
    if not 2 <= x.shape[0] <= MAX_SAMPLES:
        raise ValueError(f"{x.shape[0]} samples; use 2 to {MAX_SAMPLES:,}")
    if kind == "logistic_regression":
        bad = np.flatnonzero((y != 0) & (y != 1))
        if bad.size:
            raise ValueError(f"sample {bad[0] + 1}: label y = {y[bad[0]]:g} is not 0 or 1")
    k = KINDS[kind]
    view = k.view
    start = k.start
    return k.build(x, y, view, start, {}, (), f"{k.label} (your data)", SUGGESTED_LR.get(kind, {}))


def _row_label(row: int) -> str:
    return f"row {row:,}"


def parse_csv(text: str | bytes) -> tuple[Array, Array]:
    """Two numeric columns (x, y) from CSV text; a first row of column names is allowed.

    Fields are separated by commas (or, when a line has none, by semicolons,
    tabs or spaces); blank lines are skipped. At most `MAX_SAMPLES` data rows.
    Raises ValueError naming the row (counted from 1, as an editor does) and the
    problem: not text (binary content), empty, only a header, one column or
    more than two, a field that is not a number, NaN or infinity, too many rows.
    """
    if isinstance(text, bytes | bytearray):
        if b"\x00" in text:
            raise ValueError("this is a binary file, not CSV text (it has NUL bytes)")
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as err:
            raise ValueError(
                f"this is not UTF-8 text (byte {err.start + 1} cannot be read); "
                "upload a CSV of two numeric columns"
            ) from None
    if not isinstance(text, str):
        raise ValueError("the CSV must be text")
    text = text.removeprefix("\ufeff")
    # One pass that stops once past the row limit: a million rows cost no more than 10 001.
    numbered: list[tuple[int, str]] = []
    for i, line in enumerate(text.splitlines(), start=1):
        if "\x00" in line or any(ord(c) < 32 and c not in "\t\r\n\f\v" for c in line[:200]):
            raise ValueError(f"{_row_label(i)}: binary content (control characters); not CSV text")
        if line.strip():
            numbered.append((i, line))
            if len(numbered) > MAX_SAMPLES + 1:  # a header, the limit, and one more
                break
    if not numbered:
        raise ValueError("the CSV is empty; paste two numeric columns x, y")
    first = numbered[0][1]
    delimiter = next((d for d in (",", ";", "\t") if d in first), None)

    def fields(line: str) -> list[str]:
        if delimiter is None:
            return line.split()
        return [f.strip() for f in next(csv.reader(io.StringIO(line), delimiter=delimiter))]

    def number(text: str) -> float | None:
        try:
            return float(text)
        except ValueError:
            return None

    head = fields(first)
    header = all(number(f) is None for f in head if f)
    rows = numbered[1:] if header else numbered
    if header and not rows:
        raise ValueError(f"{_row_label(numbered[0][0])}: only a header row, no data rows")
    if len(rows) > MAX_SAMPLES:
        row = rows[MAX_SAMPLES][0]
        raise ValueError(
            f"{_row_label(row)}: more than {MAX_SAMPLES:,} data rows; use at most {MAX_SAMPLES:,}"
        )
    out = np.empty((len(rows), 2))
    for j, (i, line) in enumerate(rows):
        parts = fields(line)
        while parts and parts[-1] == "":  # a trailing separator
            parts.pop()
        if len(parts) < 2:
            raise ValueError(
                f"{_row_label(i)}: one column ({line.strip()[:40]!r}); need two columns x, y"
            )
        if len(parts) > 2:
            raise ValueError(f"{_row_label(i)}: {len(parts)} columns; need exactly two, x and y")
        for c, f in enumerate(parts):
            v = number(f)
            col = "xy"[c]
            if v is None:
                raise ValueError(f"{_row_label(i)}, column {col}: {f[:40]!r} is not a number")
            if not math.isfinite(v):
                raise ValueError(
                    f"{_row_label(i)}, column {col}: {f!r} is not a finite number (NaN or infinity)"
                )
            out[j, c] = v
    if len(rows) < 2:
        raise ValueError(f"only {len(rows)} data row; need at least 2")
    return np.ascontiguousarray(out[:, 0]), np.ascontiguousarray(out[:, 1])
