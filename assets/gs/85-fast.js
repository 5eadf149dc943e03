/*
 * The slider's fast lane (app/fastlane.py): a run's path redrawn at once while
 * its slider moves, and Dash told once, when the slider settles.
 *
 * Through Dash, every step of a slider costs a round trip plus ~130 ms of
 * rendering the answer (figures, table, text boxes). Here a step of a run's
 * slider in the paths view asks `POST /api/edit` for what Dash's edit would
 * change in the paths store and the loss chart (that run's path and loss
 * traces, the loss axis) and draws the path as soon as it comes, the loss chart
 * a frame later. The text box shows the new value at
 * once but commits it (the value Dash's `edit` reads) only after
 * `GS.fast.settleMs` (250 ms) without a further step; that one edit brings the
 * table, the stores and everything else to the same state.
 *
 * Order: every request has a sequence number. An answer older than one
 * already drawn is dropped, and so is one asked before the last commit once
 * Dash has answered (Dash's answer has it). Paths the fast lane drew stay on
 * top of Dash's (`GS.fast.merge`) until Dash has answered a commit made after
 * them. If the server says the change is
 * not one it draws alone (another view, a clamped value), or the request
 * fails, the value is committed to Dash at once.
 */
(function (GS) {
  "use strict";

  const ROUTE = "/api/edit";

  let seq = 0; // the last request sent
  let drawnSeq = 0; // the request whose answer is drawn
  let committedSeq = 0; // the last request sent before a value was committed to Dash
  let dashSeq = 0; // what Dash's paths, as last received, include (committedSeq then)
  const settling = new Map(); // key → {pvId, text, timer}: values shown, not yet committed
  const drawn = new Map(); // run index → {seq, path} the fast lane drew, maybe not in Dash's store

  function eligible(key) {
    const root = GS.el("ROOT");
    const data = GS.paths();
    return (
      typeof key === "string" &&
      key.startsWith("run.") &&
      typeof GS.query === "string" &&
      !!root &&
      root.classList.contains("gs-mode-paths") &&
      !!data &&
      !data.inspect &&
      typeof window.fetch === "function"
    );
  }

  /** Hand the value shown for `key` to Dash (its text box's value: `edit` fires). */
  function commit(key) {
    const s = settling.get(key);
    if (!s) return;
    clearTimeout(s.timer);
    settling.delete(key);
    committedSeq = seq;
    window.dash_clientside.set_props(s.pvId, { value: s.text });
  }

  /**
   * The text box of `key` shows the value being slid to (not yet its value for
   * Dash), frame after frame while the slider settles: React writes the box's
   * committed value back whenever it renders the box (Dash marks it loading).
   */
  function showText(key) {
    const s = settling.get(key);
    if (!s) return false;
    const box = document.querySelector(`.gs-num input[name="${CSS.escape(key)}"]`);
    if (box && document.activeElement !== box && box.value !== s.text) box.value = s.text;
    return true;
  }
  function keepText(key) {
    if (showText(key)) requestAnimationFrame(() => keepText(key));
  }

  /** `root` with `value` at `loc` (["runs", 1] …), copying only the objects on the way. */
  GS.assign = function (root, loc, value) {
    if (!loc.length) return value;
    const copy = Array.isArray(root) ? root.slice() : Object.assign({}, root);
    copy[loc[0]] = GS.assign(root ? root[loc[0]] : undefined, loc.slice(1), value);
    return copy;
  };

  /** The paths store with the answer's assignments (the run's path, other runs' widths). */
  function draw(ops) {
    let data = GS.paths();
    if (!data || !Array.isArray(data.runs)) return;
    ops.forEach(([loc, value]) => {
      if (loc[0] !== "runs" || !(loc[1] < data.runs.length)) return;
      data = GS.assign(data, loc, value);
      if (loc.length === 2) drawn.set(loc[1], { seq: drawnSeq, path: value });
    });
    GS.setPaths(data);
    GS.show();
  }

  /**
   * The loss chart's traces of the runs the fast lane drew, one Plotly.react at
   * the next frame for all of them (the path is drawn first: it is what the eye
   * follows), unless a newer answer is on its way. The step markers then move
   * to step t as after any redraw.
   */
  let lossNext = []; // assignments to the loss chart not drawn yet, oldest first
  let lossFrame = false;
  function drawLoss(ops) {
    lossNext = lossNext.concat(ops);
    if (lossFrame) return;
    lossFrame = true;
    requestAnimationFrame(() => {
      lossFrame = false;
      // a newer answer is on its way: it will bring the chart along (one redraw, not two)
      if (seq > drawnSeq || !lossNext.length) return;
      const next = lossNext;
      lossNext = [];
      const g = GS.plotly.graph(GS.ids.LOSS);
      if (!g || !GS.plotly.ready(g)) return;
      Promise.resolve(GS.plotly.assign(g, next)).then(() => GS.moveLossHeads(g, GS.t));
    });
  }

  /** A parameter's value as its text box writes it (the slider holds log10 of a log one). */
  GS.paramText = function (position, scale) {
    const log = scale.startsWith("log");
    const v = log ? Math.pow(10, position) : position;
    if (scale.endsWith("int")) return String(Math.round(v));
    return String(Number(v.toPrecision(log ? 3 : 6)));
  };

  /**
   * A run's slider thumb moved (its aria-valuenow changed): ask at once, without
   * waiting for Dash to run the slider's callback (~20 ms here). Dash's callback
   * (`syncParam`) then finds the request made. Only the slider a person is
   * moving is watched: a key or a pointer on it starts watching its thumb, and
   * a second without one stops (nothing is left observing an idle page). Not
   * news: a value the box already shows.
   */
  let watched = null; // the slider whose thumb is observed
  let unwatch = null;
  const observer = new MutationObserver(thumbMoved);

  function touch(e) {
    const holder = e.target && e.target.closest && e.target.closest(".gs-run .gs-slider");
    if (!holder || (e.type === "pointermove" && !e.buttons)) return;
    if (watched !== holder) {
      observer.disconnect();
      watched = holder;
      observer.observe(holder, { subtree: true, attributes: true, attributeFilter: ["aria-valuenow"] });
    }
    clearTimeout(unwatch);
    unwatch = setTimeout(() => {
      observer.disconnect();
      watched = null;
    }, 1000);
  }
  ["keydown", "pointerdown", "pointermove"].forEach((type) =>
    document.addEventListener(type, touch, { capture: true, passive: true })
  );

  function thumbMoved(records) {
    for (const rec of records) {
      const thumb = rec.target;
      if (!thumb.classList || !thumb.classList.contains("dash-slider-thumb")) continue;
      const holder = thumb.closest(".gs-run .gs-slider");
      if (!holder || !holder.id.startsWith("{")) continue;
      let id;
      try {
        id = JSON.parse(holder.id);
      } catch (err) {
        continue;
      }
      const position = parseFloat(thumb.getAttribute("aria-valuenow"));
      if (!isFinite(position) || typeof id.key !== "string") continue;
      const text = GS.paramText(position, String(id.scale));
      const box = document.querySelector(`.gs-num input[name="${CSS.escape(id.key)}"]`);
      if (!settling.has(id.key) && box && box.value === text) continue;
      GS.fast.slide(id.key, text, Object.assign({}, id, { type: "pv" }));
    }
  }

  // A person who turns to a box being slid takes it over: its own Enter or blur commits
  // what it shows (dcc.Input reads the text it holds), so the settle must not overwrite it.
  document.addEventListener("focusin", (e) => {
    const box = e.target;
    if (!box || !box.matches || !box.matches(".gs-num input")) return;
    const s = settling.get(box.name);
    if (!s) return;
    clearTimeout(s.timer);
    settling.delete(box.name);
    committedSeq = seq;
  });

  GS.fast = {
    /** How long a slider rests before its value goes to Dash (ms). */
    settleMs: 250,

    /**
     * A run's slider moved to `text` (the value its box will hold). True if the
     * fast lane took it: the caller then leaves the box's value alone.
     */
    slide(key, text, pvId) {
      if (!eligible(key)) return false;
      const old = settling.get(key);
      if (old && old.text === text) return true; // asked already (the thumb, then Dash)
      if (old) clearTimeout(old.timer);
      settling.set(key, { pvId, text, timer: setTimeout(() => commit(key), GS.fast.settleMs) });
      if (old) showText(key);
      else keepText(key);
      const mine = ++seq;
      fetch(ROUTE, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ q: GS.query, key, value: text, seq: mine, t: GS.t }),
      })
        .then((r) => r.json())
        .then((a) => {
          if (!a || !a.fast) return commit(key);
          if (mine <= dashSeq || mine < drawnSeq) return; // overtaken
          drawnSeq = mine;
          GS.query = a.q;
          if (!GS.playing) GS.writeUrl();
          draw(a.paths || []);
          if (Array.isArray(a.loss)) drawLoss(a.loss);
        })
        .catch(() => commit(key));
      return true;
    },

    /**
     * Dash's paths store, with the paths the fast lane drew after the last value
     * committed on top. Dash's answers read every committed value (and only
     * those), so anything asked for before the last commit is in them.
     */
    merge(data) {
      dashSeq = committedSeq;
      drawn.forEach((d, i) => {
        if (d.seq <= dashSeq) drawn.delete(i);
      });
      if (!drawn.size || !data || !Array.isArray(data.runs)) return data;
      const runs = data.runs.slice();
      drawn.forEach((d, i) => {
        if (i < runs.length) runs[i] = d.path;
      });
      return Object.assign({}, data, { runs });
    },

    /** Whether `key` (any key, if none) shows a value Dash has not been told yet. */
    pending: (key) => (key === undefined ? settling.size > 0 : settling.has(key)),
  };
})(window.gradscape);
