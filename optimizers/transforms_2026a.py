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

from .transforms import Scalar, State, Transform, _is_zero, _operand, _scratch

__all__ = [
    "asgd_rate",
    "newton_step",
    "scale_by_adafactor",
    "scale_by_asgd",
    "scale_by_muon",
    "scale_by_rprop",
]

Array = np.ndarray
_add, _sub, _mul, _div, _sqrt = np.add, np.subtract, np.multiply, np.divide, np.sqrt

#: Muon's quintic Newton–Schulz coefficients (torch's ns_coefficients default).
NS_COEFFICIENTS = (3.4445, -4.7750, 2.0315)


def _per_path(value: Scalar) -> Scalar:
    """A per-coordinate (2n,) hyperparameter as its per-path (n,) half; scalars pass."""
    if isinstance(value, np.ndarray):
        return value[: value.shape[0] // 2]
    return value


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
    """
    em, ep = _operand(etaminus), _operand(etaplus)
    lo, hi = _operand(step_size_min), _operand(step_size_max)

    def init(params: Array) -> State:
        return (*_scratch(params, 3), np.zeros(params.shape, dtype=bool))

    def update(u: Array, state: State, params: Array, t: int, lr: Scalar) -> float:
        prev, size, factor, flip = state
        if t == 1:
            size[...] = lr
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
    """
    mu = _operand(momentum)
    keep = _operand(1.0 - momentum) if not isinstance(momentum, np.ndarray) else 1.0 - momentum
    e = _per_path(_operand(eps))
    steps = _per_path(ns_steps)
    per_path_steps = isinstance(steps, np.ndarray)
    most = int(np.max(steps))
    decay = not _is_zero(weight_decay)
    wd = _operand(weight_decay)
    a, b, c = NS_COEFFICIENTS

    def init(params: Array) -> State:
        n = params.shape[0] // 2
        return (np.zeros_like(params), np.empty(n), np.empty(n))

    def update(u: Array, state: State, params: Array, t: int, lr: Scalar) -> Scalar:
        buf, norm, s = state
        n = params.shape[0] // 2
        buf[...] = _torch_lerp(buf, u, keep)
        x = _torch_lerp(u, buf, mu) if nesterov else buf.copy()
        X, Y = x[:n], x[n:]
        np.sqrt(X * X + Y * Y, norm)
        np.maximum(norm, e, out=norm)
        _div(X, norm, X)
        _div(Y, norm, Y)
        for i in range(most):
            _mul(X, X, s)
            s += Y * Y  # the 1×1 Gram matrix XXᵀ
            gram = b * s + c * (s * s)
            nx = a * X + gram * X
            ny = a * Y + gram * Y
            if per_path_steps:
                live = i < steps
                np.copyto(X, nx, where=live)
                np.copyto(Y, ny, where=live)
            else:
                X[...], Y[...] = nx, ny
        np.copyto(u, x)
        if decay:
            u += wd * params
        return -lr

    return Transform(init, update, moment=lambda state: state[0])
