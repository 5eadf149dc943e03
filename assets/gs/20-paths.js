/*
 * The paths store (app/figures.py `paths_data`), decoded for drawing.
 *
 * The store arrives whole on load and on a theme or surface change, and is
 * patched one run at a time otherwise, so an unchanged run keeps its object.
 * Arrays are decoded once per distinct payload (a re-sent store with the same
 * path reuses the decoded arrays and their pixel positions), and only the
 * current store's arrays are kept.
 *
 * A run, as the other modules see it (`GS.runs()`):
 *   {src, x, y, f, look, px}: `src` the store's entry (colour, visibility,
 *   label, diverged, axes …), x/y/f typed arrays, `look` its sizes from
 *   `paths.style` (app/look.py: "map", or "panel" on the compare grid), and
 *   `px` the overlay's pixel cache.
 */
(function (GS) {
  "use strict";

  let data = null; // the store as Dash holds it
  let runs = [];
  let arrays = new Map(); // base64 payload → typed array, for the current store only
  const inspected = new WeakMap();

  function take(spec, kept) {
    let a = arrays.get(spec.bdata);
    if (!a || a.dtype !== spec.dtype) {
      a = { dtype: spec.dtype, values: GS.decode(spec) };
    }
    kept.set(spec.bdata, a);
    return a.values;
  }

  /** Take a new value of the paths store; O(runs) when the paths themselves are unchanged. */
  GS.setPaths = function (next) {
    data = next || null;
    const style = (data && data.style) || {};
    const before = runs;
    const kept = new Map();
    runs = ((data && data.runs) || []).map((src, j) => {
      const old = before.find((r) => r.src === src) || null;
      const run = old || { src, x: take(src.x, kept), y: take(src.y, kept), f: take(src.f, kept), px: null };
      if (old) ["x", "y", "f"].forEach((key) => kept.set(src[key].bdata, { dtype: src[key].dtype, values: old[key] }));
      else {
        // the same path re-sent (a theme change): keep its pixel positions too
        const same = before.find((r) => r.x === run.x && r.y === run.y);
        if (same) run.px = same.px;
      }
      run.index = j;
      run.look = style[src.look] || style.map || {};
      return run;
    });
    arrays = kept;
  };

  /** The paths store as the page last received it. */
  GS.paths = () => data;

  /** The runs of the paths store, decoded, in store order. */
  GS.runs = () => runs;

  /** The theme's halo colour (outline of markers drawn over paths). */
  GS.halo = () => (data && data.style && data.style.halo) || "#fff";

  /** Whether the legend above the map lists the runs (the compare grid titles its panels instead). */
  GS.hasLegend = () => !!data && data.legend !== false;

  /** The step inspector's data for the inspected run, decoded once: {run, optimizer, lr, g?, m?, e?}. */
  GS.inspectData = function () {
    const d = data && data.inspect;
    if (!d) return null;
    if (!inspected.has(d)) {
      const out = { run: d.run, optimizer: d.optimizer, lr: GS.decode(d.lr) };
      ["g", "m", "e"].forEach((key) => {
        if (d[key]) out[key] = GS.decode(d[key]);
      });
      inspected.set(d, out);
    }
    return inspected.get(d);
  };
})(window.gradscape);
