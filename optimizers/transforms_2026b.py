"""Transforms of the 2026 optimizers, part b: Lion (more to come: AdaBelief, Adan,
Schedule-Free, Prodigy).

The protocol of `optimizers.transforms`: `update(u, state, params, t, lr)`
rewrites the gradient `u` (shape (2n,)) into the update and may return a factor.
"""

from __future__ import annotations

import numpy as np

from .transforms import Scalar, State, Transform, _operand, _scratch

__all__ = ["scale_by_lion"]

Array = np.ndarray


def scale_by_lion(beta1: Scalar, beta2: Scalar, weight_decay: Scalar) -> Transform:
    """lion_pytorch.Lion: u ← sign(β₁m + (1−β₁)g) + λθ, factor −lr; then m ← β₂m + (1−β₂)g.

    θ(1 − γλ) − γ·sign(c) is written as θ − γ(sign(c) + λθ); without weight
    decay every coordinate moves exactly ±γ or 0.
    """
    b1, b2, wd = _operand(beta1), _operand(beta2), _operand(weight_decay)
    decay = not (isinstance(weight_decay, float | int) and weight_decay == 0)

    def init(params: Array) -> State:
        return _scratch(params, 2)

    def update(u: Array, state: State, params: Array, t: int, lr: Scalar) -> Scalar:
        m, c = state
        np.multiply(m, b1, c)
        c += (1.0 - b1) * u
        m *= b2
        m += (1.0 - b2) * u
        np.sign(c, u)
        if decay:
            u += wd * params
        return -lr

    return Transform(init, update, moment=lambda state: state[0])
