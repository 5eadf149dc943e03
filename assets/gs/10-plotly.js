/*
 * The one adapter to Plotly: everything Gradscape reads of a drawn graph goes
 * through here. Plotly's underscore fields (`_fullLayout`, `_fullData`, an
 * axis's `_offset`, `_length`, `c2p`, `p2d`, `_subplots`) are not public API and
 * may move between versions; when they do, this file is the one to change.
 *
 * A *panel* is one subplot's plot area, in pixels of the whole figure:
 * {id: "x2y2", left, top, width, height, key, px(x), py(y), dx(px), dy(py)}.
 * `key` changes whenever the data → pixel mapping does (zoom, pan, resize).
 */
(function (GS) {
  "use strict";

  const hooked = new WeakSet();

  function panelOf(xa, ya, id) {
    const left = xa._offset;
    const top = ya._offset;
    return {
      id,
      left,
      top,
      width: xa._length,
      height: ya._length,
      key: `${xa.range}|${ya.range}|${xa._length}|${ya._length}|${left}|${top}`,
      px: (x) => left + xa.c2p(x),
      py: (y) => top + ya.c2p(y),
      dx: (px) => xa.p2d(px - left),
      dy: (py) => ya.p2d(py - top),
    };
  }

  /**
   * Every Plotly internal Gradscape reads (here and in assets/_gs-loader.js), as
   * a check on a drawn 2D graph `g`. tests/test_plotly_internals.py runs them in
   * Chromium against the Plotly the page loads, so an upgrade that moves one
   * fails there, by name, instead of breaking the overlay quietly.
   */
  const INTERNALS = {
    "gd._fullData (traces with their index and meta)": (g) =>
      Array.isArray(g._fullData) &&
      g._fullData.every(
        (t) =>
          Number.isInteger(t.index) &&
          JSON.stringify(t.meta) === JSON.stringify((g.data[t.index] || {}).meta)
      ),
    "gd._fullLayout.width/height": (g) => g._fullLayout.width > 0 && g._fullLayout.height > 0,
    "gd._fullLayout._subplots.cartesian": (g) =>
      Array.isArray(g._fullLayout._subplots && g._fullLayout._subplots.cartesian),
    "axis._offset and axis._length": (g) =>
      ["xaxis", "yaxis"].every((a) => isFinite(g._fullLayout[a]._offset) && g._fullLayout[a]._length > 0),
    "axis.c2p and axis.p2d (inverse of each other)": (g) => {
      // Plotly rounds pixels to 1/100: the round trip holds to that, on every x axis drawn
      const fl = g._fullLayout;
      const axes = Object.keys(fl)
        .filter((k) => /^xaxis\d*$/.test(k) && fl[k]._length > 0)
        .map((k) => fl[k]);
      return (
        axes.length > 0 &&
        axes.every((xa) => {
          const x = (xa.range[0] + xa.range[1]) / 2 + 0.123 * (xa.range[1] - xa.range[0]);
          const perPx = Math.abs(xa.range[1] - xa.range[0]) / xa._length;
          return typeof xa.c2p === "function" && Math.abs(xa.p2d(xa.c2p(x)) - x) <= 0.01 * perPx;
        })
      );
    },
    "axis.range": (g) => Array.isArray(g._fullLayout.xaxis.range) && g._fullLayout.xaxis.range.length === 2,
    "gd._ev._events (the loader keeps listeners across bundles)": (g) =>
      !!(g._ev && typeof g._ev._events === "object"),
    "Plotly.purge, react, animate, restyle, relayout": () =>
      ["purge", "react", "animate", "restyle", "relayout"].every((k) => typeof window.Plotly[k] === "function"),
  };

  // ------------------------------------------------------------------ chart text for the screen
  /*
   * The figures come from the server with font sizes for a laptop (lesson mode's are
   * 1.35 × those, app/figures.py `enlarge`). On a larger screen, a projector's
   * 1920 × 1080, the page's text grows (assets/gradscape.css), so the charts' does too:
   * every font size of a figure (ticks, titles, annotations, legends, colour bars,
   * hover labels) is multiplied by `fontScale()` before Plotly draws it, and again when
   * the window is resized; so are the pixel distances laid out for text (the margins,
   * annotations' shifts, axis titles' standoff), so larger text keeps its room. The
   * figure handed in is never changed: an object that is scaled is copied (and the
   * objects on the way to it), and the copy remembers its values before scaling
   * (`unscaled`), so scaling a drawn figure again starts from them.
   */
  const unscaled = new WeakMap(); // a scaled copy → {key: value before scaling}
  const PLOTLY_FONT_SIZE = 12; // Plotly's default layout.font.size
  const FONT = ["size"];
  const MARGIN = ["l", "r", "t", "b"];
  const SHIFT = ["xshift", "yshift"];
  const TITLE = ["standoff"];

  /** The factor chart text is drawn at in this window: 1 up to 1280 × 800, then growing
   * with the smaller of the window's width / 1280 and height / 800 (to 1.25 at
   * 1920 × 1080), at most 1.5; in steps of 0.05 so a small resize redraws nothing. */
  function fontScale() {
    const r = Math.min(window.innerWidth / 1280, window.innerHeight / 800);
    const k = Math.min(1.5, Math.max(1, 1 + 0.7 * (r - 1)));
    return Math.round(k * 20) / 20;
  }

  /** `node` with its numeric `keys` at `k` × their unscaled values (a copy), or `node`
   * itself when that changes nothing. */
  function scaleKeys(node, keys, k) {
    const base = unscaled.get(node) || {};
    const was = {};
    let changed = false;
    for (const key of keys) {
      const v = key in base ? base[key] : node[key];
      if (typeof v !== "number") continue;
      was[key] = v;
      if (Math.round(v * k * 10) / 10 !== node[key]) changed = true;
    }
    if (!changed) return node;
    const out = Object.assign({}, node);
    for (const key of Object.keys(was)) out[key] = Math.round(was[key] * k * 10) / 10;
    unscaled.set(out, was);
    return out;
  }

  /** `node` with every font's size (and the room laid out for text) at `k` × its unscaled
   * value: copied where that changes something, else the same object. `what` is the
   * keys to scale in `node` itself; `top` marks the layout. */
  function scaleFonts(node, k, what, top) {
    if (Array.isArray(node)) {
      let out = node;
      node.forEach((item, j) => {
        const s = scaleFonts(item, k, what, false);
        if (s !== item) {
          if (out === node) out = node.slice();
          out[j] = s;
        }
      });
      return out;
    }
    if (!node || typeof node !== "object" || ArrayBuffer.isView(node)) return node;
    let out = what ? scaleKeys(node, what, k) : node;
    const src = out;
    for (const key of Object.keys(src)) {
      const value = src[key];
      if (!value || typeof value !== "object" || key === "x" || key === "y" || key === "z") continue;
      if (key === "customdata" || key === "meta") continue;
      let keys = null;
      if (/font$/i.test(key)) keys = FONT;
      else if (top && key === "margin") keys = MARGIN;
      else if (top && key === "annotations") keys = SHIFT;
      let s;
      if (top && key === "font" && typeof value.size !== "number" && !unscaled.has(value)) {
        s = scaleFonts(Object.assign({}, value, { size: PLOTLY_FONT_SIZE }), k, FONT, false);
      } else {
        s = scaleFonts(value, k, keys, false);
        if (top && /^[xy]axis\d*$/.test(key) && s.title && typeof s.title === "object") {
          const t = scaleKeys(s.title, TITLE, k);
          if (t !== s.title) s = Object.assign({}, s, { title: t });
        }
      }
      if (s !== value) {
        if (out === node) out = Object.assign({}, node);
        out[key] = s;
      }
    }
    if (top && !node.font && k !== 1) {
      const font = { size: Math.round(PLOTLY_FONT_SIZE * k * 10) / 10 };
      unscaled.set(font, { size: PLOTLY_FONT_SIZE });
      if (out === node) out = Object.assign({}, node);
      out.font = font;
    }
    return out;
  }

  /** How far a 3D scene's camera steps back in a scene `width` × `height` px. Plotly's
   * perspective scales the surface with the scene's height, but its labels keep their
   * size in pixels: in a scene taller than wide (a laptop's, beside the loss chart at
   * 1280×800) and in a small one (a phone's, about 350 px) the z axis' title was cut at
   * the left edge and the surface at the right. Measured on 1024×700 to 1920×1080 and a
   * phone: standing off by 0.97 × height / width, plus up to a quarter below 500 px wide,
   * leaves a margin on both sides; never nearer than the figure puts it. */
  function sceneZoom(width, height) {
    if (!(width > 0 && height > 0)) return 1;
    const small = 0.25 * Math.min(1, Math.max(0, (500 - width) / 150));
    const f = Math.min(1.4, Math.max(1, (0.97 * height) / width + small));
    return Math.round(f * 100) / 100;
  }

  const figureEye = new WeakMap(); // a 3D camera's eye drawn → the figure's own eye

  /** The share of the figure a `domain` ([from, to]) spans: all of it where none is set. */
  const span = (d) => (Array.isArray(d) ? d[1] - d[0] : 1);

  /** How far the 3D scene `layout` puts in `gd` steps back at `gd`'s size (`sceneZoom`). */
  function sceneFit(gd, layout) {
    const dom = layout.scene.domain || {};
    return sceneZoom(gd.clientWidth * span(dom.x), gd.clientHeight * span(dom.y));
  }

  /** `layout` with its 3D scene's camera stepped back to fit `gd`'s size (a copy), or
   * `layout` itself. Only the figure's own camera: a scene the reader has turned keeps
   * theirs (a redraw of `gd.layout` after a turn finds an eye it did not fit). */
  function fitScene(gd, layout) {
    const scene = layout && layout.scene;
    const eye = scene && scene.camera && scene.camera.eye;
    if (!eye || typeof eye.x !== "number") return layout;
    let base = figureEye.get(eye);
    if (!base) {
      if (gd._gsRedrawing) return layout; // the reader's camera
      base = eye;
      figureEye.set(eye, eye);
    }
    const f = sceneFit(gd, layout);
    const fitted = { x: base.x * f, y: base.y * f, z: base.z * f };
    if (fitted.x === eye.x && fitted.y === eye.y && fitted.z === eye.z) return layout;
    figureEye.set(fitted, base);
    const camera = Object.assign({}, scene.camera, { eye: fitted });
    return Object.assign({}, layout, { scene: Object.assign({}, scene, { camera }) });
  }

  /** Whether `gd`'s 3D camera, the figure's own, would step back otherwise at its size. */
  function sceneRefits(gd) {
    const layout = gd.layout;
    const eye = layout && layout.scene && layout.scene.camera && layout.scene.camera.eye;
    const base = eye && figureEye.get(eye);
    if (!base) return false;
    return Math.abs(eye.x - base.x * sceneFit(gd, layout)) > 1e-9;
  }

  // On a fitted small multiple's title: the figure's own text and font size (at scale 1).
  // A symbol, so that copies (`scaleFonts`) keep it and Plotly never reads it.
  const PANEL_OWN = Symbol("gradscape: a panel title's own");
  const PANEL = /^x(\d*) domain$/;
  const MIN_TITLE = 9; // px: a panel's title is set no smaller (then on two lines)

  /** The width, in px, of the small multiple whose x axis is `xa` ("x", "x2"…): its cell,
   * or less where its square panel is limited by its height (constrain: domain). */
  function panelWidth(gd, layout, xa) {
    const n = xa.slice(1);
    const ax = layout[`xaxis${n}`] || {};
    const ay = layout[`yaxis${n}`] || {};
    const m = layout.margin || {};
    const w = span(ax.domain) * (gd.clientWidth - (m.l ?? 80) - (m.r ?? 80));
    const h = span(ay.domain) * (gd.clientHeight - (m.t ?? 100) - (m.b ?? 80));
    const rx = Array.isArray(ax.range) ? Math.abs(ax.range[1] - ax.range[0]) : 0;
    const ry = Array.isArray(ay.range) ? Math.abs(ay.range[1] - ay.range[0]) : 0;
    return ay.scaleanchor && rx && ry ? Math.min(w, (h * rx) / ry) : w;
  }

  /** `layout` with each small multiple's title (an annotation on "xN domain") fitted to
   * its panel's width: its fate on a second line, and all a little smaller, down to
   * `MIN_TITLE` ("γ 0.00398 · diverged" ran into the next panel's title on a phone); a
   * copy, or `layout` itself. Widths are estimated (bold text, about 0.62 em a character). */
  function fitPanelTitles(gd, layout) {
    const notes = layout && layout.annotations;
    if (!Array.isArray(notes) || !gd.clientWidth) return layout;
    const k = gd._gsFontScale || 1;
    const sizeOf = (a) => {
      const was = a.font && unscaled.get(a.font);
      return (was && was.size) || (a.font && a.font.size) || PLOTLY_FONT_SIZE;
    };
    const width = (text, px) =>
      Math.max(...text.split("<br>").map((l) => l.replace(/<[^>]+>/g, "").length * 0.62 * px));
    // each title on one line, or its fate on a second where one line would be set below
    // 0.85 of its size; then all at the smallest size any needs (one size for the grid)
    const plan = notes.map((a) => {
      const m = a && typeof a.xref === "string" && PANEL.exec(a.xref);
      if (!m || typeof a.text !== "string") return null;
      const own = a[PANEL_OWN] || { text: a.text, size: sizeOf(a) };
      const size = Math.round(own.size * k * 10) / 10; // at the window's scale
      const room = panelWidth(gd, layout, `x${m[1]}`) - 4;
      const fits = (text) => Math.min(size, (size * room) / width(text, size));
      let text = own.text;
      if (fits(text) < 0.85 * size && text.includes(" · ")) text = text.replace(" · ", "<br>");
      return { own, text, px: fits(text) };
    });
    const fitted = plan.filter(Boolean);
    if (!fitted.length) return layout;
    const px = Math.round(Math.max(MIN_TITLE, Math.min(...fitted.map((p) => p.px))) * 10) / 10;
    let changed = false;
    const out = notes.map((a, j) => {
      const p = plan[j];
      if (!p) return a;
      if (p.text === a.text && px === ((a.font && a.font.size) || PLOTLY_FONT_SIZE)) return a;
      changed = true;
      const font = Object.assign({}, a.font, { size: px });
      unscaled.set(font, { size: p.own.size }); // a fit is not scaled again (`scaleFonts`)
      const title = Object.assign({}, a, { text: p.text, font, align: "left" });
      title[PANEL_OWN] = p.own;
      return title;
    });
    return changed ? Object.assign({}, layout, { annotations: out }) : layout;
  }

  /** Plotly.react/newPlot's arguments with the figure's fonts at this window's scale,
   * its 3D camera and small multiples' titles fitted to its size (the loader, assets/_gs-loader.js, calls it
   * for every figure drawn). */
  function beforeDraw(args) {
    const [gd, a, b] = args;
    const k = fontScale();
    const was = gd._gsFontScale;
    gd._gsFontScale = k;
    // at 1, on a graph never drawn larger, only a 3D camera may change
    const fonts = !(k === 1 && (was === undefined || was === 1));
    const fit = (data, layout) => [
      fonts && data ? scaleFonts(data, k, null, false) : data,
      fitPanelTitles(gd, fitScene(gd, fonts ? scaleFonts(layout || {}, k, null, true) : layout)),
    ];
    if (a && !Array.isArray(a) && typeof a === "object") {
      const [data, layout] = fit(a.data, a.layout);
      if (data === a.data && layout === a.layout) return args;
      return [gd, Object.assign({}, a, { data, layout }), ...args.slice(2)];
    }
    const [data, layout] = fit(a, b);
    if (data === a && layout === b) return args;
    return [gd, data, layout, ...args.slice(3)];
  }

  let resizing = null;
  window.addEventListener("resize", () => {
    clearTimeout(resizing);
    resizing = setTimeout(() => {
      const k = fontScale();
      document.querySelectorAll(".js-plotly-plot").forEach((gd) => {
        if (!gd._fullLayout || gd._gsFontScale === undefined) return;
        if (gd._gsFontScale !== k || sceneRefits(gd) || fitPanelTitles(gd, gd.layout) !== gd.layout) {
          gd._gsRedrawing = true; // (its camera: the figure's, fitted afresh, or the reader's)
          try {
            window.Plotly.react(gd, gd.data, gd.layout); // through beforeDraw, at the new scale
          } finally {
            gd._gsRedrawing = false;
          }
        }
      });
    }, 150);
  });

  GS.plotly = {
    beforeDraw,
    fontScale,


    /** The internals `g` lacks, by name (empty: every one Gradscape reads is there). */
    missing(g) {
      return Object.entries(INTERNALS)
        .filter(([, ok]) => {
          try {
            return !ok(g);
          } catch (err) {
            return true;
          }
        })
        .map(([name]) => name);
    },

    /** The Plotly graph div inside the dcc.Graph whose component id is `id`. */
    graph(id) {
      const el = document.getElementById(id);
      return el ? el.querySelector(".js-plotly-plot") : null;
    },

    /** Whether Plotly has drawn `g` (its axes have pixel positions). */
    ready(g) {
      const fl = g && g._fullData && g._fullLayout;
      return !!(fl && fl.xaxis && fl.xaxis._length !== undefined);
    },

    /** Whether `g` is drawn with a 3D scene. */
    has3d(g) {
      return !!(g && g._fullData && g._fullLayout && g._fullLayout.scene);
    },

    /** The figure's size in CSS pixels. */
    size(g) {
      return { width: g._fullLayout.width, height: g._fullLayout.height };
    },

    /** The panel of axes ["x2", "y2"] (default the first), or null if the figure has none. */
    panel(g, axes) {
      const [x, y] = axes || ["x", "y"];
      const fl = g._fullLayout;
      const xa = fl["xaxis" + x.slice(1)];
      const ya = fl["yaxis" + y.slice(1)];
      return xa && ya ? panelOf(xa, ya, x + y) : null;
    },

    /** Every cartesian panel of the figure. */
    panels(g) {
      const fl = g._fullLayout;
      return (fl._subplots.cartesian || ["xy"])
        .map((id) => {
          const m = /^(x\d*)(y\d*)$/.exec(id);
          return m && this.panel(g, [m[1], m[2]]);
        })
        .filter(Boolean);
    },

    /** The drawn traces (public fields only are read: index, meta, x, y, z, text, marker). */
    traces(g) {
      return g._fullData;
    },

    /** Whether Plotly has set `g` up (it takes event listeners). */
    live: (g) => typeof g.on === "function",

    /** Listen to `g`'s Plotly events ({name: fn}), once per graph div. */
    hook(g, handlers) {
      if (hooked.has(g)) return;
      hooked.add(g);
      Object.entries(handlers).forEach(([name, fn]) => g.on(name, fn));
    },

    hooked: (g) => hooked.has(g),

    /** Where an SVG laid over the plot goes: inside Plotly's container, under its top layer
     * (so Plotly's own hover labels stay on top). */
    overlayHost(g) {
      const box = g.querySelector(".svg-container");
      return { box, before: box.querySelector("svg.main-svg:last-of-type") };
    },

    /** Whether a plotly_relayout event changed an axis range (not a resize or autosize). */
    movesAxes(ev) {
      return Object.keys(ev || {}).some((k) => /^[xy]axis\.(range|autorange)/.test(k));
    },

    /** Move trace points without a redraw (the loss plot's step markers). */
    animate(g, data, traces) {
      return window.Plotly.animate(g, { data, traces }, {
        transition: { duration: 0 },
        frame: { duration: 0, redraw: false },
        mode: "immediate",
      });
    },

    /**
     * Apply assignments ([location, value]: ["data", 2], ["layout", "yaxis", "range"] …,
     * what a Dash Patch of the figure holds) in one Plotly.react on the graph's own
     * public `data` and `layout`.
     */
    assign(g, ops) {
      let fig = { data: g.data, layout: g.layout };
      ops.forEach(([loc, value]) => {
        if (loc[0] === "data" || loc[0] === "layout") fig = GS.assign(fig, loc, value);
      });
      return window.Plotly.react(g, fig.data, fig.layout);
    },

    restyle(g, update, traces) {
      return window.Plotly.restyle(g, update, traces);
    },
  };
})(window.gradscape);
