"""The `gradscape` command.

``gradscape`` serves the app on http://127.0.0.1:8050 (``--host``, ``--port``,
``--debug``); it also lists what the core offers and runs an optimizer from the
shell::

    gradscape
    gradscape --port 8060
    gradscape list
    gradscape run rosenbrock adam --lr 0.05 --steps 500
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import numpy as np

import surfaces
from optimizers import OPTIMIZERS, run

DESCRIPTION = """\
Gradscape: watch optimizers race over 2D loss surfaces.

  gradscape                                        serve the app on http://127.0.0.1:8050
  gradscape list                                   surfaces, optimizers, hyperparameters
  gradscape run rosenbrock adam --lr 0.05 --steps 500   step one path, print a summary
"""


def _list() -> str:
    lines = ["Surfaces:"]
    for name, entry in surfaces.SURFACES.items():
        s = surfaces.get(name)
        params = ", ".join(f"{p.name}={p.default:g}" for p in entry.params)
        lines.append(f"  {name:16s} {s.label}{f' ({params})' if params else ''}")
    lines.append("Optimizers:")
    for name, spec in OPTIMIZERS.items():
        hp = ", ".join(
            f"{p.name}={p.default}" if p.kind == "bool" else f"{p.name}={p.default:g}"
            for p in spec.params
        )
        lines.append(f"  {name:10s} {hp}")
    return "\n".join(lines)


def _summary(args: argparse.Namespace) -> str:
    s = surfaces.get(args.surface)
    start = s.start if args.start is None else tuple(args.start)
    hp = {} if args.lr is None else {"lr": args.lr}
    traj = run(s, args.optimizer, start, args.steps, **hp)
    x, y = traj.xy[-1, 0]
    lines = [
        f"{OPTIMIZERS[args.optimizer].label} on {s.label}, lr={traj.hyperparameters['lr']:g}, "
        f"{traj.steps} steps from ({start[0]:g}, {start[1]:g})",
        f"  final point  ({x:.6g}, {y:.6g})",
        f"  final loss   {traj.loss[-1, 0]:.6g}",
    ]
    if traj.diverged[0]:
        lines.append(f"  diverged at step {traj.diverged_at[0]}")
    if s.minima:
        d = min(np.hypot(x - m.x, y - m.y) for m in s.minima)
        lines.append(f"  distance to the nearest known minimum  {d:.3g}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="gradscape",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to serve on")
    parser.add_argument("--port", type=int, default=8050, help="port to serve on")
    parser.add_argument("--debug", action="store_true", help="Dash's debug mode (reloads)")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("list", help="list surfaces and optimizers")
    r = sub.add_parser("run", help="run one optimizer from the shell")
    r.add_argument("surface", choices=list(surfaces.SURFACES))
    r.add_argument("optimizer", choices=list(OPTIMIZERS))
    r.add_argument("--lr", type=float, default=None, help="default: the surface's suggestion")
    r.add_argument("--steps", type=int, default=500)
    r.add_argument("--start", type=float, nargs=2, metavar=("X", "Y"), default=None)
    args = parser.parse_args(argv)
    if args.command == "list":
        print(_list())
    elif args.command == "run":
        try:
            print(_summary(args))
        except ValueError as e:
            print(f"gradscape: {e}", file=sys.stderr)
            return 2
    else:
        return _serve(args)
    return 0


def _serve(args: argparse.Namespace) -> int:
    from .server import create_app

    print(f"Gradscape on http://{args.host}:{args.port}/  (Ctrl+C stops it)", flush=True)
    create_app().run(host=args.host, port=args.port, debug=args.debug)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
