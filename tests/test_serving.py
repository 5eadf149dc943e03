"""Serving: the wheel carries assets/, an installed copy serves the same page, gunicorn works."""

from __future__ import annotations

import gzip
import json
import re
import shutil
import subprocess
import sys
import sysconfig
import urllib.request
import zipfile
from pathlib import Path

import brotli
import pytest

from gradscape.app import ids
from gradscape.app.serving import free_port, running, wait_for

ROOT = Path(__file__).resolve().parent.parent
#: The assets the page includes (every stylesheet and script, the browser code's gs/
#: subfolder included, not the vendored bundles), and every file the wheel must carry.
ASSETS = sorted(
    p.relative_to(ROOT / "assets").as_posix()
    for p in (ROOT / "assets").rglob("*")
    if p.suffix in (".css", ".js") and "vendor" not in p.relative_to(ROOT / "assets").parts
)
ALL_ASSETS = sorted(
    p.relative_to(ROOT / "assets").as_posix() for p in (ROOT / "assets").rglob("*") if p.is_file()
)


def _get(url: str, data: bytes | None = None) -> bytes:
    req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        assert r.status == 200
        return r.read()


def _load_body(deps: list[dict]) -> dict:
    """The body of the page's first server call (URL → everything), as the browser sends it."""
    load = next(d for d in deps if [i["id"] for i in d["inputs"]] == ["url"])
    return {
        "output": load["output"],
        "outputs": [
            {"id": o.split(".")[0], "property": o.split(".")[1].split("@")[0]}
            for o in load["output"].strip(".").split("...")
        ],
        "inputs": [{"id": "url", "property": "search", "value": "?run1=adam&t=5"}],
        "changedPropIds": ["url.search"],
        "state": [{"id": s["id"], "property": s["property"]} for s in load["state"]],
    }


def _load_callback(base: str) -> dict:
    """The page's first server call, answered by the server at `base`."""
    body = _load_body(json.loads(_get(base + "_dash-dependencies")))
    return json.loads(_get(base + "_dash-update-component", json.dumps(body).encode()))


#: The app's browser code (the Plotly and KaTeX loader, assets/_gs-loader.js, sits below
#: the app: it wraps Plotly itself).
SCRIPTS = sorted((ROOT / "assets" / "gs").glob("*.js"))


def _literals(source: str) -> list[str]:
    """The quoted strings ('…' or "…") of a script's code (comments left out)."""
    code = re.sub(r"(?<![:\w])//.*", "", re.sub(r"/\*.*?\*/", "", source, flags=re.S))
    return [a or b for a, b in re.findall(r'"([^"\\\n]*)"|\'([^\'\\\n]*)\'', code)]


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_the_browser_code_restates_no_component_id(script):
    """Component ids come from app/ids.py (`GS.ids`), never as a literal where a component
    is addressed (getElementById, set_props, a #selector). A word that is also an id
    ("loss", "runs", "layout") may still name a data key or a Plotly field."""
    names = set(ids.for_browser().values())
    source = script.read_text()
    code = re.sub(r"(?<![:\w])//.*", "", re.sub(r"/\*.*?\*/", "", source, flags=re.S))
    addressed = re.findall(r"(?:getElementById|set_props)\(\s*[\"']([^\"']+)[\"']", code)
    restated = [a for a in addressed if a in names] + [
        lit
        for lit in _literals(source)
        if any(f"#{name}" in re.findall(r"#[\w-]+", lit) for name in names)
    ]
    assert restated == []


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_only_the_plotly_adapter_reads_plotly_internals(script):
    """Plotly's underscore fields (`_fullLayout`, `_offset`, …) are read in one file."""
    internals = re.findall(r"\._[A-Za-z]\w*", script.read_text())
    if script.name == "10-plotly.js":
        assert {"._fullLayout", "._fullData", "._offset", "._length"} <= set(internals)
    else:
        assert internals == []


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel of a clean copy of the checkout: setuptools reuses a ``build/`` folder
    left in the source tree, whose stale files would ship too."""
    src = tmp_path_factory.mktemp("src") / "gradscape"
    shutil.copytree(
        ROOT, src, ignore=shutil.ignore_patterns("build", "dist", ".git", "*.egg-info", ".*cache*")
    )
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(src)],
        check=True,
    )
    (whl,) = out.glob("gradscape-*.whl")
    return whl


def test_the_wheel_carries_the_assets(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    mark = "/data/share/gradscape/assets/"
    shipped = sorted(n.split(mark, 1)[1] for n in names if mark in n)
    assert shipped == ALL_ASSETS
    assert set(ASSETS) < set(shipped)
    assert "gs/00-core.js" in shipped  # the browser code, in its subfolder
    assert any(n.startswith("app/") for n in names)
    # every package of the checkout, subpackages too (a missing app/export/ once hid
    # behind a stale build/ folder)
    for top in ("app", "optimizers", "surfaces"):
        for init in (ROOT / top).rglob("__init__.py"):
            assert init.relative_to(ROOT).as_posix() in names
    assert "gradscape_params.py" in names


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
        for name in ALL_ASSETS:  # the vendored bundles the page loads on demand
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
            "gradscape.app:server",
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


# --------------------------------------------------------------------------- compression, caching
def _page_urls(client) -> dict:
    """The script and style URLs of the page, and the loader's (window.gsAssets)."""
    html = client.get("/").get_data(as_text=True)
    tags = re.findall(r'<(?:script|link)[^>]*(?:src|href)="(/(?:assets|_dash-comp)[^"]+)"', html)
    loader = json.loads(re.search(r"window\.gsAssets = (\{.*?\});", html).group(1))
    return {"tags": tags, "loader": loader}


@pytest.mark.parametrize("encoding, decode", [("br", brotli.decompress), ("gzip", gzip.decompress)])
def test_big_assets_and_callback_json_are_compressed(client, encoding, decode):
    from gradscape.app.server import VENDOR

    path = "/assets/" + VENDOR["plotlyCartesian"]
    raw = (ROOT / "assets" / VENDOR["plotlyCartesian"]).read_bytes()
    r = client.get(path, headers={"Accept-Encoding": f"{encoding}"})
    assert r.headers["Content-Encoding"] == encoding
    assert "Accept-Encoding" in r.headers["Vary"]
    assert len(r.data) < len(raw) / 2.5
    assert decode(r.data) == raw
    again = client.get(path, headers={"Accept-Encoding": f"{encoding}"})  # from the cache
    assert again.data == r.data
    # the load callback's JSON
    body = _load_body(client.get("/_dash-dependencies").get_json())
    r = client.post("/_dash-update-component", json=body, headers={"Accept-Encoding": encoding})
    assert r.status_code == 200
    assert r.headers["Content-Encoding"] == encoding
    plain = client.post("/_dash-update-component", json=body)
    assert "Content-Encoding" not in plain.headers
    assert json.loads(decode(r.data)) == plain.get_json()
    assert len(r.data) < len(plain.data) / 1.5


def test_assets_carry_a_fingerprint_and_a_long_max_age(client):
    urls = _page_urls(client)
    mine = [u for u in urls["tags"] if u.startswith("/assets/")]
    assert {u.split("?")[0].removeprefix("/assets/") for u in mine} >= set(ASSETS)
    chunks = [u for u in urls["tags"] if "/dcc/async-" in u]
    assert chunks  # preloaded: dcc's chunks that every first load fetches
    for url in chunks:  # named by webpack, without a fingerprint: revalidated instead
        r = client.get(url)
        assert not r.cache_control.max_age and r.headers["ETag"], url
        assert client.get(url, headers={"If-None-Match": r.headers["ETag"]}).status_code == 304
    for url in [*urls["tags"], *urls["loader"].values()]:
        if url in chunks:
            continue
        if url.startswith("/assets/") and "/vendor/" not in url:
            assert re.search(r"\?m=[0-9.]+$", url), url  # Dash's fingerprint of an asset
        if url.startswith("/_dash-component-suites/"):
            assert re.search(r"\.v[\w-]+m[0-9a-f]+\.", url), url
        r = client.get(url)
        assert r.status_code == 200, url
        assert r.cache_control.max_age == 31_536_000, url
        assert r.cache_control.public and r.cache_control.immutable, url
    # vendored files carry their version in their path instead
    for url in urls["loader"].values():
        if "/vendor/" in url:
            assert re.search(r"-\d+\.\d+\.\d+", url), url
    # a KaTeX font, fetched by the style sheet by a relative URL
    font = next((ROOT / "assets" / "vendor").rglob("KaTeX_Main-Regular.woff2"))
    r = client.get("/assets/" + font.relative_to(ROOT / "assets").as_posix())
    assert r.cache_control.max_age == 31_536_000
    # what changes under the same URL is not cached for long
    for url in ("/", "/_dash-layout", "/_dash-dependencies"):
        assert (client.get(url).cache_control.max_age or 0) == 0, url


def test_the_bundles_the_page_loads_are_plotly_pys_version(client):
    from plotly.offline import get_plotlyjs_version

    from gradscape.app.server import PLOTLY_JS_VERSION, VENDOR

    assert get_plotlyjs_version() == PLOTLY_JS_VERSION
    head = (ROOT / "assets" / VENDOR["plotlyCartesian"]).read_text()[:200]
    assert f"cartesian - minified) v{PLOTLY_JS_VERSION}" in head
    full = client.get(_page_urls(client)["loader"]["plotlyFull"])
    assert f"plotly.js v{PLOTLY_JS_VERSION}" in full.get_data(as_text=True)[:200]
