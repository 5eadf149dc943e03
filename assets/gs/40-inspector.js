/*
 * The step inspector: at step t of the inspected run, −γ∇f, −γm and the step
 * taken (Δθ), as arrows from the point on the map, and the same numbers in a
 * table beside it. The data come with the paths store (`paths.inspect`).
 */
(function (GS) {
  "use strict";

  const SVG = "http://www.w3.org/2000/svg";
  const ARROWS = [
    ["g", "−γ∇f", "#1f2933"],
    ["m", "−γm", "#6b4fbb"],
    ["d", "Δθ", "#d1495b"],
  ];
  const GRADIENT_DARK = "#e4e7eb"; // the gradient's ink on the dark theme

  /** Draw the arrows of the inspected run at step t into the map's overlay `svg`. */
  GS.drawInspector = function (svg, g, rs, t) {
    let layer = svg.querySelector("g.gs-inspect");
    const d = GS.inspectData();
    const run = d && rs[d.run];
    const panel = run && GS.plotly.panel(g, run.src.axes);
    if (!d || !run || !panel || !run.src.visible) {
      if (layer) layer.remove();
      const hidden = d && run && !run.src.visible;
      fillNumbers(null, hidden ? "The inspected run is hidden: show it (the eye) to see its steps." : "");
      return;
    }
    if (!layer) {
      layer = document.createElementNS(SVG, "g");
      layer.setAttribute("class", "gs-inspect");
      svg.appendChild(layer);
    }
    const n = d.lr.length; // steps
    let k = Math.min(t, n - 1, run.x.length - 2);
    // a run that left the map is drawn to the border from then on (app/look.py
    // `shown_path`): its last whole step on the map is the last one inspected
    if (run.src.diverged > 0) k = Math.max(0, Math.min(k, run.src.diverged - 2));
    const x = run.x[k];
    const y = run.y[k];
    const lr = d.lr[k];
    const vec = {
      g: d.g ? [-lr * d.g[k], -lr * d.g[n + k]] : null,
      m: d.m ? [-lr * d.m[k], -lr * d.m[n + k]] : null,
      d: [run.x[k + 1] - x, run.y[k + 1] - y],
    };
    const x0 = panel.px(x);
    const y0 = panel.py(y);
    const finite = (v) => v && isFinite(v[0]) && isFinite(v[1]);
    const len = (v) => (finite(v) ? Math.hypot(panel.px(x + v[0]) - x0, panel.py(y + v[1]) - y0) : 0);
    const longest = Math.max(...Object.values(vec).map(len));
    // one scale for all three, so they compare, from the 1-2-5 series: the smallest that
    // draws the longest 30 px or more, or the largest that keeps it within 220 px (powers
    // of ten alone shrank a 790 px −γ∇f ×0.1, not ×0.2, and hid −γm); shown when not 1
    let scale = 1;
    if (longest > 0 && longest < 30) scale = niceScale(30 / longest, "up");
    else if (longest > 220) scale = niceScale(220 / longest, "down");
    // arrows that coincide (SGD's step is −γ∇f) are drawn once, with both names
    const drawn = [];
    const root = GS.el("ROOT");
    const dark = !!(root && root.classList.contains("gs-dark"));
    ARROWS.forEach(([key, label, color]) => {
      const v = vec[key];
      if (!finite(v) || len(v) === 0) return;
      const x1 = panel.px(x + scale * v[0]);
      const y1 = panel.py(y + scale * v[1]);
      // the same vector (to 1 %, in data units), not merely close on screen
      const same = drawn.find(
        (a) => Math.hypot(a.v[0] - v[0], a.v[1] - v[1]) <= 0.01 * Math.max(Math.hypot(...a.v), Math.hypot(...v))
      );
      if (same) {
        same.label = `${label} = ${same.label}`;
        same.keys.push(key);
      } else {
        drawn.push({ keys: [key], label, color: dark && key === "g" ? GRADIENT_DARK : color, x1, y1, v });
      }
    });
    // an arrow whose drawn length (px, at the common scale) is shorter than this would
    // hide under the run's marker: said in words instead
    const head = (run.look && run.look.head_size) || 13;
    const visible = head / 2 + 7;
    let html = "";
    const short = [];
    drawn.forEach(({ keys, label, color, x1, y1, v }) => {
      const reach = Math.hypot(x1 - x0, y1 - y0);
      if (reach < visible) {
        short.push({ keys, label, color, v, reach });
        return;
      }
      const ang = Math.atan2(y1 - y0, x1 - x0);
      const h = 8;
      const p1 = `${x1 - h * Math.cos(ang - 0.4)},${y1 - h * Math.sin(ang - 0.4)}`;
      const p2 = `${x1 - h * Math.cos(ang + 0.4)},${y1 - h * Math.sin(ang + 0.4)}`;
      html +=
        `<g class="gs-arrow" data-arrow="${keys.join(" ")}"><line x1="${x0}" y1="${y0}" x2="${x1}" y2="${y1}" stroke="${color}"/>` +
        `<path d="M${x1},${y1}L${p1}L${p2}Z" fill="${color}"/>` +
        `<text x="${x1 + 6 * Math.cos(ang)}" y="${y1 + 6 * Math.sin(ang)}" fill="${color}" ` +
        `text-anchor="${Math.cos(ang) >= 0 ? "start" : "end"}" dominant-baseline="middle">${label}</text></g>`;
    });
    // arrows too short to see as drawn: named beside the marker (on its left near the
    // map's right edge), with the pixels they take as drawn and their length in the map's
    // units; then the common scale, whenever it is not 1 (else ×5 arrows read as steps)
    const right = panel.left + panel.width - x0 >= x0 - panel.left; // the roomier side
    const tx = right ? x0 + head / 2 + 8 : x0 - head / 2 - 8;
    const anchor = right ? "start" : "end";
    const row = (i) => y0 + head / 2 + 10 + 15 * i;
    short.forEach(({ keys, label, color, v, reach }, i) => {
      html +=
        `<g class="gs-arrow gs-arrow-short" data-arrow="${keys.join(" ")}">` +
        `<text x="${tx}" y="${row(i)}" fill="${color}" ` +
        `text-anchor="${anchor}" dominant-baseline="middle" data-brief="${shortText(label, reach)}">` +
        `${shortText(label, reach, v)}</text></g>`;
    });
    if (scale !== 1) {
      const why = scale > 1 ? "enlarged to be seen" : "shrunk to fit";
      html +=
        `<text class="gs-arrow-scale" x="${tx}" y="${row(short.length)}" ` +
        `text-anchor="${anchor}" dominant-baseline="middle">arrows drawn ×${GS.num(scale, 2)} (${why})</text>`;
    }
    layer.innerHTML = html;
    keepInside(layer, panel);
    GS.drawExtras(layer, panel, d, k, { x, y, scale }); // y and z, trials, full ∇f (45-extras.js)
    separate(layer, x0, y0, head);
    layer.setAttribute("data-step", k);
    layer.setAttribute("data-scale", scale);
    fillNumbers({ d, run, k, vec });
  };

  /** The 1-2-5 number (…, 0.1, 0.2, 0.5, 1, 2, 5, 10, …) nearest `k` going `way` ("up":
   * the smallest ≥ k, "down": the largest ≤ k). */
  function niceScale(k, way) {
    const e = Math.floor(Math.log10(k));
    const steps = [1, 2, 5, 10].map((m) => m * 10 ** e);
    const fix = (v) => Number(v.toPrecision(6));
    if (way === "up") return fix(steps.find((v) => v >= k * (1 - 1e-12)));
    return fix(steps.filter((v) => v <= k * (1 + 1e-12)).pop());
  }

  /**
   * What a label says of an arrow too short to see: its length as drawn, in pixels (at
   * the arrows' common scale, which the layer states when it is not 1: a 0.52-long −γm
   * is 10 px beside a 790 px −γ∇f shrunk ×0.2), and its length in the map's units.
   */
  function shortText(label, reach, v) {
    const px = reach < 1 ? "under 1 px" : `${Math.round(reach)} px`;
    const text = `${label}: ${px}, too short to see`;
    return v ? `${text} (length ${GS.num(Math.hypot(v[0], v[1]), 2)})` : text;
  }

  /** Shift the sentences beside the marker sideways into the map where they run past its
   * edge, and drop a short arrow's length where the map is narrower than the sentence
   * (a phone's): the table beside the map has it. */
  function keepInside(layer, panel) {
    layer.querySelectorAll(".gs-arrow-short text, text.gs-arrow-scale").forEach((text) => {
      let box;
      try {
        box = text.getBBox();
      } catch (e) {
        return;
      }
      const lo = panel.left + 2;
      const hi = panel.left + panel.width - 2;
      const brief = text.getAttribute("data-brief");
      if (box.width > hi - lo && brief) {
        text.textContent = brief; // the length is in the table beside the map
        box = text.getBBox();
      }
      let dx = 0;
      if (box.x + box.width > hi) dx = hi - (box.x + box.width);
      if (box.x + dx < lo) dx = lo - box.x;
      if (dx) text.setAttribute("x", parseFloat(text.getAttribute("x")) + dx);
    });
  }

  /**
   * Move the arrows' labels apart: each label, in order, is shifted down or up (by its
   * height, alternately further) until its box meets no label placed before it and not
   * the run's marker at (x0, y0). Boxes are measured, so any font size works.
   */
  function separate(layer, x0, y0, head) {
    const texts = Array.from(layer.querySelectorAll(".gs-arrow text, text.gs-arrow-scale"));
    const r = head / 2 + 2;
    const marker = { x: x0 - r, y: y0 - r, width: 2 * r, height: 2 * r };
    const placed = [marker];
    const hit = (a, b) =>
      a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
    texts.forEach((text) => {
      let box;
      try {
        box = text.getBBox();
      } catch (e) {
        return; // not laid out (hidden): nothing to separate
      }
      const y = parseFloat(text.getAttribute("y"));
      const step = box.height + 2;
      for (let i = 0; i < 12; i++) {
        const dy = i === 0 ? 0 : (i % 2 ? 1 : -1) * Math.ceil(i / 2) * step;
        const b = { x: box.x - 1, y: box.y + dy - 1, width: box.width + 2, height: box.height + 2 };
        if (!placed.some((p) => hit(p, b)) || i === 11) {
          if (dy) text.setAttribute("y", y + dy);
          placed.push(b);
          break;
        }
      }
    });
  }

  /** The inspector's table: θ, ∇f, m, γ, the effective rate and Δθ at step k. */
  function fillNumbers(info, why) {
    const table = GS.el("NUMBERS");
    if (!table) return;
    if (!info) {
      const html = why ? `<caption class="gs-hint">${GS.escapeHtml(why)}</caption>` : "";
      if (table.innerHTML !== html) table.innerHTML = html;
      return;
    }
    const { d, run, k, vec } = info;
    const n = d.lr.length;
    const f = (v) => GS.num(v, 4);
    const pair = (arr) => (arr ? `<td>${f(arr[k])}</td><td>${f(arr[n + k])}</td>` : "");
    const rows = [
      ["update", `<td colspan="2">step ${k} → ${k + 1}</td>`],
      ["θ", `<td>${f(run.x[k])}</td><td>${f(run.y[k])}</td>`],
      ["∇f (g)", pair(d.g)],
    ];
    if (d.m) rows.push(["m (first moment)", pair(d.m)]);
    rows.push(["γ (scheduled)", `<td colspan="2">${f(d.lr[k])}</td>`]);
    if (d.e) rows.push(["effective rate", pair(d.e)]);
    rows.push(["Δθ (taken)", `<td>${f(vec.d[0])}</td><td>${f(vec.d[1])}</td>`]);
    rows.push(...GS.extraRows(d, k)); // what this optimizer has beyond g, m and γ
    table.innerHTML =
      `<thead><tr><th></th><th>x</th><th>y</th></tr></thead><tbody>` +
      rows.map(([name, cells]) => `<tr><th>${name}</th>${cells}</tr>`).join("") +
      "</tbody>";
    table.setAttribute("data-step", k);
  }
})(window.gradscape);
