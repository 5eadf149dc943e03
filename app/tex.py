"""Formulas on the page: a LaTeX string becomes an element the browser typesets.

`block(tex)` is an empty ``<div class="gs-tex" data-tex="...">``; the browser's
loader (assets/_gs-loader.js) typesets it with KaTeX, fetched the first time a
formula appears, and again whenever `data-tex` changes. KaTeX (about 350 KB with
the fonts a formula uses, 110 KB as sent) replaces MathJax as dcc.Markdown
loads it (2.1 MB, plus the Markdown and highlighting chunks); it renders every
formula the app shows: each surface's, each optimizer's `rule_tex` and the
formulas of typed surfaces (tests/test_browser_load.py typesets them all).
"""

from __future__ import annotations

from dash import html

__all__ = ["block"]


def block(tex: str, class_name: str = "") -> html.Div:
    """A display formula: `tex` (LaTeX, without delimiters) typeset in the browser."""
    return html.Div(className=f"gs-tex {class_name}".strip(), **{"data-tex": tex})
