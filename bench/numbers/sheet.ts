/**
 * A contact sheet of the corpus: one row per family, each picture shrunk into a cell with its
 * truth boxes outlined, to check by eye that the pictures look like numbers written on paper
 * and that the boxes sit on the digits.
 */
import sharp from 'sharp';
import type { NumberPicture } from './numbers.js';

const CELL = { width: 300, height: 130 };
const PAD = 6;
/** Transparent pictures are shown on mid grey, where both black and white strokes show. */
const BACKDROP = { r: 128, g: 128, b: 128 };

async function thumbnail(picture: NumberPicture): Promise<Buffer> {
  const { truth } = picture;
  const scale = Math.min(CELL.width / truth.width, CELL.height / truth.height);
  const width = Math.max(1, Math.round(truth.width * scale));
  const height = Math.max(1, Math.round(truth.height * scale));
  const rects = truth.digits
    .map(({ box }) => {
      const [x, y, w, h] = [box.x, box.y, box.width, box.height].map((v) => (v * scale).toFixed(1));
      return `<rect x="${x}" y="${y}" width="${w}" height="${h}" fill="none" stroke="#00d000" stroke-width="1"/>`;
    })
    .join('');
  const outline = Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${rects}</svg>`);
  return sharp(picture.bytes)
    .flatten({ background: BACKDROP })
    .resize(width, height)
    .composite([{ input: outline }])
    .png()
    .toBuffer();
}

/** `rows` of pictures (one family each) as one PNG. */
export async function contactSheet(rows: readonly (readonly NumberPicture[])[]): Promise<Buffer> {
  const columns = Math.max(1, ...rows.map((r) => r.length));
  const cells = await Promise.all(
    rows.flatMap((row, r) =>
      row.map(async (picture, c) => ({
        input: await thumbnail(picture),
        left: PAD + c * (CELL.width + PAD),
        top: PAD + r * (CELL.height + PAD),
      })),
    ),
  );
  return sharp({
    create: {
      width: PAD + columns * (CELL.width + PAD),
      height: PAD + rows.length * (CELL.height + PAD),
      channels: 3,
      background: { r: 255, g: 255, b: 255 },
    },
  })
    .composite(cells)
    .png()
    .toBuffer();
}
