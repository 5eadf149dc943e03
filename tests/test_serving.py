"""Serving: the wheel carries assets/, an installed copy serves the same page, gunicorn works."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import sysconfig
import urllib.request
import zipfile
from pathlib import Path

import pytest

from app.serving import free_port, running, wait_for

ROOT = Path(__file__).resolve().parent.parent
ASSETS = sorted(p.name for p in (ROOT / "assets").iterdir() if p.suffix in (".css", ".js"))


def _get(url: str, data: bytes | None = None) -> bytes:
    req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        assert r.status == 200
        return r.read()


def _load_callback(base: str) -> dict:
    """The page's first server call (URL → everything), as the browser makes it."""
    deps = json.loads(_get(base + "_dash-dependencies"))
    load = next(d for d in deps if [i["id"] for i in d["inputs"]] == ["url"])
    body = {
        "output": load["output"],
        "outputs": [
            {"id": o.split(".")[0], "property": o.split(".")[1].split("@")[0]}
            for o in load["output"].strip(".").split("...")
        ],
        "inputs": [{"id": "url", "property": "search", "value": "?run1=adam&t=5"}],
        "changedPropIds": ["url.search"],
        "state": [],
    }
    return json.loads(_get(base + "_dash-update-component", json.dumps(body).encode()))


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)],
        check=True,
    )
    (whl,) = out.glob("gradscape-*.whl")
    return whl


def test_the_wheel_carries_the_assets(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    shipped = sorted(Path(n).name for n in names if "/data/share/gradscape/assets/" in n)
    assert shipped == ASSETS
    assert any(n.startswith("app/") for n in names)


def _venv_seeing_these_packages(venv: Path) -> Path:
    """A new virtual environment whose Python also finds the packages this one has.

    ``--system-site-packages`` is not enough: when the suite itself runs in a
    virtual environment (as a newcomer runs it), that flag shows the *base*
    interpreter's packages, without dash. Instead, a ``.pth`` file appends this
    interpreter's site-packages to the new one's path. Lines of a ``.pth`` add
    directories without reading the ``.pth`` files inside them, so this
    checkout's editable install stays out: ``app`` resolves to the wheel.
    """
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    py = venv / "bin" / "python"
    purelib = subprocess.run(
        [py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    ours = dict.fromkeys(sysconfig.get_paths()[k] for k in ("purelib", "platlib"))
    (Path(purelib) / "_outer_site_packages.pth").write_text("\n".join(ours) + "\n")
    return py


def test_an_installed_copy_serves_the_same_page(wheel, tmp_path):
    venv = tmp_path / "venv"
    py = _venv_seeing_these_packages(venv)
    subprocess.run([py, "-m", "pip", "install", "-q", "--no-deps", str(wheel)], check=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    where = subprocess.run(
        [py, "-c", "import app.server as s; print(s.__file__); print(s.assets_path())"],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert where[0].startswith(str(venv))  # the installed copy, not this checkout
    assert where[1].startswith(str(venv))
    with running([venv / "bin" / "gradscape"], cwd=elsewhere) as base:
        page = _get(base).decode()
        for name in ASSETS:
            assert f"/assets/{name}" in page
            assert _get(f"{base}assets/{name}") == (ROOT / "assets" / name).read_bytes()
        response = _load_callback(base)["response"]
        assert response["map"]["figure"]["data"][0]["type"] == "contour"


@pytest.mark.skipif(shutil.which("gunicorn") is None, reason="gunicorn is not installed")
def test_gunicorn_serves_app_server_with_several_workers():
    port = free_port()
    proc = subprocess.Popen(
        [
            "gunicorn",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--no-control-socket",
            "app:server",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}/"
    try:
        wait_for(base, proc)
        assert "Gradscape" in _get(base).decode()
        # no per-user state on the server: every worker answers the same request alike
        answers = {json.dumps(_load_callback(base)["response"]["loaded"]) for _ in range(6)}
        assert len(answers) == 1
        assert "run1=adam" in answers.pop()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stdout.close()
