/* Analytics charts from data attributes:
   <canvas data-analytics-chart='{"labels": [...], "datasets": [{"label", "data", "color", "own"}]}'
           data-type="bar|line" data-stacked="1" data-unit="%" data-y-max="100">.
   The table next to each chart is its fallback and its accessible form. */
(function () {
  "use strict";
  var COLORS = ["#0172ad", "#d93526", "#8a6d00", "#5b8c00", "#7540bf", "#c2410c", "#0f766e", "#6b7280"];

  function render(canvas) {
    if (canvas.dataset.rendered || typeof window.Chart === "undefined") return;
    var spec;
    try { spec = JSON.parse(canvas.dataset.analyticsChart); } catch (e) { return; }
    var type = canvas.dataset.type || "line";
    var unit = canvas.dataset.unit || "";
    var stacked = canvas.dataset.stacked === "1";
    var datasets = spec.datasets.map(function (ds, i) {
      var color = ds.color || COLORS[i % COLORS.length];
      return {
        label: ds.label, data: ds.data, borderColor: color, backgroundColor: color,
        borderWidth: ds.own ? 3 : 2, borderDash: (type === "line" && !ds.own && ds.dashed) ? [6, 4] : [],
        pointRadius: 2, spanGaps: false
      };
    });
    var y = { beginAtZero: true, stacked: stacked, ticks: { callback: function (v) { return v + unit; } } };
    if (canvas.dataset.yMax) y.max = Number(canvas.dataset.yMax);
    new window.Chart(canvas, {
      type: type,
      data: { labels: spec.labels, datasets: datasets },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        interaction: { mode: "index", intersect: false },
        scales: { x: { stacked: stacked }, y: y },
        plugins: { legend: { position: "bottom" } }
      }
    });
    canvas.dataset.rendered = "1";
  }

  function init(root) {
    (root || document).querySelectorAll("canvas[data-analytics-chart]").forEach(render);
  }
  function start() { init(document); }
  // A period or product picker submits its form when changed (no inline handler: CSP).
  document.addEventListener("change", function (e) {
    if (e.target.matches && e.target.matches("select[data-autosubmit]")) e.target.form.submit();
  });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
  window.addEventListener("load", start);
})();
