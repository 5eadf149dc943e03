"""Start maps as background callbacks: the disk cache by default, Celery on a real Redis.

The Celery test starts `redis-server` on a free port on 127.0.0.1, a Celery worker
(`celery -A gradscape.app.worker worker`) and `gradscape`, all with GRADSCAPE_REDIS_URL,
then opens a start map in Chromium and checks that the worker computed it, and
that the same request a second time is answered from the cache (no new task).
It skips only where redis-server, Celery or Chromium is missing; CI installs them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from dash import CeleryManager, DiskcacheManager

from gradscape.app import background
from gradscape.app.serving import free_port, running, stop

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("GRADSCAPE_CHROMIUM", "/usr/bin/chromium")
STARTMAP_READY = """() => {
  const g = document.querySelector('#startmap .js-plotly-plot');
  return !!(g && g._fullData && g._fullData.some(t => t.type === 'heatmap'));
}"""


def test_the_default_manager_is_a_disk_cache_in_a_private_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("GRADSCAPE_REDIS_URL", raising=False)
    monkeypatch.setenv("GRADSCAPE_CACHE_DIR", str(tmp_path / "cache"))
    manager = background.make_manager()
    assert isinstance(manager, DiskcacheManager)
    assert Path(manager.handle.directory) == tmp_path / "cache"
    assert manager.cache_by is not None  # identical requests come from the cache


def test_a_redis_url_gives_the_celery_manager(monkeypatch):
    pytest.importorskip("celery")
    monkeypatch.setenv("GRADSCAPE_REDIS_URL", "redis://127.0.0.1:1/0")  # not contacted yet
    manager = background.make_manager()
    assert isinstance(manager, CeleryManager)
    assert manager.handle.conf.broker_url == "redis://127.0.0.1:1/0"
    assert any(name.startswith("background_callback_") for name in manager.handle.tasks)


def _wait_port(port: int, proc: subprocess.Popen, log: Path, seconds: float = 20) -> None:
    import socket

    deadline = time.time() + seconds
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(log.read_text(errors="replace"))
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port}:\n{log.read_text(errors='replace')}")


def _wait_text(log: Path, text: str, seconds: float = 40) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if text in log.read_text(errors="replace"):
            return
        time.sleep(0.2)
    raise AssertionError(f"{text!r} not in:\n{log.read_text(errors='replace')[-3000:]}")


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server is not installed")
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}")
def test_start_maps_run_on_celery_workers_over_redis():
    pytest.importorskip("celery")
    sync_api = pytest.importorskip("playwright.sync_api")
    with _redis_run("gradscape-redis-") as (tmp, url, procs):
        worker_log = tmp / "worker.log"
        procs.append(_start_worker("solo", worker_log, {"GRADSCAPE_REDIS_URL": url}))
        query = "?mode=starts&surface=himmelblau&grid=40&metric=basin&focus=3"
        with (
            running(cwd=ROOT, env={"GRADSCAPE_REDIS_URL": url}) as server,
            sync_api.sync_playwright() as p,
        ):
            browser = p.chromium.launch(executable_path=CHROMIUM)
            try:
                page = browser.new_page(viewport={"width": 1280, "height": 800})
                errors: list[str] = []
                page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
                page.goto(server + query)
                page.wait_for_function(STARTMAP_READY, timeout=60_000)
                z = page.evaluate(
                    "() => document.querySelector('#startmap .js-plotly-plot')"
                    "._fullData[0].z.length"
                )
                assert z == 40
                assert "1,600 starts" in page.inner_text("#startmap-info")
                _wait_text(worker_log, "succeeded")
                tasks = worker_log.read_text().count("succeeded")
                out = tmp / "startmap.png"
                page.screenshot(path=str(out))
                # the same request again, in a fresh page: answered from the cache
                again = browser.new_page(viewport={"width": 1280, "height": 800})
                again.goto(server + query)
                again.wait_for_function(STARTMAP_READY, timeout=60_000)
                time.sleep(1.0)
                assert worker_log.read_text().count("succeeded") == tasks
                assert errors == []
            finally:
                browser.close()


def test_background_does_not_import_the_callbacks(tmp_path):
    """No import circle: `callbacks` imports `background`, never the other way round, and
    the manager knows the start-map job all the same."""
    code = (
        "import sys, app.background as b; m = b.make_manager(); "
        "assert 'app.callbacks' not in sys.modules, 'circle'; "
        "print(b.start_map_job.__name__)"
    )
    env = {**os.environ, "GRADSCAPE_REDIS_URL": "", "GRADSCAPE_CACHE_DIR": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr


@contextmanager
def _redis_run(prefix: str) -> Iterator[tuple[Path, str, list[subprocess.Popen]]]:
    """A scratch folder, a redis-server and its URL, and a list of processes: each one the
    test appends (redis first) is stopped afterwards, the last first, and the folder goes."""
    tmp = Path(tempfile.mkdtemp(prefix=prefix))
    procs: list[subprocess.Popen] = []
    try:
        redis, url = _start_redis(tmp)
        procs.append(redis)
        yield tmp, url, procs
    finally:
        for proc in reversed(procs):
            stop(proc)
        shutil.rmtree(tmp, ignore_errors=True)


def _start_redis(tmp: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    log = tmp / "redis.log"
    with log.open("wb") as out:
        redis = subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "",
             "--appendonly", "no", "--dir", str(tmp)],
            stdout=out,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    _wait_port(port, redis, log)
    return redis, f"redis://127.0.0.1:{port}/0"


def _start_worker(name: str, log: Path, env: dict) -> subprocess.Popen:
    """A Celery worker of one process (the solo pool): killing it loses its job."""
    with log.open("wb") as out:
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "gradscape.app.worker", "worker",
             "-n", f"{name}@%h",
             "--pool=solo", "--concurrency=1", "--loglevel=INFO", "--without-heartbeat",
             "--without-mingle", "--without-gossip"],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    _wait_text(log, "ready.")
    return worker


def _task_ids(log: Path, what: str) -> list[str]:
    """The ids of the tasks a worker's log says were `what` (received, succeeded)."""
    import re

    text = log.read_text(errors="replace")
    return re.findall(rf"\[([0-9a-f-]{{36}})\] {what}", text)


PROGRESS_TEXT = "() => document.querySelector('#startmap-progress-text').textContent"
RETRY_SHOWN = "() => { const b = document.querySelector('#startmap-retry'); return !b.hidden; }"


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server is not installed")
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}")
@pytest.mark.parametrize("then", ["another worker takes it over", "retry"])
def test_a_lost_celery_worker_is_reported_and_its_job_finished(then):
    """A worker killed (SIGKILL) mid-job: the page says so and shows Retry; then either a
    second worker takes the same task over (acknowledged late, so Redis hands it on after
    the visibility timeout), or Retry starts a new task that the second worker runs."""
    pytest.importorskip("celery")
    sync_api = pytest.importorskip("playwright.sync_api")
    import signal

    with _redis_run("gradscape-lost-") as (tmp, url, procs):
        env = {"GRADSCAPE_REDIS_URL": url, "GRADSCAPE_JOB_LOST_SECONDS": "3"}
        first_log, second_log = tmp / "first.log", tmp / "second.log"
        first = _start_worker("first", first_log, env)
        procs.append(first)
        query = "?mode=starts&surface=himmelblau&grid=250&steps=3000&metric=basin&focus=1"
        with running(cwd=ROOT, env=env) as server, sync_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM)
            try:
                page = browser.new_page(viewport={"width": 1280, "height": 800})
                page.goto(server + query)
                _wait_text(first_log, "received", 60)
                page.wait_for_function(  # the job runs: its progress reaches the page
                    "() => +document.querySelector('#startmap-progress').value > 0",
                    timeout=60_000,
                )
                (lost_task,) = _task_ids(first_log, "received")
                os.kill(first.pid, signal.SIGKILL)  # the worker is lost mid-job
                first.wait()
                assert _task_ids(first_log, "succeeded") == []
                page.wait_for_function(RETRY_SHOWN, timeout=30_000)
                text = page.evaluate(PROGRESS_TEXT)
                assert "lost" in text and "Retry" in text, text
                page.screenshot(path=str(tmp / "lost.png"))
                if then == "retry":  # Redis would hand the lost task on only after 600 s
                    second = _start_worker("second", second_log, env)
                    procs.append(second)
                    page.click("#startmap-retry")
                else:  # Redis hands the lost task on after 3 s
                    second_env = {**env, "GRADSCAPE_CELERY_VISIBILITY_TIMEOUT": "3"}
                    second = _start_worker("second", second_log, second_env)
                    procs.append(second)
                page.wait_for_function(STARTMAP_READY, timeout=180_000)
                assert "62,500 starts" in page.inner_text("#startmap-info")
                assert not page.evaluate(RETRY_SHOWN)
                done = _task_ids(second_log, "succeeded")
                if then == "retry":
                    assert done and lost_task not in done  # a new task
                else:
                    assert done == [lost_task]  # the very task the first worker lost
            finally:
                browser.close()
