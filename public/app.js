/* global document, window, setTimeout, clearTimeout, AbortController */
/**
 * The page's entry point: wires the drawing pad, the file picker and drop zone, the API key
 * field and the two views together.
 *
 * Predictions: 250 ms after the last change to the pad (or at once for an uploaded file) the
 * picture goes to POST /predict?debug=1. A newer picture aborts the request still on its way,
 * and an answer is shown only if it belongs to the latest picture. A pad with no ink is never
 * sent: it shows "Draw a digit" straight away.
 */
import { describeProblem, loadApiKey, predict, saveApiKey } from './js/api.js';
import { EvalView } from './js/eval.js';
import { DrawingPad } from './js/pad.js';
import { ResultView } from './js/result.js';
import { setUpTabs } from './js/tabs.js';

export const DEBOUNCE_MS = 250;

const $ = (id) => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} is missing from the page`);
  return el;
};

const canvas = /** @type {HTMLCanvasElement} */ ($('pad'));
const pad = new DrawingPad(canvas);
const result = new ResultView();
const undoButton = /** @type {HTMLButtonElement} */ ($('undo'));
const clearButton = /** @type {HTMLButtonElement} */ ($('clear'));
const fileInput = /** @type {HTMLInputElement} */ ($('file'));
const dropZone = $('drop-zone');
const padHint = $('pad-hint');
const keyInput = /** @type {HTMLInputElement} */ ($('api-key'));
const settings = /** @type {HTMLDetailsElement} */ ($('settings'));

keyInput.value = loadApiKey();
const apiKey = () => keyInput.value;

/* ---- predictions ---- */

let timer = 0;
/** numbers each picture; an answer for an older one is dropped */
let generation = 0;
let inFlight = null;

function cancelPending() {
  clearTimeout(timer);
  inFlight?.abort();
  inFlight = null;
  generation++;
}

function refreshControls() {
  // aria-disabled, not disabled: a button that empties the pad keeps the keyboard focus
  undoButton.setAttribute('aria-disabled', String(!pad.canUndo));
  clearButton.setAttribute('aria-disabled', String(!pad.canUndo));
  padHint.hidden = pad.canUndo;
}

function padChanged() {
  refreshControls();
  cancelPending();
  if (!pad.canUndo) {
    result.empty();
    return;
  }
  result.setBusy(true);
  timer = setTimeout(() => void readPad(), DEBOUNCE_MS);
}

async function readPad() {
  result.setBusy(true);
  // the pixels decide, not the list of strokes: a blank pad is never sent
  if (pad.isBlank()) {
    result.empty();
    return;
  }
  const file = pad.uploadedFileOnly;
  // an uploaded picture with nothing drawn over it goes as it is, in its own format and size
  const before = generation;
  const image = file ?? (await pad.toPng());
  if (before !== generation) return; // drawn on while encoding: a newer read is scheduled
  await send(image, file ? file.name : 'drawing.png', Boolean(file));
}

/**
 * @param {Blob} image
 * @param {string} filename
 * @param {boolean} uploaded
 */
async function send(image, filename, uploaded) {
  const mine = ++generation;
  inFlight?.abort();
  const controller = new AbortController();
  inFlight = controller;
  result.setBusy(true);
  const answer = await predict(image, filename, { apiKey: apiKey(), signal: controller.signal });
  if (mine !== generation) return; // the picture changed meanwhile
  inFlight = null;
  if (answer.ok) {
    result.show(answer.data);
    return;
  }
  if (answer.aborted) return;
  const { problem } = answer;
  if (problem.code === 'no_digit') {
    result.empty(
      uploaded
        ? `No digit found in ${filename}. Draw a digit, or upload another picture.`
        : 'No digit found in the drawing: draw a digit a little larger or bolder.',
    );
    return;
  }
  if (problem.code === 'unauthorized') askForKey();
  result.error(describeProblem(problem, { keySent: apiKey().trim() !== '' }));
}

/* ---- the pad's controls ---- */

pad.addEventListener('change', padChanged);
undoButton.addEventListener('click', () => pad.undo());
clearButton.addEventListener('click', () => pad.clear());
document.addEventListener('keydown', (e) => {
  const target = /** @type {HTMLElement} */ (e.target);
  if (target.closest('input, textarea, [contenteditable]')) return;
  if ((e.ctrlKey || e.metaKey) && !e.shiftKey && e.key.toLowerCase() === 'z' && !$('panel-draw').hidden) {
    e.preventDefault();
    pad.undo();
  }
});

/** @param {File | undefined} file */
async function upload(file) {
  if (!file) return;
  cancelPending();
  result.setBusy(true);
  pad.removeEventListener('change', padChanged);
  try {
    await pad.setImage(file);
  } finally {
    pad.addEventListener('change', padChanged);
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
}

keyInput.addEventListener('change', () => {
  saveApiKey(keyInput.value.trim());
  settings.classList.remove('settings--attention');
  // try again with the new key
  if (result.root.dataset.state === 'error' && pad.canUndo) void readPad();
  if (!$('panel-eval').hidden && !evalView.loaded) void evalView.load();
});

/* ---- views ---- */

const evalView = new EvalView(apiKey, askForKey);
setUpTabs($('tabs'), (name) => {
  if (name === 'eval') evalView.ensureLoaded();
});

refreshControls();
document.documentElement.dataset.ready = 'true';
