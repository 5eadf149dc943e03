"""One-click lessons: a URL state with a short explanation beside the plot.

A `Preset` is a link with a story. Its `query` is an ordinary Gradscape query
string (the format `app.state.parse` reads, without the leading '?'), so opening
a preset is the same as opening a shared link: the surface, the runs with their
hyperparameters, the start, the number of steps and the schedule are set, and
the step is left unset so the paths animate from the start. Its `text` is what a
teacher would say beside the plot: two or three sentences on what to watch and
why, in plain text with at most simple Markdown (*italic*).

Every number in these queries was tuned so the behaviour the text describes is
there in the default view, and `tests/test_presets.py` recomputes each lesson
and checks each claim its text makes (what diverges, what reaches the minimum,
which minimum, how step lengths change). Change a number here and that test
says whether the story still holds.

The lessons, in order: a learning rate beyond 2/L (L the largest curvature); SGD's zig-zag against
momentum in a narrow valley; Rosenbrock's banana; escaping a saddle; noisy
gradients; AdaGrad's shrinking steps; which minimum adaptive methods pick; the
Beale race; warmup with cosine decay; Adam's L2 against AdamW's decoupled decay;
then 2026's optimizers: Lion's lattice, Newton on a bowl and at a saddle, L-BFGS
with and without a line search, Prodigy's learned step, Schedule-Free in noise, and
fair races (every run tuned with the same budget) on three surfaces. Then, on data
surfaces (`DATA_PRESETS`): batch, mini-batch and stochastic gradient
descent; batch size against learning rate; SGD's noise ball and a decaying
schedule; separable data and weight decay; the tiny net's saddle; FTRL's l1.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["BY_SLUG", "DATA_PRESETS", "PRESETS", "Preset", "get"]

_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


@dataclass(frozen=True)
class Preset:
    """A lesson: a URL-safe `slug`, a short `title`, the `text` shown beside the
    plot, and the `query` string (without '?') that sets the app up for it."""

    slug: str
    title: str
    text: str
    query: str

    def __post_init__(self) -> None:
        if not _SLUG.fullmatch(self.slug):
            raise ValueError(f"preset slug {self.slug!r} must be lowercase words joined by '-'")
        if self.query.startswith("?"):
            raise ValueError(f"preset {self.slug!r}: query must not start with '?'")

    @property
    def href(self) -> str:
        """The relative link that opens this lesson ("?" + query)."""
        return "?" + self.query


def _q(*parts: str) -> str:
    """Join query parts with '&' (one part per run or setting keeps them readable)."""
    return "&".join(parts)


PRESETS: tuple[Preset, ...] = (
    Preset(
        slug="lr-too-high",
        title="A learning rate too high",
        text=(
            "On a quadratic, each gradient step multiplies the error along an axis of "
            "curvature h by (1 − γh), so it shrinks only while γ < 2/L, L the largest "
            "curvature; this bowl has L = κ = 10, so the limit is 0.2. At γ = 0.05 SGD glides "
            "in, at 0.1 = 1/L it "
            "removes the steep component in a single step, and at 0.19 it zig-zags across the "
            "steep axis yet arrives first, since larger rates are faster until the limit. "
            "At 0.21 every swing is 10% wider than the last, until the path leaves the map (×)."
        ),
        query=_q(
            "surface=quadratic",
            "run1=sgd&run1.lr=0.05",
            "run2=sgd&run2.lr=0.1",
            "run3=sgd&run3.lr=0.19",
            "run4=sgd&run4.lr=0.21",
            "start=-2.5,2",
            "steps=100",
        ),
    ),
    Preset(
        slug="zigzag",
        title="Zig-zag in a narrow valley",
        text=(
            "With condition number κ = 100 the steep axis has curvature L = 100, so plain "
            "gradient descent is stable only below γ = 2/L = 0.02; at 0.0195 SGD overshoots "
            "the steep axis on every step, a zig-zag that shrinks by only 0.95 per step, while "
            "it moves just 2% of the remaining way along the valley floor. Momentum (μ = 0.7) "
            "at the same γ overshoots too, its first swing as wide as SGD's, but it averages "
            "the alternating gradients away, so its swing dies out faster (by about √μ ≈ 0.84 "
            "per step, a tenth of SGD's by step 20), while the gradients along the floor agree "
            "and add up. It never overshoots along the floor and reaches the minimum while SGD "
            "is still crawling."
        ),
        query=_q(
            "surface=quadratic&surface.condition=100&surface.angle=45",
            "run1=sgd&run1.lr=0.0195",
            "run2=momentum&run2.lr=0.0195&run2.momentum=0.7",
            "start=-2.8,2.1",
            "steps=150",
        ),
    ),
    Preset(
        slug="rosenbrock",
        title="SGD, Momentum and Adam on Rosenbrock",
        text=(
            "Rosenbrock's valley has steep walls (curvature about 1000 across it near the "
            "minimum) and an almost flat, curved floor, so SGD's rate must stay below about "
            "2/1000: at γ = 0.001 it is still on the far side of the valley after 500 steps, "
            "and at 0.0025 it would diverge within a few steps. Momentum at the same rate builds "
            "up speed along the floor, and Adam divides each step by the root mean square of "
            "recent gradients, so the floor's small gradients still give sizeable steps: both "
            "end close to the minimum (1, 1)."
        ),
        query=_q(
            "surface=rosenbrock",
            "run1=sgd&run1.lr=0.001",
            "run2=momentum&run2.lr=0.001",
            "run3=adam&run3.lr=0.1",
            "start=-1.5,2",
        ),
    ),
    Preset(
        slug="saddle",
        title="Escaping a saddle",
        text=(
            "Started 10⁻⁶ off the stable manifold y = 0 of x² − y², plain gradient descent "
            "slides into the saddle and stays there: the pull along y is only 2y, so y grows by "
            "a factor 1 + 2γ = 1.02 per step and is still about 0.02 after 500 steps. "
            "Momentum at the same γ compounds that growth to about ×1.1 per step and escapes "
            "after some 150 steps (off the map, as the surface has no bottom). Adam divides the "
            "tiny gradient by its own root mean square, so from its first step it moves about "
            "γ along y per step and never comes near the saddle."
        ),
        query=_q(
            "surface=saddle",
            "run1=sgd&run1.lr=0.01",
            "run2=momentum&run2.lr=0.01",
            "run3=adam&run3.lr=0.01",
            "start=-1.5,0.000001",
        ),
    ),
    Preset(
        slug="noisy-sgd",
        title="Noisy gradients: step size vs jitter",
        text=(
            "Gaussian noise (σ = 2, the same draws for both runs) is added to every gradient, "
            "which is how stochastic gradient descent looks on a known surface. At γ = 0.1 SGD "
            "reaches the bottom within a few dozen steps but then jitters in a wide cloud, "
            "since every step adds noise of size γσ; at γ = 0.01 it takes hundreds of steps to "
            "arrive but settles much closer, which is why SGD's rate is decayed in training."
        ),
        query=_q(
            "surface=quadratic",
            "run1=sgd&run1.lr=0.1",
            "run2=sgd&run2.lr=0.01",
            "start=-2.5,2",
            "noise=2&seed=1",
        ),
    ),
    Preset(
        slug="adagrad-stall",
        title="AdaGrad's shrinking steps",
        text=(
            "AdaGrad divides each step by the root of the *sum* of all squared gradients so "
            "far: that denominator only grows, so every step is shorter than the last and "
            "after 500 steps it has stalled far short of the minimum. RMSProp, at the same γ, "
            "divides by a running *average* instead (α = 0.99, a memory of about 100 steps) "
            "that forgets the steep start, so it keeps striding and reaches the centre. "
            "Its first step is ten times longer, 1/√(1 − α), because that average starts at zero; "
            "for the same reason, once it has rested at the centre until its average has "
            "forgotten every gradient, one tiny gradient throws it out again by a step of up to "
            "10γ (the spike near step 400 on the loss chart) before it falls back."
        ),
        query=_q(
            "surface=quadratic",
            "run1=adagrad&run1.lr=0.05",
            "run2=rmsprop&run2.lr=0.05",
            "start=-2.5,2",
        ),
    ),
    Preset(
        slug="which-minimum",
        title="Adaptive steps pick another minimum",
        text=(
            "All four runs start beside Himmelblau's hilltop, a local maximum at "
            "(−0.27, −0.92), where the gradient points mostly along x. SGD and Momentum follow "
            "the negative gradient and slide into the lower-left minimum. Adam and RMSProp "
            "rescale each coordinate by its own gradient size, so their first step is equally "
            "long along both axes (the gradient's signs), diagonally up and left, and they end "
            "in the upper-left minimum instead."
        ),
        query=_q(
            "surface=himmelblau",
            "run1=sgd&run1.lr=0.0005",
            "run2=momentum&run2.lr=0.0001",
            "run3=adam&run3.lr=0.01",
            "run4=rmsprop&run4.lr=0.01",
            "start=-0.3,-0.9",
        ),
    ),
    Preset(
        slug="beale-race",
        title="The Beale race (after Radford)",
        text=(
            "From Beale's steep start, Momentum and Nesterov are flung far down the slope (to "
            "y ≈ −1.9 and −1.4) before their velocity carries them along the flat valley, and "
            "both reach the minimum (3, ½), Nesterov's look-ahead taming the swing. AdaGrad's "
            "first step is a full γ = 1 along both axes, straight to x = 0 where Beale's "
            "function is flat, before it recovers. SGD, AdaGrad and RMSProp creep along the "
            "valley floor and end just short of the minimum, and Adadelta, whose steps grow "
            "out of ε = 10⁻⁶, starts slowest and ends furthest away."
        ),
        query=_q(
            "surface=beale",
            "run1=sgd&run1.lr=0.01",
            "run2=momentum&run2.lr=0.005",
            "run3=nesterov&run3.lr=0.005",
            "run4=adagrad&run4.lr=1",
            "run5=adadelta&run5.lr=1",
            "run6=rmsprop&run6.lr=0.02",
            "start=1,1.5",
            "view=-0.5,4,-2.25,2",  # where the six race: a sixth of Beale's default view
        ),
    ),
    Preset(
        slug="warmup-cosine",
        title="Warmup with cosine decay",
        text=(
            "The rate (shared by every run) climbs linearly from 0 over the first 50 steps, "
            "then follows half a cosine down to 0 at step 500, and each half has a job. "
            "Momentum at γ = 0.02 survives only thanks to the warmup: at the full rate from "
            "step 0 its first swings carry it up the steep outer walls, where that rate is "
            "unstable, and it is thrown off the map within 15 steps (set the schedule to "
            "constant or cosine to see it). At a constant rate RMSProp keeps stepping about γ "
            "along each axis, so without the decay it would bounce back and forth across the "
            "minimum, 0.14 from it either side; the cosine shrinks its steps and it settles, "
            "though not before one jump out of the minimum it had already found during the "
            "warmup (near step 230: its average forgot the gradients while it rested there)."
        ),
        query=_q(
            "surface=himmelblau",
            "run1=momentum&run1.lr=0.02",
            "run2=rmsprop&run2.lr=0.2",
            "start=-0.5,0",
            "schedule=warmup_cosine&schedule.warmup_steps=50&schedule.t_max=500",
        ),
    ),
    Preset(
        slug="adamw",
        title="Adam's L2 vs AdamW's decoupled decay",
        text=(
            "Both use γ = 0.1 and weight decay λ = 0.5 on Booth's bowl, whose minimum is at "
            "(1, 3). Adam adds λθ to the gradient before its adaptive scaling, so it settles "
            "exactly where ∇f + λθ = 0, the minimum of f + ½λ‖θ‖², just below (1, 3). AdamW "
            "instead multiplies θ by (1 − γλ) outside the adaptive step; that step moves a "
            "coordinate by at most about γ while the decay pulls it back by γλ|θᵢ|, so no "
            "coordinate can stay beyond 1/λ = 2 and it ends well below y = 3."
        ),
        query=_q(
            "surface=booth",
            "run1=adam&run1.lr=0.1&run1.weight_decay=0.5",
            "run2=adamw&run2.lr=0.1&run2.weight_decay=0.5",
            "start=-8,8",
            "view=-9,5,-2,10",
        ),
    ),
)

# --------------------------------------------------------------------------- 2026's optimizers
PRESETS += (
    Preset(
        slug="lion-lattice",
        title="Lion's sign steps on a lattice",
        text=(
            "Lion moves each coordinate by exactly ±γ every step (the sign of its momentum), "
            "so its path stays on a grid of spacing γ = 0.1 around the start. Near the "
            "minimum it cannot take a smaller step: it hops between the grid points around "
            "it for ever, while Adam's steps shrink as it closes in."
        ),
        query=_q(
            "surface=quadratic",
            "run1=lion&run1.lr=0.1",
            "run2=adam&run2.lr=0.1",
            "start=-2.35,1.65",
            "steps=100",
        ),
    ),
    Preset(
        slug="newton-bowl",
        title="Newton solves a bowl in one step",
        text=(
            "On a quadratic the Hessian is the whole story: Newton's step −H⁻¹∇f lands on "
            "the minimum in one step, whatever the condition number. SGD, limited to rates "
            "below 2/L by the steepest direction, is still crawling along the flat one after "
            "50 steps."
        ),
        query=_q(
            "surface=quadratic",
            "run1=newton&run1.lr=1",
            "run2=sgd&run2.lr=0.05",
            "start=-2.5,2",
            "steps=50",
        ),
    ),
    Preset(
        slug="newton-saddle",
        title="Newton is drawn to the saddle",
        text=(
            "Newton's step goes to the nearest point where the gradient vanishes, and on "
            "f = x² − y² that is the saddle: it jumps there in one step and stays. Gradient "
            "descent, started at the same point, slides down the y direction and leaves the "
            "map, f → −∞."
        ),
        query=_q(
            "surface=saddle",
            "run1=newton&run1.lr=1",
            "run2=sgd&run2.lr=0.05",
            "start=1.8,0.001",
            "steps=100",
        ),
    ),
    Preset(
        slug="lbfgs-line-search",
        title="L-BFGS with and without a line search",
        text=(
            "Both runs are L-BFGS with γ = 1 on Rosenbrock; one drawn point is one iteration. "
            "Without a line search the first step is scaled down by the gradient's size and "
            "later steps trust the curvature model as it stands, so it needs 87 iterations "
            "to arrive. The strong-Wolfe line search tries points along each direction "
            "(the step inspector shows them) and arrives in 38."
        ),
        query=_q(
            "surface=rosenbrock",
            "run1=lbfgs&run1.lr=1",
            "run2=lbfgs&run2.lr=1&run2.line_search=strong_wolfe",
            "start=-1.5,2",
            "steps=100",
        ),
    ),
    Preset(
        slug="prodigy",
        title="Prodigy learns its own step size",
        text=(
            "Prodigy starts with a step of d₀ = 10⁻⁶ and stands almost still for ten steps "
            "while it estimates the distance to the solution; its step d·γ then grows by "
            "five orders of magnitude (the step inspector shows it) and it arrives, with γ "
            "left at 1. Adam "
            "at a rate guessed too small, 10⁻³, is still far away after 300 steps."
        ),
        query=_q(
            "surface=quadratic",
            "run1=prodigy&run1.lr=1",
            "run2=adam&run2.lr=0.001",
            "start=-2.5,2",
            "steps=300",
        ),
    ),
    Preset(
        slug="schedule-free",
        title="Schedule-Free against a noise ball",
        text=(
            "With noisy gradients and a constant rate, Momentum keeps bouncing in a wide "
            "noise ball around the minimum. Schedule-Free SGD, at the same rate and with no "
            "schedule, draws the average of its iterates, which settles close to the minimum. "
            "Switch the schedule to cosine: Momentum's ball shrinks, yet stays wider than "
            "Schedule-Free's, which never needed to know when training ends."
        ),
        query=_q(
            "surface=quadratic",
            "run1=schedule_free_sgd&run1.lr=0.05",
            "run2=momentum&run2.lr=0.05",
            "start=-2.5,2",
            "noise=2",
            "steps=400",
        ),
    ),
)

_RACE_RUNS = ("adam", "momentum", "rmsprop", "lion")


def _race(surface: str, start: str, rates: tuple[float, ...], *more: str) -> str:
    """A fair race's query: four runs at the rates its sweep picks (checked by the tests)."""
    pairs = enumerate(zip(_RACE_RUNS, rates, strict=True), 1)
    runs = [f"run{i}={n}&run{i}.lr={lr:g}" for i, (n, lr) in pairs]
    return _q(f"surface={surface}", *runs, f"start={start}", "steps=300", "tuned=1", *more)


PRESETS += (
    Preset(
        slug="fair-race-beale",
        title="A fair race on Beale",
        text=(
            "Every run got the same budget: 12 learning rates around its default, the best "
            "by final loss kept (the caption over the table says so). Tuned fairly on "
            "Beale, Adam wins by far and is the only one to arrive; Lion's fixed-size sign "
            "steps leave it furthest away."
        ),
        query=_race("beale", "1,1.5", (0.406, 0.00351, 0.0702, 0.0142), "view=-0.5,4,-2.25,2"),
    ),
    Preset(
        slug="fair-race-rosenbrock",
        title="A fair race on Rosenbrock",
        text=(
            "The same budget for every run, on Rosenbrock's curved valley. Adam ends lowest, "
            "Momentum second, and no one arrives within 300 steps; RMSProp's best rate still "
            "leaves it stuck highest."
        ),
        query=_race("rosenbrock", "-1.5,2", (4.33, 0.00152, 0.329, 0.0152)),
    ),
    Preset(
        slug="fair-race-himmelblau",
        title="A fair race on Himmelblau",
        text=(
            "The same budget for every run, on Himmelblau's four minima. Tuned fairly, "
            "RMSProp arrives first, Momentum and Adam follow, and Lion, whose steps never "
            "shrink, does not arrive at all."
        ),
        query=_race("himmelblau", "-0.5,0", (0.0811, 0.000937, 0.0351, 0.0304)),
    ),
)


#: Your data for the FTRL lesson: 24 samples of y ≈ 1.5·x + 0.005 (x centred on 0), so the
#: least-squares intercept is all but zero and l1 can hold it at exactly zero.
_SPARSE_DATA = (
    "-2,-1.8_-1.83,-3.85_-1.65,-2.11_-1.48,-2.36_-1.3,-2.05_-1.13,-1.69_-0.96,-2.35_"
    "-0.78,-1.2_-0.61,-1.27_-0.43,1.08_-0.26,-0.23_-0.09,-0.28_0.09,0.01_0.26,0.06_"
    "0.43,0.11_0.61,0.7_0.78,1.38_0.96,1.27_1.13,2.11_1.3,1.78_1.48,2.14_1.65,3.15_"
    "1.83,2.9_2,2.62"
)

#: Lessons on data surfaces (`surfaces.data`): the plane is a model's two weights, the
#: contour the exact full-batch loss, and each run has its batch size (``runN.batch``).
DATA_PRESETS: tuple[Preset, ...] = (
    Preset(
        slug="batch-vs-stochastic",
        title="Batch, mini-batch and stochastic GD",
        text=(
            "Three SGD runs fit a line at γ = 0.05. The full batch uses all 64 samples every step: "
            "its loss falls at every step and it reaches the minimum at step 165. Mini-batches of "
            "8 (ringed in the data panel) and single samples jitter around it instead, 0.03 and "
            "0.13 from it on average at the end, having read only 37 and under 5 epochs of data "
            "(ticks on the loss chart's step axis)."
        ),
        query=_q(
            "surface=linear_regression",
            "run1=sgd&run1.lr=0.05",
            "run2=sgd&run2.lr=0.05&run2.batch=8",
            "run3=sgd&run3.lr=0.05&run3.batch=1",
            "start=-1,1.5",
            "steps=300",
        ),
    ),
    Preset(
        slug="batch-size-and-rate",
        title="A larger batch tolerates a larger rate",
        text=(
            "SGD at γ = 0.3 with batches of 1, 8 and 32 samples and the full batch: one sample's "
            "loss can curve far more steeply than the mean, so single-sample SGD leaves the map "
            "within 60 steps while every larger batch stays. The larger the batch, the smaller "
            "its gradient noise and the tighter it settles; the full batch arrives exactly."
        ),
        query=_q(
            "surface=linear_regression",
            "run1=sgd&run1.lr=0.3&run1.batch=1",
            "run2=sgd&run2.lr=0.3&run2.batch=8",
            "run3=sgd&run3.lr=0.3&run3.batch=32",
            "run4=sgd&run4.lr=0.3",
            "start=-1,1.5",
            "steps=300",
        ),
    ),
    Preset(
        slug="sgd-noise-ball",
        title="SGD's noise ball",
        text=(
            "With one sample a step SGD never settles: at the minimum the mean gradient vanishes "
            "but a single sample's does not, so it keeps jumping in a ball whose size grows with "
            "the rate (0.14 on average at γ = 0.05, 0.06 at γ = 0.01). Set the schedule to cosine: "
            "the decaying rate shrinks the ball, and the run at γ = 0.05 ends about 0.01 from the "
            "minimum."
        ),
        query=_q(
            "surface=linear_regression",
            "run1=sgd&run1.lr=0.05&run1.batch=1",
            "run2=sgd&run2.lr=0.01&run2.batch=1",
            "start=-1,1.5",
        ),
    ),
    Preset(
        slug="separable-logistic",
        title="Separable data: weights without bound",
        text=(
            "With no label noise the classes do not overlap, so logistic regression has no "
            "minimum: plain gradient descent's weight w keeps growing (3.4 at step 100, 6.3 at "
            "500) and its sigmoid gets steeper, while the boundary x = −b/w barely moves. Weight "
            "decay λ adds ½λ‖θ‖², which has a minimum: the weights stop near w = 3.2 at λ = 0.01 "
            "and near 1.75 at λ = 0.05."
        ),
        query=_q(
            "surface=logistic_regression&surface.noise=0",
            "run1=sgd&run1.lr=0.5",
            "run2=sgd&run2.lr=0.5&run2.weight_decay=0.01",
            "run3=sgd&run3.lr=0.5&run3.weight_decay=0.05",
            "start=-2,3",
        ),
    ),
    Preset(
        slug="tiny-net-saddle",
        title="The tiny net's saddle",
        text=(
            "ŷ = v·tanh(w·x) is the same function at (w, v) and (−w, −v): two mirror-image "
            "minima, with a saddle at the origin between them. From a start near the curve that "
            "flows into the saddle, the full batch passes within 0.25 of the origin and falls to "
            "the lower-left minimum, as does B = 16, while the noisier B = 1 and B = 4 are kicked "
            "to the upper-right one (another batch seed splits them differently)."
        ),
        query=_q(
            "surface=tiny_net",
            "run1=sgd&run1.lr=0.05",
            "run2=sgd&run2.lr=0.05&run2.batch=1",
            "run3=sgd&run3.lr=0.05&run3.batch=4",
            "run4=sgd&run4.lr=0.05&run4.batch=16",
            "start=1.35,-2.1",
        ),
    ),
    Preset(
        slug="ftrl-l1",
        title="FTRL's l1 zeroes a weight",
        text=(
            "These 24 samples' least-squares line has slope 1.5 and intercept 0.005. FTRL with l1 "
            "= 10 keeps the intercept b at exactly 0 from the first step to the last, since the "
            "sum of its gradients stays within l1 (without l1 it ends at 0.005), while the slope, "
            "whose gradients are large, is held at 0 only for the few steps it takes to cross "
            "zero."
        ),
        query=_q(
            "surface=linear_regression",
            f"data={_SPARSE_DATA}",
            "run1=ftrl&run1.lr=0.2",
            "run2=ftrl&run2.lr=0.2&run2.l1=10",
            "start=-1,0.6",
        ),
    ),
)
PRESETS = PRESETS + DATA_PRESETS

#: Every preset by its slug.
BY_SLUG: dict[str, Preset] = {p.slug: p for p in PRESETS}


def get(slug: str) -> Preset:
    """The preset called `slug`; KeyError names the slugs there are."""
    try:
        return BY_SLUG[slug]
    except (KeyError, TypeError):
        raise KeyError(f"unknown preset {slug!r}; choose one of: {', '.join(BY_SLUG)}") from None
