"""The data panel: a data surface's samples, and each run's model at step t.

On a data surface (`surfaces.data`) the map is the parameter plane: the point
(x, y) of a run at step t *is* a model. This panel shows what that model does
to the data, beside the map:

- the samples (xᵢ, yᵢ) as a scatter;
- each visible run's model at the shown step, in the run's colour: the line
  ŷ = w·x + b (linear regression), the sigmoid p = σ(w·x + b) with its
  decision boundary x = −b/w (logistic regression, labels 0/1), the curve
  ŷ = v·tanh(w·x) (the tiny net);
- the samples of the step's mini-batch, ringed in the colour of a run that
  took it (runs with the same batch size see the same batches: one ring).

The server sends the panel's fixed part (the scatter and its axes, `figure`)
and, per run, its batch table (`batch_data`) in the paths store; the browser
(``assets/gs/35-data.js``) draws the moving part, models and rings, in an
SVG over the panel, from the runs' paths, for every frame of playback.
`data_figure` draws the same as one Plotly figure, for export and tests; both
take the models from `model_curve`.

Plain data only (dicts, NumPy arrays): no Dash. Plotly is used by
`data_figure` only.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .state import AppState, has_data, samples_of

__all__ = [
    "CURVE_POINTS",
    "LABELS",
    "MAX_BATCH_CELLS",
    "batch_data",
    "data_figure",
    "epoch_text",
    "model_curve",
    "model_traces",
    "panel_box",
    "store_data",
]

#: Points per model curve (the browser draws as many).
CURVE_POINTS = 96
#: A run's batch table goes to the browser if it has at most this many cells
#: (steps × batch size); beyond it the panel rings no batch (and says so).
MAX_BATCH_CELLS = 400_000
#: The models' names as the browser knows them (`surfaces.data.DATA_KINDS`).
_MODEL = {
    "linear_regression": "line",
    "logistic_regression": "sigmoid",
    "tiny_net": "tanh",
}
LABELS = _LABELS = {
    "linear_regression": ("x", "y", "ŷ = w·x + b"),
    "logistic_regression": ("x", "label y (0/1)", "p = σ(w·x + b)"),
    "tiny_net": ("x", "y", "ŷ = v·tanh(w·x)"),
}


def _typed(a: np.ndarray) -> dict:
    a = np.ascontiguousarray(a)
    return {"dtype": a.dtype.str.lstrip("<|="), "bdata": base64.b64encode(a.tobytes()).decode()}


def epoch_text(samples: int, batch: int | None, sampling: str = "shuffle") -> str:
    """What a batch size means in steps: the full batch, or how many steps an epoch takes.

    With ``replacement`` an epoch (N samples drawn) is N/B steps on average.

    >>> epoch_text(64, 8), epoch_text(64, 64), epoch_text(10, 3)
    ('8 steps per epoch', 'full batch · 1 step per epoch', '4 steps per epoch')
    """
    if batch is None or batch >= samples:
        return "full batch · 1 step per epoch"
    if sampling == "replacement":
        return f"≈ {samples / batch:.3g} steps per epoch"
    steps = math.ceil(samples / batch)
    return f"{steps} step{'s' if steps > 1 else ''} per epoch"


def steps_per_epoch(samples: int, batch: int | None) -> int:
    """⌈N/B⌉: the steps of one pass over the data (1 for the full batch)."""
    return 1 if batch is None or batch >= samples else math.ceil(samples / batch)


def model_curve(kind: str, w: float, b: float, xs: np.ndarray) -> np.ndarray:
    """The model of the plane point (w, b) on inputs `xs` (for the tiny net b is v).

    >>> model_curve("linear_regression", 2.0, -1.0, np.array([0.0, 1.0])).tolist()
    [-1.0, 1.0]
    """
    xs = np.asarray(xs, dtype=np.float64)
    with np.errstate(all="ignore"):
        if kind == "linear_regression":
            return w * xs + b
        if kind == "logistic_regression":
            return np.exp(-np.logaddexp(0.0, -(w * xs + b)))
        if kind == "tiny_net":
            return b * np.tanh(w * xs)
    raise ValueError(f"{kind!r} is not a data model")


def panel_box(kind: str, x: np.ndarray, y: np.ndarray) -> tuple[float, float, float, float]:
    """The panel's axes: the samples with a margin (labels 0/1 with room for the sigmoid)."""
    x0, x1 = float(x.min()), float(x.max())
    pad = 0.06 * (x1 - x0 or 1.0)
    if kind == "logistic_regression":
        return x0 - pad, x1 + pad, -0.12, 1.12
    y0, y1 = float(y.min()), float(y.max())
    ypad = 0.12 * (y1 - y0 or 1.0)
    return x0 - pad, x1 + pad, y0 - ypad, y1 + ypad


def _scatter(kind: str, x: np.ndarray, y: np.ndarray, theme: Any) -> dict:
    n = x.shape[0]
    size = 7 if n <= 100 else 5 if n <= 1000 else 3
    return {
        "type": "scattergl" if n > 2000 else "scatter",
        "x": _typed(x),
        "y": _typed(y),
        "mode": "markers",
        "marker": {
            "size": size,
            "color": theme.muted,
            "opacity": 0.55 if n <= 1000 else 0.35,
            "line": {"width": 0},
        },
        "hovertemplate": "sample %{pointNumber}<br>x %{x:.4g}<br>y %{y:.4g}<extra></extra>",
        "name": "samples",
        "showlegend": False,
        "meta": {"role": "samples"},
    }


def base_figure(state: AppState, theme: Any) -> dict:
    """The panel's fixed part as a Plotly figure dict: the samples and the axes."""
    from .figures import FONT, chart_axis  # (figures imports this module)

    surface = state.build_surface()
    x, y = surface.data
    kind = surface.kind
    box = panel_box(kind, x, y)
    xl, yl, model = _LABELS[kind]
    axis = chart_axis(theme)
    return {
        "data": [_scatter(kind, x, y, theme)],
        "layout": {
            "xaxis": {"range": list(box[:2]), "title": {"text": xl, "standoff": 2}, **axis},
            "yaxis": {"range": list(box[2:]), "title": {"text": yl, "standoff": 4}, **axis},
            "margin": {"l": 44, "r": 8, "t": 22, "b": 34},
            "font": {"family": FONT, "color": theme.ink, "size": 11},
            "paper_bgcolor": "rgba(0,0,0,0)",
            "plot_bgcolor": theme.plot,
            "showlegend": False,
            "dragmode": False,
            "hovermode": "closest",
            "annotations": [
                {
                    "text": f"{x.shape[0]:,} samples · {model}",
                    "xref": "paper",
                    "yref": "paper",
                    "x": 0,
                    "y": 1.0,
                    "yanchor": "bottom",
                    "xanchor": "left",
                    "showarrow": False,
                    "font": {"size": 11, "color": theme.muted},
                }
            ],
        },
    }


def store_data(state: AppState, theme: Any) -> dict | None:
    """The paths store's ``data`` entry on a data surface (None elsewhere): the model's
    name for the browser, the samples (float64) and the panel's fixed figure."""
    if not has_data(state):
        return None
    surface = state.build_surface()
    x, y = surface.data
    return {
        "model": _MODEL[surface.kind],
        "x": _typed(x),
        "y": _typed(y),
        "samples": int(x.shape[0]),
        "figure": base_figure(state, theme),
        "points": CURVE_POINTS,
    }


def batch_data(state: AppState, run: Any, r: Any) -> dict | None:
    """A run's batches for the browser (the paths store's ``batch``), None off data surfaces.

    ``size`` (B, N for the full batch), ``samples`` (N), ``epoch`` (steps per
    epoch), ``text`` (what the run card says), and for a mini-batch run
    ``idx``: each step's sample indices, steps × ``width`` int32 (−1 pads a
    short last batch), unless there are more than `MAX_BATCH_CELLS` of them.
    """
    if not has_data(state):
        return None
    n = samples_of(state)
    table = getattr(r, "batches", None)
    size = n if table is None else int(table.shape[1])
    out: dict = {
        "size": size,
        "samples": n,
        "epoch": steps_per_epoch(n, None if table is None else size),
        "text": epoch_text(n, None if table is None else size, state.sampling),
    }
    if table is not None:
        if table.size <= MAX_BATCH_CELLS:
            out["idx"] = _typed(table.astype(np.int32).ravel())
            out["width"] = int(table.shape[1])
        else:
            out["too_many"] = True
    return out


def data_figure(state: AppState, results: Sequence[Any], theme: Any = None, t: int | None = None):
    """The whole panel at step `t` (default: the shown step) as a `go.Figure` (export, tests).

    The same picture the browser draws: samples, each visible run's model in its
    colour (with the decision boundary for logistic regression), the step's
    mini-batch ringed.
    """
    import plotly.graph_objects as go

    from .figures import THEMES

    theme = theme or THEMES[state.theme]
    t = state.shown_step if t is None else t
    base = base_figure(state, theme)
    fig = go.Figure(base)
    surface = state.build_surface()
    for tr in model_traces(state, results, theme, t, surface=surface, box=base_box(base)):
        fig.add_trace(tr)
    return fig


def base_box(base: dict) -> tuple[float, float, float, float]:
    """The panel's axes ranges from its fixed figure (`base_figure`)."""
    lay = base["layout"]
    return (*lay["xaxis"]["range"], *lay["yaxis"]["range"])  # type: ignore[return-value]


def model_traces(
    state: AppState,
    results: Sequence[Any],
    theme: Any,
    t: int,
    *,
    surface: Any = None,
    box: tuple[float, float, float, float] | None = None,
    scale: float = 1.0,
    axes: tuple[str, str] | None = None,
) -> list[dict]:
    """The panel's moving part at step `t` as Plotly trace dicts (`meta`: role and run).

    Per visible run: its model (``"model"``), on logistic regression its decision
    boundary (``"boundary"``, empty where it is off the panel), and for the first
    run of each mini-batch size the step's mini-batch ringed (``"batch"``; runs of
    one batch size see the same batches). The same traces at every `t`, so an
    export can swap them frame by frame. `scale` multiplies widths and sizes,
    `axes` names a subplot's axes.
    """
    surface = surface or state.build_surface()
    kind = surface.kind
    sx, sy = surface.data
    x0, x1, y0, y1 = box or panel_box(kind, sx, sy)
    xs = np.linspace(x0, x1, CURVE_POINTS)
    where = {"xaxis": axes[0], "yaxis": axes[1]} if axes else {}
    common = {"type": "scatter", "hoverinfo": "skip", "showlegend": False, **where}
    out: list[dict] = []
    ringed: set[int] = set()
    for i, (run, r) in enumerate(zip(state.runs, results, strict=True)):
        if not run.visible:
            continue
        color = theme.palette[run.color]
        k = max(0, min(t, len(r.x) - 1))
        w, b = float(r.x[k]), float(r.y[k])
        out.append({
            **common,
            "x": xs,
            "y": model_curve(kind, w, b, xs),
            "mode": "lines",
            "line": {"color": color, "width": 2.4 * scale},
            "meta": {"role": "model", "run": i},
        })  # fmt: skip
        if kind == "logistic_regression":
            inside = w != 0 and x0 < -b / w < x1
            out.append({
                **common,
                "x": [-b / w, -b / w] if inside else [],
                "y": [y0, y1] if inside else [],
                "mode": "lines",
                "line": {"color": color, "width": 1.4 * scale, "dash": "4px,3px"},
                "meta": {"role": "boundary", "run": i},
            })  # fmt: skip
        table = getattr(r, "batches", None)
        if table is not None and table.shape[1] not in ringed:
            ringed.add(table.shape[1])
            idx = table[k][table[k] >= 0] if k < table.shape[0] else np.zeros(0, dtype=int)
            out.append({
                **common,
                "x": sx[idx],
                "y": sy[idx],
                "mode": "markers",
                "marker": {
                    "size": 11 * scale,
                    "color": "rgba(0,0,0,0)",
                    "line": {"width": 1.8 * scale, "color": color},
                },
                "meta": {"role": "batch", "run": i},
            })  # fmt: skip
    return out
