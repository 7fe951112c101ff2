/* Line charts from data attributes: <canvas data-chart='{"labels": [...], "datasets": [{"label", "data", "own"}]}'>.
   Our product (own=true) is drawn solid and thick, competitors dashed; data-y-max and data-unit
   shape the axis (usage share: 0–100 %). The table beside each chart is the fallback. */
(function () {
  "use strict";
  var OWN = "#0172ad";
  var OTHERS = ["#d93526", "#8a6d00", "#5b8c00", "#7540bf", "#c2410c", "#0f766e", "#6b7280"];

  function render(canvas) {
    if (canvas.dataset.rendered || typeof window.Chart === "undefined") return;
    var spec;
    try { spec = JSON.parse(canvas.dataset.chart); } catch (e) { return; }
    var unit = canvas.dataset.unit || "";
    var other = 0;
    var datasets = spec.datasets.map(function (ds) {
      var color = ds.own ? OWN : OTHERS[other++ % OTHERS.length];
      return {
        label: ds.label, data: ds.data, borderColor: color, backgroundColor: color,
        borderWidth: ds.own ? 3 : 2, borderDash: ds.own ? [] : [6, 4], pointRadius: 2,
        spanGaps: true, cubicInterpolationMode: "monotone"
      };
    });
    var y = { beginAtZero: true, ticks: { callback: function (v) { return v + unit; } } };
    if (canvas.dataset.yMax) y.max = Number(canvas.dataset.yMax);
    new window.Chart(canvas, {
      type: "line",
      data: { labels: spec.labels, datasets: datasets },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        interaction: { mode: "index", intersect: false },
        scales: { y: y },
        plugins: {
          legend: { position: "bottom", labels: { usePointStyle: true } },
          tooltip: { callbacks: { label: function (c) { return c.dataset.label + ": " + (c.parsed.y === null ? "—" : c.parsed.y + unit); } } }
        }
      }
    });
    canvas.dataset.rendered = "1";
  }

  function init(root) {
    (root || document).querySelectorAll("canvas[data-chart]").forEach(render);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", function () { init(document); });
  else init(document);
  document.addEventListener("htmx:load", function (e) { init(e.detail.elt); });
})();
