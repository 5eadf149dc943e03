"""The `gradscape` command."""

from __future__ import annotations

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

    def run(self, **kwargs) -> None:
        self.ran = kwargs


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        ([], {"host": "127.0.0.1", "port": 8050, "debug": False}),
        (
            ["--host", "0.0.0.0", "--port", "9000", "--debug"],
            {"host": "0.0.0.0", "port": 9000, "debug": True},
        ),
    ],
)
def test_no_command_serves_the_app(monkeypatch, capsys, argv, expected):
    from gradscape.app import server as app_server

    fake = _FakeApp()
    monkeypatch.setattr(app_server, "create_app", lambda: fake)
    assert main(argv) == 0
    assert fake.ran == expected
    assert f"http://{expected['host']}:{expected['port']}/" in capsys.readouterr().out


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
