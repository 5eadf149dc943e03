"""The app's URL state: `serialize`/`parse` round trips, tolerant parsing, `read_value`."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace
from urllib.parse import urlencode

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from gradscape import surfaces
from gradscape.app import presets
from gradscape.app.state import (
    CLIP_AT,
    CLIP_MODES,
    GRID,
    LAYOUTS,
    MAX_RUNS,
    METRICS,
    MODES,
    NOISE,
    PALETTE,
    RATES_K,
    SEED,
    STEPS,
    THEMES,
    AppState,
    Run,
    default_state,
    parse,
    read_value,
    serialize,
)
from gradscape.optimizers import OPTIMIZERS, schedules
from gradscape.surfaces import Param

SURFACE_NAMES = sorted(surfaces.SURFACES)
OPTIMIZER_NAMES = sorted(OPTIMIZERS)
SCHEDULE_NAMES = sorted(schedules.SCHEDULES)
LR = OPTIMIZERS["adam"].param_map["lr"]


# --------------------------------------------------------------------------- strategies
def param_value(p: Param) -> st.SearchStrategy:
    """A value inside `p`'s range, typed as `p.kind` says (log-uniform for log params)."""
    if p.kind == "bool":
        return st.booleans()
    if p.kind == "choice":
        return st.sampled_from(p.choices)
    if p.kind == "int":
        lo, hi = math.ceil(p.min), math.floor(p.max)
        if not p.log:
            return st.integers(lo, hi)
        exponent = st.floats(math.log10(lo), math.log10(hi))
        return st.one_of(
            st.integers(lo, hi), exponent.map(lambda e: min(max(round(10.0**e), lo), hi))
        )
    if p.log:
        exponent = st.floats(math.log10(p.min), math.log10(p.max))
        return exponent.map(lambda e: float(np.clip(10.0**e, p.min, p.max)))
    return st.floats(p.min, p.max)


@st.composite
def sub_box(draw, bound: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    """A box with xmin < xmax and ymin < ymax inside `bound`."""
    x0, x1, y0, y1 = bound
    xs = sorted((draw(st.floats(x0, x1)), draw(st.floats(x0, x1))))
    ys = sorted((draw(st.floats(y0, y1)), draw(st.floats(y0, y1))))
    assume(xs[0] < xs[1] and ys[0] < ys[1])
    return (xs[0], xs[1], ys[0], ys[1])


@st.composite
def app_states(draw) -> AppState:
    """A random valid state, every number inside the range its registry gives."""
    name = draw(st.sampled_from(SURFACE_NAMES))
    entry = surfaces.SURFACES[name]
    params = {p.name: draw(param_value(p)) for p in entry.params}
    surface = surfaces.get(name, **params)
    runs = []
    for _ in range(draw(st.integers(1, MAX_RUNS))):
        opt = draw(st.sampled_from(OPTIMIZER_NAMES))
        hp = {p.name: draw(param_value(p)) for p in OPTIMIZERS[opt].params}
        color = draw(st.integers(0, len(PALETTE) - 1))
        runs.append(Run(opt, hp, color, draw(st.booleans())))
    bx0, bx1, by0, by1 = surface.bound
    start = (draw(st.floats(bx0, bx1)), draw(st.floats(by0, by1)))
    steps = draw(st.integers(10, 5000))
    sched = draw(st.sampled_from(SCHEDULE_NAMES))
    args = {p.name: draw(param_value(p)) for p in schedules.PARAMS[sched]}
    try:
        schedules.get(sched, **args)
    except ValueError:
        assume(False)
    clip = draw(st.sampled_from(sorted(CLIP_MODES)))
    clip_at = CLIP_AT.default if clip == "off" else draw(param_value(CLIP_AT))
    view = draw(st.one_of(st.just(surface.view), sub_box(surface.bound)))
    t = draw(st.one_of(st.none(), st.integers(0, steps)))
    return AppState(
        surface=name,
        surface_params=params,
        runs=tuple(runs),
        start=start,
        steps=steps,
        schedule=sched,
        schedule_args=args,
        clip=clip,
        clip_at=clip_at,
        noise=draw(param_value(NOISE)),
        seed=draw(param_value(SEED)),
        view=view,
        t=t,
        theme=draw(st.sampled_from(sorted(THEMES))),
        mode=draw(st.sampled_from(sorted(MODES))),
        focus=draw(st.integers(0, len(runs) - 1)),
        rates=draw(st.one_of(st.none(), rate_pair())),
        k=draw(param_value(RATES_K)),
        layout=draw(st.sampled_from(sorted(LAYOUTS))),
        grid=draw(param_value(GRID)),
        metric=draw(st.sampled_from(sorted(METRICS))),
        inspect=draw(st.booleans()),
        preset=draw(st.sampled_from(["", *presets.BY_SLUG])),
        lesson=draw(st.booleans()),
    )


@st.composite
def rate_pair(draw) -> tuple[float, float]:
    lo = draw(param_value(LR))
    hi = draw(param_value(LR))
    assume(lo < hi)
    return (lo, hi)


def assert_valid(state: AppState) -> None:
    """`state` is a fixed point of the URL round trip, and every field is in range."""
    again, notices = parse(serialize(state))
    assert notices == []
    assert again == state
    surface = state.build_surface()
    bx0, bx1, by0, by1 = surface.bound
    assert bx0 <= state.start[0] <= bx1 and by0 <= state.start[1] <= by1
    x0, x1, y0, y1 = state.view
    assert bx0 <= x0 < x1 <= bx1 and by0 <= y0 < y1 <= by1
    assert 1 <= len(state.runs) <= MAX_RUNS
    for run in state.runs:
        assert 0 <= run.color < len(PALETTE)
        for p in OPTIMIZERS[run.optimizer].params:
            v = run.hp[p.name]
            if p.kind == "bool":
                assert isinstance(v, bool)
            elif p.kind == "choice":
                assert v in p.choices
            else:
                assert p.min <= v <= p.max
    assert STEPS.min <= state.steps <= STEPS.max
    assert state.t is None or 0 <= state.t <= state.steps
    schedules.get(state.schedule, **state.schedule_args)  # does not raise


# --------------------------------------------------------------------------- round trip
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(app_states())
def test_serialize_then_parse_gives_the_same_state(state):
    """Every valid state survives the URL exactly, with nothing to report."""
    assert parse(serialize(state)) == (state, [])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(app_states())
def test_serialize_without_step_drops_only_the_step(state):
    """The stored state (no step) parses to the same state with t unset."""
    again, notices = parse(serialize(state, with_step=False))
    assert notices == []
    assert again.t is None
    assert again == replace(state, t=None)


def test_leading_question_mark_is_ignored():
    query = "surface=beale&run1=adam&run1.lr=0.05&steps=120"
    assert parse("?" + query) == parse(query)
    assert parse(query)[0].steps == 120


# --------------------------------------------------------------------------- garbage in
KEYS = [
    "surface",
    "surface.condition",
    "surface.angle",
    "run1",
    "run1.lr",
    "run1.momentum",
    "run1.centered",
    "run1.color",
    "run1.hide",
    "run2",
    "run2.lr",
    "run2.beta1",
    "run9",
    "run10",
    "run999",
    "run0",
    "run01",
    "start",
    "view",
    "steps",
    "t",
    "mode",
    "focus",
    "rates",
    "k",
    "layout",
    "grid",
    "metric",
    "inspect",
    "preset",
    "lesson",
    "expr",
    "box",
    "schedule",
    "schedule.t_max",
    "schedule.warmup_steps",
    "schedule.gamma",
    "schedule.step_size",
    "schedule.min_factor",
    "clip",
    "clip_at",
    "noise",
    "seed",
]
VALUES = [
    "nan",
    "NaN",
    "inf",
    "-inf",
    "Infinity",
    "1e999",
    "-1e999",
    "-0",
    "0",
    "1",
    "-1",
    "0.5",
    "2.5",
    "1e-320",
    "1_000",
    "",
    " ",
    "true",
    "on",
    "adam",
    "rmsprop",
    "bogus",
    "quadratic",
    "cosine",
    "warmup_cosine",
    "norm",
    "value",
    "compare",
    "custom",
    "zigzag",
    "x**2",
    "__import__('os')",
    "starts",
    "overlay",
    "basin",
    "1,2",
    "1,2,3",
    "-2,2,-1,3",
    "3,1,0,1",
    "1e999,0",
    "nan,nan,nan,nan",
    ",",
    "é☃𝔘",
    "\x00",
    "%zz",
    "9" * 400,
    "x" * 3000,
]
values = st.one_of(
    st.sampled_from(VALUES),
    st.text(max_size=30),
    st.floats().map(repr),
    st.integers(-(10**20), 10**20).map(str),
)
keys = st.one_of(st.sampled_from(KEYS), st.text(max_size=12))


@st.composite
def queries(draw) -> str:
    """Query strings: plausible keys with hostile values, raw or percent-encoded."""
    pairs = draw(st.lists(st.tuples(keys, values), max_size=14))
    if draw(st.booleans()):
        return urlencode(pairs)
    return "&".join(f"{k}={v}" if draw(st.booleans()) else k for k, v in pairs)


def check_tolerant(query: str) -> None:
    state, notices = parse(query)
    assert isinstance(state, AppState)
    assert isinstance(notices, list) and all(isinstance(n, str) for n in notices)
    assert_valid(state)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=200))
def test_parse_never_raises_on_any_text(query):
    check_tolerant(query)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(queries())
def test_parse_never_raises_on_plausible_garbage(query):
    check_tolerant(query)


# --------------------------------------------------------------------------- defaults
def test_empty_query_is_the_default_state():
    rosen = surfaces.get("rosenbrock")
    for query in ("", "?", "&&"):
        state, notices = parse(query)
        assert notices == []
        assert state == default_state()
    state = default_state()
    assert state.surface == "rosenbrock"
    assert [r.optimizer for r in state.runs] == ["sgd", "momentum", "adam"]
    for run in state.runs:
        assert run.hp["lr"] == rosen.suggested_lr(run.optimizer)
        for p in OPTIMIZERS[run.optimizer].params[1:]:
            assert run.hp[p.name] == p.default
        assert run.visible
    assert len({r.color for r in state.runs}) == 3
    assert state.start == rosen.start and state.view == rosen.view
    assert state.steps == STEPS.default and state.t is None
    assert state.schedule == "constant" and state.clip == "off"
    assert state.noise == NOISE.default and state.seed == SEED.default


@pytest.mark.parametrize("name", SURFACE_NAMES)
def test_default_state_of_each_surface_is_valid(name):
    state = default_state(name)
    assert state.surface == name
    assert_valid(state)


# --------------------------------------------------------------------------- targeted
def notices_naming(notices: list[str], word: str) -> list[str]:
    return [n for n in notices if word in n]


@pytest.mark.parametrize(
    ("query", "key", "get", "expected"),
    [
        ("run1=adam&run1.lr=50", "run1.lr", lambda s: s.runs[0].hp["lr"], LR.max),
        ("run1=adam&run1.lr=1e-9", "run1.lr", lambda s: s.runs[0].hp["lr"], LR.min),
        ("run1=adam&run1.beta1=-3", "run1.beta1", lambda s: s.runs[0].hp["beta1"], 0.0),
        ("steps=1", "steps", lambda s: s.steps, STEPS.min),
        ("steps=99999", "steps", lambda s: s.steps, STEPS.max),
        ("noise=-1", "noise", lambda s: s.noise, 0.0),
        ("seed=-5", "seed", lambda s: s.seed, 0),
        ("clip=norm&clip_at=1e9", "clip_at", lambda s: s.clip_at, CLIP_AT.max),
        ("surface=quadratic&surface.condition=0.5", "surface.condition", None, 1.0),
        ("run1=sgd&run1.color=12", "run1.color", lambda s: s.runs[0].color, len(PALETTE) - 1),
    ],
)
def test_out_of_range_is_clamped_with_a_notice(query, key, get, expected):
    state, notices = parse(query)
    value = get(state) if get else state.surface_params["condition"]
    assert value == expected
    assert len(notices_naming(notices, key)) == 1, notices
    assert_valid(state)


@pytest.mark.parametrize("raw", ["abc", "nan", "inf", "1e999", "", "1,2"])
def test_non_numbers_fall_back_to_defaults_with_a_notice(raw):
    query = urlencode({"run1": "adam", "run1.lr": raw, "run1.eps": raw, "steps": raw})
    state, notices = parse(query)
    suggested = surfaces.get("rosenbrock").suggested_lr("adam")
    assert state.runs[0].hp["lr"] == suggested
    assert state.runs[0].hp["eps"] == OPTIMIZERS["adam"].param_map["eps"].default
    assert state.steps == STEPS.default
    for key in ("run1.lr", "run1.eps", "steps"):
        assert len(notices_naming(notices, key)) == 1, notices


def test_whole_numbers_are_rounded_with_a_notice():
    state, notices = parse("steps=100.6&seed=7.2")
    assert (state.steps, state.seed) == (101, 7)
    assert isinstance(state.steps, int) and isinstance(state.seed, int)
    assert notices_naming(notices, "steps") and notices_naming(notices, "seed")


def test_unknown_keys_are_ignored_silently():
    state, notices = parse("surface=beale&foo=1&run1=sgd&run1.bogus=3&zoom=2&run1.lr=0.01")
    assert notices == []
    assert state.surface == "beale"
    assert [r.optimizer for r in state.runs] == ["sgd"]
    assert set(state.runs[0].hp) == set(OPTIMIZERS["sgd"].param_map)
    assert state.runs[0].hp["lr"] == 0.01


def test_surface_parameters_of_another_surface_are_ignored():
    state, notices = parse("surface=beale&surface.condition=100")
    assert notices == [] and state.surface_params == {}


def test_more_than_max_runs_are_truncated_with_a_notice():
    n = MAX_RUNS + 2
    pairs = [(f"run{i}", "sgd") for i in range(1, MAX_RUNS + 1)]
    pairs += [(f"run{i}", "adam") for i in range(MAX_RUNS + 1, n + 1)]
    state, notices = parse(urlencode(pairs))
    assert len(state.runs) == MAX_RUNS
    assert all(r.optimizer == "sgd" for r in state.runs)  # the first MAX_RUNS by number
    assert len(notices_naming(notices, str(n))) == 1 and str(MAX_RUNS) in notices[0]


def test_runs_are_ordered_by_number_and_gaps_are_closed():
    state, notices = parse("run7=adam&run2=sgd&run2.lr=0.5&run7.lr=0.25")
    assert notices == []
    assert [(r.optimizer, r.hp["lr"]) for r in state.runs] == [("sgd", 0.5), ("adam", 0.25)]


def test_runs_without_a_colour_get_distinct_unused_colours():
    state, _ = parse("run1=sgd&run1.color=0&run2=adam&run3=nadam")
    colors = [r.color for r in state.runs]
    assert colors[0] == 0 and len(set(colors)) == 3


def test_unknown_optimizer_falls_back_with_a_notice_listing_choices():
    state, notices = parse("run1=adamx&run1.lr=0.01")
    assert state.runs[0].optimizer in OPTIMIZERS
    assert state.runs[0].hp["lr"] == 0.01
    [notice] = notices_naming(notices, "run1")
    assert "adamx" in notice
    assert all(name in notice for name in OPTIMIZERS)


def test_unknown_surface_falls_back_with_a_notice():
    state, notices = parse("surface=sphere")
    assert state.surface == "rosenbrock"
    [notice] = notices
    assert "sphere" in notice and all(name in notice for name in surfaces.SURFACES)


def test_choice_hyperparameters_round_trip_and_unknown_ones_fall_back():
    state, notices = parse("run1=lbfgs&run1.line_search=strong_wolfe")
    assert notices == [] and state.runs[0].hp["line_search"] == "strong_wolfe"
    assert "run1.line_search=strong_wolfe" in serialize(state)
    state, notices = parse("run1=lbfgs&run1.line_search=__import__")
    assert state.runs[0].hp["line_search"] == "none"
    assert len(notices) == 1 and "run1.line_search" in notices[0] and "strong_wolfe" in notices[0]


def test_bool_hyperparameters_and_hidden_runs():
    state, notices = parse("run1=rmsprop&run1.centered=1&run1.hide=1&run2=rmsprop&run2.centered=2")
    assert state.runs[0].hp["centered"] is True and state.runs[0].visible is False
    assert state.runs[1].hp["centered"] is False and state.runs[1].visible is True
    assert len(notices_naming(notices, "run2.centered")) == 1


@pytest.mark.parametrize(
    "view", ["2,-2,-1,3", "-2,2,3,-1", "1,1,-1,3", "-2,2,-1,-1", "-2,2", "a,b,c,d", "-1e9,2,-1,3"]
)
def test_bad_view_is_rejected(view):
    state, notices = parse(f"surface=rosenbrock&view={view}")
    assert state.view == surfaces.get("rosenbrock").view
    assert len(notices_naming(notices, "view")) == 1


def test_good_view_is_kept():
    state, notices = parse("view=-1,1.5,0,2")
    assert notices == [] and state.view == (-1.0, 1.5, 0.0, 2.0)


def test_start_outside_the_map_is_moved_in():
    rosen = surfaces.get("rosenbrock")
    state, notices = parse("start=1e6,-1e6")
    assert state.start == (rosen.bound[1], rosen.bound[2])
    assert len(notices_naming(notices, "start")) == 1


def test_t_above_steps_is_clamped():
    state, notices = parse("steps=100&t=400")
    assert (state.steps, state.t) == (100, 100)
    assert len(notices_naming(notices, "t=")) == 1
    state, notices = parse("steps=100&t=40")
    assert state.t == 40 and notices == []


def test_clip_threshold_is_dropped_when_clipping_is_off():
    assert parse("clip_at=5")[0].clip_at == CLIP_AT.default
    state, _ = parse("clip=value&clip_at=5")
    assert (state.clip, state.clip_at) == ("value", 5.0)


def test_schedule_arguments_that_cannot_build_fall_back_to_defaults():
    state, notices = parse("schedule=warmup_cosine&schedule.warmup_steps=100&schedule.t_max=50")
    assert state.schedule == "warmup_cosine"
    assert state.schedule_args == {p.name: p.default for p in schedules.PARAMS["warmup_cosine"]}
    assert len(notices_naming(notices, "warmup_cosine")) == 1


def test_over_long_query_gives_the_default_state():
    query = "surface=beale&steps=100&noise=" + "1" * 20_000
    state, notices = parse(query)
    assert state == default_state()
    assert len(notices) == 1 and str(len(query)) in notices[0]
    # a long query under the limit is read normally
    assert parse("surface=beale&pad=" + "x" * 16_000)[0].surface == "beale"


# --------------------------------------------------------------------------- read_value
@pytest.mark.parametrize(
    ("raw", "expected", "n_notices"),
    [
        ("0.5", 0.5, 0),
        (" 0.25 ", 0.25, 0),
        (0.125, 0.125, 0),
        ("50", LR.max, 1),
        ("-1", LR.min, 1),
        ("abc", 0.01, 1),
        ("nan", 0.01, 1),
        ("", 0.01, 1),
        (None, 0.01, 1),
    ],
)
def test_read_value_clamps_and_falls_back(raw, expected, n_notices):
    value, notices = read_value("run 0.lr", raw, LR, 0.01)
    assert value == expected
    assert len(notices) == n_notices
    assert all("run 0.lr" in n for n in notices)


def test_read_value_ints():
    assert read_value("steps", "250", STEPS, 500) == (250, [])
    value, notices = read_value("steps", "250.4", STEPS, 500)
    assert value == 250 and isinstance(value, int) and len(notices) == 1


@pytest.mark.parametrize(
    ("raw", "expected", "n_notices"),
    [
        ([], False, 0),
        (["on"], True, 0),
        ("1", True, 0),
        ("true", True, 0),
        ("0", False, 0),
        ("maybe", True, 1),
    ],
)
def test_read_value_booleans_from_checkboxes(raw, expected, n_notices):
    centered = OPTIMIZERS["rmsprop"].param_map["centered"]
    value, notices = read_value("centered", raw, centered, True)
    assert value is expected
    assert len(notices) == n_notices


# --------------------------------------------------------------------------- the field table
from gradscape.app import state as state_module  # noqa: E402
from gradscape.app.state import (  # noqa: E402
    FIELDS,
    GROUPS,
    PARTS,
    RUN_FIELDS,
    Family,
    Floats,
    cache_key,
    changes,
    startmap_query,
)


def _other_value(f, state: AppState):
    """A valid value of row `f` other than the state's (None if the row has no other)."""
    v = getattr(state, f.attr)
    if isinstance(f.kind, Param):
        p = f.kind
        if f.attr == "focus":
            return None if len(state.runs) < 2 else (v + 1) % len(state.runs)
        if f.attr == "t":
            return 7
        if p.kind == "bool":
            return not v
        return p.max if v != p.max else p.min
    if isinstance(f.kind, Floats):
        return {"start": (0.25, 0.5), "view": (-1.0, 1.0, -0.5, 1.5), "rates": (0.001, 0.1)}.get(
            f.attr
        )
    if isinstance(f.kind, Mapping) and f.attr not in ("surface",):
        return next((k for k in f.kind if k != v), None)
    return None


SIMPLE_ROWS = [f for f in FIELDS if _other_value(f, default_state()) is not None]
#: Rows that mean something on a data surface only (read and written there alone).
DATA_ROWS = ("sampling", "batch_seed")


def _base_for(f, base: AppState | None = None) -> AppState:
    """`base` (default: the default state), or for a data row a data surface whose first
    run takes mini-batches (so that the sampling and the batch seed matter)."""
    if f.attr not in DATA_ROWS:
        return base or default_state()
    s = default_state("linear_regression")
    s = replace(s, runs=(replace(s.runs[0], batch=8), *s.runs[1:]))
    return replace(s, **{k: getattr(base, k) for k in ("clip", "noise", "mode")}) if base else s


@pytest.mark.parametrize("f", SIMPLE_ROWS, ids=[f.key for f in SIMPLE_ROWS])
def test_every_row_round_trips_through_its_url_key(f):
    base = _base_for(f)
    if f.attr == "clip_at":
        base = replace(base, clip="norm")  # so the clipping threshold is written
    value = _other_value(f, base)
    state = replace(base, **{f.attr: value})
    if f.attr == "schedule":
        args = {p.name: p.default for p in schedules.PARAMS[value]}
        if "t_max" in args:
            args["t_max"] = max(args.get("warmup_steps", 0) + 1, args["t_max"])
        state = replace(state, schedule_args=args)
    query = serialize(state)
    assert f"{f.key}=" in query  # under its own key
    assert parse(query) == (state, [])


@pytest.mark.parametrize("group", GROUPS)
def test_each_dependency_group_changes_with_its_rows_and_only_them(group):
    """A row in a group changes the group's cache key; a row outside it does not."""
    shared = replace(default_state(), clip="norm", noise=0.5, mode="compare")
    for f in SIMPLE_ROWS:
        base = _base_for(f, shared)
        value = _other_value(f, base)
        other = replace(base, **{f.attr: value})
        if f.attr == "schedule":
            continue  # its arguments change with it
        key_changed = cache_key(base, group) != cache_key(other, group)
        if group == state_module.STARTMAP:
            key_changed = startmap_query(base) != startmap_query(other)
        assert key_changed == (group in f.deps), (f.key, group)


def test_families_take_their_params_from_the_registries():
    rows = {f.attr: f for f in FIELDS}
    s = default_state("quadratic")
    assert [p.name for p in rows["surface_params"].kind.params(s)] == [
        p.name for p in surfaces.SURFACES["quadratic"].params
    ]
    run_hp = RUN_FIELDS[1]
    assert isinstance(run_hp.kind, Family)
    for name, spec in OPTIMIZERS.items():
        assert run_hp.kind.params(Run(name, {})) == spec.params
    s = replace(s, schedule="cosine")
    assert rows["schedule_args"].kind.params(s) == schedules.PARAMS["cosine"]


def test_a_run_hyperparameter_invalidates_that_run_only():
    s = default_state()
    runs = list(s.runs)
    runs[1] = replace(runs[1], hp={**runs[1].hp, "lr": 0.0123})
    t = replace(s, runs=tuple(runs))
    assert t.common_key() == s.common_key()
    assert [r.key() for r in t.runs] != [r.key() for r in s.runs]
    assert t.runs[0].key() == s.runs[0].key() and t.runs[2].key() == s.runs[2].key()
    recoloured = replace(s, runs=(replace(s.runs[0], color=5, visible=False), *s.runs[1:]))
    assert recoloured.runs[0].key() == s.runs[0].key()  # colour and visibility: no recompute


def test_changes_name_the_parts_from_the_table():
    s = default_state()
    assert set(changes(s, replace(s, steps=100))) == {"steps"}
    assert changes(s, replace(s, clip="norm"))["clip"] == ("clip",)
    t = replace(s, runs=(replace(s.runs[0], hp={**s.runs[0].hp, "lr": 0.5}), *s.runs[1:]))
    assert changes(s, t)["run.0.lr"] == ("runs",)
    assert all(set(p) <= set(PARTS) for f in FIELDS for p in [f.parts])


@pytest.mark.parametrize("value", [None, 3, 4.5, [], {}, b"run1=adam", ("a",)])
def test_parse_never_raises_on_other_types(value):
    state, _ = parse(value)
    assert state == default_state()


def test_the_state_and_the_reducer_import_neither_dash_nor_plotly():
    import subprocess
    import sys

    code = (
        "import sys; import app.state, app.reducer, app.compute, app.look; "
        "bad = [m for m in sys.modules if m.split('.')[0] in ('dash', 'plotly', 'flask')]; "
        "print(bad); assert not bad"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
