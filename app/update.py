"""The page's side of an edit: from the old and new state to figures and `Patch`es (Dash).

The reducer (`reducer.apply_event`) says what the state becomes, with no Dash;
this module, part of the Dash adapter, says what that means for the main area:
`patches` compares the old and new state and returns `Patch` objects that
carry only what changed (a slider on one run resends that run's traces, never
the contour), built from plain data; `page` adds the view that is shown, and
only that one: a view that is not shown is not drawn.
"""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
from dash import Patch, no_update

from . import figures, inspector, views
from .compute import RunResult, compute_all
from .state import PANELS, AppState, cache_key, startmap_query

__all__ = ["Page", "page", "patches", "startmap_query"]


# --------------------------------------------------------------------------- diff
def patches(old: AppState | None, new: AppState) -> tuple[Any, Any, Any, list[RunResult]]:
    """(map, loss, paths, results) taking the page from `old` to `new`.

    Map and loss are figures or `Patch`es, paths is the ``paths`` store's data
    or a `Patch` of it. A new surface or theme (or no previous state) gives
    everything whole. Otherwise the contour is replaced only if the view
    changed, the start marker only if the start moved, and a run only if it (or
    something every run depends on) changed; runs added or removed are
    appended or deleted. A run's path goes to the paths store only: the browser
    draws runs over the map, whose figure holds no run at all.
    """
    results = compute_all(new)
    if old is None or (old.surface, old.surface_params, old.expr, old.box, old.data, old.theme) != (
        new.surface,
        new.surface_params,
        new.expr,
        new.box,
        new.data,
        new.theme,
    ):
        return (
            figures.map_figure(new, results, live=True),
            figures.loss_figure(new, results),
            figures.paths_data(new, results),
            results,
        )
    t = new.shown_step
    surface = new.build_surface()
    theme = figures.THEMES[new.theme]
    m, loss, paths = Patch(), Patch(), Patch()
    if old.view != new.view:
        m["data"][0] = figures.as_dicts([figures.contour_trace(surface, new.view, theme)])[0]
        m["layout"]["xaxis"]["range"] = list(new.view[:2])
        m["layout"]["yaxis"]["range"] = list(new.view[2:])
        m["layout"]["uirevision"] = f"{new.surface}:{new.view}"
    if old.start != new.start:
        m["data"][2]["x"] = [new.start[0]]
        m["data"][2]["y"] = [new.start[1]]
    if old.steps != new.steps:
        loss["layout"]["xaxis"]["range"] = figures.loss_xrange(new.steps)
        loss["layout"]["uirevision"] = f"{new.surface}:{new.steps}"
    everything = old.common_key() != new.common_key()
    n_old, n_new = len(old.runs), len(new.runs)
    fates, _, widen = figures.drawn_runs(new, results, surface)
    _, _, widen_old = figures.drawn_runs(old, compute_all(old), surface)
    # a new view may change where a run leaves the map (figures.run_fate): resend those
    refated = set()
    if old.view != new.view:
        refated = {
            i
            for i, (r, f) in enumerate(zip(results, fates, strict=True))
            if i < n_old and figures.run_fate(old, r, surface) != f
        }
    if everything or old.runs != new.runs or refated:  # the loss axis follows the curves
        for key, value in figures.loss_yaxis(surface, results, fates).items():
            loss["layout"]["yaxis"][key] = value
        if figures.is_data_surface(surface):
            loss["layout"]["shapes"] = figures.loss_epoch_shapes(new, results, theme)
    per = figures.loss_traces_per_run(surface)
    for i, (run, r) in enumerate(zip(new.runs, results, strict=True)):
        if i < n_old and not everything and old.runs[i] == run and i not in refated:
            if widen[i] != widen_old[i]:  # another run now covers it, or no longer does
                paths["runs"][i]["widen"] = widen[i]
            continue
        fate = fates[i]
        curves = figures.loss_run_traces(i, run, r, t, surface, theme, fate)
        path = figures.path_data(run, r, theme, fate, widen[i], new)
        if i < n_old:
            for j, tr in enumerate(curves):
                loss["data"][per * i + j] = tr
            paths["runs"][i] = path
        else:
            for tr in curves:
                loss["data"].append(tr)
            paths["runs"].append(path)
    for _ in range(per * (n_old - n_new)):
        del loss["data"][per * n_new]
    for _ in range(n_old - n_new):
        del paths["runs"][n_new]
    return m, loss, paths, results


# --------------------------------------------------------------------------- views
class Page:
    """What the main area shows for a state: the figures, the paths store and the table's rows.

    `table` is the (state, results, palette) the summary is drawn from: the
    runs, or in compare mode one row per rate. `figure` is the sensitivity or
    3D figure (None: leave it), `startmap` the start map's request (None: leave it).
    """

    __slots__ = ("figure", "loss", "map", "paths", "running", "startmap", "table")

    def __init__(self, map, loss, paths, table, figure=None, startmap=None) -> None:
        self.map, self.loss, self.paths, self.table = map, loss, paths, table
        self.figure, self.startmap = figure, startmap
        #: whether a start-map job for an older request may still be running
        self.running = False


def page(old: AppState | None, new: AppState) -> Page:
    """The main area for `new`, as `Patch`es from `old` where that is cheaper.

    Paths (and the hidden map behind the sensitivity, start-map and 3D views)
    go through `patches`. The comparison is drawn whole: its runs are the
    rates. The sensitivity and 3D figures are drawn whenever their view is
    shown and something changed; the start map gets a new request only when
    what it depends on changed.
    """
    compare = new.mode == "compare"
    was = old is not None and old.mode == "compare"
    if compare:
        sw = views.sweep(new)
        cstate, theme = views.compare_state(new, sw)
        page_ = Page(
            _compare_map(old if was else None, new, cstate, sw, theme),
            figures.loss_figure(cstate, sw.results, theme=theme),
            views.compare_paths(cstate, sw, theme),
            (cstate, sw.results, theme.palette),
        )
        results = None
    else:
        m, loss, paths, results = patches(None if was else old, new)
        page_ = Page(m, loss, paths, (new, results, figures.THEMES[new.theme].palette))
    inspecting = new.inspect and not compare
    if inspecting and (isinstance(page_.paths, dict) or _inspected(old) != _inspected(new)):
        page_.paths = _with_inspector(new, page_.paths)
    elif not inspecting and not isinstance(page_.paths, dict) and _inspected(old) is not None:
        del page_.paths["inspect"]
    fresh = old is None or old.mode != new.mode or old != new
    if new.mode == "sensitivity" and fresh:
        page_.figure = views.sensitivity_figure(new, views.sensitivity(new))
    elif new.mode == "3d" and fresh:
        page_.figure = views.surface3d_figure(new, results or compute_all(new))
    if new.lesson:
        for name in ("map", "loss", "figure"):
            fig = getattr(page_, name)
            if isinstance(fig, go.Figure):
                setattr(page_, name, figures.enlarge(fig))
    if new.mode == "starts":
        query = startmap_query(new)
        if old is None or old.mode != "starts" or startmap_query(old) != query:
            page_.startmap = query
            page_.running = old is not None and old.mode == "starts"
    return page_


def _compare_map(old: AppState | None, new: AppState, cstate, sw, theme) -> Any:
    """The comparison's map: whole when its panels change, else only the titles if they do.

    Another hyperparameter of the focus run changes paths (in the paths store)
    and perhaps the panel titles (a rate that now diverges), never the K
    contours, which Plotly would otherwise recompute (~100 ms each here).
    """
    fig = views.compare_figure(cstate, sw, theme)
    if old is None or cache_key(old, PANELS) != cache_key(new, PANELS):
        return fig
    old_sw = views.sweep(old)
    old_cstate, _ = views.compare_state(old, old_sw)
    if views.panel_titles(old_sw, old_cstate) == views.panel_titles(sw, cstate):
        return no_update
    if new.lesson:
        fig = figures.enlarge(fig)
    m = Patch()
    m["layout"]["annotations"] = [a.to_plotly_json() for a in fig.layout.annotations]
    return m


def _inspected(state: AppState | None) -> tuple | None:
    """What the inspector's data depends on (None when it is off)."""
    if state is None or not state.inspect or state.mode == "compare":
        return None
    return (state.common_key(), state.focus_run.key(), state.focus)


def _with_inspector(state: AppState, paths: Any) -> Any:
    """The paths store with the focus run's gradients, moments and effective rates added."""
    data = inspector.record(state)
    if isinstance(paths, dict):
        paths = {**paths, "inspect": data}
    else:
        paths["inspect"] = data
    return paths
