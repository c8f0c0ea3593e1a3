import type { Readable } from 'node:stream';

/** The connection closed, or the stream failed, before the whole body arrived. */
export class BodyCutShort extends Error {
  override name = 'BodyCutShort';
}

/**
 * A request body of known length read whole and handed to `parse` as one buffer. When `parse`
 * declines (undefined), the bytes are put back into the stream with readable.unshift (made for
 * parsers that read ahead), so that a streaming reader reads the body from its start. They are
 * put back in the same tick as the last read: the stream cannot have emitted 'end' by then.
 */
export function readWhole<T>(body: Readable, length: number, parse: (bytes: Buffer) => T | undefined): Promise<T | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const stopListening = () => {
      body.off('readable', onReadable);
      body.off('end', onCutShort);
      body.off('close', onCutShort);
      body.off('error', onCutShort);
    };
    function onReadable() {
      for (let chunk = body.read() as Buffer | null; chunk !== null; chunk = body.read() as Buffer | null) {
        chunks.push(chunk);
        received += chunk.length;
      }
      if (received < length) return;
      stopListening();
      const bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, received);
      try {
        const parsed = parse(bytes);
        if (parsed === undefined) body.unshift(bytes);
        resolve(parsed);
      } catch (err) {
        reject(err);
      }
    }
    function onCutShort(err?: Error) {
      stopListening();
      reject(new BodyCutShort(`the body ended after ${received} of ${length} bytes`, { cause: err }));
    }
    body.on('readable', onReadable);
    body.on('end', onCutShort);
    body.on('close', onCutShort);
    body.on('error', onCutShort);
  });
}
