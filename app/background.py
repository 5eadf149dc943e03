"""Long computations (start maps) as Dash background callbacks, and where they run.

By default the jobs run in processes beside the server, with results kept in a
disk cache (`DiskcacheManager`: nothing to install or start). With
``GRADSCAPE_REDIS_URL`` set (``redis://host:6379/0``) they go to Celery on
Redis (`CeleryManager`), so any number of machines can run them::

    GRADSCAPE_REDIS_URL=redis://127.0.0.1:6379/0 celery -A app.worker worker
    GRADSCAPE_REDIS_URL=redis://127.0.0.1:6379/0 gradscape

Either way identical requests are answered from the cache: the key is the
request (the query the map depends on), the callback's source and `VERSION`.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

__all__ = ["EXPIRE", "VERSION", "cache_dir", "make_manager", "redis_url"]

#: Part of every cache key: bump it when what a cached result means changes.
VERSION = "1"
#: Seconds a computed start map is kept.
EXPIRE = 24 * 3600


def redis_url() -> str | None:
    return os.environ.get("GRADSCAPE_REDIS_URL") or None


def cache_dir() -> Path:
    """Where the disk cache lives (``GRADSCAPE_CACHE_DIR``, else a folder in the temp dir)."""
    default = Path(tempfile.gettempdir()) / f"gradscape-cache-{os.getuid()}"
    return Path(os.environ.get("GRADSCAPE_CACHE_DIR") or default)


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
    )
    return app


def make_manager():
    """The background callback manager: Celery on Redis if configured, else a disk cache.

    Dash registers every background callback defined so far with the manager
    when it is made, so the callbacks are imported first.
    """
    from dash import CeleryManager, DiskcacheManager

    from . import callbacks  # noqa: F401  (defines the background callbacks)

    url = redis_url()
    if url:
        return CeleryManager(celery_app(url), cache_by=[_version], expire=EXPIRE)
    import diskcache

    return DiskcacheManager(diskcache.Cache(str(cache_dir())), cache_by=[_version], expire=EXPIRE)
