/*
 * Gradscape in the browser: the runs on the map, playback, the timeline,
 * click-to-start, hover labels, the legend and the URL bar.
 *
 * The server sends each run's whole path once (the `paths` store, see
 * app/figures.py `path_data`); this file draws them over Plotly's contour and
 * re-splits them at the current step for every frame, so playback never asks
 * the server for anything and never makes Plotly redraw the contour. On the
 * loss plot, which has no contour, the step markers move with Plotly.animate
 * (traces found by their `meta.role` and `meta.run`).
 */
(function () {
  "use strict";

  const SECONDS_PER_RUN = 6; // 1x speed plays any run, whatever its length, in this time
  const GS = {
    t: 0,
    steps: 0,
    playing: false,
    speed: 1,
    acc: 0,
    last: null,
    autoplay: false,
    query: null,
  };
  window.gradscape = GS; // for tests and the curious

  const noUpdate = () => window.dash_clientside.no_update;

  function graph(id) {
    const el = document.getElementById(id);
    return el ? el.querySelector(".js-plotly-plot") : null;
  }

  function ready(g) {
    return g && g._fullData && g._fullLayout && g._fullLayout.xaxis;
  }

  /** {run: {ghost, trail, head, curve, diverged}} trace indices by role. */
  function roles(g) {
    const out = {};
    g._fullData.forEach((tr) => {
      const m = tr.meta;
      if (m && m.role !== undefined) {
        const r = (out[m.run] = out[m.run] || { diverged: m.diverged });
        r[m.role] = tr.index;
      }
    });
    return out;
  }

  /** A run that diverged shows an x from the step where it left the map. */
  function symbol(r, t) {
    return r.diverged >= 0 && t >= r.diverged ? "x" : "circle";
  }

  const ANIM = { transition: { duration: 0 }, frame: { duration: 0, redraw: false }, mode: "immediate" };
  const SVG = "http://www.w3.org/2000/svg";

  /**
   * Every run's path is drawn here, in an SVG laid exactly over Plotly's plot
   * area, from the `paths` store (whole paths, sent once per change of a run):
   * the trail up to step t, the rest dotted, and a marker at t. Plotly keeps the
   * contour, minima, start and legend, and is never asked to redraw for a frame
   * or a slider: Plotly.animate wipes contours (plotly.js #4491) and any data
   * change makes it recompute the contour (~100 ms here). Pixel positions are
   * cached per run until the axes change; hover labels are drawn here too.
   */
  function overlay(g) {
    // inside Plotly's container, under its top layer (its hover labels stay on top)
    const box = g.querySelector(".svg-container");
    let svg = box.querySelector("svg.gs-overlay");
    const top = box.querySelector("svg.main-svg:last-of-type");
    if (!svg) {
      svg = document.createElementNS(SVG, "svg");
      svg.setAttribute("class", "gs-overlay");
    }
    if (svg.nextSibling !== top) box.insertBefore(svg, top);
    return svg;
  }

  function decode(spec) {
    const bytes = atob(spec.bdata);
    const buf = new Uint8Array(bytes.length);
    for (let i = 0; i < bytes.length; i++) buf[i] = bytes.charCodeAt(i);
    return spec.dtype === "f4" ? new Float32Array(buf.buffer) : new Float64Array(buf.buffer);
  }

  const decoded = new WeakMap();

  /** The runs of the paths store, decoded (each run once: unchanged runs keep their object). */
  function runs() {
    return (GS.pathsData ? GS.pathsData.runs : []).map((r) => {
      if (!decoded.has(r)) {
        decoded.set(r, { x: decode(r.x), y: decode(r.y), f: decode(r.f), src: r });
      }
      return decoded.get(r);
    });
  }

  /** The run's axes on the map (compare mode draws each rate on its own panel). */
  function axesOf(fl, run) {
    const [x, y] = (run.src && run.src.axes) || ["x", "y"];
    const xa = fl["xaxis" + x.slice(1)];
    const ya = fl["yaxis" + y.slice(1)];
    return xa && ya ? { xa, ya, id: x + y } : null;
  }

  /** Pixel positions (in the whole figure) of a run's path, cached until the axes change. */
  function pixels(run, xa, ya) {
    const key = `${xa.range}|${ya.range}|${xa._length}|${ya._length}|${xa._offset}|${ya._offset}`;
    if (run.px && run.px.key === key) return run.px;
    const n = run.x.length;
    const pts = new Array(n);
    const px = new Float64Array(n);
    const py = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      px[k] = xa._offset + xa.c2p(run.x[k]);
      py[k] = ya._offset + ya.c2p(run.y[k]);
      pts[k] = px[k].toFixed(1) + "," + py[k].toFixed(1);
    }
    run.px = { key, pts, px, py };
    return run.px;
  }

  /** One clip rectangle per subplot, so a path stays inside its own panel. */
  function clips(svg, fl, rs) {
    let defs = svg.querySelector("defs");
    if (!defs) {
      defs = document.createElementNS(SVG, "defs");
      svg.insertBefore(defs, svg.firstChild);
    }
    const wanted = {};
    rs.forEach((run) => {
      const a = axesOf(fl, run);
      if (a) wanted[a.id] = a;
    });
    const html = Object.values(wanted)
      .map(
        (a) =>
          `<clipPath id="gs-clip-${a.id}"><rect x="${a.xa._offset}" y="${a.ya._offset}" ` +
          `width="${a.xa._length}" height="${a.ya._length}"/></clipPath>`
      )
      .join("");
    if (defs.dataset.sig !== html) {
      defs.innerHTML = html;
      defs.dataset.sig = html;
    }
    return defs;
  }

  function drawMap(g, t) {
    const fl = g._fullLayout;
    const svg = overlay(g);
    svg.style.left = "0px";
    svg.style.top = "0px";
    svg.setAttribute("width", fl.width);
    svg.setAttribute("height", fl.height);
    const rs = runs();
    const defs = clips(svg, fl, rs);
    let layer = svg.querySelector("g.gs-runs");
    if (!layer) {
      layer = document.createElementNS(SVG, "g");
      layer.setAttribute("class", "gs-runs");
      defs.after(layer);
    }
    const parts = ["polyline", "polyline", "g"];
    while (layer.childNodes.length > 3 * rs.length) layer.removeChild(layer.lastChild);
    while (layer.childNodes.length < 3 * rs.length) {
      layer.appendChild(document.createElementNS(SVG, parts[layer.childNodes.length % 3]));
    }
    let longest = 0;
    rs.forEach((run, j) => {
      const src = run.src;
      const [ghost, line, head] = [0, 1, 2].map((p) => layer.childNodes[3 * j + p]);
      const n = run.x.length;
      longest = Math.max(longest, n - 1);
      const a = axesOf(fl, run);
      const shown = src.visible && n > 0 && a;
      ghost.style.display = line.style.display = head.style.display = shown ? "" : "none";
      if (!shown) return;
      const k = Math.min(t, n - 1);
      const pts = pixels(run, a.xa, a.ya).pts;
      const color = src.color;
      const clip = `url(#gs-clip-${a.id})`;
      ghost.setAttribute("class", "gs-ghost");
      ghost.setAttribute("points", pts.slice(k).join(" "));
      ghost.setAttribute("stroke", color);
      ghost.setAttribute("clip-path", clip);
      line.setAttribute("class", "gs-trail");
      line.setAttribute("points", pts.slice(0, k + 1).join(" "));
      line.setAttribute("stroke", color);
      line.setAttribute("clip-path", clip);
      const mark = symbol({ diverged: src.diverged }, k);
      head.setAttribute("class", "gs-head");
      head.setAttribute("data-run", j);
      head.setAttribute("data-step", k);
      head.setAttribute("transform", `translate(${pts[k].replace(",", " ")})`);
      // a marker off its panel (a diverged run's last point) is not drawn over a neighbour
      const { px, py } = run.px;
      const off =
        px[k] < a.xa._offset - 4 || px[k] > a.xa._offset + a.xa._length + 4 ||
        py[k] < a.ya._offset - 4 || py[k] > a.ya._offset + a.ya._length + 4;
      head.style.visibility = off ? "hidden" : "";
      if (head.getAttribute("data-mark") !== mark || head.getAttribute("fill") !== color) {
        head.setAttribute("data-mark", mark);
        head.setAttribute("fill", color);
        head.innerHTML =
          mark === "x"
            ? `<path d="M-6,-6L6,6M6,-6L-6,6" stroke="${color}" stroke-width="3.2" stroke-linecap="round"/>`
            : `<circle r="6.5" fill="${color}" stroke-width="2"/>`;
      }
    });
    drawInspector(svg, fl, rs, t);
    return longest;
  }

  // ------------------------------------------------------------------ step inspector
  const inspected = new WeakMap();

  function inspectData() {
    const d = GS.pathsData && GS.pathsData.inspect;
    if (!d) return null;
    if (!inspected.has(d)) {
      const out = { run: d.run, optimizer: d.optimizer, lr: decode(d.lr) };
      ["g", "m", "e"].forEach((key) => {
        if (d[key]) out[key] = decode(d[key]);
      });
      inspected.set(d, out);
    }
    return inspected.get(d);
  }

  const ARROWS = [
    ["g", "−γ∇f", "#1f2933"],
    ["m", "−γm", "#6b4fbb"],
    ["d", "Δθ", "#d1495b"],
  ];

  /** At step t of the inspected run: −γ∇f, −γm and the step taken, as arrows from the point. */
  function drawInspector(svg, fl, rs, t) {
    let layer = svg.querySelector("g.gs-inspect");
    const d = inspectData();
    const run = d && rs[d.run];
    const a = run && axesOf(fl, run);
    if (!d || !run || !a || !run.src.visible) {
      if (layer) layer.remove();
      fillNumbers(null, d && run && !run.src.visible ? "The inspected run is hidden: show it (the eye) to see its steps." : "");
      return;
    }
    if (!layer) {
      layer = document.createElementNS(SVG, "g");
      layer.setAttribute("class", "gs-inspect");
      svg.appendChild(layer);
    }
    const steps = d.lr.length;
    const k = Math.min(t, steps - 1, run.x.length - 2);
    const n = steps;
    const x = run.x[k];
    const y = run.y[k];
    const lr = d.lr[k];
    const vec = {
      g: d.g ? [-lr * d.g[k], -lr * d.g[n + k]] : null,
      m: d.m ? [-lr * d.m[k], -lr * d.m[n + k]] : null,
      d: [run.x[k + 1] - x, run.y[k + 1] - y],
    };
    const xa = a.xa;
    const ya = a.ya;
    const x0 = xa._offset + xa.c2p(x);
    const y0 = ya._offset + ya.c2p(y);
    const len = (v) => (v && isFinite(v[0]) && isFinite(v[1]) ? Math.hypot(xa.c2p(x + v[0]) - xa.c2p(x), ya.c2p(y + v[1]) - ya.c2p(y)) : 0);
    const longest = Math.max(...Object.values(vec).map(len));
    // one scale for all three, so they compare; shown when it is not 1
    let scale = 1;
    if (longest > 0 && longest < 30) scale = 10 ** Math.ceil(Math.log10(30 / longest));
    else if (longest > 220) scale = 10 ** -Math.ceil(Math.log10(longest / 220));
    // arrows that coincide (SGD's step is −γ∇f) are drawn once, with both names
    const drawn = [];
    const root = document.getElementById("root");
    const dark = !!(root && root.classList.contains("gs-dark"));
    ARROWS.forEach(([key, label, color]) => {
      const v = vec[key];
      if (!v || !isFinite(v[0]) || !isFinite(v[1]) || len(v) === 0) return;
      const x1 = xa._offset + xa.c2p(x + scale * v[0]);
      const y1 = ya._offset + ya.c2p(y + scale * v[1]);
      // the same vector (to 1 %, in data units: SGD's step is −γ∇f), not merely close on screen
      const same = drawn.find(
        (a) => Math.hypot(a.v[0] - v[0], a.v[1] - v[1]) <= 0.01 * Math.max(Math.hypot(...a.v), Math.hypot(...v))
      );
      if (same) {
        same.label = `${label} = ${same.label}`;
        same.keys.push(key);
      } else {
        drawn.push({ keys: [key], label, color: dark && key === "g" ? "#e4e7eb" : color, x1, y1, v });
      }
    });
    let html = "";
    drawn.forEach(({ keys, label, color, x1, y1 }) => {
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
    if (scale !== 1) {
      html += `<text class="gs-arrow-scale" x="${xa._offset + 8}" y="${ya._offset + ya._length - 8}">arrows ×${scale >= 1 ? scale : scale.toExponential(0)}</text>`;
    }
    layer.innerHTML = html;
    layer.setAttribute("data-step", k);
    layer.setAttribute("data-scale", scale);
    fillNumbers({ d, run, k, vec });
  }

  function fillNumbers(info, why) {
    const table = document.getElementById("inspector-numbers");
    if (!table) return;
    if (!info) {
      table.innerHTML = why ? `<caption class="gs-hint">${escapeHtml(why)}</caption>` : "";
      return;
    }
    const { d, run, k, vec } = info;
    const n = d.lr.length;
    const f = (v) => (isFinite(v) ? Number(v).toPrecision(4).replace(/(\.\d*?)0+(e|$)/, "$1$2").replace(/\.(e|$)/, "$1") : "—");
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
    table.innerHTML =
      `<thead><tr><th></th><th>x</th><th>y</th></tr></thead><tbody>` +
      rows.map(([name, cells]) => `<tr><th>${name}</th>${cells}</tr>`).join("") +
      "</tbody>";
    table.setAttribute("data-step", k);
  }

  const escapeHtml = (s) =>
    String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);

  /** The legend above the map: each run's colour and name (hidden runs dimmed). */
  function drawLegend() {
    const el = document.getElementById("legend");
    if (!el) return;
    const rs = GS.pathsData && GS.pathsData.legend !== false ? GS.pathsData.runs : [];
    const sig = JSON.stringify(rs.map((r) => [r.name, r.color, r.visible]));
    if (el.dataset.sig === sig) return;
    el.dataset.sig = sig;
    el.innerHTML = rs
      .map(
        (r, j) =>
          `<span class="gs-legend-item${r.visible ? "" : " gs-off"}" data-run="${j}">` +
          `<i style="background:${escapeHtml(r.color)}"></i>${escapeHtml(r.name)}</span>`
      )
      .join("");
  }

  /** A hover label for the point of any drawn path nearest the mouse (within 12 px). */
  function hover(g, e) {
    let tip = g.parentElement.querySelector(".gs-tip");
    const fl = g._fullLayout;
    if (!fl || !fl.xaxis) return;
    const box = g.getBoundingClientRect();
    const mx = e.clientX - box.left;
    const my = e.clientY - box.top;
    let best = null;
    let bestD = 144;
    runs().forEach((run) => {
      const a = axesOf(fl, run);
      if (!run.src.visible || !a) return;
      const { px, py } = pixels(run, a.xa, a.ya);
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
    const fmt = (v, d) => Number(v).toPrecision(d).replace(/(\.\d*?)0+(e|$)/, "$1$2").replace(/\.(e|$)/, "$1");
    tip.innerHTML =
      `<b>${run.src.label}</b><br>step ${k}<br>x ${fmt(run.x[k], 6)}<br>y ${fmt(run.y[k], 6)}` +
      `<br>f ${fmt(run.f[k], 5)}`;
    tip.style.borderColor = run.src.color;
    tip.style.display = "block";
    const gx = run.px.px[k];
    const gy = run.px.py[k];
    const left = gx + 14 + tip.offsetWidth > g.clientWidth ? gx - 14 - tip.offsetWidth : gx + 14;
    tip.style.left = `${left}px`;
    tip.style.top = `${gy - tip.offsetHeight / 2}px`;
    tip.setAttribute("data-run", runs().indexOf(run));
    tip.setAttribute("data-step", k);
  }

  function splitLoss(g, t) {
    const rs = roles(g);
    const data = [];
    const traces = [];
    const symbols = [];
    Object.values(rs).forEach((r) => {
      if (r.curve === undefined || r.head === undefined) return;
      const y = g._fullData[r.curve].y;
      let k = Math.min(t, y.length - 1);
      if (r.diverged > 0) k = Math.min(k, r.diverged - 1); // the curve ends there
      const head = g._fullData[r.head];
      const mark = symbol(r, t);
      if (head.x && head.x[0] === k && head.marker.symbol === mark) return;
      data.push({ x: [k], y: [y[k]] });
      traces.push(r.head);
      if (head.marker.symbol !== mark) symbols.push([r.head, mark]);
    });
    if (traces.length) window.Plotly.animate(g, { data, traces }, ANIM);
    symbols.forEach(([i, s]) => window.Plotly.restyle(g, { "marker.symbol": s }, [i]));
  }

  /** The 3D view's step markers, moved along their paths (one restyle for all). */
  function move3d(g, t) {
    const paths = {};
    g._fullData.forEach((tr) => {
      if (tr.meta && tr.meta.role === "path3d") paths[tr.meta.run] = tr;
    });
    const upd = { x: [], y: [], z: [], text: [] };
    const idx = [];
    g._fullData.forEach((tr) => {
      const m = tr.meta;
      if (!m || m.role !== "head3d" || !paths[m.run]) return;
      const p = paths[m.run];
      const k = Math.min(t, p.x.length - 1);
      if (tr.text && String(tr.text[0]) === String(k)) return;
      upd.x.push([p.x[k]]);
      upd.y.push([p.y[k]]);
      upd.z.push([p.z[k]]);
      upd.text.push([String(k)]);
      idx.push(tr.index);
    });
    if (idx.length) window.Plotly.restyle(g, upd, idx);
  }

  /** Show step GS.t everywhere; cheap when nothing changed. */
  function apply() {
    const m = graph("map");
    if (!ready(m)) return;
    hook(m);
    const longest = drawMap(m, GS.t);
    drawLegend();
    if (longest > 0 && longest !== GS.steps) {
      GS.steps = longest;
      GS.t = Math.min(GS.t, longest);
    }
    const l = graph("loss");
    if (ready(l)) splitLoss(l, GS.t);
    const v = graph("view-figure");
    const root = document.getElementById("root");
    if (v && v._fullData && v._fullLayout && v._fullLayout.scene && root && root.classList.contains("gs-mode-3d")) {
      move3d(v, GS.t);
    }
    const tl = document.getElementById("timeline");
    if (tl) {
      if (String(tl.max) !== String(GS.steps)) tl.max = GS.steps;
      if (String(tl.value) !== String(GS.t)) tl.value = GS.t;
    }
    const label = document.getElementById("step-label");
    if (label) label.textContent = `step ${GS.t} / ${GS.steps}`;
    const play = document.getElementById("play");
    if (play) {
      play.classList.toggle("gs-i-play", !GS.playing);
      play.classList.toggle("gs-i-pause", GS.playing);
    }
  }

  function hook(g) {
    if (g._gsHooked) return;
    g._gsHooked = true;
    g.on("plotly_afterplot", () => requestAnimationFrame(apply));
    g.on("plotly_relayout", (ev) => {
      requestAnimationFrame(apply);
      // only a change of the axes is news for the server (not a resize or autosize)
      if (Object.keys(ev || {}).some((k) => /^[xy]axis\.(range|autorange)/.test(k))) {
        window.dash_clientside.set_props("view-change", { data: ev });
      }
    });
    g.on("plotly_relayouting", () => requestAnimationFrame(apply));
    let down = null;
    g.addEventListener("mousedown", (e) => (down = [e.clientX, e.clientY]), true);
    g.addEventListener("mousemove", (e) => (e.buttons ? null : hover(g, e)));
    g.addEventListener("mouseleave", () => {
      const tip = g.parentElement.querySelector(".gs-tip");
      if (tip) tip.style.display = "none";
    });
    g.addEventListener(
      "click",
      (e) => {
        if (!down || Math.hypot(e.clientX - down[0], e.clientY - down[1]) > 4) return;
        if (e.target.closest(".modebar, .legend, .colorbar")) return;
        const fl = g._fullLayout;
        const box = g.getBoundingClientRect();
        const mx = e.clientX - box.left;
        const my = e.clientY - box.top;
        // the panel under the mouse (compare mode has several)
        const hit = (fl._subplots.cartesian || ["xy"]).map((id) => {
          const [x, y] = id.split("y");
          return { xa: fl["xaxis" + x.slice(1)], ya: fl["yaxis" + y] };
        }).find(({ xa, ya }) => xa && ya && mx >= xa._offset && mx <= xa._offset + xa._length && my >= ya._offset && my <= ya._offset + ya._length);
        if (!hit) return;
        const px = mx - hit.xa._offset;
        const py = my - hit.ya._offset;
        window.dash_clientside.set_props("click-start", { data: [hit.xa.p2d(px), hit.ya.p2d(py)] });
      },
      true
    );
  }

  // ------------------------------------------------------------------ playback
  function commit() {
    writeUrl();
    window.dash_clientside.set_props("frame", { data: { t: GS.t, steps: GS.steps, client: true } });
  }

  function tick(now) {
    if (!GS.playing) return;
    if (GS.last !== null) {
      GS.acc += ((now - GS.last) / 1000) * (GS.steps / SECONDS_PER_RUN) * GS.speed;
      const whole = Math.floor(GS.acc);
      if (whole > 0) {
        GS.acc -= whole;
        GS.t = Math.min(GS.t + whole, GS.steps);
      }
    }
    GS.last = now;
    if (GS.t >= GS.steps) GS.playing = false;
    apply();
    if (GS.playing) requestAnimationFrame(tick);
    else commit();
  }

  function play() {
    if (GS.playing) return;
    if (GS.t >= GS.steps) GS.t = 0;
    GS.playing = true;
    GS.last = null;
    GS.acc = 0;
    requestAnimationFrame(tick);
  }

  function pause() {
    if (!GS.playing) return;
    GS.playing = false;
    apply();
    commit();
  }

  function seek(t) {
    GS.playing = false;
    GS.t = Math.max(0, Math.min(GS.steps, Math.round(t)));
    apply();
    commit();
  }

  // Hook the map once Dash has drawn it (and again if Dash ever draws a new one):
  // from then on every redraw (plotly_afterplot) re-applies the current step.
  setInterval(() => {
    const m = graph("map");
    if (ready(m) && !m._gsHooked) apply();
  }, 100);

  GS.runs = runs;
  GS.play = play;
  GS.pause = pause;
  GS.seek = seek;

  function writeUrl() {
    if (GS.query === null) return;
    const q = GS.query + (GS.autoplay && GS.playing ? "" : `&t=${GS.t}`);
    if (window.location.search !== "?" + q) {
      window.history.replaceState(null, "", window.location.pathname + "?" + q);
    }
  }

  // ------------------------------------------------------------------ DOM events
  document.addEventListener("click", (e) => {
    const b = e.target.closest("button");
    if (!b) return;
    if (b.id === "play") GS.playing ? pause() : play();
    else if (b.id === "step-back") seek(GS.t - 1);
    else if (b.id === "step-forward") seek(GS.t + 1);
    else if (b.id === "reset") seek(0);
    else if (b.id === "copy-link") copyLink(b);
    else if (b.id === "lesson-toggle") toggleLesson();
    else if (b.classList.contains("gs-dismiss")) b.closest(".gs-notice").style.display = "none";
  });

  /** Lesson mode is part of the state: reload this view with it switched. */
  function toggleLesson() {
    if (GS.query === null) return;
    const on = /(^|&)lesson=1(&|$)/.test(GS.query);
    const q = on ? GS.query.replace(/(^|&)lesson=1(?=&|$)/, "") : GS.query + "&lesson=1";
    window.location.search = "?" + q.replace(/^&/, "") + `&t=${GS.t}`;
  }

  /** A download link is made when clicked: the current state and step, and the GIF's options. */
  document.addEventListener(
    "click",
    (e) => {
      const a = e.target.closest("a.gs-export");
      if (!a || GS.query === null) return;
      const fmt = a.dataset.format;
      let q = `${GS.query}&t=${GS.t}`;
      if (fmt === "gif") {
        a.closest(".gs-menu").querySelectorAll(".gs-gif-opts input").forEach((input) => {
          if (input.value) q += `&${input.name}=${encodeURIComponent(input.value)}`;
        });
      }
      a.href = `${window.location.pathname.replace(/\/$/, "")}/export/${fmt}?${q}`;
      a.setAttribute("download", "");
    },
    true
  );

  document.addEventListener("input", (e) => {
    if (e.target.id === "timeline") seek(Number(e.target.value));
  });

  document.addEventListener("keydown", (e) => {
    const tag = (e.target.tagName || "").toLowerCase();
    if (["input", "textarea", "select"].includes(tag) || e.target.isContentEditable) return;
    if (e.target.closest && e.target.closest(".dash-dropdown, [role=slider], [role=combobox]")) return;
    if (e.key === " ") GS.playing ? pause() : play();
    else if (e.key === "ArrowRight") seek(GS.t + 1);
    else if (e.key === "ArrowLeft") seek(GS.t - 1);
    else if (e.key === "Home") seek(0);
    else if (e.key === "End") seek(GS.steps);
    else return;
    e.preventDefault();
  });

  function copyLink(button) {
    writeUrl();
    const url = window.location.href;
    const done = (ok) => {
      button.textContent = ok ? "Copied ✓" : "Copy failed";
      setTimeout(() => (button.textContent = "Copy link"), 1600);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(url).then(() => done(true), () => done(fallbackCopy(url)));
    } else {
      done(fallbackCopy(url));
    }
  }

  function fallbackCopy(text) {
    const area = document.createElement("textarea");
    area.value = text;
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    let ok = false;
    try {
      ok = document.execCommand("copy");
    } catch (err) {
      ok = false;
    }
    area.remove();
    return ok;
  }

  // ------------------------------------------------------------------ Dash glue
  function fmt(v, log, isInt) {
    if (isInt) return String(Math.round(v));
    return String(Number(v.toPrecision(log ? 3 : 6)));
  }

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    gs: {
      /** Slider ↔ text box of one parameter; the text box holds the exact value. */
      syncParam(slider, text, sliderId) {
        const trig = window.dash_clientside.callback_context.triggered.map((x) => x.prop_id);
        const log = sliderId.scale.startsWith("log");
        const isInt = sliderId.scale.endsWith("int");
        if (trig.some((p) => p.includes('"type":"ps"'))) {
          if (slider === null || slider === undefined) return [noUpdate(), noUpdate()];
          const v = log ? Math.pow(10, slider) : slider;
          return [noUpdate(), fmt(v, log, isInt)];
        }
        const v = parseFloat(text);
        if (!isFinite(v) || (log && v <= 0)) return [noUpdate(), noUpdate()];
        return [log ? Math.log10(v) : v, noUpdate()];
      },
      /** The server's canonical query: from `load` at first, then from each edit. */
      onState(edited, loaded) {
        const trig = window.dash_clientside.callback_context.triggered.map((x) => x.prop_id);
        const query = trig.includes("loaded.data") ? loaded : edited;
        if (typeof query === "string") {
          GS.query = query;
          if (!GS.playing) writeUrl();
        }
        return noUpdate();
      },
      onFrame(frame) {
        if (!frame || frame.client) return noUpdate();
        GS.steps = frame.steps;
        GS.autoplay = !!frame.autoplay;
        GS.t = frame.t === null || frame.t === undefined ? 0 : frame.t;
        writeUrl();
        if (GS.autoplay) {
          // start once the figure is drawn
          const start = () => (ready(graph("map")) ? play() : setTimeout(start, 50));
          setTimeout(start, 0);
        }
        requestAnimationFrame(apply);
        return noUpdate();
      },
      onPaths(data) {
        GS.pathsData = data;
        requestAnimationFrame(apply);
        return noUpdate();
      },
      onSpeed(speed) {
        GS.speed = Number(speed) || 1;
        return noUpdate();
      },
    },
  });
})();
