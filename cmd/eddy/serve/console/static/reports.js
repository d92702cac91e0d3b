// Eddy console: the application page's reports panel (CREATE REPORT):
// each report with its schedule, next run and last runs, Run now, and a
// run's rendered report opened in a sandboxed frame. Uses el, call and
// say of app.js (loaded after this file, called only once the page runs).
'use strict';

// appReports returns the reports section of application app (hidden while
// it declares none) and refresh, which the page calls every second (the
// list is fetched at most every two seconds).
function appReports(app) {
  const base = '/v1/applications/' + encodeURIComponent(app) + '/reports';
  const list = el('div', { class: 'table-wrap', id: 'reports-list' });
  const viewer = el('div', { id: 'report-viewer', class: 'report-viewer' });
  const section = el('section', { id: 'reports', 'aria-labelledby': 'reports-title', hidden: true },
    el('h2', { id: 'reports-title' }, 'Reports'), list, viewer);
  let last = -Infinity, busy = false, shown = '', opened = null;
  const when = iso => (iso ? iso.replace('T', ' ').replace(/\.\d+/, '').replace('Z', ' UTC') : '–');
  const took = r => { const ms = new Date(r.finished) - new Date(r.started); return ms >= 1000 ? (ms / 1000).toFixed(1) + ' s' : ms + ' ms'; };
  const open = (rep, run) => {
    opened = rep.name + '/' + run.id;
    const frame = el('iframe', { id: 'report-frame', sandbox: '', referrerpolicy: 'no-referrer', src: '/console/api' + run.output,
      title: `Report ${rep.title || rep.name}, run for ${when(run.scheduled)}` });
    frame.addEventListener('load', () => { frame.dataset.loaded = '1'; });
    viewer.replaceChildren(
      el('div', { class: 'toolbar' }, el('strong', {}, `${rep.title || rep.name} — ${when(run.scheduled)}`),
        el('a', { href: '/console/api' + run.output, target: '_blank', rel: 'noopener' }, 'Open in a new tab'),
        el('button', { type: 'button', id: 'report-close', onclick: () => { opened = null; viewer.replaceChildren(); } }, 'Close')),
      frame);
  };
  const draw = reps => {
    const focused = document.activeElement && list.contains(document.activeElement) ? document.activeElement.dataset.key : null;
    list.replaceChildren(...reps.map(rep => {
      const runs = rep.runs.slice(0, 5);
      const now = el('button', { type: 'button', 'data-key': rep.name + ':run', 'data-report': rep.name, disabled: rep.queued, onclick: async () => {
        try { await call('POST', base + '/' + encodeURIComponent(rep.name) + '/run', {}); say('running report ' + rep.name + '…'); last = -Infinity; refresh(); } catch (e) { say(e.message); }
      } }, rep.queued ? 'Queued…' : 'Run now');
      return el('table', { class: 'report', 'data-report': rep.name },
        el('caption', {}, el('strong', {}, rep.title || rep.name), ` · ${rep.name} · ${rep.schedule} · ${rep.format}`,
          rep.next_run ? ` · next run ${when(rep.next_run)}` : ' · not scheduled (the application is not running)', ' ', now),
        el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Scheduled for'), el('th', { scope: 'col' }, 'Status'),
          el('th', { scope: 'col', class: 'num' }, 'Rows'), el('th', { scope: 'col', class: 'num hide-narrow' }, 'Took'),
          el('th', { scope: 'col' }, 'Report'))),
        el('tbody', {}, runs.length ? runs.map(run => el('tr', { 'data-run': run.id },
          el('td', {}, when(run.scheduled), run.manual ? ' (run now)' : ''),
          el('td', { class: 'status ' + (run.status === 'SUCCEEDED' ? 'RUNNING' : 'err') }, run.status === 'SUCCEEDED' ? 'succeeded' : 'failed',
            run.error ? el('div', { class: 'err' }, run.error) : ''),
          el('td', { class: 'num' }, run.rows), el('td', { class: 'num hide-narrow' }, took(run)),
          el('td', {}, run.output && run.format === 'html'
            ? el('button', { type: 'button', 'data-key': rep.name + ':open:' + run.id, 'data-open': run.id, onclick: () => open(rep, run) }, 'Open')
            : run.output ? el('a', { href: '/console/api' + run.output, target: '_blank', rel: 'noopener' }, run.format)
              : run.destination ? 'sent to ' + run.destination : '–')))
          : el('tr', {}, el('td', { colspan: 5 }, 'No runs yet.'))));
    }));
    if (focused) { const b = list.querySelector(`[data-key="${CSS.escape(focused)}"]`); if (b) b.focus(); }
  };
  const refresh = async () => {
    const t = performance.now();
    if (busy || t - last < 2000) return;
    busy = true;
    try {
      const reps = (await call('GET', base)).reports || [];
      section.hidden = reps.length === 0;
      const key = JSON.stringify(reps);
      if (key !== shown) { shown = key; draw(reps); }
      if (opened && !reps.some(rep => rep.runs.some(run => rep.name + '/' + run.id === opened))) { opened = null; viewer.replaceChildren(); }
    } catch (e) { /* the next refresh tries again */ } finally { busy = false; last = performance.now(); }
  };
  return { section, refresh };
}
