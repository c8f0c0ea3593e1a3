/**
 * Recognise an image format from its first bytes. The client's Content-Type and file name are
 * not trusted: the bytes decide which decoder may see them.
 */
export const IMAGE_FORMATS = ['png', 'jpeg', 'webp', 'gif', 'tiff', 'avif', 'heif', 'svg'] as const;
export type ImageFormat = (typeof IMAGE_FORMATS)[number];

/** Bytes start..end as characters, one per byte: a file's magic numbers and marker names. */
export const ascii = (buf: Uint8Array, start: number, end: number) => String.fromCharCode(...buf.subarray(start, end));

export function sniffImageFormat(buf: Uint8Array): ImageFormat | undefined {
  if (buf.length >= 8 && buf[0] === 0x89 && ascii(buf, 1, 4) === 'PNG' && buf[4] === 0x0d && buf[5] === 0x0a) return 'png';
  if (buf.length >= 3 && buf[0] === 0xff && buf[1] === 0xd8 && buf[2] === 0xff) return 'jpeg';
  if (buf.length >= 12 && ascii(buf, 0, 4) === 'RIFF' && ascii(buf, 8, 12) === 'WEBP') return 'webp';
  if (buf.length >= 6 && (ascii(buf, 0, 6) === 'GIF87a' || ascii(buf, 0, 6) === 'GIF89a')) return 'gif';
  if (buf.length >= 4 && (ascii(buf, 0, 4) === 'II*\0' || ascii(buf, 0, 4) === 'MM\0*')) return 'tiff';
  if (buf.length >= 12 && ascii(buf, 4, 8) === 'ftyp') {
    // ISO-BMFF: the major brand says which image codec (https://aomediacodec.github.io/av1-avif/#brands)
    const brand = ascii(buf, 8, 12);
    if (brand === 'avif' || brand === 'avis') return 'avif';
    if (['heic', 'heix', 'mif1', 'msf1', 'heim', 'heis', 'hevc', 'hevx'].includes(brand)) return 'heif';
    return undefined;
  }
  const head = ascii(buf, 0, Math.min(buf.length, 512))
    .replace(/^\uFEFF/, '')
    .trimStart();
  if (head.startsWith('<svg') || (head.startsWith('<?xml') && head.includes('<svg'))) return 'svg';
  return undefined;
}
