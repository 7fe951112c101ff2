/* Team charts of the manager view: <canvas data-team-chart='{"labels": [...], "datasets": [{"label", "data", "color"?}]}'
   data-type="line|bar" [data-stacked] [data-unit] [data-y-max]>. One colour per rep (or the dataset's own);
   the table under the charts is the fallback. */
(function () {
  "use strict";
  var PALETTE = ["#0172ad", "#d93526", "#2e7d32", "#8a6d00", "#7540bf", "#c2410c", "#0f766e", "#6b7280", "#be185d", "#1e3a8a"];

  function render(canvas) {
    if (canvas.dataset.rendered || typeof window.Chart === "undefined") return;
    var spec;
    try { spec = JSON.parse(canvas.dataset.teamChart); } catch (e) { return; }
    var type = canvas.dataset.type === "bar" ? "bar" : "line";
    var unit = canvas.dataset.unit || "";
    var stacked = !!canvas.dataset.stacked;
    var datasets = spec.datasets.map(function (ds, i) {
      var color = ds.color || PALETTE[i % PALETTE.length];
      return { label: ds.label, data: ds.data, borderColor: color, backgroundColor: color, borderWidth: 2,
               pointRadius: 3, spanGaps: true, tension: 0.2 };
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
        plugins: {
          legend: { position: "bottom" },
          tooltip: { callbacks: { label: function (c) { return c.dataset.label + ": " + (c.parsed.y === null ? "—" : c.parsed.y + unit); } } }
        }
      }
    });
    canvas.dataset.rendered = "1";
  }

  function init(root) { (root || document).querySelectorAll("canvas[data-team-chart]").forEach(render); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", function () { init(document); });
  else init(document);
  document.addEventListener("htmx:load", function (e) { init(e.detail.elt); });
})();
