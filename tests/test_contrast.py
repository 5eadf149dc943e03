"""Colours a teacher can project: text contrast (WCAG 2.x), a dark map bright enough to
read on a projector, and run colours that can be told apart (CIEDE2000) in both themes.

The numbers here are the standards' own: WCAG's relative luminance and contrast ratio
(https://www.w3.org/TR/WCAG21/#dfn-contrast-ratio), sRGB → CIELAB (D65), and Sharma,
Wu & Dalal's CIEDE2000 implementation notes (2005), whose test pairs are checked below.
"""

from __future__ import annotations

import itertools
import math
import re
from pathlib import Path

import pytest

from gradscape.app.figures import THEMES
from gradscape.app.state import PALETTE, PALETTE_DARK


# --------------------------------------------------------------------------- colour science
def rgb(colour: str) -> tuple[float, float, float]:
    """'#rrggbb' or 'rgb(r, g, b)' as sRGB in 0…1."""
    colour = colour.strip()
    if colour.startswith("#"):
        return tuple(int(colour[j : j + 2], 16) / 255 for j in (1, 3, 5))
    r, g, b = (float(v) for v in re.findall(r"[\d.]+", colour)[:3])
    return r / 255, g / 255, b / 255


def _linear(c: float) -> float:
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def luminance(colour: str) -> float:
    """WCAG relative luminance."""
    r, g, b = (_linear(c) for c in rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio, 1…21."""
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def lab(colour: str) -> tuple[float, float, float]:
    """CIELAB (D65 white) of an sRGB colour."""
    r, g, b = (_linear(c) for c in rgb(colour))
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t):
        return t ** (1 / 3) if t > (6 / 29) ** 3 else t / (3 * (6 / 29) ** 2) + 4 / 29

    fx, fy, fz = f(x), f(y), f(z)
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def ciede2000(lab1, lab2) -> float:
    """ΔE00 between two CIELAB colours (kL = kC = kH = 1)."""
    L1, a1, b1 = lab1
    L2, a2, b2 = lab2
    c_bar = (math.hypot(a1, b1) + math.hypot(a2, b2)) / 2
    g = 0.5 * (1 - math.sqrt(c_bar**7 / (c_bar**7 + 25**7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = math.hypot(a1p, b1), math.hypot(a2p, b2)
    h1p = math.degrees(math.atan2(b1, a1p)) % 360 if c1p else 0.0
    h2p = math.degrees(math.atan2(b2, a2p)) % 360 if c2p else 0.0
    dLp, dCp = L2 - L1, c2p - c1p
    if c1p * c2p == 0:
        dhp = 0.0
    elif abs(h2p - h1p) <= 180:
        dhp = h2p - h1p
    else:
        dhp = h2p - h1p - 360 if h2p > h1p else h2p - h1p + 360
    dHp = 2 * math.sqrt(c1p * c2p) * math.sin(math.radians(dhp / 2))
    Lbp, Cbp = (L1 + L2) / 2, (c1p + c2p) / 2
    if c1p * c2p == 0:
        hbp = h1p + h2p
    elif abs(h1p - h2p) <= 180:
        hbp = (h1p + h2p) / 2
    else:
        hbp = (h1p + h2p + 360) / 2 if h1p + h2p < 360 else (h1p + h2p - 360) / 2
    t = (
        1
        - 0.17 * math.cos(math.radians(hbp - 30))
        + 0.24 * math.cos(math.radians(2 * hbp))
        + 0.32 * math.cos(math.radians(3 * hbp + 6))
        - 0.20 * math.cos(math.radians(4 * hbp - 63))
    )
    d_theta = 30 * math.exp(-(((hbp - 275) / 25) ** 2))
    rc = 2 * math.sqrt(Cbp**7 / (Cbp**7 + 25**7))
    sl = 1 + 0.015 * (Lbp - 50) ** 2 / math.sqrt(20 + (Lbp - 50) ** 2)
    sc = 1 + 0.045 * Cbp
    sh = 1 + 0.015 * Cbp * t
    rt = -math.sin(math.radians(2 * d_theta)) * rc
    return math.sqrt(
        (dLp / sl) ** 2 + (dCp / sc) ** 2 + (dHp / sh) ** 2 + rt * (dCp / sc) * (dHp / sh)
    )


def delta_e(a: str, b: str) -> float:
    return ciede2000(lab(a), lab(b))


def brightness(colour: str) -> float:
    """Perceived brightness 0…255 (Rec. 601 luma, as an image viewer's picker reports it)."""
    r, g, b = rgb(colour)
    return 255 * (0.299 * r + 0.587 * g + 0.114 * b)


# --------------------------------------------------------------------------- the science itself
@pytest.mark.parametrize(
    "lab1, lab2, expected",
    [  # Sharma, Wu & Dalal (2005), table 1: pairs 1, 7, 17 and 25
        ((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485), 2.0425),
        ((50.0, 0.0, 0.0), (50.0, -1.0, 2.0), 2.3669),
        ((50.0, 2.5, 0.0), (73.0, 25.0, -18.0), 27.1492),
        ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
    ],
)
def test_ciede2000_matches_the_published_test_pairs(lab1, lab2, expected):
    assert ciede2000(lab1, lab2) == pytest.approx(expected, abs=1e-4)


def test_wcag_contrast_of_black_on_white_is_21():
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


# --------------------------------------------------------------------------- the app's colours
CSS = (Path(__file__).resolve().parent.parent / "assets" / "gradscape.css").read_text()


def css_vars(selector: str) -> dict[str, str]:
    """The custom properties a rule of assets/gradscape.css sets (':root', '.gs-dark')."""
    block = re.search(re.escape(selector) + r"\s*\{([^}]*)\}", CSS).group(1)
    return dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})\s*;", block))


def theme_vars(theme: str) -> dict[str, str]:
    light = css_vars(":root")
    return light if theme == "light" else {**light, **css_vars(".gs-dark")}


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("text", ["ink", "muted", "faint", "accent", "danger"])
@pytest.mark.parametrize("under", ["panel", "bg"])
def test_page_text_colours_reach_wcag_aa(theme, text, under):
    """Defect 6: every text colour of the page, on the panel and on the page, ≥ 4.5:1."""
    v = theme_vars(theme)
    assert contrast(v[text], v[under]) >= 4.5, (theme, text, v[text], under, v[under])


@pytest.mark.parametrize("name", ["light", "dark"])
def test_chart_text_colours_reach_wcag_aa(name):
    """The figures' ink and muted (ticks, titles, colour-bar labels) on their plot colour."""
    t = THEMES[name]
    page = theme_vars(name)["panel"]
    for colour in (t.ink, t.muted):
        assert contrast(colour, t.plot) >= 4.5, (name, colour)
        assert contrast(colour, page) >= 4.5, (name, colour, page)


def test_the_dark_map_is_as_bright_a_range_as_the_light_one():
    """Defect 6: the dark contour spanned 31…100 of 255 (light: 147…252): too dark for a
    projector. Now its brightness range is at least 90 % of the light one's and its
    brightest level is a mid tone."""
    span = {}
    for name in ("light", "dark"):
        levels = [brightness(c) for _, c in THEMES[name].contour]
        span[name] = (min(levels), max(levels))
    (llo, lhi), (dlo, dhi) = span["light"], span["dark"]
    assert dhi - dlo >= 0.9 * (lhi - llo), span
    assert dhi >= 125, span


@pytest.mark.parametrize("name", ["light", "dark"])
def test_eight_run_colours_are_told_apart(name):
    """Defect 6: with 8 runs every pair of colours differs by ΔE00 ≥ 20 (dark had three
    pairs near 16: blue/sky, pink/wine, sky/grey)."""
    palette = PALETTE if name == "light" else PALETTE_DARK
    assert len(palette) == 8
    worst = min(
        (delta_e(a, b), i, j) for (i, a), (j, b) in itertools.combinations(enumerate(palette), 2)
    )
    assert worst[0] >= 20, (name, worst)


def test_dark_run_colours_read_as_text_on_the_dark_plot():
    """Run colours label things (compare titles, the legend's swatches): ≥ 4.5:1 in dark."""
    plot = THEMES["dark"].plot
    for c in PALETTE_DARK:
        assert contrast(c, plot) >= 4.5, c
