// Eddy console: the application page's charts, drawn as plain SVG from the
// server's own metrics history (GET /v1/applications/NAME/history): rows/s
// in and out, and the lags, over the last hour. Uses el, svg and call of
// app.js (loaded after this file, called only once the page runs).
'use strict';

// appCharts returns the charts section of application app and refresh,
// which the page calls every second (the history is fetched at most every
// half sampling interval, between 1 and 5 seconds).
function appCharts(app) {
  const rates = el('div', { class: 'chart', id: 'chart-rates-box' });
  const lags = el('div', { class: 'chart', id: 'chart-lag-box' });
  const note = el('p', { class: 'chart-note', id: 'charts-note' });
  const section = el('section', { id: 'charts', 'aria-labelledby': 'charts-title' },
    el('h2', { id: 'charts-title' }, 'Last hour'), note, el('div', { class: 'charts' }, rates, lags));
  let last = -Infinity, every = 5000, busy = false;
  const refresh = async () => {
    const now = performance.now();
    if (busy || now - last < every) return;
    busy = true;
    try {
      const h = await call('GET', '/v1/applications/' + encodeURIComponent(app) + '/history');
      every = Math.min(5000, Math.max(1000, h.interval_ms / 2));
      drawCharts(h, rates, lags, note);
    } catch (e) { /* the next refresh tries again */ } finally { busy = false; last = performance.now(); }
  };
  return { section, refresh };
}

function drawCharts(h, rates, lags, note) {
  const s = h.samples || [];
  if (s.length === 0) {
    note.textContent = `The charts fill as the server samples the application (every ${fmtDuration(h.interval_ms)}).`;
  } else {
    note.textContent = `Sampled every ${fmtDuration(h.interval_ms)}; times in UTC.`;
  }
  const gap = h.interval_ms * 2.5;
  rates.replaceChildren(lineChart({
    id: 'chart-rates', title: 'Rows per second', gap, interval: h.interval_ms, fmt: fmtRate, samples: s,
    series: [
      { key: 'in', name: 'in', value: x => x.in },
      { key: 'out', name: 'out', value: x => x.out },
      { key: 'errors', name: 'error stream', value: x => x.errors },
    ],
  }));
  lags.replaceChildren(lineChart({
    id: 'chart-lag', title: 'Lag', gap, interval: h.interval_ms, fmt: fmtLag, samples: s,
    series: [
      { key: 'watermark', name: 'watermark behind the clock', value: x => (x.watermark_lag_ms < 0 ? null : x.watermark_lag_ms) },
      { key: 'behind', name: 'behind latest (MillisBehindLatest)', value: x => (x.lag_ms < 0 ? null : x.lag_ms) },
    ],
  }));
}

const fmtDuration = ms => (ms >= 60000 ? (ms / 60000) + ' min' : ms >= 1000 ? (ms / 1000) + ' s' : ms + ' ms');
const two = n => String(n).padStart(2, '0');
const clock = (ms, seconds) => { const d = new Date(ms); return two(d.getUTCHours()) + ':' + two(d.getUTCMinutes()) + (seconds ? ':' + two(d.getUTCSeconds()) : ''); };

// niceCeil rounds v up to 1, 2 or 5 times a power of ten.
function niceCeil(v) {
  if (!(v > 0)) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  for (const m of [1, 2, 5, 10]) if (v <= m * p) return m * p;
  return 10 * p;
}

// timeStep picks the spacing of the time axis's labels: at most 6.
function timeStep(span) {
  for (const s of [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600]) if (span / (s * 1000) <= 6) return s * 1000;
  return 3600000;
}

// lineChart draws series over samples (oldest first) as an SVG line chart:
// time on x, values from 0 on y; a line breaks where samples are missing
// (more than gap ms apart: the server was down) or a value is null;
// interval is the sampling interval in ms.
function lineChart({ id, title, series, samples, fmt, gap, interval }) {
  const W = 640, H = 220, L = 58, R = 12, T = 12, B = 28;
  const t1 = samples.length ? samples[samples.length - 1].t : Date.now();
  // At least 24 sampling intervals (and 10 s) wide, so that a young
  // history has time labels.
  const t0 = Math.min(samples.length ? samples[0].t : t1, t1 - Math.max(10000, 24 * interval));
  let ymax = 0;
  for (const x of samples) for (const sr of series) { const v = sr.value(x); if (v !== null && v > ymax) ymax = v; }
  ymax = niceCeil(ymax * 1.05);
  const X = t => L + (t - t0) / Math.max(1, t1 - t0) * (W - L - R);
  const Y = v => T + (1 - v / ymax) * (H - T - B);
  const parts = [];
  // y axis: 0, ¼, ½, ¾ and the top, with grid lines.
  for (let i = 0; i <= 4; i++) {
    const v = ymax * i / 4, y = Y(v);
    parts.push(svg('line', { class: 'grid', x1: L, x2: W - R, y1: y, y2: y }));
    parts.push(svg('text', { class: 'tick', x: L - 6, y: y + 4, 'text-anchor': 'end' }, fmt(v)));
  }
  // x axis: times at a round step.
  const step = timeStep(t1 - t0);
  for (let t = Math.ceil(t0 / step) * step; t <= t1; t += step) {
    const x = X(t);
    parts.push(svg('line', { class: 'grid', x1: x, x2: x, y1: T, y2: H - B }));
    const anchor = x > W - R - 30 ? 'end' : x < L + 30 ? 'start' : 'middle'; // kept inside the chart
    parts.push(svg('text', { class: 'tick', x, y: H - B + 16, 'text-anchor': anchor }, clock(t, step < 60000)));
  }
  parts.push(svg('line', { class: 'axis', x1: L, x2: W - R, y1: H - B, y2: H - B }));
  parts.push(svg('line', { class: 'axis', x1: L, x2: L, y1: T, y2: H - B }));
  const latest = [];
  series.forEach((sr, i) => {
    let d = '', prevT = null, run = [];
    const dots = [];
    const endRun = () => { if (run.length === 1) dots.push(run[0]); run = []; };
    for (const x of samples) {
      const v = sr.value(x);
      if (v === null) { prevT = null; endRun(); continue; }
      const broken = prevT === null || x.t - prevT > gap;
      if (broken) endRun();
      const pt = [X(x.t).toFixed(1), Y(v).toFixed(1)];
      d += (broken ? 'M' : 'L') + pt[0] + ',' + pt[1];
      run.push(pt);
      prevT = x.t;
    }
    endRun();
    const lastValue = samples.length ? sr.value(samples[samples.length - 1]) : null;
    latest.push(`${sr.name} ${fmt(lastValue)}`);
    parts.push(svg('path', { class: 'line s' + i, d: d || 'M0,0', 'data-series': sr.key, 'data-latest': lastValue === null ? '' : lastValue }));
    // A point alone (its neighbours missing) is drawn as a dot, so that it shows.
    for (const [cx, cy] of dots) parts.push(svg('circle', { class: 'dot s' + i, cx, cy, r: 2.5 }));
  });
  const covered = samples.length > 1 ? samples[samples.length - 1].t - samples[0].t : 0;
  const span = covered > 0 ? ` over the last ${fmtDuration(covered >= 60000 ? Math.round(covered / 60000) * 60000 : Math.max(1000, Math.round(covered / 1000) * 1000))}` : '';
  const label = samples.length ? `${title}${span}, latest: ${latest.join(', ')}` : `${title}: no samples yet`;
  const chart = svg('svg', { id, class: 'linechart', role: 'img', 'aria-label': label, viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: 'xMidYMid meet' },
    svg('title', {}, label), parts);
  const legend = el('ul', { class: 'legend', 'aria-hidden': 'true' },
    series.map((sr, i) => el('li', {}, el('span', { class: 'swatch s' + i }), latest[i])));
  return el('figure', {}, el('figcaption', {}, title), chart, legend);
}
