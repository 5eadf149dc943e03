/*
 * Gradscape's loader: which third-party code the page fetches, and when.
 *
 * The file name starts with "_" so that Dash, which includes assets/*.js in name
 * order, runs it before the other assets; it needs nothing of theirs. The URLs come
 * from `window.gsAssets`, which app/server.py writes into the page's <head>.
 *
 * Plotly. dcc.Graph draws with `window.Plotly` when it is defined and fetches the
 * full plotly.js bundle (4.8 MB) otherwise. Here `window.Plotly` is an accessor:
 * until Plotly's cartesian bundle (scatter, contour, heatmap...; 1.5 MB) has run it
 * is a promise (dcc.Graph waits on it), then a thin proxy that draws every graph
 * with the cartesian bundle. The first figure that holds a 3D trace (the 3D view)
 * fetches the full bundle once; that graph is drawn by the full bundle from then
 * on, whatever it shows next, and its event listeners (dcc.Graph binds them once)
 * move with it. Every call that takes a graph div goes to the bundle that drew it.
 *
 * Formulas. An element with class "gs-tex" and a `data-tex` attribute (see
 * app/tex.py) is typeset with KaTeX; KaTeX's script and style are fetched the
 * first time such an element appears, and an element is typeset again when its
 * `data-tex` changes.
 */
(function () {
  "use strict";
  const cfg = window.gsAssets;
  if (!cfg) return;

  function loadScript(src) {
    return new Promise((resolve, reject) => {
      const s = document.createElement("script");
      s.src = src;
      s.async = true;
      s.onload = resolve;
      s.onerror = () => reject(new Error(`${src} did not load`));
      document.head.appendChild(s);
    });
  }

  // ------------------------------------------------------------------ Plotly
  const GL3D = new Set(["scatter3d", "surface", "mesh3d", "cone", "streamtube", "volume", "isosurface"]);
  let assigned = null; // what a bundle's `window.Plotly = Plotly` last set
  let cartesian = null;
  let full = null;
  let fullLoading = null;
  let proxy = null;

  let cartesianLoading = null;
  function loadCartesian() {
    if (!cartesianLoading) {
      cartesianLoading = loadScript(cfg.plotlyCartesian).then(() => {
        cartesian = assigned;
        proxy = wrap(cartesian, []);
        return proxy;
      });
    }
    return cartesianLoading;
  }

  // The page's <head> preloads the bundle (downloads it); it runs only once something
  // asks for Plotly (dcc.Graph, once the layout has arrived), so that its half second
  // of parsing does not hold up Dash's renderer and the first requests.
  Object.defineProperty(window, "Plotly", {
    configurable: true,
    get: () => proxy || loadCartesian(),
    set: (value) => {
      assigned = value;
    },
  });

  function loadFull() {
    if (!fullLoading) {
      fullLoading = loadScript(cfg.plotlyFull).then(() => {
        full = assigned;
        return full;
      });
    }
    return fullLoading;
  }

  function graphDiv(a) {
    const el = typeof a === "string" ? document.getElementById(a) : a;
    return el instanceof HTMLElement ? el : null;
  }

  function has3d(figure) {
    const data = Array.isArray(figure) ? figure : figure && figure.data;
    return Array.isArray(data) && data.some((t) => t && GL3D.has(t.type));
  }

  function invoke(bundle, path, key, args) {
    const owner = path.reduce((o, k) => o[k], bundle);
    return owner[key].apply(owner, args);
  }

  /* A graph the cartesian bundle drew goes over to the full one: its listeners move. */
  function adopt(gd) {
    if (gd._gsPlotly === full) return;
    const listeners = gd._ev && gd._ev._events ? { ...gd._ev._events } : {};
    if (gd._fullLayout) cartesian.purge(gd);
    gd._gsPlotly = full;
    gd._gsListeners = listeners;
  }

  function restoreListeners(gd) {
    const listeners = gd._gsListeners;
    delete gd._gsListeners;
    if (!listeners || !gd.on) return;
    for (const [type, fns] of Object.entries(listeners)) {
      for (const fn of [].concat(fns)) gd.on(type, fn.listener || fn);
    }
  }

  function call(path, key, args) {
    const gd = graphDiv(args[0]);
    // every figure drawn goes through Gradscape's Plotly adapter first (assets/gs/10-plotly.js:
    // chart text grows with the screen), whoever draws it (dcc.Graph, the page's own code)
    const gs = window.gradscape && window.gradscape.plotly;
    if (gd && (key === "react" || key === "newPlot") && gs && gs.beforeDraw) args = gs.beforeDraw(args);
    if (!gd) return invoke(cartesian, path, key, args);
    // While a graph goes over to the full bundle, every other call on it waits, then goes
    // to the bundle that drew it: dcc.Graph's Plots.resize, sent to the cartesian bundle
    // meanwhile, relaid the graph out with it after the full bundle had drawn it, and the
    // 3D scene was gone (about one page load in two in headless Chromium).
    if (gd._gsAdopting) {
      return gd._gsAdopting.then(() => invoke(gd._gsPlotly || cartesian, path, key, args));
    }
    if (gd._gsPlotly !== full && (key === "react" || key === "newPlot") && has3d(args[1])) {
      const adopting = loadFull()
        .then(() => {
          adopt(gd);
          return invoke(full, path, key, args);
        })
        .then((out) => {
          restoreListeners(gd);
          return out;
        })
        .finally(() => {
          if (gd._gsAdopting === waiting) delete gd._gsAdopting;
        });
      const waiting = adopting.catch(() => undefined); // what the next calls wait on
      gd._gsAdopting = waiting;
      return adopting;
    }
    const bundle = gd._gsPlotly || cartesian;
    return invoke(bundle, path, key, args);
  }

  function wrap(target, path) {
    return new Proxy(target, {
      get(t, key) {
        const value = t[key];
        if (typeof value === "function") return (...args) => call(path, key, args);
        if (value && typeof value === "object" && key === "Plots") return wrap(value, [...path, key]);
        return value;
      },
    });
  }

  // ------------------------------------------------------------------ formulas
  let katexLoading = null;

  function loadKatex() {
    if (!katexLoading) {
      const link = document.createElement("link");
      link.rel = "stylesheet";
      link.href = cfg.katexCss;
      // formulas are measured to fit their box (`fit`): typeset once the style applies
      const styled = new Promise((resolve) => {
        link.onload = resolve;
        link.onerror = resolve;
      });
      document.head.appendChild(link);
      katexLoading = Promise.all([loadScript(cfg.katex), styled]);
    }
    return katexLoading;
  }

  // The first formulas wait until the page is idle (the paths come first).
  let idle = null;
  function whenIdle() {
    if (!idle) {
      idle = new Promise((resolve) =>
        window.requestIdleCallback
          ? window.requestIdleCallback(resolve, { timeout: 2000 })
          : setTimeout(resolve, 200),
      );
    }
    return idle;
  }

  function typeset(el) {
    const tex = el.getAttribute("data-tex");
    if (tex === null || el.getAttribute("data-typeset") === tex) return;
    whenIdle().then(loadKatex).then(() => {
      if (el.getAttribute("data-tex") !== tex) return; // changed meanwhile: typeset later
      window.katex.render(tex, el, { displayMode: true, throwOnError: false });
      el.setAttribute("data-typeset", tex);
      fitWidth.delete(el); // a new formula: fitted afresh
      fit(el);
      if (fitting) fitting.observe(el);
    });
  }

  // A formula wider than its box (L-BFGS's or Muon's rule in the inspector's column) is
  // set smaller until it fits, down to MIN_FIT of its size; a system of rules that would
  // need less is set instead one rule a line, each free to wrap after a relation or an
  // operator (KaTeX breaks inline math there), at full size. Whatever still does not fit
  // is set smaller, down to FLOOR (below that it scrolls). Again whenever the box's width
  // changes. KaTeX sizes everything in em: one font size scales a whole formula.
  const MIN_FIT = 0.8;
  const FLOOR = 0.6;
  const fitWidth = new WeakMap(); // element → the width it was fitted to

  /** The rows of an `aligned` system, without their alignment marks (null: not one). */
  function rowsOf(tex) {
    const m = /^\s*\\begin\{aligned\}([\s\S]*)\\end\{aligned\}\s*$/.exec(tex);
    if (!m || m[1].includes("\\begin")) return null; // rows within rows (cases): kept whole
    return m[1]
      .split(/\\\\\s*(?:\n|$)/)
      .map((row) => row.replace(/&/g, "").trim())
      .filter(Boolean);
  }

  function fit(el) {
    const avail = el.clientWidth;
    const tex = el.getAttribute("data-typeset");
    if (!avail || tex === null || fitWidth.get(el) === avail) return;
    fitWidth.set(el, avail);
    if (el.classList.contains("gs-tex-rows")) {
      el.classList.remove("gs-tex-rows");
      window.katex.render(tex, el, { displayMode: true, throwOnError: false });
    }
    el.style.fontSize = "";
    const need = el.scrollWidth;
    if (need <= avail + 0.5) return;
    const k = (avail / need) * 0.98;
    const rows = k < MIN_FIT ? rowsOf(tex) : null;
    if (!rows) {
      const px = parseFloat(getComputedStyle(el).fontSize);
      el.style.fontSize = `${(px * Math.max(FLOOR, k)).toFixed(2)}px`;
      return;
    }
    el.classList.add("gs-tex-rows");
    el.textContent = "";
    for (const row of rows) {
      const div = document.createElement("div");
      div.className = "gs-tex-row";
      window.katex.render(row, div, { displayMode: false, throwOnError: false });
      el.appendChild(div);
    }
    // a piece that cannot wrap (a long \text) may still be too wide: then smaller too
    const still = el.scrollWidth;
    if (still > avail + 0.5) {
      const px = parseFloat(getComputedStyle(el).fontSize);
      el.style.fontSize = `${(px * Math.max(FLOOR, (avail / still) * 0.98)).toFixed(2)}px`;
    }
  }

  const fitting =
    window.ResizeObserver &&
    new ResizeObserver((entries) => entries.forEach((e) => fit(e.target)));

  // KaTeX's fonts arrive after its first layout and change every formula's width
  function refitAll() {
    document.querySelectorAll(".gs-tex[data-typeset]").forEach((el) => {
      fitWidth.delete(el);
      fit(el);
    });
  }
  if (document.fonts) document.fonts.addEventListener("loadingdone", refitAll);

  function scan(root) {
    if (root.nodeType !== 1) return;
    if (root.classList.contains("gs-tex")) typeset(root);
    root.querySelectorAll(".gs-tex").forEach(typeset);
  }

  new MutationObserver((records) => {
    for (const r of records) {
      if (r.type === "attributes") typeset(r.target);
      else r.addedNodes.forEach(scan);
    }
  }).observe(document.documentElement, {
    childList: true,
    subtree: true,
    attributes: true,
    attributeFilter: ["data-tex"],
  });
})();
