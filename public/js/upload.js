/* global document, createImageBitmap, File */
/**
 * A picture chosen or dropped, made ready to send: a phone photo of megabytes is shrunk in the
 * browser before it goes anywhere; a small file goes as it is.
 *
 * The picture is decoded once, turned upright by its EXIF orientation (`imageOrientation:
 * 'from-image'`), and when it is large (over SMALL_FILE_BYTES, or over MAX_PIXELS) drawn on a
 * canvas whose longest side is at most MAX_SIDE and encoded as a JPEG (a PNG when it has
 * transparent pixels, which a JPEG would turn black). MAX_SIDE keeps a line of digits across
 * a photo readable for /read and is far more than /predict needs for one digit; the JPEG has
 * no EXIF, its pixels are already upright.
 */

/** files up to this size go as they are (the service takes 5 MB by default, MAX_FILE_BYTES) */
export const SMALL_FILE_BYTES = 1_000_000;
/** ... unless they hold more pixels than this (the service refuses 25 megapixels by default) */
export const MAX_PIXELS = 16_000_000;
/** the longest side of a shrunk picture, in pixels */
export const MAX_SIDE = 1600;
export const JPEG_QUALITY = 0.9;

/**
 * @param {File} file
 * @returns {Promise<{file: File, bitmap: ImageBitmap | null, shrunk: boolean}>} what to send and
 *   show: `bitmap` the picture as the pad shows it (null: a format this browser cannot decode,
 *   sent as it is for the service to try)
 */
export async function prepareUpload(file) {
  let bitmap;
  try {
    bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
  } catch {
    return { file, bitmap: null, shrunk: false };
  }
  const { width, height } = bitmap;
  if (file.size <= SMALL_FILE_BYTES && width * height <= MAX_PIXELS) return { file, bitmap, shrunk: false };

  const scale = Math.min(1, MAX_SIDE / Math.max(width, height));
  const canvas = document.createElement('canvas');
  canvas.width = Math.max(1, Math.round(width * scale));
  canvas.height = Math.max(1, Math.round(height * scale));
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) return { file, bitmap, shrunk: false };
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(bitmap, 0, 0, canvas.width, canvas.height);

  const png = file.type !== 'image/jpeg' && hasTransparency(ctx, canvas.width, canvas.height);
  const type = png ? 'image/png' : 'image/jpeg';
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, type, JPEG_QUALITY));
  // not encoded, or no smaller while the file was acceptable anyway: the file itself
  if (!blob || (blob.size >= file.size && width * height <= MAX_PIXELS)) return { file, bitmap, shrunk: false };
  bitmap.close();
  const name = file.name.replace(/\.[^.]*$/, '') + (png ? '.png' : '.jpg');
  return { file: new File([blob], name, { type }), bitmap: await createImageBitmap(canvas), shrunk: true };
}

/** True when any pixel of the canvas is not fully opaque. */
function hasTransparency(ctx, width, height) {
  const { data } = ctx.getImageData(0, 0, width, height);
  for (let i = 3; i < data.length; i += 4) if (data[i] < 255) return true;
  return false;
}
