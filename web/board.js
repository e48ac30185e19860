// nnlab board's page: plain JavaScript over the board's JSON API, charts by dygraphs.
// Live updates by polling: every 2 s the page asks for the runs table and, for each ticked
// run, only the epochs after those it has (/api/run?from=N). An epoch takes seconds or
// more, so 2 s is "within a few seconds", and each request is short and stateless.
'use strict';

const POLL_MS = 2000;
const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b', '#e377c2', '#7f7f7f',
                 '#bcbd22'];
const STATE_COLORS = { complete: '#1f77b4', pruned: '#ff7f0e', failed: '#d62728', running: '#2ca02c',
                       waiting: '#7f7f7f' };

const state = {
  runs: [],                 // rows of /api/runs
  selected: new Set(),      // run ids whose curves are drawn
  metrics: new Map(),       // run id -> {records: [...], detail}
  focus: null,              // run id whose confusion matrix is shown
  sort: { key: 'updated', dir: -1 },
  filter: '',
  charts: {},               // name -> Dygraph
  firstLoad: true,
  study: null,              // {storage, name}
  studyCharts: {},
  experiment: null,
  polls: 0,
};
window.nnlabBoard = state;  // for the browser test: the charts and what they were drawn from

// ---- helpers ----
function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) e.append(c instanceof Node ? c : String(c));
  return e;
}

async function getJSON(url) {
  const r = await fetch(url, { cache: 'no-store' });
  let body = null;
  try { body = await r.json(); } catch (e) { body = { error: r.statusText }; }
  if (!r.ok) throw new Error(body.error || r.statusText);
  return body;
}

const isNum = (v) => typeof v === 'number' && Number.isFinite(v);
const pct = (v) => (isNum(v) ? (100 * v).toFixed(2) + ' %' : '–');
const num = (v) => (isNum(v) ? Number(v.toPrecision(4)).toString() : '–');
const int = (v) => (isNum(v) ? Math.round(v).toLocaleString('en-US') : '–');
function dur(v) {
  if (!isNum(v)) return '–';
  if (v < 60) return v.toFixed(1) + ' s';
  if (v < 3600) return (v / 60).toFixed(1) + ' min';
  return (v / 3600).toFixed(2) + ' h';
}
const badge = (s) => el('span', { class: 'badge ' + s }, s);
const runColor = (id) => PALETTE[[...state.selected].indexOf(id) % PALETTE.length] || PALETTE[0];
const runName = (id) => (state.runs.find((r) => r.id === id) || { name: id }).name;

// ---- views ----
function showView() {
  const view = (location.hash || '#runs').slice(1);
  for (const v of ['runs', 'studies', 'experiments'])
    document.getElementById('view-' + v).hidden = v !== view;
  for (const a of document.querySelectorAll('nav a')) a.classList.toggle('active', a.dataset.view === view);
  if (view === 'studies') refreshStudies();
  if (view === 'experiments') renderExperimentList();
  // A chart drawn while hidden has no size: redraw now that it shows.
  for (const g of Object.values(view === 'runs' ? state.charts : state.studyCharts)) g.resize();
}

// ---- runs table ----
const COLUMNS = [
  { key: 'name', label: 'run' },
  { key: 'status', label: 'status' },
  { key: 'model', label: 'model' },
  { key: 'dataset', label: 'dataset' },
  { key: 'optimizer', label: 'optimizer' },
  { key: 'lr', label: 'lr', fmt: num, numeric: true },
  { key: 'epochs_done', label: 'epochs', fmt: (v, r) => `${v}/${r.epochs ?? '?'}`, numeric: true },
  { key: 'best_test_accuracy', label: 'best test acc', fmt: pct, numeric: true },
  { key: 'final_test_accuracy', label: 'final test acc', fmt: pct, numeric: true },
  { key: 'best_val_accuracy', label: 'best val acc', fmt: pct, numeric: true },
  { key: 'time_s', label: 'time', fmt: dur, numeric: true },
  { key: 'images_per_second', label: 'images/s', fmt: int, numeric: true },
];

function visibleRuns() {
  const f = state.filter.toLowerCase();
  const rows = state.runs.filter((r) =>
    !f || ['name', 'model', 'dataset', 'optimizer', 'status'].some((k) => String(r[k] ?? '').toLowerCase().includes(f)));
  const { key, dir } = state.sort;
  rows.sort((a, b) => {
    const x = a[key], y = b[key];
    if (x === y) return 0;
    if (x === null || x === undefined) return 1;
    if (y === null || y === undefined) return -1;
    return (x < y ? -1 : 1) * dir;
  });
  return rows;
}

function renderRunsTable() {
  const table = document.getElementById('runs-table');
  const head = el('tr', {}, el('th', { title: 'draw its curves' }, '✓'),
    COLUMNS.map((c) => el('th', {
      'data-key': c.key,
      class: state.sort.key === c.key ? (state.sort.dir > 0 ? 'sorted-asc' : 'sorted-desc') : null,
      onclick: () => {
        state.sort = { key: c.key, dir: state.sort.key === c.key ? -state.sort.dir : (c.numeric ? -1 : 1) };
        renderRunsTable();
      },
    }, c.label)));
  table.tHead.replaceChildren(head);
  const rows = visibleRuns();
  table.tBodies[0].replaceChildren(...rows.map((r) => el('tr', { 'data-id': r.id, class: r.id === state.focus ? 'focus' : null },
    el('td', {}, el('input', {
      type: 'checkbox', checked: state.selected.has(r.id), 'aria-label': 'draw ' + r.name,
      onchange: (e) => { if (e.target.checked) state.selected.add(r.id); else state.selected.delete(r.id); pollSelected(); },
    })),
    COLUMNS.map((c) => {
      const v = r[c.key];
      if (c.key === 'name')
        return el('td', { 'data-key': c.key }, el('a', { onclick: () => focusRun(r.id) }, v),
          r.corrupt_lines ? el('span', { class: 'warn', title: 'lines of metrics.jsonl skipped' }, ` (${r.corrupt_lines} bad lines)`) : null,
          r.error ? el('span', { class: 'error', title: r.error }, ' ⚠') : null);
      if (c.key === 'status') return el('td', { 'data-key': c.key }, badge(v));
      return el('td', { 'data-key': c.key, class: c.numeric ? 'num' : null }, c.fmt ? c.fmt(v, r) : (v ?? '–'));
    }))));
  document.getElementById('run-count').textContent = `${rows.length} of ${state.runs.length} runs`;
}

// ---- learning curves ----
// Each chart: per ticked run, one line per split (train dashed, validation dotted, test solid).
const CHARTS = {
  loss: { title: 'Loss', ylabel: 'cross-entropy loss', series: [['train_loss', 'train'], ['val_loss', 'val'], ['test_loss', 'test']] },
  accuracy: { title: 'Accuracy', ylabel: 'accuracy (%)', scale: 100,
              series: [['train_accuracy', 'train'], ['val_accuracy', 'val'], ['test_accuracy', 'test']] },
  // Rates and speeds of different runs differ by orders of magnitude: a log axis shows each.
  lr: { title: 'Learning rate', ylabel: 'learning rate (log scale)', log: true, series: [['lr', 'lr']] },
  speed: { title: 'Training speed', ylabel: 'images / s (log scale)', log: true,
           series: [['images_per_second', 'images/s']] },
};

function shortName(id) {
  const n = runName(id);
  return n.length > 28 ? '…' + n.slice(-27) : n;
}

function chartData(spec) {
  const labels = ['epoch'], series = {}, colors = [], columns = [];
  for (const id of state.selected) {
    const m = state.metrics.get(id);
    if (!m || !m.records.length) continue;
    for (const [key, split] of spec.series) {
      if (!m.records.some((r) => isNum(r[key]))) continue;
      const label = spec.series.length > 1 ? `${shortName(id)} ${split}` : shortName(id);
      labels.push(label);
      colors.push(runColor(id));
      series[label] = { strokePattern: split === 'train' ? Dygraph.DASHED_LINE : split === 'val' ? Dygraph.DOTTED_LINE : null };
      columns.push({ id, key });
    }
  }
  const epochs = new Set();
  for (const c of columns) for (const r of state.metrics.get(c.id).records) epochs.add(r.epoch);
  const rows = [...epochs].sort((a, b) => a - b).map((e) => [e, ...columns.map((c) => {
    const r = state.metrics.get(c.id).records.find((x) => x.epoch === e);
    return r && isNum(r[c.key]) ? r[c.key] * (spec.scale || 1) : null;
  })]);
  return { labels, series, colors, rows };
}

function drawCharts() {
  for (const [name, spec] of Object.entries(CHARTS)) {
    const div = document.getElementById('chart-' + name);
    const { labels, series, colors, rows } = chartData(spec);
    if (!rows.length) {
      if (state.charts[name]) { state.charts[name].destroy(); delete state.charts[name]; }
      div.replaceChildren(el('p', { class: 'empty' }, `${spec.title}: tick a run with finished epochs to draw it.`));
      document.getElementById('legend-' + name).replaceChildren();
      continue;
    }
    const options = {
      labels, series, colors, file: rows,
      title: spec.title, xlabel: 'epoch', ylabel: spec.ylabel,
      legend: 'always', labelsDiv: 'legend-' + name, labelsSeparateLines: false,
      drawPoints: true, pointSize: 2.5, strokeWidth: 1.8, connectSeparatedPoints: true,
      logscale: !!spec.log, xRangePad: 8, yRangePad: 8,
      axes: { x: { axisLabelFormatter: (x) => (Number.isInteger(x) ? String(x) : ''), valueFormatter: (x) => 'epoch ' + x },
              y: Object.assign({ axisLabelWidth: 60 },
                               spec.log ? { axisLabelFormatter: (v) => Number(v.toPrecision(2)).toString() } : {}) },
    };
    if (state.charts[name]) state.charts[name].updateOptions(options);
    else { div.replaceChildren(); state.charts[name] = new Dygraph(div, rows, options); }
  }
}

// ---- one run: confusion matrix and per-class accuracy ----
function focusRun(id) {
  state.focus = id;
  renderRunsTable();
  pollRun(id).then(renderRunDetail);
}

function renderRunDetail() {
  const box = document.getElementById('run-detail');
  const m = state.focus && state.metrics.get(state.focus);
  if (!m || !m.detail) { box.replaceChildren(); return; }
  const d = m.detail;
  const notes = [];
  if (d.corrupt_lines) notes.push(el('p', { class: 'warn' }, `metrics.jsonl: ${d.corrupt_lines} line(s) are not epoch records and were skipped (lines ${d.corrupt_at.join(', ')}).`));
  if (d.partial_tail) notes.push(el('p', { class: 'hint' }, 'metrics.jsonl: its last line is being written.'));
  if (d.summary_error) notes.push(el('p', { class: 'warn' }, d.summary_error));
  if (d.error) notes.push(el('p', { class: 'error' }, d.error));
  const test = d.summary && d.summary.test;
  let body;
  if (!test || !test.confusion) {
    body = el('p', { class: 'empty' }, d.status === 'training'
      ? 'Training: the confusion matrix comes with summary.json when the run finishes.'
      : 'No summary.json: the run has not finished (or stopped before its end).');
  } else {
    const names = test.per_class.map((c) => String(c.class));
    const max = Math.max(1, ...test.confusion.flat());
    const matrix = el('table', { class: 'confusion', id: 'confusion' },
      el('tr', {}, el('th', {}, 'true \\ predicted'), names.map((n) => el('th', {}, n))),
      test.confusion.map((row, i) => el('tr', {}, el('th', {}, names[i]), row.map((v, j) => el('td', {
        style: `background: rgba(31, 111, 235, ${(v / max).toFixed(3)}); color: ${v / max > 0.55 ? '#fff' : '#1d2733'}`,
        title: `true ${names[i]}, predicted ${names[j]}: ${v}`,
      }, v)))));
    const perClass = el('table', { class: 'data', id: 'per-class' },
      el('tr', {}, el('th', {}, 'class'), el('th', {}, 'samples'), el('th', {}, 'correct'), el('th', {}, 'accuracy'), el('th', {}, '')),
      test.per_class.map((c) => el('tr', {}, el('td', {}, String(c.class)), el('td', { class: 'num' }, c.count),
        el('td', { class: 'num' }, c.correct), el('td', { class: 'num' }, pct(c.accuracy)),
        el('td', { class: 'bar-cell' }, el('div', { class: 'bar', style: `width: ${isNum(c.accuracy) ? 100 * c.accuracy : 0}%` })))));
    body = el('div', { class: 'detail-grid' },
      el('div', {}, el('h3', {}, 'Confusion matrix (test split; rows: true class)'), matrix),
      el('div', {}, el('h3', {}, `Per-class accuracy (test: ${pct(test.accuracy)} of ${test.count})`), perClass));
  }
  box.replaceChildren(el('div', { class: 'panel' },
    el('h2', {}, d.name, ' ', badge(d.status), ' ',
      el('small', { class: 'hint' }, [d.model, d.dataset, d.optimizer].filter(Boolean).join(' · '))),
    notes, body));
}

// ---- polling ----
async function pollRun(id) {
  const m = state.metrics.get(id) || { records: [], detail: null };
  const d = await getJSON(`/api/run?id=${encodeURIComponent(id)}&from=${m.records.length}`);
  // The file may have been rewritten shorter (a resumed run rewrites it): start over.
  if (d.epochs_done < m.records.length) { state.metrics.delete(id); return pollRun(id); }
  const grew = d.records.length > 0;
  m.records.push(...d.records);
  m.detail = d;
  state.metrics.set(id, m);
  return grew;
}

async function pollSelected() {
  const ids = [...state.selected];
  if (state.focus && !state.selected.has(state.focus)) ids.push(state.focus);
  await Promise.all(ids.map((id) => pollRun(id).catch(() => false)));
  drawCharts();
  renderRunDetail();
}

async function refreshRuns() {
  const j = await getJSON('/api/runs');
  state.runs = j.runs;
  state.experiments = j.experiments;
  const known = new Set(state.runs.map((r) => r.id));
  for (const id of [...state.selected]) if (!known.has(id)) state.selected.delete(id);
  if (state.firstLoad) {
    // At first, the latest runs are drawn and the latest finished one is shown in detail.
    const latest = [...state.runs].sort((a, b) => b.updated - a.updated);
    latest.slice(0, 4).forEach((r) => state.selected.add(r.id));
    const finished = latest.find((r) => r.status === 'finished');
    state.focus = finished ? finished.id : null;
    state.firstLoad = false;
  }
  // A run that starts training while the page is open is drawn as soon as it appears.
  for (const r of state.runs) if (r.status === 'training' && !state.seen?.has(r.id)) state.selected.add(r.id);
  state.seen = known;
  renderRunsTable();
}

async function poll() {
  const live = document.getElementById('live');
  try {
    await refreshRuns();
    await pollSelected();
    state.polls++;
    live.textContent = 'live · updated ' + new Date().toLocaleTimeString('en-GB');
    live.classList.remove('stale');
  } catch (e) {
    live.textContent = 'server not answering: ' + e.message;
    live.classList.add('stale');
  }
  setTimeout(poll, POLL_MS);
}

// ---- studies ----
async function refreshStudies() {
  const list = document.getElementById('study-list');
  let j;
  try { j = await getJSON('/api/studies'); } catch (e) { list.replaceChildren(el('p', { class: 'error' }, e.message)); return; }
  if (!j.storages.length) { list.replaceChildren(el('p', { class: 'empty' }, 'No --storage given to nnlab board.')); return; }
  list.replaceChildren(...j.storages.map((s) => el('div', {},
    el('h3', {}, s.url),
    s.error ? el('p', { class: 'error' }, s.error)
      : el('ul', {}, s.studies.length ? s.studies.map((st) => el('li', {}, el('a', {
        class: state.study && state.study.storage === s.index && state.study.name === st.study ? 'active' : null,
        'data-study': st.study,
        onclick: () => { state.study = { storage: s.index, name: st.study }; refreshStudies(); showStudy(); },
      }, st.study, el('br'), el('small', {}, `${st.n_trials} trials · best ${num(st.best_value)} (${st.direction})`))))
        : el('li', { class: 'empty' }, 'no studies')))));
  if (!state.study) {
    const first = j.storages.find((s) => s.studies && s.studies.length);
    if (first) { state.study = { storage: first.index, name: first.studies[0].study }; refreshStudies(); showStudy(); }
  }
}

async function showStudy() {
  const box = document.getElementById('study-detail');
  const { storage, name } = state.study;
  let d;
  try {
    d = await getJSON(`/api/study?storage=${storage}&name=${encodeURIComponent(name)}`);
  } catch (e) {
    box.replaceChildren(el('div', { class: 'panel' }, el('h2', {}, name), el('p', { class: 'error' }, e.message)));
    return;
  }
  const s = d.summary;
  const params = [...new Set(d.trials.flatMap((t) => Object.keys(t.params || {})))];
  const fmtParam = (v) => (typeof v === 'number' ? num(v) : v === undefined ? '–' : String(v));
  const trials = el('table', { class: 'data', id: 'trials-table' },
    el('tr', {}, ['#', 'state', 'value', ...params, 'duration', 'attempt', 'retry of'].map((h) => el('th', {}, h))),
    d.trials.map((t) => el('tr', {}, el('td', { class: 'num' }, t.number), el('td', {}, badge(t.counted === false ? 'failed' : t.state)),
      el('td', { class: 'num' }, num(t.value)), params.map((p) => el('td', { class: 'num' }, fmtParam((t.params || {})[p]))),
      el('td', { class: 'num' }, dur(t.duration_s)), el('td', { class: 'num' }, t.attempt), el('td', { class: 'num' }, t.retry_of ?? '–'))));
  const importance = el('table', { class: 'data', id: 'importance' },
    el('tr', {}, el('th', {}, 'parameter'), el('th', {}, 'importance'), el('th', {}, ''), el('th', {}, 'trials')),
    d.importance.map((p) => el('tr', {}, el('td', {}, p.name), el('td', { class: 'num' }, pct(p.importance)),
      el('td', { class: 'bar-cell' }, el('div', { class: 'bar', style: `width: ${100 * p.importance}%` })), el('td', { class: 'num' }, p.trials))));
  box.replaceChildren(el('div', { class: 'panel' },
    el('h2', {}, name, ' ', el('small', { class: 'hint' },
      `${s.direction} · ${s.n_trials} trials · best ${num(s.best_value)}${s.best_trial !== null ? ' (trial ' + s.best_trial + ')' : ''}`)),
    el('div', { class: 'charts' },
      el('figure', {}, el('div', { class: 'chart', id: 'chart-history' }), el('div', { class: 'legend', id: 'legend-history' })),
      el('figure', {}, el('div', { class: 'chart', id: 'chart-intermediate' }), el('div', { class: 'legend', id: 'legend-intermediate' }))),
    el('h3', {}, 'Parameter importance (share of the objective\'s rank variance each explains alone)'), importance,
    el('h3', {}, 'Trials'), el('div', { class: 'table-wrap' }, trials)));
  drawStudyCharts(d);
}

function drawStudyCharts(d) {
  for (const g of Object.values(state.studyCharts)) g.destroy();
  state.studyCharts = {};
  const maximize = d.summary.direction === 'maximize';
  const done = d.trials.filter((t) => t.state === 'complete' && isNum(t.value)).sort((a, b) => a.number - b.number);
  let best = null;
  const history = done.map((t) => {
    best = best === null ? t.value : (maximize ? Math.max(best, t.value) : Math.min(best, t.value));
    return [t.number, t.value, best];
  });
  if (history.length)
    state.studyCharts.history = new Dygraph('chart-history', history, {
      labels: ['trial', 'objective value', 'best so far'], title: 'Optimisation history', xlabel: 'trial number',
      ylabel: 'objective value', legend: 'always', labelsDiv: 'legend-history', colors: ['#1f77b4', '#d62728'],
      series: { 'objective value': { strokeWidth: 0, drawPoints: true, pointSize: 4 }, 'best so far': { stepPlot: true, strokeWidth: 2 } },
      xRangePad: 10, yRangePad: 10,
    });
  else document.getElementById('chart-history').replaceChildren(el('p', { class: 'empty' }, 'No complete trial yet.'));
  const reported = d.trials.filter((t) => t.intermediate && t.intermediate.length && ['complete', 'pruned'].includes(t.state));
  if (reported.length) {
    const steps = [...new Set(reported.flatMap((t) => t.intermediate.map((iv) => iv[0])))].sort((a, b) => a - b);
    const rows = steps.map((s) => [s, ...reported.map((t) => { const iv = t.intermediate.find((x) => x[0] === s); return iv ? iv[1] : null; })]);
    state.studyCharts.intermediate = new Dygraph('chart-intermediate', rows, {
      labels: ['step', ...reported.map((t) => `#${t.number} ${t.state}`)], title: 'Intermediate values (complete and pruned trials)',
      xlabel: 'step (epoch)', ylabel: 'reported value', legend: 'always', labelsDiv: 'legend-intermediate',
      colors: reported.map((t) => STATE_COLORS[t.state]), connectSeparatedPoints: true, drawPoints: true, pointSize: 2,
      xRangePad: 8, yRangePad: 8,
    });
  } else document.getElementById('chart-intermediate').replaceChildren(el('p', { class: 'empty' }, 'No trial reported intermediate values.'));
}

// ---- experiments ----
function renderExperimentList() {
  const list = document.getElementById('experiment-list');
  const ex = state.experiments || [];
  list.replaceChildren(ex.length ? el('ul', {}, ex.map((x) => el('li', {}, el('a', {
    class: state.experiment === x.id ? 'active' : null, 'data-id': x.id,
    onclick: () => { state.experiment = x.id; renderExperimentList(); showExperiment(x.id); },
  }, x.title || x.name, el('br'), el('small', {}, x.name)))))
    : el('p', { class: 'empty' }, 'No experiment report (report.md with results.json) below the --runs folders.'));
}

async function showExperiment(id) {
  const box = document.getElementById('experiment-detail');
  try {
    const d = await getJSON(`/api/experiment?id=${encodeURIComponent(id)}`);
    // cmark-gfm rendered it in its safe mode (no raw HTML); the report's own files are
    // fetched through /api/file, which keeps them inside the report's folder.
    box.innerHTML = d.html;
    const local = (u) => u && !/^([a-z][a-z0-9+.-]*:|\/|#)/i.test(u);
    for (const img of box.querySelectorAll('img'))
      if (local(img.getAttribute('src'))) img.src = `/api/file?id=${encodeURIComponent(id)}&name=${encodeURIComponent(decodeURIComponent(img.getAttribute('src')))}`;
    for (const a of box.querySelectorAll('a'))
      if (local(a.getAttribute('href'))) a.href = `/api/file?id=${encodeURIComponent(id)}&name=${encodeURIComponent(decodeURIComponent(a.getAttribute('href')))}`;
  } catch (e) {
    box.replaceChildren(el('p', { class: 'error' }, e.message));
  }
}

// ---- start ----
document.getElementById('run-filter').addEventListener('input', (e) => { state.filter = e.target.value; renderRunsTable(); });
window.addEventListener('hashchange', showView);
showView();
poll();
