"""A fair race: every run tuned with the same budget before the optimizers are compared.

"Who wins" depends on how well each optimizer was tuned. `tune_all` gives every
run the same effort: one vectorized sweep of `budget` learning rates on a log
grid around that optimizer's default rate (the surface's suggestion, else the
reference's default), all from the same start, for the same number of steps,
with the same schedule, clipping, noise and seed; and it picks for each run the
rate that is best by one stated objective:

- ``"final_gap"``: the final f − f* (f* the surface's lowest known minimum; on a
  surface without minima the final f, which orders the rates the same way);
  a diverged path scores +∞.
- ``"steps_to_arrive"``: the first step from which the path stays within `tol`
  (Euclidean, 1e-3 by default) of a known minimum (`Final.reached_at`); a path
  that never arrives scores +∞, and ties (none arrives) are broken by the final
  gap, so the chosen rate is still the one that got closest.

The sweep of every optimizer is ONE `run_final` call (n = budget × its runs
paths): runs of the same optimizer that differ only in numeric hyperparameters
share the call, their values passed per path. Runs that differ in a flag or a
choice (a boolean, L-BFGS's line search) cannot share one and get their own.

Pure: no Dash, no state; the app calls it and shows `Race.caption()`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from .core import run_final
from .registry import get_spec

__all__ = ["OBJECTIVES", "Race", "Tuned", "lr_grid", "tune_all"]

Objective = Literal["final_gap", "steps_to_arrive"]
#: The objectives and how a caption names them.
OBJECTIVES: dict[str, str] = {
    "final_gap": "final f − f*",
    "steps_to_arrive": "steps to arrive within {tol:g} of a minimum",
}
#: Decades either side of the default rate the grid spans (×10^±2 by default).
SPAN = 2.0


@dataclass(frozen=True)
class Tuned:
    """One run's sweep and its winner.

    Attributes:
        optimizer: the registry name.
        hyperparameters: the run's other hyperparameters, as given (lr excluded).
        lrs: (budget,) the rates tried, ascending.
        scores: (budget,) the objective of each (+∞: diverged, or never arrived).
        final_gap: (budget,) f − f* at the end of each path (+∞ where diverged).
        reached_at: (budget,) `Final.reached_at` of each path (−1: never).
        best: index of the chosen rate in `lrs`.
    """

    optimizer: str
    hyperparameters: Mapping[str, Any]
    lrs: np.ndarray
    scores: np.ndarray
    final_gap: np.ndarray
    reached_at: np.ndarray
    best: int

    @property
    def lr(self) -> float:
        """The chosen learning rate."""
        return float(self.lrs[self.best])

    @property
    def score(self) -> float:
        return float(self.scores[self.best])


@dataclass(frozen=True)
class Race:
    """The result of `tune_all`: every run's sweep, and what the race was."""

    objective: str
    budget: int
    steps: int
    span: float
    tol: float
    results: tuple[Tuned, ...]
    calls: int
    settings: Mapping[str, Any] = field(default_factory=dict)

    @property
    def rates(self) -> list[float]:
        """The chosen rate of each run, in the order of the runs."""
        return [r.lr for r in self.results]

    def caption(self) -> str:
        """One sentence for the page, the link's description and every export.

        It names the budget, the grid, the steps, the objective and every
        chosen rate, and clipping whenever it is on (never silent).
        """
        goal = OBJECTIVES[self.objective].format(tol=self.tol)
        chosen = ", ".join(f"{get_spec(r.optimizer).label} γ={r.lr:.3g}" for r in self.results)
        text = (
            f"Tuned fairly: {self.budget} learning rates per run on a log grid "
            f"from {10**-self.span:g}× to {10**self.span:g}× each default, {self.steps} steps, "
            f"best by {goal}: {chosen}."
        )
        clip = []
        if self.settings.get("clip_norm") is not None:
            clip.append(f"gradient norm clipped at {self.settings['clip_norm']:g}")
        if self.settings.get("clip_value") is not None:
            clip.append(f"gradient values clipped at ±{self.settings['clip_value']:g}")
        if clip:
            text += " With " + " and ".join(clip) + " for every run."
        return text


def lr_grid(centre: float, budget: int, span: float = SPAN) -> np.ndarray:
    """`budget` rates evenly spaced in log between centre·10^−span and centre·10^span.

    Rounded to 3 significant digits (rates a person can read, type and share in
    a link exactly) and clipped to the learning rate's allowed range (the
    registry's `lr` Param), so that every rate is one a slider can hold.
    """
    if isinstance(budget, bool) or not isinstance(budget, int | np.integer) or budget < 1:
        raise ValueError(f"budget={budget!r} must be a whole number ≥ 1 (rates per run)")
    if not np.isfinite(span) or span < 0:
        raise ValueError(f"span={span!r} must be a number ≥ 0 (decades either side)")
    lr = get_spec("adam").param_map["lr"]
    exps = np.linspace(-span, span, int(budget)) if budget > 1 else np.zeros(1)
    rates = np.array([float(f"{v:.3g}") for v in centre * 10.0**exps])
    return np.clip(rates, lr.min, lr.max)


def _as_runs(runs: Sequence[Any]) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for r in runs:
        if isinstance(r, str):
            name, hp = r, {}
        else:
            name, hp = r[0], dict(r[1]) if len(r) > 1 else {}
        get_spec(name)  # ValueError listing the choices
        hp.pop("lr", None)  # the race chooses it
        out.append((name, hp))
    if not out:
        raise ValueError("runs is empty: give at least one optimizer to tune")
    return out


def _group_key(name: str, hp: Mapping[str, Any]) -> tuple:
    """Runs with equal keys share one `run_final` call: same optimizer, same flags and choices."""
    spec = get_spec(name)
    fixed = tuple(
        (p.name, hp.get(p.name, p.default)) for p in spec.params if p.kind in ("bool", "choice")
    )
    return (name, fixed)


def tune_all(
    surface: Any,
    runs: Sequence[Any],
    budget: int,
    objective: Objective = "final_gap",
    *,
    steps: int = 500,
    start: Any = None,
    span: float = SPAN,
    tol: float = 1e-3,
    **settings: Any,
) -> Race:
    """Tune every run with the same budget and pick each one's best rate.

    Args:
        surface: a `Surface` or a registered name.
        runs: optimizer names, or (name, hyperparameters) pairs; a given `lr`
            is ignored (the race chooses it), the other hyperparameters are kept.
        budget: learning rates per run (the same for every run).
        objective: ``"final_gap"`` or ``"steps_to_arrive"`` (module docstring).
        steps: steps per path.
        start: the start of every path (default the surface's).
        span: decades either side of each default rate.
        tol: arrival distance for ``"steps_to_arrive"``.
        **settings: passed to every `run_final` call alike (schedule,
            clip_norm, clip_value, noise, seed, batch_size, …).

    Returns a `Race` whose `results` follow the order of `runs`.
    Raises ValueError for an unknown objective, optimizer or a bad budget.
    """
    if objective not in OBJECTIVES:
        raise ValueError(f"objective={objective!r}; choose one of: {', '.join(OBJECTIVES)}")
    if "lr" in settings:
        raise ValueError("lr is what the race chooses; give it per run, not as a setting")
    if isinstance(surface, str):
        from gradscape import surfaces  # the registry, only to resolve a name (as `run` does)

        surface = surfaces.get(surface)
    parsed = _as_runs(runs)
    xy0 = np.asarray(surface.start if start is None else start, dtype=np.float64).reshape(2)
    grids = []
    for name, _ in parsed:
        suggested = surface.suggested_lr(name)
        centre = get_spec(name).default_lr if suggested is None else suggested
        grids.append(lr_grid(centre, budget, span))
    groups: dict[tuple, list[int]] = {}
    for i, (name, hp) in enumerate(parsed):
        groups.setdefault(_group_key(name, hp), []).append(i)
    f_star = surface.min_value if surface.minima else 0.0
    results: list[Tuned | None] = [None] * len(parsed)
    calls = 0
    for (name, _), members in groups.items():
        spec = get_spec(name)
        n = budget * len(members)
        hp: dict[str, Any] = {"lr": np.concatenate([grids[i] for i in members])}
        for p in spec.params[1:]:
            given = [parsed[i][1].get(p.name, p.default) for i in members]
            if p.kind in ("bool", "choice"):
                if any(p.name in parsed[i][1] for i in members):
                    hp[p.name] = given[0]  # equal within the group (its key)
            elif any(p.name in parsed[i][1] for i in members):
                hp[p.name] = np.repeat(np.asarray(given, dtype=np.float64), budget)
        final = run_final(surface, name, np.tile(xy0, (n, 1)), steps, tol=tol, **settings, **hp)
        calls += 1
        gap = np.where(final.diverged, np.inf, final.loss - f_star)
        gap = np.where(np.isfinite(gap), gap, np.inf)
        for j, i in enumerate(members):
            part = slice(j * budget, (j + 1) * budget)
            g, reached = gap[part], final.reached_at[part]
            if objective == "final_gap":
                scores = g.copy()
                best = int(np.argmin(scores))
            else:
                scores = np.where(reached >= 0, reached, np.inf).astype(np.float64)
                best = int(np.lexsort((g, scores))[0])  # fewest steps, then lowest gap
            results[i] = Tuned(name, parsed[i][1], grids[i], scores, g, reached.copy(), best)
    return Race(
        objective,
        int(budget),
        int(steps),
        float(span),
        float(tol),
        tuple(r for r in results if r is not None),
        calls,
        settings,
    )
