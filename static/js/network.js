/* The network view of the doctor profile: the 2-hop neighbourhood drawn with cytoscape.js
   (static/vendor/cytoscape, MIT), nodes coloured by adoption stage of the chosen product, the
   doctor in the centre ringed; a click opens a doctor. Data: GET data-url?product=… (JSON). */
(function () {
  "use strict";
  var COLORS = { unaware: "#9ca3af", aware: "#93c5fd", trial: "#fbbf24", regular: "#60a5fa", loyal: "#16a34a", advocate: "#7c3aed", "": "#e5e7eb" };

  function draw(box, product) {
    if (typeof window.cytoscape === "undefined") return;
    var url = box.dataset.url + (product ? "?product=" + encodeURIComponent(product) : "");
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        if (box._cy) box._cy.destroy();
        var cy = window.cytoscape({
          container: box,
          elements: data.elements,
          wheelSensitivity: 0.2,
          style: [
            { selector: "node", style: {
              "background-color": function (n) { return COLORS[n.data("stage")] || COLORS[""]; },
              label: "data(label)", "font-size": 10, "text-valign": "bottom", "text-margin-y": 3,
              width: function (n) { return n.data("center") ? 34 : (n.data("hops") === 1 ? 22 : 14); },
              height: function (n) { return n.data("center") ? 34 : (n.data("hops") === 1 ? 22 : 14); },
              "border-width": function (n) { return n.data("center") ? 4 : (n.data("tier") === "A" ? 2 : 0); },
              "border-color": "#111827" } },
            { selector: "edge", style: {
              width: function (e) { return 0.5 + e.data("strength") / 2; }, "line-color": "#cbd5e1",
              "curve-style": "haystack", opacity: 0.8 } }
          ],
          layout: { name: "concentric", concentric: function (n) { return 3 - n.data("hops"); }, levelWidth: function () { return 1; }, minNodeSpacing: 12, animate: false }
        });
        cy.on("tap", "node", function (evt) { window.location.href = evt.target.data("url"); });
        box._cy = cy;
        box.dataset.nodes = String(cy.nodes().length);
        box.dataset.loaded = "1";
      });
  }

  function init() {
    var box = document.getElementById("network-graph");
    if (!box) return;
    var select = document.querySelector("[data-testid=network-product]");
    var link = document.querySelector("[data-testid=intro-paths-link]");
    function refresh() {
      var product = select ? select.value : "";
      if (link) link.href = link.dataset.base + (product ? "?product=" + product : "");
      draw(box, product);
    }
    if (select) select.addEventListener("change", refresh);
    refresh();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
})();
