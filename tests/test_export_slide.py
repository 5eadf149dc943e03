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
