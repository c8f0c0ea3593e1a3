/**
 * The decode for reading a whole number: like decodeImage (preprocess/decode.ts) but at a
 * resolution a line of digits survives. /predict's ANALYSIS_SIDE leaves each of eight digits
 * a few pixels wide; LINE_SIDE keeps a phone photo's line of digits about at its drawn size.
 */
import { splitChannels } from '../preprocess/channels.js';
import { checkImageBytes, decodeProblem, openImage, type DecodeLimits } from '../preprocess/decode.js';
import type { GreyImage } from '../preprocess/ink.js';

/** longest side, in pixels, a picture is shrunk to (never enlarged) */
export const LINE_SIDE = 1024;

/** First frame, EXIF orientation applied, shrunk to fit LINE_SIDE, as grey levels and alpha. */
export async function decodeLine(bytes: Uint8Array, limits: DecodeLimits): Promise<GreyImage> {
  const format = checkImageBytes(bytes, limits);
  try {
    const { data, info } = await openImage(bytes, limits)
      .resize(LINE_SIDE, LINE_SIDE, { fit: 'inside', withoutEnlargement: true })
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    return splitChannels(new Uint8Array(data.buffer, data.byteOffset, data.length), info.width, info.height, info.channels);
  } catch (err) {
    throw decodeProblem(err, format);
  }
}
