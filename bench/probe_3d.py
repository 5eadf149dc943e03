"""Probe: does the 3D view draw on every page load, and does it fit its scene?

1. `LOADS` successive loads of ``?mode=3d`` in one headless Chromium: how many drew
   their WebGL scene (a race in the Plotly loader left about one in two blank).
2. At each window size in `SIZES`, on a fresh page: the camera's step back
   (`sceneZoom` in assets/gs/10-plotly.js) and the empty columns left and right of
   what the scene draws (0 means something is cut at that edge: the z axis' title on
   the left, the surface on the right).

    python bench/probe_3d.py [surface ...]      # default: rosenbrock saddle
"""

from __future__ import annotations

import io
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gradscape.app.serving import running  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
LOADS = 6
SIZES = [(390, 844), (768, 1024), (1024, 700), (1280, 800), (1366, 768), (1440, 860),
         (1920, 1080)]  # fmt: skip
#: The scene's box on the page, once its WebGL scene exists (else null), and its camera.
SCENE = """() => { const g = document.querySelector('#view-figure .js-plotly-plot');
  const s = g && g._fullLayout && g._fullLayout.scene;
  if (!s || !s._scene || !g.querySelector('canvas')) return null;
  const b = g.getBoundingClientRect(), x = s.domain.x, y = s.domain.y;
  return {left: b.left + x[0] * b.width, top: b.top + (1 - y[1]) * b.height,
          width: (x[1] - x[0]) * b.width, height: (y[1] - y[0]) * b.height,
          zoom: s.camera.eye.x / -0.55}; }"""


def _drawn(page, seconds: float = 20) -> dict | None:
    """The scene's box once drawn (a WebGL scene exists and it has ink), else None."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        box = page.evaluate(SCENE)
        if box and _ink(page, box).mean() > 0.3:
            return box
        time.sleep(0.3)
    return None


def _ink(page, box: dict) -> np.ndarray:
    """Which of the scene's columns hold anything but its background."""
    clip = {k: box[k] for k in ("width", "height")} | {"x": box["left"], "y": box["top"]}
    rgb = np.asarray(Image.open(io.BytesIO(page.screenshot(clip=clip))).convert("RGB"))
    paper = np.median(np.concatenate([rgb[:, :2], rgb[:, -2:]], axis=1), axis=(0, 1))
    return (np.abs(rgb.astype(float) - paper).max(axis=2) > 40).any(axis=0)


def main(surfaces: list[str]) -> None:
    with running(cwd=ROOT) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM)
        drew = 0
        for _ in range(LOADS):
            page = browser.new_page(viewport={"width": 390, "height": 844})
            page.goto(f"{url}?surface={surfaces[0]}&mode=3d&t=250")
            drew += _drawn(page) is not None
            page.close()
        print(f"3D scene drawn on {drew} of {LOADS} loads in one browser")
        for surface in surfaces:
            for w, h in SIZES:
                page = browser.new_page(viewport={"width": w, "height": h})
                page.goto(f"{url}?surface={surface}&mode=3d&t=250")
                box = _drawn(page)
                if box is None:
                    print(f"{surface:12s} {w}x{h}: not drawn")
                else:
                    ink = _ink(page, box)
                    cols = np.flatnonzero(ink)
                    left, right = int(cols[0]), int(ink.size - 1 - cols[-1])
                    print(f"{surface:12s} {w}x{h}: camera ×{box['zoom']:.2f}, "
                          f"margins left {left} px, right {right} px")  # fmt: skip
                page.close()
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1:] or ["rosenbrock", "saddle"])
