"""Take the screenshots of the lessons on 2026's optimizers (docs/lesson-<slug>.png).

    python docs/lessons_2026_screenshots.py

Each lesson at the step named below, with its text beside the plot (and, for
L-BFGS and Prodigy, the step inspector on the run the text is about). Needs
Playwright and Debian's chromium (/usr/bin/chromium, or $GRADSCAPE_CHROMIUM).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

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


def main() -> None:
    from data_screenshots import shoot  # the same runner: serve, open, wait, shoot

    shoot({f"lesson-{slug}.png": f"preset={slug}&{rest}" for slug, rest in SHOTS.items()})


if __name__ == "__main__":
    main()
