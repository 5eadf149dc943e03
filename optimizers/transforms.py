"""Composable gradient transformations: the pieces every optimizer is built from.

As in optax, an optimizer is a chain of small transforms, each a pair of
functions::

    init(params) -> state
    update(u, state, params, t, lr) -> factor

`params` and `u` have shape (2n,): the x of n paths, then their y.
`u` enters as the gradient and leaves as the update direction. `t` counts steps
from 1 and `lr` is this step's learning rate (after the schedule), a float or
an array laid out like `u`.

Two choices keep the per-step cost low enough for one path (a few µs a step)
as well as for 10⁵ paths:

- State is a tuple of preallocated arrays that `update` rewrites in place,
  and `u` is transformed in place: no allocation per step. A state belongs to
  one `run` and is never shared.
- A transform may return a `factor` instead of multiplying `u` by a number
  (a bias correction, −lr): the chain multiplies the factors as scalars and
  applies them once. A transform marked ``linear`` only returns a factor and
  never reads `u`; before any other transform the pending factor is applied.

Every hyperparameter is a float or an array of shape (2n,) (one value per path,
repeated for y), so it lines up with the buffers.

Recording (``run(..., record=True)``) reads two optional probes that a transform
may carry, both called after its `update` and never on the plain path:

- ``moment(state) -> Array``: the transform's first-moment / momentum buffer
  (Adam's m, SGD's and RMSProp's b), as left by the step;
- ``multiplier(state, t, out)``: writes into `out` the per-coordinate number s
  with ``u_out = s · direction`` (before the factor the transform returns),
  where the direction is what the transform scales (its incoming u, or m).

`recording` runs a chain link by link, as `chain` does, and turns these into
the recorded gradient, moment and effective learning rate.

A transform that needs more of the surface than the gradient (Newton's
Hessian, L-BFGS's line search) carries ``bind(oracle)``: `run` calls it once,
before the first step, with an ``optimizers.core.Oracle`` for the run's paths.
``extras(state) -> dict`` reports what a recorded run keeps beyond the tables
(``Trajectory.extras``: L-BFGS's line-search trials). ``on_record(state)`` is
called after each step of a recorded run only, so a transform can keep a
per-step history (Schedule-Free's y and z, Prodigy's d) for `extras` without
costing a plain run any memory.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

__all__ = [
    "Transform",
    "add_decayed_weights",
    "add_decoupled_weight_decay",
    "chain",
    "clip_by_global_norm",
    "clip_by_value",
    "ftrl_proximal",
    "recording",
    "scale_by_adadelta",
    "scale_by_adagrad",
    "scale_by_adam",
    "scale_by_adamax",
    "scale_by_learning_rate",
    "scale_by_nadam",
    "scale_by_radam",
    "scale_by_rms",
    "trace",
]

Array = np.ndarray
Scalar = float | Array
State = tuple[Any, ...]

# Plain references: attribute look-ups cost more than the ufunc on one path.
_add, _sub, _mul, _div, _sqrt = np.add, np.subtract, np.multiply, np.divide, np.sqrt


class Transform(NamedTuple):
    """An (init, update) pair; see the module docstring for the protocol.

    `links` is set by `chain` (the transforms it runs), so chains of chains
    flatten into one loop. `moment` and `multiplier` are the optional probes
    that recording reads; `bind` receives the run's oracle (see the module
    docstring).
    """

    init: Callable[[Array], State]
    update: Callable[[Array, State, Array, int, Scalar], Scalar | None]
    linear: bool = False
    links: tuple[Transform, ...] = ()
    moment: Callable[[State], Array] | None = None
    multiplier: Callable[[State, int, Array], None] | None = None
    bind: Callable[[Any], None] | None = None
    extras: Callable[[State], dict[str, Any]] | None = None
    on_record: Callable[[State], None] | None = None


def _operand(v: Scalar) -> Scalar:
    """A float as np.float64: as a ufunc operand it costs a third less than a Python float."""
    return np.float64(v) if isinstance(v, float | int) else v


def _is_zero(v: Scalar) -> bool:
    return isinstance(v, float | int) and v == 0


def _scratch(params: Array, count: int) -> tuple[Array, ...]:
    return tuple(np.zeros_like(params) for _ in range(count))


def _reciprocal(index: int) -> Callable[[State, int, Array], None]:
    """A `multiplier` probe for a transform that divides by the buffer state[index]."""

    def multiplier(state: State, t: int, out: Array) -> None:
        _div(1.0, state[index], out)

    return multiplier


def _lerp(m: Array, target: Array, w: Scalar, tmp: Array) -> None:
    """m ← m + w(target − m): a running mean, as torch's ``lerp_``."""
    _sub(target, m, tmp)
    _mul(tmp, w, tmp)
    _add(m, tmp, m)


def _lerp_into(out: Array, start: Array, end: Array, w: Scalar, tmp: Array) -> None:
    """out ← torch's ``start.lerp(end, w)`` (`out` may be `start`; w a scalar or per coordinate).

    start + w(end − start) for w < ½, else end − (end − start)(1 − w): the two
    forms round differently; torch switches at ½, and so does this.
    """
    _sub(end, start, tmp)
    if isinstance(w, np.ndarray):
        low = w < 0.5
        if not low.all():
            out[...] = np.where(low, start + w * tmp, end - tmp * (1.0 - w))
            return
    elif w >= 0.5:
        _mul(tmp, 1.0 - w, tmp)
        _sub(end, tmp, out)
        return
    _mul(tmp, w, tmp)
    _add(start, tmp, out)


def _decay_square(v: Array, u: Array, decay: Scalar, w: Scalar, tmp: Array) -> None:
    """v ← decay·v + w·u²: a running mean of squares, as torch's ``mul_().addcmul_()``."""
    _mul(v, decay, v)
    _mul(u, u, tmp)
    _mul(tmp, w, tmp)
    _add(v, tmp, v)


def chain(*transforms: Transform | None) -> Transform:
    """Apply `transforms` in order (None entries are skipped), folding their factors."""
    links = tuple(link for t in transforms if t is not None for link in (t.links or (t,)))
    if len(links) == 1:
        return links[0]

    def init(params: Array) -> State:
        return tuple(link.init(params) for link in links)

    def update(u: Array, state: State, params: Array, t: int, lr: Scalar) -> Scalar | None:
        pending = None
        for link, s in zip(links, state, strict=True):
            if pending is not None and not link.linear:
                _mul(u, pending, u)
                pending = None
            f = link.update(u, s, params, t, lr)
            if f is not None:
                pending = f if pending is None else pending * f
        return pending

    return Transform(init, update, all(link.linear for link in links), links)


Recorder = Callable[[Array, State, Array, int, Scalar], Scalar | None]


def recording(
    transform: Transform, skip: int, grad: Array, moment: Array | None, eff_lr: Array | None
) -> Recorder:
    """`transform.update` that also writes step t's numbers into row t − 1 of three tables.

    Runs the links one at a time and folds their factors exactly as `chain`
    does, so the update it returns is bit-identical. `grad`, `moment` and
    `eff_lr` are (steps, 2n) tables (`moment` and `eff_lr` None when no link
    carries the probe); per step it writes:

    - grad: u as it enters link number `skip` (after the links before it: the
      gradient edits, clipping);
    - moment: the buffer of the link with a `moment` probe, after the step;
    - eff_lr: s · −F, with s from the link with a `multiplier` probe and F the
      product of the factors returned by that link and every link after it
      (−F is the bias correction times the learning rate: the update of an
      adaptive rule is −eff_lr · direction, plus what links after it add).
    """
    links = transform.links or (transform,)
    single = not transform.links
    i_moment = next((i for i, link in enumerate(links) if link.moment is not None), -1)
    i_scale = next((i for i, link in enumerate(links) if link.multiplier is not None), -1)
    if (i_moment >= 0) != (moment is not None) or (i_scale >= 0) != (eff_lr is not None):
        raise ValueError("recording: tables do not match the transform's probes")
    keepers = [i for i, link in enumerate(links) if link.on_record is not None]

    def update(u: Array, state: State, params: Array, t: int, lr: Scalar) -> Scalar | None:
        states = (state,) if single else state
        row = t - 1
        pending = factor = None
        for i, (link, s) in enumerate(zip(links, states, strict=True)):
            if i == skip:
                if pending is None:
                    np.copyto(grad[row], u)
                else:
                    _mul(u, pending, grad[row])
            if pending is not None and not link.linear:
                _mul(u, pending, u)
                pending = None
            f = link.update(u, s, params, t, lr)
            if f is not None:
                pending = f if pending is None else pending * f
                if 0 <= i_scale <= i:
                    factor = f if factor is None else factor * f
            if i == i_scale:
                link.multiplier(s, t, eff_lr[row])
        if i_moment >= 0:
            np.copyto(moment[row], links[i_moment].moment(states[i_moment]))
        if i_scale >= 0:
            _mul(eff_lr[row], -factor, eff_lr[row])
        for i in keepers:
            links[i].on_record(states[i])
        return pending

    return update


# --------------------------------------------------------------------------- gradient edits
def clip_by_global_norm(max_norm: Scalar) -> Transform:
    """u ← u · min(1, max_norm / (‖u‖ + 1e-6)), per path (torch's ``clip_grad_norm_``)."""

    def init(params: Array) -> State:
        return (np.empty_like(params),)

    def update(u: Array, state: State, params: Array, t: int, lr: Scalar) -> None:
        (c,) = state
        n = u.shape[0] // 2
        np.hypot(u[:n], u[n:], c[:n])
        c[n:] = c[:n]
        _add(c, 1e-6, c)
        _div(max_norm, c, c)
        np.minimum(c, 1.0, out=c)
        _mul(u, c, u)

    return Transform(init, update)


def clip_by_value(clip_value: Scalar) -> Transform:
    """u ← clamp(u, −clip_value, clip_value), per coordinate (torch's ``clip_grad_value_``)."""
    low = -np.asarray(clip_value, dtype=np.float64)

    def update(u: Array, state: State, params: Array, t: int, lr: Scalar) -> None:
        np.clip(u, low, clip_value, out=u)

    return Transform(lambda params: (), update)


def add_decayed_weights(weight_decay: Scalar) -> Transform | None:
    """L2 weight decay added to the gradient: u ← u + λθ. None when λ is the scalar 0."""
    if _is_zero(weight_decay):
        return None

    def update(u: Array, state: State, params: Array, t: int, lr: Scalar) -> None:
        (tmp,) = state
        _mul(params, weight_decay, tmp)
        _add(u, tmp, u)

    return Transform(lambda params: _scratch(params, 1), update)


def add_decoupled_weight_decay(weight_decay: Scalar) -> Transform | None:
    """Decoupled weight decay (AdamW): u ← u + λθ, so that after −lr scaling θ ← θ(1 − γλ) − γu.

    Placed after the adaptive scaling and before `scale_by_learning_rate`.
    """
    if _is_zero(weight_decay):
        return None
    return Transform(lambda params: _scratch(params, 1), add_decayed_weights(weight_decay).update)


# --------------------------------------------------------------------------- momentum
def trace(momentum: Scalar, dampening: Scalar = 0.0, nesterov: bool = False) -> Transform:
    """Heavy-ball momentum as torch's SGD: b ← u on the first step, then b ← μb + (1 − τ)u.

    Nesterov: u ← u + μb; otherwise u ← b. With zero dampening this equals a
    buffer started at zero (b ← μb + u), which is how RMSProp's momentum works.
    """
    keep, momentum = _operand(1.0 - dampening), _operand(momentum)
    no_damp = _is_zero(dampening)

    def init(params: Array) -> State:
        return _scratch(params, 2)

    def update(u: Array, state: State, params: Array, t: int, lr: Scalar) -> None:
        b, tmp = state
        if t == 1:
            np.copyto(b, u)
        else:
            _mul(b, momentum, b)
            if no_damp:
                _add(b, u, b)
            else:
                _mul(u, keep, tmp)
                _add(b, tmp, b)
        if nesterov:
            _mul(b, momentum, tmp)
            _add(u, tmp, u)
        else:
            np.copyto(u, b)

    return Transform(init, update, moment=lambda state: state[0])


# --------------------------------------------------------------------------- adaptive scalings
def scale_by_adagrad(eps: Scalar, lr_decay: Scalar = 0.0) -> Transform:
    """s ← s + u²;  u ← u / (√s + ε);  factor 1 / (1 + (t − 1)·lr_decay)."""
    no_decay = _is_zero(lr_decay)
    eps = _operand(eps)

    def update(u: Array, state: State, params: Array, t: int, lr: Scalar) -> Scalar | None:
        s, tmp = state
        _mul(u, u, tmp)
        _add(s, tmp, s)
        _sqrt(s, tmp)
        _add(tmp, eps, tmp)
        _div(u, tmp, u)
        return None if no_decay else 1.0 / (1.0 + (t - 1) * lr_decay)

    return Transform(lambda params: _scratch(params, 2), update, multiplier=_reciprocal(1))


def scale_by_rms(alpha: Scalar, eps: Scalar, centered: bool = False) -> Transform:
    """RMSProp's scaling: v ← αv + (1 − α)u²;  u ← u / (√v + ε)  (no bias correction).

    Centered: ḡ ← ḡ + (1 − α)(u − ḡ) and the denominator is √(v − ḡ²) + ε, with
    v − ḡ² clamped at 0 (it can round a hair below 0, where torch gives NaN).
    """
    w, alpha, eps = _operand(1.0 - alpha), _operand(alpha), _operand(eps)

    def update(u: Array, state: State, params: Array, t: int, lr: Scalar) -> None:
        v, gbar, tmp = state
        _decay_square(v, u, alpha, w, tmp)
        if centered:
            _lerp(gbar, u, w, tmp)
            _mul(gbar, gbar, tmp)
            _sub(v, tmp, tmp)
            np.maximum(tmp, 0.0, out=tmp)
            _sqrt(tmp, tmp)
        else:
            _sqrt(v, tmp)
        _add(tmp, eps, tmp)
        _div(u, tmp, u)

    return Transform(lambda params: _scratch(params, 3), update, multiplier=_reciprocal(2))


def scale_by_adadelta(rho: Scalar, eps: Scalar) -> Transform:
    """v ← ρv + (1 − ρ)u²;  Δ = √(a + ε)/√(v + ε)·u;  a ← ρa + (1 − ρ)Δ²;  u ← Δ."""
    w, rho, eps = _operand(1.0 - rho), _operand(rho), _operand(eps)

    def update(u: Array, state: State, params: Array, t: int, lr: Scalar) -> None:
        v, acc, std, tmp = state
        _decay_square(v, u, rho, w, tmp)
        _add(v, eps, std)
        _sqrt(std, std)
        _add(acc, eps, tmp)
        _sqrt(tmp, tmp)
        _div(tmp, std, tmp)
        _mul(tmp, u, u)
        _decay_square(acc, u, rho, w, std)  # std is free; tmp keeps the ratio for recording

    def multiplier(state: State, t: int, out: Array) -> None:
        np.copyto(out, state[3])

    return Transform(lambda params: _scratch(params, 4), update, multiplier=multiplier)


def _init_moments(params: Array, beta1: Scalar, beta2: Scalar) -> State:
    """Buffers for Adam's two moments, stacked so that one lerp updates both.

    Returns (mv, m, v, g, scratch, scratch2, w): `m` and `v` are the halves of
    `mv`; `g` stacks the gradient and its square; `w` stacks 1 − β₁ and 1 − β₂.
    """
    size = params.shape[0]
    mv, g = np.zeros(2 * size), np.zeros(2 * size)
    w = np.concatenate(
        [np.broadcast_to(1.0 - beta1, (size,)), np.broadcast_to(1.0 - beta2, (size,))]
    )
    return mv, mv[:size], mv[size:], g, g[:size], g[size:], w


def _moments(u: Array, moments: State) -> None:
    """m ← m + (1 − β₁)(u − m),  v ← v + (1 − β₂)(u² − v), in one pass over both.

    The first is torch's ``lerp_``; the second equals torch's β₂v + (1 − β₂)u²
    up to rounding. Afterwards both scratch halves of `g` are free to use.
    """
    mv, _, _, g, g1, g2, w = moments
    np.positive(u, g1)
    _mul(u, u, g2)
    _sub(g, mv, g)
    _mul(g, w, g)
    _add(mv, g, mv)


def _first_moment(state: State) -> Array:
    """m of a transform whose state starts with `_init_moments`' buffers."""
    return state[0][1]


def _moments_reciprocal(state: State, t: int, out: Array) -> None:
    """1 / the denominator that Adam, NAdam and RAdam leave in their first scratch buffer."""
    _div(1.0, state[0][4], out)


def scale_by_adam(beta1: Scalar, beta2: Scalar, eps: Scalar, amsgrad: bool = False) -> Transform:
    """Adam's scaling with both bias corrections folded into one factor.

    m, v as `_moments`; AMSGrad keeps v̄ ← max(v̄, v) and uses v̄ below. With
    c₁ = 1 − β₁ᵗ and c₂ = 1 − β₂ᵗ, torch's step (γ/c₁)·m / (√v/√c₂ + ε) equals
    γ·(√c₂/c₁)·m / (√v + ε√c₂): u ← m / (√v + ε√c₂), factor √c₂/c₁.
    """

    def init(params: Array) -> State:
        return (_init_moments(params, beta1, beta2), np.zeros_like(params))

    def update(u: Array, state: State, params: Array, t: int, lr: Scalar) -> Scalar:
        moments, vmax = state
        _moments(u, moments)
        m, v, tmp = moments[1], moments[2], moments[4]
        if amsgrad:
            np.maximum(vmax, v, out=vmax)
            v = vmax
        c1 = 1.0 - beta1**t
        c2 = (1.0 - beta2**t) ** 0.5
        _sqrt(v, tmp)
        _add(tmp, eps * c2, tmp)
        _div(m, tmp, u)
        return c2 / c1

    return Transform(init, update, moment=_first_moment, multiplier=_moments_reciprocal)


def scale_by_adamax(beta1: Scalar, beta2: Scalar, eps: Scalar) -> Transform:
    """m as Adam;  w ← max(β₂w, |u| + ε);  u ← m / w;  factor 1/(1 − β₁ᵗ)."""
    w1, b2, eps_ = _operand(1.0 - beta1), _operand(beta2), _operand(eps)

    def update(u: Array, state: State, params: Array, t: int, lr: Scalar) -> Scalar:
        m, w, tmp = state
        _lerp(m, u, w1, tmp)
        _mul(w, b2, w)
        np.abs(u, tmp)
        _add(tmp, eps_, tmp)
        np.maximum(w, tmp, out=w)
        _div(m, w, u)
        return 1.0 / (1.0 - beta1**t)

    return Transform(
        lambda params: _scratch(params, 3),
        update,
        moment=lambda state: state[0],
        multiplier=_reciprocal(1),
    )


def scale_by_nadam(beta1: Scalar, beta2: Scalar, eps: Scalar, momentum_decay: Scalar) -> Transform:
    """NAdam (Dozat 2016) as torch: momentum schedule μ_t = β₁(1 − ½·0.96^(tψ)).

    Π_t = Π_{t−1}·μ_t;  d = √(v/(1 − β₂ᵗ)) + ε;
    u ← (1 − μ_t)/(1 − Π_t)·g/d + μ_{t+1}/(1 − Π_t·μ_{t+1})·m/d.
    """
    eps_ = _operand(eps)

    def init(params: Array) -> State:
        return (_init_moments(params, beta1, beta2), [1.0])

    def update(u: Array, state: State, params: Array, t: int, lr: Scalar) -> None:
        moments, prod = state
        _moments(u, moments)
        m, v, d, tmp = moments[1], moments[2], moments[4], moments[5]
        mu = beta1 * (1.0 - 0.5 * 0.96 ** (t * momentum_decay))
        mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((t + 1) * momentum_decay))
        prod[0] = prod[0] * mu
        _div(v, 1.0 - beta2**t, d)
        _sqrt(d, d)
        _add(d, eps_, d)
        _mul(u, (1.0 - mu) / (1.0 - prod[0]), u)
        _mul(m, mu_next / (1.0 - prod[0] * mu_next), tmp)
        _add(u, tmp, u)
        _div(u, d, u)

    return Transform(init, update, moment=_first_moment, multiplier=_moments_reciprocal)


def scale_by_radam(beta1: Scalar, beta2: Scalar, eps: Scalar) -> Transform:
    """RAdam (Liu et al. 2020) as torch: rectified adaptive step once ρ_t > 5.

    ρ∞ = 2/(1 − β₂) − 1, ρ_t = ρ∞ − 2tβ₂ᵗ/(1 − β₂ᵗ). If ρ_t > 5:
    u ← m / (√v + ε), factor r_t·√(1 − β₂ᵗ)/(1 − β₁ᵗ) with
    r_t = √((ρ_t − 4)(ρ_t − 2)ρ∞ / ((ρ∞ − 4)(ρ∞ − 2)ρ_t)); else u ← m, factor 1/(1 − β₁ᵗ).
    With per-path β₂ the rectification r_t·√(1 − β₂ᵗ) (or 1) multiplies u instead.
    """
    eps_ = _operand(eps)
    rho_inf = 2.0 / (1.0 - beta2) - 1.0
    per_path = isinstance(beta2, np.ndarray)

    def rectification(t: int) -> tuple[Any, Any]:
        """(ρ_t > 5, r_t·√(1 − β₂ᵗ)): floats, or arrays with per-path β₂ (1.0 where not ρ_t > 5)."""
        b2t = beta2**t
        c2 = 1.0 - b2t
        rho_t = rho_inf - 2.0 * t * b2t / c2
        if not per_path:
            if not rho_t > 5.0:
                return False, 1.0
            rect = math.sqrt(
                (rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)
            )
            return True, rect * math.sqrt(c2)
        ok = rho_t > 5.0
        safe = np.where(ok, rho_t, 6.0)
        rect = np.sqrt((safe - 4) * (safe - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * safe))
        return ok, np.where(ok, rect * np.sqrt(c2), 1.0)

    def update(u: Array, state: State, params: Array, t: int, lr: Scalar) -> Scalar:
        (moments,) = state
        _moments(u, moments)
        m, v, tmp = moments[1], moments[2], moments[4]
        c1 = 1.0 - beta1**t
        ok, scale = rectification(t)
        _sqrt(v, tmp)
        _add(tmp, eps_, tmp)
        if not per_path:
            if ok:
                _div(m, tmp, u)
                return scale / c1
            np.copyto(u, m)
            return 1.0 / c1
        _div(m, tmp, u)
        _mul(u, scale, u)
        np.copyto(u, m, where=~ok)
        return 1.0 / c1

    def multiplier(state: State, t: int, out: Array) -> None:
        """s = 1/(√v + ε) where rectified, else 1; per path also times r_t·√(1 − β₂ᵗ)."""
        ok, scale = rectification(t)
        if not per_path:
            if ok:
                _div(1.0, state[0][4], out)
            else:
                out.fill(1.0)
            return
        _div(scale, state[0][4], out)
        np.copyto(out, 1.0, where=~ok)

    return Transform(
        lambda params: (_init_moments(params, beta1, beta2),),
        update,
        moment=_first_moment,
        multiplier=multiplier,
    )


def scale_by_learning_rate() -> Transform:
    """Factor −lr (this step's learning rate, after the schedule)."""
    return Transform(lambda params: (), lambda u, state, params, t, lr: -lr, linear=True)


# --------------------------------------------------------------------------- FTRL
def ftrl_proximal(
    lr_power: Scalar, initial_accumulator_value: Scalar, l1: Scalar, l2: Scalar, beta: Scalar
) -> Transform:
    """FTRL-Proximal, as Keras 3's ``Ftrl.update_step`` computes it.

    With p = lr_power, γ = lr, accumulator a (starts at initial_accumulator_value)
    and linear term z (starts at 0), per coordinate:

        a′ = a + u²;  σ = (a′^(−p) − a^(−p))/γ;  z ← z + u − σθ;  a ← a′
        θ′ = (clip(z, −l1, l1) − z) / (a′^(−p)/γ + 2·(l2 + β/(2γ)))

    so θ′ = 0 exactly where |z| ≤ l1. FTRL sets θ rather than adding to it: u
    leaves as θ′ − θ and no factor is returned (the final position is
    θ + (θ′ − θ), θ′ up to one rounding; exactly 0 when θ′ is 0).

    A step whose learning rate is 0 (a schedule that decays to 0) leaves θ and
    the state as they are: the update divides by γ, and Keras's would give NaN.
    """
    neg_p = _operand(-lr_power)
    l1_ = _operand(l1)
    low = _operand(-l1)
    no_l2 = _is_zero(l2) and _is_zero(beta)

    def init(params: Array) -> State:
        acc = np.empty_like(params)
        acc[...] = initial_accumulator_value
        powered = np.power(acc, neg_p)  # a^(−p), carried to the next step
        return acc, powered, np.zeros_like(params), np.empty_like(params), np.empty_like(params)

    def update(u: Array, state: State, params: Array, t: int, lr: Scalar) -> None:
        acc, powered, z, new_pow, tmp = state
        if not np.any(lr):  # a schedule at 0: the closed form divides by γ; hold still
            u.fill(0.0)
            return
        _mul(u, u, tmp)
        _add(acc, tmp, acc)  # a′
        np.power(acc, neg_p, new_pow)
        _sub(new_pow, powered, tmp)
        _div(tmp, lr, tmp)  # σ
        _mul(tmp, params, tmp)
        _sub(u, tmp, tmp)
        _add(z, tmp, z)
        np.copyto(powered, new_pow)
        # quadratic = a′^(−p)/γ + 2·l2_reg, l2_reg = l2 + β/(2γ)
        _div(new_pow, lr, new_pow)
        if not no_l2:
            _add(new_pow, 2.0 * (l2 + beta / (2.0 * lr)), new_pow)
        np.clip(z, low, l1_, out=tmp)
        _sub(tmp, z, tmp)
        _div(tmp, new_pow, tmp)  # θ′
        _sub(tmp, params, u)

    return Transform(init, update)
