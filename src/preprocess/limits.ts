/** What an upload may be before any of it is decoded: the limits every decode is held to. */
import type { ImageFormat } from './sniff.js';

export interface DecodeLimits {
  /** width x height above which an image is refused before its pixels are decoded */
  readonly maxInputPixels: number;
  /** longest side over shortest side above which an image is refused before its pixels are decoded; none when absent */
  readonly maxAspectRatio?: number;
  /** width x height summed over one request's images above which the request is refused; none when absent */
  readonly maxRequestPixels?: number;
  readonly allowedFormats: ReadonlySet<ImageFormat>;
}

export const DEFAULT_ALLOWED_FORMATS: ReadonlySet<ImageFormat> = new Set(['png', 'jpeg', 'webp', 'gif', 'tiff', 'avif']);
