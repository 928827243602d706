// Line charts on a canvas: the series of the summary's timeseries (the
// engine's own per-window counts), fault windows shaded behind them, a
// cursor at the playback's time, and an optional second run (B) dashed.

const COLORS = ["#2f6fd6", "#2e9d4f", "#d23c3c", "#8a4fd6", "#e09b1a"];

/**
 * Draws `lines` ([{label, values, dashed, colour}], `colour` an index into
 * COLORS, by default the line's own) over windows of `step` seconds
 * from `start` (the warmup, where the first window starts) on `canvas`, up
 * to the time `until` (the playback's clock); `faults` are `{at_s, until_s}`
 * spans to shade; each value covers `step` seconds, the last one up to
 * `end` (so it may be shorter), and is drawn at its window's end.
 */
export function drawChart(canvas, lines, { step, start }, faults, until, end) {
  const ratio = window.devicePixelRatio || 1;
  const w = canvas.clientWidth;
  const h = canvas.clientHeight;
  canvas.width = w * ratio;
  canvas.height = h * ratio;
  const g = canvas.getContext("2d");
  g.scale(ratio, ratio);
  g.clearRect(0, 0, w, h);
  const left = 44;
  const bottom = h - 16;
  const x = (t) => left + ((w - left - 6) * t) / end;
  let max = 0;
  for (const line of lines) for (const v of line.values) max = Math.max(max, v);
  max = max > 0 ? max * 1.1 : 1;
  const y = (v) => bottom - ((bottom - 8) * v) / max;
  g.fillStyle = "rgba(210, 60, 60, 0.10)";
  for (const f of faults) {
    const a = x(f.at_s);
    const b = x(f.until_s ?? end);
    g.fillRect(a, 8, b - a, bottom - 8);
  }
  g.strokeStyle = "#ccd";
  g.beginPath();
  g.moveTo(left, 8);
  g.lineTo(left, bottom);
  g.lineTo(w - 6, bottom);
  g.stroke();
  g.fillStyle = "#7a8190";
  g.font = "10px system-ui";
  g.fillText(formatNumber(max / 1.1), 2, 14);
  g.fillText("0", 2, bottom);
  g.fillText(`${end} s`, w - 40, h - 3);
  // The legend runs along the top, wrapping to another row when it is full.
  let legendX = left + 6;
  let legendY = 18;
  lines.forEach((line, i) => {
    const colour = COLORS[(line.colour ?? i) % COLORS.length];
    g.strokeStyle = colour;
    g.setLineDash(line.dashed ? [5, 4] : []);
    g.lineWidth = 1.5;
    g.beginPath();
    line.values.forEach((v, k) => {
      const t = Math.min(start + (k + 1) * step, end);
      if (t > until + 1e-9) return;
      if (k === 0) g.moveTo(x(t), y(v));
      else g.lineTo(x(t), y(v));
    });
    g.stroke();
    g.setLineDash([]);
    g.fillStyle = colour;
    const labelWidth = g.measureText(line.label).width;
    if (legendX > left + 6 && legendX + labelWidth > w - 6) {
      legendX = left + 6;
      legendY += 12;
    }
    g.fillText(line.label, legendX, legendY);
    legendX += Math.max(labelWidth + 16, 70);
  });
  g.strokeStyle = "#1d2430";
  g.beginPath();
  g.moveTo(x(until), 8);
  g.lineTo(x(until), bottom);
  g.stroke();
}

function formatNumber(v) {
  if (v >= 1000) return `${(v / 1000).toFixed(1)}k`;
  if (v >= 10) return v.toFixed(0);
  return v.toFixed(2);
}
