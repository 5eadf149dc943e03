"""The Celery worker's entry point: ``celery -A gradscape.app.worker worker``
(with GRADSCAPE_REDIS_URL).

Builds the app so that its background callbacks are registered as Celery
tasks under the same names the server queues them by.
"""

from __future__ import annotations

from .background import redis_url
from .server import create_app

if not redis_url():
    raise SystemExit("Set GRADSCAPE_REDIS_URL (e.g. redis://127.0.0.1:6379/0) to run a worker.")

dash_app = create_app()
celery_app = dash_app._background_manager.handle  # the Celery app (celery -A looks for it)
app = celery_app
