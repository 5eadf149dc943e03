"""Named optimizers: torch.optim's update rules as chains of transforms.

Each entry of `OPTIMIZERS` carries everything the rest of Gradscape needs to
know about one optimizer: its hyperparameters' metadata (label, symbol, default,
range, log scale, slider step, one-line help), torch's default learning rate,
the function that builds its transform, its update rule in LaTeX (`rule_tex`),
what a recorded run's moment and effective learning rate are (`record`) and the
torch.optim class it equals, if any, with how its hyperparameters become that
class's arguments (`torch`). Sliders, URL keys, validation and the parametrized
tests — the torch parity test among them — are all generated from here.

Adding an optimizer is one builder (its algorithm in the docstring) and one
`_entry(...)` row below; an optimizer without a torch counterpart says
``torch=None``.

The learning rate γ is not an argument of the builders: `run` hands each
step's rate (the base rate times the schedule's factor) to the final
`scale_by_learning_rate` link.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any, Literal

import numpy as np

from gradscape.params import Param

from . import transforms as tx
from .transforms import Scalar, Transform

__all__ = ["OPTIMIZERS", "OptimizerSpec", "RecordInfo", "TorchRef", "get_spec"]


# --------------------------------------------------------------------------- hyperparameters
LR = Param(
    "lr",
    "Learning rate",
    1e-3,
    1e-6,
    10.0,
    log=True,
    step=0.01,
    symbol="γ",
    help="Step size: how far each update moves.",
)
WEIGHT_DECAY = Param(
    "weight_decay",
    "Weight decay",
    0.0,
    0.0,
    1.0,
    step=0.001,
    symbol="λ",
    help="L2 penalty: λθ is added to the gradient, pulling θ towards 0.",
)
MOMENTUM = Param(
    "momentum",
    "Momentum",
    0.9,
    0.0,
    0.999,
    step=0.001,
    symbol="μ",
    help="How much of the previous step carries over (heavy ball).",
)
DAMPENING = Param(
    "dampening",
    "Dampening",
    0.0,
    0.0,
    1.0,
    step=0.01,
    symbol="τ",
    help="Scales the new gradient's share of the momentum buffer by 1 − τ.",
)
LR_DECAY = Param(
    "lr_decay",
    "LR decay",
    0.0,
    0.0,
    1.0,
    step=0.001,
    symbol="η",
    help="AdaGrad's step t uses γ / (1 + (t − 1)·η).",
)
EPS = Param(
    "eps",
    "Epsilon",
    1e-8,
    1e-12,
    1.0,
    log=True,
    step=0.1,
    symbol="ε",
    help="Added to the denominator for numerical stability.",
)
ALPHA = Param(
    "alpha",
    "Smoothing",
    0.99,
    0.0,
    0.9999,
    step=0.0001,
    symbol="α",
    help="Decay of the running average of squared gradients.",
)
CENTERED = Param(
    "centered",
    "Centered",
    False,
    0,
    1,
    kind="bool",
    symbol="",
    help="Divide by the estimated variance (subtract the squared mean gradient).",
)
RHO = Param(
    "rho",
    "Decay",
    0.9,
    0.0,
    0.9999,
    step=0.0001,
    symbol="ρ",
    help="Decay of Adadelta's running averages of g² and Δ².",
)
BETA1 = Param(
    "beta1",
    "β₁",
    0.9,
    0.0,
    0.9999,
    step=0.0001,
    symbol="β₁",
    help="Decay of the first moment (the running mean of gradients).",
)
BETA2 = Param(
    "beta2",
    "β₂",
    0.999,
    0.0,
    0.99999,
    step=0.00001,
    symbol="β₂",
    help="Decay of the second moment (the running mean of squared gradients).",
)
MOMENTUM_DECAY = Param(
    "momentum_decay",
    "Momentum decay",
    0.004,
    0.0,
    0.1,
    step=0.001,
    symbol="ψ",
    help="NAdam's momentum schedule μ_t = β₁(1 − ½·0.96^(tψ)).",
)


# --------------------------------------------------------------------------- optimizers
def sgd(weight_decay: Scalar = 0.0) -> Transform:
    r"""Stochastic gradient descent (torch.optim.SGD without momentum).

    input: γ (lr), θ₀ (start), f (surface), λ (weight_decay)
    for t = 1, 2, …:
        g ← ∇f(θ_{t−1}) + λθ_{t−1}
        θ_t ← θ_{t−1} − γg
    """
    return tx.chain(tx.add_decayed_weights(weight_decay), tx.scale_by_learning_rate())


def momentum(
    momentum: Scalar = 0.9, dampening: Scalar = 0.0, weight_decay: Scalar = 0.0
) -> Transform:
    r"""SGD with heavy-ball momentum (torch.optim.SGD, momentum > 0, nesterov=False).

    input: γ (lr), θ₀, f, μ (momentum), τ (dampening), λ (weight_decay)
    for t = 1, 2, …:
        g ← ∇f(θ_{t−1}) + λθ_{t−1}
        b ← g if t = 1 else μb + (1 − τ)g
        θ_t ← θ_{t−1} − γb
    """
    return tx.chain(
        tx.add_decayed_weights(weight_decay),
        tx.trace(momentum, dampening, nesterov=False),
        tx.scale_by_learning_rate(),
    )


def nesterov(momentum: Scalar = 0.9, weight_decay: Scalar = 0.0) -> Transform:
    r"""SGD with Nesterov momentum (torch.optim.SGD, nesterov=True, dampening 0).

    input: γ (lr), θ₀, f, μ (momentum), λ (weight_decay)
    for t = 1, 2, …:
        g ← ∇f(θ_{t−1}) + λθ_{t−1}
        b ← g if t = 1 else μb + g
        θ_t ← θ_{t−1} − γ(g + μb)
    """
    return tx.chain(
        tx.add_decayed_weights(weight_decay),
        tx.trace(momentum, 0.0, nesterov=True),
        tx.scale_by_learning_rate(),
    )


def adagrad(lr_decay: Scalar = 0.0, eps: Scalar = 1e-10, weight_decay: Scalar = 0.0) -> Transform:
    r"""AdaGrad (Duchi et al. 2011; torch.optim.Adagrad, initial_accumulator_value 0).

    input: γ (lr), θ₀, f, η (lr_decay), ε (eps), λ (weight_decay)
    initialize: s ← 0
    for t = 1, 2, …:
        g ← ∇f(θ_{t−1}) + λθ_{t−1}
        γ̃ ← γ / (1 + (t − 1)η)
        s ← s + g²
        θ_t ← θ_{t−1} − γ̃·g / (√s + ε)
    """
    return tx.chain(
        tx.add_decayed_weights(weight_decay),
        tx.scale_by_adagrad(eps, lr_decay),
        tx.scale_by_learning_rate(),
    )


def rmsprop(
    alpha: Scalar = 0.99,
    eps: Scalar = 1e-8,
    momentum: Scalar = 0.0,
    centered: bool = False,
    weight_decay: Scalar = 0.0,
) -> Transform:
    r"""RMSProp (Hinton 2012; torch.optim.RMSprop).

    input: γ (lr), θ₀, f, α (alpha), ε (eps), μ (momentum), centered, λ (weight_decay)
    initialize: v ← 0, ḡ ← 0, b ← 0
    for t = 1, 2, …:
        g ← ∇f(θ_{t−1}) + λθ_{t−1}
        v ← αv + (1 − α)g²
        if centered: ḡ ← αḡ + (1 − α)g;  d ← √(v − ḡ²) + ε   else d ← √v + ε
        if μ > 0: b ← μb + g/d;  θ_t ← θ_{t−1} − γb
        else:     θ_t ← θ_{t−1} − γg/d
    """
    use_momentum = not (isinstance(momentum, float | int) and momentum == 0)
    return tx.chain(
        tx.add_decayed_weights(weight_decay),
        tx.scale_by_rms(alpha, eps, centered),
        tx.trace(momentum, 0.0) if use_momentum else None,
        tx.scale_by_learning_rate(),
    )


def adadelta(rho: Scalar = 0.9, eps: Scalar = 1e-6, weight_decay: Scalar = 0.0) -> Transform:
    r"""Adadelta (Zeiler 2012; torch.optim.Adadelta).

    input: γ (lr, default 1), θ₀, f, ρ (rho), ε (eps), λ (weight_decay)
    initialize: v ← 0, u ← 0
    for t = 1, 2, …:
        g ← ∇f(θ_{t−1}) + λθ_{t−1}
        v ← ρv + (1 − ρ)g²
        Δ ← √(u + ε) / √(v + ε) · g
        u ← ρu + (1 − ρ)Δ²
        θ_t ← θ_{t−1} − γΔ
    """
    return tx.chain(
        tx.add_decayed_weights(weight_decay),
        tx.scale_by_adadelta(rho, eps),
        tx.scale_by_learning_rate(),
    )


def adam(
    beta1: Scalar = 0.9, beta2: Scalar = 0.999, eps: Scalar = 1e-8, weight_decay: Scalar = 0.0
) -> Transform:
    r"""Adam (Kingma & Ba 2015; torch.optim.Adam).

    input: γ (lr), θ₀, f, β₁ (beta1), β₂ (beta2), ε (eps), λ (weight_decay)
    initialize: m ← 0, v ← 0
    for t = 1, 2, …:
        g ← ∇f(θ_{t−1}) + λθ_{t−1}
        m ← β₁m + (1 − β₁)g
        v ← β₂v + (1 − β₂)g²
        θ_t ← θ_{t−1} − γ/(1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε)
    """
    return tx.chain(
        tx.add_decayed_weights(weight_decay),
        tx.scale_by_adam(beta1, beta2, eps),
        tx.scale_by_learning_rate(),
    )


def amsgrad(
    beta1: Scalar = 0.9, beta2: Scalar = 0.999, eps: Scalar = 1e-8, weight_decay: Scalar = 0.0
) -> Transform:
    r"""AMSGrad (Reddi et al. 2018; torch.optim.Adam with amsgrad=True).

    input: γ (lr), θ₀, f, β₁ (beta1), β₂ (beta2), ε (eps), λ (weight_decay)
    initialize: m ← 0, v ← 0, v̄ ← 0
    for t = 1, 2, …:
        g ← ∇f(θ_{t−1}) + λθ_{t−1}
        m ← β₁m + (1 − β₁)g
        v ← β₂v + (1 − β₂)g²
        v̄ ← max(v̄, v)
        θ_t ← θ_{t−1} − γ/(1 − β₁ᵗ) · m / (√v̄ / √(1 − β₂ᵗ) + ε)
    """
    return tx.chain(
        tx.add_decayed_weights(weight_decay),
        tx.scale_by_adam(beta1, beta2, eps, amsgrad=True),
        tx.scale_by_learning_rate(),
    )


def adamw(
    beta1: Scalar = 0.9, beta2: Scalar = 0.999, eps: Scalar = 1e-8, weight_decay: Scalar = 0.01
) -> Transform:
    r"""AdamW: Adam with decoupled weight decay (Loshchilov & Hutter 2019; torch.optim.AdamW).

    input: γ (lr), θ₀, f, β₁ (beta1), β₂ (beta2), ε (eps), λ (weight_decay)
    initialize: m ← 0, v ← 0
    for t = 1, 2, …:
        g ← ∇f(θ_{t−1})
        θ ← θ_{t−1}(1 − γλ)
        m ← β₁m + (1 − β₁)g
        v ← β₂v + (1 − β₂)g²
        θ_t ← θ − γ/(1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε)
    """
    return tx.chain(
        tx.scale_by_adam(beta1, beta2, eps),
        tx.add_decoupled_weight_decay(weight_decay),
        tx.scale_by_learning_rate(),
    )


def adamax(
    beta1: Scalar = 0.9, beta2: Scalar = 0.999, eps: Scalar = 1e-8, weight_decay: Scalar = 0.0
) -> Transform:
    r"""Adamax, Adam's infinity-norm variant (Kingma & Ba 2015; torch.optim.Adamax).

    input: γ (lr), θ₀, f, β₁ (beta1), β₂ (beta2), ε (eps), λ (weight_decay)
    initialize: m ← 0, w ← 0
    for t = 1, 2, …:
        g ← ∇f(θ_{t−1}) + λθ_{t−1}
        m ← β₁m + (1 − β₁)g
        w ← max(β₂w, |g| + ε)
        θ_t ← θ_{t−1} − γ/(1 − β₁ᵗ) · m / w
    """
    return tx.chain(
        tx.add_decayed_weights(weight_decay),
        tx.scale_by_adamax(beta1, beta2, eps),
        tx.scale_by_learning_rate(),
    )


def nadam(
    beta1: Scalar = 0.9,
    beta2: Scalar = 0.999,
    eps: Scalar = 1e-8,
    momentum_decay: Scalar = 0.004,
    weight_decay: Scalar = 0.0,
) -> Transform:
    r"""NAdam: Adam with Nesterov momentum (Dozat 2016; torch.optim.NAdam).

    input: γ (lr), θ₀, f, β₁ (beta1), β₂ (beta2), ε (eps), ψ (momentum_decay),
           λ (weight_decay)
    initialize: m ← 0, v ← 0, Π₀ ← 1
    for t = 1, 2, …:
        g ← ∇f(θ_{t−1}) + λθ_{t−1}
        μ_t ← β₁(1 − ½·0.96^(tψ));  μ_{t+1} ← β₁(1 − ½·0.96^((t+1)ψ))
        Π_t ← Π_{t−1}μ_t
        m ← β₁m + (1 − β₁)g
        v ← β₂v + (1 − β₂)g²
        d ← √(v / (1 − β₂ᵗ)) + ε
        θ_t ← θ_{t−1} − γ(1 − μ_t)/(1 − Π_t)·g/d − γμ_{t+1}/(1 − Π_tμ_{t+1})·m/d
    """
    return tx.chain(
        tx.add_decayed_weights(weight_decay),
        tx.scale_by_nadam(beta1, beta2, eps, momentum_decay),
        tx.scale_by_learning_rate(),
    )


def radam(
    beta1: Scalar = 0.9, beta2: Scalar = 0.999, eps: Scalar = 1e-8, weight_decay: Scalar = 0.0
) -> Transform:
    r"""RAdam: Adam with a rectified variance (Liu et al. 2020; torch.optim.RAdam).

    input: γ (lr), θ₀, f, β₁ (beta1), β₂ (beta2), ε (eps), λ (weight_decay)
    initialize: m ← 0, v ← 0, ρ∞ ← 2/(1 − β₂) − 1
    for t = 1, 2, …:
        g ← ∇f(θ_{t−1}) + λθ_{t−1}
        m ← β₁m + (1 − β₁)g
        v ← β₂v + (1 − β₂)g²
        m̂ ← m / (1 − β₁ᵗ)
        ρ_t ← ρ∞ − 2tβ₂ᵗ/(1 − β₂ᵗ)
        if ρ_t > 5:
            r_t ← √((ρ_t − 4)(ρ_t − 2)ρ∞ / ((ρ∞ − 4)(ρ∞ − 2)ρ_t))
            θ_t ← θ_{t−1} − γ·m̂·r_t·√(1 − β₂ᵗ) / (√v + ε)
        else:
            θ_t ← θ_{t−1} − γ·m̂
    """
    return tx.chain(
        tx.add_decayed_weights(weight_decay),
        tx.scale_by_radam(beta1, beta2, eps),
        tx.scale_by_learning_rate(),
    )


# --------------------------------------------------------------------------- LaTeX
# The update rules as display math (MathJax), one aligned line per assignment,
# with the names of DESIGN.md and the docstrings above. γ̃ (\tilde\gamma) is the
# effective learning rate that `run(..., record=True)` records.
_G = r"g_t &= \nabla f(\theta_{t-1}) + \lambda\theta_{t-1}"
_M = r"m_t &= \beta_1 m_{t-1} + (1 - \beta_1)\, g_t"
_V = r"v_t &= \beta_2 v_{t-1} + (1 - \beta_2)\, g_t^2"
_ADAM_STEP = (
    r"\theta_t &= \theta_{t-1} - \frac{\gamma}{1 - \beta_1^t}\,"
    r"\frac{m_t}{\sqrt{%s}/\sqrt{1 - \beta_2^t} + \epsilon}"
)


def _aligned(*lines: str) -> str:
    return "\\begin{aligned}\n" + " \\\\\n".join(lines) + "\n\\end{aligned}"


#: Δθ = −γ̃ ⊙ g: the step of the adaptive rules that scale the gradient.
_STEP_G = r"\Delta\theta = -\tilde\gamma \odot g_t"
_STEP_M = r"\Delta\theta = -\tilde\gamma \odot m_t"
_EFF_ADAM = (
    r"\tilde\gamma = \frac{\gamma}{(1 - \beta_1^t)\,(\sqrt{%s}/\sqrt{1 - \beta_2^t} + \epsilon)}"
)


@dataclass(frozen=True)
class RecordInfo:
    """What a recorded run (``run(..., record=True)``) holds for one optimizer, for display.

    Attributes:
        moment: symbol of the buffer in ``Trajectory.moment`` ("m", "b"), or
            None when there is none.
        moment_if: the hyperparameter that must be non-zero (for some path)
            for the buffer to exist, or None when it always does (rmsprop:
            ``"momentum"``; with it, Δθ = −γ·b).
        direction: LaTeX of the vector the effective learning rate multiplies,
            or None when `eff_lr` is not recorded.
        eff_lr_tex: LaTeX definition of the effective learning rate γ̃, or None
            when `eff_lr` is not recorded (the rate is ``Trajectory.lr``).
        step_tex: LaTeX of the step Δθ = θ_t − θ_{t−1} in those terms.
        decay: ``"l2"`` where g_t includes the weight decay (g_t = grad +
            λθ_{t−1}, as in the rules); ``"decoupled"`` where g_t = grad and
            the step has −γλθ_{t−1} more (adamw). ``Trajectory.grad`` is
            recorded before either.

    The tests read these claims and check them against what
    ``run(..., record=True)`` returns and the steps it takes.
    """

    moment: str | None = None
    direction: str | None = None
    eff_lr_tex: str | None = None
    step_tex: str = r"\Delta\theta = -\gamma\, g_t"
    moment_if: str | None = None
    decay: Literal["l2", "decoupled"] = "l2"

    def records_moment(self, hyperparameters: Mapping[str, Any]) -> bool:
        """Whether a run with these resolved `hyperparameters` records a moment."""
        if self.moment is None:
            return False
        return self.moment_if is None or bool(np.any(hyperparameters[self.moment_if] != 0))


@dataclass(frozen=True)
class TorchRef:
    """The reference class an optimizer equals (torch.optim's or a package's), and its mapping.

    Our names follow torch's, except that tuples are split into scalars
    (``betas`` into `beta1`, `beta2`) and that some entries fix a flag
    (amsgrad is ``Adam(amsgrad=True)``). `kwargs` turns a run's resolved
    hyperparameters into the class's keyword arguments, so a test can build
    the torch optimizer from this record alone.

    Attributes:
        cls: the class's name in ``torch.optim`` (``"Adam"``).
        fixed: keyword arguments always passed (``{"amsgrad": True}``).
        grouped: a torch keyword that takes a tuple → our hyperparameters that
            fill it, in order (``{"betas": ("beta1", "beta2")}``).
        renamed: our hyperparameter → torch's keyword, where the names differ.
        values: our hyperparameter → {our value: torch's}, for options spelled
            differently (an LBFGS ``line_search="none"`` is torch's None).
        own_defaults: our hyperparameters whose default differs from torch's
            on purpose → why (the momentum entry's μ = 0.9, where torch's SGD
            defaults to 0).
        shape: the shape of the torch parameter holding (x, y): (2,), or
            (1, 2) where the rule treats matrices apart (Muon).
        module: the module that holds `cls`: ``"torch.optim"``, or a reference
            package pinned in OPTIMIZERS-2026.md (``"pytorch_optimizer"``,
            ``"schedulefree"``, ``"prodigyopt"``, ``"lion_pytorch"``).
        draws: what the drawn point is: ``"param"`` (the parameter after each
            step) or ``"schedule_free_x"`` (the package's parameter holds y;
            the drawn x is y.lerp(z, 1 − 1/β), what ``.eval()`` puts there).

    Example:
        >>> TorchRef("Adam", grouped={"betas": ("beta1", "beta2")}).kwargs(
        ...     {"lr": 0.1, "beta1": 0.8, "beta2": 0.99, "eps": 1e-8}
        ... )
        {'lr': 0.1, 'betas': (0.8, 0.99), 'eps': 1e-08}
    """

    cls: str
    fixed: Mapping[str, Any] = field(default_factory=dict, hash=False)
    grouped: Mapping[str, tuple[str, ...]] = field(default_factory=dict, hash=False)
    renamed: Mapping[str, str] = field(default_factory=dict, hash=False)
    values: Mapping[str, Mapping[Any, Any]] = field(default_factory=dict, hash=False)
    own_defaults: Mapping[str, str] = field(default_factory=dict, hash=False)
    shape: tuple[int, ...] = (2,)
    module: str = "torch.optim"
    draws: Literal["param", "schedule_free_x"] = "param"

    @property
    def qualname(self) -> str:
        """``module.cls``, as the entry's reference names it (``"torch.optim.Adam"``)."""
        return f"{self.module}.{self.cls}"

    def __post_init__(self) -> None:
        # The mappings are read-only, as the rest of the record.
        for name in ("fixed", "grouped", "renamed", "values", "own_defaults"):
            object.__setattr__(self, name, MappingProxyType(dict(getattr(self, name))))

    def keyword(self, name: str) -> tuple[str, int | None]:
        """Where our hyperparameter `name` goes: torch's keyword and its place in the tuple."""
        for key, names in self.grouped.items():
            if name in names:
                return key, names.index(name)
        return self.renamed.get(name, name), None

    def kwargs(self, hyperparameters: Mapping[str, Any]) -> dict[str, Any]:
        """torch's keyword arguments for a run's resolved `hyperparameters` (lr included).

        Raises:
            ValueError: a tuple left incomplete (a hyperparameter of `grouped`
                missing), or a keyword both mapped and fixed.
        """
        kw: dict[str, Any] = {}
        for name, value in hyperparameters.items():
            if name in self.values:
                value = self.values[name].get(value, value)
            key, i = self.keyword(name)
            if i is None:
                kw[key] = value
            else:
                kw.setdefault(key, {})[i] = value
        for key, names in self.grouped.items():
            given = kw.get(key, {})
            if len(given) != len(names):
                missing = [n for i, n in enumerate(names) if i not in given]
                raise ValueError(f"{self.qualname}: {key} needs {missing}")
            kw[key] = tuple(given[i] for i in range(len(names)))
        clash = sorted(set(kw) & set(self.fixed))
        if clash:
            raise ValueError(f"{self.qualname}: {clash} both mapped and fixed")
        return {**kw, **self.fixed}


# --------------------------------------------------------------------------- registry
@dataclass(frozen=True)
class OptimizerSpec:
    """One optimizer: its builder, its hyperparameters' metadata, its references.

    `params` lists the learning rate first, then the builder's arguments in
    order; their defaults are the builder's (torch's) defaults. `rule_tex` is
    the update rule as LaTeX display math (an ``aligned`` block, torch's
    equations with t counting steps from 1); `record` says what a recorded
    run's moment and effective learning rate are. `torch` names the
    torch.optim class the rule equals and how the hyperparameters map to it,
    or is None where torch has no counterpart; it has no default, so every
    entry says which. `caveat` is one honest sentence where the method
    degenerates on two parameters (empty elsewhere), for the app to show.
    `lr_rule(k, lr, prev, hp)`, where set, gives ``Trajectory.lr``: the rate
    step k actually uses from the scheduled rates `lr` of step k and `prev`
    of step k − 1 (k = 0: its own), elementwise (asgd's η_t, adafactor's ρ_t);
    None means ``Trajectory.lr`` is the scheduled rate.
    """

    name: str
    label: str
    make: Callable[..., Transform]
    params: tuple[Param, ...]
    reference: str
    torch: TorchRef | None
    rule_tex: str = ""
    record: RecordInfo = RecordInfo()
    caveat: str = ""
    lr_rule: Callable[..., Any] | None = None

    @property
    def param_map(self) -> dict[str, Param]:
        return {p.name: p for p in self.params}

    @property
    def default_lr(self) -> float:
        """torch.optim's default learning rate."""
        return float(self.params[0].default)

    @property
    def algorithm(self) -> str:
        """The algorithm box from the builder's docstring."""
        return inspect.getdoc(self.make) or ""

    def resolve(self, given: Mapping[str, Any], n: int) -> dict[str, Any]:
        """Validate `given` hyperparameters and fill in defaults.

        Each value is a scalar or an array of shape (n,); returns floats/bools
        and float64 arrays. Raises ValueError naming the bad value and what is
        allowed. The learning rate, when not given, is left out (the caller
        knows the surface's suggestion).
        """
        specs = self.param_map
        unknown = [k for k in given if k not in specs]
        if unknown:
            raise ValueError(
                f"{self.name}: unknown hyperparameter {unknown[0]!r}; allowed: {', '.join(specs)}"
            )
        out: dict[str, Any] = {}
        for name, spec in specs.items():
            if name not in given:
                if name != "lr":
                    out[name] = spec.default if spec.kind != "bool" else bool(spec.default)
                continue
            value = spec.validate(given[name], self.name)
            if isinstance(value, np.ndarray) and value.shape != (n,):
                raise ValueError(
                    f"{self.name}: {name} has shape {value.shape}; use a scalar or shape ({n},) "
                    f"(one value per path)"
                )
            out[name] = value
        return out

    def build(self, hyperparameters: Mapping[str, Any]) -> Transform:
        """The transform for resolved hyperparameters (the lr is handed over per step)."""
        return self.make(**{k: v for k, v in hyperparameters.items() if k != "lr"})


def _entry(
    make: Callable[..., Transform],
    label: str,
    lr: float,
    reference: str,
    *params: Param,
    torch: TorchRef | None,
    rule: str,
    record: RecordInfo,
    caveat: str = "",
    lr_rule: Callable[..., Any] | None = None,
) -> OptimizerSpec:
    """Build a spec whose hyperparameter defaults are taken from `make`'s signature.

    Raises ValueError when `params` are not `make`'s arguments in order, or
    `torch` maps a hyperparameter the optimizer does not have.
    """
    sig = inspect.signature(make).parameters
    if [p.name for p in params] != list(sig):
        raise ValueError(f"{make.__name__}: params {[p.name for p in params]} != {list(sig)}")
    if torch is not None:
        mapped = {n for names in torch.grouped.values() for n in names}
        named = mapped | set(torch.renamed) | set(torch.values) | set(torch.own_defaults)
        unknown = sorted(named - {"lr", *sig})
        if unknown:
            raise ValueError(f"{make.__name__}: torch mapping names unknown {unknown}")
    fixed = tuple(replace(p, default=sig[p.name].default) for p in params)
    return OptimizerSpec(
        make.__name__,
        label,
        make,
        (replace(LR, default=lr), *fixed),
        reference,
        torch,
        rule,
        record,
        caveat,
        lr_rule,
    )


_ADAM_PARAMS = (BETA1, BETA2, EPS, WEIGHT_DECAY)

_ADAM_RECORD = RecordInfo("m", "m_t", _EFF_ADAM % "v_t", _STEP_M)

_BETAS = MappingProxyType({"betas": ("beta1", "beta2")})
_HEAVY_BALL = MappingProxyType(
    {"momentum": "torch's SGD defaults to 0 (plain SGD); this entry is SGD with momentum"}
)

#: Every registered optimizer, by name (the names used in URLs and `run`).
OPTIMIZERS: dict[str, OptimizerSpec] = {
    spec.name: spec
    for spec in (
        _entry(
            sgd,
            "SGD",
            1e-3,
            "Robbins & Monro 1951; torch.optim.SGD",
            WEIGHT_DECAY,
            torch=TorchRef("SGD"),
            rule=_aligned(_G, r"\theta_t &= \theta_{t-1} - \gamma\, g_t"),
            record=RecordInfo(),
        ),
        _entry(
            momentum,
            "Momentum",
            1e-3,
            "Polyak 1964; torch.optim.SGD(momentum=μ)",
            MOMENTUM,
            DAMPENING,
            WEIGHT_DECAY,
            torch=TorchRef("SGD", own_defaults=_HEAVY_BALL),
            rule=_aligned(
                _G,
                r"b_t &= \mu b_{t-1} + (1 - \tau)\, g_t \qquad (b_1 = g_1)",
                r"\theta_t &= \theta_{t-1} - \gamma\, b_t",
            ),
            record=RecordInfo("b", step_tex=r"\Delta\theta = -\gamma\, b_t"),
        ),
        _entry(
            nesterov,
            "Nesterov",
            1e-3,
            "Nesterov 1983; Sutskever et al. 2013; torch.optim.SGD(nesterov=True)",
            MOMENTUM,
            WEIGHT_DECAY,
            torch=TorchRef("SGD", fixed={"nesterov": True}, own_defaults=_HEAVY_BALL),
            rule=_aligned(
                _G,
                r"b_t &= \mu b_{t-1} + g_t \qquad (b_1 = g_1)",
                r"\theta_t &= \theta_{t-1} - \gamma\, (g_t + \mu b_t)",
            ),
            record=RecordInfo("b", step_tex=r"\Delta\theta = -\gamma\, (g_t + \mu b_t)"),
        ),
        _entry(
            adagrad,
            "AdaGrad",
            1e-2,
            "Duchi, Hazan & Singer 2011; torch.optim.Adagrad",
            LR_DECAY,
            EPS,
            WEIGHT_DECAY,
            torch=TorchRef("Adagrad"),
            rule=_aligned(
                _G,
                r"s_t &= s_{t-1} + g_t^2",
                r"\theta_t &= \theta_{t-1} - \frac{\gamma}{1 + (t - 1)\,\eta}\,"
                r"\frac{g_t}{\sqrt{s_t} + \epsilon}",
            ),
            record=RecordInfo(
                None,
                "g_t",
                r"\tilde\gamma = \frac{\gamma}{(1 + (t - 1)\,\eta)\,(\sqrt{s_t} + \epsilon)}",
                _STEP_G,
            ),
        ),
        _entry(
            rmsprop,
            "RMSProp",
            1e-2,
            "Hinton, Coursera lecture 6e, 2012; torch.optim.RMSprop",
            ALPHA,
            EPS,
            replace(MOMENTUM, default=0.0),
            CENTERED,
            WEIGHT_DECAY,
            torch=TorchRef("RMSprop"),
            rule=_aligned(
                _G,
                r"v_t &= \alpha v_{t-1} + (1 - \alpha)\, g_t^2",
                r"\bar g_t &= \alpha \bar g_{t-1} + (1 - \alpha)\, g_t"
                r" \qquad \text{(centered only)}",
                r"d_t &= \sqrt{v_t - \bar g_t^2} + \epsilon \ \text{(centered)},"
                r"\quad \text{else } \sqrt{v_t} + \epsilon",
                r"b_t &= \mu b_{t-1} + g_t / d_t",
                r"\theta_t &= \theta_{t-1} - \gamma\, b_t",
            ),
            record=RecordInfo(
                "b",
                "g_t",
                r"\tilde\gamma = \gamma / d_t",
                r"\Delta\theta = -\gamma\, b_t, \quad "
                r"b_t = \mu b_{t-1} + (\tilde\gamma / \gamma) \odot g_t"
                r" \qquad (\mu = 0:\ \Delta\theta = -\tilde\gamma \odot g_t)",
                moment_if="momentum",
            ),
        ),
        _entry(
            adadelta,
            "Adadelta",
            1.0,
            "Zeiler 2012; torch.optim.Adadelta",
            RHO,
            EPS,
            WEIGHT_DECAY,
            torch=TorchRef("Adadelta"),
            rule=_aligned(
                _G,
                r"v_t &= \rho v_{t-1} + (1 - \rho)\, g_t^2",
                r"\Delta_t &= \frac{\sqrt{u_{t-1} + \epsilon}}{\sqrt{v_t + \epsilon}}\, g_t",
                r"u_t &= \rho u_{t-1} + (1 - \rho)\, \Delta_t^2",
                r"\theta_t &= \theta_{t-1} - \gamma\, \Delta_t",
            ),
            record=RecordInfo(
                None,
                "g_t",
                r"\tilde\gamma = \gamma\, \frac{\sqrt{u_{t-1} + \epsilon}}{\sqrt{v_t + \epsilon}}",
                _STEP_G,
            ),
        ),
        _entry(
            adam,
            "Adam",
            1e-3,
            "Kingma & Ba 2015; torch.optim.Adam",
            *_ADAM_PARAMS,
            torch=TorchRef("Adam", grouped=_BETAS),
            rule=_aligned(_G, _M, _V, _ADAM_STEP % "v_t"),
            record=_ADAM_RECORD,
        ),
        _entry(
            amsgrad,
            "AMSGrad",
            1e-3,
            "Reddi, Kale & Kumar 2018; torch.optim.Adam(amsgrad=True)",
            *_ADAM_PARAMS,
            torch=TorchRef("Adam", fixed={"amsgrad": True}, grouped=_BETAS),
            rule=_aligned(
                _G, _M, _V, r"\bar v_t &= \max(\bar v_{t-1}, v_t)", _ADAM_STEP % r"\bar v_t"
            ),
            record=RecordInfo("m", "m_t", _EFF_ADAM % r"\bar v_t", _STEP_M),
        ),
        _entry(
            adamw,
            "AdamW",
            1e-3,
            "Loshchilov & Hutter 2019; torch.optim.AdamW",
            BETA1,
            BETA2,
            EPS,
            replace(
                WEIGHT_DECAY, help="Decoupled decay: θ shrinks by the factor 1 − γλ each step."
            ),
            torch=TorchRef("AdamW", grouped=_BETAS),
            rule=_aligned(
                r"g_t &= \nabla f(\theta_{t-1})",
                _M,
                _V,
                r"\theta_t &= \theta_{t-1}(1 - \gamma\lambda) - \frac{\gamma}{1 - \beta_1^t}\,"
                r"\frac{m_t}{\sqrt{v_t}/\sqrt{1 - \beta_2^t} + \epsilon}",
            ),
            record=RecordInfo(
                "m",
                "m_t",
                _EFF_ADAM % "v_t",
                r"\Delta\theta = -\tilde\gamma \odot m_t - \gamma\lambda\, \theta_{t-1}",
                decay="decoupled",
            ),
        ),
        _entry(
            adamax,
            "Adamax",
            2e-3,
            "Kingma & Ba 2015, §7; torch.optim.Adamax",
            *_ADAM_PARAMS,
            torch=TorchRef("Adamax", grouped=_BETAS),
            rule=_aligned(
                _G,
                _M,
                r"u_t &= \max(\beta_2 u_{t-1},\ |g_t| + \epsilon)",
                r"\theta_t &= \theta_{t-1} - \frac{\gamma}{1 - \beta_1^t}\, \frac{m_t}{u_t}",
            ),
            record=RecordInfo(
                "m", "m_t", r"\tilde\gamma = \frac{\gamma}{(1 - \beta_1^t)\, u_t}", _STEP_M
            ),
        ),
        _entry(
            nadam,
            "NAdam",
            2e-3,
            "Dozat 2016; torch.optim.NAdam",
            BETA1,
            BETA2,
            EPS,
            MOMENTUM_DECAY,
            WEIGHT_DECAY,
            torch=TorchRef("NAdam", grouped=_BETAS),
            rule=_aligned(
                _G,
                r"\mu_t &= \beta_1 \left(1 - \tfrac12\, 0.96^{t\psi}\right), \quad "
                r"\Pi_t = \Pi_{t-1}\, \mu_t",
                _M,
                _V,
                r"d_t &= \sqrt{v_t / (1 - \beta_2^t)} + \epsilon",
                r"\theta_t &= \theta_{t-1} - \gamma\, \frac{1 - \mu_t}{1 - \Pi_t}\, \frac{g_t}{d_t}"
                r" - \gamma\, \frac{\mu_{t+1}}{1 - \Pi_t\, \mu_{t+1}}\, \frac{m_t}{d_t}",
            ),
            record=RecordInfo(
                "m",
                r"c_g\, g_t + c_m\, m_t",
                r"\tilde\gamma = \gamma / d_t",
                r"\Delta\theta = -\tilde\gamma \odot (c_g\, g_t + c_m\, m_t), \quad "
                r"c_g = \frac{1 - \mu_t}{1 - \Pi_t}, \quad "
                r"c_m = \frac{\mu_{t+1}}{1 - \Pi_t\, \mu_{t+1}}",
            ),
        ),
        _entry(
            radam,
            "RAdam",
            1e-3,
            "Liu et al. 2020; torch.optim.RAdam",
            *_ADAM_PARAMS,
            torch=TorchRef("RAdam", grouped=_BETAS),
            rule=_aligned(
                _G,
                _M,
                _V,
                r"\rho_t &= \rho_\infty - \frac{2t\beta_2^t}{1 - \beta_2^t}, \quad "
                r"\rho_\infty = \frac{2}{1 - \beta_2} - 1",
                r"r_t &= \sqrt{\frac{(\rho_t - 4)(\rho_t - 2)\,\rho_\infty}"
                r"{(\rho_\infty - 4)(\rho_\infty - 2)\,\rho_t}}",
                r"\theta_t &= \theta_{t-1} - \frac{\gamma}{1 - \beta_1^t}\, m_t \cdot "
                r"\begin{cases} r_t \sqrt{1 - \beta_2^t} / (\sqrt{v_t} + \epsilon) & \rho_t > 5 \\"
                r" 1 & \text{otherwise} \end{cases}",
            ),
            record=RecordInfo(
                "m",
                "m_t",
                r"\tilde\gamma = \frac{\gamma}{1 - \beta_1^t} \cdot \begin{cases} "
                r"r_t \sqrt{1 - \beta_2^t} / (\sqrt{v_t} + \epsilon) & \rho_t > 5 \\"
                r" 1 & \text{otherwise} \end{cases}",
                _STEP_M,
            ),
        ),
    )
}


# --------------------------------------------------------------------------- ftrl
# One self-contained entry: FTRL-Proximal has no torch.optim counterpart; it is
# Keras 3's `keras.optimizers.Ftrl` (without its l2_shrinkage term).
LR_POWER = Param(
    "lr_power",
    "LR power",
    -0.5,
    -1.0,
    0.0,
    step=0.01,
    symbol="p",
    help="The per-coordinate rate is γ / a^(−p): −0.5 is AdaGrad-like, 0 a fixed rate.",
)
INITIAL_ACCUMULATOR_VALUE = Param(
    "initial_accumulator_value",
    "Initial accumulator",
    0.1,
    0.0,
    10.0,
    step=0.01,
    symbol="a₀",
    help="Starting sum of squared gradients; it also pulls the first step towards 0.",
)
L1 = Param(
    "l1",
    "L1",
    0.0,
    0.0,
    10.0,
    step=0.001,
    symbol="λ₁",
    help="L1 strength: a weight whose |z| ≤ λ₁ is exactly 0 (sparsity).",
)
L2 = Param(
    "l2",
    "L2",
    0.0,
    0.0,
    10.0,
    step=0.001,
    symbol="λ₂",
    help="L2 strength: shrinks every weight towards 0.",
)
FTRL_BETA = Param(
    "beta",
    "Beta",
    0.0,
    0.0,
    10.0,
    step=0.01,
    symbol="β",
    help="Adds β/γ to the denominator: smooths the first steps (McMahan's β).",
)


def ftrl(
    lr_power: Scalar = -0.5,
    initial_accumulator_value: Scalar = 0.1,
    l1: Scalar = 0.0,
    l2: Scalar = 0.0,
    beta: Scalar = 0.0,
) -> Transform:
    r"""FTRL-Proximal (McMahan et al. 2013, Algorithm 1; Keras 3's ``Ftrl.update_step``).

    input: γ (lr), θ₀, f, p (lr_power), a₀ (initial_accumulator_value),
           λ₁ (l1), λ₂ (l2), β (beta)
    initialize: a ← a₀, z ← 0
    for t = 1, 2, …:
        g ← ∇f(θ_{t−1})
        a′ ← a + g²
        σ ← (a′^(−p) − a^(−p)) / γ
        z ← z + g − σθ_{t−1}
        a ← a′
        θ_t ← (sign(z)·λ₁ − z) / (a^(−p)/γ + 2λ₂ + β/γ)   where |z| > λ₁
        θ_t ← 0                                          elsewhere

    θ_t is set, not stepped: the regularized leader of all gradients so far.
    With λ₁ > 0 a coordinate whose |z| stays ≤ λ₁ is exactly 0 and stays there.
    """
    return tx.ftrl_proximal(lr_power, initial_accumulator_value, l1, l2, beta)


OPTIMIZERS["ftrl"] = _entry(
    ftrl,
    "FTRL",
    1e-3,
    "McMahan et al., 'Ad click prediction: a view from the trenches', KDD 2013, "
    "Algorithm 1; keras.optimizers.Ftrl (Keras 3)",
    LR_POWER,
    INITIAL_ACCUMULATOR_VALUE,
    L1,
    L2,
    FTRL_BETA,
    torch=None,
    rule=_aligned(
        r"g_t &= \nabla f(\theta_{t-1})",
        r"a_t &= a_{t-1} + g_t^2 \qquad (a_0 \text{ given}, \ z_0 = 0)",
        r"\sigma_t &= \left(a_t^{-p} - a_{t-1}^{-p}\right) / \gamma",
        r"z_t &= z_{t-1} + g_t - \sigma_t\, \theta_{t-1}",
        r"\theta_t &= \begin{cases} \dfrac{\operatorname{sign}(z_t)\,\lambda_1 - z_t}"
        r"{a_t^{-p}/\gamma + 2\lambda_2 + \beta/\gamma} & |z_t| > \lambda_1 \\"
        r" 0 & \text{otherwise} \end{cases}",
    ),
    record=RecordInfo(
        step_tex=r"\Delta\theta = \theta_t - \theta_{t-1}"
        r" \qquad (\theta_t \text{ set by the rule above})"
    ),
)


# --------------------------------------------------------------------------- 2026 (a)
# Newton, Rprop, ASGD, Adafactor, Muon: one self-contained block, as
# OPTIMIZERS-2026.md pins them (transforms in `transforms_2026a`).
from . import transforms_2026a as tx26  # noqa: E402

DAMPING = Param(
    "damping",
    "Damping",
    0.0,
    0.0,
    100.0,
    step=0.01,
    symbol="δ",
    help="Added to the Hessian's diagonal: δ → ∞ turns Newton into small gradient steps.",
)
ETAMINUS = Param(
    "etaminus",
    "η−",
    0.5,
    0.01,
    0.99,
    step=0.01,
    symbol="η₋",
    help="A coordinate's step size is multiplied by η− when its gradient flips sign.",
)
ETAPLUS = Param(
    "etaplus",
    "η+",
    1.2,
    1.01,
    5.0,
    step=0.01,
    symbol="η₊",
    help="A coordinate's step size is multiplied by η+ while its gradient keeps its sign.",
)
STEP_SIZE_MIN = Param(
    "step_size_min",
    "Min step",
    1e-6,
    1e-12,
    1.0,
    log=True,
    step=0.1,
    symbol="Γ₋",
    help="The smallest step size a coordinate can shrink to.",
)
STEP_SIZE_MAX = Param(
    "step_size_max",
    "Max step",
    50.0,
    1e-3,
    1000.0,
    log=True,
    step=0.1,
    symbol="Γ₊",
    help="The largest step size a coordinate can grow to.",
)
LAMBD = Param(
    "lambd",
    "Decay term",
    1e-4,
    0.0,
    1.0,
    step=1e-5,
    symbol="λ",
    help="Shrinks θ by (1 − λη) each step and sets how fast η decays.",
)
ASGD_ALPHA = Param(
    "alpha",
    "Rate power",
    0.75,
    0.0,
    2.0,
    step=0.01,
    symbol="α",
    help="η_t = γ/(1 + λγ(t − 1))^α: how fast the rate decays.",
)
T0 = Param(
    "t0",
    "Averaging start",
    1e6,
    0.0,
    1e9,
    step=1.0,
    symbol="t₀",
    help="Step at which averaging starts; it changes only the average, not the drawn path.",
)
BETA2_DECAY = Param(
    "beta2_decay",
    "β₂ decay",
    -0.8,
    -1.0,
    0.0,
    step=0.01,
    symbol="c",
    help="The second moment's weight of g² at step t is t^c (1 at t = 1).",
)
EPS1 = Param(
    "eps1",
    "ε₁",
    float(np.finfo(np.float64).eps),
    1e-30,
    10.0,
    log=True,
    step=0.1,
    symbol="ε₁",
    help="Floor of √v in the denominator (torch's None: the float64 epsilon).",
)
EPS2 = Param(
    "eps2",
    "ε₂",
    1e-3,
    1e-8,
    10.0,
    log=True,
    step=0.1,
    symbol="ε₂",
    help="Floor of RMS(θ) in the relative step: the step near θ = 0.",
)
ADAFACTOR_D = Param(
    "d",
    "Clip threshold",
    1.0,
    1.0,
    100.0,
    log=True,
    step=0.01,
    symbol="d",
    help="The update is divided by max(1, RMS(update)/d) (torch needs d ≥ 1).",
)
NESTEROV = Param(
    "nesterov",
    "Nesterov",
    True,
    0,
    1,
    kind="bool",
    help="Orthogonalise (1 − μ)g + μB instead of the buffer B.",
)
MUON_EPS = Param(
    "eps",
    "Epsilon",
    1e-7,
    1e-12,
    100.0,
    log=True,
    step=0.1,
    symbol="ε",
    help="Norm floor before Newton–Schulz: below it the step shrinks smoothly.",
)
NS_STEPS = Param(
    "ns_steps",
    "Newton–Schulz steps",
    5,
    1,
    10,
    step=1,
    kind="int",
    symbol="K",
    help="Iterations of the quintic Newton–Schulz map; they set the step length.",
)


def newton(damping: Scalar = 0.0) -> Transform:
    r"""Damped Newton's method with the exact analytic Hessian (float64, Cramer's rule).

    input: γ (lr), θ₀, f (with its Hessian ∇²f), δ (damping)
    for t = 1, 2, …:
        g ← ∇f(θ_{t−1});  H ← ∇²f(θ_{t−1}) + δI
        det ← H_xx·H_yy − H_xy²
        p ← ((H_yy·g_x − H_xy·g_y)/det, (H_xx·g_y − H_xy·g_x)/det)    (p = H⁻¹g)
        θ_t ← θ_{t−1} − γp

    At lr = 1 it solves a quadratic in one step. It goes to any stationary
    point (a saddle or a maximum where H is indefinite); a singular H + δI
    gives a non-finite step, so the path is marked diverged.
    """
    return tx.chain(tx26.newton_step(damping), tx.scale_by_learning_rate())


def rprop(
    etaminus: Scalar = 0.5,
    etaplus: Scalar = 1.2,
    step_size_min: Scalar = 1e-6,
    step_size_max: Scalar = 50.0,
) -> Transform:
    r"""Resilient backpropagation (Riedmiller & Braun 1993; torch.optim.Rprop).

    input: γ (lr), θ₀, f, η₋ (etaminus), η₊ (etaplus), Γ₋ (step_size_min),
           Γ₊ (step_size_max)
    initialize: s ← γ (per coordinate, the first step's lr), g_prev ← 0
    for t = 1, 2, …:
        g ← ∇f(θ_{t−1})
        per coordinate: if g·g_prev > 0: s ← min(η₊s, Γ₊)
                        if g·g_prev < 0: s ← max(η₋s, Γ₋);  g ← 0
        θ_t ← θ_{t−1} − s·sign(g)
        g_prev ← g

    Only the gradient's signs are used. torch reads γ only when it creates
    the state, so a learning-rate schedule has no effect after the first step.
    """
    return tx26.scale_by_rprop(etaminus, etaplus, step_size_min, step_size_max)


def asgd(
    lambd: Scalar = 1e-4, alpha: Scalar = 0.75, t0: Scalar = 1e6, weight_decay: Scalar = 0.0
) -> Transform:
    r"""Averaged SGD's iterate (Polyak & Juditsky 1992; torch.optim.ASGD).

    input: γ (lr), θ₀, f, λ (lambd), α (alpha), t₀ (t0), λ_wd (weight_decay)
    initialize: η ← γ, a ← θ₀ (the average; not drawn)
    for t = 1, 2, …:
        g ← ∇f(θ_{t−1}) + λ_wd·θ_{t−1}
        θ_t ← θ_{t−1}(1 − λη) − ηg
        a ← a + (θ_t − a)/max(1, t − t₀)
        η ← γ/(1 + λγt)^α

    The drawn path is θ, not the average a: t₀ changes only a. `Trajectory.lr`
    holds η_t = γ/(1 + λγ(t − 1))^α (with a schedule, γ of the previous step).
    """
    del t0  # it moves only the average, which is not drawn
    return tx.chain(tx.add_decayed_weights(weight_decay), tx26.scale_by_asgd(lambd, alpha))


def adafactor(
    beta2_decay: Scalar = -0.8,
    eps1: Scalar = 2.220446049250313e-16,  # float64 eps (torch: None)
    eps2: Scalar = 1e-3,
    d: Scalar = 1.0,
    weight_decay: Scalar = 0.0,
) -> Transform:
    r"""Adafactor (Shazeer & Stern 2018; torch.optim.Adafactor) on a vector: not factored.

    input: γ (lr), θ₀, f, c (beta2_decay), ε₁ (eps1), ε₂ (eps2), d (d),
           λ (weight_decay)
    initialize: v ← 0
    for t = 1, 2, …:
        g ← ∇f(θ_{t−1})
        ρ_t ← min(γ, 1/√t);  α_t ← max(ε₂, RMS(θ_{t−1}))·ρ_t
        v ← v + t^c·(g² − v)                     (v = g² at t = 1)
        w ← g / √max(v, ε₁²)
        θ_t ← θ_{t−1}(1 − γλ) − α_t/max(1, RMS(w)/d) · w

    RMS is over the two coordinates of one path. On a vector the second
    moment is per coordinate (a (1, 2) matrix would use factored row and
    column moments, a different algorithm). `Trajectory.lr` holds ρ_t.
    """
    return tx26.scale_by_adafactor(beta2_decay, eps1, eps2, d, weight_decay)


def muon(
    weight_decay: Scalar = 0.1,
    momentum: Scalar = 0.95,
    nesterov: bool = True,
    eps: Scalar = 1e-7,
    ns_steps: Scalar = 5,
) -> Transform:
    r"""Muon (Jordan et al. 2024; torch.optim.Muon) on (x, y) as a 1×2 matrix, NS in float64.

    input: γ (lr), θ₀, f, λ (weight_decay), μ (momentum), ν (nesterov), ε (eps),
           K (ns_steps), (a, b, c) = (3.4445, −4.7750, 2.0315)
    initialize: B ← 0
    for t = 1, 2, …:
        g ← ∇f(θ_{t−1})
        B ← μB + (1 − μ)g
        B̃ ← (1 − μ)g + μB if nesterov else B
        X ← B̃ / max(‖B̃‖, ε)
        K times: s ← XXᵀ (= ‖X‖², a scalar);  X ← aX + (bs + cs²)X
        θ_t ← θ_{t−1}(1 − γλ) − γX

    On a 1×2 matrix the orthogonalisation is a normalisation: X is B̃/‖B̃‖
    times a fixed length (0.69644 for K = 5), so every step has the same
    length. torch runs Newton–Schulz in bfloat16; Gradscape in float64.
    """
    return tx26.scale_by_muon(momentum, nesterov, eps, ns_steps, weight_decay)


_NEWTON_RULE = _aligned(
    r"g_t &= \nabla f(\theta_{t-1}), \quad H_t = \nabla^2 f(\theta_{t-1}) + \delta I",
    r"\theta_t &= \theta_{t-1} - \gamma\, H_t^{-1} g_t",
)

OPTIMIZERS["newton"] = _entry(
    newton,
    "Newton",
    1.0,
    "Newton's method with exact Hessians, damped (Levenberg 1944); Nocedal & Wright, "
    "Numerical Optimization, 2nd ed., §3.3",
    DAMPING,
    torch=None,
    rule=_NEWTON_RULE,
    record=RecordInfo(step_tex=r"\Delta\theta = -\gamma\, H_t^{-1} g_t"),
    caveat="Newton goes to the nearest stationary point, minimum, saddle or maximum alike.",
)

OPTIMIZERS["rprop"] = _entry(
    rprop,
    "Rprop",
    1e-2,
    "Riedmiller & Braun, 'A direct adaptive method for faster backpropagation "
    "learning: the RPROP algorithm', ICNN 1993; torch.optim.Rprop",
    ETAMINUS,
    ETAPLUS,
    STEP_SIZE_MIN,
    STEP_SIZE_MAX,
    torch=TorchRef(
        "Rprop",
        grouped={
            "etas": ("etaminus", "etaplus"),
            "step_sizes": ("step_size_min", "step_size_max"),
        },
    ),
    rule=_aligned(
        r"g_t &= \nabla f(\theta_{t-1}), \quad s_0 = \gamma",
        r"s_t &= \begin{cases} \min(\eta_+ s_{t-1}, \Gamma_+) & g_t g_{t-1} > 0 \\"
        r" \max(\eta_- s_{t-1}, \Gamma_-) & g_t g_{t-1} < 0 \ (\text{then } g_t \gets 0) \\"
        r" s_{t-1} & \text{otherwise} \end{cases}",
        r"\theta_t &= \theta_{t-1} - s_t \odot \operatorname{sign}(g_t)",
    ),
    record=RecordInfo(step_tex=r"\Delta\theta = -s_t \odot \operatorname{sign}(g_t)"),
    caveat="Rprop reads the learning rate only on its first step: a schedule has no "
    "effect after that.",
)

OPTIMIZERS["asgd"] = _entry(
    asgd,
    "ASGD",
    1e-2,
    "Polyak & Juditsky, SIAM J. Control Optim. 30(4), 1992; torch.optim.ASGD",
    LAMBD,
    ASGD_ALPHA,
    T0,
    WEIGHT_DECAY,
    torch=TorchRef("ASGD"),
    rule=_aligned(
        _G.replace(r"\lambda\theta", r"\lambda_{wd}\theta"),
        r"\eta_t &= \gamma / (1 + \lambda\gamma (t - 1))^{\alpha}",
        r"\theta_t &= \theta_{t-1}(1 - \lambda\eta_t) - \eta_t\, g_t",
        r"\bar\theta_t &= \bar\theta_{t-1} + (\theta_t - \bar\theta_{t-1}) / \max(1, t - t_0)"
        r" \qquad \text{(the average; not drawn)}",
    ),
    record=RecordInfo(step_tex=r"\Delta\theta = -\eta_t\,(g_t + \lambda\theta_{t-1})"),
    caveat="The drawn path is the SGD iterate, not its average; at the defaults it is "
    "plain SGD for the first steps.",
    lr_rule=tx26.asgd_rate,
)

OPTIMIZERS["adafactor"] = _entry(
    adafactor,
    "Adafactor",
    1e-2,
    "Shazeer & Stern, 'Adafactor: adaptive learning rates with sublinear memory "
    "cost', ICML 2018; torch.optim.Adafactor",
    BETA2_DECAY,
    EPS1,
    EPS2,
    ADAFACTOR_D,
    replace(WEIGHT_DECAY, help="Decoupled decay: θ shrinks by the factor 1 − γλ each step."),
    torch=TorchRef(
        "Adafactor",
        grouped={"eps": ("eps1", "eps2")},
        own_defaults={"eps1": "torch's None means the dtype's epsilon, spelled out here"},
    ),
    rule=_aligned(
        r"g_t &= \nabla f(\theta_{t-1})",
        r"\rho_t &= \min(\gamma, 1/\sqrt t), \quad "
        r"\alpha_t = \max(\epsilon_2, \operatorname{RMS}(\theta_{t-1}))\, \rho_t",
        r"v_t &= v_{t-1} + t^{c}\,(g_t^2 - v_{t-1})",
        r"w_t &= g_t / \sqrt{\max(v_t, \epsilon_1^2)}",
        r"\theta_t &= \theta_{t-1}(1 - \gamma\lambda) - "
        r"\frac{\alpha_t}{\max(1, \operatorname{RMS}(w_t)/d)}\, w_t",
    ),
    record=RecordInfo(
        None,
        "g_t",
        r"\tilde\gamma = \frac{\alpha_t}{\max(1, \operatorname{RMS}(w_t)/d)\,"
        r"\sqrt{\max(v_t, \epsilon_1^2)}}",
        r"\Delta\theta = -\tilde\gamma \odot g_t - \gamma\lambda\, \theta_{t-1}",
        decay="decoupled",
    ),
    caveat="On two parameters Adafactor is not factored: its second moment is per "
    "coordinate, as in Adam without momentum.",
    lr_rule=tx26.adafactor_rate,
)

OPTIMIZERS["muon"] = _entry(
    muon,
    "Muon",
    1e-3,
    "Jordan et al., 'Muon: an optimizer for hidden layers in neural networks', 2024; "
    "torch.optim.Muon",
    replace(WEIGHT_DECAY, help="Decoupled decay: θ shrinks by the factor 1 − γλ each step."),
    replace(MOMENTUM, help="The buffer's decay: B ← μB + (1 − μ)g."),
    NESTEROV,
    MUON_EPS,
    NS_STEPS,
    torch=TorchRef("Muon", shape=(1, 2)),
    rule=_aligned(
        r"g_t &= \nabla f(\theta_{t-1})",
        r"m_t &= \mu m_{t-1} + (1 - \mu)\, g_t, \quad \tilde m_t = (1 - \mu)\, g_t + \mu m_t"
        r" \ \text{(nesterov; else } \tilde m_t = m_t)",
        r"X_t &= \operatorname{NS}_K\!\left(\tilde m_t / \max(\lVert \tilde m_t \rVert,"
        r" \epsilon)\right)",
        r"\theta_t &= \theta_{t-1}(1 - \gamma\lambda) - \gamma\, X_t",
    ),
    record=RecordInfo(
        "m",
        step_tex=r"\Delta\theta = -\gamma\, X_t - \gamma\lambda\, \theta_{t-1}, \quad "
        r"X_t = \operatorname{NS}_K(\tilde m_t / \max(\lVert \tilde m_t \rVert, \epsilon))",
        decay="decoupled",
    ),
    caveat="On a 1×2 matrix Muon is normalised-gradient descent with Nesterov momentum: "
    "every step has the same length.",
)


HISTORY_SIZE = Param(
    "history_size",
    "History",
    100,
    1,
    200,
    step=1,
    kind="int",
    symbol="m",
    help="How many recent (step, gradient change) pairs shape the curvature estimate.",
)
LINE_SEARCH = Param(
    "line_search",
    "Line search",
    "none",
    0,
    0,
    kind="choice",
    choices=("none", "strong_wolfe"),
    symbol="",
    help="none: step t = lr; strong_wolfe: search t along the direction (up to 24 trials).",
)
TOLERANCE_GRAD = Param(
    "tolerance_grad",
    "Gradient tolerance",
    1e-7,
    1e-15,
    1.0,
    log=True,
    step=0.1,
    symbol="τ_g",
    help="The path stops once max |g| ≤ this.",
)
TOLERANCE_CHANGE = Param(
    "tolerance_change",
    "Change tolerance",
    1e-9,
    1e-15,
    1.0,
    log=True,
    step=0.1,
    symbol="τ_f",
    help="The path stops once the direction's slope g·d > −this.",
)


def lbfgs(
    history_size: Scalar = 100,
    line_search: str = "none",
    tolerance_grad: Scalar = 1e-7,
    tolerance_change: Scalar = 1e-9,
) -> Transform:
    r"""L-BFGS, one iteration per step (Liu & Nocedal 1989; torch.optim.LBFGS, max_iter=1).

    input: γ (lr), θ₀, f, m (history_size), line search (line_search),
           τ_g (tolerance_grad), τ_f (tolerance_change)
    initialize: memory ← ∅, k ← 0
    for t = 1, 2, …:
        g ← ∇f(θ_{t−1});  if max|g| ≤ τ_g: θ_t ← θ_{t−1}, next t
        k ← k + 1
        if k = 1: d ← −g;  s ← min(1, 1/‖g‖₁)·γ
        else:
            y ← g − g_prev;  s_prev ← s·d_prev
            if y·s_prev > 1e-10: store (s_prev, y) (keep the last m);  H₀ ← y·s_prev / y·y
            d ← −(two-loop recursion over the memory, starting from H₀)·g;  s ← γ
        g_prev ← g
        if g·d > −τ_f: θ_t ← θ_{t−1}, next t
        if strong_wolfe: s ← torch's _strong_wolfe(f, θ_{t−1}, s, d) (c1 = 1e-4,
            c2 = 0.9, at most 24 trials: max_eval = 25)
        θ_t ← θ_{t−1} + s·d

    The line search runs per path with masks over the paths still searching:
    each round evaluates f and ∇f at all n points, so a step costs
    1 + (most trials of any path) evaluations of n points (≤ 25).
    """
    return tx26.lbfgs_direction(history_size, line_search, tolerance_grad, tolerance_change)


OPTIMIZERS["lbfgs"] = _entry(
    lbfgs,
    "L-BFGS",
    1.0,
    "Liu & Nocedal, 'On the limited memory BFGS method for large scale optimization', "
    "Math. Programming 45, 1989; torch.optim.LBFGS(max_iter=1, max_eval=25)",
    HISTORY_SIZE,
    LINE_SEARCH,
    TOLERANCE_GRAD,
    TOLERANCE_CHANGE,
    torch=TorchRef(
        "LBFGS",
        fixed={"max_iter": 1, "max_eval": 25},
        renamed={"line_search": "line_search_fn"},
        values={"line_search": {"none": None}},
    ),
    rule=_aligned(
        r"g_t &= \nabla f(\theta_{t-1}), \quad y = g_t - g_{t-1}, \quad s = \theta_{t-1}"
        r" - \theta_{t-2} \ (\text{kept if } y \cdot s > 10^{-10}; \text{ last } m)",
        r"d_t &= -H_t g_t \quad (\text{two-loop recursion}, H_0 = \tfrac{y \cdot s}{y \cdot y} I;"
        r" d_1 = -g_1)",
        r"s_t &= \gamma \ (s_1 = \min(1, 1/\lVert g_1 \rVert_1)\,\gamma),"
        r" \text{ or the strong-Wolfe line search's}",
        r"\theta_t &= \theta_{t-1} + s_t\, d_t \quad (\text{unless } \max|g_t| \le \tau_g"
        r" \text{ or } g_t \cdot d_t > -\tau_f)",
    ),
    record=RecordInfo(step_tex=r"\Delta\theta = s_t\, d_t"),
    caveat="One drawn point is one L-BFGS iteration; with the line search it may "
    "evaluate the surface up to 25 times.",
)


def get_spec(name: str) -> OptimizerSpec:
    """The registry entry `name`; ValueError lists the choices."""
    try:
        return OPTIMIZERS[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"unknown optimizer {name!r}; choose one of: {', '.join(OPTIMIZERS)}"
        ) from None


# --------------------------------------------------------------------------- 2026, part b
from . import transforms_2026b as tx26b  # noqa: E402


def lion(beta1: Scalar = 0.9, beta2: Scalar = 0.99, weight_decay: Scalar = 0.0) -> Transform:
    r"""Lion (Chen et al. 2023, 'Symbolic discovery of optimization algorithms'; lion_pytorch).

    input: γ (lr), θ₀, f, β₁ (beta1), β₂ (beta2), λ (weight_decay)
    initialize: m ← 0
    for t = 1, 2, …:
        g ← ∇f(θ_{t−1})
        c ← β₁m + (1 − β₁)g
        θ_t ← θ_{t−1}(1 − γλ) − γ·sign(c)
        m ← β₂m + (1 − β₂)g

    Without weight decay every coordinate moves exactly ±γ or 0 per step: the
    path lies on a lattice of spacing γ.
    """
    return tx26b.scale_by_lion(beta1, beta2, weight_decay)


OPTIMIZERS["lion"] = _entry(
    lion,
    "Lion",
    1e-4,
    "Chen et al., 'Symbolic discovery of optimization algorithms', NeurIPS 2023; "
    "lion_pytorch.Lion 0.2.5",
    replace(BETA1, default=0.9),
    replace(BETA2, default=0.99),
    WEIGHT_DECAY,
    torch=TorchRef("Lion", grouped=_BETAS, module="lion_pytorch"),
    rule=_aligned(
        r"c_t &= \beta_1 m_{t-1} + (1 - \beta_1)\, g_t",
        r"\theta_t &= \theta_{t-1}(1 - \gamma\lambda) - \gamma \operatorname{sign}(c_t)",
        r"m_t &= \beta_2 m_{t-1} + (1 - \beta_2)\, g_t",
    ),
    record=RecordInfo(
        "m",
        step_tex=r"\Delta\theta = -\gamma \operatorname{sign}(c_t) - \gamma\lambda\,\theta_{t-1},"
        r" \quad c_t = m_t + (\beta_1 - \beta_2)(m_{t-1} - g_t)",
        decay="decoupled",
    ),
)


# --------------------------------------------------------------------------- 2026, part c
# AdaBelief, Adan, Schedule-Free SGD and AdamW, Prodigy, pinned to their packages
# (pytorch-optimizer 4.1.0, schedulefree 1.4.1, prodigyopt 1.1.2) as
# OPTIMIZERS-2026.md says; transforms in `transforms_2026c`.
from . import transforms_2026c as tx26c  # noqa: E402

_DECOUPLED = replace(
    WEIGHT_DECAY, help="Decoupled decay: θ shrinks by the factor 1 − γλ each step."
)
BELIEF_EPS = replace(
    EPS,
    default=1e-16,
    min=1e-20,
    help="Added inside the variance of g − m at every step and again to the denominator.",
)
BETA3 = Param(
    "beta3",
    "β₃",
    0.99,
    0.0,
    0.9999,
    step=0.0001,
    symbol="β₃",
    help="Decay of the second moment of g + β₂(g − g_prev) (Adan's look-ahead gradient).",
)
ADAN_BETA2 = replace(
    BETA2, default=0.92, help="Decay of the running mean of gradient differences g − g_prev."
)
WARMUP_STEPS = Param(
    "warmup_steps",
    "Warmup steps",
    0,
    0,
    1000,
    step=1,
    kind="int",
    symbol="T_w",
    help="The rate ramps up linearly over this many steps (0: no warmup).",
)
SF_R = Param(
    "r",
    "Weight power",
    0.0,
    0.0,
    10.0,
    step=0.1,
    symbol="r",
    help="Step t weighs t^r in the average x (0: a plain average of the z iterates).",
)
WEIGHT_LR_POWER = Param(
    "weight_lr_power",
    "Weight lr power",
    2.0,
    0.0,
    10.0,
    step=0.1,
    symbol="q",
    help="Step t weighs γ_max^q in the average: warmup steps count for less.",
)
SF_MOMENTUM = replace(
    MOMENTUM,
    min=0.01,
    help="Interpolation β: gradients are taken at y = (1 − β)z + βx.",
)
SF_BETA1 = replace(
    BETA1,
    min=0.01,
    help="Interpolation β: gradients are taken at y = (1 − β)z + βx (no first moment).",
)
#: √β₂ at β₂'s default: Prodigy's β₃ when the package is given None.
_SQRT_BETA2 = float(np.sqrt(0.999))
PRODIGY_BETA3 = replace(
    BETA3,
    default=_SQRT_BETA2,
    help="Decay of d's running sums; the package's None is √β₂ (here √0.999, the default β₂'s).",
)
DECOUPLE = Param(
    "decouple",
    "Decoupled decay",
    True,
    0,
    1,
    kind="bool",
    help="Weight decay shrinks θ by λ·d·γ (AdamW style) instead of adding λθ to g.",
)
USE_BIAS_CORRECTION = Param(
    "use_bias_correction",
    "Bias correction",
    False,
    0,
    1,
    kind="bool",
    help="Scale d·γ by √(1 − β₂ᵗ)/(1 − β₁ᵗ), as Adam's bias corrections.",
)
SAFEGUARD_WARMUP = Param(
    "safeguard_warmup",
    "Safeguard warmup",
    False,
    0,
    1,
    kind="bool",
    help="Accumulate s with d instead of d·γ, so a warmup schedule cannot inflate d.",
)
D0 = Param(
    "d0",
    "Initial d",
    1e-6,
    1e-12,
    10.0,
    log=True,
    step=0.1,
    symbol="d₀",
    help="The starting step-size estimate; d then grows, never shrinks.",
)
D_COEF = Param(
    "d_coef",
    "d coefficient",
    1.0,
    1e-3,
    100.0,
    log=True,
    step=0.01,
    symbol="c_d",
    help="Multiplies the estimate d̂: above 1 bolder, below 1 more careful.",
)
GROWTH_RATE = Param(
    "growth_rate",
    "Growth cap",
    1e300,
    1.0,
    1e300,
    log=True,
    step=0.1,
    symbol="κ",
    help="d grows by at most this factor per step; 1e300 stands for the package's inf.",
)


def adabelief(
    beta1: Scalar = 0.9, beta2: Scalar = 0.999, eps: Scalar = 1e-16, weight_decay: Scalar = 0.0
) -> Transform:
    r"""AdaBelief (Zhuang et al. 2020; pytorch_optimizer.AdaBelief, decoupled decay).

    input: γ (lr), θ₀, f, β₁ (beta1), β₂ (beta2), ε (eps), λ (weight_decay)
    initialize: m ← 0, s ← 0
    for t = 1, 2, …:
        g ← ∇f(θ_{t−1})
        θ ← θ_{t−1}(1 − γλ)
        m ← β₁m + (1 − β₁)g
        s ← β₂s + (1 − β₂)(g − m)² + ε
        θ_t ← θ − γ/(1 − β₁ᵗ) · m / (√s/√(1 − β₂ᵗ) + ε)

    Adam with the variance of g around its mean m in place of g²: where the
    gradient is predictable (a straight valley) s is small and the steps grow.
    The first step is about γ/β₁ per coordinate (g − m₁ = β₁g).
    """
    return tx.chain(
        tx26c.scale_by_adabelief(beta1, beta2, eps),
        tx.add_decoupled_weight_decay(weight_decay),
        tx.scale_by_learning_rate(),
    )


def adan(
    beta1: Scalar = 0.98,
    beta2: Scalar = 0.92,
    beta3: Scalar = 0.99,
    eps: Scalar = 1e-8,
    weight_decay: Scalar = 0.0,
) -> Transform:
    r"""Adan (Xie et al. 2022; pytorch_optimizer.Adan, proximal weight decay).

    input: γ (lr), θ₀, f, β₁ (beta1), β₂ (beta2), β₃ (beta3), ε (eps), λ (weight_decay)
    initialize: m ← 0, n ← 0, v ← 0
    for t = 1, 2, …:
        g ← ∇f(θ_{t−1});  Δ ← g − g_{t−1} (Δ₁ = 0)
        m ← β₁m + (1 − β₁)g
        n ← β₂n + (1 − β₂)Δ
        v ← β₃v + (1 − β₃)(g + β₂Δ)²
        D ← √v/√(1 − β₃ᵗ) + ε
        θ ← θ_{t−1} − γ/(1 − β₁ᵗ)·m/D − γβ₂/(1 − β₂ᵗ)·n/D
        θ_t ← θ/(1 + γλ)

    The betas are decays (1 − the paper's 0.02, 0.08, 0.01). n, the mean of
    gradient differences, is a Nesterov-like look-ahead. The first step is
    γ·sign(g).
    """
    return tx26c.scale_by_adan(beta1, beta2, beta3, eps, weight_decay)


def schedule_free_sgd(
    momentum: Scalar = 0.9,
    weight_decay: Scalar = 0.0,
    warmup_steps: Scalar = 0,
    r: Scalar = 0.0,
    weight_lr_power: Scalar = 2.0,
) -> Transform:
    r"""Schedule-Free SGD (Defazio et al. 2024; schedulefree.SGDScheduleFree); x is drawn.

    input: γ (lr), θ₀, f, β (momentum), λ (weight_decay), T_w (warmup_steps),
           r (r), q (weight_lr_power)
    initialize: x ← z ← θ₀, γ_max ← −1, W ← 0
    for t = 1, 2, …:
        γ_t ← γ·min(1, t/T_w);  γ_max ← max(γ_max, γ_t)
        w ← t^r·γ_max^q;  W ← W + w;  c ← w/W
        y ← (1 − β)z + βx
        g ← ∇f(y) + λy
        z ← z − γ_t g
        x ← (1 − c)x + c·z;  θ_t ← x

    z is plain SGD; x, the drawn point, is its weighted running average; the
    gradient is taken at y between them. c₁ = 1, so the first step is one SGD
    step. `Trajectory.lr` holds γ_t; `record=True` keeps y, ∇f(y) and z in
    `Trajectory.extras` ("y", "grad_y", "z").
    """
    return tx26c.schedule_free_step(
        False, momentum, 0.0, 0.0, weight_decay, warmup_steps, r, weight_lr_power
    )


def schedule_free_adamw(
    beta1: Scalar = 0.9,
    beta2: Scalar = 0.999,
    eps: Scalar = 1e-8,
    weight_decay: Scalar = 0.0,
    warmup_steps: Scalar = 0,
    r: Scalar = 0.0,
    weight_lr_power: Scalar = 2.0,
) -> Transform:
    r"""Schedule-Free AdamW (Defazio et al. 2024; schedulefree.AdamWScheduleFree); x is drawn.

    input: γ (lr), θ₀, f, β₁ (beta1), β₂ (beta2), ε (eps), λ (weight_decay),
           T_w (warmup_steps), r (r), q (weight_lr_power)
    initialize: x ← z ← θ₀, v ← 0, γ_max ← −1, W ← 0
    for t = 1, 2, …:
        γ_t ← γ·min(1, t/T_w);  γ_max ← max(γ_max, γ_t)
        w ← t^r·γ_max^q;  W ← W + w;  c ← w/W
        y ← (1 − β₁)z + β₁x
        g ← ∇f(y);  v ← β₂v + (1 − β₂)g²
        g ← g/(√(v/(1 − β₂ᵗ)) + ε) + λy
        z ← z − γ_t g
        x ← (1 − c)x + c·z;  θ_t ← x

    As Schedule-Free SGD with an Adam-normalised z step and no first moment
    (β₁ only places y). `record=True` keeps y, ∇f(y) and z in
    `Trajectory.extras`.
    """
    return tx26c.schedule_free_step(
        True, beta1, beta2, eps, weight_decay, warmup_steps, r, weight_lr_power
    )


def prodigy(
    beta1: Scalar = 0.9,
    beta2: Scalar = 0.999,
    beta3: Scalar = _SQRT_BETA2,
    eps: Scalar = 1e-8,
    weight_decay: Scalar = 0.0,
    decouple: bool = True,
    use_bias_correction: bool = False,
    safeguard_warmup: bool = False,
    d0: Scalar = 1e-6,
    d_coef: Scalar = 1.0,
    growth_rate: Scalar = 1e300,
) -> Transform:
    r"""Prodigy (Mishchenko & Defazio 2024; prodigyopt.Prodigy): Adam that learns its step size.

    input: γ (lr), θ₀, f, β₁ (beta1), β₂ (beta2), β₃ (beta3), ε (eps),
           λ (weight_decay), decoupled (decouple), bias correction
           (use_bias_correction), safeguard (safeguard_warmup), d₀ (d0),
           c_d (d_coef), κ (growth_rate)
    initialize: d ← d_max ← d₀, D ← 0, s ← 0, m ← 0, v ← 0, k ← 0
    for t = 1, 2, …:
        g ← ∇f(θ_{t−1}) (+ λθ_{t−1} unless decoupled)
        dγ ← d·γ (·√(1 − β₂^(k+1))/(1 − β₁^(k+1)) with bias correction)
        m ← β₁m + d(1 − β₁)g;  v ← β₂v + d²(1 − β₂)g²
        s ← β₃s + (d/d₀)·dγ·g     (d/d₀·d·g with safeguard)
        if Σ|s| = 0: θ_t ← θ_{t−1}, next t (k not advanced)
        D ← β₃D + (d/d₀)·dγ·⟨g, θ₀ − θ_{t−1}⟩;  d̂ ← c_d·D/Σ|s|
        if d = d₀: d ← max(d, d̂);  d_max ← max(d_max, d̂);  d ← min(d_max, κd)
        θ_t ← θ_{t−1} − λ·dγ·θ_{t−1} (decoupled) − dγ·m/(√v + d·ε);  k ← k + 1

    d starts at d₀ = 1e-6, so the path first stands almost still (the first
    step is about 3.16·d₀·γ per coordinate); it then grows towards the distance
    still to travel and never shrinks. The step uses the d from before its
    update, the ε term the new one. `record=True` keeps d and the step size
    d·γ (its effective learning rate) in `Trajectory.extras` ("d", "d_lr").
    """
    return tx26c.prodigy_step(
        beta1,
        beta2,
        beta3,
        eps,
        weight_decay,
        decouple,
        use_bias_correction,
        safeguard_warmup,
        d0,
        d_coef,
        growth_rate,
    )


_SF_WEIGHTS = (
    r"\gamma_t &= \gamma \min(1, t/T_w), \quad \gamma_{\max,t} = \max_{i \le t} \gamma_i",
    r"w_t &= t^r\, \gamma_{\max,t}^{q}, \quad c_t = w_t \big/ \textstyle\sum_{i \le t} w_i",
)
_SF_AVERAGE = (
    r"\theta_t &= x_t = (1 - c_t)\, x_{t-1} + c_t\, z_t"
    r" \quad (x_{t-1} = \theta_{t-1};\ x_0 = z_0 = \theta_0)"
)
_SF_STEP = (
    r"\Delta\theta = c_t\,(z_t - x_{t-1}), \quad z_t = z_{t-1} - \gamma_t\, \hat g_t,"
    r" \quad \hat g_t \text{ taken at } y_t"
)

OPTIMIZERS["adabelief"] = _entry(
    adabelief,
    "AdaBelief",
    1e-3,
    "Zhuang et al., 'AdaBelief optimizer: adapting stepsizes by the belief in observed "
    "gradients', NeurIPS 2020; pytorch_optimizer.AdaBelief 4.1.0",
    BETA1,
    BETA2,
    BELIEF_EPS,
    _DECOUPLED,
    torch=TorchRef(
        "AdaBelief",
        module="pytorch_optimizer",
        grouped=_BETAS,
        fixed={"weight_decouple": True, "fixed_decay": False, "rectify": False, "ams_bound": False},
    ),
    rule=_aligned(
        r"g_t &= \nabla f(\theta_{t-1})",
        _M,
        r"s_t &= \beta_2 s_{t-1} + (1 - \beta_2)\,(g_t - m_t)^2 + \epsilon",
        r"\theta_t &= \theta_{t-1}(1 - \gamma\lambda) - \frac{\gamma}{1 - \beta_1^t}\,"
        r"\frac{m_t}{\sqrt{s_t}/\sqrt{1 - \beta_2^t} + \epsilon}",
    ),
    record=RecordInfo(
        "m",
        "m_t",
        _EFF_ADAM % "s_t",
        r"\Delta\theta = -\tilde\gamma \odot m_t - \gamma\lambda\, \theta_{t-1}",
        decay="decoupled",
    ),
)

OPTIMIZERS["adan"] = _entry(
    adan,
    "Adan",
    1e-3,
    "Xie et al., 'Adan: adaptive Nesterov momentum algorithm for faster optimizing deep "
    "models', IEEE TPAMI 2024; pytorch_optimizer.Adan 4.1.0",
    replace(BETA1, default=0.98),
    ADAN_BETA2,
    BETA3,
    EPS,
    replace(WEIGHT_DECAY, help="Proximal decay: θ is divided by 1 + γλ after each step."),
    torch=TorchRef(
        "Adan",
        module="pytorch_optimizer",
        grouped={"betas": ("beta1", "beta2", "beta3")},
        fixed={"weight_decouple": False, "max_grad_norm": 0.0},
    ),
    rule=_aligned(
        r"g_t &= \nabla f(\theta_{t-1}), \quad \Delta_t = g_t - g_{t-1} \ (\Delta_1 = 0)",
        _M,
        r"n_t &= \beta_2 n_{t-1} + (1 - \beta_2)\, \Delta_t",
        r"v_t &= \beta_3 v_{t-1} + (1 - \beta_3)\,(g_t + \beta_2 \Delta_t)^2, \quad"
        r" D_t = \sqrt{v_t}/\sqrt{1 - \beta_3^t} + \epsilon",
        r"\theta_t &= \Big(\theta_{t-1} - \frac{\gamma}{1 - \beta_1^t} \frac{m_t}{D_t}"
        r" - \frac{\gamma \beta_2}{1 - \beta_2^t} \frac{n_t}{D_t}\Big) \Big/ (1 + \gamma\lambda)",
    ),
    record=RecordInfo(
        "m",
        step_tex=r"\Delta\theta = -\frac{\gamma}{1 + \gamma\lambda}\Big(\frac{m_t}{(1 - \beta_1^t)"
        r" D_t} + \frac{\beta_2 n_t}{(1 - \beta_2^t) D_t} + \lambda \theta_{t-1}\Big)",
        decay="decoupled",
    ),
)

OPTIMIZERS["schedule_free_sgd"] = _entry(
    schedule_free_sgd,
    "Schedule-Free SGD",
    1.0,
    "Defazio et al., 'The road less scheduled', NeurIPS 2024; schedulefree.SGDScheduleFree 1.4.1",
    SF_MOMENTUM,
    replace(WEIGHT_DECAY, help="λy is added to the gradient, taken at y."),
    WARMUP_STEPS,
    SF_R,
    WEIGHT_LR_POWER,
    torch=TorchRef("SGDScheduleFree", module="schedulefree", draws="schedule_free_x"),
    rule=_aligned(
        *_SF_WEIGHTS,
        r"y_t &= (1 - \mu)\, z_{t-1} + \mu\, x_{t-1}, \quad"
        r" \hat g_t = \nabla f(y_t) + \lambda y_t",
        r"z_t &= z_{t-1} - \gamma_t\, \hat g_t",
        _SF_AVERAGE,
    ),
    record=RecordInfo(step_tex=_SF_STEP),
    caveat="The drawn point is the average x; the gradient is taken at y, between x and "
    "the SGD iterate z (the step inspector shows both).",
    lr_rule=tx26c.schedule_free_rate,
)

OPTIMIZERS["schedule_free_adamw"] = _entry(
    schedule_free_adamw,
    "Schedule-Free AdamW",
    0.0025,
    "Defazio et al., 'The road less scheduled', NeurIPS 2024; schedulefree.AdamWScheduleFree 1.4.1",
    SF_BETA1,
    BETA2,
    EPS,
    replace(WEIGHT_DECAY, help="λy is added to the normalised gradient, taken at y."),
    WARMUP_STEPS,
    SF_R,
    WEIGHT_LR_POWER,
    torch=TorchRef(
        "AdamWScheduleFree", module="schedulefree", grouped=_BETAS, draws="schedule_free_x"
    ),
    rule=_aligned(
        *_SF_WEIGHTS,
        r"y_t &= (1 - \beta_1)\, z_{t-1} + \beta_1 x_{t-1}, \quad g_t = \nabla f(y_t)",
        r"v_t &= \beta_2 v_{t-1} + (1 - \beta_2)\, g_t^2, \quad"
        r" \hat g_t = \frac{g_t}{\sqrt{v_t/(1 - \beta_2^t)} + \epsilon} + \lambda y_t",
        r"z_t &= z_{t-1} - \gamma_t\, \hat g_t",
        _SF_AVERAGE,
    ),
    record=RecordInfo(step_tex=_SF_STEP),
    caveat="The drawn point is the average x; the gradient is taken at y, between x and "
    "the Adam-normalised iterate z (the step inspector shows both).",
    lr_rule=tx26c.schedule_free_rate,
)

OPTIMIZERS["prodigy"] = _entry(
    prodigy,
    "Prodigy",
    1.0,
    "Mishchenko & Defazio, 'Prodigy: an expeditiously adaptive parameter-free learner', "
    "ICML 2024; prodigyopt.Prodigy 1.1.2",
    BETA1,
    BETA2,
    PRODIGY_BETA3,
    EPS,
    replace(WEIGHT_DECAY, help="Decoupled: θ shrinks by λ·d·γ each step (else λθ joins g)."),
    DECOUPLE,
    USE_BIAS_CORRECTION,
    SAFEGUARD_WARMUP,
    D0,
    D_COEF,
    GROWTH_RATE,
    torch=TorchRef(
        "Prodigy",
        module="prodigyopt",
        grouped=_BETAS,
        fixed={"slice_p": 1, "fsdp_in_use": False},
        own_defaults={
            "beta3": "the package's None means √β₂; a slider needs a number (√0.999)",
            "growth_rate": "the package's inf is no number a slider or a link can hold",
        },
    ),
    rule=_aligned(
        r"g_t &= \nabla f(\theta_{t-1}) \ (+\lambda\theta_{t-1} \text{ unless decouple})",
        r"(d\gamma)_t &= d_{t-1}\gamma \ (\text{bias correction: } \times"
        r" \sqrt{1 - \beta_2^t}/(1 - \beta_1^t))",
        r"m_t &= \beta_1 m_{t-1} + d_{t-1}(1 - \beta_1)\, g_t, \quad"
        r" v_t = \beta_2 v_{t-1} + d_{t-1}^2 (1 - \beta_2)\, g_t^2",
        r"s_t &= \beta_3 s_{t-1} + \tfrac{d_{t-1}}{d_0} (d\gamma)_t\, g_t \ (\text{safeguard: }"
        r" d_{t-1} \text{ for } (d\gamma)_t)",
        r"D_t &= \beta_3 D_{t-1} + \tfrac{d_{t-1}}{d_0}"
        r" (d\gamma)_t\, \langle g_t, \theta_0 - \theta_{t-1} \rangle",
        r"d_t &= \min\big(\max(d_{\max}, c_d D_t / \lVert s_t \rVert_1),\ \kappa\, d_{t-1}\big)"
        r" \quad (d \text{ never shrinks})",
        r"\theta_t &= \theta_{t-1} - \lambda (d\gamma)_t\, \theta_{t-1}"
        r" - (d\gamma)_t\, \frac{m_t}{\sqrt{v_t} + d_t \epsilon}",
    ),
    record=RecordInfo(
        step_tex=r"\Delta\theta = -(d\gamma)_t\, \frac{m_t}{\sqrt{v_t} + d_t\epsilon}"
        r" - \lambda (d\gamma)_t\, \theta_{t-1}, \quad (d\gamma)_t = d_{t-1}\gamma"
    ),
    caveat="Prodigy starts with a tiny step (d₀ = 1e-6) and stands almost still until "
    "it has learned d.",
)
