/*
 * The page's drop-down menus (Lessons, Download: `<details class="gs-dropdown">` in
 * app/layout.py) behave as menus: one open at a time (opening one closes the others),
 * and Escape or a click or focus outside it closes the open one. Escape gives the focus
 * back to the menu's button, so a keyboard user is where they were.
 */
(function () {
  "use strict";

  const open = () => Array.from(document.querySelectorAll("details.gs-dropdown[open]"));

  function closeAll(except) {
    open().forEach((d) => {
      if (d !== except) d.removeAttribute("open");
    });
  }

  // `toggle` does not bubble: listen in the capture phase, for menus added at any time
  document.addEventListener(
    "toggle",
    (e) => {
      const d = e.target;
      if (d instanceof HTMLDetailsElement && d.classList.contains("gs-dropdown") && d.open) closeAll(d);
    },
    true
  );

  document.addEventListener("keydown", (e) => {
    if (e.key !== "Escape") return;
    const menus = open();
    if (!menus.length) return;
    const summary = menus[0].querySelector("summary");
    closeAll(null);
    if (summary && menus[0].contains(document.activeElement)) summary.focus();
  });

  function outside(e) {
    const inside = e.target instanceof Element ? e.target.closest("details.gs-dropdown") : null;
    closeAll(inside);
  }
  document.addEventListener("pointerdown", outside, true);
  document.addEventListener("focusin", outside, true);
})();
