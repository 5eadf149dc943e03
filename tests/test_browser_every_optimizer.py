"""Every optimizer of the registry in every view, in Chromium: eight runs a page (the app's
limit), each view opened from its tab, no console error (registry-driven: a new entry is
covered without a list to edit)."""

from __future__ import annotations

from pathlib import Path

import pytest
from browser_helpers import CHROMIUM

from gradscape.optimizers import OPTIMIZERS

if not Path(CHROMIUM).exists():
    pytest.skip(f"no Chromium at {CHROMIUM}", allow_module_level=True)
pytest.importorskip("playwright.sync_api")

NAMES = sorted(OPTIMIZERS)
GROUPS = [NAMES[i : i + 8] for i in range(0, len(NAMES), 8)]

DRAWN = {
    "compare": "() => { const g = window.gradscape.plotly.graph('map');"
    " return !!g && window.gradscape.plotly.panels(g).length >= 3; }",
    "sensitivity": "() => { const g = window.gradscape.plotly.graph('view-figure');"
    " return !!(g && g._fullData && g._fullData.length && !g._fullLayout.scene); }",
    "3d": "() => { const g = window.gradscape.plotly.graph('view-figure');"
    " return !!(g && g._fullLayout && g._fullLayout.scene && g._fullData.length); }",
    "starts": "() => { const g = window.gradscape.plotly.graph('startmap');"
    " return !!(g && g._fullData && g._fullData.length); }",
}
TABS = {"compare": "Compare rates", "sensitivity": "Sensitivity", "3d": "3D", "starts": "Start map"}


@pytest.mark.parametrize("group", GROUPS, ids=[g[0] for g in GROUPS])
def test_every_optimizer_in_every_view(server, page, group):
    runs = "&".join(f"run{i + 1}={name}" for i, name in enumerate(group))
    page.open(f"{server}?{runs}&steps=80&k=3&grid=12&t=80")
    assert [r.optimizer for r in page.state().runs] == group
    page.wait_until(
        lambda: (
            page.js("() => document.querySelectorAll('svg.gs-overlay .gs-trail').length")
            >= len(group)
        ),
        what="every run's path",
    )
    for mode, tab in TABS.items():
        page.page.locator(".gs-tabs label", has_text=tab).first.click()
        page.wait_until(lambda mode=mode: page.state().mode == mode, what=f"the {mode} tab")
        page.wait_until(lambda mode=mode: page.js(DRAWN[mode]), timeout=40, what=f"{mode} drawn")
    assert page.page.locator(".gs-notice").count() == 0
    page.shot()
    assert page.errors == []
