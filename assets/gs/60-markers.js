/*
 * The step markers Plotly draws itself: on the loss plot (no contour there, so
 * Plotly.animate may move them) and in the 3D view. Traces are found by their
 * `meta` ({role, run, diverged}, set by app/figures.py and app/views.py).
 */
(function (GS) {
  "use strict";

  /** {run: {curve, head, diverged}} trace indices by role. */
  function roles(g) {
    const out = {};
    GS.plotly.traces(g).forEach((tr) => {
      const m = tr.meta;
      if (m && m.role !== undefined) {
        const r = (out[m.run] = out[m.run] || { diverged: m.diverged, mark: m.mark });
        r[m.role] = tr.index;
      }
    });
    return out;
  }

  /** Each run's marker on loss plot `g` at step t (only the ones that move). */
  GS.moveLossHeads = function (g, t) {
    const traces = GS.plotly.traces(g);
    const data = [];
    const moved = [];
    const symbols = [];
    Object.values(roles(g)).forEach((r) => {
      if (r.curve === undefined || r.head === undefined) return;
      const y = traces[r.curve].y;
      let k = Math.min(t, y.length - 1);
      if (r.diverged > 0) k = Math.min(k, r.diverged - 1); // the curve ends there
      const head = traces[r.head];
      const mark = GS.mark(r.diverged, t, null, r.mark);
      if (head.x && head.x[0] === k && head.marker.symbol === mark) return;
      data.push({ x: [k], y: [y[k]] });
      moved.push(r.head);
      if (head.marker.symbol !== mark) symbols.push([r.head, mark]);
    });
    if (moved.length) GS.plotly.animate(g, data, moved);
    symbols.forEach(([i, s]) => GS.plotly.restyle(g, headMarker("loss", s), [i]));
  };

  /**
   * The marker update for a head turning into `mark` (the dot, or the cross once its
   * run has diverged), with the size app/look.py `head_marker` gives it in `context`.
   */
  function headMarker(context, mark) {
    const data = GS.paths();
    const look = data && data.style && data.style[context];
    const update = { "marker.symbol": mark };
    if (look) update["marker.size"] = mark === look.head_symbol ? look.head_size : look.mark_size;
    return update;
  }

  /** The 3D view's step markers, moved along their paths (one restyle for all). */
  GS.move3d = function (g, t) {
    const traces = GS.plotly.traces(g);
    const paths = {};
    traces.forEach((tr) => {
      if (tr.meta && tr.meta.role === "path3d") paths[tr.meta.run] = tr;
    });
    const upd = { x: [], y: [], z: [], text: [] };
    const idx = [];
    traces.forEach((tr) => {
      const m = tr.meta;
      if (!m || m.role !== "head3d" || !paths[m.run]) return;
      const p = paths[m.run];
      const k = Math.min(t, p.x.length - 1);
      // the head turns into the cross once the run has diverged (app/look.py `at_step`)
      const mark = GS.mark(m.diverged, t, null, m.mark);
      if (tr.marker && tr.marker.symbol !== mark) GS.plotly.restyle(g, headMarker("3d", mark), [tr.index]);
      if (tr.text && String(tr.text[0]) === String(k)) return;
      upd.x.push([p.x[k]]);
      upd.y.push([p.y[k]]);
      upd.z.push([p.z[k]]);
      upd.text.push([String(k)]);
      idx.push(tr.index);
    });
    if (idx.length) GS.plotly.restyle(g, upd, idx);
  };
})(window.gradscape);
