"""The `gradscape` command.

``gradscape`` serves the app on http://127.0.0.1:8050 (``--host``, ``--port``,
``--threads``) with waitress, a production WSGI server that runs wherever Python
does (``--debug`` runs Dash's development server instead, which reloads on
changes); for several worker processes use gunicorn (README). It also lists
what the core offers, runs an optimizer from the shell, and renders what a link
shows to a file (`app.export`)::

    gradscape
    gradscape --port 8060
    gradscape list
    gradscape run rosenbrock adam --lr 0.05 --steps 500
    gradscape render "http://127.0.0.1:8050/?surface=beale&run1=adam" --out beale.gif

``render`` prints the path it wrote, and on stderr what it fixed up in the link.
It exits with 2 on a bad option and 1 where it cannot render (no Chrome or
Chromium for PNG, SVG and GIF: the message says how to install one).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from gradscape import surfaces
from gradscape.optimizers import OPTIMIZERS, run

from . import export

DESCRIPTION = """\
Gradscape: watch optimizers race over 2D loss surfaces.

  gradscape                                        serve the app on http://127.0.0.1:8050
  gradscape list                                   surfaces, optimizers, hyperparameters
  gradscape run rosenbrock adam --lr 0.05 --steps 500   step one path, print a summary
  gradscape render "URL or query" --out lesson.gif   what a link shows, as png/svg/gif/html
"""


#: Requests waitress serves at once: exports and start maps wait on their own limits,
#: so a few threads keep the page's small callbacks answering beside them.
THREADS = 8


def _list() -> str:
    lines = ["Surfaces:"]
    for name, entry in surfaces.SURFACES.items():
        s = surfaces.get(name)
        params = ", ".join(f"{p.name}={p.default:g}" for p in entry.params)
        lines.append(f"  {name:16s} {s.label}{f' ({params})' if params else ''}")
    lines.append("Optimizers:")
    for name, spec in OPTIMIZERS.items():
        hp = ", ".join(
            f"{p.name}={p.default}" if p.kind in ("bool", "choice") else f"{p.name}={p.default:g}"
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
    parser.add_argument(
        "--threads", type=int, default=THREADS, help=f"requests served at once ({THREADS})"
    )
    parser.add_argument(
        "--debug", action="store_true", help="Dash's debug mode: its development server, reloads"
    )
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("list", help="list surfaces and optimizers")
    r = sub.add_parser("run", help="run one optimizer from the shell")
    r.add_argument("surface", choices=list(surfaces.SURFACES))
    r.add_argument("optimizer", choices=list(OPTIMIZERS))
    r.add_argument("--lr", type=float, default=None, help="default: the surface's suggestion")
    r.add_argument("--steps", type=int, default=500)
    r.add_argument("--start", type=float, nargs=2, metavar=("X", "Y"), default=None)
    _render_parser(sub)
    args = parser.parse_args(argv)
    if args.command == "list":
        print(_list())
    elif args.command == "render":
        return _render(args)
    elif args.command == "run":
        try:
            print(_summary(args))
        except ValueError as e:
            print(f"gradscape: {e}", file=sys.stderr)
            return 2
    else:
        return _serve(args)
    return 0


def _render_parser(sub) -> None:
    r = sub.add_parser(
        "render",
        help="write what a link shows to a PNG, SVG, GIF or HTML file",
        description="Render exactly what a Gradscape link shows (the app's own figure "
        "builders) to a file for a lesson: PNG (2x), SVG, an animated GIF or a standalone "
        "interactive HTML page with a step slider. PNG, SVG and GIF need Chrome or Chromium "
        "(BROWSER_PATH=/path/to/chrome picks one).",
    )
    r.add_argument("link", metavar="URL_OR_QUERY", help="the app's URL, '?query' or bare query")
    r.add_argument("--out", "-o", required=True, help="file to write: .png, .svg, .gif or .html")
    r.add_argument(
        "--format",
        dest="fmt",
        choices=list(export.FORMATS),
        default=None,
        help="default: from the suffix of --out",
    )
    r.add_argument("--width", type=int, default=None, help="layout width in pixels (1100)")
    r.add_argument("--height", type=int, default=None, help="layout height in pixels (800)")
    r.add_argument(
        "--scale",
        type=float,
        default=None,
        help="pixels per layout pixel, PNG and SVG (PNG 2, SVG 1)",
    )
    r.add_argument("--t", type=int, default=None, help="step a PNG/SVG shows (the link's)")
    r.add_argument("--fps", type=float, default=None, help="GIF frames a second (20), 1-50")
    r.add_argument(
        "--frames",
        type=int,
        default=None,
        help=f"GIF frames, HTML slider positions (60), at most {export.MAX_FRAMES}",
    )
    r.add_argument("--first", type=int, default=None, help="first step animated (0)")
    r.add_argument("--last", type=int, default=None, help="last step animated (the last)")
    r.add_argument("--hold", type=float, default=None, help="GIF: seconds on the last frame (1)")
    r.add_argument("--theme", choices=["light", "dark"], default=None, help="default: the link's")
    r.add_argument(
        "--preset",
        choices=list(export.PRESETS),
        default=None,
        help="a named size: slide is 16:9 at 1920×1080, titled with the lesson, its story "
        "beside the map, in fonts for a projector (given sizes win)",
    )


def _render(args: argparse.Namespace) -> int:
    out = Path(args.out)
    fmt = args.fmt or out.suffix.lstrip(".").lower()
    if fmt not in export.FORMATS:
        print(
            f"gradscape render: cannot tell the format of {out}; end it in "
            f"{', '.join('.' + f for f in export.FORMATS)} or pass --format.",
            file=sys.stderr,
        )
        return 2
    options = {k: getattr(args, k) for k in ("width", "height", "scale", "fps", "frames")}
    options |= {k: getattr(args, k) for k in ("first", "last", "hold", "preset")}
    try:
        result = export.export(args.link, fmt, t=args.t, theme=args.theme, **options)
        out.write_bytes(result.data)
    except export.OptionsError as e:
        print(f"gradscape render: {e}", file=sys.stderr)
        return 2
    except (export.ExportError, OSError) as e:
        print(f"gradscape render: {e}", file=sys.stderr)
        return 1
    for notice in result.notices:
        print(f"gradscape render: note: {notice}", file=sys.stderr)
    print(out)
    return 0


def _serve(args: argparse.Namespace) -> int:
    from .server import create_app

    if args.threads < 1:
        print(f"gradscape: --threads={args.threads} must be at least 1", file=sys.stderr)
        return 2
    app = create_app()
    print(f"Gradscape on http://{args.host}:{args.port}/  (Ctrl+C stops it)", flush=True)
    if args.debug:  # Dash's development server: reloads, and says it is not for production
        app.run(host=args.host, port=args.port, debug=True)
        return 0
    import logging

    from .limits import waitress_server

    logging.basicConfig()  # waitress reports its errors through logging
    server = waitress_server(
        app.server,
        host=args.host,
        port=args.port,
        threads=args.threads,
        ident="Gradscape",  # the Server header: no name or version of what runs it
        # No read-ahead (``channel_request_lookahead``): with it, about one page load in
        # five under load showed a blank 3D view (tests/test_browser_every_optimizer.py).
        # A race in the Plotly loader, found later (assets/_gs-loader.js), blanked it too
        # and may have been the cause; either way nothing here needs read-ahead: a client
        # gone mid-export is seen by peeking its socket (app/limits.py).
        channel_request_lookahead=0,
    )
    server.run()
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
