"""Transforms of the 2026 optimizers: Newton, Rprop, ASGD, Adafactor, Muon and L-BFGS.

The same protocol as `optimizers.transforms` (see there): `update(u, state,
params, t, lr)` rewrites the gradient `u` (shape (2n,): the x of n paths, then
their y) into the update and may return a factor. Hyperparameters are floats
or arrays laid out like `u` (per coordinate); where a rule works per path (a
norm, a 2×2 solve) it reads the first half. Each rule equals its reference
(torch.optim, or for Newton its float64 formula) as OPTIMIZERS-2026.md pins it.

Newton and L-BFGS need more than the gradient: they carry ``bind`` and receive
the run's `optimizers.core.Oracle` (Hessians; values and gradients at trial
points) before the first step.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .transforms import Scalar, State, Transform, _is_zero, _lerp_into, _operand, _scratch

__all__ = [
    "adafactor_rate",
    "asgd_rate",
    "lbfgs_direction",
    "newton_step",
    "scale_by_adafactor",
    "scale_by_asgd",
    "scale_by_muon",
    "scale_by_rprop",
]

Array = np.ndarray
_add, _sub, _mul, _div, _sqrt = np.add, np.subtract, np.multiply, np.divide, np.sqrt
_and, _xor = np.bitwise_and, np.bitwise_xor

#: Muon's quintic Newton–Schulz coefficients (torch's ns_coefficients default).
NS_COEFFICIENTS = (3.4445, -4.7750, 2.0315)

#: Up to this many coordinates (2n) Rprop takes its step with masks (fewer
#: calls); above, bit by bit (masks over random signs cost ten plain ufuncs).
RPROP_MASKED_MAX = 256


def _per_path(value: Scalar) -> Scalar:
    """A per-coordinate (2n,) hyperparameter as its per-path (n,) half; scalars pass."""
    if isinstance(value, np.ndarray):
        return value[: value.shape[0] // 2]
    return value


def _bits(value: Scalar) -> Any:
    """A float64 number or array as its IEEE-754 bits (int64), for a branch-free select."""
    return np.asarray(value, dtype=np.float64).view(np.int64)


def _torch_lerp(a: Any, b: Any, w: Any) -> Any:
    """torch's ``a.lerp(b, w)``: a + w(b − a) for w < ½, else b − (b − a)(1 − w)."""
    if isinstance(w, np.ndarray):
        return np.where(w < 0.5, a + w * (b - a), b - (b - a) * (1.0 - w))
    return a + w * (b - a) if w < 0.5 else b - (b - a) * (1.0 - w)


# --------------------------------------------------------------------------- Newton
def newton_step(damping: Scalar) -> Transform:
    """u ← (H + δI)⁻¹u per path, by Cramer's rule, with H the oracle's exact Hessian at θ.

    With a = hxx + δ, b = hxy, c = hyy + δ and det = ac − b²:
    u_x ← (c·g_x − b·g_y)/det, u_y ← (a·g_y − b·g_x)/det. A singular matrix
    gives a non-finite update (the path is marked diverged); an indefinite one
    moves towards a saddle or a maximum. Float64 throughout.
    """
    damp = _per_path(_operand(damping))
    no_damping = _is_zero(damping)
    oracle: list[Any] = []

    def bind(o: Any) -> None:
        oracle.append(o)

    def init(params: Array) -> State:
        n = params.shape[0] // 2
        return tuple(np.empty(n) for _ in range(4))

    def update(u: Array, state: State, params: Array, t: int, lr: Scalar) -> None:
        a, c, det, tmp = state
        n = params.shape[0] // 2
        hxx, hxy, hyy = oracle[0].hess(params, t - 1)
        if no_damping:
            np.copyto(a, hxx)
            np.copyto(c, hyy)
        else:
            _add(hxx, damp, a)
            _add(hyy, damp, c)
        _mul(a, c, det)
        _mul(hxy, hxy, tmp)
        _sub(det, tmp, det)
        gx, gy = u[:n].copy(), u[n:]
        _mul(c, gx, u[:n])
        _mul(hxy, gy, tmp)
        _sub(u[:n], tmp, u[:n])
        _mul(a, gy, u[n:])
        _mul(hxy, gx, tmp)
        _sub(u[n:], tmp, u[n:])
        _div(u[:n], det, u[:n])
        _div(u[n:], det, u[n:])

    return Transform(init, update, bind=bind)


# --------------------------------------------------------------------------- Rprop
def scale_by_rprop(
    etaminus: Scalar, etaplus: Scalar, step_size_min: Scalar, step_size_max: Scalar
) -> Transform:
    """torch.optim.Rprop: per-coordinate step sizes driven by gradient signs.

    The step sizes start at this step's lr on the first step (torch reads lr
    only when it creates the state, so a schedule has no effect afterwards).
    s = sign(g·prev): s > 0 multiplies the step size by etaplus, s < 0 by
    etaminus (and zeroes that g), s = 0 leaves it; the step size is clamped to
    [step_size_min, step_size_max]; u ← sign(g)·step size (factor −1);
    prev ← g (with the zeroes).

    Above `RPROP_MASKED_MAX` coordinates the factor and the zeroes are chosen
    on the float64 bits (AND/XOR with all-ones masks) rather than with masked
    copies: the same numbers, without the branches that random signs defeat.
    """
    em, ep = _operand(etaminus), _operand(etaplus)
    lo, hi = _operand(step_size_min), _operand(step_size_max)
    # The factor is chosen bit by bit, without a branch (a masked copy or
    # np.where over random signs costs ten plain ufuncs at 10⁴ paths):
    # factor = 1 ^ ((etaplus ^ 1) & up) ^ ((etaminus ^ 1) & down) on the
    # float64 bits, with up/down all ones where g·prev > 0 / < 0.
    one = np.float64(1.0).view(np.int64)
    to_plus = _bits(ep) ^ one
    to_minus = _bits(em) ^ one

    def init(params: Array) -> State:
        prev, size, prod = _scratch(params, 3)
        if params.shape[0] <= RPROP_MASKED_MAX:
            return (prev, size, prod, np.zeros(params.shape, dtype=bool))
        return (prev, size, prod, *(np.empty(params.shape, dtype=np.int64) for _ in range(3)))

    def masked(u: Array, prev: Array, size: Array, factor: Array, flip: Array) -> None:
        """The same step with masks: fewer calls, for a few paths."""
        _mul(u, prev, factor)
        np.less(factor, 0.0, out=flip)
        up = factor > 0.0
        factor.fill(1.0)
        np.copyto(factor, ep, where=up)
        np.copyto(factor, em, where=flip)
        _mul(size, factor, size)
        np.clip(size, lo, hi, out=size)
        u[flip] = 0.0
        np.copyto(prev, u)
        np.sign(u, u)
        _mul(u, size, u)

    def update(u: Array, state: State, params: Array, t: int, lr: Scalar) -> float:
        if t == 1:
            state[1][...] = lr
        if len(state) == 4:
            masked(u, *state)
            return -1.0
        prev, size, prod, up, down, factor = state
        _mul(u, prev, prod)
        np.greater(prod, 0.0, out=up)  # 1 / 0, then all ones / 0
        np.less(prod, 0.0, out=down)
        np.negative(up, out=up)
        np.negative(down, out=down)
        _and(up, to_plus, factor)
        _and(down, to_minus, up)
        _xor(factor, up, factor)
        _xor(factor, one, factor)
        _mul(size, factor.view(np.float64), size)
        np.clip(size, lo, hi, out=size)
        np.invert(down, out=down)  # prev ← g with +0.0 where the sign flipped
        _and(u.view(np.int64), down, prev.view(np.int64))
        np.sign(prev, out=u)  # out of place: in place, np.sign takes its slow loop
        _mul(u, size, u)
        return -1.0

    return Transform(init, update)


# --------------------------------------------------------------------------- ASGD
def asgd_rate(k: Any, lr: Any, prev: Any, hp: Any) -> Any:
    """ASGD's η of step k (k from 0): prev/(1 + λ·prev·k)^α, prev the rate of step k − 1.

    torch computes η after each step from that step's lr, so step k uses the
    previous step's (scheduled) rate; η of the first step is its lr. Without
    a schedule this is the contract's η_t = lr/(1 + λ·lr·(t − 1))^α.
    """
    return prev / (1 + hp["lambd"] * prev * k) ** hp["alpha"]


def scale_by_asgd(lambd: Scalar, alpha: Scalar) -> Transform:
    """torch.optim.ASGD's iterate: θ ← θ(1 − λη) − ηg, as u ← g + λθ with factor −η.

    η starts at the first step's lr and is recomputed after step t as
    lr_t/(1 + λ·lr_t·t)^α (see `asgd_rate`). The average `ax` torch also keeps
    is not drawn (it departs from θ only after t0 steps) and not computed.
    """
    lam = _operand(lambd)

    def init(params: Array) -> State:
        return (np.zeros_like(params), [None])

    def update(u: Array, state: State, params: Array, t: int, lr: Scalar) -> Scalar:
        tmp, eta = state
        if eta[0] is None:
            eta[0] = lr
        _mul(params, lam, tmp)
        _add(u, tmp, u)
        used = eta[0]
        eta[0] = lr / (1 + lambd * lr * t) ** alpha
        return -used

    return Transform(init, update)


# --------------------------------------------------------------------------- Adafactor
def scale_by_adafactor(
    beta2_decay: Scalar, eps1: Scalar, eps2: Scalar, d: Scalar, weight_decay: Scalar
) -> Transform:
    """torch.optim.Adafactor on a vector of shape (2,): the variance is not factored.

    Per path, at step t with lr γ: ρ = min(γ, 1/√t), α = max(eps2, RMS(θ))·ρ
    (θ before decay), v ← lerp(v, g², t^beta2_decay), w = g/√max(v, eps1²),
    D = max(1, RMS(w)/d); θ ← θ(1 − γλ) − (α/D)·w. Written as
    u ← (α/D)/√max(v, eps1²)·g + γλθ with factor −1.
    """
    e1sq = _operand(eps1 * eps1)
    e2 = _per_path(_operand(eps2))
    dd = _per_path(_operand(d))
    decay = not _is_zero(weight_decay)
    wd = _operand(weight_decay)

    def init(params: Array) -> State:
        n = params.shape[0] // 2
        return (*_scratch(params, 3), np.empty(n), np.empty(n))

    def update(u: Array, state: State, params: Array, t: int, lr: Scalar) -> float:
        v, scale, tmp, rms, den = state
        n = params.shape[0] // 2
        rho = np.minimum(lr, 1 / t**0.5) if isinstance(lr, np.ndarray) else min(lr, 1 / t**0.5)
        w = t**beta2_decay
        # RMS(θ) per path: ‖θ‖/√2
        x, y = params[:n], params[n:]
        np.sqrt(x * x + y * y, rms)
        _div(rms, 2**0.5, rms)
        np.maximum(rms, e2, out=rms)  # α/ρ
        g2 = u * u
        v[...] = _torch_lerp(v, g2, _operand(w) if not isinstance(w, np.ndarray) else w)
        np.maximum(v, e1sq, out=scale)
        _sqrt(scale, scale)
        _div(1.0, scale, scale)  # 1/√max(v, eps1²)
        _mul(u, scale, tmp)  # w
        np.sqrt(tmp[:n] * tmp[:n] + tmp[n:] * tmp[n:], den)
        _div(den, 2**0.5 * dd, den)
        np.maximum(den, 1.0, out=den)
        alpha = rms * _per_path(rho)
        _div(alpha, den, den)  # α/D per path
        _mul(scale[:n], den, scale[:n])
        _mul(scale[n:], den, scale[n:])
        _mul(u, scale, u)
        if decay:
            _mul(params, wd * lr, tmp)
            _add(u, tmp, u)
        return -1.0

    def multiplier(state: State, t: int, out: Array) -> None:
        np.copyto(out, state[1])

    return Transform(init, update, multiplier=multiplier)


def adafactor_rate(k: Any, lr: Any, prev: Any, hp: Any) -> Any:
    """Adafactor's relative step size ρ_t = min(lr, 1/√t), t = k + 1."""
    return np.minimum(lr, 1 / (k + 1) ** 0.5)


# --------------------------------------------------------------------------- Muon
def scale_by_muon(
    momentum: Scalar, nesterov: bool, eps: Scalar, ns_steps: Scalar, weight_decay: Scalar
) -> Transform:
    """torch.optim.Muon on a 1×2 parameter, Newton–Schulz in float64.

    B ← lerp(B, g, 1 − μ); B̃ = lerp(g, B, μ) (Nesterov) or B; X = B̃/max(‖B̃‖, eps);
    ns_steps times: X ← aX + (b·s + c·s²)X with s = ‖X‖² (XXᵀ is a scalar);
    u ← X + λθ, factor −lr: θ ← θ(1 − γλ) − γX (torch's lr ratio
    √max(1, rows/cols) is 1 for 1×2).

    Each Newton–Schulz step only rescales X (by k = a + b·s + c·s², so
    s ← k²s): the factors are multiplied per path and X is scaled once, a few
    (n,) operations per step instead of a (2, n) update. This rounds X
    differently from the step-by-step product (relative 1e-15 per step).
    """
    mu = _operand(momentum)
    keep = _operand(1.0 - momentum) if not isinstance(momentum, np.ndarray) else 1.0 - momentum
    scalar_momentum = not isinstance(momentum, np.ndarray)
    e = _per_path(_operand(eps))
    steps = _per_path(ns_steps)
    most = int(np.max(steps))
    # with per-path step counts, iteration i leaves the paths with ns_steps ≤ i alone (k = 1)
    done = [i >= steps for i in range(most)] if isinstance(steps, np.ndarray) else None
    decay = not _is_zero(weight_decay)
    wd = _operand(weight_decay)
    a_, b_, c_ = NS_COEFFICIENTS
    a, b, c = (np.float64(v) for v in NS_COEFFICIENTS)

    def init(params: Array) -> State:
        n = params.shape[0] // 2
        x, tmp = np.empty_like(params), np.empty_like(params)
        # B (the `moment` probe), B̃ then X, X as (2, n), a scratch; per path: s, k, Πk, a scratch
        return (np.zeros_like(params), x, x.reshape(2, n), tmp, *(np.empty(n) for _ in range(4)))

    def update(u: Array, state: State, params: Array, t: int, lr: Scalar) -> Scalar:
        buf, x, x2, tmp, s, k, scale, h = state
        n = s.shape[0]
        if scalar_momentum:
            _lerp_into(buf, buf, u, keep, tmp)
            if nesterov:
                _lerp_into(x, u, buf, mu, tmp)
            else:
                np.copyto(x, buf)
        else:
            buf[...] = _torch_lerp(buf, u, keep)
            np.copyto(x, _torch_lerp(u, buf, mu) if nesterov else buf)
        X, Y = x[:n], x[n:]
        _mul(X, X, s)
        _mul(Y, Y, h)
        _add(s, h, s)
        np.sqrt(s, s)
        np.maximum(s, e, out=s)
        _div(x2, s, x2)  # X = B̃ / max(‖B̃‖, eps)
        _mul(X, X, s)
        _mul(Y, Y, h)
        _add(s, h, s)  # s = XXᵀ
        # Newton–Schulz on a 1×2 matrix only rescales it: X ← kX with k = a + b·s + c·s²,
        # so s ← k²s. The factors multiply into `scale` (per path), applied to X once.
        if n == 1:  # Python floats: the same IEEE operations as below, a tenth of the calls
            sv, f = float(s[0]), 1.0
            for _ in range(most if done is None else int(steps[0])):
                kv = (sv * c_ + b_) * sv + a_
                f *= kv
                sv *= kv * kv
            scale[0] = f
        else:
            scale.fill(1.0)
            for i in range(most):
                _mul(s, c, k)  # k = (c·s + b)·s + a
                _add(k, b, k)
                _mul(k, s, k)
                _add(k, a, k)
                if done is not None:
                    np.copyto(k, 1.0, where=done[i])
                _mul(scale, k, scale)
                if i + 1 < most:
                    _mul(k, k, k)
                    _mul(s, k, s)
        _mul(X, scale, u[:n])
        _mul(Y, scale, u[n:])
        if decay:
            _mul(wd, params, tmp)
            _add(u, tmp, u)
        return -lr

    return Transform(init, update, moment=lambda state: state[0])


# --------------------------------------------------------------------------- L-BFGS
def _cubic_minimum(x1: Array, f1: Array, g1: Array, x2: Array, f2: Array, g2: Array, lo, hi):
    """torch's `_cubic_interpolate`, elementwise: the cubic's minimizer clamped to [lo, hi]."""
    with np.errstate(all="ignore"):
        d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
        d2_square = d1**2 - g1 * g2
        d2 = np.sqrt(np.where(d2_square >= 0, d2_square, 0.0))
        right = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
        left = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
        min_pos = np.where(x1 <= x2, right, left)
        clamped = np.minimum(np.maximum(min_pos, lo), hi)
    return np.where(d2_square >= 0, clamped, (lo + hi) / 2.0)


def _strong_wolfe(
    evaluate: Any,
    searching: Array,
    t: Array,
    d: Array,
    f: Array,
    gtd: Array,
    max_ls: int,
    trials: list[Array] | None,
    c1: float = 1e-4,
    c2: float = 0.9,
    tolerance_change: float = 1e-9,
) -> Array:
    """torch's `_strong_wolfe` for every path where `searching`, with masks; returns t (n,).

    `evaluate(t)` gives (f, g·d) at θ + t·d for all n paths (t = 0 for paths not
    trying a point). Each round asks every path still searching for its next
    trial (the bracketing phase's extrapolation or the zoom's interpolation, as
    torch decides), evaluates all of them in one call, and updates each path's
    bracket by torch's rules. Cost: 1 + (most trials of any path, ≤ max_ls)
    evaluations of all n points per step; a path that is done waits, masked.
    `trials`, when given, receives each round's trial t (NaN where not trying).
    """
    n = t.shape[0]
    phase = np.where(searching, 1, 0)  # 0 done, 1 bracketing, 2 zoom
    d_norm = np.max(np.abs(d.reshape(2, n)), axis=0)
    f_new, gtd_new = evaluate(np.where(searching, t, 0.0))
    if trials is not None:
        trials.append(np.where(searching, t, np.nan))
    ls_iter = np.zeros(n, dtype=np.int64)
    t_prev, f_prev, gtd_prev = np.zeros(n), f.copy(), gtd.copy()
    b = np.zeros((2, n))
    bf = np.zeros((2, n))
    bg = np.zeros((2, n))
    low = np.zeros(n, dtype=np.int64)
    insuf = np.zeros(n, dtype=bool)
    rows = np.arange(n)
    with np.errstate(all="ignore"):
        while True:
            # --- bracketing: decide on the current trial, or extrapolate
            p1 = phase == 1
            over = p1 & (ls_iter >= max_ls)
            if over.any():  # budget spent: the bracket is [0, t]
                b[0, over], b[1, over] = 0.0, t[over]
                bf[0, over], bf[1, over] = f[over], f_new[over]
                low[over] = np.where(f[over] <= f_new[over], 0, 1)
                phase[over] = 0
                p1 &= ~over
            armijo = f_new > (f + c1 * t * gtd)
            cond_a = p1 & (armijo | ((ls_iter > 1) & (f_new >= f_prev)))
            cond_b = p1 & ~cond_a & (np.abs(gtd_new) <= -c2 * gtd)
            cond_c = p1 & ~cond_a & ~cond_b & (gtd_new >= 0)
            to_zoom = cond_a | cond_c
            b[0] = np.where(to_zoom, t_prev, b[0])
            b[1] = np.where(to_zoom, t, b[1])
            bf[0] = np.where(to_zoom, f_prev, bf[0])
            bf[1] = np.where(to_zoom, f_new, bf[1])
            bg[0] = np.where(to_zoom, gtd_prev, bg[0])
            bg[1] = np.where(to_zoom, gtd_new, bg[1])
            low = np.where(to_zoom, np.where(bf[0] <= bf[1], 0, 1), low)
            insuf &= ~to_zoom
            phase[to_zoom] = 2
            b[0] = np.where(cond_b, t, b[0])  # done: the bracket is [t]
            low = np.where(cond_b, 0, low)
            phase[cond_b] = 0
            extrap = p1 & ~to_zoom & ~cond_b
            new_t = np.where(
                extrap,
                _cubic_minimum(
                    t_prev, f_prev, gtd_prev, t, f_new, gtd_new, t + 0.01 * (t - t_prev), t * 10
                ),
                t,
            )
            t_prev = np.where(extrap, t, t_prev)
            f_prev = np.where(extrap, f_new, f_prev)
            gtd_prev = np.where(extrap, gtd_new, gtd_prev)
            # --- zoom: interpolate inside the bracket
            z = phase == 2
            stop = z & ((ls_iter >= max_ls) | (np.abs(b[1] - b[0]) * d_norm < tolerance_change))
            phase[stop] = 0
            z &= ~stop
            high = 1 - low
            if z.any():
                hi, lo = np.maximum(b[0], b[1]), np.minimum(b[0], b[1])
                zt = _cubic_minimum(b[0], bf[0], bg[0], b[1], bf[1], bg[1], lo, hi)
                eps = 0.1 * (hi - lo)
                near = np.minimum(hi - zt, zt - lo) < eps
                push = near & (insuf | (zt >= hi) | (zt <= lo))
                zt = np.where(
                    push, np.where(np.abs(zt - hi) < np.abs(zt - lo), hi - eps, lo + eps), zt
                )
                insuf = np.where(z, near & ~push, insuf)
                new_t = np.where(z, zt, new_t)
            trying = extrap | z
            if not trying.any():
                break
            t = np.where(trying, new_t, t)
            f_try, gtd_try = evaluate(np.where(trying, t, 0.0))
            if trials is not None:
                trials.append(np.where(trying, t, np.nan))
            ls_iter += trying
            f_new = np.where(trying, f_try, f_new)
            gtd_new = np.where(trying, gtd_try, gtd_new)
            if z.any():
                f_low = bf[low, rows]
                worse = z & ((f_try > (f + c1 * t * gtd)) | (f_try >= f_low))
                better = z & ~worse
                done = better & (np.abs(gtd_try) <= -c2 * gtd)
                flip = better & ~done & (gtd_try * (b[high, rows] - b[low, rows]) >= 0)
                for arr, val in ((b, t), (bf, f_try), (bg, gtd_try)):
                    arr[high[flip], rows[flip]] = arr[low[flip], rows[flip]]
                    arr[high[worse], rows[worse]] = val[worse]
                    arr[low[better], rows[better]] = val[better]
                low = np.where(worse, np.where(bf[0] <= bf[1], 0, 1), low)
                phase[done] = 0
    return b[low, rows]


def lbfgs_direction(
    history_size: Scalar,
    line_search: str,
    tolerance_grad: Scalar,
    tolerance_change: Scalar,
    max_eval: int = 25,
) -> Transform:
    """torch.optim.LBFGS(max_iter=1, max_eval=25) per path: one `step(closure)` per step.

    Per path: stop where max|g| ≤ tolerance_grad (nothing changes); otherwise
    the first direction is −g with t = min(1, 1/‖g‖₁)·lr; later y = g − g_prev,
    s = t_prev·d_prev are stored (at most history_size pairs, oldest dropped)
    when y·s > 1e-10, H0 = y·s/y·y, and the two-loop recursion gives d; t = lr.
    If g·d > −tolerance_change the path does not move. Without a line search
    θ ← θ + t·d; with "strong_wolfe" t comes from `_strong_wolfe` (c1 = 1e-4,
    c2 = 0.9, at most max_eval − 1 trials) and the trials are kept
    (`trials` probe) for the step inspector.
    """
    cap = _per_path(history_size)
    cap = cap.astype(np.int64) if isinstance(cap, np.ndarray) else int(cap)
    most = int(np.max(cap))
    tol_g = _per_path(tolerance_grad)
    tol_c = _per_path(tolerance_change)
    search = line_search == "strong_wolfe"
    oracle: list[Any] = []

    def bind(o: Any) -> None:
        oracle.append(o)

    def init(params: Array) -> State:
        n = params.shape[0] // 2
        return {
            "n_iter": np.zeros(n, dtype=np.int64),
            "d": np.zeros((2, n)),
            "t": np.zeros(n),
            "prev": np.zeros((2, n)),
            "S": np.zeros((most, 2, n)),
            "Y": np.zeros((most, 2, n)),
            "ro": np.zeros((most, n)),
            "al": np.zeros((most, n)),
            "count": np.zeros(n, dtype=np.int64),
            "h_diag": np.ones(n),
            "trials": [],
            "points": [],
            "t_used": [],
        }

    def update(u: Array, st: State, params: Array, t_step: int, lr: Scalar) -> None:
        n = params.shape[0] // 2
        g = u.reshape(2, n).copy()
        rate = _per_path(lr)
        go = np.max(np.abs(g), axis=0) > tol_g
        st["n_iter"] += go
        first = go & (st["n_iter"] == 1)
        later = go & ~first
        d, S, Y, ro, count = st["d"], st["S"], st["Y"], st["ro"], st["count"]
        with np.errstate(all="ignore"):
            # memory update
            y = g - st["prev"]
            s = d * st["t"]
            ys = y[0] * s[0] + y[1] * s[1]
            store = later & (ys > 1e-10)
            if store.any():
                full = store & (count == cap)
                if full.any():
                    for arr in (S, Y, ro):
                        arr[:-1, ..., full] = arr[1:, ..., full]
                pos = np.where(full, cap - 1, count)
                cols = np.flatnonzero(store)
                S[pos[cols], :, cols] = s[:, cols].T
                Y[pos[cols], :, cols] = y[:, cols].T
                ro[pos[cols], cols] = 1.0 / ys[cols]
                count[store] = np.minimum(count[store] + 1, np.broadcast_to(cap, (n,))[store])
                st["h_diag"] = np.where(store, ys / (y[0] * y[0] + y[1] * y[1]), st["h_diag"])
            # two-loop recursion
            q = -g
            al = st["al"]
            for i in range(most - 1, -1, -1):
                on = later & (i < count)
                if on.any():
                    a = (S[i, 0] * q[0] + S[i, 1] * q[1]) * ro[i]
                    al[i] = np.where(on, a, al[i])
                    q = np.where(on, q - Y[i] * a, q)
            r = q * st["h_diag"]
            for i in range(most):
                on = later & (i < count)
                if on.any():
                    be = (Y[i, 0] * r[0] + Y[i, 1] * r[1]) * ro[i]
                    r = np.where(on, r + S[i] * (al[i] - be), r)
            new_d = np.where(first, -g, np.where(later, r, d))
            count[first] = 0
            st["h_diag"] = np.where(first, 1.0, st["h_diag"])
            d[...] = new_d
            st["prev"] = np.where(go, g, st["prev"])
            l1 = np.abs(g[0]) + np.abs(g[1])
            t = np.where(first, np.minimum(1.0, 1.0 / l1) * rate, rate)
            st["t"] = np.where(go, t, st["t"])
            gtd = g[0] * d[0] + g[1] * d[1]
            move = go & ~(gtd > -tol_c)
            t = st["t"]
            if search and move.any():
                o, k = oracle[0], t_step - 1
                f = o.value(params, k)
                buf = np.empty_like(params)
                flat_d = d.reshape(-1)

                points: list[Array] = []

                def evaluate(trial_t: Array) -> tuple[Array, Array]:
                    trial = params + np.tile(trial_t, 2) * flat_d
                    points.append(trial.reshape(2, n).T.copy())
                    fv = o.value_and_grad(trial, k, buf)
                    gb = buf.reshape(2, n)
                    return fv, gb[0] * d[0] + gb[1] * d[1]

                rounds: list[Array] = []
                found = _strong_wolfe(
                    evaluate, move, t, d.reshape(-1), f, gtd, max_eval - 1, rounds
                )
                t = np.where(move, found, t)
                st["t"] = np.where(go, t, st["t"])
                tried = np.array(rounds)
                xy = np.array(points)
                xy[np.isnan(tried)] = np.nan
                st["trials"].append(tried)
                st["points"].append(xy)
            elif search:
                st["trials"].append(np.full((0, n), np.nan))
                st["points"].append(np.full((0, n, 2), np.nan))
            step = np.where(move, t, 0.0)
            st["t_used"].append(step)
            u[:n] = step * d[0]
            u[n:] = step * d[1]

    def extras(st: State) -> dict[str, Any]:
        out: dict[str, Any] = {"step_t": np.array(st["t_used"])}
        if search:
            out["line_search_t"] = st["trials"]
            out["line_search_xy"] = st["points"]
        return out

    return Transform(init, update, bind=bind, extras=extras)
