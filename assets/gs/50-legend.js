/*
 * The legend above the map (each run's colour and name, hidden runs dimmed)
 * and the hover label: the point of any drawn path nearest the mouse.
 */
(function (GS) {
  "use strict";

  /** The legend, rebuilt only when a run's name, colour or visibility changes. */
  GS.drawLegend = function () {
    const el = GS.el("LEGEND");
    if (!el) return;
    const rs = GS.hasLegend() ? GS.runs().map((r) => r.src) : [];
    const sig = JSON.stringify(rs.map((r) => [r.name, r.color, r.visible]));
    if (el.dataset.sig === sig) return;
    el.dataset.sig = sig;
    el.innerHTML = rs
      .map(
        (r, j) =>
          `<span class="gs-legend-item${r.visible ? "" : " gs-off"}" data-run="${j}">` +
          `<i style="background:${GS.escapeHtml(r.color)}"></i>${GS.escapeHtml(r.name)}</span>`
      )
      .join("");
  };

  const REACH = 12; // pixels: farther from every path, no label

  /** On map `g`, label the drawn point nearest mouse event `e`: run, step, x, y and f. */
  GS.hover = function (g, e) {
    if (!GS.plotly.ready(g)) return;
    let tip = g.parentElement.querySelector(".gs-tip");
    const box = g.getBoundingClientRect();
    const mx = e.clientX - box.left;
    const my = e.clientY - box.top;
    let best = null;
    let bestD = REACH * REACH;
    GS.runs().forEach((run) => {
      const panel = GS.plotly.panel(g, run.src.axes);
      if (!run.src.visible || !panel) return;
      const { px, py } = GS.pixels(run, panel);
      for (let k = 0; k < px.length; k++) {
        const d = (px[k] - mx) ** 2 + (py[k] - my) ** 2;
        if (d < bestD) {
          bestD = d;
          best = { run, k };
        }
      }
    });
    if (!best) {
      if (tip) tip.style.display = "none";
      return;
    }
    if (!tip) {
      tip = document.createElement("div");
      tip.className = "gs-tip";
      g.parentElement.appendChild(tip);
    }
    const { run, k } = best;
    tip.innerHTML =
      `<b>${GS.escapeHtml(run.src.label)}</b><br>step ${k}<br>x ${GS.num(run.x[k], 6)}` +
      `<br>y ${GS.num(run.y[k], 6)}<br>f ${GS.num(run.f[k], 5)}`;
    tip.style.borderColor = run.src.color;
    tip.style.display = "block";
    const gx = run.px.px[k];
    const gy = run.px.py[k];
    const left = gx + 14 + tip.offsetWidth > g.clientWidth ? gx - 14 - tip.offsetWidth : gx + 14;
    tip.style.left = `${left}px`;
    tip.style.top = `${gy - tip.offsetHeight / 2}px`;
    tip.setAttribute("data-run", run.index);
    tip.setAttribute("data-step", k);
  };

  /** Hide the hover label of map `g`. */
  GS.unhover = function (g) {
    const tip = g.parentElement.querySelector(".gs-tip");
    if (tip) tip.style.display = "none";
  };
})(window.gradscape);
