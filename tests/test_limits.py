"""Bounded work: start-map jobs (a few workers, a queue, joined, abandoned, no zombies).

The requests are the page's own (built from the layout and callback map by
bench/probe_callbacks.py) and go to the Flask test client; the jobs are real
processes, counted with psutil.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import random
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

import psutil
import pytest

from gradscape.app.state import parse, startmap_query

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location(
    "probe_callbacks", ROOT / "bench" / "probe_callbacks.py"
)
probe = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(probe)

WORKERS = 2


@pytest.fixture(scope="module")
def manager(app):
    m = app._background_manager
    workers, m.workers = m.workers, WORKERS
    yield m
    m.workers = workers


@pytest.fixture(scope="module")
def base(client):
    return next(
        b for b in probe.base_requests(client) if b["output"].startswith("..startmap.figure")
    )


ME = psutil.Process()


def _jobs_now() -> list[psutil.Process]:
    """The job processes running now: children forked from this process (its command line;
    a browser or server another test left running has its own)."""
    out = []
    for p in ME.children():
        try:
            if p.status() != psutil.STATUS_ZOMBIE and p.cmdline() == ME.cmdline():
                out.append(p)
        except psutil.Error:
            pass
    return out


def _reaped(pids: set[int]) -> bool:
    """Whether every one of `pids` has ended and been reaped (a zombie still has its pid)."""
    return not any(psutil.pid_exists(p) for p in pids)


def _request(base: dict, query: str) -> dict:
    body = json.loads(json.dumps(base))
    body["inputs"][0]["value"] = query
    return body


#: A learning rate of this test run's own: its start maps are not in a cache kept from before.
LR = f"{random.uniform(0.005, 0.02):.6f}"


def _query(grid: int, steps: int = 1500) -> str:
    link = f"mode=starts&surface=himmelblau&grid={grid}&steps={steps}&run1=adam&run1.lr={LR}"
    return startmap_query(parse(link)[0])


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


def _take(out: dict, i: int, texts: set[str], done: dict) -> None:
    """Start map `i`'s poll answer `out`: its progress text (kept in `texts`), its map once
    done (in `done`)."""
    text = (out.get("progress") or {}).get("startmap-progress-text.children")
    if text:
        texts.add(text)
    if "startmap" in (out.get("response") or {}):
        done[i] = out["response"]


def test_twelve_distinct_start_maps_run_at_most_the_configured_number_at_once(
    client, manager, base
):
    assert manager.workers == WORKERS
    started = manager.started
    bodies = [_request(base, _query(40 + i, steps=600)) for i in range(12)]
    handles = [_start(client, b) for b in bodies]
    assert len({h["job"] for h in handles}) == 12  # distinct requests, distinct jobs
    most, waited, texts, pids = 0, 0, set(), set()
    done: dict[int, dict] = {}
    deadline = time.monotonic() + 480
    while len(done) < 12:
        assert time.monotonic() < deadline, f"only {len(done)} of 12 maps finished"
        now = _jobs_now()
        pids |= {p.pid for p in now}
        most = max(most, len(now))
        waited = max(waited, manager.queued())
        for i, (b, h) in enumerate(zip(bodies, handles, strict=True)):
            if i in done:
                continue
            r = _poll(client, b, h)
            assert r.status_code == 200, r.data[:300]
            _take(r.get_json(), i, texts, done)
        time.sleep(0.3)
    assert 1 <= most <= WORKERS  # never more job processes than workers
    assert waited >= 12 - WORKERS - 1  # the rest waited in the queue
    assert any("ahead in the queue" in t for t in texts), texts  # the page shows the place
    assert manager.started - started == 12
    for i, out in done.items():  # each map is its own request's
        assert f"{(40 + i) ** 2:,} starts" in out["startmap-info"]["children"]
    assert pids  # the jobs were seen running
    _wait(lambda: _reaped(pids) and manager.running() == 0, 10, "the jobs to be reaped")


def test_job_slots_are_shared_by_processes_and_freed_when_a_holder_dies(tmp_path):
    import os
    import signal
    import subprocess
    import sys

    from gradscape.app.jobs import JobSlots

    slots = JobSlots(tmp_path / "slots", 2)
    hold = "import sys; from gradscape.app.jobs import JobSlots; "
    hold += "fd = JobSlots(sys.argv[1], 2).take(); "
    hold += "print(fd is not None, flush=True); sys.stdin.read()"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", hold, str(tmp_path / "slots")],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    try:
        assert [p.stdout.readline().strip() for p in procs] == ["True", "True"]
        assert slots.held() == 2
        assert slots.take() is None  # both slots are another process's
        os.kill(procs[0].pid, signal.SIGKILL)  # a holder dies: its slot is free
        procs[0].wait()
        assert slots.held() == 1
        fd = slots.take()
        assert fd is not None
        assert slots.take() is None
        os.close(fd)
    finally:
        for p in procs:
            p.kill()
            p.wait()
            p.stdin.close()
            p.stdout.close()


def _post(url: str, body: dict) -> dict:
    import urllib.request

    req = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(req, timeout=60) as r:
        assert r.status in (200, 204), r.status
        raw = r.read()
    return json.loads(raw) if raw else {}


def _hold_a_worker(port: int):
    """A connection whose request head is not finished: the sync worker that took it waits."""
    import socket

    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"GET /_dash-layout HTTP/1.1\r\nHost: x\r\n")
    time.sleep(1.0)  # for a worker to accept it (the check is the jobs' owners below)
    return s


def _finish(s) -> None:
    s.sendall(b"Connection: close\r\n\r\n")
    while s.recv(65536):
        pass
    s.close()


def _job_processes(master: psutil.Process) -> int:
    """Job processes under a gunicorn master: its workers' children."""
    n = 0
    for worker in master.children():
        with contextlib.suppress(psutil.Error):
            n += sum(c.status() != psutil.STATUS_ZOMBIE for c in worker.children())
    return n


GRID = 90


def test_the_job_limit_holds_across_gunicorn_workers(base, tmp_path):
    """Two gunicorn workers share one cache folder: twelve distinct start maps, sent to
    either, never run more than the configured number of jobs at once, and wait with
    a place in the queue."""
    import os
    import subprocess
    import sys

    from gradscape.app.serving import free_port, stop, wait_for

    port = free_port()
    log = tmp_path / "gunicorn.log"
    env = {
        **os.environ,
        "GRADSCAPE_CACHE_DIR": str(tmp_path / "cache"),
        "GRADSCAPE_JOB_WORKERS": str(WORKERS),
        "GRADSCAPE_REDIS_URL": "",
    }
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", "2", "--no-control-socket",
             "--bind", f"127.0.0.1:{port}", "--timeout", "300", "gradscape.app:server"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_for(url, proc, seconds=90, log=log)
        master = psutil.Process(proc.pid)
        _wait(lambda: len(master.children()) == 2, 60, "two gunicorn workers")
        bodies = [_request(base, _query(GRID + i, steps=2000)) for i in range(12)]  # ~s each

        def start(some: list[dict]) -> list[dict]:
            with ThreadPoolExecutor(len(some)) as pool:
                return list(pool.map(lambda b: _post(url + "_dash-update-component", b), some))

        # A sync worker serves one connection at a time: a request whose head never ends
        # holds it. Six requests go to the one worker left, then six to the other.
        second = _hold_a_worker(port)  # one worker waits for the rest of this request
        handles = start(bodies[:6])  # the other takes these
        first = _hold_a_worker(port)  # the only free worker now: it waits
        _finish(second)  # the first worker is free again, the only one
        handles += start(bodies[6:])
        _finish(first)
        assert len({h["job"] for h in handles}) == 12  # distinct requests, distinct jobs
        pids = {w.pid for w in master.children()}
        owners = {h["job"].split("-")[0] for h in handles}
        assert owners <= {str(p) for p in pids} and len(owners) == 2, owners  # both workers
        most, texts, done = 0, set(), {}
        deadline = time.monotonic() + 480
        while len(done) < 12:
            assert time.monotonic() < deadline, f"only {len(done)} of 12 maps finished"
            most = max(most, _job_processes(master))
            for i, (b, h) in enumerate(zip(bodies, handles, strict=True)):
                if i in done:
                    continue
                args = urlencode({"cacheKey": h["cacheKey"], "job": h["job"]})
                out = _post(f"{url}_dash-update-component?{args}", b)
                most = max(most, _job_processes(master))
                _take(out, i, texts, done)
            time.sleep(0.2)
        print(f"jobs at once across 2 gunicorn workers: at most {most} (limit {WORKERS})")
        assert 1 <= most <= WORKERS  # never more job processes than slots, across workers
        assert any("ahead in the queue" in t for t in texts), texts  # the page shows a place
        for i, out in done.items():  # each map is its own request's
            assert f"{(GRID + i) ** 2:,} starts" in out["startmap-info"]["children"]
    finally:
        stop(proc)


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
    _wait(lambda: not _jobs_now() and manager.running() == 0, 10, "the job to be reaped")


def test_a_job_whose_page_has_gone_is_stopped_and_reaped(client, manager, base):
    manager.abandon = 1.5
    try:
        body = _request(base, _query(250, steps=3000))  # many seconds of work
        _start(client, body)
        _wait(lambda: len(_jobs_now()) == 1, 10, "the job to start")
        pids = {p.pid for p in _jobs_now()}
        # no page polls it: it is stopped within a few seconds, long before it could finish
        _wait(lambda: _reaped(pids), 15, "the job to stop and be reaped")
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


# --------------------------------------------------------------------------- exports
class FakeRenderer:
    """Renders blank PNGs of each figure's size, slowly, and counts them."""

    def __init__(self, seconds: float = 0.0):
        self.seconds, self.count = seconds, 0

    def render(self, figs, *, fmt: str, scale: float = 1):
        import io

        from PIL import Image

        out = []
        for f in figs:
            time.sleep(self.seconds)
            lay = f["layout"]
            buf = io.BytesIO()
            Image.new("RGB", (int(lay["width"]), int(lay["height"])), "white").save(buf, "PNG")
            out.append(buf.getvalue())
            self.count += 1
        return out


def test_an_over_budget_3d_gif_is_refused_at_once_with_a_setting_that_fits(client, monkeypatch):
    from gradscape.app import limits
    from gradscape.app.export import route
    from gradscape.app.export.options import Options

    calls = []
    monkeypatch.setattr(route, "export", lambda *a, **k: calls.append(a))
    r = client.get("/export/gif?mode=3d&surface=himmelblau&export.frames=300&export.width=600")
    text = r.get_data(as_text=True)
    assert r.status_code == 422, text
    assert calls == []  # refused before any work
    assert f"the limit is {limits.export_budget():.0f} s" in text
    fits = int(text.split("export.frames=")[1].split(" ")[0])
    assert 2 <= fits < 300
    # the setting it names fits, and one frame more would not
    fitting = Options.check("gif", 500, frames=fits, width=600)
    assert limits.check_export("3d", fitting) <= limits.export_budget()
    with pytest.raises(limits.OverBudgetError):
        limits.check_export("3d", Options.check("gif", 500, frames=fits + 1, width=600))
    # a 2D GIF of as many frames is within the budget (its frames are layered, cheap)
    assert limits.check_export("paths", Options.check("gif", 500, frames=300, width=600))


def test_a_huge_still_is_refused_with_a_smaller_size_that_fits(monkeypatch):
    from gradscape.app import limits
    from gradscape.app.export.options import Options

    monkeypatch.setenv("GRADSCAPE_EXPORT_BUDGET", "30")
    with pytest.raises(limits.OverBudgetError, match=r"export.frames=2&export.width=\d+"):
        limits.check_export("3d", Options.check("gif", 500, frames=2, width=4000, height=3000))


def test_an_export_stops_at_its_wall_clock_limit():
    from gradscape.app import limits
    from gradscape.app.export import export

    fake = FakeRenderer(seconds=0.3)  # 12 s for the 40 frames
    with pytest.raises(limits.ExportTimeoutError), limits.bounded(seconds=2.0):
        export("mode=3d&surface=himmelblau&steps=40", "gif", renderer=fake, frames=40)
    assert fake.count < 40  # it stopped, far from the last frame


def test_an_abandoned_export_stops_its_work():
    from gradscape.app import limits
    from gradscape.app.export import export

    fake = FakeRenderer(seconds=0.1)
    with pytest.raises(limits.ClientGoneError), limits.bounded(gone=lambda: fake.count > 0):
        export("mode=3d&surface=himmelblau&steps=40", "gif", renderer=fake, frames=40)
    # it looks for the client four times a second: a few frames after it left, it stopped
    assert limits.RENDER_CHUNK <= fake.count <= 10
    # the same export, its client staying, makes every frame
    done = FakeRenderer()
    with limits.bounded(gone=lambda: False):
        export("mode=3d&surface=himmelblau&steps=40", "gif", renderer=done, frames=40)
    assert done.count == 40


def test_a_closed_socket_is_told_from_a_quiet_one():
    import socket

    from gradscape.app import limits

    ours, theirs = socket.socketpair()
    with ours:
        gone = limits.client_gone({"gunicorn.socket": ours})
        assert gone is not None and gone() is False  # connected, nothing sent
        theirs.sendall(b"GET / HTTP/1.1\r\n\r\n")  # a next request waiting: still there
        assert gone() is False
        assert ours.recv(100)  # (read it, as the server would)
        theirs.close()
        assert gone() is True
    assert limits.client_gone({}) is None  # a server that cannot tell: the time limit alone
    said = limits.client_gone({"waitress.client_disconnected": lambda: True})
    assert said is not None and said()


#: Servers an export's client may leave: the `gradscape` command's waitress (no read-ahead:
#: its channels peek the socket, app/limits.py), gunicorn's sync and gthread workers.
SERVERS = {
    "waitress": ["-m", "gradscape", "--port", "{port}", "--threads", "4"],
    "gunicorn-sync": ["-m", "gunicorn", "--no-control-socket", "--workers", "1",
                      "--timeout", "300", "--bind", "127.0.0.1:{port}", "gradscape.app:server"],
    "gunicorn-gthread": ["-m", "gunicorn", "--no-control-socket", "--workers", "1",
                         "--worker-class", "gthread", "--threads", "4", "--timeout", "300",
                         "--bind", "127.0.0.1:{port}", "gradscape.app:server"],
}  # fmt: skip


@pytest.mark.parametrize("name", list(SERVERS))
def test_an_export_whose_client_closes_its_socket_stops(tmp_path, name):
    """End to end: the real server, a real socket closed mid-export, the log says it stopped."""
    import os
    import socket
    import subprocess
    import sys

    from gradscape.app.serving import free_port, stop, wait_for

    if not Path("/usr/bin/chromium").exists():
        pytest.skip("no Chromium at /usr/bin/chromium")
    port = free_port()
    log = tmp_path / "server.log"
    env = {
        **os.environ,
        "GRADSCAPE_CACHE_DIR": str(tmp_path / "cache"),
        "GRADSCAPE_EXPORT_BUDGET": "100000",
        "GRADSCAPE_REDIS_URL": "",
    }
    argv = [sys.executable, *(a.format(port=port) for a in SERVERS[name])]
    with log.open("wb") as out:
        proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_for(f"http://127.0.0.1:{port}/", proc, seconds=90, log=log)
        query = "mode=3d&surface=himmelblau&export.frames=60&export.width=500&export.height=400"
        with socket.create_connection(("127.0.0.1", port)) as s:
            s.sendall(f"GET /export/gif?{query} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            time.sleep(3.0)  # the export is under way (60 3D frames take minutes)
        closed = time.monotonic()
        _wait(lambda: "the client went away" in log.read_text(errors="replace"), 120, "the stop")
        print(f"{name}: the abandoned export stopped {time.monotonic() - closed:.1f} s after")
        text = log.read_text(errors="replace")
        assert "Traceback" not in text, text[-2000:]
    finally:
        stop(proc)


# --------------------------------------------------------------------------- crafted links
def _load(client, search: str) -> dict:
    from gradscape.app import callbacks

    body = next(b for b in probe.base_requests(client) if b["output"].startswith("..loaded.data"))
    body = json.loads(json.dumps(body))
    body["inputs"][0]["value"] = search
    r = client.post("/_dash-update-component", json=body)
    assert r.status_code == 200, r.data[:300]
    out = r.get_json()["response"]
    assert callbacks  # the page's own callback answered
    return out


def _notices(out: dict) -> str:
    return json.dumps(out["notices"]["children"])


def test_an_aliased_formula_is_drawn_as_a_heatmap_with_a_notice(client):
    out = _load(client, "?surface=custom&expr=sin(500*x*y)")
    contour = out["map"]["figure"]["data"][0]
    assert contour["contours"]["coloring"] == "heatmap"
    assert contour["contours"]["showlines"] is False
    assert "heatmap" in _notices(out)
    # a smooth one keeps its filled contour lines, and no notice
    out = _load(client, "?surface=custom&expr=sin(3*x)*cos(y)")
    contour = out["map"]["figure"]["data"][0]
    assert contour["contours"]["coloring"] == "fill"
    assert "heatmap" not in _notices(out)


@pytest.mark.parametrize("name", ["rosenbrock", "rastrigin", "ackley", "himmelblau", "beale"])
def test_registered_surfaces_are_not_aliased_on_their_default_view(name):
    import numpy as np

    from gradscape.app import figures, limits
    from gradscape.app.state import default_state

    s = default_state(name)
    x = np.linspace(s.view[0], s.view[1], figures.GRID)
    y = np.linspace(s.view[2], s.view[3], figures.GRID)
    z = s.build_surface().value(x[None, :], y[:, None])
    assert limits.aliasing(z) < limits.ALIASED


def test_aliasing_measures_what_the_grid_cannot_resolve():
    import numpy as np

    from gradscape.app import limits

    x = np.linspace(-2, 2, 150)
    assert limits.aliasing(np.sin(x[None, :] * x[:, None])) < 0.05
    assert limits.aliasing(np.sin(500 * x[None, :] * x[:, None])) > limits.ALIASED
    rng = np.random.default_rng(0)
    assert limits.aliasing(rng.normal(size=(150, 150))) > limits.ALIASED  # noise


RUNS8 = "".join(
    f"&run{i}={o}"
    for i, o in enumerate(
        ["adam", "sgd", "momentum", "rmsprop", "adagrad", "nadam", "radam", "adamw"], 1
    )
)


def test_a_formula_link_asking_too_many_steps_is_cut_with_a_notice(client):
    from gradscape.app import limits

    out = _load(client, f"?surface=custom&expr=x**2%2By**2&steps=5000{RUNS8}")
    state, _ = parse(out["loaded"]["data"])
    assert len(state.runs) == 8
    assert state.steps * 8 <= limits.FORMULA_WORK
    assert state.steps < 5000
    assert "more than one request may compute" in _notices(out)
    # a registered surface is not cut: its steps are bounded by the field table alone
    out = _load(client, f"?surface=rosenbrock&steps=5000{RUNS8}")
    assert parse(out["loaded"]["data"])[0].steps == 5000
    # one run of a short formula may have every step
    out = _load(client, "?surface=custom&expr=x**2%2By**2&steps=5000&run1=adam")
    assert parse(out["loaded"]["data"])[0].steps == 5000


def test_raising_the_steps_of_a_formula_past_the_bound_is_cut_and_the_box_rewritten():
    from dash import no_update

    from gradscape.app import callbacks, ids, limits

    old = parse(f"surface=custom&expr=x**2%2By**2&steps=1000{RUNS8}")[0]
    box = ids.pv("steps", "logint")
    out = dict(
        zip(
            [n for n, _ in callbacks.EDIT_OUTPUTS],
            callbacks.edit_outputs(old, [(box, "5000")], [box], [(box, "5000")]),
            strict=True,
        )
    )
    state = parse(out[ids.STATE])[0]
    assert state.steps == limits.FORMULA_WORK // 8
    assert "more than one request may compute" in json.dumps(out[ids.NOTICES], default=str)
    assert out["pv"] != [no_update]  # the box shows the steps the page has


def test_an_export_of_a_heavy_formula_link_computes_the_bounded_steps(client, monkeypatch):
    from gradscape.app import limits
    from gradscape.app.export import route

    seen = []
    monkeypatch.setattr(route, "export", lambda state, *a, **k: seen.append(state) or 1 / 0)
    client.get(f"/export/html?surface=custom&expr=x**2%2By**2&steps=5000{RUNS8}")
    assert seen and seen[0].steps * 8 <= limits.FORMULA_WORK


# --------------------------------------------------------------------------- Celery
def test_a_celery_job_gone_quiet_is_reported_on_the_page(monkeypatch):
    pytest.importorskip("celery")
    from dash import CeleryManager

    from gradscape.app import background, jobs

    # the configuration (no manager: a second one in a process re-registers Celery tasks)
    conf = background.celery_app("redis://127.0.0.1:1/0").conf  # not contacted
    assert conf.task_acks_late and conf.task_reject_on_worker_lost  # a lost job is retaken
    assert conf.worker_concurrency == jobs.job_workers()
    manager = jobs.WatchedCeleryManager.__new__(jobs.WatchedCeleryManager)
    manager._heard, manager.lost_seconds = {}, 0.3
    reports = iter([["10", "100", jobs.RUNNING_TEXT], None, None, None])
    monkeypatch.setattr(CeleryManager, "get_progress", lambda self, key: next(reports))
    assert manager.get_progress("k")[0] == "10"  # the job reports progress
    assert manager.get_progress("k") is None  # a quiet moment is nothing yet
    time.sleep(0.4)
    lost = manager.get_progress("k")  # quiet too long: the page says so, and what next
    assert "lost" in lost[2] and "Retry" in lost[2]
    assert lost[3] is False  # the Retry button shows


def test_retry_sends_the_same_start_map_request_again():
    from dash import no_update

    from gradscape.app.background import retry_start_map

    query = _query(30)
    assert retry_start_map(1, query) == (query, True)  # a new job for it, the button hidden
    assert retry_start_map(None, query) == (no_update, no_update)
    assert retry_start_map(1, None) == (no_update, no_update)
