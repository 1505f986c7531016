package report

// page is the report's HTML: styles and the plotting script inline, the
// data in a JSON script element ({{DATA}}). The script draws every chart
// on load with the 2D canvas API (no library, no network) and writes a
// status line into #report-status — {"ok", "errors", "charts": points per
// chart, "ms": render time} — which tests read from the rendered DOM.
const page = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>{{TITLE}}</title>
<style>
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;max-width:1200px;padding:16px;color:#222}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 6px;border-bottom:1px solid #ddd}
.note{color:#666;font-size:12px}table{border-collapse:collapse;font-size:13px}
td,th{border:1px solid #ddd;padding:3px 7px;text-align:right}th{background:#f4f4f4}td.l,th.l{text-align:left}
canvas{display:block;background:#fff;border:1px solid #eee}.grid{display:flex;flex-wrap:wrap;gap:10px}
.grid div{font-size:12px}#report-status{display:none}.legend span{display:inline-block;width:12px;height:3px;margin:0 4px 3px 12px}
</style></head><body>
<h1 id="title"></h1><div class="note" id="sub"></div>
<h2>Counts and durations</h2><div id="counts"></div>
<h2>Optimisation history</h2><div class="legend note"><span style="background:#1f77b4"></span>complete<span style="background:#bbb"></span>pruned<span style="background:#d62728"></span>best so far</div><div id="history"></div>
<h2>Intermediate values</h2><div class="legend note"><span style="background:#1f77b4"></span>complete<span style="background:#ff7f0e"></span>pruned</div><div id="intermediate"></div>
<h2>Parameter importances</h2><div class="note">Bias-corrected correlation ratio (&epsilon;&sup2;) of each parameter with the objective over COMPLETE trials (numeric parameters in 10 equal-count bins), normalised to sum to 1 &mdash; a simpler estimator than Optuna's fANOVA: it sees no interactions (docs/report.md).</div><div id="importance"></div>
<h2>Parallel coordinates</h2><div class="note">COMPLETE trials over the most important parameters; colour from low (blue) to high (yellow) objective.</div><div id="parallel"></div>
<h2>Slice plots</h2><div class="grid" id="slices"></div>
<h2>Top trials</h2><div id="top"></div>
<pre id="report-status"></pre>
<script type="application/json" id="data">{{DATA}}</script>
<script>
(function () {
"use strict";
var status = {ok: false, errors: [], charts: {}, ms: 0};
function writeStatus() { document.getElementById("report-status").textContent = JSON.stringify(status); }
window.addEventListener("error", function (e) { status.ok = false; status.errors.push(String(e.message)); writeStatus(); });
var t0 = performance.now();
var D = JSON.parse(document.getElementById("data").textContent);
var MAX = D.direction === "maximize";

function el(tag, text, cls) { var e = document.createElement(tag); if (text != null) e.textContent = text; if (cls) e.className = cls; return e; }
function fmt(x) {
  if (x == null || !isFinite(x)) return "\u2013";
  var a = Math.abs(x);
  return (a !== 0 && (a >= 1e5 || a < 1e-3)) ? x.toExponential(3) : String(Math.round(x * 1e4) / 1e4);
}
function secs(s) {
  if (!s) return "0 s";
  if (s < 120) return s.toFixed(1) + " s";
  if (s < 7200) return (s / 60).toFixed(1) + " min";
  return (s / 3600).toFixed(1) + " h";
}
function extent(vals) {
  var lo = Infinity, hi = -Infinity;
  for (var i = 0; i < vals.length; i++) { var v = vals[i]; if (v != null && isFinite(v)) { if (v < lo) lo = v; if (v > hi) hi = v; } }
  if (lo === Infinity) return [0, 1];
  if (lo === hi) { lo -= 0.5; hi += 0.5; }
  return [lo, hi];
}
function canvas(parent, w, h) {
  var c = document.createElement("canvas"); c.width = w; c.height = h; parent.appendChild(c);
  var ctx = c.getContext("2d"); ctx.font = "11px system-ui,sans-serif"; return ctx;
}
// frame draws axes for x in xr, y in yr inside a canvas with margins and
// returns the mapping functions; log axes map log10.
function frame(ctx, w, h, xr, yr, xlog, xlabel, ylabel) {
  var L = 52, R = 10, T = 8, B = 30;
  var fx = xlog ? function (v) { return Math.log10(v); } : function (v) { return v; };
  var x0 = fx(xr[0]), x1 = fx(xr[1]);
  if (!(x1 > x0)) { x0 -= 0.5; x1 += 0.5; }
  var X = function (v) { return L + (fx(v) - x0) / (x1 - x0) * (w - L - R); };
  var Y = function (v) { return h - B - (v - yr[0]) / (yr[1] - yr[0]) * (h - T - B); };
  ctx.strokeStyle = "#999"; ctx.fillStyle = "#444"; ctx.lineWidth = 1;
  ctx.beginPath(); ctx.moveTo(L, T); ctx.lineTo(L, h - B); ctx.lineTo(w - R, h - B); ctx.stroke();
  ctx.textAlign = "right"; ctx.textBaseline = "middle";
  for (var i = 0; i <= 4; i++) { var yv = yr[0] + (yr[1] - yr[0]) * i / 4; ctx.fillText(fmt(yv), L - 4, Y(yv)); }
  ctx.textAlign = "center"; ctx.textBaseline = "top";
  for (var j = 0; j <= 4; j++) {
    var t = x0 + (x1 - x0) * j / 4, xv = xlog ? Math.pow(10, t) : t;
    ctx.fillText(fmt(!xlog && x1 - x0 > 20 ? Math.round(xv) : xv), L + (w - L - R) * j / 4, h - B + 4);
  }
  if (xlabel) ctx.fillText(xlabel, (L + w - R) / 2, h - 13);
  if (ylabel) { ctx.save(); ctx.translate(10, (T + h - B) / 2); ctx.rotate(-Math.PI / 2); ctx.fillText(ylabel, 0, -4); ctx.restore(); }
  return {X: X, Y: Y};
}
function better(a, b) { return MAX ? a > b : a < b; }
function colorOf(f) { // 0..1 -> blue..yellow
  f = Math.max(0, Math.min(1, f));
  var r = Math.round(40 + 210 * f), g = Math.round(60 + 160 * f), b = Math.round(180 - 150 * f);
  return "rgba(" + r + "," + g + "," + b + ",0.15)";
}

function counts() {
  var box = document.getElementById("counts"), t = el("table"), n = 0;
  var rows = [["trials", D.number.length]];
  ["COMPLETE", "PRUNED", "FAIL", "RUNNING", "WAITING"].forEach(function (s) { if (D.counts[s]) rows.push([s.toLowerCase(), D.counts[s]]); });
  rows.push(["trial time, total", secs(D.durations.total_s)], ["trial time, mean", secs(D.durations.mean_s)],
    ["trial time, median", secs(D.durations.median_s)], ["study wall time", secs(D.durations.wall_s)]);
  rows.forEach(function (r) { var tr = el("tr"); tr.appendChild(el("th", r[0], "l")); tr.appendChild(el("td", String(r[1]))); t.appendChild(tr); n++; });
  box.appendChild(t); status.charts.counts = n;
}

function history() {
  var w = 1150, h = 320, ctx = canvas(document.getElementById("history"), w, h);
  var ax = frame(ctx, w, h, [0, Math.max(1, D.number[D.number.length - 1] || 1)], extent(D.value), false, "trial", D.metric);
  var n = 0, best = null, pts = [];
  for (var i = 0; i < D.number.length; i++) {
    var v = D.value[i], s = D.state[i];
    if (v == null || (s !== "C" && s !== "P")) continue;
    ctx.fillStyle = s === "C" ? "rgba(31,119,180,0.6)" : "rgba(150,150,150,0.5)";
    ctx.fillRect(ax.X(D.number[i]) - 1.5, ax.Y(v) - 1.5, 3, 3); n++;
    if (s === "C" && (best == null || better(v, best))) best = v;
    if (s === "C") pts.push([D.number[i], best]);
  }
  ctx.strokeStyle = "#d62728"; ctx.lineWidth = 2; ctx.beginPath();
  pts.forEach(function (p, k) { if (k === 0) ctx.moveTo(ax.X(p[0]), ax.Y(p[1])); else { ctx.lineTo(ax.X(p[0]), ax.Y(pts[k - 1][1])); ctx.lineTo(ax.X(p[0]), ax.Y(p[1])); } });
  if (pts.length) ctx.lineTo(ax.X(D.number[D.number.length - 1]), ax.Y(pts[pts.length - 1][1]));
  ctx.stroke();
  status.charts.history = n + pts.length;
}

function intermediate() {
  var w = 1150, h = 320, ctx = canvas(document.getElementById("intermediate"), w, h), maxE = 1, all = [];
  D.curves.forEach(function (c) { if (c.length > maxE) maxE = c.length; for (var k = 0; k < c.length; k++) all.push(c[k]); });
  var ax = frame(ctx, w, h, [1, maxE], extent(all), false, "epoch", D.metric), n = 0;
  ctx.lineWidth = 1;
  for (var i = 0; i < D.curves.length; i++) {
    var c = D.curves[i], s = D.state[i];
    if (!c.length || (s !== "C" && s !== "P")) continue;
    ctx.strokeStyle = s === "C" ? "rgba(31,119,180,0.18)" : "rgba(255,127,14,0.18)";
    ctx.beginPath(); var on = false;
    for (var e = 0; e < c.length; e++) {
      if (c[e] == null) { on = false; continue; }
      if (!on) { ctx.moveTo(ax.X(e + 1), ax.Y(c[e])); on = true; } else ctx.lineTo(ax.X(e + 1), ax.Y(c[e]));
      if (c.length === 1) ctx.fillRect(ax.X(1) - 1, ax.Y(c[0]) - 1, 2, 2);
    }
    ctx.stroke(); n++;
  }
  status.charts.intermediate = n;
}

function importance() {
  var imp = D.importance, w = 700, rowH = 18, h = Math.max(40, imp.length * rowH + 10);
  var ctx = canvas(document.getElementById("importance"), w, h), top = 0, n = 0;
  imp.forEach(function (p) { if (p.value > top) top = p.value; });
  ctx.textBaseline = "middle";
  imp.forEach(function (p, i) {
    var y = 5 + i * rowH, bw = top > 0 ? p.value / top * (w - 290) : 0;
    ctx.fillStyle = "#444"; ctx.textAlign = "right"; ctx.fillText(p.name, 220, y + rowH / 2);
    ctx.fillStyle = "#1f77b4"; ctx.fillRect(226, y + 3, Math.max(1, bw), rowH - 6);
    ctx.fillStyle = "#444"; ctx.textAlign = "left"; ctx.fillText(p.value.toFixed(3), 232 + bw, y + rowH / 2); n++;
  });
  status.charts.importance = n;
}

function paramByName(name) { for (var i = 0; i < D.params.length; i++) if (D.params[i].name === name) return D.params[i]; return null; }
function axisOf(p) { // value -> 0..1 on the parameter's axis
  if (p.cat) { var k = Math.max(1, p.choices.length - 1); return function (v) { return p.choices.length === 1 ? 0.5 : v / k; }; }
  var ex = extent(p.log ? p.values.map(function (v) { return v != null && v > 0 ? Math.log10(v) : null; }) : p.values);
  return function (v) { var x = p.log ? Math.log10(v) : v; return (x - ex[0]) / (ex[1] - ex[0]); };
}

function parallel() {
  var names = D.importance.slice(0, 8).map(function (p) { return p.name; });
  var ps = names.map(paramByName).filter(function (p) { return p; });
  var w = 1150, h = 360, L = 40, R = 90, T = 24, B = 20, ctx = canvas(document.getElementById("parallel"), w, h);
  var axes = ps.length + 1, step = (w - L - R) / Math.max(1, axes - 1), maps = ps.map(axisOf);
  var vex = extent(D.value), n = 0;
  ctx.lineWidth = 1;
  for (var i = 0; i < D.number.length; i++) {
    var v = D.value[i]; if (D.state[i] !== "C" || v == null) continue;
    var f = (v - vex[0]) / (vex[1] - vex[0]);
    ctx.strokeStyle = colorOf(MAX ? f : 1 - f); ctx.beginPath(); var started = false;
    for (var a = 0; a < ps.length; a++) {
      var pv = ps[a].values[i]; if (pv == null) { started = false; continue; }
      var y = h - B - maps[a](pv) * (h - T - B);
      if (!started) { ctx.moveTo(L + a * step, y); started = true; } else ctx.lineTo(L + a * step, y);
    }
    var yv = h - B - f * (h - T - B);
    if (started) ctx.lineTo(L + ps.length * step, yv); else ctx.moveTo(L + ps.length * step, yv);
    ctx.stroke(); n++;
  }
  ctx.strokeStyle = "#666"; ctx.fillStyle = "#222"; ctx.textAlign = "center";
  for (var k = 0; k < axes; k++) {
    var x = L + k * step; ctx.beginPath(); ctx.moveTo(x, T); ctx.lineTo(x, h - B); ctx.stroke();
    ctx.fillText(k < ps.length ? ps[k].name : D.metric, x, T - 12);
  }
  status.charts.parallel = n;
}

function slices() {
  var box = document.getElementById("slices"), yr = extent(D.value), n = 0;
  D.params.forEach(function (p) {
    var div = el("div"); box.appendChild(div);
    var w = 280, h = 200, ctx = canvas(div, w, h), xr;
    if (p.cat) xr = [-0.5, p.choices.length - 0.5];
    else xr = extent(p.values.map(function (v) { return p.log && !(v > 0) ? null : v; }));
    var ax = frame(ctx, w, h, xr, yr, p.log && !p.cat && xr[0] > 0, p.name, D.metric);
    ctx.fillStyle = "rgba(31,119,180,0.45)";
    for (var i = 0; i < D.number.length; i++) {
      var v = D.value[i], x = p.values[i];
      if (D.state[i] !== "C" || v == null || x == null) continue;
      var jit = p.cat ? ((i * 2654435761) % 1000 / 1000 - 0.5) * 0.5 : 0;
      ctx.fillRect(ax.X(x + jit) - 1, ax.Y(v) - 1, 2, 2); n++;
    }
    if (p.cat) div.appendChild(el("div", p.choices.map(function (c, k) { return k + ": " + c; }).join("  "), "note"));
  });
  status.charts.slices = n;
}

function topTable() {
  var box = document.getElementById("top"), t = el("table"), hr = el("tr"), n = 0;
  ["rank", "trial", D.metric, D.test_metric, "epochs", "best epoch", "duration", "parameters"].forEach(function (s, i) { hr.appendChild(el("th", s, i === 7 ? "l" : "")); });
  t.appendChild(hr);
  (D.top || []).forEach(function (r) {
    var tr = el("tr"), test = "not scored";
    if (r.test_metrics && r.test_metrics.metrics && r.test_metrics.metrics[D.test_metric] != null) test = fmt(r.test_metrics.metrics[D.test_metric]);
    else if (r.test_metrics && r.test_metrics.error) test = "not scored: " + r.test_metrics.error;
    var ps = Object.keys(r.params).sort().map(function (k) { return k + "=" + (typeof r.params[k] === "number" ? fmt(r.params[k]) : String(r.params[k])); }).join(", ");
    [r.rank, r.number, fmt(r.value), test, r.epochs_run, r.best_epoch, secs(r.duration_seconds), ps].forEach(function (c, i) { tr.appendChild(el("td", String(c), i === 7 ? "l" : "")); });
    t.appendChild(tr); n++;
  });
  box.appendChild(t); status.charts.top = n;
}

document.getElementById("title").textContent = D.study + " \u2014 " + D.agent;
document.getElementById("sub").textContent = D.number.length + " trials, metric " + D.metric + " (" + D.direction + ")" + (D.generated ? ", generated " + D.generated : "");
[counts, history, intermediate, importance, parallel, slices, topTable].forEach(function (f) {
  try { f(); } catch (e) { status.errors.push(f.name + ": " + (e && e.stack ? e.stack : String(e))); }
});
status.ms = Math.round(performance.now() - t0);
status.ok = status.errors.length === 0;
writeStatus();
})();
</script></body></html>
`
