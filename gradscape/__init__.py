"""Gradscape: watch optimizers race over 2D loss surfaces.

One package, ``gradscape``, holds everything: the stepping core
(`gradscape.optimizers`), the test functions (`gradscape.surfaces`), the web app
(`gradscape.app`) and this small public API::

    import gradscape as gs

    t = gs.run("rosenbrock", "adam", [[-1.5, 2.0]], 500, lr=0.05)   # a Trajectory
    s = gs.surfaces.get("quadratic", condition=50)                   # a Surface
    fig = gs.figure("?surface=beale&run1=adam&run1.lr=0.1")          # animates in Jupyter
    gs.write("?surface=beale&run1=adam", "beale.gif", frames=60)     # png, svg, gif, html

``python -m gradscape`` is the ``gradscape`` command (serve the app, ``list``,
``run``, ``render``). Importing ``gradscape`` is light: NumPy, Dash and Plotly
are imported by what uses them, when it is first used.

In a source checkout the three folders stay beside this one (``app/``,
``optimizers/``, ``surfaces/``): this package's search path reaches them, and the
folders' own names import as the same modules (`_checkout`). An installed wheel
has them inside ``gradscape/`` and no other top-level name.
"""

from __future__ import annotations

from pathlib import Path as _Path
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["Param", "app", "figure", "optimizers", "run", "surfaces", "write"]

_here = _Path(__file__).resolve().parent
if not (_here / "app").is_dir() and (_here.parent / "optimizers" / "__init__.py").is_file():
    from ._checkout import reach_checkout

    reach_checkout(__path__, _here.parent)

if TYPE_CHECKING:  # pragma: no cover
    from . import app, optimizers, surfaces
    from .api import figure, run, write
    from .params import Param

_LAZY = {
    "run": ("gradscape.api", "run"),
    "figure": ("gradscape.api", "figure"),
    "write": ("gradscape.api", "write"),
    "Param": ("gradscape.params", "Param"),
}


def __getattr__(name: str) -> Any:
    import importlib

    if name in ("app", "optimizers", "surfaces"):
        return importlib.import_module(f"{__name__}.{name}")
    if name in _LAZY:
        module, attr = _LAZY[name]
        return getattr(importlib.import_module(module), attr)
    raise AttributeError(f"module 'gradscape' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
