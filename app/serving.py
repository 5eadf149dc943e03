"""Start `gradscape` in a subprocess and wait until it answers (tests, benches, docs).

>>> with running("gradscape") as url:   # doctest: +SKIP
...     urllib.request.urlopen(url)
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

__all__ = ["free_port", "running", "stop", "wait_for"]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(
    url: str, proc: subprocess.Popen, seconds: float = 40, log: Path | None = None
) -> None:
    """Poll `url` until it answers 200; raise with the server's output if it dies or stalls."""
    deadline = time.time() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        if proc.poll() is not None or time.time() > deadline:
            proc.kill()
            proc.wait()
            if log is not None:
                out = log.read_text(errors="replace")
            else:
                out = proc.stdout.read().decode() if proc.stdout else ""
            raise RuntimeError(f"the server did not answer at {url}:\n{out}")
        time.sleep(0.2)


@contextmanager
def running(
    command: Sequence[str | Path] | None = None,
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> Iterator[str]:
    """Serve with `command` (default: this Python's ``-m app.cli``) on a free port; yield its URL.

    The port is appended as ``--port N``; `command` must accept it (gradscape does).
    `env` adds to the environment. The server's output goes to a temporary file
    (a pipe no one reads would fill up and stall it), shown if it fails to start.
    """
    port = free_port()
    argv = [*(command or [sys.executable, "-m", "gradscape"]), "--port", str(port)]
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "server.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(
                argv,
                cwd=cwd,
                stdout=out,
                stderr=subprocess.STDOUT,
                env={**os.environ, **(env or {})},
            )
        url = f"http://127.0.0.1:{port}/"
        try:
            wait_for(url, proc, log=log)
            yield url
        finally:
            stop(proc)


def stop(proc: subprocess.Popen) -> None:
    """Terminate `proc` (kill it if it lingers) and close its output pipe."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    if proc.stdout:
        proc.stdout.close()
