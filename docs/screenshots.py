"""Take the README's screenshots: serve the app, open each state in headless Chromium.

    python docs/screenshots.py            # writes docs/*.png

Needs Playwright and Debian's chromium (/usr/bin/chromium, or $GRADSCAPE_CHROMIUM).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.serving import running  # noqa: E402

CHROMIUM = os.environ.get("GRADSCAPE_CHROMIUM", "/usr/bin/chromium")

#: file name → (query, viewport)
SHOTS = {
    "app.png": (
        "surface=beale&run1=sgd&run1.lr=0.002&run2=momentum&run2.lr=0.001"
        "&run3=nesterov&run3.lr=0.001&run4=adagrad&run4.lr=0.5&run5=rmsprop&run5.lr=0.02"
        "&run6=adam&run6.lr=0.05&start=1,1.5&steps=400&view=-0.5,4,-1.5,2&t=400",
        (1280, 800),
    ),
    "bowl.png": (
        "surface=quadratic&surface.condition=50&run1=sgd&run1.lr=0.038&run2=momentum"
        "&run2.lr=0.006&run2.momentum=0.9&start=-2.5,2&steps=120&t=120",
        (1280, 800),
    ),
}

READY = """() => {
  const g = document.querySelector('#map .js-plotly-plot');
  return !!(g && g._fullData && g.querySelector('.contourlayer path')
    && document.querySelector('svg.gs-overlay .gs-head'));
}"""


def main() -> None:
    with running(cwd=ROOT) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM)
        for name, (query, (w, h)) in SHOTS.items():
            page = browser.new_page(viewport={"width": w, "height": h})
            page.goto(f"{url}?{query}")
            page.wait_for_function(READY, timeout=30_000)
            page.wait_for_load_state("networkidle")
            page.wait_for_timeout(800)  # MathJax typesets the formula
            page.screenshot(path=str(ROOT / "docs" / name))
            page.close()
            print("wrote", ROOT / "docs" / name)
        browser.close()


if __name__ == "__main__":
    main()
