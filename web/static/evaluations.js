// Evaluation run page: per evaluator, how the items' scores are distributed in each variant
// (Chart.js, vendored). Data comes from the #eval-distributions JSON block.
"use strict";

(() => {
  const data = otelLlm.data("eval-distributions");
  if (!data || typeof Chart === "undefined") return;
  const palette = ["#3b5bdb", "#e8590c", "#2b8a3e", "#9c36b5", "#0c8599", "#c92a2a"];
  document.querySelectorAll("#distributions canvas[data-evaluator]").forEach((canvas) => {
    const found = data[canvas.dataset.evaluator];
    if (!found) return;
    const edges = found.edges;
    const labels = edges.slice(0, -1).map((low, i) => `${+low.toFixed(2)}–${+edges[i + 1].toFixed(2)}`);
    new Chart(canvas, {
      type: "bar",
      data: {
        labels,
        datasets: Object.entries(found.counts).map(([variant, counts], i) => ({
          label: variant, data: counts, backgroundColor: palette[i % palette.length],
        })),
      },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } },
        scales: { x: { grid: { display: false } }, y: { beginAtZero: true, ticks: { precision: 0 } } },
      },
    });
  });
})();
