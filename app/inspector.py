"""The step inspector: what the focus run's optimizer saw and did at every step.

`record` runs the focus run once more with the core's recording on (gradient,
first moment, per-coordinate effective learning rate) and packs it for the
browser, which draws the arrows at the current step and writes the numbers
beside the optimizer's update rule as the timeline moves. Recording is on
request only: the paths view does not pay for it.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

import optimizers
from optimizers import OPTIMIZERS

from .compute import Carry, training
from .figures import _typed
from .state import AppState

__all__ = ["record"]


def record(state: AppState) -> dict:
    """The focus run's per-step gradient, moment and effective rate, as typed arrays.

    Keys: ``run`` (its index), ``g`` (gradient, 2·steps: x's then y's),
    ``m`` (first moment, or absent), ``e`` (effective learning rate per
    coordinate, or absent), ``lr`` (the scheduled rate per step), ``moment``
    and ``eff`` (what the optimizer calls them, for the labels).
    """
    run = state.focus_run
    return _record(
        state.common_key(), run.key(), min(state.focus, len(state.runs) - 1), Carry(state)
    )


def _pack(a: np.ndarray | None) -> dict | None:
    """(steps, 1, 2) → x's then y's, float64."""
    if a is None:
        return None
    return _typed(np.ascontiguousarray(np.concatenate([a[:, 0, 0], a[:, 0, 1]])))


@lru_cache(maxsize=32)
def _record(common: tuple, key: tuple, index: int, carry: Carry) -> dict:
    state = carry.state
    run = state.focus_run
    traj = optimizers.run(
        state.build_surface(),
        run.optimizer,
        np.asarray(state.start, dtype=np.float64),
        state.steps,
        record=True,
        **training(state, run),
        **run.hp,
    )
    spec = OPTIMIZERS[run.optimizer]
    out = {
        "run": index,
        "optimizer": spec.label,
        "g": _pack(traj.grad),
        "lr": _typed(np.ascontiguousarray(traj.lr[:, 0])),
    }
    if traj.moment is not None:
        out["m"] = _pack(traj.moment)
    if traj.eff_lr is not None:
        out["e"] = _pack(traj.eff_lr)
    return out
