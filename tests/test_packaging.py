"""One importable name: the wheel installs `gradscape` only, and its public API works from
a fresh virtual environment and from a notebook (nbclient runs a real kernel)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "docs" / "notebooks" / "quickstart.ipynb"


def _run(py: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run([py, *args], cwd=cwd, capture_output=True, text=True, env=env)


def _site_packages(py: Path) -> Path:
    out = _run(py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=ROOT)
    return Path(out.stdout.strip())


def test_the_wheel_has_one_top_level_name(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names}
    assert tops == {"gradscape", "gradscape-0.1.0.dist-info", "gradscape-0.1.0.data"}
    data = {n.split("/")[2] for n in names if n.startswith("gradscape-0.1.0.data/")}
    assert data == {"share"}  # the assets go to <prefix>/share/gradscape, not site-packages
    top_level = zipfile.ZipFile(wheel).read("gradscape-0.1.0.dist-info/top_level.txt")
    assert top_level.decode().split() == ["gradscape"]


def test_site_packages_gains_only_gradscape(installed, wheel):
    py, _ = installed
    site = _site_packages(py)
    pip = [py, "-m", "pip", "--disable-pip-version-check", "-q"]
    assert subprocess.run([*pip, "uninstall", "-y", "gradscape"]).returncode == 0
    before = {p.name for p in site.iterdir()}
    try:
        assert "gradscape" not in before
    finally:
        subprocess.run([*pip, "install", "--no-deps", str(wheel)], check=True)
    after = {p.name for p in site.iterdir()}
    gained = {n for n in after - before if n != "__pycache__"}
    assert gained == {"gradscape", "gradscape-0.1.0.dist-info"}


def test_the_public_api_works_from_another_folder(installed, tmp_path):
    py, venv = installed
    code = """
import json
import gradscape as gs
t = gs.run("rosenbrock", "adam", [[-1.5, 2.0]], 50, lr=0.05)
s = gs.surfaces.get("quadratic", condition=50)
fig = gs.figure("?surface=beale&run1=adam&run2=sgd&steps=120", frames=12)
out = gs.write("?surface=beale&run1=adam&steps=120", "beale.html", frames=12)
bare = []
for name in ("app", "optimizers", "surfaces", "gradscape_params"):
    try:
        __import__(name)
        bare.append(name)
    except ImportError:
        pass
print(json.dumps({
    "file": gs.__file__, "shape": list(t.xy.shape),
    "loss": float(t.loss[-1, 0]), "loss0": float(t.loss[0, 0]),
    "surface": s.name, "frames": [f.name for f in fig.frames],
    "steps": [st.label for st in fig.layout.sliders[0].steps],
    "wrote": str(out), "size": out.stat().st_size, "bare": bare,
}))
"""
    done = _run(py, "-c", code, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    r = json.loads(done.stdout.strip().splitlines()[-1])
    assert r["file"].startswith(str(venv))  # the installed copy, not this checkout
    assert r["shape"] == [51, 1, 2] and r["loss"] < r["loss0"] == 12.5
    assert r["surface"] == "quadratic"
    assert r["frames"] == r["steps"] and len(r["frames"]) == 12
    assert r["frames"][0] == "0" and r["frames"][-1] == "120"
    assert r["wrote"] == "beale.html" and r["size"] > 1_000_000  # plotly.js inside
    assert r["bare"] == []  # nothing of ours under another top-level name


def test_python_m_gradscape_is_the_command(installed, tmp_path):
    py, venv = installed
    done = _run(py, "-m", "gradscape", "--help", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: gradscape")
    listed = _run(py, "-m", "gradscape", "list", cwd=tmp_path)
    assert listed.returncode == 0 and "rosenbrock" in listed.stdout
    command = _run(venv / "bin" / "gradscape", "list", cwd=tmp_path)
    assert command.stdout == listed.stdout


def test_the_checkout_imports_each_file_once():
    """In the repository the folders keep their names: ``import optimizers`` and
    ``import gradscape.optimizers`` are one module, whichever comes first."""
    code = """
import optimizers.core, app.state
import gradscape.optimizers.core, gradscape.app.state, sys
assert optimizers.core is gradscape.optimizers.core
assert app.state is gradscape.app.state
assert sys.modules["optimizers"] is sys.modules["gradscape.optimizers"]
assert optimizers.run is gradscape.optimizers.run
assert gradscape.optimizers.core.__spec__.name == "gradscape.optimizers.core"
doubled = [m for m in sys.modules if m.split(".")[0] in ("app", "optimizers", "surfaces")
           and sys.modules[m] is not sys.modules.get("gradscape." + m)]
assert doubled == [], doubled
print("ok")
"""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, env=env
    )
    assert done.stdout.strip() == "ok", done.stderr


def test_the_example_notebook_runs(tmp_path, monkeypatch):
    """docs/notebooks/quickstart.ipynb, executed by a real kernel: it builds an animated
    figure and writes it with the public API."""
    import nbclient
    import nbformat

    monkeypatch.setenv("JUPYTER_PLATFORM_DIRS", "1")  # jupyter_client's own future default
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    figs = [o for o in outputs if "application/vnd.plotly.v1+json" in o.get("data", {})]
    assert figs, "the notebook shows a Plotly figure"
    shown = figs[0]["data"]["application/vnd.plotly.v1+json"]
    assert len(shown["frames"]) >= 10  # it animates without a server
    assert (tmp_path / "momentum.html").stat().st_size > 1_000_000
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "final loss" in text


def test_the_figure_plays_in_a_page_without_a_server(browser, tmp_path):
    """`gs.figure` animates by itself: its HTML (plotly.js inside, no Gradscape server)
    plays, the runs grow step by step, the title's step follows, and the contour stays."""
    import gradscape as gs

    fig = gs.figure("?surface=beale&run1=adam&run2=sgd&steps=120", frames=12, fps=10)
    path = tmp_path / "figure.html"
    fig.write_html(path, include_plotlyjs=True, auto_play=False)
    page = browser.new_page(viewport={"width": 1100, "height": 850})
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        page.goto(path.as_uri())
        page.wait_for_function("() => document.querySelector('.js-plotly-plot')?._fullData")
        read = """() => {
            const gd = document.querySelector('.js-plotly-plot');
            const title = gd._fullLayout.annotations.find(a => a.name === 'title');
            return {types: gd._fullData.map(t => t.type),
                    lengths: gd._fullData.map(t => t.x ? t.x.length : 0),
                    contours: gd.querySelectorAll('.contour path, .contourlevel path').length,
                    title: title ? title.text : ''};
        }"""
        before = page.evaluate(read)  # the link's step: the whole paths
        page.get_by_text("Play").click()  # plays from step 0
        title = "document.querySelector('.js-plotly-plot')._fullLayout.annotations"
        title += ".find(a => a.name === 'title').text"
        page.wait_for_function(f"() => /step (1|2|3|4)\\d /.test({title})", timeout=20_000)
        during = page.evaluate(read)
        page.wait_for_function(f"() => /step 120 /.test({title})", timeout=20_000)
        page.wait_for_function(
            "() => document.querySelectorAll('.js-plotly-plot .contour path').length > 0"
        )
        after = page.evaluate(read)
    finally:
        page.close()
    assert errors == []
    assert before["types"][0] == "contour" and after["types"] == before["types"]
    assert before["contours"] > 0 and after["contours"] == before["contours"]
    assert "step 120" in before["title"] and "step 120" in after["title"]
    assert during["types"] == before["types"]
    shorter = [d < b for d, b in zip(during["lengths"], before["lengths"], strict=True)]
    assert sum(shorter) >= 2  # both runs' trails were part-way
    assert after["lengths"] == before["lengths"]
