"""Honest labels: where a method degenerates on two parameters, the run card and every
export caption say so (each optimizer's registry `caveat`)."""

from __future__ import annotations

import pytest
from plotly.io.json import to_json_plotly

from gradscape import surfaces
from gradscape.app import layout
from gradscape.app.export.slide import caption
from gradscape.app.state import new_run, parse
from gradscape.optimizers import OPTIMIZERS

WITH = [n for n, s in OPTIMIZERS.items() if s.caveat]


def test_the_methods_that_degenerate_have_a_caveat():
    for name in ("muon", "adafactor", "rprop", "newton", "lbfgs"):
        assert name in WITH, name


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_run_card_and_export_caption_say_the_caveat(name):
    spec = OPTIMIZERS[name]
    run = new_run(name, surfaces.get("rosenbrock"), ())
    card = to_json_plotly(layout.run_panel(0, run, 2))
    assert ("gs-caveat" in card) == bool(spec.caveat)
    state = parse(f"run1={name}&run2=adam")[0]
    shared = caption(state)[1]
    said = [line for line in shared if line.startswith(f"{spec.label}: ")]
    if spec.caveat:
        assert spec.caveat in card
        assert said == [f"{spec.label}: {spec.caveat}"]
    elif name != "adam":
        assert said == []


def test_a_hidden_run_is_not_explained_and_a_method_only_once():
    state = parse("run1=muon&run2=muon&run3=rprop&run3.hide=1")[0]
    shared = caption(state)[1]
    assert sum(line.startswith("Muon: ") for line in shared) == 1
    assert not any(line.startswith("Rprop: ") for line in shared)
