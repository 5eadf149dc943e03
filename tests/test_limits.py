"""Bounded work: start-map jobs (a few workers, a queue, joined, abandoned, no zombies).

The requests are the page's own (built from the layout and callback map by
bench/probe_callbacks.py) and go to the Flask test client; the jobs are real
processes, counted with psutil.
"""

from __future__ import annotations

import importlib.util
import json
import time
from pathlib import Path
from urllib.parse import urlencode

import psutil
import pytest

from app.server import create_app
from app.state import parse, startmap_query

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location(
    "probe_callbacks", ROOT / "bench" / "probe_callbacks.py"
)
probe = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(probe)

WORKERS = 2


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.setenv("GRADSCAPE_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    mp.setenv("GRADSCAPE_JOB_WORKERS", str(WORKERS))
    mp.delenv("GRADSCAPE_REDIS_URL", raising=False)
    yield create_app()
    mp.undo()


@pytest.fixture(scope="module")
def client(app):
    return app.server.test_client()


@pytest.fixture(scope="module")
def manager(app):
    return app._background_manager


@pytest.fixture(scope="module")
def base(client):
    return next(
        b for b in probe.base_requests(client) if b["output"].startswith("..startmap.figure")
    )


def _jobs_now() -> list[psutil.Process]:
    """This process's children that are alive (not zombies)."""
    out = []
    for p in psutil.Process().children(recursive=False):
        try:
            if p.status() != psutil.STATUS_ZOMBIE:
                out.append(p)
        except psutil.NoSuchProcess:
            pass
    return out


def _zombies() -> list[psutil.Process]:
    out = []
    for p in psutil.Process().children(recursive=True):
        try:
            if p.status() == psutil.STATUS_ZOMBIE:
                out.append(p)
        except psutil.NoSuchProcess:
            pass
    return out


def _request(base: dict, query: str) -> dict:
    body = json.loads(json.dumps(base))
    body["inputs"][0]["value"] = query
    return body


def _query(grid: int, steps: int = 1500) -> str:
    return startmap_query(parse(f"mode=starts&surface=himmelblau&grid={grid}&steps={steps}")[0])


def _start(client, body: dict) -> dict:
    r = client.post("/_dash-update-component", json=body)
    assert r.status_code == 200, r.data[:300]
    handles = r.get_json()
    assert "cacheKey" in handles and "job" in handles
    return handles


def _poll(client, body: dict, handles: dict):
    args = urlencode({"cacheKey": handles["cacheKey"], "job": handles["job"]})
    return client.post(f"/_dash-update-component?{args}", json=body)


def _wait(cond, seconds: float = 30, what: str = "") -> None:
    deadline = time.monotonic() + seconds
    while not cond():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def test_twelve_distinct_start_maps_run_at_most_the_configured_number_at_once(
    client, manager, base
):
    assert manager.workers == WORKERS
    started = manager.started
    bodies = [_request(base, _query(40 + i, steps=600)) for i in range(12)]
    handles = [_start(client, b) for b in bodies]
    assert len({h["job"] for h in handles}) == 12  # distinct requests, distinct jobs
    most, waited, texts = 0, 0, set()
    done: dict[int, dict] = {}
    deadline = time.monotonic() + 480
    while len(done) < 12:
        assert time.monotonic() < deadline, f"only {len(done)} of 12 maps finished"
        most = max(most, len(_jobs_now()))
        waited = max(waited, manager.queued())
        for i, (b, h) in enumerate(zip(bodies, handles, strict=True)):
            if i in done:
                continue
            r = _poll(client, b, h)
            assert r.status_code == 200, r.data[:300]
            out = r.get_json()
            text = (out.get("progress") or {}).get("startmap-progress-text.children")
            if text:
                texts.add(text)
            if "startmap" in (out.get("response") or {}):
                done[i] = out["response"]
        time.sleep(0.3)
    assert 1 <= most <= WORKERS  # never more job processes than workers
    assert waited >= 12 - WORKERS - 1  # the rest waited in the queue
    assert any("ahead in the queue" in t for t in texts), texts  # the page shows the place
    assert manager.started - started == 12
    for i, out in done.items():  # each map is its own request's
        assert f"{(40 + i) ** 2:,} starts" in out["startmap-info"]["children"]
    _wait(lambda: not psutil.Process().children(recursive=True), 10, "the jobs to be reaped")
    assert _zombies() == []


def test_identical_requests_join_one_job(client, manager, base):
    body = _request(base, _query(61, steps=2500))
    started = manager.started
    first, second = _start(client, body), _start(client, body)
    assert first["job"].split("~")[0] == second["job"].split("~")[0]
    # one page lets go: the job goes on for the other
    args = urlencode({"cancelJob": first["job"]})
    cancel = {
        "output": "startmap-cancel.id",
        "outputs": {"id": "startmap-cancel", "property": "id"},
        "inputs": [{"id": "startmap-cancel", "property": "n_clicks", "value": 1}],
        "state": [],
        "changedPropIds": ["startmap-cancel.n_clicks"],
    }
    assert client.post(f"/_dash-update-component?{args}", json=cancel).status_code in (200, 204)
    deadline = time.monotonic() + 120
    while True:
        out = _poll(client, body, second).get_json()
        if "startmap" in (out.get("response") or {}):
            break
        assert time.monotonic() < deadline
        time.sleep(0.2)
    assert manager.started - started == 1
    _wait(lambda: not psutil.Process().children(recursive=True), 10, "the job to be reaped")


def test_a_job_whose_page_has_gone_is_stopped_and_reaped(client, manager, base):
    manager.abandon = 1.5
    try:
        body = _request(base, _query(250, steps=3000))  # many seconds of work
        _start(client, body)
        _wait(lambda: len(_jobs_now()) == 1, 10, "the job to start")
        # no page polls it: it is stopped within a few seconds, long before it could finish
        _wait(lambda: not psutil.Process().children(recursive=True), 15, "the job to stop")
        assert _zombies() == []
        assert manager.running() == 0
    finally:
        manager.abandon = 20.0


def test_an_empty_request_starts_no_process(client, manager, base):
    started = manager.started
    handles = _start(client, _request(base, ""))
    r = _poll(client, _request(base, ""), handles)
    assert r.status_code in (200, 204)
    assert manager.started == started
    assert _jobs_now() == []
