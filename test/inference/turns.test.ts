/**
 * Work on the event loop's thread takes turns: callers in the order they asked, as many per
 * turn of the loop as TURN_BUDGET_MS holds at the pace of the turn before (at most
 * CALLERS_PER_TURN), with a poll for I/O between two turns (so a connection waiting to be
 * accepted is not held up by every queued request's work).
 */
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { CALLERS_PER_TURN, TURN_BUDGET_MS, takeTurn } from '../../src/inference/turns.js';

const busy = (ms: number) => {
  for (const start = performance.now(); performance.now() - start < ms;);
};

/** Callers running `work` each, and the turn of the loop (counted by an immediate that queues itself) in which each ran. */
async function turnsOf(callers: number, work: () => void): Promise<number[]> {
  let turn = 0;
  let counting = true;
  const count = () => {
    turn++;
    if (counting) setImmediate(count);
  };
  setImmediate(count);
  const ranIn: number[] = [];
  await Promise.all(
    Array.from({ length: callers }, async () => {
      await takeTurn();
      ranIn.push(turn);
      work();
    }),
  );
  counting = false;
  return ranIn;
}

/** How many callers ran in each turn that ran any, in turn order. */
function perTurn(ranIn: number[]): number[] {
  const counts = new Map<number, number>();
  for (const turn of ranIn) counts.set(turn, (counts.get(turn) ?? 0) + 1);
  return [...counts.values()];
}

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

  it('runs quick callers many to a turn, never more than CALLERS_PER_TURN', async () => {
    const ranIn = await turnsOf(5 * CALLERS_PER_TURN, () => {});
    // one to a turn, they would take 80 turns; the first goes at the pace of whatever ran before
    expect(Math.max(...perTurn(ranIn))).toBeGreaterThan(1);
    expect(Math.max(...perTurn(ranIn))).toBeLessThanOrEqual(CALLERS_PER_TURN);
    expect(new Set(ranIn).size).toBeLessThanOrEqual(2 * CALLERS_PER_TURN);
  });

  it('runs callers whose work outlasts the budget one to a turn, once a turn has timed them', async () => {
    const heavy = () => busy(3 * TURN_BUDGET_MS);
    // the first turn goes at the quick pace of the test before: it may release both
    await turnsOf(2, heavy);
    expect(perTurn(await turnsOf(6, heavy))).toEqual([1, 1, 1, 1, 1, 1]);
  });

  it('polls for I/O between two turns: a pending connection is accepted before the queued work is all done', async () => {
    // the turns have timed callers as long as these
    await turnsOf(2, () => busy(20));
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
