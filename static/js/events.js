/* Scorecard charts of the event page: <canvas data-event-chart='{"labels": [...], "datasets":
   [{"label", "data", "color"?}]}' [data-type="bar|doughnut"] [data-stacked] [data-horizontal]
   [data-unit] [data-x-max]>. Chart.js (static/vendor/chartjs) as the other apps use it; each chart's
   table ("Show as table") is its fallback and accessible form. After drawing, the canvas carries
   data-rendered="1" (the e2e tests wait for it). */
(function () {
  "use strict";
  var PALETTE = ["#0172ad", "#2e7d32", "#f9a825", "#c62828", "#7540bf", "#0f766e", "#6b7280"];

  function render(canvas) {
    if (canvas.dataset.rendered || typeof window.Chart === "undefined") return;
    var spec;
    try { spec = JSON.parse(canvas.dataset.eventChart); } catch (e) { return; }
    var type = canvas.dataset.type === "doughnut" ? "doughnut" : "bar";
    var unit = canvas.dataset.unit || "";
    var stacked = !!canvas.dataset.stacked;
    var horizontal = !!canvas.dataset.horizontal;
    var datasets = spec.datasets.map(function (ds, i) {
      var color = ds.color || (type === "doughnut" ? PALETTE : PALETTE[i % PALETTE.length]);
      return { label: ds.label, data: ds.data, backgroundColor: color, borderColor: color, borderWidth: 1 };
    });
    var value = { beginAtZero: true, stacked: stacked, ticks: { precision: 0, callback: function (v) { return v + unit; } } };
    if (canvas.dataset.xMax) value.max = Number(canvas.dataset.xMax);
    var category = { stacked: stacked, ticks: { autoSkip: false } };
    var options = {
      responsive: true, maintainAspectRatio: false, animation: false,
      plugins: {
        legend: { position: "bottom", display: type === "doughnut" || datasets.length > 1 },
        tooltip: { callbacks: { label: function (c) {
          var v = type === "doughnut" ? c.parsed : (horizontal ? c.parsed.x : c.parsed.y);
          return (c.dataset.label ? c.dataset.label + ": " : c.label + ": ") + v + unit;
        } } }
      }
    };
    if (type === "bar") {
      options.indexAxis = horizontal ? "y" : "x";
      options.scales = horizontal ? { x: value, y: category } : { x: category, y: value };
    }
    new window.Chart(canvas, { type: type, data: { labels: spec.labels, datasets: datasets }, options: options });
    canvas.dataset.rendered = "1";
  }

  function init(root) { (root || document).querySelectorAll("canvas[data-event-chart]").forEach(render); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", function () { init(document); });
  else init(document);
  document.addEventListener("htmx:load", function (e) { init(e.detail.elt); });
})();
