"""The "slide" export preset: 16:9 at a projector's 1920 × 1080 (issue 12, Beyond)."""

from __future__ import annotations

import pytest

from gradscape.app.export.options import PRESETS, Options, OptionsError, split_query


@pytest.mark.parametrize("fmt", ["png", "svg", "gif", "html"])
def test_the_slide_preset_is_16_by_9_at_1920_by_1080(fmt):
    o = Options.check(fmt, 100, preset="slide", frames=20)
    assert (o.width, o.height) == (1920, 1080)
    assert o.width * 9 == o.height * 16
    assert o.scale == 1  # one image pixel per projector pixel, also for a PNG (default 2×)
    assert o.preset == "slide"


def test_without_a_preset_the_sizes_are_unchanged():
    o = Options.check("png", 100)
    assert (o.width, o.height, o.scale, o.preset) == (1100, 800, 2, None)


def test_given_sizes_win_over_the_preset():
    o = Options.check("png", 100, preset="slide", width=1280, height=720, scale=2)
    assert (o.width, o.height, o.scale) == (1280, 720, 2)


def test_an_unknown_preset_is_refused_with_the_choices():
    with pytest.raises(OptionsError, match=r"preset='poster' is unknown; choose one of: slide"):
        Options.check("png", 100, preset="poster")


def test_a_link_asks_for_the_preset_with_an_export_key():
    query, options = split_query("surface=beale&export.preset=slide")
    assert query == "surface=beale" and options == {"preset": "slide"}
    assert Options.check("png", 10, **options).width == PRESETS["slide"]["width"]


# --------------------------------------------------------------------------- the slide laid out
import pathlib  # noqa: E402
import re  # noqa: E402

from gradscape.app import presets  # noqa: E402
from gradscape.app.export import figure  # noqa: E402
from gradscape.app.export.slide import (  # noqa: E402
    LINE,
    MIN_SIDE_FONT,
    Slide,
    box_of,
    font_scale,
    fonts,
)
from gradscape.app.state import parse  # noqa: E402

MODES = ["paths", "compare", "sensitivity", "starts", "3d"]
LESSONS = list(dict.fromkeys(p.slug for p in (*presets.PRESETS, *presets.DATA_PRESETS)))


def _note(fig, name):
    return next((a for a in fig.layout.annotations if a.name == name), None)


@pytest.mark.parametrize("mode", MODES)
def test_a_lessons_slide_is_titled_with_the_lesson_in_every_view(mode):
    fig = figure(f"preset=zigzag&mode={mode}&grid=20", preset="slide")
    assert (fig.layout.width, fig.layout.height) == (1920, 1080)
    title = _note(fig, "title")
    assert title.text.startswith("Zig-zag in a narrow valley"), title.text
    assert "Quadratic" not in title.text  # not the surface
    assert title.font.size >= 28


def test_a_page_that_is_no_lesson_is_titled_with_its_surface_and_runs():
    fig = figure("surface=himmelblau", preset="slide")
    assert _note(fig, "title").text == "Himmelblau: SGD, Momentum and Adam — step 500 / 500"
    # the ordinary export keeps its short title
    assert _note(figure("surface=himmelblau"), "title").text == "Himmelblau — step 500 / 500"


@pytest.mark.parametrize("query", ["preset=zigzag", "surface=himmelblau", "preset=beale-race"])
def test_a_slides_text_is_sized_for_a_projector(query):
    fig = figure(query, preset="slide")
    lo = 20  # px at 1920 wide: read from the back of a room
    assert _note(fig, "title").font.size >= 28
    assert fig.layout.xaxis.tickfont.size >= lo and fig.layout.yaxis.tickfont.size >= lo
    assert fig.layout.xaxis.title.font.size >= lo
    assert fig.layout.legend.font.size >= lo
    assert _note(fig, "caption").font.size >= lo * 0.9  # the settings, under the story
    bars = [t.colorbar.tickfont.size for t in fig.data if t.type == "contour"]
    assert bars and min(bars) >= lo
    # the same link's ordinary export keeps its smaller text (1100 × 800)
    assert figure(query).layout.xaxis.tickfont.size < lo


@pytest.mark.parametrize("mode", ["sensitivity", "compare", "starts", "3d"])
def test_every_views_slide_has_projector_text(mode):
    fig = figure(f"preset=lr-too-high&mode={mode}&grid=20", preset="slide")
    assert _note(fig, "title").font.size >= 28
    if mode != "3d":
        ticks = [ax.tickfont.size for ax in fig.select_xaxes()]
        assert ticks and min(ticks) >= 20, ticks
    labels = [a for a in fig.layout.annotations if a.name not in ("title", "caption", "story")]
    assert all(a.font.size >= 16 for a in labels), [(a.text, a.font.size) for a in labels]


def test_a_lessons_story_stands_beside_its_map_in_projector_fonts():
    fig = figure("preset=zigzag", preset="slide")
    story = _note(fig, "story")
    words = re.sub(r"<[^>]+>", " ", story.text)
    assert "condition number" in words and "Momentum" in words
    assert story.font.size >= MIN_SIDE_FONT and story.xanchor == "left"
    m = fig.layout.margin
    x = m.l + story.x * (1920 - m.l - m.r)
    assert x > m.l + (1920 - m.l - m.r) + 40  # right of the map and its colour bar


@pytest.mark.parametrize("slug", LESSONS)
def test_every_lessons_slide_fits_without_overlap(slug):
    state = parse(f"preset={slug}")[0]
    slide = Slide(1920, 1080, projector=True)
    box = box_of(state, slide, [])
    k = font_scale(slide)
    assert box.side_lines, "the story is on the slide"
    size = box.side_size
    if box.side_w:  # beside the map: right of the colour bar, inside the image
        assert box.side_x >= box.left + box.pw + 92 * k
        assert box.side_x + box.side_w <= 1920
        bottom = box.side_y + (len(box.side_lines) + 1 + 0.9 * len(box.side_caption)) * size * LINE
        assert box.side_y >= 18 * k + fonts(k)["title"] * 1.3  # under the title
        assert bottom <= 1080
        assert max(len(re.sub("</?i>", "", s)) for s in box.side_lines) * 0.6 * size <= box.side_w
        told = box.side_caption  # the settings too (a caveat's sentence ran off the image)
        assert all(len(s) * 0.6 * size * 0.9 <= box.side_w for s in told if " " in s), told
    else:  # under the map, above the caption, inside the image
        assert box.side_y >= box.top + box.ph
        bottom = box.caption_y + len(box.caption_lines) * fonts(k)["caption"] * 1.45
        assert bottom <= 1080
    assert size >= MIN_SIDE_FONT and box.ph >= 400


def test_the_start_maps_export_title_is_centred_and_its_ticks_readable():
    # its title was off-centre (the margins grew with its colour bar) with 10 px ticks
    for query, opts in (("mode=starts&grid=20", {}), ("mode=starts&grid=20", {"preset": "slide"})):
        fig = figure(query, **opts)
        W = fig.layout.width
        m = fig.layout.margin
        title = _note(fig, "title")
        centre = m.l + title.x * (W - m.l - m.r)
        assert abs(centre - W / 2) <= 1 and title.xanchor == "center"
        assert m.autoexpand is False  # nothing moves the margins after the title is placed
        k = font_scale(Slide(W, fig.layout.height, projector="preset" in opts))
        assert fig.layout.xaxis.tickfont.size >= 14 * k
        bar = next(t for t in fig.data if t.type == "heatmap" and t.showscale is not False)
        assert bar.colorbar.tickfont.size >= 13 * k


def test_a_preset_export_is_titled_with_the_lesson_in_every_view_without_the_preset():
    for mode in MODES:
        fig = figure(f"preset=adamw&mode={mode}&grid=20")
        assert _note(fig, "title").text.startswith("Adam's L2 vs AdamW's decoupled decay")


def test_the_saddle_lessons_3d_view_draws_its_escape_marks():
    # the triangle of a run escaping to f → −∞ is no symbol of a 3D scene (it raised)
    fig = figure("preset=saddle&mode=3d")
    marks = {t.marker.symbol for t in fig.data if t.meta and t.meta.get("role") == "head3d"}
    assert "diamond" in marks


@pytest.mark.parametrize("fmt", ["png", "gif"])
def test_a_rendered_slide_is_exactly_1920_by_1080(fmt, tmp_path):
    if not pathlib.Path("/usr/bin/chromium").exists():
        pytest.skip("no chromium")
    import io

    from PIL import Image

    from gradscape.app.export import export

    e = export("preset=zigzag", fmt, preset="slide", frames=3)
    with Image.open(io.BytesIO(e.data)) as img:
        assert img.size == (1920, 1080)
        if fmt == "gif":
            assert img.n_frames == 3


@pytest.mark.parametrize("preset", [None, "slide"])
def test_each_gif_frames_title_reads_its_step_without_padding_inside(preset):
    # the first frame's title read "step     0 / 150": the padding went before the digits
    from gradscape.app.export import gif
    from gradscape.app.export.modes import view_of

    state = parse("preset=zigzag")[0]
    o = Options.check("gif", state.steps, frames=4, preset=preset)
    sl = Slide(o.width, o.height, animated=True, projector=preset == "slide")
    drawn = view_of(state).draw(state, int(o.steps_shown()[0]), sl)
    layout = drawn.figure.to_dict()["layout"]
    p = gif._panel(layout)
    sheets = gif._sheets(layout, drawn.drawings, o.steps_shown(), p)
    titles = [a["text"] for s, _ in sheets for a in s["layout"]["annotations"]]
    assert [t.split(" — ")[1].rstrip("\u2007") for t in titles] == [
        "step 0 / 150",
        "step 50 / 150",
        "step 100 / 150",
        "step 150 / 150",
    ]
    assert all(t.startswith("Zig-zag in a narrow valley — step ") for t in titles)
    assert not any("  " in t or "step \u2007" in t for t in titles)
    assert abs(p.x0 + p.title_x - o.width / 2) <= 1  # centred on the image, as the still


@pytest.mark.parametrize("mode", ["paths", "compare", "3d"])
def test_the_longest_lessons_title_fits_a_slide_in_one_line(mode):
    longest = max(LESSONS, key=lambda slug: len(presets.BY_SLUG[slug].title))
    fig = figure(f"preset={longest}&mode={mode}&k=10&steps=10000", preset="slide")
    title = _note(fig, "title")
    assert len(title.text) * 0.6 * title.font.size <= 0.95 * 1920  # DejaVu Sans: wide
    assert title.font.size >= 28


@pytest.mark.parametrize(("query", "preset"), [("k=7", None), ("k=9", "slide")])
def test_a_compare_gif_with_an_empty_grid_cell_makes_its_frames(query, preset):
    # an empty cell's axes have no range: making the frames raised KeyError: 'range'
    from gradscape.app.export import gif
    from gradscape.app.export.modes import view_of

    state = parse(f"mode=compare&{query}")[0]
    o = Options.check("gif", state.steps, frames=3, preset=preset)
    sl = Slide(o.width, o.height, animated=True, projector=preset == "slide")
    drawn = view_of(state).draw(state, 0, sl)
    layout = drawn.figure.to_dict()["layout"]
    sheets = gif._sheets(layout, drawn.drawings, o.steps_shown(), gif._panel(layout))
    runs = [tr for s, _ in sheets for tr in s["data"]]
    assert len(runs) == 3 * state.k * 3  # each frame: every rate's ghost, trail and head


def test_render_a_slide_from_the_command_line(tmp_path, capsys):
    if not pathlib.Path("/usr/bin/chromium").exists():
        pytest.skip("no chromium")
    from PIL import Image

    from gradscape.app.cli import main

    out = tmp_path / "slide.png"
    assert main(["render", "preset=zigzag", "--out", str(out), "--preset", "slide"]) == 0
    with Image.open(out) as img:
        assert img.size == (1920, 1080)
    with pytest.raises(SystemExit) as exit_:
        main(["render", "preset=zigzag", "--out", str(out), "--preset", "poster"])
    assert exit_.value.code == 2 and "invalid choice: 'poster'" in capsys.readouterr().err


def test_a_y_title_is_no_taller_than_its_panel():
    # "steps to arrive (≤ 0.001)" at the slide's 26 px ran up beside the loss panel
    fig = figure("mode=sensitivity&surface=quadratic", preset="slide")
    m = fig.layout.margin
    ph = 1080 - m.t - m.b
    for ax in fig.select_yaxes():
        if ax.title.text:
            tall = (ax.domain[1] - ax.domain[0]) * ph
            longest = max(len(line) for line in ax.title.text.split("<br>"))
            assert longest * 0.6 * ax.title.font.size <= tall, ax.title.text
            assert ax.title.font.size >= 19


LONGEST = max(presets.PRESETS, key=lambda p: len(p.text)).slug


@pytest.mark.parametrize("mode", ["sensitivity", "compare", "3d"])
@pytest.mark.parametrize("slug", ["zigzag", LONGEST])
def test_a_lessons_story_stands_beside_every_other_view_too(mode, slug):
    """The sensitivity curves, the compare grid and the 3D scene carried the lesson's title
    but not its story: it now stands in a column right of the view, as beside a map."""
    from gradscape.app.export.slide import SIDE

    fig = figure(f"preset={slug}&mode={mode}", preset="slide")
    W, H = 1920, 1080
    assert (fig.layout.width, fig.layout.height) == (W, H)
    story = _note(fig, "story")
    assert story is not None, "the story is on the slide"
    words = re.sub(r"<[^>]+>", "", story.text.replace("<br>", " "))
    lesson = re.sub(r"\*([^*]+)\*", r"\1", presets.BY_SLUG[slug].text)
    assert " ".join(words.split()) == " ".join(lesson.replace("\u00a0", " ").split())
    m = fig.layout.margin
    pw, ph = W - m.l - m.r, H - m.t - m.b
    x = m.l + story.x * pw
    top = m.t + (1 - story.y) * ph
    lines = story.text.split("<br>")
    assert x >= W * (1 - SIDE) and story.xanchor == "left"  # in the column, right of the view
    assert m.l + pw <= W * (1 - SIDE)  # the plot area keeps out of it
    assert max(len(re.sub("</?i>", "", s)) for s in lines) * 0.6 * story.font.size <= W - x
    assert story.font.size >= MIN_SIDE_FONT
    title = _note(fig, "title")
    assert top >= 18 * 1.6 + title.font.size * 1.3  # under the title
    assert top + len(lines) * story.font.size * LINE <= H
    assert abs(m.l + title.x * pw - W / 2) < 1  # the title over the whole slide
    assert title.font.size >= 28


@pytest.mark.parametrize("mode", ["sensitivity", "compare", "3d"])
def test_no_story_without_a_lesson_or_off_the_projector(mode):
    assert _note(figure(f"surface=himmelblau&mode={mode}", preset="slide"), "story") is None
    plain = figure(f"preset=zigzag&mode={mode}")
    assert _note(plain, "story") is None and plain.layout.width == 1100
