"""Data surfaces, mini-batch runs and FTRL.

The losses are recomputed here from their textbook formulas (independent of
surfaces/data.py), gradients against finite differences, sampling semantics
read back from ``Trajectory.batches``, paths replayed by hand from the recorded
batches and against torch.optim on a torch model fed the same batches, FTRL
against a scalar transcription of Keras's update, and the CSV parser's messages.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_optimizers import active_config

from gradscape import surfaces
from gradscape.optimizers import OPTIMIZERS, core, run, run_final, schedules

KINDS = list(surfaces.DATA_KINDS)


# --------------------------------------------------------------------------- textbook losses
def textbook_loss(kind, w, b, x, y):
    """The mean loss at one point (w, b) written out plainly, one sample at a time."""
    total = 0.0
    for xi, yi in zip(x.tolist(), y.tolist(), strict=True):
        if kind == "linear_regression":
            total += (w * xi + b - yi) ** 2
        elif kind == "logistic_regression":
            p = 1.0 / (1.0 + math.exp(-(w * xi + b)))
            total += -(yi * math.log(p) + (1 - yi) * math.log(1 - p))
        else:
            total += (b * math.tanh(w * xi) - yi) ** 2
    return total / len(x)


def fd(f, w, b, h=1e-6):
    return (
        (f(w + h, b) - f(w - h, b)) / (2 * h),
        (f(w, b + h) - f(w, b - h)) / (2 * h),
    )


@pytest.mark.parametrize("kind", KINDS)
def test_value_is_the_mean_loss_over_the_samples(kind):
    s = surfaces.get(kind, samples=50, data_seed=3)
    x, y = s.data
    assert x.shape == y.shape == (50,) and x.dtype == y.dtype == np.float64
    for w, b in [(0.3, -0.4), (1.7, 2.2), (-2.0, 0.5), s.start]:
        expected = textbook_loss(kind, w, b, x, y)
        assert float(s.value(w, b)) == pytest.approx(expected, rel=1e-12)
        assert float(s.batch_value(w, b, np.arange(50))) == pytest.approx(expected, rel=1e-12)
        idx = np.array([4, 4, 17, 0])  # repeats count twice
        sub = textbook_loss(kind, w, b, x[idx], y[idx])
        assert float(s.batch_value(w, b, idx)) == pytest.approx(sub, rel=1e-12)


@pytest.mark.parametrize("kind", KINDS)
def test_gradients_match_finite_differences(kind):
    s = surfaces.get(kind, samples=40, data_seed=1)
    rng = np.random.default_rng(0)
    x0, x1, y0, y1 = s.view
    idx = rng.integers(0, 40, 7)
    for _ in range(20):
        w, b = rng.uniform(x0, x1), rng.uniform(y0, y1)
        g = np.array(s.grad(w, b), dtype=float)
        np.testing.assert_allclose(g, fd(s.value, w, b), rtol=1e-6, atol=1e-7)
        gb = np.array(s.batch_grad(w, b, idx), dtype=float)
        bf = fd(lambda p, q: s.batch_value(p, q, idx), w, b)
        np.testing.assert_allclose(gb, bf, rtol=1e-6, atol=1e-7)
        # The full batch through batch_grad is the full gradient.
        np.testing.assert_allclose(s.batch_grad(w, b, np.arange(40)), g, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("xshape", "yshape", "shape"),
    [((), (), ()), ((5,), (5,), (5,)), ((3, 1), (4,), (3, 4)), ((), (6,), (6,))],
    ids=["scalar", "1d", "mixed", "scalar-x"],
)
def test_batch_functions_broadcast(kind, xshape, yshape, shape):
    s = surfaces.get(kind)
    rng = np.random.default_rng(1)
    x = rng.uniform(-2, 2, size=xshape)
    y = rng.uniform(-2, 2, size=yshape)
    idx = np.array([1, 5, 5, 9, 30])
    v = s.batch_value(x, y, idx)
    gx, gy = s.batch_grad(x, y, idx)
    for out in (v, gx, gy):
        assert np.shape(out) == shape and np.asarray(out).dtype == np.float64
    bx, by = np.broadcast_arrays(x, y)
    for i in np.ndindex(shape):
        one = s.batch_grad(float(bx[i]), float(by[i]), idx)
        assert float(v[i]) == pytest.approx(float(s.batch_value(bx[i], by[i], idx)), rel=1e-13)
        assert (float(gx[i]), float(gy[i])) == pytest.approx(tuple(map(float, one)), rel=1e-12)


def test_large_grids_go_in_blocks_with_the_same_numbers():
    s = surfaces.get("tiny_net", samples=500)
    w, v = np.meshgrid(np.linspace(-3, 3, 90), np.linspace(-3, 3, 80))  # 7200 × 500 samples
    big = s.value(w, v)
    assert big.shape == (80, 90)
    np.testing.assert_allclose(big[::17, ::13], s.value(w[::17, ::13], v[::17, ::13]), rtol=1e-14)


# --------------------------------------------------------------------------- data
@pytest.mark.parametrize("kind", KINDS)
def test_data_are_reproducible_from_their_parameters(kind):
    a = surfaces.get(kind, samples=100, noise=0.4, data_seed=7)
    b = surfaces.get(kind, samples=100, noise=0.4, data_seed=7)
    c = surfaces.get(kind, samples=100, noise=0.4, data_seed=8)
    np.testing.assert_array_equal(a.data[0], b.data[0])
    np.testing.assert_array_equal(a.data[1], b.data[1])
    assert not np.array_equal(a.data[0], c.data[0])
    assert a.samples == 100 and a.params == {"samples": 100, "noise": 0.4, "data_seed": 7}
    assert surfaces.get(kind).samples == 64
    with pytest.raises(ValueError, match="read-only"):
        a.data[1][0] = 5.0  # the minima were computed from these samples


def test_logistic_labels_are_zero_or_one():
    y = surfaces.get("logistic_regression", samples=500).data[1]
    assert set(np.unique(y)) == {0.0, 1.0}


def test_samples_are_limited_to_ten_thousand():
    assert surfaces.get("linear_regression", samples=10_000).samples == 10_000
    with pytest.raises(ValueError, match="samples"):
        surfaces.get("linear_regression", samples=10_001)


# --------------------------------------------------------------------------- minima
def test_linear_regression_minimum_is_least_squares():
    for seed in range(5):
        s = surfaces.get("linear_regression", samples=30 + seed, noise=0.7, data_seed=seed)
        x, y = s.data
        (w, b), *_ = np.linalg.lstsq(np.stack([x, np.ones_like(x)], 1), y, rcond=None)
        (m,) = s.minima
        assert (m.x, m.y) == pytest.approx((w, b), rel=1e-12, abs=1e-12)
        assert m.value == pytest.approx(textbook_loss(s.kind, w, b, x, y), rel=1e-10)
        assert s.levels == "log"


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("samples", [5, 64, 2000])
def test_minima_are_stationary_and_lowest(kind, samples):
    s = surfaces.get(kind, samples=samples, data_seed=2)
    if not s.minima:
        assert kind == "logistic_regression" and s.levels == "linear"
        return
    for m in s.minima:
        g = np.hypot(*s.grad(m.x, m.y))
        assert g <= 1e-9
        assert float(s.value(m.x, m.y)) == pytest.approx(m.value, rel=1e-12)
    x0, x1, y0, y1 = s.view
    w, b = np.meshgrid(np.linspace(x0, x1, 101), np.linspace(y0, y1, 101))
    assert s.min_value <= s.value(w, b).min() + 1e-12


def test_tiny_net_has_mirror_minima_and_a_saddle_at_the_origin():
    for seed in range(3):
        s = surfaces.get("tiny_net", data_seed=seed)
        a, b = s.minima
        assert (a.x, a.y) == (-b.x, -b.y) and a.value == b.value
        assert a.is_global and b.is_global and a.x != 0
        assert s.grad(0.0, 0.0) == (0.0, 0.0)
        h = 1e-5
        gxp, gyp = s.grad(h, 0.0)
        gxm, gym = s.grad(-h, 0.0)
        hxp, hyp = s.grad(0.0, h)
        hxm, hym = s.grad(0.0, -h)
        H = np.array([[gxp - gxm, gyp - gym], [hxp - hxm, hyp - hym]]) / (2 * h)
        lo, hi = np.linalg.eigvalsh((H + H.T) / 2)
        assert lo < 0 < hi  # a saddle
        # The loss is the same at mirror points everywhere.
        w, v = np.random.default_rng(seed).uniform(-3, 3, (2, 50))
        np.testing.assert_array_equal(s.value(w, v), s.value(-w, -v))


def test_logistic_regression_is_stable_at_huge_weights():
    s = surfaces.get("logistic_regression")
    x, y = s.data
    for w in (1e3, -1e3, 1e6):
        for b in (-50.0, 0.0, 30.0):
            z = w * x + b
            sz = (1 - 2 * y) * z
            expected = np.mean(np.maximum(sz, 0) + np.log1p(np.exp(-np.abs(sz))))
            assert float(s.value(w, b)) == pytest.approx(expected, rel=1e-12)
            assert np.isfinite(s.grad(w, b)).all()
            assert np.isfinite(s.batch_grad(w, b, np.arange(5))).all()


def test_separable_labels_have_no_minimum():
    s = surfaces.get("logistic_regression", noise=0.0)
    x, y = s.data
    assert x[y == 0].max() < x[y == 1].min()
    assert s.minima == () and s.levels == "linear"
    # Along the separating direction the loss keeps falling.
    w = np.array([2.0, 20.0, 200.0])
    assert np.all(np.diff(s.value(w, -w / 2)) < 0)


# --------------------------------------------------------------------------- your data
def test_data_surface_from_arrays():
    x = np.linspace(-1, 1, 21)
    y = 3 * x + 0.5
    s = surfaces.data_surface("linear_regression", x, y)
    assert isinstance(s, surfaces.DataSurface)
    assert s.minima[0].x == pytest.approx(3) and s.minima[0].y == pytest.approx(0.5)
    assert s.minima[0].value == pytest.approx(0, abs=1e-25)
    assert s.samples == 21 and s.params == {}
    t = run(s, "adam", s.start, 5)
    assert t.hyperparameters["lr"] == s.suggested_lr("adam")


def test_data_surface_grows_its_view_to_hold_the_minimum():
    x = np.linspace(0, 1, 10)
    s = surfaces.data_surface("linear_regression", x, 40 * x)
    x0, x1, _, _ = s.view
    assert x0 < s.minima[0].x < x1 and x1 > 40


@pytest.mark.parametrize(
    ("kind", "x", "y", "word"),
    [
        ("linear_regression", [1.0], [2.0], "1 samples"),
        ("linear_regression", [1.0, 2.0], [2.0], "must match"),
        ("linear_regression", [1.0, float("nan")], [2.0, 3.0], "sample 2"),
        ("logistic_regression", [1.0, 2.0, 3.0], [0.0, 0.5, 1.0], "sample 2: label"),
        ("quadratic", [1.0, 2.0], [1.0, 2.0], "unknown data model"),
        ("tiny_net", [[1.0, 2.0]], [1.0, 2.0], "shape"),
    ],
)
def test_data_surface_rejects_bad_samples(kind, x, y, word):
    with pytest.raises(ValueError, match=word):
        surfaces.data_surface(kind, x, y)


# --------------------------------------------------------------------------- CSV
def test_parse_csv_reads_two_columns():
    x, y = surfaces.parse_csv("x,y\n1,2\n\n3.5, -4e-1\n-2,7\n")
    np.testing.assert_array_equal(x, [1, 3.5, -2])
    np.testing.assert_array_equal(y, [2, -0.4, 7])
    for text in ("1;2\n3;4", "1\t2\n3\t4", "1 2\n3 4", "1,2,\n3,4,", b"\xef\xbb\xbfa,b\n1,2\n3,4"):
        x, y = surfaces.parse_csv(text)
        np.testing.assert_array_equal(x, [1, 3])
        np.testing.assert_array_equal(y, [2, 4])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x,y\n1,2\n3,abc\n", "row 3, column y: 'abc' is not a number"),
        ("1,2\nhello,4\n", "row 2, column x: 'hello' is not a number"),
        ("1,2\n3,nan\n", "row 2, column y: 'nan' is not a finite number"),
        ("1,2\n-inf,2\n5,6", "row 2, column x: '-inf' is not a finite number"),
        ("x\n1\n2\n", "row 2: one column"),
        ("1,2\n3\n", "row 2: one column"),
        ("1,2,3\n", "row 1: 3 columns"),
        ("x,y\n", "row 1: only a header row"),
        ("", "empty"),
        ("\n  \n", "empty"),
        ("x,y\n1,2\n", "only 1 data row"),
        ("\n".join(f"{i},{i}" for i in range(10_001)), "row 10,001: more than 10,000 data rows"),
        (b"PK\x03\x04\x00\x00binary", "binary"),
        (b"\xff\xfe\xfa", "not UTF-8"),
        ("1,2\n3,4\x07\x08\n", "row 2: binary content"),
    ],
)
def test_parse_csv_messages_name_the_row_and_the_problem(text, message):
    with pytest.raises(ValueError) as info:
        surfaces.parse_csv(text)
    assert message in str(info.value)


def test_parse_csv_rejects_a_million_rows_quickly():
    import time

    text = "x,y\n" + "1,2\n" * 1_000_000
    t = time.perf_counter()
    with pytest.raises(ValueError, match="more than 10,000"):
        surfaces.parse_csv(text)
    assert time.perf_counter() - t < 2.0


# --------------------------------------------------------------------------- sampling
def epochs_of(batches, per_epoch):
    return [np.concatenate(batches[e : e + per_epoch]) for e in range(0, len(batches), per_epoch)]


def test_shuffle_epochs_are_permutations_with_a_short_last_batch():
    s = surfaces.get("linear_regression", samples=10)
    t = run(s, "sgd", s.start, 40, batch_size=3, batch_seed=5)
    sizes = [b.size for b in t.batches]
    assert sizes == [3, 3, 3, 1] * 10
    epochs = epochs_of(t.batches, 4)
    for e in epochs:
        np.testing.assert_array_equal(np.sort(e), np.arange(10))
    assert len({tuple(e) for e in epochs}) > 1  # a new permutation each epoch
    assert not all(np.array_equal(e, np.arange(10)) for e in epochs)


def test_cycle_takes_the_samples_in_order():
    s = surfaces.get("linear_regression", samples=7)
    t = run(s, "sgd", s.start, 9, batch_size=3, sampling="cycle")
    expected = [[0, 1, 2], [3, 4, 5], [6]] * 3
    assert [b.tolist() for b in t.batches] == expected


def test_replacement_draws_b_indices_with_repeats():
    s = surfaces.get("linear_regression", samples=6)
    t = run(s, "sgd", s.start, 200, batch_size=4, sampling="replacement", batch_seed=1)
    assert all(b.shape == (4,) and b.min() >= 0 and b.max() < 6 for b in t.batches)
    assert any(np.unique(b).size < 4 for b in t.batches)  # repeats within a batch occur
    counts = np.bincount(np.concatenate(t.batches), minlength=6)
    assert counts.min() > 0.5 * counts.mean()


@pytest.mark.parametrize("sampling", ["shuffle", "replacement", "cycle"])
def test_batches_are_reproducible_from_batch_seed(sampling):
    s = surfaces.get("logistic_regression")
    kw = {"batch_size": 8, "sampling": sampling, "lr": 0.3}
    a = run(s, "adam", s.start, 30, batch_seed=4, **kw)
    b = run(s, "adam", s.start, 30, batch_seed=4, **kw)
    c = run(s, "adam", s.start, 30, batch_seed=5, **kw)
    np.testing.assert_array_equal(a.xy, b.xy)
    assert all(np.array_equal(p, q) for p, q in zip(a.batches, b.batches, strict=True))
    if sampling == "cycle":
        np.testing.assert_array_equal(a.xy, c.xy)  # no randomness
    else:
        assert not np.array_equal(a.xy, c.xy)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("sampling", ["shuffle", "replacement", "cycle"])
def test_batch_size_of_n_or_more_is_the_full_batch(kind, sampling):
    s = surfaces.get(kind, samples=20)
    full = run(s, "momentum", s.start, 40)
    assert all(np.array_equal(b, np.arange(20)) for b in full.batches)
    for size in (20, 21, 1000):
        t = run(s, "momentum", s.start, 40, batch_size=size, sampling=sampling, batch_seed=3)
        np.testing.assert_array_equal(t.xy, full.xy)
        assert all(np.array_equal(b, np.arange(20)) for b in t.batches)
    np.testing.assert_array_equal(full.batch_loss, full.loss[:-1])


def test_every_path_sees_the_same_batches():
    s = surfaces.get("tiny_net")
    starts = np.array([s.start, (1.0, 1.0), (-0.5, 0.3)])
    lrs = np.array([0.05, 0.2, 0.1])
    kw = {"batch_size": 5, "batch_seed": 9, "noise": 0.3, "seed": 2}
    many = run(s, "rmsprop", starts, 50, lr=lrs, **kw)
    for i in range(3):
        one = run(s, "rmsprop", starts[i], 50, lr=float(lrs[i]), **kw)
        np.testing.assert_array_equal(many.xy[:, i], one.xy[:, 0])


def replay_sgd(s, batches, start, lr, weight_decay=0.0):
    """SGD from the recorded batches with the textbook mean gradient (finite differences free)."""
    x, y = s.data
    w, b = start
    path = [(w, b)]
    for idx in batches:
        xs, ys = x[idx], y[idx]
        if s.kind == "linear_regression":
            r = w * xs + b - ys
            gw, gb = np.mean(2 * r * xs), np.mean(2 * r)
        elif s.kind == "logistic_regression":
            d = 1 / (1 + np.exp(-(w * xs + b))) - ys
            gw, gb = np.mean(d * xs), np.mean(d)
        else:
            t = np.tanh(w * xs)
            r = b * t - ys
            gw, gb = np.mean(2 * r * b * xs * (1 - t * t)), np.mean(2 * r * t)
        w, b = w - lr * (gw + weight_decay * w), b - lr * (gb + weight_decay * b)
        path.append((w, b))
    return np.array(path)


@settings(max_examples=40, deadline=None)
@given(
    kind=st.sampled_from(KINDS),
    samples=st.integers(2, 40),
    batch_size=st.one_of(st.none(), st.integers(1, 45)),
    sampling=st.sampled_from(["shuffle", "replacement", "cycle"]),
    batch_seed=st.integers(0, 2**32),
    steps=st.integers(1, 30),
)
def test_any_batching_replays_from_its_batches(
    kind, samples, batch_size, sampling, batch_seed, steps
):
    s = surfaces.get(kind, samples=samples, data_seed=1)

    def sgd():
        return run(
            s,
            "sgd",
            s.start,
            steps,
            lr=0.05,
            weight_decay=0.01,
            batch_size=batch_size,
            sampling=sampling,
            batch_seed=batch_seed,
        )

    t = sgd()
    assert len(t.batches) == steps
    full = batch_size is None or batch_size >= samples
    for k, b in enumerate(t.batches):
        assert b.dtype.kind in "iu" and b.min() >= 0 and b.max() < samples
        if full:
            np.testing.assert_array_equal(b, np.arange(samples))
        elif sampling == "replacement":
            assert b.size == batch_size
        else:
            per_epoch = math.ceil(samples / batch_size)
            j = k % per_epoch
            assert b.size == min(batch_size, samples - j * batch_size)
            if sampling == "cycle":
                np.testing.assert_array_equal(b, np.arange(j * batch_size, j * batch_size + b.size))
    if not full and sampling == "shuffle":
        per_epoch = math.ceil(samples / batch_size)
        for e in range(steps // per_epoch):
            epoch = np.concatenate(t.batches[e * per_epoch : (e + 1) * per_epoch])
            np.testing.assert_array_equal(np.sort(epoch), np.arange(samples))
    expected = replay_sgd(s, t.batches, s.start, 0.05, 0.01)
    np.testing.assert_allclose(t.xy[:, 0], expected, rtol=1e-9, atol=1e-12)
    np.testing.assert_array_equal(sgd().xy, t.xy)  # reproducible from batch_seed


@pytest.mark.parametrize("kind", KINDS)
def test_loss_is_full_batch_and_batch_loss_is_what_the_step_saw(kind):
    s = surfaces.get(kind)
    t = run(s, "adam", [s.start, (0.5, 0.5)], 25, batch_size=6, batch_seed=2)
    np.testing.assert_allclose(t.loss, s.value(t.xy[..., 0], t.xy[..., 1]), rtol=1e-14)
    assert t.batch_loss.shape == (25, 2)
    for k, idx in enumerate(t.batches):
        for i in range(2):
            w, b = t.xy[k, i]
            expected = textbook_loss(kind, w, b, s.data[0][idx], s.data[1][idx])
            assert t.batch_loss[k, i] == pytest.approx(expected, rel=1e-11)
    assert not np.allclose(t.batch_loss, t.loss[:-1])


def test_noise_and_clipping_act_on_the_mini_batch_gradient():
    s = surfaces.get("linear_regression")
    kw = {"batch_size": 4, "batch_seed": 1, "lr": 0.01}
    rec = run(s, "adam", s.start, 30, record=True, **kw)
    for k, idx in enumerate(rec.batches):
        np.testing.assert_array_equal(rec.grad[k, 0], s.batch_grad(*rec.xy[k, 0], idx))
    clipped = run(s, "adam", s.start, 30, record=True, clip_norm=0.5, **kw)
    for k, idx in enumerate(clipped.batches):
        g = np.array(s.batch_grad(*clipped.xy[k, 0], idx))
        g = g * min(1.0, 0.5 / (np.hypot(*g) + 1e-6))
        np.testing.assert_allclose(clipped.grad[k, 0], g, rtol=1e-14)
    noisy = run(s, "adam", s.start, 30, record=True, noise=2.0, seed=4, **kw)
    z = np.random.default_rng(4).standard_normal((30, 2))
    for k, idx in enumerate(noisy.batches):
        g = np.array(s.batch_grad(*noisy.xy[k, 0], idx)) + 2.0 * z[k]
        np.testing.assert_allclose(noisy.grad[k, 0], g, rtol=1e-14)


@pytest.mark.parametrize("chunk", [7, None])
@pytest.mark.parametrize("sampling", ["shuffle", "replacement"])
def test_run_final_takes_the_same_batches(chunk, sampling, monkeypatch):
    if chunk is not None:
        monkeypatch.setattr(core, "FINAL_CHUNK", chunk)
    s = surfaces.get("logistic_regression")
    starts = np.random.default_rng(0).uniform(-3, 3, (40, 2))
    kw = {"batch_size": 8, "sampling": sampling, "batch_seed": 6, "lr": 0.5}
    final = run_final(s, "nadam", starts, 80, **kw)
    traj = run(s, "nadam", starts, 80, **kw)
    np.testing.assert_array_equal(final.xy, traj.xy[-1])
    np.testing.assert_array_equal(final.diverged_at, traj.diverged_at)


@pytest.mark.parametrize(
    ("surface", "kwargs", "word"),
    [
        ("rosenbrock", {"batch_size": 8}, "rosenbrock.*no data"),
        ("linear_regression", {"batch_size": 0}, "batch_size=0"),
        ("linear_regression", {"batch_size": 2.5}, "batch_size=2.5"),
        ("linear_regression", {"batch_size": True}, "batch_size=True"),
        ("linear_regression", {"sampling": "random"}, "sampling='random'.*shuffle"),
        ("linear_regression", {"batch_seed": -1}, "batch_seed=-1"),
        ("linear_regression", {"batch_seed": 1.5}, "batch_seed=1.5"),
    ],
)
def test_bad_batch_arguments(surface, kwargs, word):
    with pytest.raises(ValueError, match=word):
        run(surface, "sgd", (0.0, 0.0), 5, **kwargs)
    with pytest.raises(ValueError, match=word):
        run_final(surface, "sgd", [(0.0, 0.0)], 5, **kwargs)


def test_a_non_data_surface_runs_as_before():
    t = run("rosenbrock", "adam", (-1.5, 2.0), 10, sampling="cycle", batch_seed=3)
    assert t.batches is None and t.batch_loss is None


def test_too_many_sample_indices_are_refused():
    s = surfaces.get("linear_regression", samples=10_000)
    with pytest.raises(ValueError, match="sample indices"):
        run(s, "sgd", s.start, 100_000, batch_size=5_000)


# --------------------------------------------------------------------------- FTRL
def keras_ftrl(grad, start, lrs, lr_power=-0.5, initial_accumulator_value=0.1, l1=0.0, l2=0.0,
               beta=0.0):  # fmt: skip
    """Keras 3 ``Ftrl.update_step``, transcribed one scalar at a time (float64)."""
    theta = [float(start[0]), float(start[1])]
    acc = [initial_accumulator_value] * 2
    lin = [0.0, 0.0]
    path = [tuple(theta)]
    for k, lr in enumerate(lrs):
        g = grad(k, theta[0], theta[1])
        new = list(theta)
        for i in range(2):
            l2_reg = l2 + beta / (2.0 * lr)
            new_acc = acc[i] + g[i] * g[i]
            lin[i] += g[i] - (new_acc ** (-lr_power) - acc[i] ** (-lr_power)) / lr * theta[i]
            quadratic = new_acc ** (-lr_power) / lr + 2 * l2_reg
            clipped = min(max(lin[i], -l1), l1)
            new[i] = (clipped - lin[i]) / quadratic
            acc[i] = new_acc
        theta = new
        path.append(tuple(theta))
    return np.array(path)


FTRL_CONFIGS = [
    {},
    {"l1": 0.05, "l2": 0.3},
    {"lr_power": -0.7, "initial_accumulator_value": 1.5, "beta": 0.8},
    {"lr_power": 0.0, "l2": 0.1},
]


@pytest.mark.parametrize("hp", FTRL_CONFIGS, ids=str)
@pytest.mark.parametrize("kind", KINDS)
def test_ftrl_matches_keras_update(kind, hp):
    s = surfaces.get(kind)
    t = run(s, "ftrl", s.start, 60, lr=0.3, batch_size=8, batch_seed=1, **hp)

    def grad(k, w, b):
        return tuple(float(g) for g in s.batch_grad(w, b, t.batches[k]))

    expected = keras_ftrl(grad, s.start, [0.3] * 60, **hp)
    np.testing.assert_allclose(t.xy[:, 0], expected, rtol=1e-11, atol=1e-14)


def test_ftrl_with_per_path_settings_equals_separate_runs():
    s = surfaces.get("linear_regression")
    l1 = np.array([0.0, 0.2, 1.0])
    many = run(s, "ftrl", np.tile(s.start, (3, 1)), 40, lr=0.5, l1=l1, batch_size=16)
    for i in range(3):
        one = run(s, "ftrl", s.start, 40, lr=0.5, l1=float(l1[i]), batch_size=16)
        np.testing.assert_array_equal(many.xy[:, i], one.xy[:, 0])


def test_ftrl_holds_still_on_a_step_whose_rate_is_zero():
    """A cosine schedule ends at lr = 0: FTRL's closed form divides by γ, so that step is
    skipped (θ kept, no divergence) while the steps before it moved."""
    s = surfaces.get("linear_regression")
    sched = schedules.warmup_cosine(3, 30, start_factor=0.1)
    t = run(s, "ftrl", s.start, 31, lr=0.5, beta=1.0, l2=0.1, schedule=sched)
    assert t.lr[-1, 0] == 0.0 and t.diverged_at[0] == -1
    np.testing.assert_array_equal(t.xy[-1], t.xy[-2])
    assert np.any(t.xy[-2] != t.xy[-3])


def test_ftrl_l1_zeroes_a_useless_weight_exactly():
    """Centred data: the intercept has no use, and with l1 > 0 FTRL keeps it at exactly 0."""
    x = np.linspace(-1.0, 1.0, 41)
    y = 2.0 * x + 0.3 * np.sin(7 * x)
    y -= y.mean()  # mean x = mean y = 0: at the minimum b = 0, and ∂L/∂b = 0 wherever b = 0
    s = surfaces.data_surface("linear_regression", x, y)
    t = run(s, "ftrl", (1.0, 1.0), 300, lr=0.5, l1=0.01)
    b = t.xy[:, 0, 1]
    first = int(np.flatnonzero(b == 0.0)[0])
    assert first < 100 and np.all(b[first:] == 0.0)  # exactly zero, and stays
    assert abs(t.xy[-1, 0, 0] - s.minima[0].x) < 1e-3  # the slope is learned
    plain = run(s, "ftrl", (1.0, 1.0), 300, lr=0.5)
    assert np.all(plain.xy[1:, 0, 1] != 0.0)  # without l1 it is only near 0


# --------------------------------------------------------------------------- torch
#: Every registry entry with a torch.optim counterpart (`spec.torch`), on both convex data surfaces.
TORCH_CASES = [
    pytest.param(kind, name, label, id=f"{kind}-{name}-{label}", marks=pytest.mark.torch)
    for kind in ("linear_regression", "logistic_regression")
    for name, spec in OPTIMIZERS.items()
    if spec.torch is not None
    for label in ("defaults", "active")
]


def test_the_torch_cases_cover_the_registry():
    names = {case.values[1] for case in TORCH_CASES}
    assert names == {n for n, spec in OPTIMIZERS.items() if spec.torch is not None}
    assert {"sgd", "adam", "nadam"} <= names and "ftrl" not in names


@pytest.mark.parametrize(("kind", "name", "label"), TORCH_CASES)
def test_mini_batch_paths_equal_torch_optim(kind, name, label, monkeypatch):
    """A torch model (w, b float64) trained on the same recorded batches takes the same path."""
    torch = pytest.importorskip("torch")
    from test_optimizers_2026a import float64_newton_schulz  # Muon's NS in float64 (contract)

    monkeypatch.setattr(torch.optim._muon, "_zeropower_via_newtonschulz", float64_newton_schulz)
    s = surfaces.get(kind, samples=64)
    hp = {} if label == "defaults" else active_config(name)
    t = run(s, name, s.start, 60, batch_size=8, batch_seed=11, **hp)
    assert not t.diverged.any()
    ref = OPTIMIZERS[name].torch
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        x = torch.tensor(s.data[0])
        y = torch.tensor(s.data[1])
        p = torch.tensor(s.start, dtype=torch.float64).reshape(ref.shape).requires_grad_()
        from test_torch_parity import drawn_point, torch_class  # package classes, SF's x

        opt = torch_class(ref)([p], **ref.kwargs(t.hyperparameters))
        if ref.draws == "schedule_free_x":
            opt.train()
        path = [tuple(drawn_point(ref, opt, p))]
        for idx in t.batches:
            i = torch.as_tensor(idx)

            def closure(i=i):
                opt.zero_grad()
                w, b = p.reshape(2)
                z = w * x[i] + b
                if kind == "linear_regression":
                    loss = ((z - y[i]) ** 2).mean()
                else:
                    loss = torch.nn.functional.binary_cross_entropy_with_logits(z, y[i])
                loss.backward()
                return loss

            opt.step(closure)
            path.append(tuple(drawn_point(ref, opt, p)))
    finally:
        torch.set_default_dtype(old)
    # L-BFGS divides by differences of nearby gradients: the last bit's rounding grows
    tol = {"rtol": 1e-6, "atol": 1e-9} if name == "lbfgs" else {"rtol": 1e-10, "atol": 1e-12}
    np.testing.assert_allclose(t.xy[:, 0], np.array(path), **tol)
