/* global document, window, history, setTimeout, clearTimeout, AbortController, File, HTMLElement */
/**
 * The page's entry point: wires the drawing pads, the file picker and drop zone, the API key
 * field and the two views together.
 *
 * Two modes share the pad's place, its controls and the result panel: **one digit** (the
 * square pad, POST /predict) and **a number** (a wide pad, POST /read: the whole string, each
 * digit's probabilities, and each digit's box drawn over the picture). Each mode keeps its own
 * pad, so switching back shows what was there; a /predict answer that found several digits
 * offers to read the same picture as a number.
 *
 * Predictions: 250 ms after the last change to the pad (or at once for an uploaded file) the
 * picture goes to POST /predict?debug=1 (or POST /read). A newer picture aborts the request
 * still on its way, and an answer is shown only if it belongs to the latest picture. A pad
 * with no ink is never sent: it shows "Draw a digit" ("Write a number") straight away.
 *
 * Uploads: a large picture (a phone photo) is shrunk in the browser before it is sent
 * (js/upload.js); drawing over an uploaded picture replaces it, and Undo brings it back.
 */
import { describeProblem, loadApiKey, predict, readNumber, saveApiKey } from './js/api.js';
import { BoxLayer } from './js/boxes.js';
import { EvalView } from './js/eval.js';
import { ModelPicker } from './js/models.js';
import { DrawingPad, PAD_SIZE } from './js/pad.js';
import { DIGIT_LABELS, ResultView } from './js/result.js';
import { setUpTabs } from './js/tabs.js';
import { prepareUpload } from './js/upload.js';

export const DEBOUNCE_MS = 250;
/** the number pad's own pixels: as tall as the digit pad, three times as wide */
export const NUMBER_PAD = { width: 3 * PAD_SIZE, height: PAD_SIZE };

const $ = (id) => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} is missing from the page`);
  return el;
};

const canvases = {
  digit: /** @type {HTMLCanvasElement} */ ($('pad')),
  number: /** @type {HTMLCanvasElement} */ ($('number-pad')),
};
const pads = { digit: new DrawingPad(canvases.digit), number: new DrawingPad(canvases.number, NUMBER_PAD) };
/** @type {'digit' | 'number'} */
let mode = 'digit';
const pad = () => pads[mode];
const result = new ResultView();
const boxes = new BoxLayer($('boxes'), pads.number);
const panel = $('panel-draw');
const undoButton = /** @type {HTMLButtonElement} */ ($('undo'));
const clearButton = /** @type {HTMLButtonElement} */ ($('clear'));
const fileInput = /** @type {HTMLInputElement} */ ($('file'));
const dropZone = $('drop-zone');
const padHint = $('pad-hint');
const padHelp = $('pad-help');
const modeRadios = { digit: /** @type {HTMLInputElement} */ ($('mode-digit')), number: /** @type {HTMLInputElement} */ ($('mode-number')) };
const readAsNumberButton = /** @type {HTMLButtonElement} */ ($('read-as-number'));
const keyInput = /** @type {HTMLInputElement} */ ($('api-key'));
const settings = /** @type {HTMLDetailsElement} */ ($('settings'));

const WORDS = {
  digit: {
    hint: 'Draw a digit here',
    help: 'Draw with a mouse, pen or finger, or upload or drop a picture of a digit.',
    noDigitUploaded: (name) => `No digit found in ${name}. Draw a digit, or upload another picture.`,
    noDigitDrawn: 'No digit found in the drawing: draw a digit a little larger or bolder.',
    dotDrawn: 'A dot is not a digit: draw the strokes of one.',
    picture: 'Drawing on the pad replaces the picture with your drawing; Undo brings the picture back.',
    replaced: 'Your drawing replaced the picture; Undo all of it to bring the picture back, or Clear to start again.',
  },
  number: {
    hint: 'Write a number here, its digits side by side',
    help: 'Write the digits side by side on one line with a mouse, pen or finger, or upload or drop a picture of a number.',
    noDigitUploaded: (name) => `No digit found in ${name}. Write a number, or upload another picture.`,
    noDigitDrawn: 'No digit found in the drawing: write the digits a little larger or bolder.',
    dotDrawn: 'A dot is not a digit: write the strokes of each digit.',
    picture: 'Writing on the pad replaces the picture with your writing; Undo brings the picture back.',
    replaced: 'Your writing replaced the picture; Undo all of it to bring the picture back, or Clear to start again.',
  },
};

keyInput.value = loadApiKey();
const apiKey = () => keyInput.value;

/* ---- predictions ---- */

let timer = 0;
/** numbers each picture; an answer for an older one is dropped */
let generation = 0;
let inFlight = null;
/** each pad's changes, counted: an answer shown for a pad still at that count can be shown again */
const versions = { digit: 0, number: 0 };
/** @type {Record<'digit' | 'number', {version: number, replay: () => void} | null>} the last answer shown per mode */
const shown = { digit: null, number: null };
/** the picture behind the digit answer on show: "Read it as a number" sends it to /read */
let lastDigitPicture = null;

function cancelPending() {
  clearTimeout(timer);
  inFlight?.abort();
  inFlight = null;
  generation++;
}

function refreshControls() {
  // aria-disabled, not disabled: a button that empties the pad keeps the keyboard focus
  undoButton.setAttribute('aria-disabled', String(!pad().canUndo));
  clearButton.setAttribute('aria-disabled', String(!pad().canUndo));
  padHint.hidden = pad().canUndo;
  // drawing over an uploaded picture replaces it: say so while it can happen, and after
  const words = WORDS[mode];
  const help = pad().holdsPicture ? words.picture : pad().replacedPicture ? words.replaced : words.help;
  if (padHelp.textContent !== help) padHelp.textContent = help;
  padHelp.classList.toggle('is-notice', help !== words.help);
}

/** Show an answer and keep it, to show it again when the user comes back to this mode. */
function showAndKeep(m, replay) {
  shown[m] = { version: versions[m], replay };
  replay();
}

function padChanged() {
  refreshControls();
  cancelPending();
  if (mode === 'number') boxes.clear(); // the boxes were the old picture's
  if (!pad().canUndo) {
    result.empty();
    return;
  }
  result.setBusy(true);
  timer = setTimeout(() => void readPad(), DEBOUNCE_MS);
}

async function readPad() {
  result.setBusy(true);
  const current = pad();
  // the pixels decide, not the list of strokes: a blank pad is never sent
  if (current.isBlank()) {
    result.empty();
    return;
  }
  const file = current.uploadedFileOnly;
  // an uploaded picture with nothing drawn over it goes as it is, in its own format and size
  const before = generation;
  const image = file ?? (await current.toPng());
  if (before !== generation) return; // drawn on while encoding: a newer read is scheduled
  await send(image, file ? file.name : 'drawing.png', Boolean(file));
}

/** The size of the picture on the pad that is sent: the file's when it goes alone, else the canvas's. */
function sentSize(p) {
  const layer = p.layers.length === 1 && p.layers[0].kind === 'image' ? p.layers[0] : null;
  return layer?.bitmap ? { width: layer.bitmap.width, height: layer.bitmap.height } : { width: p.width, height: p.height };
}

/**
 * @param {Blob} image
 * @param {string} filename
 * @param {boolean} uploaded
 */
async function send(image, filename, uploaded) {
  const mine = ++generation;
  const m = mode;
  inFlight?.abort();
  const controller = new AbortController();
  inFlight = controller;
  result.setBusy(true);
  const call = m === 'number' ? readNumber : predict;
  const answer = await call(image, filename, { apiKey: apiKey(), signal: controller.signal, model: picker.choice });
  if (mine !== generation) return; // the picture changed meanwhile
  inFlight = null;
  if (answer.ok) {
    const { data } = answer;
    if (m === 'number') {
      const size = sentSize(pads.number);
      const drawBoxes = !pads.number.showsUnreadablePicture && Array.isArray(data.digits);
      showAndKeep(m, () => {
        result.showNumber(data);
        if (drawBoxes) boxes.show(data, size);
        else boxes.clear();
      });
    } else {
      const picture = { image, filename };
      showAndKeep(m, () => {
        lastDigitPicture = picture;
        result.show(data);
      });
    }
    return;
  }
  if (answer.aborted) return;
  const { problem } = answer;
  if (problem.code === 'no_digit') {
    const drawn = problem.reason === 'dot' ? WORDS[m].dotDrawn : WORDS[m].noDigitDrawn;
    const why = uploaded ? WORDS[m].noDigitUploaded(filename) : drawn;
    showAndKeep(m, () => result.empty(why));
    return;
  }
  if (problem.code === 'unauthorized') askForKey();
  const message = describeProblem(problem, { keySent: apiKey().trim() !== '' });
  showAndKeep(m, () => result.error(message));
}

/* ---- the two modes ---- */

/**
 * @param {'digit' | 'number'} next
 * @param {{read?: boolean}} [options] read: show the mode's pad's answer (again, or asked anew)
 */
function setMode(next, { read = true } = {}) {
  if (next === mode) return;
  cancelPending();
  pads[mode].active = null;
  mode = next;
  modeRadios[next].checked = true;
  panel.dataset.mode = next;
  canvases.digit.hidden = next !== 'digit';
  canvases.number.hidden = next !== 'number';
  boxes.clear();
  result.setMode(next);
  padHint.textContent = WORDS[next].hint;
  refreshControls();
  if (!$('panel-draw').hidden) history.replaceState(null, '', next === 'number' ? '#number' : '#draw');
  if (!read) return;
  const kept = shown[next];
  if (!pad().canUndo) result.empty();
  else if (kept && kept.version === versions[next]) kept.replay();
  else void readPad();
}

for (const [m, radio] of Object.entries(modeRadios)) {
  radio.addEventListener('change', () => {
    if (radio.checked) setMode(/** @type {'digit' | 'number'} */ (m));
  });
}

readAsNumberButton.addEventListener('click', () => {
  const picture = lastDigitPicture;
  if (!picture) return;
  const file =
    picture.image instanceof File
      ? picture.image
      : new File([picture.image], picture.filename, { type: picture.image.type || 'image/png' });
  setMode('number', { read: false });
  // the button is gone with digit mode: the focus goes to the control that now says "A number"
  modeRadios.number.focus();
  void upload(file);
});

// a digit's card under the pointer marks its box on the picture
const cards = $('digit-cards');
cards.addEventListener('pointerover', (e) => {
  const card = /** @type {HTMLElement} */ (e.target).closest('.digit-card');
  boxes.highlight(card instanceof HTMLElement ? card.dataset.index : undefined);
});
cards.addEventListener('pointerleave', () => boxes.highlight(undefined));

/* ---- the pad's controls ---- */

for (const m of /** @type {const} */ (['digit', 'number'])) {
  pads[m].addEventListener('change', () => versions[m]++);
  pads[m].addEventListener('change', () => {
    if (m === mode && !placing) padChanged();
  });
}
undoButton.addEventListener('click', () => pad().undo());
clearButton.addEventListener('click', () => pad().clear());
document.addEventListener('keydown', (e) => {
  const target = /** @type {HTMLElement} */ (e.target);
  if (target.closest('input, textarea, [contenteditable]')) return;
  if ((e.ctrlKey || e.metaKey) && !e.shiftKey && e.key.toLowerCase() === 'z' && !$('panel-draw').hidden) {
    e.preventDefault();
    pad().undo();
  }
});

/** set while an uploaded picture is put on the pad: its change is read at once, not debounced */
let placing = false;

/** @param {File | undefined} chosen */
async function upload(chosen) {
  if (!chosen) return;
  cancelPending();
  const mine = generation;
  const target = pad();
  result.setBusy(true);
  if (mode === 'number') boxes.clear();
  // a phone photo is shrunk here, not sent as megabytes
  const { file, bitmap } = await prepareUpload(chosen);
  if (mine !== generation || target !== pad()) {
    bitmap?.close(); // something newer happened meanwhile (another upload, a stroke, the other mode)
    return;
  }
  placing = true;
  try {
    await target.setImage(file, bitmap);
  } finally {
    placing = false;
  }
  refreshControls();
  await send(file, file.name, true);
}

fileInput.addEventListener('change', () => {
  const file = fileInput.files?.[0];
  // reset, so choosing the same file again is a change too
  fileInput.value = '';
  void upload(file);
});

let dragDepth = 0;
const hasFiles = (e) => [...(e.dataTransfer?.types ?? [])].includes('Files');
dropZone.addEventListener('dragenter', (e) => {
  if (!hasFiles(e)) return;
  e.preventDefault();
  dragDepth++;
  dropZone.classList.add('is-dragover');
});
dropZone.addEventListener('dragover', (e) => {
  if (!hasFiles(e)) return;
  e.preventDefault();
  if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
});
dropZone.addEventListener('dragleave', () => {
  dragDepth = Math.max(0, dragDepth - 1);
  if (dragDepth === 0) dropZone.classList.remove('is-dragover');
});
dropZone.addEventListener('drop', (e) => {
  e.preventDefault();
  dragDepth = 0;
  dropZone.classList.remove('is-dragover');
  void upload(e.dataTransfer?.files?.[0]);
});
// a file dropped next to the pad must not replace the page with the file
window.addEventListener('dragover', (e) => hasFiles(e) && e.preventDefault());
window.addEventListener('drop', (e) => hasFiles(e) && e.preventDefault());

/* ---- the API key ---- */

function askForKey() {
  settings.open = true;
  settings.classList.add('settings--attention');
  // straight into the field: typing the key is the next thing to do
  keyInput.focus();
  if (keyInput.value) keyInput.select(); // a refused key: typing replaces it
}

keyInput.addEventListener('change', () => {
  saveApiKey(keyInput.value.trim());
  settings.classList.remove('settings--attention');
  // try again with the new key; an answer kept for the other mode may be a refusal: forget it
  shown.digit = null;
  shown.number = null;
  if (result.root.dataset.state === 'error' && pad().canUndo) void readPad();
  if (!$('panel-eval').hidden && !evalView.loaded) void evalView.load();
});

/* ---- the model ---- */

const picker = new ModelPicker($('model-choice'), $('model-choice-field'), apiKey, () => {
  result.labels = picker.labels ?? DIGIT_LABELS;
  // another model reads the same picture: answers kept for either mode were the old model's
  shown.digit = null;
  shown.number = null;
  if (pad().canUndo) void readPad();
  if (!$('panel-eval').hidden) void evalView.load();
  else evalView.loaded = false;
});
void picker.load().then(() => (result.labels = picker.labels ?? DIGIT_LABELS));

/* ---- views ---- */

const evalView = new EvalView(
  apiKey,
  askForKey,
  () => picker.choice,
  () => picker.labels,
);
setUpTabs($('tabs'), (name) => {
  if (name === 'eval') evalView.ensureLoaded();
  // the Draw tab's link says which mode it is in
  if (name === 'draw' && mode === 'number') history.replaceState(null, '', '#number');
});

/** #number opens the Draw view in number mode, #draw in digit mode */
function modeFromHash() {
  const hash = window.location.hash;
  if (hash === '#draw' && !panel.hidden) setMode('digit');
  if (hash !== '#number') return;
  if (panel.hidden) $('tab-draw').click();
  setMode('number');
}
window.addEventListener('hashchange', modeFromHash);
modeFromHash();

refreshControls();
document.documentElement.dataset.ready = 'true';
