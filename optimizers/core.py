"""`run`: step every path of one optimizer at once, and the `Trajectory` it returns."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

import surfaces
from surfaces import Surface

from . import transforms as tx
from .registry import OptimizerSpec, get_spec
from .schedules import Schedule

__all__ = [
    "MAX_CELLS",
    "MAX_STEPS",
    "GradientSource",
    "Trajectory",
    "exact_gradient",
    "noisy_gradient",
    "run",
]

#: At most this many steps in one run.
MAX_STEPS = 100_000
#: At most this many stored positions, (steps + 1)·n, in one run: 1.6 GB of
#: positions, and 0.8 GB more once the loss is read.
MAX_CELLS = 100_000_000

Array = np.ndarray

#: Writes the gradient at `params` (shape (2n,): n x's, then n y's) into `out` for
#: step index k. The one pluggable step between a surface and an optimizer:
#: today the exact gradient with optional noise, later mini-batch gradients of
#: a surface defined by data.
GradientSource = Callable[[Array, Array, int], None]


def exact_gradient(surface: Surface) -> GradientSource:
    """The surface's analytic gradient."""
    grad = surface.grad

    def source(params: Array, out: Array, k: int) -> None:
        n = params.shape[0] // 2
        gx, gy = grad(params[:n], params[n:])
        out[:n] = gx
        out[n:] = gy

    return source


def noisy_gradient(source: GradientSource, sigma: Any, seed: int, steps: int) -> GradientSource:
    """`source` plus Gaussian noise of standard deviation `sigma`, reproducible from `seed`.

    The noise sequence is drawn once per run, one (x, y) pair per step, and is
    shared by all paths of the run — as one data loader's mini-batch order is
    shared by every optimizer trained on it. So a batch of n settings equals n
    separate runs with the same seed, and optimizers compared under one seed
    see the same noise. `sigma` is a float or one value per path.
    """
    z = np.random.default_rng(seed).standard_normal((steps, 2, 1))

    def noisy(params: Array, out: Array, k: int) -> None:
        source(params, out, k)
        grid = out.reshape(2, -1)
        grid += z[k] * sigma

    return noisy


@dataclass(frozen=True, eq=False)
class Trajectory:
    """The result of `run`: n paths of `steps` steps.

    Attributes:
        xy: (steps + 1, n, 2) positions; ``xy[k]`` is the position before step k.
        loss: (steps + 1, n) surface value at each position (evaluated from `xy`
            on first access: it is derivable, and storing it eagerly would add
            half again to the memory a large run must fill).
        lr: (steps, n) learning rate used by each step (after the schedule).
        diverged_at: (n,) first index whose position or loss is non-finite or
            whose position lies outside ``surface.bound``; −1 if none. From
            there on `xy` and `loss` repeat the last good values.
        surface, optimizer, hyperparameters: what was run (hyperparameters
            resolved: defaults and the suggested lr filled in).
    """

    xy: Array
    lr: Array
    diverged_at: Array
    surface: Surface
    optimizer: str
    hyperparameters: Mapping[str, Any] = field(default_factory=dict)

    @property
    def steps(self) -> int:
        return self.xy.shape[0] - 1

    @property
    def n(self) -> int:
        return self.xy.shape[1]

    @property
    def diverged(self) -> Array:
        """(n,) True where the path diverged."""
        return self.diverged_at >= 0

    @cached_property
    def loss(self) -> Array:
        grid = self.xy.transpose(0, 2, 1)  # the (steps + 1, 2, n) buffer run filled
        loss = np.empty(grid[:, 0].shape)
        with np.errstate(all="ignore"):
            for a, b in _blocks(*loss.shape):
                loss[a:b] = self.surface.value(grid[a:b, 0], grid[a:b, 1])
        return loss


def _as_starts(starts: Any) -> Array:
    try:
        arr = np.array(starts, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"starts={starts!r} is not numeric; use shape (2,) or (n, 2)") from None
    if arr.shape == (2,):
        arr = arr[None, :]
    if arr.ndim != 2 or arr.shape[1] != 2 or arr.shape[0] == 0:
        raise ValueError(f"starts has shape {arr.shape}; use shape (2,) or (n, 2) with n ≥ 1")
    if not np.all(np.isfinite(arr)):
        raise ValueError("starts must be finite numbers")
    return arr


def _as_steps(steps: Any, n: int) -> int:
    if isinstance(steps, bool) or not isinstance(steps, int | np.integer):
        raise ValueError(f"steps={steps!r} must be an integer from 1 to {MAX_STEPS}")
    steps = int(steps)
    if not 1 <= steps <= MAX_STEPS:
        raise ValueError(f"steps={steps} is out of range; allowed 1 ≤ steps ≤ {MAX_STEPS}")
    if (steps + 1) * n > MAX_CELLS:
        raise ValueError(
            f"steps={steps} with n={n} paths stores {(steps + 1) * n:,} positions; "
            f"at most {MAX_CELLS:,} fit in one run (fewer steps or paths)"
        )
    return steps


def _per_path_number(name: str, value: Any, n: int, *, zero_ok: bool) -> Any:
    """`value` as a float or an (n,) array of finite numbers > 0 (≥ 0 with `zero_ok`)."""
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        arr = None
    if (
        arr is None
        or arr.shape not in ((), (n,))
        or not np.all(np.isfinite(arr))
        or np.any(arr < 0 if zero_ok else arr <= 0)
    ):
        bound = "≥ 0" if zero_ok else "> 0"
        raise ValueError(f"{name}={value!r} must be a number {bound} (or {n} of them)")
    return float(arr) if arr.ndim == 0 else arr


def _gradient_chain(clip_norm: Any, clip_value: Any) -> list[tx.Transform]:
    links = []
    if clip_norm is not None:
        links.append(tx.clip_by_global_norm(clip_norm))
    if clip_value is not None:
        links.append(tx.clip_by_value(clip_value))
    return links


def _per_coordinate(value: Any) -> Any:
    """Per-path values (n,) laid out like the (2n,) buffers: x's, then y's. Scalars pass."""
    return np.tile(value, 2) if isinstance(value, np.ndarray) else value


class _PerCoordinate:
    """Row k of a (steps, n) table, laid out per coordinate as (2n,)."""

    def __init__(self, table: Array) -> None:
        self.table = table

    def __getitem__(self, k: int) -> Array:
        return _per_coordinate(self.table[k])


def _learning_rates(base: Any, schedule: Schedule | None, steps: int, n: int) -> Array:
    """(steps, n) learning rate of every step: base × schedule factor (a view where possible)."""
    factors = np.ones(steps) if schedule is None else schedule(np.arange(steps))
    if np.ndim(base) == 0:
        return np.broadcast_to((factors * base)[:, None], (steps, n))
    return factors[:, None] * base[None, :]


def run(
    surface: Surface | str,
    optimizer: str,
    starts: Any,
    steps: int,
    *,
    schedule: Schedule | None = None,
    clip_norm: Any = None,
    clip_value: Any = None,
    noise: Any = 0.0,
    seed: int = 0,
    **hyperparameters: Any,
) -> Trajectory:
    """Run `optimizer` on `surface` from every start at once.

    Args:
        surface: a `Surface` or a registered surface name.
        optimizer: a name in `OPTIMIZERS`.
        starts: shape (n, 2), or (2,) for a single path.
        steps: number of steps, 1 to `MAX_STEPS`.
        schedule: multiplies the base learning rate by a factor of the step
            index (see `optimizers.schedules`).
        clip_norm: clip each path's gradient to this global norm (torch's
            ``clip_grad_norm_``), or None.
        clip_value: clip each gradient coordinate to ±clip_value, or None.
        noise: standard deviation of Gaussian noise added to the gradient.
        seed: seeds the noise; the same seed gives the same run.
        **hyperparameters: the optimizer's hyperparameters (see its registry
            entry); each a scalar or an array of shape (n,). Without `lr`, the
            surface's suggested rate for this optimizer is used (torch's
            default for a surface that suggests none).

    The gradient passes noise, then clipping, then the optimizer (which adds
    weight decay first). Paths that diverge are marked in
    ``Trajectory.diverged_at`` and frozen at their last good point; nothing is
    raised and no NumPy warning escapes. Invalid arguments raise ValueError
    with a message naming the value and what is allowed.
    """
    if isinstance(surface, str):
        surface = surfaces.get(surface)
    elif not isinstance(surface, Surface):
        raise ValueError(f"surface={surface!r} must be a Surface or a registered name")
    spec: OptimizerSpec = get_spec(optimizer)
    xy0 = _as_starts(starts)
    n = xy0.shape[0]
    steps = _as_steps(steps, n)
    hp = spec.resolve(hyperparameters, n)
    if "lr" not in hp:
        suggested = surface.suggested_lr(spec.name)
        hp = {"lr": spec.default_lr if suggested is None else suggested, **hp}
    if schedule is not None and not isinstance(schedule, Schedule):
        raise ValueError(f"schedule={schedule!r} must be built with optimizers.schedules")
    if clip_norm is not None:
        clip_norm = _per_path_number("clip_norm", clip_norm, n, zero_ok=False)
    if clip_value is not None:
        clip_value = _per_path_number("clip_value", clip_value, n, zero_ok=False)
    sigma = _per_path_number("noise", noise, n, zero_ok=True)
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"seed={seed!r} must be an integer ≥ 0")

    lr = _learning_rates(hp["lr"], schedule, steps, n)
    if np.ndim(hp["lr"]) == 0:
        step_lrs: Any = lr[:, 0].tolist()
    else:
        step_lrs = _PerCoordinate(lr)
    # Positions live in one (steps + 1, 2n) buffer: a step's row holds the x of
    # every path, then the y, so the surface sees contiguous arrays and every
    # update is one 1-D ufunc over both coordinates (the cheapest call NumPy
    # has, which matters when n is 1). Per-path values are laid out the same way.
    transform = tx.chain(
        *_gradient_chain(_per_coordinate(clip_norm), _per_coordinate(clip_value)),
        spec.build({k: _per_coordinate(v) for k, v in hp.items()}),
    )
    source = exact_gradient(surface)
    if np.any(sigma > 0):
        source = noisy_gradient(source, sigma, int(seed), steps)

    hist = np.empty((steps + 1, 2 * n))
    hist[0] = xy0.T.ravel()
    u = np.empty(2 * n)
    add, mul = np.add, np.multiply
    update = transform.update
    with np.errstate(all="ignore"):
        state = transform.init(hist[0])
        for k in range(steps):
            theta = hist[k]
            source(theta, u, k)
            factor = update(u, state, theta, k + 1, step_lrs[k])
            if factor is not None:
                mul(u, factor, u)
            add(theta, u, hist[k + 1])
        grid = hist.reshape(steps + 1, 2, n)
        diverged_at = _find_divergence(surface, grid)
    _freeze(grid, diverged_at)
    return Trajectory(
        xy=grid.transpose(0, 2, 1),
        lr=lr,
        diverged_at=diverged_at,
        surface=surface,
        optimizer=spec.name,
        hyperparameters=hp,
    )


def _blocks(rows: int, n: int) -> Iterator[tuple[int, int]]:
    """Row ranges of about 32 768 positions: temporaries that stay in cache."""
    block = max(1, 32_768 // n)
    for a in range(0, rows, block):
        yield a, min(a + block, rows)


def _find_divergence(surface: Surface, grid: Array) -> Array:
    """First bad index per path (−1 if none) of a (steps + 1, 2, n) history.

    A position is bad when it or its loss is non-finite or it lies outside
    ``surface.bound``.
    """
    rows, _, n = grid.shape
    first = np.full(n, -1, dtype=np.int64)
    x0, x1, y0, y1 = surface.bound
    for a, b in _blocks(rows, n):
        x, y = grid[a:b, 0], grid[a:b, 1]
        f = surface.value(x, y)
        # Fast path: five reductions show the whole block is fine (a NaN makes
        # min/max NaN and a comparison False; a non-finite f makes its sum so).
        if (
            x0 <= x.min()
            and x.max() <= x1
            and y0 <= y.min()
            and y.max() <= y1
            and math.isfinite(f.sum())
        ):
            continue
        bad = ~np.isfinite(f)
        bad |= ~((x >= x0) & (x <= x1) & (y >= y0) & (y <= y1))  # False for NaN too
        hit = bad.any(axis=0) & (first < 0)
        if hit.any():
            first[hit] = a + bad[:, hit].argmax(axis=0)
    return first


def _freeze(grid: Array, first: Array) -> None:
    """From its first bad index on, each diverged path repeats its last good position."""
    cols = np.flatnonzero(first >= 0)
    if not cols.size:
        return
    k = first[cols]
    last = grid[np.maximum(k - 1, 0), :, cols]  # (m, 2)
    after = np.arange(grid.shape[0])[:, None] >= k[None, :]
    sub = grid[:, :, cols]
    np.copyto(sub, last.T[None], where=after[:, None, :])
    grid[:, :, cols] = sub
