"""Learning-rate schedules: a factor of the step index k (k = 0 for the first step).

The base learning rate is multiplied by the factor, as torch.optim.lr_scheduler
does. Each schedule is a plain function of an integer array of step indices, in
closed form (torch's ``_get_closed_form_lr``), so a whole run's learning rates
are one vectorized call.

>>> from optimizers import schedules
>>> schedules.step(2, 0.5)(np.arange(5))
array([1.  , 1.  , 0.5 , 0.5 , 0.25])

`ENTRIES` is the one table of schedules: per name its label, builder, the
`Param` of each argument (range and default, for sliders and URLs) and the
builder's docstring. `SCHEDULES` (name → builder) and `PARAMS` (name → Params)
are read-only views of it.

>>> schedules.ENTRIES["warmup_cosine"].label
'Warmup + cosine'
>>> [p.name for p in schedules.PARAMS["cosine"]]
['t_max', 'min_factor']
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

from gradscape.params import Param

__all__ = [
    "ENTRIES",
    "PARAMS",
    "SCHEDULES",
    "Schedule",
    "ScheduleEntry",
    "constant",
    "cosine",
    "exponential",
    "get",
    "step",
    "warmup",
    "warmup_cosine",
]


@dataclass(frozen=True)
class Schedule:
    """A named learning-rate factor ``factor(k)`` with the arguments that made it."""

    name: str
    args: dict[str, float] = field(compare=True)
    fn: Callable[[np.ndarray], np.ndarray] = field(compare=False, repr=False)

    def __call__(self, k: np.ndarray | int) -> np.ndarray:
        k = np.asarray(k, dtype=np.float64)
        return np.broadcast_to(self.fn(k), k.shape).astype(np.float64)


def _require(ok: bool, message: str) -> None:
    if not ok:
        raise ValueError(message)


def constant() -> Schedule:
    """Factor 1 at every step."""
    return Schedule("constant", {}, lambda k: np.ones_like(k))


def step(step_size: int, gamma: float) -> Schedule:
    """γ^⌊k / step_size⌋ (torch's StepLR)."""
    _require(step_size >= 1 and step_size == int(step_size), f"{step_size=} must be an integer ≥ 1")
    _require(0 < gamma <= 1, f"{gamma=} must lie in (0, 1]")
    return Schedule(
        "step",
        {"step_size": int(step_size), "gamma": float(gamma)},
        lambda k: gamma ** np.floor(k / step_size),
    )


def exponential(gamma: float) -> Schedule:
    """γ^k (torch's ExponentialLR)."""
    _require(0 < gamma <= 1, f"{gamma=} must lie in (0, 1]")
    return Schedule("exponential", {"gamma": float(gamma)}, lambda k: gamma**k)


def cosine(t_max: int, min_factor: float = 0.0) -> Schedule:
    """m + (1 − m)(1 + cos(πk / t_max)) / 2, with m = `min_factor` (torch's CosineAnnealingLR).

    As in torch, the cosine is not clamped: past `t_max` the factor rises again
    (the period is 2·t_max), so what you see is what your training code does.
    """
    _require(t_max >= 1, f"{t_max=} must be ≥ 1")
    _require(0 <= min_factor <= 1, f"{min_factor=} must lie in [0, 1]")
    m = float(min_factor)

    def fn(k: np.ndarray) -> np.ndarray:
        return m + (1 - m) * (1 + np.cos(np.pi * k / t_max)) / 2

    return Schedule("cosine", {"t_max": int(t_max), "min_factor": m}, fn)


def warmup(warmup_steps: int, start_factor: float) -> Schedule:
    """s + (1 − s)·min(k, warmup_steps) / warmup_steps (torch's LinearLR from s to 1)."""
    _require(warmup_steps >= 1, f"{warmup_steps=} must be ≥ 1")
    _require(0 <= start_factor <= 1, f"{start_factor=} must lie in [0, 1]")
    s = float(start_factor)
    return Schedule(
        "warmup",
        {"warmup_steps": int(warmup_steps), "start_factor": s},
        lambda k: s + (1 - s) * np.minimum(k, warmup_steps) / warmup_steps,
    )


def warmup_cosine(
    warmup_steps: int, t_max: int, start_factor: float = 0.0, min_factor: float = 0.0
) -> Schedule:
    """Linear warmup from `start_factor` to 1 over `warmup_steps`, then cosine to `min_factor`.

    The cosine runs over the remaining ``t_max − warmup_steps`` steps (t_max
    counts the warmup too), as torch's SequentialLR(LinearLR, CosineAnnealingLR).
    """
    _require(warmup_steps >= 1, f"{warmup_steps=} must be ≥ 1")
    _require(t_max > warmup_steps, f"{t_max=} must exceed {warmup_steps=}")
    _require(0 <= start_factor <= 1, f"{start_factor=} must lie in [0, 1]")
    _require(0 <= min_factor <= 1, f"{min_factor=} must lie in [0, 1]")
    up = warmup(warmup_steps, start_factor)
    down = cosine(t_max - warmup_steps, min_factor)

    def fn(k: np.ndarray) -> np.ndarray:
        return np.where(k < warmup_steps, up.fn(k), down.fn(np.maximum(k - warmup_steps, 0)))

    args = {
        "warmup_steps": int(warmup_steps),
        "t_max": int(t_max),
        "start_factor": float(start_factor),
        "min_factor": float(min_factor),
    }
    return Schedule("warmup_cosine", args, fn)


@dataclass(frozen=True)
class ScheduleEntry:
    """One registered schedule: everything the app, URLs and tests know about it.

    Attributes:
        name: the key in URLs and `get`; the builder's name.
        label: human name, for menus.
        make: the builder, ``make(**args) -> Schedule``; it checks the rules
            that tie arguments together (t_max beyond the warmup).
        params: one `Param` per argument of `make`, in its order: the range and
            the default the app and URLs use. Values come back from
            `Param.validate` typed.
    """

    name: str
    label: str
    make: Callable[..., Schedule]
    params: tuple[Param, ...] = ()

    def __post_init__(self) -> None:
        names = [p.name for p in self.params]
        if names != list(inspect.signature(self.make).parameters):
            raise ValueError(
                f"{self.name}: params {names} are not {self.make.__name__}'s arguments"
            )

    @property
    def doc(self) -> str:
        """The builder's docstring: the closed form and torch's scheduler it equals."""
        return inspect.getdoc(self.make) or ""

    @property
    def defaults(self) -> dict[str, float]:
        """Each argument's default, as the app starts a schedule."""
        return {p.name: p.default for p in self.params}

    def build(self, **args: float) -> Schedule:
        """The schedule for `args` (each argument given); ValueError names what is wrong."""
        try:
            return self.make(**args)
        except TypeError as e:
            raise ValueError(f"schedule {self.name!r}: {e}") from None


_STEPS = dict(min=1, max=5000, kind="int", log=True, step=0.01)
_FACTOR = dict(min=0.0, max=1.0, step=0.01)
_FLOOR = Param(
    "min_factor", "Floor", 0.0, **_FACTOR, symbol="m", help="Lowest factor, reached at step T."
)

#: Every schedule, by name (the names used in URLs and `get`), in menu order.
ENTRIES: Mapping[str, ScheduleEntry] = MappingProxyType(
    {
        e.name: e
        for e in (
            ScheduleEntry("constant", "Constant", constant),
            ScheduleEntry(
                "step",
                "Step",
                step,
                (
                    Param(
                        "step_size",
                        "Step size",
                        100,
                        **_STEPS,
                        symbol="s",
                        help="Multiply by γ every s steps.",
                    ),
                    Param(
                        "gamma",
                        "γ",
                        0.5,
                        **{**_FACTOR, "min": 1e-3},
                        symbol="γ",
                        help="Factor per stage.",
                    ),
                ),
            ),
            ScheduleEntry(
                "exponential",
                "Exponential",
                exponential,
                (
                    Param(
                        "gamma",
                        "γ",
                        0.99,
                        min=0.5,
                        max=1.0,
                        step=0.0005,
                        symbol="γ",
                        help="Factor per step: the rate is γᵏ times the base rate.",
                    ),
                ),
            ),
            ScheduleEntry(
                "cosine",
                "Cosine",
                cosine,
                (
                    Param(
                        "t_max",
                        "Period T",
                        500,
                        **_STEPS,
                        symbol="T",
                        help="Steps from the base rate to the floor.",
                    ),
                    _FLOOR,
                ),
            ),
            ScheduleEntry(
                "warmup",
                "Warmup",
                warmup,
                (
                    Param(
                        "warmup_steps",
                        "Warmup steps",
                        50,
                        **_STEPS,
                        symbol="w",
                        help="Steps to reach the base rate.",
                    ),
                    Param(
                        "start_factor",
                        "Start factor",
                        0.1,
                        **_FACTOR,
                        symbol="s",
                        help="Factor at step 0.",
                    ),
                ),
            ),
            ScheduleEntry(
                "warmup_cosine",
                "Warmup + cosine",
                warmup_cosine,
                (
                    Param(
                        "warmup_steps",
                        "Warmup steps",
                        50,
                        **_STEPS,
                        symbol="w",
                        help="Linear warmup length.",
                    ),
                    Param(
                        "t_max",
                        "Total T",
                        500,
                        **_STEPS,
                        symbol="T",
                        help="Warmup plus cosine decay, in steps.",
                    ),
                    Param(
                        "start_factor",
                        "Start factor",
                        0.0,
                        **_FACTOR,
                        symbol="s",
                        help="Factor at step 0.",
                    ),
                    _FLOOR,
                ),
            ),
        )
    }
)

#: Name → builder, a read-only view of `ENTRIES`.
SCHEDULES: Mapping[str, Callable[..., Schedule]] = MappingProxyType(
    {name: e.make for name, e in ENTRIES.items()}
)
#: Name → its arguments' `Param`s, a read-only view of `ENTRIES`.
PARAMS: Mapping[str, tuple[Param, ...]] = MappingProxyType(
    {name: e.params for name, e in ENTRIES.items()}
)


def get(name: str, **args: float) -> Schedule:
    """The schedule `name` built from `args`; ValueError names what is wrong."""
    try:
        entry = ENTRIES[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"unknown schedule {name!r}; choose one of: {', '.join(ENTRIES)}"
        ) from None
    return entry.build(**args)
