// Overview charts (Chart.js, vendored). Data comes from the #overview-data JSON block.
"use strict";

(() => {
  const data = otelLlm.data("overview-data");
  if (!data || typeof Chart === "undefined") return;
  const palette = ["#3b5bdb", "#2b8a3e", "#e8590c", "#9c36b5", "#0c8599", "#c92a2a", "#5c940d", "#d6336c"];
  const hourly = data.bucket_seconds < 86400;
  const labels = data.series.map((point) => {
    const t = new Date(point.t);
    return hourly
      ? t.toISOString().slice(hourly && data.bucket_seconds < 3600 * 6 ? 11 : 5, 16).replace("T", " ")
      : t.toISOString().slice(5, 10);
  });
  const base = {
    responsive: true,
    maintainAspectRatio: false,
    animation: false,
    interaction: { mode: "index", intersect: false },
    plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } },
    scales: { x: { grid: { display: false }, ticks: { maxTicksLimit: 12 } } },
  };
  const chart = (id, config) => {
    const canvas = document.getElementById(id);
    if (canvas) new Chart(canvas, config);
  };

  chart("chart-calls", {
    type: "bar",
    data: {
      labels,
      datasets: Object.entries(data.calls_by_model).map(([model, counts], i) => ({
        label: model, data: counts, backgroundColor: palette[i % palette.length], stack: "calls",
      })),
    },
    options: { ...base, scales: { ...base.scales, y: { stacked: true, beginAtZero: true }, x: { ...base.scales.x, stacked: true } } },
  });

  chart("chart-errors", {
    type: "line",
    data: {
      labels,
      datasets: [{
        label: "error rate %", borderColor: "#c92a2a", backgroundColor: "rgba(201,42,42,.12)", fill: true,
        data: data.series.map((p) => (p.error_rate === null ? null : +(p.error_rate * 100).toFixed(2))),
        spanGaps: true, pointRadius: 2,
      }],
    },
    options: { ...base, scales: { ...base.scales, y: { beginAtZero: true, suggestedMax: 5 } } },
  });

  chart("chart-latency", {
    type: "line",
    data: {
      labels,
      datasets: [
        { label: "p50 ms", data: data.series.map((p) => p.p50_ms), borderColor: "#3b5bdb", spanGaps: true, pointRadius: 2 },
        { label: "p95 ms", data: data.series.map((p) => p.p95_ms), borderColor: "#e8590c", spanGaps: true, pointRadius: 2 },
      ],
    },
    options: { ...base, scales: { ...base.scales, y: { beginAtZero: true } } },
  });

  chart("chart-usage", {
    data: {
      labels,
      datasets: [
        { type: "bar", label: "tokens", data: data.series.map((p) => p.tokens), backgroundColor: "#a5b4fc", yAxisID: "y" },
        { type: "line", label: "cost $", data: data.series.map((p) => p.cost_usd), borderColor: "#2b8a3e", yAxisID: "cost", spanGaps: true, pointRadius: 2 },
      ],
    },
    options: {
      ...base,
      scales: {
        ...base.scales,
        y: { beginAtZero: true, position: "left" },
        cost: { beginAtZero: true, position: "right", grid: { drawOnChartArea: false } },
      },
    },
  });
})();
