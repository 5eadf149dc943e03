"""Bounded background jobs on the embedded disk cache: a few workers, a queue, no zombies.

Dash's `DiskcacheManager` starts one process per request, at once, and never
waits for it: 25 start-map requests made 25 processes, identical requests got
separate jobs, a closed tab's job ran on, and finished jobs stayed as zombies.
`BoundedDiskcacheManager` keeps Dash's protocol (the browser posts a request,
gets a signed job handle, and polls with it about once a second) and changes
what a job is:

- **A fixed number of workers.** At most `job_workers()` job processes run at
  once (``GRADSCAPE_JOB_WORKERS``, default 2) across every server process that
  shares the cache folder (gunicorn's workers): each running job holds one of
  that many slots, lock files in the cache folder (`JobSlots`). The others
  wait in a first-come queue, and the page shows the place in it (the third
  progress value, `queue_text`).
- **Identical requests join one job.** Dash's key for a request is the hash of
  its arguments; a second request with the same key while the first is queued
  or running gets the same job, and the job is cancelled only when every page
  waiting for it has let go (cancel, a newer request, or gone).
- **A page that has gone cancels its job.** Every poll touches the job; a job
  not polled for `abandon_seconds()` (``GRADSCAPE_JOB_ABANDON_SECONDS``,
  default 20) is stopped, or taken out of the queue. Should its page poll again
  after all (a throttled background tab), the job is queued again.
- **No zombies.** A dispatcher thread starts queued jobs, joins every process
  that has ended and kills (then joins) the ones cancelled.
- **Requests that need no process get none**: an empty request (the page's
  way of stopping a job) and one whose result is already in the cache.

The job's state is also written to the disk cache (``gs-job:<id>``, and its
place in the queue under its request's key, ``gs-queued:<key>``), so a poll
that reaches another server process of the same cache (gunicorn with several
workers) still sees the job queued or running, and its place. The place counts
the jobs ahead in its own server process's queue; a job may also wait for the
slots held by another process's jobs.
"""

from __future__ import annotations

import contextlib
import fcntl
import itertools
import logging
import os
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dash import CeleryManager, DiskcacheManager

__all__ = [
    "BoundedDiskcacheManager",
    "JobSlots",
    "WatchedCeleryManager",
    "abandon_seconds",
    "job_workers",
    "queue_text",
]
log = logging.getLogger("gradscape")

#: The text beside the progress bar while a job runs.
RUNNING_TEXT = "Computing the start map…"
#: A job's outputs when its process ended without a result: the map as it was, and why.
FAILED_TEXT = "The start map could not be computed (its worker stopped); try again."
NO_UPDATE = {"_dash_no_update": "_dash_no_update"}


def _env_number(name: str, default: float, lo: float, hi: float) -> float:
    raw = os.environ.get(name)
    try:
        value = float(raw) if raw else default
    except ValueError:
        log.warning("%s=%r is not a number; using %s", name, raw, default)
        value = default
    return min(max(value, lo), hi)


def job_workers() -> int:
    """Job processes one server runs at once (``GRADSCAPE_JOB_WORKERS``, 1–32, default 2)."""
    return int(_env_number("GRADSCAPE_JOB_WORKERS", 2, 1, 32))


def abandon_seconds() -> float:
    """Seconds without a poll after which a job's page counts as gone (default 20)."""
    return _env_number("GRADSCAPE_JOB_ABANDON_SECONDS", 20.0, 0.5, 3600.0)


def queue_text(ahead: int) -> str:
    """What the page says while its job waits, `ahead` jobs before it."""
    if ahead <= 0:
        return "Waiting for a free worker: next in line…"
    jobs = "job" if ahead == 1 else "jobs"
    return f"Waiting for a free worker: {ahead} {jobs} ahead in the queue…"


class JobSlots:
    """`count` job slots shared by every process that opens the same `folder`.

    A slot is a lock file (``slot-<i>``) locked with ``flock``. `take` locks a
    free one and returns its file descriptor; the job's process, forked while
    it is open, inherits the lock, and the server closes its own copy right
    after the fork. The slot is then the job's alone: it is freed when the job's
    process ends, however it ends (done, killed, or orphaned by a server process
    that died and then finishing), and no later fork inherits it.
    """

    def __init__(self, folder: str | os.PathLike, count: int):
        self.folder = Path(folder)
        self.count = count
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)

    def take(self) -> int | None:
        """The descriptor of a newly locked free slot, or None when all `count` are held."""
        for i in range(self.count):
            fd = self._lock(i)
            if fd is not None:
                return fd
        return None

    def held(self) -> int:
        """Slots held now, by any process (for tests and probes: it locks free ones a moment)."""
        n = 0
        for i in range(self.count):
            fd = self._lock(i)
            if fd is None:
                n += 1
            else:
                os.close(fd)
        return n

    def _lock(self, i: int) -> int | None:
        fd = os.open(self.folder / f"slot-{i}", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return None
        return fd


@dataclass
class _Job:
    id: str
    key: str
    fn: Any
    args: Any
    context: Any
    state: str = "queued"  # queued, running, done, cancelled, abandoned
    holders: int = 1  # pages waiting for it
    seen: float = field(default_factory=time.monotonic)
    process: Any = None
    written: Any = None  # the status last written to the cache


class BoundedDiskcacheManager(DiskcacheManager):
    """`DiskcacheManager` with a worker limit, a queue, joined jobs and abandonment (above)."""

    def __init__(self, cache=None, cache_by=None, expire=None, workers=None, abandon=None):
        super().__init__(cache, cache_by=cache_by, expire=expire)
        self.workers = workers or job_workers()
        self.abandon = abandon or abandon_seconds()
        self._lock = threading.RLock()
        self._jobs: dict[str, _Job] = {}
        self._by_key: dict[str, str] = {}
        self._queue: deque[str] = deque()
        self._ids = itertools.count(1)
        self._thread: threading.Thread | None = None
        self._cancels_read = 0.0
        self._job_slots: JobSlots | None = None
        self.started = 0  # job processes started (for tests and benches)

    # ------------------------------------------------------------------ Dash's protocol
    def call_job_fn(self, key, job_fn, args, context):
        if _empty(args) or self.result_ready(key):
            return "done"
        with self._lock:
            live = self._jobs.get(self._by_key.get(key, ""))
            if live is not None and live.state in ("queued", "running"):
                live.holders += 1
                live.seen = time.monotonic()
                return live.id
            job = _Job(f"{os.getpid()}-{next(self._ids)}", key, job_fn, args, context)
            self._jobs[job.id] = job
            self._by_key[key] = job.id
            self._queue.append(job.id)
            self._pump()
            self._ensure_thread()
            return job.id

    def job_running(self, job):
        if job is None or job == "done":
            return False
        with self._lock:
            j = self._jobs.get(str(job))
            if j is None:  # another server process's job: its state is in the cache
                return (self.handle.get(f"gs-job:{job}") or {}).get("state") in (
                    "queued",
                    "running",
                )
            j.seen = time.monotonic()
            if j.state == "abandoned":  # its page is back after all
                j.state, j.holders = "queued", 1
                self._queue.append(j.id)
                self._pump()
            return j.state in ("queued", "running")

    def terminate_job(self, job):
        """A page lets go of `job`: cancel it once no page waits for it."""
        if job is None or job == "done":
            return
        with self._lock:
            j = self._jobs.get(str(job))
            if j is None:
                self.handle.set(f"gs-cancel:{job}", True, expire=3600)
                return
            if j.state in ("queued", "running"):
                j.holders -= 1
                if j.holders <= 0:
                    self._stop(j, "cancelled")
            self._forget(j)

    def terminate_unhealthy_job(self, job):
        return False

    def get_progress(self, key):
        with self._lock:
            j = self._jobs.get(self._by_key.get(key, ""))
            if j is not None:
                j.seen = time.monotonic()
                if j.state == "queued":
                    return ["0", "100", queue_text(self._ahead(j)), True]
        if j is None:  # another server process's job, perhaps queued there
            ahead = self.handle.get(f"gs-queued:{key}")
            if isinstance(ahead, int):
                return ["0", "100", queue_text(ahead), True]
        return super().get_progress(key)

    # ------------------------------------------------------------------ the dispatcher
    def slots(self) -> JobSlots:
        """The job slots every server process of this cache folder shares (`workers` of them)."""
        if self._job_slots is None or self._job_slots.count != self.workers:
            folder = Path(self.handle.directory) / "job-slots"
            self._job_slots = JobSlots(folder, self.workers)
        return self._job_slots

    def running(self) -> int:
        """Job processes this server process runs now."""
        with self._lock:
            return sum(j.state == "running" for j in self._jobs.values())

    def queued(self) -> int:
        with self._lock:
            return len(self._queue)

    def _ahead(self, job: _Job) -> int:
        return list(self._queue).index(job.id) if job.id in self._queue else 0

    def _ensure_thread(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._loop, name="gs-jobs", daemon=True)
            self._thread.start()

    def _loop(self) -> None:
        while True:
            time.sleep(0.1)
            with self._lock:
                self._pump()
                if not self._jobs:
                    self._thread = None
                    return

    def _pump(self) -> None:
        """Reap ended processes, stop abandoned jobs, start queued ones while a worker is free."""
        now = time.monotonic()
        read_cancels = now - self._cancels_read > 1.0  # cancels from other server processes
        if read_cancels:
            self._cancels_read = now
        for j in list(self._jobs.values()):
            if j.state == "running" and not _alive(j.process):
                j.process.join(timeout=1)
                j.state = "done"
                self._status(j)
                if j.process.exitcode != 0 and not self.result_ready(j.key):
                    self._failed(j)
            if (
                read_cancels
                and j.state in ("queued", "running")
                and self.handle.get(f"gs-cancel:{j.id}")
            ):
                self._stop(j, "cancelled")
            if j.state in ("queued", "running") and now - j.seen > self.abandon:
                log.info("job %s: no page has asked for it for %.0f s; stopped", j.id, self.abandon)
                self._stop(j, "abandoned")
            if j.state in ("done", "cancelled") or (
                j.state == "abandoned" and now - j.seen > 10 * self.abandon
            ):
                self._forget(j)
        while self._queue:
            slot = self.slots().take()  # a free slot among every server process's
            if slot is None:
                break
            self._start(self._jobs[self._queue.popleft()], slot)
        for pos, jid in enumerate(self._queue):
            self._status(self._jobs[jid], ahead=pos)

    def _start(self, j: _Job, slot: int) -> None:
        """Start `j`'s process holding `slot` (a `JobSlots.take` descriptor), which the
        forked process inherits: this process lets go of its copy at once."""
        import multiprocess  # what Dash's DiskcacheManager uses

        j.process = multiprocess.get_context("fork").Process(
            target=j.fn, args=(j.key, self._make_progress_key(j.key), j.args, j.context)
        )
        try:
            j.process.start()
        finally:
            os.close(slot)
        j.state = "running"
        self.started += 1
        self._status(j)

    def _stop(self, j: _Job, state: str) -> None:
        if j.id in self._queue:
            self._queue.remove(j.id)
        if j.process is not None and _alive(j.process):
            _kill_tree(j.process.pid)
        if j.process is not None:
            j.process.join(timeout=5)
            j.process = None
        j.state = state
        self._status(j)

    def _forget(self, j: _Job) -> None:
        if j.state in ("queued", "running", "abandoned"):
            return
        self._jobs.pop(j.id, None)
        if self._by_key.get(j.key) == j.id:
            del self._by_key[j.key]

    def _status(self, j: _Job, ahead: int = 0) -> None:
        status = {"state": j.state, "ahead": ahead}
        if status == j.written:
            return
        with contextlib.suppress(Exception):  # a status no one reads is not worth an error
            self.handle.set(f"gs-job:{j.id}", status, expire=3600)
            if j.state == "queued":
                self.handle.set(f"gs-queued:{j.key}", ahead, expire=3600)
            else:
                self.handle.delete(f"gs-queued:{j.key}")
            j.written = status

    def _failed(self, j: _Job) -> None:
        """A job whose process ended without a result: the page says so (the log says why)."""
        log.error("job %s ended with exit code %s and no result", j.id, j.process.exitcode)
        with contextlib.suppress(Exception):
            self.handle.set(j.key, [NO_UPDATE, FAILED_TEXT], expire=60)


def _alive(process: Any) -> bool:
    """Whether a job's process still runs. Also false when something else has reaped it
    (then `is_alive` would say True for ever: its wait finds no child)."""
    if not process.is_alive():
        return False
    try:
        os.kill(process.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _empty(args: Any) -> bool:
    """A request with nothing to compute (the page's "stop the running job")."""
    values = args if isinstance(args, (list, tuple)) else [args]
    return all(v is None or v == "" for v in values)


def _kill_tree(pid: int) -> None:
    import psutil

    try:
        proc = psutil.Process(pid)
    except psutil.NoSuchProcess:
        return
    for p in [*proc.children(recursive=True), proc]:
        with contextlib.suppress(psutil.NoSuchProcess):
            p.kill()


# --------------------------------------------------------------------------- Celery
def lost_seconds() -> float:
    """Seconds without progress from a Celery job before the page says its worker may be
    lost (``GRADSCAPE_JOB_LOST_SECONDS``, 1–3600, default 30)."""
    return _env_number("GRADSCAPE_JOB_LOST_SECONDS", 30.0, 1.0, 3600.0)


LOST_TEXT = (
    "No word from a worker for {s:.0f} s: all may be busy, or the one computing this map was "
    "lost. Another worker takes the job over when one is free; or press Retry to start it "
    "again."
)


class WatchedCeleryManager(CeleryManager):
    """Dash's `CeleryManager`, telling the page when its job has gone quiet.

    A job reports progress every few hundred milliseconds while it runs. If a
    page's polls find none for `lost_seconds()` (its worker was killed, or no
    worker has taken it), the progress text says so and what happens next,
    and the Retry button shows (the progress's fourth value): the task is
    acknowledged late and rejected when its worker is lost
    (`background.celery_app`), so another worker takes it over; Retry sends
    the same request again, which starts a new job at once.
    """

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self._heard: dict[str, float] = {}
        self.lost_seconds = lost_seconds()

    def get_progress(self, key):
        progress = super().get_progress(key)
        now = time.monotonic()
        if progress is not None or key not in self._heard:
            self._heard[key] = now
            if len(self._heard) > 10_000:  # forget the oldest
                for k in sorted(self._heard, key=self._heard.get)[:5_000]:
                    del self._heard[k]
            return progress
        quiet = now - self._heard[key]
        if quiet > self.lost_seconds:
            return ["0", "100", LOST_TEXT.format(s=quiet), False]
        return None
