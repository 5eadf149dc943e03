"""Take the data lessons' screenshots (docs/data-<lesson>.png) in headless Chromium.

    python docs/data_screenshots.py       # writes docs/data-*.png

Each lesson of `app.presets.DATA_PRESETS`, at the step named below, with its
text beside the plot. Needs Playwright and Debian's chromium (/usr/bin/chromium,
or $GRADSCAPE_CHROMIUM).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gradscape.app.serving import running  # noqa: E402

CHROMIUM = os.environ.get("GRADSCAPE_CHROMIUM", "/usr/bin/chromium")

#: lesson slug → the step shown
STEPS = {
    "batch-vs-stochastic": 120,
    "batch-size-and-rate": 300,
    "sgd-noise-ball": 500,
    "separable-logistic": 500,
    "tiny-net-saddle": 40,
    "ftrl-l1": 500,
}

READY = """() => {
  const g = document.querySelector('#map .js-plotly-plot');
  const data = document.querySelector('.gs-data.gs-on');
  return !!(g && g.querySelector('.contourlayer path')
    && (!data || document.querySelector('svg.gs-data-overlay .gs-model'))
    && document.querySelector('svg.gs-overlay .gs-head'));
}"""


def shoot(shots: dict[str, str], size: tuple[int, int] = (1440, 860)) -> None:
    """Serve the app and save docs/<name> for each name → query of `shots`, once the map
    (and a data surface's panel) is drawn."""
    with running(cwd=ROOT) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM)
        for name, query in shots.items():
            page = browser.new_page(viewport={"width": size[0], "height": size[1]})
            page.goto(f"{url.rstrip('/')}/?{query}")
            page.wait_for_function(READY, timeout=30_000)
            page.wait_for_load_state("networkidle")
            time.sleep(1.0)
            out = ROOT / "docs" / name
            page.screenshot(path=str(out))
            print(out)
            page.close()
        browser.close()


def main() -> None:
    shoot({f"data-{slug}.png": f"preset={slug}&t={t}" for slug, t in STEPS.items()})


if __name__ == "__main__":
    main()
