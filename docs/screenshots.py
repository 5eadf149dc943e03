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

from gradscape.app.serving import running  # noqa: E402

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
    "compare.png": (
        "surface=rosenbrock&run1=momentum&run1.lr=0.001&start=-1.5,2&steps=500"
        "&mode=compare&rates=0.0001,0.003&k=6&t=500",
        (1440, 860),
    ),
    "sensitivity.png": (
        "surface=quadratic&surface.condition=10&run1=sgd&run1.lr=0.05&run2=momentum"
        "&run2.lr=0.05&run2.momentum=0.5&run3=adam&run3.lr=0.1&steps=300&mode=sensitivity",
        (1440, 860),
    ),
    "startmap.png": (
        "surface=himmelblau&run1=momentum&run1.lr=0.002&run1.momentum=0.9&steps=500"
        "&mode=starts&metric=basin&grid=200",
        (1440, 860),
    ),
    "3d.png": ("surface=rosenbrock&mode=3d&t=250", (1440, 860)),
    "inspector.png": (
        "surface=rosenbrock&inspect=1&focus=3&t=60",
        (1440, 860),
    ),
    "lesson.png": ("preset=zigzag&lesson=1&t=150", (1440, 860)),
    "phone.png": ("preset=beale-race&theme=dark&t=500", (390, 844)),
}

READY = """() => {
  const g = document.querySelector('#map .js-plotly-plot');
  const ok = !!(g && g._fullData && g.querySelector('.contourlayer path')
    && document.querySelector('svg.gs-overlay .gs-head'));
  const el = document.getElementById('root');
  if (!el) return false;
  const root = el.className;
  if (root.includes('gs-mode-starts')) {
    const s = document.querySelector('#startmap .js-plotly-plot');
    return ok && !!(s && s._fullData && s._fullData.some(t => t.type === 'heatmap'));
  }
  if (root.includes('gs-mode-sensitivity') || root.includes('gs-mode-3d')) {
    const v = document.querySelector('#view-figure .js-plotly-plot');
    return ok && !!(v && v._fullData && v._fullData.length > 1);
  }
  return ok;
}"""


def main() -> None:
    with running(cwd=ROOT) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM)
        for name, (query, (w, h)) in SHOTS.items():
            page = browser.new_page(viewport={"width": w, "height": h})
            page.goto(f"{url}?{query}")
            page.wait_for_function(READY, timeout=30_000)
            page.wait_for_load_state("networkidle")
            page.wait_for_timeout(1500)  # KaTeX typesets the formula; WebGL draws
            page.screenshot(path=str(ROOT / "docs" / name))
            page.close()
            print("wrote", ROOT / "docs" / name)
        browser.close()


if __name__ == "__main__":
    main()
