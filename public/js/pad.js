/* global EventTarget, Event, createImageBitmap */
/**
 * The drawing pad: white ink on a black canvas (like MNIST), drawn with pointer events so a
 * mouse, a pen and a finger all work. Everything drawn is kept as a list of layers (strokes,
 * and at most one uploaded picture at the bottom) and the canvas is repainted from that list,
 * which is what makes Undo exact.
 *
 * Drawing over an uploaded picture starts a new drawing: the picture goes (its ink is
 * rarely white on black, so strokes over it would be invisible or not count) and Undo of the
 * last stroke brings it back.
 *
 * Events: `change` whenever what the canvas shows changes (while a stroke is drawn too).
 */

/** the canvas's own pixels; CSS scales it to the page */
export const PAD_SIZE = 280;
/** about 2 MNIST pixels once the drawing is scaled to MNIST's 20-pixel digit box */
export const LINE_WIDTH = 20;
const INK = '#ffffff';
const PAPER = '#000000';
/** a canvas pixel counts as ink above this red level (the paper is 0) */
const INK_LEVEL = 40;

export class DrawingPad extends EventTarget {
  /**
   * @param {HTMLCanvasElement} canvas
   * @param {{width?: number, height?: number}} [size] the canvas's own pixels (the square digit
   *   pad by default; the number pad is wide)
   */
  constructor(canvas, { width = PAD_SIZE, height = PAD_SIZE } = {}) {
    super();
    this.canvas = canvas;
    this.width = width;
    this.height = height;
    canvas.width = width;
    canvas.height = height;
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    if (!ctx) throw new Error('this browser has no 2D canvas');
    this.ctx = ctx;
    /** @type {Array<{kind: 'stroke', points: Array<{x: number, y: number}>} | {kind: 'image', file: File, bitmap: ImageBitmap | null}>} */
    this.layers = [];
    /** the layers a drawing replaced (an uploaded picture): Undo of its last stroke restores them */
    this.replaced = null;
    /** the stroke being drawn and the pointer drawing it */
    this.active = null;
    this.render();

    canvas.addEventListener('pointerdown', (e) => this.#down(e));
    canvas.addEventListener('pointermove', (e) => this.#move(e));
    canvas.addEventListener('pointerup', (e) => this.#up(e));
    canvas.addEventListener('pointercancel', (e) => this.#up(e));
    // no context menu or text selection from a long press while drawing
    canvas.addEventListener('contextmenu', (e) => e.preventDefault());
  }

  /** the uploaded picture, when it is the only thing on the pad */
  get uploadedFileOnly() {
    return this.layers.length === 1 && this.layers[0].kind === 'image' ? this.layers[0].file : null;
  }

  get canUndo() {
    return this.layers.length > 0;
  }

  /** True while an uploaded picture is on the pad (drawing would replace it). */
  get holdsPicture() {
    return this.layers.some((l) => l.kind === 'image');
  }

  /** True while a drawing stands in for an uploaded picture that Undo can bring back. */
  get replacedPicture() {
    return this.replaced !== null;
  }

  /** True when the canvas holds no ink at all (checked on the pixels, not on the layer list). */
  isBlank() {
    if (this.layers.some((l) => l.kind === 'image')) return false;
    const { data } = this.ctx.getImageData(0, 0, this.width, this.height);
    for (let i = 0; i < data.length; i += 4) if (data[i] > INK_LEVEL) return false;
    return true;
  }

  undo() {
    if (this.active) this.active = null;
    if (!this.layers.pop()) return;
    if (this.layers.length === 0 && this.replaced) {
      this.layers = this.replaced;
      this.replaced = null;
    }
    this.#changed();
  }

  clear() {
    this.active = null;
    this.replaced = null;
    if (this.layers.length === 0) return;
    this.layers = [];
    this.#changed();
  }

  /**
   * Show an uploaded picture on the pad (replacing whatever was drawn). The file is kept as it
   * is: while nothing is drawn over it, the file itself is what gets sent.
   * @param {File} file
   * @param {ImageBitmap | null} [decoded] the file already decoded (upright), or null when it
   *   could not be; decoded here when not given
   */
  async setImage(file, decoded) {
    let bitmap = decoded ?? null;
    if (decoded === undefined) {
      try {
        bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
      } catch {
        // a format this browser cannot show (TIFF, say): the server may still read it
      }
    }
    this.active = null;
    this.replaced = null;
    this.layers = [{ kind: 'image', file, bitmap }];
    this.#changed();
  }

  /** The canvas as a PNG. @returns {Promise<Blob>} */
  toPng() {
    this.render();
    return new Promise((resolve, reject) =>
      this.canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('the canvas could not be encoded'))), 'image/png'),
    );
  }

  render() {
    const { ctx } = this;
    ctx.globalCompositeOperation = 'source-over';
    ctx.fillStyle = PAPER;
    ctx.fillRect(0, 0, this.width, this.height);
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.lineWidth = LINE_WIDTH;
    ctx.strokeStyle = INK;
    ctx.fillStyle = INK;
    for (const layer of this.layers) {
      if (layer.kind === 'image') this.#paintImage(layer);
      else paintStroke(ctx, layer.points);
    }
  }

  #paintImage(layer) {
    const { ctx } = this;
    if (!layer.bitmap) {
      ctx.fillStyle = '#c8ccd4';
      ctx.font = '16px system-ui, sans-serif';
      ctx.textAlign = 'center';
      ctx.fillText(layer.file.name.slice(0, 30), this.width / 2, this.height / 2);
      ctx.fillStyle = INK;
      return;
    }
    // contain: the whole picture, centred, aspect kept
    const { x, y, scale } = this.fit(layer.bitmap.width, layer.bitmap.height);
    // a small picture (an MNIST file) enlarged shows its pixels; a photo is smoothed
    ctx.imageSmoothingEnabled = scale < 2;
    ctx.imageSmoothingQuality = 'high';
    ctx.drawImage(layer.bitmap, x, y, layer.bitmap.width * scale, layer.bitmap.height * scale);
  }

  /**
   * Where a picture of this size is shown on the canvas ("contain": whole, centred, aspect
   * kept), in canvas pixels: a point (px, py) of the picture is at (x + px * scale, y + py * scale).
   * @param {number} width
   * @param {number} height
   */
  fit(width, height) {
    const scale = Math.min(this.width / width, this.height / height);
    return { x: (this.width - width * scale) / 2, y: (this.height - height * scale) / 2, scale };
  }

  /** True while an uploaded picture is on the pad that this browser could not show. */
  get showsUnreadablePicture() {
    return this.layers.some((l) => l.kind === 'image' && !l.bitmap);
  }

  /** @param {PointerEvent} e */
  #point(e) {
    const rect = this.canvas.getBoundingClientRect();
    return {
      x: ((e.clientX - rect.left) * this.width) / rect.width,
      y: ((e.clientY - rect.top) * this.height) / rect.height,
    };
  }

  /** @param {PointerEvent} e */
  #down(e) {
    if (this.active || (e.pointerType === 'mouse' && e.button !== 0)) return;
    e.preventDefault();
    this.canvas.setPointerCapture?.(e.pointerId);
    const stroke = { kind: 'stroke', points: [this.#point(e)] };
    if (this.holdsPicture) {
      // a new drawing in the picture's place; Undo brings the picture back
      this.replaced = this.layers;
      this.layers = [];
    }
    this.layers.push(stroke);
    this.active = { stroke, pointerId: e.pointerId };
    this.#changed();
  }

  /** @param {PointerEvent} e */
  #move(e) {
    if (!this.active || e.pointerId !== this.active.pointerId) return;
    e.preventDefault();
    // coalesced events: every sample of a fast stroke, not one per frame
    const samples = typeof e.getCoalescedEvents === 'function' ? e.getCoalescedEvents() : [];
    for (const s of samples.length > 0 ? samples : [e]) this.active.stroke.points.push(this.#point(s));
    this.#changed();
  }

  /** @param {PointerEvent} e */
  #up(e) {
    if (!this.active || e.pointerId !== this.active.pointerId) return;
    this.active = null;
    this.canvas.releasePointerCapture?.(e.pointerId);
    this.#changed();
  }

  #changed() {
    this.render();
    this.dispatchEvent(new Event('change'));
  }
}

/**
 * A smooth stroke: quadratic curves through the midpoints of successive samples, so corners
 * between samples are rounded off; a single sample is a dot.
 * @param {CanvasRenderingContext2D} ctx
 * @param {Array<{x: number, y: number}>} points
 */
function paintStroke(ctx, points) {
  const first = points[0];
  if (points.length === 1) {
    ctx.beginPath();
    ctx.arc(first.x, first.y, LINE_WIDTH / 2, 0, 2 * Math.PI);
    ctx.fill();
    return;
  }
  ctx.beginPath();
  ctx.moveTo(first.x, first.y);
  for (let i = 1; i < points.length - 1; i++) {
    const p = points[i];
    const next = points[i + 1];
    ctx.quadraticCurveTo(p.x, p.y, (p.x + next.x) / 2, (p.y + next.y) / 2);
  }
  const last = points[points.length - 1];
  ctx.lineTo(last.x, last.y);
  ctx.stroke();
}
