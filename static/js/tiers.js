/* Tier pages: bar charts from data attributes, and the live total of a version's weights.
   <canvas data-tier-chart='{"labels": [...], "datasets": [{"label", "data", "color"}]}' data-stacked data-horizontal data-unit="%">
   The table beside each chart holds the same figures (the fallback without JavaScript). */
(function () {
  "use strict";

  function render(canvas) {
    if (canvas.dataset.rendered || typeof window.Chart === "undefined") return;
    var spec;
    try { spec = JSON.parse(canvas.dataset.tierChart); } catch (e) { return; }
    var stacked = canvas.hasAttribute("data-stacked");
    var horizontal = canvas.hasAttribute("data-horizontal");
    var unit = canvas.dataset.unit || "";
    var datasets = spec.datasets.map(function (ds) {
      return { label: ds.label, data: ds.data, backgroundColor: ds.color, borderColor: ds.color, borderWidth: 1 };
    });
    var valueAxis = { beginAtZero: true, stacked: stacked, ticks: { precision: 0 } };
    var categoryAxis = { stacked: stacked, ticks: { autoSkip: false } };
    new window.Chart(canvas, {
      type: "bar",
      data: { labels: spec.labels, datasets: datasets },
      options: {
        indexAxis: horizontal ? "y" : "x",
        responsive: true, maintainAspectRatio: false, animation: false,
        scales: horizontal ? { x: valueAxis, y: categoryAxis } : { x: categoryAxis, y: valueAxis },
        plugins: {
          legend: { position: "bottom" },
          tooltip: { callbacks: { label: function (c) {
            var v = horizontal ? c.parsed.x : c.parsed.y;
            return c.dataset.label + ": " + (v === null ? "—" : v + unit);
          } } }
        }
      }
    });
    canvas.dataset.rendered = "1";
  }

  /* The version editor: show the sum of the weights as they are typed (the server checks it too). */
  function weights(root) {
    (root || document).querySelectorAll("[data-weights]").forEach(function (form) {
      var out = form.querySelector("[data-weight-total]");
      if (!out || form.dataset.weightsBound) return;
      form.dataset.weightsBound = "1";
      function update() {
        var total = 0;
        form.querySelectorAll("input[data-weight]").forEach(function (input) {
          var v = parseFloat(input.value);
          if (!isNaN(v)) total += v;
        });
        total = Math.round(total * 100) / 100;
        out.textContent = total + "%";
        out.dataset.total = String(total);
        out.classList.toggle("error", total !== 100);
      }
      form.addEventListener("input", update);
      update();
    });
  }

  function init(root) {
    (root || document).querySelectorAll("canvas[data-tier-chart]").forEach(render);
    weights(root);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", function () { init(document); });
  else init(document);
  document.addEventListener("htmx:load", function (e) { init(e.detail.elt); });
})();
