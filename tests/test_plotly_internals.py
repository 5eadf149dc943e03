"""Plotly's internals that the browser code reads are there, in the Plotly the page loads.

assets/gs/10-plotly.js lists every one (`GS.plotly.missing`); a Plotly upgrade that
moves one fails here by name (pyproject.toml bounds plotly and dash, and CI installs
the versions in .ci/constraints.txt).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from browser_helpers import CHROMIUM

if not Path(CHROMIUM).exists():
    pytest.skip(f"no Chromium at {CHROMIUM}", allow_module_level=True)
pytest.importorskip("playwright.sync_api")


def test_every_plotly_internal_the_browser_reads_is_there(server, page):
    page.open(f"{server}?run1=adam&run2=sgd&t=100")
    for graph in ("map", "loss"):
        missing = page.js(
            "id => window.gradscape.plotly.missing(window.gradscape.plotly.graph(id))", graph
        )
        assert missing == [], f"Plotly internals gone from the {graph} graph: {missing}"
    # the list can fail: a graph without them is reported, name by name
    assert len(page.js("() => window.gradscape.plotly.missing({})")) >= 7
    version = page.js("() => window.Plotly.version")
    assert version.split(".")[0] == "4", f"the page loaded plotly.js {version}"
    # the compare grid's panels (one subplot each) are read the same way
    page.page.click("text=Compare rates")
    page.wait_until(
        lambda: page.js(
            "() => { const g = window.gradscape.plotly.graph('map');"
            " return !!g && window.gradscape.plotly.panels(g).length >= 4; }"
        ),
        what="the compare grid",
    )
    assert (
        page.js("() => window.gradscape.plotly.missing(window.gradscape.plotly.graph('map'))") == []
    )
    assert page.errors == []
