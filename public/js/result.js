/* global document */
/**
 * The result panel: the predicted digit, the ten probabilities as bars, and the 28x28 image
 * the model received. Its states (`data-state` on #result): `empty` (nothing to read),
 * `result`, `error`; `aria-busy` while a request is on its way. Only the #status line is a
 * live region, so a screen reader hears one sentence per answer.
 */

const $ = (id) => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} is missing from the page`);
  return el;
};

export const EMPTY_MESSAGE = 'Draw a digit';

const percent = (p) => `${(100 * p).toFixed(1)}%`;

export class ResultView {
  constructor() {
    this.root = $('result');
    this.digit = $('prediction');
    this.status = $('status');
    this.confidence = $('confidence');
    this.detail = $('error-detail');
    this.bars = $('bars');
    this.image = /** @type {HTMLImageElement} */ ($('model-input'));
    this.imageEmpty = $('model-input-empty');
    this.caption = $('model-input-caption');
    this.modelRef = $('model-ref');
    this.rows = [];
    for (let d = 0; d < 10; d++) {
      const li = document.createElement('li');
      li.dataset.digit = String(d);
      const label = document.createElement('span');
      label.className = 'bar__label';
      label.textContent = String(d);
      const track = document.createElement('span');
      track.className = 'bar__track';
      track.setAttribute('aria-hidden', 'true');
      const fill = document.createElement('span');
      fill.className = 'bar__fill';
      track.append(fill);
      const value = document.createElement('span');
      value.className = 'bar__value';
      const spoken = document.createElement('span');
      spoken.className = 'visually-hidden';
      li.append(label, track, value, spoken);
      this.bars.append(li);
      this.rows.push({ li, fill, value, spoken });
    }
    this.empty();
  }

  /** @param {boolean} busy */
  setBusy(busy) {
    if (busy) this.root.setAttribute('aria-busy', 'true');
    else this.root.removeAttribute('aria-busy');
  }

  /**
   * Nothing to read: a blank pad, or a picture the server found no digit in.
   * @param {string} [why] a sentence shown under the status (e.g. the server's no_digit detail)
   */
  empty(why) {
    this.setBusy(false);
    this.root.dataset.state = 'empty';
    this.digit.textContent = '?';
    this.#say(why ? `No digit found. ${EMPTY_MESSAGE}.` : EMPTY_MESSAGE);
    this.confidence.textContent = why ?? 'The prediction appears here as you draw.';
    this.detail.hidden = true;
    this.#bars(null);
    this.#modelInput(null);
  }

  /**
   * @param {{prediction: number, confidence: number, probabilities: number[], model?: {name: string, sha256: string},
   *          debug?: {mode?: string, png?: string}}} r
   */
  show(r) {
    this.setBusy(false);
    this.root.dataset.state = 'result';
    this.root.dataset.prediction = String(r.prediction);
    this.digit.textContent = String(r.prediction);
    this.#say(`Prediction: ${r.prediction}`);
    this.confidence.textContent = `${percent(r.confidence)} confident`;
    this.detail.hidden = true;
    this.#bars(r.probabilities, r.prediction);
    this.#modelInput(r.debug ?? null);
    this.modelRef.textContent = r.model ? `Model ${r.model.name}, weights sha256 ${r.model.sha256.slice(0, 12)}…` : '';
  }

  /** @param {{title: string, detail: string}} message */
  error(message) {
    this.setBusy(false);
    this.root.dataset.state = 'error';
    delete this.root.dataset.prediction;
    this.digit.textContent = '!';
    this.#say(message.title);
    this.confidence.textContent = '';
    this.detail.textContent = message.detail;
    this.detail.hidden = !message.detail;
    this.#bars(null);
    this.#modelInput(null);
  }

  #say(text) {
    // the live region announces changes only: skip rewrites of the same sentence
    if (this.status.textContent !== text) this.status.textContent = text;
    if (this.root.dataset.state !== 'result') delete this.root.dataset.prediction;
  }

  #bars(probabilities, top) {
    this.rows.forEach(({ li, fill, value, spoken }, d) => {
      const p = probabilities ? Number(probabilities[d]) || 0 : 0;
      fill.style.setProperty('--p', String(Math.min(1, Math.max(0, p))));
      value.textContent = probabilities ? percent(p) : '–';
      spoken.textContent = probabilities ? '' : 'no value';
      li.classList.toggle('is-top', probabilities !== null && d === top);
    });
  }

  #modelInput(debug) {
    if (debug?.png) {
      this.image.src = debug.png;
      this.image.alt = 'The 28 by 28 pixel image the model received, enlarged';
      this.image.hidden = false;
      this.imageEmpty.hidden = true;
      this.caption.textContent = `What the model received: the 28×28 input, enlarged${debug.mode ? ` (preprocessing: ${debug.mode})` : ''}.`;
      return;
    }
    this.image.hidden = true;
    this.image.removeAttribute('src');
    this.imageEmpty.hidden = false;
    this.imageEmpty.textContent = debug === null && this.root.dataset.state === 'result' ? 'not sent by this server' : 'no image yet';
    this.caption.textContent = 'What the model received: the 28×28 input, enlarged.';
  }
}
