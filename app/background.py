"""Long computations (start maps) as Dash background callbacks, and where they run.

By default the jobs run in processes beside the server, with results kept in a
disk cache (`DiskcacheManager`: nothing to install or start). With
``GRADSCAPE_REDIS_URL`` set (``redis://host:6379/0``) they go to Celery on
Redis (`CeleryManager`), so any number of machines can run them::

    GRADSCAPE_REDIS_URL=redis://127.0.0.1:6379/0 celery -A gradscape.app.worker worker
    GRADSCAPE_REDIS_URL=redis://127.0.0.1:6379/0 gradscape

Either way identical requests are answered from a cache shared by every
server process (the disk cache, or Redis): the key is the request (the query a
start map depends on, `state.startmap_query`) and `VERSION`. A hit is drawn at
once, with no job.

The job itself (`start_map_job`) is defined here, so that the manager made by
`make_manager` knows it without importing the other callbacks: `callbacks`
imports this module, never the other way round.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import stat
from functools import lru_cache
from pathlib import Path
from typing import Any

from dash import Input, Output, State, callback, no_update

from . import figures, ids, views
from .jobs import RUNNING_TEXT, BoundedDiskcacheManager, WatchedCeleryManager, job_workers
from .state import parse

__all__ = [
    "EXPIRE",
    "VERSION",
    "CacheDirError",
    "cache_dir",
    "cached",
    "failed",
    "make_manager",
    "private_dir",
    "redis_url",
    "remember",
    "start_map_job",
]
log = logging.getLogger("gradscape")

#: Part of every cache key: bump it when what a cached result means changes.
VERSION = "1"
#: Seconds a computed start map is kept.
EXPIRE = 24 * 3600


def redis_url() -> str | None:
    return os.environ.get("GRADSCAPE_REDIS_URL") or None


class CacheDirError(RuntimeError):
    """The cache folder cannot be made private: another user owns it, or it is not a folder."""


def user_cache_home() -> Path:
    """The user's cache folder: ``$XDG_CACHE_HOME``, else ``~/.cache`` (the XDG default)."""
    xdg = os.environ.get("XDG_CACHE_HOME")
    return Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".cache"


def cache_dir() -> Path:
    """Where the disk cache lives, made private (`private_dir`).

    ``GRADSCAPE_CACHE_DIR`` if set, else ``gradscape`` in the user's cache
    folder (`user_cache_home`). It holds computed start maps and Dash's secret
    that signs background-job handles, so it is the user's alone: mode 0700,
    owned by the user running the server.
    """
    path = Path(os.environ.get("GRADSCAPE_CACHE_DIR") or user_cache_home() / "gradscape")
    if str(path) not in _private:
        private_dir(path)
        _private.add(str(path))
    return path


_private: set[str] = set()


def private_dir(path: Path) -> Path:
    """Make `path` a folder only its owner can enter (mode 0700), owned by this user.

    Created with mode 0700 if missing (its parents as usual). An existing one
    with a wider mode is repaired (chmod 0700, with a warning in the log: what
    was there may have been read). One that is a symlink, not a folder, or
    owned by another user is refused with `CacheDirError`: someone else could
    read or plant the signing secret there.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        path.mkdir(mode=0o700)
    st = os.lstat(path)
    if stat.S_ISLNK(st.st_mode) or not stat.S_ISDIR(st.st_mode):
        raise CacheDirError(
            f"The cache folder {path} is not a folder (or is a symlink); refusing it."
        )
    if st.st_uid != os.getuid():
        raise CacheDirError(
            f"The cache folder {path} belongs to user id {st.st_uid}, not to you "
            f"({os.getuid()}); refusing it. Set GRADSCAPE_CACHE_DIR to a folder of your own."
        )
    if stat.S_IMODE(st.st_mode) != 0o700:
        log.warning(
            "the cache folder %s had mode %o; made it private (0700)",
            path,
            stat.S_IMODE(st.st_mode),
        )
        os.chmod(path, 0o700)
    return path


def _version() -> str:
    return VERSION


def celery_app(url: str):
    """The Celery app the server queues jobs on and the workers take them from."""
    from celery import Celery

    app = Celery("gradscape", broker=url, backend=url)
    app.conf.update(
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        broker_connection_retry_on_startup=True,
        worker_prefetch_multiplier=1,
        # the same bound as the disk cache's: jobs one worker runs at once
        worker_concurrency=job_workers(),
        # a job whose worker is lost goes back to the queue for another worker: acknowledged
        # only once done, rejected (requeued) when its worker process dies, and redelivered
        # by Redis after `visibility_timeout` seconds if the whole worker vanished
        # (``GRADSCAPE_CELERY_VISIBILITY_TIMEOUT``, default 600: longer than any start map)
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        broker_transport_options={"visibility_timeout": visibility_timeout()},
    )
    return app


def visibility_timeout() -> float:
    """Seconds after which Redis hands a job taken by a worker that vanished to another
    (``GRADSCAPE_CELERY_VISIBILITY_TIMEOUT``, 1–86400, default 600)."""
    raw = os.environ.get("GRADSCAPE_CELERY_VISIBILITY_TIMEOUT")
    try:
        value = float(raw) if raw else 600.0
    except ValueError:
        log.warning("GRADSCAPE_CELERY_VISIBILITY_TIMEOUT=%r is not a number; using 600", raw)
        value = 600.0
    return min(max(value, 1.0), 86400.0)


def make_manager():
    """The background callback manager: Celery on Redis if configured, else a disk cache.

    Dash registers every background callback defined so far with the manager
    when it is made: the start-map job, defined in this module.
    """

    url = redis_url()
    if url:
        return WatchedCeleryManager(celery_app(url), cache_by=[_version], expire=EXPIRE)
    import diskcache

    return BoundedDiskcacheManager(
        diskcache.Cache(str(cache_dir())), cache_by=[_version], expire=EXPIRE
    )


# --------------------------------------------------------------------------- results
@lru_cache(maxsize=4)
def _store(url: str | None, folder: str):
    """Where results are kept: Redis at `url`, else the disk cache in `folder`."""
    if url:
        import redis

        return redis.Redis.from_url(url)
    import diskcache

    return diskcache.Cache(folder)


def _key(request: str) -> str:
    return "gradscape:" + hashlib.sha256(f"{VERSION}\n{request}".encode()).hexdigest()


def cached(request: str) -> Any | None:
    """The result kept for `request`, or None (also when the store cannot be reached)."""
    try:
        raw = _store(redis_url(), str(cache_dir())).get(_key(request))
    except Exception:  # a cache that is down is a miss, not an error page
        return None
    return None if raw is None else json.loads(raw)


def remember(request: str, result: Any) -> None:
    """Keep `result` (JSON-able) for `request` for `EXPIRE` seconds."""
    raw = json.dumps(result, separators=(",", ":"))
    try:
        store = _store(redis_url(), str(cache_dir()))
        if redis_url():
            store.set(_key(request), raw, ex=EXPIRE)
        else:
            store.set(_key(request), raw, expire=EXPIRE)
    except Exception:  # not kept: the next identical request computes it again
        return


def failed(what: str, err: Exception) -> str:
    """A notice for a bug: what could not be drawn, in plain words.

    The exception itself (`err`) is for the server's log (the caller logs it
    with its traceback), never for the page.
    """
    return (
        f"{what} could not be drawn; nothing else changed. (The details are in the server's log.)"
    )


# --------------------------------------------------------------------------- start map
@callback(
    Output(ids.STARTMAP, "figure"),
    Output(ids.STARTMAP_INFO, "children"),
    Input(ids.STARTREQ, "data"),
    background=True,
    running=[
        (Output(ids.PROGRESS_BOX, "className"), "gs-progress gs-on", "gs-progress"),
        (Output(ids.CANCEL, "disabled"), False, True),
    ],
    progress=[
        Output(ids.PROGRESS, "value"),
        Output(ids.PROGRESS, "max"),
        Output(ids.PROGRESS_TEXT, "children"),
        Output(ids.RETRY, "hidden"),  # shown when the job has gone quiet (`jobs.LOST_TEXT`)
    ],
    progress_default=["0", "100", RUNNING_TEXT, True],
    cancel=[Input(ids.CANCEL, "n_clicks")],
    prevent_initial_call=True,
)
def start_map_job(set_progress, query: Any):
    """The start map for `query` (see `state.startmap_query`), with progress as it runs."""
    if not isinstance(query, str) or not query:
        return no_update, no_update
    state, _ = parse(query)
    try:
        sm = views.start_map(
            state, progress=lambda k, n: set_progress((str(k), str(n), RUNNING_TEXT, True))
        )
        fig = views.start_map_figure(state, sm)
    except Exception as err:
        log.exception("start map %r failed", query)
        return no_update, failed("The start map", err)
    if state.lesson:
        fig = figures.enlarge(fig)
    n = state.grid**2
    rate = n * state.steps / max(sm.seconds, 1e-9)
    info = (
        f"{n:,} starts × {state.steps} steps in {sm.seconds:.2f} s "
        f"({rate / 1e6:.2g} million steps a second)."
    )
    figure = json.loads(fig.to_json())
    remember(query, {"figure": figure, "info": info})
    return figure, info


@callback(
    Output(ids.STARTREQ, "data", allow_duplicate=True),
    Output(ids.RETRY, "hidden", allow_duplicate=True),
    Input(ids.RETRY, "n_clicks"),
    State(ids.STARTREQ, "data"),
    prevent_initial_call=True,
)
def retry_start_map(clicks: Any, query: Any):
    """Retry: the same request again, so a new job starts (its lost one is let go)."""
    if not clicks or not isinstance(query, str) or not query:
        return no_update, no_update
    return query, True
