/*
 * The data panel (app/datapanel.py): on a data surface, the samples and each
 * visible run's model at step t, beside the map.
 *
 * The paths store's `data` entry brings the samples and the panel's fixed
 * figure (scatter and axes), drawn once per store with Plotly. Every frame
 * only moves an SVG laid over that figure's plot area, as the map's overlay
 * does (30-overlay.js): each visible run's model at its point (w, b) of step t
 * — a line ŷ = w·x + b, a sigmoid σ(w·x + b) with its decision boundary
 * x = −b/w, or the tiny net's v·tanh(w·x) — in the run's colour, and the
 * samples of step t's mini-batch ringed (runs of the same batch size share
 * their batches: one ring each). Each run's card shows its steps per epoch,
 * from the run's `batch` entry.
 */
(function (GS) {
  "use strict";

  const SVG = "http://www.w3.org/2000/svg";
  let drawnFor = null; // the data entry the Plotly figure was drawn for
  let samples = null; // {x, y} decoded
  const tables = new WeakMap(); // batch entry → Int32Array

  const MODELS = {
    line: (w, b, x) => w * x + b,
    sigmoid: (w, b, x) => {
      const z = w * x + b;
      return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
    },
    tanh: (w, v, x) => v * Math.tanh(w * x),
  };
  GS.dataModels = MODELS;

  function decodeInt(spec) {
    const s = atob(spec.bdata);
    const bytes = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
    return new Int32Array(bytes.buffer);
  }

  function table(batch) {
    if (!batch || !batch.idx) return null;
    if (!tables.has(batch)) tables.set(batch, decodeInt(batch.idx));
    return tables.get(batch);
  }

  /** The sample indices of run `run`'s step k (null for the full batch or when not sent). */
  GS.batchAt = function (run, k) {
    const b = run.src.batch;
    const idx = table(b);
    if (!idx) return null;
    const w = b.width;
    const steps = idx.length / w;
    const row = Math.min(k, steps - 1);
    const out = [];
    for (let j = row * w; j < (row + 1) * w; j++) if (idx[j] >= 0) out.push(idx[j]);
    return out;
  };

  function box() {
    return GS.el("DATA");
  }

  /** Draw the fixed figure when the data change (a new surface, theme or upload). */
  function base(data) {
    const el = box();
    if (!el || !window.Plotly) return null;
    if (drawnFor !== data) {
      drawnFor = data;
      samples = { x: GS.decode(data.x), y: GS.decode(data.y) };
      const fig = data.figure;
      window.Plotly.react(el, fig.data, fig.layout, { displayModeBar: false, responsive: true }).then(() => {
        GS.plotly.hook(el, { plotly_afterplot: GS.schedule });
        GS.schedule();
      });
    }
    return el.classList.contains("js-plotly-plot") ? el : null;
  }

  function overlay(g) {
    const { box: host, before } = GS.plotly.overlayHost(g);
    let svg = host.querySelector("svg.gs-data-overlay");
    if (!svg) {
      svg = document.createElementNS(SVG, "svg");
      svg.setAttribute("class", "gs-overlay gs-data-overlay");
      svg.style.left = "0px";
      svg.style.top = "0px";
    }
    if (svg.nextSibling !== before) host.insertBefore(svg, before);
    return svg;
  }

  /** Each run card's "steps per epoch", from its batch entry (a typed batch size
   * does not redraw the card). */
  function epochs(rs) {
    rs.forEach((run, j) => {
      const b = run.src.batch;
      const el = document.querySelector(`.gs-epoch[data-run='${j}']`);
      if (b && el && el.textContent !== b.text) el.textContent = b.text;
    });
  }

  /** The panel at step t: every visible run's model, and the step's mini-batches ringed. */
  GS.drawData = function (t) {
    const paths = GS.paths();
    const data = paths && paths.data;
    const wrap = box() && box().parentElement;
    if (wrap) wrap.classList.toggle("gs-on", !!data);
    if (!data) return;
    const rs = GS.runs();
    epochs(rs);
    const g = base(data);
    if (!g || !GS.plotly.ready(g)) return;
    const panel = GS.plotly.panel(g);
    const svg = overlay(g);
    const size = GS.plotly.size(g);
    GS.attr(svg, "width", size.width);
    GS.attr(svg, "height", size.height);
    const model = MODELS[data.model];
    const n = data.points || 96;
    const x0 = panel.dx(panel.left);
    const x1 = panel.dx(panel.left + panel.width);
    const clip = `M${panel.left},${panel.top}h${panel.width}v${panel.height}h${-panel.width}Z`;
    let html = `<defs><clipPath id="gs-data-clip"><path d="${clip}"/></clipPath></defs>`;
    html += `<g clip-path="url(#gs-data-clip)">`;
    const ringed = {};
    let rings = "";
    let models = "";
    rs.forEach((run, j) => {
      const src = run.src;
      if (!src.visible || !run.x.length) return;
      const k = Math.min(t, run.x.length - 1);
      const w = run.x[k];
      const b = run.y[k];
      const pts = [];
      for (let i = 0; i < n; i++) {
        const x = x0 + ((x1 - x0) * i) / (n - 1);
        const y = model(w, b, x);
        if (isFinite(y)) pts.push(panel.px(x).toFixed(1) + "," + Math.max(-1e4, Math.min(1e4, panel.py(y))).toFixed(1));
      }
      models +=
        `<polyline class="gs-model" data-run="${j}" data-step="${k}" data-w="${w}" data-b="${b}" ` +
        `points="${pts.join(" ")}" stroke="${src.color}" stroke-width="2.4" fill="none"/>`;
      if (data.model === "sigmoid" && w !== 0) {
        const xb = -b / w;
        if (xb > x0 && xb < x1) {
          const px = panel.px(xb).toFixed(1);
          models +=
            `<line class="gs-boundary" data-run="${j}" x1="${px}" x2="${px}" y1="${panel.top}" ` +
            `y2="${panel.top + panel.height}" stroke="${src.color}" stroke-width="1.4" stroke-dasharray="4 3"/>`;
        }
      }
      const batch = src.batch;
      if (!batch || ringed[batch.size]) return;
      const idx = GS.batchAt(run, k);
      if (!idx) return;
      ringed[batch.size] = true;
      let d = "";
      // many samples ringed at once: smaller, thinner rings, so the data still show
      const r = idx.length <= 64 ? 5.5 : idx.length <= 512 ? 3.5 : 2.5;
      const width = idx.length <= 64 ? 1.8 : 1;
      idx.forEach((i) => {
        const px = panel.px(samples.x[i]);
        const py = panel.py(samples.y[i]);
        d += `M${(px - r).toFixed(1)},${py.toFixed(1)}a${r},${r} 0 1,0 ${2 * r},0a${r},${r} 0 1,0 ${-2 * r},0`;
      });
      rings +=
        `<path class="gs-batch" data-run="${j}" data-step="${k}" data-count="${idx.length}" ` +
        `data-samples="${idx.length <= 2000 ? idx.join(" ") : ""}" d="${d}" fill="none" stroke="${src.color}" stroke-width="${width}"/>`;
    });
    html += rings + models + "</g>";
    if (svg.dataset.sig !== html) {
      svg.innerHTML = html;
      svg.dataset.sig = html;
    }
  };

  // ------------------------------------------------------------------ your data (CSV)
  /** At most this many bytes of a file are read: 10,000 rows fit many times over, and a
   * larger file still gets the server's "more than 10,000 rows" at the row it names. */
  const MAX_READ = 2 * 1024 * 1024;
  const GENERATED = "__generated__"; // app/state.py GENERATED

  const CSV_ID = () => ({ type: "formula", name: GS.ids.CSV });

  /**
   * Send a CSV's text (or GENERATED) to the server: the upload box's value (app/ids.py CSV).
   * Once the server has answered (a notice: the samples taken, or the row that is wrong)
   * the box is emptied, so later requests do not carry the text again.
   */
  GS.sendData = function (text) {
    const notices = GS.el("NOTICES");
    if (notices) {
      const watch = new MutationObserver(() => {
        watch.disconnect();
        window.dash_clientside.set_props(CSV_ID(), { value: null });
      });
      watch.observe(notices, { childList: true, subtree: true, characterData: true });
    }
    window.dash_clientside.set_props(CSV_ID(), { value: text });
  };

  function readFile(file) {
    if (!file) return;
    const reader = new FileReader();
    reader.onload = () => {
      const box = GS.el("CSV_TEXT");
      const text = String(reader.result);
      if (box && text.length <= 200000) box.value = text;
      GS.sendData(text);
    };
    reader.readAsText(file.size > MAX_READ ? file.slice(0, MAX_READ) : file);
  }

  function inUpload(el) {
    return el && el.closest && el.closest(`#${GS.ids.CSV_UPLOAD}`);
  }

  document.addEventListener("click", (e) => {
    const b = e.target.closest && e.target.closest("button");
    if (!b) return;
    if (b.classList.contains("gs-csv-use")) {
      const box = GS.el("CSV_TEXT");
      GS.sendData(box ? box.value : "");
    } else if (b.classList.contains("gs-csv-generated")) GS.sendData(GENERATED);
  });
  document.addEventListener(
    "change",
    (e) => {
      if (e.target.type === "file" && inUpload(e.target)) readFile(e.target.files[0]);
    },
    true
  );
  document.addEventListener(
    "drop",
    (e) => {
      if (inUpload(e.target) && e.dataTransfer && e.dataTransfer.files.length) readFile(e.dataTransfer.files[0]);
    },
    true
  );
})(window.gradscape);
