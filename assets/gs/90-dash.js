/*
 * The Dash glue. The clientside functions app/callbacks.py names
 * (`ClientsideFunction("gs", …)`: syncParam, onState, onFrame, onPaths,
 * onSpeed), what the browser writes back (`GS.send` → set_props), and the
 * map's events: every redraw, zoom or pan redraws the overlay, a zoom or pan
 * goes to the server as the new view, a click (not a drag) moves the start.
 *
 * Nothing polls: the stores' callbacks ask for a redraw, and the map is hooked
 * when it is first drawn (a MutationObserver that disconnects once it has hooked
 * it); from then on Plotly's `plotly_afterplot` redraws after every redraw.
 */
(function (GS) {
  "use strict";

  const noUpdate = () => window.dash_clientside.no_update;
  const triggered = () => window.dash_clientside.callback_context.triggered.map((x) => x.prop_id);

  /** Write `data` into the store named `name` in app/ids.py (as a callback output would). */
  GS.send = (name, data) => window.dash_clientside.set_props(GS.ids[name], { data });

  // ------------------------------------------------------------------ the map's events
  function hookMap(g) {
    GS.plotly.hook(g, {
      plotly_afterplot: GS.schedule,
      plotly_relayouting: GS.schedule,
      plotly_relayout: (ev) => {
        GS.schedule();
        // only a change of the axes is news for the server (not a resize or autosize)
        if (GS.plotly.movesAxes(ev)) GS.send("VIEW", ev);
      },
    });
    let down = null;
    g.addEventListener("mousedown", (e) => (down = [e.clientX, e.clientY]), true);
    g.addEventListener("mousemove", (e) => (e.buttons ? null : GS.hover(g, e)));
    g.addEventListener("mouseleave", () => GS.unhover(g));
    g.addEventListener(
      "click",
      (e) => {
        if (!down || Math.hypot(e.clientX - down[0], e.clientY - down[1]) > 4) return;
        if (e.target.closest(".modebar, .legend, .colorbar") || !GS.plotly.ready(g)) return;
        const box = g.getBoundingClientRect();
        const mx = e.clientX - box.left;
        const my = e.clientY - box.top;
        // the panel under the mouse (compare mode has several)
        const hit = GS.plotly
          .panels(g)
          .find((p) => mx >= p.left && mx <= p.left + p.width && my >= p.top && my <= p.top + p.height);
        if (hit) GS.send("CLICK", [hit.dx(mx), hit.dy(my)]);
      },
      true
    );
  }

  let watcher = null;

  /** Hook map `g` (default: the page's) if Plotly has set it up, else watch the page until it has. */
  GS.attach = function (g) {
    g = g || GS.plotly.graph(GS.ids.MAP);
    if (g && GS.plotly.hooked(g)) return;
    if (g && GS.plotly.live(g)) {
      hookMap(g);
      if (watcher) watcher.disconnect();
      watcher = null;
      GS.schedule(); // it may have been drawn before it was hooked
    } else if (!watcher) {
      watcher = new MutationObserver(() => {
        const map = GS.plotly.graph(GS.ids.MAP);
        if (map && GS.plotly.live(map)) GS.attach(map);
      });
      watcher.observe(document.body, { childList: true, subtree: true });
    }
  };

  // ------------------------------------------------------------------ clientside callbacks
  /** The component id in a callback's prop_id ("{…}.value" for a pattern-matching id). */
  function idOf(propId) {
    const id = propId.slice(0, propId.lastIndexOf("."));
    return id.startsWith("{") ? JSON.parse(id) : id;
  }

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    gs: {
      /** Slider ↔ text box of one parameter; the text box holds the exact value. */
      syncParam(slider, text, sliderId) {
        const log = sliderId.scale.startsWith("log");
        if (triggered().some((p) => idOf(p).type === sliderId.type)) {
          if (slider === null || slider === undefined) return [noUpdate(), noUpdate()];
          const next = GS.paramText(slider, sliderId.scale);
          const sliding = GS.fast && GS.fast.pending(sliderId.key);
          if (next === text && !sliding) return [noUpdate(), noUpdate()]; // the box has it already
          // a run's slider: its path is drawn now, its box commits when it settles
          const boxId = Object.assign({}, sliderId, { type: "pv" });
          if (GS.fast && GS.fast.slide(sliderId.key, next, boxId)) return [noUpdate(), noUpdate()];
          return [noUpdate(), next];
        }
        const v = parseFloat(text);
        if (!isFinite(v) || (log && v <= 0)) return [noUpdate(), noUpdate()];
        return [log ? Math.log10(v) : v, noUpdate()];
      },
      /** The server's canonical query: from `loaded` at first, then from each edit. */
      onState(edited, loaded) {
        const query = triggered().includes(`${GS.ids.LOADED}.data`) ? loaded : edited;
        if (typeof query === "string") {
          GS.query = query;
          if (!GS.playing) GS.writeUrl();
        }
        // once drawn: Dash loads its slider and dropdown code lazily, so look again later
        for (const ms of [0, 600, 2000]) setTimeout(GS.repairA11y, ms);
        return noUpdate();
      },
      /** The step the server's state has (a link's t, or autoplay on a first visit). */
      onFrame(frame) {
        if (!frame || frame.client) return noUpdate();
        GS.steps = frame.steps;
        GS.autoplay = !!frame.autoplay;
        GS.t = frame.t === null || frame.t === undefined ? 0 : frame.t;
        GS.writeUrl();
        if (GS.autoplay) GS.whenDrawn(GS.play);
        GS.schedule();
        return noUpdate();
      },
      /** New paths (a slider moved): drawn now, in this task, not a frame later. */
      onPaths(data) {
        GS.setPaths(GS.fast ? GS.fast.merge(data) : data);
        GS.show();
        return noUpdate();
      },
      onSpeed(speed) {
        GS.speed = Number(speed) || 1;
        return noUpdate();
      },
    },
  });
})(window.gradscape);
