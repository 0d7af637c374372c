// A dependency-free SVG line plot for docs (curves of y over x with a legend).
export function linePlot({ title, xLabel, yLabel, series, width = 640, height = 360, yMin, yMax }) {
  const pad = { l: 56, r: 150, t: 30, b: 42 };
  const xs = series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = series.flatMap((s) => s.points.map((p) => p[1]));
  const x0 = Math.min(...xs), x1 = Math.max(...xs);
  const y0 = yMin ?? Math.min(...ys), y1 = yMax ?? Math.max(...ys);
  const W = width - pad.l - pad.r, H = height - pad.t - pad.b;
  const sx = (x) => pad.l + ((x - x0) / (x1 - x0 || 1)) * W;
  const sy = (y) => pad.t + H - ((y - y0) / (y1 - y0 || 1)) * H;
  const colors = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#17becf"];
  const out = [`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${pad.l + W / 2}" y="18" text-anchor="middle" font-size="14">${title}</text>`,
    `<line x1="${pad.l}" y1="${pad.t + H}" x2="${pad.l + W}" y2="${pad.t + H}" stroke="black"/>`,
    `<line x1="${pad.l}" y1="${pad.t}" x2="${pad.l}" y2="${pad.t + H}" stroke="black"/>`,
    `<text x="${pad.l + W / 2}" y="${height - 8}" text-anchor="middle">${xLabel}</text>`,
    `<text x="14" y="${pad.t + H / 2}" text-anchor="middle" transform="rotate(-90 14 ${pad.t + H / 2})">${yLabel}</text>`];
  for (let i = 0; i <= 5; i++) {
    const yv = y0 + ((y1 - y0) * i) / 5, xv = x0 + ((x1 - x0) * i) / 5;
    out.push(`<line x1="${pad.l}" y1="${sy(yv)}" x2="${pad.l + W}" y2="${sy(yv)}" stroke="#ddd"/>`,
      `<text x="${pad.l - 6}" y="${sy(yv) + 4}" text-anchor="end">${+yv.toPrecision(3)}</text>`,
      `<text x="${sx(xv)}" y="${pad.t + H + 16}" text-anchor="middle">${+xv.toPrecision(3)}</text>`);
  }
  series.forEach((s, i) => {
    const c = colors[i % colors.length];
    out.push(`<polyline fill="none" stroke="${c}" stroke-width="2" points="${s.points.map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(" ")}"/>`,
      `<line x1="${pad.l + W + 12}" y1="${pad.t + 10 + i * 18}" x2="${pad.l + W + 32}" y2="${pad.t + 10 + i * 18}" stroke="${c}" stroke-width="2"/>`,
      `<text x="${pad.l + W + 38}" y="${pad.t + 14 + i * 18}">${s.name}</text>`);
  });
  out.push("</svg>");
  return out.join("\n");
}
