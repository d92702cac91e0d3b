// Eddy console: an application's sources, destinations and reference
// tables (the bindings of its Submission), editable, with "Discover
// schema" for a source. Loaded before app.js; its functions use app.js's
// el, call and say, which exist by the time a page is drawn.
'use strict';
window.eddyConfig = (() => {
  const kinds = [
    { key: 'inputs', title: 'Inputs', one: 'input', noun: 'Stream', source: true, create: 'STREAM' },
    { key: 'references', title: 'Reference tables', one: 'reference table', noun: 'Table', source: true, create: 'TABLE' },
    { key: 'outputs', title: 'Outputs', one: 'output', noun: 'Stream', source: false },
  ];
  // Eddy's SQL types; a discovered type not listed (VARCHAR(32), …) is
  // offered too.
  const sqlTypes = ['BOOLEAN', 'TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'REAL', 'DOUBLE', 'DECIMAL(18,4)', 'CHAR(1)',
    'VARCHAR(16)', 'VARCHAR(64)', 'VARCHAR(256)', 'VARCHAR(1024)', 'VARBINARY(256)', 'DATE', 'TIME', 'TIMESTAMP'];
  const secret = k => /password|secret|token|access_key|api_key|private_key|credential|^sasl_/i.test(k);
  const quote = s => (/^[A-Z_][A-Z0-9_]*$/.test(s) ? s : '"' + s.replace(/"/g, '""') + '"');
  let catalog = null; // GET /v1/connectors, fetched once

  async function loadCatalog() {
    if (!catalog) {
      try { catalog = await call('GET', '/v1/connectors'); } catch (e) { catalog = { sources: [], destinations: [] }; say(e.message); }
    }
    return catalog;
  }

  // createSQL declares a discovered binding with its edited columns.
  function createSQL(kind, b) {
    const cols = b.columns.map(c => `    ${quote(c.name)} ${c.type}`).join(',\n');
    return `CREATE ${kind.create} ${quote(b.name)} (\n${cols}\n);\n`;
  }

  // withMapping returns b's options with a JSON mapping for each column
  // that was renamed or sits below the top level, so that the renamed
  // column still reads its field.
  function withMapping(b) {
    const fmt = (b.options.find(([k]) => k === 'format') || [])[1] || '';
    if (fmt.toLowerCase() !== 'json') return;
    const path = c => c.mapping || (/^[A-Za-z_]\w*$/.test(c.original) ? '$.' + c.original : `$['${c.original.replace(/'/g, "\\'")}']`);
    // A column whose name finds its key (case-insensitively) needs none.
    const pairs = b.columns.filter(c => path(c).toLowerCase() !== '$.' + c.name.toLowerCase()).map(c => `${c.name}=${path(c)}`);
    const i = b.options.findIndex(([k]) => k === 'mapping');
    if (!pairs.length) { if (i >= 0 && b.mappingSet) b.options.splice(i, 1); return; }
    if (i >= 0) b.options[i][1] = pairs.join(', '); else b.options.push(['mapping', pairs.join(', ')]);
    b.mappingSet = true;
  }

  function panel(info) {
    const app = info ? info.name : '';
    const state = {};
    for (const k of kinds) {
      state[k.key] = Object.entries((info && info[k.key]) || {}).sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, opts]) => ({
        name, connector: opts.connector || '', options: Object.entries(opts).filter(([o]) => o !== 'connector').sort(([a], [b]) => (a < b ? -1 : 1)),
      }));
    }
    const body = el('div', { id: 'config-body' });
    const section = el('section', { 'aria-labelledby': 'config-title', class: 'config', id: 'config' },
      el('h2', { id: 'config-title' }, 'Sources and destinations'),
      el('p', { class: 'muted' }, 'Bindings of the application\'s streams and tables to connectors; streams declared WITH (…) in the SQL are not listed. Changes apply when you save or run.'),
      body);
    let focusId = null;

    const draw = () => {
      // Redrawn, the panel keeps the focus where it was unless told.
      const active = document.activeElement;
      if (!focusId && active && active.id && body.contains(active)) focusId = active.id;
      const cat = catalog || { sources: [], destinations: [] };
      const lists = [];
      for (const c of [...cat.sources, ...cat.destinations]) {
        const id = 'cfg-opts-' + c.name + (cat.sources.includes(c) ? '-src' : '-dst');
        lists.push(el('datalist', { id }, c.options.map(o => el('option', { value: o.name }, o.doc))));
      }
      body.replaceChildren(...lists, ...kinds.map(kind => group(kind, cat)));
      if (focusId) { const f = document.getElementById(focusId); if (f) f.focus(); focusId = null; }
    };

    const group = (kind, cat) => {
      const list = state[kind.key];
      const addId = `cfg-${kind.key}-add`;
      return el('div', { class: 'cfg-group', 'data-kind': kind.key },
        el('h3', {}, kind.title),
        list.length ? '' : el('p', { class: 'muted' }, `No ${kind.one}s bound.`),
        list.map((b, i) => binding(kind, cat, b, i)),
        el('button', { type: 'button', id: addId, onclick: () => {
          list.push({ name: '', connector: '', options: [] });
          focusId = `cfg-${kind.key}-${list.length - 1}-name`;
          draw();
        } }, 'Add ' + kind.one));
    };

    const binding = (kind, cat, b, i) => {
      const base = `cfg-${kind.key}-${i}`;
      const conns = kind.source ? cat.sources : cat.destinations;
      const conn = conns.find(c => c.name === b.connector);
      const docOf = k => { const o = conn && conn.options.find(x => x.name === k); return o ? o.doc + (o.default ? ` (default ${o.default})` : '') : ''; };
      const nameInput = el('input', { type: 'text', id: base + '-name', value: b.name, autocomplete: 'off', spellcheck: 'false', required: true });
      nameInput.addEventListener('input', () => { b.name = nameInput.value.trim(); legend.textContent = `${kind.one} ${b.name || '(unnamed)'}`; });
      const legend = el('legend', {}, `${kind.one} ${b.name || '(unnamed)'}`);
      const select = el('select', { id: base + '-connector' },
        el('option', { value: '' }, 'Pick a connector…'),
        conns.map(c => el('option', { value: c.name, selected: c.name === b.connector }, `${c.name} — ${c.doc}`)),
        b.connector && !conn ? el('option', { value: b.connector, selected: true }, b.connector) : null);
      select.addEventListener('change', () => {
        b.connector = select.value;
        const c = conns.find(x => x.name === b.connector);
        // A new binding gets the connector's required options as empty rows.
        if (c) for (const o of c.options) if (o.required && !b.options.some(([k]) => k === o.name)) b.options.push([o.name, '']);
        focusId = base + '-connector';
        draw();
      });
      const rows = b.options.map(([k, v], j) => {
        const id = `${base}-opt-${j}`;
        const key = el('input', { type: 'text', id: id + '-key', value: k, list: b.connector ? `cfg-opts-${b.connector}-${kind.source ? 'src' : 'dst'}` : undefined,
          'aria-label': `Option ${j + 1} name`, autocomplete: 'off', spellcheck: 'false' });
        const doc = el('small', { id: id + '-doc', class: 'muted' }, docOf(k));
        const val = el('input', { type: secret(k) ? 'password' : 'text', id: id + '-value', value: v, 'aria-label': `Option ${j + 1} value${k ? ' (' + k + ')' : ''}`,
          'aria-describedby': id + '-doc', autocomplete: 'off', spellcheck: 'false' });
        key.addEventListener('input', () => { b.options[j][0] = key.value.trim().toLowerCase(); doc.textContent = docOf(b.options[j][0]); val.type = secret(key.value) ? 'password' : 'text'; });
        val.addEventListener('input', () => { b.options[j][1] = val.value; });
        return el('div', { class: 'cfg-opt' }, key, val,
          el('button', { type: 'button', class: 'icon', 'aria-label': `Remove option ${j + 1}${k ? ' (' + k + ')' : ''}`, onclick: () => {
            b.options.splice(j, 1); focusId = base + '-add-option'; draw();
          } }, '×'), doc);
      });
      const canDiscover = kind.source && (!conn || conn.discover);
      const result = b.columns ? discovered(kind, b, base) : '';
      return el('fieldset', { class: 'cfg-binding', 'data-binding': b.name },
        legend,
        el('div', { class: 'cfg-head' },
          el('div', {}, el('label', { for: base + '-name' }, kind.noun + ' name'), nameInput),
          el('div', {}, el('label', { for: base + '-connector' }, 'Connector'), select)),
        el('div', { class: 'cfg-opts', role: 'group', 'aria-label': 'Options' }, rows),
        el('div', { class: 'toolbar' },
          el('button', { type: 'button', id: base + '-add-option', onclick: () => {
            b.options.push(['', '']); focusId = `${base}-opt-${b.options.length - 1}-key`; draw();
          } }, 'Add option'),
          canDiscover ? el('button', { type: 'button', id: base + '-discover', onclick: () => discover(kind, b, base) }, 'Discover schema') : '',
          el('button', { type: 'button', class: 'danger', id: base + '-remove', onclick: () => {
            state[kind.key].splice(i, 1); focusId = `cfg-${kind.key}-add`; draw();
          } }, 'Remove ' + kind.one),
          el('span', { id: base + '-state', role: 'status' }, b.message || '')),
        result);
    };

    const discover = async (kind, b, base) => {
      if (!b.connector) { b.message = 'Pick a connector first.'; focusId = base + '-connector'; draw(); return; }
      const options = { connector: b.connector };
      for (const [k, v] of b.options) if (k) options[k] = v;
      b.message = 'Sampling…'; focusId = base + '-discover'; draw();
      try {
        const r = await call('POST', '/v1/discover', { options, name: b.name || undefined, application: app || undefined });
        b.columns = r.columns.map(c => ({ name: c.name, original: c.name, type: c.type, mapping: c.mapping || '' }));
        b.notes = r.notes || [];
        // Keep what discovery filled in (a file's format, a CSV header).
        for (const [k, v] of Object.entries(r.options)) if (k !== 'connector' && !b.options.some(([o]) => o === k)) b.options.push([k, v]);
        b.message = `${b.columns.length} columns found.`;
        focusId = base + '-col-0-name';
      } catch (e) {
        b.columns = null; b.message = e.message; focusId = base + '-discover';
      }
      draw();
    };

    const discovered = (kind, b, base) => {
      const paths = b.columns.some(c => c.mapping);
      const rows = b.columns.map((c, j) => {
        const id = `${base}-col-${j}`;
        const name = el('input', { type: 'text', id: id + '-name', value: c.name, 'aria-label': `Column ${j + 1} name (was ${c.original})`, autocomplete: 'off', spellcheck: 'false' });
        name.addEventListener('input', () => { c.name = name.value.trim(); });
        const types = sqlTypes.includes(c.type) ? sqlTypes : [c.type, ...sqlTypes];
        const type = el('select', { id: id + '-type', 'aria-label': `Column ${j + 1} type` }, types.map(t => el('option', { value: t, selected: t === c.type }, t)));
        type.addEventListener('change', () => { c.type = type.value; });
        return el('tr', {}, el('td', {}, name), el('td', {}, type), paths ? el('td', {}, c.mapping || '') : '',
          el('td', {}, el('button', { type: 'button', class: 'icon', 'aria-label': `Remove column ${j + 1} (${c.name})`, onclick: () => {
            b.columns.splice(j, 1); focusId = base + '-insert'; draw();
          } }, '×')));
      });
      return el('div', { class: 'cfg-schema' },
        el('div', { class: 'table-wrap' }, el('table', { id: base + '-columns' },
          el('caption', {}, `Discovered columns of ${b.name || 'the ' + kind.one}`),
          el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Column'), el('th', { scope: 'col' }, 'Type'), paths ? el('th', { scope: 'col' }, 'JSON path') : '', el('th', { scope: 'col' }, el('span', { class: 'sr-only' }, 'Remove')))),
          el('tbody', {}, rows))),
        b.notes && b.notes.length ? el('ul', { class: 'muted' }, b.notes.map(n => el('li', {}, n))) : '',
        el('button', { type: 'button', class: 'primary', id: base + '-insert', onclick: () => {
          if (!b.name) { b.message = `Name the ${kind.one} first.`; focusId = base + '-name'; draw(); return; }
          if (b.columns.some(c => !c.name)) { b.message = 'Every column needs a name.'; draw(); return; }
          withMapping(b);
          window.eddyConsole.insertSQL(createSQL(kind, b));
          b.message = `CREATE ${kind.create} ${b.name} inserted into the SQL.`;
          focusId = base + '-insert';
          draw();
        } }, 'Insert into SQL'));
    };

    // bindings returns the edited inputs, outputs and references as a
    // Submission carries them (secrets the server redacted stay '***',
    // which it replaces with the stored values).
    const bindings = () => {
      const out = {};
      for (const k of kinds) {
        out[k.key] = {};
        for (const b of state[k.key]) {
          if (!b.name && !b.connector) continue;
          const o = { connector: b.connector };
          for (const [key, v] of b.options) if (key) o[key] = v;
          out[k.key][b.name] = o;
        }
      }
      return out;
    };

    draw();
    loadCatalog().then(draw);
    return { section, bindings };
  }
  return { panel };
})();
