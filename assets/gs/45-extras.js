/*
 * The step inspector's extras: what some optimizers have beyond −γ∇f, −γm and
 * Δθ (app/inspector.py `_extras`), drawn with the arrows at step k and listed
 * in the inspector's table.
 *
 *   Schedule-Free   y (where the gradient is taken) and z (the base sequence);
 *                   the drawn point is x
 *   Prodigy         its learned step d·lr
 *   L-BFGS          the line search's trial points of this iteration
 *   a sampled g     (noise, or a mini-batch) the exact full-batch gradient beside
 *                   it, and their difference, the gradient noise
 */
(function (GS) {
  "use strict";

  const decoded = new WeakMap(); // inspector data → its decoded extras

  function extras(d) {
    const raw = GS.paths() && GS.paths().inspect;
    if (!raw) return {};
    if (!decoded.has(raw)) {
      const out = {};
      ["sf_y", "sf_z", "d_lr", "trials", "trial_at", "g_full"].forEach((key) => {
        if (raw[key]) out[key] = GS.decode(raw[key]);
      });
      decoded.set(raw, out);
    }
    return decoded.get(raw);
  }

  /** What the exact gradient is called: "full batch" on a data surface, else "exact". */
  const fullName = () => GS.escapeHtml((GS.paths() && GS.paths().inspect && GS.paths().inspect.g_full_name) || "exact");

  /** The trial points of step k (L-BFGS's line search), as [x, y] pairs. */
  function trialsAt(e, k) {
    if (!e.trials || !e.trial_at || k + 1 >= e.trial_at.length) return [];
    const out = [];
    for (let j = e.trial_at[k]; j < e.trial_at[k + 1]; j++) out.push([e.trials[2 * j], e.trials[2 * j + 1]]);
    return out;
  }

  /**
   * SVG for step k's extras on `panel`, appended to the inspector's layer; `at` is
   * the arrows' origin and scale ({x, y, scale}) so the full-batch gradient compares.
   */
  GS.drawExtras = function (layer, panel, d, k, at) {
    const e = extras(d);
    const n = d.lr.length;
    let html = "";
    if (e.g_full && at) {
      // −γ∇f of the whole data (or without the noise): dashed, beside the sampled −γg
      const lr = d.lr[k];
      const x0 = panel.px(at.x);
      const y0 = panel.py(at.y);
      const x1 = panel.px(at.x - at.scale * lr * e.g_full[k]);
      const y1 = panel.py(at.y - at.scale * lr * e.g_full[n + k]);
      if (isFinite(x1) && isFinite(y1) && Math.hypot(x1 - x0, y1 - y0) > 0.5) {
        const ang = Math.atan2(y1 - y0, x1 - x0);
        const below = Math.sin(ang) >= 0 ? 14 : -8;
        html +=
          `<g class="gs-extra gs-extra-full" data-arrow="full"><line x1="${x0}" y1="${y0}" x2="${x1}" y2="${y1}"/>` +
          `<text x="${x1}" y="${y1 + below}" text-anchor="middle">−γ∇f (${fullName()})</text></g>`;
      }
    }
    // labels go to opposite sides (y above right, z below left), so two close points
    // keep their names apart
    const mark = (x, y, cls, label, below) => {
      if (!isFinite(x) || !isFinite(y)) return;
      const px = panel.px(x);
      const py = panel.py(y);
      const at = below
        ? `x="${px - 8}" y="${py + 16}" text-anchor="end"`
        : `x="${px + 8}" y="${py - 9}" text-anchor="start"`;
      html +=
        `<g class="gs-extra ${cls}"><circle cx="${px}" cy="${py}" r="4.5"/>` +
        (label ? `<text ${at}>${label}</text>` : "") +
        `</g>`;
    };
    if (e.sf_y && e.sf_z) {
      mark(e.sf_y[k], e.sf_y[n + k], "gs-extra-y", "y: ∇f taken here", false);
      mark(e.sf_z[k], e.sf_z[n + k], "gs-extra-z", "z", true);
    }
    const trials = trialsAt(e, k);
    trials.forEach(([x, y], j) => mark(x, y, "gs-extra-trial", j === trials.length - 1 ? `trials: ${trials.length}` : "", true));
    if (html) layer.insertAdjacentHTML("beforeend", html);
  };

  /** The table rows of step k's extras ([name, cells]). */
  GS.extraRows = function (d, k) {
    const e = extras(d);
    const n = d.lr.length;
    const f = (v) => GS.num(v, 4);
    const rows = [];
    if (e.sf_y) rows.push(["y (gradient here)", `<td>${f(e.sf_y[k])}</td><td>${f(e.sf_y[n + k])}</td>`]);
    if (e.sf_z) rows.push(["z (base sequence)", `<td>${f(e.sf_z[k])}</td><td>${f(e.sf_z[n + k])}</td>`]);
    if (e.d_lr) rows.push(["d·lr (learned step)", `<td colspan="2">${f(e.d_lr[k])}</td>`]);
    if (e.g_full && d.g) {
      rows.push([`∇f (${fullName()})`, `<td>${f(e.g_full[k])}</td><td>${f(e.g_full[n + k])}</td>`]);
      rows.push([
        "noise (g − ∇f)",
        `<td>${f(d.g[k] - e.g_full[k])}</td><td>${f(d.g[n + k] - e.g_full[n + k])}</td>`,
      ]);
    }
    if (e.trial_at) rows.push(["line-search trials", `<td colspan="2">${trialsAt(e, k).length}</td>`]);
    return rows;
  };
})(window.gradscape);
