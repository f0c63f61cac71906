// Experiment results page: latency and cost charts with 95 % intervals (Chart.js, vendored), and
// auto-refresh while the experiment or one of its runs is running. Data comes from the
// #experiment-data JSON block and from GET /api/v1/experiments/<name>/results; nothing is inlined.
"use strict";

(() => {
  const palette = ["#3b5bdb", "#2b8a3e", "#e8590c", "#9c36b5"];
  const charts = {};

  function datasets(points, unit) {
    return [
      {
        label: `mean ${unit}`,
        data: points.map((p) => p.mean),
        backgroundColor: points.map((_, i) => palette[i % palette.length] + "99"),
        grouped: false,
        order: 2,
      },
      {
        label: "95 % interval",
        data: points.map((p) => (p.low === null ? null : [p.low, p.high])),
        backgroundColor: "#212529",
        barPercentage: 0.08,
        grouped: false,
        order: 1,
      },
    ];
  }

  function draw(id, labels, points, unit) {
    const canvas = document.getElementById(id);
    if (!canvas || typeof Chart === "undefined") return;
    if (charts[id]) {
      charts[id].data.labels = labels;
      charts[id].data.datasets = datasets(points, unit);
      charts[id].update();
      return;
    }
    charts[id] = new Chart(canvas, {
      type: "bar",
      data: { labels, datasets: datasets(points, unit) },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } },
        scales: { y: { beginAtZero: true, title: { display: true, text: unit } } },
      },
    });
  }

  function render(data) {
    draw("chart-latency", data.labels, data.latency, "ms");
    draw("chart-cost", data.labels, data.cost, "USD");
  }

  const text = (value, format) => (value === null || value === undefined ? "—" : format(value));
  const ms = (v) => (v < 1000 ? `${v.toFixed(0)} ms` : `${(v / 1000).toFixed(2)} s`);
  const usd = (v) => `$${v.toPrecision(3)}`;

  function updateCards(results) {
    results.variants.forEach((v) => {
      const card = document.querySelector(`.variant-card[data-variant="${CSS.escape(v.name)}"]`);
      if (!card) return;
      const set = (field, value) => {
        const element = card.querySelector(`[data-field="${field}"]`);
        if (element) element.textContent = value;
      };
      set("calls", String(v.calls));
      set("success_rate", text(v.success_rate, (r) => `${(r * 100).toFixed(1)} %`));
      set("latency", [v.latency_mean_ms, v.latency_p50_ms, v.latency_p95_ms].map((x) => text(x, ms)).join(" / "));
      set("cost", `${text(v.cost_total_usd, usd)} / ${text(v.cost_mean_usd, usd)}`);
      results.comparisons
        .filter((c) => c.variant === v.name)
        .forEach((c) => {
          const line = card.querySelector(`[data-metric="${c.metric}"]`);
          if (line) line.textContent = `${c.summary}.`;
        });
    });
    const verdict = document.getElementById("verdict");
    if (verdict) verdict.textContent = results.verdict;
  }

  function toChart(results) {
    const point = (mean, ci) => ({ mean, low: ci ? ci[0] : null, high: ci ? ci[1] : null });
    return {
      labels: results.variants.map((v) => v.name),
      latency: results.variants.map((v) => point(v.latency_mean_ms, v.latency_ci_ms)),
      cost: results.variants.map((v) => point(v.cost_mean_usd, v.cost_ci_usd)),
    };
  }

  function autoRefresh() {
    const marker = document.getElementById("auto-refresh");
    if (!marker || marker.dataset.active !== "yes") return;
    let lastCalls = null;
    let quiet = 0;
    const tick = async () => {
      try {
        const results = await otelLlm.api("GET", marker.dataset.url);
        updateCards(results);
        render(toChart(results));
        const calls = results.variants.reduce((sum, v) => sum + v.calls, 0);
        quiet = calls === lastCalls ? quiet + 1 : 0;
        if (lastCalls !== null && calls !== lastCalls) marker.dataset.calls = String(calls);
        lastCalls = calls;
      } catch (error) {
        quiet += 1;
      }
      // keep polling while calls arrive; after a minute of silence, reload once for the run table
      if (quiet < 20) window.setTimeout(tick, 3000);
      else window.location.reload();
    };
    window.setTimeout(tick, 2000);
  }

  const data = otelLlm.data("experiment-data");
  if (data) render(data);
  autoRefresh();
})();
