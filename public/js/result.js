/* global document */
/**
 * The result panel: the predicted digit, the ten probabilities as bars, and the 28x28 image
 * the model received; in number mode the whole string and each digit's ten probabilities,
 * compactly. Its states (`data-state` on #result): `empty` (nothing to read),
 * `result`, `error`; `aria-busy` while a request is on its way. Only the #status line is a
 * live region, so a screen reader hears one sentence per answer.
 */

const $ = (id) => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} is missing from the page`);
  return el;
};

export const EMPTY_MESSAGE = 'Draw a digit';
export const EMPTY_NUMBER_MESSAGE = 'Write a number';

const percent = (p) => `${(100 * p).toFixed(1)}%`;

/** what the classes of a digit model are called */
export const DIGIT_LABELS = Array.from({ length: 10 }, (_, d) => String(d));

export class ResultView {
  /** what each class of the chosen model is called: a fashion model's are "T-shirt/top" ... "Ankle boot" */
  labels = DIGIT_LABELS;

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
    this.rows = makeBars(this.bars);
    this.warning = $('multi-warning');
    this.warningTitle = $('multi-warning-title');
    this.warningLive = $('multi-warning-live');
    this.warningText = $('multi-warning-text');
    this.digitDetails = $('digit-details');
    this.numberDetails = $('number-details');
    this.cards = $('digit-cards');
    /** `digit` (POST /predict, one digit) or `number` (POST /read, a whole number) */
    this.mode = 'digit';
    this.empty();
  }

  /**
   * Show the parts of the panel for one mode (the caller shows the mode's own answer next).
   * @param {'digit' | 'number'} mode
   */
  setMode(mode) {
    this.mode = mode;
    this.root.dataset.mode = mode;
    this.digitDetails.hidden = mode !== 'digit';
    this.numberDetails.hidden = mode !== 'number' || this.cards.childElementCount === 0;
    // the other mode's offer is not this one's
    this.#warn(null);
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
    const message = this.mode === 'number' ? EMPTY_NUMBER_MESSAGE : EMPTY_MESSAGE;
    this.#say(why ? `No digit found. ${message}.` : message);
    this.confidence.textContent =
      why ?? (this.mode === 'number' ? 'The number appears here as you write.' : 'The prediction appears here as you draw.');
    this.detail.hidden = true;
    this.#warn(null);
    this.#bars(null);
    this.#modelInput(null);
    this.#cards(null);
  }

  /**
   * @param {{prediction: number, confidence: number, probabilities: number[], model?: {name: string, sha256: string},
   *          debug?: {mode?: string, png?: string}, digitsFound?: number, warning?: string}} r
   */
  show(r) {
    this.setBusy(false);
    this.root.dataset.state = 'result';
    this.root.dataset.prediction = String(r.prediction);
    const name = this.labels[r.prediction] ?? String(r.prediction);
    this.digit.textContent = name;
    this.digit.classList.toggle('is-word', name.length > 2);
    const several = typeof r.digitsFound === 'number' && r.digitsFound > 1;
    this.#say(`Prediction: ${name}`);
    this.confidence.textContent = `${percent(r.confidence)} confident`;
    this.detail.hidden = true;
    this.#warn(several ? { count: /** @type {number} */ (r.digitsFound), text: r.warning ?? '' } : null);
    this.#bars(r.probabilities, r.prediction);
    this.#modelInput(r.debug ?? null);
    this.#modelRef(r.model);
  }

  /**
   * A whole number read by POST /read: the string large, its confidence, and each digit's ten
   * probabilities, compactly, left to right.
   * @param {{text: string, confidence: number, digits: Array<{prediction: number, confidence: number, probabilities: number[]}>,
   *          model?: {name: string, sha256: string}}} r
   */
  showNumber(r) {
    this.setBusy(false);
    this.root.dataset.state = 'result';
    this.root.dataset.prediction = r.text;
    this.digit.textContent = r.text;
    const n = r.digits.length;
    this.#say(`Number: ${r.text}`);
    this.confidence.textContent = `${percent(r.confidence)} confident in the whole number (${n} ${n === 1 ? 'digit' : 'digits'})`;
    this.detail.hidden = true;
    this.#warn(null);
    this.#cards(r.digits);
    this.#modelRef(r.model);
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
    this.#warn(null);
    this.#bars(null);
    this.#modelInput(null);
    this.#cards(null);
  }

  #modelRef(model) {
    this.modelRef.textContent = model ? `Model ${model.name}, version ${model.version}, weights sha256 ${model.sha256.slice(0, 12)}…` : '';
  }

  /** @param {{count: number, text: string} | null} found how many digits /predict found, and its warning */
  #warn(found) {
    this.warning.hidden = found === null;
    const title = found ? `${found.count} digits found: this answer reads the picture as one digit.` : '';
    this.warningTitle.textContent = title;
    // said after the status sentence, by a live region of its own that stays on the page (a
    // region that appears with its text is not reliably announced)
    if (this.warningLive.textContent !== title) this.warningLive.textContent = title;
    this.warningText.textContent = found?.text ?? '';
    this.warningText.hidden = !found?.text;
  }

  /** @param {Array<{prediction: number, confidence: number, probabilities: number[]}> | null} digits */
  #cards(digits) {
    // no heading over no cards: the section shows with an answer only
    this.numberDetails.hidden = this.mode !== 'number' || !digits;
    if (!digits) {
      this.cards.replaceChildren();
      return;
    }
    const n = digits.length;
    this.cards.replaceChildren(
      ...digits.map((d, i) => {
        const li = document.createElement('li');
        li.className = 'digit-card';
        li.dataset.index = String(i);
        li.dataset.prediction = String(d.prediction);
        if (d.confidence < UNSURE) li.classList.add('is-unsure');
        const head = document.createElement('p');
        head.className = 'digit-card__head';
        head.id = `digit-card-${i}`;
        const place = document.createElement('span');
        place.className = 'digit-card__place';
        place.textContent = `${i + 1}/${n}`;
        place.setAttribute('aria-hidden', 'true');
        const spoken = document.createElement('span');
        spoken.className = 'visually-hidden';
        spoken.textContent = `Digit ${i + 1} of ${n}: `;
        const digit = document.createElement('span');
        digit.className = 'digit-card__digit';
        digit.textContent = String(d.prediction);
        const conf = document.createElement('span');
        conf.className = 'digit-card__confidence';
        conf.textContent = percent(d.confidence);
        head.append(place, spoken, digit, hidden(', '), conf, hidden(' confident'));
        const bars = document.createElement('ol');
        bars.className = 'bars bars--compact';
        bars.setAttribute('aria-labelledby', head.id);
        fillBars(makeBars(bars), d.probabilities, d.prediction);
        li.append(head, bars);
        return li;
      }),
    );
  }

  #say(text) {
    // the live region announces changes only: skip rewrites of the same sentence
    if (this.status.textContent !== text) this.status.textContent = text;
    if (this.root.dataset.state !== 'result') delete this.root.dataset.prediction;
  }

  #bars(probabilities, top) {
    this.rows.forEach(({ label }, d) => (label.textContent = this.labels[d] ?? String(d)));
    fillBars(this.rows, probabilities, top);
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

/** a digit read with less confidence than this is marked (its box dashed, its card flagged) */
export const UNSURE = 0.5;

/**
 * Ten rows, one per digit: the label, a bar (its width the probability) and the value as text.
 * @param {HTMLElement} list an `ol`
 */
export function makeBars(list) {
  const rows = [];
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
    list.append(li);
    rows.push({ li, label, fill, value, spoken });
  }
  return rows;
}

/**
 * @param {ReturnType<typeof makeBars>} rows
 * @param {number[] | null} probabilities null: no values (dashes)
 * @param {number} [top] the predicted digit, highlighted
 */
export function fillBars(rows, probabilities, top) {
  rows.forEach(({ li, fill, value, spoken }, d) => {
    const p = probabilities ? Number(probabilities[d]) || 0 : 0;
    fill.style.setProperty('--p', String(Math.min(1, Math.max(0, p))));
    value.textContent = probabilities ? percent(p) : '–';
    spoken.textContent = probabilities ? '' : 'no value';
    li.classList.toggle('is-top', probabilities !== null && d === top);
  });
}

function hidden(text) {
  const el = document.createElement('span');
  el.className = 'visually-hidden';
  el.textContent = text;
  return el;
}
