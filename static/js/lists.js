/* List pages: the filter panel is folded on phones and open on wider screens. */
(function () {
  "use strict";
  function openWide(root) {
    if (!window.matchMedia("(min-width: 768px)").matches) return;
    (root || document).querySelectorAll("details[data-open-wide]").forEach(function (d) { d.open = true; });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", function () { openWide(document); });
  else openWide(document);
  document.addEventListener("htmx:load", function (e) { openWide(e.detail.elt); });
})();
