"""Issue 12: every screen a teacher would project tells a true story (figure content).

One test (or a few) per defect of the issue, on the pure figure builders: what a
legend, a table, a chart's axis or a title says and where its marks are. The
browser-only parts (inspector labels, menus) are in test_browser_stories.py.
"""

from __future__ import annotations

import base64
import re
from dataclasses import replace

import numpy as np
import pytest

from gradscape.app import figures, look, presets, views
from gradscape.app.compute import compute_all
from gradscape.app.export import slide
from gradscape.app.figures import THEMES, num
from gradscape.app.layout import fmt_value, lessons_menu, summary_table
from gradscape.app.state import AppState, parse
from gradscape.optimizers import OPTIMIZERS


def state_of(query: str) -> AppState:
    state, notices = parse(query)
    assert notices == [], notices
    return state


def lesson(slug: str) -> AppState:
    return state_of(presets.get(slug).query)


def _text(node) -> str:
    """All the text of a Dash component tree."""
    if isinstance(node, str):
        return node
    children = getattr(node, "children", None)
    if children is None:
        return ""
    if not isinstance(children, list | tuple):
        children = [children]
    return " ".join(_text(c) for c in children)


def _on_border(p, view, tol=1e-9) -> bool:
    x0, x1, y0, y1 = view
    inside = x0 - tol <= p[0] <= x1 + tol and y0 - tol <= p[1] <= y1 + tol
    return inside and min(abs(p[0] - x0), abs(p[0] - x1), abs(p[1] - y0), abs(p[1] - y1)) < tol


# --------------------------------------------------------------------------- 1: escaping
def test_escaping_a_surface_without_bottom_is_not_called_diverging_anywhere():
    state = lesson("saddle")
    results = compute_all(state)
    fates = [figures.run_fate(state, r) for r in results]
    kinds = {
        run.optimizer: (f.kind if f else None) for run, f in zip(state.runs, fates, strict=True)
    }
    assert kinds == {"sgd": None, "momentum": "escaped", "adam": "escaped"}
    # the legend (the browser's and an export's), the summary table, the loss chart's mark
    names = [p["name"] for p in figures.paths_data(state, results)["runs"]]
    assert [n.endswith("left the map, f → −∞") for n in names] == [False, True, True]
    assert not any("diverged" in n for n in names)
    exported = {t.name for t in figures.map_figure(state, results).data if t.showlegend}
    assert exported == set(names)
    table = _text(summary_table(state, results))
    assert "diverged" not in table
    assert re.search(r"left the map at step \d+, f → −∞", table)
    assert f"left the map at step {fates[1].at}, f → −∞" in table
    loss = figures.loss_figure(replace(state, t=state.steps), results)
    heads = {t.meta["run"]: t.marker.symbol for t in loss.data if t.meta["role"] == "head"}
    assert heads == {0: "circle", 1: look.ESCAPE, 2: look.ESCAPE}


def test_sgd_leaving_the_plain_saddles_view_is_labelled_too():
    state = state_of("surface=saddle")
    results = compute_all(state)
    sgd = state.runs.index(next(r for r in state.runs if r.optimizer == "sgd"))
    assert not results[sgd].diverged  # the core's box is 50× the view: not "diverged"
    fate = figures.run_fate(state, results[sgd])
    assert fate is not None and fate.kind == "escaped"
    assert _on_border(fate.edge, state.view)
    assert "left the map" in figures.paths_data(state, results)["runs"][sgd]["name"]


def test_a_blow_up_is_still_called_diverged_with_its_cross():
    state = lesson("lr-too-high")
    results = compute_all(state)
    fate = figures.run_fate(state, results[3])
    assert fate.kind == "diverged" and fate.mark == look.CROSS
    assert "diverged" in _text(summary_table(state, results))
    assert figures.paths_data(state, results)["runs"][3]["name"].endswith("· diverged")


# --------------------------------------------------------------------------- 5: the × on the map
def test_a_diverging_runs_cross_is_on_the_map_and_its_path_under_the_others():
    state = replace(lesson("lr-too-high"), t=100)
    results = compute_all(state)
    fig = figures.map_figure(state, results)
    runs = [t for t in fig.data if t.meta and t.meta.get("role") == "head"]
    # drawn first, so the runs that stay are drawn over it
    assert [t.meta["run"] for t in runs] == [3, 0, 1, 2]
    cross = runs[0]
    assert cross.marker.symbol == "x"
    assert _on_border((cross.x[0], cross.y[0]), state.view)
    # the browser gets the same: the path ends on the border, the mark there
    data = figures.paths_data(state, results)["runs"][3]
    x, y = _typed(data["x"]), _typed(data["y"])
    assert _on_border((x[-1], y[-1]), state.view)
    assert data["mark"] == "x" and data["diverged"] > 0
    assert x[data["diverged"]] == x[-1]  # from the step it left on, the border point


def _typed(spec) -> np.ndarray:
    return np.frombuffer(base64.b64decode(spec["bdata"]), dtype=np.float64)


# --------------------------------------------------------------------------- 9: loss axes
@pytest.mark.parametrize("slug", ["adagrad-stall", "warmup-cosine"])
def test_the_loss_axis_stops_at_rounding_noise_instead_of_bouncing(slug):
    state = lesson(slug)
    results = compute_all(state)
    surface = state.build_surface()
    fig = figures.loss_figure(state, results)
    lo = fig.layout.yaxis.range[0]
    for r in results:
        floor = figures.loss_floor(surface, r)
        assert floor >= abs(r.gap[0]) * 1e-12
    # the axis goes no lower than about 12 decades below the start (it went to 1e-30)
    assert lo > np.log10(abs(results[0].gap[0])) - 13


def test_a_diverged_run_does_not_flatten_the_others_loss_curves():
    state = state_of("mode=compare&k=6&rates=0.0001,0.01")
    sw = views.sweep(state)
    cstate, theme = views.compare_state(state, sw)
    assert any(r.diverged for r in sw.results)
    fig = figures.loss_figure(cstate, sw.results, theme=theme)
    top = fig.layout.yaxis.range[1]
    surface = cstate.build_surface()
    x0, x1, y0, y1 = cstate.view
    xs, ys = np.meshgrid(np.linspace(x0, x1, 200), np.linspace(y0, y1, 200))
    highest = float(np.max(surface.value(xs, ys)) - surface.min_value)
    assert 10**top < highest * 2  # no longer 1e8 to 1e10
    assert top < 4


@pytest.mark.parametrize("surface", ["rastrigin", "ackley", "styblinski_tang"])
def test_every_loss_axis_has_at_least_three_labelled_ticks(surface):
    state = state_of(f"surface={surface}")
    fig = figures.loss_figure(state, compute_all(state))
    lo, hi = fig.layout.yaxis.range
    ticks = [v for v in fig.layout.yaxis.tickvals if lo <= np.log10(v) <= hi]
    assert len(ticks) >= 3, (surface, fig.layout.yaxis.tickvals, (lo, hi))
    assert len(fig.layout.yaxis.ticktext) == len(fig.layout.yaxis.tickvals)


@pytest.mark.parametrize(("lo", "hi"), [(20, 40), (3, 5.5), (1e-11, 20), (0.5, 3), (100, 101)])
def test_log_ticks_give_three_or_more_inside_any_range(lo, hi):
    ticks = figures.log_ticks(lo, hi)
    assert len(ticks) >= 3 and all(lo * (1 - 1e-9) <= t <= hi * (1 + 1e-9) for t in ticks)


# --------------------------------------------------------------------------- 10: sensitivity
def test_sensitivity_labels_are_apart_rounded_alike_and_use_the_apps_symbols():
    q = (
        "surface=quadratic&run1=sgd&run1.lr=0.05&run2=momentum&run2.lr=0.01"
        "&run3=nesterov&run3.lr=0.01&run4=adam&run4.lr=0.1&run5=sgd&run5.lr=0.1"
        "&run6=rmsprop&run6.lr=0.01&run7=adagrad&run7.lr=0.5"
        "&run8=momentum&run8.lr=0.05&run8.momentum=0.5&mode=sensitivity"
    )
    state = state_of(q)
    curves = views.sensitivity(state)
    fig = views.sensitivity_figure(state, curves)
    notes = list(fig.layout.annotations)
    onset_notes = [a for a in notes if a.text.startswith("diverges from")]
    # one label per distinct onset (two SGD runs share theirs), each on its own row
    onsets = {num(c.onset) for c in curves if c.onset is not None}
    assert len(onset_notes) <= len(onsets) + 1
    assert len({a.y for a in onset_notes}) == len(onset_notes)
    for a in onset_notes:  # on the plot's background: no dotted line strikes through it
        assert a.bgcolor == THEMES["light"].plot
        assert re.fullmatch(r"diverges from γ [0-9.e-]+", a.text)
        value = a.text.split("γ ")[1]
        assert value == num(float(value))  # 3 significant digits, like every rate
    # the × is beside its label, not on it
    for a in onset_notes:
        assert abs(a.xshift) >= 8
    limits = [a.text for a in notes if "(theory)" in a.text]
    assert limits and len(set(limits)) == len(limits)
    assert all("β" not in t and "λ" not in t and "max" not in t for t in limits)
    assert any(t.startswith("2(1+μ)/L") for t in limits)
    assert len({a.yshift for a in notes if "(theory)" in a.text}) == len(limits)


def test_the_steps_panel_is_left_out_when_no_rate_arrives():
    state = state_of("surface=rastrigin&mode=sensitivity")
    curves = views.sensitivity(state)
    assert not any(np.isfinite(c.reached).any() for c in curves)
    fig = views.sensitivity_figure(state, curves)
    assert "xaxis2" not in fig.layout.to_plotly_json()
    assert any("no rate arrives" in a.text for a in fig.layout.annotations)
    bowl = state_of("surface=quadratic")
    arrives = views.sensitivity_figure(bowl, views.sensitivity(bowl))
    assert "yaxis2" in arrives.layout.to_plotly_json()


# --------------------------------------------------------------------------- 12: compare grid
def _luminance(color: str) -> float:
    color = color.strip()
    if color.startswith("rgb"):
        rgb = [float(v) / 255 for v in re.findall(r"[\d.]+", color)[:3]]
    else:
        h = color.lstrip("#")
        rgb = [int(h[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_compare_titles_are_readable_above_their_panels_in_one_rate_format(theme):
    state = state_of(f"mode=compare&k=6&rates=0.0001,0.01&theme={theme}")
    sw = views.sweep(state)
    cstate, th = views.compare_state(state, sw)
    fig = views.compare_figure(cstate, sw, th)
    titles = list(fig.layout.annotations)
    assert len(titles) == 6
    for a in titles:
        assert contrast(a.font.color, th.plot) >= 4.5  # was the run's yellow on white: 1.6:1
        assert contrast(a.font.color, "#ffffff" if theme == "light" else "#121b25") >= 4.5
        assert (a.y, a.yanchor) == (1, "bottom")  # above the panel: no path runs through it
    rates = [re.search(r"γ ([0-9.e-]+)", a.text).group(1) for a in titles]
    assert "2.51e-4" in rates and "0.01" in rates
    assert all(r == num(float(r)) for r in rates)
    assert not any(re.search(r"0\.000\d", a.text) for a in titles)


def test_compare_panels_fill_the_area_and_pack_towards_its_centre():
    state = state_of("mode=compare&k=6")
    sw = views.sweep(state)
    cstate, th = views.compare_state(state, sw)
    fig = views.compare_figure(cstate, sw, th)
    lay = fig.layout
    # six square panels in a taller-than-wide area: two columns of three (not 3 × 2 of
    # 150 px with 175 px gaps)
    assert lay.xaxis2.domain[0] > lay.xaxis.domain[1] and lay.xaxis3.domain == lay.xaxis.domain
    assert (lay.xaxis.constraintoward, lay.xaxis2.constraintoward) == ("right", "left")
    assert (lay.yaxis.constraintoward, lay.yaxis5.constraintoward) == ("bottom", "top")


# --------------------------------------------------------------------------- 13: runs hidden
@pytest.mark.parametrize(
    ("query", "under", "over"),
    [
        ("", "momentum", "adam"),  # the default page: Adam along Rosenbrock's valley
        (presets.get("rosenbrock").query, "momentum", "adam"),
        (presets.get("which-minimum").query, "adam", "rmsprop"),
    ],
)
def test_a_run_covered_by_a_later_one_is_drawn_wider_around_it(query, under, over):
    state = state_of(query)
    results = compute_all(state)
    names = [r.optimizer for r in state.runs]
    data = figures.paths_data(state, results)["runs"]
    i, j = names.index(under), names.index(over)
    assert data[i]["widen"] >= data[j]["widen"] + look.STACK_WIDEN - 1e-9
    exported = {
        t.meta["run"]: t.line.width
        for t in figures.map_figure(state, results).data
        if t.meta and t.meta.get("role") == "trail"
    }
    assert exported[i] > exported[j]


def test_runs_apart_are_not_widened():
    state = state_of("surface=himmelblau&run1=sgd&run1.lr=0.01&start=-0.3,-0.9")
    assert figures.paths_data(state, compute_all(state))["runs"][0]["widen"] == 0


def test_beale_race_has_a_view_of_the_race():
    state = lesson("beale-race")
    results = compute_all(state)
    x0, x1, y0, y1 = state.view
    assert (x1 - x0) * (y1 - y0) < 0.3 * 81  # the default view is 9 × 9
    for r in results:
        assert x0 <= r.x.min() and r.x.max() <= x1 and y0 <= r.y.min() and r.y.max() <= y1
    xs = np.concatenate([r.x for r in results])
    ys = np.concatenate([r.y for r in results])
    assert (xs.max() - xs.min()) * (ys.max() - ys.min()) > 0.5 * (x1 - x0) * (y1 - y0)


# --------------------------------------------------------------------------- 14: notation
def test_lessons_and_the_menu_use_the_apps_notation():
    menu = _text(lessons_menu())
    for p in presets.PRESETS:
        for text in (p.text, menu):
            assert "_max" not in text and "λ_" not in text
            assert not re.search(r"\blr\b", text), (p.slug, text)
    # λ is weight decay beside the rule; curvature is L (or h) in the lessons
    assert "λ" not in presets.get("lr-too-high").text
    assert "2/L" in presets.get("lr-too-high").text


def test_rates_are_written_one_way():
    assert [num(v) for v in (5e-5, 0.000251, 0.01, 0.385, 1, 1e-6)] == [
        "5e-5",
        "2.51e-4",
        "0.01",
        "0.385",
        "1",
        "1e-6",
    ]
    lr = OPTIMIZERS["sgd"].param_map["lr"]
    assert fmt_value(lr, 5e-5) == "5e-5" and float(fmt_value(lr, 2.5e-5)) == 2.5e-5
    state = state_of("run1=sgd&run1.lr=0.00005")
    label = figures.run_label(state.runs[0])
    assert label == "SGD · γ 5e-5" and "lr" not in label
    assert slide.caption(state)[0] == ["SGD (γ 5e-5)"]


def test_no_trace_is_named_by_plotly_default():
    state = state_of("mode=sensitivity")
    for fig in (
        views.sensitivity_figure(state, views.sensitivity(state)),
        figures.loss_figure(state, compute_all(state)),
        figures.map_figure(state, compute_all(state)),
    ):
        for t in fig.data:
            if t.hoverinfo != "skip" and (t.hovertemplate or "").find("<extra></extra>") < 0:
                assert t.name, t


# --------------------------------------------------------------------------- 16: smaller
def test_the_gif_title_reads_step_0_with_its_padding_after_the_numbers():
    state = state_of("preset=zigzag")
    padded = slide.title(state, 0, pad=True)
    assert "step 0 / 150" in padded and "step \u2007" not in padded
    assert len(padded) == len(slide.title(state, 150, pad=True))
    assert slide.retitle(padded, 42).startswith(padded.split(" — ")[0] + " — step 42 / 150")
    assert len(slide.retitle(padded, 42)) == len(padded)


def test_a_lessons_export_is_titled_with_the_lesson():
    state = state_of("preset=beale-race")
    assert slide.title(state, 3).startswith("The Beale race (after Radford)")
    assert slide.title(state_of("surface=beale"), 3).startswith("Beale")


def test_an_exported_views_title_is_centred_on_the_image_with_readable_ticks():
    from gradscape.app.export.modes import view_of

    state = state_of("mode=starts&grid=20")
    sl = slide.Slide(width=1100, height=800)
    drawn = view_of(state).draw(state, 0, sl)
    fig = drawn.figure
    title = next(a for a in fig.layout.annotations if a.name == "title")
    m = fig.layout.margin
    centre = m.l + title.x * (sl.width - m.l - m.r)
    assert centre == pytest.approx(sl.width / 2, abs=1)
    assert fig.layout.xaxis.tickfont.size >= 13 and fig.layout.yaxis.tickfont.size >= 13


def test_the_3d_z_axis_has_a_short_title_and_few_labels():
    state = state_of("mode=3d")
    fig = views.surface3d_figure(state, compute_all(state))
    z = fig.layout.scene.zaxis
    assert len(z.title.text) <= 8
    assert z.tickvals is not None and len(z.tickvals) <= 5
    assert fig.layout.scene.domain.x[0] > 0


@pytest.mark.parametrize("surface", ["rosenbrock", "saddle", "quadratic", "himmelblau", "beale"])
def test_the_3d_z_labels_keep_off_the_bottom_corner(surface):
    """Defect 16: the z axis' lowest label sat at the scene's bottom corner, on top of the y
    axis' top label (on a phone they printed over each other). It now starts at least 15 %
    of the height up, with three labels or more."""
    state = state_of(f"mode=3d&surface={surface}")
    fig = views.surface3d_figure(state, compute_all(state))
    z = np.asarray(fig.data[0].z, dtype=float)
    lo, hi = np.nanmin(z), np.nanmax(z)
    ticks = np.asarray(fig.layout.scene.zaxis.tickvals, dtype=float)
    assert len(ticks) >= 3, ticks
    assert ticks.min() >= lo + 0.15 * (hi - lo) - 1e-9 * abs(hi - lo), (ticks, lo, hi)
    assert ticks.max() <= hi + 1e-9 * abs(hi - lo)
