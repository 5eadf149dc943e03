"""Mini-batches on a data surface: which samples each step sees, and their gradient.

A data surface (``surfaces.DataSurface``, or anything with ``data = (x, y)`` and
``batch_value``/``batch_grad``) is a mean loss over N samples. `run` steps it
with batch gradient descent (every sample every step), stochastic gradient
descent (one sample) or mini-batch gradient descent (B samples), choosing the
samples of each step by one of three schemes:

- ``"shuffle"``: a new random permutation of 0 … N−1 every epoch, cut into
  consecutive slices of B, the last one short when B does not divide N
  (torch's ``DataLoader(shuffle=True, drop_last=False)``): ⌈N/B⌉ steps an epoch;
- ``"replacement"``: B indices drawn uniformly with replacement every step
  (a sample can repeat within a batch);
- ``"cycle"``: the fixed order 0 … N−1, epochs of consecutive slices as in
  shuffle, without the permutation.

The whole schedule is drawn once per call from ``numpy.random.default_rng(batch_seed)``
and shared by every path of the call (common random numbers), so a batch of n
settings equals n separate runs with the same `batch_seed`, and optimizers
compared under one seed see the same samples.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = [
    "MAX_BATCH_INDICES",
    "SAMPLING",
    "batch_gradient",
    "is_data_surface",
    "sample_batches",
]

Array = np.ndarray

#: The sampling schemes `run` accepts.
SAMPLING = ("shuffle", "replacement", "cycle")
#: At most this many sample indices (steps × batch size) in one run's schedule.
MAX_BATCH_INDICES = 20_000_000


def is_data_surface(surface: Any) -> bool:
    """Whether `surface` is defined by samples (has ``data`` and ``batch_grad``)."""
    return getattr(surface, "batch_grad", None) is not None and hasattr(surface, "data")


def check_batching(surface: Any, batch_size: Any, sampling: Any, batch_seed: Any) -> int | None:
    """Validate `run`'s batch arguments; the batch size B (< N), or None for the full batch.

    Raises ValueError naming the bad value: a batch size that is not a whole
    number ≥ 1, or any batch size on a surface without data; an unknown
    sampling scheme; a batch seed that is not an integer ≥ 0.
    """
    if sampling not in SAMPLING:
        raise ValueError(f"sampling={sampling!r} is not allowed; use one of: {', '.join(SAMPLING)}")
    if isinstance(batch_seed, bool) or not isinstance(batch_seed, int | np.integer):
        raise ValueError(f"batch_seed={batch_seed!r} must be an integer ≥ 0")
    if batch_seed < 0:
        raise ValueError(f"batch_seed={batch_seed!r} must be an integer ≥ 0")
    if batch_size is None:
        return None
    if isinstance(batch_size, bool) or not isinstance(batch_size, int | np.integer):
        raise ValueError(f"batch_size={batch_size!r} must be a whole number ≥ 1, or None")
    if batch_size < 1:
        raise ValueError(f"batch_size={batch_size!r} must be a whole number ≥ 1, or None")
    if not is_data_surface(surface):
        name = getattr(surface, "name", surface)
        raise ValueError(
            f"batch_size={batch_size}: surface {name!r} has no data samples to batch; "
            "mini-batches need a data surface (linear_regression, logistic_regression, "
            "tiny_net or your own data), or leave batch_size=None"
        )
    n = surface.data[0].shape[0]
    return int(batch_size) if batch_size < n else None


def sample_batches(
    samples: int, batch_size: int | None, sampling: str, seed: int, steps: int
) -> list[Array]:
    """The sample indices of each of `steps` steps (a list of int arrays).

    `batch_size` None is the full batch: every step the same ``arange(samples)``.
    Otherwise as the module docstring says; the arrays are views into one
    schedule, so the list costs little beyond the indices themselves.
    """
    everything = np.arange(samples)
    if batch_size is None:
        return [everything] * steps
    b = int(batch_size)
    total = steps * b
    if total > MAX_BATCH_INDICES:
        raise ValueError(
            f"steps={steps} with batch_size={b} draws {total:,} sample indices; "
            f"at most {MAX_BATCH_INDICES:,} fit in one run (fewer steps or a smaller batch)"
        )
    rng = np.random.default_rng(seed)
    if sampling == "replacement":
        table = rng.integers(0, samples, size=(steps, b))
        return list(table)
    per_epoch = math.ceil(samples / b)
    cuts = [(j * b, min((j + 1) * b, samples)) for j in range(per_epoch)]
    if sampling == "cycle":
        slices = [everything[lo:hi] for lo, hi in cuts]
        return [slices[k % per_epoch] for k in range(steps)]
    epochs = math.ceil(steps / per_epoch)
    order = rng.permuted(np.broadcast_to(everything, (epochs, samples)), axis=1)
    return [order[k // per_epoch, slice(*cuts[k % per_epoch])] for k in range(steps)]


def batch_gradient(surface: Any, batches: list[Array]) -> Any:
    """A gradient source (see `optimizers.core.GradientSource`): step k's mini-batch gradient.

    Writes ``surface.batch_grad(θx, θy, batches[k])`` into the (2n,) buffer,
    through the surface's ``batch_grad_kernel`` where it has one (the same
    numbers, in place, with the schedule prepared once).
    """
    prepare = getattr(surface, "batch_grad_kernel", None)
    if prepare is not None:
        step = prepare(batches)
        views: dict[int, tuple[Array, Array]] = {}

        def fast(params: Array, out: Array, k: int) -> None:
            n = params.shape[0] // 2
            halves = views.get(id(out))
            if halves is None:
                halves = views[id(out)] = (out[:n], out[n:])
            step(params[:n], params[n:], k, *halves)

        return fast
    batch_grad = surface.batch_grad

    def source(params: Array, out: Array, k: int) -> None:
        n = params.shape[0] // 2
        gx, gy = batch_grad(params[:n], params[n:], batches[k])
        out[:n] = gx
        out[n:] = gy

    return source
