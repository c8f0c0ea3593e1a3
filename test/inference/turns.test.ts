/**
 * Work on the event loop's thread takes turns: one caller per turn of the loop, in the order
 * they asked, with a poll for I/O between two turns (so a connection waiting to be accepted is
 * not held up by every queued request's work).
 */
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { takeTurn } from '../../src/inference/turns.js';

const busy = (ms: number) => {
  for (const start = performance.now(); performance.now() - start < ms;);
};

describe('takeTurn', () => {
  it('lets callers run one at a time, in the order they asked', async () => {
    const order: number[] = [];
    await Promise.all(
      [1, 2, 3, 4].map(async (i) => {
        await takeTurn();
        order.push(i);
      }),
    );
    expect(order).toEqual([1, 2, 3, 4]);
  });

  it('polls for I/O between two turns: a pending connection is accepted before the queued work is all done', async () => {
    const events: string[] = [];
    const server = createServer((socket) => {
      events.push('accepted');
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const accepted = new Promise((resolve) => server.once('connection', resolve));
    try {
      const port = (server.address() as AddressInfo).port;
      const clients: Socket[] = [];
      await Promise.all(
        [1, 2, 3].map(async (i) => {
          await takeTurn();
          // the first slice opens a connection (its connect is issued on the next tick and
          // completes in the kernel at once): only a poll of the loop can accept it
          if (i === 1) clients.push(connect(port, '127.0.0.1').on('error', () => {}));
          busy(20);
          events.push(`work ${i}`);
        }),
      );
      await accepted;
      for (const c of clients) c.destroy();
      // run in one go, the three slices would all come before the accept
      expect(events).toContain('accepted');
      expect(events.indexOf('accepted')).toBeLessThan(events.indexOf('work 3'));
      expect(events.filter((e) => e.startsWith('work'))).toEqual(['work 1', 'work 2', 'work 3']);
    } finally {
      server.close();
    }
  });

  it('keeps working after the queue has run dry', async () => {
    await takeTurn();
    await takeTurn();
    const both = await Promise.all([takeTurn().then(() => 'a'), takeTurn().then(() => 'b')]);
    expect(both).toEqual(['a', 'b']);
  });
});
