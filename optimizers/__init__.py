"""The stepping core: composable transforms, named optimizers, schedules and `run`.

>>> from optimizers import run
>>> t = run("rosenbrock", "adam", [[-1.5, 2.0]], 500, lr=0.05)
>>> t.xy.shape
(501, 1, 2)
"""

from . import schedules, transforms
from .core import MAX_CELLS, MAX_STEPS, GradientSource, Trajectory, exact_gradient, run
from .registry import OPTIMIZERS, OptimizerSpec, get_spec

__all__ = [
    "MAX_CELLS",
    "MAX_STEPS",
    "OPTIMIZERS",
    "GradientSource",
    "OptimizerSpec",
    "Trajectory",
    "exact_gradient",
    "get_spec",
    "run",
    "schedules",
    "transforms",
]
