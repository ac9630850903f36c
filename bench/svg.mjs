// Draws the decision-time curve (ACP and Cedar over rule count) as a hand-written log-log SVG.

export function decisionCurveSvg(curve, { title = "Decision time vs rule count (log-log)" } = {}) {
  const W = 640, H = 400, L = 70, R = 130, T = 40, B = 50;
  const xs = curve.map((c) => c.rules);
  const ys = curve.flatMap((c) => [c.acpNs, c.cedarNs]).filter((y) => y > 0);
  const x0 = Math.floor(Math.log10(Math.min(...xs))), x1 = Math.ceil(Math.log10(Math.max(...xs)));
  const y0 = Math.floor(Math.log10(Math.min(...ys))), y1 = Math.ceil(Math.log10(Math.max(...ys)));
  const px = (v) => L + ((Math.log10(v) - x0) / Math.max(1, x1 - x0)) * (W - L - R);
  const py = (v) => H - B - ((Math.log10(v) - y0) / Math.max(1, y1 - y0)) * (H - T - B);
  const unit = (e) => ["1 ns", "10 ns", "100 ns", "1 µs", "10 µs", "100 µs", "1 ms", "10 ms", "100 ms", "1 s"][e] ?? `1e${e} ns`;
  const out = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  out.push(`<text x="${W / 2}" y="22" text-anchor="middle" font-size="14">${title}</text>`);
  for (let e = y0; e <= y1; e++) {
    const y = py(10 ** e).toFixed(1);
    out.push(`<line x1="${L}" y1="${y}" x2="${W - R}" y2="${y}" stroke="#ddd"/><text x="${L - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${unit(e)}</text>`);
  }
  for (let e = x0; e <= x1; e++) {
    const x = px(10 ** e).toFixed(1);
    out.push(`<line x1="${x}" y1="${T}" x2="${x}" y2="${H - B}" stroke="#ddd"/><text x="${x}" y="${H - B + 16}" text-anchor="middle">${(10 ** e).toLocaleString("en-US")}</text>`);
  }
  out.push(`<text x="${(L + W - R) / 2}" y="${H - 12}" text-anchor="middle">rules in the policy</text>`);
  out.push(`<text x="16" y="${(T + H - B) / 2}" text-anchor="middle" transform="rotate(-90 16 ${(T + H - B) / 2})">time per decision</text>`);
  const series = [["ACP (WASM)", "acpNs", "#1f77b4"], ["Cedar (cedar-wasm)", "cedarNs", "#d62728"]];
  series.forEach(([name, key, color], i) => {
    const pts = curve.filter((c) => c[key] > 0).map((c) => `${px(c.rules).toFixed(1)},${py(c[key]).toFixed(1)}`);
    out.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts.join(" ")}"/>`);
    for (const p of pts) { const [x, y] = p.split(","); out.push(`<circle cx="${x}" cy="${y}" r="3.5" fill="${color}"/>`); }
    const ly = T + 10 + 20 * i;
    out.push(`<line x1="${W - R + 10}" y1="${ly}" x2="${W - R + 30}" y2="${ly}" stroke="${color}" stroke-width="2"/><text x="${W - R + 35}" y="${ly}" dominant-baseline="middle">${name}</text>`);
  });
  out.push(`</svg>`);
  return out.join("\n") + "\n";
}
