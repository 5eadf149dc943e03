"""The `gradscape` command."""

from __future__ import annotations

import os

import pytest

from gradscape import surfaces
from gradscape.app.cli import main
from gradscape.optimizers import OPTIMIZERS


def test_help_names_the_commands(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["--help"])
    assert stop.value.code == 0
    out = capsys.readouterr().out
    assert "usage: gradscape" in out and "gradscape list" in out and "--port" in out


class _FakeApp:
    def __init__(self) -> None:
        self.ran: dict | None = None
        self.server = object()  # the WSGI application waitress is handed

    def run(self, **kwargs) -> None:
        self.ran = kwargs


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        ([], {"host": "127.0.0.1", "port": 8050, "threads": 8}),
        (
            ["--host", "0.0.0.0", "--port", "9000", "--threads", "3"],
            {"host": "0.0.0.0", "port": 9000, "threads": 3},
        ),
    ],
)
def test_no_command_serves_the_app_with_waitress(monkeypatch, capsys, argv, expected):
    from gradscape.app import limits
    from gradscape.app import server as app_server

    fake, served = _FakeApp(), {}

    class _Server:
        def run(self) -> None:
            served["ran"] = True

    def waitress_server(wsgi, **kw):
        served.update(kw, wsgi=wsgi)
        return _Server()

    monkeypatch.setattr(app_server, "create_app", lambda: fake)
    monkeypatch.setattr(limits, "waitress_server", waitress_server)
    assert main(argv) == 0
    assert served["ran"]
    assert fake.ran is None  # not Flask's development server
    assert served["wsgi"] is fake.server
    assert {k: served[k] for k in expected} == expected
    assert served["ident"] == "Gradscape"
    # no read-ahead: with it a callback's answer was sometimes never sent (app/cli.py)
    assert served["channel_request_lookahead"] == 0
    assert f"http://{expected['host']}:{expected['port']}/" in capsys.readouterr().out


def test_debug_runs_dashs_development_server(monkeypatch):
    from gradscape.app import server as app_server

    fake = _FakeApp()
    monkeypatch.setattr(app_server, "create_app", lambda: fake)
    assert main(["--port", "9001", "--debug"]) == 0
    assert fake.ran == {"host": "127.0.0.1", "port": 9001, "debug": True}


def test_threads_must_be_positive(capsys):
    assert main(["--threads", "0"]) == 2
    assert "--threads=0" in capsys.readouterr().err


def test_the_command_serves_with_a_production_server(tmp_path):
    """The real command on a free port: the page, no development-server warning in its
    output, and a Server header naming neither Python nor Werkzeug nor a version."""
    import subprocess
    import sys
    import urllib.request
    from pathlib import Path

    from gradscape.app.serving import free_port, stop, wait_for

    port = free_port()
    log = tmp_path / "server.log"
    env = {**os.environ, "GRADSCAPE_CACHE_DIR": str(tmp_path / "cache")}
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "gradscape", "--port", str(port), "--threads", "4"],
            cwd=Path(__file__).resolve().parent.parent,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        url = f"http://127.0.0.1:{port}/"
        wait_for(url, proc, log=log)
        with urllib.request.urlopen(url) as r:
            page = r.read().decode()
            server = r.headers["Server"]
    finally:
        stop(proc)
    assert "<title>Gradscape" in page
    output = log.read_text(errors="replace")
    assert f"Gradscape on {url}" in output
    assert "development server" not in output.lower()
    assert "do not use it in a production" not in output.lower()
    assert server == "Gradscape"
    assert "Python" not in server and "Werkzeug" not in server and "waitress" not in server


def test_list_names_every_surface_and_optimizer(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for name in [*surfaces.SURFACES, *OPTIMIZERS]:
        assert f"  {name} " in out
    assert "condition=10" in out  # the bowl's parameters with their defaults
    assert "line_search=none" in out  # a choice: its default as a word


def test_run_prints_a_summary(capsys):
    assert main(["run", "rosenbrock", "adam", "--lr", "0.05", "--steps", "2000"]) == 0
    out = capsys.readouterr().out
    assert "Adam on Rosenbrock, lr=0.05, 2000 steps from (-1.5, 2)" in out
    dist = float(out.split("nearest known minimum")[1])
    assert dist < 1e-3


def test_run_reports_divergence(capsys):
    assert main(["run", "rosenbrock", "sgd", "--lr", "0.1", "--steps", "50"]) == 0
    assert "diverged at step" in capsys.readouterr().out


def test_run_rejects_bad_values_with_a_message(capsys):
    assert main(["run", "rosenbrock", "adam", "--lr", "50"]) == 2
    assert "lr=50 is out of range" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["run", "nowhere", "adam"])
