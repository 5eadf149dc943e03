"""The `Surface` type and the registry (parameter metadata, `Param`, is gradscape_params's).

A surface is a scalar function f(x, y) with an analytic gradient, plus what a
viewer needs to draw it well: a view box, its known minima, a default start,
the contour scale, a formula and a reference. `value` and `grad` broadcast over
NumPy arrays of any shape (0-d, a 400×400 grid, 10⁵ points).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np

from gradscape.params import Param

from ._suggested_lr import SUGGESTED_LR

__all__ = [
    "DIVERGENCE_FACTOR",
    "SURFACES",
    "Minimum",
    "Param",
    "Surface",
    "SurfaceEntry",
    "get",
    "register",
]

#: A point diverges once it leaves the view box scaled by this factor about
#: the box's centre (so 25 view-widths out on each side). Far enough that no
#: path a person could still follow on screen is cut short.
DIVERGENCE_FACTOR = 50.0

Array = np.ndarray
ValueFn = Callable[[Any, Any], Any]
GradFn = Callable[[Any, Any], tuple[Any, Any]]
HessFn = Callable[[Any, Any], tuple[Any, Any, Any]]


@dataclass(frozen=True)
class Minimum:
    """A known local minimum; `is_global` marks the global ones."""

    x: float
    y: float
    value: float
    is_global: bool = True


@dataclass(frozen=True, eq=False)
class Surface:
    """A 2D test function with an analytic gradient and everything needed to draw it.

    Attributes:
        name: registry key, used in URLs.
        label: human name.
        value: ``f(x, y)``, broadcasting over arrays of any shape.
        grad: ``(∂f/∂x, ∂f/∂y)``, analytic, broadcasting like `value`.
        view: default view box ``(xmin, xmax, ymin, ymax)``.
        minima: known minima (empty where the function is unbounded below).
        start: default start point.
        levels: ``"log"`` where contours are best log-spaced on ``f − f_min``,
            else ``"linear"``.
        formula: LaTeX for display.
        reference: where the formula and minima come from.
        params: this instance's parameter values.
        param_specs: metadata of those parameters.
        lr: suggested learning rate per optimizer name, tuned so the default
            view is instructive; optimizers not listed fall back to torch's default.
        hess: ``(∂²f/∂x², ∂²f/∂x∂y, ∂²f/∂y²)``, analytic, broadcasting like
            `grad` (the three parts at the inputs' common shape); None for a
            surface built without one (every registered surface and every
            typed expression has one).
    """

    name: str
    label: str
    value: ValueFn
    grad: GradFn
    view: tuple[float, float, float, float]
    minima: tuple[Minimum, ...]
    start: tuple[float, float]
    levels: Literal["log", "linear"]
    formula: str
    reference: str
    params: Mapping[str, float] = field(default_factory=dict)
    param_specs: tuple[Param, ...] = ()
    lr: Mapping[str, float] = field(default_factory=dict)
    hess: HessFn | None = None

    @property
    def min_value(self) -> float | None:
        """The lowest known minimum value (None where unbounded below)."""
        return min((m.value for m in self.minima), default=None)

    @property
    def bound(self) -> tuple[float, float, float, float]:
        """The divergence box: the view scaled by `DIVERGENCE_FACTOR` about its centre."""
        x0, x1, y0, y1 = self.view
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        hx, hy = (x1 - x0) / 2 * DIVERGENCE_FACTOR, (y1 - y0) / 2 * DIVERGENCE_FACTOR
        return (cx - hx, cx + hx, cy - hy, cy + hy)

    def suggested_lr(self, optimizer: str) -> float | None:
        """This surface's suggested learning rate for `optimizer`, or None."""
        return self.lr.get(optimizer)

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v:g}" for k, v in self.params.items())
        return f"Surface({self.name!r}{', ' if params else ''}{params})"


@dataclass(frozen=True)
class SurfaceEntry:
    """A registry entry: how to build a surface from its parameters."""

    name: str
    label: str
    make: Callable[..., Surface]
    params: tuple[Param, ...] = ()

    def build(self, **params: Any) -> Surface:
        specs = {p.name: p for p in self.params}
        unknown = sorted(set(params) - set(specs))
        if unknown:
            allowed = ", ".join(specs) or "none"
            raise ValueError(
                f"surface {self.name!r} has no parameter {unknown[0]!r}; allowed: {allowed}"
            )
        values = {
            name: spec.validate(params.get(name, spec.default), f"surface {self.name!r}")
            for name, spec in specs.items()
        }
        for name, v in values.items():
            if isinstance(v, np.ndarray):
                raise ValueError(f"surface {self.name!r}: {name} must be a single number")
        surface = self.make(**values)
        if not surface.lr:
            surface = replace(surface, lr=SUGGESTED_LR.get(self.name, {}))
        return surface


#: Every registered surface, by name.
SURFACES: dict[str, SurfaceEntry] = {}


def register(entry: SurfaceEntry) -> SurfaceEntry:
    if entry.name in SURFACES:
        raise ValueError(f"surface {entry.name!r} is already registered")
    SURFACES[entry.name] = entry
    return entry


def get(name: str, **params: Any) -> Surface:
    """The registered surface `name` with its parameters set (defaults otherwise)."""
    try:
        entry = SURFACES[name]
    except (KeyError, TypeError):
        allowed = ", ".join(sorted(SURFACES))
        raise ValueError(f"unknown surface {name!r}; choose one of: {allowed}") from None
    return entry.build(**params)


def rotation(angle_degrees: float) -> tuple[float, float]:
    """(cos θ, sin θ) of an angle in degrees."""
    t = math.radians(angle_degrees)
    return math.cos(t), math.sin(t)
