"""The stepping core: composable transforms, named optimizers, schedules and `run`.

It imports NumPy and the neutral `gradscape_params` only: a surface is anything
shaped like `SurfaceLike`, and the `surfaces` package is imported only when `run`
is given a surface by name.

>>> from optimizers import run
>>> t = run("rosenbrock", "adam", [[-1.5, 2.0]], 500, lr=0.05)
>>> t.xy.shape
(501, 1, 2)
>>> run("rosenbrock", "adam", [[-1.5, 2.0]], 5, lr=0.05, record=True).eff_lr.shape
(5, 1, 2)
"""

from gradscape.params import Param

from . import race, schedules, transforms
from .core import (
    MAX_CELLS,
    MAX_STEPS,
    Final,
    GradientSource,
    SurfaceLike,
    Trajectory,
    exact_gradient,
    run,
    run_final,
)
from .registry import OPTIMIZERS, OptimizerSpec, RecordInfo, TorchRef, get_spec

__all__ = [
    "MAX_CELLS",
    "MAX_STEPS",
    "OPTIMIZERS",
    "Final",
    "GradientSource",
    "OptimizerSpec",
    "Param",
    "RecordInfo",
    "SurfaceLike",
    "TorchRef",
    "Trajectory",
    "exact_gradient",
    "get_spec",
    "race",
    "run",
    "run_final",
    "schedules",
    "transforms",
]
