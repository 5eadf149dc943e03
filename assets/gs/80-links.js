/*
 * The URL and links: the URL bar always holds the state and the shown step
 * (a copied link reproduces the view), the copy-link button, the lesson
 * toggle (lesson mode is part of the state: the view reloads with it
 * switched) and the download links (made when clicked, from the current
 * state and step). The server sends the canonical query (`GS.query`).
 */
(function (GS) {
  "use strict";

  /** The URL bar: the state, and the step unless a first visit is still autoplaying. */
  GS.writeUrl = function () {
    if (GS.query === null) return;
    const q = GS.query + (GS.autoplay && GS.playing ? "" : `&t=${GS.t}`);
    if (window.location.search !== "?" + q) {
      window.history.replaceState(null, "", window.location.pathname + "?" + q);
    }
  };

  /** Reload this view with lesson mode switched. */
  function toggleLesson() {
    if (GS.query === null) return;
    const on = /(^|&)lesson=1(&|$)/.test(GS.query);
    const q = on ? GS.query.replace(/(^|&)lesson=1(?=&|$)/, "") : GS.query + "&lesson=1";
    window.location.search = "?" + q.replace(/^&/, "") + `&t=${GS.t}`;
  }

  function copyLink(button) {
    GS.writeUrl();
    const url = window.location.href;
    const done = (ok) => {
      button.textContent = ok ? "Copied ✓" : "Copy failed";
      setTimeout(() => (button.textContent = "Copy link"), 1600);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(url).then(
        () => done(true),
        () => done(fallbackCopy(url))
      );
    } else {
      done(fallbackCopy(url));
    }
  }

  function fallbackCopy(text) {
    const area = document.createElement("textarea");
    area.value = text;
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    let ok = false;
    try {
      ok = document.execCommand("copy");
    } catch (err) {
      ok = false;
    }
    area.remove();
    return ok;
  }

  document.addEventListener("click", (e) => {
    const b = e.target.closest("button");
    if (!b) return;
    if (b.id === GS.ids.COPY) copyLink(b);
    else if (b.id === GS.ids.LESSON_TOGGLE) toggleLesson();
    else if (b.classList.contains("gs-dismiss")) b.closest(".gs-notice").style.display = "none";
  });

  /** A download link is made when clicked: the current state and step, and the GIF's options. */
  document.addEventListener(
    "click",
    (e) => {
      const a = e.target.closest("a.gs-export");
      if (!a || GS.query === null) return;
      const fmt = a.dataset.format;
      let q = `${GS.query}&t=${GS.t}`;
      const preset = a.dataset.preset; // "slide": 16:9 at 1920 × 1080, its size the preset's
      if (fmt === "gif") {
        a.closest(".gs-menu")
          .querySelectorAll(".gs-gif-opts input")
          .forEach((input) => {
            if (preset && input.name === "export.width") return;
            if (input.value) q += `&${input.name}=${encodeURIComponent(input.value)}`;
          });
      }
      if (preset) q += `&export.preset=${encodeURIComponent(preset)}`;
      a.href = `${window.location.pathname.replace(/\/$/, "")}/export/${fmt}?${q}`;
      a.setAttribute("download", "");
    },
    true
  );
})(window.gradscape);
