/*
 * The playback clock: which step is shown, and showing it everywhere (the map's
 * overlay, the legend, the loss plot's and 3D view's markers, the timeline).
 * Playing advances t on animation frames, so 1× plays any run in the same time;
 * when it stops, the step goes to the URL and the `frame` store.
 */
(function (GS) {
  "use strict";

  const SECONDS_PER_RUN = 6; // 1x speed plays any run, whatever its length, in this time
  let acc = 0; // fractional steps not shown yet
  let last = null; // the previous frame's time
  let waiting = []; // run once the map is drawn

  /** Run `fn` once the map is drawn (now, if it is). */
  GS.whenDrawn = function (fn) {
    if (GS.plotly.ready(GS.plotly.graph(GS.ids.MAP))) fn();
    else waiting.push(fn);
  };

  /** Show step GS.t everywhere; cheap when nothing changed. */
  GS.show = function () {
    const m = GS.plotly.graph(GS.ids.MAP);
    GS.attach(m);
    if (!GS.plotly.ready(m)) return;
    const longest = GS.drawMap(m, GS.t);
    GS.drawLegend();
    GS.drawData(GS.t);
    if (longest > 0 && longest !== GS.steps) {
      GS.steps = longest;
      GS.t = Math.min(GS.t, longest);
    }
    const loss = GS.plotly.graph(GS.ids.LOSS);
    if (GS.plotly.ready(loss)) GS.moveLossHeads(loss, GS.t);
    const root = GS.el("ROOT");
    const fig = GS.plotly.graph(GS.ids.FIGURE);
    if (root && root.classList.contains("gs-mode-3d") && GS.plotly.has3d(fig)) GS.move3d(fig, GS.t);
    const timeline = GS.el("TIMELINE");
    if (timeline) {
      if (String(timeline.max) !== String(GS.steps)) timeline.max = GS.steps;
      if (String(timeline.value) !== String(GS.t)) timeline.value = GS.t;
    }
    const label = GS.el("STEP_LABEL");
    const text = `step ${GS.t} / ${GS.steps}`;
    if (label && label.textContent !== text) label.textContent = text;
    const play = GS.el("PLAY");
    if (play) {
      play.classList.toggle("gs-i-play", !GS.playing);
      play.classList.toggle("gs-i-pause", GS.playing);
    }
    if (waiting.length) {
      const now = waiting;
      waiting = [];
      now.forEach((fn) => fn());
    }
  };

  /** The shown step goes to the URL and to the server's `frame` store. */
  function commit() {
    GS.writeUrl();
    GS.send("FRAME", { t: GS.t, steps: GS.steps, client: true });
  }

  function tick(now) {
    if (!GS.playing) return;
    if (last !== null) {
      acc += ((now - last) / 1000) * (GS.steps / SECONDS_PER_RUN) * GS.speed;
      const whole = Math.floor(acc);
      if (whole > 0) {
        acc -= whole;
        GS.t = Math.min(GS.t + whole, GS.steps);
      }
    }
    last = now;
    if (GS.t >= GS.steps) GS.playing = false;
    GS.show();
    if (GS.playing) requestAnimationFrame(tick);
    else commit();
  }

  GS.play = function () {
    if (GS.playing) return;
    if (GS.t >= GS.steps) GS.t = 0;
    GS.playing = true;
    last = null;
    acc = 0;
    requestAnimationFrame(tick);
  };

  GS.pause = function () {
    if (!GS.playing) return;
    GS.playing = false;
    GS.show();
    commit();
  };

  GS.seek = function (t) {
    GS.playing = false;
    GS.t = Math.max(0, Math.min(GS.steps, Math.round(t)));
    GS.show();
    commit();
  };

  const toggle = () => (GS.playing ? GS.pause() : GS.play());

  // ------------------------------------------------------------------ controls
  document.addEventListener("click", (e) => {
    const b = e.target.closest("button");
    if (!b || !b.id) return;
    const ids = GS.ids;
    if (b.id === ids.PLAY) toggle();
    else if (b.id === ids.BACK) GS.seek(GS.t - 1);
    else if (b.id === ids.FORWARD) GS.seek(GS.t + 1);
    else if (b.id === ids.RESET) GS.seek(0);
  });

  document.addEventListener("input", (e) => {
    if (e.target.id === GS.ids.TIMELINE) GS.seek(Number(e.target.value));
  });

  const KEYS = {
    " ": toggle,
    ArrowRight: () => GS.seek(GS.t + 1),
    ArrowLeft: () => GS.seek(GS.t - 1),
    Home: () => GS.seek(0),
    End: () => GS.seek(GS.steps),
  };

  document.addEventListener("keydown", (e) => {
    const tag = (e.target.tagName || "").toLowerCase();
    if (["input", "textarea", "select"].includes(tag) || e.target.isContentEditable) return;
    if (e.target.closest && e.target.closest(".dash-dropdown, [role=slider], [role=combobox]")) return;
    const action = KEYS[e.key];
    if (!action) return;
    action();
    e.preventDefault();
  });
})(window.gradscape);
