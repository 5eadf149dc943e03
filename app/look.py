"""How a run looks at step t: the one place that decides it.

A run on a map is drawn in three parts, split at the shown step t:

- the **trail**, the path from the start up to step t (solid);
- the **ghost**, the rest of the path from step t on (dotted, faint), so a
  learner sees where the run is going;
- the **head**, a marker at step t: a dot, or a cross (``"x"``) once the run
  has diverged (t ≥ its `diverged_at`), placed where it left the map.

Every drawing of a run follows this module: the live overlay in the browser
(which receives `style_data` with the paths and restates no style), every
exported figure (paths, compare panels, 3D) and the exported HTML player. The
sizes differ by *context* (the hero map, a small compare panel, the 3D scene,
the loss chart), never by who draws.

Plain data only: no Dash, no Plotly.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

__all__ = ["LOOKS", "Look", "Step", "at_step", "style_data"]


@dataclass(frozen=True)
class Look:
    """Sizes, in CSS pixels, of one context's run drawing.

    `ghost_dash` is the SVG dash pattern (on, off); Plotly draws the same as
    ``dash="dot"`` scaled to its width. `head_size` is the marker's diameter and
    `head_halo` the width of its outline (the theme's halo colour), which keeps
    it readable over a path of the same colour. `mark_size` is the span of the
    diverged cross and `mark_width` its stroke.
    """

    trail_width: float = 2.6
    ghost_width: float = 1.6
    ghost_dash: tuple[float, float] = (2.0, 4.0)
    ghost_opacity: float = 0.6
    head_size: float = 13.0
    head_halo: float = 2.0
    mark_size: float = 12.0
    mark_width: float = 3.2


#: The contexts a run is drawn in.
LOOKS: dict[str, Look] = {
    "map": Look(),
    "panel": Look(
        trail_width=2.2,
        ghost_width=1.2,
        head_size=10.0,
        head_halo=1.5,
        mark_size=10.0,
        mark_width=2.6,
    ),
    "loss": Look(trail_width=2.0, head_size=9.0, head_halo=1.5, mark_size=9.0, mark_width=2.4),
    "3d": Look(trail_width=6.0, ghost_width=3.0, head_size=6.0, head_halo=1.0),
}


@dataclass(frozen=True)
class Step:
    """A run split at a step: `k` is the index of the head (the trail is ``[0, k]``,
    the ghost ``[k, n)``), `mark` the head's symbol (``"circle"`` or ``"x"``)."""

    k: int
    mark: str

    @property
    def trail(self) -> slice:
        return slice(0, self.k + 1)

    @property
    def ghost(self) -> slice:
        return slice(self.k, None)


def at_step(n: int, t: int, diverged_at: int) -> Step:
    """Run of `n` points (positions 0 … n−1) shown at step `t`.

    t beyond the path shows its end. A run that diverged at index d (−1: never)
    shows a cross from step d on; its positions from d on repeat the last good
    one (see `optimizers.run`), so the cross sits where it left the map.
    """
    k = max(0, min(int(t), n - 1))
    return Step(k, "x" if 0 <= diverged_at <= t else "circle")


def style_data(halo: str) -> dict:
    """Every context's `Look` as JSON for the browser, with the theme's `halo` colour.

    ``{"halo": "#fff", "map": {"trail_width": 2.6, "ghost_dash": [2, 4], …}, "panel": …}``
    """
    out: dict = {"halo": halo}
    for name, look in LOOKS.items():
        d = asdict(look)
        d["ghost_dash"] = list(look.ghost_dash)
        out[name] = d
    return out
