"""Plain-Python reference optimizers, written line by line from DESIGN.md's update rules.

One path, one coordinate at a time, no NumPy, no shared code with `optimizers`:
an independent second implementation that the vectorized core must agree with.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

Grad = Callable[[float, float], tuple[float, float]]
Hess = Callable[[float, float], tuple[float, float, float]]

#: Rules that act on both coordinates of a path at once (a norm, a 2×2 solve).
WHOLE = ("newton", "adafactor", "muon")
#: Weight decay that is not added to the gradient (decoupled, or none at all).
NOT_L2 = ("adamw", "ftrl", "adafactor", "muon")


def reference_run(
    name: str,
    grad: Grad,
    start: Sequence[float],
    lrs: Sequence[float],
    hess: Hess | None = None,
    **hp: float,
) -> list[tuple[float, float]]:
    """Positions θ₀ … θ_steps of optimizer `name`, with lrs[k] the rate of step k+1.

    `hess` (the surface's Hessian) is needed by newton only.
    """
    theta = [float(start[0]), float(start[1])]
    path = [tuple(theta)]
    wd = hp.get("weight_decay", {"adamw": 0.01, "muon": 0.1}.get(name, 0.0))
    b1, b2 = hp.get("beta1", 0.9), hp.get("beta2", 0.999)
    state: dict[str, list[float]] = {}

    def buf(key: str) -> list[float]:
        return state.setdefault(key, [0.0, 0.0])

    prod = 1.0
    for t, lr in enumerate(lrs, start=1):
        g = list(grad(theta[0], theta[1]))
        if name not in NOT_L2:
            g = [g[i] + wd * theta[i] for i in range(2)]
        if name == "adamw":
            theta = [theta[i] * (1 - lr * wd) for i in range(2)]
        new = list(theta)
        if name in WHOLE:
            new = _whole(name, theta, g, t, lr, wd, state, hess, hp)
        for i in range(2 if name not in WHOLE else 0):
            gi = g[i]
            if name == "sgd":
                new[i] = theta[i] - lr * gi
            elif name in ("momentum", "nesterov"):
                mu = hp.get("momentum", 0.9)
                tau = hp.get("dampening", 0.0) if name == "momentum" else 0.0
                b = buf("b")
                b[i] = gi if t == 1 else mu * b[i] + (1 - tau) * gi
                step = gi + mu * b[i] if name == "nesterov" else b[i]
                new[i] = theta[i] - lr * step
            elif name == "adagrad":
                eps = hp.get("eps", 1e-10)
                clr = lr / (1 + (t - 1) * hp.get("lr_decay", 0.0))
                s = buf("s")
                s[i] += gi * gi
                new[i] = theta[i] - clr * gi / (math.sqrt(s[i]) + eps)
            elif name == "rmsprop":
                alpha, eps = hp.get("alpha", 0.99), hp.get("eps", 1e-8)
                mu = hp.get("momentum", 0.0)
                v, gbar, b = buf("v"), buf("gbar"), buf("b")
                v[i] = alpha * v[i] + (1 - alpha) * gi * gi
                if hp.get("centered", False):
                    gbar[i] = alpha * gbar[i] + (1 - alpha) * gi
                    d = math.sqrt(v[i] - gbar[i] ** 2) + eps
                else:
                    d = math.sqrt(v[i]) + eps
                if mu > 0:
                    b[i] = mu * b[i] + gi / d
                    new[i] = theta[i] - lr * b[i]
                else:
                    new[i] = theta[i] - lr * gi / d
            elif name == "adadelta":
                rho, eps = hp.get("rho", 0.9), hp.get("eps", 1e-6)
                v, acc = buf("v"), buf("u")
                v[i] = rho * v[i] + (1 - rho) * gi * gi
                delta = math.sqrt(acc[i] + eps) / math.sqrt(v[i] + eps) * gi
                acc[i] = rho * acc[i] + (1 - rho) * delta * delta
                new[i] = theta[i] - lr * delta
            elif name in ("adam", "adamw", "amsgrad"):
                eps = hp.get("eps", 1e-8)
                m, v, vmax = buf("m"), buf("v"), buf("vmax")
                m[i] = b1 * m[i] + (1 - b1) * gi
                v[i] = b2 * v[i] + (1 - b2) * gi * gi
                vv = v[i]
                if name == "amsgrad":
                    vmax[i] = max(vmax[i], v[i])
                    vv = vmax[i]
                denom = math.sqrt(vv) / math.sqrt(1 - b2**t) + eps
                new[i] = theta[i] - lr / (1 - b1**t) * m[i] / denom
            elif name == "adamax":
                eps = hp.get("eps", 1e-8)
                m, w = buf("m"), buf("w")
                m[i] = b1 * m[i] + (1 - b1) * gi
                w[i] = max(b2 * w[i], abs(gi) + eps)
                new[i] = theta[i] - lr / (1 - b1**t) * m[i] / w[i]
            elif name == "nadam":
                eps, psi = hp.get("eps", 1e-8), hp.get("momentum_decay", 0.004)
                mu_t = b1 * (1 - 0.5 * 0.96 ** (t * psi))
                mu_next = b1 * (1 - 0.5 * 0.96 ** ((t + 1) * psi))
                p_t = prod * mu_t
                m, v = buf("m"), buf("v")
                m[i] = b1 * m[i] + (1 - b1) * gi
                v[i] = b2 * v[i] + (1 - b2) * gi * gi
                d = math.sqrt(v[i] / (1 - b2**t)) + eps
                new[i] = (
                    theta[i]
                    - lr * (1 - mu_t) / (1 - p_t) * gi / d
                    - lr * mu_next / (1 - p_t * mu_next) * m[i] / d
                )
            elif name == "radam":
                eps = hp.get("eps", 1e-8)
                m, v = buf("m"), buf("v")
                m[i] = b1 * m[i] + (1 - b1) * gi
                v[i] = b2 * v[i] + (1 - b2) * gi * gi
                m_hat = m[i] / (1 - b1**t)
                rho_inf = 2 / (1 - b2) - 1
                rho_t = rho_inf - 2 * t * b2**t / (1 - b2**t)
                if rho_t > 5:
                    r = math.sqrt(
                        (rho_t - 4)
                        * (rho_t - 2)
                        * rho_inf
                        / ((rho_inf - 4) * (rho_inf - 2) * rho_t)
                    )
                    new[i] = theta[i] - lr * m_hat * r * math.sqrt(1 - b2**t) / (
                        math.sqrt(v[i]) + eps
                    )
                else:
                    new[i] = theta[i] - lr * m_hat
            elif name == "ftrl":
                # Keras 3 Ftrl.update_step (McMahan et al. 2013, Algorithm 1).
                p = hp.get("lr_power", -0.5)
                l1, l2, beta = hp.get("l1", 0.0), hp.get("l2", 0.0), hp.get("beta", 0.0)
                a0 = hp.get("initial_accumulator_value", 0.1)
                acc, z = state.setdefault("acc", [a0, a0]), buf("z")
                new_acc = acc[i] + gi * gi
                sigma = (new_acc ** (-p) - acc[i] ** (-p)) / lr
                z[i] += gi - sigma * theta[i]
                acc[i] = new_acc
                quadratic = new_acc ** (-p) / lr + 2 * (l2 + beta / (2 * lr))
                if abs(z[i]) > l1:
                    new[i] = (math.copysign(l1, z[i]) - z[i]) / quadratic
                else:
                    new[i] = 0.0
            elif name == "rprop":
                # torch.optim.Rprop: sizes start at the first step's lr, which is read once.
                em, ep = hp.get("etaminus", 0.5), hp.get("etaplus", 1.2)
                lo, hi = hp.get("step_size_min", 1e-6), hp.get("step_size_max", 50.0)
                prev, size = buf("prev"), state.setdefault("size", [lr, lr])
                if gi * prev[i] > 0:
                    size[i] = min(max(size[i] * ep, lo), hi)
                elif gi * prev[i] < 0:
                    size[i] = min(max(size[i] * em, lo), hi)
                    gi = 0.0
                else:
                    size[i] = min(max(size[i], lo), hi)
                new[i] = theta[i] - math.copysign(size[i], gi) * (gi != 0)
                prev[i] = gi
            elif name == "asgd":
                # torch.optim.ASGD's iterate; η is recomputed after the step (below).
                eta = state.setdefault("eta", [lr])[0]
                new[i] = theta[i] * (1 - hp.get("lambd", 1e-4) * eta) - eta * gi
            else:  # pragma: no cover - a new optimizer needs a reference here
                raise KeyError(name)
        if name == "asgd":
            lam, alpha = hp.get("lambd", 1e-4), hp.get("alpha", 0.75)
            state["eta"] = [lr / (1 + lam * lr * t) ** alpha]
        if name == "nadam":
            prod *= b1 * (1 - 0.5 * 0.96 ** (t * hp.get("momentum_decay", 0.004)))
        theta = new
        path.append(tuple(theta))
    return path


def _whole(name, theta, g, t, lr, wd, state, hess, hp) -> list[float]:
    """One step of a rule that needs both coordinates of the path at once."""
    if name == "newton":
        hxx, hxy, hyy = hess(theta[0], theta[1])
        a, c = hxx + hp.get("damping", 0.0), hyy + hp.get("damping", 0.0)
        det = a * c - hxy * hxy
        px, py = (c * g[0] - hxy * g[1]) / det, (a * g[1] - hxy * g[0]) / det
        return [theta[0] - lr * px, theta[1] - lr * py]
    if name == "adafactor":
        # torch.optim.Adafactor on a vector (2,): not factored.
        c, eps1 = hp.get("beta2_decay", -0.8), hp.get("eps1", 2.220446049250313e-16)
        eps2, d = hp.get("eps2", 1e-3), hp.get("d", 1.0)
        rho = min(lr, 1 / math.sqrt(t))
        alpha = max(eps2, math.sqrt((theta[0] ** 2 + theta[1] ** 2) / 2)) * rho
        v = state.setdefault("v", [0.0, 0.0])
        w = [0.0, 0.0]
        for i in range(2):
            v[i] = v[i] + t**c * (g[i] * g[i] - v[i])
            w[i] = g[i] / math.sqrt(max(v[i], eps1 * eps1))
        big = max(1.0, math.sqrt((w[0] ** 2 + w[1] ** 2) / 2) / d)
        return [theta[i] * (1 - lr * wd) - alpha / big * w[i] for i in range(2)]
    if name == "muon":
        # torch.optim.Muon on a 1×2 matrix, Newton–Schulz in float64.
        mu, eps = hp.get("momentum", 0.95), hp.get("eps", 1e-7)
        b = state.setdefault("B", [0.0, 0.0])
        for i in range(2):
            b[i] = mu * b[i] + (1 - mu) * g[i]
        bt = [(1 - mu) * g[i] + mu * b[i] for i in range(2)] if hp.get("nesterov", True) else b
        norm = max(math.hypot(bt[0], bt[1]), eps)
        x = [bt[0] / norm, bt[1] / norm]
        for _ in range(int(hp.get("ns_steps", 5))):
            sq = x[0] ** 2 + x[1] ** 2
            k = 3.4445 - 4.7750 * sq + 2.0315 * sq * sq
            x = [k * x[0], k * x[1]]
        return [theta[i] * (1 - lr * wd) - lr * x[i] for i in range(2)]
    raise KeyError(name)  # pragma: no cover
