"""Take the screenshots of the lessons on 2026's optimizers (docs/lesson-<slug>.png).

    python docs/lessons_2026_screenshots.py

Each lesson at the step named below, with its text beside the plot (and, for
L-BFGS and Prodigy, the step inspector on the run the text is about). Needs
Playwright and Debian's chromium (/usr/bin/chromium, or $GRADSCAPE_CHROMIUM).
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

#: lesson slug → the rest of the query (the step shown, an inspector)
SHOTS = {
    "lion-lattice": "t=100",
    "newton-bowl": "t=50",
    "newton-saddle": "t=100",
    "lbfgs-line-search": "t=20&inspect=1&focus=2",
    "prodigy": "t=14&inspect=1&focus=1",
    "schedule-free": "t=400",
    "fair-race-beale": "t=300",
    "fair-race-rosenbrock": "t=300",
    "fair-race-himmelblau": "t=300",
}

READY = """() => {
  const g = document.querySelector('#map .js-plotly-plot');
  return !!(g && g.querySelector('.contourlayer path')
    && document.querySelector('svg.gs-overlay .gs-head'));
}"""


def main() -> None:
    with running(cwd=ROOT) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM)
        for slug, rest in SHOTS.items():
            page = browser.new_page(viewport={"width": 1440, "height": 860})
            page.goto(f"{url.rstrip('/')}/?preset={slug}&{rest}")
            page.wait_for_function(READY, timeout=30_000)
            page.wait_for_load_state("networkidle")
            time.sleep(1.0)
            out = ROOT / "docs" / f"lesson-{slug}.png"
            page.screenshot(path=str(out))
            print(out)
            page.close()
        browser.close()


if __name__ == "__main__":
    main()
