"""`Param`: the metadata of one numeric setting, shared by surfaces, optimizers and the app.

A surface's parameters (the bowl's condition number), an optimizer's
hyperparameters (Adam's β₁) and a schedule's arguments (the cosine's period)
are all described the same way: name, label, default, range, slider scale and
resolution, symbol and one line of help. Sliders, URL keys and validation are
built from these records.

This module sits beside the `surfaces` and `optimizers` packages rather than
inside either, so that neither depends on the other for it. It imports the
standard library only; `Param.validate` imports NumPy when it is called, since
per-path values arrive as arrays.

>>> from gradscape.params import Param
>>> p = Param("gamma", "γ", 0.5, 0.0, 1.0, step=0.01)
>>> p.validate(0.25, "step")
0.25
>>> p.describe_range()
'0 ≤ gamma ≤ 1'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

__all__ = ["Param"]


@dataclass(frozen=True)
class Param:
    """Metadata of one numeric setting (a surface parameter, a hyperparameter, a schedule's).

    The single source from which sliders, URL keys and validation are built.

    Attributes:
        name: the key in keyword arguments and URLs (``"beta1"``).
        label: the slider's label (``"β₁"``).
        default: the value when none is given; lies in ``[min, max]``.
        min, max: the allowed range, both ends included.
        log: a logarithmic slider (then ``min > 0``).
        step: the slider's resolution (in log10 units when `log`).
        symbol: the symbol used in formulas and docstrings (``"β₁"``).
        help: one line saying what the setting does.
        kind: ``"float"``, ``"int"``, ``"bool"`` or ``"choice"`` (one of the
            strings `choices`, always a scalar; `default` is one of them and
            `min`, `max` are unused).
        choices: the allowed strings of a ``"choice"`` parameter.

    Raises:
        ValueError: `default` outside the range (or not among `choices`), or a
            log scale with ``min ≤ 0``.
    """

    name: str
    label: str
    default: float
    min: float
    max: float
    log: bool = False
    step: float | None = None
    symbol: str = ""
    help: str = ""
    kind: Literal["float", "int", "bool", "choice"] = "float"
    choices: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.kind == "choice":
            if self.default not in self.choices:
                raise ValueError(f"{self.name}: default={self.default!r} not in {self.choices}")
            return
        if not self.min <= self.default <= self.max:
            raise ValueError(
                f"{self.name}: default={self.default} outside [{self.min}, {self.max}]"
            )
        if self.log and self.min <= 0:
            raise ValueError(f"{self.name}: a log-scale parameter needs min > 0, got {self.min}")

    def describe_range(self) -> str:
        """The allowed values in words, as error messages quote them."""
        if self.kind == "bool":
            return "True or False"
        if self.kind == "choice":
            return "one of " + ", ".join(repr(c) for c in self.choices)
        return f"{self.min:g} ≤ {self.name} ≤ {self.max:g}"

    def validate(self, value: Any, owner: str) -> float | bool | int | str | np.ndarray:
        """Return `value` as the parameter's type, or raise `ValueError` naming it.

        Scalars come back as Python numbers; arrays (per-path values) as float64
        arrays. `owner` names who the parameter belongs to, for the message.
        """
        import numpy as np  # per-path values are arrays; only validation needs NumPy

        where = f"{owner}: {self.name}={value!r}"
        if self.kind == "choice":
            if isinstance(value, str) and value in self.choices:
                return value
            raise ValueError(f"{where} is not allowed; use {self.describe_range()}")
        if self.kind == "bool":
            if isinstance(value, bool | np.bool_):
                return bool(value)
            if isinstance(value, int | float) and value in (0, 1):
                return bool(value)
            raise ValueError(f"{where} is not allowed; use True or False")
        arr = np.asarray(value)
        if arr.dtype.kind not in "biuf":
            raise ValueError(f"{where} is not a number; allowed {self.describe_range()}")
        arr = arr.astype(np.float64)
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{where} is not finite; allowed {self.describe_range()}")
        bad = (arr < self.min) | (arr > self.max)
        if np.any(bad):
            first = arr[bad].flat[0]
            raise ValueError(
                f"{owner}: {self.name}={first:g} is out of range; allowed {self.describe_range()}"
            )
        if self.kind == "int":
            if np.any(arr != np.round(arr)):
                raise ValueError(f"{where} must be a whole number; allowed {self.describe_range()}")
            return int(arr) if arr.ndim == 0 else arr
        return float(arr) if arr.ndim == 0 else arr
