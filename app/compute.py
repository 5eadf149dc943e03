"""From an `AppState` to the numbers the views draw: one `run` call per run, cached.

The cache is keyed by everything a trajectory depends on, as the field table
says (`state.FIELDS`: the `PATH` group, `AppState.common_key`, and the run's
`RUN` group, `Run.key`), so a slider that moves one run's learning rate
recomputes that run only, and a colour change recomputes nothing. It lives in
the process (a plain LRU of results, not per-user state): any worker can answer
any request.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np

from gradscape import optimizers
from gradscape.optimizers import schedules

from .state import AppState, Run, has_data, samples_of

__all__ = ["TOLERANCE", "Carry", "RunResult", "compute", "compute_all", "result_of", "training"]

#: A run has "arrived" at a minimum once it is this close (Euclidean distance).
TOLERANCE = 1e-3


@dataclass(frozen=True, eq=False)
class RunResult:
    """One run's path and the summary the table shows.

    x, y, loss: contiguous float64 arrays of length steps + 1 (ready to send as
    typed arrays); gap: loss − the surface's global minimum value where it has
    one (the quantity the loss plot draws on a log axis), else the loss.
    """

    x: np.ndarray
    y: np.ndarray
    loss: np.ndarray
    gap: np.ndarray
    diverged_at: int
    final_loss: float
    distance: float | None
    nearest: int | None
    reached_at: int | None
    final_lr: float
    #: On a mini-batch run of a data surface: the samples of each step, (steps, B)
    #: (the last batch of an epoch padded with −1 where it is short), and the
    #: mini-batch loss the optimizer saw at each step (steps,). None otherwise.
    batches: np.ndarray | None = None
    batch_loss: np.ndarray | None = None

    @property
    def diverged(self) -> bool:
        return self.diverged_at >= 0


def compute(state: AppState, run: Run) -> RunResult:
    """The result for one run of `state` (cached on what it depends on)."""
    return _cached(state.common_key(), run.key(), Carry(replace(state, runs=(run,))))


def compute_all(state: AppState) -> list[RunResult]:
    return [compute(state, r) for r in state.runs]


class Carry:
    """Carries a state into an `lru_cache`d function without being part of its key.

    The cached functions are keyed by what their result depends on (passed
    beside it); every Carry hashes and compares equal, so it never splits the cache.
    """

    __slots__ = ("state",)

    def __init__(self, state: AppState) -> None:
        self.state = state

    def __hash__(self) -> int:
        return 0

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Carry)


@lru_cache(maxsize=256)
def _cached(common: tuple, key: tuple, carry: Carry) -> RunResult:
    return _compute(carry.state, carry.state.runs[0])


def training(state: AppState, run: Run | None = None) -> dict:
    """`optimizers.run`'s keyword arguments that every run of `state` shares, and, given
    `run`, its batch size on a data surface (None: the full batch)."""
    schedule = None
    if state.schedule != "constant":
        schedule = schedules.get(state.schedule, **state.schedule_args)
    out = {
        "schedule": schedule,
        "clip_norm": state.clip_at if state.clip == "norm" else None,
        "clip_value": state.clip_at if state.clip == "value" else None,
        "noise": state.noise,
        "seed": state.seed,
    }
    if has_data(state):
        out["sampling"] = state.sampling
        out["batch_seed"] = state.batch_seed
        out["batch_size"] = batch_size(state, run) if run is not None else None
    return out


def batch_size(state: AppState, run: Run) -> int | None:
    """The run's samples per step as `optimizers.run` takes it: None for the full batch."""
    if not has_data(state) or run.batch is None or run.batch >= samples_of(state):
        return None
    return int(run.batch)


def _compute(state: AppState, run: Run) -> RunResult:
    surface = state.build_surface()
    traj = optimizers.run(
        surface,
        run.optimizer,
        np.asarray(state.start, dtype=np.float64),
        state.steps,
        **training(state, run),
        **run.hp,
    )
    return result_of(traj, 0, surface)


def result_of(traj: optimizers.Trajectory, j: int, surface) -> RunResult:
    """The `RunResult` of path `j` of a trajectory."""
    x = np.ascontiguousarray(traj.xy[:, j, 0])
    y = np.ascontiguousarray(traj.xy[:, j, 1])
    loss = np.ascontiguousarray(traj.loss[:, j])
    fmin = surface.min_value
    gap = loss - fmin if fmin is not None else loss
    distance = nearest = reached = None
    if surface.minima:
        mins = np.array([(m.x, m.y) for m in surface.minima])
        d_end = np.hypot(mins[:, 0] - x[-1], mins[:, 1] - y[-1])
        nearest = int(np.argmin(d_end))
        distance = float(d_end[nearest])
        close = np.hypot(x - mins[nearest, 0], y - mins[nearest, 1]) <= TOLERANCE
        # the first step from which the path stays within the tolerance
        if close[-1]:
            outside = np.flatnonzero(~close)
            reached = int(outside[-1] + 1) if outside.size else 0
    return RunResult(
        x=x,
        y=y,
        loss=loss,
        gap=gap,
        diverged_at=int(traj.diverged_at[j]),
        final_loss=float(loss[-1]),
        distance=distance,
        nearest=nearest,
        reached_at=reached,
        final_lr=float(traj.lr[-1, j]),
        **_batch_fields(traj, j),
    )


def _batch_fields(traj: optimizers.Trajectory, j: int) -> dict:
    """`RunResult.batches` and `.batch_loss` of path `j` (on a mini-batch run only)."""
    batches = traj.batches
    if not batches or batches[0].shape[0] >= traj.surface.data[0].shape[0]:
        return {}
    width = max(b.shape[0] for b in batches)
    table = np.full((len(batches), width), -1, dtype=np.int32)
    for k, b in enumerate(batches):
        table[k, : b.shape[0]] = b
    return {
        "batches": table,
        "batch_loss": np.ascontiguousarray(traj.batch_loss[:, j]),
    }
