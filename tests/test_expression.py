"""Tests of custom surfaces typed as expressions (`surfaces.from_expression`).

The parser is a whitelist, so most tests here try to get something past it
(code injection, resource exhaustion, malformed syntax) and check that the
error names the problem and its column. The rest check what a `Surface`
promises: an exact gradient (against finite differences and against the
hand-written Rosenbrock), broadcasting, minima found numerically, the contour
scale, the start point, and no warning for values outside a function's domain.
"""

from __future__ import annotations

import ast
import builtins
import math
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gradscape import optimizers, surfaces
from gradscape.surfaces import ExpressionError, canonical, from_expression
from gradscape.surfaces import expression as expression_module

# --------------------------------------------------------------------------- gradients
#: Expressions that together use every function, operator and constant, and
#: every derivative rule (product, quotient, chain, constant and variable powers).
GRADIENT_CASES = [
    "x**2 + 3*sin(y)",
    "(1-x)**2 + 100*(y-x**2)**2",
    "x^2 + y^2",
    "cos(x*y) - tan(x/3 + 0.1*y)",
    "exp(-(x**2 + y**2)/2)",
    "log(1 + x**2 + y**2) + ln(2 + sin(x))*y",
    "sqrt(1 + x**2 + 2*y**2)**3 / 10",
    "abs(x - 0.3) + 2*abs(y + 0.2)**1.5",
    "sinh(x/2)*cosh(y/3) + tanh(x - y)",
    "arctan(x*y) + atan(x - 2*y)",
    "x/(1 + y**2) - y/(2 + cos(x))",
    "(x**2 + 1)**(y/3)",
    "2**x + pi*e**y",
    "-x**3 + +y - -x*y",
    "(x**2 + 0.5)**(x*y) + (y**2 + 1)**-2.5",
    "1/(x**2 + y**2 + 1) - x**-2*0 + 2**-x",
    "((x - 1)*(y + 2))**2 / (1 + exp(x))",
]


def fd_grad(f, x, y, h=1e-6):
    """Central finite differences, using the step actually represented in floats."""
    xp, xm, yp, ym = x + h, x - h, y + h, y - h
    return (f(xp, y) - f(xm, y)) / (xp - xm), (f(x, yp) - f(x, ym)) / (yp - ym)


def random_points(n=200, seed=0, lo=-2.0, hi=2.0):
    rng = np.random.default_rng(seed)
    return rng.uniform(lo, hi, n), rng.uniform(lo, hi, n)


@pytest.mark.parametrize("text", GRADIENT_CASES)
def test_gradient_matches_finite_differences(text):
    s = from_expression(text)
    x, y = random_points()
    gx, gy = s.grad(x, y)
    fx, fy = fd_grad(s.value, x, y)
    f = s.value(x, y)
    assert np.all(np.isfinite(gx)) and np.all(np.isfinite(gy))
    tol = 1e-6 * (np.hypot(gx, gy) + 1.0) + 1e-8 * np.abs(f)
    assert np.all(np.hypot(gx - fx, gy - fy) <= tol)


def test_gradient_cases_cover_every_function_and_operator():
    tokens = {t.text for text in GRADIENT_CASES for t in expression_module._tokenize(text)}
    for name in (*expression_module.FUNCTIONS, *expression_module.CONSTANTS, "x", "y"):
        assert name in tokens, name
    assert {"+", "-", "*", "/", "**", "^", "(", ")"} <= tokens


def test_gradient_is_exact_not_differenced():
    """Symbolic derivatives give exact values where finite differences could not."""
    s = from_expression("x**3*y + exp(y)")
    gx, gy = s.grad(2.0, 0.0)
    assert (float(gx), float(gy)) == (0.0, 9.0)
    gx, gy = s.grad(2.0, 3.0)
    assert float(gx) == 36.0
    assert float(gy) == 8.0 + math.exp(3.0)
    assert s.grad(1.0, 1.0) == from_expression("x**3*y + exp(y)").grad(1.0, 1.0)


def test_rosenbrock_matches_the_built_in():
    built_in = surfaces.get("rosenbrock")
    s = from_expression("(1-x)**2 + 100*(y-x**2)**2")
    gx, gy = np.meshgrid(np.linspace(-2, 2, 101), np.linspace(-1, 3, 101))
    rx, ry = random_points()
    x, y = np.concatenate([gx.ravel(), rx]), np.concatenate([gy.ravel(), ry])
    np.testing.assert_allclose(s.value(x, y), built_in.value(x, y), rtol=1e-12, atol=1e-12)
    for mine, theirs in zip(s.grad(x, y), built_in.grad(x, y), strict=True):
        np.testing.assert_allclose(mine, theirs, rtol=1e-12, atol=1e-10)


# --------------------------------------------------------------------------- broadcasting
@pytest.mark.parametrize("text", ["x**2 + 3*sin(y)", "x", "y**2", "3", "x*0 + 1"])
@pytest.mark.parametrize(
    ("xshape", "yshape", "shape"),
    [
        ((), (), ()),
        ((400, 400), (400, 400), (400, 400)),
        ((100_000,), (100_000,), (100_000,)),
        ((3, 1), (4,), (3, 4)),
        ((), (5,), (5,)),
        ((2, 3), (), (2, 3)),
    ],
)
def test_broadcasting(text, xshape, yshape, shape):
    s = from_expression(text)
    rng = np.random.default_rng(1)
    x = rng.uniform(-2, 2, xshape)
    y = rng.uniform(-2, 2, yshape)
    f = s.value(x, y)
    gx, gy = s.grad(x, y)
    for out in (f, gx, gy):
        assert np.shape(out) == shape
        assert np.asarray(out).dtype == np.float64
    if shape:
        assert gx is not gy and not np.shares_memory(gx, gy)
        for out in (f, gx, gy):
            assert not np.shares_memory(out, x) and not np.shares_memory(out, y)
            assert out.flags.writeable


@pytest.mark.parametrize("kind", [float, int, np.float64, np.asarray])
def test_scalar_inputs_give_float64_scalars(kind):
    s = from_expression("x**2*y + 1")
    f = s.value(kind(2), kind(3))
    gx, gy = s.grad(kind(2), kind(3))
    for out in (f, gx, gy):
        assert np.ndim(out) == 0 and np.asarray(out).dtype == np.float64
    assert (float(f), float(gx), float(gy)) == (13.0, 12.0, 4.0)


def test_integer_arrays_give_float64():
    s = from_expression("x**3 + y")
    out = s.value(np.array([2, 3]), np.array([1, 1]))
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, [9.0, 28.0])


# --------------------------------------------------------------------------- rejection
#: (text, 1-based column of the problem, a word the message must contain).
BAD_INPUT = [
    ("__import__('os')", 1, "unknown name '__import__'"),
    ("().__class__", 2, "unexpected ')'"),
    ("x.real", 2, "attribute"),
    ("lambda: 1", 1, "unknown name 'lambda'"),
    ("[x for x in y]", 1, "'['"),
    ("x if y else 1", 3, "'if'"),
    ("'x'", 1, "string"),
    ('"x"', 1, "string"),
    ("x; y", 2, "';'"),
    ("x = 1", 3, "'='"),
    ("f(x)", 1, "unknown name 'f'"),
    ("sin(x=1)", 6, "'='"),
    ("sin(x, y)", 6, "one argument"),
    ("9**9**9", 4, "exponent 3.8742e+08"),
    ("x**1e9", 4, "too large"),
    ("x**101", 4, "exponent 101"),
    ("x**(50 + 60)", 4, "exponent 110"),
    ("x**-101", 4, "exponent -101"),
    ("1e400 + x", 1, "too large"),
    ("x" * 10_000, 501, "too long"),
    ("(" * 1000 + "x" + ")" * 1000, 501, "too long"),
    ("(" * 40 + "x" + ")" * 40, 33, "nesting too deep"),
    ("-" * 40 + "x", 33, "nesting too deep"),
    ("sin(" * 40 + "x" + ")" * 40, 132, "nesting too deep"),
    ("x" + "**x" * 40, 98, "nesting too deep"),
    ("+".join(["x"] * 101), 200, "too large"),
    ("", 1, "empty"),
    ("   \t", 1, "empty"),
    ("x y", 3, "missing operator"),
    ("2x", 2, "write 2*x"),
    ("2 (x + 1)", 3, "missing operator"),
    ("(x + 1", 7, "missing ')'"),
    ("((x + 1) * 2", 13, "column 1"),
    ("x + 1)", 6, "unmatched ')'"),
    ("x + ", 5, "end of expression"),
    ("x**", 4, "end of expression"),
    ("* x", 1, "unexpected '*'"),
    ("x // 2", 4, "unexpected '/'"),
    ("x²", 2, "U+00B2"),
    ("2 × x", 3, "write *"),
    ("π*x", 1, "pi"),
    ("x − y", 3, "ASCII minus"),
    ("\x00", 1, "U+0000"),
    ("x @ y", 3, "'@'"),
    ("sin x", 5, "parentheses"),
    ("exp", 4, "parentheses"),
    ("X + y", 1, "did you mean 'x'"),
    ("Sin(x)", 1, "did you mean 'sin'"),
    ("os.system('ls')", 1, "unknown name 'os'"),
    ("x.__class__.__mro__", 2, "attribute"),
    ("getattr(x, 'y')", 1, "unknown name 'getattr'"),
    ("x\n+ y\n)", 7, "unmatched"),
    ("1.2.3", 4, "missing operator"),
]


@pytest.mark.parametrize(("text", "column", "words"), BAD_INPUT, ids=lambda v: repr(v)[:30])
def test_bad_input_names_the_problem_and_its_column(text, column, words):
    with pytest.raises(ValueError, match="column") as info:
        from_expression(text)
    err = info.value
    assert isinstance(err, ExpressionError)
    assert err.column == column
    assert f"at column {column}" in str(err)
    assert words in str(err)
    assert "\n" not in str(err)
    # canonical() parses the same way
    with pytest.raises(ExpressionError, match=f"at column {column}"):
        canonical(text)


@pytest.mark.parametrize("text", [None, 3, b"x", ["x"]])
def test_non_text_is_rejected(text):
    with pytest.raises(ValueError, match="text"):
        from_expression(text)


def test_error_parts():
    with pytest.raises(ExpressionError) as info:
        from_expression("x +* y")
    err = info.value
    assert (err.problem, err.column) == ("unexpected '*'", 4)
    assert "expected a number" in err.hint
    assert str(err) == f"unexpected '*' at column 4: {err.hint}"


def test_unknown_name_lists_what_is_allowed():
    with pytest.raises(ValueError) as info:
        from_expression("os")
    msg = str(info.value)
    assert msg.startswith("unknown name 'os' at column 1")
    for name in ("x", "y", "pi", "e", "sin", "cos", "sqrt", "arctan"):
        assert name in msg


@pytest.mark.parametrize(
    "text",
    [
        "x" + " " * 499,  # exactly the length limit
        "+".join(["x"] * 100),  # 199 nodes
        "(" * 32 + "x" + ")" * 32,  # exactly the nesting limit
        "x**100 + x**-100 + x**(50+50)",
        "1000000*x",
        "0.000001*x",
    ],
    ids=["length", "nodes", "depth", "exponent", "number", "small number"],
)
def test_limits_are_inclusive(text):
    from_expression(text)


@pytest.mark.parametrize("text", ["sqrt(-1 - x**2)", "log(-(x**2) - y**2 - 1)", "1/0", "log(0*x)"])
def test_nowhere_finite_is_rejected(text):
    with pytest.raises(ValueError, match="not finite anywhere on the view"):
        from_expression(text)


def test_nowhere_finite_depends_on_the_view():
    with pytest.raises(ValueError, match="not finite anywhere"):
        from_expression("log(x)", view=(-2, -1, -1, 1))
    from_expression("log(x)", view=(1, 2, -1, 1))


# --------------------------------------------------------------------------- nothing reaches eval
def test_source_never_calls_eval_exec_or_compile():
    source = Path(expression_module.__file__).read_text(encoding="utf-8")
    tree = ast.parse(source)
    forbidden = {"eval", "exec", "compile", "__import__", "sympify", "getattr", "setattr"}
    called = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            called.add(name)
    assert not called & forbidden, called & forbidden
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    } | {
        (node.module or "").split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
    }
    assert not imported & {"sympy", "ast", "builtins", "importlib", "os", "subprocess"}


def test_user_text_never_reaches_eval_exec_or_compile(monkeypatch):
    """Spy on eval/exec/compile: a marker in the user's text never shows up there.

    (NumPy may use them internally on first use, on its own fixed strings.)
    """
    seen: list[str] = []
    for name in ("eval", "exec", "compile"):
        original = builtins.__dict__[name]

        def spy(*args, _original=original, **kwargs):
            seen.extend(str(a) for a in args)
            return _original(*args, **kwargs)

        monkeypatch.setitem(builtins.__dict__, name, spy)
    s = from_expression("x**2 + 0.918273645*y")
    s.value(np.ones(3), 2.0)
    s.grad(1.0, 2.0)
    canonical("x**2 + 0.918273645*y")
    for bad in ("__import__('zq_marker')", "zq_marker(x)", "x.zq_marker"):
        with pytest.raises(ValueError):
            from_expression(bad)
    assert not any("918273645" in s or "zq_marker" in s for s in seen)


# --------------------------------------------------------------------------- domain errors
@pytest.mark.parametrize(
    ("text", "x", "y"),
    [
        ("log(x)", -1.0, 0.0),
        ("sqrt(x)", -1.0, 0.0),
        ("1/x", 0.0, 1.0),
        ("x/y", 0.0, 0.0),
        ("exp(x)**y", 1000.0, 2.0),
        ("x**y", -2.0, 0.5),
        ("log(abs(x))", 0.0, 1.0),
        ("tan(x)**100", 1.5707963, 0.0),
    ],
)
def test_domain_errors_give_nan_or_inf_without_warnings(text, x, y):
    s = from_expression(text)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise"):  # the surface must silence NumPy itself
            f = s.value(x, y)
            gx, gy = s.grad(x, y)
            s.value(np.array([x, 1.0]), np.array([y, 1.0]))
    assert not (np.isfinite(f) and np.isfinite(gx) and np.isfinite(gy))


def test_leaving_the_domain_is_divergence():
    s = from_expression("log(x)")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        traj = optimizers.run(s, "sgd", (1.0, 1.0), 100, lr=1.0)
    assert traj.diverged_at[0] >= 1
    assert np.all(np.isfinite(traj.xy))


def test_custom_surface_runs_with_torch_default_lr():
    s = from_expression("x**2 + 3*sin(y)")
    assert s.suggested_lr("adam") is None
    for name in ("sgd", "adam", "rmsprop", "adadelta"):
        traj = optimizers.run(s, name, s.start, 50)
        assert traj.hyperparameters["lr"] == optimizers.get_spec(name).default_lr
        assert traj.diverged_at[0] == -1
        assert traj.loss[-1, 0] < traj.loss[0, 0]


# --------------------------------------------------------------------------- minima
def test_rosenbrock_minimum():
    s = from_expression("(1-x)**2 + 100*(y-x**2)**2")
    assert len(s.minima) == 1
    (m,) = s.minima
    assert (m.x, m.y) == pytest.approx((1.0, 1.0), abs=1e-8)
    assert m.value == pytest.approx(0.0, abs=1e-8)
    assert m.is_global and s.min_value == m.value


def test_himmelblau_minima():
    s = from_expression("(x**2+y-11)**2 + (x+y**2-7)**2", view=(-5, 5, -5, 5))
    known = surfaces.get("himmelblau").minima
    assert len(s.minima) == 4
    for k in known:
        match = [m for m in s.minima if math.dist((m.x, m.y), (k.x, k.y)) < 1e-8]
        assert len(match) == 1, k
        assert match[0].value == pytest.approx(0.0, abs=1e-12)
    assert all(m.is_global for m in s.minima)
    assert s.view == (-5.0, 5.0, -5.0, 5.0)


def test_local_and_global_minima():
    s = from_expression("(x**2 - 1)**2 + y**2 + 0.3*x")
    assert len(s.minima) == 2
    low, high = s.minima
    assert low.is_global and not high.is_global
    assert low.x < 0 < high.x and low.value < high.value
    for m in s.minima:
        gx, gy = s.grad(m.x, m.y)
        assert math.hypot(gx, gy) < 1e-9
        assert m.y == pytest.approx(0.0, abs=1e-12)
        assert float(s.value(m.x, m.y)) == m.value


@pytest.mark.parametrize(
    ("text", "view", "point", "value"),
    [
        ("x**2 + 3*sin(y)", None, (0.0, -math.pi / 2), -3.0),
        ("(x - 0.37)**2 + 2*(y + 1.21)**2 + 5", None, (0.37, -1.21), 5.0),
        ("abs(x - 0.01) + abs(y + 0.0123)", None, (0.01, -0.0123), 0.0),
        (
            "-20*exp(-0.2*sqrt(0.5*(x**2+y**2))) - exp(0.5*(cos(2*pi*x)+cos(2*pi*y))) + e + 20",
            (-4, 4, -4, 4),
            (0.0, 0.0),
            0.0,
        ),
        ("(x + 2*y - 7)**2 + (2*x + y - 5)**2", (-10, 10, -10, 10), (1.0, 3.0), 0.0),
    ],
    ids=["wave", "shifted bowl", "kink", "ackley", "booth"],
)
def test_global_minimum_found(text, view, point, value):
    s = from_expression(text, view)
    best = [m for m in s.minima if m.is_global]
    assert len(best) == 1
    assert (best[0].x, best[0].y) == pytest.approx(point, abs=1e-7)
    assert best[0].value == pytest.approx(value, abs=1e-8)


@pytest.mark.parametrize("text", ["x**2 - y**2", "x + y", "3", "x**3 - 3*x*y**2", "sin(x)"])
def test_no_isolated_minimum(text):
    assert from_expression(text).minima == ()
    assert from_expression(text).min_value is None


def test_minima_lie_in_the_view():
    s = from_expression("(x - 5)**2 + (y - 0.5)**2 + sin(3*x)")  # the bowl's centre is outside
    x0, x1, y0, y1 = s.view
    for m in s.minima:
        assert x0 <= m.x <= x1 and y0 <= m.y <= y1


# --------------------------------------------------------------------------- levels, start, view
def test_levels():
    assert from_expression("(1-x)**2 + 100*(y-x**2)**2").levels == "log"
    assert from_expression("x**2 + 3*sin(y)").levels == "linear"
    assert from_expression("3").levels == "linear"
    assert from_expression("x**2 - y**2").levels == "linear"
    beale = "(1.5-x+x*y)**2+(2.25-x+x*y**2)**2+(2.625-x+x*y**3)**2"
    assert from_expression(beale, view=(-4.5, 4.5, -4.5, 4.5)).levels == "log"


def test_start_is_deterministic_finite_and_not_a_minimum():
    s = from_expression("x**2 + 3*sin(y)")
    assert s.start == (-2.1, 2.1)
    assert from_expression("x**2 + 3*sin(y)").start == s.start
    t = from_expression("(x + 2.1)**2 + (y - 2.1)**2")
    assert math.dist(t.start, (-2.1, 2.1)) > 0.2
    u = from_expression("log(x) + y**2")
    assert u.start[0] > 0 and np.isfinite(u.value(*u.start))
    v = from_expression("x + y", view=(10, 20, -1, 0))
    assert v.start == (11.5, -0.15)


def test_view():
    assert from_expression("x").view == (-3.0, 3.0, -3.0, 3.0)
    s = from_expression("x", view=(0, 1, -2, 5))
    assert s.view == (0.0, 1.0, -2.0, 5.0)
    assert all(isinstance(v, float) for v in s.view)


@pytest.mark.parametrize(
    "view",
    [(1, 0, 0, 1), (0, 1, 1, 1), (0, math.nan, 0, 1), (0, math.inf, 0, 1), (0, 1, 0), "abcd", 3],
)
def test_bad_view(view):
    with pytest.raises(ValueError, match="view"):
        from_expression("x", view=view)


# --------------------------------------------------------------------------- metadata, printing
def test_metadata():
    s = from_expression("x^2+3 * sin( y )")
    assert isinstance(s, surfaces.Surface)
    assert s.name == "custom"
    assert s.label == "Custom: x**2 + 3*sin(y)"
    assert s.reference == ""
    assert dict(s.params) == {} and dict(s.lr) == {} and s.param_specs == ()
    assert s.formula == r"f(x, y) = x^{2} + 3\sin(y)"


@pytest.mark.parametrize(
    ("text", "latex"),
    [
        ("(1-x)**2 + 100*(y-x**2)**2", r"(1 - x)^{2} + 100(y - x^{2})^{2}"),
        ("x/(1+y)", r"\frac{x}{1 + y}"),
        ("sqrt(x**2+y**2)", r"\sqrt{x^{2} + y^{2}}"),
        ("abs(x)*pi", r"\left|x\right| \pi"),
        ("sin(x)**2 + log(y)", r"\sin^{2}(x) + \ln(y)"),
        ("exp(-x)*2", r"\exp(-x) \cdot 2"),
        ("x - -y", r"x - (-y)"),
        ("x**-2", r"x^{-2}"),
        ("(-x)**2", r"(-x)^{2}"),
        ("1e-7*x", r"1 \times 10^{-7}x"),
        ("atan(x) + ln(y)", r"\arctan(x) + \ln(y)"),
    ],
)
def test_formula(text, latex):
    assert from_expression(text).formula == "f(x, y) = " + latex


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("x^2+3 * sin( y )", "x**2 + 3*sin(y)"),
        ("((x))", "x"),
        ("+x", "x"),
        ("-x**2", "-x**2"),
        ("(-x)**2", "(-x)**2"),
        ("2**3**2", "2**3**2"),
        ("(2**3)**2", "(2**3)**2"),
        ("x - (y - 1)", "x - (y - 1)"),
        ("(x - y) - 1", "x - y - 1"),
        ("x / (y * 2)", "x/(y*2)"),
        ("x*-y", "x*-y"),
        ("2.50*x + 1e-3 + .5 + 3.", "2.5*x + 0.001 + 0.5 + 3"),
        ("ln(x) + atan(y)", "log(x) + arctan(y)"),
        ("x**(-1)", "x**-1"),
        ("x**(y+1)", "x**(y + 1)"),
        ("-(x + y)", "-(x + y)"),
    ],
)
def test_canonical(text, expected):
    assert canonical(text) == expected
    assert canonical(expected) == expected


@pytest.mark.parametrize("text", GRADIENT_CASES)
def test_canonical_round_trip(text):
    a, b = from_expression(text), from_expression(canonical(text))
    x, y = random_points(50, seed=3)
    np.testing.assert_array_equal(a.value(x, y), b.value(x, y))
    for ga, gb in zip(a.grad(x, y), b.grad(x, y), strict=True):
        np.testing.assert_array_equal(ga, gb)
    assert canonical(canonical(text)) == canonical(text)
    assert a.label == b.label and a.formula == b.formula


def test_canonical_stays_within_the_length_limit():
    text = "+".join(["1e6"] * 66) + " + x"  # canonical "1000000 + 1000000 + …" is longer
    assert len(text) <= surfaces.expression.MAX_LENGTH
    out = canonical(text)
    assert len(out) <= surfaces.expression.MAX_LENGTH
    assert canonical(out) == out
    x, y = random_points(10)
    np.testing.assert_array_equal(
        from_expression(out).value(x, y), from_expression(text).value(x, y)
    )


# --------------------------------------------------------------------------- property: round trip
_leaf = st.sampled_from(["x", "y", "pi", "e", "2", "0.5", "3.25", "1e-3", "7"])


def _compose(children):
    unary = st.tuples(
        st.sampled_from(["-", "+", "sin", "cos", "exp", "tanh", "atan", "abs", "sqrt", "ln"]),
        children,
    ).map(lambda t: f"{t[0]}{t[1]}" if t[0] in "+-" else f"{t[0]}({t[1]})")
    binary = st.tuples(
        children, st.sampled_from(["+", "-", "*", "/", "**", "^"]), children, st.booleans()
    ).map(lambda t: f"({t[0]}) {t[1]} ({t[2]})" if t[3] else f"{t[0]}{t[1]}{t[2]}")
    return unary | binary


expressions = st.recursive(_leaf, _compose, max_leaves=12)


def _parses(text):
    try:
        canonical(text)
    except ValueError:
        return False
    return True


@settings(max_examples=150, deadline=None)
@given(expressions.filter(_parses))
def test_canonical_round_trip_property(text):
    first = canonical(text)
    assert canonical(first) == first
    a = expression_module._functions(*_graph(text))
    b = expression_module._functions(*_graph(first))
    x, y = random_points(20, seed=5)
    np.testing.assert_array_equal(a[0](x, y), b[0](x, y))
    for ga, gb in zip(a[1](x, y), b[1](x, y), strict=True):
        np.testing.assert_array_equal(ga, gb)


def _graph(text):
    """The graph and root of `text`, without the surface analysis (which may reject it)."""
    graph = expression_module._Graph()
    return graph, graph.build(expression_module._parse(text))
