/*
 * The runs on the map, drawn in an SVG laid exactly over Plotly's plot area.
 *
 * A run at step t (app/look.py says how, and sends the sizes as `paths.style`):
 * the trail from the start to step t (solid), the ghost — the whole path,
 * dotted and faint, under the trail, so what shows of it is the rest of the
 * path from t on — and the head, a dot at step t, or a cross once the run has
 * diverged (t ≥ diverged). Plotly keeps the contour, minima and start and is
 * never asked to redraw for a frame or a slider: Plotly.animate wipes contours
 * (plotly.js #4491) and any data change makes it recompute the contour.
 *
 * A frame is O(runs): the path's points are laid out once per path and axes
 * (`GS.pixels`), and step t only moves the trail's dash end (the length along
 * the path to point t) and the head.
 */
(function (GS) {
  "use strict";

  const SVG = "http://www.w3.org/2000/svg";
  const drawn = new WeakMap(); // polyline → the pixel layout its points come from
  const heads = new WeakMap(); // head → what its shape was drawn for

  /**
   * The head's symbol at step t (as app/look.py `at_step`): the context's `head_symbol`,
   * or, from the step the run left the map on (`diverged`), its own `mark` (the cross
   * of a blow-up, the triangle of an escape to f → −∞; app/look.py `Fate`).
   */
  GS.mark = (diverged, t, look, mark) =>
    diverged >= 0 && t >= diverged
      ? mark || (look && look.mark_symbol) || "x"
      : (look && look.head_symbol) || "circle";

  /**
   * A run's layout on its panel, cached until the panel's axes change:
   * px, py (pixels in the whole figure), the polyline's `points`, and `along`,
   * the length of the drawn polyline from the start to each point.
   */
  GS.pixels = function (run, panel) {
    if (run.px && run.px.key === panel.key) return run.px;
    const n = run.x.length;
    const px = new Float64Array(n);
    const py = new Float64Array(n);
    const along = new Float64Array(n);
    const pts = new Array(n);
    let lx = 0;
    let ly = 0;
    for (let k = 0; k < n; k++) {
      px[k] = panel.px(run.x[k]);
      py[k] = panel.py(run.y[k]);
      const sx = px[k].toFixed(1);
      const sy = py[k].toFixed(1);
      pts[k] = sx + "," + sy;
      const rx = +sx;
      const ry = +sy;
      along[k] = k ? along[k - 1] + Math.hypot(rx - lx, ry - ly) : 0;
      lx = rx;
      ly = ry;
    }
    run.px = { key: panel.key, px, py, along, points: pts.join(" "), head: pts };
    return run.px;
  };

  function overlay(g) {
    const { box, before } = GS.plotly.overlayHost(g);
    let svg = box.querySelector("svg.gs-overlay");
    if (!svg) {
      svg = document.createElementNS(SVG, "svg");
      svg.setAttribute("class", "gs-overlay");
      svg.style.left = "0px";
      svg.style.top = "0px";
    }
    if (svg.nextSibling !== before) box.insertBefore(svg, before);
    return svg;
  }

  /** One clip rectangle per panel, so a path stays inside its own panel. */
  function clips(svg, panels) {
    let defs = svg.querySelector("defs");
    if (!defs) {
      defs = document.createElementNS(SVG, "defs");
      svg.insertBefore(defs, svg.firstChild);
    }
    const wanted = {};
    panels.forEach((p) => p && (wanted[p.id] = p));
    const html = Object.values(wanted)
      .map(
        (p) =>
          `<clipPath id="gs-clip-${p.id}"><rect x="${p.left}" y="${p.top}" ` +
          `width="${p.width}" height="${p.height}"/></clipPath>`
      )
      .join("");
    if (defs.dataset.sig !== html) {
      defs.innerHTML = html;
      defs.dataset.sig = html;
    }
    return defs;
  }

  /** The run layer: three elements per run (ghost, trail, head), reused from frame to frame. */
  function layer(svg, defs, count) {
    let el = svg.querySelector("g.gs-runs");
    if (!el) {
      el = document.createElementNS(SVG, "g");
      el.setAttribute("class", "gs-runs");
      defs.after(el);
    }
    const parts = [
      ["polyline", "gs-ghost"],
      ["polyline", "gs-trail"],
      ["g", "gs-head"],
    ];
    while (el.childNodes.length > 3 * count) el.removeChild(el.lastChild);
    while (el.childNodes.length < 3 * count) {
      const [tag, cls] = parts[el.childNodes.length % 3];
      const part = document.createElementNS(SVG, tag);
      part.setAttribute("class", cls);
      el.appendChild(part);
    }
    return el;
  }

  function setPoints(line, layout) {
    if (drawn.get(line) !== layout) {
      line.setAttribute("points", layout.points);
      drawn.set(line, layout);
    }
  }

  /** The head's shape: a dot with the theme's halo, or the diverged cross. */
  function drawHead(head, mark, color, look, halo) {
    const sig = [mark, color, halo, look.head_size, look.head_halo, look.mark_size, look.mark_width].join("|");
    if (heads.get(head) === sig) return;
    heads.set(head, sig);
    head.setAttribute("data-mark", mark);
    head.setAttribute("fill", color);
    const h = look.mark_size / 2;
    const w = look.mark_width;
    const cross = (stroke, width) =>
      `<path d="M${-h},${-h}L${h},${h}M${h},${-h}L${-h},${h}" fill="none" stroke="${stroke}" ` +
      `stroke-width="${width}" stroke-linecap="round"/>`;
    if (mark === (look.mark_symbol || "x")) {
      // the cross on a halo, so it reads over the contour and the other paths
      head.innerHTML = cross(halo, w + 2 * look.head_halo) + cross(color, w);
    } else if (mark === (look.escape_symbol || "triangle-down")) {
      const s = h * 1.25;
      head.innerHTML =
        `<path d="M${-s},${-s * 0.6}L${s},${-s * 0.6}L0,${s}Z" fill="${color}" stroke="${halo}" ` +
        `stroke-width="${look.head_halo}" stroke-linejoin="round"/>`;
    } else {
      head.innerHTML = `<circle r="${look.head_size / 2}" fill="${color}" stroke="${halo}" stroke-width="${look.head_halo}"/>`;
    }
  }

  /** Draw every run on map `g` at step t; returns the longest run's last step. */
  GS.drawMap = function (g, t) {
    const svg = overlay(g);
    const size = GS.plotly.size(g);
    GS.attr(svg, "width", size.width);
    GS.attr(svg, "height", size.height);
    const rs = GS.runs();
    const panels = rs.map((run) => GS.plotly.panel(g, run.src.axes));
    const defs = clips(svg, panels);
    const runsLayer = layer(svg, defs, rs.length);
    const halo = GS.halo();
    let longest = 0;
    // runs that leave the map are drawn first, under the others: a diverging run's
    // growing swings must not cover the runs that stay (app/figures.py `map_drawings`)
    const order = rs.map((_, j) => j);
    order.sort((a, b) => (rs[b].src.diverged >= 0) - (rs[a].src.diverged >= 0) || a - b);
    order.forEach((j, slot) => {
      const run = rs[j];
      const { src, look } = run;
      const ghost = runsLayer.childNodes[3 * slot];
      const trail = runsLayer.childNodes[3 * slot + 1];
      const head = runsLayer.childNodes[3 * slot + 2];
      const n = run.x.length;
      longest = Math.max(longest, n - 1);
      const panel = panels[j];
      const shown = src.visible && n > 0 && panel;
      const display = shown ? "" : "none";
      [ghost, trail, head].forEach((el) => {
        if (el.style.display !== display) el.style.display = display;
      });
      if (!shown) return;
      const k = Math.min(t, n - 1);
      const at = GS.pixels(run, panel);
      const color = src.color;
      const clip = `url(#gs-clip-${panel.id})`;

      setPoints(ghost, at);
      GS.attr(ghost, "stroke", color);
      GS.attr(ghost, "clip-path", clip);
      GS.attr(ghost, "stroke-width", look.ghost_width);
      GS.attr(ghost, "stroke-dasharray", (look.ghost_dash || []).join(" "));
      GS.attr(ghost, "opacity", look.ghost_opacity);

      setPoints(trail, at);
      GS.attr(trail, "stroke", color);
      GS.attr(trail, "clip-path", clip);
      // wider where a later run covers this one (app/look.py `stacking`), so it shows around it
      GS.attr(trail, "stroke-width", look.trail_width + (src.widen || 0));
      // the trail is the path's first `along[k]` pixels: one dash, then a gap past its end
      GS.attr(trail, "stroke-dasharray", `${at.along[k].toFixed(2)} ${(at.along[n - 1] + 10).toFixed(2)}`);

      GS.attr(ghost, "data-run", j);
      GS.attr(trail, "data-run", j);
      GS.attr(head, "data-run", j);
      GS.attr(head, "data-step", k);
      GS.attr(head, "transform", `translate(${at.head[k].replace(",", " ")})`);
      drawHead(head, GS.mark(src.diverged, t, look, src.mark), color, look, halo);
      // a head off its panel is not drawn over a neighbour (a run that left the map has
      // its mark on the border: app/look.py `shown_path`)
      const off =
        at.px[k] < panel.left - 4 ||
        at.px[k] > panel.left + panel.width + 4 ||
        at.py[k] < panel.top - 4 ||
        at.py[k] > panel.top + panel.height + 4;
      const visibility = off ? "hidden" : "";
      if (head.style.visibility !== visibility) head.style.visibility = visibility;
    });
    GS.drawInspector(svg, g, rs, t);
    return longest;
  };
})(window.gradscape);
