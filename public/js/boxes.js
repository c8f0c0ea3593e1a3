/* global document, HTMLElement */
/**
 * The digits' boxes drawn over the number pad: one outlined rectangle per digit /read found,
 * tagged with the digit it read. The boxes come in the picture's pixels (after its EXIF
 * orientation, `image` in the answer is that frame); the pad shows the picture "contained"
 * (DrawingPad.fit), and the layer of boxes covers the canvas exactly, so a box is placed in
 * percentages of the canvas. The layer is aria-hidden: the result panel says the same in words.
 */
import { UNSURE } from './result.js';

export class BoxLayer {
  /**
   * @param {HTMLElement} layer an element laid exactly over the canvas
   * @param {import('./pad.js').DrawingPad} pad
   */
  constructor(layer, pad) {
    this.layer = layer;
    this.pad = pad;
  }

  /**
   * Mark one digit's box (the one whose card the pointer is over), or none.
   * @param {string | undefined} index
   */
  highlight(index) {
    for (const el of this.layer.children) el.classList.toggle('is-highlighted', el instanceof HTMLElement && el.dataset.index === index);
  }

  clear() {
    if (this.layer.childElementCount > 0) this.layer.replaceChildren();
    delete this.layer.dataset.count;
  }

  /**
   * @param {{digits: Array<{prediction: number, confidence: number, box: {x: number, y: number, width: number, height: number}}>,
   *          image?: {width: number, height: number}}} answer
   * @param {{width: number, height: number}} sent the size of the picture sent, when the answer has no `image`
   */
  show(answer, sent) {
    const frame = answer.image ?? sent;
    const { x, y, scale } = this.pad.fit(frame.width, frame.height);
    const { width: W, height: H } = this.pad;
    const pct = (v, of) => `${((100 * v) / of).toFixed(3)}%`;
    this.layer.replaceChildren(
      ...answer.digits.map((d, i) => {
        const el = document.createElement('div');
        el.className = 'digit-box';
        if (d.confidence < UNSURE) el.classList.add('is-unsure');
        el.dataset.index = String(i);
        el.dataset.prediction = String(d.prediction);
        // CSSOM, not a style attribute: the page's CSP allows the one, not the other
        const top = y + d.box.y * scale;
        el.style.setProperty('left', pct(x + d.box.x * scale, W));
        el.style.setProperty('top', pct(top, H));
        // the tag sits on the box's top edge, or under the box when that edge is at the pad's
        if (top < 0.15 * H) el.classList.add('is-near-top');
        el.style.setProperty('width', pct(d.box.width * scale, W));
        el.style.setProperty('height', pct(d.box.height * scale, H));
        const tag = document.createElement('span');
        tag.className = 'digit-box__tag';
        tag.textContent = String(d.prediction);
        el.append(tag);
        return el;
      }),
    );
    this.layer.dataset.count = String(answer.digits.length);
  }
}
