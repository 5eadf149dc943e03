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

from app.serving import running  # noqa: E402

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
  const d = document.querySelector('svg.gs-data-overlay .gs-model');
  return !!(g && g.querySelector('.contourlayer path') && d
    && document.querySelector('svg.gs-overlay .gs-head'));
}"""


def main() -> None:
    with running(cwd=ROOT) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM)
        for slug, t in STEPS.items():
            page = browser.new_page(viewport={"width": 1440, "height": 860})
            page.goto(f"{url.rstrip('/')}/?preset={slug}&t={t}")
            page.wait_for_function(READY, timeout=30_000)
            page.wait_for_load_state("networkidle")
            time.sleep(1.0)
            out = ROOT / "docs" / f"data-{slug}.png"
            page.screenshot(path=str(out))
            print(out)
            page.close()
        browser.close()


if __name__ == "__main__":
    main()
