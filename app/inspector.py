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

from gradscape import optimizers
from gradscape.optimizers import OPTIMIZERS

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
    out.update(_extras(traj.extras or {}))
    batched = training(state, run).get("batch_size") is not None
    if state.noise > 0 or batched:  # the gradient is a sample: beside it, the exact one
        out["g_full_name"] = "full batch" if batched else "exact"
        xy = traj.xy[:-1, 0, :]
        gx, gy = state.build_surface().grad(xy[:, 0], xy[:, 1])
        out["g_full"] = _pack(np.stack([gx, gy], axis=-1)[:, None, :])
    return out


def _extras(extras: dict) -> dict:
    """What an optimizer reports beyond g, m and the rate, packed for the browser
    (assets/gs/45-extras.js draws it):

    - ``sf_y``, ``sf_z`` (Schedule-Free): y, where the gradient is taken, and z,
      the base sequence, at each step (x's then y's, like ``g``);
    - ``d_lr`` (Prodigy): its learned step d·lr at each step;
    - ``g_full`` (added by `_record` when the gradient is a sample: noise, or a
      mini-batch on a data surface): the exact full-batch gradient at each step;
      the difference from ``g`` is the gradient noise;
    - ``trials`` and ``trial_at`` (L-BFGS with a line search): every trial point
      of every step, flat (x0, y0, x1, y1, …), and where each step's start in
      it (steps + 1 offsets, in points).
    """
    out: dict = {}
    if "y" in extras and "z" in extras:
        out["sf_y"] = _pack(np.asarray(extras["y"]))
        out["sf_z"] = _pack(np.asarray(extras["z"]))
    if "d_lr" in extras:
        out["d_lr"] = _typed(np.ascontiguousarray(np.asarray(extras["d_lr"])[:, 0]))
    if "line_search_xy" in extras:
        points, at = [], [0]
        for step in extras["line_search_xy"]:  # (trials, n, 2), NaN rows: no trial
            xy = np.asarray(step, dtype=np.float64).reshape(-1, 1, 2)[:, 0, :]  # the one path
            xy = xy[np.isfinite(xy).all(axis=1)]
            points.append(xy)
            at.append(at[-1] + len(xy))
        flat = np.concatenate(points) if points else np.zeros((0, 2))
        out["trials"] = _typed(np.ascontiguousarray(flat.reshape(-1)))
        out["trial_at"] = _typed(np.asarray(at, dtype=np.float64))
    return out
