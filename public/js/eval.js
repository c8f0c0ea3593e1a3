/* global document, AbortController */
/**
 * The accuracy view: GET /eval as numbers, a per-digit table and the confusion matrix as a
 * heat map (rows: true digit, columns: predicted). A cell's colour is its share of the row on
 * a square-root scale, so the few confusions stay visible next to a diagonal of 0.9+; its text
 * is black or white, whichever contrasts more with the cell (always 4.5:1 or better).
 *
 * The heading names the set the answer was computed on (/eval's `dataset`), and the per-digit
 * bars run from a little under the lowest per-digit accuracy to 100% (the range labelled), so
 * digits at 95% and 100% do not both look full. A problem shows its title, then its detail.
 */
import { describeProblem, fetchEval } from './api.js';

const $ = (id) => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} is missing from the page`);
  return el;
};

/** light and dark ends of the heat map */
const LOW = [247, 249, 252];
const HIGH = [23, 74, 150];

/** @param {number} c 0..255 sRGB channel */
const linear = (c) => {
  const s = c / 255;
  return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
};
const luminance = ([r, g, b]) => 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);

/** @param {number} share 0..1 */
export function heatColours(share) {
  const t = Math.sqrt(Math.min(1, Math.max(0, share)));
  const rgb = LOW.map((lo, i) => Math.round(lo + (HIGH[i] - lo) * t));
  const l = luminance(rgb);
  // black text contrasts (l + 0.05) / 0.05, white text 1.05 / (l + 0.05): take the better
  const fg = (l + 0.05) / 0.05 >= 1.05 / (l + 0.05) ? '#000' : '#fff';
  return { bg: `rgb(${rgb.join(' ')})`, fg };
}

const pct = (x, digits = 2) => `${(100 * x).toFixed(digits)}%`;
/** a percentage without trailing zeros: 90%, 92.5% */
const pctShort = (x) => `${Number((100 * x).toFixed(1))}%`;

/** a sentence from the service's lower-case detail: a capital first, a full stop last */
const sentence = (text) => {
  const t = String(text ?? '').trim();
  if (!t) return '';
  return t[0].toUpperCase() + t.slice(1) + (/[.!?]$/.test(t) ? '' : '.');
};

/**
 * Where the per-digit bars start: a step of 5% under the lowest accuracy with a little room,
 * so the lowest bar is never empty; 0 when the accuracies spread far down anyway.
 * @param {number[]} accuracies 0..1
 */
export function barAxisStart(accuracies) {
  if (accuracies.length === 0) return 0;
  const lowest = Math.min(...accuracies);
  if (lowest < 0.5) return 0;
  return Math.max(0, Math.floor((lowest - 0.02) * 20 + 1e-9) / 20);
}
const int = (n) => Number(n).toLocaleString('en-US');

export class EvalView {
  /**
   * @param {() => string} apiKey
   * @param {() => void} onUnauthorized called on a 401, to point at the API key field
   * @param {() => (import('./api.js').ModelChoice | undefined)} [model] the model picked on the page
   * @param {() => (string[] | undefined)} [labels] what that model calls its classes
   */
  constructor(apiKey, onUnauthorized, model = () => undefined, labels = () => undefined) {
    this.apiKey = apiKey;
    /** the model and version picked on the page (models.js); undefined: the server's default */
    this.model = model;
    this.labels = labels;
    this.onUnauthorized = onUnauthorized;
    this.status = $('eval-status');
    this.heading = $('eval-heading');
    this.body = $('eval-body');
    this.reloadButton = /** @type {HTMLButtonElement} */ ($('eval-reload'));
    this.loaded = false;
    this.controller = null;
    this.reloadButton.addEventListener('click', () => void this.load());
  }

  /** Load once, the first time the view is shown. */
  ensureLoaded() {
    if (!this.loaded && !this.controller) void this.load();
  }

  async load() {
    this.controller?.abort();
    const controller = new AbortController();
    this.controller = controller;
    this.status.classList.remove('is-error');
    this.status.textContent = 'Loading the evaluation… (the first one can take a few seconds)';
    this.reloadButton.disabled = true;
    const result = await fetchEval({ apiKey: this.apiKey(), signal: controller.signal, model: this.model() });
    if (this.controller !== controller) return; // a newer load took over
    this.controller = null;
    this.reloadButton.disabled = false;
    if (!result.ok && result.aborted) return;
    if (!result.ok) {
      this.loaded = false;
      this.body.hidden = true;
      this.heading.textContent = 'Model accuracy';
      const { title, detail } = describeProblem(result.problem, { keySent: this.apiKey().trim() !== '' });
      this.status.classList.add('is-error');
      // the title, then the detail on a line of its own: two sentences, not one run together
      const titleEl = document.createElement('p');
      titleEl.className = 'eval-status__title';
      titleEl.append(strong(title));
      const detailEl = document.createElement('p');
      detailEl.className = 'eval-status__detail';
      detailEl.textContent = sentence(detail);
      this.status.replaceChildren(...(detail ? [titleEl, detailEl] : [titleEl]));
      this.status.dataset.code = result.problem.code;
      if (result.problem.code === 'unauthorized') this.onUnauthorized();
      return;
    }
    this.loaded = true;
    delete this.status.dataset.code;
    this.render(result.data);
  }

  render(report) {
    const total = Number(report.total);
    const ds = report.dataset ?? {};
    this.status.textContent = `Evaluated on ${int(total)} images.`;
    // which set, by the name and description the service gives: not every set is a test set
    this.heading.textContent = ds.name ? `Accuracy on ${ds.name}` : 'Model accuracy';
    $('eval-about').textContent = sentence(ds.description);
    $('eval-about').hidden = !ds.description;
    $('eval-accuracy').textContent = pct(report.accuracy);
    $('eval-accuracy').dataset.value = String(report.accuracy);
    $('eval-correct').textContent = `${int(report.correct)} of ${int(total)} images`;
    $('eval-dataset').textContent = [ds.name, ds.size === undefined ? null : `${int(ds.size)} images`, ds.description]
      .filter(Boolean)
      .join(' · ');
    $('eval-model').textContent = report.model?.name ?? 'unknown';
    $('eval-sha').textContent = report.model?.sha256 ?? '';
    const computed = report.computedAt ? new Date(report.computedAt) : null;
    const when = computed && !Number.isNaN(computed.getTime()) ? computed.toLocaleString() : (report.computedAt ?? '');
    const took = typeof report.durationMs === 'number' ? ` (took ${Math.round(report.durationMs)} ms)` : '';
    const computedEl = $('eval-computed');
    const time = document.createElement('time');
    time.dateTime = report.computedAt ?? '';
    time.textContent = when;
    computedEl.replaceChildren(time, document.createTextNode(took));
    this.#perClass(report.perClass ?? []);
    this.#confusion(report.confusionMatrix ?? []);
    this.body.hidden = false;
  }

  #perClass(perClass) {
    const table = $('per-class');
    const tbody = table.querySelector('tbody');
    // the bars' axis: from `start` (an empty bar) to 100% (a full one)
    const start = barAxisStart(perClass.map((c) => Number(c.accuracy)));
    table.dataset.axisStart = String(start);
    $('per-class-axis-from').textContent = pctShort(start);
    $('per-class-axis-to').textContent = '100%';
    $('per-class-scale').textContent =
      start > 0
        ? `The bars run from ${pctShort(start)} (empty) to 100% (full), so the differences between digits show.`
        : 'The bars run from 0% (empty) to 100% (full).';
    tbody.replaceChildren(
      ...perClass.map((c) => {
        const tr = document.createElement('tr');
        const th = document.createElement('th');
        th.scope = 'row';
        // a class that is not a digit (a fashion model's) is named after its number: "9 Ankle boot"
        const label = this.labels()?.[c.class];
        th.textContent = label && label !== String(c.class) ? `${c.class} ${label}` : String(c.class);
        const acc = document.createElement('td');
        const bar = document.createElement('span');
        bar.className = 'acc-bar';
        bar.setAttribute('aria-hidden', 'true');
        const fill = document.createElement('span');
        const p = start < 1 ? (Number(c.accuracy) - start) / (1 - start) : 1;
        fill.style.setProperty('--p', String(Math.min(1, Math.max(0, p))));
        bar.append(fill);
        acc.append(bar, document.createTextNode(pct(c.accuracy, 1)));
        const counts = document.createElement('td');
        counts.textContent = `${int(c.correct)} / ${int(c.total)}`;
        tr.append(th, acc, counts);
        return tr;
      }),
    );
  }

  /** @param {number[][]} matrix */
  #confusion(matrix) {
    const table = $('confusion');
    // two header rows: the axis name over the columns, then the predicted digits
    const axis = document.createElement('tr');
    const rowsAxis = document.createElement('td');
    rowsAxis.className = 'axis';
    rowsAxis.textContent = 'true ↓';
    const colsAxis = document.createElement('th');
    colsAxis.className = 'axis';
    colsAxis.scope = 'colgroup';
    colsAxis.colSpan = matrix.length;
    colsAxis.textContent = 'predicted →';
    axis.append(rowsAxis, colsAxis);
    const head = document.createElement('tr');
    const corner = document.createElement('td');
    head.append(corner);
    matrix.forEach((_, j) => {
      const th = document.createElement('th');
      th.scope = 'col';
      th.append(hidden('predicted '), String(j));
      head.append(th);
    });
    table.querySelector('thead').replaceChildren(axis, head);

    const rows = matrix.map((row, i) => {
      const rowTotal = row.reduce((a, b) => a + b, 0);
      const tr = document.createElement('tr');
      const th = document.createElement('th');
      th.scope = 'row';
      th.append(hidden('true '), String(i));
      tr.append(th);
      row.forEach((count, j) => {
        const td = document.createElement('td');
        const share = rowTotal > 0 ? count / rowTotal : 0;
        const { bg, fg } = heatColours(share);
        td.style.setProperty('--cell-bg', bg);
        td.style.setProperty('--cell-fg', fg);
        td.textContent = String(count);
        td.title = `true ${i}, predicted ${j}: ${int(count)} images (${pct(share, 1)} of the ${i}s)`;
        td.dataset.share = share.toFixed(4);
        if (i === j) td.classList.add('is-diagonal');
        tr.append(td);
      });
      return tr;
    });
    table.querySelector('tbody').replaceChildren(...rows);
  }
}

function hidden(text) {
  const el = document.createElement('span');
  el.className = 'visually-hidden';
  el.textContent = text;
  return el;
}

function strong(text) {
  const el = document.createElement('strong');
  el.textContent = text;
  return el;
}
