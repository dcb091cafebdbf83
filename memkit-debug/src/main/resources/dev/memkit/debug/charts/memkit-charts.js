"use strict";
// memkit's one chart helper, shared by the /debug/memory page and the CLI's HTML reports: uPlot line charts with
// a zero-based value axis ticked at round steps of its unit (1, 2, 5 x 10^n of B, KiB, MiB, GiB; or ms, or
// counts), time on the x axis (seconds since the start, or wall-clock time), and a legend that shows the values
// under the cursor.
const memkitCharts = (() => {
  const BIN = ["B", "KiB", "MiB", "GiB", "TiB"];
  function bytes(v) {
    if (v == null || Number.isNaN(v)) return "–";
    let i = 0;
    while (Math.abs(v) >= 1024 && i < BIN.length - 1) { v /= 1024; i++; }
    return (Number.isInteger(v) ? String(v) : v.toFixed(Math.abs(v) < 10 ? 1 : 0)) + " " + BIN[i];
  }
  const BYTE_STEPS = [];
  for (let u = 0; u < BIN.length; u++) {
    for (const m of [1, 2, 5, 10, 20, 50, 100, 200, 500]) BYTE_STEPS.push(m * Math.pow(1024, u));
  }
  const UNITS = {
    bytes: { format: bytes, incrs: BYTE_STEPS },
    "bytes/s": { format: v => v == null || Number.isNaN(v) ? "–" : bytes(v) + "/s", incrs: BYTE_STEPS },
    ms: { format: v => v == null || Number.isNaN(v) ? "–"
      : (Number.isInteger(v) || v >= 10 ? v.toFixed(0) : v < 1 ? v.toFixed(2) : v.toFixed(1)) + " ms" },
    count: { format: v => v == null || Number.isNaN(v) ? "–" : String(Math.round(v)) },
  };
  const PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"];

  /**
   * A chart in element el. spec: { unit: "bytes" | "bytes/s" | "ms" | "count", x: "seconds" | "time", xLabel?,
   * series: [{ label, color?, dash?, width?, points? }], data: [xs, ys0, ys1, ...], height? }.
   * Returns the uPlot; call setData(data) on it to update.
   */
  function chart(el, spec) {
    const unit = UNITS[spec.unit];
    const time = spec.x === "time";
    const opts = {
      width: Math.max(320, el.clientWidth || 640),
      height: spec.height || 220,
      scales: { x: { time }, y: { range: (u, min, max) => [0, max > 0 ? max * 1.08 : 1] } },
      axes: [
        time ? { label: "time" } : { label: spec.xLabel || "seconds since start", values: (u, ticks) => ticks.map(t => t + " s") },
        { label: spec.unit, size: 86, incrs: unit.incrs, values: (u, ticks) => ticks.map(unit.format) },
      ],
      series: [time ? { label: "time" }
        : { label: "t", value: (u, v) => v == null ? "–" : v.toFixed(2) + " s" }].concat(spec.series.map((s, i) => ({
        label: s.label,
        stroke: s.color || PALETTE[i % PALETTE.length],
        width: s.width || 2,
        dash: s.dash,
        points: { show: !!s.points, size: 6 },
        spanGaps: true,                  // series joined on one x axis leave gaps where another series has a point
        value: (u, v) => unit.format(v),
      }))),
      legend: { live: true },
    };
    const plot = new uPlot(opts, spec.data, el);
    if (typeof ResizeObserver !== "undefined") {
      new ResizeObserver(() => {
        const w = Math.max(320, el.clientWidth);
        if (Math.abs(w - plot.width) > 4) plot.setSize({ width: w, height: plot.height });
      }).observe(el);
    }
    return plot;
  }

  return { chart, bytes, UNITS };
})();
