/*
 * Gradscape in the browser: the namespace every module of assets/gs/ adds to.
 *
 * Dash serves every .js under assets/ in the alphabetical order of its path, so
 * the numbers in the file names are the load order:
 *
 *   00-core      this namespace, the component ids, small shared helpers
 *   10-plotly    the one adapter to Plotly's internals (no other file reads them)
 *   20-paths     the paths store, decoded once per change: runs, styles, inspector data
 *   30-overlay   the runs drawn in an SVG over the map, split at step t
 *   35-data      a data surface's samples, each run's model at step t, the mini-batch
 *   40-inspector the step inspector's arrows and numbers
 *   50-legend    the legend above the map and the hover label on the paths
 *   60-markers   the step markers of the loss plot and the 3D view (through Plotly)
 *   70-clock     the playback clock: show step t everywhere, play, pause, seek, keys
 *   80-links     the URL bar, copy link, lesson toggle, download links
 *   90-dash      the Dash glue: the clientside functions app/callbacks.py names,
 *                and the map's events (redraws, zoom, click-to-start, hover)
 *
 * The server sends each run's whole path once (the `paths` store, see
 * app/figures.py `paths_data`) with the styles to draw it with (app/look.py
 * `style_data`); playback runs here and never asks the server for anything.
 */
(function () {
  "use strict";

  /** Every component id, as app/ids.py `for_browser()` wrote them into the page. */
  function readIds() {
    const tag = document.getElementById("gs-ids");
    if (!tag) throw new Error("Gradscape: the page has no component ids (app/server.py writes them)");
    return Object.freeze(JSON.parse(tag.textContent));
  }

  const GS = {
    ids: readIds(),
    t: 0, // the step shown
    steps: 0, // the last step of the longest run
    playing: false,
    speed: 1,
    autoplay: false, // a first visit plays from 0 (the URL then has no t while it plays)
    query: null, // the state's canonical query string, without t (from the server)
  };
  window.gradscape = GS; // for the other modules, tests and the curious
  window.GS_IDS = GS.ids;

  /** The element of a component, by its name in app/ids.py ("MAP", "TIMELINE" …). */
  GS.el = (name) => document.getElementById(GS.ids[name]);

  /** A Plotly typed-array spec ({dtype, bdata}: base64) as a typed array. */
  GS.decode = function (spec) {
    let bytes;
    if (Uint8Array.fromBase64) {
      bytes = Uint8Array.fromBase64(spec.bdata);
    } else {
      const s = atob(spec.bdata);
      bytes = new Uint8Array(s.length);
      for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
    }
    return spec.dtype === "f4" ? new Float32Array(bytes.buffer) : new Float64Array(bytes.buffer);
  };

  GS.escapeHtml = (s) =>
    String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);

  /** `v` to `digits` significant digits, without trailing zeros ("—" when not finite). */
  GS.num = (v, digits) =>
    isFinite(v)
      ? Number(v).toPrecision(digits).replace(/(\.\d*?)0+(e|$)/, "$1$2").replace(/\.(e|$)/, "$1")
      : "—";

  /** Set an attribute only when it changes (most do not, frame after frame). */
  GS.attr = function (el, name, value) {
    const v = String(value);
    if (el.getAttribute(name) !== v) el.setAttribute(name, v);
  };

  // ------------------------------------------------------------------ the controls' drawer
  // Below 1180 px the side panel is a drawer (assets/gradscape.css): the "Controls" button
  // opens it, its close button, Escape or a click on the map behind it closes it. The class
  // sits on <body>, which Dash never redraws (the root's class comes from a callback).
  GS.drawer = function (open) {
    const body = document.body;
    open = open === undefined ? !body.classList.contains("gs-drawer-open") : open;
    body.classList.toggle("gs-drawer-open", open);
    for (const b of document.querySelectorAll(".gs-drawer-toggle")) b.setAttribute("aria-expanded", String(open));
    const target = open
      ? document.querySelector(".gs-drawer-close")
      : document.querySelector(".gs-drawer-toggle");
    if (target && target.offsetParent !== null) target.focus({ preventScroll: true });
  };
  document.addEventListener("click", (e) => {
    const t = e.target;
    if (!(t instanceof Element)) return;
    if (t.closest(".gs-drawer-toggle")) GS.drawer();
    else if (t.closest(".gs-drawer-close")) GS.drawer(false);
    else if (document.body.classList.contains("gs-drawer-open") && t.closest(".gs-main")) GS.drawer(false);
  });
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && document.body.classList.contains("gs-drawer-open")) GS.drawer(false);
  });

  /**
   * What Dash 4's own components leave out for assistive technology (axe-core's rules,
   * tests/test_browser_screens.py): radio and check lists are marked up as listboxes of
   * options that contain inputs (nested interactive), and a dropdown's keyboard focus
   * target is hidden from screen readers while it takes the focus. Called after each
   * state the server sends (90-dash `onState`), once the components are drawn.
   */
  GS.repairA11y = function () {
    if (!document.documentElement.lang) document.documentElement.lang = "en";
    for (const l of document.querySelectorAll(
      ":is(.dash-radioitems, .dash-checklist) > label.dash-options-list-option:is([role], [aria-selected])"
    )) {
      l.removeAttribute("role");
      l.removeAttribute("aria-selected");
    }
    for (const g of document.querySelectorAll(':is(.dash-radioitems, .dash-checklist)[role="listbox"]')) {
      g.setAttribute("role", g.classList.contains("dash-radioitems") ? "radiogroup" : "group");
    }
    for (const f of document.querySelectorAll('.dash-dropdown-focus-target[aria-hidden="true"]')) {
      const b = f.parentElement && f.parentElement.querySelector("button.dash-dropdown");
      f.removeAttribute("aria-hidden");
      if (b && b.id) f.setAttribute("aria-labelledby", `${b.id}-value`);
    }
    for (const t of document.querySelectorAll('.dash-slider-thumb[role="slider"]:not([aria-label])')) {
      const label = t.closest(".gs-param") && t.closest(".gs-param").querySelector(".gs-param-label");
      if (label) t.setAttribute("aria-label", label.textContent.trim());
    }
  };

  /** Redraw step t everywhere at the next animation frame (several asks, one redraw). */
  let pending = false;
  GS.schedule = function () {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      GS.show();
    });
  };
})();
