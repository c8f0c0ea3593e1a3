/**
 * The pictures the speed benches send, so bench:compare's load and bench:micro's per-picture
 * costs are about the same files. (Test digit i as a client's PNG: test/support/mnist.ts.)
 */
import sharp from 'sharp';

export /** A digit as a phone photo would give it: dark ink on light, slightly uneven paper, 280x280, JPEG. */
async function photoJpeg(pixels: Uint8Array): Promise<Buffer> {
  const big = await sharp(Buffer.from(pixels), { raw: { width: 28, height: 28, channels: 1 } })
    .resize(200, 200, { kernel: 'cubic' })
    .extractChannel(0)
    .raw()
    .toBuffer();
  const page = Buffer.alloc(280 * 280);
  for (let y = 0; y < 280; y++) {
    for (let x = 0; x < 280; x++) {
      const paper = 225 + Math.round(20 * (x / 280)) - Math.round(10 * (y / 280));
      const ink = y >= 40 && y < 240 && x >= 40 && x < 240 ? big[(y - 40) * 200 + (x - 40)]! : 0;
      page[y * 280 + x] = Math.max(0, paper - Math.round((ink * (paper - 30)) / 255));
    }
  }
  return sharp(page, { raw: { width: 280, height: 280, channels: 1 } })
    .jpeg({ quality: 85 })
    .toBuffer();
}
