// nnlab board in headless Chromium (Playwright): the runs table and the charts' points
// against the run's own metrics.jsonl, the confusion matrix against summary.json, the
// study's trials, an experiment report; then a `nnlab train` started while the page is open
// must show its epochs on the page, one after another, without a reload. Screenshots at
// 1280x800 go to the artefacts folder.
//
//   node board_e2e.js '{"url": ..., "runs": DIR, "finished": NAME, "cli": PATH, "artifacts": DIR,
//                       "modules": NODE_MODULES, "trials": N, "train": [ARGS...]}'
'use strict';

const fs = require('fs');
const path = require('path');
const { spawn } = require('child_process');

const cfg = JSON.parse(process.argv[2]);
const { chromium } = require(path.join(cfg.modules, 'playwright-core'));

const jsonl = (file) => fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
const pct = (v) => (100 * v).toFixed(2) + ' %';
function check(cond, what) {
  if (!cond) throw new Error('check failed: ' + what);
  console.log('ok: ' + what);
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// The page's chart `name` as {labels, rows}, read from the Dygraph object itself.
const chartData = (page, name) => page.evaluate((n) => {
  const g = window.nnlabBoard.charts[n];
  if (!g) return null;
  const rows = [];
  for (let r = 0; r < g.numRows(); r++) {
    const row = [];
    for (let c = 0; c < g.numColumns(); c++) row.push(g.getValue(r, c));
    rows.push(row);
  }
  return { labels: g.getLabels(), rows };
}, name);

// The points of series `label` as a map epoch -> value.
function series(data, label) {
  const c = data.labels.indexOf(label);
  if (c < 0) return null;
  const out = new Map();
  for (const row of data.rows) if (row[c] !== null && !Number.isNaN(row[c])) out.set(row[0], row[c]);
  return out;
}

async function main() {
  fs.mkdirSync(cfg.artifacts, { recursive: true });
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  try {
    await page.goto(cfg.url + '#runs');

    // ---- the finished run: table row, chart points, confusion matrix ----
    const runDir = path.join(cfg.runs, cfg.finished);
    const records = jsonl(path.join(runDir, 'metrics.jsonl'));
    const config = JSON.parse(fs.readFileSync(path.join(runDir, 'config.json'), 'utf8'));
    const summary = JSON.parse(fs.readFileSync(path.join(runDir, 'summary.json'), 'utf8'));
    const row = page.locator(`#runs-table tbody tr[data-id="0/${cfg.finished}"]`);
    await row.waitFor();
    const cell = async (key) => (await row.locator(`td[data-key="${key}"]`).innerText()).trim();
    check(await cell('model') === config.model, `table: model ${config.model}`);
    check(await cell('dataset') === config.dataset, `table: dataset ${config.dataset}`);
    check(await cell('optimizer') === config.optimizer, `table: optimizer ${config.optimizer}`);
    check(await cell('epochs_done') === `${records.length}/${config.epochs}`, `table: epochs ${records.length}/${config.epochs}`);
    const last = records[records.length - 1];
    check(await cell('final_test_accuracy') === pct(last.test_accuracy), `table: final test accuracy ${pct(last.test_accuracy)}`);
    const best = Math.max(...records.map((r) => r.test_accuracy));
    check(await cell('best_test_accuracy') === pct(best), `table: best test accuracy ${pct(best)}`);
    check(await cell('status') === 'finished', 'table: status finished');

    await page.waitForFunction(() => window.nnlabBoard.charts.loss && window.nnlabBoard.charts.accuracy);
    const name = cfg.finished;
    const loss = await chartData(page, 'loss');
    const acc = await chartData(page, 'accuracy');
    const lr = await chartData(page, 'lr');
    for (const [data, label, key, scale] of [[loss, `${name} test`, 'test_loss', 1], [loss, `${name} train`, 'train_loss', 1],
      [acc, `${name} test`, 'test_accuracy', 100], [acc, `${name} val`, 'val_accuracy', 100], [lr, name, 'lr', 1]]) {
      const s = series(data, label);
      check(s !== null, `chart: a series "${label}" (${data.labels.join(', ')})`);
      check(s.size === records.length, `chart "${label}": ${records.length} points`);
      for (const r of records) check(s.get(r.epoch) === r[key] * scale, `chart "${label}" epoch ${r.epoch} = ${key} ${r[key]}`);
    }
    // The confusion matrix: each cell as summary.json counts it.
    await row.locator('td[data-key="name"] a').click();
    await page.locator('#run-detail h2', { hasText: cfg.finished }).waitFor();
    await page.locator('#confusion').waitFor();
    const matrix = await page.$$eval('#confusion tr', (trs) => trs.slice(1).map((tr) => [...tr.querySelectorAll('td')].map((td) => Number(td.textContent))));
    check(JSON.stringify(matrix) === JSON.stringify(summary.test.confusion), 'confusion matrix = summary.json test.confusion');
    const perClass = await page.$$eval('#per-class tr', (trs) => trs.length - 1);
    check(perClass === summary.test.per_class.length, `per-class accuracy: ${perClass} classes`);
    await page.screenshot({ path: path.join(cfg.artifacts, 'board-runs.png') });
    await page.screenshot({ path: path.join(cfg.artifacts, 'board-runs-full.png'), fullPage: true });

    // ---- sorting and filtering ----
    await page.fill('#run-filter', 'no-such-model');
    check(await page.locator('#runs-table tbody tr').count() === 0, 'filter: nothing matches a made-up model');
    await page.fill('#run-filter', config.model);
    check(await page.locator('#runs-table tbody tr').count() >= 1, `filter "${config.model}": the run stays`);
    await page.fill('#run-filter', '');
    await page.click('#runs-table th[data-key="name"]');
    const names = await page.$$eval('#runs-table tbody td[data-key="name"] a', (as) => as.map((a) => a.textContent));
    check(JSON.stringify(names) === JSON.stringify([...names].sort()), `sort by name: ${names.join(', ')}`);

    // ---- the study ----
    await page.goto(cfg.url + '#studies');
    await page.locator('#trials-table').waitFor();
    const trialRows = await page.locator('#trials-table tr').count() - 1;
    check(trialRows === cfg.trials, `study: ${cfg.trials} trials in the table`);
    await page.waitForFunction(() => window.nnlabBoard.studyCharts.history && window.nnlabBoard.studyCharts.intermediate);
    const complete = await page.$$eval('#trials-table tr td:nth-child(2)', (tds) => tds.filter((td) => td.textContent === 'complete').length);
    const historyRows = await page.evaluate(() => window.nnlabBoard.studyCharts.history.numRows());
    check(historyRows === complete, `best-so-far chart: one point per complete trial (${complete})`);
    check(await page.locator('#importance tr').count() === cfg.params + 1, `importance: ${cfg.params} parameter(s)`);
    await page.screenshot({ path: path.join(cfg.artifacts, 'board-studies.png') });

    // ---- an experiment report ----
    await page.goto(cfg.url + '#experiments');
    await page.locator('#experiment-list a').first().click();
    await page.locator('#experiment-detail img').first().waitFor();
    // The plots load after the page: wait (up to Playwright's 30 s) until each has finished,
    // loaded or broken, then check that every one loaded.
    await page.waitForFunction(() => [...document.querySelectorAll('#experiment-detail img')].every((i) => i.complete));
    const loaded = await page.$$eval('#experiment-detail img', (imgs) => imgs.map((i) => i.complete && i.naturalWidth > 0));
    check(loaded.length > 0 && loaded.every(Boolean), `experiment: its ${loaded.length} plots load`);
    await page.screenshot({ path: path.join(cfg.artifacts, 'board-experiment.png') });

    // ---- live: a run started now appears, epoch by epoch, without a reload ----
    await page.goto(cfg.url + '#runs');
    await page.locator(`#runs-table tbody tr[data-id="0/${cfg.finished}"]`).waitFor();
    await page.evaluate(() => { window.__sameDocument = 'yes'; });
    const liveName = 'live';
    const train = spawn(cfg.cli, ['train', ...cfg.train, '--out', path.join(cfg.runs, liveName)], { stdio: 'ignore' });
    let exited = null;
    train.on('exit', (code) => { exited = code; });
    const seen = new Set();  // what the page showed of the run while its trainer ran
    let sawTraining = false;
    let shot = false;
    const deadline = Date.now() + 120000;
    while (Date.now() < deadline) {
      const state = await page.evaluate((id) => {
        const tr = document.querySelector(`#runs-table tbody tr[data-id="${id}"]`);
        const g = window.nnlabBoard.charts.loss;
        const c = g ? g.getLabels().indexOf('live test') : -1;
        let points = 0;
        if (c > 0) for (let r = 0; r < g.numRows(); r++) if (g.getValue(r, c) !== null) points++;
        return tr ? { epochs: tr.querySelector('td[data-key="epochs_done"]').textContent,
                      status: tr.querySelector('td[data-key="status"]').textContent, points,
                      same: window.__sameDocument } : null;
      }, '0/' + liveName);
      if (state) {
        if (state.same !== 'yes') throw new Error('check failed: the page was reloaded');
        if (state.status === 'training') sawTraining = true;
        if (exited === null) seen.add(state.epochs + ' / ' + state.points + ' points');  // the trainer still runs
        if (state.status === 'training' && state.points >= 1 && !shot) {
          await page.screenshot({ path: path.join(cfg.artifacts, 'board-live.png') });
          shot = true;
        }
        if (state.status === 'finished' && exited !== null) break;
      }
      await sleep(250);
    }
    check(exited === 0, 'the live nnlab train finished, and the page was never reloaded');
    check(sawTraining, 'the table showed the run as training');
    console.log('seen while training: ' + [...seen].join('; '));
    const liveRecords = jsonl(path.join(cfg.runs, liveName, 'metrics.jsonl'));
    const partial = [...seen].map((s) => Number(s.split(' / ')[1].split(' ')[0])).filter((p) => p >= 1 && p < liveRecords.length);
    check(partial.length > 0, `the page drew epochs of the live run while it trained, before its last (${liveRecords.length})`);
    // Its points, once finished, are its metrics.jsonl.
    let liveLoss = null;
    for (let i = 0; i < 40; i++) {
      liveLoss = series(await chartData(page, 'loss'), 'live test');
      if (liveLoss && liveLoss.size === liveRecords.length) break;
      await sleep(250);
    }
    check(liveLoss && liveLoss.size === liveRecords.length, `live chart: all ${liveRecords.length} epochs`);
    for (const r of liveRecords) check(liveLoss.get(r.epoch) === r.test_loss, `live chart epoch ${r.epoch} = test_loss ${r.test_loss}`);
    await page.screenshot({ path: path.join(cfg.artifacts, 'board-runs-after-live.png') });
    check(errors.length === 0, 'no errors in the page: ' + errors.join(' | '));
  } finally {
    await browser.close();
  }
}

main().then(() => { console.log('board e2e: passed'); process.exit(0); },
  (e) => { console.error('board e2e: ' + (e && e.stack || e)); process.exit(1); });
