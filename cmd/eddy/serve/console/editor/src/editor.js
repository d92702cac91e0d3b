// The Eddy console's SQL editor: CodeMirror 6 with Eddy's dialect, Save
// and Run keys, and Eddy's positioned errors as lint diagnostics with the
// message under the line. build.go bundles this file into
// ../static/editor.js (one IIFE, no requests at run time); app.js uses it
// through window.EddyEditor.
import { EditorState, StateEffect, StateField } from '@codemirror/state';
import {
  EditorView, Decoration, WidgetType, keymap, lineNumbers, highlightActiveLineGutter,
  highlightSpecialChars, drawSelection, highlightActiveLine, rectangularSelection,
} from '@codemirror/view';
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { syntaxHighlighting, defaultHighlightStyle, indentOnInput, bracketMatching } from '@codemirror/language';
import { sql, SQLDialect } from '@codemirror/lang-sql';
import { autocompletion, completionKeymap, closeBrackets, closeBracketsKeymap } from '@codemirror/autocomplete';
import { searchKeymap, highlightSelectionMatches } from '@codemirror/search';
import { setDiagnostics, setDiagnosticsEffect, lintGutter, lintKeymap } from '@codemirror/lint';
import { StyleModule } from 'style-mod';

// CodeMirror's styles go into a <style> element when the editor lives in a
// document, which the console's Content-Security-Policy (style-src 'self')
// blocks; in a shadow root they go into a constructed stylesheet, which the
// policy allows. sheetRoot passes the document's adoptedStyleSheets off as
// a shadow root's, so the styles take that way.
const sheetRoot = {
  ownerDocument: document,
  get adoptedStyleSheets() { return document.adoptedStyleSheets; },
  set adoptedStyleSheets(sheets) { document.adoptedStyleSheets = sheets; },
};
const mount = StyleModule.mount;
StyleModule.mount = (root, modules, options) => mount(root === document ? sheetRoot : root, modules, options);

// Eddy's dialect: standard SQL's words that Eddy's parser knows, plus the
// KDA and streaming words (sql/keywords.go, sql/report.go). console_test.go
// checks that every word of sql.Keywords() is here.
const keywords = `all and any as asc between by case cast changes close create cross cumulate current cursor
  delete desc describe description descriptor distinct drop else emit end escape every except exists explain
  extract final first following for from full function group having hop if ignore in inner insert intersect
  interval into is join language last lateral left like limit natural not nulls of on or order outer over
  partition position preceding pump pumps range replace report respect returns right row rows rowtime
  schedule select session set show similar stagger start step stop stopped stream streams substring table
  then to trim tumble unbounded union unnest using values view watermark when where window windowed with
  within`;
const types = `bigint binary boolean char character date dec decimal double float int integer numeric precision
  real smallint string time timestamp tinyint varbinary varchar varying`;
// Functions: aggregates, window and table functions, KDA's log parsers and
// analytics, scalar functions (planner and exec).
const builtin = `abs avg ceil ceiling char_length char_to_timestamp coalesce concat count
  count_distinct_items_tumbling current_date current_row_timestamp current_time current_timestamp exp
  exp_avg fast_regex_log_parse first_value fixed_column_log_parse floor hotspots initcap lag last_value ln
  localtime localtimestamp log10 lower lpad max min mod now nth_value nullif overlay power proctime
  random_cut_forest random_cut_forest_with_explanation regex_log_parse regex_replace regexp_extract
  regexp_replace round rpad source_offset split_index sqrt stddev stddev_pop stddev_samp sum sys_log_parse
  timestamp_to_char to_timestamp top_k_items_tumbling tsdiff unix_timestamp upper var_pop var_samp variance
  variable_column_log_parse w3c_log_parse`;

/** EddySQL is the dialect the editor highlights and completes. */
export const EddySQL = SQLDialect.define({ keywords, types, builtin, caseInsensitiveIdentifiers: true });

// Errors: setErrors replaces them; any edit clears them (the positions
// were Eddy's answer about the text as it was).
const setErrorsEffect = StateEffect.define();

class ErrorMessage extends WidgetType {
  constructor(text, col) { super(); this.text = text; this.col = col; }
  eq(other) { return other.text === this.text && other.col === this.col; }
  toDOM() {
    const box = document.createElement('div');
    box.className = 'cm-eddy-error';
    const msg = document.createElement('span');
    msg.className = 'cm-eddy-error-message';
    msg.id = 'error-message';
    msg.textContent = this.text;
    // Under the column, but never pushed far off a narrow screen.
    msg.style.marginLeft = Math.min(Math.max(this.col - 1, 0), 40) + 'ch';
    box.append(msg);
    return box;
  }
  ignoreEvent() { return false; }
}

// errorField holds the message widgets under the erring lines.
const errorField = StateField.define({
  create: () => Decoration.none,
  update(deco, tr) {
    for (const e of tr.effects) if (e.is(setErrorsEffect)) return e.value;
    return tr.docChanged ? Decoration.none : deco;
  },
  provide: f => EditorView.decorations.from(f),
});

// clearOnEdit drops the lint diagnostics in the transaction that edits the
// text, so no separate dispatch is needed.
const clearOnEdit = EditorState.transactionExtender.of(tr =>
  tr.docChanged && tr.startState.field(errorField).size > 0 ? { effects: setDiagnosticsEffect.of([]) } : null);

// place turns Eddy's 1-based line and column into a range of the document:
// the word (or character) at the position, clamped into the text.
function place(doc, line, col) {
  const l = doc.line(Math.min(Math.max(1, line | 0), doc.lines));
  const from = Math.min(l.from + Math.max(0, (col | 0) - 1), l.to);
  const m = /^(\w+|\S)/.exec(doc.sliceString(from, l.to));
  return { line: l, from, to: from + (m ? m[0].length : 0) };
}

// The console's look (style.css's colours); these sheets come after
// style.css, so the editor's own rules live here.
const mono = 'ui-monospace, "DejaVu Sans Mono", monospace';
const theme = EditorView.theme({
  '&': { fontSize: 'var(--editor-font, 13px)', backgroundColor: 'var(--code, #f6f8fa)', maxHeight: '70vh', borderRadius: '4px' },
  '&.cm-focused': { outline: '3px solid #f0a500', outlineOffset: '1px' },
  '.cm-scroller': { fontFamily: mono, lineHeight: '20px', overflow: 'auto' },
  '.cm-content': { minHeight: '18rem' },
  '.cm-gutters': { backgroundColor: 'var(--code, #f6f8fa)', color: 'var(--muted, #5b6570)', borderRight: '1px solid var(--line, #d6dbe0)' },
});

/**
 * create makes an editor in parent. opts: doc (the text), label (the
 * content's aria-label), describedBy (an element id for aria-describedby),
 * onChange(text), onSave(), onRun() (Ctrl/Cmd-S and Ctrl/Cmd-Enter).
 * Tab indents; Escape then Tab (or Ctrl-M to toggle) moves the focus on.
 */
export function create(parent, opts = {}) {
  const call = fn => () => { if (fn) fn(); return true; };
  const attrs = { 'aria-label': opts.label || 'SQL', 'aria-multiline': 'true', spellcheck: 'false', autocapitalize: 'off', autocorrect: 'off' };
  if (opts.describedBy) attrs['aria-describedby'] = opts.describedBy;
  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc: opts.doc || '',
      extensions: [
        lineNumbers(), highlightActiveLineGutter(), highlightSpecialChars(), history(), drawSelection(),
        indentOnInput(), syntaxHighlighting(defaultHighlightStyle, { fallback: true }), bracketMatching(),
        closeBrackets(), autocompletion(), rectangularSelection(), highlightActiveLine(), highlightSelectionMatches(),
        lintGutter(), errorField, clearOnEdit, sql({ dialect: EddySQL, upperCaseKeywords: true }),
        keymap.of([
          { key: 'Mod-Enter', run: call(opts.onRun), preventDefault: true },
          { key: 'Mod-s', run: call(opts.onSave), preventDefault: true },
          ...closeBracketsKeymap, ...defaultKeymap, ...searchKeymap, ...historyKeymap, ...completionKeymap,
          ...lintKeymap, indentWithTab,
        ]),
        EditorView.contentAttributes.of(attrs),
        EditorView.updateListener.of(u => { if (u.docChanged && opts.onChange) opts.onChange(u.state.doc.toString()); }),
        theme,
      ],
    }),
  });
  return {
    view,
    getValue: () => view.state.doc.toString(),
    setValue(text) { view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } }); },
    // setErrors shows each {line, col, message} (1-based, as Eddy reports
    // them) as an error diagnostic at its position, with "line:col:
    // message" under the line, and moves the cursor to the first.
    setErrors(errors) {
      const doc = view.state.doc;
      const diagnostics = [], widgets = [];
      for (const e of errors) {
        const p = place(doc, e.line, e.col);
        diagnostics.push({ from: p.from, to: p.to, severity: 'error', source: 'eddy', message: `${e.line}:${e.col}: ${e.message}` });
        widgets.push(Decoration.widget({ widget: new ErrorMessage(`${e.line}:${e.col}: ${e.message}`, e.col), block: true, side: 1 }).range(p.line.to));
      }
      const tr = setDiagnostics(view.state, diagnostics);
      const first = diagnostics[0];
      view.dispatch({
        effects: [...[].concat(tr.effects || []), setErrorsEffect.of(Decoration.set(widgets, true))],
        selection: first ? { anchor: first.from } : undefined,
        scrollIntoView: !!first,
      });
    },
    clearErrors() { view.dispatch({ effects: [setDiagnosticsEffect.of([]), setErrorsEffect.of(Decoration.none)] }); },
    // insert replaces the selection (or inserts at the caret) with text.
    insert(text) { view.dispatch(view.state.replaceSelection(text), { scrollIntoView: true }); },
    focus() { view.focus(); },
  };
}

window.EddyEditor = { create, EddySQL };
