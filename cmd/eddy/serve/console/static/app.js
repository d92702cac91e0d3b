// Eddy console: plain JavaScript, no external requests.
'use strict';
const api = '/console/api';
let csrf = '';
let timer = null;
const main = document.getElementById('main');
const el = (tag, attrs = {}, ...kids) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null && v !== false) e.setAttribute(k, v === true ? '' : v);
  }
  for (const k of kids.flat()) if (k !== null && k !== undefined) e.append(k.nodeType ? k : String(k));
  return e;
};
const say = msg => { document.getElementById('status').textContent = msg; };
// insertSQL puts text into the SQL editor at the caret (config.js's
// "Insert into SQL"); the editor's one entry point for other panels.
let currentEditor = null; // the application page's editor, when one is shown
window.eddyConsole = { insertSQL(text) {
  if (currentEditor) { currentEditor.insert(text); currentEditor.focus(); }
} };

async function call(method, path, body) {
  const opts = { method, headers: {}, credentials: 'same-origin' };
  if (method !== 'GET') opts.headers['X-CSRF-Token'] = csrf;
  if (body !== undefined) { opts.headers['Content-Type'] = 'application/json'; opts.body = JSON.stringify(body); }
  const r = await fetch(api + path, opts);
  if (r.status === 401) { showLogin(); throw new Error('log in first'); }
  const text = await r.text();
  let data = text;
  try { data = JSON.parse(text); } catch (e) { /* metrics are text */ }
  if (!r.ok) { const e = new Error((data && data.message) || text); e.type = data && data.error; throw e; }
  return data;
}

// Session.
async function start() {
  let r = await fetch('/console/session', { credentials: 'same-origin' });
  if (r.status === 401) {
    r = await fetch('/console/login', { method: 'POST', credentials: 'same-origin', headers: { 'Content-Type': 'application/json' }, body: '{"token":""}' });
    if (r.status === 401) { showLogin(); return; }
  }
  const s = await r.json();
  csrf = s.csrf;
  document.getElementById('logout').hidden = !s.auth;
  route();
}

function showLogin(message) {
  stopTimer();
  const input = el('input', { type: 'password', id: 'token', autocomplete: 'current-password', required: true });
  const msg = el('p', { class: 'err', id: 'login-error', role: 'alert' }, message || '');
  const form = el('form', { class: 'login', onsubmit: async ev => {
    ev.preventDefault();
    const r = await fetch('/console/login', { method: 'POST', credentials: 'same-origin', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ token: input.value }) });
    if (!r.ok) { msg.textContent = 'The token is wrong.'; input.focus(); return; }
    csrf = (await r.json()).csrf;
    document.getElementById('logout').hidden = false;
    route();
  } }, el('h1', {}, 'Log in'), el('label', { for: 'token' }, 'Server token'), input, msg, el('button', { class: 'primary', type: 'submit' }, 'Log in'));
  main.replaceChildren(form);
  input.focus();
}

document.getElementById('logout').addEventListener('click', async () => {
  await fetch('/console/logout', { method: 'POST', credentials: 'same-origin' });
  csrf = '';
  showLogin();
});

let liveSource = null;
function stopTimer() {
  if (timer) { clearInterval(timer); timer = null; }
  if (liveSource) { liveSource.close(); liveSource = null; }
}

// Pipeline graph: sources → pumps → streams → destinations, rows/s on the
// edges (where the server counts them), the fill of each stream's reader
// queue (backpressure) and event time under each stream.
const svgNS = 'http://www.w3.org/2000/svg';
const svg = (tag, attrs = {}, ...kids) => {
  const e = document.createElementNS(svgNS, tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) e.setAttribute(k, v);
  for (const k of kids.flat()) if (k !== null && k !== undefined) e.append(k.nodeType ? k : String(k));
  return e;
};
const fmtTime = ms => { const d = new Date(ms); return d.toISOString().slice(11, 19); };
function drawGraph(g, r) {
  const nodes = new Map();
  const add = (key, kind, name) => { if (!nodes.has(key)) nodes.set(key, { key, kind, name, depth: 0 }); return nodes.get(key); };
  for (const s of g.sources) add('s:' + s, 'source', s);
  for (const p of g.pumps) { p.reads.forEach(x => add('s:' + x, 'stream', x)); add('p:' + p.name, 'pump', p.name); add('s:' + p.target, 'stream', p.target); }
  for (const d of g.destinations) { add('s:' + d, 'stream', d); add('d:' + d, 'destination', d); }
  for (let pass = 0; pass < nodes.size; pass++) {
    for (const p of g.pumps) {
      const pn = nodes.get('p:' + p.name);
      pn.depth = Math.max(pn.depth, ...p.reads.map(x => nodes.get('s:' + x).depth + 1));
      const t = nodes.get('s:' + p.target); t.depth = Math.max(t.depth, pn.depth + 1);
    }
    for (const d of g.destinations) nodes.get('d:' + d).depth = nodes.get('s:' + d).depth + 1;
  }
  const cols = [];
  for (const n of nodes.values()) { (cols[n.depth] = cols[n.depth] || []).push(n); }
  const W = 196, H = 44, DX = 246, DY = 78;
  cols.forEach((col, d) => col.forEach((n, i) => { n.x = 10 + d * DX; n.y = 10 + i * DY; }));
  const width = 20 + (cols.length - 1) * DX + W, height = 30 + Math.max(...cols.map(c => c.length)) * DY - DY + H + 14;
  const streamRate = x => { const v = (r.streams && (r.streams['input/' + x] ?? r.streams['output/' + x])) ?? (r.inner && r.inner[x]); return v === undefined ? null : v; };
  const times = g.times || {};
  const queues = {};
  for (const [k, v] of Object.entries(g.queues || {})) queues[k.toUpperCase()] = v;
  const edges = [];
  for (const p of g.pumps) {
    for (const x of p.reads) edges.push(['s:' + x, 'p:' + p.name, streamRate(x)]);
    edges.push(['p:' + p.name, 's:' + p.target, streamRate(p.target)]);
  }
  for (const d of g.destinations) edges.push(['s:' + d, 'd:' + d, r.streams ? (r.streams['output/' + d] ?? null) : null]);
  const parts = [svg('defs', {}, svg('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' }, svg('path', { d: 'M0,0 L10,5 L0,10 z', class: 'arrowhead' })))];
  for (const [a, b, rate] of edges) {
    const A = nodes.get(a), B = nodes.get(b);
    const x1 = A.x + W, y1 = A.y + H / 2, x2 = B.x, y2 = B.y + H / 2, mx = (x1 + x2) / 2;
    parts.push(svg('path', { class: 'edge', d: `M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2 - 2},${y2}`, 'marker-end': 'url(#arrow)', 'data-edge': a + '>' + b }));
    parts.push(svg('text', { class: 'rate', x: mx, y: (y1 + y2) / 2 - 5, 'text-anchor': 'middle', 'data-rate': a + '>' + b }, fmtRate(rate)));
    const q = a.startsWith('s:') ? queues[a.slice(2).toUpperCase()] : null;
    if (q) {
      // The stream's fullest reader queue: near full, a reader holds the writers back.
      const full = q.queued >= q.capacity - 1;
      parts.push(svg('text', { class: 'queue' + (full ? ' full' : ''), x: mx, y: (y1 + y2) / 2 + 13, 'text-anchor': 'middle', 'data-queue': a + '>' + b },
        svg('title', {}, `${q.queued} of ${q.capacity} batches queued${full ? ': backpressure' : ''}`), `q ${q.queued}/${q.capacity}`));
    }
  }
  for (const n of nodes.values()) {
    const t = n.kind === 'pump' || n.kind === 'destination' ? null : times[n.name.toUpperCase()];
    const sub = n.kind === 'pump' ? 'pump' : n.kind === 'destination' ? 'destination' :
      t && t.watermark !== undefined ? 'watermark ' + fmtTime(t.watermark) : t && t.max_time !== undefined ? 'event time ' + fmtTime(t.max_time) : n.kind;
    parts.push(svg('g', { class: 'node ' + n.kind, 'data-node': n.key, transform: `translate(${n.x},${n.y})` },
      svg('title', {}, `${n.kind} ${n.name}`),
      svg('rect', { width: W, height: H, rx: n.kind === 'pump' ? 20 : 4 }),
      svg('text', { x: W / 2, y: 18, 'text-anchor': 'middle', class: 'name' }, n.name.length > 26 ? n.name.slice(0, 25) + '…' : n.name),
      svg('text', { x: W / 2, y: 34, 'text-anchor': 'middle', class: 'sub' }, sub)));
  }
  const label = `Pipeline: ${g.sources.join(', ')} through ${g.pumps.map(p => p.name).join(', ')} to ${g.destinations.join(', ')}`;
  return svg('svg', { id: 'graph', role: 'img', 'aria-label': label, viewBox: `0 0 ${width} ${height}`, width, height }, parts);
}

// Live data: a stream's sampled rows over Server-Sent Events, newest on
// top, the last maxRows kept; scrolled away from the top it pauses.
const maxRows = 100;
function liveView(app) {
  const select = el('select', { id: 'live-stream', 'aria-label': 'Stream' }, el('option', { value: '' }, 'Pick a stream…'));
  const state = el('span', { id: 'live-state', role: 'status' }, '');
  const head = el('thead', {});
  const body = el('tbody', { id: 'live-rows' });
  const wrap = el('div', { class: 'live-wrap', id: 'live-wrap', tabindex: '0', 'aria-label': 'Live rows, newest first' }, el('table', { id: 'live' }, head, body));
  let rows = [], held = 0, cols = [], known = '';
  const paused = () => wrap.scrollTop > 4;
  const draw = () => {
    head.replaceChildren(el('tr', {}, cols.map(c => el('th', { scope: 'col' }, c))));
    body.replaceChildren(...rows.map(r => el('tr', {}, r.map(v => el('td', {}, v)))));
  };
  wrap.addEventListener('scroll', () => {
    if (!paused() && held) { held = 0; draw(); }
    state.textContent = paused() ? 'Paused (scroll to the top to resume)' : (liveSource ? 'Live' : '');
  });
  const open = name => {
    if (liveSource) { liveSource.close(); liveSource = null; }
    rows = []; held = 0; cols = []; draw();
    if (!name) { state.textContent = ''; return; }
    state.textContent = 'Connecting…';
    liveSource = new EventSource('/console/live/' + encodeURIComponent(app) + '/' + encodeURIComponent(name));
    liveSource.addEventListener('open', () => { state.textContent = 'Live'; });
    liveSource.addEventListener('error', () => { state.textContent = 'Reconnecting…'; });
    liveSource.addEventListener('rows', ev => {
      const d = JSON.parse(ev.data);
      if (d.columns && d.columns.length) cols = d.columns;
      rows = d.rows.slice().reverse().concat(rows).slice(0, maxRows);
      if (paused()) { held += d.rows.length; state.textContent = `Paused (${held} new rows; scroll to the top to resume)`; return; }
      state.textContent = d.dropped ? `Live (${d.dropped} rows dropped for a slow page)` : 'Live';
      draw();
    });
  };
  select.addEventListener('change', () => open(select.value));
  const refresh = async () => {
    let list;
    try { const r = await fetch('/console/live/' + encodeURIComponent(app), { credentials: 'same-origin' }); if (!r.ok) return; list = await r.json(); } catch (e) { return; }
    const key = JSON.stringify(list);
    if (key === known) return;
    known = key;
    const cur = select.value;
    select.replaceChildren(el('option', { value: '' }, 'Pick a stream…'), ...list.map(s => el('option', { value: s.name, selected: s.name === cur }, `${s.name} (${s.kind.replace('_', ' ')})`)));
  };
  const section = el('section', { 'aria-labelledby': 'live-title', class: 'live' },
    el('h2', { id: 'live-title' }, 'Live data'),
    el('div', { class: 'toolbar' }, el('label', { for: 'live-stream', class: 'inline' }, 'Stream'), select, state), wrap);
  return { section, refresh };
}
window.addEventListener('hashchange', route);
function route() {
  stopTimer();
  const h = decodeURIComponent(location.hash.slice(1) || '/');
  if (h === '/new') return editorPage(null);
  const m = h.match(/^\/apps\/([^/]+)$/);
  if (m) return appPage(m[1]);
  return appsPage();
}

// Metrics: Prometheus text, turned into per-application rates.
function parseMetrics(text) {
  const out = [];
  for (const line of text.split('\n')) {
    if (!line || line[0] === '#') continue;
    const m = line.match(/^(\w+)(?:\{(.*)\})?\s+(\S+)/);
    if (!m) continue;
    const labels = {};
    if (m[2]) for (const p of m[2].matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[p[1]] = p[2];
    out.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return out;
}
function summarize(samples) {
  const apps = {};
  const get = a => apps[a] || (apps[a] = { in: 0, out: 0, errors: 0, lag: null, streams: {} });
  for (const s of samples) {
    const a = s.labels.application;
    if (!a) continue;
    if (s.name === 'eddy_records_total') {
      const x = get(a);
      x[s.labels.flow === 'input' ? 'in' : 'out'] += s.value;
      x.streams[s.labels.flow + '/' + s.labels.stream] = s.value;
    } else if (s.name === 'eddy_error_stream_rows_total') get(a).errors += s.value;
    else if (s.name === 'eddy_millis_behind_latest') { const x = get(a); x.lag = Math.max(x.lag || 0, s.value); }
  }
  return apps;
}
let previous = null;
async function rates() {
  const now = performance.now();
  const cur = summarize(parseMetrics(await call('GET', '/metrics')));
  const out = {};
  for (const [a, c] of Object.entries(cur)) {
    const p = previous && previous.apps[a];
    const dt = p ? (now - previous.at) / 1000 : 0;
    const rate = k => (p && dt > 0 ? Math.max(0, (c[k] - p[k]) / dt) : null);
    const streams = {};
    for (const [k, v] of Object.entries(c.streams)) streams[k] = p && dt > 0 && p.streams[k] !== undefined ? Math.max(0, (v - p.streams[k]) / dt) : null;
    out[a] = { in: rate('in'), out: rate('out'), errors: rate('errors'), lag: c.lag, streams, totalIn: c.in, totalOut: c.out };
  }
  previous = { at: now, apps: cur };
  return out;
}
const fmtRate = r => (r === null || r === undefined ? '–' : r >= 1000 ? (r / 1000).toFixed(1) + 'k/s' : r.toFixed(r < 10 ? 1 : 0) + '/s');
const fmtLag = l => (l === null || l === undefined ? '–' : l >= 1000 ? (l / 1000).toFixed(1) + ' s' : l + ' ms');

// Applications page.
async function appsPage() {
  const body = el('tbody', { id: 'apps-body' });
  const table = el('div', { class: 'table-wrap' }, el('table', { id: 'apps' },
    el('caption', { class: 'hide-narrow', style: undefined }),
    el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Application'), el('th', { scope: 'col' }, 'Status'),
      el('th', { scope: 'col', class: 'num' }, 'Input'), el('th', { scope: 'col', class: 'num' }, 'Output'),
      el('th', { scope: 'col', class: 'num hide-narrow' }, 'Lag'), el('th', { scope: 'col', class: 'num hide-narrow' }, 'Errors'),
      el('th', { scope: 'col', class: 'hide-narrow' }, 'Last error'), el('th', { scope: 'col' }, 'Actions'))),
    body));
  main.replaceChildren(el('h1', {}, 'Applications'), table);
  const confirming = new Set();
  let focusNext = null; // the button that takes the focus after an action redraws the row
  const refresh = async () => {
    let list, r = {};
    try { list = await call('GET', '/v1/applications'); r = await rates(); } catch (e) { say(e.message); return; }
    if (list.length === 0) {
      body.replaceChildren(el('tr', {}, el('td', { colspan: 8 }, 'No applications yet. ', el('a', { href: '#/new' }, 'Create one'), '.')));
      if (focusNext === 'new-app') { document.getElementById('new-app').focus(); focusNext = null; }
      return;
    }
    const focused = focusNext || (document.activeElement && document.activeElement.dataset.key);
    body.replaceChildren(...list.map(a => {
      const m = r[a.name] || {};
      const act = (label, key, fn, cls) => el('button', { type: 'button', class: cls, 'data-key': a.name + ':' + key, onclick: fn }, label);
      const running = a.status === 'RUNNING' || a.status === 'STARTING';
      let actions;
      if (confirming.has(a.name)) {
        actions = [el('span', {}, 'Delete ' + a.name + '? '),
          act('Yes, delete', 'confirm', async () => { confirming.delete(a.name); focusNext = 'new-app'; try { await call('DELETE', '/v1/applications/' + encodeURIComponent(a.name)); say('deleted ' + a.name); } catch (e) { say(e.message); } refresh(); }, 'danger'),
          act('Cancel', 'cancel', () => { confirming.delete(a.name); focusNext = a.name + ':delete'; refresh(); })];
      } else {
        actions = [
          running ? act('Stop', 'stop', async () => { focusNext = a.name + ':start'; try { await call('POST', '/v1/applications/' + encodeURIComponent(a.name) + '/stop', {}); } catch (e) { say(e.message); } refresh(); })
                  : act('Start', 'start', async () => { focusNext = a.name + ':stop'; try { await call('POST', '/v1/applications/' + encodeURIComponent(a.name) + '/start', { position: 'LAST_STOPPED_POINT' }); } catch (e) { say(e.message); } refresh(); }),
          act('Delete', 'delete', () => { confirming.add(a.name); focusNext = a.name + ':confirm'; refresh(); }, 'danger')];
      }
      return el('tr', { 'data-app': a.name },
        el('th', { scope: 'row' }, el('a', { href: '#/apps/' + encodeURIComponent(a.name) }, a.name)),
        el('td', { class: 'status ' + a.status }, a.status),
        el('td', { class: 'num' }, fmtRate(m.in)), el('td', { class: 'num' }, fmtRate(m.out)),
        el('td', { class: 'num hide-narrow' }, fmtLag(m.lag)), el('td', { class: 'num hide-narrow' }, fmtRate(m.errors)),
        el('td', { class: 'err hide-narrow' }, a.last_error || a.warning || ''),
        el('td', {}, el('div', { class: 'actions' }, actions)));
    }));
    if (focused) {
      const b = focused === 'new-app' ? document.getElementById('new-app') : body.querySelector(`[data-key="${CSS.escape(focused)}"]`);
      if (b) { b.focus(); if (focused === focusNext) focusNext = null; }
    }
  };
  await refresh();
  timer = setInterval(refresh, 1000);
}

// Application page: its metrics and its editor.
async function appPage(name) {
  let info;
  try { info = await call('GET', '/v1/applications/' + encodeURIComponent(name)); } catch (e) { main.replaceChildren(el('p', { class: 'err' }, e.message)); return; }
  editorPage(info);
}

// parseError finds Eddy's line:col in an API error message.
function parseError(message) {
  const m = message.match(/(?:^|[\s:])(\d+):(\d+): ([\s\S]*)$/);
  if (!m) return null;
  return { line: Number(m[1]), col: Number(m[2]), message: m[3] };
}

const template = `-- A stock ticker, averaged per symbol every 10 seconds.
CREATE STREAM TICKS (TICKER_SYMBOL VARCHAR(4), SECTOR VARCHAR(16), CHANGE DOUBLE, PRICE DOUBLE)
  WITH (connector = 'generator', kind = 'ticker', rate = '20');
CREATE OR REPLACE STREAM DESTINATION_SQL_STREAM (TICKER_SYMBOL VARCHAR(4), PRICE DOUBLE);
CREATE OR REPLACE PUMP STREAM_PUMP AS INSERT INTO DESTINATION_SQL_STREAM
  SELECT STREAM TICKER_SYMBOL, PRICE FROM TICKS;
`;

function editorPage(info) {
  const isNew = !info;
  const nameInput = el('input', { type: 'text', id: 'app-name', value: isNew ? '' : info.name, readonly: !isNew, required: true, pattern: '[a-zA-Z0-9_.-]+', 'aria-describedby': 'name-help' });
  const editorBox = el('div', { class: 'editor', id: 'editor' });
  let editor = null; // the CodeMirror editor (editor.js), made once the box is in the page
  const problems = el('div', { id: 'problems', class: 'problems err', role: 'alert' });
  const statusLine = el('p', { id: 'app-status' });
  const cards = el('div', { class: 'cards', id: 'cards' });
  // showError shows an API error below the editor and, when it has Eddy's
  // line:col, as a diagnostic at that position with the message under it.
  const showError = e => {
    const err = parseError(e.message);
    problems.replaceChildren(el('strong', {}, e.type || 'Error'), ': ', e.message);
    if (err) { editor.setErrors([err]); editor.focus(); }
  };
  const submit = async start => {
    const name = nameInput.value.trim();
    if (!name) { problems.textContent = 'Give the application a name.'; nameInput.focus(); return; }
    problems.textContent = ''; editor.clearErrors();
    say(start ? 'starting ' + name + '…' : 'saving ' + name + '…');
    try {
      const body = { name, code: editor.getValue(), replace: true };
      Object.assign(body, config.bindings());
      if (!isNew) body.settings = info.settings;
      if (start) body.start = 'NOW';
      await call('POST', '/v1/applications', body);
      say(start ? 'started ' + name : 'saved ' + name);
      if (isNew || location.hash !== '#/apps/' + encodeURIComponent(name)) location.hash = '#/apps/' + encodeURIComponent(name);
      else appPage(name);
    } catch (e) { say(''); showError(e); }
  };
  const stopBtn = el('button', { type: 'button', id: 'stop', hidden: isNew, onclick: async () => {
    try { await call('POST', '/v1/applications/' + encodeURIComponent(info.name) + '/stop', {}); say('stopping ' + info.name); } catch (e) { say(e.message); }
  } }, 'Stop');
  const toolbar = el('div', { class: 'toolbar' },
    el('button', { type: 'button', id: 'save', onclick: () => submit(false) }, 'Save'),
    el('button', { type: 'button', class: 'primary', id: 'run', onclick: () => submit(true) }, 'Run'),
    stopBtn, el('span', { class: 'hide-narrow', style: undefined }, 'Ctrl+Enter runs · Ctrl+S saves · Esc then Tab leaves the editor'));
  const live = isNew ? null : liveView(info.name);
  const config = window.eddyConfig.panel(info);
  const graphBox = el('div', { class: 'graph-wrap', id: 'graph-wrap' });
  const graphSection = isNew ? '' : el('section', { 'aria-labelledby': 'graph-title' }, el('h2', { id: 'graph-title' }, 'Pipeline'), graphBox);
  const charts = isNew ? null : appCharts(info.name); // charts.js
  const reports = isNew ? null : appReports(info.name); // reports.js
  main.replaceChildren(
    el('h1', {}, isNew ? 'New application' : info.name),
    statusLine, cards, charts ? charts.section : '', graphSection, live ? live.section : '', reports ? reports.section : '',
    el('label', { for: 'app-name' }, 'Name'), nameInput, el('span', { id: 'name-help', class: 'hide-narrow' }, ' letters, digits, _ . -'),
    el('span', { class: 'label', id: 'code-label' }, 'SQL'),
    editorBox, problems, toolbar, config.section);
  editor = window.EddyEditor.create(editorBox, {
    doc: isNew ? template : info.code || '', label: 'Application SQL', describedBy: 'problems',
    onChange: () => { if (problems.textContent) problems.textContent = ''; },
    onRun: () => submit(true), onSave: () => submit(false),
  });
  currentEditor = editor;
  if (isNew) nameInput.focus();
  if (!isNew) {
    let prevRows = null; // the graph's row counts of streams between pumps, for their rates
    const refresh = async () => {
      let a, r;
      try { a = await call('GET', '/v1/applications/' + encodeURIComponent(info.name)); r = (await rates())[info.name] || {}; } catch (e) { say(e.message); return; }
      statusLine.replaceChildren('Status: ', el('span', { class: 'status ' + a.status, id: 'app-state' }, a.status),
        a.last_error ? el('span', { class: 'err' }, ' — ' + a.last_error) : '');
      stopBtn.hidden = !(a.status === 'RUNNING' || a.status === 'STARTING');
      const card = (label, v) => el('div', { class: 'card' }, label, el('b', {}, v));
      cards.replaceChildren(card('Input', fmtRate(r.in)), card('Output', fmtRate(r.out)), card('Watermark lag', fmtLag(r.lag)), card('Error stream', fmtRate(r.errors)),
        card('Rows in', r.totalIn === undefined ? '–' : r.totalIn), card('Rows out', r.totalOut === undefined ? '–' : r.totalOut));
      live.refresh();
      charts.refresh();
      reports.refresh();
      try {
        const g = await fetch('/console/graph/' + encodeURIComponent(info.name), { credentials: 'same-origin' });
        if (g.ok) {
          const gj = await g.json(), now = performance.now();
          r.inner = {};
          if (prevRows && gj.rows) {
            for (const [k, v] of Object.entries(gj.rows)) {
              if (prevRows.rows[k] !== undefined && now > prevRows.t) r.inner[k] = Math.max(0, (v - prevRows.rows[k]) / ((now - prevRows.t) / 1000));
            }
          }
          prevRows = { rows: gj.rows || {}, t: now };
          graphBox.replaceChildren(drawGraph(gj, r));
        }
        else if (!graphBox.firstChild) graphBox.textContent = 'The pipeline shows once the application has started.';
      } catch (e) { /* next second */ }
    };
    refresh();
    timer = setInterval(refresh, 1000);
  }
}

start().catch(e => say(e.message));
