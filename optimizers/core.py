"""`run`: step every path of one optimizer at once, and the `Trajectory` it returns.

`run_final` takes the same steps but keeps only where each path ends (a `Final`),
for start-point maps of 10⁵ starts.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any, Protocol, runtime_checkable

import numpy as np

from . import transforms as tx
from .batching import batch_gradient, check_batching, is_data_surface, sample_batches
from .registry import OptimizerSpec, RecordInfo, get_spec
from .schedules import Schedule

__all__ = [
    "FINAL_CHUNK",
    "MAX_CELLS",
    "MAX_STEPS",
    "Final",
    "GradientSource",
    "Oracle",
    "SurfaceLike",
    "Trajectory",
    "exact_gradient",
    "noisy_gradient",
    "run",
    "run_final",
]

#: At most this many steps in one run.
MAX_STEPS = 100_000
#: At most this many stored positions, (steps + 1)·n, in one run: 1.6 GB of
#: positions, and 0.8 GB more once the loss is read.
MAX_CELLS = 100_000_000

Array = np.ndarray


@runtime_checkable
class SurfaceLike(Protocol):
    """What the stepping core needs of a surface (``surfaces.Surface`` has all of it).

    The core depends on this shape, not on the `surfaces` package: `run` imports
    `surfaces` only to look up a surface given by its registered name.

    Attributes:
        value: ``f(x, y)``, broadcasting over arrays.
        grad: ``(∂f/∂x, ∂f/∂y)``, broadcasting like `value`.
        bound: ``(xmin, xmax, ymin, ymax)``; a path leaving it has diverged.
        minima: known minima, each with ``x`` and ``y`` (`run_final` measures
            distances to them).
        suggested_lr: ``suggested_lr(optimizer)``, the rate `run` uses when
            none is given, or None.
    """

    value: Callable[[Any, Any], Any]
    grad: Callable[[Any, Any], tuple[Any, Any]]
    bound: tuple[float, float, float, float]
    minima: tuple[Any, ...]

    def suggested_lr(self, optimizer: str) -> float | None: ...


#: Writes the gradient at `params` (shape (2n,): n x's, then n y's) into `out` for
#: step index k. The one pluggable step between a surface and an optimizer:
#: the exact gradient, optionally plus noise, or on a data surface the mean
#: gradient of step k's mini-batch (`optimizers.batching`).
GradientSource = Callable[[Array, Array, int], None]


def exact_gradient(surface: SurfaceLike) -> GradientSource:
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


class Oracle:
    """What a transform may ask of the surface beyond the gradient (``Transform.bind``).

    One per run (or `run_final` chunk), for its n paths; every method takes
    positions laid out as the core's buffers, shape (2n,) (x's, then y's), and
    the step index k, so that on a data surface step k's mini-batch is used.

    - ``hess(params, k)``: the exact Hessian (hxx, hxy, hyy), each (n,), of
      step k's objective (the surface's ``hess``; on a data surface with
      mini-batches its ``batch_hess`` over step k's samples). Gradient noise
      is a linear term, so it leaves the Hessian unchanged.
    - ``value_and_grad(params, k, out)``: step k's objective at `params` and
      its gradient written into `out` as the optimizer receives it (the
      gradient source: noise, mini-batch; then the clipping edits), as a
      torch closure that clips before returning. With noise of standard
      deviation σ and step k's draw z, the value is f + σ·(z·θ), whose
      gradient the noisy gradient is.
    """

    def __init__(self, setup: _Setup, cols: slice, source: GradientSource, edits: list) -> None:
        self.surface, self.setup, self.source, self.edits = setup.surface, setup, source, edits
        self.cols = cols
        batches = setup.batches if setup.mini_batch else None
        self.batches = batches
        sigma = setup.sigma
        self.sigma = sigma[cols] if isinstance(sigma, np.ndarray) else sigma
        self.z = None
        if np.any(setup.sigma > 0):
            self.z = np.random.default_rng(setup.seed).standard_normal((setup.steps, 2, 1))
        self.edit_states: list | None = None

    def hess(self, params: Array, k: int) -> tuple[Array, Array, Array]:
        n = params.shape[0] // 2
        x, y = params[:n], params[n:]
        hess = getattr(self.surface, "hess", None)
        if hess is None:
            name = getattr(self.surface, "name", "this surface")
            raise ValueError(f"surface {name!r} has no Hessian (hess); Newton needs one")
        if self.batches is not None:
            parts = self.surface.batch_hess(x, y, self.batches[k])
        else:
            parts = hess(x, y)
        return tuple(np.broadcast_to(np.asarray(p, dtype=np.float64), (n,)) for p in parts)

    def value(self, params: Array, k: int) -> Array:
        """Step k's objective at `params`, shape (n,) (see `value_and_grad`)."""
        n = params.shape[0] // 2
        x, y = params[:n], params[n:]
        if self.batches is not None:
            f = np.asarray(self.surface.batch_value(x, y, self.batches[k]), dtype=np.float64)
        else:
            f = np.asarray(self.surface.value(x, y), dtype=np.float64)
        f = np.array(np.broadcast_to(f, (n,)))
        if self.z is not None:
            zk = self.z[k]
            f += self.sigma * (zk[0, 0] * x + zk[1, 0] * y)
        return f

    def value_and_grad(self, params: Array, k: int, out: Array) -> Array:
        f = self.value(params, k)
        self.source(params, out, k)
        if self.edits:
            if self.edit_states is None:
                self.edit_states = [e.init(params) for e in self.edits]
            for e, st in zip(self.edits, self.edit_states, strict=True):
                e.update(out, st, params, k + 1, 0.0)
        return f


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
        batches: on a data surface, the sample indices each step used (a
            list of `steps` int arrays; the whole range for the full batch),
            shared by every path; None elsewhere.
        batch_loss: (steps, n) on a data surface, the mini-batch loss the
            optimizer saw at ``xy[k]`` over ``batches[k]`` (evaluated on first
            access; the full-batch loss for full-batch runs); None elsewhere.

    Recorded with ``run(..., record=True)``, else None. Each is (steps, n, 2),
    row k belonging to step k (from ``xy[k]`` to ``xy[k + 1]``, t = k + 1);
    rows from ``diverged_at`` on are NaN (row ``diverged_at − 1`` is the step
    that left):

        grad: the gradient the optimizer received: the surface's gradient at
            ``xy[k]``, plus noise, then clipped; before weight decay.
        moment: the first moment or momentum buffer after the step: m for
            adam, amsgrad, adamw, adamax, nadam and radam; b for momentum,
            nesterov, and rmsprop with momentum (a momentum array counts, b = g/d
            where μ = 0); None for sgd, adagrad, adadelta and rmsprop without.
        eff_lr: the per-coordinate effective learning rate of the adaptive
            rules; None for sgd, momentum and nesterov (their rate is `lr`).

    With γ = lr[k], λ the weight decay, g = grad[k] + λ·xy[k] the gradient the
    rule scales (L2 decay; for adamw g = grad[k]), the state (s, v, ḡ, u, m, b…)
    after step k as in each optimizer's docstring, and Δθ = xy[k + 1] − xy[k]
    (exact up to the rounding of the positions):

        adagrad          eff_lr = γ/(1 + (t − 1)η) / (√s + ε)          Δθ = −eff_lr·g
        rmsprop          eff_lr = γ/d, d = √v + ε (centered: √(v − ḡ²) + ε)
                         μ = 0: Δθ = −eff_lr·g;  μ > 0: b = μb + (eff_lr/γ)·g, Δθ = −γb
        adadelta         eff_lr = γ·√(u + ε)/√(v + ε), u before its update;  Δθ = −eff_lr·g
        adam, amsgrad    eff_lr = γ / ((1 − β₁ᵗ)(√v/√(1 − β₂ᵗ) + ε)) (v̄ for amsgrad);
                         Δθ = −eff_lr·m
        adamw            eff_lr as adam;  Δθ = −eff_lr·m − γλ·xy[k]
        adamax           eff_lr = γ / ((1 − β₁ᵗ)·u);  Δθ = −eff_lr·m
        nadam            eff_lr = γ/d, d = √(v/(1 − β₂ᵗ)) + ε;  Δθ = −eff_lr·(c_g·g + c_m·m)
                         with c_g = (1 − μ_t)/(1 − Π_t), c_m = μ_{t+1}/(1 − Π_t·μ_{t+1})
        radam            ρ_t > 5: eff_lr = γ·r_t·√(1 − β₂ᵗ) / ((1 − β₁ᵗ)(√v + ε)),
                         else eff_lr = γ/(1 − β₁ᵗ);  Δθ = −eff_lr·m

    `record_info` names the moment and direction and gives these relations in
    LaTeX for display.

    extras: with ``record=True``, what an optimizer reports beyond these
        tables, else None. lbfgs with line_search="strong_wolfe":
        ``"line_search_t"`` and ``"line_search_xy"``, lists of `steps` arrays
        of shape (rounds, n) and (rounds, n, 2): each round's trial step length
        and trial point (NaN where a path was not trying); ``"step_t"``
        (steps, n): the step length each step took (0 where the path stood).
    """

    xy: Array
    lr: Array
    diverged_at: Array
    surface: SurfaceLike
    optimizer: str
    hyperparameters: Mapping[str, Any] = field(default_factory=dict)
    grad: Array | None = None
    moment: Array | None = None
    eff_lr: Array | None = None
    batches: list[Array] | None = None
    extras: Mapping[str, Any] | None = None

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

    @property
    def record_info(self) -> RecordInfo:
        """What `moment` and `eff_lr` are for this optimizer (its registry entry's `record`).

        For rmsprop run without momentum the moment is dropped (None), as
        `moment` is.
        """
        info = get_spec(self.optimizer).record
        if info.moment is not None and self.grad is not None and self.moment is None:
            info = replace(info, moment=None)
        return info

    @cached_property
    def loss(self) -> Array:
        grid = self.xy.transpose(0, 2, 1)  # the (steps + 1, 2, n) buffer run filled
        loss = np.empty(grid[:, 0].shape)
        with np.errstate(all="ignore"):
            for a, b in _blocks(*loss.shape):
                loss[a:b] = self.surface.value(grid[a:b, 0], grid[a:b, 1])
        return loss

    @cached_property
    def batch_loss(self) -> Array | None:
        if self.batches is None:
            return None
        n = self.batches[0].shape[0]
        if all(b.shape[0] == n for b in self.batches) and n == self.surface.data[0].shape[0]:
            return self.loss[:-1]  # the full batch
        grid = self.xy.transpose(0, 2, 1)
        out = np.empty(grid.shape[:1] + grid.shape[2:])[:-1]
        value = self.surface.batch_value
        with np.errstate(all="ignore"):
            for k, idx in enumerate(self.batches):
                out[k] = value(grid[k, 0], grid[k, 1], idx)
        return out


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


def _as_steps(steps: Any) -> int:
    if isinstance(steps, bool) or not isinstance(steps, int | np.integer):
        raise ValueError(f"steps={steps!r} must be an integer from 1 to {MAX_STEPS}")
    steps = int(steps)
    if not 1 <= steps <= MAX_STEPS:
        raise ValueError(f"steps={steps} is out of range; allowed 1 ≤ steps ≤ {MAX_STEPS}")
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


class _ScaledRate:
    """factors[k] × the per-coordinate base rates, row k of `_learning_rates` without the table."""

    def __init__(self, factors: Array, base: Array) -> None:
        self.factors, self.base, self.out = factors, base, np.empty_like(base)

    def __getitem__(self, k: int) -> Array:
        return np.multiply(self.factors[k], self.base, self.out)


def _factors(schedule: Schedule | None, steps: int) -> Array:
    return np.ones(steps) if schedule is None else schedule(np.arange(steps))


def _learning_rates(base: Any, schedule: Schedule | None, steps: int, n: int) -> Array:
    """(steps, n) learning rate of every step: base × schedule factor (a view where possible)."""
    factors = _factors(schedule, steps)
    if np.ndim(base) == 0:
        return np.broadcast_to((factors * base)[:, None], (steps, n))
    return factors[:, None] * base[None, :]


@dataclass(frozen=True)
class _Setup:
    """Validated arguments of `run` / `run_final`: everything the stepping needs."""

    surface: SurfaceLike
    spec: OptimizerSpec
    starts: Array  # (n, 2)
    steps: int
    hp: dict[str, Any]  # resolved: defaults and the lr filled in
    schedule: Schedule | None
    clip_norm: Any
    clip_value: Any
    sigma: Any
    seed: int
    batches: list[Array] | None = None  # a data surface's schedule
    mini_batch: bool = False  # batches are mini-batches (else the full batch)

    @property
    def n(self) -> int:
        return self.starts.shape[0]

    def pipeline(self, cols: slice) -> tuple[list[tx.Transform], tx.Transform, GradientSource]:
        """The gradient edits (clipping), the optimizer and the gradient source for paths `cols`.

        Per-path values are cut to `cols` and laid out per coordinate. Whether
        noise is drawn at all is decided for the whole run, so a subset of
        paths steps exactly as it does inside the full batch.
        """

        def take(value: Any) -> Any:
            return _per_coordinate(value[cols]) if isinstance(value, np.ndarray) else value

        edits = _gradient_chain(take(self.clip_norm), take(self.clip_value))
        optimizer = self.spec.build({k: take(v) for k, v in self.hp.items()})
        if self.mini_batch:
            source = batch_gradient(self.surface, self.batches)
        else:
            source = exact_gradient(self.surface)
        if np.any(self.sigma > 0):
            sigma = self.sigma[cols] if isinstance(self.sigma, np.ndarray) else self.sigma
            source = noisy_gradient(source, sigma, self.seed, self.steps)
        binds = [link.bind for link in optimizer.links or (optimizer,) if link.bind is not None]
        if binds:
            oracle = Oracle(
                self, cols, source, _gradient_chain(take(self.clip_norm), take(self.clip_value))
            )
            for bind in binds:
                bind(oracle)
        return edits, optimizer, source


def _setup(
    surface: SurfaceLike | str,
    optimizer: str,
    starts: Any,
    steps: Any,
    schedule: Any,
    clip_norm: Any,
    clip_value: Any,
    noise: Any,
    seed: Any,
    hyperparameters: Mapping[str, Any],
    max_cells: int | None,
    note: str = "",
    batch_size: Any = None,
    sampling: Any = "shuffle",
    batch_seed: Any = 0,
) -> _Setup:
    """Validate `run`'s arguments (ValueError naming the bad one); `max_cells` caps (steps+1)·n."""
    if isinstance(surface, str):
        from gradscape import surfaces  # the registry, only to resolve a name (see `SurfaceLike`)

        surface = surfaces.get(surface)
    elif not isinstance(surface, SurfaceLike):
        raise ValueError(f"surface={surface!r} must be a Surface or a registered name")
    spec: OptimizerSpec = get_spec(optimizer)
    xy0 = _as_starts(starts)
    n = xy0.shape[0]
    steps = _as_steps(steps)
    if max_cells is not None and (steps + 1) * n > max_cells:
        raise ValueError(
            f"steps={steps} with n={n} paths stores {(steps + 1) * n:,} positions; "
            f"at most {max_cells:,} fit in one run{note} (fewer steps or paths)"
        )
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
    size = check_batching(surface, batch_size, sampling, batch_seed)
    batches = None
    if is_data_surface(surface):
        batches = sample_batches(surface.data[0].shape[0], size, sampling, int(batch_seed), steps)
    return _Setup(
        surface,
        spec,
        xy0,
        steps,
        hp,
        schedule,
        clip_norm,
        clip_value,
        sigma,
        int(seed),
        batches,
        size is not None,
    )


def _advance(
    source: GradientSource,
    transform: tx.Transform,
    update: tx.Recorder,
    rows: Any,
    steps: int,
    lrs: Any,
    watch: Callable[[int], None] | None = None,
) -> None:
    """The stepping loop of `run` and `run_final`: rows[k + 1] ← rows[k] + update(gradient).

    `rows[k]` is the (2n,) position before step k (an array's rows, or two
    buffers taking turns); `update` is `transform.update` or its recording
    twin; `lrs[k]` is step k's learning rate; `watch(k)`, when given, sees
    each new position rows[k] as soon as it is written.
    """
    u = np.empty_like(rows[0])
    add, mul = np.add, np.multiply
    state = transform.init(rows[0])
    for k in range(steps):
        theta = rows[k]
        source(theta, u, k)
        factor = update(u, state, theta, k + 1, lrs[k])
        if factor is not None:
            mul(u, factor, u)
        add(theta, u, rows[k + 1])
        if watch is not None:
            watch(k + 1)
    return state


def run(
    surface: SurfaceLike | str,
    optimizer: str,
    starts: Any,
    steps: int,
    *,
    schedule: Schedule | None = None,
    clip_norm: Any = None,
    clip_value: Any = None,
    noise: Any = 0.0,
    seed: int = 0,
    record: bool = False,
    batch_size: int | None = None,
    sampling: str = "shuffle",
    batch_seed: int = 0,
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
        record: also record each step's gradient, moment and effective
            learning rate (`Trajectory.grad`, `.moment`, `.eff_lr`). Positions
            are bit-identical either way; recording costs three more tables
            the size of `xy` and some time per step, not recording costs nothing.
        batch_size: on a data surface, the samples per step: None or ≥ N is
            batch gradient descent (the exact gradient), 1 is stochastic
            gradient descent, in between mini-batch gradient descent (the
            exact mean gradient over the step's samples). One value per call:
            every path sees the same batches. Any other value than None on a
            surface without data raises ValueError.
        sampling: how each step's samples are chosen: ``"shuffle"`` (a new
            permutation every epoch, consecutive slices, the last one short:
            torch's DataLoader with shuffle=True), ``"replacement"`` (B
            indices drawn with replacement every step) or ``"cycle"`` (the
            fixed order 0 … N−1); see `optimizers.batching`.
        batch_seed: seeds the sampling; the same seed gives the same batches
            (`Trajectory.batches`).
        **hyperparameters: the optimizer's hyperparameters (see its registry
            entry); each a scalar or an array of shape (n,). Without `lr`, the
            surface's suggested rate for this optimizer is used (torch's
            default for a surface that suggests none).

    The gradient (on a data surface the step's mini-batch gradient) passes
    noise, then clipping, then the optimizer (which adds weight decay first).
    Paths that diverge are marked in ``Trajectory.diverged_at`` and frozen at
    their last good point; nothing is raised and no NumPy warning escapes.
    Invalid arguments raise ValueError with a message naming the value and
    what is allowed.
    """
    setup = _setup(
        surface,
        optimizer,
        starts,
        steps,
        schedule,
        clip_norm,
        clip_value,
        noise,
        seed,
        hyperparameters,
        MAX_CELLS // 4 if record else MAX_CELLS,
        " with record=True" if record else "",
        batch_size,
        sampling,
        batch_seed,
    )
    surface, spec, n, steps, hp = setup.surface, setup.spec, setup.n, setup.steps, setup.hp
    lr = _learning_rates(hp["lr"], schedule, steps, n)
    if np.ndim(hp["lr"]) == 0:
        step_lrs: Any = lr[:, 0].tolist()
    else:
        step_lrs = _PerCoordinate(lr)
    # Positions live in one (steps + 1, 2n) buffer: a step's row holds the x of
    # every path, then the y, so the surface sees contiguous arrays and every
    # update is one 1-D ufunc over both coordinates (the cheapest call NumPy
    # has, which matters when n is 1). Per-path values are laid out the same way.
    edits, opt, source = setup.pipeline(slice(None))
    transform = tx.chain(*edits, opt)
    hist = np.empty((steps + 1, 2 * n))
    hist[0] = setup.starts.T.ravel()
    update = transform.update
    tables: dict[str, Array | None] = {}
    if record:
        links = opt.links or (opt,)
        tables = {
            "grad": np.empty((steps, 2 * n)),
            "moment": (np.empty((steps, 2 * n)) if any(x.moment for x in links) else None),
            "eff_lr": (np.empty((steps, 2 * n)) if any(x.multiplier for x in links) else None),
        }
        update = tx.recording(transform, len(edits), **tables)
    with np.errstate(all="ignore"):
        state = _advance(source, transform, update, hist, steps, step_lrs)
        grid = hist.reshape(steps + 1, 2, n)
        diverged_at = _find_divergence(surface, grid)
    _freeze(grid, diverged_at)
    recorded = {}
    for name, table in tables.items():
        if table is not None:
            table = table.reshape(steps, 2, n)
            _blank(table, diverged_at)
            table = table.transpose(0, 2, 1)
        recorded[name] = table
    if spec.lr_rule is not None:  # the optimizer's own factor (asgd's η_t, adafactor's ρ_t)
        prev = np.concatenate([lr[:1], lr[:-1]])
        lr = np.broadcast_to(spec.lr_rule(np.arange(steps)[:, None], lr, prev, hp), (steps, n))
    return Trajectory(
        xy=grid.transpose(0, 2, 1),
        lr=lr,
        diverged_at=diverged_at,
        surface=surface,
        optimizer=spec.name,
        hyperparameters=hp,
        batches=setup.batches,
        extras=_extras(transform, state) if record else None,
        **recorded,
    )


def _extras(transform: tx.Transform, state: Any) -> dict[str, Any] | None:
    """What links with an ``extras`` probe report after the run (L-BFGS's line-search trials)."""
    links = transform.links or (transform,)
    states = state if transform.links else (state,)
    out: dict[str, Any] = {}
    for link, st in zip(links, states, strict=True):
        if link.extras is not None:
            out.update(link.extras(st))
    return out or None


def _blank(table: Array, first: Array) -> None:
    """NaN in the rows of a (steps, 2, n) recording from each path's first bad index on."""
    cols = np.flatnonzero(first >= 0)
    if cols.size:
        after = np.arange(table.shape[0])[:, None] >= first[cols][None, :]
        sub = table[:, :, cols]
        sub[np.broadcast_to(after[:, None, :], sub.shape)] = np.nan
        table[:, :, cols] = sub


def _blocks(rows: int, n: int) -> Iterator[tuple[int, int]]:
    """Row ranges of about 32 768 positions: temporaries that stay in cache."""
    block = max(1, 32_768 // n)
    for a in range(0, rows, block):
        yield a, min(a + block, rows)


def _find_divergence(surface: SurfaceLike, grid: Array) -> Array:
    """First bad index per path (−1 if none) of a (steps + 1, 2, n) history.

    A position is bad when it or its loss is non-finite or it lies outside
    ``surface.bound``.
    """
    rows, _, n = grid.shape
    first = np.full(n, -1, dtype=np.int64)
    x0, x1, y0, y1 = surface.bound
    probe = _finiteness_probe(surface)
    for a, b in _blocks(rows, n):
        x, y = grid[a:b, 0], grid[a:b, 1]
        f = None if probe is None else probe(x, y)
        # Fast path: five reductions show the whole block is fine (a NaN makes
        # min/max NaN and a comparison False; a non-finite f makes its sum so).
        if (
            x0 <= x.min()
            and x.max() <= x1
            and y0 <= y.min()
            and y.max() <= y1
            and (f is None or math.isfinite(f.sum()))
        ):
            continue
        bad = ~((x >= x0) & (x <= x1) & (y >= y0) & (y <= y1))  # False for NaN too
        if f is not None:
            bad |= ~np.isfinite(f)
        hit = bad.any(axis=0) & (first < 0)
        if hit.any():
            first[hit] = a + bad[:, hit].argmax(axis=0)
    return first


def _finiteness_probe(surface: Any) -> Callable[[Array, Array], Any] | None:
    """What the divergence test evaluates to see a non-finite loss: the surface's value.

    On a data surface the loss is finite wherever the position is (its models
    are smooth on the divergence box), and the box test already catches a
    non-finite position: nothing more to evaluate (a pass over every sample
    at every position saved).
    """
    return None if is_data_surface(surface) else surface.value


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


# --------------------------------------------------------------------------- final-only runs
#: run_final steps at most this many paths at a time: their buffers then stay in
#: the processor's cache, and memory does not grow with n beyond the results.
FINAL_CHUNK = 16384


@dataclass(frozen=True, eq=False)
class Final:
    """The result of `run_final`: where n paths ended, and whether they settled.

    Attributes:
        xy: (n, 2) final positions; a diverged path's last good position (as
            ``Trajectory.xy[-1]``).
        loss: (n,) surface value at `xy`.
        diverged_at: (n,) as ``Trajectory.diverged_at``: the first index whose
            position or loss is non-finite or outside ``surface.bound``; −1 if none.
        nearest: (n,) index into `minima` of the minimum nearest to ``xy``
            (Euclidean; the first on ties); −1 for diverged paths or when
            there are no minima.
        reached_at: (n,) the first index k such that the positions k … steps
            all lie within `tol` (Euclidean, ``hypot(x − x*, y − y*) ≤ tol``)
            of the minimum `nearest`; −1 if the final position is not within
            `tol` of it, the path diverged or there are no minima. (As the
            app's ``reached_at`` for a single run.)
        minima: (M, 2) the minima used; tol: the tolerance.
        steps, surface, optimizer, hyperparameters: what was run.
    """

    xy: Array
    loss: Array
    diverged_at: Array
    nearest: Array
    reached_at: Array
    minima: Array
    tol: float
    steps: int
    surface: SurfaceLike
    optimizer: str
    hyperparameters: Mapping[str, Any] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return self.xy.shape[0]

    @property
    def diverged(self) -> Array:
        """(n,) True where the path diverged."""
        return self.diverged_at >= 0


def _as_minima(minima: Any, surface: SurfaceLike) -> Array:
    if minima is None:
        return np.array([(m.x, m.y) for m in surface.minima], dtype=np.float64).reshape(-1, 2)
    try:
        arr = np.array(minima, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"minima={minima!r} is not numeric; use shape (M, 2)") from None
    if arr.shape == (2,):
        arr = arr[None, :]
    if arr.size == 0:
        return arr.reshape(0, 2)
    if arr.ndim != 2 or arr.shape[1] != 2 or not np.all(np.isfinite(arr)):
        raise ValueError(f"minima has shape {arr.shape}; use finite numbers of shape (M, 2)")
    return arr


def _as_tol(tol: Any) -> float:
    # tol² must be a normal float: the closeness test compares squared distances.
    if isinstance(tol, bool) or not isinstance(tol, int | float | np.integer | np.floating):
        raise ValueError(f"tol={tol!r} must be a number from 1e-150 to 1e150")
    if not 1e-150 <= float(tol) <= 1e150:
        raise ValueError(f"tol={tol!r} is out of range; allowed 1e-150 ≤ tol ≤ 1e150")
    return float(tol)


class _Progress:
    """Calls progress(k, steps) each time another ~2 % of the whole run's work is done."""

    def __init__(self, progress: Callable[[int, int], Any], steps: int, n: int) -> None:
        self.progress, self.steps, self.total = progress, steps, steps * n
        self.every = max(1, self.total // 50)
        self.next = self.every

    def __call__(self, done: int) -> None:
        """`done` path-steps of the run are finished."""
        if done >= self.next or done == self.total:
            self.next = (done // self.every + 1) * self.every
            self.progress(done * self.steps // self.total, self.steps)


def run_final(
    surface: SurfaceLike | str,
    optimizer: str,
    starts: Any,
    steps: int,
    *,
    minima: Any = None,
    tol: float = 1e-3,
    progress: Callable[[int, int], Any] | None = None,
    schedule: Schedule | None = None,
    clip_norm: Any = None,
    clip_value: Any = None,
    noise: Any = 0.0,
    seed: int = 0,
    batch_size: int | None = None,
    sampling: str = "shuffle",
    batch_seed: int = 0,
    **hyperparameters: Any,
) -> Final:
    """Run like `run`, keeping only where each path ends: for start-point maps.

    The same steps as `run` (the same transforms, gradient source and
    divergence test, so the final positions, losses and divergence indices are
    those of ``run(...)`` with the same arguments), but no history: memory
    grows with n only, not with n × steps. Paths are stepped `FINAL_CHUNK` at a
    time, which keeps the working set in cache.

    Args:
        surface, optimizer, starts, steps, schedule, clip_norm, clip_value,
            noise, seed, batch_size, sampling, batch_seed, **hyperparameters:
            as `run` (no limit on n × steps); every chunk of paths sees the
            same batches.
        minima: (M, 2) points to measure arrival at; default the surface's
            known minima (none for a custom surface without them).
        tol: a path has arrived once within this Euclidean distance of a minimum.
        progress: called as ``progress(k, steps)`` about every 2 % of the work
            and once at the end, k the number of steps done (a fraction of
            the whole run when it goes in several chunks).

    Returns a `Final`. Invalid arguments raise ValueError naming the value.
    """
    setup = _setup(
        surface,
        optimizer,
        starts,
        steps,
        schedule,
        clip_norm,
        clip_value,
        noise,
        seed,
        hyperparameters,
        None,
        "",
        batch_size,
        sampling,
        batch_seed,
    )
    mins = _as_minima(minima, setup.surface)
    tol = _as_tol(tol)
    if progress is not None and not callable(progress):
        raise ValueError(f"progress={progress!r} must be callable or None")
    n, steps = setup.n, setup.steps
    xy = np.empty((n, 2))
    first = np.empty(n, dtype=np.int64)
    last_out = np.empty((mins.shape[0], n), dtype=np.int64)
    factors = _factors(schedule, steps)
    ticker = None if progress is None else _Progress(progress, steps, n)
    with np.errstate(all="ignore"):
        for a in range(0, n, FINAL_CHUNK):
            b = min(a + FINAL_CHUNK, n)
            _final_chunk(setup, a, b, factors, mins, tol, ticker, xy, first, last_out)
        loss = setup.surface.value(xy[:, 0].copy(), xy[:, 1].copy())
        nearest = np.full(n, -1, dtype=np.int64)
        reached = np.full(n, -1, dtype=np.int64)
        ok = first < 0
        if mins.shape[0] and ok.any():
            d = np.hypot(mins[:, :1] - xy[None, ok, 0], mins[:, 1:] - xy[None, ok, 1])
            near = np.argmin(d, axis=0)
            nearest[ok] = near
            out = last_out[near, np.flatnonzero(ok)]
            reached[ok] = np.where(out < steps, out + 1, -1)
    return Final(
        xy=xy,
        loss=np.asarray(loss, dtype=np.float64),
        diverged_at=first,
        nearest=nearest,
        reached_at=reached,
        minima=mins,
        tol=tol,
        steps=steps,
        surface=setup.surface,
        optimizer=setup.spec.name,
        hyperparameters=setup.hp,
    )


def _final_chunk(
    setup: _Setup,
    a: int,
    b: int,
    factors: Array,
    mins: Array,
    tol: float,
    ticker: _Progress | None,
    xy: Array,
    first: Array,
    last_out: Array,
) -> None:
    """Step paths a … b − 1 and write their final position, divergence and last step away.

    Two (2c,) buffers take turns as the position before and after a step. After
    each step `check` applies `run`'s divergence test to the new positions
    (frozen paths are put back at their last good position first, so they stay
    finite and out of the way) and, per minimum j, notes in ``last_out[j]`` the
    step if the path is outside `tol` of it. Closeness is decided on squared
    distances, and exactly by ``hypot`` (as the app does) in the thin band
    where rounding could matter.
    """
    c, steps, surface = b - a, setup.steps, setup.surface
    edits, opt, source = setup.pipeline(slice(a, b))
    transform = tx.chain(*edits, opt)
    base = setup.hp["lr"]
    if np.ndim(base) == 0:
        lrs: Any = (factors * base).tolist()
    else:
        lrs = _ScaledRate(factors, _per_coordinate(base[a:b]))
    buf = np.empty((2, 2 * c))
    buf[0] = setup.starts[a:b].T.ravel()
    rows = [buf[0], buf[1]] * (steps // 2 + 1)

    bad_at = first[a:b]
    bad_at.fill(-1)
    away = last_out[:, a:b]
    away.fill(-1)
    good = np.zeros(2 * c)  # last good position of each diverged path
    frozen = np.zeros(2 * c, dtype=bool)
    any_frozen = False
    x0, x1, y0, y1 = surface.bound
    value = _finiteness_probe(surface)
    targets = [(float(mx), float(my)) for mx, my in mins]
    inside_sq, outside_sq = tol * tol * (1 - 1e-12), tol * tol * (1 + 1e-12)
    dx, dy, sq, sq2 = (np.empty(c) for _ in range(4))
    far, band = np.empty(c, dtype=bool), np.empty(c, dtype=bool)
    sub, mul, add = np.subtract, np.multiply, np.add

    def check(k: int) -> None:
        nonlocal any_frozen
        theta = rows[k]
        if any_frozen:
            np.copyto(theta, good, where=frozen)
        x, y = theta[:c], theta[c:]
        f = None if value is None else value(x, y)
        if not (
            x0 <= x.min()
            and x.max() <= x1
            and y0 <= y.min()
            and y.max() <= y1
            and (f is None or math.isfinite(np.sum(f)))
        ):
            bad = ~((x >= x0) & (x <= x1) & (y >= y0) & (y <= y1))
            if f is not None:
                bad |= ~np.isfinite(f)
            bad &= bad_at < 0
            if bad.any():
                idx = np.flatnonzero(bad)
                bad_at[idx] = k
                last = rows[k - 1] if k > 0 else theta
                both = np.concatenate([idx, idx + c])
                good[both] = last[both]
                frozen[both] = True
                np.copyto(theta, good, where=frozen)
                any_frozen = True
        for j, (mx, my) in enumerate(targets):
            sub(x, mx, dx)
            sub(y, my, dy)
            mul(dx, dx, sq)
            mul(dy, dy, sq2)
            add(sq, sq2, sq)
            np.greater(sq, outside_sq, out=far)
            np.copyto(away[j], k, where=far)
            np.greater(sq, inside_sq, out=band)
            np.logical_xor(band, far, out=band)
            if band.any():
                idx = np.flatnonzero(band)
                away[j, idx[np.hypot(dx[idx], dy[idx]) > tol]] = k
        if ticker is not None:
            ticker(a * steps + k * c)

    check(0)
    _advance(source, transform, transform.update, rows, steps, lrs, check)
    xy[a:b] = rows[steps].reshape(2, c).T
