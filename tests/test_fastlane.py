"""The slider's fast lane (`POST /api/edit`, app/fastlane.py).

The same path and loss as Dash's edit, bit for bit, for the edits it takes; a
fall-back for the rest; a 4xx for bad input."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from plotly.io.json import to_json_plotly
from test_app_update import pv

from gradscape.app import callbacks, fastlane, ids
from gradscape.app.state import box, parse, serialize

BASE = "run1=adam&run1.lr=0.01&run2=sgd&run2.lr=0.001&run3=momentum&steps=300"


def as_json(x):
    return json.loads(to_json_plotly(x))


def through_dash(query: str, key: str, value: str, t: int) -> tuple[str, dict]:
    """(state query, {"paths": ops, "loss": ops}) of Dash's `edit` taking `key` = `value`
    on the page of `query` at step `t`: each store's assignments as [location, value]."""
    old = replace(parse(query)[0], t=t)
    edited = callbacks.edit_outputs(old, [(pv(key), value)], [])
    out = dict(zip(callbacks.EDIT_OUTPUTS, edited, strict=True))
    sent = {}
    for name, prop in (("paths", (ids.PATHS, "data")), ("loss", (ids.LOSS, "figure"))):
        ops = as_json(out[prop])["operations"]
        assert all(op["operation"] == "Assign" for op in ops)
        sent[name] = [[op["location"], op["params"]["value"]] for op in ops]
    return out[(ids.STATE, "data")], sent


@pytest.mark.parametrize(
    ("query", "key", "value"),
    [
        (BASE, "run.1.lr", "0.00123"),
        (BASE, "run.0.lr", "0.0501"),
        (BASE, "run.2.momentum", "0.7"),
        (BASE + "&theme=dark", "run.0.beta1", "0.8"),
        (BASE + "&surface=beale", "run.1.lr", "3"),  # diverges
        ("surface=linear_regression&run1=sgd&run1.batch=8&run2=adam&steps=100", "run.0.lr", "0.02"),
        ("surface=linear_regression&run1=sgd&run1.batch=8&run2=adam&steps=100", "run.0.batch", "4"),
    ],
)
def test_the_fast_path_is_the_path_dash_draws_bit_for_bit(query, key, value):
    q = serialize(parse(query)[0], with_step=False)
    out = fastlane.fast_edit(q, key, value, 40)
    assert out["fast"] is True
    state_query, sent = through_dash(query, key, value, 40)
    assert out["q"] == state_query
    i = int(key.split(".")[1])
    assert out["run"] == i
    # Dash, too, resends that run alone: its path (typed arrays: the same float64 bytes),
    # its loss traces and the loss axis
    assert as_json(out["paths"]) == sent["paths"]
    where = [loc for loc, _ in sent["paths"]]
    assert ["runs", i] in where  # and at most other runs' widths (one now covers another)
    assert all(loc == ["runs", i] or (len(loc) == 3 and loc[2] == "widen") for loc in where)
    assert as_json(out["loss"]) == sent["loss"]
    per = len([op for op in sent["loss"] if op[0][0] == "data"])
    assert [op[0] for op in sent["loss"] if op[0][0] == "data"] == [
        ["data", per * i + j] for j in range(per)
    ]
    assert box(parse(out["q"])[0], key).value == float(value)


@pytest.mark.parametrize(
    ("query", "key", "value", "why"),
    [
        (BASE + "&mode=compare", "run.0.lr", "0.02", "another view"),
        (BASE + "&inspect=1", "run.0.lr", "0.02", "the inspector needs its records"),
        (BASE, "run.0.lr", "99", "clamped: the box must show the state's value"),
        (BASE, "run.0.lr", "fast", "refused: a notice to show"),
        (BASE, "run.0.lr", "0.01", "no change"),
        (BASE, "run.7.lr", "0.02", "no such run"),
        (BASE, "run.0.nope", "0.02", "no such parameter"),
        (BASE, "surface.a", "2", "not a run's setting"),
        (BASE, "steps", "100", "not a run's setting"),
    ],
)
def test_what_the_fast_lane_leaves_to_dash(query, key, value, why):
    q = serialize(parse(query)[0], with_step=False)
    assert fastlane.fast_edit(q, key, value) == {"fast": False}, why


def post(client, body, **kw):
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return client.post(fastlane.ROUTE, data=data, content_type="application/json", **kw)


def test_the_route_answers_with_the_path_and_echoes_the_sequence_number(client):
    q = serialize(parse(BASE)[0], with_step=False)
    r = post(client, {"q": q, "key": "run.1.lr", "value": "0.002", "seq": 7})
    assert r.status_code == 200
    body = r.get_json()
    assert body["fast"] is True and body["seq"] == 7 and body["run"] == 1
    assert body["paths"] == as_json(fastlane.fast_edit(q, "run.1.lr", "0.002")["paths"])
    assert post(client, {"q": q, "key": "run.1.lr", "value": "0.002"}).get_json().get("seq") is None


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        (b"not json", 400, "JSON object"),
        ([1, 2], 400, "JSON object"),
        ({"q": 5, "key": "run.0.lr", "value": "1"}, 400, "'q'"),
        ({"q": "", "key": ["run.0.lr"], "value": "1"}, 400, "'key'"),
        ({"q": "", "key": "", "value": "1"}, 400, "'key'"),
        ({"q": "", "key": "run.0.lr", "value": None}, 400, "'value'"),
        ({"q": "", "key": "run.0.lr", "value": True}, 400, "'value'"),
        ({"q": "", "key": "run.0.lr", "value": "9" * 65}, 400, "'value'"),
        ({"q": "x" * (fastlane.MAX_QUERY + 1), "key": "run.0.lr", "value": "1"}, 400, "'q'"),
        (b"[" * 20_000, 413, "bytes"),
        (b"[" * 9_000 + b"]" * 9_000, 413, "bytes"),
        (b"[" * 8_000 + b"]" * 8_000, 400, "JSON object"),  # deep, under the size limit
    ],
)
def test_bad_requests_get_a_4xx_with_a_message(client, body, status, words):
    r = post(client, body)
    assert r.status_code == status
    out = r.get_json()
    assert out["fast"] is False and words in out["error"]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    q=st.one_of(st.text(max_size=80), st.just(BASE)),
    key=st.one_of(
        st.text(max_size=20), st.sampled_from(["run.0.lr", "run.1.momentum", "run.9.lr"])
    ),
    value=st.one_of(st.text(max_size=12), st.floats(allow_nan=True), st.integers()),
)
def test_any_request_gets_an_answer_not_an_error(client, q, key, value):
    r = post(client, {"q": q, "key": key, "value": value, "seq": 1})
    assert r.status_code in (200, 400)
    body = r.get_json()
    if r.status_code == 200 and body["fast"]:
        new = parse(body["q"])[0]
        assert 0 <= body["run"] < len(new.runs)
