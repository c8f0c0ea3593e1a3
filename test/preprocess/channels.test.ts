import { describe, expect, it } from 'vitest';
import { splitChannels } from '../../src/preprocess/channels.js';

describe('splitChannels', () => {
  it('keeps grey pixels of an RGB picture at their exact level', () => {
    const rgb = Uint8Array.from({ length: 256 * 3 }, (_, i) => Math.floor(i / 3));
    const { grey, alpha } = splitChannels(rgb, 256, 1, 3);
    expect(Array.from(grey)).toEqual(Array.from({ length: 256 }, (_, v) => v));
    expect(alpha).toBeNull();
  });

  it('weighs green most and blue least (BT.601 luma)', () => {
    const { grey } = splitChannels(Uint8Array.of(255, 0, 0, 0, 255, 0, 0, 0, 255), 3, 1, 3);
    expect(Array.from(grey)).toEqual([76, 150, 29]);
  });

  it('splits off the alpha channel of RGBA and grey-alpha pixels', () => {
    expect(splitChannels(Uint8Array.of(10, 10, 10, 0, 200, 200, 200, 255), 2, 1, 4)).toMatchObject({
      grey: Uint8Array.of(10, 200),
      alpha: Uint8Array.of(0, 255),
    });
    expect(splitChannels(Uint8Array.of(7, 128), 1, 1, 2)).toMatchObject({ grey: Uint8Array.of(7), alpha: Uint8Array.of(128) });
  });

  it('averages whole blocks when shrinking, and the cut-short blocks at the edges', () => {
    // 3x3 grey: shrunk by 2 to 2x2; the right column and bottom row are blocks of 2 and 1 pixels
    const img = splitChannels(Uint8Array.of(0, 100, 50, 200, 100, 50, 10, 20, 7), 3, 3, 1, 2);
    expect([img.width, img.height]).toEqual([2, 2]);
    expect(Array.from(img.grey)).toEqual([100, 50, 15, 7]);
  });

  it('gives every block the mean of its pixels, for any channels, factor and edge', () => {
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
    for (const channels of [1, 2, 3, 4]) {
      for (const [width, height, factor] of [
        [9, 7, 2],
        [10, 11, 3],
        [17, 5, 4],
      ] as const) {
        const data = Uint8Array.from({ length: width * height * channels }, next);
        const full = splitChannels(data, width, height, channels);
        const img = splitChannels(data, width, height, channels, factor);
        const mean = (plane: Uint8Array, bx: number, by: number) => {
          let sum = 0;
          let n = 0;
          for (let y = by * factor; y < Math.min(height, (by + 1) * factor); y++) {
            for (let x = bx * factor; x < Math.min(width, (bx + 1) * factor); x++, n++) sum += plane[y * width + x]!;
          }
          return Math.round(sum / n);
        };
        for (let by = 0; by < img.height; by++) {
          for (let bx = 0; bx < img.width; bx++) {
            expect(img.grey[by * img.width + bx]).toBe(mean(full.grey, bx, by));
            if (full.alpha) expect(img.alpha![by * img.width + bx]).toBe(mean(full.alpha, bx, by));
          }
        }
        expect(img.alpha === null).toBe(full.alpha === null);
      }
    }
  });
});
