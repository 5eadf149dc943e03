"""2D test functions with analytic gradients, and their registry.

>>> import surfaces
>>> s = surfaces.get("quadratic", condition=50)
>>> float(s.value(0.0, 0.0))
0.0
"""

from . import library as _library  # noqa: F401  (registers the built-in surfaces)
from ._base import DIVERGENCE_FACTOR, SURFACES, Minimum, Param, Surface, SurfaceEntry, get
from .data import DATA_KINDS, MAX_SAMPLES, DataSurface, data_surface, parse_csv
from .expression import ExpressionError, canonical, from_expression

__all__ = [
    "DATA_KINDS",
    "DIVERGENCE_FACTOR",
    "MAX_SAMPLES",
    "SURFACES",
    "DataSurface",
    "ExpressionError",
    "Minimum",
    "Param",
    "Surface",
    "SurfaceEntry",
    "canonical",
    "data_surface",
    "from_expression",
    "get",
    "parse_csv",
]
