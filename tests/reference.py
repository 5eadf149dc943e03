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
WHOLE = (
    "newton",
    "adafactor",
    "muon",
    "lbfgs",
    "schedule_free_sgd",
    "schedule_free_adamw",
    "prodigy",
)
#: Weight decay that is not added to the gradient (decoupled, or none at all).
NOT_L2 = ("adamw", "ftrl", "adafactor", "muon", "lion", "adabelief", "adan", "prodigy")


def reference_run(
    name: str,
    grad: Grad,
    start: Sequence[float],
    lrs: Sequence[float],
    hess: Hess | None = None,
    value: Callable[[float, float], float] | None = None,
    trace: dict[str, list] | None = None,
    **hp: float,
) -> list[tuple[float, float]]:
    """Positions θ₀ … θ_steps of optimizer `name`, with lrs[k] the rate of step k+1.

    `hess` (the surface's Hessian) is needed by newton only, `value` by lbfgs's
    line search. `trace`, when given, receives per-step internals: for
    schedule-free "y" (where the gradient was taken) and "z"; for prodigy "d"
    (after the step) and "d_lr" (the step's d·lr).
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
            new = _whole(name, theta, g, t, lr, wd, state, (hess, value, grad), hp, trace)
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
            elif name == "lion":
                # lion_pytorch.Lion: decoupled decay, sign of the interpolation, then m.
                b1l, b2l = hp.get("beta1", 0.9), hp.get("beta2", 0.99)
                m = buf("m")
                c = b1l * m[i] + (1 - b1l) * gi
                sign = (c > 0) - (c < 0)
                new[i] = theta[i] * (1 - lr * hp.get("weight_decay", 0.0)) - lr * sign
                m[i] = b2l * m[i] + (1 - b2l) * gi
            elif name == "adabelief":
                # pytorch_optimizer.AdaBelief: decoupled decay, s = Var(g − m) + ε.
                eps = hp.get("eps", 1e-16)
                m, s = buf("m"), buf("s")
                m[i] = b1 * m[i] + (1 - b1) * gi
                s[i] = b2 * s[i] + (1 - b2) * (gi - m[i]) ** 2 + eps
                denom = math.sqrt(s[i]) / math.sqrt(1 - b2**t) + eps
                new[i] = theta[i] * (1 - lr * wd) - lr / (1 - b1**t) * m[i] / denom
            elif name == "adan":
                # pytorch_optimizer.Adan: Δ = g − g_prev (0 first), proximal decay.
                a1, a2, a3 = hp.get("beta1", 0.98), hp.get("beta2", 0.92), hp.get("beta3", 0.99)
                eps = hp.get("eps", 1e-8)
                m, nd, v, prev = buf("m"), buf("n"), buf("v"), buf("prev")
                diff = 0.0 if t == 1 else gi - prev[i]
                prev[i] = gi
                m[i] = a1 * m[i] + (1 - a1) * gi
                nd[i] = a2 * nd[i] + (1 - a2) * diff
                v[i] = a3 * v[i] + (1 - a3) * (gi + a2 * diff) ** 2
                denom = math.sqrt(v[i]) / math.sqrt(1 - a3**t) + eps
                step = lr / (1 - a1**t) * m[i] / denom + lr * a2 / (1 - a2**t) * nd[i] / denom
                new[i] = (theta[i] - step) / (1 + lr * wd)
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


def _dot(a, b) -> float:
    return a[0] * b[0] + a[1] * b[1]


def _whole(name, theta, g, t, lr, wd, state, fns, hp, trace=None) -> list[float]:
    """One step of a rule that needs both coordinates of the path at once."""
    hess, value, grad = fns
    if name in ("schedule_free_sgd", "schedule_free_adamw"):
        return _schedule_free(name, theta, t, lr, state, grad, hp, trace)
    if name == "prodigy":
        return _prodigy(theta, g, lr, state, hp, trace)
    if name == "lbfgs":
        return _lbfgs(theta, g, lr, state, value, grad, hp)
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


def _lbfgs(theta, g, lr, state, value, grad, hp) -> list[float]:
    """torch.optim.LBFGS(max_iter=1, max_eval=25).step(closure), one path, plain floats."""
    tol_g, tol_c = hp.get("tolerance_grad", 1e-7), hp.get("tolerance_change", 1e-9)
    m = int(hp.get("history_size", 100))
    if max(abs(g[0]), abs(g[1])) <= tol_g:
        return list(theta)
    st = state.setdefault("lbfgs", {"n": 0})
    st["n"] += 1
    if st["n"] == 1:
        d = [-g[0], -g[1]]
        st.update(dirs=[], stps=[], ro=[], H=1.0)
    else:
        y = [g[0] - st["prev"][0], g[1] - st["prev"][1]]
        s = [st["d"][0] * st["t"], st["d"][1] * st["t"]]
        ys = _dot(y, s)
        if ys > 1e-10:
            if len(st["dirs"]) == m:
                for key in ("dirs", "stps", "ro"):
                    st[key].pop(0)
            st["dirs"].append(y)
            st["stps"].append(s)
            st["ro"].append(1.0 / ys)
            st["H"] = ys / _dot(y, y)
        q = [-g[0], -g[1]]
        al = [0.0] * len(st["dirs"])
        for i in range(len(st["dirs"]) - 1, -1, -1):
            al[i] = _dot(st["stps"][i], q) * st["ro"][i]
            q = [q[j] - al[i] * st["dirs"][i][j] for j in range(2)]
        r = [q[0] * st["H"], q[1] * st["H"]]
        for i in range(len(st["dirs"])):
            be = _dot(st["dirs"][i], r) * st["ro"][i]
            r = [r[j] + (al[i] - be) * st["stps"][i][j] for j in range(2)]
        d = r
    st["prev"] = list(g)
    t = min(1.0, 1.0 / (abs(g[0]) + abs(g[1]))) * lr if st["n"] == 1 else lr
    st["d"], st["t"] = d, t
    gtd = _dot(g, d)
    if gtd > -tol_c:
        return list(theta)
    if hp.get("line_search", "none") == "strong_wolfe":

        def obj(step):
            x = [theta[0] + step * d[0], theta[1] + step * d[1]]
            return value(*x), _dot(grad(*x), d)

        t = _strong_wolfe(obj, t, d, value(*theta), gtd, max_ls=24)
        st["t"] = t
    return [theta[0] + t * d[0], theta[1] + t * d[1]]


def _cubic(x1, f1, g1, x2, f2, g2, bounds=None):
    lo, hi = bounds if bounds is not None else ((x1, x2) if x1 <= x2 else (x2, x1))
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1**2 - g1 * g2
    if d2_square >= 0:
        d2 = math.sqrt(d2_square)
        if x1 <= x2:
            pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
        else:
            pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
        return min(max(pos, lo), hi)
    return (lo + hi) / 2.0


def _strong_wolfe(obj, t, d, f, gtd, max_ls, c1=1e-4, c2=0.9, tolerance_change=1e-9):
    """torch's `_strong_wolfe` on floats; returns the step t only."""
    d_norm = max(abs(d[0]), abs(d[1]))
    f_new, gtd_new = obj(t)
    t_prev, f_prev, gtd_prev = 0.0, f, gtd
    done, ls_iter = False, 0
    bracket = bracket_f = bracket_gtd = None
    while ls_iter < max_ls:
        if f_new > (f + c1 * t * gtd) or (ls_iter > 1 and f_new >= f_prev):
            bracket, bracket_f, bracket_gtd = [t_prev, t], [f_prev, f_new], [gtd_prev, gtd_new]
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket, bracket_f, done = [t], [f_new], True
            break
        if gtd_new >= 0:
            bracket, bracket_f, bracket_gtd = [t_prev, t], [f_prev, f_new], [gtd_prev, gtd_new]
            break
        tmp = t
        t = _cubic(t_prev, f_prev, gtd_prev, t, f_new, gtd_new, (t + 0.01 * (t - t_prev), t * 10))
        t_prev, f_prev, gtd_prev = tmp, f_new, gtd_new
        f_new, gtd_new = obj(t)
        ls_iter += 1
    if ls_iter == max_ls:
        bracket, bracket_f = [0, t], [f, f_new]
    insuf = False
    low, high = (0, 1) if bracket_f[0] <= bracket_f[-1] else (1, 0)
    while not done and ls_iter < max_ls:
        if abs(bracket[1] - bracket[0]) * d_norm < tolerance_change:
            break
        t = _cubic(
            bracket[0], bracket_f[0], bracket_gtd[0], bracket[1], bracket_f[1], bracket_gtd[1]
        )
        hi, lo = max(bracket), min(bracket)
        eps = 0.1 * (hi - lo)
        if min(hi - t, t - lo) < eps:
            if insuf or t >= hi or t <= lo:
                t = hi - eps if abs(t - hi) < abs(t - lo) else lo + eps
                insuf = False
            else:
                insuf = True
        else:
            insuf = False
        f_new, gtd_new = obj(t)
        ls_iter += 1
        if f_new > (f + c1 * t * gtd) or f_new >= bracket_f[low]:
            bracket[high], bracket_f[high], bracket_gtd[high] = t, f_new, gtd_new
            low, high = (0, 1) if bracket_f[0] <= bracket_f[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high] - bracket[low]) >= 0:
                bracket[high], bracket_f[high] = bracket[low], bracket_f[low]
                bracket_gtd[high] = bracket_gtd[low]
            bracket[low], bracket_f[low], bracket_gtd[low] = t, f_new, gtd_new
    return bracket[low]


def _schedule_free(name, theta, t, lr, state, grad, hp, trace) -> list[float]:
    """schedulefree's SGDScheduleFree / AdamWScheduleFree, written over x, y and z.

    The paper's form (x the average, y where the gradient is taken), not the
    package's in-place update of y: the two agree to rounding.
    """
    adam = name == "schedule_free_adamw"
    beta = hp.get("beta1", 0.9) if adam else hp.get("momentum", 0.9)
    wd = hp.get("weight_decay", 0.0)
    warm, r, q = hp.get("warmup_steps", 0), hp.get("r", 0.0), hp.get("weight_lr_power", 2.0)
    st = state.setdefault("sf", {"z": list(theta), "v": [0.0, 0.0], "lr_max": -1.0, "W": 0.0})
    gamma = lr * ((t / warm) if t - 1 < warm else 1.0)
    st["lr_max"] = max(st["lr_max"], gamma)
    w = t**r * st["lr_max"] ** q
    st["W"] += w
    c = w / st["W"] if st["W"] != 0 else 0.0
    z, x = st["z"], theta
    y = [(1 - beta) * z[i] + beta * x[i] for i in range(2)]
    g = list(grad(y[0], y[1]))
    if adam:
        b2, eps = hp.get("beta2", 0.999), hp.get("eps", 1e-8)
        for i in range(2):
            st["v"][i] = b2 * st["v"][i] + (1 - b2) * g[i] * g[i]
            g[i] = g[i] / (math.sqrt(st["v"][i] / (1 - b2**t)) + eps)
    for i in range(2):
        z[i] = z[i] - gamma * (g[i] + wd * y[i])
    if trace is not None:
        trace.setdefault("y", []).append(tuple(y))
        trace.setdefault("z", []).append(tuple(z))
    return [(1 - c) * x[i] + c * z[i] for i in range(2)]


def _prodigy(theta, g, lr, state, hp, trace) -> list[float]:
    """prodigyopt.Prodigy on one path, plain floats."""
    b1, b2 = hp.get("beta1", 0.9), hp.get("beta2", 0.999)
    b3 = hp.get("beta3", math.sqrt(b2))
    eps, wd = hp.get("eps", 1e-8), hp.get("weight_decay", 0.0)
    decouple = hp.get("decouple", True)
    d0, coef, growth = hp.get("d0", 1e-6), hp.get("d_coef", 1.0), hp.get("growth_rate", math.inf)
    st = state.setdefault(
        "prodigy",
        {
            "d": d0,
            "d_max": d0,
            "num": 0.0,
            "k": 0,
            "p0": list(theta),
            "m": [0.0, 0.0],
            "v": [0.0, 0.0],
            "s": [0.0, 0.0],
        },
    )
    d, k = st["d"], st["k"]
    bc = math.sqrt(1 - b2 ** (k + 1)) / (1 - b1 ** (k + 1)) if hp.get("use_bias_correction") else 1
    dlr = d * lr * bc
    if wd and not decouple:
        g = [g[i] + wd * theta[i] for i in range(2)]
    if lr <= 0:
        return list(theta)
    delta = (d / d0) * dlr * sum(g[i] * (st["p0"][i] - theta[i]) for i in range(2))
    for i in range(2):
        st["m"][i] = b1 * st["m"][i] + d * (1 - b1) * g[i]
        st["v"][i] = b2 * st["v"][i] + d * d * (1 - b2) * g[i] * g[i]
        rate = d if hp.get("safeguard_warmup") else dlr
        st["s"][i] = b3 * st["s"][i] + (d / d0) * rate * g[i]
    denom_d = abs(st["s"][0]) + abs(st["s"][1])
    if denom_d == 0:
        return list(theta)
    st["num"] = b3 * st["num"] + delta
    d_hat = coef * st["num"] / denom_d
    if d == d0:
        d = max(d, d_hat)
    st["d_max"] = max(st["d_max"], d_hat)
    d = min(st["d_max"], d * growth)
    st["d"], st["k"] = d, k + 1
    if trace is not None:
        trace.setdefault("d", []).append(d)
        trace.setdefault("d_lr", []).append(dlr)
    new = []
    for i in range(2):
        th = theta[i] - (wd * dlr * theta[i] if decouple else 0.0)
        direction = st["m"][i] if b1 > 0 else d * g[i]
        new.append(th - dlr * direction / (math.sqrt(st["v"][i]) + d * eps))
    return new
