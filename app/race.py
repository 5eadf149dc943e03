"""The fair race in the app: "Tune all" gives every visible run the same budget.

`optimizers.race.tune_all` does the work (one `run_final` call per
optimizer: a sweep of `budget` learning rates on a log grid around each
default, best by one stated objective). This module is what the app adds:

- `race_of(state)`: the race for the state's visible runs, with the state's
  surface, start, steps, schedule, clipping and noise (cached on exactly
  those, so the page, the link check and every export share one sweep);
- `tune(state)`: the state with each visible run at its race rate and the
  ``tuned`` flag set, which the link carries (``tuned=1&objective=…&budget=…``);
- `holds(state)`: whether the flag is true of the rates shown. The reducer
  drops the flag when anything the race depends on changes, and a link whose
  rates are not its race's loses it with a notice (`verify`), so a caption
  never claims a tuning that did not happen;
- `caption(state)`: the sentence the summary and every export show (budget,
  grid, objective, chosen rates, and clipping whenever it is on).

No Dash, no Plotly.
"""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache

from gradscape.optimizers.race import Race, tune_all

from .compute import Carry, training
from .state import AppState

__all__ = ["OBJECTIVES", "caption", "holds", "inputs", "race_of", "tune", "verify"]

#: The objective menu's choices (URL value → `tune_all`'s objective).
OBJECTIVES = {"gap": "final_gap", "arrive": "steps_to_arrive"}


def _visible(state: AppState) -> tuple[int, ...]:
    return tuple(i for i, r in enumerate(state.runs) if r.visible)


def _run_setup(state: AppState, i: int) -> tuple:
    """What run `i`'s sweep depends on: its optimizer, every hyperparameter but lr, and
    its batch size on a data surface (None: the full batch)."""
    run = state.runs[i]
    hp = tuple(sorted((k, v) for k, v in run.hp.items() if k != "lr"))
    return (run.optimizer, hp, training(state, run).get("batch_size"))


def inputs(state: AppState) -> tuple:
    """Everything the race (and whether it still holds) depends on, the rates included."""
    runs = tuple((i, _run_setup(state, i), state.runs[i].hp["lr"]) for i in _visible(state))
    return (state.common_key(), runs, state.objective, state.budget)


def race_of(state: AppState) -> Race | None:
    """The race of the visible runs (None when every run is hidden)."""
    visible = _visible(state)
    if not visible:
        return None
    setups = tuple(_run_setup(state, i) for i in visible)
    return _race(state.common_key(), setups, state.objective, state.budget, Carry(state))


@lru_cache(maxsize=32)
def _race(common: tuple, setups: tuple, objective: str, budget: int, carry: Carry) -> Race:
    """One `tune_all` per batch size (each with the runs of that size; on a surface
    without data, one in all), put back in the order of the runs."""
    state = carry.state
    sizes = list(dict.fromkeys(size for _, _, size in setups))
    races = {
        size: tune_all(
            state.build_surface(),
            [(name, dict(hp)) for name, hp, b in setups if b == size],
            budget,
            OBJECTIVES[objective],
            steps=state.steps,
            start=state.start,
            **{**training(state), "batch_size": size},
        )
        for size in sizes
    }
    if len(races) == 1:
        return races[sizes[0]]
    left = {size: iter(r.results) for size, r in races.items()}
    first = races[sizes[0]]
    return replace(
        first,
        results=tuple(next(left[b]) for _, _, b in setups),
        calls=sum(r.calls for r in races.values()),
    )


def tune(state: AppState) -> AppState:
    """`state` with every visible run at the rate its sweep chose, and marked tuned."""
    race = race_of(state)
    if race is None:
        return state
    runs = list(state.runs)
    for i, tuned in zip(_visible(state), race.results, strict=True):
        runs[i] = replace(runs[i], hp={**runs[i].hp, "lr": tuned.lr})
    return replace(state, runs=tuple(runs), tuned=True)


def holds(state: AppState) -> bool:
    """Whether every visible run is at its race's rate (and the state says it was tuned)."""
    race = race_of(state) if state.tuned else None
    if race is None:
        return False
    return all(
        state.runs[i].hp["lr"] == t.lr for i, t in zip(_visible(state), race.results, strict=True)
    )


def verify(state: AppState) -> tuple[AppState, list[str]]:
    """A link's state, with its ``tuned`` flag dropped (and a notice) if its rates are not
    its race's."""
    if not state.tuned or holds(state):
        return state, []
    return replace(state, tuned=False), [
        "This link's learning rates are not the ones a fair race picks for these runs, "
        "so the page does not call them tuned (press Tune all to tune them)."
    ]


def caption(state: AppState) -> str:
    """The race's sentence, or "" when the runs were not tuned."""
    if not state.tuned:
        return ""
    race = race_of(state)
    return race.caption() if race is not None else ""
