"""The start map explains every colour it shows (issue 12, defect 11): starts still on
their way are hatched (never a pale tint that passes for another basin) and counted in a
key under the title, and so are the starts that never arrive on the steps map."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from gradscape.app import views
from gradscape.app.state import parse


def _map(query: str) -> tuple:
    state = parse(query)[0]
    return state, views.start_map(state)


def _title(fig) -> str:
    return fig.layout.title.text


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_on_their_way_cells_are_hatched_and_counted(theme):
    state, sm = _map(
        f"surface=six_hump_camel&mode=starts&metric=basin&grid=30&steps=40&theme={theme}"
    )
    on_way = (sm.basin >= 0) & ~np.isfinite(sm.reached)
    assert on_way.any()  # the case in the issue: most starts are still on their way
    fig = views.start_map_figure(state, sm)
    assert f"{int(on_way.sum())} of {on_way.size} still on their way" in _title(fig)
    veil = next(t for t in fig.data if t.type == "heatmap" and t.showscale is False)
    covered = np.isfinite(np.asarray(veil.z, dtype=float))
    assert not (covered & ~on_way).any()  # only those cells
    share = covered[on_way].mean()  # stripes: some of each region, never all of it
    assert 0.2 <= share <= 0.5, share


def test_a_map_where_every_start_arrives_has_no_key():
    state, sm = _map(
        "surface=quadratic&run1=sgd&run1.lr=0.05&mode=starts&metric=basin&grid=10&steps=400"
    )
    assert np.isfinite(sm.reached).all()
    assert "on their way" not in _title(views.start_map_figure(state, sm))


def test_the_steps_map_counts_the_starts_that_never_arrive():
    state, sm = _map("surface=six_hump_camel&mode=starts&metric=steps&grid=30&steps=40")
    never = ~np.isfinite(sm.reached) & ~sm.diverged
    assert never.any()
    title = _title(views.start_map_figure(state, sm))
    assert f"{int(never.sum())} of {never.size} do not arrive in 40 steps" in title
    # the grey of those cells is the key's swatch, and it is not the plot's near-white
    fig = views.start_map_figure(replace(state), sm)
    grey = fig.data[1].colorscale[0][1]
    assert grey in title and grey.lower() not in ("#eef1f4", "#ffffff")


def test_hatching_is_diagonal_stripes_at_every_grid():
    for g in (10, 100, 300):
        h = views.hatch(g)
        assert h.shape == (g, g) and 0.2 <= h.mean() <= 0.5
        assert (h[1:, :-1] == h[:-1, 1:]).all()  # constant along each anti-diagonal
