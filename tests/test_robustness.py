"""Bad input gets a 4xx or a working page, never a 500, and never exception text.

Real callback requests are built from the app's own layout and callback map
(bench/probe_callbacks.py, as the browser would send them), then mutated by
hypothesis: a value replaced by any JSON, a key dropped or retyped, an id or
property changed, a 5 000-deep array. Each goes to the Flask test client.
"""

from __future__ import annotations

import importlib.util
import json
import logging
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gradscape.app import callbacks, edge

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location(
    "probe_callbacks", ROOT / "bench" / "probe_callbacks.py"
)
probe = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(probe)


@pytest.fixture(scope="module")
def bases(client):
    out = probe.base_requests(client)
    assert {b["output"].split("...")[0] for b in out} >= {"..loaded.data", "..state.data"}
    return out


def _ok(r) -> None:
    body = r.get_data(as_text=True)
    assert r.status_code < 500, (r.status_code, body[:300])
    assert not probe.EXCEPTION_TEXT.search(body), body[:300]


def test_the_unmutated_requests_work(client, bases):
    for b in bases:
        r = probe.send(client, json.dumps(b))
        assert r.status_code in (200, 204), (b["output"][:50], r.status_code, r.data[:200])


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_a_mutated_value_never_gets_a_500(client, bases, data):
    base = data.draw(st.sampled_from(bases))
    body = json.loads(json.dumps(base))
    slots = probe._slots(body)
    for _ in range(data.draw(st.integers(1, 3))):
        obj, key = data.draw(st.sampled_from(slots))
        obj[key] = data.draw(JSON)
    _ok(probe.send(client, json.dumps(body)))


@settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_a_mutated_request_shape_never_gets_a_500(client, bases, data):
    base = data.draw(st.sampled_from(bases))
    body = json.loads(json.dumps(base))
    key = data.draw(st.sampled_from(["output", "outputs", "inputs", "state", "changedPropIds"]))
    how = data.draw(st.sampled_from(["drop", "replace", "entry"]))
    if how == "drop":
        body.pop(key, None)
    elif how == "replace":
        body[key] = data.draw(JSON)
    else:
        entries = [e for e in body.get("inputs", []) if isinstance(e, dict)]
        if entries:
            e = data.draw(st.sampled_from(entries))
            e[data.draw(st.sampled_from(["id", "property"]))] = data.draw(JSON)
    _ok(probe.send(client, json.dumps(body)))


@pytest.mark.parametrize("text", [probe.deep(5000), "[1,2]", '"x"', "nul", "{", "{}", "null"])
def test_a_body_that_is_not_a_request_gets_400(client, text):
    r = probe.send(client, text)
    assert r.status_code == 400
    _ok(r)


def test_5000_deep_json_in_a_store_gets_400(client, bases):
    base = next(b for b in bases if b["output"].startswith("..state.data"))
    text = json.dumps(base).replace(json.dumps(base["state"][0]["value"]), probe.deep(5000), 1)
    assert len(text) > 10_000
    r = probe.send(client, text)
    assert r.status_code == 400
    assert "deeper" in r.get_data(as_text=True) or "JSON" in r.get_data(as_text=True)


@pytest.mark.parametrize("search", [["?surface=rosenbrock"], 7, {"a": 1}, True, None])
def test_a_url_search_that_is_not_a_string_draws_the_default_page(client, bases, search):
    base = next(b for b in bases if b["output"].startswith("..loaded.data"))
    body = json.loads(json.dumps(base))
    body["inputs"][0]["value"] = search
    r = probe.send(client, json.dumps(body))
    assert r.status_code == 200
    out = r.get_json()["response"]
    assert out["loaded"]["data"] == callbacks.serialize(callbacks.default_state(), with_step=False)


@pytest.mark.parametrize("value", ["t=-1", "surface=nope", "grid=999999&steps=9e9", "x" * 5000])
def test_a_malformed_start_map_request_starts_no_job(app, client, bases, value):
    base = next(b for b in bases if b["output"].startswith("..startmap.figure"))
    body = json.loads(json.dumps(base))
    body["inputs"][0]["value"] = value
    started = app._background_manager.started
    r = probe.send(client, json.dumps(body))
    assert r.status_code == 400
    assert "cacheKey" not in r.get_data(as_text=True)
    assert app._background_manager.started == started


def test_a_failing_edit_says_so_plainly_and_logs_the_details(client, bases, monkeypatch, caplog):
    def boom(*args, **kwargs):
        raise TypeError("unhashable type: 'list'")

    monkeypatch.setattr(callbacks, "edit_outputs", boom)
    base = next(b for b in bases if b["output"].startswith("..state.data"))
    with caplog.at_level(logging.ERROR, logger="gradscape"):
        r = probe.send(client, json.dumps(base))
    assert r.status_code == 200
    text = r.get_data(as_text=True)
    assert "could not be drawn" in text
    assert "unhashable" not in text and "TypeError" not in text
    assert "unhashable type" in caplog.text  # the details are in the server's log


def test_an_error_outside_the_callbacks_answers_a_plain_sentence(app, client, caplog, monkeypatch):
    def boom(**kwargs):
        raise KeyError("secret detail")

    monkeypatch.setitem(app.server.view_functions, "gradscape_export", boom)
    with caplog.at_level(logging.ERROR, logger="gradscape"):
        r = client.get("/export/png")
    assert r.status_code == 500
    assert r.get_data(as_text=True).strip() == edge.FAILED
    assert "secret detail" in caplog.text
