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
 * A step key (a plain arrow) on a run's slider is asked for before the slider
 * sees it, and handed to the slider once the path is drawn (`release`): the
 * slider's own work for a key (~20 ms of React and Dash) no longer stands
 * between the key and the path.
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
  const shown = new Map(); // key → the value whose answer was drawn last (until a commit)

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
    shown.delete(key);
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
      const run = runSlider(thumb);
      const position = parseFloat(thumb.getAttribute("aria-valuenow"));
      if (!run || !isFinite(position)) continue;
      const text = GS.paramText(position, String(run.id.scale));
      const box = document.querySelector(`.gs-num input[name="${CSS.escape(run.id.key)}"]`);
      if (!settling.has(run.id.key) && box && box.value === text) continue;
      GS.fast.slide(run.id.key, text, Object.assign({}, run.id, { type: "pv" }));
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

  /**
   * Ask for `key` at `text` and draw the answer; show `text` in its box until it
   * settles. The request's sequence number, or true if it was asked already.
   */
  function ask(key, text, pvId) {
    const old = settling.get(key);
    if (old && old.text === text) return true; // asked already (the thumb, then Dash)
    if (old) clearTimeout(old.timer);
    settling.set(key, { pvId, text, timer: setTimeout(() => commit(key), GS.fast.settleMs) });
    if (old) showText(key);
    else keepText(key);
    const mine = ++seq;
    if (shown.get(key) === text) {
      // back to the value drawn last (keys faster than answers): nothing to ask (the server
      // sees no change from that answer's query), and the answers on their way are older
      drawnSeq = mine;
      Promise.resolve().then(() => answered(mine));
      return mine;
    }
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
        shown.set(key, text);
        GS.query = a.q;
        if (!GS.playing) GS.writeUrl();
        draw(a.paths || []);
        if (Array.isArray(a.loss)) drawLoss(a.loss);
      })
      .catch(() => commit(key))
      .finally(() => answered(mine));
    return mine;
  }

  /**
   * A step key on a run's slider goes to the server first and to the slider
   * second. Through the slider, a key costs ~20 ms of the main thread before
   * anything else runs (the thumb's React render, Dash's store updates and its
   * `syncParam` callback), and the answer, back after a few ms, waits for it. So
   * a plain arrow key on a run's slider thumb is held: the value it steps to is
   * computed here as the slider computes it (`stepOf`, Radix's rule, the step
   * from the slider's `data-step`), asked for at once, and the key is handed to
   * the slider (a copy, dispatched on the thumb) once the answer is drawn and
   * painted, after `GS.fast.holdMs` at most, or when the next key comes. The
   * thumb then moves a frame after the path, and Dash sees the same keys in the
   * same order. The slider's late reports are not news (`stale`). Other keys
   * (Home, End, the Page keys, any key with a modifier) go to the slider as before.
   */
  const STEP_KEYS = { ArrowRight: 1, ArrowUp: 1, ArrowLeft: -1, ArrowDown: -1 };
  let held = null; // {thumb, id, key, code, position, seq, timer}: a key the slider has not seen
  let handing = null; // the copy being handed to the slider

  /** The run slider `el` is in: {holder, id} (id: its component id), or null. */
  function runSlider(el) {
    const holder = el && el.closest && el.closest(".gs-run .gs-slider");
    if (!holder || !holder.id.startsWith("{")) return null;
    try {
      const id = JSON.parse(holder.id);
      return typeof id.key === "string" ? { holder, id } : null;
    } catch (err) {
      return null;
    }
  }

  /** Digits after the point in `x` (Radix's getDecimalCount). */
  function decimals(x) {
    if (!Number.isFinite(x)) return 0;
    const r = x.toString();
    if (r.includes("e")) {
      const [n, e] = r.split("e");
      return Math.max(0, (n.split(".")[1] || "").length - Number(e));
    }
    return (r.split(".")[1] || "").length;
  }
  function roundTo(x, d) {
    const k = Math.pow(10, d);
    return Math.round(x * k) / k;
  }

  /** The value one step (`dir` ±1) from `value` on a slider [min, max] by `step`, as
   * @radix-ui/react-slider computes it for an arrow key (dcc.Slider's own). */
  function stepOf(value, min, max, step, dir) {
    const d = decimals(step);
    const l = (value - min) / step;
    const u = Math.round(l);
    const onGrid = roundTo(u * step + min, d) === roundTo(value, d);
    const next = roundTo((onGrid ? u + dir : dir > 0 ? Math.ceil(l) : Math.floor(l)) * step + min, d);
    const snapped = roundTo(Math.round((next - min) / step) * step + min, d);
    return Math.min(max, Math.max(min, snapped));
  }

  /** Hand the held key to the slider (a copy on its thumb); the held key, or null. */
  function release() {
    const h = held;
    if (!h) return null;
    held = null;
    clearTimeout(h.timer);
    handing = new KeyboardEvent("keydown", { key: h.key, code: h.code, bubbles: true, cancelable: true, composed: true });
    try {
      h.thumb.dispatchEvent(handing);
    } finally {
      handing = null;
    }
    return h;
  }

  /** Request `mine` answered (drawn, dropped or failed): its key goes to the slider after
   * the next paint (the path is on screen first). */
  function answered(mine) {
    if (!held || held.seq !== mine) return;
    requestAnimationFrame(() => setTimeout(() => held && held.seq === mine && release(), 0));
  }

  /**
   * Whether the slider of `key` reports `text` late: a key is held (the slider has
   * not seen it), or the thumb is elsewhere already (Dash's callback brings a value
   * the slider has left: asked for, it would redraw an older path).
   */
  function stale(key, text) {
    if (held && held.id.key === key) return true;
    const box = document.querySelector(`.gs-num input[name="${CSS.escape(key)}"]`);
    const param = box && box.closest(".gs-param");
    const thumb = param && param.querySelector(".dash-slider-thumb");
    const run = thumb && runSlider(thumb);
    const now = thumb ? parseFloat(thumb.getAttribute("aria-valuenow")) : NaN;
    return !!run && isFinite(now) && GS.paramText(now, String(run.id.scale)) !== text;
  }

  document.addEventListener(
    "keydown",
    (e) => {
      if (e === handing) return;
      const before = release(); // a key the slider has not seen goes first, in order
      const dir = STEP_KEYS[e.key];
      if (!dir || e.shiftKey || e.altKey || e.ctrlKey || e.metaKey || e.defaultPrevented) return;
      const thumb = e.target;
      if (!thumb || !thumb.classList || !thumb.classList.contains("dash-slider-thumb")) return;
      if (thumb.getAttribute("aria-orientation") === "vertical") return;
      const run = runSlider(thumb);
      const param = run && run.holder.closest(".gs-param");
      if (!run || !param || !eligible(run.id.key)) return;
      const step = Number(param.dataset.step);
      const min = parseFloat(thumb.getAttribute("aria-valuemin"));
      const max = parseFloat(thumb.getAttribute("aria-valuemax"));
      const now = before && before.thumb === thumb ? before.position : parseFloat(thumb.getAttribute("aria-valuenow"));
      if (!(step > 0) || ![min, max, now].every(Number.isFinite)) return;
      const position = stepOf(now, min, max, step, dir);
      if (position === now) return; // at the end: the slider does nothing either
      const text = GS.paramText(position, String(run.id.scale));
      const mine = ask(run.id.key, text, Object.assign({}, run.id, { type: "pv" }));
      e.preventDefault(); // no scrolling (the slider does the same)
      e.stopPropagation(); // the slider sees it later (`release`)
      held = { thumb, id: run.id, key: e.key, code: e.code, position, seq: 0 };
      held.seq = mine === true ? -1 : mine;
      held.timer = setTimeout(release, GS.fast.holdMs);
      if (mine === true) answered(-1); // asked already: nothing to wait for
    },
    { capture: true }
  );

  GS.fast = {
    /** How long a slider rests before its value goes to Dash (ms). */
    settleMs: 250,

    /** How long a key may wait for its answer before the slider sees it (ms). */
    holdMs: 100,

    /**
     * A run's slider moved to `text` (the value its box will hold). True if the
     * fast lane took it: the caller then leaves the box's value alone.
     */
    slide(key, text, pvId) {
      if (!eligible(key)) return false;
      if (stale(key, text)) return true; // the slider catching up with keys asked for already
      return !!ask(key, text, pvId);
    },

    /** Radix's arrow-key step (for the tests). */
    stepOf,

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
