"""Exports: `figure` for notebooks, `write`/`gradscape render` files, the /export route.

Images are rendered for real (kaleido driving a headless Chromium, one kept for
the whole module) and read back with Pillow; the HTML page is opened in
Chromium through Playwright. Everything that needs Chromium skips where
/usr/bin/chromium is missing; sizes and frame counts are kept small.
"""

from __future__ import annotations

import io
import itertools
import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from gradscape.app import export, look
from gradscape.app.cli import main
from gradscape.app.export import BrowserNotFoundError, OptionsError, figure, write
from gradscape.app.export.slide import HEAVIER
from gradscape.app.state import MODES, PALETTE, parse

CHROMIUM = os.environ.get("GRADSCAPE_CHROMIUM", "/usr/bin/chromium")
needs_chromium = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no {CHROMIUM}")

LINK = (
    "http://127.0.0.1:8050/?surface=rosenbrock&run1=sgd&run1.lr=0.002&run2=momentum"
    "&run2.lr=0.001&run3=adam&run3.lr=0.1&run3.beta1=0.8&steps=300"
)


def _rgb(hex_colour: str) -> np.ndarray:
    return np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)])


def _pixels_near(img: Image.Image, colour: str, tol: int = 12) -> int:
    a = np.asarray(img.convert("RGB")).astype(int)
    return int((np.abs(a - _rgb(colour)).max(axis=2) <= tol).sum())


def _open(path: Path) -> Image.Image:
    """The image in memory (no file left open)."""
    return Image.open(io.BytesIO(Path(path).read_bytes()))


def _annotation(fig, name: str) -> str:
    return next(a.text for a in fig.layout.annotations if a.name == name)


@pytest.fixture(scope="module")
def renderer():
    """The process's browser, which the command line and the route use too: one start."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no {CHROMIUM}")
    return export.renderer.shared()


# --------------------------------------------------------------------------- figure
def test_figure_from_a_link_equals_figure_from_its_state():
    state, notices = parse(LINK.split("?", 1)[1])
    assert notices == []
    from_link = figure(LINK)
    assert from_link.to_json() == figure(state).to_json()
    assert figure("?" + LINK.split("?", 1)[1]).to_json() == from_link.to_json()
    assert figure(LINK.split("?", 1)[1]).to_json() == from_link.to_json()


def test_title_and_caption_are_annotations():
    fig = figure(LINK)
    assert _annotation(fig, "title") == "Rosenbrock — step 300 / 300"
    assert _annotation(fig, "caption") == (
        "SGD (γ 0.002) · Momentum (γ 0.001, μ 0.9) · Adam (γ 0.1, β₁ 0.8)"
    )
    assert _annotation(figure(LINK, t=120), "title") == "Rosenbrock — step 120 / 300"
    fig = figure(LINK, title=False, caption=False)
    assert not fig.layout.annotations


def test_caption_names_shared_settings_and_skips_hidden_runs():
    query = (
        "surface=quadratic&surface.condition=50&run1=sgd&run1.lr=0.01&run2=rmsprop"
        "&run2.lr=0.01&run2.centered=1&run3=adam&run3.lr=0.1&run3.hide=1"
        "&schedule=step&schedule.step_size=100&clip=value&clip_at=0.5&noise=0.3&seed=7"
    )
    fig = figure(query)
    text = _annotation(fig, "caption")
    assert "SGD (γ 0.01) · RMSProp (γ 0.01, centered)" in text
    assert "Adam" not in text
    assert "step schedule (s 100" in text
    assert "clipped by value at 0.5" in text
    assert "gradient noise σ 0.3 (seed 7)" in text
    assert _annotation(fig, "title").startswith("Quadratic bowl (κ 50, θ 30) — step ")


def test_a_custom_formula_exports_too(tmp_path):
    query = "surface=custom&expr=x**2%2B3*sin(y)&run1=adam&run1.lr=0.1"
    assert _annotation(figure(query), "title").startswith("Custom: x**2 + 3*sin(y) — step ")
    assert "Custom: x**2 + 3*sin(y)" in write(query, tmp_path / "f.html").read_text()


def test_figure_keeps_the_map_traces_and_runs_at_step_t():
    fig = figure(LINK, t=50, theme="dark")
    kinds = [tr.type for tr in fig.data]
    assert kinds[0] == "contour"
    trails = [tr for tr in fig.data if (tr.meta or {}).get("role") == "trail"]
    assert len(trails) == 3 and all(len(tr.x) == 51 for tr in trails)
    assert fig.layout.paper_bgcolor == "#0f1720"  # the dark theme's background


def test_plot_area_has_the_views_aspect_and_room_for_everything():
    fig = figure("surface=six_hump_camel", width=1100, height=800)  # a 6 × 4 view
    m = fig.layout.margin
    pw, ph = 1100 - m.l - m.r, 800 - m.t - m.b
    assert pw / ph == pytest.approx(1.5, rel=0.01)
    assert m.l > 40 and m.b > 60 and m.t > 60


# --------------------------------------------------------------------------- options
@pytest.mark.parametrize(
    ("fmt", "options", "message"),
    [
        ("jpeg", {}, "format 'jpeg' is unknown"),
        ("png", {"width": 10}, "width=10 is out of range"),
        ("png", {"width": "wide"}, "width='wide' is not a number"),
        ("png", {"width": 3000, "scale": 2}, "more than 4000 pixels"),
        ("gif", {"fps": 0}, "fps=0 is out of range"),
        ("gif", {"frames": 1000}, "frames=1000 is out of range"),
        ("gif", {"first": 200, "last": 100}, "must come before"),
        ("gif", {"scale": 2}, "scale applies to png and svg"),
        ("gif", {"frames": 300, "width": 4000, "height": 4000}, "more than one GIF may hold"),
    ],
)
def test_bad_options_say_why(fmt, options, message):
    with pytest.raises(OptionsError, match=message):
        export.Options.check(fmt, 500, **options)


def test_more_frames_than_steps_gives_one_frame_a_step_with_a_notice():
    o = export.Options.check("gif", 500, frames=60, first=10, last=30)
    assert o.frames == 21 and list(o.steps_shown()) == list(range(10, 31))
    assert "make 21 frames" in o.notices[0]
    assert export.Options.check("gif", 500, fps=15, hold=0).durations() == [70] * 60


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--out", "a.gif", "--fps", "0"], "fps=0 is out of range; use 1 … 50"),
        (["--out", "a.png", "--width", "99999"], "width=99999 is out of range"),
        (["--out", "a.bmp"], "cannot tell the format of a.bmp"),
        (["--out", "a.gif", "--first", "9", "--last", "3"], "first=9 must come before last=3"),
    ],
)
def test_render_refuses_bad_options_with_exit_code_2(tmp_path, monkeypatch, capsys, argv, message):
    monkeypatch.chdir(tmp_path)
    assert main(["render", LINK, *argv]) == 2
    assert message in capsys.readouterr().err
    assert not list(tmp_path.iterdir())  # nothing written


# --------------------------------------------------------------------------- browser
def test_no_browser_says_how_to_install_one(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("BROWSER_PATH", "/nonexistent/chrome")
    with pytest.raises(BrowserNotFoundError, match=r"apt-get install chromium.*BROWSER_PATH"):
        write(LINK, tmp_path / "a.png")
    assert main(["render", LINK, "--out", str(tmp_path / "a.gif")]) == 1
    err = capsys.readouterr().err
    assert "BROWSER_PATH='/nonexistent/chrome' is not an executable browser" in err
    assert "apt-get install chromium" in err
    # HTML needs no browser
    assert write(LINK, tmp_path / "a.html").stat().st_size > 1_000_000


@needs_chromium
def test_browser_path_picks_the_browser(monkeypatch):
    monkeypatch.setenv("BROWSER_PATH", CHROMIUM)
    assert export.find_browser() == CHROMIUM


# --------------------------------------------------------------------------- png
@needs_chromium
def test_png_is_the_size_asked_not_blank_and_shows_the_runs(renderer, tmp_path):
    out = write(LINK, tmp_path / "map.png", width=700, height=500, renderer=renderer)
    img = _open(out)
    assert img.format == "PNG" and img.size == (1400, 1000)  # scale 2 by default
    a = np.asarray(img.convert("RGB"))
    assert a.std() > 20 and len(np.unique(a.reshape(-1, 3), axis=0)) > 1000
    state, _ = parse(LINK.split("?", 1)[1])
    for run in state.runs:
        assert _pixels_near(img, PALETTE[run.color]) > 100, run.optimizer


@needs_chromium
def test_render_png_from_the_command_line(tmp_path, capsys):
    out = tmp_path / "cli.png"
    code = main(["render", LINK + "&run1.lr=zzz", "--out", str(out), "--width", "600",
                 "--height", "450", "--scale", "1"])  # fmt: skip
    assert code == 0
    captured = capsys.readouterr()
    assert captured.out.strip() == str(out)
    assert "run1.lr='zzz' is not a number" in captured.err  # parse's notice, on stderr
    assert _open(out).size == (600, 450)


# --------------------------------------------------------------------------- svg
@needs_chromium
def test_svg_is_xml_with_a_size_paths_and_the_title(renderer, tmp_path):
    out = write(LINK, tmp_path / "map.svg", width=800, height=600, t=100, renderer=renderer)
    root = ET.fromstring(out.read_bytes())
    assert root.tag.endswith("svg")
    assert float(root.get("width")) == 800 and float(root.get("height")) == 600
    assert len(root.findall(".//{http://www.w3.org/2000/svg}path")) > 50
    text = out.read_text()
    assert "Rosenbrock — step 100 / 300" in text
    assert "Adam (γ 0.1, β₁ 0.8)" in text


@needs_chromium
def test_render_svg_from_the_command_line(tmp_path):
    out = tmp_path / "cli.svg"
    assert main(["render", LINK, "--out", str(out), "--width", "600", "--height", "450"]) == 0
    assert ET.fromstring(out.read_bytes()).get("width") == "600"


# --------------------------------------------------------------------------- gif
def _frames(path: Path) -> list[tuple[Image.Image, int]]:
    img = _open(path)
    out = []
    for i in range(img.n_frames):
        img.seek(i)
        out.append((img.convert("RGB"), img.info["duration"]))
    return out


@needs_chromium
def test_gif_from_the_command_line(tmp_path):
    out = tmp_path / "paths.gif"
    code = main(["render", LINK, "--out", str(out), "--frames", "6", "--fps", "10",
                 "--width", "500", "--height", "400", "--hold", "0.5"])  # fmt: skip
    assert code == 0
    img = _open(out)
    assert img.format == "GIF" and img.n_frames == 6 and img.size == (500, 400)
    assert img.info.get("loop") == 0
    frames = _frames(out)
    assert [d for _, d in frames] == [100] * 5 + [600]
    first, last = (np.asarray(f).astype(int) for f in (frames[0][0], frames[-1][0]))
    assert np.abs(first - last).max(axis=2).astype(bool).sum() > 500  # the paths moved


@needs_chromium
def test_gif_frames_equal_the_still_image_at_their_step(renderer, tmp_path):
    """Each frame is a background plus a panel laid over it: it must look like the figure."""
    out = write(LINK, tmp_path / "a.gif", frames=4, first=20, last=200, fps=25,
                width=600, height=450, renderer=renderer)  # fmt: skip
    frames = _frames(out)
    assert len(frames) == 4 and [d for _, d in frames[:-1]] == [40] * 3
    steps = export.Options.check("gif", 300, frames=4, first=20, last=200).steps_shown()
    assert list(steps) == [20, 80, 140, 200]
    top = figure(LINK, width=600, height=450).layout.margin.t  # below the title
    for (frame, _), t in zip(frames[1:3], steps[1:3], strict=True):
        still = write(LINK, tmp_path / f"t{t}.png", t=int(t), scale=1, width=600,
                      height=450, renderer=renderer)  # fmt: skip
        a = np.asarray(frame).astype(int)[top - 20 :]  # the legend, plot, axes and caption
        b = np.asarray(_open(still).convert("RGB")).astype(int)[top - 20 :]
        diff = np.abs(a - b).max(axis=2)
        assert diff.mean() < 1.5, t  # palette rounding only
        assert (diff > 60).mean() < 0.002, t
    titles = [np.asarray(f)[: top - 20] for f, _ in frames]
    assert all((x != y).any() for x, y in itertools.pairwise(titles))  # the step
    state, _ = parse(LINK.split("?", 1)[1])
    for run in state.runs:  # the run colours are in the palette exactly
        assert _pixels_near(frames[-1][0], PALETTE[run.color], tol=0) > 50


# --------------------------------------------------------------------------- html
def test_html_is_standalone_with_the_figure_and_a_slider(tmp_path):
    out = write(LINK, tmp_path / "a.html", frames=20)
    text = out.read_text()
    assert "<script src=" not in text.split('<div id="gradscape"')[0]  # plotly.js inline
    assert "plotly.js" in text and "Plotly.newPlot" in text
    assert '"type":"contour"' in text and "Momentum · γ 0.001" in text
    assert "plotly_sliderchange" in text and "<title>Gradscape — Rosenbrock" in text


def _player(html: str) -> dict:
    """The data the HTML player was given."""
    return json.loads(html.split("const P = ", 1)[1].split(";\n", 1)[0])


DIVERGES = "run1=sgd&run1.lr=0.01&run2=adam&run2.lr=0.1&steps=100&t=60"  # run 1 leaves at 4


def test_html_player_is_given_styles_and_steps_not_rules(tmp_path, monkeypatch):
    """The page restates no look: each step's spans and markers come from `look`."""
    bold = look.Look(trail_width=7.5, ghost_opacity=0.25, head_size=21.0, mark_size=19.0)
    monkeypatch.setitem(look.LOOKS, "map", bold)
    text = write(DIVERGES, tmp_path / "a.html", frames=11).read_text()
    p = _player(text)
    assert p["style"] == look.style_data("#ffffff")
    assert p["steps"] == list(range(0, 101, 10)) and p["active"] == 6
    k = HEAVIER  # 1100 × 800: font scale 1
    sgd, adam = p["runs"]
    assert sgd["markers"]["circle"]["size"] == 21.0 * k
    assert sgd["markers"]["x"]["size"] == 19.0 * k
    n = 101
    for s, t in enumerate(p["steps"]):
        (g0, g1, _), (t0, t1, _), (h0, h1, mark) = sgd["at"][s]
        assert (g0, g1, t0, t1, h0, h1) == (t, n, 0, t + 1, t, t + 1)
        assert mark == ("x" if t >= 4 else "circle")
        assert adam["at"][s][2][2] == "circle"
    fig = figure(DIVERGES)
    roles = {(tr.meta["run"], tr.meta["role"]): tr for tr in fig.data if tr.meta}
    assert sgd["traces"] == [fig.data.index(roles[0, r]) for r in ("ghost", "trail", "head")]
    assert roles[0, "trail"].line.width == 7.5 * k and roles[0, "ghost"].opacity == 0.25
    assert roles[0, "head"].marker.symbol == "x" and roles[0, "head"].marker.size == 19.0 * k
    player_js = export.html._PLAYER_JS
    assert not any(word in player_js for word in ("'x'", "circle", "ghost", "trail", "width"))


def test_render_html_from_the_command_line(tmp_path, capsys):
    out = tmp_path / "cli.html"
    assert main(["render", LINK, "--out", str(out), "--frames", "10"]) == 0
    assert capsys.readouterr().out.strip() == str(out)
    assert out.stat().st_size > 1_000_000


@needs_chromium
def test_html_slider_moves_the_runs_and_keeps_the_contour(tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    out = write(LINK + "&t=60", tmp_path / "a.html", frames=16)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM)
        page = browser.new_page(viewport={"width": 1100, "height": 800})
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(out.as_uri())
        page.wait_for_function(
            "() => { const g = document.getElementById('gradscape');"
            " return g && g._fullData && g.querySelector('.contourlayer path'); }"
        )
        state = """() => { const g = document.getElementById('gradscape');
            return {types: g._fullData.map(t => t.type),
                    roles: g._fullData.map(t => t.meta && t.meta.role),
                    trail: g._fullData.find(t => t.meta && t.meta.role === 'trail')._length,
                    dots: g.data.find(t => t.meta && t.meta.role === 'trail').marker,
                    head: g.data.find(t => t.meta && t.meta.role === 'head').marker,
                    contour: g.querySelectorAll('.contourlayer path').length,
                    title: g.layout.annotations.find(a => a.name === 'title').text}; }"""
        before = page.evaluate(state)
        assert before["types"][0] == "contour" and before["contour"] > 20
        assert before["roles"].count("trail") == 3 and before["trail"] == 61
        rail = page.query_selector(".slider-rail-rect").bounding_box()
        page.mouse.click(rail["x"] + rail["width"] - 2, rail["y"] + rail["height"] / 2)
        page.wait_for_function(
            "() => document.getElementById('gradscape').layout.sliders[0].active === 15"
        )
        after = page.evaluate(state)
        assert after["trail"] == 301 and after["title"] == "Rosenbrock — step 300 / 300"
        assert after["contour"] == before["contour"]  # the contour is still drawn
        assert after["dots"] == before["dots"]  # only the heads' markers are restyled
        assert after["head"] == before["head"] and before["head"]["symbol"] == "circle"
        browser.close()
    assert errors == []


# --------------------------------------------------------------------------- route
QUERY = LINK.split("?", 1)[1]


@needs_chromium
@pytest.mark.parametrize(("fmt", "media"), [("png", "image/png"), ("html", "text/html")])
def test_route_answers_a_file(client, fmt, media):
    r = client.get(f"/export/{fmt}?{QUERY}&export.width=500&export.height=400&export.frames=5")
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith(media)
    assert r.headers["Content-Disposition"] == f'attachment; filename="gradscape-rosenbrock.{fmt}"'
    if fmt == "png":
        assert Image.open(io.BytesIO(r.data)).size == (1000, 800)


def test_route_makes_a_file_of_a_bad_link_and_refuses_bad_options(client):
    r = client.get("/export/html?surface=nowhere&run1.lr=abc&export.frames=5")
    assert r.status_code == 200
    assert r.headers["Content-Disposition"] == 'attachment; filename="gradscape-rosenbrock.html"'
    r = client.get(f"/export/gif?{QUERY}&export.fps=500")
    assert r.status_code == 400 and "fps=500 is out of range" in r.text
    r = client.get(f"/export/png?{QUERY}&export.colour=red")
    assert r.status_code == 400 and "export.colour is not an export option" in r.text
    r = client.get(f"/export/bmp?{QUERY}")
    assert r.status_code == 400 and "format 'bmp' is unknown" in r.text


def test_route_without_a_browser_is_503(client, monkeypatch):
    monkeypatch.setenv("BROWSER_PATH", "/nonexistent/chrome")
    r = client.get(f"/export/png?{QUERY}")
    assert r.status_code == 503 and "apt-get install chromium" in r.text


# --------------------------------------------------------------------------- other views
@pytest.mark.parametrize(
    "query, words",
    [
        ("mode=compare&k=4&steps=60", "at 4 learning rates"),
        ("mode=compare&layout=overlay&k=3&steps=60", "at 3 learning rates"),
        ("mode=sensitivity&steps=60", "final loss against learning rate"),
        ("mode=starts&grid=20&steps=60&metric=basin&surface=himmelblau", "where each start ends"),
        ("mode=3d&steps=60", "in 3D"),
    ],
)
def test_every_view_exports_as_a_titled_png(renderer, tmp_path, query, words):
    fig = figure(query, width=550, height=400)
    assert words in _annotation(fig, "title")
    out = write(query, tmp_path / "view.png", width=550, height=400, scale=1, renderer=renderer)
    img = _open(out)
    assert img.size == (550, 400)
    pixels = np.asarray(img.convert("RGB")).reshape(-1, 3)
    assert len(np.unique(pixels, axis=0)) > 200  # a drawing, not a blank page


def test_compare_gif_frames_equal_the_still_image_at_their_step(renderer, tmp_path):
    """The small multiples' frames are layered too: the runs laid over each panel."""
    query = "mode=compare&k=4&steps=120&run1=sgd&rates=0.0005,0.008"
    size = dict(width=600, height=450, renderer=renderer)
    frames = _frames(write(query, tmp_path / "c.gif", frames=3, first=0, last=120, **size))
    top = round(figure(query, width=600, height=450).layout.margin.t) - 8  # below the title
    for (frame, _), t in zip(frames, (0, 60, 120), strict=True):
        still = write(query, tmp_path / f"c{t}.png", t=t, scale=1, **size)
        a = np.asarray(frame).astype(int)[top:]
        b = np.asarray(_open(still).convert("RGB")).astype(int)[top:]
        diff = np.abs(a - b).max(axis=2)
        assert diff.mean() < 1.5, t  # palette rounding only
        assert (diff > 60).mean() < 0.002, t


def test_a_compare_gif_moves_every_panel(renderer, tmp_path):
    out = write(
        "mode=compare&k=4&steps=80", tmp_path / "cmp.gif", width=440, height=320, frames=5,
        renderer=renderer,
    )  # fmt: skip
    img = _open(out)
    assert img.n_frames == 5 and img.size == (440, 320)
    img.seek(0)
    first = np.asarray(img.convert("RGB"), dtype=int)
    img.seek(4)
    last = np.asarray(img.convert("RGB"), dtype=int)
    assert np.abs(first - last).sum(axis=2).astype(bool).mean() > 0.002  # the paths grew


def test_every_view_mode_is_registered_once_with_what_it_allows():
    assert set(export.VIEWS) == set(MODES)
    for mode, view in export.VIEWS.items():
        state, _ = parse(f"mode={mode}&steps=20&grid=10")
        assert export.view_of(state) is view and view.mode == mode
        drawn = view.draw(state, 10, export.slide.Slide(width=550, height=400))
        runs = [tr for tr in drawn.figure.data if (tr.meta or {}).get("role")]
        assert bool(runs) == view.steps == bool(drawn.drawings), mode
        assert len(runs) == sum(len(d.at(10)) for d in drawn.drawings)


@pytest.mark.parametrize(
    "query, layered",
    [
        ("", True),
        ("mode=compare&layout=overlay&k=3", True),
        ("mode=compare&k=3", None),
        ("mode=3d", False),
    ],
)
def test_maps_are_layered_and_get_the_html_player(tmp_path, query, layered):
    """Every 2D view's GIF lays the runs over a background rendered once; a map laid out by
    `dress_map` (the paths, the compare overlay) has the HTML step player too."""
    state, _ = parse(query + "&steps=40")
    drawn = export.view_of(state).draw(state, 10, export.slide.Slide())
    assert drawn.layered is (layered is not False)  # the grid is layered, with no player
    text = write(state, tmp_path / "v.html", frames=5).read_text()
    assert ("const P = " in text) is bool(layered)
    if layered:
        runs = _player(text)["runs"]
        assert len(runs) == len(state.runs if state.mode == "paths" else range(3))


@pytest.mark.parametrize("mode", [m for m, v in export.VIEWS.items() if not v.steps])
def test_views_without_steps_refuse_a_gif_plainly(renderer, tmp_path, mode):
    with pytest.raises(OptionsError, match="no steps to animate"):
        write(f"mode={mode}&grid=10&steps=20", tmp_path / "x.gif", renderer=renderer)


def test_a_tab_not_loaded_yet_is_tried_again_and_other_errors_are_not(renderer, monkeypatch):
    """Under load kaleido can hand a figure to a tab whose page has not loaded
    ("kaleido_scopes is not defined": an export failed on a busy machine); it is tried
    again after a wait. Any other error is not."""
    from gradscape.app.export import renderer as module

    monkeypatch.setattr(module, "NOT_READY_WAITS", (0.01, 0.01))
    calls = []

    class Flaky:
        def __init__(self, errors):
            self.errors = list(errors)

        async def calc_fig(self, fig, opts):
            calls.append(opts["format"])
            if self.errors:
                raise RuntimeError(self.errors.pop(0))
            return b"png"

    real = renderer._k
    try:
        renderer._k = Flaky([f"ReferenceError: {module.NOT_READY}"] * 2)
        fig = {"data": [], "layout": {"width": 10, "height": 10}}
        assert renderer.render([fig], fmt="png") == [b"png"]
        assert len(calls) == 3
        renderer._k = Flaky([f"ReferenceError: {module.NOT_READY}"] * 3)  # more than it waits
        with pytest.raises(RuntimeError, match="kaleido_scopes"):
            renderer.render([fig], fmt="png")
        calls.clear()
        renderer._k = Flaky(["something else"])
        with pytest.raises(RuntimeError, match="something else"):
            renderer.render([fig], fmt="png")
        assert len(calls) == 1
    finally:
        renderer._k = real
