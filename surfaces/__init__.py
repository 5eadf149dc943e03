"""2D test functions with analytic gradients, and their registry.

>>> from gradscape import surfaces
>>> s = surfaces.get("quadratic", condition=50)
>>> float(s.value(0.0, 0.0))
0.0
"""

if not __name__.startswith("gradscape."):  # a checkout's bare name: one module
    from gradscape._checkout import become

    become(__name__)

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
