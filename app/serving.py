"""Start `gradscape` in a subprocess and wait until it answers (tests, benches, docs).

>>> with running("gradscape") as url:   # doctest: +SKIP
...     urllib.request.urlopen(url)
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

__all__ = ["free_port", "running", "stop", "wait_for"]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, proc: subprocess.Popen, seconds: float = 40) -> None:
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
            out = proc.stdout.read().decode() if proc.stdout else ""
            raise RuntimeError(f"the server did not answer at {url}:\n{out}")
        time.sleep(0.2)


@contextmanager
def running(
    command: Sequence[str | Path] | None = None, *, cwd: Path | None = None
) -> Iterator[str]:
    """Serve with `command` (default: this Python's ``-m app.cli``) on a free port; yield its URL.

    The port is appended as ``--port N``; `command` must accept it (gradscape does).
    """
    port = free_port()
    argv = [*(command or [sys.executable, "-m", "app.cli"]), "--port", str(port)]
    proc = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_for(url, proc)
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
