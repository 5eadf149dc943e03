"""Transforms of the 2026 optimizers, part c: AdaBelief, Adan, Schedule-Free (SGD, AdamW), Prodigy.

The protocol of `optimizers.transforms`: `update(u, state, params, t, lr)`
rewrites the gradient `u` (shape (2n,): the x of n paths, then their y) into
the update and may return a factor. Hyperparameters are floats or arrays laid
out like `u` (per coordinate); where a rule keeps one number per path
(Prodigy's d, Schedule-Free's averaging weights) it reads the first half.
Each rule equals its reference package as OPTIMIZERS-2026.md pins it.

Schedule-Free takes its gradient at y, not at the drawn point x, so it carries
``bind`` and asks the run's `optimizers.core.Oracle` for the gradient at y
(noise, mini-batch and clipping as for any gradient): a step costs two
gradient evaluations, the one the core makes at x being unused.

Recorded runs keep a per-step history through the ``on_record`` probe (only
called when recording): Schedule-Free's y, the gradient there and z;
Prodigy's d and its step size d·lr.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .transforms import Scalar, State, Transform, _is_zero, _lerp_into, _operand

__all__ = [
    "prodigy_step",
    "scale_by_adabelief",
    "scale_by_adan",
    "schedule_free_rate",
    "schedule_free_step",
]

Array = np.ndarray
_add, _sub, _mul, _div, _sqrt = np.add, np.subtract, np.multiply, np.divide, np.sqrt


def _per_path(value: Scalar) -> Scalar:
    """A per-coordinate (2n,) hyperparameter as its per-path (n,) half; scalars pass."""
    if isinstance(value, np.ndarray):
        return value[: value.shape[0] // 2]
    return value


# --------------------------------------------------------------------------- AdaBelief
def scale_by_adabelief(beta1: Scalar, beta2: Scalar, eps: Scalar) -> Transform:
    """pytorch_optimizer.AdaBelief (rectify, ams_bound, adanorm off): Adam with Var(g − m).

    m ← m + (1 − β₁)(g − m);  s ← β₂s + (1 − β₂)(g − m)² + ε;
    u ← m / (√s/√(1 − β₂ᵗ) + ε), factor 1/(1 − β₁ᵗ). The decoupled decay
    (weight_decouple=True) is a separate link, as AdamW's.
    """
    w1, b2, w2, e = _operand(1.0 - beta1), _operand(beta2), _operand(1.0 - beta2), _operand(eps)

    def init(params: Array) -> State:
        return tuple(np.zeros_like(params) for _ in range(3))

    def update(u: Array, state: State, params: Array, t: int, lr: Scalar) -> Scalar:
        m, s, tmp = state
        _lerp_into(m, m, u, w1, tmp)
        _sub(u, m, tmp)
        _mul(tmp, tmp, tmp)
        _mul(tmp, w2, tmp)
        _mul(s, b2, s)
        _add(s, tmp, s)
        _add(s, e, s)
        _sqrt(s, tmp)
        _div(tmp, (1.0 - beta2**t) ** 0.5, tmp)
        _add(tmp, e, tmp)
        _div(m, tmp, u)
        return 1.0 / (1.0 - beta1**t)

    def multiplier(state: State, t: int, out: Array) -> None:
        _div(1.0, state[2], out)

    return Transform(init, update, moment=lambda state: state[0], multiplier=multiplier)


# --------------------------------------------------------------------------- Adan
def scale_by_adan(
    beta1: Scalar, beta2: Scalar, beta3: Scalar, eps: Scalar, weight_decay: Scalar
) -> Transform:
    """pytorch_optimizer.Adan (weight_decouple=False, max_grad_norm=0).

    Δ = g − g_prev (g_prev := g on the first step, so Δ₁ = 0);
    m ← lerp(m, g, 1 − β₁);  n ← lerp(n, Δ, 1 − β₂);  w = g + β₂Δ;
    v ← β₃v + (1 − β₃)w²;  D = √v/√(1 − β₃ᵗ) + ε;
    θ ← (θ − γ(m/(1 − β₁ᵗ) + β₂n/(1 − β₂ᵗ))/D) / (1 + γλ)   (proximal decay).
    Written as u ← (q + λθ)/(1 + γλ) with q the bracket over D, factor −γ.
    """
    w1, w2 = _operand(1.0 - beta1), _operand(1.0 - beta2)
    b2, b3, w3, e = _operand(beta2), _operand(beta3), _operand(1.0 - beta3), _operand(eps)
    decay = not _is_zero(weight_decay)
    wd = _operand(weight_decay)

    def init(params: Array) -> State:
        return tuple(np.zeros_like(params) for _ in range(6))

    def update(u: Array, state: State, params: Array, t: int, lr: Scalar) -> Scalar:
        m, n_, v, prev, diff, tmp = state
        if t == 1:
            np.copyto(prev, u)
        _sub(u, prev, diff)
        np.copyto(prev, u)
        _lerp_into(m, m, u, w1, tmp)
        _lerp_into(n_, n_, diff, w2, tmp)
        _mul(diff, b2, diff)
        _add(diff, u, diff)  # w = g + β₂Δ
        _mul(diff, diff, diff)
        _mul(diff, w3, diff)
        _mul(v, b3, v)
        _add(v, diff, v)
        _sqrt(v, diff)
        _div(diff, (1.0 - beta3**t) ** 0.5, diff)
        _add(diff, e, diff)  # D
        _mul(m, 1.0 / (1.0 - beta1**t), u)
        _mul(n_, beta2 / (1.0 - beta2**t), tmp)
        _add(u, tmp, u)
        _div(u, diff, u)
        if decay:
            _mul(params, wd, tmp)
            _add(u, tmp, u)
            _div(u, 1.0 + lr * wd, u)
        return -lr

    return Transform(init, update, moment=lambda state: state[0])


# --------------------------------------------------------------------------- Schedule-Free
def schedule_free_rate(k: Any, lr: Any, prev: Any, hp: Any) -> Any:
    """Schedule-Free's scheduled_lr of step k (from 0): lr·min(1, (k + 1)/warmup_steps)."""
    w = np.asarray(hp["warmup_steps"], dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return lr * np.where(k < w, (k + 1) / np.where(w > 0, w, 1.0), 1.0)


def schedule_free_step(
    adam: bool,
    beta1: Scalar,
    beta2: Scalar,
    eps: Scalar,
    weight_decay: Scalar,
    warmup_steps: Scalar,
    r: Scalar,
    weight_lr_power: Scalar,
) -> Transform:
    """schedulefree.SGDScheduleFree (adam=False) / AdamWScheduleFree (adam=True), x drawn.

    The state is z and y, as the package keeps them (the parameter holds y);
    the drawn point is x = y.lerp(z, 1 − 1/β). Per step k (t = k + 1), with
    γ = lr·min(1, t/warmup_steps), γ_max ← max(γ_max, γ),
    w = t^r·γ_max^weight_lr_power, W ← W + w, c = w/W (0 if W = 0):

        g ← ∇f(y)  (from the oracle);  AdamW: v ← β₂v + (1 − β₂)g²,
        g ← g/(√(v/(1 − β₂ᵗ)) + ε);  g ← g + λy;
        y ← lerp(y, z, c) + γ(β(1 − c) − 1)g;  z ← z − γg;
        u ← y.lerp(z, 1 − 1/β) − x  (no factor).

    β is momentum (SGD) or beta1 (AdamW). The gradient the core evaluates at
    x is not used.
    """
    beta = _operand(beta1)
    w_x = _operand(1.0 - 1.0 / beta1)
    b2, w2, e = _operand(beta2), _operand(1.0 - beta2), _operand(eps)
    decay = not _is_zero(weight_decay)
    wd = _operand(weight_decay)
    warm = np.asarray(warmup_steps, dtype=np.float64)
    per_path_warm = warm.ndim > 0
    no_warmup = not per_path_warm and float(warm) == 0.0
    oracle: list[Any] = []

    def bind(o: Any) -> None:
        oracle.append(o)

    def init(params: Array) -> State:
        return {
            "z": params.copy(),
            "y": params.copy(),
            "y_next": np.empty_like(params),
            "v": np.zeros_like(params),
            "g": np.empty_like(params),
            "gn": np.empty_like(params),
            "tmp": np.empty_like(params),
            "lr_max": -1.0,
            "weight_sum": 0.0,
            "history": {"y": [], "grad_y": [], "z": []},
        }

    def update(u: Array, st: State, params: Array, t: int, lr: Scalar) -> None:
        k = t - 1
        if no_warmup:
            rate = lr
        elif per_path_warm:
            rate = lr * np.where(k < warm, (k + 1) / np.where(warm > 0, warm, 1.0), 1.0)
        else:
            rate = lr * ((k + 1) / float(warm) if k < warm else 1.0)
        lr_max = st["lr_max"] = np.maximum(st["lr_max"], rate)
        weight = (k + 1) ** r * lr_max**weight_lr_power
        weight_sum = st["weight_sum"] = st["weight_sum"] + weight
        if isinstance(weight_sum, np.ndarray):
            c = np.divide(weight, weight_sum, out=np.zeros_like(weight_sum), where=weight_sum != 0)
        else:
            c = weight / weight_sum if weight_sum != 0 else 0.0
        y, z, raw, tmp, yn = st["y"], st["z"], st["g"], st["tmp"], st["y_next"]
        _gradient_at(oracle[0], y, k, raw)
        g = raw
        if adam:
            g = st["gn"]
            _mul(v := st["v"], b2, v)
            _mul(raw, raw, tmp)
            _mul(tmp, w2, tmp)
            _add(v, tmp, v)
            _div(v, 1.0 - beta2**t, tmp)
            _sqrt(tmp, tmp)
            _add(tmp, e, tmp)
            _div(raw, tmp, g)
        if decay:
            if g is raw:
                g = st["gn"]
                np.copyto(g, raw)
            _mul(y, wd, tmp)
            _add(g, tmp, g)
        # y.lerp_(z, c) into the other buffer (this step's y stays for the record):
        _lerp_into(yn, y, z, c, tmp)  # torch's y.lerp(z, c)
        _mul(g, rate * (beta * (1.0 - c) - 1.0), tmp)
        _add(yn, tmp, yn)
        _mul(g, rate, tmp)
        _sub(z, tmp, z)
        st["y"], st["y_next"] = yn, y  # y_next now holds the y the gradient was taken at
        # x = y.lerp(z, 1 − 1/β): the weight is < 0, so y + w(z − y)
        _sub(z, yn, tmp)
        _mul(tmp, w_x, tmp)
        _add(yn, tmp, tmp)
        _sub(tmp, params, u)

    def on_record(st: State) -> None:
        h = st["history"]
        h["y"].append(st["y_next"].copy())
        h["grad_y"].append(st["g"].copy())
        h["z"].append(st["z"].copy())

    def extras(st: State) -> dict[str, Any]:
        out = {}
        for key, rows in st["history"].items():
            if rows:
                arr = np.array(rows)
                out[key] = arr.reshape(arr.shape[0], 2, -1).transpose(0, 2, 1)
        return out

    return Transform(init, update, bind=bind, extras=extras, on_record=on_record)


def _gradient_at(oracle: Any, params: Array, k: int, out: Array) -> None:
    """Step k's gradient at `params` as the optimizer receives it: source, then clipping."""
    oracle.source(params, out, k)
    if oracle.edits:
        if oracle.edit_states is None:
            oracle.edit_states = [e.init(params) for e in oracle.edits]
        for e, s in zip(oracle.edits, oracle.edit_states, strict=True):
            e.update(out, s, params, k + 1, 0.0)


# --------------------------------------------------------------------------- Prodigy
def prodigy_step(
    beta1: Scalar,
    beta2: Scalar,
    beta3: Scalar,
    eps: Scalar,
    weight_decay: Scalar,
    decouple: bool,
    use_bias_correction: bool,
    safeguard_warmup: bool,
    d0: Scalar,
    d_coef: Scalar,
    growth_rate: Scalar,
) -> Transform:
    """prodigyopt.Prodigy (slice_p=1, one parameter group), per path.

    Per path, with d, d_max = d0, D = 0, s = 0, p0 = θ₀ and k = 0 at the start,
    γ this step's lr and c = √(1 − β₂^(k+1))/(1 − β₁^(k+1)) (else 1):
        dγ = d·γ·c;  g ← g + λθ unless decouple
        if γ > 0:  m ← β₁m + d(1 − β₁)g;  v ← β₂v + d²(1 − β₂)g²;
                   s ← β₃s + (d/d0)·(d if safeguard_warmup else dγ)·g
        if γ = 0 or Σ|s| = 0: skip the step (k not advanced)
        D ← β₃D + (d/d0)·dγ·⟨g, p0 − θ⟩;  d̂ = d_coef·D/Σ|s|
        d ← max(d, d̂) if d = d0;  d_max ← max(d_max, d̂);  d ← min(d_max, d·growth_rate)
        θ ← θ − λ·dγ·θ (decouple) − dγ·m/(√v + d·ε)   (β₁ = 0: d·g for m)
        k ← k + 1
    The step uses the d from before the update (dγ, and in m and v) and the new
    d in the ε term, as the package does.
    """
    b1, b2, b3 = _per_path(beta1), _per_path(beta2), _per_path(beta3)
    e, lam = _per_path(eps), _per_path(weight_decay)
    d_init, coef, growth = _per_path(d0), _per_path(d_coef), _per_path(growth_rate)
    decay = not _is_zero(weight_decay)
    no_momentum = np.any(np.asarray(b1) == 0)

    def init(params: Array) -> State:
        n = params.shape[0] // 2
        start = params.reshape(2, n)
        return {
            "m": np.zeros((2, n)),
            "v": np.zeros((2, n)),
            "s": np.zeros((2, n)),
            "p0": start.copy(),
            "d": np.broadcast_to(np.asarray(d_init, dtype=np.float64), (n,)).copy(),
            "d_max": np.broadcast_to(np.asarray(d_init, dtype=np.float64), (n,)).copy(),
            "num": np.zeros(n),
            "k": np.zeros(n),
            "dlr": np.zeros(n),
            "a": np.empty((2, n)),
            "b": np.empty((2, n)),
            "history": {"d": [], "d_lr": []},
        }

    w1, w2 = 1.0 - b1, 1.0 - b2  # per path, or floats
    unit_coef = isinstance(d_coef, float | int) and d_coef == 1.0  # 1·x = x: skip it

    def update(u: Array, st: State, params: Array, t: int, lr: Scalar) -> None:
        n = params.shape[0] // 2
        g = u.reshape(2, n)
        theta = params.reshape(2, n)
        rate = _per_path(lr)
        d, m, v, s, k = st["d"], st["m"], st["v"], st["s"], st["k"]
        a, b = st["a"], st["b"]  # (2, n) scratch
        if use_bias_correction:
            bc = (1.0 - b2 ** (k + 1)) ** 0.5 / (1.0 - b1 ** (k + 1))
            dlr = d * rate * bc
        else:
            dlr = d * rate
        if decay and not decouple:
            _mul(theta, lam, b)
            _add(b, g, b)
            g = b.copy()
        ratio = d / d_init
        rdlr = ratio * dlr
        _sub(st["p0"], theta, a)
        _mul(a, g, a)
        delta = rdlr * (a[0] + a[1])  # (d/d0)·dγ·⟨g, θ₀ − θ⟩
        all_active = bool(np.all(np.asarray(rate) > 0))
        if all_active:  # in place: m·β₁ + g·d(1 − β₁), as the package
            _mul(g, d * w1, b)
            _mul(m, b1, m)
            _add(m, b, m)
            _mul(g, g, b)
            _mul(b, d * d * w2, b)
            _mul(v, b2, v)
            _add(v, b, v)
            _mul(g, ratio * d if safeguard_warmup else rdlr, b)
            _mul(s, b3, s)
            _add(s, b, s)
        else:  # a rate of 0 leaves that path's state alone
            active = np.broadcast_to(np.asarray(rate) > 0, (n,))
            np.copyto(m, m * b1 + g * (d * w1), where=active)
            np.copyto(v, v * b2 + (g * g) * (d * d * w2), where=active)
            np.copyto(s, s * b3 + g * (ratio * (d if safeguard_warmup else dlr)), where=active)
        denom_d = np.abs(s[0]) + np.abs(s[1])
        go = denom_d != 0
        if not all_active:
            go &= active
        num = st["num"] * b3 + delta
        d_hat = num / denom_d if unit_coef else coef * num / denom_d
        new_d = np.where(d == d_init, np.maximum(d, d_hat), d)
        d_max = np.maximum(st["d_max"], d_hat)
        new_d = np.minimum(d_max, new_d * growth)
        _sqrt(v, a)
        _add(a, new_d * e, a)  # √v + d·ε with the new d
        # β₁ = 0 keeps no m: the package steps along d·g with the new d
        direction = np.where(np.asarray(b1) > 0, m, new_d * g) if no_momentum else m
        out = u.reshape(2, n)
        every = bool(go.all())
        step = out if every else a  # −dγ·m/(√v + dε) (− λ·dγ·θ), straight into u when all go
        _div(direction, a, step)
        _mul(step, -dlr, step)
        if decay and decouple:
            _mul(theta, lam * dlr, b)
            _sub(step, b, step)
        if every:
            st["num"], st["d"], st["d_max"] = num, new_d, d_max
            k += 1
        else:
            st["num"] = np.where(go, num, st["num"])
            st["d"] = np.where(go, new_d, d)
            st["d_max"] = np.where(go, d_max, st["d_max"])
            k += go
            out[...] = np.where(go, a, 0.0)
            dlr = np.where(go, dlr, 0.0)
        st["dlr"] = dlr

    def on_record(st: State) -> None:
        st["history"]["d"].append(st["d"].copy())
        st["history"]["d_lr"].append(np.broadcast_to(st["dlr"], st["d"].shape).copy())

    def extras(st: State) -> dict[str, Any]:
        h = st["history"]
        if not h["d"]:
            return {}
        return {"d": np.array(h["d"]), "d_lr": np.array(h["d_lr"])}

    return Transform(init, update, extras=extras, on_record=on_record)
